package demo

import (
	"context"
	"fmt"

	"tessera/domain"
	"tessera/web"
)

// demoDedicated are the demo's private clouds: Zurich (CH) is acme's alone,
// so acme sees three locations and globex two.
var demoDedicated = map[string]string{"Zurich": "acme"}

// seedPlacement dedicates the demo's private locations to their tenants
// (idempotent; runs once the demo sites are registered).
func seedPlacement(ctx context.Context, s *web.Server) error {
	if s.App.Placer == nil || s.App.Placer.Store == nil || s.App.Locations == nil {
		return nil
	}
	locs, err := s.App.Locations.FindLocations(ctx)
	if err != nil {
		return err
	}
	for _, l := range locs {
		slug, ok := demoDedicated[l.Name]
		if !ok {
			continue
		}
		t, err := s.App.Tenants.FindTenantBySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("demo placement: tenant %s: %w", slug, err)
		}
		if err := s.App.Placer.Store.SetLocationTenancy(ctx, l.ID, domain.Tenancy{Kind: domain.TenancyTenant, TenantID: t.ID}); err != nil {
			return fmt.Errorf("demo placement: %s: %w", l.Name, err)
		}
	}
	return nil
}
