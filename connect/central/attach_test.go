package central_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"tessera/connect/connecttest"
	"tessera/domain"
)

// TestAddressMappingAndDeleteKeepsDisks runs connect's own workflow: a
// public address attached to a machine is on its VM and in connect's store,
// detached it is gone; deleting the machine first detaches its disk, which
// then survives the VM and attaches to another machine.
func TestAddressMappingAndDeleteKeepsDisks(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{})
	_, mi := site.Token(t, "manage-a")
	ctx := context.Background()
	run := func(req domain.OperationRequest) { t.Helper(); runOp(t, site, mi.ID, req) }
	newMachine := func() string {
		id := domain.NewID()
		run(domain.OperationRequest{Kind: domain.OpCreate, MachineID: id, Spec: &domain.MachineSpec{Name: "web", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1024, Image: "ubuntu-24.04"}})
		return id
	}
	m := newMachine()
	addr := &domain.AddressRequest{ID: domain.NewID(), Address: "203.0.113.9"}
	mapped := func() []string {
		t.Helper()
		got, err := site.Backend.PublicAddresses(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	run(domain.OperationRequest{Kind: domain.OpAddressAttach, MachineID: m, Address: addr})
	if got := mapped(); !slices.Equal(got, []string{"203.0.113.9"}) {
		t.Fatalf("VM maps %v after attach", got)
	}
	if a, err := site.Store.AddressByID(ctx, addr.ID); err != nil || a.State != "attached" || a.MachineID != m {
		t.Errorf("store after attach: %+v %v", a, err)
	}
	run(domain.OperationRequest{Kind: domain.OpAddressDetach, MachineID: m, Address: addr})
	if got := mapped(); len(got) != 0 {
		t.Fatalf("VM maps %v after detach", got)
	}
	// Another manage instance cannot touch the address or the machine.
	_, other := site.Token(t, "manage-b")
	if _, err := site.Central.Submit(ctx, other.ID, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpAddressAttach, MachineID: m, Address: addr}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other manage instance: %v", err)
	}

	disk := &domain.DiskRequest{ID: domain.NewID(), SizeGiB: 4}
	run(domain.OperationRequest{Kind: domain.OpDiskCreate, Disk: disk})
	run(domain.OperationRequest{Kind: domain.OpDiskAttach, MachineID: m, Disk: &domain.DiskRequest{ID: disk.ID}})
	run(domain.OperationRequest{Kind: domain.OpAddressAttach, MachineID: m, Address: addr})
	run(domain.OperationRequest{Kind: domain.OpDelete, MachineID: m})
	d, err := site.Store.DiskByID(ctx, disk.ID)
	if err != nil || d.State != "available" || d.MachineID != "" {
		t.Fatalf("disk after the machine's delete: %+v %v", d, err)
	}
	if a, _ := site.Store.AddressByID(ctx, addr.ID); a.State != "detached" {
		t.Errorf("address after the machine's delete: %+v", a)
	}
	if err := site.Backend.GrowDisk(ctx, "", d.Info(), 5); err != nil {
		t.Fatalf("the disk's file did not survive the VM: %v", err)
	}
	m2 := newMachine()
	run(domain.OperationRequest{Kind: domain.OpDiskAttach, MachineID: m2, Disk: &domain.DiskRequest{ID: disk.ID}})
}

// TestRevertKeepsARunningMachineRunning: vSphere powers a VM off when it
// reverts to a snapshot without memory (Tessera's snapshots are disk-only).
// The simulator does not, so the test powers the VM off as vCenter would;
// a revert that asks for power "on" (the machine ran before) leaves it on,
// one that does not leaves it as it is.
func TestRevertKeepsARunningMachineRunning(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{})
	_, mi := site.Token(t, "manage-a")
	ctx := context.Background()
	run := func(req domain.OperationRequest) { t.Helper(); runOp(t, site, mi.ID, req) }
	m := domain.NewID()
	run(domain.OperationRequest{Kind: domain.OpCreate, MachineID: m, Spec: &domain.MachineSpec{Name: "db", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1024, Image: "ubuntu-24.04"}})
	run(domain.OperationRequest{Kind: domain.OpSnapshotCreate, MachineID: m, Snapshot: "snap-1"})
	power := func() string {
		t.Helper()
		vm, err := site.Backend.FindVM(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return vm.Power
	}

	if err := site.Backend.PowerOff(ctx, m); err != nil { // what vCenter's revert does
		t.Fatal(err)
	}
	run(domain.OperationRequest{Kind: domain.OpSnapshotRevert, MachineID: m, Snapshot: "snap-1", Power: domain.PowerOn})
	if got := power(); got != domain.PowerOn {
		t.Errorf("after a revert asking to run, the VM is %s", got)
	}

	if err := site.Backend.PowerOff(ctx, m); err != nil {
		t.Fatal(err)
	}
	run(domain.OperationRequest{Kind: domain.OpSnapshotRevert, MachineID: m, Snapshot: "snap-1"})
	if got := power(); got != domain.PowerOff {
		t.Errorf("a stopped machine's revert started it: %s", got)
	}
}

// runOp submits req to the site for manage instance mi with a fresh key and
// waits until it has succeeded (failing the test otherwise).
func runOp(t *testing.T, site *connecttest.Site, mi string, req domain.OperationRequest) {
	t.Helper()
	ctx := context.Background()
	req.Key = domain.NewID()
	op, err := site.Central.Submit(ctx, mi, req)
	if err != nil {
		t.Fatalf("%s: %v", req.Kind, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := site.Store.FindOperation(ctx, mi, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.State.Done() {
			if r.State != domain.OpSucceeded {
				t.Fatalf("%s: %s %q", req.Kind, r.State, r.Error)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s", req.Kind, r.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
