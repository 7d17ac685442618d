package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// HandleLocations shows geo-locations and their sites with health and capacity.
func (a *App) HandleLocations(w http.ResponseWriter, r *http.Request) {
	a.renderLocations(w, r, http.StatusOK, views.Form{}, views.Form{})
}

func (a *App) renderLocations(w http.ResponseWriter, r *http.Request, status int, lf, sf views.Form) {
	locs, err := a.Locations.FindLocations(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	sites, err := a.Locations.FindSites(r.Context(), "")
	if err != nil {
		a.Error(w, r, err)
		return
	}
	by := map[string][]*domain.Site{}
	for _, s := range sites {
		by[s.LocationID] = append(by[s.LocationID], s)
	}
	a.page(w, r, status, "Locations & sites", "locations", views.Locations(views.LocationsProps{Locations: locs, Sites: by, LocationForm: lf, SiteForm: sf}))
}

// HandleLocationCreate adds a geo-location.
func (a *App) HandleLocationCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "country_code")
	l := &domain.GeoLocation{Name: v["name"], CountryCode: v["country_code"]}
	err := a.Locations.CreateLocation(r.Context(), l)
	a.auditAction(r, "", "location.create", v["name"], err)
	if err != nil {
		if f := domain.ErrorFields(err); f != nil {
			a.renderLocations(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Values: v, Errors: f}, views.Form{})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Location "+l.Name+" ("+l.CountryCode+") added. Register its sites next.")
	redirect(w, r, "/admin/locations")
}

// HandleSiteCreate registers a site; its credential is sealed before storing.
func (a *App) HandleSiteCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "location_id", "api_url", "credential")
	s := &domain.Site{Name: v["name"], LocationID: v["location_id"], APIURL: v["api_url"], Enabled: true}
	var err error
	if v["credential"] != "" {
		s.CredentialSealed, err = a.Secrets.Seal(v["credential"])
	}
	if err == nil {
		err = a.Locations.CreateSite(r.Context(), s)
	}
	a.auditAction(r, "", "site.create", v["name"], err)
	if err != nil {
		if f := domain.ErrorFields(err); f != nil {
			delete(v, "credential") // never echo a secret
			a.renderLocations(w, r, StatusOf(domain.ErrorCode(err)), views.Form{}, views.Form{Values: v, Errors: f})
			return
		}
		a.Error(w, r, err)
		return
	}
	if a.CheckSite != nil {
		a.CheckSite(r.Context(), s.ID)
	}
	a.flash(r, "ok", "Site "+s.Name+" registered.")
	redirect(w, r, "/admin/locations/sites/"+s.ID)
}

func (a *App) siteParam(w http.ResponseWriter, r *http.Request) *domain.Site {
	s, err := a.Locations.FindSiteByID(r.Context(), chi.URLParam(r, "siteID"))
	if err != nil {
		a.Error(w, r, err)
		return nil
	}
	return s
}

// HandleSiteShow shows one site's health and capacity.
func (a *App) HandleSiteShow(w http.ResponseWriter, r *http.Request) {
	s := a.siteParam(w, r)
	if s == nil {
		return
	}
	l, err := a.Locations.FindLocationByID(r.Context(), s.LocationID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, http.StatusOK, s.Name, "locations", views.SiteDetail(views.SiteDetailProps{Site: s, Location: l}))
}

// HandleSiteSetEnabled disables or enables a site for new workloads.
func (a *App) HandleSiteSetEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := a.siteParam(w, r)
		if s == nil {
			return
		}
		s.Enabled = enabled
		err := a.Locations.UpdateSite(r.Context(), s)
		action, msg := "site.disable", "Site "+s.Name+" disabled: no new workloads are placed there; existing machines keep running."
		if enabled {
			action, msg = "site.enable", "Site "+s.Name+" enabled for new workloads."
		}
		a.auditAction(r, "", action, s.Name, err)
		if err != nil {
			a.Error(w, r, err)
			return
		}
		a.flash(r, "ok", msg)
		redirect(w, r, back(r, "/admin/locations"))
	}
}

// HandleSiteCheck asks a site for its health now (with a short timeout).
func (a *App) HandleSiteCheck(w http.ResponseWriter, r *http.Request) {
	s := a.siteParam(w, r)
	if s == nil {
		return
	}
	if a.CheckSite != nil {
		a.CheckSite(r.Context(), s.ID)
	}
	s, err := a.Locations.FindSiteByID(r.Context(), s.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	if s.Health == domain.SiteOK {
		a.flash(r, "ok", "Site "+s.Name+" is healthy.")
	} else {
		a.flash(r, "error", "Site "+s.Name+" is unreachable: "+s.HealthNote)
	}
	redirect(w, r, back(r, "/admin/locations"))
}

// back returns the page on this host the form was posted from, or def.
func back(r *http.Request, def string) string {
	u, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || u.Host != r.Host || u.Path == "" {
		return def
	}
	if p := safeNext(u.Path); p != "" {
		return p
	}
	return def
}

// siteChecker is set by web: it refreshes one site's health and info.
type siteChecker = func(ctx context.Context, siteID string)
