package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// LocationService implements domain.LocationService and records site health.
type LocationService struct{ db *DB }

var (
	_ domain.LocationService    = (*LocationService)(nil)
	_ domain.SiteHealthRecorder = (*LocationService)(nil)
)

// NewLocationService returns a LocationService over db.
func NewLocationService(db *DB) *LocationService { return &LocationService{db: db} }

func (s *LocationService) CreateLocation(ctx context.Context, l *domain.GeoLocation) error {
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	l.ID = domain.NewID()
	l.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO geo_locations (id, name, country_code, created_at) VALUES ($1, $2, $3, $4)`, l.ID, l.Name, l.CountryCode, l.CreatedAt)
	if isUniqueViolation(err, "geo_locations_name_idx") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "A location with this name exists already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	return translate(err, "")
}

func (s *LocationService) FindLocations(ctx context.Context) ([]*domain.GeoLocation, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT id, name, country_code, created_at FROM geo_locations ORDER BY lower(name), id`)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.GeoLocation, error) {
		var l domain.GeoLocation
		return &l, r.Scan(&l.ID, &l.Name, &l.CountryCode, &l.CreatedAt)
	})
	return out, translate(err, "")
}

func (s *LocationService) FindLocationByID(ctx context.Context, id string) (*domain.GeoLocation, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Location not found.")
	}
	var l domain.GeoLocation
	err := s.db.Pool.QueryRow(ctx, `SELECT id, name, country_code, created_at FROM geo_locations WHERE id = $1`, id).Scan(&l.ID, &l.Name, &l.CountryCode, &l.CreatedAt)
	return &l, translate(err, "Location not found.")
}

const siteCols = `id, name, location_id, api_url, credential_sealed, enabled, health, health_note, checked_at, last_sync, info, created_at`

func scanSite(row pgx.Row) (*domain.Site, error) {
	var st domain.Site
	var info []byte
	if err := row.Scan(&st.ID, &st.Name, &st.LocationID, &st.APIURL, &st.CredentialSealed, &st.Enabled, &st.Health, &st.HealthNote, &st.CheckedAt, &st.LastSync, &info, &st.CreatedAt); err != nil {
		return nil, err
	}
	if len(info) > 0 {
		i, err := unmarshalSiteInfo(info)
		if err != nil {
			return nil, err
		}
		st.Info = i
	}
	return &st, nil
}

func (s *LocationService) CreateSite(ctx context.Context, st *domain.Site) error {
	st.Normalize()
	if err := st.Validate(); err != nil {
		return err
	}
	if _, err := s.FindLocationByID(ctx, st.LocationID); domain.ErrorCode(err) == domain.ENOTFOUND {
		return domain.Invalid(map[string]string{"location_id": "Choose an existing geo-location."})
	} else if err != nil {
		return err
	}
	st.ID = domain.NewID()
	st.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if st.Health == "" {
		st.Health = domain.SiteUnknown
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO sites (id, name, location_id, api_url, credential_sealed, enabled, health, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		st.ID, st.Name, st.LocationID, st.APIURL, st.CredentialSealed, st.Enabled, st.Health, st.CreatedAt)
	if isUniqueViolation(err, "sites_name_idx") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "A site with this name exists already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	return translate(err, "")
}

func (s *LocationService) FindSites(ctx context.Context, locationID string) ([]*domain.Site, error) {
	q := `SELECT ` + siteCols + ` FROM sites`
	args := []any{}
	if locationID != "" {
		if !domain.IsID(locationID) {
			return nil, nil
		}
		q += ` WHERE location_id = $1`
		args = append(args, locationID)
	}
	rows, err := s.db.Pool.Query(ctx, q+` ORDER BY lower(name), id`, args...)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Site, error) { return scanSite(r) })
	return out, translate(err, "")
}

func (s *LocationService) FindSiteByID(ctx context.Context, id string) (*domain.Site, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	st, err := scanSite(s.db.Pool.QueryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE id = $1`, id))
	return st, translate(err, "Site not found.")
}

// UpdateSite changes a site's name, location, API URL, credential and
// enabled flag (health is recorded by RecordSiteHealth).
func (s *LocationService) UpdateSite(ctx context.Context, st *domain.Site) error {
	st.Normalize()
	if err := st.Validate(); err != nil {
		return err
	}
	if !domain.IsID(st.ID) {
		return domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	tag, err := s.db.Pool.Exec(ctx, `UPDATE sites SET name = $2, location_id = $3, api_url = $4, credential_sealed = $5, enabled = $6 WHERE id = $1`,
		st.ID, st.Name, st.LocationID, st.APIURL, st.CredentialSealed, st.Enabled)
	if isUniqueViolation(err, "sites_name_idx") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "A site with this name exists already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	return translate(err, "")
}

// RecordSiteHealth stores the result of a health check.
func (s *LocationService) RecordSiteHealth(ctx context.Context, id, health, note string, info *domain.SiteInfo) error {
	if !domain.IsID(id) {
		return domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	var raw []byte
	var lastSync *time.Time
	if info != nil {
		b, err := marshalSiteInfo(info)
		if err != nil {
			return domain.Internal(err)
		}
		raw = b
		if !info.LastSync.IsZero() {
			ls := info.LastSync
			lastSync = &ls
		}
	}
	// An unreachable site keeps its last known info and sync time.
	tag, err := s.db.Pool.Exec(ctx, `UPDATE sites SET health = $2, health_note = $3, checked_at = now(),
		info = coalesce($4, info), last_sync = coalesce($5, last_sync) WHERE id = $1`, id, health, note, raw, lastSync)
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Site not found.")
	}
	return translate(err, "")
}
