package postgres

import (
	"context"
	"time"

	"tessera/domain"
)

// Tenants' own images (captured from their machines) live in the images
// table with their tenant; CatalogueService implements
// domain.TenantImageService over them.

var _ domain.TenantImageService = (*CatalogueService)(nil)

var errImageNotFound = domain.Errorf(domain.ENOTFOUND, "Image not found.")

func (s *CatalogueService) CreateTenantImage(ctx context.Context, img *domain.MachineImage) error {
	if err := domain.RequireTenant(img.TenantID); err != nil {
		return err
	}
	if msg := domain.ValidateImageName(img.Name); msg != "" {
		return domain.Invalid(map[string]string{"name": msg})
	}
	if !domain.IsID(img.TenantID) || !domain.IsID(img.SiteID) || !domain.IsID(img.LocationID) || !domain.IsID(img.MachineID) {
		return domain.Errorf(domain.EINVALID, "An image needs its tenant, site, location and machine.")
	}
	img.ID = domain.NewID()
	img.Template = domain.TenantTemplatePrefix + img.ID // the template's name at the site: unique, and no tenant's words in vCenter
	img.State, img.Error = domain.ImageCreating, ""
	if img.OS == "" {
		img.OS = "linux"
	}
	img.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO images (id, name, template, os, licensed, created_at, tenant_id, site_id, location_id, machine_id, state, licence_key)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		img.ID, img.Name, img.Template, img.OS, img.Licensed, img.CreatedAt, img.TenantID, img.SiteID, img.LocationID, img.MachineID, img.State, img.LicenceKey)
	if isUniqueViolation(err, "images_tenant_name_idx") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "You have an image called " + img.Name + " already.", Fields: map[string]string{"name": "You have an image called " + img.Name + " already; choose another name."}}
	}
	return translate(err, "")
}

func (s *CatalogueService) TenantOwnImages(ctx context.Context, tenantID string) ([]*domain.MachineImage, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, nil
	}
	rows, err := s.db.Pool.Query(ctx, imageSelect+` WHERE i.tenant_id = $1 AND i.state <> 'deleted' ORDER BY lower(i.name) LIMIT 500`, tenantID)
	return collect(rows, err, scanImage)
}

func (s *CatalogueService) FindTenantImage(ctx context.Context, tenantID, id string) (*domain.MachineImage, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, errImageNotFound
	}
	i, err := scanImage(s.db.Pool.QueryRow(ctx, imageSelect+` WHERE i.id = $1 AND i.tenant_id = $2 AND i.state <> 'deleted'`, id, tenantID))
	return i, translate(err, "Image not found.")
}

func (s *CatalogueService) PendingImages(ctx context.Context) ([]*domain.MachineImage, error) {
	rows, err := s.db.Pool.Query(ctx, imageSelect+` WHERE i.state IN ('creating', 'deleting') ORDER BY i.created_at LIMIT 500`)
	return collect(rows, err, scanImage)
}

// imageFrom is the states an image reaches each state from.
var imageFrom = map[string][]string{
	domain.ImageReady:   {domain.ImageCreating},
	domain.ImageDeleted: {domain.ImageDeleting},
	domain.ImageFailed:  {domain.ImageCreating, domain.ImageDeleting},
}

func (s *CatalogueService) SetTenantImageState(ctx context.Context, tenantID, id, state, errMsg string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	from, ok := imageFrom[state]
	if !ok {
		return domain.Errorf(domain.EINVALID, "An image becomes ready, deleted or failed.")
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil
	}
	_, err := s.db.Pool.Exec(ctx, `UPDATE images SET state = $2, error = $3 WHERE id = $1 AND tenant_id = $5 AND state = ANY($4)`, id, state, errMsg, from, tenantID)
	return translate(err, "")
}

func (s *CatalogueService) DeleteTenantImage(ctx context.Context, tenantID, id string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	img, err := s.FindTenantImage(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if img.State == domain.ImageCreating {
		return domain.Errorf(domain.ECONFLICT, "%s is still being created; delete it once it is ready.", img.Name)
	}
	if img.State == domain.ImageDeleting {
		return nil
	}
	// The error stays empty while deleting; the operations worker records how it ends.
	tag, err := s.db.Pool.Exec(ctx, `UPDATE images SET state = 'deleting', error = '', delete_attempts = delete_attempts + 1 WHERE id = $1 AND tenant_id = $2 AND state IN ('ready', 'failed')`, id, tenantID)
	if err == nil && tag.RowsAffected() == 0 {
		return errImageNotFound
	}
	return translate(err, "")
}
