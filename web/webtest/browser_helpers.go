package webtest

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Do runs browser steps and fails the test on the first error.
func Do(tb testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatal(err)
	}
}

// Text returns the visible text of the first element matching css.
func Text(tb testing.TB, ctx context.Context, css string) string {
	tb.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		tb.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Submit clicks the element matching css and waits for the next page load.
func Submit(tb testing.TB, ctx context.Context, css string) {
	tb.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))); err != nil {
		tb.Fatalf("submit %s: %v", css, err)
	}
}

// Location is the current URL.
func Location(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BrowserLogin fills the log-in form at base and submits it.
func BrowserLogin(tb testing.TB, ctx context.Context, base, org, login, password string) {
	tb.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/login")}
	if org != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS("#f-organisation"), org))
	}
	steps = append(steps, chromedp.SendKeys(chromedp.CSS("#f-login"), login), chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	Do(tb, ctx, steps...)
	Submit(tb, ctx, `[data-testid="login-submit"]`)
}
