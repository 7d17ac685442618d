package connectapi_test

import (
	"context"
	"slices"
	"testing"

	"tessera/adapters/connectapi"
	"tessera/connect/connecttest"
	"tessera/domain"
)

// TestStorageThroughConnect drives disks, snapshots and networks through
// manage's client, connect's API and workflows to the vSphere simulator.
func TestStorageThroughConnect(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{Sim: smallSim()})
	token, _ := site.Token(t, "manage-a")
	c := connectapi.New(site.Server.URL, token, nil)
	tokenB, _ := site.Token(t, "manage-b")
	other := connectapi.New(site.Server.URL, tokenB, nil)
	ctx := context.Background()

	run := func(req domain.OperationRequest) *domain.Operation {
		t.Helper()
		req.Key = domain.NewID()
		op, err := c.Submit(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", req.Kind, err)
		}
		return connecttest.Wait(t, c, op.ID)
	}
	ok := func(req domain.OperationRequest) {
		t.Helper()
		if op := run(req); op.State != domain.OpSucceeded {
			t.Fatalf("%s: %s: %s", req.Kind, op.State, op.Error)
		}
	}

	// A network gets a new port group with a VLAN id from the site's pool.
	netID := domain.NewID()
	ok(domain.OperationRequest{Kind: domain.OpNetworkCreate, Network: &domain.NetworkRequest{ID: netID}})
	n, err := c.Network(ctx, netID)
	if err != nil || n.State != "ready" || n.VLAN != 100 || n.PortGroup == "" {
		t.Fatalf("network %+v, %v", n, err)
	}
	if pgs, _ := site.Backend.PortGroups(ctx); !slices.Contains(pgs, n.PortGroup) {
		t.Errorf("port group %s not in vCenter: %v", n.PortGroup, pgs)
	}
	// An existing port group the provider assigned.
	existing := domain.NewID()
	ok(domain.OperationRequest{Kind: domain.OpNetworkCreate, Network: &domain.NetworkRequest{ID: existing, PortGroup: "DC0_DVPG0"}})
	if op := run(domain.OperationRequest{Kind: domain.OpNetworkCreate, Network: &domain.NetworkRequest{ID: domain.NewID(), PortGroup: "no-such-pg"}}); op.State != domain.OpFailed {
		t.Errorf("unknown port group: %s", op.State)
	}

	// A machine on the new network.
	machine := domain.NewID()
	s := spec()
	s.Network = n.PortGroup
	ok(domain.OperationRequest{Kind: domain.OpCreate, MachineID: machine, Spec: s})

	diskID := domain.NewID()
	ok(domain.OperationRequest{Kind: domain.OpDiskCreate, Disk: &domain.DiskRequest{ID: diskID, SizeGiB: 10, Class: "fast"}})
	d, err := c.Disk(ctx, diskID)
	if err != nil || d.State != "available" || d.SizeGiB != 10 || d.Class != "fast" || d.Datastore == "" {
		t.Fatalf("disk %+v, %v", d, err)
	}
	before, _ := site.Backend.DiskCount(ctx, machine)
	ok(domain.OperationRequest{Kind: domain.OpDiskAttach, MachineID: machine, Disk: &domain.DiskRequest{ID: diskID}})
	if d, _ := c.Disk(ctx, diskID); d.State != "attached" || d.MachineID != machine {
		t.Errorf("after attach: %+v", d)
	}
	if n, _ := site.Backend.DiskCount(ctx, machine); n != before+1 {
		t.Errorf("VM disks %d, want %d", n, before+1)
	}
	// Deleting an attached disk fails with the reason, and changes nothing.
	if op := run(domain.OperationRequest{Kind: domain.OpDiskDelete, Disk: &domain.DiskRequest{ID: diskID}}); op.State != domain.OpFailed || op.Error == "" {
		t.Errorf("delete attached: %+v", op)
	}
	ok(domain.OperationRequest{Kind: domain.OpDiskGrow, Disk: &domain.DiskRequest{ID: diskID, SizeGiB: 20}})
	if d, _ := c.Disk(ctx, diskID); d.SizeGiB != 20 {
		t.Errorf("after grow: %+v", d)
	}

	snap := domain.NewID()
	ok(domain.OperationRequest{Kind: domain.OpSnapshotCreate, MachineID: machine, Snapshot: snap})
	ok(domain.OperationRequest{Kind: domain.OpSnapshotRevert, MachineID: machine, Snapshot: snap})
	ok(domain.OperationRequest{Kind: domain.OpSnapshotDelete, MachineID: machine, Snapshot: snap})
	if names, _ := site.Backend.Snapshots(ctx, machine); len(names) != 0 {
		t.Errorf("snapshots left: %v", names)
	}

	// Another manage instance sees none of it and cannot act on it.
	if _, err := other.Disk(ctx, diskID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other manage reads the disk: %v", err)
	}
	if _, err := other.Network(ctx, netID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other manage reads the network: %v", err)
	}
	if _, err := other.Submit(ctx, domain.OperationRequest{Key: "x", Kind: domain.OpDiskDelete, Disk: &domain.DiskRequest{ID: diskID}}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("other manage deletes the disk: %v", err)
	}
	if _, err := other.Submit(ctx, domain.OperationRequest{Key: "y", Kind: domain.OpDiskCreate, Disk: &domain.DiskRequest{ID: diskID, SizeGiB: 1}}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("other manage reuses the disk id: %v", err)
	}

	// The same key returns the same operation and runs nothing new.
	req := domain.OperationRequest{Key: "detach-1", Kind: domain.OpDiskDetach, MachineID: machine, Disk: &domain.DiskRequest{ID: diskID}}
	op1, err := c.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	op2, err := c.Submit(ctx, req)
	if err != nil || op2.ID != op1.ID {
		t.Fatalf("resubmitted: %+v, %v", op2, err)
	}
	if done := connecttest.Wait(t, c, op1.ID); done.State != domain.OpSucceeded {
		t.Fatalf("detach: %+v", done)
	}
	if n, _ := site.Backend.DiskCount(ctx, machine); n != before {
		t.Errorf("VM disks after detach %d, want %d", n, before)
	}
	ok(domain.OperationRequest{Kind: domain.OpDiskDelete, Disk: &domain.DiskRequest{ID: diskID}})
	if d, _ := c.Disk(ctx, diskID); d.State != "deleted" {
		t.Errorf("after delete: %+v", d)
	}

	// Bad requests are refused with field errors.
	_, err = c.Submit(ctx, domain.OperationRequest{Key: "bad", Kind: domain.OpDiskCreate, Disk: &domain.DiskRequest{ID: domain.NewID(), SizeGiB: 0, Class: "gold"}})
	if f := domain.ErrorFields(err); f["disk.size_gib"] == "" || f["disk.class"] == "" {
		t.Errorf("bad disk create: %v %v", err, f)
	}

	ok(domain.OperationRequest{Kind: domain.OpDelete, MachineID: machine})
	ok(domain.OperationRequest{Kind: domain.OpNetworkDelete, Network: &domain.NetworkRequest{ID: netID}})
	if pgs, _ := site.Backend.PortGroups(ctx); slices.Contains(pgs, n.PortGroup) {
		t.Errorf("port group %s still in vCenter", n.PortGroup)
	}
	// The VLAN id is free again.
	next := domain.NewID()
	ok(domain.OperationRequest{Kind: domain.OpNetworkCreate, Network: &domain.NetworkRequest{ID: next}})
	if n2, _ := c.Network(ctx, next); n2.VLAN != 100 {
		t.Errorf("reused VLAN %d, want 100", n2.VLAN)
	}
}
