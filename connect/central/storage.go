package central

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"tessera/connect/hypervisor"
	"tessera/connect/model"
	"tessera/connect/store"
	"tessera/domain"
)

// This file is connect Storage and Gateway inside Central: disk, snapshot
// and network operations run through the same leased, retried River
// workflow as machine operations, and every backend step is idempotent.

// claimStorage checks and records, in the submitting transaction, what a
// storage operation acts on. ENOTFOUND for another manage instance's disk,
// network or machine.
func (c *Central) claimStorage(ctx context.Context, tx pgx.Tx, manageID string, req model.OperationRequest) error {
	if req.MachineID != "" {
		if _, err := store.OwnedMachine(ctx, tx, manageID, req.MachineID); err != nil {
			return err
		}
	}
	switch req.Kind {
	case model.OpDiskCreate:
		return store.ClaimDisk(ctx, tx, manageID, req.Disk)
	case model.OpDiskAttach, model.OpDiskDetach, model.OpDiskGrow, model.OpDiskDelete:
		_, err := store.OwnedDisk(ctx, tx, manageID, req.Disk.ID)
		return err
	case model.OpAddressAttach, model.OpAddressDetach:
		return store.ClaimAddress(ctx, tx, manageID, req.Address)
	case model.OpNetworkCreate:
		pool, err := c.pool(ctx, tx)
		if err != nil {
			return err
		}
		return store.ClaimNetworkFromPool(ctx, tx, manageID, req.Network, pool)
	case model.OpNetworkDelete:
		_, err := store.OwnedNetwork(ctx, tx, manageID, req.Network.ID)
		return err
	}
	return nil
}

func (c *Central) storageBackend() (hypervisor.StorageBackend, error) {
	sb, ok := c.backend.(hypervisor.StorageBackend)
	if !ok {
		return nil, domain.Errorf(domain.EINVALID, "This site's hypervisor backend does not manage disks.")
	}
	return sb, nil
}

func (c *Central) networkBackend() (hypervisor.NetworkBackend, error) {
	nb, ok := c.backend.(hypervisor.NetworkBackend)
	if !ok {
		return nil, domain.Errorf(domain.EINVALID, "This site's hypervisor backend does not manage networks.")
	}
	return nb, nil
}

// runStorage carries out one disk, snapshot or network operation.
func (c *Central) runStorage(ctx context.Context, op *store.OpRecord) error {
	p := op.Payload
	switch op.Kind {
	case model.OpNetworkCreate, model.OpNetworkDelete:
		return c.runNetwork(ctx, op)
	case model.OpAddressAttach, model.OpAddressDetach:
		return c.runAddress(ctx, op)
	case model.OpImageImport, model.OpImageCapture, model.OpImageDelete:
		ib, ok := c.backend.(hypervisor.ImageBackend)
		if !ok {
			return domain.Errorf(domain.EINVALID, "This site's hypervisor backend does not manage images.")
		}
		var err error
		switch op.Kind {
		case model.OpImageImport:
			err = ib.ImportImage(ctx, p.Image.Name, p.Image.URL)
		case model.OpImageCapture:
			err = ib.CaptureImage(ctx, op.MachineID, p.Image.Name)
		default:
			err = ib.DeleteImage(ctx, p.Image.Name)
		}
		if err == nil {
			// The site's info lists (or no longer lists) the template at once.
			if serr := c.Sync(ctx); serr != nil {
				c.log.Warn("sync after an image operation", "err", serr)
			}
		}
		return err
	case model.OpSnapshotCreate, model.OpSnapshotRevert, model.OpSnapshotDelete:
		sb, err := c.storageBackend()
		if err != nil {
			return err
		}
		switch op.Kind {
		case model.OpSnapshotCreate:
			return sb.CreateSnapshot(ctx, op.MachineID, p.Snapshot)
		case model.OpSnapshotRevert:
			if err := sb.RevertSnapshot(ctx, op.MachineID, p.Snapshot); err != nil {
				return err
			}
			if p.Power == model.PowerOn { // a disk-only snapshot's revert leaves the VM off
				if err := c.backend.PowerOn(ctx, op.MachineID); err != nil {
					return err
				}
			}
			return c.observe(ctx, op.MachineID)
		default:
			return sb.RemoveSnapshot(ctx, op.MachineID, p.Snapshot)
		}
	}
	sb, err := c.storageBackend()
	if err != nil {
		return err
	}
	d, err := c.store.DiskByID(ctx, p.Disk.ID)
	if err != nil {
		return err
	}
	switch op.Kind {
	case model.OpDiskCreate:
		if d.State != "pending" {
			return nil // an earlier attempt finished it
		}
		classes, err := c.classes(ctx)
		if err != nil {
			return err
		}
		info, err := sb.CreateDisk(ctx, hypervisor.DiskCreate{DiskID: d.DiskID, SizeGiB: d.SizeGiB, Datastore: classes[d.Class]})
		if err != nil {
			return err
		}
		return c.store.DiskCreated(ctx, info)
	case model.OpDiskAttach:
		if d.State == "attached" && d.MachineID == op.MachineID {
			return nil
		}
		if d.State != "available" {
			return domain.Errorf(domain.ECONFLICT, "The disk is %s; only an available disk can be attached.", d.State)
		}
		if err := sb.AttachDisk(ctx, op.MachineID, d.Info()); err != nil {
			return err
		}
		return c.store.SetDisk(ctx, d.DiskID, "attached", op.MachineID, d.SizeGiB)
	case model.OpDiskDetach:
		if d.State == "available" {
			return nil
		}
		if d.MachineID != op.MachineID {
			return domain.Errorf(domain.ECONFLICT, "The disk is not attached to this machine.")
		}
		if err := sb.DetachDisk(ctx, op.MachineID, d.Info()); err != nil {
			return err
		}
		return c.store.SetDisk(ctx, d.DiskID, "available", "", d.SizeGiB)
	case model.OpDiskGrow:
		if p.Disk.SizeGiB == d.SizeGiB {
			return nil
		}
		if p.Disk.SizeGiB < d.SizeGiB {
			return domain.Invalid(map[string]string{"disk.size_gib": "A disk can only grow."})
		}
		if err := sb.GrowDisk(ctx, d.MachineID, d.Info(), p.Disk.SizeGiB); err != nil {
			return err
		}
		return c.store.SetDisk(ctx, d.DiskID, d.State, d.MachineID, p.Disk.SizeGiB)
	case model.OpDiskDelete:
		if d.State == "attached" {
			return domain.Errorf(domain.ECONFLICT, "The disk is attached to a machine; detach it first.")
		}
		if d.Path != "" {
			if err := sb.DeleteDisk(ctx, d.Info()); err != nil {
				return err
			}
		}
		return c.store.SetDisk(ctx, d.DiskID, "deleted", "", d.SizeGiB)
	}
	return domain.Errorf(domain.EINVALID, "Unknown operation kind %q.", op.Kind)
}

// runAddress maps a public address to a machine or removes the mapping. The
// backend records it on the VM (vSphere has no NAT without NSX: the
// provider's edge applies it from there); connect's store keeps it too.
func (c *Central) runAddress(ctx context.Context, op *store.OpRecord) error {
	ab, ok := c.backend.(hypervisor.AddressBackend)
	if !ok {
		return domain.Errorf(domain.EINVALID, "This site's hypervisor backend does not map public addresses.")
	}
	a, err := c.store.AddressByID(ctx, op.Payload.Address.ID)
	if err != nil {
		return err
	}
	if op.Kind == model.OpAddressAttach {
		if a.State == "attached" && a.MachineID != op.MachineID {
			return domain.Errorf(domain.ECONFLICT, "The address is mapped to another machine; detach it first.")
		}
		if err := ab.MapPublicAddress(ctx, op.MachineID, a.Address); err != nil {
			return err
		}
		return c.store.SetAddress(ctx, a.AddressID, "attached", op.MachineID)
	}
	if a.State == "attached" && a.MachineID != op.MachineID {
		return domain.Errorf(domain.ECONFLICT, "The address is mapped to another machine.")
	}
	if err := ab.UnmapPublicAddress(ctx, op.MachineID, a.Address); err != nil {
		return err
	}
	return c.store.SetAddress(ctx, a.AddressID, "detached", "")
}

// detachDisks detaches Tessera's disks from machineID's VM before it is
// destroyed (vSphere deletes every disk of a VM it destroys), so the disks
// survive the machine; manage then keeps or deletes them. Idempotent.
func (c *Central) detachDisks(ctx context.Context, machineID string) error {
	disks, err := c.store.MachineDisks(ctx, machineID)
	if err != nil || len(disks) == 0 {
		return err
	}
	sb, err := c.storageBackend()
	if err != nil {
		return err
	}
	for _, d := range disks {
		if err := sb.DetachDisk(ctx, machineID, d.Info()); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if err := c.store.SetDisk(ctx, d.DiskID, "available", "", d.SizeGiB); err != nil {
			return err
		}
	}
	return nil
}

func (c *Central) runNetwork(ctx context.Context, op *store.OpRecord) error {
	nb, err := c.networkBackend()
	if err != nil {
		return err
	}
	n, err := c.store.NetworkByID(ctx, op.Payload.Network.ID)
	if err != nil {
		return err
	}
	if op.Kind == model.OpNetworkCreate {
		if n.VLAN > 0 {
			if err := nb.EnsurePortGroup(ctx, n.PortGroup, n.VLAN); err != nil {
				return err
			}
		} else {
			pgs, err := nb.PortGroups(ctx)
			if err != nil {
				return err
			}
			if !slices.Contains(pgs, n.PortGroup) {
				return domain.Errorf(domain.ENOTFOUND, "Port group %q does not exist in this site.", n.PortGroup)
			}
		}
		return c.store.SetNetworkState(ctx, n.NetworkID, "ready")
	}
	if n.VLAN > 0 { // only port groups Tessera made are removed
		if err := nb.DeletePortGroup(ctx, n.PortGroup); err != nil {
			return err
		}
	}
	return c.store.SetNetworkState(ctx, n.NetworkID, "deleted")
}

// Disk returns what the site knows of manageID's disk. ENOTFOUND.
func (c *Central) Disk(ctx context.Context, manageID, diskID string) (*model.DiskObservation, error) {
	d, err := c.store.FindDisk(ctx, manageID, diskID)
	if err != nil {
		return nil, err
	}
	obs := d.DiskObservation
	return &obs, nil
}

// Network returns what the site knows of manageID's network. ENOTFOUND.
func (c *Central) Network(ctx context.Context, manageID, networkID string) (*model.NetworkObservation, error) {
	n, err := c.store.FindNetwork(ctx, manageID, networkID)
	if err != nil {
		return nil, err
	}
	obs := n.NetworkObservation
	return &obs, nil
}
