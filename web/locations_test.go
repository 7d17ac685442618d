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

// startDemo starts the server with the demo's two simulated sites (their
// schemas live in the test's database and go with it).
func startDemo(t *testing.T) *webtest.Env {
	t.Helper()
	env := webtest.New(t)
	if err := demo.StartSites(context.Background(), env.Server); err != nil {
		t.Fatal(err)
	}
	// Offer the demo's locations to the demo tenants, as serve --demo does:
	// disks, networks and addresses go only where a tenant's machines may.
	if err := demo.SeedCatalogue(context.Background(), env.Server); err != nil {
		t.Fatal(err)
	}
	return env
}

func TestDemoSitesAndLocationPages(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	// Registering again (a restarted demo) changes nothing.
	if err := demo.StartSites(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	locs, _ := env.Server.Locations.FindLocations(ctx)
	sites, _ := env.Server.Locations.FindSites(ctx, "")
	if len(locs) != 3 || len(sites) != 3 { // Berlin, Frankfurt and Zurich, dedicated to acme
		t.Fatalf("%d locations and %d sites after two starts, want 3 and 3", len(locs), len(sites))
	}
	for _, s := range sites {
		if s.Health != domain.SiteOK || s.Info == nil || s.LastSync == nil {
			t.Errorf("site %s: health %s (%s), info %v", s.Name, s.Health, s.HealthNote, s.Info)
		}
	}

	admin := env.Client(t, "localhost")
	admin.Login("", "admin", "demo")
	body := webtest.Body(t, admin.Get("/admin/locations"))
	for _, want := range []string{"Berlin", "(DE)", "Frankfurt", "Healthy", "Accepting"} {
		if !strings.Contains(body, want) {
			t.Errorf("locations page lacks %q", want)
		}
	}
	for _, s := range sites {
		if strings.Contains(body, s.CredentialSealed) || strings.Contains(body, "tsc_") {
			t.Error("the locations page shows a credential")
		}
	}
	var berlin *domain.Site
	for _, s := range sites {
		if s.Name == "Berlin" {
			berlin = s
		}
	}
	detail := webtest.Body(t, admin.Get("/admin/locations/sites/"+berlin.ID))
	for _, want := range []string{"debian-12, ubuntu-24.04", "Clusters", ">6<", "DC0_DVPG0"} {
		if !strings.Contains(detail, want) {
			t.Errorf("Berlin's page lacks %q", want)
		}
	}

	// Disable and enable.
	if resp := admin.PostForm("/admin/locations/sites/"+berlin.ID+"/disable", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if s, _ := env.Server.Locations.FindSiteByID(ctx, berlin.ID); s.Enabled {
		t.Error("site still enabled")
	}
	if !strings.Contains(webtest.Body(t, admin.Get("/admin/locations")), "Disabled") {
		t.Error("the page does not show the disabled site")
	}
	admin.PostForm("/admin/locations/sites/"+berlin.ID+"/enable", nil)
	if s, _ := env.Server.Locations.FindSiteByID(ctx, berlin.ID); !s.Enabled {
		t.Error("site not enabled again")
	}

	// Bad input comes back with field errors, nothing stored.
	resp := admin.PostForm("/admin/locations", url.Values{"name": {""}, "country_code": {"Germany"}})
	body = webtest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-name"`) || !strings.Contains(body, `data-testid="error-country_code"`) {
		t.Errorf("invalid location: %d", resp.StatusCode)
	}
	resp = admin.PostForm("/admin/locations/sites", url.Values{"name": {"X"}, "location_id": {locs[0].ID}, "api_url": {"not a url"}, "credential": {"secret-token"}})
	body = webtest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-api_url"`) || strings.Contains(body, "secret-token") {
		t.Errorf("invalid site: %d (the credential must not be echoed)", resp.StatusCode)
	}

	// A site that is down shows "unreachable" quickly, and the page renders.
	resp = admin.PostForm("/admin/locations/sites", url.Values{"name": {"Munich"}, "location_id": {locs[0].ID}, "api_url": {"http://127.0.0.1:1"}, "credential": {"tsc_whatever"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register down site: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	munich := resp.Header.Get("Location")
	body = webtest.Body(t, admin.Get(munich))
	if !strings.Contains(body, "Unreachable") || !strings.Contains(body, "The site cannot be reached.") {
		t.Error("the down site does not show as unreachable with the reason")
	}
	// "Check now" asks again and says what it found.
	resp = admin.PostForm(munich+"/check", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("check now: %d", resp.StatusCode)
	}
	if body := webtest.Body(t, admin.Get("/admin/locations")); !strings.Contains(body, "Munich is unreachable") {
		t.Error("no notice after checking a down site")
	}

	// Tenant users cannot see the provider's locations.
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	if resp := alice.Get("/admin/locations"); resp.StatusCode == http.StatusOK {
		t.Errorf("a tenant admin reads /admin/locations: %d", resp.StatusCode)
	}
}
