package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/connect/connecttest"
	"tessera/web/webtest"
)

// The provider admin adds a geo-location, registers a connect site with the
// token the site issued, sees its health and capacity, and disables it.
func TestBrowserRegisterSite(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{Name: "Berlin 1", NoStart: true})
	token, _ := site.Token(t, "manage-browser")
	env := webtest.New(t)
	ctx := webtest.Browser(t, 90*time.Second)

	webtest.BrowserLogin(t, ctx, env.URL, "", "admin", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(env.URL+"/admin/locations"))
	if got := webtest.Text(t, ctx, `[data-testid="empty"]`); !strings.Contains(got, "No locations yet") {
		t.Fatalf("empty state = %q", got)
	}
	webtest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="location-form"] #f-name`), "Berlin"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="location-form"] #f-country_code`), "de"))
	webtest.Submit(t, ctx, `[data-testid="location-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "Berlin (DE) added") {
		t.Fatalf("flash = %q", got)
	}

	webtest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="site-form"] #f-name`), "Berlin 1"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="site-form"] #f-api_url`), site.Server.URL),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="site-form"] #f-credential`), token))
	webtest.Submit(t, ctx, `[data-testid="site-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="site-facts"]`); !strings.Contains(got, "Healthy") || !strings.Contains(got, "Accepting") {
		t.Fatalf("site facts = %q", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="site-templates"]`); got != "ubuntu-24.04" {
		t.Errorf("templates = %q", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="site-capacity"]`); !strings.Contains(got, "Hosts\n2") || !strings.Contains(got, "on 32 cores") || !strings.Contains(got, "free of 128.0 GiB") || !strings.Contains(got, "DC0_DVPG0") {
		t.Errorf("capacity = %q", got)
	}

	webtest.Submit(t, ctx, `[data-testid="disable-site"]`)
	if got := webtest.Text(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "disabled") {
		t.Errorf("flash after disable = %q", got)
	}
	webtest.Do(t, ctx, chromedp.Navigate(env.URL+"/admin/locations"))
	if got := webtest.Text(t, ctx, `[data-testid="site-Berlin 1"]`); !strings.Contains(got, "Disabled") || !strings.Contains(got, "Healthy") {
		t.Errorf("site row = %q", got)
	}
}
