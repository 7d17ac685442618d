package web

import (
	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/postgres"
	"tessera/domain"
)

// newPlacer wires placement (issue 8): the PostgreSQL store with its retry
// counter, the tenants' prices and this manage instance's id. The handlers
// add the current location store.
func (s *Server) newPlacer() *domain.Placer {
	store := postgres.NewPlacementService(s.DB)
	store.Retries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tessera_placement_retries_total",
		Help: "Placements started over because the chosen site filled up meanwhile.",
	})
	if err := s.Registry.Register(store.Retries); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			store.Retries = are.ExistingCollector.(prometheus.Counter)
		}
	}
	p := &domain.Placer{Store: store, Pricing: postgres.NewPricingService(s.DB), ManageID: s.Config.ManageID}
	if s.App.Catalogue != nil {
		p.Offered = s.App.Catalogue.TenantLocationIDs // the locations the provider offers each tenant
	}
	return p
}
