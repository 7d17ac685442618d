package domain

import (
	"context"
	"sort"
	"time"
)

// Placer puts the placement rules together with the stores: it reads the
// locations and sites (connect's LocationService), the tenant's prices and
// the placement settings, and asks the PlacementService to decide. It does
// no I/O of its own.
type Placer struct {
	Locations LocationService
	Pricing   PricingService   // nil: machines are placed without prices
	Store     PlacementService //
	ManageID  string           // this manage instance's id
	Now       func() time.Time // nil: time.Now
	// Offered returns the ids of the locations the provider offers the
	// tenant (the catalogue's allow-list); nil offers every location.
	// Locations not offered are left out like those dedicated to others.
	Offered func(ctx context.Context, tenantID string) ([]string, error)
}

// SiteCandidates builds the placement candidates for a shape from the
// locations and sites and the tenant's prices (nil: unpriced). A site whose
// capacity manage has not learnt yet, or that is unreachable, counts as
// unavailable; a healthy site that has not reported its capacity yet takes
// machines without a capacity check. The tenancy, settings and reservations
// are filled in by the PlacementService.
func SiteCandidates(locs []*GeoLocation, sites []*Site, prices *EffectivePrices, shape MachineShape) []SiteCandidate {
	byID := make(map[string]*GeoLocation, len(locs))
	for _, l := range locs {
		byID[l.ID] = l
	}
	out := make([]SiteCandidate, 0, len(sites))
	for _, s := range sites {
		l := byID[s.LocationID]
		if l == nil {
			continue
		}
		c := SiteCandidate{
			SiteID: s.ID, SiteName: s.Name, LocationID: l.ID, LocationName: l.Name, Country: l.CountryCode,
			LocationTenancy: Shared, SiteTenancy: Shared,
			Enabled: s.Enabled, Reachable: s.Health != "unreachable" && (s.Info != nil || s.Health == "ok"),
			CapacityUnknown: s.Info == nil,
		}
		if s.Info != nil {
			c.Load = LoadFromCapacity(s.Info.Capacity)
		}
		if prices != nil {
			c.Hourly, c.Priced = QuoteShape(prices, l.ID, shape, "").Hourly, true
		}
		out = append(out, c)
	}
	return out
}

// TenantLocations returns the locations tenantID may see and use, by name:
// those whose tenancy allows the tenant and that have at least one site
// whose tenancy allows it too.
func TenantLocations(tenantID, manageID string, locs []*GeoLocation, locTenancy map[string]Tenancy, sites []*Site, siteSettings map[string]SiteSettings) []*GeoLocation {
	usable := map[string]bool{}
	for _, s := range sites {
		t := Shared
		if st, ok := siteSettings[s.ID]; ok {
			t = st.Tenancy
		}
		if t.Allows(tenantID, manageID) {
			usable[s.LocationID] = true
		}
	}
	var out []*GeoLocation
	for _, l := range locs {
		t, ok := locTenancy[l.ID]
		if !ok {
			t = Shared
		}
		if usable[l.ID] && t.Allows(tenantID, manageID) {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TenantLocations returns the locations tenantID may see and use.
func (p *Placer) TenantLocations(ctx context.Context, tenantID string) ([]*GeoLocation, error) {
	locs, sites, err := p.inventory(ctx)
	if err != nil {
		return nil, err
	}
	if locs, err = p.offered(ctx, tenantID, locs); err != nil {
		return nil, err
	}
	lt, st, err := p.settings(ctx, locs, sites)
	if err != nil {
		return nil, err
	}
	return TenantLocations(tenantID, p.ManageID, locs, lt, sites, st), nil
}

// offered keeps the locations the provider offers tenantID.
func (p *Placer) offered(ctx context.Context, tenantID string, locs []*GeoLocation) ([]*GeoLocation, error) {
	if p.Offered == nil {
		return locs, nil
	}
	ids, err := p.Offered(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	ok := make(map[string]bool, len(ids))
	for _, id := range ids {
		ok[id] = true
	}
	out := make([]*GeoLocation, 0, len(locs))
	for _, l := range locs {
		if ok[l.ID] {
			out = append(out, l)
		}
	}
	return out, nil
}

func (p *Placer) inventory(ctx context.Context) ([]*GeoLocation, []*Site, error) {
	if p.Locations == nil {
		return nil, nil, nil
	}
	locs, err := p.Locations.FindLocations(ctx)
	if err != nil {
		return nil, nil, err
	}
	sites, err := p.Locations.FindSites(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	return locs, sites, nil
}

func (p *Placer) settings(ctx context.Context, locs []*GeoLocation, sites []*Site) (map[string]Tenancy, map[string]SiteSettings, error) {
	locIDs := make([]string, len(locs))
	for i, l := range locs {
		locIDs[i] = l.ID
	}
	siteIDs := make([]string, len(sites))
	for i, s := range sites {
		siteIDs[i] = s.ID
	}
	lt, err := p.Store.LocationTenancies(ctx, locIDs)
	if err != nil {
		return nil, nil, err
	}
	st, err := p.Store.SiteSettings(ctx, siteIDs)
	if err != nil {
		return nil, nil, err
	}
	return lt, st, nil
}

// Candidates returns every site as a candidate for tenantID's shape, priced
// with the tenant's rate card in force now.
func (p *Placer) Candidates(ctx context.Context, tenantID string, shape MachineShape) ([]SiteCandidate, error) {
	locs, sites, err := p.inventory(ctx)
	if err != nil {
		return nil, err
	}
	if locs, err = p.offered(ctx, tenantID, locs); err != nil {
		return nil, err
	}
	var prices *EffectivePrices
	if p.Pricing != nil {
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		prices, err = p.Pricing.PricesAt(ctx, tenantID, now())
		if ErrorCode(err) == ENOTFOUND {
			prices, err = nil, nil // no rate card applies: place by capacity
		}
		if err != nil {
			return nil, err
		}
	}
	return SiteCandidates(locs, sites, prices, shape), nil
}

// Request completes req with the tenant and this manage instance.
func (p *Placer) request(tenantID string, req PlaceRequest) PlaceRequest {
	req.TenantID, req.ManageID = tenantID, p.ManageID
	return req
}

// Preview says where a machine would go and at what price, reserving nothing.
// EINVALID, ECONFLICT (nothing fits: the message names the nearest miss).
func (p *Placer) Preview(ctx context.Context, tenantID string, req PlaceRequest) (*PlaceDecision, error) {
	cands, err := p.Candidates(ctx, tenantID, req.Shape)
	if err != nil {
		return nil, err
	}
	return p.Store.Preview(ctx, p.request(tenantID, req), cands)
}

// Place decides and reserves for machineID. EINVALID, ECONFLICT, EUNAVAILABLE.
func (p *Placer) Place(ctx context.Context, tenantID, machineID string, req PlaceRequest) (*PlaceDecision, error) {
	cands, err := p.Candidates(ctx, tenantID, req.Shape)
	if err != nil {
		return nil, err
	}
	return p.Store.Place(ctx, machineID, p.request(tenantID, req), cands)
}
