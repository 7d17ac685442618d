// Package webtest starts a real manage server on a test database of its own,
// for handler and browser tests.
package webtest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"

	"tessera/adapters/passwd"
	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/demo"
	"tessera/domain"
	"tessera/web"
)

// Env is a running manage server with its database.
type Env struct {
	Server *web.Server
	DB     *postgres.DB
	URL    string // http://127.0.0.1:PORT
	Port   string
}

// Option changes the configuration before the server starts.
type Option func(*web.Config)

// New starts a server on 127.0.0.1 with a fresh database, seeded with the demo
// data (package demo, without its sites). Provider hosts are 127.0.0.1 and
// localhost; tenants are at <slug>.localhost. A test that needs only a few
// named things starts with NewEmpty and builds them instead.
func New(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	return NewWithSetup(tb, nil, opts...)
}

// NewWithSetup is New with setup run on the server before it is seeded and
// starts serving (to plug in sites, a pricer, ...).
func NewWithSetup(tb testing.TB, setup func(*web.Server), opts ...Option) *Env {
	tb.Helper()
	return start(tb, setup, func(s *web.Server) error { return demo.Seed(context.Background(), s) }, opts)
}

// NewEmpty starts a server like New on a database that holds nothing but its
// schema: the test creates what it names with the fixture helpers (AddTenant,
// AddUser, AddFlavor, AddImage, AddRateCard, AddSite, Offer).
func NewEmpty(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	return NewEmptyWithSetup(tb, nil, opts...)
}

// NewEmptyWithSetup is NewEmpty with setup run on the server before it starts
// serving.
func NewEmptyWithSetup(tb testing.TB, setup func(*web.Server), opts ...Option) *Env {
	tb.Helper()
	return start(tb, setup, nil, opts)
}

func start(tb testing.TB, setup func(*web.Server), seed func(*web.Server) error, opts []Option) *Env {
	tb.Helper()
	db := pgtest.MustOpen(tb)
	cfg := web.Defaults()
	cfg.SecretKey = "test-secret-key-0123456789abcdef"
	cfg.ProviderHosts = []string{"127.0.0.1", "localhost"}
	cfg.BaseDomain = "localhost"
	cfg.FastHashing = true
	cfg.SiteWorkers = 1 // see Config.SiteWorkers: the simulator races under concurrent tasks
	for _, o := range opts {
		o(&cfg)
	}
	var log *slog.Logger
	if os.Getenv("TESSERA_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	} else {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := web.NewServer(cfg, db, log)
	if err != nil {
		tb.Fatal(err)
	}
	if setup != nil {
		setup(srv)
	}
	if seed != nil {
		if err := seed(srv); err != nil {
			tb.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ListenAndServe(ctx, ln)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &Env{Server: srv, DB: db, URL: "http://127.0.0.1:" + port, Port: port}
}

// Client is an HTTP client with its own cookies that talks to the server
// under a chosen host name (the Host header), without following redirects.
type Client struct {
	tb   testing.TB
	env  *Env
	Host string // e.g. "acme.localhost"; "" means 127.0.0.1
	HTTP *http.Client
}

// Client returns a client for host ("" for the provider's host).
func (e *Env) Client(tb testing.TB, host string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{tb: tb, env: e, Host: host, HTTP: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Do sends a request. Browsers send Sec-Fetch-Site with form posts; Do sends
// same-origin so the CSRF check passes, unless it or Origin is set already.
func (c *Client) Do(req *http.Request) *http.Response {
	c.tb.Helper()
	if c.Host != "" {
		req.Host = c.Host + ":" + c.env.Port
	}
	if req.Header.Get("Sec-Fetch-Site") == "" && req.Header.Get("Origin") == "" && req.Method != http.MethodGet {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

// Get fetches path.
func (c *Client) Get(path string) *http.Response {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.env.URL+path, nil)
	return c.Do(req)
}

// PostForm posts a form to path.
func (c *Client) PostForm(path string, form url.Values) *http.Response {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.env.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Login logs in and fails the test unless it succeeds.
func (c *Client) Login(org, login, password string) {
	c.tb.Helper()
	resp := c.PostForm("/login", url.Values{"organisation": {org}, "login": {login}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		c.tb.Fatalf("log-in as %s/%s: status %d\n%s", org, login, resp.StatusCode, body)
	}
}

// Body reads a response body as a string.
func Body(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// Tenant returns the tenant with slug.
func (e *Env) Tenant(tb testing.TB, slug string) *domain.Tenant {
	tb.Helper()
	t, err := postgres.NewTenantService(e.DB).FindTenantBySlug(context.Background(), slug)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// User returns the user login of tenant slug ("" for the provider).
func (e *Env) User(tb testing.TB, slug, login string) *domain.User {
	tb.Helper()
	users := postgres.NewUserService(e.DB)
	u, err := users.FindProviderAdminByLogin(context.Background(), login)
	if slug != "" {
		u, err = users.FindUserByLogin(context.Background(), e.Tenant(tb, slug).ID, login)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// CreateUser adds a local user with password to tenant slug ("" for a
// provider admin, whose role is then domain.RoleProviderAdmin).
func (e *Env) CreateUser(tb testing.TB, slug, login string, role domain.Role, password string) *domain.User {
	tb.Helper()
	h, _ := passwd.Fast.Hash(password)
	tid := ""
	if slug != "" {
		tid = e.Tenant(tb, slug).ID
	} else {
		role = domain.RoleProviderAdmin
	}
	u := &domain.User{TenantID: tid, Login: login, Role: role, Source: domain.SourceLocal, PasswordHash: h}
	if err := postgres.NewUserService(e.DB).CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}
