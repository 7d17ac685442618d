package vsphere_test

import (
	"context"
	"slices"
	"testing"

	"tessera/adapters/vsphere"
	"tessera/connect/hypervisor"
	"tessera/domain"
)

// diskCount returns how many disks the VM has.
func diskCount(t *testing.T, b *vsphere.Backend, machineID string) int {
	t.Helper()
	n, err := b.DiskCount(context.Background(), machineID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStandaloneDiskLifecycle(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	id := domain.NewID()
	create(t, b, id)
	before := diskCount(t, b, id)

	diskID := domain.NewID()
	d, err := b.CreateDisk(ctx, hypervisor.DiskCreate{DiskID: diskID, SizeGiB: 10})
	if err != nil {
		t.Fatal(err)
	}
	if d.Datastore == "" || d.Path != "["+d.Datastore+"] tessera-disks/"+diskID+".vmdk" {
		t.Fatalf("disk = %+v", d)
	}
	// A retried create finds the file.
	if again, err := b.CreateDisk(ctx, hypervisor.DiskCreate{DiskID: diskID, SizeGiB: 10}); err != nil || again.Path != d.Path {
		t.Fatalf("retried create = %+v, %v", again, err)
	}
	// Grow while detached.
	if err := b.GrowDisk(ctx, "", *d, 20); err != nil {
		t.Fatalf("grow detached: %v", err)
	}
	if err := b.GrowDisk(ctx, "", *d, 5); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("shrink detached = %v, want invalid", err)
	}
	// Attach twice: one device.
	for range 2 {
		if err := b.AttachDisk(ctx, id, *d); err != nil {
			t.Fatalf("attach: %v", err)
		}
	}
	if got := diskCount(t, b, id); got != before+1 {
		t.Fatalf("disks after attach = %d, want %d", got, before+1)
	}
	if err := b.GrowDisk(ctx, id, *d, 30); err != nil {
		t.Fatalf("grow attached: %v", err)
	}
	if err := b.GrowDisk(ctx, id, *d, 30); err != nil {
		t.Fatalf("grow attached again: %v", err)
	}
	if err := b.GrowDisk(ctx, id, *d, 25); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("shrink attached = %v, want invalid", err)
	}
	// Detach twice: the file stays, so it attaches again.
	for range 2 {
		if err := b.DetachDisk(ctx, id, *d); err != nil {
			t.Fatalf("detach: %v", err)
		}
	}
	if got := diskCount(t, b, id); got != before {
		t.Fatalf("disks after detach = %d, want %d", got, before)
	}
	if err := b.AttachDisk(ctx, id, *d); err != nil {
		t.Fatalf("attach after detach (file kept?): %v", err)
	}
	if err := b.DetachDisk(ctx, id, *d); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := b.DeleteDisk(ctx, *d); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	if err := b.AttachDisk(ctx, id, *d); err == nil {
		t.Error("attaching a deleted disk succeeded")
	}
	if _, err := b.CreateDisk(ctx, hypervisor.DiskCreate{DiskID: domain.NewID(), SizeGiB: 1, Datastore: "nope"}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("unknown datastore = %v", err)
	}
	if err := b.AttachDisk(ctx, domain.NewID(), *d); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("attach to a missing VM = %v", err)
	}
}

func TestSnapshots(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	id := domain.NewID()
	create(t, b, id)
	for range 2 {
		if err := b.CreateSnapshot(ctx, id, "snap-1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.CreateSnapshot(ctx, id, "snap-2"); err != nil {
		t.Fatal(err)
	}
	names, err := b.Snapshots(ctx, id)
	if err != nil || !slices.Equal(names, []string{"snap-1", "snap-2"}) {
		t.Fatalf("snapshots = %v, %v", names, err)
	}
	if err := b.RevertSnapshot(ctx, id, "snap-1"); err != nil {
		t.Fatalf("revert: %v", err)
	}
	if err := b.RevertSnapshot(ctx, id, "nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("revert unknown = %v", err)
	}
	for range 2 {
		if err := b.RemoveSnapshot(ctx, id, "snap-2"); err != nil {
			t.Fatalf("remove: %v", err)
		}
	}
	names, _ = b.Snapshots(ctx, id)
	if !slices.Equal(names, []string{"snap-1"}) {
		t.Errorf("after remove = %v", names)
	}
}

func TestPortGroups(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	for range 2 {
		if err := b.EnsurePortGroup(ctx, "tessera-acme-101", 101); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.EnsurePortGroup(ctx, "DC0_DVPG0", 5); err != nil {
		t.Errorf("existing port group: %v", err)
	}
	pgs, err := b.PortGroups(ctx)
	if err != nil || !slices.Contains(pgs, "tessera-acme-101") || !slices.Contains(pgs, "DC0_DVPG0") {
		t.Fatalf("port groups = %v, %v", pgs, err)
	}
	// A machine can be created on the new port group.
	_, err = b.CreateVM(ctx, hypervisor.VMCreate{MachineID: domain.NewID(), OperationID: "op", Name: "on-pg", Folder: "tessera/acme",
		Template: "ubuntu-24.04", VCPUs: 1, MemoryMiB: 512, Network: "tessera-acme-101"})
	if err != nil {
		t.Fatalf("create on new port group: %v", err)
	}
	if err := b.EnsurePortGroup(ctx, "x", 5000); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("vlan 5000 = %v", err)
	}
	if err := b.DeletePortGroup(ctx, "tessera-acme-gone"); err != nil {
		t.Errorf("delete missing: %v", err)
	}
}
