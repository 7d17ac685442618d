package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/web/webtest"
)

// The provider admin creates a tenant and its first user; that user logs in,
// sees the portal and logs out; a wrong password shows the error; after the
// tenant is suspended its user cannot log in.
func TestBrowserTenantLifecycle(t *testing.T) {
	env := webtest.New(t)
	ctx := webtest.Browser(t, 90*time.Second)

	webtest.BrowserLogin(t, ctx, env.URL, "", "admin", "demo")
	if got := webtest.Location(t, ctx); !strings.HasSuffix(got, "/admin/tenants") {
		t.Fatalf("after admin log-in at %s, want /admin/tenants", got)
	}
	webtest.Do(t, ctx, chromedp.Navigate(env.URL+"/admin/tenants/new"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Initech"),
		chromedp.SendKeys(chromedp.CSS("#f-slug"), "initech"),
		chromedp.SendKeys(chromedp.CSS("#f-contact_email"), "it@initech.example"))
	webtest.Submit(t, ctx, `[data-testid="tenant-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "Initech created") {
		t.Fatalf("flash after create = %q", got)
	}
	webtest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="user-form"] #f-login`), "peter"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="user-form"] #f-display_name`), "Peter Gibbons"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="user-form"] #f-password`), "tps-report-1"))
	webtest.Submit(t, ctx, `[data-testid="user-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="user-peter"]`); !strings.Contains(got, "Peter Gibbons") {
		t.Fatalf("user row = %q", got)
	}
	tenantURL := webtest.Location(t, ctx)
	webtest.Submit(t, ctx, `[data-testid="logout"]`)

	// A wrong password: one message that does not say which part was wrong.
	webtest.BrowserLogin(t, ctx, env.HostURL("initech.localhost"), "", "peter", "wrong-password")
	if got := webtest.Text(t, ctx, `[data-testid="form-error"]`); got != "The user name or password is not correct." {
		t.Fatalf("wrong-password message = %q", got)
	}

	// The right password on the tenant's own host: the portal.
	webtest.BrowserLogin(t, ctx, env.HostURL("initech.localhost"), "", "peter", "tps-report-1")
	if got := webtest.Text(t, ctx, `[data-testid="tenant-name"]`); got != "Initech" {
		t.Fatalf("tenant name in top bar = %q", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="user-role"]`); got != "Admin" {
		t.Fatalf("role in top bar = %q", got)
	}
	for _, nav := range []string{"Dashboard", "Machines", "Disks", "Networks", "Usage & billing", "Settings"} {
		if !strings.Contains(webtest.Text(t, ctx, "nav.sidenav"), nav) {
			t.Errorf("navigation lacks %q", nav)
		}
	}
	webtest.Submit(t, ctx, `[data-testid="logout"]`)
	if got := webtest.Location(t, ctx); !strings.HasSuffix(got, "/login") {
		t.Fatalf("after log-out at %s", got)
	}

	// The provider suspends the tenant; its user can no longer log in.
	webtest.BrowserLogin(t, ctx, env.URL, "", "admin", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(tenantURL))
	webtest.Submit(t, ctx, `[data-testid="suspend-tenant"]`)
	if got := webtest.Text(t, ctx, `[data-testid="status"]`); got != "Suspended" {
		t.Fatalf("status after suspend = %q", got)
	}
	webtest.Submit(t, ctx, `[data-testid="logout"]`)
	webtest.BrowserLogin(t, ctx, env.HostURL("initech.localhost"), "", "peter", "tps-report-1")
	if got := webtest.Text(t, ctx, `[data-testid="form-error"]`); got != "The user name or password is not correct." {
		t.Fatalf("suspended tenant's user: message = %q", got)
	}
}
