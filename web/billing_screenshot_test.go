package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/web/webtest"
)

// TestScreenshotsBilling writes docs/screenshots/billing.png and
// pricing.png when TESSERA_SCREENSHOTS is set (not part of the normal run).
func TestScreenshotsBilling(t *testing.T) {
	if os.Getenv("TESSERA_SCREENSHOTS") == "" {
		t.Skip("set TESSERA_SCREENSHOTS=1 to refresh docs/screenshots")
	}
	env := webtest.New(t)
	ctx := webtest.Browser(t, 60*time.Second)
	shot := func(name string) {
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.MkdirAll(filepath.Join("..", "docs", "screenshots"), 0o755)
	webtest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))
	webtest.BrowserLogin(t, ctx, env.HostURL("acme.localhost"), "", "alice", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(env.HostURL("acme.localhost")+"/billing"))
	shot("billing.png")
	webtest.Submit(t, ctx, `[data-testid="invoices"] tbody tr:first-child td a`)
	shot("invoice.png")
	webtest.Submit(t, ctx, `[data-testid="logout"]`)
	webtest.BrowserLogin(t, ctx, env.URL, "", "admin", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(env.URL+"/admin/pricing"))
	shot("pricing.png")
	webtest.Submit(t, ctx, `[data-testid="card-Standard"] a`)
	webtest.Do(t, ctx,
		chromedp.Clear(chromedp.CSS(`[data-testid="version-form"] #f-vcpu_hour`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="version-form"] #f-vcpu_hour`), "0.014"))
	webtest.Submit(t, ctx, `[data-testid="version-preview"]`)
	shot("ratecard-preview.png")
}
