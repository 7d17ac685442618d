// Package storage holds manage's use cases for disks, networks, public
// addresses, snapshots and images: a request checks the rules, records the
// resource in its transitional state and queues the site operation
// (package operations); it never calls a site. The operations worker sends
// the operation and calls Apply when it ends, which moves the resource on.
// Every operation's idempotency key derives from the resource's id and the
// step, so queueing or sending it again (after a crash, or while a site was
// down) never runs anything twice.
package storage

import (
	"context"

	"tessera/domain"
	"tessera/manage/operations"
)

// PendingTenants lists the tenants with resources waiting for a site
// operation, for the sweep.
type PendingTenants interface {
	TenantsWithPending(ctx context.Context) ([]string, error)
}

// Manager is manage's side of disks, networks, addresses, snapshots and
// images.
type Manager struct {
	Disks     domain.DiskService
	Networks  domain.NetworkService
	Addresses domain.AddressService
	Snapshots domain.SnapshotService
	Images    domain.ImageService
	// TenantImages stores tenants' own images (captured from machines).
	TenantImages domain.TenantImageService
	Locations    domain.LocationService
	// Queue takes the site operations a request asks for.
	Queue operations.Enqueuer
	// Pending finds what the sweep looks at; nil sweeps nothing.
	Pending PendingTenants
	// Pricing gives the tenant's prices for the Disks page; nil hides them.
	Pricing domain.PricingService
	// SetNetwork records a network's state and port group.
	SetNetwork func(ctx context.Context, tenantID, id string, state domain.NetworkState, portGroup string) error
}

var _ operations.Applier = (*Manager)(nil)

// siteFor picks the first enabled site of a location.
func (m *Manager) siteFor(ctx context.Context, locationID string) (*domain.Site, error) {
	sites, err := m.Locations.FindSites(ctx, locationID)
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		if s.Enabled && s.LocationID == locationID {
			return s, nil
		}
	}
	if len(sites) == 0 {
		return nil, domain.Invalid(map[string]string{"location": "This location has no site yet."})
	}
	return nil, domain.Errorf(domain.EUNAVAILABLE, "No site in this location takes new resources right now.")
}

// enqueue queues req for the site; the worker carries it out.
func (m *Manager) enqueue(ctx context.Context, tenantID, siteID, resource, id string, req domain.OperationRequest) error {
	if m.Queue == nil {
		return domain.Errorf(domain.EUNAVAILABLE, "Site operations are not available on this server.")
	}
	return m.Queue.Enqueue(ctx, operations.Pending{TenantID: tenantID, SiteID: siteID, Resource: resource, ResourceID: id, Request: req})
}

// Apply moves the job's resource on now that its site operation ended. A
// resource already moved on (a second apply after a crash, or a newer
// step) is left alone.
func (m *Manager) Apply(ctx context.Context, j *operations.Job, out operations.Outcome, site domain.SiteClient) error {
	var err error
	switch j.Resource {
	case operations.ResourceDisk:
		err = m.applyDisk(ctx, j, out)
	case operations.ResourceNetwork:
		err = m.applyNetwork(ctx, j, out, site)
	case operations.ResourceAddress:
		err = m.applyAddress(ctx, j, out)
	case operations.ResourceSnapshot:
		err = m.applySnapshot(ctx, j, out)
	case operations.ResourceImage:
		err = m.applyTenantImage(ctx, j, out)
	case operations.ResourceReplica:
		err = m.applyReplica(ctx, j, out)
	default:
		return domain.Errorf(domain.EINTERNAL, "unknown resource %q", j.Resource)
	}
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // gone meanwhile: nothing left to move on
	}
	return err
}

// Sweep queues again the operation of every resource waiting for one: the
// crash-safe complement of the requests' own queueing (a crash between
// recording a resource and queueing its operation leaves it transitional
// with nothing queued). Queueing is idempotent by key. It returns how many
// tenants had something waiting.
func (m *Manager) Sweep(ctx context.Context) (int, error) {
	if err := m.sweepImages(ctx); err != nil {
		return 0, err
	}
	if m.Pending == nil {
		return 0, nil
	}
	tenants, err := m.Pending.TenantsWithPending(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range tenants {
		if err := m.sweepTenant(ctx, id); err != nil {
			return len(tenants), err
		}
	}
	return len(tenants), nil
}

// sweepTenant queues the operations of a tenant's transitional disks,
// snapshots, addresses and networks.
func (m *Manager) sweepTenant(ctx context.Context, tenantID string) error {
	disks, _, err := m.Disks.Disks(ctx, domain.DiskFilter{TenantID: tenantID, Limit: 200})
	if err != nil {
		return err
	}
	for _, d := range disks {
		if err := m.enqueueDisk(ctx, d); err != nil {
			return err
		}
	}
	if m.Snapshots != nil {
		snaps, err := m.Snapshots.Snapshots(ctx, tenantID, "")
		if err != nil {
			return err
		}
		for _, sn := range snaps {
			if err := m.enqueueSnapshot(ctx, sn); err != nil {
				return err
			}
		}
	}
	if m.Addresses != nil {
		addrs, _, err := m.Addresses.PublicAddresses(ctx, domain.PublicAddressFilter{TenantID: tenantID, Limit: 200})
		if err != nil {
			return err
		}
		for _, ad := range addrs {
			if err := m.enqueueAddress(ctx, ad); err != nil {
				return err
			}
		}
	}
	nets, _, err := m.Networks.Networks(ctx, domain.NetworkFilter{TenantID: tenantID, Limit: 200})
	if err != nil {
		return err
	}
	for _, n := range nets {
		if n.State != domain.NetworkCreating {
			continue
		}
		site, err := m.siteFor(ctx, n.LocationID)
		if err != nil {
			continue
		}
		if err := m.enqueueNetwork(ctx, n, site.ID); err != nil {
			return err
		}
	}
	return nil
}
