package web

import (
	"context"
	"net/http"
	"time"

	"tessera/adapters/connectapi"
	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/manage/sites"
)

// siteHealth is manage/sites' health check over the server's stores and
// connect's client; it also stores what each site reports of its settings.
func (s *Server) siteHealth() *sites.Health {
	return &sites.Health{
		Sites: s.Locations, Secrets: s.Secrets, Log: s.Log,
		Dial: func(apiURL, token string) sites.InfoClient {
			return connectapi.New(apiURL, token, &http.Client{Timeout: sites.CheckTimeout})
		},
		Settings: &sites.Settings{Connector: s.App.Sites, Reports: postgres.NewSiteReportService(s.DB)},
	}
}

// CheckSite asks one site for its info and records its health.
func (s *Server) CheckSite(ctx context.Context, siteID string) { s.siteHealth().Check(ctx, siteID) }

// ProbeSite asks the site at apiURL for its info with token and records
// nothing (see sites.Health.Probe).
func (s *Server) ProbeSite(ctx context.Context, apiURL, token string) (*domain.SiteInfo, error) {
	return s.siteHealth().Probe(ctx, apiURL, token)
}

// CheckSites checks every registered site at once.
func (s *Server) CheckSites(ctx context.Context) { s.siteHealth().CheckAll(ctx) }

// startSitePoller refreshes every site's health and info at interval until
// the server closes.
func (s *Server) startSitePoller(interval time.Duration) {
	s.Background(func(ctx context.Context) { s.siteHealth().Poll(ctx, interval) })
}
