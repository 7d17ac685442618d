package vsphere_test

import (
	"context"
	"slices"
	"testing"

	"tessera/adapters/vsphere"
	"tessera/connect/hypervisor"
	"tessera/domain"
)

// TestPublicAddressMapping: the VM carries the public address after an
// attach (once, however often it is repeated) and not after the detach.
func TestPublicAddressMapping(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	id := domain.NewID()
	create(t, b, id)
	mapped := func() []string {
		t.Helper()
		got, err := b.PublicAddresses(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for range 2 {
		if err := b.MapPublicAddress(ctx, id, "203.0.113.7"); err != nil {
			t.Fatalf("map: %v", err)
		}
	}
	if err := b.MapPublicAddress(ctx, id, "203.0.113.8"); err != nil {
		t.Fatal(err)
	}
	if got := mapped(); !slices.Equal(got, []string{"203.0.113.7", "203.0.113.8"}) {
		t.Fatalf("after attach the VM maps %v", got)
	}
	for range 2 {
		if err := b.UnmapPublicAddress(ctx, id, "203.0.113.7"); err != nil {
			t.Fatalf("unmap: %v", err)
		}
	}
	if got := mapped(); !slices.Equal(got, []string{"203.0.113.8"}) {
		t.Fatalf("after detach the VM maps %v", got)
	}
	if err := b.UnmapPublicAddress(ctx, id, "203.0.113.8"); err != nil {
		t.Fatal(err)
	}
	if got := mapped(); len(got) != 0 {
		t.Fatalf("after the last detach the VM maps %v", got)
	}
	if err := b.UnmapPublicAddress(ctx, domain.NewID(), "203.0.113.8"); err != nil {
		t.Errorf("unmap from a VM that is gone: %v", err)
	}
	if err := b.MapPublicAddress(ctx, domain.NewID(), "203.0.113.8"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("map to no VM = %v, want not found", err)
	}
}

// TestDetachedDiskSurvivesDestroy: connect detaches Tessera's disks before
// it destroys a VM, and the disk's file outlives the VM.
func TestDetachedDiskSurvivesDestroy(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	id := domain.NewID()
	create(t, b, id)
	d, err := b.CreateDisk(ctx, hypervisor.DiskCreate{DiskID: domain.NewID(), SizeGiB: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AttachDisk(ctx, id, *d); err != nil {
		t.Fatal(err)
	}
	// A disk left attached goes with the VM: why connect detaches first.
	left, err := b.CreateDisk(ctx, hypervisor.DiskCreate{DiskID: domain.NewID(), SizeGiB: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AttachDisk(ctx, id, *left); err != nil {
		t.Fatal(err)
	}
	if err := b.DetachDisk(ctx, id, *d); err != nil {
		t.Fatal(err)
	}
	if err := b.Destroy(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := b.GrowDisk(ctx, "", *left, 6); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("a disk destroyed with its VM: grow = %v, want not found", err)
	}
	// Growing the standalone disk reads its file: not found if it went with the VM.
	if err := b.GrowDisk(ctx, "", *d, 6); err != nil {
		t.Fatalf("the disk did not survive its machine: %v", err)
	}
	other := domain.NewID()
	create(t, b, other)
	if err := b.AttachDisk(ctx, other, *d); err != nil {
		t.Fatalf("attach to another machine: %v", err)
	}
}
