package vsphere_test

import (
	"context"
	"slices"
	"testing"

	"tessera/adapters/vsphere"
	"tessera/domain"
)

// templates lists the site's templates as its inventory shows them.
func templates(t *testing.T, b *vsphere.Backend) []string {
	t.Helper()
	inv, err := b.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return inv.Templates
}

// A tenant's image captured from a stopped machine is deleted with its
// disks; deleting it again (a retry after a crash) succeeds, the machine
// stays, and a machine's VM named in a delete is refused.
func TestDeleteImage(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	id := domain.NewID()
	vm := create(t, b, id)
	if err := b.PowerOff(ctx, id); err != nil {
		t.Fatal(err)
	}
	name := domain.TenantTemplatePrefix + domain.NewID()
	if err := b.CaptureImage(ctx, id, name); err != nil {
		t.Fatalf("capture: %v", err)
	}
	if !slices.Contains(templates(t, b), name) {
		t.Fatalf("templates after capture = %v, want %s", templates(t, b), name)
	}
	for i := range 2 {
		if err := b.DeleteImage(ctx, name); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
		if got := templates(t, b); slices.Contains(got, name) {
			t.Fatalf("templates after delete #%d = %v", i+1, got)
		}
	}
	// The machine the image came from is still there.
	if _, err := b.FindVM(ctx, id); err != nil {
		t.Errorf("machine after deleting its image: %v", err)
	}
	if err := b.DeleteImage(ctx, vm.Name); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("delete a machine's VM as an image = %v, want conflict", err)
	}
	if _, err := b.FindVM(ctx, id); err != nil {
		t.Errorf("machine after a refused delete: %v", err)
	}
}
