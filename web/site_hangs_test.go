package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/web/webtest"
)

// TestGetRoutesWithHangingSite: a site whose API never answers makes no
// GET route slow. Every GET route of the portal, the admin area and the
// user API (walked from the router, its parameters filled with the ids of
// real records, many of them waiting for an operation at that site)
// answers within a second and without a server error: pages read what the
// database knows and never wait on a site.
func TestGetRoutesWithHangingSite(t *testing.T) {
	env := webtest.New(t)
	ctx := context.Background()

	// The site accepts connections and never answers.
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hang.Close() })

	loc := &domain.GeoLocation{Name: "Hangzhou", CountryCode: "CN"}
	if err := env.Server.Locations.CreateLocation(ctx, loc); err != nil {
		t.Fatal(err)
	}
	sealed, err := env.Server.Secrets.Seal("token")
	if err != nil {
		t.Fatal(err)
	}
	site := &domain.Site{Name: "Hangzhou", LocationID: loc.ID, APIURL: hang.URL, CredentialSealed: sealed, Enabled: true}
	if err := env.Server.Locations.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}

	// acme's records, each waiting for that site.
	acme := env.Tenant(t, "acme")
	alice := env.User(t, "acme", "alice")
	app := env.Server.App
	machine := domain.NewID()
	if _, err := env.DB.Pool.Exec(ctx, `INSERT INTO machines (id, tenant_id, name, location_id, site_id, flavor_id, image_id, vcpus, memory_mib, disk_gib, status, addresses, created_by)
		SELECT $1, $2, 'hung', $3, $4, f.id, i.id, f.vcpus, f.memory_mib, f.disk_gib, 'running', '{}', 'alice'
		FROM (SELECT id, vcpus, memory_mib, disk_gib FROM flavors ORDER BY name LIMIT 1) f, (SELECT id FROM images ORDER BY name LIMIT 1) i`,
		machine, acme.ID, loc.ID, site.ID); err != nil {
		t.Fatal(err)
	}
	disk := &domain.Disk{TenantID: acme.ID, Name: "hung", LocationID: loc.ID, SiteID: site.ID, SizeGiB: 10}
	if _, err := app.Storage.Disks.CreateDisk(ctx, disk); err != nil {
		t.Fatal(err)
	}
	network := &domain.Network{TenantID: acme.ID, Name: "hung", LocationID: loc.ID, CIDR: "10.250.0.0/24", State: domain.NetworkCreating}
	if _, err := app.Storage.Networks.CreateNetwork(ctx, network); err != nil {
		t.Fatal(err)
	}
	rule := &domain.FirewallRule{TenantID: acme.ID, NetworkID: network.ID, Protocol: "tcp", PortFrom: 22, Source: "0.0.0.0/0"}
	if err := app.Storage.Networks.AddRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	snap := &domain.Snapshot{TenantID: acme.ID, MachineID: machine, SiteID: site.ID, Name: "hung"}
	if err := app.Storage.Snapshots.CreateSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if err := app.Storage.Addresses.CreatePool(ctx, &domain.PublicPool{LocationID: loc.ID, CIDR: "203.0.113.0/28"}); err != nil {
		t.Fatal(err)
	}
	addr, err := app.Storage.Addresses.AllocatePublic(ctx, acme.ID, loc.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Storage.Addresses.SetAddressOp(ctx, acme.ID, addr.ID, site.ID, "address_attach:"+domain.NewID()); err != nil {
		t.Fatal(err)
	}
	if err := app.Storage.Addresses.SetPublicAddressState(ctx, acme.ID, addr.ID, domain.AddressAllocated, domain.AddressAttaching, machine); err != nil {
		t.Fatal(err)
	}
	own := &domain.MachineImage{TenantID: acme.ID, Name: "hung", SiteID: site.ID, LocationID: loc.ID, MachineID: machine, OS: "linux"}
	if err := app.Storage.TenantImages.CreateTenantImage(ctx, own); err != nil {
		t.Fatal(err)
	}
	published := &domain.SiteImage{Name: "hung-1", URL: "https://images.example/hung.ova"}
	if err := app.Storage.Images.CreateImage(ctx, published); err != nil {
		t.Fatal(err)
	}
	if err := app.Storage.Images.SaveReplica(ctx, &domain.ImageReplica{ImageID: published.ID, ImageName: published.Name, SiteID: site.ID, LocationID: loc.ID, State: domain.ReplicaCopying}); err != nil {
		t.Fatal(err)
	}
	tok, err := app.Tokens.CreateToken(ctx, &domain.APIToken{TenantID: acme.ID, UserID: alice.ID, Name: "hanging-site"})
	if err != nil {
		t.Fatal(err)
	}
	var tokenID, cardID, invoiceID string
	_ = env.DB.Pool.QueryRow(ctx, `SELECT id::text FROM api_tokens WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`, acme.ID).Scan(&tokenID)
	_ = env.DB.Pool.QueryRow(ctx, `SELECT id::text FROM rate_cards ORDER BY name LIMIT 1`).Scan(&cardID)
	if err := env.DB.Pool.QueryRow(ctx, `SELECT id::text FROM invoices WHERE tenant_id = $1 LIMIT 1`, acme.ID).Scan(&invoiceID); err != nil {
		invoiceID = domain.NewID() // none yet: a 404 is an answer too
	}

	// A URL parameter's value by its name, or by the segment before it.
	ids := map[string]string{
		"machineID": machine, "machines": machine,
		"diskID": disk.ID, "disks": disk.ID,
		"networkID": network.ID, "networks": network.ID,
		"ruleID": rule.ID, "rules": rule.ID,
		"snapshotID": snap.ID, "snapshots": snap.ID,
		"addressID": addr.ID, "addresses": addr.ID,
		"imageID": own.ID, "images": own.ID,
		"tenantID": acme.ID, "tenants": acme.ID,
		"siteID": site.ID, "sites": site.ID,
		"locationID": loc.ID, "locations": loc.ID,
		"userID": alice.ID, "users": alice.ID,
		"tokenID": tokenID, "tokens": tokenID,
		"cardID": cardID, "pricing": cardID,
		"invoiceID": invoiceID, "invoices": invoiceID,
		"name": "logo",
	}
	param := regexp.MustCompile(`\{([A-Za-z]+)(:[^}]*)?\}`)
	fill := func(route string) string {
		segs := strings.Split(strings.TrimSuffix(route, "/*"), "/")
		for i, s := range segs {
			m := param.FindStringSubmatch(s)
			if m == nil {
				continue
			}
			v := ids[m[1]]
			if v == "" && i > 0 {
				v = ids[segs[i-1]]
			}
			if v == "" {
				t.Errorf("%s: no value for {%s}", route, m[1])
				v = domain.NewID()
			}
			segs[i] = v
		}
		return strings.Join(segs, "/")
	}

	portal := env.Client(t, "acme.localhost")
	portal.Login("", "alice", "demo")
	admin := env.Client(t, "")
	admin.Login("", "admin", "demo")

	routes, ok := env.Server.Handler().(chi.Routes)
	if !ok {
		t.Fatalf("the server's handler is a %T, not a chi router", env.Server.Handler())
	}
	var n int
	err = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet || strings.HasPrefix(route, "/static/") {
			return nil
		}
		path := fill(route)
		var resp *http.Response
		start := time.Now()
		switch {
		case strings.HasPrefix(route, "/api/v1/"):
			req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp = portal.Do(req)
		case strings.HasPrefix(route, "/admin"):
			resp = admin.Get(path)
		default:
			resp = portal.Get(path)
		}
		_ = webtest.Body(t, resp)
		took := time.Since(start)
		n++
		if took > time.Second {
			t.Errorf("GET %s (%s) took %v with a hanging site", path, route, took.Round(time.Millisecond))
		}
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s (%s) = %d with a hanging site", path, route, resp.StatusCode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("walked %d GET routes", n)
	if n < 60 {
		t.Errorf("walked %d GET routes; the router has more", n)
	}
}

// TestMachinePagePollsOnce: a machine page whose machine and storage are
// both busy asks the server once per interval; that one answer refreshes
// the status part too.
func TestMachinePagePollsOnce(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	acme := env.Tenant(t, "acme")
	sites, err := env.Server.Locations.FindSites(ctx, "")
	if err != nil || len(sites) == 0 {
		t.Fatalf("sites: %v %v", sites, err)
	}
	machine := domain.NewID()
	if _, err := env.DB.Pool.Exec(ctx, `INSERT INTO machines (id, tenant_id, name, location_id, site_id, flavor_id, image_id, vcpus, memory_mib, disk_gib, status, addresses, created_by)
		SELECT $1, $2, 'busy', $3, $4, f.id, i.id, f.vcpus, f.memory_mib, f.disk_gib, 'stopping', '{}', 'alice'
		FROM (SELECT id, vcpus, memory_mib, disk_gib FROM flavors ORDER BY name LIMIT 1) f, (SELECT id FROM images ORDER BY name LIMIT 1) i`,
		machine, acme.ID, sites[0].LocationID, sites[0].ID); err != nil {
		t.Fatal(err)
	}
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	body := webtest.Body(t, alice.Get("/machines/"+machine))
	if n := strings.Count(body, `hx-trigger="every 2s"`); n != 1 {
		t.Errorf("the machine page polls %d times per interval, want once", n)
	}
	if !strings.Contains(body, `hx-select-oob="#machine-live"`) || !strings.Contains(body, `id="machine-live" class="card" data-polling="true"`) {
		t.Error("the page's one poll does not refresh the machine's status part")
	}
}
