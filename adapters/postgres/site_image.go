package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// ImageService implements domain.ImageService.
type ImageService struct{ db *DB }

var _ domain.ImageService = (*ImageService)(nil)

// NewImageService returns an ImageService over db.
func NewImageService(db *DB) *ImageService { return &ImageService{db: db} }

func (s *ImageService) CreateImage(ctx context.Context, i *domain.SiteImage) error {
	if err := i.Validate(); err != nil {
		return err
	}
	i.ID = domain.NewID()
	i.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO site_images (id, name, url, created_at) VALUES ($1, $2, $3, $4)`, i.ID, i.Name, i.URL, i.CreatedAt)
	if isUniqueViolation(err, "") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "An image with this name is published already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	return translate(err, "")
}

func (s *ImageService) Images(ctx context.Context) ([]*domain.SiteImage, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT id, name, url, created_at FROM site_images ORDER BY name LIMIT 1000`)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.SiteImage, error) {
		var i domain.SiteImage
		return &i, r.Scan(&i.ID, &i.Name, &i.URL, &i.CreatedAt)
	})
	return out, translate(err, "")
}

func (s *ImageService) Replicas(ctx context.Context, imageID string) ([]*domain.ImageReplica, error) {
	q := `SELECT r.image_id, i.name, r.site_id, r.location_id, r.state, r.error FROM site_image_replicas r JOIN site_images i ON i.id = r.image_id`
	var args []any
	if imageID != "" {
		if !domain.IsID(imageID) {
			return nil, nil
		}
		q += ` WHERE r.image_id = $1`
		args = append(args, imageID)
	}
	rows, err := s.db.Pool.Query(ctx, q+` ORDER BY i.name, r.location_id, r.site_id LIMIT 10000`, args...)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.ImageReplica, error) {
		var r domain.ImageReplica
		return &r, row.Scan(&r.ImageID, &r.ImageName, &r.SiteID, &r.LocationID, &r.State, &r.Error)
	})
	return out, translate(err, "")
}

func (s *ImageService) SaveReplica(ctx context.Context, r *domain.ImageReplica) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO site_image_replicas (image_id, site_id, location_id, state, error) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (image_id, site_id) DO UPDATE SET state = excluded.state, error = excluded.error, updated_at = now()`,
		r.ImageID, r.SiteID, r.LocationID, r.State, r.Error)
	return translate(err, "")
}

func (s *ImageService) ReadyLocations(ctx context.Context, imageName string) ([]string, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT DISTINCT r.location_id::text FROM site_image_replicas r JOIN site_images i ON i.id = r.image_id
		WHERE i.name = $1 AND r.state = 'ready' ORDER BY 1`, imageName)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, translate(err, "")
}
