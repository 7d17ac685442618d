package pricing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tessera/domain"
	"tessera/manage/pricing"
)

type tenants struct{ domain.TenantService }

func (tenants) FindTenantByID(_ context.Context, id string) (*domain.Tenant, error) {
	return &domain.Tenant{ID: id, Name: "Acme"}, nil
}

type prices struct {
	domain.PricingService
	cur   *domain.EffectivePrices
	rates []*domain.TenantRate
}

func (p prices) PricesAt(context.Context, string, time.Time) (*domain.EffectivePrices, error) {
	if p.cur == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "No prices.")
	}
	return p.cur, nil
}
func (p prices) FindTenantRates(context.Context, string) ([]*domain.TenantRate, error) {
	return p.rates, nil
}

type billing struct {
	domain.BillingService
	open []domain.UsageInterval
}

func (b billing) OpenIntervals(context.Context, string) ([]domain.UsageInterval, error) {
	return b.open, nil
}

// A tenant without prices today sees "–" now and the draft's prices, for
// the typical shapes and each of its metered machines; its discount and
// overrides apply to the draft.
func TestPreviewDraft(t *testing.T) {
	vcpu := domain.Micros(20_000)
	card := &domain.RateCard{ID: domain.NewID(), Currency: "EUR"}
	ver := &domain.RateCardVersion{Prices: domain.Prices{VCPUHour: 10_000, MemoryGiBHour: 5_000}}
	pv := &pricing.Previewer{Tenants: tenants{},
		Pricing: prices{rates: []*domain.TenantRate{{CardID: domain.NewID(), Overrides: domain.Overrides{VCPUHour: &vcpu}}}},
		Billing: billing{open: []domain.UsageInterval{{ResourceName: "web-1", VCPUs: 2, MemoryMiB: 2048}}}}
	got, err := pv.PreviewDraft(context.Background(), card, ver, domain.NewID(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Shapes) != len(pricing.TypicalShapes) || got.Shapes[0].Now != "–" || got.Shapes[0].Draft == "–" {
		t.Fatalf("shapes: %+v", got.Shapes)
	}
	if !strings.Contains(got.Note, "another card") {
		t.Errorf("note: %q", got.Note)
	}
	if len(got.Machines) != 1 || got.Machines[0].Label != "web-1 (stopped)" {
		t.Fatalf("machines: %+v", got.Machines)
	}
	// 1 vCPU at the override (0.02) and 1 GiB (0.005) an hour.
	want := domain.HourlyString(domain.QuoteShape(&domain.EffectivePrices{Currency: "EUR", Prices: domain.Prices{VCPUHour: vcpu, MemoryGiBHour: 5_000}}, "", pricing.TypicalShapes[0].Shape, "").Hourly)
	if got.Shapes[0].Draft != want {
		t.Errorf("draft of the smallest shape: %q, want %q", got.Shapes[0].Draft, want)
	}
}
