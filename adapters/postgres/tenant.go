package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// TenantService implements domain.TenantService.
type TenantService struct{ db *DB }

var _ domain.TenantService = (*TenantService)(nil)

// NewTenantService returns a TenantService over db.
func NewTenantService(db *DB) *TenantService { return &TenantService{db: db} }

const tenantCols = `id, name, slug, contact_name, contact_email, status, created_at, updated_at`

func scanTenant(row pgx.Row) (*domain.Tenant, error) {
	var t domain.Tenant
	var status string
	err := row.Scan(&t.ID, &t.Name, &t.Slug, &t.ContactName, &t.ContactEmail, &status, &t.CreatedAt, &t.UpdatedAt)
	t.Status = domain.TenantStatus(status)
	return &t, err
}

func (s *TenantService) CreateTenant(ctx context.Context, t *domain.Tenant) error {
	t.Normalize()
	if t.Status == "" {
		t.Status = domain.TenantActive
	}
	if err := t.Validate(); err != nil {
		return err
	}
	t.ID = domain.NewID()
	now := time.Now().UTC().Truncate(time.Microsecond)
	t.CreatedAt, t.UpdatedAt = now, now
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO tenants (`+tenantCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		t.ID, t.Name, t.Slug, t.ContactName, t.ContactEmail, string(t.Status), t.CreatedAt, t.UpdatedAt)
	if isUniqueViolation(err, "tenants_slug_key") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "A tenant with this slug exists already.", Fields: map[string]string{"slug": "This slug is taken; choose another."}}
	}
	return translate(err, "")
}

func (s *TenantService) FindTenantByID(ctx context.Context, id string) (*domain.Tenant, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	t, err := scanTenant(s.db.Pool.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1`, id))
	return t, translate(err, "Tenant not found.")
}

func (s *TenantService) FindTenantBySlug(ctx context.Context, slug string) (*domain.Tenant, error) {
	t, err := scanTenant(s.db.Pool.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE slug = $1`, strings.ToLower(slug)))
	return t, translate(err, "Tenant not found.")
}

func (s *TenantService) FindTenants(ctx context.Context, f domain.TenantFilter) ([]*domain.Tenant, string, error) {
	limit := domain.ClampLimit(f.Limit)
	c, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	where, args := []string{"true"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+itoa(len(args))))
	}
	if f.ID != nil {
		add("id::text = ?", *f.ID)
	}
	if f.Slug != nil {
		add("slug = ?", *f.Slug)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add("(name ILIKE ? OR slug ILIKE ?)", "%"+likeEscape(q)+"%")
	}
	if c != nil {
		args = append(args, c.Key, c.ID)
		where = append(where, "(lower(name), id::text) > ($"+itoa(len(args)-1)+", $"+itoa(len(args))+")")
	}
	args = append(args, limit+1)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+tenantCols+` FROM tenants WHERE `+strings.Join(where, " AND ")+
		` ORDER BY lower(name), id::text LIMIT $`+itoa(len(args)), args...)
	if err != nil {
		return nil, "", domain.Internal(err)
	}
	defer rows.Close()
	var out []*domain.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, "", domain.Internal(err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", domain.Internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeCursor(strings.ToLower(last.Name), last.ID)
	}
	return out, next, nil
}

func (s *TenantService) UpdateTenant(ctx context.Context, id string, upd domain.TenantUpdate) (*domain.Tenant, error) {
	var out *domain.Tenant
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if !domain.IsID(id) {
			return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
		}
		t, err := scanTenant(tx.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate(err, "Tenant not found.")
		}
		if upd.Name != nil {
			t.Name = *upd.Name
		}
		if upd.ContactName != nil {
			t.ContactName = *upd.ContactName
		}
		if upd.ContactEmail != nil {
			t.ContactEmail = *upd.ContactEmail
		}
		if upd.Status != nil {
			t.Status = *upd.Status
		}
		t.Normalize()
		if err := t.Validate(); err != nil {
			return err
		}
		t.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
		_, err = tx.Exec(ctx, `UPDATE tenants SET name=$2, contact_name=$3, contact_email=$4, status=$5, updated_at=$6 WHERE id=$1`,
			t.ID, t.Name, t.ContactName, t.ContactEmail, string(t.Status), t.UpdatedAt)
		out = t
		return translate(err, "")
	})
	return out, err
}
