package domain

import (
	"context"
	"time"
)

// SiteSettingsReport is what a site last reported about its storage classes
// and network pool. Pages show it instead of asking the site, so a slow or
// absent site never makes a page wait; the health check refreshes it and a
// save through the site replaces the part it changed.
type SiteSettingsReport struct {
	SiteID     string
	Storage    *StorageClassSettings // nil until the site has reported it
	Pool       *NetworkPool          // nil until the site has reported it
	ReportedAt time.Time
}

// SiteReportStore keeps each site's latest settings report.
type SiteReportStore interface {
	// RecordSiteSettings stores the parts of r that are not nil, keeping
	// the others. ENOTFOUND for an unknown site.
	RecordSiteSettings(ctx context.Context, r *SiteSettingsReport) error
	// FindSiteSettings returns the site's latest report. ENOTFOUND when
	// the site has reported nothing yet.
	FindSiteSettings(ctx context.Context, siteID string) (*SiteSettingsReport, error)
}
