package web

import (
	"context"
	"github.com/prometheus/client_golang/prometheus"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/promreg"
	"tessera/domain"
)

// newPlacer wires placement: the PostgreSQL store with its retry
// counter, the tenants' prices and this manage instance's id. The handlers
// add the current location store.
func (s *Server) newPlacer() *domain.Placer {
	store := postgres.NewPlacementService(s.DB)
	store.Retries = promreg.Register(s.Registry, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tessera_placement_retries_total",
		Help: "Placements started over because the chosen site filled up meanwhile.",
	}))
	// A crash between a placement and its machine's create leaves a
	// reservation without a machine; give it back after ten minutes.
	s.Background(func(ctx context.Context) {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if n, err := store.SweepOrphans(ctx, 10*time.Minute); err != nil && ctx.Err() == nil {
					s.Log.Warn("placement sweep", "err", err)
				} else if n > 0 {
					s.Log.Info("released orphaned placements", "count", n)
				}
			}
		}
	})
	p := &domain.Placer{Store: store, Pricing: postgres.NewPricingService(s.DB), ManageID: s.Config.ManageID}
	if s.App.Catalogue != nil {
		p.Offered = s.App.Catalogue.TenantLocationIDs // the locations the provider offers each tenant
	}
	return p
}
