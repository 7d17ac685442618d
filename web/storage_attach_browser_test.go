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

// In the browser, on the machine page: attach a disk, allocate and attach a
// public address in one click, take a snapshot and revert to it; the page
// shows each with its state and price.
func TestBrowserMachineStorage(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "alice")
	machine := e.newMachine(t, tok, "web")
	e.newDisk(t, tok, "data", 50)
	if err := e.Server.App.Storage.Addresses.CreatePool(context.Background(), &domain.PublicPool{LocationID: e.locs[0].ID, CIDR: "198.51.100.0/29"}); err != nil {
		t.Fatal(err)
	}
	ctx := webtest.Browser(t, 120*time.Second)
	base := e.HostURL("acme.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "alice", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(base+"/machines/"+machine))

	webtest.Submit(t, ctx, `[data-testid="attach-disk"]`)
	got := reloadUntil(t, ctx, `[data-testid="machine-disks"]`, "attached")
	if !strings.Contains(got, "data") || !strings.Contains(got, "50 GiB") || !strings.Contains(got, "21.90 EUR per month") {
		t.Errorf("disks section = %q", got)
	}

	webtest.Submit(t, ctx, `[data-testid="allocate-attach-address"]`)
	got = reloadUntil(t, ctx, `[data-testid="machine-addresses"]`, "attached")
	if !strings.Contains(got, "198.51.100.") || !strings.Contains(got, "EUR per hour") {
		t.Errorf("addresses section = %q", got)
	}

	webtest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="snapshot-form"] #f-snapshot_name`), "before upgrade"))
	webtest.Submit(t, ctx, `[data-testid="take-snapshot"]`)
	reloadUntil(t, ctx, `[data-testid="machine-snapshots"]`, "ready")
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="revert-snapshot-open"]`), chromedp.NodeVisible))
	if got := webtest.Text(t, ctx, `[data-testid="machine-snapshots"]`); !strings.Contains(got, "The machine returns to how it was at") {
		t.Errorf("revert asks nothing: %q", got)
	}
	webtest.Submit(t, ctx, `[data-testid="revert-snapshot"]`)
	reloadUntil(t, ctx, `[data-testid="machine-snapshots"]`, "ready")
	shot(t, ctx, "machine-storage")
}
