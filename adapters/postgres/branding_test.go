package postgres_test

import (
	"context"
	"testing"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

func newTenant(t *testing.T, db *postgres.DB, slug string) *domain.Tenant {
	t.Helper()
	tn := &domain.Tenant{Name: slug, Slug: slug}
	if err := postgres.NewTenantService(db).CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestBrandingStore(t *testing.T) {
	db := pgtest.MustOpen(t)
	ctx := context.Background()
	s := postgres.NewBrandingService(db)
	a, b := newTenant(t, db, "alpha"), newTenant(t, db, "beta")

	// Nothing stored is an empty branding.
	if got, err := s.FindBranding(ctx, a.ID); err != nil || *got != (domain.Branding{}) {
		t.Fatalf("FindBranding = %+v, %v", got, err)
	}
	logo := &domain.Image{ContentType: domain.ImageSVG, Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)}
	br := &domain.Branding{ProductName: " Alpha Cloud ", PrimaryColor: "#ABCDEF"}
	if err := s.SaveBranding(ctx, a.ID, br, logo, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindBranding(ctx, a.ID)
	if err != nil || got.ProductName != "Alpha Cloud" || got.PrimaryColor != "#abcdef" || got.LogoURL != domain.BrandImagePath+logo.Name() {
		t.Fatalf("stored = %+v, %v", got, err)
	}
	// Saving again keeps the logo when its URL is passed back.
	got.Footer = "Alpha"
	if err := s.SaveBranding(ctx, a.ID, got, nil, nil); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.FindBranding(ctx, a.ID); again.LogoURL == "" || again.Footer != "Alpha" {
		t.Fatalf("after re-save: %+v", again)
	}

	t.Run("tenants never see each other's images", func(t *testing.T) {
		if _, err := s.FindImage(ctx, a.ID, logo.Name()); err != nil {
			t.Fatalf("own image: %v", err)
		}
		if _, err := s.FindImage(ctx, b.ID, logo.Name()); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("beta reads alpha's image: %v", err)
		}
		// Nor can beta claim alpha's image by naming its URL.
		steal := &domain.Branding{LogoURL: domain.BrandImagePath + logo.Name()}
		if err := s.SaveBranding(ctx, b.ID, steal, nil, nil); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("beta saved alpha's image as its logo: %v", err)
		}
		if got, _ := s.FindBranding(ctx, b.ID); *got != (domain.Branding{}) {
			t.Fatalf("a refused save left %+v", got)
		}
	})

	t.Run("tenants inherit the provider's images", func(t *testing.T) {
		fav := &domain.Image{ContentType: domain.ImageSVG, Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><g></g></svg>`)}
		if err := s.SaveBranding(ctx, domain.ProviderBranding, &domain.Branding{ProductName: "Provider"}, nil, fav); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindImage(ctx, b.ID, fav.Name()); err != nil {
			t.Fatalf("beta cannot read the provider's favicon: %v", err)
		}
	})

	t.Run("invalid values are refused whole", func(t *testing.T) {
		bad := &domain.Branding{ProductName: "Changed", PrimaryColor: "blue"}
		err := s.SaveBranding(ctx, a.ID, bad, nil, nil)
		if domain.ErrorFields(err)["primary_color"] == "" {
			t.Fatalf("err = %v", err)
		}
		if got, _ := s.FindBranding(ctx, a.ID); got.ProductName != "Alpha Cloud" {
			t.Fatalf("half-written: %+v", got)
		}
	})

	t.Run("custom domains", func(t *testing.T) {
		if err := s.AddDomain(ctx, a.ID, "cloud.alpha.example"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddDomain(ctx, b.ID, "cloud.alpha.example"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("taken domain: %v", err)
		}
		if err := s.AddDomain(ctx, a.ID, "Not Valid"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("invalid domain: %v", err)
		}
		if tn, err := s.FindTenantByDomain(ctx, "cloud.alpha.example"); err != nil || tn.ID != a.ID {
			t.Fatalf("FindTenantByDomain = %v, %v", tn, err)
		}
		if ds, _ := s.FindDomains(ctx, b.ID); len(ds) != 0 {
			t.Fatalf("beta lists alpha's domains: %v", ds)
		}
		if err := s.RemoveDomain(ctx, b.ID, "cloud.alpha.example"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("beta removed alpha's domain: %v", err)
		}
		if err := s.RemoveDomain(ctx, a.ID, "cloud.alpha.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindTenantByDomain(ctx, "cloud.alpha.example"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("removed domain still resolves: %v", err)
		}
	})

	t.Run("malformed ids are not found", func(t *testing.T) {
		if _, err := s.FindBranding(ctx, "nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("err = %v", err)
		}
		if err := s.SaveBranding(ctx, domain.NewID(), &domain.Branding{}, nil, nil); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown tenant: %v", err)
		}
	})

	// A forgotten tenant id is a programming error, never the provider's
	// branding; the provider's is asked for by name, and has no domains.
	t.Run("no owner is refused, the provider is named", func(t *testing.T) {
		if _, err := s.FindBranding(ctx, ""); domain.ErrorCode(err) != domain.EINTERNAL {
			t.Errorf("FindBranding(\"\") = %v, want EINTERNAL", err)
		}
		if err := s.SaveBranding(ctx, "", &domain.Branding{ProductName: "Oops"}, nil, nil); domain.ErrorCode(err) != domain.EINTERNAL {
			t.Errorf("SaveBranding(\"\") = %v, want EINTERNAL", err)
		}
		if got, err := s.FindBranding(ctx, domain.ProviderBranding); err != nil || got.ProductName != "Provider" {
			t.Errorf("provider branding = %+v, %v", got, err)
		}
		if err := s.AddDomain(ctx, domain.ProviderBranding, "cloud.example.net"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("AddDomain(provider) = %v, want ENOTFOUND", err)
		}
	})
}
