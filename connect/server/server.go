// Package server assembles one connect site: its store, its vCenter
// backend, Central and the HTTP API. `tessera connect` runs one alone;
// `tessera serve --demo` runs two in process next to manage.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tessera/adapters/vsphere"
	"tessera/connect/api"
	"tessera/connect/central"
	"tessera/connect/store"
)

// Options configure a site.
type Options struct {
	DatabaseURL string // connect's own database
	VCenter     vsphere.Config
	Central     central.Config // SiteName, naming, timings
	Log         *slog.Logger
	// Registry collects the site's metrics; nil for a new one with Go and
	// process collectors, served on /metrics.
	Registry *prometheus.Registry
	// Registerer, if set, receives Central's metrics instead of Registry
	// (the demo adds them to manage's registry with a site label).
	Registerer prometheus.Registerer
}

// Site is an assembled connect site.
type Site struct {
	Store    *store.Store
	Backend  *vsphere.Backend
	Central  *central.Central
	Registry *prometheus.Registry
	Handler  http.Handler
	log      *slog.Logger
}

// Open connects to the database (migrating it) and to vCenter. It does not
// start the workers.
func Open(ctx context.Context, o Options) (*Site, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	reg := o.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	st, err := store.Open(ctx, o.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate connect's database: %w", err)
	}
	b, err := vsphere.Connect(ctx, o.VCenter)
	if err != nil {
		st.Close()
		return nil, err
	}
	var metricsTo prometheus.Registerer = reg
	if o.Registerer != nil {
		metricsTo = o.Registerer
	}
	c, err := central.New(st, b, o.Central, o.Log, metricsTo)
	if err != nil {
		b.Close()
		st.Close()
		return nil, err
	}
	h := &api.Handler{Store: st, Central: c, Log: o.Log}
	handler := h.NewRouter(func(r chi.Router) {
		r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	})
	return &Site{Store: st, Backend: b, Central: c, Registry: reg, Handler: handler, log: o.Log}, nil
}

// Start runs the workers and the reconciler.
func (s *Site) Start(ctx context.Context) error { return s.Central.Start(ctx) }

// Close stops the workers (letting running operations finish for a while)
// and closes the connections.
func (s *Site) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Central.Stop(ctx); err != nil {
		s.log.Warn("stopping central", "err", err)
	}
	s.Backend.Close()
	s.Store.Close()
}

// Serve serves the API on ln until ctx is cancelled, with TLS when certFile
// and keyFile are given (ServeTLS).
func (s *Site) Serve(ctx context.Context, ln net.Listener) error {
	return s.ServeTLS(ctx, ln, "", "")
}

// ServeTLS serves the API on ln until ctx is cancelled; with a certificate
// and key it speaks HTTPS, so manage's tokens never cross the network in clear.
func (s *Site) ServeTLS(ctx context.Context, ln net.Listener, certFile, keyFile string) error {
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
