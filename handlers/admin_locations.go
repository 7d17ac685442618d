package handlers

import (
	"context"
	"log/slog"
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
	s.APIURL = v["api_url"]
	s.Normalize()
	refuse := func(field, msg string) {
		a.auditSite(r, &orig, s.APIURL, newToken, domain.Invalid(map[string]string{field: msg}))
		a.renderSite(w, r, http.StatusUnprocessableEntity, &orig, views.Form{Values: v, Errors: map[string]string{field: msg}})
	}
	if msg := domain.CheckSiteAPIURL(s.APIURL); msg != "" {
		refuse("api_url", msg)
		return
	}
	var err error
	if newToken {
		s.CredentialSealed, err = a.Secrets.Seal(token)
	} else {
		token, err = a.Secrets.Open(s.CredentialSealed)
	}
	if err != nil {
		a.Error(w, r, err)
		return
	}
	var info *domain.SiteInfo
	var probeErr error
	if a.ProbeSite != nil {
		info, probeErr = a.ProbeSite(r.Context(), s.APIURL, token)
	}
	if domain.ErrorCode(probeErr) == domain.EUNAUTHORIZED {
		msg := "The site refused this token, so nothing was saved. Copy the token again from 'tessera connect token rotate --manage NAME' on the site."
		if !newToken {
			msg = "The site at this address refused the current token, so nothing was saved. Enter the token the site issued for this manage instance."
		}
		refuse("credential", msg)
		return
	}
	err = a.Locations.UpdateSite(r.Context(), s)
	a.auditSite(r, &orig, s.APIURL, newToken, err)
	if err != nil {
		if f := domain.ErrorFields(err); f != nil {
			a.renderSite(w, r, StatusOf(domain.ErrorCode(err)), &orig, views.Form{Values: v, Errors: f})
			return
		}
		a.Error(w, r, err)
		return
	}
	switch {
	case a.ProbeSite == nil:
		if a.CheckSite != nil {
			a.CheckSite(r.Context(), s.ID)
		}
		a.flash(r, "ok", "Connection settings of "+s.Name+" saved.")
	case probeErr == nil:
		a.recordSiteHealth(r.Context(), s, domain.SiteOK, "", info)
		a.flash(r, "ok", "Connected: "+info.Name+", API "+info.APIVersion+". Manage uses the new settings from now on.")
	default:
		note := domain.ErrorMessage(probeErr)
		a.recordSiteHealth(r.Context(), s, domain.SiteUnreachable, note, nil)
		a.flash(r, "error", "Saved, but the site does not answer: "+note+" Manage keeps using the new settings; check the address, or use “Check now” once the site is up.")
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

// recordSiteHealth stores what trying a site's new settings found, so its
// page shows it at once.
func (a *App) recordSiteHealth(ctx context.Context, s *domain.Site, health, note string, info *domain.SiteInfo) {
	rec, ok := a.Locations.(domain.SiteHealthRecorder)
	if !ok {
		return
	}
	if err := rec.RecordSiteHealth(ctx, s.ID, health, note, info); err != nil {
		slog.WarnContext(ctx, "record site health", "site", s.Name, "err", err)
	}
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

// siteProber is set by web: it asks a site for its info with the given
// address and token, recording nothing.
type siteProber = func(ctx context.Context, apiURL, token string) (*domain.SiteInfo, error)
