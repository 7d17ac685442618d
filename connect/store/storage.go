package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tessera/connect/hypervisor"
	"tessera/connect/model"
	"tessera/domain"
)

// Disk is connect's record of a disk.
type Disk struct {
	model.DiskObservation
	ManageID string
	Path     string
}

// Info is the backend's view of the disk.
func (d *Disk) Info() hypervisor.DiskInfo {
	return hypervisor.DiskInfo{DiskID: d.DiskID, Datastore: d.Datastore, Path: d.Path, SizeGiB: d.SizeGiB}
}

const diskCols = `disk_id, manage_id, size_gib, class, datastore, path, machine_id, state`

func scanDisk(row pgx.Row) (*Disk, error) {
	var d Disk
	err := row.Scan(&d.DiskID, &d.ManageID, &d.SizeGiB, &d.Class, &d.Datastore, &d.Path, &d.MachineID, &d.State)
	return &d, err
}

// ClaimDisk records a new disk of manageID in tx. ECONFLICT if another
// manage instance has a disk with this id.
func ClaimDisk(ctx context.Context, tx pgx.Tx, manageID string, req *model.DiskRequest) error {
	class := req.Class
	if class == "" {
		class = domain.ClassStandard
	}
	if _, err := tx.Exec(ctx, `INSERT INTO connect_disks (disk_id, manage_id, size_gib, class) VALUES ($1, $2, $3, $4) ON CONFLICT (disk_id) DO NOTHING`,
		req.ID, manageID, req.SizeGiB, class); err != nil {
		return domain.Internal(err)
	}
	if _, err := OwnedDisk(ctx, tx, manageID, req.ID); err != nil {
		return &domain.Error{Code: domain.ECONFLICT, Message: "This disk id is in use at this site.", Fields: map[string]string{"disk.id": "Choose another disk id."}}
	}
	return nil
}

// OwnedDisk returns manageID's disk in tx. ENOTFOUND.
func OwnedDisk(ctx context.Context, tx pgx.Tx, manageID, diskID string) (*Disk, error) {
	d, err := scanDisk(tx.QueryRow(ctx, `SELECT `+diskCols+` FROM connect_disks WHERE disk_id = $1 AND manage_id = $2`, diskID, manageID))
	return d, notFoundOr(err, "Disk not found.")
}

// FindDisk returns manageID's disk. ENOTFOUND, also for another manage
// instance's disk.
func (s *Store) FindDisk(ctx context.Context, manageID, diskID string) (*Disk, error) {
	if !domain.IsID(manageID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Disk not found.")
	}
	d, err := scanDisk(s.Pool.QueryRow(ctx, `SELECT `+diskCols+` FROM connect_disks WHERE disk_id = $1 AND manage_id = $2`, diskID, manageID))
	return d, notFoundOr(err, "Disk not found.")
}

// DiskByID returns a disk for the worker (no owner check).
func (s *Store) DiskByID(ctx context.Context, diskID string) (*Disk, error) {
	d, err := scanDisk(s.Pool.QueryRow(ctx, `SELECT `+diskCols+` FROM connect_disks WHERE disk_id = $1`, diskID))
	return d, notFoundOr(err, "Disk not found.")
}

// DiskCreated records where the backend made a disk.
func (s *Store) DiskCreated(ctx context.Context, info *hypervisor.DiskInfo) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_disks SET datastore = $2, path = $3, state = 'available' WHERE disk_id = $1 AND state = 'pending'`,
		info.DiskID, info.Datastore, info.Path)
	return notFoundOr(err, "")
}

// SetDisk records a disk's attachment, size and state.
func (s *Store) SetDisk(ctx context.Context, diskID, state, machineID string, sizeGiB int) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_disks SET state = $2, machine_id = $3, size_gib = $4 WHERE disk_id = $1`, diskID, state, machineID, sizeGiB)
	return notFoundOr(err, "")
}

// Network is connect's record of a network.
type Network struct {
	model.NetworkObservation
	ManageID string
}

const networkCols = `network_id, manage_id, port_group, vlan, state`

func scanNetwork(row pgx.Row) (*Network, error) {
	var n Network
	err := row.Scan(&n.NetworkID, &n.ManageID, &n.PortGroup, &n.VLAN, &n.State)
	return &n, err
}

// ClaimNetworkFromPool records a new network of manageID in tx with its
// port group: the one asked for, else the first of the pool's existing port
// groups no network uses, else a new one with the first free VLAN id of the
// pool's range. ECONFLICT (id taken, pool exhausted).
func ClaimNetworkFromPool(ctx context.Context, tx pgx.Tx, manageID string, req *model.NetworkRequest, pool model.NetworkPool) error {
	vlanFrom, vlanTo := pool.VLANFrom, pool.VLANTo
	if n, err := scanNetwork(tx.QueryRow(ctx, `SELECT `+networkCols+` FROM connect_networks WHERE network_id = $1`, req.ID)); err == nil {
		if n.ManageID != manageID {
			return &domain.Error{Code: domain.ECONFLICT, Message: "This network id is in use at this site.", Fields: map[string]string{"network.id": "Choose another network id."}}
		}
		return nil
	} else if domain.ErrorCode(notFoundOr(err, "")) != domain.ENOTFOUND {
		return domain.Internal(err)
	}
	pg, vlan := req.PortGroup, 0
	if pg == "" {
		// One VLAN allocation at a time per site.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7346520012)`); err != nil {
			return domain.Internal(err)
		}
		if len(pool.PortGroups) > 0 {
			err := tx.QueryRow(ctx, `SELECT u.pg FROM unnest($1::text[]) WITH ORDINALITY AS u(pg, n)
				WHERE NOT EXISTS (SELECT 1 FROM connect_networks WHERE port_group = u.pg AND state <> 'deleted') ORDER BY u.n LIMIT 1`, pool.PortGroups).Scan(&pg)
			if err != nil && err != pgx.ErrNoRows {
				return domain.Internal(err)
			}
		}
	}
	if pg == "" {
		err := tx.QueryRow(ctx, `SELECT v FROM generate_series($1::int, $2::int) v
			WHERE NOT EXISTS (SELECT 1 FROM connect_networks WHERE vlan = v AND state <> 'deleted') ORDER BY v LIMIT 1`, vlanFrom, vlanTo).Scan(&vlan)
		if err == pgx.ErrNoRows {
			return domain.Errorf(domain.ECONFLICT, "This site has no free VLAN id left for a new network.")
		}
		if err != nil {
			return domain.Internal(err)
		}
		short := req.ID
		if len(short) > 8 {
			short = short[:8]
		}
		pg = fmt.Sprintf("tessera-%d-%s", vlan, short)
	}
	_, err := tx.Exec(ctx, `INSERT INTO connect_networks (network_id, manage_id, port_group, vlan) VALUES ($1, $2, $3, $4)`, req.ID, manageID, pg, vlan)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// OwnedNetwork returns manageID's network in tx. ENOTFOUND.
func OwnedNetwork(ctx context.Context, tx pgx.Tx, manageID, networkID string) (*Network, error) {
	n, err := scanNetwork(tx.QueryRow(ctx, `SELECT `+networkCols+` FROM connect_networks WHERE network_id = $1 AND manage_id = $2`, networkID, manageID))
	return n, notFoundOr(err, "Network not found.")
}

// FindNetwork returns manageID's network. ENOTFOUND.
func (s *Store) FindNetwork(ctx context.Context, manageID, networkID string) (*Network, error) {
	if !domain.IsID(manageID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Network not found.")
	}
	n, err := scanNetwork(s.Pool.QueryRow(ctx, `SELECT `+networkCols+` FROM connect_networks WHERE network_id = $1 AND manage_id = $2`, networkID, manageID))
	return n, notFoundOr(err, "Network not found.")
}

// NetworkByID returns a network for the worker.
func (s *Store) NetworkByID(ctx context.Context, networkID string) (*Network, error) {
	n, err := scanNetwork(s.Pool.QueryRow(ctx, `SELECT `+networkCols+` FROM connect_networks WHERE network_id = $1`, networkID))
	return n, notFoundOr(err, "Network not found.")
}

// SetNetworkState records a network's state.
func (s *Store) SetNetworkState(ctx context.Context, networkID, state string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_networks SET state = $2 WHERE network_id = $1`, networkID, state)
	return notFoundOr(err, "")
}

// MachineDisks returns the disks attached to machineID, for its delete.
func (s *Store) MachineDisks(ctx context.Context, machineID string) ([]*Disk, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+diskCols+` FROM connect_disks WHERE machine_id = $1 AND state = 'attached' ORDER BY disk_id`, machineID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Disk, error) { return scanDisk(r) })
	return out, notFoundOr(err, "")
}

// AddressMapping is connect Gateway's record of a public address and the
// machine it maps to.
type AddressMapping struct {
	AddressID string
	ManageID  string
	Address   string
	MachineID string
	State     string // attached, detached
}

const addressCols = `address_id, manage_id, host(address), machine_id, state`

func scanAddress(row pgx.Row) (*AddressMapping, error) {
	var a AddressMapping
	err := row.Scan(&a.AddressID, &a.ManageID, &a.Address, &a.MachineID, &a.State)
	return &a, err
}

// ClaimAddress records manageID's public address in tx (at its first
// attach). ECONFLICT if another manage instance holds this id or address.
func ClaimAddress(ctx context.Context, tx pgx.Tx, manageID string, req *model.AddressRequest) error {
	if _, err := tx.Exec(ctx, `INSERT INTO connect_addresses (address_id, manage_id, address) VALUES ($1, $2, $3) ON CONFLICT (address_id) DO NOTHING`,
		req.ID, manageID, req.Address); err != nil {
		return domain.Internal(err)
	}
	a, err := scanAddress(tx.QueryRow(ctx, `SELECT `+addressCols+` FROM connect_addresses WHERE address_id = $1 AND manage_id = $2`, req.ID, manageID))
	if err != nil || a.Address != req.Address {
		return &domain.Error{Code: domain.ECONFLICT, Message: "This address id is in use at this site.", Fields: map[string]string{"address.id": "Choose another address id."}}
	}
	return nil
}

// AddressByID returns an address mapping for the worker (no owner check).
func (s *Store) AddressByID(ctx context.Context, addressID string) (*AddressMapping, error) {
	a, err := scanAddress(s.Pool.QueryRow(ctx, `SELECT `+addressCols+` FROM connect_addresses WHERE address_id = $1`, addressID))
	return a, notFoundOr(err, "Address not found.")
}

// SetAddress records an address's mapping.
func (s *Store) SetAddress(ctx context.Context, addressID, state, machineID string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_addresses SET state = $2, machine_id = $3 WHERE address_id = $1`, addressID, state, machineID)
	return notFoundOr(err, "")
}

// ReleaseMachineAddresses records that machineID's VM is gone with its mappings.
func (s *Store) ReleaseMachineAddresses(ctx context.Context, machineID string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_addresses SET state = 'detached', machine_id = '' WHERE machine_id = $1`, machineID)
	return notFoundOr(err, "")
}

// Settings keys.
const (
	SettingStorageClasses = "storage_classes"
	SettingNetworkPool    = "network_pool"
)

// Setting reads setting key into dst; false when it was never set.
func (s *Store) Setting(ctx context.Context, key string, dst any) (bool, error) {
	return setting(ctx, s.Pool, key, dst)
}

// SettingTx reads setting key in tx (see Setting).
func SettingTx(ctx context.Context, tx pgx.Tx, key string, dst any) (bool, error) {
	return setting(ctx, tx, key, dst)
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func setting(ctx context.Context, q rowQuerier, key string, dst any) (bool, error) {
	var raw []byte
	err := q.QueryRow(ctx, `SELECT value FROM connect_settings WHERE key = $1`, key).Scan(&raw)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, domain.Internal(err)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return false, domain.Internal(fmt.Errorf("setting %s: %w", key, err))
	}
	return true, nil
}

// SetSetting stores setting key.
func (s *Store) SetSetting(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return domain.Internal(err)
	}
	_, err = s.Pool.Exec(ctx, `INSERT INTO connect_settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`, key, raw)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}
