package central_test

import (
	"context"
	"testing"
	"time"

	"tessera/connect/connecttest"
	"tessera/connect/model"
	"tessera/domain"
)

func waitOp(t *testing.T, site *connecttest.Site, manageID, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := site.Store.FindOperation(context.Background(), manageID, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State.Done() {
			if r.State != model.OpSucceeded {
				t.Fatalf("operation %s: %s", r.State, r.Error)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation still %s", r.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReconcileChangesBehindOurBack powers off and deletes VMs directly in
// vCenter and checks that a sync shows it.
func TestReconcileChangesBehindOurBack(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{})
	_, mi := site.Token(t, "manage-a")
	ctx := context.Background()
	a, b := domain.NewID(), domain.NewID()
	for _, id := range []string{a, b} {
		op, err := site.Central.Submit(ctx, mi.ID, model.OperationRequest{Key: "c-" + id, Kind: model.OpCreate, MachineID: id,
			Spec: &model.MachineSpec{Name: "m", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 512, Image: "ubuntu-24.04"}})
		if err != nil {
			t.Fatal(err)
		}
		waitOp(t, site, mi.ID, op.ID)
	}
	if err := site.Backend.PowerOff(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := site.Backend.Destroy(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := site.Central.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{a: model.PowerOff, b: model.PowerMissing} {
		m, err := site.Central.Machine(ctx, mi.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Power != want {
			t.Errorf("machine %s: power %s, want %s", id[:8], m.Power, want)
		}
	}
	info, err := site.Central.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Capacity.VCPUsAllocated < 1 || info.Capacity.Hosts != 2 || time.Since(info.LastSync) > time.Minute {
		t.Errorf("site info after sync: %+v", info)
	}

	// The loop does it by itself at its interval, and an unreachable vCenter
	// is recorded without losing the last inventory.
	site.Sim.StopServer()
	if err := site.Central.Sync(ctx); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Errorf("sync with vCenter down: %v", err)
	}
	snap, err := site.Store.Snapshot(ctx)
	if err != nil || snap.LastError == "" || len(snap.Inventory.Hosts) != 2 {
		t.Errorf("snapshot after a failed sync: %+v, %v", snap, err)
	}
}

func TestReconcileLoop(t *testing.T) {
	site2 := connecttest.Start(t, connecttest.Options{Central: connecttest.FastConfig(syncEvery(100 * time.Millisecond))})
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	var first time.Time
	for {
		snap, err := site2.Store.Snapshot(ctx)
		if err == nil {
			if first.IsZero() {
				first = snap.LastSync
			} else if snap.LastSync.After(first) {
				return // synced at least twice on its own
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the reconciler did not sync twice on its own")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
