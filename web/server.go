package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tessera/adapters/connectapi"
	"tessera/adapters/ldap"
	"tessera/adapters/passwd"
	"tessera/adapters/postgres"
	"tessera/adapters/secretbox"
	"tessera/domain"
	"tessera/handlers"
	"tessera/manage/operations"
)

// Server is a manage instance: its services, handlers and router.
type Server struct {
	Config   Config
	DB       *postgres.DB
	App      *handlers.App
	Hosts    *HostResolver
	Secrets  domain.SecretBox
	Registry *prometheus.Registry
	Log      *slog.Logger

	// Locations stores geo-locations and sites (and their health).
	Locations *postgres.LocationService

	handler http.Handler
	closers []func()

	// machineQueue holds machine operations for StartMachineWorker.
	machineQueue operations.Queue

	brandCache *brandCache
}

// NewServer wires the adapters into the handlers. db must be migrated.
func NewServer(cfg Config, db *postgres.DB, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	box, err := secretbox.New(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	st, err := loadStatic()
	if err != nil {
		return nil, err
	}
	hasher := passwd.Default
	if cfg.FastHashing {
		hasher = passwd.Fast
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// pgxstore's own cleanup goroutine races with its StopCleanup (the
	// channel is assigned inside the goroutine), so we run the cleanup ourselves.
	store := pgxstore.NewWithCleanupInterval(db.Pool, 0)
	sessions := scs.New()
	sessions.Store = store
	sessions.IdleTimeout = cfg.IdleTimeout
	sessions.Lifetime = cfg.SessionMax
	sessions.Cookie.Name = "tessera_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Secure = strings.HasPrefix(cfg.PublicURL, "https://")
	sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		slog.ErrorContext(r.Context(), "session store", "err", err, "request_id", handlers.RequestID(r.Context()))
		http.Error(w, "Internal error.", http.StatusInternalServerError)
	}

	tenants := postgres.NewTenantService(db)
	users := postgres.NewUserService(db)
	directories := postgres.NewDirectoryService(db, box)
	directoryAuth := ldap.NewAuthenticator(directories, users, reg, log)
	app := &handlers.App{
		Tenants:  tenants,
		Users:    users,
		Audit:    postgres.NewAuditService(db),
		Hasher:   hasher,
		Sessions: sessions,
		Log:      log,
		Assets:   st.assets(),
		Login: &domain.LoginService{
			Tenants: tenants, Users: users, Hasher: hasher,
			Limiter: postgres.NewRateLimiter(db), Limits: domain.DefaultLoginLimits,
			Directory: directoryAuth,
		},
		TrustProxy: cfg.TrustProxy,
		Machines:   postgres.NewMachineService(db),
		Catalogue:  postgres.NewCatalogueService(db),
		Tokens:     postgres.NewTokenService(db),
		Pricer:     postgres.NewPricingService(db),

		Locations: postgres.NewLocationService(db),
		Secrets:   box,
	}
	app.Directories, app.DirectoryTester, app.DirectoryRechecker = directories, ldap.Tester{}, directoryAuth
	billing := postgres.NewBillingService(db, cfg.Zone())
	app.Pricing, app.Billing, app.BillingZone, app.Costs = postgres.NewPricingService(db), billing, cfg.Zone(), billing
	s := &Server{
		Config: cfg, DB: db, App: app, Secrets: box, Registry: reg, Log: log,
		Hosts: NewHostResolver(cfg.ProviderHosts, cfg.BaseDomain, tenants),
	}
	s.OnClose(directoryAuth.Close)
	s.setupBranding()
	s.Locations = app.Locations.(*postgres.LocationService)
	app.Sites = &connectapi.Connector{Sites: app.Locations, Secrets: box} // manage's client for connect/v1
	s.machineQueue = newMachineQueue(db)
	siteOps := postgres.NewSiteOperationQueue(db)
	app.Storage = newStorageManager(db, app.Locations, siteOps)
	if cfg.SitePollInterval > 0 {
		s.startStorageWorker(siteOps, app.Sites)
	}
	app.CheckSite, app.ProbeSite = s.CheckSite, s.ProbeSite
	// What each site last reported: the settings page reads it, never the site.
	app.SiteReports = postgres.NewSiteReportService(db)
	app.Placer = s.newPlacer()
	if cfg.SitePollInterval > 0 {
		s.startSitePoller(cfg.SitePollInterval)
	}
	s.handler = s.routes(st, newMetrics(reg))
	s.Background(func(ctx context.Context) { s.deleteExpiredSessions(ctx, 10*time.Minute) })
	return s, nil
}

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops background work and waits for it.
func (s *Server) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// Background runs fn in a goroutine until the server closes; Close cancels
// fn's context and waits for it to return.
func (s *Server) Background(fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	s.OnClose(func() {
		cancel()
		<-done
	})
}

// deleteExpiredSessions removes expired sessions every interval.
func (s *Server) deleteExpiredSessions(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.DB.Pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`); err != nil && ctx.Err() == nil {
				s.Log.Warn("delete expired sessions", "err", err)
			}
		}
	}
}

// OnClose registers fn to run when the server closes (last registered first).
func (s *Server) OnClose(fn func()) { s.closers = append(s.closers, fn) }

// ListenAndServe serves until ctx is cancelled, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down", "grace", s.Config.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
