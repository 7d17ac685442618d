package postgres_test

import (
	"context"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

func mustTenant(t *testing.T, db *postgres.DB, slug string) *domain.Tenant {
	t.Helper()
	tn := &domain.Tenant{Name: slug, Slug: slug}
	if err := postgres.NewTenantService(db).CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

func stdPrices(vcpu domain.Micros) domain.Prices {
	return domain.Prices{VCPUHour: vcpu, MemoryGiBHour: 6000, DiskGiBMonth: map[string]domain.Micros{"standard": 219000}, LicenceHour: map[string]domain.Micros{"win": 25000}}
}

func TestQuoteMachine(t *testing.T) {
	db := pgtest.MustOpen(t)
	ctx := context.Background()
	ps := postgres.NewPricingService(db)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	ps.Now = func() time.Time { return now }
	acme, globex, other := mustTenant(t, db, "acme"), mustTenant(t, db, "globex"), mustTenant(t, db, "other")
	shape := domain.MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20}

	if _, err := ps.QuoteMachine(ctx, acme.ID, "", shape); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("no card at all: err = %v, want ENOTFOUND", err)
	}
	loc := domain.NewID()
	card := &domain.RateCard{Name: "Standard", Currency: "EUR", IsDefault: true}
	v1 := &domain.RateCardVersion{EffectiveFrom: now.AddDate(0, -1, 0), Prices: stdPrices(12000), Multipliers: map[string]domain.Factor{loc: 1_500_000}}
	if err := ps.CreateRateCard(ctx, card, v1); err != nil {
		t.Fatal(err)
	}
	off := domain.Micros(10000)
	if err := ps.AssignRateCard(ctx, &domain.TenantRate{TenantID: globex.ID, CardID: card.ID, DiscountBP: 1000, EffectiveFrom: now.AddDate(0, -1, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := ps.AssignRateCard(ctx, &domain.TenantRate{TenantID: other.ID, CardID: card.ID, Overrides: domain.Overrides{VCPUHour: &off}, EffectiveFrom: now.AddDate(0, -1, 0)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tenant, loc string
		shape             domain.MachineShape
		hourly, stopped   string
	}{
		{"default card", acme.ID, "", shape, "0.0420 EUR/h", "0.0060 EUR/h"},
		{"unknown location is factor 1", acme.ID, domain.NewID(), shape, "0.0420 EUR/h", "0.0060 EUR/h"},
		{"location multiplier", acme.ID, loc, shape, "0.0630 EUR/h", "0.0090 EUR/h"},
		{"licence", acme.ID, "", domain.MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20, ImageID: "win"}, "0.0670 EUR/h", "0.0060 EUR/h"},
		{"discount 10 %", globex.ID, "", shape, "0.0378 EUR/h", "0.0054 EUR/h"},
		{"override vCPU", other.ID, "", shape, "0.0380 EUR/h", "0.0060 EUR/h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ps.QuoteMachine(ctx, tc.tenant, tc.loc, tc.shape)
			if err != nil {
				t.Fatal(err)
			}
			if got := domain.HourlyString(q.Hourly); got != tc.hourly {
				t.Errorf("hourly = %s, want %s", got, tc.hourly)
			}
			if got := domain.HourlyString(q.Stopped); got != tc.stopped {
				t.Errorf("stopped = %s, want %s", got, tc.stopped)
			}
			if q.Monthly.Amount != q.Hourly.Amount*domain.HoursPerMonth {
				t.Errorf("monthly = %v", q.Monthly)
			}
		})
	}

	// A new version applies from its time on and leaves the past alone.
	if err := ps.AddRateCardVersion(ctx, card.ID, &domain.RateCardVersion{EffectiveFrom: now.Add(-time.Hour), Prices: stdPrices(20000)}); domain.ErrorFields(err)["effective_from"] == "" {
		t.Fatalf("a past version of a card in use: err = %v, want a field error", err)
	}
	if err := ps.AddRateCardVersion(ctx, card.ID, &domain.RateCardVersion{EffectiveFrom: now.Add(time.Hour), Prices: stdPrices(20000)}); err != nil {
		t.Fatal(err)
	}
	if q, _ := ps.QuoteMachine(ctx, acme.ID, "", shape); domain.HourlyString(q.Hourly) != "0.0420 EUR/h" {
		t.Errorf("before the new version: %s", domain.HourlyString(q.Hourly))
	}
	now = now.Add(2 * time.Hour)
	if q, _ := ps.QuoteMachine(ctx, acme.ID, "", shape); domain.HourlyString(q.Hourly) != "0.0580 EUR/h" {
		t.Errorf("after the new version: %s", domain.HourlyString(q.Hourly))
	}
	e, _ := ps.PricesAt(ctx, acme.ID, now.Add(-3*time.Hour))
	if e.Prices.VCPUHour != 12000 {
		t.Errorf("the past changed: vCPU-hour %d", e.Prices.VCPUHour)
	}

	// Bad input is refused at the field.
	for _, tc := range []struct {
		card  domain.RateCard
		p     domain.Prices
		field string
	}{
		{domain.RateCard{Name: "X", Currency: "XYZ"}, stdPrices(1), "currency"},
		{domain.RateCard{Name: "Y", Currency: "EUR"}, stdPrices(-1), "vcpu_hour"},
		{domain.RateCard{Name: "standard", Currency: "EUR"}, stdPrices(1), "name"},
	} {
		c := tc.card
		err := ps.CreateRateCard(ctx, &c, &domain.RateCardVersion{Prices: tc.p})
		if domain.ErrorFields(err)[tc.field] == "" {
			t.Errorf("%+v: err = %v, want a message for %s", tc.card, err, tc.field)
		}
	}
}

// Changing the default card applies from now on: tenants without an
// assignment keep their past prices.
func TestDefaultCardChangeKeepsThePast(t *testing.T) {
	db := pgtest.MustOpen(t)
	ctx := context.Background()
	ps := postgres.NewPricingService(db)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	ps.Now = func() time.Time { return now }
	acme := mustTenant(t, db, "acme")
	a := &domain.RateCard{Name: "A", Currency: "EUR", IsDefault: true}
	if err := ps.CreateRateCard(ctx, a, &domain.RateCardVersion{EffectiveFrom: now.AddDate(0, -2, 0), Prices: stdPrices(10000)}); err != nil {
		t.Fatal(err)
	}
	b := &domain.RateCard{Name: "B", Currency: "EUR"}
	if err := ps.CreateRateCard(ctx, b, &domain.RateCardVersion{EffectiveFrom: now.AddDate(0, -2, 0), Prices: stdPrices(20000)}); err != nil {
		t.Fatal(err)
	}
	if err := ps.SetDefaultRateCard(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	past, _ := ps.PricesAt(ctx, acme.ID, now.AddDate(0, -1, 0))
	cur, _ := ps.PricesAt(ctx, acme.ID, now.Add(time.Second))
	if past.Prices.VCPUHour != 10000 || cur.Prices.VCPUHour != 20000 {
		t.Errorf("vCPU-hour last month %d (want A's 10000), now %d (want B's 20000)", past.Prices.VCPUHour, cur.Prices.VCPUHour)
	}
	// A card that was the default is in use: no versions in its past.
	if err := ps.AddRateCardVersion(ctx, a.ID, &domain.RateCardVersion{EffectiveFrom: now.AddDate(0, 0, -1), Prices: stdPrices(1)}); domain.ErrorFields(err)["effective_from"] == "" {
		t.Errorf("past version of a former default: %v", err)
	}
	cards, _ := ps.FindRateCards(ctx)
	for _, c := range cards {
		if c.IsDefault != (c.ID == b.ID) {
			t.Errorf("%s default = %v", c.Name, c.IsDefault)
		}
	}
}
