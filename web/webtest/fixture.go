package webtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/vsphere"
	"tessera/demo"
	"tessera/domain"
)

// The fixture helpers below create exactly what a test names, on a server
// from NewEmpty (or on top of the demo's data from New). Each fails the test
// on error and returns what it made.

// AddTenant creates an active tenant with slug and name (when name is "",
// the slug with a capital letter).
func (e *Env) AddTenant(tb testing.TB, slug, name string) *domain.Tenant {
	tb.Helper()
	if name == "" {
		name = strings.ToUpper(slug[:1]) + slug[1:]
	}
	t := &domain.Tenant{Name: name, Slug: slug, ContactEmail: "it@" + slug + ".example"}
	if err := postgres.NewTenantService(e.DB).CreateTenant(context.Background(), t); err != nil {
		tb.Fatal(err)
	}
	return t
}

// AddUser creates a local user of tenant slug ("" for a provider admin) with
// role and password. It is CreateUser under the fixture's naming.
func (e *Env) AddUser(tb testing.TB, slug, login string, role domain.Role, password string) *domain.User {
	tb.Helper()
	return e.CreateUser(tb, slug, login, role, password)
}

// AddFlavor adds f to the provider's catalogue.
func (e *Env) AddFlavor(tb testing.TB, f domain.Flavor) *domain.Flavor {
	tb.Helper()
	if err := postgres.NewCatalogueService(e.DB).CreateFlavor(context.Background(), &f); err != nil {
		tb.Fatal(err)
	}
	return &f
}

// AddImage adds i to the provider's catalogue.
func (e *Env) AddImage(tb testing.TB, i domain.MachineImage) *domain.MachineImage {
	tb.Helper()
	if err := postgres.NewCatalogueService(e.DB).CreateImage(context.Background(), &i); err != nil {
		tb.Fatal(err)
	}
	return &i
}

// Offer allows tenant slug the given catalogue (flavors, images and
// locations by id), replacing what it was allowed before.
func (e *Env) Offer(tb testing.TB, slug string, c domain.TenantCatalogue) {
	tb.Helper()
	if err := postgres.NewCatalogueService(e.DB).SetTenantCatalogue(context.Background(), e.Tenant(tb, slug).ID, c); err != nil {
		tb.Fatal(err)
	}
}

// AddRateCard creates the rate card name in currency with one version of
// prices, in force since the start of last year, makes it the default card and
// assigns it to tenants slugs (without discount).
func (e *Env) AddRateCard(tb testing.TB, name, currency string, prices domain.Prices, slugs ...string) *domain.RateCard {
	tb.Helper()
	ctx := context.Background()
	ps := postgres.NewPricingService(e.DB)
	from := time.Date(time.Now().Year()-1, 1, 1, 0, 0, 0, 0, e.Server.BillingZone())
	card := &domain.RateCard{Name: name, Currency: currency}
	if err := ps.CreateRateCard(ctx, card, &domain.RateCardVersion{EffectiveFrom: from, Prices: prices}); err != nil {
		tb.Fatal(err)
	}
	if err := ps.SetDefaultRateCard(ctx, card.ID); err != nil {
		tb.Fatal(err)
	}
	for _, slug := range slugs {
		if err := ps.AssignRateCard(ctx, &domain.TenantRate{TenantID: e.Tenant(tb, slug).ID, CardID: card.ID, EffectiveFrom: from}); err != nil {
			tb.Fatal(err)
		}
	}
	return card
}

// AddSite starts a simulated connect site named name in the geo-location
// location (country code country; created unless it exists) over a vCenter
// simulator shaped by sim, registers it in manage and checks its health once.
// It stops with the server.
func (e *Env) AddSite(tb testing.TB, location, country, name string, sim vsphere.SimOptions) (*domain.GeoLocation, *domain.Site) {
	tb.Helper()
	ctx := context.Background()
	if err := demo.StartSite(ctx, e.Server, demo.Site{Location: location, Country: country, Name: name, Sim: sim}); err != nil {
		tb.Fatal(err)
	}
	e.Server.CheckSites(ctx)
	locs, err := e.Server.Locations.FindLocations(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range locs {
		if !strings.EqualFold(l.Name, location) {
			continue
		}
		sites, err := e.Server.Locations.FindSites(ctx, l.ID)
		if err != nil {
			tb.Fatal(err)
		}
		for _, st := range sites {
			if strings.EqualFold(st.Name, name) {
				return l, st
			}
		}
	}
	tb.Fatalf("site %s in %s not registered", name, location)
	return nil, nil
}

// SetQuota sets tenant slug's quota to q (its TenantID is filled in).
func (e *Env) SetQuota(tb testing.TB, slug string, q domain.Quota) {
	tb.Helper()
	q.TenantID = e.Tenant(tb, slug).ID
	if err := postgres.NewCatalogueService(e.DB).SetQuota(context.Background(), &q); err != nil {
		tb.Fatal(err)
	}
}
