package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/postgres"
	"tessera/adapters/promreg"
	"tessera/domain"
	"tessera/manage/operations"
	"tessera/manage/storage"
)

// newStorageManager wires manage's side of disks, networks, addresses,
// snapshots and images; its site operations go to queue.
func newStorageManager(db *postgres.DB, locations domain.LocationService, queue operations.Enqueuer) *storage.Manager {
	nets := postgres.NewNetworkService(db)
	disks := postgres.NewDiskService(db)
	return &storage.Manager{
		Disks: disks, Networks: nets, Locations: locations, Addresses: postgres.NewAddressService(db),
		Snapshots:    postgres.NewSnapshotService(db),
		Images:       postgres.NewImageService(db),
		TenantImages: postgres.NewCatalogueService(db),
		Queue:        queue,
		Pending:      disks,
		Pricing:      postgres.NewPricingService(db),
		SetNetwork:   nets.SetNetwork,
	}
}

// startStorageWorker runs the worker of the storage operations' queue (it
// always runs: a page never advances storage itself) and the sweep that
// queues again what a crash left unqueued.
func (s *Server) startStorageWorker(queue operations.Queue, sites domain.SiteConnector) {
	ops := s.operationMetrics("tessera_site_operations_total", "Storage, network, address, snapshot and image operations finished by the worker, by resource, kind and result.", "resource", "kind", "result")
	w := &operations.Worker{Queue: queue, Sites: sites, Apply: s.App.Storage, Log: s.Log,
		Finished: func(j *operations.Job, result string) {
			ops.WithLabelValues(j.Resource, string(j.Request.Kind), result).Inc()
		}}
	s.OnClose(w.Start(context.Background()))
	s.Background(func(ctx context.Context) { s.sweepStorage(ctx, 5*time.Second) })
}

func (s *Server) operationMetrics(name, help string, labels ...string) *prometheus.CounterVec {
	return promreg.Register(s.Registry, prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels))
}

// sweepStorage queues again, every interval, the operations of resources
// left transitional with nothing queued (a crash between recording and
// queueing, disks a deleted machine left to delete).
func (s *Server) sweepStorage(ctx context.Context, interval time.Duration) {
	pending := promreg.Register(s.Registry, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tessera_storage_tenants_pending",
		Help: "Tenants with disks, networks or snapshots waiting for a site operation, at the sweep's last pass.",
	}))
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.App.Storage.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("storage sweep", "err", err)
		}
		pending.Set(float64(n))
	}
}
