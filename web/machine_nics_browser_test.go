package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/web/webtest"
)

// TestBrowserMachineOnNetwork creates a network, then a machine on it from
// the create form, and sees the interface with its address on the machine
// page.
func TestBrowserMachineOnNetwork(t *testing.T) {
	e := newMachinesEnv(t)
	ctx := webtest.Browser(t, 120*time.Second)
	base := e.HostURL("acme.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "alice", "demo")

	webtest.Do(t, ctx, chromedp.Navigate(base+"/networks"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="network-form"] #f-name`), "backend"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="network-form"] #f-location`), e.locs[0].ID),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="network-form"] #f-cidr`), "10.8.0.0/24"))
	webtest.Submit(t, ctx, `[data-testid="network-submit"]`)

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
}
