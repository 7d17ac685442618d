package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web/webtest"
)

func doc(t *testing.T, resp *http.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func text(d *goquery.Document, css string) string {
	return strings.TrimSpace(d.Find(css).First().Text())
}

// The demo's Usage & billing page shows spend so far, a forecast, a chart,
// spend per machine and two closed months of invoices whose CSV and API
// totals match the page; another tenant gets 404 for them.
func TestBillingPageInvoicesAndAPI(t *testing.T) {
	env := webtest.New(t)
	c := client(t, env, alice)
	resp := c.Get("/billing")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /billing = %d", resp.StatusCode)
	}
	d := doc(t, resp)
	if got := text(d, `[data-testid="mtd-total"]`); !strings.HasSuffix(got, " EUR") || got == "0.00 EUR" {
		t.Errorf("month to date = %q", got)
	}
	if got := text(d, `[data-testid="example-hourly"]`); got != "0.0420 EUR/h" {
		t.Errorf("example price = %q", got)
	}
	if d.Find(`svg[data-testid="spend-chart"] rect.chart-bar`).Length() == 0 && time.Now().Day() > 1 {
		t.Error("no bars in the spend chart")
	}
	if d.Find(`[style]`).Length() > 0 {
		t.Error("inline style attributes break the CSP")
	}
	if got := d.Find(`[data-testid="spend-resources"]`).Text(); !strings.Contains(got, "web-1") || !strings.Contains(got, "now 0.0420 EUR/h") {
		t.Errorf("spend per machine lacks web-1 at 0.0420 EUR/h: %q", got)
	}
	rows := d.Find(`[data-testid="invoices"] tbody tr`)
	if rows.Length() != 2 {
		t.Fatalf("%d invoices, want 2", rows.Length())
	}
	pageTotal := strings.TrimSpace(rows.First().Find(`[data-testid="invoice-total"]`).Text())
	href, _ := rows.First().Find("a").First().Attr("href")
	invID := strings.TrimPrefix(href, "/billing/invoices/")

	inv := doc(t, c.Get(href))
	if got := text(inv, `[data-testid="invoice-page-total"]`); got != pageTotal {
		t.Errorf("invoice page total %q, list %q", got, pageTotal)
	}
	resp = c.Get(href + "/csv")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("CSV content type %q", ct)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var sum domain.Micros
	var csvTotal string
	for _, r := range recs[1:] {
		switch r[6] {
		case "subtotal", "discount":
		case "total":
			csvTotal = r[10] + " " + r[11]
		default:
			m, _ := domain.ParseMicros(r[10])
			sum += m
		}
	}
	if csvTotal != pageTotal || sum.Decimal(2)+" EUR" != pageTotal {
		t.Errorf("CSV total %q, sum of lines %s, page %q", csvTotal, sum.Decimal(2), pageTotal)
	}

	// The API says the same, with money as decimal strings.
	resp = apiGet(t, env, "acme", "alice", "/api/v1/invoices/"+invID)
	var api struct {
		Total string `json:"total"`
		Lines []struct {
			ResourceID, Quantity, Unit, UnitPrice, Amount string
		} `json:"lines"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&api); err != nil {
		t.Fatal(err)
	}
	if api.Total+" EUR" != pageTotal || len(api.Lines) != len(recs)-4 {
		t.Errorf("API invoice total %q with %d lines", api.Total, len(api.Lines))
	}
	from := time.Now().AddDate(0, -2, 0).UTC().Format(time.RFC3339)
	resp = apiGet(t, env, "acme", "alice", "/api/v1/usage?from="+url.QueryEscape(from)+"&to="+url.QueryEscape(time.Now().UTC().Format(time.RFC3339)))
	var usage struct {
		Items []map[string]string `json:"items"`
		Total string              `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&usage); err != nil || resp.StatusCode != 200 {
		t.Fatalf("usage: %d %v", resp.StatusCode, err)
	}
	if len(usage.Items) == 0 {
		t.Fatal("no usage items")
	}
	for _, k := range []string{"resource_id", "resource_type", "quantity", "unit", "unit_price", "amount"} {
		if usage.Items[0][k] == "" {
			t.Errorf("usage item lacks %s: %v", k, usage.Items[0])
		}
	}
	resp = apiGet(t, env, "acme", "alice", "/api/v1/usage?from=yesterday")
	var prob struct {
		Errors map[string]string `json:"errors"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&prob)
	if resp.StatusCode != http.StatusUnprocessableEntity || prob.Errors["from"] == "" || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("bad from: %d %v", resp.StatusCode, prob)
	}

	// Globex sees none of acme's invoices.
	g := env.Client(t, "")
	g.Login("globex", "carol", "demo")
	for _, p := range []string{"/billing/invoices/" + invID, "/billing/invoices/" + invID + "/csv"} {
		if resp := g.Get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("globex GET %s = %d, want 404", p, resp.StatusCode)
		}
	}
	if resp := apiGet(t, env, "globex", "carol", "/api/v1/invoices/"+invID); resp.StatusCode != http.StatusNotFound {
		t.Errorf("globex API GET acme's invoice = %d, want 404", resp.StatusCode)
	}
	gd := doc(t, g.Get("/billing"))
	if strings.Contains(gd.Text(), "web-1") {
		t.Error("globex's billing page shows acme's machine")
	}
	if got := text(gd, `[data-testid="example-hourly"]`); got != "0.0378 EUR/h" {
		t.Errorf("globex (10 %% off) example price = %q", got)
	}
}

// Bad input on the pricing pages is refused at the field and stores nothing.
func TestPricingFormsRefuseBadInput(t *testing.T) {
	env := webtest.New(t)
	c := client(t, env, provider)
	good := url.Values{"name": {"Premium"}, "currency": {"EUR"}, "vcpu_hour": {"0.02"}, "memory_gib_hour": {"0.01"}, "public_ip_hour": {"0"}, "monthly_fee": {"0"}, "disk_prices": {"standard 0.3"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		f.Set(k, v)
		return f
	}
	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{with("vcpu_hour", "-0.01"), "vcpu_hour"},
		{with("currency", "XXX"), "currency"},
		{with("disk_prices", "standard -1"), "disk_prices"},
		{with("memory_gib_hour", "abc"), "memory_gib_hour"},
		{with("multipliers", "berlin 1.2"), "multipliers"},
		{with("name", ""), "name"},
	} {
		resp := c.PostForm("/admin/pricing", tc.form)
		d := doc(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || d.Find(`[data-testid="error-`+tc.field+`"]`).Length() == 0 {
			t.Errorf("%s: status %d, no field error", tc.field, resp.StatusCode)
		}
	}
	cards, _ := env.Server.App.Pricing.FindRateCards(context.Background())
	if len(cards) != 1 {
		t.Fatalf("%d cards after refused forms", len(cards))
	}
	// The demo card is in use: a version in the past is refused at the field.
	past := with("effective_from", time.Now().AddDate(0, 0, -1).Format("2006-01-02T15:04"))
	resp := c.PostForm("/admin/pricing/"+cards[0].ID+"/versions", past)
	if d := doc(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(d, `[data-testid="error-effective_from"]`), "in the past") {
		t.Errorf("past version: %d", resp.StatusCode)
	}
	// A discount above 100 % is refused.
	acme := env.Tenant(t, "acme")
	resp = c.PostForm("/admin/pricing/tenants/"+acme.ID, url.Values{"card_id": {cards[0].ID}, "discount": {"120"}})
	if d := doc(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || d.Find(`[data-testid="error-discount"]`).Length() == 0 {
		t.Errorf("discount 120: %d", resp.StatusCode)
	}
	// A good card is created; its preview prices a tenant's current machines.
	resp = c.PostForm("/admin/pricing", good)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create good card: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	pv := with("action", "preview")
	pv.Set("preview_tenant", acme.ID)
	d := doc(t, c.PostForm(loc+"/versions", pv))
	if got := d.Find(`[data-testid="preview-machines"]`).Text(); !strings.Contains(got, "web-1") {
		t.Errorf("preview lacks acme's machines: %q", got)
	}
	// One row per flavor acme may use, priced now and under the draft.
	if got := d.Find(`[data-testid="preview-shapes"]`).Text(); !strings.Contains(got, "s-2vcpu-2gb") || !strings.Contains(got, "0.0420 EUR/h") || !strings.Contains(got, "0.0682 EUR/h") {
		t.Errorf("preview of flavor s-2vcpu-2gb: %q", got)
	}
}

// The billing API needs a Bearer token; a viewer's token may read.
func TestBillingAPIAuth(t *testing.T) {
	env := webtest.New(t)
	if resp := apiGet(t, env, "", "", "/api/v1/invoices"); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("no token: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := apiGet(t, env, "acme", "vera", "/api/v1/invoices"); resp.StatusCode != http.StatusOK {
		t.Errorf("viewer token: %d", resp.StatusCode)
	}
	// A signed-in browser session is not an API credential.
	if resp := client(t, env, alice).Get("/api/v1/invoices"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session only: %d", resp.StatusCode)
	}
}

// The provider gives globex its own vCPU price and 20 % off from now on;
// globex's page shows the new price, acme's stays.
func TestAssignOverrideAndDiscount(t *testing.T) {
	env := webtest.New(t)
	c := client(t, env, provider)
	globex := env.Tenant(t, "globex")
	cards, _ := env.Server.App.Pricing.FindRateCards(context.Background())
	resp := c.PostForm("/admin/pricing/tenants/"+globex.ID, url.Values{"card_id": {cards[0].ID}, "discount": {"20"}, "override_vcpu_hour": {"0.01"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d\n%s", resp.StatusCode, webtest.Body(t, resp))
	}
	d := doc(t, c.Get("/admin/pricing/tenants/"+globex.ID))
	// (2 × 0.010 + 2 × 0.006 + 20 × 0.219 ÷ 730) × 0.8 = 0.0304 EUR/h.
	if got := text(d, `[data-testid="tenant-example"]`); got != "0.0304 EUR/h" {
		t.Errorf("admin sees globex at %q", got)
	}
	g := env.Client(t, "")
	g.Login("globex", "carol", "demo")
	if got := text(doc(t, g.Get("/billing")), `[data-testid="example-hourly"]`); got != "0.0304 EUR/h" {
		t.Errorf("globex sees %q", got)
	}
	if got := text(doc(t, client(t, env, alice).Get("/billing")), `[data-testid="example-hourly"]`); got != "0.0420 EUR/h" {
		t.Errorf("acme sees %q", got)
	}
	// A second change dated in the past is refused at the field.
	resp = c.PostForm("/admin/pricing/tenants/"+globex.ID, url.Values{"card_id": {cards[0].ID}, "discount": {"5"}, "effective_from": {"2020-01-01T00:00"}})
	if d := doc(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || d.Find(`[data-testid="error-effective_from"]`).Length() == 0 {
		t.Errorf("past assignment: %d", resp.StatusCode)
	}
}

// The provider reads a tenant's invoices (page and CSV); a tenant cannot
// reach the provider's copy, and the provider's URL of another tenant 404s.
func TestProviderReadsTenantInvoices(t *testing.T) {
	env := webtest.New(t)
	c := client(t, env, provider)
	acme, globex := env.Tenant(t, "acme"), env.Tenant(t, "globex")
	d := doc(t, c.Get("/admin/pricing/tenants/"+acme.ID))
	href, ok := d.Find(`[data-testid="tenant-invoices"] tbody tr:first-child a`).First().Attr("href")
	if !ok {
		t.Fatal("no invoices on the provider's tenant page")
	}
	if resp := c.Get(href); resp.StatusCode != http.StatusOK {
		t.Errorf("provider GET %s = %d", href, resp.StatusCode)
	}
	if resp := c.Get(href + "/csv"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("provider CSV = %d", resp.StatusCode)
	}
	invID := href[strings.LastIndex(href, "/")+1:]
	if resp := c.Get("/admin/pricing/tenants/" + globex.ID + "/invoices/" + invID); resp.StatusCode != http.StatusNotFound {
		t.Errorf("acme's invoice under globex = %d", resp.StatusCode)
	}
	if resp := client(t, env, alice).Get(href); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tenant GET provider invoice URL = %d", resp.StatusCode)
	}
}

// apiGet calls the user API with a Bearer token of login ("" for none).
func apiGet(t *testing.T, env *webtest.Env, slug, login, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
	if login != "" {
		u := env.User(t, slug, login)
		tok, err := postgres.NewTokenService(env.DB).CreateToken(context.Background(), &domain.APIToken{TenantID: u.TenantID, UserID: u.ID, Name: "billing-" + login})
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return env.Client(t, "").Do(req)
}
