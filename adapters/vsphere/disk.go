package vsphere

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

var _ hypervisor.StorageBackend = (*Backend)(nil)

// diskDir is the datastore folder of Tessera's standalone disks.
const diskDir = "tessera-disks"

// diskPath is a disk's file: named by the disk id, so a retried create
// finds the file an earlier attempt made.
func diskPath(datastore, diskID string) string {
	return fmt.Sprintf("[%s] %s/%s.vmdk", datastore, diskDir, diskID)
}

// datastoreFor returns datastore name, the member of datastore cluster
// name with the most free space, or (name "") the usable datastore with the
// most free space.
func (b *Backend) datastoreFor(ctx context.Context, name string) (string, types.ManagedObjectReference, error) {
	if name != "" {
		ref, err := b.findRef(ctx, "Datastore", name)
		if err != nil {
			return "", types.ManagedObjectReference{}, translate(err, "find the datastore")
		}
		if ref == nil {
			ds, err := b.podDatastore(ctx, name)
			if err != nil {
				return "", types.ManagedObjectReference{}, translate(err, "find the datastore cluster")
			}
			if ds != nil {
				return ds.Name, ds.Self, nil
			}
			return "", types.ManagedObjectReference{}, domain.Errorf(domain.ENOTFOUND, "Datastore %q does not exist in this site.", name)
		}
		return name, *ref, nil
	}
	var stores []mo.Datastore
	if err := b.retrieve(ctx, "Datastore", []string{"name", "summary"}, &stores); err != nil {
		return "", types.ManagedObjectReference{}, translate(err, "read datastores")
	}
	var best *mo.Datastore
	for i := range stores {
		d := &stores[i]
		if !d.Summary.Accessible {
			continue
		}
		if best == nil || d.Summary.FreeSpace > best.Summary.FreeSpace {
			best = d
		}
	}
	if best == nil {
		return "", types.ManagedObjectReference{}, domain.Errorf(domain.ECONFLICT, "This site has no usable datastore.")
	}
	return best.Name, best.Self, nil
}

// CreateDisk makes a thin standalone disk in the datastore's tessera-disks
// folder (created first: vCenter does not create it with the disk).
func (b *Backend) CreateDisk(ctx context.Context, req hypervisor.DiskCreate) (*hypervisor.DiskInfo, error) {
	if req.DiskID == "" || req.SizeGiB < 1 {
		return nil, domain.Errorf(domain.EINVALID, "A disk needs an id and a size.")
	}
	ds, _, err := b.datastoreFor(ctx, req.Datastore)
	if err != nil {
		return nil, err
	}
	info := &hypervisor.DiskInfo{DiskID: req.DiskID, Datastore: ds, Path: diskPath(ds, req.DiskID), SizeGiB: req.SizeGiB}
	fm := object.NewFileManager(b.c)
	if err := fm.MakeDirectory(ctx, fmt.Sprintf("[%s] %s", ds, diskDir), b.dc, true); err != nil && !fault.Is(err, &types.FileAlreadyExists{}) {
		return nil, translate(err, "create the disk folder")
	}
	vdm := object.NewVirtualDiskManager(b.c)
	spec := &types.FileBackedVirtualDiskSpec{
		VirtualDiskSpec: types.VirtualDiskSpec{DiskType: string(types.VirtualDiskTypeThin), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)},
		CapacityKb:      int64(req.SizeGiB) << 20,
	}
	t, err := vdm.CreateVirtualDisk(ctx, info.Path, b.dc, spec)
	if err == nil {
		err = t.Wait(ctx)
	}
	if err != nil {
		if fault.Is(err, &types.FileAlreadyExists{}) {
			return info, nil // an earlier attempt made it
		}
		return nil, translate(err, "create the disk")
	}
	return info, nil
}

// attachedDisk returns the VM's disk device backed by path, or nil.
func attachedDisk(devices object.VirtualDeviceList, path string) *types.VirtualDisk {
	for _, d := range devices.SelectByType((*types.VirtualDisk)(nil)) {
		disk := d.(*types.VirtualDisk)
		if fb, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok && fb.GetVirtualDeviceFileBackingInfo().FileName == path {
			return disk
		}
	}
	return nil
}

// AttachDisk adds the disk's file to the VM on its first disk controller.
func (b *Backend) AttachDisk(ctx context.Context, machineID string, disk hypervisor.DiskInfo) error {
	_, dsRef, err := b.datastoreFor(ctx, disk.Datastore)
	if err != nil {
		return err
	}
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		devices, err := vm.Device(ctx)
		if err != nil {
			return translate(err, "read the virtual machine's devices")
		}
		if attachedDisk(devices, disk.Path) != nil {
			return nil
		}
		ctrl, err := devices.FindDiskController("")
		if err != nil {
			return domain.Errorf(domain.ECONFLICT, "The virtual machine has no free disk controller slot.")
		}
		d := devices.CreateDisk(ctrl, dsRef, disk.Path)
		// No file operation: attach the existing file.
		spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d},
		}}
		t, err := vm.Reconfigure(ctx, spec)
		if err == nil {
			err = t.Wait(ctx)
		}
		return translate(err, "attach the disk")
	})
}

// DetachDisk removes the disk device and keeps its file.
func (b *Backend) DetachDisk(ctx context.Context, machineID string, disk hypervisor.DiskInfo) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		devices, err := vm.Device(ctx)
		if err != nil {
			return translate(err, "read the virtual machine's devices")
		}
		d := attachedDisk(devices, disk.Path)
		if d == nil {
			return nil
		}
		return translate(vm.RemoveDevice(ctx, true, d), "detach the disk")
	})
}

// GrowDisk grows the disk through the VM's device when attached, else
// through the virtual disk manager.
func (b *Backend) GrowDisk(ctx context.Context, machineID string, disk hypervisor.DiskInfo, sizeGiB int) error {
	want := int64(sizeGiB) << 20
	if machineID == "" {
		vdm := object.NewVirtualDiskManager(b.c)
		t, err := vdm.ExtendVirtualDisk(ctx, disk.Path, b.dc, want, nil)
		if err == nil {
			err = t.Wait(ctx)
		}
		switch {
		case err == nil:
		case fault.Is(err, &types.FileNotFound{}):
			return &domain.Error{Code: domain.ENOTFOUND, Message: "The disk's file is gone from the datastore.", Err: err}
		case fault.Is(err, &types.FileFault{}):
			// vCenter refuses to shrink a disk with a plain file fault.
			return &domain.Error{Code: domain.EINVALID, Message: "A disk can only grow.", Fields: map[string]string{"size_gib": "A disk can only grow."}, Err: err}
		}
		return translate(err, "grow the disk")
	}
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		devices, err := vm.Device(ctx)
		if err != nil {
			return translate(err, "read the virtual machine's devices")
		}
		d := attachedDisk(devices, disk.Path)
		if d == nil {
			return domain.Errorf(domain.ENOTFOUND, "The disk is not attached to this machine.")
		}
		switch {
		case want < d.CapacityInKB:
			return domain.Invalid(map[string]string{"size_gib": fmt.Sprintf("A disk can only grow: it has %d GiB.", d.CapacityInKB>>20)})
		case want == d.CapacityInKB:
			return nil
		}
		d.CapacityInKB, d.CapacityInBytes = want, want<<10
		spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: d},
		}}
		t, err := vm.Reconfigure(ctx, spec)
		if err == nil {
			err = t.Wait(ctx)
		}
		return translate(err, "grow the disk")
	})
}

// DeleteDisk deletes the disk's files.
func (b *Backend) DeleteDisk(ctx context.Context, disk hypervisor.DiskInfo) error {
	vdm := object.NewVirtualDiskManager(b.c)
	t, err := vdm.DeleteVirtualDisk(ctx, disk.Path, b.dc)
	if err == nil {
		err = t.Wait(ctx)
	}
	if err != nil && fault.Is(err, &types.FileNotFound{}) {
		return nil
	}
	return translate(err, "delete the disk")
}

// snapshotNames reads the VM's snapshot names.
func snapshotNames(ctx context.Context, vm *object.VirtualMachine) ([]string, error) {
	var m mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"snapshot"}, &m); err != nil {
		return nil, translate(err, "read the snapshots")
	}
	var out []string
	var walk func([]types.VirtualMachineSnapshotTree)
	walk = func(ts []types.VirtualMachineSnapshotTree) {
		for _, t := range ts {
			out = append(out, t.Name)
			walk(t.ChildSnapshotList)
		}
	}
	if m.Snapshot != nil {
		walk(m.Snapshot.RootSnapshotList)
	}
	return out, nil
}

func hasName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// CreateSnapshot snapshots the VM (disks only, no memory).
func (b *Backend) CreateSnapshot(ctx context.Context, machineID, name string) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		names, err := snapshotNames(ctx, vm)
		if err != nil || hasName(names, name) {
			return err
		}
		t, err := vm.CreateSnapshot(ctx, name, "Created by Tessera.", false, false)
		if err == nil {
			err = t.Wait(ctx)
		}
		return translate(err, "snapshot the virtual machine")
	})
}

// RevertSnapshot restores the VM to a snapshot.
func (b *Backend) RevertSnapshot(ctx context.Context, machineID, name string) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		names, err := snapshotNames(ctx, vm)
		if err != nil {
			return err
		}
		if !hasName(names, name) {
			return domain.Errorf(domain.ENOTFOUND, "The snapshot is gone from vCenter.")
		}
		t, err := vm.RevertToSnapshot(ctx, name, true)
		if err == nil {
			err = t.Wait(ctx)
		}
		return translate(err, "restore the snapshot")
	})
}

// RemoveSnapshot removes a snapshot and consolidates its disks.
func (b *Backend) RemoveSnapshot(ctx context.Context, machineID, name string) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		names, err := snapshotNames(ctx, vm)
		if err != nil || !hasName(names, name) {
			return err
		}
		yes := true
		t, err := vm.RemoveSnapshot(ctx, name, false, &yes)
		if err == nil {
			err = t.Wait(ctx)
		}
		return translate(err, "remove the snapshot")
	})
}

// Snapshots lists the VM's snapshot names.
func (b *Backend) Snapshots(ctx context.Context, machineID string) ([]string, error) {
	var out []string
	err := b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		var err error
		out, err = snapshotNames(ctx, vm)
		return err
	})
	return out, err
}

// DiskCount returns how many disks machineID's VM has.
func (b *Backend) DiskCount(ctx context.Context, machineID string) (int, error) {
	n := 0
	err := b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		devices, err := vm.Device(ctx)
		if err != nil {
			return translate(err, "read the virtual machine's devices")
		}
		n = len(devices.SelectByType((*types.VirtualDisk)(nil)))
		return nil
	})
	return n, err
}
