package demo

import (
	"context"
	"fmt"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web"
)

// RateCard is the demo's default rate card. A machine with 2 vCPUs,
// 2 GiB of memory and a 20 GiB disk costs 0.0420 EUR/h under it.
const RateCard = "Standard"

// demoPrices: 2 × 0.0120 + 2 × 0.0060 + 20 × 0.2190 ÷ 730 = 0.0420 EUR/h.
func demoPrices(vcpu domain.Micros) domain.Prices {
	return domain.Prices{
		VCPUHour: vcpu, MemoryGiBHour: 6000, PublicIPHour: 5000, MonthlyFee: 0,
		DiskGiBMonth: map[string]domain.Micros{"standard": 219000, "fast": 438000},
		LicenceHour:  map[string]domain.Micros{"windows-server-2022": 25000},
	}
}

// seedPricing creates the demo rate card (EUR, with a price change at the
// start of last month) and assigns it to the demo tenants, unless it exists.
func seedPricing(ctx context.Context, s *web.Server, zone *time.Location) error {
	ps := postgres.NewPricingService(s.DB)
	cards, err := ps.FindRateCards(ctx)
	if err != nil {
		return err
	}
	for _, c := range cards {
		if c.Name == RateCard {
			return nil
		}
	}
	now := time.Now().In(zone)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, zone)
	card := &domain.RateCard{Name: RateCard, Currency: "EUR"}
	v1 := &domain.RateCardVersion{EffectiveFrom: monthStart.AddDate(0, -3, 0), Prices: demoPrices(11000)}
	if err := ps.CreateRateCard(ctx, card, v1); err != nil {
		return fmt.Errorf("rate card: %w", err)
	}
	v2 := &domain.RateCardVersion{EffectiveFrom: monthStart.AddDate(0, -1, 0), Prices: demoPrices(12000)}
	if err := ps.AddRateCardVersion(ctx, card.ID, v2); err != nil {
		return fmt.Errorf("rate card version: %w", err)
	}
	if err := ps.SetDefaultRateCard(ctx, card.ID); err != nil {
		return err
	}
	for slug, discount := range map[string]int{"acme": 0, "globex": 1000} {
		t, err := s.App.Tenants.FindTenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		r := &domain.TenantRate{TenantID: t.ID, CardID: card.ID, DiscountBP: discount, EffectiveFrom: v1.EffectiveFrom}
		if err := ps.AssignRateCard(ctx, r); err != nil {
			return fmt.Errorf("assign rate card to %s: %w", slug, err)
		}
	}
	return nil
}
