package web

import (
	"context"
	"fmt"
	"io"

	"tessera/adapters/passwd"
	"tessera/domain"
)

// DemoPassword is every demo user's password.
const DemoPassword = "demo"

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

// SeedDemo creates the demo provider admin, tenants and users unless they
// exist; running it again changes nothing.
func (s *Server) SeedDemo(ctx context.Context) error {
	users, tenants := s.App.Users, s.App.Tenants
	// The demo's well-known password needs no expensive hash.
	hash, err := passwd.Fast.Hash(DemoPassword)
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
	if err := s.seedPricing(ctx, s.BillingZone()); err != nil { // pricing (issue 6)
		return fmt.Errorf("seed pricing: %w", err)
	}
	if err := s.SeedMachinesDemo(ctx); err != nil { // machines (issue 4)
		return fmt.Errorf("seed catalogue: %w", err)
	}
	if err := s.seedUsage(ctx, s.BillingZone()); err != nil { // usage and invoices (issue 6)
		return fmt.Errorf("seed usage: %w", err)
	}
	return s.seedDemoBranding(ctx) // branding (issue 7)
}

// PrintDemoBanner tells the operator where the demo is and how to log in.
func PrintDemoBanner(w io.Writer, url, port string) {
	fmt.Fprintf(w, `
  Tessera demo is running.

    Provider admin:   %[1]s/login            admin / demo
    Tenant acme:      http://acme.localhost:%[2]s/login     alice (admin), bob (member), vera (viewer) / demo
    Tenant globex:    http://globex.localhost:%[2]s/login   carol (admin), dave (member) / demo

  On the provider's host (%[1]s) tenant users can also log in by typing
  their organisation (acme, globex). Stop with Ctrl-C.

`, url, port)
}
