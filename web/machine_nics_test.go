package web_test

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"tessera/web/webtest"
)

// TestMachineNetworksAPI creates machines on the tenant's networks through
// the user API, against the demo sites: each interface gets the lowest free
// address of its network, the simulated guest reports it, the machine page
// shows it; wrong networks are refused at the field; no networks means the
// location's default network, made once; a deleted machine's address is
// free again; a network in use cannot be deleted and names its machines.
func TestMachineNetworksAPI(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "alice")
	other := e.token(t, "globex", "carol")

	network := func(token, name, loc, cidr string) string {
		t.Helper()
		r := e.api(t, token, "POST", "/api/v1/networks", map[string]any{"name": name, "location": loc, "cidr": cidr})
		if r.Status != 202 {
			t.Fatalf("network %s: %d %s", name, r.Status, r.Raw)
		}
		return r.Body["id"].(string)
	}
	backend := network(tok, "backend", "Berlin", "10.3.0.0/24")
	db := network(tok, "db", "Berlin", "10.6.0.0/29")
	fra := network(tok, "fra-net", "Frankfurt", "10.4.0.0/24")
	foreign := network(other, "theirs", "Berlin", "10.5.0.0/24")

	create := func(name string, networks ...string) apiResp {
		t.Helper()
		body := map[string]any{"name": name, "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": "Debian 12"}
		if networks != nil {
			body["networks"] = networks
		}
		return e.api(t, tok, "POST", "/api/v1/machines", body)
	}
	nics := func(r apiResp) (out [][2]string) {
		t.Helper()
		list, _ := r.Body["interfaces"].([]any)
		for _, x := range list {
			m := x.(map[string]any)
			out = append(out, [2]string{m["network_name"].(string), m["address"].(string)})
		}
		return out
	}

	// Two networks: one interface on each, in the order asked, right away.
	r := create("web", backend, db)
	if r.Status != 202 {
		t.Fatalf("create web: %d %s", r.Status, r.Raw)
	}
	web := r.Body["id"].(string)
	want := [][2]string{{"backend", "10.3.0.2"}, {"db", "10.6.0.2"}}
	if got := nics(r); !slices.Equal(got, want) {
		t.Errorf("interfaces at create = %v, want %v", got, want)
	}
	for _, n := range want {
		cidr := map[string]string{"backend": "10.3.0.0/24", "db": "10.6.0.0/29"}[n[0]]
		if !netip.MustParsePrefix(cidr).Contains(netip.MustParseAddr(n[1])) {
			t.Errorf("%s outside %s", n[1], cidr)
		}
	}
	// The worker waits for the networks, the site sets the addresses in the
	// guest, and the guest reports them.
	r = e.waitStatus(t, tok, web, "running")
	if got := nics(r); !slices.Equal(got, want) {
		t.Errorf("interfaces on GET = %v, want %v", got, want)
	}
	addrs := r.Body["addresses"].([]any)
	for _, a := range []string{"10.3.0.2", "10.6.0.2"} {
		if !slices.Contains(addrs, any(a)) {
			t.Errorf("guest addresses %v lack %s", addrs, a)
		}
	}
	if r := e.api(t, tok, "GET", "/api/v1/machines", nil); !strings.Contains(r.Raw, `"network_name":"backend"`) {
		t.Errorf("list lacks interfaces: %s", r.Raw)
	}
	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	page := webtest.Body(t, alice.Get("/machines/"+web))
	for _, s := range []string{`data-testid="machine-interfaces"`, `href="/networks/` + backend + `"`, "10.3.0.2/24", "10.6.0.2/29", "10.6.0.1"} {
		if !strings.Contains(page, s) {
			t.Errorf("machine page lacks %q", s)
		}
	}

	// The create form offers the networks; a wrong one is refused at the
	// field with what was typed kept, a right one gives the next address.
	if form := webtest.Body(t, alice.Get("/machines/new")); !strings.Contains(form, `data-testid="network-backend"`) || !strings.Contains(form, "Leave all empty for the default network") {
		t.Errorf("create form lacks the network choice")
	}
	// With a location chosen, only its networks are offered; with
	// "cheapest", every location's (the networks then decide where).
	if form := webtest.Body(t, alice.Get("/machines/new?location="+e.locs[1].ID)); !strings.Contains(form, `data-testid="network-fra-net"`) || strings.Contains(form, `data-testid="network-backend"`) {
		t.Errorf("Frankfurt's create form offers other locations' networks, or not its own")
	}
	if form := webtest.Body(t, alice.Get("/machines/new?location=cheapest")); !strings.Contains(form, `data-testid="network-fra-net"`) || !strings.Contains(form, `data-testid="network-backend"`) {
		t.Errorf("the cheapest create form does not offer every location's networks")
	}
	post := func(networks ...string) (int, string, string) {
		resp := alice.PostForm("/machines", url.Values{"name": {"form1"}, "location": {"Berlin"}, "flavor": {"s-1vcpu-1gb"}, "image": {"Debian 12"}, "networks": networks})
		return resp.StatusCode, resp.Header.Get("Location"), webtest.Body(t, resp)
	}
	if code, _, body := post(foreign); code != 422 || !strings.Contains(body, `data-testid="error-networks"`) || !strings.Contains(body, `value="form1"`) {
		t.Errorf("form with another tenant's network: %d", code)
	}
	code, loc, _ := post(db)
	if code != 303 || !strings.HasPrefix(loc, "/machines/") {
		t.Fatalf("form create: %d %s", code, loc)
	}
	if page := webtest.Body(t, alice.Get(loc)); !strings.Contains(page, "10.6.0.3/29") {
		t.Errorf("form-made machine lacks its interface")
	}

	// Another tenant's network reads like an unknown one; a network of
	// another location is named with its location.
	r = create("bad1", foreign)
	if r.Status != 422 || r.Body["errors"].(map[string]any)["networks"] != "Choose one of your networks." || strings.Contains(r.Raw, "theirs") {
		t.Errorf("another tenant's network: %d %s", r.Status, r.Raw)
	}
	r = create("bad2", fra)
	if msg, _ := r.Body["errors"].(map[string]any)["networks"].(string); r.Status != 422 || !strings.Contains(msg, "Frankfurt") || !strings.Contains(msg, "Berlin") {
		t.Errorf("network elsewhere: %d %s", r.Status, r.Raw)
	}
	if r := create("bad3", backend, backend); r.Status != 422 {
		t.Errorf("same network twice: %d %s", r.Status, r.Raw)
	}
	if r := create("bad4", backend, db, network(tok, "n3", "Berlin", "10.7.0.0/24"), network(tok, "n4", "Berlin", "10.8.0.0/24"), network(tok, "n5", "Berlin", "10.9.0.0/24")); r.Status != 422 {
		t.Errorf("five networks: %d %s", r.Status, r.Raw)
	}

	// No networks: the location's default network, made at first use and
	// then reused.
	r = create("auto1")
	if r.Status != 202 {
		t.Fatalf("create auto1: %d %s", r.Status, r.Raw)
	}
	auto1 := r.Body["id"].(string)
	if got := nics(r); len(got) != 1 || got[0] != [2]string{"default-berlin", "10.0.0.2"} {
		t.Errorf("auto1 interfaces = %v", got)
	}
	r = create("auto2")
	if got := nics(r); r.Status != 202 || len(got) != 1 || got[0] != [2]string{"default-berlin", "10.0.0.3"} {
		t.Errorf("auto2: %d %v", r.Status, got)
	}
	// Another location gets a default network of its own (names are unique
	// in a tenant across locations, so it carries the location's name).
	r = e.api(t, tok, "POST", "/api/v1/machines", map[string]any{"name": "fra1", "location": "Frankfurt", "flavor": "s-1vcpu-1gb", "image": "Ubuntu 24.04"})
	if got := nics(r); r.Status != 202 || len(got) != 1 || got[0] != [2]string{"default-frankfurt", "10.0.0.2"} {
		t.Errorf("fra1 in Frankfurt: %d %v %s", r.Status, got, r.Raw)
	}
	defaults := 0
	for _, x := range e.api(t, tok, "GET", "/api/v1/networks", nil).Body["items"].([]any) {
		if x.(map[string]any)["default"] == true {
			defaults++
		}
	}
	if defaults != 2 {
		t.Errorf("default networks = %d, want one in Berlin and one in Frankfurt", defaults)
	}

	// A network in use is not deleted; the refusal names the machine.
	r = e.api(t, tok, "DELETE", "/api/v1/networks/"+backend, nil)
	if r.Status != 409 || !strings.Contains(r.Body["detail"].(string), "web") {
		t.Errorf("delete network in use: %d %s", r.Status, r.Raw)
	}
	page = webtest.Body(t, alice.PostForm("/networks/"+backend+"/delete", nil))
	if !strings.Contains(page, "in use by machine: web") {
		t.Errorf("portal refusal does not name the machine")
	}

	// Deleting a machine frees its address: the next machine gets it back.
	e.waitStatus(t, tok, auto1, "running")
	if r := e.api(t, tok, "DELETE", "/api/v1/machines/"+auto1, nil); r.Status != 202 {
		t.Fatalf("delete auto1: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, auto1, "404")
	r = create("auto3")
	if got := nics(r); r.Status != 202 || len(got) != 1 || got[0][1] != "10.0.0.2" {
		t.Errorf("the freed address did not come back: %d %s", r.Status, r.Raw)
	}
}
