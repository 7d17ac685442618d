package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web/webtest"
)

// who names a signed-in user for the route table: "" is anonymous.
type who struct{ org, login string }

var (
	anon     = who{}
	provider = who{"", "admin"}
	alice    = who{"acme", "alice"} // acme admin
	bob      = who{"acme", "bob"}   // acme member
	vera     = who{"acme", "vera"}  // acme viewer
)

func client(t *testing.T, env *webtest.Env, w who) *webtest.Client {
	t.Helper()
	c := env.Client(t, "")
	if w.login != "" {
		c.Login(w.org, w.login, "demo")
	}
	return c
}

// Every GET page answers each role as it should: anonymous visitors go to
// the log-in page, tenants never see the provider's area (404), the
// provider admin is sent to its own area, viewers can read, only tenant
// admins see users and the audit log.
func TestPageAccessByRole(t *testing.T) {
	env := newPeopleEnv(t)
	acme := env.Tenant(t, "acme")
	portal := []string{"/", "/machines", "/disks", "/networks", "/billing", "/settings", "/settings/tokens"}
	tenantAdmin := []string{"/audit", "/settings/users"}
	admin := []string{"/admin/tenants", "/admin/tenants/new", "/admin/tenants/" + acme.ID, "/admin/tenants/" + acme.ID + "/edit", "/admin/locations", "/admin/catalogue", "/admin/pricing", "/admin/audit", "/admin/placement"}

	clients := map[string]*webtest.Client{}
	for name, w := range map[string]who{"anon": anon, "provider": provider, "alice": alice, "bob": bob, "vera": vera} {
		clients[name] = client(t, env, w)
	}
	check := func(who, path string, want int, wantLocation string) {
		t.Helper()
		resp := clients[who].Get(path)
		if resp.StatusCode != want {
			t.Errorf("%s GET %s = %d, want %d", who, path, resp.StatusCode, want)
		}
		if wantLocation != "" && !strings.HasPrefix(resp.Header.Get("Location"), wantLocation) {
			t.Errorf("%s GET %s went to %q, want %q", who, path, resp.Header.Get("Location"), wantLocation)
		}
	}
	for _, p := range append(append(append([]string{}, portal...), tenantAdmin...), admin...) {
		check("anon", p, http.StatusSeeOther, "/login")
	}
	for _, p := range portal {
		for _, u := range []string{"alice", "bob", "vera"} {
			check(u, p, http.StatusOK, "")
		}
		if p != "/" {
			check("provider", p, http.StatusSeeOther, "/admin/tenants")
		}
	}
	for _, p := range tenantAdmin {
		check("alice", p, http.StatusOK, "")
		check("bob", p, http.StatusForbidden, "")
		check("vera", p, http.StatusForbidden, "")
	}
	for _, p := range admin {
		check("provider", p, http.StatusOK, "")
		for _, u := range []string{"alice", "bob", "vera"} {
			check(u, p, http.StatusNotFound, "")
		}
	}
	check("provider", "/admin/tenants/"+domain.NewID(), http.StatusNotFound, "")
	check("provider", "/admin/tenants/not-an-id", http.StatusNotFound, "")
	check("alice", "/no-such-page", http.StatusNotFound, "")
}

// Every state-changing admin route refuses tenants and anonymous callers
// and changes nothing.
func TestAdminPostsRefuseOthers(t *testing.T) {
	env := newPeopleEnv(t)
	globex := env.Tenant(t, "globex")
	dave := env.User(t, "globex", "dave")
	posts := map[string]url.Values{
		"/admin/tenants":                                                  {"name": {"Evil"}, "slug": {"evil"}},
		"/admin/tenants/" + globex.ID:                                     {"name": {"Renamed"}},
		"/admin/tenants/" + globex.ID + "/suspend":                        {},
		"/admin/tenants/" + globex.ID + "/resume":                         {},
		"/admin/tenants/" + globex.ID + "/users":                          {"login": {"mallory"}, "role": {"admin"}, "password": {"password123"}},
		"/admin/tenants/" + globex.ID + "/users/" + dave.ID:               {"role": {"admin"}},
		"/admin/tenants/" + globex.ID + "/users/" + dave.ID + "/password": {"password": {"password123"}},
	}
	for _, w := range []who{anon, alice, bob, vera} {
		c := client(t, env, w)
		for path, form := range posts {
			resp := c.PostForm(path, form)
			if w == anon && resp.StatusCode != http.StatusSeeOther || w != anon && resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s POST %s = %d", w.login, path, resp.StatusCode)
			}
		}
	}
	if got := env.Tenant(t, "globex"); got.Name != "Globex" || got.Status != domain.TenantActive {
		t.Fatalf("globex changed by others: %+v", got)
	}
	if got := env.User(t, "globex", "dave"); got.Role != domain.RoleMember {
		t.Fatalf("dave's role changed to %s", got.Role)
	}
	if _, err := postgres.NewTenantService(env.DB).FindTenantBySlug(context.Background(), "evil"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatal("a tenant was created by a non-admin")
	}
}

// A tenant admin manages its own users but gets 404 for another tenant's.
func TestTenantAdminUsersAcrossTenants(t *testing.T) {
	env := newPeopleEnv(t)
	c := client(t, env, alice)
	carol := env.User(t, "globex", "carol")
	bobUser := env.User(t, "acme", "bob")

	for path, form := range map[string]url.Values{
		"/settings/users/" + carol.ID:               {"disabled": {"true"}},
		"/settings/users/" + carol.ID + "/password": {"password": {"new-password-1"}},
	} {
		if resp := c.PostForm(path, form); resp.StatusCode != http.StatusNotFound {
			t.Errorf("alice POST %s = %d, want 404", path, resp.StatusCode)
		}
	}
	if got := env.User(t, "globex", "carol"); got.Disabled || got.PasswordHash != carol.PasswordHash {
		t.Fatal("alice changed carol of globex")
	}

	if resp := c.PostForm("/settings/users/"+bobUser.ID, url.Values{"role": {"viewer"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice demotes bob = %d", resp.StatusCode)
	}
	if got := env.User(t, "acme", "bob"); got.Role != domain.RoleViewer {
		t.Fatalf("bob's role = %s", got.Role)
	}
	// An admin cannot lock themselves out.
	aliceUser := env.User(t, "acme", "alice")
	if resp := c.PostForm("/settings/users/"+aliceUser.ID, url.Values{"disabled": {"true"}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("alice disables herself = %d, want 409", resp.StatusCode)
	}
	// Members cannot manage users.
	b := client(t, env, bob)
	if resp := b.PostForm("/settings/users", url.Values{"login": {"x1"}, "role": {"admin"}, "password": {"password123"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bob adds a user = %d, want 403", resp.StatusCode)
	}
}

// Bad form input comes back at the field, with what was typed, and writes nothing.
func TestFormErrorsAtTheField(t *testing.T) {
	env := newPeopleEnv(t)
	c := client(t, env, provider)
	resp := c.PostForm("/admin/tenants", url.Values{"name": {"Bad Slug Inc"}, "slug": {"Bad Slug!"}, "contact_email": {"not-an-email"}})
	body := webtest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	for _, want := range []string{`data-testid="error-slug"`, `data-testid="error-contact_email"`, `value="Bad Slug Inc"`, "lower-case letters, digits and hyphens"} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	resp = c.PostForm("/admin/tenants", url.Values{"name": {"Acme again"}, "slug": {"acme"}})
	if body := webtest.Body(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "This slug is taken") {
		t.Fatalf("duplicate slug: %d", resp.StatusCode)
	}
	acme := env.Tenant(t, "acme")
	resp = c.PostForm("/admin/tenants/"+acme.ID+"/users", url.Values{"login": {"has space"}, "role": {"root"}, "password": {"short"}})
	body = webtest.Body(t, resp)
	for _, want := range []string{`data-testid="error-login"`, `data-testid="error-role"`, `data-testid="error-password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("user form lacks %q", want)
		}
	}
	users, _, _ := postgres.NewUserService(env.DB).FindUsers(context.Background(), domain.UserFilter{TenantID: acme.ID})
	if len(users) != 3 {
		t.Fatalf("acme has %d users after refused creates, want 3", len(users))
	}
	ts, _, _ := postgres.NewTenantService(env.DB).FindTenants(context.Background(), domain.TenantFilter{})
	if len(ts) != 2 {
		t.Fatalf("%d tenants after refused creates, want 2", len(ts))
	}
}

// A form post from another site is refused (CSRF) and changes nothing.
func TestCrossSitePostsAreRefused(t *testing.T) {
	env := newPeopleEnv(t)
	c := client(t, env, provider)
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/admin/tenants", strings.NewReader(url.Values{"name": {"Evil"}, "slug": {"evil"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp := c.Do(req)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post with %v = %d, want 403", hdr, resp.StatusCode)
		}
	}
	if _, err := postgres.NewTenantService(env.DB).FindTenantBySlug(context.Background(), "evil"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatal("cross-site post created a tenant")
	}
	// Log-out is a state change too.
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp := c.Do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site log-out = %d", resp.StatusCode)
	}
	if resp := c.Get("/admin/tenants"); resp.StatusCode != http.StatusOK {
		t.Fatal("cross-site log-out ended the session")
	}
}
