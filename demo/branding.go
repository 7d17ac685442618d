package demo

import (
	"context"
	"fmt"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web"
)

// demoBrandings give the demo tenants looks of their own, so the two portals
// are told apart at a glance. Logos are small SVGs, sanitised like uploads.
var demoBrandings = map[string]struct {
	brand domain.Branding
	logo  string
}{
	"acme": {domain.Branding{
		ProductName: "Acme Cloud", PrimaryColor: "#c2410c", AccentColor: "#0f766e",
		LoginMessage: "Acme staff: log in with your Acme user name. New here? Ask the IT desk for access.",
		SupportEmail: "it@acme.example", SupportURL: "https://help.acme.example", Footer: "Acme Corporation · internal cloud",
	}, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 102 32" width="102" height="32">
  <path d="M4 28 L16 4 L28 28 Z" fill="#c2410c"/><path d="M11 28 L16 18 L21 28 Z" fill="#fff"/>
  <text x="34" y="24" font-family="system-ui, sans-serif" font-size="20" font-weight="800" fill="#1b1f24" letter-spacing="1">ACME</text>
</svg>`},
	"globex": {domain.Branding{
		ProductName: "Globex Compute", PrimaryColor: "#5b21b6", AccentColor: "#b45309",
		LoginMessage: "Welcome to Globex Compute. Use your Globex account.",
		SupportEmail: "ops@globex.example", Footer: "Globex · engineering platform",
	}, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 110 32" width="110" height="32">
  <circle cx="16" cy="16" r="13" fill="#5b21b6"/>
  <ellipse cx="16" cy="16" rx="6" ry="13" fill="none" stroke="#fff" stroke-width="2"/>
  <path d="M3 16 H29 M5 9 H27 M5 23 H27" stroke="#fff" stroke-width="2"/>
  <text x="36" y="23" font-family="system-ui, sans-serif" font-size="19" font-weight="700" fill="#1b1f24">Globex</text>
</svg>`},
}

// seedBranding sets the demo tenants' branding unless one is set.
func seedBranding(ctx context.Context, s *web.Server) error {
	store := postgres.NewBrandingService(s.DB)
	for slug, d := range demoBrandings {
		t, err := s.App.Tenants.FindTenantBySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("seed branding %s: %w", slug, err)
		}
		cur, err := store.FindBranding(ctx, t.ID)
		if err != nil {
			return err
		}
		if *cur != (domain.Branding{}) {
			continue
		}
		ct, data, err := domain.CheckImage("logo", []byte(d.logo), domain.MaxLogoBytes)
		if err != nil {
			return fmt.Errorf("seed branding %s: %w", slug, err)
		}
		b := d.brand
		if err := store.SaveBranding(ctx, t.ID, &b, &domain.Image{ContentType: ct, Data: data}, nil); err != nil {
			return fmt.Errorf("seed branding %s: %w", slug, err)
		}
	}
	return nil
}
