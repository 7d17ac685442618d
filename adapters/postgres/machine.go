package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// MachineService implements domain.MachineService.
type MachineService struct{ db *DB }

var _ domain.MachineService = (*MachineService)(nil)

// NewMachineService returns a MachineService over db.
func NewMachineService(db *DB) *MachineService { return &MachineService{db: db} }

const machineCols = `m.id, m.tenant_id, m.name, m.location_id, m.site_id, m.flavor_id, f.name, m.image_id, i.name, CASE WHEN i.licensed THEN coalesce(nullif(i.licence_key, ''), i.template) ELSE '' END,
	m.vcpus, m.memory_mib, m.disk_gib, m.status, m.addresses, m.error_reason, m.created_by, m.created_at, m.updated_at`
const machineFrom = ` FROM machines m JOIN flavors f ON f.id = m.flavor_id JOIN images i ON i.id = m.image_id`

func scanMachine(row pgx.Row) (*domain.Machine, error) {
	var m domain.Machine
	var status string
	err := row.Scan(&m.ID, &m.TenantID, &m.Name, &m.LocationID, &m.SiteID, &m.FlavorID, &m.FlavorName, &m.ImageID, &m.ImageName, &m.ImageKey,
		&m.VCPUs, &m.MemoryMiB, &m.DiskGiB, &status, &m.Addresses, &m.ErrorReason, &m.CreatedBy, &m.CreatedAt, &m.UpdatedAt)
	m.Status = domain.MachineStatus(status)
	return &m, err
}

var errMachineNotFound = domain.Errorf(domain.ENOTFOUND, "Machine not found.")

func findMachine(ctx context.Context, q querier, tenantID, id string, lock bool) (*domain.Machine, error) {
	if !domain.IsID(id) || !domain.IsID(tenantID) {
		return nil, errMachineNotFound
	}
	sql := `SELECT ` + machineCols + machineFrom + ` WHERE m.tenant_id = $1 AND m.id = $2 AND m.status <> 'deleted'`
	if lock {
		sql += ` FOR UPDATE OF m`
	}
	m, err := scanMachine(q.QueryRow(ctx, sql, tenantID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errMachineNotFound
	}
	return m, translate(err, "Machine not found.")
}

func (s *MachineService) FindMachineByID(ctx context.Context, tenantID, id string) (*domain.Machine, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	return findMachine(ctx, s.db.Pool, tenantID, id, false)
}

func (s *MachineService) CreateMachine(ctx context.Context, req domain.MachineCreate) (*domain.Machine, bool, error) {
	if err := domain.RequireTenant(req.TenantID); err != nil {
		return nil, false, err
	}
	req.Name = strings.TrimSpace(req.Name)
	var m *domain.Machine
	created := false
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		m, created = nil, false
		// Every create of a tenant takes this lock first: quota checks and
		// idempotency-key look-ups below cannot race.
		q, err := lockQuota(ctx, tx, req.TenantID)
		if err != nil {
			return err
		}
		if req.IdempotencyKey != "" {
			var id string
			err := tx.QueryRow(ctx, `SELECT machine_id FROM machine_idempotency WHERE tenant_id = $1 AND key = $2`, req.TenantID, req.IdempotencyKey).Scan(&id)
			if err == nil {
				m, err = findMachineAny(ctx, tx, req.TenantID, id)
				return err
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		fl, err := checkMachineCreate(ctx, tx, req, q)
		if err != nil {
			return err
		}
		site := &domain.Site{ID: req.SiteID}
		now := time.Now().UTC().Truncate(time.Microsecond)
		id := req.MachineID // chosen by placement, which reserved capacity under it
		if !domain.IsID(id) {
			id = domain.NewID()
		}
		if _, err := tx.Exec(ctx, `INSERT INTO machines (id, tenant_id, name, location_id, site_id, flavor_id, image_id, vcpus, memory_mib, disk_gib, status, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'creating',$11,$12,$12)`,
			id, req.TenantID, req.Name, req.LocationID, site.ID, fl.ID, req.ImageID, fl.VCPUs, fl.MemoryMiB, fl.DiskGiB, req.Actor, now); err != nil {
			if isUniqueViolation(err, "machines_tenant_name_idx") {
				return domain.Invalid(map[string]string{"name": "You have a machine called " + req.Name + " already; choose another name."})
			}
			return err
		}
		// One address per interface, in the same transaction: a refused
		// create holds none, and concurrent creates never share one.
		for i, nid := range req.NetworkIDs {
			if _, err := allocateAddress(ctx, tx, req.TenantID, nid, id, i); err != nil {
				if domain.ErrorCode(err) == domain.ECONFLICT {
					return domain.Invalid(map[string]string{"networks": domain.ErrorMessage(err) + " Choose another network."})
				}
				return err
			}
		}
		if err := insertOperation(ctx, tx, &domain.MachineOperation{TenantID: req.TenantID, MachineID: id, Kind: domain.OpCreate, SiteID: site.ID, UserID: req.UserID, Actor: req.Actor}); err != nil {
			return err
		}
		if req.IdempotencyKey != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO machine_idempotency (tenant_id, key, machine_id) VALUES ($1,$2,$3)`, req.TenantID, req.IdempotencyKey, id); err != nil {
				return err
			}
		}
		m, err = findMachine(ctx, tx, req.TenantID, id, false)
		created = err == nil
		return err
	})
	if err != nil {
		return nil, false, translate(err, "")
	}
	return m, created, nil
}

// CheckMachineCreate runs the create's own checks (name, allow-lists,
// networks, quota, site) without storing anything, so a caller can refuse
// before it makes what the create needs elsewhere (the location's default
// network, at the site). An idempotency key used before passes: the create
// answers with that machine. CreateMachine checks again under its lock.
func (s *MachineService) CheckMachineCreate(ctx context.Context, req domain.MachineCreate) error {
	if err := domain.RequireTenant(req.TenantID); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		q, err := lockQuota(ctx, tx, req.TenantID)
		if err != nil {
			return err
		}
		if req.IdempotencyKey != "" {
			var id string
			err := tx.QueryRow(ctx, `SELECT machine_id FROM machine_idempotency WHERE tenant_id = $1 AND key = $2`, req.TenantID, req.IdempotencyKey).Scan(&id)
			if err == nil {
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		_, err = checkMachineCreate(ctx, tx, req, q)
		return err
	})
	return translate(err, "")
}

// checkMachineCreate checks a new machine's fields, networks, the tenant's
// quota (q, locked by the caller) and that placement chose a site; it
// returns the chosen flavor.
func checkMachineCreate(ctx context.Context, tx pgx.Tx, req domain.MachineCreate, q *domain.Quota) (*domain.Flavor, error) {
	fields := map[string]string{}
	if msg := domain.ValidateMachineName(req.Name); msg != "" {
		fields["name"] = msg
	} else {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM machines WHERE tenant_id = $1 AND lower(name) = lower($2) AND status <> 'deleted'`, req.TenantID, req.Name).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			fields["name"] = "You have a machine called " + req.Name + " already; choose another name."
		}
	}
	var fl domain.Flavor
	if !domain.IsID(req.FlavorID) {
		fields["flavor"] = "Choose one of the sizes offered."
	} else if err := tx.QueryRow(ctx, `SELECT f.id, f.vcpus, f.memory_mib, f.disk_gib FROM flavors f JOIN tenant_flavors t ON t.flavor_id = f.id
		WHERE t.tenant_id = $1 AND f.id = $2`, req.TenantID, req.FlavorID).Scan(&fl.ID, &fl.VCPUs, &fl.MemoryMiB, &fl.DiskGiB); errors.Is(err, pgx.ErrNoRows) {
		fields["flavor"] = "Choose one of the sizes offered."
	} else if err != nil {
		return nil, err
	}
	if ok, err := allowed(ctx, tx, `SELECT count(*) FROM images i WHERE i.id = $2 AND (
		i.tenant_id IS NULL AND EXISTS (SELECT 1 FROM tenant_images t WHERE t.tenant_id = $1 AND t.image_id = i.id)
		OR i.tenant_id = $1 AND i.state = 'ready')`, req.TenantID, req.ImageID); err != nil {
		return nil, err
	} else if !ok {
		fields["image"] = "Choose one of the images offered."
	}
	if ok, err := allowed(ctx, tx, `SELECT count(*) FROM tenant_locations WHERE tenant_id = $1 AND location_id = $2`, req.TenantID, req.LocationID); err != nil {
		return nil, err
	} else if !ok {
		fields["location"] = "Choose one of the locations offered."
	} else if msg, err := checkMachineNetworks(ctx, tx, req.TenantID, req.LocationID, req.NetworkIDs); err != nil {
		return nil, err
	} else if msg != "" {
		fields["networks"] = msg
	}
	if len(fields) > 0 {
		return nil, domain.Invalid(fields)
	}
	used, err := tenantUsage(ctx, tx, req.TenantID)
	if err != nil {
		return nil, err
	}
	if err := domain.CheckQuota(*q, *used, domain.Usage{Machines: 1, VCPUs: fl.VCPUs, MemoryMiB: fl.MemoryMiB, DiskGiB: fl.DiskGiB}); err != nil {
		return nil, err
	}
	// The site was chosen before this transaction (it reads other
	// tables through other connections, which must not wait on our lock).
	if req.SiteID == "" {
		if req.SiteErr != nil {
			return nil, req.SiteErr
		}
		return nil, domain.Errorf(domain.EUNAVAILABLE, "No site in this location can take machines right now.")
	}
	return &fl, nil
}

// checkMachineNetworks checks the networks a new machine gets interfaces
// on: the tenant's own (another tenant's id reads like an unknown one), in
// the machine's location, usable, each once, at most MaxMachineNICs. It
// returns the message for the networks field, "" when fine.
func checkMachineNetworks(ctx context.Context, tx pgx.Tx, tenantID, locationID string, ids []string) (string, error) {
	if len(ids) > domain.MaxMachineNICs {
		return fmt.Sprintf("A machine may have at most %d network interfaces.", domain.MaxMachineNICs), nil
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !domain.IsID(id) {
			return "Choose one of your networks.", nil
		}
		if seen[id] {
			return "Choose each network once.", nil
		}
		seen[id] = true
		var name, loc, locName, state string
		err := tx.QueryRow(ctx, `SELECT n.name, n.location_id, l.name, n.state FROM networks n JOIN geo_locations l ON l.id = n.location_id
			WHERE n.id = $1 AND n.tenant_id = $2`, id, tenantID).Scan(&name, &loc, &locName, &state)
		if errors.Is(err, pgx.ErrNoRows) {
			return "Choose one of your networks.", nil
		}
		if err != nil {
			return "", err
		}
		if loc != locationID {
			var want string
			if err := tx.QueryRow(ctx, `SELECT name FROM geo_locations WHERE id = $1`, locationID).Scan(&want); err != nil {
				return "", err
			}
			return fmt.Sprintf("Network %s is in %s; the machine goes to %s. Choose a network in %s.", name, locName, want, want), nil
		}
		switch domain.NetworkState(state) {
		case domain.NetworkError:
			return fmt.Sprintf("Network %s could not be set up at the site; choose another.", name), nil
		case domain.NetworkDeleting:
			return fmt.Sprintf("Network %s is being deleted; choose another.", name), nil
		}
	}
	return "", nil
}

// findMachineAny finds a machine even if deleted (idempotent retries).
func findMachineAny(ctx context.Context, q querier, tenantID, id string) (*domain.Machine, error) {
	m, err := scanMachine(q.QueryRow(ctx, `SELECT `+machineCols+machineFrom+` WHERE m.tenant_id = $1 AND m.id = $2`, tenantID, id))
	return m, translate(err, "Machine not found.")
}

func allowed(ctx context.Context, tx pgx.Tx, sql, tenantID, id string) (bool, error) {
	if !domain.IsID(id) {
		return false, nil
	}
	var n int
	err := tx.QueryRow(ctx, sql, tenantID, id).Scan(&n)
	return n > 0, err
}

func insertOperation(ctx context.Context, tx pgx.Tx, op *domain.MachineOperation) error {
	op.ID = domain.NewID()
	op.State = domain.OpQueued
	op.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	disks := op.DiskChoice
	if disks == "" {
		disks = domain.KeepDisks
	}
	_, err := tx.Exec(ctx, `INSERT INTO machine_operations (id, tenant_id, machine_id, kind, state, prior_status, flavor_id, site_id, user_id, actor, created_at, disks)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		op.ID, op.TenantID, op.MachineID, string(op.Kind), string(op.State), string(op.PriorStatus), nullID(op.FlavorID), op.SiteID, nullID(op.UserID), op.Actor, op.CreatedAt, string(disks))
	if err == nil {
		// Wake the worker at once instead of at its next poll.
		_, err = tx.Exec(ctx, `SELECT pg_notify('machine_operations', $1)`, op.ID)
	}
	return err
}

func (s *MachineService) RequestAction(ctx context.Context, tenantID, id string, action domain.MachineAction, flavorID, userID, actor string) (*domain.Machine, *domain.MachineOperation, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, nil, err
	}
	return s.requestAction(ctx, tenantID, id, action, flavorID, domain.KeepDisks, userID, actor)
}

var _ domain.MachineDeleter = (*MachineService)(nil)
var _ domain.MachineCreateChecker = (*MachineService)(nil)

// RequestDelete deletes a machine; its delete operation carries what
// happens to the attached disks, which the worker's Finish carries out.
func (s *MachineService) RequestDelete(ctx context.Context, tenantID, id string, disks domain.DiskChoice, userID, actor string) (*domain.Machine, *domain.MachineOperation, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, nil, err
	}
	return s.requestAction(ctx, tenantID, id, domain.ActionDelete, "", disks, userID, actor)
}

func (s *MachineService) requestAction(ctx context.Context, tenantID, id string, action domain.MachineAction, flavorID string, disks domain.DiskChoice, userID, actor string) (*domain.Machine, *domain.MachineOperation, error) {
	var m *domain.Machine
	var op *domain.MachineOperation
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if !domain.IsID(tenantID) || !domain.IsID(id) {
			return errMachineNotFound
		}
		var q *domain.Quota
		if action == domain.ActionResize {
			var err error
			if q, err = lockQuota(ctx, tx, tenantID); err != nil {
				return err
			}
		}
		var err error
		m, err = findMachine(ctx, tx, tenantID, id, true)
		if err != nil {
			return err
		}
		if err := domain.CheckAction(m.Name, m.Status, action); err != nil {
			return err
		}
		op = &domain.MachineOperation{TenantID: tenantID, MachineID: m.ID, MachineName: m.Name, Kind: domain.OperationKindOf(action), PriorStatus: m.Status, SiteID: m.SiteID, UserID: userID, Actor: actor}
		if action == domain.ActionDelete {
			op.DiskChoice = disks
		}
		if action == domain.ActionResize {
			var fl domain.Flavor
			err := tx.QueryRow(ctx, `SELECT f.id, f.vcpus, f.memory_mib, f.disk_gib FROM flavors f JOIN tenant_flavors t ON t.flavor_id = f.id
				WHERE t.tenant_id = $1 AND f.id = $2`, tenantID, flavorID).Scan(&fl.ID, &fl.VCPUs, &fl.MemoryMiB, &fl.DiskGiB)
			if errors.Is(err, pgx.ErrNoRows) || !domain.IsID(flavorID) {
				return domain.Invalid(map[string]string{"flavor": "Choose one of the sizes offered."})
			}
			if err != nil {
				return err
			}
			if fl.ID == m.FlavorID {
				return domain.Invalid(map[string]string{"flavor": "The machine has this size already; choose another."})
			}
			if fl.DiskGiB < m.DiskGiB {
				return domain.Invalid(map[string]string{"flavor": "Disks only grow: choose a size with at least " + itoa(m.DiskGiB) + " GiB of disk."})
			}
			used, err := tenantUsage(ctx, tx, tenantID)
			if err != nil {
				return err
			}
			add := domain.Usage{VCPUs: fl.VCPUs - m.VCPUs, MemoryMiB: fl.MemoryMiB - m.MemoryMiB, DiskGiB: fl.DiskGiB - m.DiskGiB}
			if err := domain.CheckQuota(*q, *used, add); err != nil {
				return err
			}
			op.FlavorID = fl.ID
		}
		m.Status = domain.StatusDuring(action)
		m.ErrorReason = ""
		if _, err := tx.Exec(ctx, `UPDATE machines SET status = $3, error_reason = '', updated_at = now() WHERE tenant_id = $1 AND id = $2`, tenantID, m.ID, string(m.Status)); err != nil {
			return err
		}
		return insertOperation(ctx, tx, op)
	})
	if err != nil {
		return nil, nil, translate(err, "")
	}
	return m, op, nil
}

func (s *MachineService) FindMachines(ctx context.Context, f domain.MachineFilter) ([]*domain.Machine, string, error) {
	if err := domain.RequireTenant(f.TenantID); err != nil {
		return nil, "", err
	}
	if !domain.IsID(f.TenantID) {
		return nil, "", nil
	}
	limit := domain.ClampLimit(f.Limit)
	c, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	where, args := []string{"m.tenant_id = $1", "m.status <> 'deleted'"}, []any{f.TenantID}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	if f.Status != nil {
		where = append(where, "m.status = "+arg(string(*f.Status)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, "m.name ILIKE "+arg("%"+likeEscape(q)+"%"))
	}
	var order string
	switch f.Sort {
	case domain.SortCreated:
		order = "m.created_at DESC, m.id DESC"
		if c != nil {
			t, err := time.Parse(time.RFC3339Nano, c.Key)
			if err != nil {
				return nil, "", domain.Invalid(map[string]string{"cursor": "The cursor is not valid; start again from the first page."})
			}
			where = append(where, "(m.created_at, m.id) < ("+arg(t)+", "+arg(c.ID)+"::uuid)")
		}
	case domain.SortStatus:
		order = "m.status || '/' || lower(m.name), m.id"
		if c != nil {
			where = append(where, "(m.status || '/' || lower(m.name), m.id) > ("+arg(c.Key)+", "+arg(c.ID)+"::uuid)")
		}
	default:
		order = "lower(m.name), m.id"
		if c != nil {
			where = append(where, "(lower(m.name), m.id) > ("+arg(c.Key)+", "+arg(c.ID)+"::uuid)")
		}
	}
	if c != nil && !domain.IsID(c.ID) {
		return nil, "", domain.Invalid(map[string]string{"cursor": "The cursor is not valid; start again from the first page."})
	}
	sql := `SELECT ` + machineCols + machineFrom + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ` + arg(limit+1)
	rows, err := s.db.Pool.Query(ctx, sql, args...)
	out, err := collect(rows, err, scanMachine)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		switch f.Sort {
		case domain.SortCreated:
			next = encodeCursor(last.CreatedAt.UTC().Format(time.RFC3339Nano), last.ID)
		case domain.SortStatus:
			next = encodeCursor(string(last.Status)+"/"+strings.ToLower(last.Name), last.ID)
		default:
			next = encodeCursor(strings.ToLower(last.Name), last.ID)
		}
	}
	return out, next, nil
}

func (s *MachineService) AnyTransitional(ctx context.Context, tenantID string) (bool, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return false, err
	}
	var busy bool
	err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM machines WHERE tenant_id = $1 AND status IN ('creating','starting','stopping','rebooting','resizing','deleting'))`, tenantID).Scan(&busy)
	return busy, translate(err, "")
}

const opCols = `o.id, o.tenant_id, o.machine_id, m.name, o.kind, o.state, o.prior_status, coalesce(o.flavor_id::text,''), o.site_id, o.site_op_id,
	coalesce(o.user_id::text,''), o.actor, o.error, o.attempts, o.created_at, o.finished_at, o.disks`

func scanOp(row pgx.Row) (*domain.MachineOperation, error) {
	var o domain.MachineOperation
	var kind, state, prior, disks string
	err := row.Scan(&o.ID, &o.TenantID, &o.MachineID, &o.MachineName, &kind, &state, &prior, &o.FlavorID, &o.SiteID, &o.SiteOpID, &o.UserID, &o.Actor, &o.Error, &o.Attempts, &o.CreatedAt, &o.FinishedAt, &disks)
	o.DiskChoice = domain.DiskChoice(disks)
	o.Kind, o.State, o.PriorStatus = domain.OperationKind(kind), domain.OperationState(state), domain.MachineStatus(prior)
	return &o, err
}

func (s *MachineService) FindOperations(ctx context.Context, tenantID, machineID string, limit int) ([]*domain.MachineOperation, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(machineID) {
		return nil, errMachineNotFound
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+opCols+` FROM machine_operations o JOIN machines m ON m.id = o.machine_id
		WHERE o.tenant_id = $1 AND o.machine_id = $2 ORDER BY o.created_at DESC LIMIT $3`, tenantID, machineID, domain.ClampLimit(limit))
	return collect(rows, err, scanOp)
}
