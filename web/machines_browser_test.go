package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/web/webtest"
)

// waitText waits until the element matching css contains want.
func waitText(t *testing.T, ctx context.Context, css, want string, within time.Duration) string {
	t.Helper()
	q, _ := json.Marshal(css)
	deadline := time.Now().Add(within)
	last := ""
	for {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){var e=document.querySelector(`+string(q)+`);return e?e.innerText:"";})()`))
		if err != nil {
			t.Fatalf("read %s: %v", css, err)
		}
		last = s
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waited for %q, last %q", css, want, last)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// A member logs in, creates a machine with the live price in view, watches
// it reach running on its own, stops, resizes and deletes it; a bad name is
// shown at the field.
func TestBrowserMachineLifecycle(t *testing.T) {
	e := newMachinesEnv(t)
	ctx := webtest.Browser(t, 120*time.Second)
	base := e.HostURL("acme.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "bob", "demo")

	webtest.Do(t, ctx, chromedp.Navigate(base+"/machines"))
	webtest.Submit(t, ctx, `[data-testid="empty-create"]`)
	// The first choices are priced at once; a new size re-prices live.
	waitText(t, ctx, `[data-testid="price-hourly"]`, "0.0240 EUR/h", 5*time.Second)
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="flavor-s-2vcpu-2gb"] + label`), chromedp.NodeVisible))
	waitText(t, ctx, `[data-testid="price-hourly"]`, "0.0420 EUR/h", 5*time.Second)
	waitText(t, ctx, `[data-testid="price-monthly"]`, "30.66 EUR/month", 5*time.Second)

	// A name DNS would reject: the message stands at the field, the choice stays.
	webtest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-name"), "web_1"),
		chromedp.Click(chromedp.CSS(`[data-testid="image-Debian 12"] + label`), chromedp.NodeVisible))
	// Checked as soon as the field is left…
	waitText(t, ctx, `[data-testid="name-check"]`, "Name may contain letters, digits and hyphens.", 5*time.Second)
	// …and again by the server on submit.
	webtest.Submit(t, ctx, `[data-testid="machine-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="error-name"]`); got != "Name may contain letters, digits and hyphens." {
		t.Fatalf("name error = %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-name"))); v != "web_1" {
		t.Fatalf("typed name not kept: %q", v)
	}
	waitText(t, ctx, `[data-testid="price-hourly"]`, "0.0420 EUR/h", 5*time.Second)

	webtest.Do(t, ctx, chromedp.Clear(chromedp.CSS("#f-name")), chromedp.SendKeys(chromedp.CSS("#f-name"), "web-1"))
	webtest.Submit(t, ctx, `[data-testid="machine-submit"]`)
	waitText(t, ctx, `[data-testid="flash"]`, "Creating web-1…", 5*time.Second)
	// The page follows the operation by itself.
	waitText(t, ctx, `#machine-live [data-testid="status"]`, "Running", 20*time.Second)

	webtest.Submit(t, ctx, `[data-testid="action-stop"]`)
	waitText(t, ctx, `#machine-live [data-testid="status"]`, "Stopped", 20*time.Second)
	waitText(t, ctx, `[data-testid="machine-actions"]`, "Start", 5*time.Second)

	// Resize: the price difference shows before confirming.
	webtest.Submit(t, ctx, `[data-testid="action-resize"]`)
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="resize-s-4vcpu-8gb"] + label`), chromedp.NodeVisible))
	webtest.Submit(t, ctx, `[data-testid="resize-preview"]`)
	waitText(t, ctx, `[data-testid="resize-diff"]`, "+0.0780 EUR/h (+56.94 EUR/month)", 5*time.Second)
	webtest.Submit(t, ctx, `[data-testid="resize-submit"]`)
	waitText(t, ctx, `#machine-live [data-testid="status"]`, "Stopped", 20*time.Second)
	waitText(t, ctx, `[data-testid="spec-size"]`, "s-2vcpu-2gb", 2*time.Second) // until reload
	webtest.Do(t, ctx, chromedp.Reload())
	waitText(t, ctx, `[data-testid="spec-size"]`, "s-4vcpu-8gb", 5*time.Second)
	waitText(t, ctx, `[data-testid="detail-price"]`, "0.1200 EUR/h", 5*time.Second)

	// Delete: the button works only once the name is typed.
	webtest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-confirm"), "web-1"))
	webtest.Submit(t, ctx, `[data-testid="delete-machine"]`)
	waitText(t, ctx, `[data-testid="flash"]`, "Deleting web-1…", 5*time.Second)
	waitText(t, ctx, `#machine-list`, "No machines yet", 20*time.Second)
}
