package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"tessera/domain"
	"tessera/web/webtest"
)

// apiAs calls the user API as one user, with an API token of theirs,
// through the server's own /api/v1 routes.
type apiAs struct {
	t     *testing.T
	url   string
	token string
}

func storageAPI(t *testing.T, env *webtest.Env, slug, login string) *apiAs {
	t.Helper()
	u := env.User(t, slug, login)
	tok, err := env.Server.App.Tokens.CreateToken(context.Background(), &domain.APIToken{TenantID: u.TenantID, UserID: u.ID, Name: "storage-test-" + login})
	if err != nil {
		t.Fatal(err)
	}
	return &apiAs{t: t, url: env.URL, token: tok}
}

func (a *apiAs) do(method, path, key string, body any) (int, map[string]any, http.Header) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func TestStorageAPI(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	alice := storageAPI(t, env, "acme", "alice")
	vera := storageAPI(t, env, "acme", "vera")
	carol := storageAPI(t, env, "globex", "carol")

	// Disks: 202 with Location, the same Idempotency-Key returns the same disk.
	code, d, h := alice.do("POST", "/api/v1/disks", "disk-1", map[string]any{"name": "data", "location": "Berlin", "size_gib": 10})
	if code != http.StatusAccepted || h.Get("Location") != "/api/v1/disks/"+d["id"].(string) || d["class"] != "standard" {
		t.Fatalf("create disk: %d %v", code, d)
	}
	if code, again, _ := alice.do("POST", "/api/v1/disks", "disk-1", map[string]any{"name": "data", "location": "Berlin", "size_gib": 10}); code != http.StatusAccepted || again["id"] != d["id"] {
		t.Errorf("same key: %d %v", code, again)
	}
	code, p, h := alice.do("POST", "/api/v1/disks", "", map[string]any{"name": "", "location": "Mars", "size_gib": 0, "class": "gold"})
	if code != http.StatusUnprocessableEntity || h.Get("Content-Type") != "application/problem+json" || p["errors"] == nil {
		t.Errorf("bad disk: %d %v", code, p)
	}
	if code, _, _ := alice.do("POST", "/api/v1/disks", "", map[string]any{"name": "x", "location": "Berlin", "size_gib": "ten"}); code != http.StatusUnprocessableEntity {
		t.Errorf("wrong type: %d", code)
	}
	diskPath := "/api/v1/disks/" + d["id"].(string)
	// Zurich is dedicated to acme: globex can put nothing there (and is not
	// told it exists), while acme can.
	for _, c := range []struct {
		path, key string
		body      map[string]any
	}{
		{"/api/v1/disks", "z-disk", map[string]any{"name": "z", "location": "Zurich", "size_gib": 10}},
		{"/api/v1/networks", "z-net", map[string]any{"name": "z", "location": "Zurich", "cidr": "10.77.0.0/24"}},
		{"/api/v1/addresses", "z-ip", map[string]any{"location": "Zurich"}},
	} {
		code, p, _ := carol.do("POST", c.path, c.key, c.body)
		if errs, _ := p["errors"].(map[string]any); code != http.StatusUnprocessableEntity || errs["location"] == nil {
			t.Errorf("globex %s in acme's Zurich: %d %v", c.path, code, p)
		}
	}
	if code, _, _ := alice.do("POST", "/api/v1/disks", "z-disk", map[string]any{"name": "z", "location": "Zurich", "size_gib": 10}); code != http.StatusAccepted {
		t.Errorf("acme disk in its own Zurich: %d", code)
	}
	carolPortal := env.Client(t, "globex.localhost")
	carolPortal.Login("", "carol", "demo")
	if body := webtest.Body(t, carolPortal.Get("/disks")); strings.Contains(body, "Zurich") {
		t.Errorf("globex's Disks page offers acme's Zurich")
	}
	if code, _, _ := carol.do("GET", diskPath, "", nil); code != http.StatusNotFound {
		t.Errorf("other tenant reads the disk: %d", code)
	}
	if code, _, _ := carol.do("DELETE", diskPath, "", nil); code != http.StatusNotFound {
		t.Errorf("other tenant deletes the disk: %d", code)
	}
	if code, _, _ := vera.do("POST", "/api/v1/disks", "", map[string]any{"name": "v", "location": "Berlin", "size_gib": 1}); code != http.StatusForbidden {
		t.Errorf("viewer creates: %d", code)
	}
	waitAPI := func(path, field, want string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, got, _ := alice.do("GET", path, "", nil)
			if got[field] == want {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s is %v, want %s", path, field, got[field], want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitAPI(diskPath, "state", "available")

	// Attach to a machine at the Berlin site (made through the site's API).
	sites, _ := env.Server.Locations.FindSites(ctx, "")
	var berlin *domain.Site
	for _, s := range sites {
		if s.Name == "Berlin" {
			berlin = s
		}
	}
	c, _ := env.Server.App.Sites.Client(ctx, berlin.ID)
	machine := domain.NewID()
	op, err := c.Submit(ctx, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpCreate, MachineID: machine,
		Spec: &domain.MachineSpec{Name: "web", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1024, Image: "ubuntu-24.04"}})
	if err != nil {
		t.Fatal(err)
	}
	for o, _ := c.Operation(ctx, op.ID); !o.State.Done(); o, _ = c.Operation(ctx, op.ID) {
		time.Sleep(100 * time.Millisecond)
	}
	acme := env.Tenant(t, "acme").ID
	// manage's record of that machine: acme's, running at the Berlin site.
	if _, err := env.DB.Pool.Exec(ctx, `INSERT INTO machines (id, tenant_id, name, location_id, site_id, flavor_id, image_id, vcpus, memory_mib, disk_gib, status, addresses, created_by)
		SELECT $1, $2, 'web', $3, $4, f.id, i.id, f.vcpus, f.memory_mib, f.disk_gib, 'running', '{}', 'alice'
		FROM (SELECT id, vcpus, memory_mib, disk_gib FROM flavors ORDER BY name LIMIT 1) f, (SELECT id FROM images ORDER BY name LIMIT 1) i`,
		machine, acme, berlin.LocationID, berlin.ID); err != nil {
		t.Fatal(err)
	}
	if code, p, _ := alice.do("POST", diskPath+"/attach", "", map[string]any{"machine": domain.NewID()}); code != http.StatusUnprocessableEntity {
		t.Errorf("attach to an unknown machine: %d %v", code, p)
	}
	if code, _, _ := alice.do("POST", diskPath+"/attach", "", map[string]any{"machine": machine}); code != http.StatusAccepted {
		t.Fatalf("attach: %d", code)
	}
	waitAPI(diskPath, "state", "attached")
	if code, _, _ := alice.do("DELETE", diskPath, "", nil); code != http.StatusConflict {
		t.Errorf("delete attached: %d", code)
	}
	if code, _, _ := alice.do("POST", diskPath+"/grow", "", map[string]any{"size_gib": 20}); code != http.StatusAccepted {
		t.Errorf("grow: %d", code)
	}
	if got := waitAPI(diskPath, "state", "attached"); got["size_gib"] != float64(20) {
		t.Errorf("after grow: %v", got)
	}
	if code, _, _ := alice.do("POST", diskPath+"/detach", "", nil); code != http.StatusAccepted {
		t.Errorf("detach: %d", code)
	}
	waitAPI(diskPath, "state", "available")
	if code, _, _ := alice.do("DELETE", diskPath, "", nil); code != http.StatusAccepted {
		t.Errorf("delete: %d", code)
	}

	// Networks and firewall rules.
	code, n, _ := alice.do("POST", "/api/v1/networks", "net-1", map[string]any{"name": "backend", "location": "Berlin", "cidr": "10.1.0.0/24"})
	if code != http.StatusAccepted || n["gateway"] != "10.1.0.1" {
		t.Fatalf("create network: %d %v", code, n)
	}
	netPath := "/api/v1/networks/" + n["id"].(string)
	if code, p, _ := alice.do("POST", "/api/v1/networks", "", map[string]any{"name": "b2", "location": "Berlin", "cidr": "10.1.0.0/16"}); code != http.StatusUnprocessableEntity {
		t.Errorf("overlap: %d %v", code, p)
	}
	if code, _, _ := alice.do("POST", netPath+"/rules", "", map[string]any{"protocol": "tcp", "port_from": 443}); code != http.StatusCreated {
		t.Errorf("add rule: %d", code)
	}
	if code, _, _ := carol.do("GET", netPath+"/rules", "", nil); code != http.StatusNotFound {
		t.Errorf("other tenant reads rules: %d", code)
	}
	waitAPI(netPath, "state", "ready")
	if _, err := env.Server.App.Storage.Networks.AllocateAddress(ctx, acme, n["id"].(string), machine); err != nil {
		t.Fatal(err)
	}
	if code, p, _ := alice.do("DELETE", netPath, "", nil); code != http.StatusConflict || p["errors"] == nil {
		t.Errorf("delete in use: %d %v", code, p)
	}

	// Public addresses.
	if err := env.Server.App.Storage.Addresses.CreatePool(ctx, &domain.PublicPool{LocationID: berlin.LocationID, CIDR: "198.51.100.0/30"}); err != nil {
		t.Fatal(err)
	}
	code, ad, _ := alice.do("POST", "/api/v1/addresses", "ip-1", map[string]any{"location": "Berlin"})
	if code != http.StatusCreated || ad["address"] != "198.51.100.0" || ad["state"] != "allocated" {
		t.Fatalf("allocate: %d %v", code, ad)
	}
	if _, again, _ := alice.do("POST", "/api/v1/addresses", "ip-1", map[string]any{"location": "Berlin"}); again["id"] != ad["id"] {
		t.Errorf("same key allocated another address: %v", again)
	}
	adPath := "/api/v1/addresses/" + ad["id"].(string)
	if code, got, _ := alice.do("POST", adPath+"/attach", "", map[string]any{"machine": machine}); code != http.StatusAccepted || got["machine_id"] != machine {
		t.Errorf("attach address: %d %v", code, got)
	}
	waitAPI(adPath, "state", "attached")
	if code, _, _ := alice.do("DELETE", adPath, "", nil); code != http.StatusConflict {
		t.Errorf("release attached: %d", code)
	}
	if code, _, _ := carol.do("POST", adPath+"/detach", "", nil); code != http.StatusNotFound {
		t.Errorf("other tenant detaches: %d", code)
	}
	if code, _, _ := alice.do("POST", adPath+"/detach", "", nil); code != http.StatusAccepted {
		t.Errorf("detach address: %d", code)
	}
	waitAPI(adPath, "state", "allocated")
	if code, _, _ := alice.do("DELETE", adPath, "", nil); code != http.StatusNoContent {
		t.Errorf("release: %d", code)
	}
}
