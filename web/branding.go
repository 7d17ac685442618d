package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/postgres"
	"tessera/adapters/promreg"
	"tessera/domain"
	"tessera/handlers"
)

// brandCache keeps each known host's tenant and each tenant's merged
// branding in memory, so a page costs no database query for either. Every
// change to tenants, brandings or custom domains fires a NOTIFY (by trigger,
// whichever process or tool made it); the listener goroutine then drops the
// whole cache. While the listener is not connected the cache is bypassed, so
// a missed notification can never leave a stale look (or a suspended
// tenant's host) behind.
type brandCache struct {
	store     domain.BrandingService
	log       *slog.Logger
	loads     *prometheus.CounterVec
	listening prometheus.Gauge

	mu     sync.RWMutex
	gen    uint64 // bumped on every invalidation
	live   bool   // the listener is connected: cached entries are valid
	hosts  map[string]*domain.Tenant
	brands map[string]brandEntry // by tenant id, "" for the provider

	syncs map[string]chan struct{} // SyncBranding's markers awaited, by payload
}

type brandEntry struct {
	brand    domain.Branding
	themeURL string
}

func newBrandCache(store domain.BrandingService, log *slog.Logger, reg prometheus.Registerer) *brandCache {
	c := &brandCache{
		store: store, log: log,
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_branding_cache_loads_total",
			Help: "Host names and brandings loaded from the database (cache misses), by kind.",
		}, []string{"kind"}),
		listening: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tessera_branding_listener_connected",
			Help: "1 while the branding cache listens for changes (LISTEN/NOTIFY); 0 means pages read branding from the database.",
		}),
		hosts: map[string]*domain.Tenant{}, brands: map[string]brandEntry{},
		syncs: map[string]chan struct{}{},
	}
	c.loads, c.listening = promreg.Register(reg, c.loads), promreg.Register(reg, c.listening)
	return c
}

// invalidate forgets everything and records whether the cache may serve.
func (c *brandCache) invalidate(live bool) {
	if live {
		c.listening.Set(1)
	} else {
		c.listening.Set(0)
	}
	c.mu.Lock()
	c.gen++
	c.live = live
	c.hosts = map[string]*domain.Tenant{}
	c.brands = map[string]brandEntry{}
	c.mu.Unlock()
}

// flush forgets everything, keeping the listener's state: a change made by
// this process is seen by its next request at once (read your writes); the
// other processes learn of it from the notification.
func (c *brandCache) flush() {
	c.mu.Lock()
	c.gen++
	c.hosts = map[string]*domain.Tenant{}
	c.brands = map[string]brandEntry{}
	c.mu.Unlock()
}

// flushingStore and flushingTenants flush the cache after each change they
// make, before the handler answers.
type flushingStore struct {
	domain.BrandingService
	flush func()
}

func (s flushingStore) SaveBranding(ctx context.Context, tenantID string, b *domain.Branding, logo, favicon *domain.Image) error {
	defer s.flush()
	return s.BrandingService.SaveBranding(ctx, tenantID, b, logo, favicon)
}

func (s flushingStore) AddDomain(ctx context.Context, tenantID, host string) error {
	defer s.flush()
	return s.BrandingService.AddDomain(ctx, tenantID, host)
}

func (s flushingStore) RemoveDomain(ctx context.Context, tenantID, host string) error {
	defer s.flush()
	return s.BrandingService.RemoveDomain(ctx, tenantID, host)
}

type flushingTenants struct {
	domain.TenantService
	flush func()
}

func (t flushingTenants) CreateTenant(ctx context.Context, tn *domain.Tenant) error {
	defer t.flush()
	return t.TenantService.CreateTenant(ctx, tn)
}

func (t flushingTenants) UpdateTenant(ctx context.Context, id string, upd domain.TenantUpdate) (*domain.Tenant, error) {
	defer t.flush()
	return t.TenantService.UpdateTenant(ctx, id, upd)
}

// generation is read before a load; put stores only if nothing changed
// since, so a load that raced an invalidation is not kept.
func (c *brandCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *brandCache) host(name string) (*domain.Tenant, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.live {
		return nil, false
	}
	t, ok := c.hosts[name]
	if t != nil {
		cp := *t // each request gets its own copy to read (or change)
		t = &cp
	}
	return t, ok
}

func (c *brandCache) putHost(gen uint64, name string, t *domain.Tenant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live && c.gen == gen {
		c.hosts[name] = t
	}
}

// branding returns the merged look of tenant (nil: the provider) and the
// versioned URL of its theme stylesheet.
func (c *brandCache) branding(ctx context.Context, tenant *domain.Tenant) (domain.Branding, string) {
	key := ""
	if tenant != nil {
		key = tenant.ID
	}
	c.mu.RLock()
	e, ok := c.brands[key]
	live := c.live
	gen := c.gen
	c.mu.RUnlock()
	if ok && live {
		return e.brand, e.themeURL
	}
	c.loads.WithLabelValues("branding").Inc()
	b, err := c.load(ctx, key)
	if err != nil {
		c.log.ErrorContext(ctx, "load branding", "err", err, "tenant", key)
		b = domain.DefaultBranding
	}
	e = brandEntry{brand: b, themeURL: themeURL(b)}
	if err == nil {
		c.mu.Lock()
		if c.live && c.gen == gen {
			c.brands[key] = e
		}
		c.mu.Unlock()
	}
	return e.brand, e.themeURL
}

func (c *brandCache) load(ctx context.Context, tenantID string) (domain.Branding, error) {
	p, err := c.store.FindBranding(ctx, domain.ProviderBranding)
	if err != nil {
		return domain.Branding{}, err
	}
	b := p.Merge(domain.DefaultBranding)
	if tenantID != "" {
		t, err := c.store.FindBranding(ctx, tenantID)
		if err != nil {
			return domain.Branding{}, err
		}
		b = t.Merge(b)
	}
	return b, nil
}

// themeURL is /theme.css with the hash of the stylesheet's content, so it can
// be cached for a year: a change makes a new URL.
func themeURL(b domain.Branding) string {
	sum := sha256.Sum256([]byte(domain.ThemeCSS(":root", b)))
	return "/theme.css?v=" + hex.EncodeToString(sum[:])[:12]
}

// listen keeps a connection LISTENing on the branding channel until ctx
// ends, invalidating the cache on every notification and on every
// (re)connection. ready is closed once the first LISTEN is in place.
func (c *brandCache) listen(ctx context.Context, cfg *pgx.ConnConfig, ready chan<- struct{}) {
	backoff := 100 * time.Millisecond
	signalled := false
	for ctx.Err() == nil {
		err := c.listenOnce(ctx, cfg, func() {
			backoff = 100 * time.Millisecond
			if !signalled {
				signalled = true
				close(ready)
			}
		})
		c.invalidate(false)
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("branding cache listener lost its connection; serving from the database until it reconnects", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (c *brandCache) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+postgres.BrandingChannel); err != nil {
		return err
	}
	c.invalidate(true)
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		c.invalidate(true)
		c.mu.Lock()
		if ch, ok := c.syncs[n.Payload]; ok {
			close(ch)
			delete(c.syncs, n.Payload)
		}
		c.mu.Unlock()
	}
}

// SyncBranding returns once this process's cache has seen every change
// committed before the call: it sends a marker through the same channel and
// waits for it to come back (notifications arrive in commit order). Give
// ctx a deadline: it waits as long as the listener is disconnected.
func (s *Server) SyncBranding(ctx context.Context) error {
	payload := "sync:" + domain.NewID()
	ch := make(chan struct{})
	c := s.brandCache
	c.mu.Lock()
	c.syncs[payload] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.syncs, payload)
		c.mu.Unlock()
	}()
	// A marker sent while the listener reconnects is lost: send it again
	// until one comes back.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := s.DB.Pool.Exec(ctx, "SELECT pg_notify($1, $2)", postgres.BrandingChannel, payload); err != nil {
			return err
		}
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// setupBranding wires the branding store, the cache and its listener into
// the server: host resolution, page branding, custom domains.
func (s *Server) setupBranding() {
	store := postgres.NewBrandingService(s.DB)
	cache := newBrandCache(store, s.Log, s.Registry)
	s.brandCache = cache
	s.Hosts.cache = cache
	s.Hosts.CustomDomain = store.FindTenantByDomain
	s.App.Branding = cache.branding
	s.App.Tenants = flushingTenants{TenantService: s.App.Tenants, flush: cache.flush}
	s.App.Brand = &handlers.BrandingConfig{
		Store:         flushingStore{BrandingService: store, flush: cache.flush},
		NormalizeHost: NormalizeHost,
		ReservedHost:  s.Hosts.reserved,
		ResolveHost: func(r *http.Request) *domain.Tenant {
			t, _ := s.Hosts.Resolve(r.Context(), r.Host)
			return t
		},
	}
	ready := make(chan struct{})
	s.Background(func(ctx context.Context) { cache.listen(ctx, s.DB.Pool.Config().ConnConfig.Copy(), ready) })
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		s.Log.Warn("branding cache listener not connected yet; pages read branding from the database meanwhile")
	}
}
