package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tessera/demo"
	"tessera/domain"
	"tessera/web/webtest"
)

func placementContains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// The demo's Zurich is acme's private cloud: acme may use three locations,
// globex two, and placement never names Zurich to globex. The provider admin
// sees the tenancy of each location and site, changes it and each site's
// overcommit and reserve; bad input comes back field by field; tenants get 404.
func TestPlacementDemoAndAdmin(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	if err := demo.SeedCatalogue(ctx, env.Server); err != nil { // offers the demo's locations to the demo tenants
		t.Fatal(err)
	}
	acme, globex := env.Tenant(t, "acme"), env.Tenant(t, "globex")
	p := *env.Server.App.Placer
	p.Locations = env.Server.App.Locations
	names := func(tenantID string) string {
		ls, err := p.TenantLocations(ctx, tenantID)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, l := range ls {
			n = append(n, l.Name)
		}
		return strings.Join(n, ",")
	}
	if got := names(acme.ID); got != "Berlin,Frankfurt,Zurich" {
		t.Errorf("acme's locations = %s", got)
	}
	if got := names(globex.ID); got != "Berlin,Frankfurt" {
		t.Errorf("globex's locations = %s", got)
	}
	shape := domain.MachineShape{VCPUs: 1, MemoryMiB: 1024, DiskGiB: 10}
	_, err := p.Preview(ctx, globex.ID, domain.PlaceRequest{Shape: shape, Location: domain.LocationChoice{Kind: domain.ChooseCountry, Country: "CH"}})
	if got := domain.ErrorMessage(err); got != "You have no location in CH." {
		t.Errorf("globex any:CH: %q", got)
	}
	_, err = p.Preview(ctx, globex.ID, domain.PlaceRequest{Shape: shape, Location: domain.LocationChoice{Kind: domain.ChooseCheapest}, Residency: "CH"})
	if got := domain.ErrorMessage(err); got != "No shared location is in CH, where the data must stay." {
		t.Errorf("globex with CH residency: %q", got)
	}
	d, err := p.Preview(ctx, acme.ID, domain.PlaceRequest{Shape: shape, Location: domain.LocationChoice{Kind: domain.ChooseCountry, Country: "CH"}})
	if err != nil || d.Chosen.LocationName != "Zurich" || !d.Chosen.Priced {
		t.Fatalf("acme any:CH: %+v, %v", d, err)
	}
	mID := domain.NewID()
	if _, err := p.Place(ctx, acme.ID, mID, domain.PlaceRequest{Shape: shape, Location: domain.LocationChoice{Kind: domain.ChooseCheapest}, Residency: "CH"}); err != nil {
		t.Fatal(err)
	}

	admin := env.Client(t, "localhost")
	admin.Login("", "admin", "demo")
	placementContains(t, webtest.Body(t, admin.Get("/admin/placement")), "Dedicated to Acme Corporation", "Zurich", "Berlin", "Frankfurt", "location cheapest, residency CH")
	placementContains(t, webtest.Body(t, admin.Get("/admin/placement/decisions/"+mID)), `data-testid="chosen-site">Zurich<`, "outside CH (data residency)")
	if resp := admin.Get("/admin/placement/decisions/" + domain.NewID()); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown decision: %d", resp.StatusCode)
	}
	bob := env.Client(t, "acme.localhost")
	bob.Login("", "bob", "demo")
	for _, path := range []string{"/admin/placement", "/admin/placement/decisions/" + mID} {
		if resp := bob.Get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a tenant reads %s: %d", path, resp.StatusCode)
		}
	}

	// Dedicating Frankfurt to globex takes it away from acme at once.
	var frankfurt *domain.GeoLocation
	locs, _ := env.Server.Locations.FindLocations(ctx)
	for _, l := range locs {
		if l.Name == "Frankfurt" {
			frankfurt = l
		}
	}
	placementContains(t, webtest.Body(t, admin.Get("/admin/placement/locations/"+frankfurt.ID)), `data-testid="location-tenancy-form"`)
	resp := admin.PostForm("/admin/placement/locations/"+frankfurt.ID, url.Values{"tenancy": {"tenant"}, "tenant": {"nobody"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(webtest.Body(t, resp), `data-testid="error-tenant"`) {
		t.Errorf("dedicating to an unknown tenant: %d", resp.StatusCode)
	}
	if resp := admin.PostForm("/admin/placement/locations/"+frankfurt.ID, url.Values{"tenancy": {"tenant"}, "tenant": {"globex"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dedicate Frankfurt: %d", resp.StatusCode)
	}
	if got := names(acme.ID); got != "Berlin,Zurich" {
		t.Errorf("acme's locations after Frankfurt went to globex = %s", got)
	}
	if got := names(globex.ID); got != "Berlin,Frankfurt" {
		t.Errorf("globex's locations = %s", got)
	}
	if resp := bob.PostForm("/admin/placement/locations/"+frankfurt.ID, url.Values{"tenancy": {"shared"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a tenant changes tenancy: %d", resp.StatusCode)
	}
	if got := names(acme.ID); got != "Berlin,Zurich" {
		t.Errorf("a tenant's refused post changed something: %s", got)
	}

	// Site settings: bad input is refused field by field, good input shows.
	var zurich *domain.Site
	sites, _ := env.Server.Locations.FindSites(ctx, "")
	for _, s := range sites {
		if s.Name == "Zurich" {
			zurich = s
		}
	}
	resp = admin.PostForm("/admin/placement/sites/"+zurich.ID, url.Values{"tenancy": {"shared"}, "cpu_ratio": {"100"}, "memory_ratio": {"x"}, "reserve_percent": {"10"}})
	body := webtest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-cpu_ratio"`) || !strings.Contains(body, `data-testid="error-memory_ratio"`) {
		t.Errorf("bad site settings: %d", resp.StatusCode)
	}
	if resp := admin.PostForm("/admin/placement/sites/"+zurich.ID, url.Values{"tenancy": {"shared"}, "cpu_ratio": {"8"}, "memory_ratio": {"1.5"}, "reserve_percent": {"20"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("site settings: %d", resp.StatusCode)
	}
	placementContains(t, webtest.Body(t, admin.Get("/admin/placement")), "8× / 1.5×", "20 %")
	placementContains(t, webtest.Body(t, admin.Get("/admin/placement/sites/"+zurich.ID)), `value="8"`, `value="20"`)
}
