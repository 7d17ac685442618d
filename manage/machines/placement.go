package machines

import (
	"context"
	"sort"
	"strings"
	"time"

	"tessera/domain"
)

// Placement: "cheapest" and "any:<country>" as a location, data residency
// and affinity groups, the site choice for a new machine and the preview
// beside the create form.

// Group is an affinity group as the form and the API name it.
type Group struct {
	Name string
	Rule string // anti-affinity, soft-anti-affinity, affinity, soft-affinity
}

// groupRules are the affinity rules a form or API call may name.
var groupRules = map[string]domain.AffinityGroup{
	"anti-affinity":      {Anti: true, Hard: true},
	"soft-anti-affinity": {Anti: true},
	"affinity":           {Hard: true},
	"soft-affinity":      {},
}

// placementOptions is what a tenant asked for beyond a specific location.
type placementOptions struct {
	Location  domain.LocationChoice
	Residency string
	Groups    []domain.AffinityGroup
}

// parsePlacement reads the location choice, residency and groups. Field
// errors go to errs (field "group" and "group_rule", as the form names its
// single group).
func parsePlacement(location, residency string, groups []Group, errs map[string]string) placementOptions {
	var o placementOptions
	var err error
	if o.Residency, err = domain.ParseResidency(residency); err != nil {
		errs["residency"] = domain.ErrorFields(err)["residency"]
	}
	if c, err := domain.ParseLocationChoice(location); err == nil {
		o.Location = c
	}
	for _, pg := range groups {
		name := strings.TrimSpace(pg.Name)
		if name == "" {
			continue
		}
		g, ok := groupRules[strings.TrimSpace(pg.Rule)]
		if !ok {
			errs["group_rule"] = "Choose how the group's machines are placed: anti-affinity, soft-anti-affinity, affinity or soft-affinity."
		}
		g.Name = name
		o.Groups = append(o.Groups, g)
	}
	if err := domain.ValidateGroups(o.Groups); err != nil {
		errs["group"] = domain.ErrorFields(err)["groups"]
	}
	return o
}

// place places a new machine before its create (placement decides and
// reserves in its own transaction; the create's transaction then holds the
// tenant's quota lock). A specific location stays as it is; "cheapest" and
// "any:<country>" become the location placement chose, looking only at
// networksLocation when the chosen networks are there ("" for none). It
// returns a function that undoes the placement if the machine is not
// created after all.
func (s *Service) place(ctx context.Context, req *domain.MachineCreate, in CreateRequest, networksLocation string, shape *domain.MachineShape, img imagePlace) (cancel func(), err error) {
	cancel = func() {}
	errs := map[string]string{}
	o := parsePlacement(in.Location, in.Residency, in.Groups, errs)
	if len(errs) > 0 {
		return cancel, domain.Invalid(errs)
	}
	anyLoc := req.LocationID == "" && (o.Location.Kind == domain.ChooseCheapest || o.Location.Kind == domain.ChooseCountry)
	p := s.placer()
	if shape == nil || p == nil || (req.LocationID == "" && !anyLoc) {
		return cancel, nil // the create reports what is missing
	}
	if req.LocationID != "" {
		o.Location = domain.LocationChoice{Kind: domain.ChooseLocation, LocationID: req.LocationID}
	}
	machineID := domain.NewID()
	pr := domain.PlaceRequest{Shape: *shape, Location: o.Location, Residency: o.Residency, Groups: o.Groups,
		ImageSites: img.Sites, ImageName: img.Name}
	if anyLoc {
		// Only where the chosen networks are (a chosen location that is
		// not theirs is refused by the create, at the networks field).
		pr.NetworkLocationID = networksLocation
	}
	d, err := p.Place(ctx, req.TenantID, machineID, pr)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL || anyLoc || domain.ErrorCode(err) == domain.EINVALID {
			if f := domain.ErrorFields(err); f["groups"] != "" {
				return cancel, domain.Invalid(map[string]string{"group": f["groups"]})
			}
			return cancel, err
		}
		req.SiteErr = err // after the create has checked the other fields
		return cancel, nil
	}
	req.MachineID, req.SiteID, req.LocationID = machineID, d.Chosen.SiteID, d.Chosen.LocationID
	return func() {
		ctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer done()
		if err := p.Store.Cancel(ctx, req.TenantID, machineID); err != nil {
			s.log().ErrorContext(ctx, "cancel placement", "machine", machineID, "err", err)
		}
	}, nil
}

// Form is the create form's current choices, as the price and placement
// panels beside it are asked for them.
type Form struct {
	Location, Flavor, Image string
	Residency               string
	Group, GroupRule        string
	Networks                []string // the ticked networks' ids
}

// Preview says where a machine of the form's choices would go and at what
// price; Message says why not when nothing fits or the choice is incomplete.
type Preview struct {
	LocationID string
	Location   string
	Country    string
	Hourly     domain.Money
	Priced     bool
	Others     int // other locations that would also fit
	Message    string
}

// PreviewPlacement says where the form's machine would go, nil when
// placement is not set up or the form names no size or location yet.
func (s *Service) PreviewPlacement(ctx context.Context, tenantID string, c *Choices, f Form) *Preview {
	p := s.placer()
	shape := c.Shape(f.Flavor, f.Image)
	if p == nil || shape == nil || f.Location == "" {
		return nil
	}
	errs := map[string]string{}
	o := parsePlacement(f.Location, f.Residency, []Group{{Name: f.Group, Rule: f.GroupRule}}, errs)
	if id := c.Location(f.Location); id != "" {
		o.Location = domain.LocationChoice{Kind: domain.ChooseLocation, LocationID: id}
	}
	pv := &Preview{}
	if len(errs) > 0 {
		for _, m := range errs {
			pv.Message = m
		}
		return pv
	}
	if o.Location.Kind == "" {
		pv.Message = "Choose one of your locations."
		return pv
	}
	ip := c.placeImage(c.Image(f.Image))
	pr := domain.PlaceRequest{Shape: *shape, Location: o.Location, Residency: o.Residency, Groups: o.Groups,
		ImageSites: ip.Sites, ImageName: ip.Name}
	if o.Location.Kind == domain.ChooseCheapest || o.Location.Kind == domain.ChooseCountry {
		// As the create does: "cheapest" or "any:XX" looks only where the
		// ticked networks are.
		netLoc, err := s.networksLocation(ctx, tenantID, f.Networks)
		if err != nil {
			if domain.ErrorCode(err) == domain.EINTERNAL {
				s.log().ErrorContext(ctx, "placement preview networks", "err", err)
			}
			pv.Message = domain.ErrorMessage(err)
			if m := domain.ErrorFields(err)["networks"]; m != "" {
				pv.Message = m
			}
			return pv
		}
		pr.NetworkLocationID = netLoc
	}
	d, err := p.Preview(ctx, tenantID, pr)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			s.log().ErrorContext(ctx, "placement preview", "err", err)
		}
		pv.Message = domain.ErrorMessage(err)
		return pv
	}
	pv.LocationID, pv.Location, pv.Hourly, pv.Priced = d.Chosen.LocationID, d.Chosen.LocationName, d.Chosen.Hourly, d.Chosen.Priced
	for _, l := range c.Locations {
		if l.ID == d.Chosen.LocationID {
			pv.Country = l.CountryCode
		}
	}
	seen := map[string]bool{d.Chosen.LocationID: true}
	for _, f := range d.Fitting[1:] {
		if !seen[f.LocationID] {
			seen[f.LocationID] = true
			pv.Others++
		}
	}
	return pv
}

// Countries are the countries of ls, offered as "any location in …".
func Countries(ls []*domain.GeoLocation) []string {
	n := map[string]int{}
	for _, l := range ls {
		n[l.CountryCode]++
	}
	out := make([]string, 0, len(n))
	for cc := range n {
		out = append(out, cc)
	}
	sort.Strings(out)
	return out
}
