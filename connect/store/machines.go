package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// Machine is connect's record of a machine and what it last observed.
type Machine struct {
	MachineID string
	ManageID  string
	Spec      domain.MachineSpec
	VMName    string
	Obs       domain.MachineObservation
}

const machineCols = `machine_id, manage_id, spec, vm_name, power, vcpus, memory_mib, disk_gib, host, addresses, observed_at, created_at`

func scanMachine(row pgx.Row) (*Machine, error) {
	var m Machine
	var spec []byte
	var observed *time.Time
	var created time.Time
	err := row.Scan(&m.MachineID, &m.ManageID, &spec, &m.VMName, &m.Obs.Power, &m.Obs.VCPUs, &m.Obs.MemoryMiB, &m.Obs.DiskGiB, &m.Obs.Host, &m.Obs.Addresses, &observed, &created)
	if err != nil {
		return nil, err
	}
	m.Obs.MachineID = m.MachineID
	m.Obs.ObservedAt = created
	if observed != nil {
		m.Obs.ObservedAt = *observed
	}
	if m.Obs.Addresses == nil {
		m.Obs.Addresses = []string{}
	}
	return &m, json.Unmarshal(spec, &m.Spec)
}

// ClaimMachine records machineID as manageID's, with spec, in tx. ECONFLICT
// if another manage instance has a machine with this id.
func ClaimMachine(ctx context.Context, tx pgx.Tx, manageID, machineID string, spec *domain.MachineSpec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return domain.Internal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO connect_machines (machine_id, manage_id, spec) VALUES ($1, $2, $3) ON CONFLICT (machine_id) DO NOTHING`, machineID, manageID, b); err != nil {
		return domain.Internal(err)
	}
	var owner string
	if err := tx.QueryRow(ctx, `SELECT manage_id FROM connect_machines WHERE machine_id = $1`, machineID).Scan(&owner); err != nil {
		return domain.Internal(err)
	}
	if owner != manageID {
		return &domain.Error{Code: domain.ECONFLICT, Message: "This machine id is in use at this site.", Fields: map[string]string{"machine_id": "Choose another machine id."}}
	}
	return nil
}

// OwnedMachine checks in tx that manageID owns machineID. ENOTFOUND.
func OwnedMachine(ctx context.Context, tx pgx.Tx, manageID, machineID string) (*Machine, error) {
	m, err := scanMachine(tx.QueryRow(ctx, `SELECT `+machineCols+` FROM connect_machines WHERE machine_id = $1 AND manage_id = $2`, machineID, manageID))
	return m, notFoundOr(err, "Machine not found.")
}

// FindMachine returns manageID's machine. ENOTFOUND, also for another
// manage instance's machine.
func (s *Store) FindMachine(ctx context.Context, manageID, machineID string) (*Machine, error) {
	if !domain.IsID(manageID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Machine not found.")
	}
	m, err := scanMachine(s.Pool.QueryRow(ctx, `SELECT `+machineCols+` FROM connect_machines WHERE machine_id = $1 AND manage_id = $2`, machineID, manageID))
	return m, notFoundOr(err, "Machine not found.")
}

// MachineByID returns a machine for the worker (no owner check).
func (s *Store) MachineByID(ctx context.Context, machineID string) (*Machine, error) {
	m, err := scanMachine(s.Pool.QueryRow(ctx, `SELECT `+machineCols+` FROM connect_machines WHERE machine_id = $1`, machineID))
	return m, notFoundOr(err, "Machine not found.")
}

// SetSpec stores a machine's new shape (after a resize).
func (s *Store) SetSpec(ctx context.Context, machineID string, spec domain.MachineSpec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return domain.Internal(err)
	}
	_, err = s.Pool.Exec(ctx, `UPDATE connect_machines SET spec = $2 WHERE machine_id = $1`, machineID, b)
	return notFoundOr(err, "")
}

// Observe stores what the backend reports of a machine's VM.
func (s *Store) Observe(ctx context.Context, machineID string, vm *domain.VMState) error {
	addrs := vm.Addresses
	if addrs == nil {
		addrs = []string{}
	}
	_, err := s.Pool.Exec(ctx, `UPDATE connect_machines SET vm_name = $2, power = $3, vcpus = $4, memory_mib = $5, disk_gib = $6, host = $7, addresses = $8, observed_at = $9
		WHERE machine_id = $1 AND power <> 'deleted'`, machineID, vm.Name, vm.Power, vm.VCPUs, vm.MemoryMiB, vm.DiskGiB, vm.Host, addrs, vm.ObservedAt)
	return notFoundOr(err, "")
}

// SetPower records a power state without a VM (missing, deleted).
func (s *Store) SetPower(ctx context.Context, machineID, power string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_machines SET power = $2, observed_at = now() WHERE machine_id = $1`, machineID, power)
	return notFoundOr(err, "")
}

// LiveMachines lists machines whose VM should exist (neither pending nor
// deleted), for the reconciler.
func (s *Store) LiveMachines(ctx context.Context) ([]string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT machine_id FROM connect_machines WHERE power NOT IN ('pending', 'deleted') ORDER BY machine_id`)
	if err != nil {
		return nil, domain.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, domain.Internal(err)
	}
	return ids, nil
}
