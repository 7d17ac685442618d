package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/adapters/ldap/slapdtest"
	"tessera/web/webtest"
)

// directoryForm is a complete directory settings form for the test slapd.
func directoryForm(s *slapdtest.Server) url.Values {
	return url.Values{
		"enabled": {"on"}, "name": {"Example directory"}, "urls": {s.URL}, "start_tls": {"on"}, "ca_pem": {s.CAPEM},
		"bind_dn": {slapdtest.ServiceDN}, "bind_password": {slapdtest.ServicePassword},
		"user_base": {slapdtest.PeopleDN}, "user_filter": {"(&(objectClass=inetOrgPerson)(uid={username}))"},
		"login_attr": {"uid"}, "name_attr": {"cn"}, "mail_attr": {"mail"}, "group_mode": {"memberOf"},
		"group_dn":          {slapdtest.OpsGroup, slapdtest.DevGroup, ""},
		"group_role":        {"admin", "member", "member"},
		"allow_local_login": {"on"}, "action": {"save"},
	}
}

// A tenant admin configures the directory over HTTP: wrong input gets
// field-level errors, the bind password is never shown again, Test connection
// reports each step, and directory users then log in with the role of their
// groups, at acme only.
func TestDirectorySettingsHTTP(t *testing.T) {
	s := slapdtest.MustStart(t)
	env := newPeopleEnv(t)
	admin := env.Client(t, "acme.localhost")
	admin.Login("", "alice", "demo")

	page := webtest.Body(t, admin.Get("/settings/directory"))
	if !strings.Contains(page, "(uid={username})") {
		t.Fatalf("new directory form lacks the OpenLDAP preset")
	}
	// The Active Directory preset fills the filter and attributes, saving nothing.
	pre := directoryForm(s)
	pre.Set("action", "preset")
	pre.Set("preset", "ad-sam")
	if body := webtest.Body(t, admin.PostForm("/settings/directory", pre)); !strings.Contains(body, "(sAMAccountName={username})") || !strings.Contains(body, `value="displayName"`) {
		t.Fatal("the AD preset did not fill the filter and attributes")
	}
	bad := directoryForm(s)
	bad.Set("urls", "http://ldap.example.com")
	bad.Set("user_filter", "(uid=alice)")
	bad["group_role"] = []string{"root", "member", "member"}
	resp := admin.PostForm("/settings/directory", bad)
	body := webtest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: status %d", resp.StatusCode)
	}
	for _, f := range []string{"error-urls", "error-user_filter", "error-group_roles.0"} {
		if !strings.Contains(body, `data-testid="`+f+`"`) {
			t.Errorf("bad form: no %s", f)
		}
	}
	if strings.Contains(body, slapdtest.ServicePassword) {
		t.Fatal("the refused form renders the bind password back")
	}

	resp = admin.PostForm("/settings/directory", directoryForm(s))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", resp.StatusCode, webtest.Body(t, resp))
	}
	page = webtest.Body(t, admin.Get("/settings/directory"))
	if strings.Contains(page, slapdtest.ServicePassword) || !strings.Contains(page, "leave empty to keep") {
		t.Fatal("settings page renders the bind password, or does not say it is set")
	}

	// Test connection with an empty password field uses the stored one.
	form := directoryForm(s)
	form.Del("bind_password")
	form.Set("test_user", "ben")
	body = webtest.Body(t, admin.PostForm("/settings/directory/test", form))
	if !strings.Contains(body, "All checks passed") || !strings.Contains(body, "role Member") {
		t.Fatalf("test connection: %s", body)
	}
	form.Set("test_user", "nora")
	if body = webtest.Body(t, admin.PostForm("/settings/directory/test", form)); !strings.Contains(body, "in no mapped group") {
		t.Fatalf("test connection for nora does not say she is in no mapped group")
	}

	// The log-in page names the directory; ben logs in as a member.
	if body := webtest.Body(t, env.Client(t, "acme.localhost").Get("/login")); !strings.Contains(body, "Use your Example directory account") {
		t.Fatalf("log-in page does not name the directory")
	}
	ben := env.Client(t, "acme.localhost")
	ben.Login("", "ben", "ben-pass")
	if u := env.User(t, "acme", "ben"); u.Role != "member" || u.Source != "directory" {
		t.Fatalf("ben: %+v", u)
	}
	// On the provider's host, typing the organisation works too.
	env.Client(t, "").Login("acme", "ada", "ada-pass")
	// ben is a member: the directory settings are for admins only.
	if resp := ben.Get("/settings/directory"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("member reads directory settings: %d", resp.StatusCode)
	}
	// acme's directory does not log anyone in at globex.
	resp = env.Client(t, "globex.localhost").PostForm("/login", url.Values{"login": {"ben"}, "password": {"ben-pass"}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("acme's directory user logged in at globex")
	}

	// The provider admin sees acme's settings (without the password) and globex's empty form.
	prov := env.Client(t, "")
	prov.Login("", "admin", "demo")
	page = webtest.Body(t, prov.Get("/admin/tenants/"+env.Tenant(t, "acme").ID+"/directory"))
	if !strings.Contains(page, slapdtest.ServiceDN) || strings.Contains(page, slapdtest.ServicePassword) {
		t.Fatal("provider's view of acme's directory is wrong")
	}
	if resp := prov.Get("/admin/tenants/" + env.Tenant(t, "globex").ID + "/directory"); resp.StatusCode != http.StatusOK {
		t.Fatalf("provider's view of globex's directory: %d", resp.StatusCode)
	}
	// A tenant admin cannot reach the provider's pages for another tenant.
	if resp := admin.Get("/admin/tenants/" + env.Tenant(t, "globex").ID + "/directory"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("tenant admin reaches provider directory page: %d", resp.StatusCode)
	}
}

// Browser: the tenant admin configures the directory in Settings, presses
// "Test connection", saves; a directory user logs in and sees the role their
// group gives.
func TestBrowserDirectoryLogin(t *testing.T) {
	s := slapdtest.MustStart(t)
	env := newPeopleEnv(t)
	ctx := webtest.Browser(t, 90*time.Second)
	acme := env.HostURL("acme.localhost")

	webtest.BrowserLogin(t, ctx, acme, "", "alice", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(acme+"/settings"))
	webtest.Submit(t, ctx, `[data-testid="settings-directory"]`)
	webtest.Do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#f-urls"), s.URL),
		chromedp.SetValue(chromedp.CSS("#f-ca_pem"), s.CAPEM),
		chromedp.SendKeys(chromedp.CSS("#f-bind_dn"), slapdtest.ServiceDN),
		chromedp.SendKeys(chromedp.CSS("#f-bind_password"), slapdtest.ServicePassword),
		chromedp.SendKeys(chromedp.CSS("#f-user_base"), slapdtest.PeopleDN),
		chromedp.SendKeys(chromedp.CSS("#f-group_dn-0"), slapdtest.OpsGroup),
		chromedp.SetValue(chromedp.CSS("#f-group_role-0"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#f-group_dn-1"), slapdtest.StaffGroup),
		chromedp.SetValue(chromedp.CSS("#f-group_role-1"), "viewer"),
		chromedp.SendKeys(chromedp.CSS("#f-test_user"), "val"),
		chromedp.Click(chromedp.CSS(`[data-testid="test-connection"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="test-summary"]`)),
	)
	if got := webtest.Text(t, ctx, `[data-testid="test-summary"]`); got != "All checks passed." {
		t.Fatalf("test summary = %q; steps: %s", got, webtest.Text(t, ctx, `[data-testid="test-results"]`))
	}
	if got := webtest.Text(t, ctx, `[data-testid="test-results"]`); !strings.Contains(got, "role Viewer") {
		t.Fatalf("test results = %q", got)
	}
	// Test connection kept what was typed, except that the password field is
	// never filled back in: type it again and save.
	webtest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-bind_password"), slapdtest.ServicePassword))
	webtest.Submit(t, ctx, `[data-testid="directory-save"]`)
	if got := webtest.Text(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "Directory settings saved") {
		t.Fatalf("flash after save = %q", got)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, slapdtest.ServicePassword) {
		t.Fatal("the settings page renders the bind password")
	}
	webtest.Submit(t, ctx, `[data-testid="logout"]`)

	webtest.Do(t, ctx, chromedp.Navigate(acme+"/login"))
	if got := webtest.Text(t, ctx, `[data-testid="sso-note"]`); got != "Use your Acme Corporation directory account." {
		t.Fatalf("log-in page note = %q", got)
	}
	webtest.BrowserLogin(t, ctx, acme, "", "val", "val-pass")
	if got := webtest.Text(t, ctx, `[data-testid="user-role"]`); got != "Viewer" {
		t.Fatalf("val's role in the top bar = %q", got)
	}
}

// A directory user's session follows the directory: a lowered role applies
// on the next request, and someone taken out of every mapped group is signed
// out without waiting for the session to expire.
func TestDirectorySessionFollowsDirectory(t *testing.T) {
	s := slapdtest.MustStart(t)
	env := newPeopleEnv(t)
	env.Server.App.DirectoryRecheck = time.Nanosecond
	admin := env.Client(t, "acme.localhost")
	admin.Login("", "alice", "demo")
	if resp := admin.PostForm("/settings/directory", directoryForm(s)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	ben := env.Client(t, "acme.localhost")
	ben.Login("", "ben", "ben-pass")
	role := func() string {
		resp := ben.Get("/")
		if resp.StatusCode != http.StatusOK {
			return resp.Header.Get("Location")
		}
		body := webtest.Body(t, resp)
		i := strings.Index(body, `data-testid="user-role"`)
		if i < 0 {
			t.Fatal("no role in the top bar")
		}
		rest := body[i:]
		return rest[strings.Index(rest, ">")+1 : strings.Index(rest, "<")]
	}
	if got := role(); got != "Member" {
		t.Fatalf("ben's role = %q", got)
	}
	// Out of dev (member): only staff remains, which maps to nothing in
	// directoryForm, so add a viewer mapping for staff first.
	form := directoryForm(s)
	form.Del("bind_password")
	form["group_dn"] = []string{slapdtest.OpsGroup, slapdtest.DevGroup, slapdtest.StaffGroup}
	form["group_role"] = []string{"admin", "member", "viewer"}
	if resp := admin.PostForm("/settings/directory", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	if err := s.Modify("dn: " + slapdtest.DevGroup + "\nchangetype: modify\ndelete: member\nmember: " + slapdtest.UserDN("ben") + "\n"); err != nil {
		t.Fatal(err)
	}
	if got := role(); got != "Viewer" {
		t.Fatalf("ben's role after leaving dev = %q", got)
	}
	if err := s.Modify("dn: " + slapdtest.StaffGroup + "\nchangetype: modify\ndelete: member\nmember: " + slapdtest.UserDN("ben") + "\n"); err != nil {
		t.Fatal(err)
	}
	if got := role(); got != "/login" {
		t.Fatalf("ben out of every mapped group: %q, want a redirect to /login", got)
	}
}
