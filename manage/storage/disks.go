package storage

import (
	"context"

	"tessera/domain"
	"tessera/manage/operations"
)

// CreateDisk records the disk in state creating and queues its creation at
// its location's site. EINVALID, ECONFLICT, EUNAVAILABLE.
func (m *Manager) CreateDisk(ctx context.Context, d *domain.Disk) error {
	if err := d.Validate(); err != nil {
		return err
	}
	site, err := m.siteFor(ctx, d.LocationID)
	if err != nil {
		return err
	}
	d.SiteID = site.ID
	if _, err := m.Disks.CreateDisk(ctx, d); err != nil {
		return err
	}
	return m.enqueueDisk(ctx, d)
}

// DeleteDisk queues the delete of a detached disk. ECONFLICT, ENOTFOUND.
func (m *Manager) DeleteDisk(ctx context.Context, tenantID, id string) error {
	d, err := m.Disks.Disk(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if err := d.CanDelete(); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, id, d.State, domain.DiskDeleting, nil, nil); err != nil {
		return err
	}
	d.State = domain.DiskDeleting
	return m.enqueueDisk(ctx, d)
}

// enqueueDisk queues a transitional disk's operation.
func (m *Manager) enqueueDisk(ctx context.Context, d *domain.Disk) error {
	req, _, _, wait := domain.DiskStep(d)
	if !wait || d.SiteID == "" {
		return nil
	}
	return m.enqueue(ctx, d.TenantID, d.SiteID, operations.ResourceDisk, d.ID, req)
}

// applyDisk moves a disk on when the operation it waits for ended.
func (m *Manager) applyDisk(ctx context.Context, j *operations.Job, out operations.Outcome) error {
	d, err := m.Disks.Disk(ctx, j.TenantID, j.ResourceID)
	if err != nil {
		return err
	}
	req, ok, failed, wait := domain.DiskStep(d)
	if !wait || req.Key != j.Request.Key {
		return nil // moved on already
	}
	to := ok
	if !out.Succeeded {
		to = failed
	}
	var machine *string
	var size *int
	switch {
	case d.State == domain.DiskDetaching && to == domain.DiskAvailable, d.State == domain.DiskAttaching && to == domain.DiskAvailable:
		none := ""
		machine = &none
	case d.State == domain.DiskResizing && out.Succeeded:
		size = &d.PendingSizeGiB
	}
	if err := m.Disks.SetDiskState(ctx, d.TenantID, d.ID, d.State, to, machine, size); err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			return nil // another apply moved it on
		}
		return err
	}
	if d.OpKey != "" {
		return m.Disks.SetDiskOp(ctx, d.TenantID, d.ID, "", 0)
	}
	return nil
}

// AttachDisk attaches an available disk to a machine in the same location
// and site. ECONFLICT (state), EINVALID (another location), ENOTFOUND.
func (m *Manager) AttachDisk(ctx context.Context, tenantID, diskID, machineID string, at domain.MachinePlace) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	if err := d.CanAttach(at.LocationID); err != nil {
		return err
	}
	if at.SiteID != d.SiteID {
		return domain.Invalid(map[string]string{"machine_id": "The machine runs at another site of the location than the disk."})
	}
	if err := m.Disks.SetDiskOp(ctx, tenantID, diskID, "disk_attach:"+domain.NewID(), 0); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, diskID, domain.DiskAvailable, domain.DiskAttaching, &machineID, nil); err != nil {
		return err
	}
	return m.queueDisk(ctx, tenantID, diskID)
}

// DetachDisk detaches an attached disk. ECONFLICT, ENOTFOUND.
func (m *Manager) DetachDisk(ctx context.Context, tenantID, diskID string) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	if err := d.CanDetach(); err != nil {
		return err
	}
	if err := m.Disks.SetDiskOp(ctx, tenantID, diskID, "disk_detach:"+domain.NewID(), 0); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, diskID, domain.DiskAttached, domain.DiskDetaching, nil, nil); err != nil {
		return err
	}
	return m.queueDisk(ctx, tenantID, diskID)
}

// GrowDisk grows a disk, attached or not. EINVALID, ECONFLICT, ENOTFOUND.
func (m *Manager) GrowDisk(ctx context.Context, tenantID, diskID string, sizeGiB int) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	if err := d.CanGrow(sizeGiB); err != nil {
		return err
	}
	if err := m.Disks.SetDiskOp(ctx, tenantID, diskID, "disk_grow:"+domain.NewID(), sizeGiB); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, diskID, d.State, domain.DiskResizing, nil, nil); err != nil {
		return err
	}
	return m.queueDisk(ctx, tenantID, diskID)
}

// queueDisk reads the disk as recorded and queues its operation.
func (m *Manager) queueDisk(ctx context.Context, tenantID, diskID string) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	return m.enqueueDisk(ctx, d)
}
