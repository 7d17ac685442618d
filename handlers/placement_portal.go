package handlers

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"tessera/domain"
	"tessera/views"
)

// Placement in the tenant portal and the user API (issue 8): which
// locations a tenant sees, "cheapest" and "any:<country>" as a location,
// data residency and affinity groups, the preview beside the create form,
// and the site choice for a new machine.

// placementOptions is what a tenant asked for beyond a specific location.
type placementOptions struct {
	Location  domain.LocationChoice
	Residency string
	Groups    []domain.AffinityGroup
}

// groupRules are the affinity rules a form or API call may name.
var groupRules = map[string]domain.AffinityGroup{
	"anti-affinity":      {Anti: true, Hard: true},
	"soft-anti-affinity": {Anti: true},
	"affinity":           {Hard: true},
	"soft-affinity":      {},
}

// PlacementGroup is a group as the form and the API name it.
type PlacementGroup struct {
	Name string `json:"name"`
	Rule string `json:"rule"` // anti-affinity, soft-anti-affinity, affinity, soft-affinity
}

// parsePlacement reads the location choice, residency and groups as the
// form and API send them. Field errors go to errs (field "group" and
// "group_rule" for the form's single group).
func parsePlacement(location, residency string, groups []PlacementGroup, errs map[string]string) placementOptions {
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

type placementInputKey struct{}

// placementInput is the residency and groups of an API create.
type placementInput struct {
	Residency string
	Groups    []PlacementGroup
}

// withPlacementInput passes an API call's placement fields to createMachine.
func withPlacementInput(r *http.Request, residency string, groups []PlacementGroup) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), placementInputKey{}, placementInput{residency, groups}))
}

// placeMachine places a new machine before its create (placement decides
// and reserves in its own transaction; the create's transaction then holds
// the tenant's quota lock). A specific location stays as it is; "cheapest"
// and "any:<country>" become the location placement chose, looking only at
// networksLocation when the chosen networks are there ("" for none). It returns a
// function that undoes the placement if the machine is not created after all.
func (a *App) placeMachine(r *http.Request, req *domain.MachineCreate, location, networksLocation string, shape *domain.MachineShape, img imagePlace) (cancel func(), err error) {
	cancel = func() {}
	in, ok := r.Context().Value(placementInputKey{}).(placementInput)
	if !ok {
		in = placementInput{Residency: r.PostFormValue("residency")}
		if g := r.PostFormValue("group"); g != "" {
			in.Groups = []PlacementGroup{{Name: g, Rule: r.PostFormValue("group_rule")}}
		}
	}
	errs := map[string]string{}
	o := parsePlacement(location, in.Residency, in.Groups, errs)
	if len(errs) > 0 {
		return cancel, domain.Invalid(errs)
	}
	anyLoc := req.LocationID == "" && (o.Location.Kind == domain.ChooseCheapest || o.Location.Kind == domain.ChooseCountry)
	p := a.placerNow()
	if shape == nil || p == nil || p.Store == nil || (req.LocationID == "" && !anyLoc) {
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
	d, err := p.Place(r.Context(), req.TenantID, machineID, pr)
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
		ctx, done := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		defer done()
		if err := p.Store.Cancel(ctx, req.TenantID, machineID); err != nil {
			a.Log.ErrorContext(ctx, "cancel placement", "machine", machineID, "err", err)
		}
	}, nil
}

// visibleLocations keeps the locations of ls that tenantID may see: none
// dedicated to another tenant or manage instance.
func (a *App) visibleLocations(ctx context.Context, tenantID string, ls []*domain.GeoLocation) ([]*domain.GeoLocation, error) {
	p := a.placerNow()
	if p == nil || p.Store == nil {
		return ls, nil
	}
	vis, err := p.TenantLocations(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	ok := make(map[string]bool, len(vis))
	for _, l := range vis {
		ok[l.ID] = true
	}
	out := make([]*domain.GeoLocation, 0, len(ls))
	for _, l := range ls {
		if ok[l.ID] {
			out = append(out, l)
		}
	}
	return out, nil
}

// placementShape is the shape of the form's flavor and image, nil if either
// is not chosen.
func placementShape(c *tenantChoices, flavor, image string) *domain.MachineShape {
	fl := c.flavor(flavor)
	if fl == nil {
		return nil
	}
	s := domain.MachineShape{VCPUs: fl.VCPUs, MemoryMiB: fl.MemoryMiB, DiskGiB: fl.DiskGiB}
	if img := c.image(image); img != nil {
		s.ImageID = img.PriceKey()
	}
	return &s
}

// placementPreview says where the form's machine would go and at what price.
func (a *App) placementPreview(r *http.Request, c *tenantChoices, v map[string]string) *views.PlacementPreview {
	p := a.placerNow()
	shape := placementShape(c, v["flavor"], v["image"])
	if p == nil || p.Store == nil || shape == nil || v["location"] == "" {
		return nil
	}
	errs := map[string]string{}
	o := parsePlacement(v["location"], v["residency"], []PlacementGroup{{Name: v["group"], Rule: v["group_rule"]}}, errs)
	if id := c.location(v["location"]); id != "" {
		o.Location = domain.LocationChoice{Kind: domain.ChooseLocation, LocationID: id}
	}
	pv := &views.PlacementPreview{}
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
	tenantID := PrincipalFrom(r.Context()).Tenant.ID
	ip := c.placeImage(c.image(v["image"]))
	pr := domain.PlaceRequest{Shape: *shape, Location: o.Location, Residency: o.Residency, Groups: o.Groups,
		ImageSites: ip.Sites, ImageName: ip.Name}
	if o.Location.Kind == domain.ChooseCheapest || o.Location.Kind == domain.ChooseCountry {
		// As the create does (placeMachine): "cheapest" or "any:XX" looks
		// only where the ticked networks are. The form's networks come with
		// the post, or with the panel's htmx query.
		_ = r.ParseForm()
		netLoc, err := a.networksLocation(r.Context(), tenantID, r.Form["networks"])
		if err != nil {
			if domain.ErrorCode(err) == domain.EINTERNAL {
				a.Log.ErrorContext(r.Context(), "placement preview networks", "err", err)
			}
			pv.Message = domain.ErrorMessage(err)
			if m := domain.ErrorFields(err)["networks"]; m != "" {
				pv.Message = m
			}
			return pv
		}
		pr.NetworkLocationID = netLoc
	}
	d, err := p.Preview(r.Context(), tenantID, pr)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			a.Log.ErrorContext(r.Context(), "placement preview", "err", err)
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

// placementChoices are the countries offered as "any location in …".
func placementCountries(ls []*domain.GeoLocation) []string {
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

// HandlePlacementPreview renders the placement panel for the create form's
// current choices (asked for through htmx on every change).
func (a *App) HandlePlacementPreview(w http.ResponseWriter, r *http.Request) {
	c, err := a.choices(r.Context(), PrincipalFrom(r.Context()).Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	v := map[string]string{}
	for _, k := range []string{"location", "flavor", "image", "residency", "group", "group_rule"} {
		v[k] = q.Get(k)
	}
	render(w, r, http.StatusOK, views.PlacementPanel(a.placementPreview(r, c, v)))
}
