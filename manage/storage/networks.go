package storage

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"tessera/domain"
	"tessera/manage/operations"
)

// CreateNetwork records the network in state creating and queues its port
// group at the location's site. EINVALID (CIDR, overlap), ECONFLICT,
// EUNAVAILABLE.
func (m *Manager) CreateNetwork(ctx context.Context, n *domain.Network) error {
	if err := n.Validate(); err != nil {
		return err
	}
	site, err := m.siteFor(ctx, n.LocationID)
	if err != nil {
		return err
	}
	n.State = domain.NetworkCreating
	if _, err := m.Networks.CreateNetwork(ctx, n); err != nil {
		return err
	}
	return m.enqueueNetwork(ctx, n, site.ID)
}

// DeleteNetwork refuses a network in use (naming its machines), deletes it
// and queues the removal of its port group at the site. ECONFLICT,
// ENOTFOUND.
func (m *Manager) DeleteNetwork(ctx context.Context, tenantID, id string) error {
	n, err := m.Networks.Network(ctx, tenantID, id)
	if err != nil {
		return err
	}
	// Refuse before anything is queued; Networks.DeleteNetwork checks
	// again under its lock.
	users, err := m.Networks.NetworkUsers(ctx, tenantID, id, 20)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return domain.NetworkInUse(users)
	}
	site, err := m.siteFor(ctx, n.LocationID)
	if err != nil {
		return err
	}
	// The record goes first: queueing first could remove the port group
	// under a machine that joined the network meanwhile. A crash between
	// the two leaves an unused port group at the site, never a machine
	// without its network.
	if err := m.Networks.DeleteNetwork(ctx, tenantID, id); err != nil {
		return err
	}
	return m.enqueue(ctx, tenantID, site.ID, operations.ResourceNetwork, n.ID,
		domain.OperationRequest{Key: "network_delete:" + n.ID, Kind: domain.OpNetworkDelete, Network: &domain.NetworkRequest{ID: n.ID}})
}

// enqueueNetwork queues a creating network's port group.
func (m *Manager) enqueueNetwork(ctx context.Context, n *domain.Network, siteID string) error {
	if n.State != domain.NetworkCreating {
		return nil
	}
	return m.enqueue(ctx, n.TenantID, siteID, operations.ResourceNetwork, n.ID,
		domain.OperationRequest{Key: "network_create:" + n.ID, Kind: domain.OpNetworkCreate, Network: &domain.NetworkRequest{ID: n.ID, PortGroup: n.PortGroup}})
}

// applyNetwork records a created network ready with the port group the
// site made (or in error); a deleted one needs nothing more.
func (m *Manager) applyNetwork(ctx context.Context, j *operations.Job, out operations.Outcome, site domain.SiteClient) error {
	if j.Request.Kind != domain.OpNetworkCreate {
		return nil
	}
	n, err := m.Networks.Network(ctx, j.TenantID, j.ResourceID)
	if err != nil || n.State != domain.NetworkCreating {
		return err
	}
	if !out.Succeeded {
		return m.SetNetwork(ctx, n.TenantID, n.ID, domain.NetworkError, n.PortGroup)
	}
	sc, ok := site.(domain.SiteStorageClient)
	if !ok {
		return domain.Errorf(domain.EUNAVAILABLE, "The site's client cannot read networks.")
	}
	obs, err := sc.Network(ctx, n.ID)
	if err != nil {
		return err
	}
	return m.SetNetwork(ctx, n.TenantID, n.ID, domain.NetworkReady, obs.PortGroup)
}

// defaultNetworkName is the default network's name in a location.
func defaultNetworkName(location string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(location) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '_' || r == '.':
			b.WriteByte('-')
		}
	}
	name := domain.DefaultNetworkName
	if b.Len() > 0 {
		name += "-" + strings.Trim(b.String(), "-")
	}
	if len(name) > 55 {
		name = name[:55]
	}
	return name
}

// DefaultNetwork returns the tenant's default network in a location,
// creating it at first use with the first /24 of 10.0.0.0/8 that overlaps
// none of the tenant's networks there.
func (m *Manager) DefaultNetwork(ctx context.Context, tenantID, locationID string) (*domain.Network, error) {
	return m.defaultNetwork(ctx, tenantID, locationID, true)
}

func (m *Manager) defaultNetwork(ctx context.Context, tenantID, locationID string, retry bool) (*domain.Network, error) {
	var all []*domain.Network // every location's: names are unique across them
	cursor := ""
	for {
		page, next, err := m.Networks.Networks(ctx, domain.NetworkFilter{TenantID: tenantID, Limit: 200, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	var here []*domain.Network
	taken := map[string]bool{}
	for _, n := range all {
		taken[strings.ToLower(n.Name)] = true
		if n.LocationID != locationID {
			continue
		}
		if n.Default {
			return n, nil
		}
		here = append(here, n)
	}
	locName := ""
	if l, err := m.Locations.FindLocationByID(ctx, locationID); err == nil {
		locName = l.Name
	}
	name := defaultNetworkName(locName)
	for i := 2; taken[name]; i++ { // the tenant named a network so already
		name = fmt.Sprintf("%s-%d", defaultNetworkName(locName), i)
	}
	for i := 0; i < 256*256; i++ {
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24).String()
		if domain.CheckNoOverlap(cidr, here) != nil {
			continue
		}
		n := &domain.Network{TenantID: tenantID, Name: name, LocationID: locationID, CIDR: cidr, Default: true}
		err := m.CreateNetwork(ctx, n)
		// A concurrent first use made it meanwhile: its name or its range
		// (the same first free /24) clashes. Look once more.
		clash := domain.ErrorCode(err) == domain.ECONFLICT || domain.ErrorCode(err) == domain.EINVALID && domain.ErrorFields(err)["cidr"] != ""
		if clash && retry {
			return m.defaultNetwork(ctx, tenantID, locationID, false)
		}
		return n, err
	}
	return nil, domain.Errorf(domain.ECONFLICT, "No free range left for a default network.")
}
