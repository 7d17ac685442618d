package demo_test

import (
	"context"
	"testing"

	"tessera/adapters/postgres"
	"tessera/demo"
	"tessera/domain"
	"tessera/web/webtest"
)

// The demo's rate card prices a 2 vCPU / 2 GiB / 20 GiB machine at 0.0420 EUR/h
// for acme, and seeding twice changes nothing.
func TestDemoPricingSeed(t *testing.T) {
	env := webtest.New(t)
	ctx := context.Background()
	if err := demo.Seed(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	ps := postgres.NewPricingService(env.DB)
	q, err := ps.QuoteMachine(ctx, env.Tenant(t, "acme").ID, "", domain.MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20})
	if err != nil {
		t.Fatal(err)
	}
	if got := domain.HourlyString(q.Hourly); got != "0.0420 EUR/h" {
		t.Errorf("acme hourly = %s", got)
	}
	cards, _ := ps.FindRateCards(ctx)
	if len(cards) != 1 || len(cards[0].Versions) != 2 {
		t.Errorf("after two seeds: %d cards", len(cards))
	}
}
