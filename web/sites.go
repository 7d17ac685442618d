package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"tessera/adapters/connectapi"
	"tessera/domain"
)

// siteCheckTimeout bounds a health check, so a site that is down shows
// "unreachable" quickly instead of hanging a page or the poller.
const siteCheckTimeout = 3 * time.Second

// CheckSite asks one site for its info and records its health.
func (s *Server) CheckSite(ctx context.Context, siteID string) {
	site, err := s.Locations.FindSiteByID(ctx, siteID)
	if err != nil {
		s.Log.Warn("site check", "site", siteID, "err", err)
		return
	}
	s.checkSite(ctx, site)
}

func (s *Server) checkSite(ctx context.Context, site *domain.Site) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), siteCheckTimeout)
	defer cancel()
	health, note := domain.SiteOK, ""
	token, err := s.Secrets.Open(site.CredentialSealed)
	var info *domain.SiteInfo
	if err == nil {
		info, err = s.ProbeSite(ctx, site.APIURL, token)
	}
	if err != nil {
		health, note, info = domain.SiteUnreachable, domain.ErrorMessage(err), nil
	}
	if err := s.Locations.RecordSiteHealth(context.WithoutCancel(ctx), site.ID, health, note, info); err != nil {
		s.Log.Warn("record site health", "site", site.Name, "err", err)
	}
}

// ProbeSite asks the site at apiURL for its info with token, within
// siteCheckTimeout. It records nothing: the site page uses it to try new
// connection settings before saving them. EUNAUTHORIZED when the site
// refuses the token, EUNAVAILABLE when it does not answer.
func (s *Server) ProbeSite(ctx context.Context, apiURL, token string) (*domain.SiteInfo, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), siteCheckTimeout)
	defer cancel()
	info, err := connectapi.New(apiURL, token, &http.Client{Timeout: siteCheckTimeout}).Info(ctx)
	if err != nil && ctx.Err() != nil {
		return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "No answer within " + siteCheckTimeout.String() + ".", Err: err}
	}
	if domain.ErrorCode(err) == domain.EINTERNAL { // e.g. a 404 from something else at that address
		return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "Something answers at this address, but not a connect site's API.", Err: err}
	}
	return info, err
}

// CheckSites checks every registered site at once.
func (s *Server) CheckSites(ctx context.Context) {
	sites, err := s.Locations.FindSites(ctx, "")
	if err != nil {
		s.Log.Warn("site poller", "err", err)
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, site := range sites {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			s.checkSite(ctx, site)
		})
	}
	wg.Wait()
}

// startSitePoller refreshes every site's health and info at interval until
// the server closes.
func (s *Server) startSitePoller(interval time.Duration) {
	s.Background(func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.CheckSites(ctx)
			}
		}
	})
}
