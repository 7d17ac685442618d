package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tessera/domain"
)

// BrandingChannel is the LISTEN/NOTIFY channel on which every change to
// tenants, brandings and custom domains is announced (by triggers, so a
// change from any process or the CLI reaches every manage process).
const BrandingChannel = "tessera_branding"

// BrandingService implements domain.BrandingService.
type BrandingService struct{ db *DB }

var _ domain.BrandingService = (*BrandingService)(nil)

// NewBrandingService returns a BrandingService over db.
func NewBrandingService(db *DB) *BrandingService { return &BrandingService{db: db} }

const providerOwner = "00000000-0000-0000-0000-000000000000"

// owner is the brand_images owner key of tenantID (or of the provider).
func owner(tenantID string) string {
	if tenantID == domain.ProviderBranding {
		return providerOwner
	}
	return tenantID
}

// tenantArg is tenantID as a nullable uuid: the provider's branding row has
// no tenant.
func tenantArg(tenantID string) any {
	if tenantID == domain.ProviderBranding {
		return nil
	}
	return tenantID
}

// checkTenantID refuses a missing owner (EINTERNAL: a caller forgot the
// tenant) and an id no tenant can have (ENOTFOUND); the provider's branding
// passes as domain.ProviderBranding.
func checkTenantID(tenantID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if tenantID != domain.ProviderBranding && !domain.IsID(tenantID) {
		return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	return nil
}

// checkRealTenant is checkTenantID for what only a tenant has (custom
// domains): the provider's branding owner is no tenant.
func checkRealTenant(tenantID string) error {
	if err := checkTenantID(tenantID); err != nil {
		return err
	}
	if tenantID == domain.ProviderBranding {
		return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	return nil
}

func (s *BrandingService) FindBranding(ctx context.Context, tenantID string) (*domain.Branding, error) {
	if err := checkTenantID(tenantID); err != nil {
		return nil, err
	}
	var b domain.Branding
	var logo, favicon string
	err := s.db.Pool.QueryRow(ctx, `SELECT product_name, primary_color, accent_color, logo, favicon, login_message, support_email, support_url, footer
		FROM brandings WHERE tenant_id IS NOT DISTINCT FROM $1`, tenantArg(tenantID)).
		Scan(&b.ProductName, &b.PrimaryColor, &b.AccentColor, &logo, &favicon, &b.LoginMessage, &b.SupportEmail, &b.SupportURL, &b.Footer)
	if errors.Is(err, pgx.ErrNoRows) {
		return &domain.Branding{}, nil
	}
	if err != nil {
		return nil, domain.Internal(err)
	}
	if logo != "" {
		b.LogoURL = domain.BrandImagePath + logo
	}
	if favicon != "" {
		b.FaviconURL = domain.BrandImagePath + favicon
	}
	return &b, nil
}

// NewImage returns an Image of data with its hash.
func NewImage(contentType string, data []byte) *domain.Image {
	sum := sha256.Sum256(data)
	return &domain.Image{Hash: hex.EncodeToString(sum[:]), ContentType: contentType, Data: data}
}

func (s *BrandingService) SaveBranding(ctx context.Context, tenantID string, b *domain.Branding, logo, favicon *domain.Image) error {
	if err := checkTenantID(tenantID); err != nil {
		return err
	}
	b.Normalize()
	if err := b.Validate(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		if tenantID != domain.ProviderBranding {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1`, tenantID).Scan(&one); err != nil {
				return translate(err, "Tenant not found.")
			}
		}
		logoName, faviconName := domain.ImageNameFromURL(b.LogoURL), domain.ImageNameFromURL(b.FaviconURL)
		for _, img := range []struct {
			img  *domain.Image
			name *string
		}{{logo, &logoName}, {favicon, &faviconName}} {
			if img.img == nil {
				continue
			}
			if img.img.Hash == "" {
				*img.img = *NewImage(img.img.ContentType, img.img.Data)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO brand_images (owner, name, content_type, data) VALUES ($1, $2, $3, $4)
				ON CONFLICT (owner, name) DO NOTHING`, owner(tenantID), img.img.Name(), img.img.ContentType, img.img.Data); err != nil {
				return domain.Internal(err)
			}
			*img.name = img.img.Name()
		}
		// An image kept from before must be this owner's.
		for _, n := range []string{logoName, faviconName} {
			if n == "" {
				continue
			}
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM brand_images WHERE owner = $1 AND name = $2`, owner(tenantID), n).Scan(&one); err != nil {
				return translate(err, "The image was not found; upload it again.")
			}
		}
		now := time.Now().UTC()
		tag, err := tx.Exec(ctx, `UPDATE brandings SET product_name=$2, primary_color=$3, accent_color=$4, logo=$5, favicon=$6,
			login_message=$7, support_email=$8, support_url=$9, footer=$10, updated_at=$11 WHERE tenant_id IS NOT DISTINCT FROM $1`,
			tenantArg(tenantID), b.ProductName, b.PrimaryColor, b.AccentColor, logoName, faviconName, b.LoginMessage, b.SupportEmail, b.SupportURL, b.Footer, now)
		if err != nil {
			return domain.Internal(err)
		}
		if tag.RowsAffected() == 0 {
			_, err = tx.Exec(ctx, `INSERT INTO brandings (tenant_id, product_name, primary_color, accent_color, logo, favicon, login_message, support_email, support_url, footer, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
				tenantArg(tenantID), b.ProductName, b.PrimaryColor, b.AccentColor, logoName, faviconName, b.LoginMessage, b.SupportEmail, b.SupportURL, b.Footer, now)
			if isUniqueViolation(err, "") {
				return domain.Errorf(domain.ECONFLICT, "Someone else saved this branding at the same moment; reload and try again.")
			}
			if err != nil {
				return domain.Internal(err)
			}
		}
		// Images no branding of this owner uses any more go.
		_, err = tx.Exec(ctx, `DELETE FROM brand_images WHERE owner = $1 AND name <> $2 AND name <> $3`, owner(tenantID), logoName, faviconName)
		if err != nil {
			return domain.Internal(err)
		}
		b.LogoURL, b.FaviconURL = "", ""
		if logoName != "" {
			b.LogoURL = domain.BrandImagePath + logoName
		}
		if faviconName != "" {
			b.FaviconURL = domain.BrandImagePath + faviconName
		}
		return nil
	})
}

func (s *BrandingService) StageImage(ctx context.Context, tenantID string, img *domain.Image) error {
	if err := checkTenantID(tenantID); err != nil {
		return err
	}
	if img.Hash == "" {
		*img = *NewImage(img.ContentType, img.Data)
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO brand_images (owner, name, content_type, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (owner, name) DO NOTHING`, owner(tenantID), img.Name(), img.ContentType, img.Data)
	if isForeignKeyViolation(err) {
		return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	return translate(err, "")
}

func (s *BrandingService) FindImage(ctx context.Context, tenantID, name string) (*domain.Image, error) {
	if err := checkTenantID(tenantID); err != nil || !domain.ValidImageName(name) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	return s.findImage(ctx, `SELECT name, content_type, data, created_at FROM brand_images WHERE owner = ANY($1) AND name = $2 LIMIT 1`,
		[]string{owner(tenantID), providerOwner}, name)
}

func (s *BrandingService) FindImageAnyTenant(ctx context.Context, name string) (*domain.Image, error) {
	if !domain.ValidImageName(name) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	return s.findImage(ctx, `SELECT name, content_type, data, created_at FROM brand_images WHERE name = $1 LIMIT 1`, name)
}

func (s *BrandingService) findImage(ctx context.Context, q string, args ...any) (*domain.Image, error) {
	var img domain.Image
	var name string
	err := s.db.Pool.QueryRow(ctx, q, args...).Scan(&name, &img.ContentType, &img.Data, &img.CreatedAt)
	if err != nil {
		return nil, translate(err, "Image not found.")
	}
	img.Hash, _, _ = strings.Cut(name, ".")
	return &img, nil
}

func (s *BrandingService) AddDomain(ctx context.Context, tenantID, host string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if err := checkRealTenant(tenantID); err != nil {
		return err
	}
	if err := domain.ValidateDomainName(host); err != nil {
		return err
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO tenant_domains (domain, tenant_id) VALUES ($1, $2)`, host, tenantID)
	if isUniqueViolation(err, "") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "This domain is assigned already.", Fields: map[string]string{"domain": "This domain belongs to a tenant already."}}
	}
	if isForeignKeyViolation(err) {
		return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	return translate(err, "")
}

func (s *BrandingService) RemoveDomain(ctx context.Context, tenantID, host string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if err := checkRealTenant(tenantID); err != nil {
		return err
	}
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM tenant_domains WHERE tenant_id = $1 AND domain = $2`, tenantID, host)
	if err != nil {
		return domain.Internal(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Domain not found.")
	}
	return nil
}

func (s *BrandingService) FindDomains(ctx context.Context, tenantID string) ([]string, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if err := checkRealTenant(tenantID); err != nil {
		return nil, err
	}
	// A tenant has a handful of domains; 100 bounds the page anyway.
	rows, err := s.db.Pool.Query(ctx, `SELECT domain FROM tenant_domains WHERE tenant_id = $1 ORDER BY domain LIMIT 100`, tenantID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

func (s *BrandingService) FindTenantByDomain(ctx context.Context, host string) (*domain.Tenant, error) {
	t, err := scanTenant(s.db.Pool.QueryRow(ctx, `SELECT `+prefixed("t.", tenantCols)+` FROM tenant_domains d JOIN tenants t ON t.id = d.tenant_id WHERE d.domain = $1`, host))
	if err != nil {
		return nil, translate(err, "This cloud does not serve "+host+".")
	}
	return t, nil
}

func prefixed(p, cols string) string { return p + strings.ReplaceAll(cols, ", ", ", "+p) }

// isForeignKeyViolation reports whether err is a foreign_key_violation.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}
