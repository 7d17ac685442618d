package postgres_test

import (
	"context"
	"slices"
	"testing"

	"tessera/domain"
)

// A tenant's image being deleted leaves the tenant's usable images at once,
// stays listed (deleting) until its site has removed the template, stays
// listed as failed with the reason if the site could not, and can be
// deleted again with a new site operation. Another tenant cannot delete it.
func TestTenantImageDelete(t *testing.T) {
	ctx := context.Background()
	f := newMachineFixture(t)
	m, err := f.create(f.acme, "src")
	if err != nil {
		t.Fatal(err)
	}
	img := &domain.MachineImage{TenantID: f.acme.ID, Name: "golden", SiteID: f.site, LocationID: f.loc, MachineID: m.ID}
	if err := f.cat.CreateTenantImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	if err := f.cat.DeleteTenantImage(ctx, f.acme.ID, img.ID); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("delete while creating = %v, want conflict", err)
	}
	if err := f.cat.SetTenantImageState(ctx, img.TenantID, img.ID, domain.ImageReady, ""); err != nil {
		t.Fatal(err)
	}
	usable := func() bool {
		imgs, err := f.cat.TenantImages(ctx, f.acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(imgs, func(i *domain.MachineImage) bool { return i.ID == img.ID })
	}
	state := func() *domain.MachineImage {
		got, err := f.cat.FindTenantImage(ctx, f.acme.ID, img.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		return got
	}
	if !usable() {
		t.Fatal("ready image not usable")
	}
	if err := f.cat.DeleteTenantImage(ctx, f.globex.ID, img.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("another tenant deletes = %v, want not found", err)
	}

	for attempt := 1; attempt <= 2; attempt++ {
		if err := f.cat.DeleteTenantImage(ctx, f.acme.ID, img.ID); err != nil {
			t.Fatalf("delete #%d: %v", attempt, err)
		}
		got := state()
		if got.State != domain.ImageDeleting || got.Error != "" || got.DeleteAttempts != attempt {
			t.Fatalf("after delete #%d: %+v", attempt, got)
		}
		if usable() {
			t.Errorf("image being deleted is still usable")
		}
		pending, err := f.cat.PendingImages(ctx)
		if err != nil || !slices.ContainsFunc(pending, func(i *domain.MachineImage) bool { return i.ID == img.ID }) {
			t.Errorf("pending = %v, %v; want the image", pending, err)
		}
		// Deleting again while deleting is fine and keeps the attempt.
		if err := f.cat.DeleteTenantImage(ctx, f.acme.ID, img.ID); err != nil || state().DeleteAttempts != attempt {
			t.Errorf("delete while deleting: %v, %+v", err, state())
		}
		// An image being deleted never becomes ready again.
		if err := f.cat.SetTenantImageState(ctx, img.TenantID, img.ID, domain.ImageReady, ""); err != nil || state().State != domain.ImageDeleting {
			t.Errorf("ready while deleting: %v, %+v", err, state())
		}
		if attempt == 1 {
			if err := f.cat.SetTenantImageState(ctx, img.TenantID, img.ID, domain.ImageFailed, "Deleting failed: vCenter is down."); err != nil {
				t.Fatal(err)
			}
			if got := state(); got.State != domain.ImageFailed || got.Error != "Deleting failed: vCenter is down." {
				t.Errorf("after a failed delete: %+v", got)
			}
		}
	}
	if err := f.cat.SetTenantImageState(ctx, img.TenantID, img.ID, domain.ImageDeleted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cat.FindTenantImage(ctx, f.acme.ID, img.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("find deleted = %v, want not found", err)
	}
	if own, err := f.cat.TenantOwnImages(ctx, f.acme.ID); err != nil || len(own) != 0 {
		t.Errorf("own images after delete = %v, %v", own, err)
	}
}
