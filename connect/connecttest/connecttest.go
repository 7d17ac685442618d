// Package connecttest starts a whole connect site for tests: a govmomi
// simulator, connect's own database on the real PostgreSQL, Central with
// fast timings, and the API on an httptest server.
package connecttest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/vsphere"
	"tessera/connect/api"
	"tessera/connect/central"
	"tessera/connect/store"
	"tessera/domain"
)

// Site is a running connect site.
type Site struct {
	Sim      *vsphere.Simulator
	Backend  *vsphere.Backend
	Store    *store.Store
	Central  *central.Central
	Server   *httptest.Server
	DBURL    string
	Registry *prometheus.Registry
}

// Options shape a test site.
type Options struct {
	Name    string // default "test-site"
	Sim     vsphere.SimOptions
	Central central.Config // zero fields get fast test timings
	// NoStart leaves Central's workers stopped (Submit still works).
	NoStart bool
}

// FastConfig fills zero timings of cfg with values that keep tests quick.
func FastConfig(cfg central.Config) central.Config {
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 200 * time.Millisecond
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 50 * time.Millisecond
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 500 * time.Millisecond
	}
	if cfg.SyncInterval == 0 {
		cfg.SyncInterval = -1
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	return cfg
}

// Start starts a site; everything stops when tb ends.
func Start(tb testing.TB, o Options) *Site {
	tb.Helper()
	ctx := context.Background()
	if o.Name == "" {
		o.Name = "test-site"
	}
	sim, err := vsphere.StartSimulator(o.Sim)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sim.Close)
	b, err := vsphere.Connect(ctx, sim.Config())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	s := &Site{Sim: sim, Backend: b, DBURL: NewDatabase(tb), Registry: prometheus.NewRegistry()}
	s.Store, err = store.Open(ctx, s.DBURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Store.Close)
	if err := s.Store.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	cfg := FastConfig(o.Central)
	cfg.SiteName = o.Name
	s.Central, err = central.New(s.Store, b, cfg, slog.New(slog.DiscardHandler), s.Registry)
	if err != nil {
		tb.Fatal(err)
	}
	if !o.NoStart {
		s.StartCentral(tb)
	}
	h := &api.Handler{Store: s.Store, Central: s.Central}
	s.Server = httptest.NewServer(h.NewRouter(nil))
	tb.Cleanup(s.Server.Close)
	return s
}

// StartCentral starts the workers (once).
func (s *Site) StartCentral(tb testing.TB) {
	tb.Helper()
	if err := s.Central.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Central.Stop(ctx)
	})
}

// Token registers a manage instance and returns its token.
func (s *Site) Token(tb testing.TB, name string) (string, *store.ManageInstance) {
	tb.Helper()
	mi, token, err := s.Store.CreateManageInstance(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return token, mi
}

// Wait polls an operation until it is done (or 60 s pass).
func Wait(tb testing.TB, c domain.SiteClient, id string) *domain.Operation {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		op, err := c.Operation(context.Background(), id)
		if err != nil {
			tb.Fatal(err)
		}
		if op.State.Done() {
			return op
		}
		if time.Now().After(deadline) {
			tb.Fatalf("operation %s still %s after 60 s (error %q)", id, op.State, op.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// VMCount is how many Tessera VMs the site's vCenter has.
func (s *Site) VMCount(tb testing.TB) int {
	tb.Helper()
	vms, err := s.Backend.ListVMs(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return len(vms)
}
