package postgres

import (
	"context"
	"time"

	"tessera/domain"
)

// SiteReportService implements domain.SiteReportStore: each site's latest
// report of its storage classes and network pool.
type SiteReportService struct{ db *DB }

var _ domain.SiteReportStore = (*SiteReportService)(nil)

// NewSiteReportService returns a SiteReportService over db.
func NewSiteReportService(db *DB) *SiteReportService { return &SiteReportService{db: db} }

func (s *SiteReportService) RecordSiteSettings(ctx context.Context, r *domain.SiteSettingsReport) error {
	if !domain.IsID(r.SiteID) {
		return domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	var storage, pool []byte
	var err error
	if r.Storage != nil {
		if storage, err = marshalStorageClasses(r.Storage); err != nil {
			return domain.Internal(err)
		}
	}
	if r.Pool != nil {
		if pool, err = marshalNetworkPool(r.Pool); err != nil {
			return domain.Internal(err)
		}
	}
	if r.ReportedAt.IsZero() {
		r.ReportedAt = time.Now()
	}
	_, err = s.db.Pool.Exec(ctx, `INSERT INTO site_settings_reports (site_id, storage, pool, reported_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (site_id) DO UPDATE SET storage = coalesce(EXCLUDED.storage, site_settings_reports.storage),
			pool = coalesce(EXCLUDED.pool, site_settings_reports.pool), reported_at = EXCLUDED.reported_at`,
		r.SiteID, storage, pool, r.ReportedAt.UTC().Truncate(time.Microsecond))
	if isForeignKeyViolation(err) {
		return domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	return translate(err, "")
}

func (s *SiteReportService) FindSiteSettings(ctx context.Context, siteID string) (*domain.SiteSettingsReport, error) {
	if !domain.IsID(siteID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "The site has not reported its settings yet.")
	}
	r := &domain.SiteSettingsReport{SiteID: siteID}
	var storage, pool []byte
	err := s.db.Pool.QueryRow(ctx, `SELECT storage, pool, reported_at FROM site_settings_reports WHERE site_id = $1`, siteID).Scan(&storage, &pool, &r.ReportedAt)
	if err != nil {
		return nil, translate(err, "The site has not reported its settings yet.")
	}
	if storage != nil {
		if r.Storage, err = unmarshalStorageClasses(storage); err != nil {
			return nil, domain.Internal(err)
		}
	}
	if pool != nil {
		if r.Pool, err = unmarshalNetworkPool(pool); err != nil {
			return nil, domain.Internal(err)
		}
	}
	return r, nil
}
