package web_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/domain"
	"tessera/web/webtest"
)

// The provider raises the vCPU price of the demo card from now on; acme's
// Usage & billing page shows the new prices. Then acme's admin downloads a
// past invoice as CSV in the browser, and its totals match the page.
func TestBrowserPriceChangeAndInvoiceCSV(t *testing.T) {
	env := webtest.New(t)
	ctx := webtest.Browser(t, 90*time.Second)

	webtest.BrowserLogin(t, ctx, env.URL, "", "admin", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(env.URL+"/admin/pricing"))
	webtest.Submit(t, ctx, `[data-testid="card-Standard"] a`)
	webtest.Do(t, ctx,
		chromedp.Clear(chromedp.CSS(`[data-testid="version-form"] #f-vcpu_hour`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="version-form"] #f-vcpu_hour`), "0.024"))
	webtest.Submit(t, ctx, `[data-testid="version-submit"]`)
	if got := webtest.Text(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "New prices for Standard apply from") {
		t.Fatalf("flash after the new version = %q", got)
	}
	webtest.Submit(t, ctx, `[data-testid="logout"]`)

	webtest.BrowserLogin(t, ctx, env.HostURL("acme.localhost"), "", "alice", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(env.HostURL("acme.localhost")+"/billing"))
	// 2 × 0.024 + 2 × 0.006 + 20 × 0.219 ÷ 730 = 0.0660 EUR/h.
	if got := webtest.Text(t, ctx, `[data-testid="example-hourly"]`); got != "0.0660 EUR/h" {
		t.Errorf("tenant's example price after the change = %q, want 0.0660 EUR/h", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="price-vcpu"]`); got != "0.0240" {
		t.Errorf("tenant's vCPU-hour price = %q", got)
	}

	pageTotal := webtest.Text(t, ctx, `[data-testid="invoices"] tbody tr:first-child [data-testid="invoice-total"]`)
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('[data-testid="invoices"] tbody tr:first-child [data-testid="invoice-csv"]').href).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	var sum domain.Micros
	total := ""
	for _, r := range recs[1:] {
		switch r[6] {
		case "total":
			total = r[10] + " " + r[11]
		case "subtotal", "discount":
		default:
			m, _ := domain.ParseMicros(r[10])
			sum += m
		}
	}
	if total != pageTotal || sum.Decimal(2)+" EUR" != pageTotal {
		t.Errorf("CSV total %q (lines add up to %s), page says %q", total, sum.Decimal(2), pageTotal)
	}

	// The printable invoice shows the same total.
	webtest.Submit(t, ctx, `[data-testid="invoices"] tbody tr:first-child td a`)
	if got := webtest.Text(t, ctx, `[data-testid="invoice-page-total"]`); got != pageTotal {
		t.Errorf("invoice page total %q, list %q", got, pageTotal)
	}
}
