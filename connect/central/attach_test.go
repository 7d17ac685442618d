package central_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"tessera/connect/connecttest"
	"tessera/connect/model"
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
	run := func(req model.OperationRequest) { t.Helper(); runOp(t, site, mi.ID, req) }
	newMachine := func() string {
		id := domain.NewID()
		run(model.OperationRequest{Kind: model.OpCreate, MachineID: id, Spec: &model.MachineSpec{Name: "web", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1024, Image: "ubuntu-24.04"}})
		return id
	}
	m := newMachine()
	addr := &model.AddressRequest{ID: domain.NewID(), Address: "203.0.113.9"}
	mapped := func() []string {
		t.Helper()
		got, err := site.Backend.PublicAddresses(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	run(model.OperationRequest{Kind: model.OpAddressAttach, MachineID: m, Address: addr})
	if got := mapped(); !slices.Equal(got, []string{"203.0.113.9"}) {
		t.Fatalf("VM maps %v after attach", got)
	}
	if a, err := site.Store.AddressByID(ctx, addr.ID); err != nil || a.State != "attached" || a.MachineID != m {
		t.Errorf("store after attach: %+v %v", a, err)
	}
	run(model.OperationRequest{Kind: model.OpAddressDetach, MachineID: m, Address: addr})
	if got := mapped(); len(got) != 0 {
		t.Fatalf("VM maps %v after detach", got)
	}
	// Another manage instance cannot touch the address or the machine.
	_, other := site.Token(t, "manage-b")
	if _, err := site.Central.Submit(ctx, other.ID, model.OperationRequest{Key: domain.NewID(), Kind: model.OpAddressAttach, MachineID: m, Address: addr}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other manage instance: %v", err)
	}

	disk := &model.DiskRequest{ID: domain.NewID(), SizeGiB: 4}
	run(model.OperationRequest{Kind: model.OpDiskCreate, Disk: disk})
	run(model.OperationRequest{Kind: model.OpDiskAttach, MachineID: m, Disk: &model.DiskRequest{ID: disk.ID}})
	run(model.OperationRequest{Kind: model.OpAddressAttach, MachineID: m, Address: addr})
	run(model.OperationRequest{Kind: model.OpDelete, MachineID: m})
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
	run(model.OperationRequest{Kind: model.OpDiskAttach, MachineID: m2, Disk: &model.DiskRequest{ID: disk.ID}})
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
	run := func(req model.OperationRequest) { t.Helper(); runOp(t, site, mi.ID, req) }
	m := domain.NewID()
	run(model.OperationRequest{Kind: model.OpCreate, MachineID: m, Spec: &model.MachineSpec{Name: "db", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1024, Image: "ubuntu-24.04"}})
	run(model.OperationRequest{Kind: model.OpSnapshotCreate, MachineID: m, Snapshot: "snap-1"})
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
	run(model.OperationRequest{Kind: model.OpSnapshotRevert, MachineID: m, Snapshot: "snap-1", Power: model.PowerOn})
	if got := power(); got != model.PowerOn {
		t.Errorf("after a revert asking to run, the VM is %s", got)
	}

	if err := site.Backend.PowerOff(ctx, m); err != nil {
		t.Fatal(err)
	}
	run(model.OperationRequest{Kind: model.OpSnapshotRevert, MachineID: m, Snapshot: "snap-1"})
	if got := power(); got != model.PowerOff {
		t.Errorf("a stopped machine's revert started it: %s", got)
	}
}

// runOp submits req to the site for manage instance mi with a fresh key and
// waits until it has succeeded (failing the test otherwise).
func runOp(t *testing.T, site *connecttest.Site, mi string, req model.OperationRequest) {
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
			if r.State != model.OpSucceeded {
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
