package web_test

import (
	"net/http"
	"strings"
	"testing"

	"tessera/web/webtest"
)

// TestNetworkPageMachines: a network's page lists the machines on it with
// their address there, each linking to its machine, and GET
// /api/v1/networks/{id} includes them; another tenant gets 404 for both.
func TestNetworkPageMachines(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "alice")
	other := e.token(t, "globex", "carol")
	r := e.api(t, tok, "POST", "/api/v1/networks", map[string]any{"name": "backend", "location": "Berlin", "cidr": "10.50.0.0/24"})
	if r.Status != 202 {
		t.Fatalf("network: %d %s", r.Status, r.Raw)
	}
	nid := r.Body["id"].(string)

	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	if page := webtest.Body(t, alice.Get("/networks/"+nid)); !strings.Contains(page, `data-testid="network-machines"`) || !strings.Contains(page, "No machine is on this network yet") {
		t.Errorf("empty network page lacks its machines section")
	}

	ids := map[string]string{}
	for _, name := range []string{"web", "db"} {
		r := e.api(t, tok, "POST", "/api/v1/machines", map[string]any{"name": name, "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": "Debian 12", "networks": []string{nid}})
		if r.Status != 202 {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Raw)
		}
		ids[name] = r.Body["id"].(string)
	}

	page := webtest.Body(t, alice.Get("/networks/"+nid))
	for _, s := range []string{
		`data-testid="network-machine-web"`, `href="/machines/` + ids["web"] + `"`, "10.50.0.2/24",
		`data-testid="network-machine-db"`, `href="/machines/` + ids["db"] + `"`, "10.50.0.3/24",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("network page lacks %q", s)
		}
	}
	if strings.Index(page, "10.50.0.2/24") > strings.Index(page, "10.50.0.3/24") {
		t.Errorf("machines not in address order")
	}

	r = e.api(t, tok, "GET", "/api/v1/networks/"+nid, nil)
	if r.Status != 200 || r.Body["machines_total"] != float64(2) {
		t.Fatalf("API network: %d %s", r.Status, r.Raw)
	}
	ms := r.Body["machines"].([]any)
	first := ms[0].(map[string]any)
	if len(ms) != 2 || first["id"] != ids["web"] || first["name"] != "web" || first["address"] != "10.50.0.2" {
		t.Errorf("API machines = %v", ms)
	}

	// Another tenant: the page and the API object are not found, and its
	// own networks do not show acme's machines.
	carol := e.Client(t, "globex.localhost")
	carol.Login("", "carol", "demo")
	if resp := carol.Get("/networks/" + nid); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's network page: %d", resp.StatusCode)
	} else if body := webtest.Body(t, resp); strings.Contains(body, "10.50.0.2") || strings.Contains(body, ids["web"]) {
		t.Errorf("404 page shows the network's machines")
	}
	if r := e.api(t, other, "GET", "/api/v1/networks/"+nid, nil); r.Status != 404 || strings.Contains(r.Raw, "10.50.0.2") {
		t.Errorf("another tenant's network via API: %d %s", r.Status, r.Raw)
	}
}
