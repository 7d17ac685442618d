package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

func TestTenantService(t *testing.T) {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	s := postgres.NewTenantService(db)

	acme := &domain.Tenant{Name: " Acme ", Slug: "ACME", ContactEmail: "it@acme.example"}
	if err := s.CreateTenant(ctx, acme); err != nil {
		t.Fatal(err)
	}
	if acme.Slug != "acme" || acme.Name != "Acme" || acme.Status != domain.TenantActive || !domain.IsID(acme.ID) {
		t.Fatalf("created tenant = %+v", acme)
	}

	t.Run("duplicate slug is a conflict on the slug field", func(t *testing.T) {
		err := s.CreateTenant(ctx, &domain.Tenant{Name: "Other", Slug: "acme"})
		if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorFields(err)["slug"] == "" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("invalid input writes nothing", func(t *testing.T) {
		err := s.CreateTenant(ctx, &domain.Tenant{Name: "", Slug: "-bad-", ContactEmail: "nope"})
		f := domain.ErrorFields(err)
		if domain.ErrorCode(err) != domain.EINVALID || f["name"] == "" || f["slug"] == "" || f["contact_email"] == "" {
			t.Fatalf("err = %v, fields %v", err, f)
		}
		all, _, _ := s.FindTenants(ctx, domain.TenantFilter{})
		if len(all) != 1 {
			t.Fatalf("%d tenants after refused create, want 1", len(all))
		}
	})
	t.Run("find by id and slug; unknown and malformed ids are not found", func(t *testing.T) {
		if got, err := s.FindTenantByID(ctx, acme.ID); err != nil || got.Slug != "acme" {
			t.Fatalf("FindTenantByID = %v, %v", got, err)
		}
		if got, err := s.FindTenantBySlug(ctx, "Acme"); err != nil || got.ID != acme.ID {
			t.Fatalf("FindTenantBySlug = %v, %v", got, err)
		}
		for _, id := range []string{domain.NewID(), "not-an-id", ""} {
			if _, err := s.FindTenantByID(ctx, id); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Errorf("FindTenantByID(%q) err = %v", id, err)
			}
		}
	})
	t.Run("update and suspend", func(t *testing.T) {
		name, st := "Acme Corp", domain.TenantSuspended
		got, err := s.UpdateTenant(ctx, acme.ID, domain.TenantUpdate{Name: &name, Status: &st})
		if err != nil || got.Name != "Acme Corp" || got.Status != domain.TenantSuspended {
			t.Fatalf("UpdateTenant = %+v, %v", got, err)
		}
		empty := ""
		if _, err := s.UpdateTenant(ctx, acme.ID, domain.TenantUpdate{Name: &empty}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("empty name err = %v", err)
		}
		again, _ := s.FindTenantByID(ctx, acme.ID)
		if again.Name != "Acme Corp" {
			t.Fatalf("refused update changed the name to %q", again.Name)
		}
	})
	t.Run("cursor pages cover every tenant once, in name order", func(t *testing.T) {
		for i := 0; i < 7; i++ {
			if err := s.CreateTenant(ctx, &domain.Tenant{Name: fmt.Sprintf("T%02d", i), Slug: fmt.Sprintf("t%02d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		cursor := ""
		for page := 0; page < 10; page++ {
			ts, next, err := s.FindTenants(ctx, domain.TenantFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ts {
				seen = append(seen, x.Slug)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		want := []string{"acme", "t00", "t01", "t02", "t03", "t04", "t05", "t06"}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Fatalf("pages = %v, want %v", seen, want)
		}
		if _, _, err := s.FindTenants(ctx, domain.TenantFilter{Cursor: "%%%"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("bad cursor err = %v", err)
		}
		found, _, _ := s.FindTenants(ctx, domain.TenantFilter{Query: "t0"})
		if len(found) != 7 {
			t.Fatalf("filter t0 found %d", len(found))
		}
		found, _, _ = s.FindTenants(ctx, domain.TenantFilter{Query: "%"})
		if len(found) != 0 {
			t.Fatalf("filter %% matched %d tenants: wildcards must be literal", len(found))
		}
	})
}
