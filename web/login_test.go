package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web/webtest"
)

func sessionCookie(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "tessera_session" {
			return c.Value
		}
	}
	return ""
}

func TestLoginWrongNameOrPasswordSaysTheSame(t *testing.T) {
	env := newPeopleEnv(t)
	c := env.Client(t, "acme.localhost")
	var bodies []string
	for _, form := range []url.Values{
		{"login": {"alice"}, "password": {"wrong"}},
		{"login": {"nobody"}, "password": {"demo"}},
		{"login": {"alice"}, "password": {""}},
	} {
		resp := c.PostForm("/login", form)
		body := webtest.Body(t, resp)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%v: status %d", form, resp.StatusCode)
		}
		i := strings.Index(body, `data-testid="form-error">`)
		if i < 0 {
			t.Fatalf("%v: no error shown", form)
		}
		bodies = append(bodies, body[i:i+80])
		if !strings.Contains(body, `value="`+form.Get("login")+`"`) {
			t.Errorf("%v: the typed user name is not kept", form)
		}
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Fatalf("messages differ:\n%s\n%s\n%s", bodies[0], bodies[1], bodies[2])
	}
}

func TestLoginRenewsSessionAndSetsSafeCookie(t *testing.T) {
	env := newPeopleEnv(t)
	c := env.Client(t, "")
	before := sessionCookie(c.Get("/login"))
	resp := c.PostForm("/login", url.Values{"login": {"admin"}, "password": {"demo"}})
	after := sessionCookie(resp)
	if after == "" || after == before {
		t.Fatalf("session token not renewed at log-in: before %q after %q", before, after)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "tessera_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Fatalf("cookie flags: HttpOnly=%v SameSite=%v", ck.HttpOnly, ck.SameSite)
		}
	}
	// The old token is worth nothing.
	stale := env.Client(t, "")
	u, _ := url.Parse(env.URL)
	stale.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "tessera_session", Value: before}})
	if resp := stale.Get("/admin/tenants"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pre-log-in token opens the admin area: %d", resp.StatusCode)
	}
}

func TestLoginRateLimitedPerAccount(t *testing.T) {
	env := newPeopleEnv(t)
	c := env.Client(t, "acme.localhost")
	for i := 0; i < domain.DefaultLoginLimits.PerAccount; i++ {
		c.PostForm("/login", url.Values{"login": {"bob"}, "password": {"guess"}})
	}
	// Now even the right password is refused, with a message that says why.
	resp := c.PostForm("/login", url.Values{"login": {"bob"}, "password": {"demo"}})
	if body := webtest.Body(t, resp); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed log-ins") {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Other accounts are not locked by bob's guesser.
	env.Client(t, "acme.localhost").Login("", "alice", "demo")
}

func TestLoginRateLimitedPerAddress(t *testing.T) {
	env := newPeopleEnv(t)
	c := env.Client(t, "")
	// Spread guesses over many names so no single account hits its limit.
	for i := 0; i < domain.DefaultLoginLimits.PerAddress; i++ {
		c.PostForm("/login", url.Values{"organisation": {"acme"}, "login": {"user" + string(rune('a'+i%26)) + string(rune('a'+i/26))}, "password": {"guess"}})
	}
	resp := c.PostForm("/login", url.Values{"organisation": {"acme"}, "login": {"alice"}, "password": {"demo"}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status after %d failures from one address = %d", domain.DefaultLoginLimits.PerAddress, resp.StatusCode)
	}
}

// Suspending a tenant or disabling a user ends their sessions at once.
func TestSuspendAndDisableEndSessions(t *testing.T) {
	env := newPeopleEnv(t)
	ctx := context.Background()
	bob := env.Client(t, "acme.localhost")
	bob.Login("", "bob", "demo")
	carol := env.Client(t, "globex.localhost")
	carol.Login("", "carol", "demo")
	for _, c := range []*webtest.Client{bob, carol} {
		if resp := c.Get("/machines"); resp.StatusCode != http.StatusOK {
			t.Fatalf("before: %d", resp.StatusCode)
		}
	}
	st := domain.TenantSuspended
	if _, err := postgres.NewTenantService(env.DB).UpdateTenant(ctx, env.Tenant(t, "acme").ID, domain.TenantUpdate{Status: &st}); err != nil {
		t.Fatal(err)
	}
	if resp := bob.Get("/machines"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspended tenant's session still works: %d", resp.StatusCode)
	}
	dis := true
	cu := env.User(t, "globex", "carol")
	if _, err := postgres.NewUserService(env.DB).UpdateUser(ctx, cu.TenantID, cu.ID, domain.UserUpdate{Disabled: &dis}); err != nil {
		t.Fatal(err)
	}
	if resp := carol.Get("/machines"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabled user's session still works: %d", resp.StatusCode)
	}
	resp := env.Client(t, "globex.localhost").PostForm("/login", url.Values{"login": {"carol"}, "password": {"demo"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user logs in: %d", resp.StatusCode)
	}
}

// A tenant's host only logs in that tenant's users, and a session made on
// one tenant's host is not valid on another's.
func TestTenantHostsAreSeparate(t *testing.T) {
	env := newPeopleEnv(t)
	resp := env.Client(t, "globex.localhost").PostForm("/login", url.Values{"login": {"alice"}, "password": {"demo"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("acme's alice logs in on globex's host: %d", resp.StatusCode)
	}
	resp = env.Client(t, "acme.localhost").PostForm("/login", url.Values{"login": {"admin"}, "password": {"demo"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("provider admin logs in on a tenant's host: %d", resp.StatusCode)
	}
	// Unknown organisations fail like wrong passwords.
	resp = env.Client(t, "").PostForm("/login", url.Values{"organisation": {"nosuch"}, "login": {"alice"}, "password": {"demo"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown organisation: %d", resp.StatusCode)
	}
	// Unknown host names get a 404, never some tenant's portal.
	if resp := env.Client(t, "nosuch.localhost").Get("/login"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown tenant host: %d", resp.StatusCode)
	}
	if resp := env.Client(t, "evil.example").Get("/login"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("foreign host: %d", resp.StatusCode)
	}
	// Alice's session cookie, replayed on globex's host, signs nobody in.
	a := env.Client(t, "acme.localhost")
	a.Login("", "alice", "demo")
	u, _ := url.Parse(env.URL)
	token := ""
	for _, ck := range a.HTTP.Jar.Cookies(u) {
		if ck.Name == "tessera_session" {
			token = ck.Value
		}
	}
	g := env.Client(t, "globex.localhost")
	g.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "tessera_session", Value: token}})
	if resp := g.Get("/machines"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("acme session on globex host: %d", resp.StatusCode)
	}
}

func TestLoginNextIsLocalOnly(t *testing.T) {
	env := newPeopleEnv(t)
	for next, want := range map[string]string{
		"/settings":            "/settings",
		"//evil.example/x":     "/",
		"https://evil.example": "/",
		"/\\evil.example":      "/",
	} {
		c := env.Client(t, "acme.localhost")
		resp := c.PostForm("/login", url.Values{"login": {"alice"}, "password": {"demo"}, "next": {next}})
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next=%q redirected to %q, want %q", next, got, want)
		}
	}
}

func TestLogoutEndsSession(t *testing.T) {
	env := newPeopleEnv(t)
	c := env.Client(t, "acme.localhost")
	c.Login("", "alice", "demo")
	if resp := c.PostForm("/logout", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := c.Get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout: %d", resp.StatusCode)
	}
	ev, _, _ := postgres.NewAuditService(env.DB).FindAuditEvents(context.Background(), domain.AuditFilter{TenantID: env.Tenant(t, "acme").ID})
	var actions []string
	for _, e := range ev {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "logout,login" {
		t.Fatalf("audit = %v", actions)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	env := newPeopleEnv(t)
	c := env.Client(t, "")
	if resp := c.Get("/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	if resp := c.Get("/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz %d", resp.StatusCode)
	}
	webtest.Body(t, c.Get("/login"))
	// The counter is incremented after the response is written, so the
	// client may ask for /metrics a moment before it moves.
	var body string
	for i := 0; i < 50; i++ {
		body = webtest.Body(t, c.Get("/metrics"))
		if strings.Contains(body, `route="/login"`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, `tessera_http_requests_total{code="200",method="GET",route="/login"}`) || !strings.Contains(body, "tessera_http_request_duration_seconds_bucket") {
		t.Fatalf("metrics lack request counts by route:\n%.2000s", body)
	}
	resp := c.Get("/login")
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q", h, got)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
	// Static files are content-addressed and cached for long.
	page := webtest.Body(t, c.Get("/login"))
	i := strings.Index(page, "/static/app.")
	j := strings.Index(page[i:], `"`)
	sresp := c.Get(page[i : i+j])
	if sresp.StatusCode != http.StatusOK || !strings.Contains(sresp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("static %s: %d %q", page[i:i+j], sresp.StatusCode, sresp.Header.Get("Cache-Control"))
	}
}
