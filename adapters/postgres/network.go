package postgres

import (
	"context"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// NetworkService implements domain.NetworkService.
type NetworkService struct{ db *DB }

var _ domain.NetworkService = (*NetworkService)(nil)

// NewNetworkService returns a NetworkService over db.
func NewNetworkService(db *DB) *NetworkService { return &NetworkService{db: db} }

const networkCols = `id, tenant_id, name, location_id, host(cidr) || '/' || masklen(cidr), host(gateway), port_group, is_default, state, created_at`

func scanNetwork(row pgx.Row) (*domain.Network, error) {
	var n domain.Network
	var state string
	err := row.Scan(&n.ID, &n.TenantID, &n.Name, &n.LocationID, &n.CIDR, &n.Gateway, &n.PortGroup, &n.Default, &state, &n.CreatedAt)
	n.State = domain.NetworkState(state)
	return &n, err
}

// CreateNetwork checks the CIDR against the tenant's networks in the same
// location under a per-tenant-and-location lock, so two concurrent creates
// cannot both take overlapping ranges.
func (s *NetworkService) CreateNetwork(ctx context.Context, n *domain.Network) (bool, error) {
	if err := domain.RequireTenant(n.TenantID); err != nil {
		return false, err
	}
	if err := n.Validate(); err != nil {
		return false, err
	}
	if !domain.IsID(n.TenantID) || !domain.IsID(n.LocationID) {
		return false, domain.Invalid(map[string]string{"location": "Choose a location."})
	}
	if n.IdemKey != "" {
		prev, err := scanNetwork(s.db.Pool.QueryRow(ctx, `SELECT `+networkCols+` FROM networks WHERE tenant_id = $1 AND idem_key = $2`, n.TenantID, n.IdemKey))
		if err == nil {
			*n = *prev
			return true, nil
		}
		if err != pgx.ErrNoRows {
			return false, domain.Internal(err)
		}
	}
	n.ID = domain.NewID()
	n.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if n.State == "" {
		n.State = domain.NetworkCreating
	}
	return false, s.db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('networks:' || $1 || ':' || $2))`, n.TenantID, n.LocationID); err != nil {
			return domain.Internal(err)
		}
		rows, err := tx.Query(ctx, `SELECT `+networkCols+` FROM networks WHERE tenant_id = $1 AND location_id = $2 AND cidr && $3::cidr`, n.TenantID, n.LocationID, n.CIDR)
		if err != nil {
			return domain.Internal(err)
		}
		clash, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Network, error) { return scanNetwork(r) })
		if err != nil {
			return domain.Internal(err)
		}
		if err := domain.CheckNoOverlap(n.CIDR, clash); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO networks (id, tenant_id, name, location_id, cidr, gateway, port_group, is_default, state, idem_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, ''), $11)`, n.ID, n.TenantID, n.Name, n.LocationID, n.CIDR, n.Gateway, n.PortGroup, n.Default, string(n.State), n.IdemKey, n.CreatedAt)
		if isUniqueViolation(err, "networks_idem_idx") {
			return domain.Errorf(domain.ECONFLICT, "A request with this Idempotency-Key is being processed; retry it.")
		}
		if isUniqueViolation(err, "networks_name_idx") {
			return &domain.Error{Code: domain.ECONFLICT, Message: "You have a network with this name already.", Fields: map[string]string{"name": "This name is taken."}}
		}
		if isUniqueViolation(err, "networks_default_idx") {
			return domain.Errorf(domain.ECONFLICT, "This location has a default network already.")
		}
		return translate(err, "")
	})
}

func (s *NetworkService) Network(ctx context.Context, tenantID, id string) (*domain.Network, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Network not found.")
	}
	n, err := scanNetwork(s.db.Pool.QueryRow(ctx, `SELECT `+networkCols+` FROM networks WHERE id = $1 AND tenant_id = $2`, id, tenantID))
	return n, translate(err, "Network not found.")
}

func (s *NetworkService) Networks(ctx context.Context, f domain.NetworkFilter) ([]*domain.Network, string, error) {
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
	q := `SELECT ` + networkCols + ` FROM networks WHERE tenant_id = $1`
	args := []any{f.TenantID}
	if f.LocationID != "" {
		if !domain.IsID(f.LocationID) {
			return nil, "", nil
		}
		args = append(args, f.LocationID)
		q += ` AND location_id = $` + itoa(len(args))
	}
	return newestFirst(ctx, s.db, q, args, cur, limit,
		func(r pgx.CollectableRow) (*domain.Network, error) { return scanNetwork(r) },
		func(x *domain.Network) (time.Time, string) { return x.CreatedAt, x.ID })
}

// SetNetwork records a network's state and port group (after its site
// operation).
func (s *NetworkService) SetNetwork(ctx context.Context, tenantID, id string, state domain.NetworkState, portGroup string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	tag, err := s.db.Pool.Exec(ctx, `UPDATE networks SET state = $3, port_group = $4 WHERE id = $1 AND tenant_id = $2`, id, tenantID, string(state), portGroup)
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Network not found.")
	}
	return translate(err, "")
}

// DeleteNetwork refuses while machines have interfaces in the network and
// names them.
func (s *NetworkService) DeleteNetwork(ctx context.Context, tenantID, id string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if _, err := s.Network(ctx, tenantID, id); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM networks WHERE id = $1 FOR UPDATE`, id); err != nil {
			return domain.Internal(err)
		}
		users, err := networkUsers(ctx, tx, tenantID, id, 20)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return domain.NetworkInUse(users)
		}
		_, err = tx.Exec(ctx, `DELETE FROM networks WHERE id = $1 AND tenant_id = $2`, id, tenantID)
		return translate(err, "")
	})
}

// NetworkUsers returns the names of the machines with addresses in a
// network (an address held by no known machine shows its id).
func (s *NetworkService) NetworkUsers(ctx context.Context, tenantID, id string, limit int) ([]string, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, nil
	}
	return networkUsers(ctx, s.db.Pool, tenantID, id, limit)
}

func networkUsers(ctx context.Context, q querier, tenantID, id string, limit int) ([]string, error) {
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT coalesce(m.name, a.machine_id::text) FROM network_addresses a
		LEFT JOIN machines m ON m.id = a.machine_id AND m.tenant_id = a.tenant_id
		WHERE a.network_id = $1 AND a.tenant_id = $2 ORDER BY 1 LIMIT $3`, id, tenantID, limit)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, translate(err, "")
}

// NetworkMachines lists the machines with addresses in a network, lowest
// address first, and how many addresses the network has handed out.
func (s *NetworkService) NetworkMachines(ctx context.Context, tenantID, id string, limit int) ([]*domain.NetworkMachine, int, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, 0, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, 0, nil
	}
	if limit <= 0 || limit > domain.MaxNetworkMachines {
		limit = domain.MaxNetworkMachines
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT a.machine_id, coalesce(m.name, a.machine_id::text), host(a.address) FROM network_addresses a
		LEFT JOIN machines m ON m.id = a.machine_id AND m.tenant_id = a.tenant_id
		WHERE a.network_id = $1 AND a.tenant_id = $2 ORDER BY a.host_offset LIMIT $3`, id, tenantID, limit)
	if err != nil {
		return nil, 0, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.NetworkMachine, error) {
		var m domain.NetworkMachine
		return &m, r.Scan(&m.MachineID, &m.Name, &m.Address)
	})
	if err != nil {
		return nil, 0, translate(err, "")
	}
	total := len(out)
	if total == limit { // a full page: count the rest (the primary key's index)
		err = s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM network_addresses WHERE network_id = $1 AND tenant_id = $2`, id, tenantID).Scan(&total)
	}
	return out, total, translate(err, "")
}

// AllocateAddress gives machineID its next interface with the network's
// lowest free host address (see allocateAddress).
func (s *NetworkService) AllocateAddress(ctx context.Context, tenantID, networkID, machineID string) (netip.Addr, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return netip.Addr{}, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(networkID) || !domain.IsID(machineID) {
		return netip.Addr{}, domain.Errorf(domain.ENOTFOUND, "Network not found.")
	}
	var out netip.Addr
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var nic int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(nic_index) + 1, 0) FROM network_addresses WHERE machine_id = $1`, machineID).Scan(&nic); err != nil {
			return domain.Internal(err)
		}
		var err error
		out, err = allocateAddress(ctx, tx, tenantID, networkID, machineID, nic)
		return err
	})
	return out, err
}

// allocateAddress takes the network's lowest free host offset and inserts it
// as machineID's interface nic. Machine creates call it inside their own
// transaction. ENOTFOUND (network), ECONFLICT (full).
//
// Allocations in one network do not wait for each other's commits (which
// cost a WAL flush each; the row lock this replaced held them in single
// file, ~55-150 addresses/s here): each takes a transaction-scoped advisory
// lock on the offset it is about to insert, with pg_try_advisory_xact_lock
// (ipam_lock_free, migration 00740, finds and locks it server-side), and an
// offset another open transaction holds is skipped for the next one. The
// lock lives until commit or rollback, so an offset inserted but not yet
// visible is never tried by a second transaction, and ON CONFLICT DO
// NOTHING only ever meets committed rows (no waiting): it catches an offset
// that was committed between our read and our lock. The unique
// (network_id, host_offset) index and the primary key back this up. An
// offset skipped because its holder then rolled back stays free for the
// next allocation; that is the only way the lowest free address is not the
// one handed out.
//
// The network row is read FOR KEY SHARE: allocations share it, while
// DeleteNetwork's FOR UPDATE waits for them (and they for it), so a delete
// sees every address committed before it.
func allocateAddress(ctx context.Context, tx pgx.Tx, tenantID, networkID, machineID string, nic int) (netip.Addr, error) {
	var cidr string
	err := tx.QueryRow(ctx, `SELECT host(cidr) || '/' || masklen(cidr) FROM networks WHERE id = $1 AND tenant_id = $2 FOR KEY SHARE`, networkID, tenantID).Scan(&cidr)
	if err != nil {
		return netip.Addr{}, translate(err, "Network not found.")
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Addr{}, domain.Internal(err)
	}
	first, last := domain.FirstHost(p), domain.LastHost(p)
	restarted := false
	base := p.Masked().Addr().String()
	for from := first; ; {
		// Find and lock the lowest free offset, and insert it, in one
		// round trip.
		var offset *int
		var inserted bool
		err := tx.QueryRow(ctx, `WITH f AS MATERIALIZED (SELECT ipam_lock_free($1, $2, $3) AS o),
			ins AS (INSERT INTO network_addresses (network_id, address, host_offset, tenant_id, machine_id, nic_index)
				SELECT $1, $4::inet + f.o, f.o, $5, $6, $7 FROM f WHERE f.o IS NOT NULL
				ON CONFLICT (network_id, host_offset) DO NOTHING RETURNING 1)
			SELECT f.o, EXISTS (SELECT 1 FROM ins) FROM f`,
			networkID, from, last, base, tenantID, machineID, nic).Scan(&offset, &inserted)
		if err != nil {
			return netip.Addr{}, translate(err, "")
		}
		if offset == nil {
			// Everything from `from` up is taken or being taken; what was
			// passed over below it may have been given back by a rollback
			// meanwhile: look once more.
			if from > first && !restarted {
				from, restarted = first, true
				continue
			}
			return netip.Addr{}, domain.Errorf(domain.ECONFLICT, "Network %s has no free address left.", cidr)
		}
		if inserted {
			return domain.AddressAt(p, *offset), nil
		}
		// Committed by another transaction after our read: try the next.
		from = *offset + 1
	}
}

// ReleaseAddresses frees machineID's addresses in the network.
func (s *NetworkService) ReleaseAddresses(ctx context.Context, tenantID, networkID, machineID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	_, err := s.db.Pool.Exec(ctx, `DELETE FROM network_addresses WHERE network_id = $1 AND tenant_id = $2 AND machine_id = $3`, networkID, tenantID, machineID)
	return translate(err, "")
}

// MachineInterfaces lists a machine's interfaces in order.
func (s *NetworkService) MachineInterfaces(ctx context.Context, tenantID, machineID string) ([]*domain.MachineInterface, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(machineID) {
		return nil, nil
	}
	return machineInterfaces(ctx, s.db.Pool, tenantID, machineID)
}

// InterfacesOf lists the interfaces of several machines (a page of a list)
// in one query, by machine id.
func (s *NetworkService) InterfacesOf(ctx context.Context, tenantID string, machineIDs []string) (map[string][]*domain.MachineInterface, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	out := map[string][]*domain.MachineInterface{}
	var ids []string
	for _, id := range machineIDs {
		if domain.IsID(id) {
			ids = append(ids, id)
		}
	}
	if !domain.IsID(tenantID) || len(ids) == 0 {
		return out, nil
	}
	all, err := scanInterfaces(s.db.Pool.Query(ctx, `SELECT `+nicCols+nicFrom+` WHERE a.tenant_id = $1 AND a.machine_id = ANY($2::uuid[]) ORDER BY a.nic_index, a.created_at`, tenantID, ids))
	for _, i := range all {
		out[i.MachineID] = append(out[i.MachineID], i)
	}
	return out, err
}

const nicCols = `a.machine_id, a.nic_index, n.id, n.name, host(a.address), host(n.gateway), masklen(n.cidr), n.port_group, n.state`
const nicFrom = ` FROM network_addresses a JOIN networks n ON n.id = a.network_id`

func machineInterfaces(ctx context.Context, q querier, tenantID, machineID string) ([]*domain.MachineInterface, error) {
	return scanInterfaces(q.Query(ctx, `SELECT `+nicCols+nicFrom+` WHERE a.tenant_id = $1 AND a.machine_id = $2 ORDER BY a.nic_index, a.created_at`, tenantID, machineID))
}

func scanInterfaces(rows pgx.Rows, err error) ([]*domain.MachineInterface, error) {
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.MachineInterface, error) {
		var m domain.MachineInterface
		var state string
		err := r.Scan(&m.MachineID, &m.Index, &m.NetworkID, &m.NetworkName, &m.Address, &m.Gateway, &m.PrefixLength, &m.PortGroup, &state)
		m.NetworkState = domain.NetworkState(state)
		return &m, err
	})
	return out, translate(err, "")
}

const ruleCols = `id, tenant_id, network_id, protocol, port_from, port_to, host(source) || '/' || masklen(source), description, created_at`

func (s *NetworkService) AddRule(ctx context.Context, r *domain.FirewallRule) error {
	if err := domain.RequireTenant(r.TenantID); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if _, err := s.Network(ctx, r.TenantID, r.NetworkID); err != nil {
		return err
	}
	r.ID = domain.NewID()
	r.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO firewall_rules (id, tenant_id, network_id, protocol, port_from, port_to, source, description, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.TenantID, r.NetworkID, r.Protocol, r.PortFrom, r.PortTo, r.Source, r.Description, r.CreatedAt)
	return translate(err, "")
}

func (s *NetworkService) Rules(ctx context.Context, tenantID, networkID string) ([]*domain.FirewallRule, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if _, err := s.Network(ctx, tenantID, networkID); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+ruleCols+` FROM firewall_rules WHERE network_id = $1 AND tenant_id = $2 ORDER BY created_at, id LIMIT 500`, networkID, tenantID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.FirewallRule, error) {
		var r domain.FirewallRule
		return &r, row.Scan(&r.ID, &r.TenantID, &r.NetworkID, &r.Protocol, &r.PortFrom, &r.PortTo, &r.Source, &r.Description, &r.CreatedAt)
	})
	return out, translate(err, "")
}

func (s *NetworkService) DeleteRule(ctx context.Context, tenantID, networkID, ruleID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(networkID) || !domain.IsID(ruleID) {
		return domain.Errorf(domain.ENOTFOUND, "Rule not found.")
	}
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM firewall_rules WHERE id = $1 AND network_id = $2 AND tenant_id = $3`, ruleID, networkID, tenantID)
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Rule not found.")
	}
	return translate(err, "")
}
