package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

	"tessera/domain"
)

// PlacementService decides where machines go and reserves their capacity in
// the same transaction (domain.PlaceOnSite over the candidates, with the
// tenancy, settings, reservations and group members read here).
//
// Concurrency: a placement locks its affinity groups' rows (by name), decides
// without further locks, then locks the chosen site's row and checks the
// site's reservations again before adding its own. Placements onto different
// sites run in parallel; onto one site they queue on its row; placements into
// one group queue on the group's row, so a hard rule is never broken. If the
// chosen site filled up meanwhile, the transaction starts over.
type PlacementService struct {
	db *DB
	// Retries counts placements started over because the chosen site
	// filled up in the meantime (nil: not counted).
	Retries prometheus.Counter
}

var _ domain.PlacementService = (*PlacementService)(nil)

// NewPlacementService returns the placement store of db.
func NewPlacementService(db *DB) *PlacementService { return &PlacementService{db: db} }

// errStartOver makes Place roll back and try again.
var errStartOver = errors.New("placement: chosen site changed, start over")

const placementAttempts = 10

// Place decides and reserves. See domain.PlacementService.
func (s *PlacementService) Place(ctx context.Context, machineID string, req domain.PlaceRequest, cands []domain.SiteCandidate) (*domain.PlaceDecision, error) {
	if err := domain.RequireTenant(req.TenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(machineID) || !domain.IsID(req.TenantID) {
		return nil, domain.Errorf(domain.EINVALID, "A placement needs a machine and a tenant.")
	}
	if err := domain.ValidateGroups(req.Groups); err != nil {
		return nil, err
	}
	var d *domain.PlaceDecision
	var err error
	for attempt := 0; attempt < placementAttempts; attempt++ {
		d, err = s.placeOnce(ctx, machineID, req, cands)
		if !retryable(err) {
			break
		}
		if s.Retries != nil {
			s.Retries.Inc()
		}
	}
	if retryable(err) {
		return d, domain.Errorf(domain.EUNAVAILABLE, "Too many machines are being placed at once; try again in a moment.")
	}
	if err != nil {
		return d, translate(err, "")
	}
	return d, nil
}

// placeOnce runs one placement transaction on a pooled connection, with
// BEGIN sent in the first batch and COMMIT in the last: three round trips.
func (s *PlacementService) placeOnce(ctx context.Context, machineID string, req domain.PlaceRequest, cands []domain.SiteCandidate) (*domain.PlaceDecision, error) {
	conn, err := s.db.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	d, err := placeTx(ctx, conn, machineID, req, cands, true)
	if err != nil && conn.Conn().PgConn().TxStatus() != 'I' {
		// Roll back whatever is open; a connection that cannot is closed.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := conn.Exec(rctx, "ROLLBACK"); rerr != nil {
			_ = conn.Conn().Close(rctx)
		}
	}
	return d, err
}

// finishPlacement is called by OperationQueue.Finish in its transaction: a
// created machine's reservation goes (the site counts it from now on); a
// machine whose create failed, or that was deleted, leaves its groups too.
func finishPlacement(ctx context.Context, tx pgx.Tx, tenantID, machineID string, kind domain.OperationKind, succeeded bool) error {
	switch {
	case kind == domain.OpCreate && succeeded:
		return releaseTx(ctx, tx, tenantID, machineID)
	case kind == domain.OpCreate || kind == domain.OpDelete && succeeded:
		if err := releaseTx(ctx, tx, tenantID, machineID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM placement_group_members WHERE tenant_id = $1 AND machine_id = $2`, tenantID, machineID)
		return err
	}
	return nil
}

// retryable reports whether a placement transaction should start over.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, errStartOver) || errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// ExecPlace is Place inside a transaction the caller owns (the machine's
// create), so the reservation commits or rolls back with the machine. A
// retryable conflict is returned as EUNAVAILABLE.
func (s *PlacementService) ExecPlace(ctx context.Context, tx pgx.Tx, machineID string, req domain.PlaceRequest, cands []domain.SiteCandidate) (*domain.PlaceDecision, error) {
	if err := domain.RequireTenant(req.TenantID); err != nil {
		return nil, err
	}
	if err := domain.ValidateGroups(req.Groups); err != nil {
		return nil, err
	}
	for attempt := 0; attempt < placementAttempts; attempt++ {
		sp, err := tx.Begin(ctx) // a savepoint
		if err != nil {
			return nil, err
		}
		d, err := placeTx(ctx, sp, machineID, req, cands, false)
		if err == nil {
			return d, sp.Commit(ctx)
		}
		_ = sp.Rollback(ctx)
		if !errors.Is(err, errStartOver) {
			return d, err
		}
	}
	return nil, domain.Errorf(domain.EUNAVAILABLE, "Too many machines are being placed at once; try again in a moment.")
}

// dbConn is what placeTx needs: a transaction, or a connection on which it
// opens and commits its own (own).
type dbConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

func placeTx(ctx context.Context, tx dbConn, machineID string, req domain.PlaceRequest, cands []domain.SiteCandidate, own bool) (*domain.PlaceDecision, error) {
	// One round trip: create and lock the groups (in name order), read their
	// members, the sites' settings and reservations and the tenancies.
	st := &placementState{}
	b := &pgx.Batch{}
	if own {
		b.Queue("BEGIN")
	}
	st.queue(b, req, cands, true)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	req, cands, err := st.apply(req, cands)
	if err != nil {
		return nil, err
	}
	d, err := domain.PlaceOnSite(req, cands)
	if err != nil {
		return d, err
	}
	c, err := lockChosen(ctx, tx, req, d, cands, st)
	if err != nil {
		return nil, err
	}
	kept := d.Fitting
	if len(kept) > keptFitting {
		kept = kept[:keptFitting]
	}
	fitting, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	excluded, err := json.Marshal(d.Excluded)
	if err != nil {
		return nil, err
	}
	// One round trip: count the reservation, keep it, the group members and the decision.
	sh := req.Shape
	b = &pgx.Batch{}
	b.Queue(`UPDATE placement_sites SET reserved_vcpus = reserved_vcpus + $2, reserved_memory_mib = reserved_memory_mib + $3,
		reserved_storage_gib = reserved_storage_gib + $4 WHERE site_id = $1`, c.SiteID, sh.VCPUs, sh.MemoryMiB, sh.DiskGiB)
	b.Queue(`INSERT INTO placement_reservations (machine_id, tenant_id, site_id, vcpus, memory_mib, storage_gib) VALUES ($1,$2,$3,$4,$5,$6)`,
		machineID, req.TenantID, c.SiteID, sh.VCPUs, sh.MemoryMiB, sh.DiskGiB)
	for _, g := range req.Groups {
		b.Queue(`INSERT INTO placement_group_members (tenant_id, group_name, machine_id, site_id) VALUES ($1,$2,$3,$4)`, req.TenantID, g.Name, machineID, c.SiteID)
	}
	b.Queue(`INSERT INTO placement_decisions (machine_id, tenant_id, site_id, site_name, location_id, request, score, hourly_micros, currency, fitting, excluded)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
		ON CONFLICT (machine_id) DO UPDATE SET site_id = EXCLUDED.site_id, site_name = EXCLUDED.site_name, location_id = EXCLUDED.location_id,
			request = EXCLUDED.request, score = EXCLUDED.score, hourly_micros = EXCLUDED.hourly_micros, currency = EXCLUDED.currency,
			fitting = EXCLUDED.fitting, excluded = EXCLUDED.excluded, created_at = now()`,
		machineID, req.TenantID, c.SiteID, c.SiteName, c.LocationID, req.Describe(), d.Chosen.Score, int64(d.Chosen.Hourly.Amount), d.Chosen.Hourly.Currency, fitting, excluded)
	if own {
		b.Queue("COMMIT")
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		if isUniqueViolation(err, "placement_reservations_pkey") || isUniqueViolation(err, "placement_group_members_pkey") {
			return nil, domain.Errorf(domain.ECONFLICT, "This machine has been placed already.")
		}
		return nil, err
	}
	return d, nil
}

// keptFitting is how many of the fitting sites (best first) a decision keeps.
const keptFitting = domain.DetailedFitting

// spreadMargin is how far below the best score a fitting site may be and
// still take a machine when the best site is busy with another placement,
// so parallel placements spread instead of queueing on one row. With the
// score's weights that is a site about 5 % dearer, or 0.5 % for "cheapest".
const spreadMargin = 5.0

// lockChosen locks the row of the site the machine goes to and checks the
// site's reservations again: another placement may have reserved there since
// they were read. It tries the chosen site without waiting, then the sites
// scoring within spreadMargin of it (updating d), and finally waits for the
// chosen one. errStartOver if the site filled up meanwhile.
func lockChosen(ctx context.Context, tx dbConn, req domain.PlaceRequest, d *domain.PlaceDecision, cands []domain.SiteCandidate, st *placementState) (*domain.SiteCandidate, error) {
	byID := make(map[string]*domain.SiteCandidate, len(cands))
	for i := range cands {
		byID[cands[i].SiteID] = &cands[i]
	}
	// The chosen site and its near equals, best first.
	var ids []string
	var missing []string
	for _, f := range d.Fitting {
		if f.Score < d.Fitting[0].Score-spreadMargin {
			break
		}
		ids = append(ids, f.SiteID)
		if _, ok := st.sites[f.SiteID]; !ok {
			missing = append(missing, f.SiteID)
		}
	}
	if len(missing) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO placement_sites (site_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, missing); err != nil {
			return nil, err
		}
	}
	var id string
	var rv int
	var rm, rs int64
	err := tx.QueryRow(ctx, `SELECT site_id, reserved_vcpus, reserved_memory_mib, reserved_storage_gib FROM placement_sites
		WHERE site_id = ANY($1) ORDER BY array_position($1::uuid[], site_id) LIMIT 1 FOR UPDATE SKIP LOCKED`, ids).Scan(&id, &rv, &rm, &rs)
	if errors.Is(err, pgx.ErrNoRows) {
		// All busy: wait for the chosen one.
		id = ids[0]
		err = tx.QueryRow(ctx, `SELECT reserved_vcpus, reserved_memory_mib, reserved_storage_gib FROM placement_sites WHERE site_id = $1 FOR UPDATE`, id).Scan(&rv, &rm, &rs)
	}
	if err != nil {
		return nil, err
	}
	c := byID[id]
	again := *c
	again.Load.ReservedVCPUs, again.Load.ReservedMemoryMiB, again.Load.ReservedStorageGiB = rv, rm, rs
	if again.Load != c.Load {
		if _, err := domain.PlaceOnSite(req, []domain.SiteCandidate{again}); err != nil {
			return nil, errStartOver // filled up meanwhile
		}
	}
	if i := slices.Index(ids, id); i > 0 {
		// Taken instead of the best, which was busy.
		chosen := d.Fitting[i]
		copy(d.Fitting[1:i+1], d.Fitting[:i])
		d.Fitting[0] = chosen
		d.Chosen = &d.Fitting[0]
	}
	return c, nil
}

// placementState is what the store adds to the caller's candidates: the
// tenancy of each location and site, the sites' ratios, reserve and
// reservations, and the request's groups with their members.
type placementState struct {
	sites   map[string]siteState
	locs    map[string]domain.Tenancy
	groups  map[string]domain.AffinityGroup // as stored
	members map[string][]string
}

type siteState struct {
	domain.SiteSettings
	vcpus           int
	memory, storage int64
}

// queue adds the reads to b. With lock, the request's groups are created if
// new and locked in name order first.
func (st *placementState) queue(b *pgx.Batch, req domain.PlaceRequest, cands []domain.SiteCandidate, lock bool) {
	st.sites, st.locs, st.groups, st.members = map[string]siteState{}, map[string]domain.Tenancy{}, map[string]domain.AffinityGroup{}, map[string][]string{}
	if len(req.Groups) > 0 {
		groups := append([]domain.AffinityGroup(nil), req.Groups...)
		sort.Slice(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = g.Name
			if lock {
				b.Queue(`INSERT INTO placement_groups (tenant_id, name, anti, hard) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`, req.TenantID, g.Name, g.Anti, g.Hard)
			}
		}
		q := `SELECT name, anti, hard FROM placement_groups WHERE tenant_id = $1 AND name = ANY($2) ORDER BY name`
		if lock {
			q += ` FOR UPDATE`
		}
		b.Queue(q, req.TenantID, names).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var g domain.AffinityGroup
				if err := rows.Scan(&g.Name, &g.Anti, &g.Hard); err != nil {
					return err
				}
				st.groups[g.Name] = g
			}
			return rows.Err()
		})
		b.Queue(`SELECT group_name, site_id FROM placement_group_members WHERE tenant_id = $1 AND group_name = ANY($2)`, req.TenantID, names).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var g, site string
				if err := rows.Scan(&g, &site); err != nil {
					return err
				}
				st.members[g] = append(st.members[g], site)
			}
			return rows.Err()
		})
	}
	siteIDs := make([]string, 0, len(cands))
	locIDs := make([]string, 0, len(cands))
	for i := range cands {
		if domain.IsID(cands[i].SiteID) {
			siteIDs = append(siteIDs, cands[i].SiteID)
		}
		if domain.IsID(cands[i].LocationID) {
			locIDs = append(locIDs, cands[i].LocationID)
		}
	}
	queueSiteSettings(b, siteIDs, st.sites)
	queueLocationTenancies(b, locIDs, st.locs)
}

// apply returns the request with its groups' members and a copy of cands
// with the stored tenancy, settings and reservations (defaults where none are
// stored). A group keeps the rule it was created with: EINVALID otherwise.
func (st *placementState) apply(req domain.PlaceRequest, cands []domain.SiteCandidate) (domain.PlaceRequest, []domain.SiteCandidate, error) {
	if len(req.Groups) > 0 {
		out := make([]domain.AffinityGroup, len(req.Groups))
		for i, g := range req.Groups {
			if s, ok := st.groups[g.Name]; ok && (s.Anti != g.Anti || s.Hard != g.Hard) {
				return req, nil, domain.Invalid(map[string]string{"groups": fmt.Sprintf("Group %s is a %s group; use the same rule for all its machines.", g.Name, ruleName(s))})
			}
			g.MemberSites = st.members[g.Name]
			out[i] = g
		}
		req.Groups = out
	}
	out := append([]domain.SiteCandidate(nil), cands...)
	for i := range out {
		c := &out[i]
		def := domain.DefaultSiteSettings(c.SiteID)
		c.SiteTenancy, c.LocationTenancy = domain.Shared, domain.Shared
		c.CPURatio, c.MemoryRatio, c.ReservePercent = def.CPURatio, def.MemoryRatio, def.ReservePercent
		c.Load.ReservedVCPUs, c.Load.ReservedMemoryMiB, c.Load.ReservedStorageGiB = 0, 0, 0
		if s, ok := st.sites[c.SiteID]; ok {
			c.SiteTenancy, c.CPURatio, c.MemoryRatio, c.ReservePercent = s.Tenancy, s.CPURatio, s.MemoryRatio, s.ReservePercent
			c.Load.ReservedVCPUs, c.Load.ReservedMemoryMiB, c.Load.ReservedStorageGiB = s.vcpus, s.memory, s.storage
		}
		if t, ok := st.locs[c.LocationID]; ok {
			c.LocationTenancy = t
		}
	}
	return req, out, nil
}

func ruleName(g domain.AffinityGroup) string {
	s := "soft "
	if g.Hard {
		s = "hard "
	}
	if g.Anti {
		return s + "anti-affinity"
	}
	return s + "affinity"
}

func tenancyOf(kind string, tenantID *string, manageID string) domain.Tenancy {
	t := domain.Tenancy{Kind: domain.TenancyKind(kind), ManageID: manageID}
	if tenantID != nil {
		t.TenantID = *tenantID
	}
	return t
}

func queueSiteSettings(b *pgx.Batch, siteIDs []string, out map[string]siteState) {
	b.Queue(`SELECT site_id, tenancy, tenant_id, manage_id, cpu_ratio::float8, memory_ratio::float8, reserve_percent,
		reserved_vcpus, reserved_memory_mib, reserved_storage_gib FROM placement_sites WHERE site_id = ANY($1)`, siteIDs).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var st siteState
			var kind, manage string
			var tenant *string
			if err := rows.Scan(&st.SiteID, &kind, &tenant, &manage, &st.CPURatio, &st.MemoryRatio, &st.ReservePercent, &st.vcpus, &st.memory, &st.storage); err != nil {
				return err
			}
			st.Tenancy = tenancyOf(kind, tenant, manage)
			out[st.SiteID] = st
		}
		return rows.Err()
	})
}

func queueLocationTenancies(b *pgx.Batch, locIDs []string, out map[string]domain.Tenancy) {
	b.Queue(`SELECT location_id, tenancy, tenant_id, manage_id FROM placement_locations WHERE location_id = ANY($1)`, locIDs).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id, kind, manage string
			var tenant *string
			if err := rows.Scan(&id, &kind, &tenant, &manage); err != nil {
				return err
			}
			out[id] = tenancyOf(kind, tenant, manage)
		}
		return rows.Err()
	})
}

// Fill returns cands with the stored tenancy, settings and reservations.
func (s *PlacementService) Fill(ctx context.Context, cands []domain.SiteCandidate) ([]domain.SiteCandidate, error) {
	st := &placementState{}
	b := &pgx.Batch{}
	st.queue(b, domain.PlaceRequest{}, cands, false)
	if err := s.db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, translate(err, "")
	}
	_, out, err := st.apply(domain.PlaceRequest{}, cands)
	return out, err
}

// Preview runs the rules as Place would, reserving nothing.
func (s *PlacementService) Preview(ctx context.Context, req domain.PlaceRequest, cands []domain.SiteCandidate) (*domain.PlaceDecision, error) {
	if err := domain.RequireTenant(req.TenantID); err != nil {
		return nil, err
	}
	if err := domain.ValidateGroups(req.Groups); err != nil {
		return nil, err
	}
	st := &placementState{}
	b := &pgx.Batch{}
	st.queue(b, req, cands, false)
	if err := s.db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, translate(err, "")
	}
	req, cands, err := st.apply(req, cands)
	if err != nil {
		return nil, err
	}
	return domain.PlaceOnSite(req, cands)
}

// ReleaseReservation frees a created machine's reservation.
func (s *PlacementService) ReleaseReservation(ctx context.Context, tenantID, machineID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(machineID) {
		return nil
	}
	return translate(s.db.InTx(ctx, func(tx pgx.Tx) error { return releaseTx(ctx, tx, tenantID, machineID) }), "")
}

func releaseTx(ctx context.Context, tx pgx.Tx, tenantID, machineID string) error {
	var site string
	var v int
	var m, st int64
	err := tx.QueryRow(ctx, `DELETE FROM placement_reservations WHERE tenant_id = $1 AND machine_id = $2 RETURNING site_id, vcpus, memory_mib, storage_gib`,
		tenantID, machineID).Scan(&site, &v, &m, &st)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE placement_sites SET reserved_vcpus = reserved_vcpus - $2, reserved_memory_mib = reserved_memory_mib - $3,
		reserved_storage_gib = reserved_storage_gib - $4 WHERE site_id = $1`, site, v, m, st)
	return err
}

// RemoveMachine frees a failed or deleted machine's reservation and groups.
func (s *PlacementService) RemoveMachine(ctx context.Context, tenantID, machineID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(machineID) {
		return nil
	}
	return translate(s.db.InTx(ctx, func(tx pgx.Tx) error {
		if err := releaseTx(ctx, tx, tenantID, machineID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM placement_group_members WHERE tenant_id = $1 AND machine_id = $2`, tenantID, machineID)
		return err
	}), "")
}

const decisionCols = `d.machine_id, d.tenant_id, t.name, d.site_id, d.site_name, d.location_id, d.request, d.score, d.hourly_micros, d.currency,
	d.fitting, d.excluded, d.created_at FROM placement_decisions d JOIN tenants t ON t.id = d.tenant_id`

func scanDecision(row pgx.Row) (*domain.PlacementRecord, error) {
	r := &domain.PlacementRecord{}
	var hourly int64
	var fitting, excluded []byte
	if err := row.Scan(&r.MachineID, &r.TenantID, &r.TenantName, &r.SiteID, &r.SiteName, &r.LocationID, &r.Request, &r.Score,
		&hourly, &r.Hourly.Currency, &fitting, &excluded, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.Hourly.Amount = domain.Micros(hourly)
	if err := json.Unmarshal(fitting, &r.Fitting); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(excluded, &r.Excluded); err != nil {
		return nil, err
	}
	return r, nil
}

// Cancel undoes a placement whose machine was never created.
func (s *PlacementService) Cancel(ctx context.Context, tenantID, machineID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(machineID) {
		return nil
	}
	return translate(s.db.InTx(ctx, func(tx pgx.Tx) error {
		if err := finishPlacement(ctx, tx, tenantID, machineID, domain.OpCreate, false); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM placement_decisions WHERE tenant_id = $1 AND machine_id = $2`, tenantID, machineID)
		return err
	}), "")
}

// FindDecision returns a machine's placement record (for the provider admin).
const decisionNotFound = "No placement decision is kept for this machine."

func (s *PlacementService) FindDecision(ctx context.Context, tenantID, machineID string) (*domain.PlacementRecord, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(machineID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "%s", decisionNotFound)
	}
	r, err := scanDecision(s.db.Pool.QueryRow(ctx, `SELECT `+decisionCols+` WHERE d.machine_id = $1 AND d.tenant_id = $2`, machineID, tenantID))
	return r, translate(err, decisionNotFound)
}

func (s *PlacementService) FindDecisionAnyTenant(ctx context.Context, machineID string) (*domain.PlacementRecord, error) {
	if !domain.IsID(machineID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "%s", decisionNotFound)
	}
	r, err := scanDecision(s.db.Pool.QueryRow(ctx, `SELECT `+decisionCols+` WHERE d.machine_id = $1`, machineID))
	return r, translate(err, decisionNotFound)
}

// FindDecisions returns a page of one tenant's decisions, newest first.
func (s *PlacementService) FindDecisions(ctx context.Context, f domain.PlacementRecordFilter) ([]*domain.PlacementRecord, string, error) {
	if err := domain.RequireTenant(f.TenantID); err != nil {
		return nil, "", err
	}
	if !domain.IsID(f.TenantID) {
		return nil, "", nil
	}
	return s.findDecisions(ctx, f, true)
}

// FindAllDecisions returns a page of every tenant's decisions, newest first.
func (s *PlacementService) FindAllDecisions(ctx context.Context, f domain.PlacementRecordFilter) ([]*domain.PlacementRecord, string, error) {
	return s.findDecisions(ctx, f, false)
}

// findDecisions pages through the decisions, of f.TenantID only when
// scoped.
func (s *PlacementService) findDecisions(ctx context.Context, f domain.PlacementRecordFilter, scoped bool) ([]*domain.PlacementRecord, string, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	cur, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	args := []any{f.Limit + 1}
	where := "WHERE true"
	if scoped {
		args = append(args, f.TenantID)
		where += " AND d.tenant_id = $" + itoa(len(args))
	}
	if cur != nil {
		at, err := time.Parse(time.RFC3339Nano, cur.Key)
		if err != nil || !domain.IsID(cur.ID) {
			return nil, "", domain.Invalid(map[string]string{"cursor": "The cursor is not valid; start again from the first page."})
		}
		args = append(args, at, cur.ID)
		where += " AND (d.created_at, d.machine_id) < ($" + itoa(len(args)-1) + ", $" + itoa(len(args)) + ")"
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+decisionCols+` `+where+` ORDER BY d.created_at DESC, d.machine_id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, "", translate(err, "")
	}
	defer rows.Close()
	var out []*domain.PlacementRecord
	for rows.Next() {
		r, err := scanDecision(rows)
		if err != nil {
			return nil, "", translate(err, "")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", translate(err, "")
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(last.CreatedAt.Format(time.RFC3339Nano), last.MachineID)
	}
	return out, next, nil
}

// SiteSettings returns each site's settings (defaults where none are stored).
func (s *PlacementService) SiteSettings(ctx context.Context, siteIDs []string) (map[string]domain.SiteSettings, error) {
	ids := make([]string, 0, len(siteIDs))
	for _, id := range siteIDs {
		if domain.IsID(id) {
			ids = append(ids, id)
		}
	}
	st := map[string]siteState{}
	b := &pgx.Batch{}
	queueSiteSettings(b, ids, st)
	if err := s.db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, translate(err, "")
	}
	out := make(map[string]domain.SiteSettings, len(siteIDs))
	for _, id := range siteIDs {
		if v, ok := st[id]; ok {
			out[id] = v.SiteSettings
		} else {
			out[id] = domain.DefaultSiteSettings(id)
		}
	}
	return out, nil
}

// SetSiteSettings stores a site's tenancy, ratios and reserve.
func (s *PlacementService) SetSiteSettings(ctx context.Context, st domain.SiteSettings) error {
	if !domain.IsID(st.SiteID) {
		return domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	if err := st.Validate(); err != nil {
		return err
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO placement_sites (site_id, tenancy, tenant_id, manage_id, cpu_ratio, memory_ratio, reserve_percent, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
		ON CONFLICT (site_id) DO UPDATE SET tenancy = EXCLUDED.tenancy, tenant_id = EXCLUDED.tenant_id, manage_id = EXCLUDED.manage_id,
			cpu_ratio = EXCLUDED.cpu_ratio, memory_ratio = EXCLUDED.memory_ratio, reserve_percent = EXCLUDED.reserve_percent, updated_at = EXCLUDED.updated_at`,
		st.SiteID, string(st.Tenancy.Kind), nullID(st.Tenancy.TenantID), st.Tenancy.ManageID, st.CPURatio, st.MemoryRatio, st.ReservePercent, time.Now())
	return tenancyErr(err)
}

// tenancyErr turns a dedication to a tenant that does not exist into EINVALID.
func tenancyErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return domain.Invalid(map[string]string{"tenancy": "Choose the tenant this is dedicated to."})
	}
	return translate(err, "")
}

// LocationTenancies returns each location's tenancy (Shared where none is stored).
func (s *PlacementService) LocationTenancies(ctx context.Context, locationIDs []string) (map[string]domain.Tenancy, error) {
	ids := make([]string, 0, len(locationIDs))
	for _, id := range locationIDs {
		if domain.IsID(id) {
			ids = append(ids, id)
		}
	}
	t := map[string]domain.Tenancy{}
	b := &pgx.Batch{}
	queueLocationTenancies(b, ids, t)
	if err := s.db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, translate(err, "")
	}
	out := make(map[string]domain.Tenancy, len(locationIDs))
	for _, id := range locationIDs {
		if v, ok := t[id]; ok {
			out[id] = v
		} else {
			out[id] = domain.Shared
		}
	}
	return out, nil
}

// SetLocationTenancy stores a location's tenancy.
func (s *PlacementService) SetLocationTenancy(ctx context.Context, locationID string, t domain.Tenancy) error {
	if !domain.IsID(locationID) {
		return domain.Errorf(domain.ENOTFOUND, "Location not found.")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO placement_locations (location_id, tenancy, tenant_id, manage_id, updated_at) VALUES ($1,$2,$3,$4,now())
		ON CONFLICT (location_id) DO UPDATE SET tenancy = EXCLUDED.tenancy, tenant_id = EXCLUDED.tenant_id, manage_id = EXCLUDED.manage_id, updated_at = now()`,
		locationID, string(t.Kind), nullID(t.TenantID), t.ManageID)
	return tenancyErr(err)
}

// SweepOrphans undoes placements older than olderThan whose machine was never
// written (the process stopped between the placement's commit and the
// machine's create), so a crash cannot keep capacity reserved for ever. It
// returns how many it undid.
func (s *PlacementService) SweepOrphans(ctx context.Context, olderThan time.Duration) (int, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT r.tenant_id::text, r.machine_id::text FROM placement_reservations r
		WHERE r.created_at < now() - $1::interval
		  AND NOT EXISTS (SELECT 1 FROM machines m WHERE m.id = r.machine_id)`, olderThan)
	if err != nil {
		return 0, translate(err, "")
	}
	type orphan struct{ tenant, machine string }
	var orphans []orphan
	for rows.Next() {
		var o orphan
		if err := rows.Scan(&o.tenant, &o.machine); err != nil {
			rows.Close()
			return 0, translate(err, "")
		}
		orphans = append(orphans, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translate(err, "")
	}
	for _, o := range orphans {
		if err := s.Cancel(ctx, o.tenant, o.machine); err != nil {
			return 0, err
		}
	}
	return len(orphans), nil
}
