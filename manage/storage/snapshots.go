package storage

import (
	"context"
	"strings"

	"tessera/domain"
	"tessera/manage/operations"
)

// TakeSnapshot snapshots a machine's disks through its site. EINVALID,
// ECONFLICT (too many snapshots).
func (m *Manager) TakeSnapshot(ctx context.Context, tenantID, machineID string, at domain.MachinePlace, name string) (*domain.Snapshot, error) {
	sn := &domain.Snapshot{TenantID: tenantID, MachineID: machineID, SiteID: at.SiteID, Name: name}
	return sn, m.CreateSnapshot(ctx, sn)
}

// CreateSnapshot records sn (tenant, machine, site, name and the API's
// idempotency key filled in) and queues it at its site; a key used before
// fills sn with that snapshot. EINVALID, ECONFLICT.
func (m *Manager) CreateSnapshot(ctx context.Context, sn *domain.Snapshot) error {
	if err := m.Snapshots.CreateSnapshot(ctx, sn); err != nil {
		return err
	}
	return m.enqueueSnapshot(ctx, sn)
}

// revertRunning ends the key of a revert that leaves the machine running;
// the key is stored with the snapshot, so a revert sent again after a crash
// still asks for it.
const revertRunning = ":running"

// RevertSnapshot restores a machine to a ready snapshot; running says the
// machine runs now and should run after. ECONFLICT, ENOTFOUND.
func (m *Manager) RevertSnapshot(ctx context.Context, tenantID, id string, running bool) error {
	sn, err := m.Snapshots.Snapshot(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if err := sn.CanRevert(); err != nil {
		return err
	}
	key := "snapshot_revert:" + domain.NewID()
	if running {
		key += revertRunning
	}
	if err := m.Snapshots.SetSnapshotState(ctx, tenantID, id, domain.SnapshotReady, domain.SnapshotReverting, key); err != nil {
		return err
	}
	sn.State, sn.OpKey = domain.SnapshotReverting, key
	return m.enqueueSnapshot(ctx, sn)
}

// DeleteSnapshot removes a ready or failed snapshot. ECONFLICT, ENOTFOUND.
func (m *Manager) DeleteSnapshot(ctx context.Context, tenantID, id string) error {
	sn, err := m.Snapshots.Snapshot(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if sn.State != domain.SnapshotReady && sn.State != domain.SnapshotError {
		return domain.Errorf(domain.ECONFLICT, "Snapshot %q is %s; wait until it is ready.", sn.Name, sn.State)
	}
	if err := m.Snapshots.SetSnapshotState(ctx, tenantID, id, sn.State, domain.SnapshotDeleting, ""); err != nil {
		return err
	}
	sn.State = domain.SnapshotDeleting
	return m.enqueueSnapshot(ctx, sn)
}

// snapshotStep is the operation a transitional snapshot waits for and the
// states it ends in; ok is false for a snapshot that waits for nothing.
func snapshotStep(sn *domain.Snapshot) (req domain.OperationRequest, done, failed domain.SnapshotState, ok bool) {
	done, failed = domain.SnapshotReady, domain.SnapshotError
	switch sn.State {
	case domain.SnapshotCreating:
		req = domain.OperationRequest{Key: "snapshot_create:" + sn.ID, Kind: domain.OpSnapshotCreate}
	case domain.SnapshotDeleting:
		req, done = domain.OperationRequest{Key: "snapshot_delete:" + sn.ID, Kind: domain.OpSnapshotDelete}, domain.SnapshotDeleted
	case domain.SnapshotReverting:
		req, failed = domain.OperationRequest{Key: sn.OpKey, Kind: domain.OpSnapshotRevert}, domain.SnapshotReady
		if strings.HasSuffix(sn.OpKey, revertRunning) {
			req.Power = domain.PowerOn
		}
	default:
		return req, "", "", false
	}
	if req.Key == "" || sn.SiteID == "" {
		return req, "", "", false
	}
	req.MachineID, req.Snapshot = sn.MachineID, sn.ID
	return req, done, failed, true
}

// enqueueSnapshot queues a transitional snapshot's operation.
func (m *Manager) enqueueSnapshot(ctx context.Context, sn *domain.Snapshot) error {
	req, _, _, ok := snapshotStep(sn)
	if !ok {
		return nil
	}
	return m.enqueue(ctx, sn.TenantID, sn.SiteID, operations.ResourceSnapshot, sn.ID, req)
}

// applySnapshot moves a snapshot on when its operation ended.
func (m *Manager) applySnapshot(ctx context.Context, j *operations.Job, out operations.Outcome) error {
	sn, err := m.Snapshots.Snapshot(ctx, j.TenantID, j.ResourceID)
	if err != nil {
		return err
	}
	req, done, failed, ok := snapshotStep(sn)
	if !ok || req.Key != j.Request.Key {
		return nil // moved on already
	}
	to := done
	if !out.Succeeded {
		to = failed
	}
	if err := m.Snapshots.SetSnapshotState(ctx, sn.TenantID, sn.ID, sn.State, to, ""); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
		return err
	}
	return nil
}
