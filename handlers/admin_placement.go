package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// The provider admin's placement pages: who may use each geo-location and
// site (tenancy), each site's overcommit and maintenance reserve, and why
// each machine went where it did.

func (a *App) placementPlacer(w http.ResponseWriter, r *http.Request) *domain.Placer {
	p := a.placerNow()
	if p == nil || p.Store == nil {
		a.Error(w, r, domain.Errorf(domain.EUNAVAILABLE, "Placement is not set up: no locations are connected yet."))
		return nil
	}
	return p
}

// placerNow returns the Placer over the app's current location store (tests
// swap App.Locations after start-up), or nil without one.
func (a *App) placerNow() *domain.Placer {
	if a.Placer == nil || a.Locations == nil {
		return nil
	}
	p := *a.Placer
	p.Locations = a.Locations
	return &p
}

// HandlePlacementIndex shows locations and sites with their tenancy and
// settings, and the latest placement decisions.
func (a *App) HandlePlacementIndex(w http.ResponseWriter, r *http.Request) {
	p := a.placementPlacer(w, r)
	if p == nil {
		return
	}
	ctx := r.Context()
	locs, err := p.Locations.FindLocations(ctx)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	sites, err := p.Locations.FindSites(ctx, "")
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.PlacementAdminProps{ManageID: p.ManageID, TenantNames: map[string]string{}}
	ids := make([]string, len(locs))
	for i, l := range locs {
		ids[i] = l.ID
	}
	tenancies, err := p.Store.LocationTenancies(ctx, ids)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	for _, l := range locs {
		props.Locations = append(props.Locations, views.PlacementLocationRow{Location: l, Tenancy: tenancies[l.ID]})
	}
	cands, err := p.Store.Fill(ctx, domain.SiteCandidates(locs, sites, nil, domain.MachineShape{}))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	for i := range cands {
		c := &cands[i]
		row := views.PlacementSiteRow{Candidate: c}
		row.FreeVCPUs, row.FreeMemoryMiB, row.FreeStorageGiB = c.Free()
		props.Sites = append(props.Sites, row)
	}
	props.Decisions, props.NextDecisions, err = p.Store.FindAllDecisions(ctx, domain.PlacementRecordFilter{Cursor: r.URL.Query().Get("cursor"), Limit: 25})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.placementTenantNames(r, props.TenantNames, tenancies, cands)
	a.page(w, r, http.StatusOK, "Placement", "placement", views.PlacementAdmin(props))
}

// tenantNames fills names for the tenants locations and sites are dedicated to.
func (a *App) placementTenantNames(r *http.Request, names map[string]string, locs map[string]domain.Tenancy, cands []domain.SiteCandidate) {
	add := func(t domain.Tenancy) {
		if t.Kind != domain.TenancyTenant || names[t.TenantID] != "" {
			return
		}
		if tn, err := a.Tenants.FindTenantByID(r.Context(), t.TenantID); err == nil {
			names[t.TenantID] = tn.Name
		}
	}
	for _, t := range locs {
		add(t)
	}
	for _, c := range cands {
		add(c.SiteTenancy)
	}
}

// tenancyForm is the form values of a tenancy.
func (a *App) tenancyForm(r *http.Request, t domain.Tenancy, v map[string]string) {
	v["tenancy"] = string(t.Kind)
	if t.Kind == "" {
		v["tenancy"] = string(domain.TenancyShared)
	}
	v["manage_id"] = t.ManageID
	if t.Kind == domain.TenancyTenant {
		if tn, err := a.Tenants.FindTenantByID(r.Context(), t.TenantID); err == nil {
			v["tenant"] = tn.Slug
		}
	}
}

// parseTenancy reads the tenancy fields: tenancy, tenant (a slug), manage_id.
func (a *App) parseTenancy(r *http.Request, v map[string]string, errs map[string]string) domain.Tenancy {
	t := domain.Tenancy{Kind: domain.TenancyKind(v["tenancy"])}
	switch t.Kind {
	case domain.TenancyTenant:
		if v["tenant"] == "" {
			errs["tenant"] = "Enter the slug of the tenant this is dedicated to."
			break
		}
		tn, err := a.Tenants.FindTenantBySlug(r.Context(), strings.ToLower(v["tenant"]))
		if err != nil {
			errs["tenant"] = "No tenant has the slug " + v["tenant"] + "."
			break
		}
		t.TenantID = tn.ID
	case domain.TenancyManage:
		t.ManageID = v["manage_id"]
		if t.ManageID == "" {
			errs["manage_id"] = "Enter the id of the manage instance, e.g. " + a.Placer.ManageID + "."
		}
	}
	return t
}

func (a *App) placementLocationParam(w http.ResponseWriter, r *http.Request, p *domain.Placer) *domain.GeoLocation {
	l, err := p.Locations.FindLocationByID(r.Context(), chi.URLParam(r, "locationID"))
	if err != nil {
		a.Error(w, r, err)
		return nil
	}
	return l
}

// HandlePlacementLocation shows a location's tenancy form.
func (a *App) HandlePlacementLocation(w http.ResponseWriter, r *http.Request) {
	p := a.placementPlacer(w, r)
	if p == nil {
		return
	}
	l := a.placementLocationParam(w, r, p)
	if l == nil {
		return
	}
	t, err := p.Store.LocationTenancies(r.Context(), []string{l.ID})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	v := map[string]string{}
	a.tenancyForm(r, t[l.ID], v)
	a.page(w, r, http.StatusOK, "Tenancy of "+l.Name, "placement", views.PlacementLocationForm(views.PlacementLocationFormProps{Location: l, ManageID: p.ManageID, Form: views.Form{Values: v}}))
}

// HandlePlacementLocationSave stores a location's tenancy.
func (a *App) HandlePlacementLocationSave(w http.ResponseWriter, r *http.Request) {
	p := a.placementPlacer(w, r)
	if p == nil {
		return
	}
	l := a.placementLocationParam(w, r, p)
	if l == nil {
		return
	}
	v := formValues(r, "tenancy", "tenant", "manage_id")
	errs := map[string]string{}
	t := a.parseTenancy(r, v, errs)
	var err error
	if len(errs) > 0 {
		err = domain.Invalid(errs)
	} else {
		err = p.Store.SetLocationTenancy(r.Context(), l.ID, t)
	}
	a.auditAction(r, t.TenantID, "placement.location_tenancy", l.Name+": "+string(t.Kind), err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.page(w, r, status, "Tenancy of "+l.Name, "placement", views.PlacementLocationForm(views.PlacementLocationFormProps{Location: l, ManageID: p.ManageID, Form: f}))
		})
		return
	}
	a.flash(r, "ok", "Saved the tenancy of "+l.Name+".")
	redirect(w, r, "/admin/placement")
}

func (a *App) placementSiteParam(w http.ResponseWriter, r *http.Request, p *domain.Placer) (*domain.Site, *domain.GeoLocation) {
	s, err := p.Locations.FindSiteByID(r.Context(), chi.URLParam(r, "siteID"))
	if err != nil {
		a.Error(w, r, err)
		return nil, nil
	}
	l, err := p.Locations.FindLocationByID(r.Context(), s.LocationID)
	if err != nil {
		a.Error(w, r, err)
		return nil, nil
	}
	return s, l
}

// HandlePlacementSite shows a site's tenancy, overcommit and reserve form.
func (a *App) HandlePlacementSite(w http.ResponseWriter, r *http.Request) {
	p := a.placementPlacer(w, r)
	if p == nil {
		return
	}
	s, l := a.placementSiteParam(w, r, p)
	if s == nil {
		return
	}
	st, err := p.Store.SiteSettings(r.Context(), []string{s.ID})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	set := st[s.ID]
	v := map[string]string{
		"cpu_ratio":       strconv.FormatFloat(set.CPURatio, 'f', -1, 64),
		"memory_ratio":    strconv.FormatFloat(set.MemoryRatio, 'f', -1, 64),
		"reserve_percent": strconv.Itoa(set.ReservePercent),
	}
	a.tenancyForm(r, set.Tenancy, v)
	a.page(w, r, http.StatusOK, "Placement settings of "+s.Name, "placement", views.PlacementSiteForm(views.PlacementSiteFormProps{Site: s, Location: l, ManageID: p.ManageID, Form: views.Form{Values: v}}))
}

// HandlePlacementSiteSave stores a site's tenancy, overcommit and reserve.
func (a *App) HandlePlacementSiteSave(w http.ResponseWriter, r *http.Request) {
	p := a.placementPlacer(w, r)
	if p == nil {
		return
	}
	s, l := a.placementSiteParam(w, r, p)
	if s == nil {
		return
	}
	v := formValues(r, "tenancy", "tenant", "manage_id", "cpu_ratio", "memory_ratio", "reserve_percent")
	errs := map[string]string{}
	set := domain.SiteSettings{SiteID: s.ID, Tenancy: a.parseTenancy(r, v, errs)}
	var perr error
	if set.CPURatio, perr = strconv.ParseFloat(v["cpu_ratio"], 64); perr != nil {
		errs["cpu_ratio"] = "Enter a number such as 4."
	}
	if set.MemoryRatio, perr = strconv.ParseFloat(v["memory_ratio"], 64); perr != nil {
		errs["memory_ratio"] = "Enter a number such as 1 or 1.5."
	}
	if set.ReservePercent, perr = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v["reserve_percent"]), "%")); perr != nil {
		errs["reserve_percent"] = "Enter a whole percentage such as 10."
	}
	if err := set.Validate(); err != nil {
		for k, m := range domain.ErrorFields(err) {
			if errs[k] == "" && !(k == "tenancy" && (errs["tenant"] != "" || errs["manage_id"] != "")) {
				errs[k] = m
			}
		}
	}
	var err error
	if len(errs) > 0 {
		err = domain.Invalid(errs)
	} else {
		err = p.Store.SetSiteSettings(r.Context(), set)
	}
	a.auditAction(r, set.Tenancy.TenantID, "placement.site_settings", s.Name, err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.page(w, r, status, "Placement settings of "+s.Name, "placement", views.PlacementSiteForm(views.PlacementSiteFormProps{Site: s, Location: l, ManageID: p.ManageID, Form: f}))
		})
		return
	}
	a.flash(r, "ok", "Saved the placement settings of "+s.Name+".")
	redirect(w, r, "/admin/placement")
}

// HandlePlacementDecision shows why a machine went where it did.
func (a *App) HandlePlacementDecision(w http.ResponseWriter, r *http.Request) {
	p := a.placementPlacer(w, r)
	if p == nil {
		return
	}
	rec, err := p.Store.FindDecisionAnyTenant(r.Context(), chi.URLParam(r, "machineID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, http.StatusOK, "Placement of machine "+rec.MachineID, "placement", views.PlacementDecision(rec))
}
