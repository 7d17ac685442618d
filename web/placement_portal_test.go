package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tessera/domain"
	"tessera/web/webtest"
)

// locationNames lists GET /api/v1/locations for a token.
func locationNames(t *testing.T, e *mEnv, tok string) []string {
	t.Helper()
	r := e.api(t, tok, "GET", "/api/v1/locations", nil)
	if r.Status != 200 {
		t.Fatalf("GET /api/v1/locations: %d %s", r.Status, r.Raw)
	}
	var out []string
	items, _ := r.Body["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	slices.Sort(out)
	return out
}

// The demo's Zurich is acme's private cloud: acme sees and uses three
// locations, globex two, in the portal and the API; globex can neither see
// Zurich nor be placed there, and no message names it; acme's machines go
// where "any:CH", "cheapest" with residency CH and a hard anti-affinity group
// say, and the provider admin sees each decision with its reasons.
func TestPlacementPortalAndAPI(t *testing.T) {
	e := newMachinesEnv(t)
	env := e.Env
	ctx := context.Background()
	acmeTok, globexTok := e.token(t, "acme", "bob"), e.token(t, "globex", "dave")

	if got := strings.Join(locationNames(t, e, acmeTok), ","); got != "Berlin,Frankfurt,Zurich" {
		t.Errorf("acme's locations = %s, want Berlin,Frankfurt,Zurich", got)
	}
	if got := strings.Join(locationNames(t, e, globexTok), ","); got != "Berlin,Frankfurt" {
		t.Errorf("globex's locations = %s, want Berlin,Frankfurt", got)
	}
	var zurich *domain.GeoLocation
	locs, _ := env.Server.Locations.FindLocations(ctx)
	for _, l := range locs {
		if l.Name == "Zurich" {
			zurich = l
		}
	}
	if zurich == nil {
		t.Fatal("the demo has no Zurich")
	}

	// The portal's create form.
	bob := env.Client(t, "acme.localhost")
	bob.Login("", "bob", "demo")
	contains(t, webtest.Body(t, bob.Get("/machines/new")), `data-testid="location-Zurich"`, `data-testid="location-any-CH"`, `data-testid="location-cheapest"`, `data-testid="placement-panel"`)
	dave := env.Client(t, "globex.localhost")
	dave.Login("", "dave", "demo")
	lacks(t, webtest.Body(t, dave.Get("/machines/new")), "Zurich", "any:CH", zurich.ID)

	// globex cannot reach Zurich by id, by name, by country or by residency.
	mk := func(tok string, fields map[string]any) apiResp {
		body := map[string]any{"name": "m-" + strings.ReplaceAll(domain.NewID()[:8], "-", ""), "flavor": "s-1vcpu-1gb", "image": "Ubuntu 24.04"}
		for k, v := range fields {
			body[k] = v
		}
		return e.api(t, tok, "POST", "/api/v1/machines", body)
	}
	for _, loc := range []string{zurich.ID, "Zurich"} {
		fieldErr(t, mk(globexTok, map[string]any{"location": loc}), "location")
	}
	r := mk(globexTok, map[string]any{"location": "any:CH"})
	problem(t, r, 409)
	if d := r.Body["detail"].(string); d != "You have no location in CH." {
		t.Errorf("globex any:CH: %q", d)
	}
	r = mk(globexTok, map[string]any{"location": "cheapest", "residency": "CH"})
	problem(t, r, 409)
	if d := r.Body["detail"].(string); d != "No shared location is in CH, where the data must stay." {
		t.Errorf("globex with CH residency: %q", d)
	}
	fieldErr(t, mk(globexTok, map[string]any{"location": "cheapest", "residency": "Switzerland"}), "residency")
	fieldErr(t, mk(globexTok, map[string]any{"location": "cheapest", "groups": []map[string]string{{"name": "web", "rule": "sometimes"}}}), "group_rule")
	// The preview says the same, without naming Zurich.
	prev := webtest.Body(t, dave.Get("/machines/new/placement?location=any:CH&flavor=s-1vcpu-1gb&image=Ubuntu+24.04"))
	contains(t, prev, "You have no location in CH.")
	lacks(t, prev, "Zurich")

	// acme goes to Zurich by country and by residency; its preview shows it with the price.
	prev = webtest.Body(t, bob.Get("/machines/new/placement?location=any:CH&flavor=s-1vcpu-1gb&image=Ubuntu+24.04"))
	contains(t, prev, `data-testid="placement-where">Zurich<`, "EUR/h")
	r = mk(acmeTok, map[string]any{"location": "any:CH"})
	if r.Status != 202 || r.Body["location"] != "Zurich" {
		t.Fatalf("acme any:CH: %d %s", r.Status, r.Raw)
	}
	inZurich := r.Body["id"].(string)
	r = mk(acmeTok, map[string]any{"location": "cheapest", "residency": "CH", "groups": []map[string]string{{"name": "db", "rule": "anti-affinity"}}})
	if r.Status != 202 || r.Body["location"] != "Zurich" {
		t.Fatalf("acme cheapest with CH residency: %d %s", r.Status, r.Raw)
	}
	// A second member of the hard anti-affinity group cannot share Zurich's only site.
	r = mk(acmeTok, map[string]any{"location": "any:CH", "groups": []map[string]string{{"name": "db", "rule": "anti-affinity"}}})
	problem(t, r, 409)
	if d := r.Body["detail"].(string); !strings.Contains(d, "group db") {
		t.Errorf("second db machine in CH: %q", d)
	}

	// The provider admin sees the decision and its reasons.
	admin := env.Client(t, "localhost")
	admin.Login("", "admin", "demo")
	page := webtest.Body(t, admin.Get("/admin/placement"))
	contains(t, page, "Dedicated to Acme Corporation", "location any:CH")
	dec := webtest.Body(t, admin.Get("/admin/placement/decisions/"+inZurich))
	contains(t, dec, `data-testid="chosen-site">Zurich<`, "not in CH")
	if resp := admin.Get("/admin/placement/decisions/" + domain.NewID()); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown decision: %d", resp.StatusCode)
	}
	if resp := bob.Get("/admin/placement/decisions/" + inZurich); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a tenant reads a placement decision: %d", resp.StatusCode)
	}

}

// acme's member sees its three locations and the country choices in the
// browser, picks "any in CH" and the placement panel says Zurich with the
// price before the machine is created.
func TestBrowserPlacementPreview(t *testing.T) {
	env := newMachinesEnv(t)
	ctx := webtest.Browser(t, 120*time.Second)
	base := env.HostURL("acme.localhost")
	webtest.BrowserLogin(t, ctx, base, "", "bob", "demo")
	webtest.Do(t, ctx, chromedp.Navigate(base+"/machines/new"))
	waitText(t, ctx, `[data-testid="machine-form"]`, "Zurich", 5*time.Second)
	form := webtest.Text(t, ctx, `[data-testid="machine-form"]`)
	for _, want := range []string{"Berlin", "Frankfurt", "Zurich", "Cheapest", "Any in CH", "Any in DE"} {
		if !strings.Contains(form, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="location-any-CH"] + label`), chromedp.NodeVisible))
	waitText(t, ctx, `[data-testid="placement-where"]`, "Zurich", 5*time.Second)
	waitText(t, ctx, `[data-testid="placement-price"]`, "EUR/h", 5*time.Second)
	waitText(t, ctx, `[data-testid="price-hourly"]`, "EUR/h", 5*time.Second)
	// Data residency that acme's choice cannot meet is said at once.
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="location-any-DE"] + label`), chromedp.NodeVisible))
	waitText(t, ctx, `[data-testid="placement-panel"]`, "(DE)", 5*time.Second)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector('details').open = true`)); err != nil {
		t.Fatal(err)
	}
	webtest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-residency"), "CH"), chromedp.Click(chromedp.CSS(`[data-testid="location-cheapest"] + label`), chromedp.NodeVisible))
	waitText(t, ctx, `[data-testid="placement-panel"]`, "Zurich", 5*time.Second)

	// Created where the preview said.
	webtest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-name"), "swiss-1"))
	webtest.Submit(t, ctx, `[data-testid="machine-submit"]`)
	waitText(t, ctx, "h1", "swiss-1", 10*time.Second)
	if !strings.Contains(webtest.Text(t, ctx, ".page-head"), "Zurich") {
		t.Errorf("the machine's page does not say Zurich: %q", webtest.Text(t, ctx, ".page-head"))
	}
}
