package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/manage/sites"
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
	err := a.siteAdmin().CreateLocation(r.Context(), l)
	a.auditAction(r, "", "location.create", v["name"], err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderLocations(w, r, status, f, views.Form{}) })
		return
	}
	a.flash(r, "ok", "Location "+l.Name+" ("+l.CountryCode+") added. Register its sites next.")
	redirect(w, r, "/admin/locations")
}

// HandleSiteCreate registers a site; its credential is sealed before storing.
func (a *App) HandleSiteCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "location_id", "api_url", "credential")
	s := &domain.Site{Name: v["name"], LocationID: v["location_id"], APIURL: v["api_url"], Enabled: true}
	err := a.siteAdmin().RegisterSite(r.Context(), s, v["credential"])
	a.auditAction(r, "", "site.create", v["name"], err)
	if err != nil {
		delete(v, "credential") // never echo a secret
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderLocations(w, r, status, views.Form{}, f) })
		return
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
	a.renderSite(w, r, http.StatusOK, s, views.Form{Values: map[string]string{"api_url": s.APIURL}})
}

func (a *App) renderSite(w http.ResponseWriter, r *http.Request, status int, s *domain.Site, cf views.Form) {
	l, err := a.Locations.FindLocationByID(r.Context(), s.LocationID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, status, s.Name, "locations", views.SiteDetail(views.SiteDetailProps{Site: s, Location: l, ConnectionForm: cf}))
}

// HandleSiteConnectionSave changes where a site's API answers and, when one
// is given, the token manage presents to it (after the site moved or its
// token was rotated). Manage tries the new settings first: a site that
// refuses the token changes nothing (a typo must not cut off a working
// site); a site that does not answer is saved with a warning (it may still
// be moving). The token is sealed, never echoed, logged or audited.
func (a *App) HandleSiteConnectionSave(w http.ResponseWriter, r *http.Request) {
	s := a.siteParam(w, r)
	if s == nil {
		return
	}
	orig := *s
	v := formValues(r, "api_url", "credential")
	token, newToken := v["credential"], v["credential"] != ""
	delete(v, "credential") // never echo a secret
	c, err := a.siteAdmin().SaveConnection(r.Context(), s, v["api_url"], token, func(newURL string, err error) {
		a.auditSite(r, &orig, newURL, newToken, err)
	})
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderSite(w, r, status, &orig, f) })
		return
	}
	switch {
	case !c.Probed:
		a.flash(r, "ok", "Connection settings of "+s.Name+" saved.")
	case c.ProbeErr == nil:
		a.flash(r, "ok", "Connected: "+c.Info.Name+", API "+c.Info.APIVersion+". Manage uses the new settings from now on.")
	default:
		a.flash(r, "error", "Saved, but the site does not answer: "+domain.ErrorMessage(c.ProbeErr)+" Manage keeps using the new settings; check the address, or use “Check now” once the site is up.")
	}
	redirect(w, r, "/admin/locations/sites/"+s.ID)
}

// auditSite records a change of a site's connection settings: the address,
// and whether the token was replaced, never the token.
func (a *App) auditSite(r *http.Request, s *domain.Site, apiURL string, newToken bool, err error) {
	e := &domain.AuditEvent{Action: "site.connection.update", Target: s.Name, Address: a.ClientAddr(r), Result: "ok"}
	if p := PrincipalFrom(r.Context()); p != nil {
		e.UserID, e.Actor = p.User.ID, p.User.Login
	}
	e.Detail = "API URL " + apiURL
	if apiURL != s.APIURL {
		e.Detail += " (was " + s.APIURL + ")"
	}
	if newToken {
		e.Detail += "; token replaced"
	} else {
		e.Detail += "; token kept"
	}
	if err != nil {
		e.Result = domain.ErrorCode(err)
		e.Detail += ": " + domain.ErrorMessage(err)
		if f := domain.ErrorFields(err); f != nil {
			for _, msg := range f {
				e.Detail += " " + msg
			}
		}
	}
	a.RecordAudit(r.Context(), e)
}

// siteAdmin is manage/sites' locations and sites use cases over the
// App's stores and the checks web sets.
func (a *App) siteAdmin() *sites.Admin {
	ad := &sites.Admin{Locations: a.Locations, Secrets: a.Secrets, Probe: a.ProbeSite, Check: a.CheckSite, Log: a.Log}
	if a.SiteReports != nil {
		ad.Settings = a.siteSettings()
	}
	return ad
}

// HandleSiteSetEnabled disables or enables a site for new workloads.
func (a *App) HandleSiteSetEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := a.siteParam(w, r)
		if s == nil {
			return
		}
		err := a.siteAdmin().SetSiteEnabled(r.Context(), s, enabled)
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
	s, err := a.siteAdmin().CheckNow(r.Context(), s.ID)
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

// siteProber is set by web: it asks a site for its info with the given
// address and token, recording nothing.
type siteProber = func(ctx context.Context, apiURL, token string) (*domain.SiteInfo, error)
