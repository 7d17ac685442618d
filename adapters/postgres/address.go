package postgres

import (
	"context"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// AddressService implements domain.AddressService.
type AddressService struct{ db *DB }

var _ domain.AddressService = (*AddressService)(nil)

// NewAddressService returns an AddressService over db.
func NewAddressService(db *DB) *AddressService { return &AddressService{db: db} }

func (s *AddressService) CreatePool(ctx context.Context, p *domain.PublicPool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !domain.IsID(p.LocationID) {
		return domain.Invalid(map[string]string{"location": "Choose a location."})
	}
	p.ID = domain.NewID()
	p.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE public_pools IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return domain.Internal(err)
		}
		var clash string
		err := tx.QueryRow(ctx, `SELECT host(cidr) || '/' || masklen(cidr) FROM public_pools WHERE cidr && $1::cidr LIMIT 1`, p.CIDR).Scan(&clash)
		if err == nil {
			return domain.Invalid(map[string]string{"cidr": "This range overlaps pool " + clash + "."})
		}
		if err != pgx.ErrNoRows {
			return domain.Internal(err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO public_pools (id, location_id, cidr, created_at) VALUES ($1, $2, $3, $4)`, p.ID, p.LocationID, p.CIDR, p.CreatedAt)
		if isForeignKeyViolation(err) {
			return domain.Invalid(map[string]string{"location": "This location does not exist."})
		}
		return translate(err, "")
	})
}

func (s *AddressService) Pools(ctx context.Context, locationID string) ([]*domain.PublicPool, error) {
	q := `SELECT id, location_id, host(cidr) || '/' || masklen(cidr), created_at FROM public_pools`
	var args []any
	if locationID != "" {
		if !domain.IsID(locationID) {
			return nil, nil
		}
		q += ` WHERE location_id = $1`
		args = append(args, locationID)
	}
	rows, err := s.db.Pool.Query(ctx, q+` ORDER BY cidr LIMIT 1000`, args...)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.PublicPool, error) {
		var p domain.PublicPool
		return &p, r.Scan(&p.ID, &p.LocationID, &p.CIDR, &p.CreatedAt)
	})
	return out, translate(err, "")
}

const addrCols = `id, tenant_id, location_id, pool_id, host(address), state, coalesce(machine_id::text, ''), coalesce(site_id::text, ''), coalesce(op_key, ''), created_at`

func scanAddr(row pgx.Row) (*domain.PublicAddress, error) {
	var a domain.PublicAddress
	var state string
	err := row.Scan(&a.ID, &a.TenantID, &a.LocationID, &a.PoolID, &a.Address, &state, &a.MachineID, &a.SiteID, &a.OpKey, &a.CreatedAt)
	a.State = domain.PublicAddressState(state)
	return &a, err
}

// AllocatePublic walks the location's pools, locking each pool row while
// it takes the pool's lowest free offset.
func (s *AddressService) AllocatePublic(ctx context.Context, tenantID, locationID, key string) (*domain.PublicAddress, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(locationID) {
		return nil, domain.Invalid(map[string]string{"location": "Choose a location."})
	}
	if key != "" {
		prev, err := scanAddr(s.db.Pool.QueryRow(ctx, `SELECT `+addrCols+` FROM public_addresses WHERE tenant_id = $1 AND idem_key = $2`, tenantID, key))
		if err == nil {
			return prev, nil
		}
		if err != pgx.ErrNoRows {
			return nil, domain.Internal(err)
		}
	}
	pools, err := s.Pools(ctx, locationID)
	if err != nil {
		return nil, err
	}
	if len(pools) == 0 {
		return nil, domain.Errorf(domain.ECONFLICT, "This location has no public addresses to offer.")
	}
	for _, pool := range pools {
		p, err := netip.ParsePrefix(pool.CIDR)
		if err != nil {
			return nil, domain.Internal(err)
		}
		first, last := domain.PoolRange(p)
		a := &domain.PublicAddress{ID: domain.NewID(), TenantID: tenantID, LocationID: locationID, PoolID: pool.ID, State: domain.AddressAllocated,
			CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		full := false
		err = s.db.InTx(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM public_pools WHERE id = $1 FOR UPDATE`, pool.ID); err != nil {
				return domain.Internal(err)
			}
			var offset *int
			err := tx.QueryRow(ctx, `SELECT min(c.o) FROM (SELECT $2::int AS o UNION ALL SELECT host_offset + 1 FROM public_addresses WHERE pool_id = $1) c
				WHERE c.o <= $3 AND NOT EXISTS (SELECT 1 FROM public_addresses a WHERE a.pool_id = $1 AND a.host_offset = c.o)`, pool.ID, first, last).Scan(&offset)
			if err != nil {
				return domain.Internal(err)
			}
			if offset == nil {
				full = true
				return nil
			}
			a.Address = domain.AddressAt(p, *offset).String()
			_, err = tx.Exec(ctx, `INSERT INTO public_addresses (id, tenant_id, location_id, pool_id, address, host_offset, state, idem_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''), $9)`,
				a.ID, tenantID, locationID, pool.ID, a.Address, *offset, string(a.State), key, a.CreatedAt)
			if isUniqueViolation(err, "public_addresses_idem_idx") {
				return domain.Errorf(domain.ECONFLICT, "A request with this Idempotency-Key is being processed; retry it.")
			}
			if err != nil {
				return translate(err, "")
			}
			return meterAddress(ctx, tx, a, domain.ChangeCreated)
		})
		if err != nil {
			return nil, err
		}
		if !full {
			return a, nil
		}
	}
	return nil, domain.Errorf(domain.ECONFLICT, "This location has no free public address left.")
}

func (s *AddressService) PublicAddress(ctx context.Context, tenantID, id string) (*domain.PublicAddress, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Address not found.")
	}
	a, err := scanAddr(s.db.Pool.QueryRow(ctx, `SELECT `+addrCols+` FROM public_addresses WHERE id = $1 AND tenant_id = $2`, id, tenantID))
	return a, translate(err, "Address not found.")
}

func (s *AddressService) PublicAddresses(ctx context.Context, f domain.PublicAddressFilter) ([]*domain.PublicAddress, string, error) {
	if err := domain.RequireTenant(f.TenantID); err != nil {
		return nil, "", err
	}
	if !domain.IsID(f.TenantID) {
		return nil, "", nil
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	cur, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	q := `SELECT ` + addrCols + ` FROM public_addresses WHERE tenant_id = $1`
	args := []any{f.TenantID}
	for _, c := range []struct{ col, v string }{{"location_id", f.LocationID}, {"machine_id", f.MachineID}} {
		if c.v == "" {
			continue
		}
		if !domain.IsID(c.v) {
			return nil, "", nil
		}
		args = append(args, c.v)
		q += ` AND ` + c.col + ` = $` + itoa(len(args))
	}
	return newestFirst(ctx, s.db, q, args, cur, limit,
		func(r pgx.CollectableRow) (*domain.PublicAddress, error) { return scanAddr(r) },
		func(x *domain.PublicAddress) (time.Time, string) { return x.CreatedAt, x.ID })
}

func (s *AddressService) SetPublicAddressState(ctx context.Context, tenantID, id string, from, to domain.PublicAddressState, machineID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return domain.Errorf(domain.ENOTFOUND, "Address not found.")
	}
	tag, err := s.db.Pool.Exec(ctx, `UPDATE public_addresses SET state = $4, machine_id = $5 WHERE id = $1 AND tenant_id = $2 AND state = $3`,
		id, tenantID, string(from), string(to), nullID(machineID))
	if err != nil {
		return translate(err, "")
	}
	if tag.RowsAffected() == 0 {
		a, err := s.PublicAddress(ctx, tenantID, id)
		if err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "Address %s is %s now, not %s.", a.Address, a.State, from)
	}
	return nil
}

func (s *AddressService) SetAddressOp(ctx context.Context, tenantID, id, siteID, key string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) || (siteID != "" && !domain.IsID(siteID)) {
		return domain.Errorf(domain.ENOTFOUND, "Address not found.")
	}
	tag, err := s.db.Pool.Exec(ctx, `UPDATE public_addresses SET site_id = $3, op_key = nullif($4, '') WHERE id = $1 AND tenant_id = $2`,
		id, tenantID, nullID(siteID), key)
	if err != nil {
		return translate(err, "")
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Address not found.")
	}
	return nil
}

func (s *AddressService) ReleasePublic(ctx context.Context, tenantID, id string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	a, err := s.PublicAddress(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if err := a.CanRelease(); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM public_addresses WHERE id = $1 AND tenant_id = $2 AND state = 'allocated'`, id, tenantID)
		if err != nil {
			return translate(err, "")
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.ECONFLICT, "Address %s was attached meanwhile; detach it first.", a.Address)
		}
		return meterAddress(ctx, tx, a, domain.ChangeDeleted)
	})
	return err
}

// meterAddress records that a tenant holds (or no longer holds) a public
// address, in the transaction that allocates or releases it: an address is
// billed per hour while the tenant holds it, attached or not.
func meterAddress(ctx context.Context, tx pgx.Tx, a *domain.PublicAddress, kind domain.StateChangeKind) error {
	_, err := RecordStateChange(ctx, tx, domain.StateChange{EventKey: "address:" + a.ID + ":" + string(kind), TenantID: a.TenantID, ResourceID: a.ID,
		ResourceType: "address", ResourceName: a.Address, Kind: kind, At: time.Now(), PublicIPs: 1, LocationID: a.LocationID})
	return err
}
