package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/connectapi"
	"tessera/adapters/postgres"
	"tessera/domain"
)

// newStorageManager wires manage's side of disks and networks (issue 9).
func newStorageManager(db *postgres.DB, locations domain.LocationService, box domain.SecretBox) *domain.StorageManager {
	nets := postgres.NewNetworkService(db)
	return &domain.StorageManager{
		Disks: postgres.NewDiskService(db), Networks: nets, Locations: locations, Addresses: postgres.NewAddressService(db),
		Snapshots:    postgres.NewSnapshotService(db),
		Images:       postgres.NewImageService(db),
		TenantImages: postgres.NewCatalogueService(db),
		Connector:    &connectapi.Connector{Sites: locations, Secrets: box},
		Pricing:      postgres.NewPricingService(db),
		SetNetwork:   nets.SetNetwork,
	}
}

// trackStorage advances disks, networks and snapshots whose site operation
// finished, for every tenant, every interval (pages and the API also
// advance them when read).
func (s *Server) trackStorage(ctx context.Context, interval time.Duration) {
	ds, ok := s.App.Storage.Disks.(*postgres.DiskService)
	if !ok {
		return
	}
	pending := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tessera_storage_tenants_pending",
		Help: "Tenants with disks, networks or snapshots waiting for a site operation, at the tracker's last pass.",
	})
	if err := s.Registry.Register(pending); err != nil {
		s.Log.Warn("storage tracker metric", "err", err)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.App.Storage.RefreshImages(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("image tracker", "err", err)
		}
		tenants, err := ds.TenantsWithPending(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.Log.Warn("storage tracker", "err", err)
			}
			continue
		}
		pending.Set(float64(len(tenants)))
		for _, id := range tenants {
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := s.App.Storage.Refresh(rctx, id); err != nil && ctx.Err() == nil {
				s.Log.Warn("storage tracker", "tenant", id, "err", err)
			}
			cancel()
		}
	}
}
