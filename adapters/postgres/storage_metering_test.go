package postgres_test

import (
	"context"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
)

// openUsage returns the tenant's open usage interval of a resource, if any.
func openUsage(t *testing.T, b *postgres.BillingService, tenantID, resourceID string) *domain.UsageInterval {
	t.Helper()
	ivs, err := b.OpenIntervals(context.Background(), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ivs {
		if ivs[i].ResourceID == resourceID {
			return &ivs[i]
		}
	}
	return nil
}

// A disk is billed from the moment it is available, at its size and class,
// follows a grow, and stops at delete; a failed create is never billed, and
// replaying a transition does not bill twice.
func TestDiskMetering(t *testing.T) {
	f := newStorageFixture(t)
	ctx := context.Background()
	ds := postgres.NewDiskService(f.db)
	bs := postgres.NewBillingService(f.db, time.UTC)

	d := &domain.Disk{TenantID: f.acme, Name: "data", LocationID: f.berlin, SizeGiB: 100, Class: "fast"}
	if _, err := ds.CreateDisk(ctx, d); err != nil {
		t.Fatal(err)
	}
	if iv := openUsage(t, bs, f.acme, d.ID); iv != nil {
		t.Fatalf("a disk still creating is billed: %+v", iv)
	}
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskCreating, domain.DiskAvailable, nil, nil); err != nil {
		t.Fatal(err)
	}
	iv := openUsage(t, bs, f.acme, d.ID)
	if iv == nil || iv.ResourceType != "disk" || iv.DiskGiB != 100 || iv.StorageClass != "fast" || iv.LocationID != f.berlin || iv.ResourceName != "data" {
		t.Fatalf("available disk usage = %+v", iv)
	}
	if iv.VCPUs != 0 || iv.MemoryMiB != 0 || iv.PublicIPs != 0 {
		t.Errorf("a disk is billed for more than its storage: %+v", iv)
	}
	// The same transition again is refused (compare and set) and bills nothing new.
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskCreating, domain.DiskAvailable, nil, nil); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("replayed transition: err = %v, want conflict", err)
	}

	if err := ds.SetDiskOp(ctx, f.acme, d.ID, "disk_grow:1", 250); err != nil {
		t.Fatal(err)
	}
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskAvailable, domain.DiskResizing, nil, nil); err != nil {
		t.Fatal(err)
	}
	size := 250
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskResizing, domain.DiskAvailable, nil, &size); err != nil {
		t.Fatal(err)
	}
	if iv := openUsage(t, bs, f.acme, d.ID); iv == nil || iv.DiskGiB != 250 {
		t.Fatalf("grown disk usage = %+v, want 250 GiB", iv)
	}

	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskAvailable, domain.DiskDeleting, nil, nil); err != nil {
		t.Fatal(err)
	}
	if iv := openUsage(t, bs, f.acme, d.ID); iv == nil {
		t.Fatal("a disk being deleted is no longer billed before the site deleted it")
	}
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskDeleting, domain.DiskDeleted, nil, nil); err != nil {
		t.Fatal(err)
	}
	if iv := openUsage(t, bs, f.acme, d.ID); iv != nil {
		t.Fatalf("a deleted disk is still billed: %+v", iv)
	}

	failed := &domain.Disk{TenantID: f.acme, Name: "broken", LocationID: f.berlin, SizeGiB: 10}
	if _, err := ds.CreateDisk(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if err := ds.SetDiskState(ctx, f.acme, failed.ID, domain.DiskCreating, domain.DiskError, nil, nil); err != nil {
		t.Fatal(err)
	}
	if iv := openUsage(t, bs, f.acme, failed.ID); iv != nil {
		t.Fatalf("a disk that was never created is billed: %+v", iv)
	}
}

// A public address is billed per hour from allocation to release, to the
// tenant that holds it only.
func TestPublicAddressMetering(t *testing.T) {
	f := newStorageFixture(t)
	ctx := context.Background()
	as := postgres.NewAddressService(f.db)
	bs := postgres.NewBillingService(f.db, time.UTC)
	if err := as.CreatePool(ctx, &domain.PublicPool{LocationID: f.berlin, CIDR: "203.0.113.0/29"}); err != nil {
		t.Fatal(err)
	}
	a, err := as.AllocatePublic(ctx, f.acme, f.berlin, "")
	if err != nil {
		t.Fatal(err)
	}
	iv := openUsage(t, bs, f.acme, a.ID)
	if iv == nil || iv.ResourceType != "address" || iv.PublicIPs != 1 || !iv.Running || iv.ResourceName != a.Address {
		t.Fatalf("allocated address usage = %+v", iv)
	}
	if other := openUsage(t, bs, f.globex, a.ID); other != nil {
		t.Fatalf("another tenant is billed for acme's address: %+v", other)
	}
	if err := as.ReleasePublic(ctx, f.acme, a.ID); err != nil {
		t.Fatal(err)
	}
	if iv := openUsage(t, bs, f.acme, a.ID); iv != nil {
		t.Fatalf("a released address is still billed: %+v", iv)
	}
}
