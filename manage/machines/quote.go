package machines

import (
	"context"
	"time"

	"tessera/domain"
)

// Quote prices a shape for the tenant at a location; nil when no pricer is
// configured or the price cannot be had (the page then says so).
func (s *Service) Quote(ctx context.Context, tenantID, locationID string, shape domain.MachineShape) *domain.Quote {
	if s.Pricer == nil || locationID == "" {
		return nil
	}
	q, err := s.Pricer.QuoteMachine(ctx, tenantID, locationID, shape)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			s.log().ErrorContext(ctx, "quote", "err", err)
		}
		return nil
	}
	return q
}

// QuoteMachine is m's price now.
func (s *Service) QuoteMachine(ctx context.Context, m *domain.Machine) *domain.Quote {
	return s.Quote(ctx, m.TenantID, m.LocationID, m.Shape())
}

// QuoteForm prices the form's choices where the machine would go: the
// chosen location, or where placement puts "cheapest" or "any:XX". nil
// until a size, an image and a location are chosen.
func (s *Service) QuoteForm(ctx context.Context, tenantID string, c *Choices, f Form) *domain.Quote {
	fl := c.Flavor(f.Flavor)
	loc := c.Location(f.Location)
	if pv := s.PreviewPlacement(ctx, tenantID, c, f); loc == "" && pv != nil {
		loc = pv.LocationID
	}
	img := c.Image(f.Image)
	if fl == nil || loc == "" || img == nil {
		return nil
	}
	return s.Quote(ctx, tenantID, loc, domain.MachineShape{VCPUs: fl.VCPUs, MemoryMiB: fl.MemoryMiB, DiskGiB: fl.DiskGiB, ImageID: img.PriceKey()})
}

// QuoteCache prices many machines of one tenant, once per distinct shape.
type QuoteCache struct {
	s        *Service
	tenantID string
	m        map[string]*domain.Quote
}

// NewQuoteCache prices tenantID's machines for one list.
func (s *Service) NewQuoteCache(tenantID string) *QuoteCache {
	return &QuoteCache{s: s, tenantID: tenantID, m: map[string]*domain.Quote{}}
}

// Machine is m's price now.
func (q *QuoteCache) Machine(ctx context.Context, m *domain.Machine) *domain.Quote {
	k := m.LocationID + "|" + m.FlavorID + "|" + m.ImageID
	if v, ok := q.m[k]; ok {
		return v
	}
	v := q.s.Quote(ctx, q.tenantID, m.LocationID, m.Shape())
	q.m[k] = v
	return v
}

// CostSoFar is the machine's cost this month; nil while billing is missing.
func (s *Service) CostSoFar(ctx context.Context, m *domain.Machine) *domain.Money {
	if s.Costs == nil {
		return nil
	}
	c, err := s.Costs.CostSoFar(ctx, m.TenantID, m.ID, domain.MonthStart(time.Now()))
	if err != nil {
		return nil
	}
	return c
}
