package postgres_test

import (
	"context"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/manage/operations"
)

// TestSiteOperationQueue: queueing a key twice queues it once; a claim
// leases the operation so a second worker skips it, and a lease that ends
// (the worker crashed) hands it out again with what was recorded; a
// finished operation is never claimed again.
func TestSiteOperationQueue(t *testing.T) {
	f := newStorageFixture(t)
	ctx := context.Background()
	q := postgres.NewSiteOperationQueue(f.db)
	site := domain.NewID()
	disk := domain.NewID()
	p := operations.Pending{TenantID: f.acme, SiteID: site, Resource: operations.ResourceDisk, ResourceID: disk,
		Request: domain.OperationRequest{Key: "disk_create:" + disk, Kind: domain.OpDiskCreate, Disk: &domain.DiskRequest{ID: disk, SizeGiB: 10, Class: "standard"}}}
	for range 2 {
		if err := q.Enqueue(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Enqueue(ctx, operations.Pending{SiteID: site, Resource: operations.ResourceDisk, ResourceID: disk}); domain.ErrorCode(err) != domain.EINTERNAL {
		t.Errorf("an operation without a key: %v", err)
	}

	jobs, err := q.Claim(ctx, 10, 300*time.Millisecond)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	j := jobs[0]
	if j.TenantID != f.acme || j.SiteID != site || j.Resource != operations.ResourceDisk || j.ResourceID != disk || j.Attempts != 1 ||
		j.Request.Key != p.Request.Key || j.Request.Disk == nil || j.Request.Disk.SizeGiB != 10 || j.Machine != nil {
		t.Errorf("claimed %+v (request %+v)", j, j.Request)
	}
	if again, _ := q.Claim(ctx, 10, time.Minute); len(again) != 0 {
		t.Errorf("a leased operation was claimed again: %d", len(again))
	}
	// The worker crashes here; once its lease ends another worker claims
	// the operation again.
	time.Sleep(350 * time.Millisecond)
	jobs, err = q.Claim(ctx, 10, time.Minute)
	if err != nil || len(jobs) != 1 || jobs[0].SiteOpID != "" || jobs[0].Attempts != 2 {
		t.Fatalf("after the lease: %+v %v", jobs, err)
	}
	// Once submitted, the next claim follows the site's operation rather
	// than sending anew.
	if err := q.Submitted(ctx, jobs[0], "site-op-1", 0); err != nil {
		t.Fatal(err)
	}
	jobs, err = q.Claim(ctx, 10, time.Minute)
	if err != nil || len(jobs) != 1 || jobs[0].SiteOpID != "site-op-1" {
		t.Fatalf("after Submitted: %+v %v", jobs, err)
	}
	if err := q.Later(ctx, jobs[0], 0, "The site does not answer; retrying."); err != nil {
		t.Fatal(err)
	}
	jobs, _ = q.Claim(ctx, 10, time.Minute)
	if len(jobs) != 1 {
		t.Fatalf("after Later: %d jobs", len(jobs))
	}
	for range 2 { // finishing twice (a replay) is harmless
		if err := q.Finish(ctx, jobs[0], operations.Outcome{Succeeded: true}); err != nil {
			t.Fatal(err)
		}
	}
	var state string
	if err := f.db.Pool.QueryRow(ctx, `SELECT state FROM site_operations WHERE key = $1`, p.Request.Key).Scan(&state); err != nil || state != "succeeded" {
		t.Errorf("state %q, %v", state, err)
	}
	if err := f.db.Pool.QueryRow(ctx, `UPDATE site_operations SET next_at = now() - interval '1 hour' RETURNING state`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if again, _ := q.Claim(ctx, 10, time.Minute); len(again) != 0 {
		t.Errorf("a finished operation was claimed: %d", len(again))
	}
	// Queueing the finished key again queues nothing.
	if err := q.Enqueue(ctx, p); err != nil {
		t.Fatal(err)
	}
	if again, _ := q.Claim(ctx, 10, time.Minute); len(again) != 0 {
		t.Errorf("a finished key was queued again: %d", len(again))
	}
}

// TestSiteOperationQueueWakes: queueing an operation wakes a listening
// worker at once.
func TestSiteOperationQueueWakes(t *testing.T) {
	f := newStorageFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := postgres.NewSiteOperationQueue(f.db)
	woke := make(chan struct{}, 1)
	go func() {
		_ = q.Listen(ctx, func() {
			select {
			case woke <- struct{}{}:
			default:
			}
		})
	}()
	time.Sleep(200 * time.Millisecond) // LISTEN is in place
	id := domain.NewID()
	if err := q.Enqueue(ctx, operations.Pending{TenantID: f.acme, SiteID: domain.NewID(), Resource: operations.ResourceNetwork, ResourceID: id,
		Request: domain.OperationRequest{Key: "network_create:" + id, Kind: domain.OpNetworkCreate}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after queueing")
	}
}
