// Package views holds the portal's templ components. Pages take typed props;
// branding and the signed-in user come in as data.
package views

import (
	"tessera/domain"
)

// Assets are the content-hashed URLs of the static files.
type Assets struct {
	CSS  string
	JS   string
	HTMX string
}

// Shell is what every page's frame needs.
type Shell struct {
	Title    string
	Nav      string // key of the active navigation entry
	User     *domain.User
	Tenant   *domain.Tenant // the signed-in user's tenant, nil for the provider admin
	Brand    domain.Branding
	ThemeURL string // per-host CSS custom properties; "" for the default look
	Assets   Assets
	Flash    Flash
}

// Flash is a one-time notice after an action ("Stopping web-1…").
type Flash struct {
	Kind    string // ok, error, info
	Message string
}

// Form carries what the user typed and the messages for each field, so a
// refused form comes back as it was with the errors next to the fields.
type Form struct {
	Values map[string]string
	Errors map[string]string
	// Message is a form-level message (e.g. a conflict not tied to one field).
	Message string
}

// Get returns the value typed for name.
func (f Form) Get(name string) string { return f.Values[name] }

// Err returns the message for name, "" if none.
func (f Form) Err(name string) string { return f.Errors[name] }

// NavItem is an entry of the left navigation.
type NavItem struct {
	Key, Label, Href string
}

// PortalNav is the tenant portal's navigation.
var PortalNav = []NavItem{
	{"dashboard", "Dashboard", "/"},
	{"machines", "Machines", "/machines"},
	{"images", "Images", "/images"},
	{"disks", "Disks", "/disks"},
	{"networks", "Networks", "/networks"},
	{"billing", "Usage & billing", "/billing"},
	{"settings", "Settings", "/settings"},
}

// AdminNav is the provider admin's navigation.
var AdminNav = []NavItem{
	{"tenants", "Tenants", "/admin/tenants"},
	{"locations", "Locations & sites", "/admin/locations"},
	{"placement", "Placement", "/admin/placement"},
	{"catalogue", "Catalogue", "/admin/catalogue"},
	{"site-images", "Images", "/admin/images"},
	{"pools", "Address pools", "/admin/pools"},
	{"pricing", "Pricing", "/admin/pricing"},
	{"branding", "Branding", "/admin/branding"},
	{"audit", "Audit", "/admin/audit"},
}

// Initial is the first letter of s, upper-cased, for the brand mark.
func Initial(s string) string {
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return string(r)
	}
	return "T"
}
