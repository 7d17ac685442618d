// Package pricing holds manage's pricing use cases that are more than one
// store call: the preview of a draft rate-card version against what a
// tenant pays now. The rules a rate card's change keeps live in domain.
package pricing

import (
	"context"
	"fmt"
	"time"

	"tessera/domain"
)

// Shape is a machine shape with the label a preview shows it under.
type Shape struct {
	Label string
	Shape domain.MachineShape
}

// TypicalShapes are previewed when a tenant may use no flavor.
var TypicalShapes = []Shape{
	{"1 vCPU, 1 GiB, 10 GiB disk", domain.MachineShape{VCPUs: 1, MemoryMiB: 1024, DiskGiB: 10}},
	{"2 vCPU, 2 GiB, 20 GiB disk", domain.MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20}},
	{"2 vCPU, 4 GiB, 40 GiB disk", domain.MachineShape{VCPUs: 2, MemoryMiB: 4096, DiskGiB: 40}},
	{"4 vCPU, 8 GiB, 80 GiB disk", domain.MachineShape{VCPUs: 4, MemoryMiB: 8192, DiskGiB: 80}},
	{"8 vCPU, 32 GiB, 160 GiB disk", domain.MachineShape{VCPUs: 8, MemoryMiB: 32768, DiskGiB: 160}},
}

// ExampleShape is the shape a tenant's price page quotes as an example.
var ExampleShape = TypicalShapes[1].Shape

// Row is one line of a preview: hourly prices now and under the draft
// ("–" where no prices apply).
type Row struct {
	Label, Now, Draft string
}

// Preview compares a tenant's prices now with a draft version of a card.
type Preview struct {
	TenantName string
	Note       string
	Shapes     []Row // per flavor the tenant may use, or typical shapes
	Machines   []Row // the tenant's metered machines
}

// Previewer reads what a preview needs through the domain's ports.
type Previewer struct {
	Tenants   domain.TenantService
	Pricing   domain.PricingService
	Catalogue domain.CatalogueService // nil: typical shapes only
	Billing   domain.BillingService
}

// PreviewDraft prices the tenant's flavors (typical shapes when it may use
// none) and its metered machines now and under ver of card c, with the
// tenant's discount and overrides. ENOTFOUND for an unknown tenant.
func (p *Previewer) PreviewDraft(ctx context.Context, c *domain.RateCard, ver *domain.RateCardVersion, tenantID string, now time.Time) (*Preview, error) {
	t, err := p.Tenants.FindTenantByID(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	cur, err := p.Pricing.PricesAt(ctx, t.ID, now)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return nil, err
	}
	draft := &domain.EffectivePrices{Currency: c.Currency, Prices: ver.Prices, Multipliers: ver.Multipliers}
	out := &Preview{TenantName: t.Name, Note: "The draft is this card's new prices with the tenant's discount and overrides."}
	if rates, _ := p.Pricing.FindTenantRates(ctx, t.ID); len(rates) > 0 {
		last := rates[len(rates)-1]
		if last.CardID != c.ID {
			out.Note = "This tenant is assigned another card; the draft shows what it would pay if it were assigned this one, with its discount and overrides."
		}
		draft.Prices = last.Overrides.Apply(ver.Prices)
		draft.DiscountBP = last.DiscountBP
	}
	price := func(e *domain.EffectivePrices, loc string, s domain.MachineShape, class string, running bool) string {
		if e == nil {
			return "–"
		}
		q := domain.QuoteShape(e, loc, s, class)
		if !running {
			return domain.HourlyString(q.Stopped)
		}
		return domain.HourlyString(q.Hourly)
	}
	var flavors []*domain.Flavor
	if p.Catalogue != nil {
		if flavors, err = p.Catalogue.TenantFlavors(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	for _, f := range flavors {
		sh := domain.MachineShape{VCPUs: f.VCPUs, MemoryMiB: f.MemoryMiB, DiskGiB: f.DiskGiB}
		label := fmt.Sprintf("%s (%d vCPU, %d GiB, %d GiB disk)", f.Name, f.VCPUs, f.MemoryMiB/1024, f.DiskGiB)
		out.Shapes = append(out.Shapes, Row{Label: label, Now: price(cur, "", sh, "", true), Draft: price(draft, "", sh, "", true)})
	}
	if len(flavors) == 0 {
		for _, s := range TypicalShapes {
			out.Shapes = append(out.Shapes, Row{Label: s.Label, Now: price(cur, "", s.Shape, "", true), Draft: price(draft, "", s.Shape, "", true)})
		}
	}
	ivs, err := p.Billing.OpenIntervals(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	for _, iv := range ivs {
		s := domain.MachineShape{VCPUs: iv.VCPUs, MemoryMiB: iv.MemoryMiB, DiskGiB: iv.DiskGiB, ImageID: iv.Image}
		state := "running"
		if !iv.Running {
			state = "stopped"
		}
		out.Machines = append(out.Machines, Row{Label: iv.ResourceName + " (" + state + ")",
			Now: price(cur, iv.LocationID, s, iv.StorageClass, iv.Running), Draft: price(draft, iv.LocationID, s, iv.StorageClass, iv.Running)})
	}
	return out, nil
}
