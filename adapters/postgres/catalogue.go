package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tessera/domain"
)

// CatalogueService implements domain.CatalogueService.
type CatalogueService struct{ db *DB }

var _ domain.CatalogueService = (*CatalogueService)(nil)

// NewCatalogueService returns a CatalogueService over db.
func NewCatalogueService(db *DB) *CatalogueService { return &CatalogueService{db: db} }

const flavorCols = `id, name, vcpus, memory_mib, disk_gib, created_at`
const imageCols = `id, name, template, os, licensed, created_at`

// imageSelect reads an image as scanImage wants it, from images i.
const imageSelect = `SELECT i.id, i.name, i.template, i.os, i.licensed, i.created_at, coalesce(i.tenant_id::text, ''), coalesce(i.site_id::text, ''),
	coalesce(i.location_id::text, ''), coalesce(i.machine_id::text, ''), i.state, i.error, i.licence_key, i.delete_attempts FROM images i`

func scanFlavor(row pgx.Row) (*domain.Flavor, error) {
	var f domain.Flavor
	err := row.Scan(&f.ID, &f.Name, &f.VCPUs, &f.MemoryMiB, &f.DiskGiB, &f.CreatedAt)
	return &f, err
}

func scanImage(row pgx.Row) (*domain.MachineImage, error) {
	var i domain.MachineImage
	err := row.Scan(&i.ID, &i.Name, &i.Template, &i.OS, &i.Licensed, &i.CreatedAt, &i.TenantID, &i.SiteID, &i.LocationID, &i.MachineID, &i.State, &i.Error, &i.LicenceKey, &i.DeleteAttempts)
	return &i, err
}

func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (*T, error)) ([]*T, error) {
	if err != nil {
		return nil, domain.Internal(err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, domain.Internal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

func (s *CatalogueService) CreateFlavor(ctx context.Context, f *domain.Flavor) error {
	if err := f.Validate(); err != nil {
		return err
	}
	f.ID = domain.NewID()
	f.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO flavors (`+flavorCols+`) VALUES ($1,$2,$3,$4,$5,$6)`, f.ID, f.Name, f.VCPUs, f.MemoryMiB, f.DiskGiB, f.CreatedAt)
	if isUniqueViolation(err, "") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "A flavor with this name exists already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	return translate(err, "")
}

func (s *CatalogueService) FindFlavors(ctx context.Context) ([]*domain.Flavor, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+flavorCols+` FROM flavors ORDER BY vcpus, memory_mib, disk_gib, name`)
	return collect(rows, err, scanFlavor)
}

func (s *CatalogueService) FindFlavorByID(ctx context.Context, id string) (*domain.Flavor, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Flavor not found.")
	}
	f, err := scanFlavor(s.db.Pool.QueryRow(ctx, `SELECT `+flavorCols+` FROM flavors WHERE id = $1`, id))
	return f, translate(err, "Flavor not found.")
}

func isFKViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

func (s *CatalogueService) DeleteFlavor(ctx context.Context, id string) error {
	if !domain.IsID(id) {
		return domain.Errorf(domain.ENOTFOUND, "Flavor not found.")
	}
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM flavors WHERE id = $1`, id)
	if isFKViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "Machines use this flavor; it cannot be removed.")
	}
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Flavor not found.")
	}
	return translate(err, "")
}

func (s *CatalogueService) CreateImage(ctx context.Context, i *domain.MachineImage) error {
	if err := i.Validate(); err != nil {
		return err
	}
	i.ID = domain.NewID()
	i.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO images (`+imageCols+`) VALUES ($1,$2,$3,$4,$5,$6)`, i.ID, i.Name, i.Template, i.OS, i.Licensed, i.CreatedAt)
	if isUniqueViolation(err, "") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "An image with this name exists already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	return translate(err, "")
}

func (s *CatalogueService) FindImages(ctx context.Context) ([]*domain.MachineImage, error) {
	rows, err := s.db.Pool.Query(ctx, imageSelect+` WHERE i.tenant_id IS NULL ORDER BY i.name`)
	return collect(rows, err, scanImage)
}

func (s *CatalogueService) FindImageByID(ctx context.Context, id string) (*domain.MachineImage, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	i, err := scanImage(s.db.Pool.QueryRow(ctx, imageSelect+` WHERE i.id = $1 AND i.tenant_id IS NULL`, id))
	return i, translate(err, "Image not found.")
}

func (s *CatalogueService) DeleteImage(ctx context.Context, id string) error {
	if !domain.IsID(id) {
		return domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM images WHERE id = $1 AND tenant_id IS NULL`, id)
	if isFKViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "Machines use this image; it cannot be removed.")
	}
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	return translate(err, "")
}

func (s *CatalogueService) TenantFlavors(ctx context.Context, tenantID string) ([]*domain.Flavor, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT f.id, f.name, f.vcpus, f.memory_mib, f.disk_gib, f.created_at FROM flavors f
		JOIN tenant_flavors t ON t.flavor_id = f.id WHERE t.tenant_id = $1 ORDER BY f.vcpus, f.memory_mib, f.disk_gib, f.name`, tenantID)
	return collect(rows, err, scanFlavor)
}

func (s *CatalogueService) TenantImages(ctx context.Context, tenantID string) ([]*domain.MachineImage, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, nil
	}
	// The catalogue's images allowed to the tenant, then its own ready ones.
	rows, err := s.db.Pool.Query(ctx, imageSelect+` WHERE i.tenant_id IS NULL AND EXISTS (SELECT 1 FROM tenant_images t WHERE t.tenant_id = $1 AND t.image_id = i.id)
		OR i.tenant_id = $1 AND i.state = 'ready'
		ORDER BY i.tenant_id IS NOT NULL, i.name`, tenantID)
	return collect(rows, err, scanImage)
}

func (s *CatalogueService) TenantLocationIDs(ctx context.Context, tenantID string) ([]string, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT location_id::text FROM tenant_locations WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, domain.Internal(err)
	}
	return ids, nil
}

func (s *CatalogueService) SetTenantCatalogue(ctx context.Context, tenantID string, c domain.TenantCatalogue) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	for _, id := range append(append(append([]string{}, c.LocationIDs...), c.FlavorIDs...), c.ImageIDs...) {
		if !domain.IsID(id) {
			return domain.Invalid(map[string]string{"catalogue": "Unknown choice; reload the page and try again."})
		}
	}
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{`DELETE FROM tenant_flavors WHERE tenant_id = $1`, `DELETE FROM tenant_images WHERE tenant_id = $1`, `DELETE FROM tenant_locations WHERE tenant_id = $1`} {
			if _, err := tx.Exec(ctx, q, tenantID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO tenant_flavors (tenant_id, flavor_id) SELECT $1, unnest($2::uuid[])`, tenantID, c.FlavorIDs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO tenant_images (tenant_id, image_id) SELECT $1, unnest($2::uuid[])`, tenantID, c.ImageIDs); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO tenant_locations (tenant_id, location_id) SELECT $1, unnest($2::uuid[])`, tenantID, c.LocationIDs)
		return err
	})
	if isFKViolation(err) {
		return domain.Invalid(map[string]string{"catalogue": "A flavor or image was removed meanwhile; reload the page and try again."})
	}
	return translate(err, "")
}

// lockQuota returns the tenant's quota row, locked for the transaction;
// the row is created with the default quota if missing.
func lockQuota(ctx context.Context, tx pgx.Tx, tenantID string) (*domain.Quota, error) {
	d := domain.DefaultQuota
	if _, err := tx.Exec(ctx, `INSERT INTO tenant_quotas (tenant_id, machines, vcpus, memory_mib, disk_gib) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
		tenantID, d.Machines, d.VCPUs, d.MemoryMiB, d.DiskGiB); err != nil {
		return nil, err
	}
	q := domain.Quota{TenantID: tenantID}
	err := tx.QueryRow(ctx, `SELECT machines, vcpus, memory_mib, disk_gib FROM tenant_quotas WHERE tenant_id = $1 FOR UPDATE`, tenantID).
		Scan(&q.Machines, &q.VCPUs, &q.MemoryMiB, &q.DiskGiB)
	return &q, err
}

func tenantUsage(ctx context.Context, q querier, tenantID string) (*domain.Usage, error) {
	var u domain.Usage
	err := q.QueryRow(ctx, `SELECT count(*), coalesce(sum(vcpus),0), coalesce(sum(memory_mib),0), coalesce(sum(disk_gib),0)
		FROM machines WHERE tenant_id = $1 AND status <> 'deleted'`, tenantID).Scan(&u.Machines, &u.VCPUs, &u.MemoryMiB, &u.DiskGiB)
	return &u, err
}

func (s *CatalogueService) FindQuota(ctx context.Context, tenantID string) (*domain.Quota, *domain.Usage, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	q := domain.DefaultQuota
	q.TenantID = tenantID
	err := s.db.Pool.QueryRow(ctx, `SELECT machines, vcpus, memory_mib, disk_gib FROM tenant_quotas WHERE tenant_id = $1`, tenantID).
		Scan(&q.Machines, &q.VCPUs, &q.MemoryMiB, &q.DiskGiB)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, domain.Internal(err)
	}
	u, err := tenantUsage(ctx, s.db.Pool, tenantID)
	if err != nil {
		return nil, nil, domain.Internal(err)
	}
	return &q, u, nil
}

func (s *CatalogueService) SetQuota(ctx context.Context, q *domain.Quota) error {
	if err := domain.RequireTenant(q.TenantID); err != nil {
		return err
	}
	if err := q.Validate(); err != nil {
		return err
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO tenant_quotas (tenant_id, machines, vcpus, memory_mib, disk_gib, updated_at) VALUES ($1,$2,$3,$4,$5, now())
		ON CONFLICT (tenant_id) DO UPDATE SET machines = $2, vcpus = $3, memory_mib = $4, disk_gib = $5, updated_at = now()`,
		q.TenantID, q.Machines, q.VCPUs, q.MemoryMiB, q.DiskGiB)
	if isFKViolation(err) {
		return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	return translate(err, "")
}
