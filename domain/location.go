package domain

import (
	"context"
	"time"
)

// GeoLocation is a place where the provider runs sites, e.g. Berlin (DE).
type GeoLocation struct {
	ID          string
	Name        string
	CountryCode string // ISO 3166-1 alpha-2, upper case
	CreatedAt   time.Time
}

// Site is a connect site as manage knows it: one area of a data centre in a
// geo-location, reached over connect's API with this manage's credential.
type Site struct {
	ID         string
	Name       string
	LocationID string
	APIURL     string
	// CredentialSealed is the manage instance's token for the site, encrypted
	// with the platform's secret key. It is never rendered.
	CredentialSealed string
	Enabled          bool // false: no new workloads are placed here
	// Health, LastSync and Info are what manage last learnt from the site.
	Health     string // "ok", "unreachable", "unknown"
	HealthNote string
	LastSync   *time.Time
	CheckedAt  *time.Time // when manage last asked the site
	Info       *SiteInfo
	CreatedAt  time.Time
}

// LocationService stores geo-locations and sites (adapters/postgres).
type LocationService interface {
	CreateLocation(ctx context.Context, l *GeoLocation) error              // EINVALID, ECONFLICT
	FindLocations(ctx context.Context) ([]*GeoLocation, error)             // ordered by name
	FindLocationByID(ctx context.Context, id string) (*GeoLocation, error) // ENOTFOUND
	CreateSite(ctx context.Context, s *Site) error                         // EINVALID, ECONFLICT
	FindSites(ctx context.Context, locationID string) ([]*Site, error)     // "" for all
	FindSiteByID(ctx context.Context, id string) (*Site, error)            // ENOTFOUND
	UpdateSite(ctx context.Context, s *Site) error                         // EINVALID, ENOTFOUND
}
