package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/connect/hypervisor"
	"tessera/connect/model"
	"tessera/domain"
)

// Machine is connect's record of a machine and what it last observed.
type Machine struct {
	MachineID string
	ManageID  string
	Spec      model.MachineSpec
	VMName    string
	Obs       model.MachineObservation
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
func ClaimMachine(ctx context.Context, tx pgx.Tx, manageID, machineID string, spec *model.MachineSpec) error {
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
func (s *Store) SetSpec(ctx context.Context, machineID string, spec model.MachineSpec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return domain.Internal(err)
	}
	_, err = s.Pool.Exec(ctx, `UPDATE connect_machines SET spec = $2 WHERE machine_id = $1`, machineID, b)
	return notFoundOr(err, "")
}

// Observe stores what the backend reports of a machine's VM.
func (s *Store) Observe(ctx context.Context, machineID string, vm *hypervisor.VMState) error {
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

// ApplySync records one reconciliation in two statements, whatever the
// number of machines: every listed VM's state for the machines it belongs to,
// and "missing" for live machines without a VM. Rows a worker observed after
// since (the moment the sync started reading vCenter) are left alone, so a
// sync never overwrites a fresher observation.
func (s *Store) ApplySync(ctx context.Context, vms []*hypervisor.VMState, since time.Time) error {
	n := len(vms)
	ids, names, powers, hosts := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	vcpus, mem, disk := make([]int32, n), make([]int32, n), make([]int32, n)
	addrs := make([]string, n) // comma-joined; addresses never contain commas
	for i, v := range vms {
		ids[i], names[i], powers[i], hosts[i] = v.MachineID, v.Name, v.Power, v.Host
		vcpus[i], mem[i], disk[i] = int32(v.VCPUs), int32(v.MemoryMiB), int32(v.DiskGiB)
		addrs[i] = strings.Join(v.Addresses, ",")
	}
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE connect_machines m SET vm_name = v.name, power = v.power, vcpus = v.vcpus, memory_mib = v.mem, disk_gib = v.disk,
				host = v.host, addresses = coalesce(string_to_array(nullif(v.addrs, ''), ','), '{}'), observed_at = now()
			FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[]) AS v(id, name, power, vcpus, mem, disk, host, addrs)
			WHERE m.machine_id = v.id AND m.power NOT IN ('pending', 'deleted') AND (m.observed_at IS NULL OR m.observed_at < $9)`,
			ids, names, powers, vcpus, mem, disk, hosts, addrs, since)
		if err != nil {
			return domain.Internal(err)
		}
		_, err = tx.Exec(ctx, `UPDATE connect_machines SET power = 'missing', observed_at = now()
			WHERE power NOT IN ('pending', 'deleted', 'missing') AND NOT (machine_id = ANY($1)) AND (observed_at IS NULL OR observed_at < $2)`, ids, since)
		if err != nil {
			return domain.Internal(err)
		}
		return nil
	})
}
