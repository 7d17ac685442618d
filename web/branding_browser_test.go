package web_test

import (
	"context"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/web/webtest"
)

// computed returns a CSS property of the first element matching css as the
// browser computed it.
func computed(t *testing.T, ctx context.Context, css, prop string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(`+jsString(css)+`)).getPropertyValue(`+jsString(prop)+`)`))
	if err != nil {
		t.Fatalf("computed %s of %s: %v", prop, css, err)
	}
	return strings.TrimSpace(v)
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// logoLoaded reports whether the top bar's logo is an image the browser
// loaded and decoded (naturalWidth > 0).
func logoLoaded(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){var i=document.querySelector(`+jsString(css)+`);return !!i && i.complete && i.naturalWidth>0})()`))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// Two tenants on their own host names show their own names, logos and
// colours; a user of one cannot log in on the other's host; the tenant admin
// changes the primary colour, sees the preview, saves, and the next page
// shows it.
func TestBrowserBranding(t *testing.T) {
	env := webtest.New(t)
	ctx := webtest.Browser(t, 90*time.Second)
	acme, globex := env.HostURL("acme.localhost"), env.HostURL("globex.localhost")

	// Each log-in page in its tenant's look.
	webtest.Do(t, ctx, chromedp.Navigate(acme+"/login"))
	if got := webtest.Text(t, ctx, `[data-testid="login-brand"] [data-testid="brand-name"]`); got != "Acme Cloud" {
		t.Fatalf("acme log-in brand = %q", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="login-message"]`); !strings.Contains(got, "Acme staff") {
		t.Errorf("acme log-in message = %q", got)
	}
	if !logoLoaded(t, ctx, `[data-testid="login-brand"] img`) {
		t.Error("acme's logo did not load on its log-in page")
	}
	if got := computed(t, ctx, `[data-testid="login-submit"]`, "background-color"); got != "rgb(194, 65, 12)" {
		t.Errorf("acme log-in button colour = %s, want acme's #c2410c", got)
	}

	// A user of acme cannot log in on globex's host.
	webtest.BrowserLogin(t, ctx, globex, "", "alice", "demo")
	if got := webtest.Text(t, ctx, `[data-testid="form-error"]`); got != "The user name or password is not correct." {
		t.Fatalf("alice on globex: %q", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="login-brand"] [data-testid="brand-name"]`); got != "Globex Compute" {
		t.Errorf("globex log-in brand = %q", got)
	}

	// Globex's own user: the portal in globex's look.
	webtest.BrowserLogin(t, ctx, globex, "", "carol", "demo")
	if got := webtest.Text(t, ctx, `[data-testid="topbar"] [data-testid="brand-name"]`); got != "Globex Compute" {
		t.Fatalf("globex top bar = %q", got)
	}
	if got := computed(t, ctx, `[data-testid="topbar"]`, "background-color"); got != "rgb(91, 33, 182)" {
		t.Errorf("globex header colour = %s, want #5b21b6", got)
	}
	if !logoLoaded(t, ctx, `[data-testid="topbar"] img[data-testid="brand-logo"]`) {
		t.Error("globex's logo did not load in the top bar")
	}
	if title, _ := chromedp.Run(ctx, chromedp.Title()); title != "Dashboard · Globex Compute" {
		t.Errorf("globex title = %q", title)
	}

	// Acme's admin: acme's look, then a new primary colour.
	webtest.BrowserLogin(t, ctx, acme, "", "alice", "demo")
	if got := webtest.Text(t, ctx, `[data-testid="topbar"] [data-testid="brand-name"]`); got != "Acme Cloud" {
		t.Fatalf("acme top bar = %q", got)
	}
	if got := computed(t, ctx, `[data-testid="topbar"]`, "background-color"); got != "rgb(194, 65, 12)" {
		t.Errorf("acme header colour = %s, want #c2410c", got)
	}
	if got := computed(t, ctx, `[data-testid="topbar"] [data-testid="brand-name"]`, "color"); got != "rgb(255, 255, 255)" {
		t.Errorf("acme header text = %s, want white on the dark orange", got)
	}

	webtest.Do(t, ctx, chromedp.Navigate(acme+"/settings"))
	webtest.Submit(t, ctx, `[data-testid="settings-branding"]`)
	// A light yellow: the preview shows it at once, with black text on it
	// and a warning that yellow links on white fail AA.
	webtest.Do(t, ctx,
		chromedp.Clear(chromedp.CSS("#f-primary_color")),
		chromedp.SendKeys(chromedp.CSS("#f-primary_color"), "#facc15"))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`getComputedStyle(document.querySelector('[data-testid="preview-header"]')).backgroundColor === 'rgb(250, 204, 21)'`)); err != nil {
		t.Fatalf("the preview never showed the new colour (header is %s): %v", computed(t, ctx, `[data-testid="preview-header"]`, "background-color"), err)
	}
	if got := computed(t, ctx, `[data-testid="preview-button"]`, "color"); got != "rgb(0, 0, 0)" {
		t.Errorf("preview button text on yellow = %s, want black", got)
	}
	if got := webtest.Text(t, ctx, `[data-testid="contrast-warning"]`); !strings.Contains(got, "Nearest colour that passes") {
		t.Errorf("contrast warning = %q", got)
	}
	// Nothing is saved yet: the page's own header keeps acme's orange.
	if got := computed(t, ctx, `[data-testid="topbar"]`, "background-color"); got != "rgb(194, 65, 12)" {
		t.Errorf("header before saving = %s", got)
	}
	// Take the offered colour, then save.
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="apply-primary_color"]`), chromedp.NodeVisible))
	suggested, err := chromedp.Run(ctx, chromedp.Poll[string](`(function(){var v=document.querySelector('#f-primary_color').value;return v!=='#facc15'&&v})()`))
	if err != nil {
		t.Fatalf("the suggested colour was not applied: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector('[data-testid="contrast-warning"]')`)); err != nil {
		t.Errorf("warning still shown after taking the suggestion %s", suggested)
	}
	webtest.Submit(t, ctx, `[data-testid="branding-save"]`)
	if got := webtest.Text(t, ctx, `[data-testid="flash"]`); !strings.Contains(got, "Branding saved") {
		t.Fatalf("flash after save = %q", got)
	}
	webtest.Do(t, ctx, chromedp.Navigate(acme+"/"))
	want := rgbOf(suggested)
	if got := computed(t, ctx, `[data-testid="topbar"]`, "background-color"); got != want {
		t.Errorf("header after saving = %s, want %s (%s)", got, want, suggested)
	}
	// A new logo: chosen, previewed at once, saved.
	logo := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(logo, pngBytes(t, color.RGBA{20, 120, 220, 255}), 0o644); err != nil {
		t.Fatal(err)
	}
	webtest.Do(t, ctx, chromedp.Navigate(acme+"/settings/branding"), chromedp.SetUploadFiles(chromedp.CSS("#f-logo"), []string{logo}))
	staged, err := chromedp.Run(ctx, chromedp.Poll[string](`document.querySelector('#f-staged_logo').value`))
	if err != nil {
		t.Fatalf("the chosen logo was not previewed: %v", err)
	}
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="preview-header"] img').getAttribute('src')`))
	if err != nil || !strings.HasSuffix(src, staged) {
		t.Fatalf("preview logo = %q, %v; want %s", src, err, staged)
	}
	webtest.Submit(t, ctx, `[data-testid="branding-save"]`)
	webtest.Do(t, ctx, chromedp.Navigate(acme+"/"))
	if src, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="topbar"] img').getAttribute('src')`)); !strings.HasSuffix(src, staged) {
		t.Errorf("top bar logo after saving = %q, want %s", src, staged)
	}
	if !logoLoaded(t, ctx, `[data-testid="topbar"] img`) {
		t.Error("the new logo does not load")
	}

	// Globex is untouched (carol is still logged in there).
	webtest.Do(t, ctx, chromedp.Navigate(globex+"/"))
	if got := computed(t, ctx, `[data-testid="topbar"]`, "background-color"); got != "rgb(91, 33, 182)" {
		t.Errorf("globex changed too: %s", got)
	}
}

// rgbOf turns #rrggbb into the rgb(r, g, b) getComputedStyle reports.
func rgbOf(hex string) string {
	var r, g, b int
	for i, p := range []*int{&r, &g, &b} {
		for _, c := range hex[1+2*i : 3+2*i] {
			*p *= 16
			switch {
			case c >= '0' && c <= '9':
				*p += int(c - '0')
			default:
				*p += int(c-'a') + 10
			}
		}
	}
	return "rgb(" + itoa(r) + ", " + itoa(g) + ", " + itoa(b) + ")"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// TestScreenshots writes PNGs of both demo tenants' dashboards and log-in
// pages to docs/screenshots. It runs only when TESSERA_SCREENSHOTS is set:
//
//	TESSERA_SCREENSHOTS=1 go test ./web -run TestScreenshots
func TestScreenshots(t *testing.T) {
	if os.Getenv("TESSERA_SCREENSHOTS") == "" {
		t.Skip("set TESSERA_SCREENSHOTS=1 to write docs/screenshots")
	}
	env := webtest.New(t)
	ctx := webtest.Browser(t, 90*time.Second)
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ slug, user string }{{"acme", "alice"}, {"globex", "carol"}} {
		base := env.HostURL(tc.slug + ".localhost")
		webtest.Do(t, ctx, chromedp.Navigate(base+"/login"))
		shot(tc.slug + "-login.png")
		webtest.BrowserLogin(t, ctx, base, "", tc.user, "demo")
		shot(tc.slug + "-dashboard.png")
		if tc.slug == "globex" {
			webtest.Do(t, ctx, chromedp.EmulateViewport(390, 800), chromedp.Reload())
			shot("globex-dashboard-phone.png")
			webtest.Do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload())
		}
		if tc.slug == "acme" {
			webtest.Do(t, ctx, chromedp.Navigate(base+"/settings/branding"),
				chromedp.Clear(chromedp.CSS("#f-primary_color")),
				chromedp.SendKeys(chromedp.CSS("#f-primary_color"), "#facc15"))
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('[data-testid="contrast-warning"]')`)); err != nil {
				t.Fatal(err)
			}
			shot("acme-branding-settings.png")
		}
		webtest.Submit(t, ctx, `[data-testid="logout"]`)
	}
	// The provider admin's view of a tenant: custom domains and branding.
	webtest.BrowserLogin(t, ctx, env.URL, "", "admin", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(env.URL+"/admin/tenants/"+env.Tenant(t, "acme").ID))
	shot("admin-tenant.png")
	webtest.Do(t, ctx, chromedp.Navigate(env.URL+"/admin/branding"))
	shot("admin-branding.png")
}
