package web_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/domain"
	"tessera/web/webtest"
)

// reloadUntil reloads the page until the element's text contains want.
func reloadUntil(t *testing.T, ctx context.Context, css, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := webtest.Text(t, ctx, css)
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s shows %q, want %q", css, got, want)
		}
		time.Sleep(200 * time.Millisecond)
		webtest.Do(t, ctx, chromedp.Reload())
	}
}

// A tenant admin creates a network, a firewall rule, a disk and a public
// address in the browser and sees them with their state and prices.
func TestBrowserDisksAndNetworks(t *testing.T) {
	env := startDemo(t)
	locs, _ := env.Server.Locations.FindLocations(context.Background())
	for _, l := range locs {
		if l.Name != "Berlin" {
			continue
		}
		if err := env.Server.App.Storage.Addresses.CreatePool(context.Background(), &domain.PublicPool{LocationID: l.ID, CIDR: "203.0.113.0/25"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := webtest.Browser(t, 90*time.Second)
	base := env.HostURL("acme.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "alice", "demo")

	webtest.Do(t, ctx, chromedp.Navigate(base+"/networks"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="network-form"] #f-name`), "backend"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="network-form"] #f-cidr`), "10.8.0.0/24"))
	webtest.Submit(t, ctx, `[data-testid="network-submit"]`)
	reloadUntil(t, ctx, `[data-testid="network-summary"]`, "ready")
	webtest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="rule-form"] #f-port_from`), "22"))
	webtest.Submit(t, ctx, `[data-testid="rule-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="rules"]`); !strings.Contains(got, "tcp 22") || !strings.Contains(got, "0.0.0.0/0") {
		t.Errorf("rules = %q", got)
	}
	shot(t, ctx, "network-page")

	webtest.Do(t, ctx, chromedp.Navigate(base+"/disks"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="disk-form"] #f-name`), "data"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="disk-form"] #f-size_gib`), "100"))
	webtest.Submit(t, ctx, `[data-testid="disk-submit"]`)
	row := reloadUntil(t, ctx, `[data-testid="disk-data"]`, "available")
	if !strings.Contains(row, "100 GiB") || !strings.Contains(webtest.Text(t, ctx, `[data-testid="disk-data"] [data-testid="disk-price"]`), ".") {
		t.Errorf("disk row = %q", row)
	}
	if got := webtest.Text(t, ctx, `[data-testid="class-prices"]`); !strings.Contains(got, "per GiB-month") {
		t.Errorf("class prices = %q", got)
	}
	shot(t, ctx, "disks-page")

	webtest.Do(t, ctx, chromedp.Navigate(base+"/networks"))
	webtest.Submit(t, ctx, `[data-testid="address-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="addresses"]`); !strings.Contains(got, "203.0.113.") || !strings.Contains(got, "allocated") {
		t.Errorf("addresses = %q", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="networks"]`); !strings.Contains(got, "backend") || !strings.Contains(got, "10.8.0.0/24") {
		t.Errorf("networks = %q", got)
	}
	shot(t, ctx, "networks-page")
}

// shot saves a full-page screenshot when TESSERA_SCREENSHOTS names a folder.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("TESSERA_SCREENSHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(dir+"/"+name+".png", b, 0o644)
}
