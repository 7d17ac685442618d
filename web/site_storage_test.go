package web_test

import (
	"net/url"
	"testing"

	"tessera/web/webtest"
)

// The provider admin maps storage classes and assigns port groups on a
// site's page; the site refuses what it does not have, at the field.
func TestAdminSiteStorageSettings(t *testing.T) {
	e := newMachinesEnv(t)
	site := e.site(t, e.locs[0]) // Berlin
	admin := e.Client(t, "")
	admin.Login("", "admin", "demo")
	path := "/admin/locations/sites/" + site.ID + "/storage"

	contains(t, webtest.Body(t, admin.Get("/admin/locations/sites/"+site.ID)), `data-testid="site-storage-link"`)
	body := webtest.Body(t, admin.Get(path))
	contains(t, body, `data-testid="storage-classes-form"`, "LocalDS_0", "Most free space (automatic)", `data-testid="network-pool-form"`, "DC0_DVPG0", `value="100"`, `value="3999"`)

	resp := admin.PostForm(path, url.Values{"class_fast": {"no-such-ds"}, "class_standard": {""}})
	if resp.StatusCode != 422 {
		t.Fatalf("unknown datastore: %d", resp.StatusCode)
	}
	contains(t, webtest.Body(t, resp), `data-testid="error-class_fast"`, `This site has no datastore or datastore cluster called &#34;no-such-ds&#34;.`)

	if resp := admin.PostForm(path, url.Values{"class_fast": {"LocalDS_0"}, "class_standard": {""}}); resp.StatusCode != 303 {
		t.Fatalf("save: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	contains(t, webtest.Body(t, admin.Get(path)), `<option value="LocalDS_0" selected`)

	resp = admin.PostForm("/admin/locations/sites/"+site.ID+"/network-pool", url.Values{"vlan_from": {"200"}, "vlan_to": {"300"}, "port_group": {"no-such-pg"}})
	if resp.StatusCode != 422 {
		t.Fatalf("unknown port group: %d", resp.StatusCode)
	}
	contains(t, webtest.Body(t, resp), `data-testid="error-port_groups"`)
	if resp := admin.PostForm("/admin/locations/sites/"+site.ID+"/network-pool", url.Values{"vlan_from": {"200"}, "vlan_to": {"300"}, "port_group": {"DC0_DVPG0"}}); resp.StatusCode != 303 {
		t.Fatalf("save pool: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	body = webtest.Body(t, admin.Get(path))
	contains(t, body, `value="200"`, `value="300"`, `value="DC0_DVPG0" checked`)

	// Tenants never reach it.
	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	if resp := alice.Get(path); resp.StatusCode != 404 {
		t.Errorf("tenant GET: %d", resp.StatusCode)
	}
}
