// Package demo seeds the data of "tessera serve --demo": a provider admin, two
// tenants with their users, branding, a catalogue, a rate card with past
// usage and invoices, and simulated connect sites with their locations and
// address pools. Nothing outside the demo (and tests about it) depends on this
// data; other tests build fixtures of their own (see web/webtest).
package demo

import (
	"context"
	"fmt"
	"io"

	"tessera/adapters/passwd"
	"tessera/domain"
	"tessera/web"
)

// Password is every demo user's password.
const Password = "demo"

// demoTenants are the demo customers and their users.
var demoTenants = []struct {
	tenant domain.Tenant
	users  []domain.User
}{
	{domain.Tenant{Name: "Acme Corporation", Slug: "acme", ContactName: "Alice Admin", ContactEmail: "it@acme.example"}, []domain.User{
		{Login: "alice", DisplayName: "Alice Admin", Email: "alice@acme.example", Role: domain.RoleAdmin},
		{Login: "bob", DisplayName: "Bob Builder", Email: "bob@acme.example", Role: domain.RoleMember},
		{Login: "vera", DisplayName: "Vera Viewer", Email: "vera@acme.example", Role: domain.RoleViewer},
	}},
	{domain.Tenant{Name: "Globex", Slug: "globex", ContactName: "Carol Chief", ContactEmail: "ops@globex.example"}, []domain.User{
		{Login: "carol", DisplayName: "Carol Chief", Email: "carol@globex.example", Role: domain.RoleAdmin},
		{Login: "dave", DisplayName: "Dave Developer", Email: "dave@globex.example", Role: domain.RoleMember},
	}},
}

// Seed creates the demo provider admin, tenants and users unless they
// exist; running it again changes nothing.
func Seed(ctx context.Context, s *web.Server) error {
	users, tenants := s.App.Users, s.App.Tenants
	// The demo's well-known password needs no expensive hash.
	hash, err := passwd.Fast.Hash(Password)
	if err != nil {
		return err
	}
	ensureUser := func(u domain.User) error {
		find := func() (*domain.User, error) { return users.FindUserByLogin(ctx, u.TenantID, u.Login) }
		if u.TenantID == "" {
			find = func() (*domain.User, error) { return users.FindProviderAdminByLogin(ctx, u.Login) }
		}
		if _, err := find(); err == nil {
			return nil
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		u.PasswordHash, u.Source = hash, domain.SourceLocal
		return users.CreateUser(ctx, &u)
	}
	if err := ensureUser(domain.User{Login: "admin", DisplayName: "Provider Admin", Role: domain.RoleProviderAdmin}); err != nil {
		return fmt.Errorf("seed admin: %w", err)
	}
	for _, dt := range demoTenants {
		t, err := tenants.FindTenantBySlug(ctx, dt.tenant.Slug)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			nt := dt.tenant
			err = tenants.CreateTenant(ctx, &nt)
			t = &nt
		}
		if err != nil {
			return fmt.Errorf("seed tenant %s: %w", dt.tenant.Slug, err)
		}
		for _, u := range dt.users {
			u.TenantID = t.ID
			if err := ensureUser(u); err != nil {
				return fmt.Errorf("seed user %s: %w", u.Login, err)
			}
		}
	}
	if err := seedPricing(ctx, s, s.BillingZone()); err != nil {
		return fmt.Errorf("seed pricing: %w", err)
	}
	if err := SeedCatalogue(ctx, s); err != nil {
		return fmt.Errorf("seed catalogue: %w", err)
	}
	// Past months' usage, closed into invoices, so billing pages have history.
	if err := seedUsage(ctx, s, s.BillingZone()); err != nil {
		return fmt.Errorf("seed usage: %w", err)
	}
	return seedBranding(ctx, s)
}

// Start seeds the demo and starts its simulated sites in s's process, as
// "tessera serve --demo" does: the seed, the sites and their locations, the
// catalogue again (to allow the locations that now exist) and the address
// pools. Running it again on the same database changes nothing. The sites
// stop when s closes.
func Start(ctx context.Context, s *web.Server) error {
	if err := Seed(ctx, s); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	if err := StartSites(ctx, s); err != nil {
		return fmt.Errorf("demo sites: %w", err)
	}
	// Now that the demo's locations exist, allow them to the demo tenants.
	if err := SeedCatalogue(ctx, s); err != nil {
		return fmt.Errorf("seed demo catalogue: %w", err)
	}
	// Public address pools, so demo tenants can attach public addresses.
	if err := SeedPools(ctx, s); err != nil {
		return fmt.Errorf("seed demo address pools: %w", err)
	}
	return nil
}

// PrintBanner tells the operator where the demo is and how to log in.
func PrintBanner(w io.Writer, url, port string) {
	fmt.Fprintf(w, `
  Tessera demo is running.

    Provider admin:   %[1]s/login            admin / demo
    Tenant acme:      http://acme.localhost:%[2]s/login     alice (admin), bob (member), vera (viewer) / demo
    Tenant globex:    http://globex.localhost:%[2]s/login   carol (admin), dave (member) / demo

  On the provider's host (%[1]s) tenant users can also log in by typing
  their organisation (acme, globex). Stop with Ctrl-C.

`, url, port)
}
