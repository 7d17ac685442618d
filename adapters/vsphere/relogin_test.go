package vsphere

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/session"
)

// TestReloginAfterSessionLoss ends the session behind the backend's back;
// the next call logs in again instead of failing.
func TestReloginAfterSessionLoss(t *testing.T) {
	sim, err := StartSimulator(SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ctx := context.Background()
	b, err := Connect(ctx, sim.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := session.NewManager(b.c).Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Inventory(ctx); err != nil {
		t.Fatalf("after the session ended: %v", err)
	}
}
