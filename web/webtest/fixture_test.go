package webtest_test

import (
	"context"
	"testing"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web/webtest"
)

// NewEmpty holds nothing, and each fixture helper adds exactly what it names.
func TestFixtureAddsOnlyWhatItNames(t *testing.T) {
	env := webtest.NewEmpty(t)
	ctx := context.Background()
	if ts, _, err := postgres.NewTenantService(env.DB).FindTenants(ctx, domain.TenantFilter{}); err != nil || len(ts) != 0 {
		t.Fatalf("an empty server has %d tenants (%v)", len(ts), err)
	}
	acme := env.AddTenant(t, "acme", "")
	if acme.Name != "Acme" {
		t.Errorf("tenant name = %q", acme.Name)
	}
	env.AddUser(t, "acme", "alice", domain.RoleAdmin, "pw-alice")
	env.AddUser(t, "", "root", domain.RoleMember, "pw-root")
	if u := env.User(t, "", "root"); u.Role != domain.RoleProviderAdmin {
		t.Errorf("a provider user's role = %s, want provider admin", u.Role)
	}
	env.Client(t, "acme.localhost").Login("", "alice", "pw-alice")

	f := env.AddFlavor(t, domain.Flavor{Name: "small", VCPUs: 1, MemoryMiB: 1024, DiskGiB: 10})
	img := env.AddImage(t, domain.MachineImage{Name: "Debian 12", Template: "debian-12", OS: "linux"})
	env.Offer(t, "acme", domain.TenantCatalogue{FlavorIDs: []string{f.ID}, ImageIDs: []string{img.ID}})
	cat := postgres.NewCatalogueService(env.DB)
	if fs, err := cat.TenantFlavors(ctx, acme.ID); err != nil || len(fs) != 1 || fs[0].Name != "small" {
		t.Errorf("acme's flavors: %v %v", fs, err)
	}
	env.SetQuota(t, "acme", domain.Quota{Machines: 3, VCPUs: 4, MemoryMiB: 4096, DiskGiB: 100})
	if q, _, err := cat.FindQuota(ctx, acme.ID); err != nil || q.Machines != 3 {
		t.Errorf("acme's quota: %+v %v", q, err)
	}

	card := env.AddRateCard(t, "Standard", "EUR", domain.Prices{VCPUHour: 10000}, "acme")
	ps := postgres.NewPricingService(env.DB)
	if cards, err := ps.FindRateCards(ctx); err != nil || len(cards) != 1 || cards[0].ID != card.ID {
		t.Errorf("rate cards: %v %v", cards, err)
	}
	q, err := ps.QuoteMachine(ctx, acme.ID, "", domain.MachineShape{VCPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := domain.HourlyString(q.Hourly); got != "0.0200 EUR/h" {
		t.Errorf("2 vCPUs at 0.01 = %s", got)
	}
}
