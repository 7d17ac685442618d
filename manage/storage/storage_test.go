package storage

import (
	"context"
	"testing"

	"tessera/domain"
	"tessera/manage/operations"
)

// memDisks is a DiskService in memory (compare-and-set like PostgreSQL's).
type memDisks struct{ disks map[string]*domain.Disk }

func (m *memDisks) CreateDisk(_ context.Context, d *domain.Disk) (bool, error) {
	d.ID, d.State = domain.NewID(), domain.DiskCreating
	c := *d
	m.disks[d.ID] = &c
	return false, nil
}

func (m *memDisks) Disk(_ context.Context, tenantID, id string) (*domain.Disk, error) {
	d, ok := m.disks[id]
	if !ok || d.TenantID != tenantID {
		return nil, domain.Errorf(domain.ENOTFOUND, "Disk not found.")
	}
	c := *d
	return &c, nil
}

func (m *memDisks) Disks(context.Context, domain.DiskFilter) ([]*domain.Disk, string, error) {
	return nil, "", nil
}

func (m *memDisks) SetDiskState(_ context.Context, _, id string, from, to domain.DiskState, machineID *string, sizeGiB *int) error {
	d := m.disks[id]
	if d.State != from {
		return domain.Errorf(domain.ECONFLICT, "Disk is %s.", d.State)
	}
	d.State = to
	if machineID != nil {
		d.MachineID = *machineID
	}
	if sizeGiB != nil {
		d.SizeGiB = *sizeGiB
	}
	return nil
}

func (m *memDisks) SetDiskOp(_ context.Context, _, id, key string, pending int) error {
	m.disks[id].OpKey, m.disks[id].PendingSizeGiB = key, pending
	return nil
}

// oneSite is a LocationService with one enabled site in location "loc".
type oneSite struct{ domain.LocationService }

func (oneSite) FindSites(context.Context, string) ([]*domain.Site, error) {
	return []*domain.Site{{ID: "site", LocationID: "loc", Enabled: true}}, nil
}

type memQueue struct{ queued []operations.Pending }

func (q *memQueue) Enqueue(_ context.Context, p operations.Pending) error {
	for _, have := range q.queued {
		if have.Request.Key == p.Request.Key {
			return nil
		}
	}
	q.queued = append(q.queued, p)
	return nil
}

// TestDiskQueuedAndApplied: creating and growing a disk record it and
// queue the site's operation (the manager has no way to call a site); the
// outcome applied moves the disk on, and applying it again, or applying an
// older step's outcome, changes nothing.
func TestDiskQueuedAndApplied(t *testing.T) {
	ctx := context.Background()
	disks := &memDisks{disks: map[string]*domain.Disk{}}
	q := &memQueue{}
	m := &Manager{Disks: disks, Locations: oneSite{}, Queue: q}
	d := &domain.Disk{TenantID: "t", Name: "data", LocationID: "loc", SizeGiB: 10, Class: "standard"}
	if err := m.CreateDisk(ctx, d); err != nil {
		t.Fatal(err)
	}
	if len(q.queued) != 1 || q.queued[0].Request.Key != "disk_create:"+d.ID || q.queued[0].SiteID != "site" || q.queued[0].Resource != operations.ResourceDisk {
		t.Fatalf("queued %+v", q.queued)
	}
	job := func(p operations.Pending) *operations.Job {
		return &operations.Job{TenantID: p.TenantID, SiteID: p.SiteID, Resource: p.Resource, ResourceID: p.ResourceID, Request: p.Request}
	}
	create := job(q.queued[0])
	for range 2 {
		if err := m.Apply(ctx, create, operations.Outcome{Succeeded: true}, nil); err != nil {
			t.Fatal(err)
		}
		if got := disks.disks[d.ID].State; got != domain.DiskAvailable {
			t.Fatalf("after create: %s", got)
		}
	}
	if err := m.GrowDisk(ctx, "t", d.ID, 20); err != nil {
		t.Fatal(err)
	}
	if len(q.queued) != 2 || q.queued[1].Request.Kind != domain.OpDiskGrow || q.queued[1].Request.Disk.SizeGiB != 20 {
		t.Fatalf("grow queued %+v", q.queued)
	}
	// The create's outcome again (a replay) leaves the grow alone.
	if err := m.Apply(ctx, create, operations.Outcome{Succeeded: true}, nil); err != nil || disks.disks[d.ID].State != domain.DiskResizing {
		t.Fatalf("stale apply: %v %s", err, disks.disks[d.ID].State)
	}
	grow := job(q.queued[1])
	for range 2 {
		if err := m.Apply(ctx, grow, operations.Outcome{Succeeded: true}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := disks.disks[d.ID]; got.State != domain.DiskAvailable || got.SizeGiB != 20 || got.OpKey != "" {
		t.Errorf("after grow: %+v", got)
	}
	// A disk gone meanwhile needs nothing.
	if err := m.Apply(ctx, &operations.Job{TenantID: "t", Resource: operations.ResourceDisk, ResourceID: "gone", Request: create.Request}, operations.Outcome{}, nil); err != nil {
		t.Errorf("gone: %v", err)
	}
}

func TestDefaultNetworkName(t *testing.T) {
	for in, want := range map[string]string{"Berlin": "default-berlin", "São Paulo 2": "default-so-paulo-2", "": "default"} {
		if got := defaultNetworkName(in); got != want {
			t.Errorf("defaultNetworkName(%q) = %q, want %q", in, got, want)
		}
	}
}
