// Package sites holds manage's use cases for the connect sites it uses:
// their health check and poller, and their storage and network settings.
// What a site reports is stored, so pages read the database and never
// wait on a site; only a save talks to the site.
package sites

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"tessera/domain"
)

// CheckTimeout bounds a health check, so a site that is down shows
// "unreachable" quickly instead of hanging the caller or the poller.
const CheckTimeout = 3 * time.Second

// InfoClient asks a site for its info (connectapi's client is one).
type InfoClient interface {
	Info(ctx context.Context) (*domain.SiteInfo, error)
}

// SiteStore is what the health check reads and records of sites.
type SiteStore interface {
	FindSiteByID(ctx context.Context, id string) (*domain.Site, error)
	FindSites(ctx context.Context, locationID string) ([]*domain.Site, error)
	domain.SiteHealthRecorder
}

// Health checks sites and records what they report.
type Health struct {
	Sites   SiteStore
	Secrets domain.SecretBox
	// Dial returns a client for the site at apiURL with token.
	Dial func(apiURL, token string) InfoClient
	// Settings, when set, is also asked for the site's storage and
	// network settings on each check, and they are stored in Reports.
	Settings *Settings
	Log      *slog.Logger // nil: slog's default
}

func (h *Health) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}

// Probe asks the site at apiURL for its info with token, within
// CheckTimeout. It records nothing: a connection's new settings are tried
// before they are saved. EUNAUTHORIZED when the site refuses the token,
// EUNAVAILABLE when it does not answer or is not a connect site.
func (h *Health) Probe(ctx context.Context, apiURL, token string) (*domain.SiteInfo, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CheckTimeout)
	defer cancel()
	info, err := h.Dial(apiURL, token).Info(ctx)
	if err != nil && ctx.Err() != nil {
		return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "No answer within " + CheckTimeout.String() + ".", Err: err}
	}
	if domain.ErrorCode(err) == domain.EINTERNAL { // e.g. a 404 from something else at that address
		return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "Something answers at this address, but not a connect site's API.", Err: err}
	}
	return info, err
}

// Check asks one site for its info now and records its health (and, with
// Settings, what it reports of its settings).
func (h *Health) Check(ctx context.Context, siteID string) {
	site, err := h.Sites.FindSiteByID(ctx, siteID)
	if err != nil {
		h.log().Warn("site check", "site", siteID, "err", err)
		return
	}
	h.check(ctx, site)
}

func (h *Health) check(ctx context.Context, site *domain.Site) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CheckTimeout)
	defer cancel()
	health, note := domain.SiteOK, ""
	token, err := h.Secrets.Open(site.CredentialSealed)
	var info *domain.SiteInfo
	if err == nil {
		info, err = h.Probe(ctx, site.APIURL, token)
	}
	if err != nil {
		health, note, info = domain.SiteUnreachable, domain.ErrorMessage(err), nil
	}
	if err := h.Sites.RecordSiteHealth(context.WithoutCancel(ctx), site.ID, health, note, info); err != nil {
		h.log().Warn("record site health", "site", site.Name, "err", err)
	}
	if health == domain.SiteOK && h.Settings != nil {
		if err := h.Settings.Refresh(context.WithoutCancel(ctx), site.ID); err != nil {
			h.log().Warn("site settings report", "site", site.Name, "err", err)
		}
	}
}

// CheckAll checks every registered site, eight at a time.
func (h *Health) CheckAll(ctx context.Context) {
	sites, err := h.Sites.FindSites(ctx, "")
	if err != nil {
		h.log().Warn("site poller", "err", err)
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, site := range sites {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			h.check(ctx, site)
		})
	}
	wg.Wait()
}

// Poll checks every site at interval until ctx ends.
func (h *Health) Poll(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.CheckAll(ctx)
		}
	}
}
