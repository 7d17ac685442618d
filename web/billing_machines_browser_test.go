package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/web/webtest"
)

// The provider raises the vCPU price from now on; a tenant's create-machine
// form shows the new live price.
func TestBrowserPriceChangeShowsOnCreateForm(t *testing.T) {
	e := newMachinesEnv(t)
	ctx := webtest.Browser(t, 120*time.Second)

	webtest.BrowserLogin(t, ctx, e.URL, "", "admin", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(e.URL+"/admin/pricing"))
	webtest.Submit(t, ctx, `[data-testid="card-Standard"] a`)
	webtest.Do(t, ctx,
		chromedp.Clear(chromedp.CSS(`[data-testid="version-form"] #f-vcpu_hour`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="version-form"] #f-vcpu_hour`), "0.024"))
	webtest.Submit(t, ctx, `[data-testid="version-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "New prices for Standard") {
		t.Fatalf("flash = %q", got)
	}
	webtest.Submit(t, ctx, `[data-testid="logout"]`)

	base := e.HostURL("acme.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "bob", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(base+"/machines/new"))
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="flavor-s-2vcpu-2gb"] + label`), chromedp.NodeVisible))
	// 2 × 0.024 + 2 × 0.006 + 20 × 0.219 ÷ 730 = 0.0660 EUR/h (0.0420 before).
	waitText(t, ctx, `[data-testid="price-hourly"]`, "0.0660 EUR/h", 10*time.Second)
}
