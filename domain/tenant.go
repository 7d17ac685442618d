package domain

import (
	"context"
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// TenantStatus is active or suspended. A suspended tenant's users cannot log
// in and its API tokens stop working; its resources stay.
type TenantStatus string

const (
	TenantActive    TenantStatus = "active"
	TenantSuspended TenantStatus = "suspended"
)

// Tenant is a customer (or a customer community) of the provider.
type Tenant struct {
	ID           string
	Name         string
	Slug         string // used in host names (<slug>.<base domain>) and the CLI
	ContactName  string
	ContactEmail string
	Status       TenantStatus
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

var slugRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// reservedSlugs cannot be tenants: they name the provider's own hosts.
var reservedSlugs = map[string]bool{"www": true, "admin": true, "api": true, "provider": true, "static": true, "connect": true}

// Normalize trims and lower-cases what the user typed.
func (t *Tenant) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Slug = strings.ToLower(strings.TrimSpace(t.Slug))
	t.ContactName = strings.TrimSpace(t.ContactName)
	t.ContactEmail = strings.TrimSpace(t.ContactEmail)
}

// Validate returns EINVALID with a message per wrong field.
func (t *Tenant) Validate() error {
	f := map[string]string{}
	switch {
	case t.Name == "":
		f["name"] = "Enter the customer's name."
	case len(t.Name) > 100:
		f["name"] = "Name may be at most 100 characters."
	}
	switch {
	case t.Slug == "":
		f["slug"] = "Enter a short name (slug) for host names, e.g. acme."
	case !slugRe.MatchString(t.Slug):
		f["slug"] = "Slug may contain lower-case letters, digits and hyphens (2–32 characters, no hyphen at either end)."
	case reservedSlugs[t.Slug]:
		f["slug"] = "This slug is reserved for the provider; choose another."
	}
	if len(t.ContactName) > 100 {
		f["contact_name"] = "Contact name may be at most 100 characters."
	}
	if t.ContactEmail != "" {
		if a, err := mail.ParseAddress(t.ContactEmail); err != nil || a.Address != t.ContactEmail {
			f["contact_email"] = "Enter an e-mail address like ops@example.com."
		}
	}
	if t.Status != TenantActive && t.Status != TenantSuspended {
		f["status"] = "Status must be active or suspended."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// TenantFilter selects tenants. Lists are paginated with an opaque cursor.
type TenantFilter struct {
	ID     *string
	Slug   *string
	Query  string // matches name or slug, case-insensitive
	Limit  int
	Cursor string
}

// TenantUpdate holds the fields to change; nil means unchanged.
type TenantUpdate struct {
	Name         *string
	ContactName  *string
	ContactEmail *string
	Status       *TenantStatus
}

// TenantService stores tenants.
type TenantService interface {
	// CreateTenant stores t, setting ID and times. EINVALID, ECONFLICT (slug taken).
	CreateTenant(ctx context.Context, t *Tenant) error
	// FindTenantByID returns ENOTFOUND if there is no such tenant.
	FindTenantByID(ctx context.Context, id string) (*Tenant, error)
	// FindTenantBySlug returns ENOTFOUND if there is no such tenant.
	FindTenantBySlug(ctx context.Context, slug string) (*Tenant, error)
	// FindTenants returns a page of tenants ordered by name and the cursor of the next page ("" at the end).
	FindTenants(ctx context.Context, f TenantFilter) ([]*Tenant, string, error)
	// UpdateTenant applies upd. EINVALID, ENOTFOUND.
	UpdateTenant(ctx context.Context, id string, upd TenantUpdate) (*Tenant, error)
}

// ErrNoTenant is the cause of the error a tenant-scoped store method returns
// when it is called without a tenant id. The caller forgot to scope the call,
// a bug rather than bad input, so the error is EINTERNAL: an empty id must
// never quietly mean "no rows" or "every tenant". Reads across all tenants
// have methods of their own, named for it.
var ErrNoTenant = errors.New("tenant-scoped call without a tenant id")

// RequireTenant returns an EINTERNAL error wrapping ErrNoTenant when tenantID
// is empty. Every tenant-scoped store method calls it first.
func RequireTenant(tenantID string) error {
	if tenantID == "" {
		return Internal(ErrNoTenant)
	}
	return nil
}
