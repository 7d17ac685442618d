package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/domain"
	"tessera/web/webtest"
)

// TestBrowserMachineOnNetwork is the whole networked-machine flow in the browser: create
// a network and a disk, create a machine on that network from the create
// form, attach the disk, allocate and attach a public address, and see all
// of it on the machine page with prices.
func TestBrowserMachineOnNetwork(t *testing.T) {
	e := newMachinesEnv(t)
	if err := e.Server.App.Storage.Addresses.CreatePool(context.Background(), &domain.PublicPool{LocationID: e.locs[0].ID, CIDR: "203.0.113.0/29"}); err != nil {
		t.Fatal(err)
	}
	ctx := webtest.Browser(t, 120*time.Second)
	base := e.HostURL("acme.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "alice", "demo")

	webtest.Do(t, ctx, chromedp.Navigate(base+"/networks"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="network-form"] #f-name`), "backend"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="network-form"] #f-location`), e.locs[0].ID),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="network-form"] #f-cidr`), "10.8.0.0/24"))
	webtest.Submit(t, ctx, `[data-testid="network-submit"]`)

	webtest.Do(t, ctx, chromedp.Navigate(base+"/disks"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="disk-form"] #f-name`), "data"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="disk-form"] #f-location`), e.locs[0].ID),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="disk-form"] #f-size_gib`), "50"))
	webtest.Submit(t, ctx, `[data-testid="disk-submit"]`)
	reloadUntil(t, ctx, `[data-testid="disk-data"]`, "available")

	webtest.Do(t, ctx, chromedp.Navigate(base+"/machines/new"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "app-1"),
		chromedp.Click(chromedp.CSS(`[data-testid="location-Berlin"] + label`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`[data-testid="network-backend"]`), chromedp.NodeVisible))
	if got := webtest.Text(t, ctx, `[data-testid="network-choices"]`); !strings.Contains(got, "Leave all empty for the default network") {
		t.Errorf("network choices = %q", got)
	}
	shot(t, ctx, "machine-create-networks")
	webtest.Submit(t, ctx, `[data-testid="machine-submit"]`)
	waitText(t, ctx, `#machine-live [data-testid="status"]`, "Running", 30*time.Second)
	if got := webtest.Text(t, ctx, `[data-testid="machine-interfaces"]`); !strings.Contains(got, "backend") || !strings.Contains(got, "10.8.0.2/24") || !strings.Contains(got, "10.8.0.1") {
		t.Errorf("interfaces = %q", got)
	}
	waitText(t, ctx, `[data-testid="addresses"]`, "10.8.0.2", 10*time.Second)
	shot(t, ctx, "machine-interfaces")

	// The network's page lists the machine with its address, linking back.
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="machine-interfaces"] a[href^="/networks/"]`), chromedp.NodeVisible))
	if got := webtest.Text(t, ctx, `[data-testid="network-machines"]`); !strings.Contains(got, "app-1") || !strings.Contains(got, "10.8.0.2/24") {
		t.Errorf("network page machines = %q", got)
	}
	shot(t, ctx, "network-machines")
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="network-machine-app-1"] a`), chromedp.NodeVisible))
	waitText(t, ctx, `[data-testid="machine-interfaces"]`, "10.8.0.2/24", 10*time.Second)
	// The storage section follows the machine: its attach form appears
	// once the machine runs, without a reload.
	waitText(t, ctx, `[data-testid="machine-disks"]`, "Attach", 30*time.Second)
	webtest.Submit(t, ctx, `[data-testid="attach-disk"]`)
	got := reloadUntil(t, ctx, `[data-testid="machine-disks"]`, "attached")
	if !strings.Contains(got, "data") || !strings.Contains(got, "50 GiB") || !strings.Contains(got, "10.95 EUR per month") { // 50 GiB × 0.219 EUR
		t.Errorf("disks section = %q", got)
	}
	webtest.Submit(t, ctx, `[data-testid="allocate-attach-address"]`)
	got = reloadUntil(t, ctx, `[data-testid="machine-addresses"]`, "attached")
	if !strings.Contains(got, "203.0.113.") || !strings.Contains(got, "0.0050 EUR per hour") {
		t.Errorf("addresses section = %q", got)
	}
	// All of it together on the machine page, with the machine's own price.
	if got := webtest.Text(t, ctx, `[data-testid="machine-interfaces"]`); !strings.Contains(got, "10.8.0.2/24") {
		t.Errorf("interfaces after attaching = %q", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="detail-price"]`); !strings.Contains(got, "EUR/h") {
		t.Errorf("machine price = %q", got)
	}
	shot(t, ctx, "machine-page")
}
