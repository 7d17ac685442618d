package sites

import (
	"context"
	"log/slog"

	"tessera/domain"
)

// Admin is the provider admin's use cases for geo-locations and sites.
type Admin struct {
	Locations domain.LocationService
	Secrets   domain.SecretBox
	// Probe tries a site's connection settings before they are saved, and
	// Check refreshes a site's health now (nil: neither is done).
	Probe func(ctx context.Context, apiURL, token string) (*domain.SiteInfo, error)
	Check func(ctx context.Context, siteID string)
	// Settings, when set, refreshes what a site reports of its settings
	// once new connection settings work.
	Settings *Settings
	Log      *slog.Logger // nil: slog's default
}

// CreateLocation adds a geo-location. EINVALID, ECONFLICT.
func (a *Admin) CreateLocation(ctx context.Context, l *domain.GeoLocation) error {
	return a.Locations.CreateLocation(ctx, l)
}

// RegisterSite stores s with its credential sealed, then checks it at once
// so its page shows its health. EINVALID, ECONFLICT.
func (a *Admin) RegisterSite(ctx context.Context, s *domain.Site, credential string) error {
	var err error
	if credential != "" {
		s.CredentialSealed, err = a.Secrets.Seal(credential)
	}
	if err == nil {
		err = a.Locations.CreateSite(ctx, s)
	}
	if err == nil && a.Check != nil {
		a.Check(ctx, s.ID)
	}
	return err
}

// SetSiteEnabled disables or enables s for new workloads. ENOTFOUND.
func (a *Admin) SetSiteEnabled(ctx context.Context, s *domain.Site, enabled bool) error {
	s.Enabled = enabled
	return a.Locations.UpdateSite(ctx, s)
}

// CheckNow asks the site for its health now and returns it as stored.
func (a *Admin) CheckNow(ctx context.Context, siteID string) (*domain.Site, error) {
	if a.Check != nil {
		a.Check(ctx, siteID)
	}
	return a.Locations.FindSiteByID(ctx, siteID)
}

// Connection is what saving a site's connection settings found.
type Connection struct {
	Probed   bool             // the new settings were tried
	Info     *domain.SiteInfo // what the site said, when it answered
	ProbeErr error            // why it did not answer (the settings are saved anyway)
}

// SaveConnection changes where site s's API answers and, when token is not
// "", the token manage presents to it. The new settings are tried first: a
// site that refuses the token changes nothing (a typo must not cut off a
// working site), EINVALID at "credential"; a site that does not answer is
// saved (it may still be moving) and the answer says so. audit is told
// the outcome of every attempt that got as far as a decision.
func (a *Admin) SaveConnection(ctx context.Context, s *domain.Site, apiURL, token string, audit func(newURL string, err error)) (*Connection, error) {
	newToken := token != ""
	next := *s
	next.APIURL = apiURL
	next.Normalize()
	refuse := func(field, msg string) error {
		err := domain.Invalid(map[string]string{field: msg})
		audit(next.APIURL, err)
		return err
	}
	if msg := domain.CheckSiteAPIURL(next.APIURL); msg != "" {
		return nil, refuse("api_url", msg)
	}
	var err error
	if newToken {
		next.CredentialSealed, err = a.Secrets.Seal(token)
	} else {
		token, err = a.Secrets.Open(next.CredentialSealed)
	}
	if err != nil {
		return nil, err
	}
	c := &Connection{Probed: a.Probe != nil}
	if c.Probed {
		c.Info, c.ProbeErr = a.Probe(ctx, next.APIURL, token)
	}
	if domain.ErrorCode(c.ProbeErr) == domain.EUNAUTHORIZED {
		msg := "The site refused this token, so nothing was saved. Copy the token again from 'tessera connect token rotate --manage NAME' on the site."
		if !newToken {
			msg = "The site at this address refused the current token, so nothing was saved. Enter the token the site issued for this manage instance."
		}
		return nil, refuse("credential", msg)
	}
	err = a.Locations.UpdateSite(ctx, &next)
	audit(next.APIURL, err)
	if err != nil {
		return nil, err
	}
	*s = next
	switch {
	case !c.Probed:
		if a.Check != nil {
			a.Check(ctx, s.ID)
		}
	case c.ProbeErr == nil:
		a.recordHealth(ctx, s, domain.SiteOK, "", c.Info)
		if a.Settings != nil {
			// The settings page shows what the site at the new address reports.
			if err := a.Settings.Refresh(ctx, s.ID); err != nil {
				a.log().WarnContext(ctx, "site settings report", "site", s.Name, "err", err)
			}
		}
	default:
		a.recordHealth(ctx, s, domain.SiteUnreachable, domain.ErrorMessage(c.ProbeErr), nil)
	}
	return c, nil
}

func (a *Admin) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// recordHealth stores what trying a site's new settings found, so its page
// shows it at once.
func (a *Admin) recordHealth(ctx context.Context, s *domain.Site, health, note string, info *domain.SiteInfo) {
	rec, ok := a.Locations.(domain.SiteHealthRecorder)
	if !ok {
		return
	}
	if err := rec.RecordSiteHealth(ctx, s.ID, health, note, info); err != nil {
		a.log().WarnContext(ctx, "record site health", "site", s.Name, "err", err)
	}
}
