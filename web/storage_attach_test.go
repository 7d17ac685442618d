package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"tessera/demo"
	"tessera/domain"
	"tessera/web"
	"tessera/web/webtest"
)

// The machine page's disks, public addresses and snapshots, the snapshots
// API and deleting a machine with its disks kept or deleted,
// against the demo's simulated sites.

// waitField polls an API object until field is want ("404": until it is gone).
func (e *mEnv) waitField(t *testing.T, tok, path, field, want string) apiResp {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.api(t, tok, "GET", path, nil)
		if want == "404" && r.Status == 404 {
			return r
		}
		if r.Status == 200 && r.Body[field] == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waited for %s = %s, last answer %d %s", path, field, want, r.Status, r.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newMachine creates a running machine in Berlin through the API.
func (e *mEnv) newMachine(t *testing.T, tok, name string) string {
	t.Helper()
	r := e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": name, "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": "Debian 12"})
	if r.Status != 202 {
		t.Fatalf("machine %s: %d %s", name, r.Status, r.Raw)
	}
	id := r.Body["id"].(string)
	e.waitStatus(t, tok, id, "running")
	return id
}

// newDisk creates an available disk in Berlin through the API.
func (e *mEnv) newDisk(t *testing.T, tok, name string, size int) string {
	t.Helper()
	r := e.api(t, tok, "POST", "/api/v1/disks", map[string]any{"name": name, "location": "Berlin", "size_gib": size, "class": "fast"})
	if r.Status != 202 {
		t.Fatalf("disk %s: %d %s", name, r.Status, r.Raw)
	}
	id := r.Body["id"].(string)
	e.waitField(t, tok, "/api/v1/disks/"+id, "state", "available")
	return id
}

func TestMachinePageDisksAddressesSnapshots(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "alice")
	machine := e.newMachine(t, tok, "web")
	disk := e.newDisk(t, tok, "data", 20)
	if err := e.Server.App.Storage.Addresses.CreatePool(context.Background(), &domain.PublicPool{LocationID: e.locs[0].ID, CIDR: "192.0.2.0/30"}); err != nil {
		t.Fatal(err)
	}
	r := e.api(t, tok, "POST", "/api/v1/addresses", map[string]any{"location": "Berlin"})
	if r.Status != 201 {
		t.Fatalf("allocate: %d %s", r.Status, r.Raw)
	}
	addr, ip := r.Body["id"].(string), r.Body["address"].(string)

	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	carol := e.Client(t, "globex.localhost")
	carol.Login("", "carol", "demo")
	page := "/machines/" + machine
	post := func(c *webtest.Client, path string, form url.Values, want int) string {
		t.Helper()
		resp := c.PostForm(path, form)
		body := webtest.Body(t, resp)
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d\n%s", path, resp.StatusCode, want, body)
		}
		return body
	}

	body := webtest.Body(t, alice.Get(page))
	contains(t, body, `data-testid="attach-disk-form"`, "data · 20 GiB fast", `data-testid="attach-address-form"`, ip,
		`data-testid="allocate-attach-address"`, `data-testid="new-address-price"`, `data-testid="nat-note"`, `data-testid="snapshot-form"`, "No snapshots.")

	// Disks: attach from the machine page, see it with its price, detach.
	body = post(alice, page+"/disks", url.Values{"disk": {domain.NewID()}}, 422)
	contains(t, body, `data-testid="error-disk"`, "Choose one of your available disks.")
	post(carol, page+"/disks", url.Values{"disk": {disk}}, 404)
	post(alice, page+"/disks", url.Values{"disk": {disk}}, 303)
	e.waitField(t, tok, "/api/v1/disks/"+disk, "state", "attached")
	body = webtest.Body(t, alice.Get(page))
	contains(t, body, `data-testid="machine-disk-data"`, "20 GiB", "EUR per month", `data-testid="detach-disk"`, `data-testid="delete-disks"`)
	post(alice, page+"/disks", url.Values{"disk": {disk}}, 409) // attached already: said in the section, no 500
	post(carol, page+"/disks/"+disk+"/detach", nil, 404)
	post(alice, page+"/disks/"+disk+"/detach", nil, 303)
	e.waitField(t, tok, "/api/v1/disks/"+disk, "state", "available")
	lacks(t, webtest.Body(t, alice.Get(page)), `data-testid="machine-disk-data"`, `data-testid="delete-disks"`)

	// The Disks page attaches and detaches too.
	body = webtest.Body(t, alice.Get("/disks"))
	contains(t, body, `action="/disks/`+disk+`/attach"`, `<option value="`+machine+`">web</option>`)
	post(carol, "/disks/"+disk+"/attach", url.Values{"machine": {machine}}, 404)
	post(alice, "/disks/"+disk+"/attach", url.Values{"machine": {domain.NewID()}}, 422)
	post(alice, "/disks/"+disk+"/attach", url.Values{"machine": {machine}}, 303)
	e.waitField(t, tok, "/api/v1/disks/"+disk, "state", "attached")
	contains(t, webtest.Body(t, alice.Get("/disks")), `action="/disks/`+disk+`/detach"`)
	post(alice, "/disks/"+disk+"/detach", nil, 303)
	e.waitField(t, tok, "/api/v1/disks/"+disk, "state", "available")

	// Public addresses: attach, see the hourly price, detach; a new one in one click.
	post(carol, page+"/addresses", url.Values{"address": {addr}}, 404)
	post(alice, page+"/addresses", url.Values{"address": {domain.NewID()}}, 422)
	post(alice, page+"/addresses", url.Values{"address": {addr}}, 303)
	e.waitField(t, tok, "/api/v1/addresses/"+addr, "state", "attached")
	body = webtest.Body(t, alice.Get(page))
	contains(t, body, `data-testid="machine-address-`+ip+`"`, "EUR per hour", `data-testid="detach-address"`)
	post(carol, page+"/addresses/"+addr+"/detach", nil, 404)
	post(alice, page+"/addresses/"+addr+"/detach", nil, 303)
	e.waitField(t, tok, "/api/v1/addresses/"+addr, "state", "allocated")
	post(alice, page+"/addresses/new", nil, 303)
	r = e.api(t, tok, "GET", "/api/v1/addresses?machine="+machine, nil)
	if items := r.Body["items"].([]any); len(items) != 1 {
		t.Fatalf("addresses after allocate-and-attach: %s", r.Raw)
	}
	other := r.Body["items"].([]any)[0].(map[string]any)
	e.waitField(t, tok, "/api/v1/addresses/"+other["id"].(string), "state", "attached")

	// Snapshots: take, revert (with its warning), delete.
	body = post(alice, page+"/snapshots", url.Values{"snapshot_name": {"!"}}, 422)
	contains(t, body, `data-testid="error-snapshot_name"`)
	post(carol, page+"/snapshots", url.Values{"snapshot_name": {"x"}}, 404)
	post(alice, page+"/snapshots", url.Values{"snapshot_name": {"before upgrade"}}, 303)
	r = e.api(t, tok, "GET", "/api/v1/machines/"+machine+"/snapshots", nil)
	snaps := r.Body["items"].([]any)
	if len(snaps) != 1 {
		t.Fatalf("snapshots: %s", r.Raw)
	}
	snap := snaps[0].(map[string]any)["id"].(string)
	e.waitField(t, tok, "/api/v1/snapshots/"+snap, "state", "ready")
	body = webtest.Body(t, alice.Get(page))
	contains(t, body, `data-testid="snapshot-before upgrade"`, `data-testid="revert-snapshot"`, "The machine returns to how it was at", `data-testid="delete-snapshot"`)
	post(carol, page+"/snapshots/"+snap+"/revert", nil, 404)
	post(alice, page+"/snapshots/"+snap+"/revert", nil, 303)
	e.waitField(t, tok, "/api/v1/snapshots/"+snap, "state", "ready")
	post(carol, page+"/snapshots/"+snap+"/delete", nil, 404)
	post(alice, page+"/snapshots/"+snap+"/delete", nil, 303)
	e.waitField(t, tok, "/api/v1/snapshots/"+snap, "", "404")

	// A viewer sees the sections without their forms.
	vera := e.Client(t, "acme.localhost")
	vera.Login("", "vera", "demo")
	body = webtest.Body(t, vera.Get(page))
	contains(t, body, `data-testid="machine-disks"`, `data-testid="machine-addresses"`, `data-testid="machine-snapshots"`)
	lacks(t, body, `data-testid="attach-disk-form"`, `data-testid="snapshot-form"`, `data-testid="detach-address"`)
}

func TestSnapshotsAPI(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "alice")
	carol := e.token(t, "globex", "carol")

	// A machine still being created cannot be snapshotted yet.
	r := e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "db", "location": "Berlin", "flavor": "s-1vcpu-1gb", "image": "Debian 12"})
	if r.Status != 202 {
		t.Fatalf("machine: %d %s", r.Status, r.Raw)
	}
	machine := r.Body["id"].(string)
	if r := e.api(t, tok, "POST", "/api/v1/machines/"+machine+"/snapshots", map[string]any{"name": "early"}); r.Status != 409 {
		t.Errorf("snapshot while creating: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, machine, "running")

	base := "/api/v1/machines/" + machine + "/snapshots"
	if r := e.api(t, tok, "POST", base, map[string]any{"name": ""}); r.Status != 422 || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("bad name: %d %s", r.Status, r.Raw)
	}
	r = e.api(t, tok, "POST", base, map[string]any{"name": "nightly"}, "Idempotency-Key", "snap-1")
	if r.Status != 202 || r.Header.Get("Location") != "/api/v1/snapshots/"+r.Body["id"].(string) || r.Body["machine_id"] != machine {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	snap := r.Body["id"].(string)
	if again := e.api(t, tok, "POST", base, map[string]any{"name": "nightly"}, "Idempotency-Key", "snap-1"); again.Status != 202 || again.Body["id"] != snap {
		t.Errorf("same key: %d %s", again.Status, again.Raw)
	}
	path := "/api/v1/snapshots/" + snap
	for _, c := range []struct{ method, path string }{{"GET", base}, {"POST", base}, {"GET", path}, {"POST", path + "/revert"}, {"DELETE", path}} {
		var body any
		if c.method == "POST" && c.path == base {
			body = map[string]any{"name": "theirs"}
		}
		if r := e.api(t, carol, c.method, c.path, body); r.Status != 404 {
			t.Errorf("other tenant %s %s: %d", c.method, c.path, r.Status)
		}
	}
	e.waitField(t, tok, path, "state", "ready")
	if r := e.api(t, tok, "GET", base, nil); len(r.Body["items"].([]any)) != 1 {
		t.Errorf("list: %s", r.Raw)
	}
	if r := e.api(t, tok, "POST", path+"/revert", nil); r.Status != 202 {
		t.Fatalf("revert: %d %s", r.Status, r.Raw)
	}
	e.waitField(t, tok, path, "state", "ready")
	if r := e.api(t, tok, "DELETE", path, nil); r.Status != 202 {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	e.waitField(t, tok, path, "", "404")
	if r := e.api(t, tok, "POST", path+"/revert", nil); r.Status != 404 {
		t.Errorf("revert a deleted snapshot: %d", r.Status)
	}
}

func TestDeleteMachineKeepsOrDeletesDisks(t *testing.T) {
	e := newMachinesEnv(t)
	ctx := context.Background()
	tok := e.token(t, "acme", "alice")
	carol := e.token(t, "globex", "carol")
	keepM, dropM := e.newMachine(t, tok, "keeper"), e.newMachine(t, tok, "dropper")
	kept, dropped := e.newDisk(t, tok, "kept", 5), e.newDisk(t, tok, "dropped", 5)
	for disk, m := range map[string]string{kept: keepM, dropped: dropM} {
		if r := e.api(t, tok, "POST", "/api/v1/disks/"+disk+"/attach", map[string]any{"machine": m}); r.Status != 202 {
			t.Fatalf("attach: %d %s", r.Status, r.Raw)
		}
		e.waitField(t, tok, "/api/v1/disks/"+disk, "state", "attached")
	}
	if err := e.Server.App.Storage.Addresses.CreatePool(ctx, &domain.PublicPool{LocationID: e.locs[0].ID, CIDR: "192.0.2.4/30"}); err != nil {
		t.Fatal(err)
	}
	r := e.api(t, tok, "POST", "/api/v1/addresses", map[string]any{"location": "Berlin"})
	addr := r.Body["id"].(string)
	if r := e.api(t, tok, "POST", "/api/v1/addresses/"+addr+"/attach", map[string]any{"machine": keepM}); r.Status != 202 {
		t.Fatalf("attach address: %d %s", r.Status, r.Raw)
	}
	e.waitField(t, tok, "/api/v1/addresses/"+addr, "state", "attached")

	// API delete, disks kept (the default).
	if r := e.api(t, tok, "DELETE", "/api/v1/machines/"+keepM+"?disks=shred", nil); r.Status != 422 {
		t.Errorf("disks=shred: %d %s", r.Status, r.Raw)
	}
	if r := e.api(t, carol, "DELETE", "/api/v1/machines/"+keepM, nil); r.Status != 404 {
		t.Errorf("other tenant deletes: %d", r.Status)
	}
	if r := e.api(t, tok, "DELETE", "/api/v1/machines/"+keepM, nil); r.Status != 202 {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, keepM, "404")
	d := e.waitField(t, tok, "/api/v1/disks/"+kept, "state", "available")
	if d.Body["machine_id"] != nil {
		t.Errorf("kept disk still names a machine: %s", d.Raw)
	}
	if a := e.waitField(t, tok, "/api/v1/addresses/"+addr, "state", "allocated"); a.Body["machine_id"] != nil {
		t.Errorf("address still names the machine: %s", a.Raw)
	}
	// The disk survives at the site, detached.
	c, err := e.Server.App.Sites.Client(ctx, e.site(t, e.locs[0]).ID)
	if err != nil {
		t.Fatal(err)
	}
	if obs, err := c.(domain.SiteStorageClient).Disk(ctx, kept); err != nil || obs.State != "available" {
		t.Errorf("the site's disk after the machine: %+v %v", obs, err)
	}

	// Portal delete, disks deleted: the form asks, the choice travels with the operation.
	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	contains(t, webtest.Body(t, alice.Get("/machines/"+dropM)), `data-testid="delete-disks"`, `value="keep" checked`)
	resp := alice.PostForm("/machines/"+dropM+"/delete", url.Values{"confirm": {"dropper"}, "disks": {"delete"}})
	if resp.StatusCode != 303 {
		t.Fatalf("portal delete: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	var choice string
	if err := e.DB.Pool.QueryRow(ctx, `SELECT disks FROM machine_operations WHERE machine_id = $1 AND kind = 'delete'`, dropM).Scan(&choice); err != nil || choice != "delete" {
		t.Errorf("recorded choice = %q, %v", choice, err)
	}
	e.waitStatus(t, tok, dropM, "404")
	e.waitField(t, tok, "/api/v1/disks/"+dropped, "", "404")
	if obs, err := c.(domain.SiteStorageClient).Disk(ctx, dropped); err != nil || obs.State != "deleted" {
		t.Errorf("the site's deleted disk: %+v %v", obs, err)
	}
	if strings.Contains(e.api(t, tok, "GET", "/api/v1/disks", nil).Raw, dropped) {
		t.Error("the deleted disk is still listed")
	}
}

// TestDeleteDisksChoiceSurvivesRestart: the delete's choice lives with the
// operation, not in the worker: a delete queued while manage's worker is
// down is carried out, disks included, by the worker that starts next.
func TestDeleteDisksChoiceSurvivesRestart(t *testing.T) {
	var stop func()
	env := webtest.NewWithSetup(t, func(s *web.Server) { stop = s.StartMachineWorker(context.Background()) })
	ctx := context.Background()
	if err := demo.StartSites(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedCatalogue(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	locs, err := env.Server.App.Locations.FindLocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := &mEnv{Env: env, locs: locs[:2]}
	tok := e.token(t, "acme", "alice")
	m := e.newMachine(t, tok, "web")
	disk := e.newDisk(t, tok, "scratch", 3)
	if r := e.api(t, tok, "POST", "/api/v1/disks/"+disk+"/attach", map[string]any{"machine": m}); r.Status != 202 {
		t.Fatalf("attach: %d %s", r.Status, r.Raw)
	}
	e.waitField(t, tok, "/api/v1/disks/"+disk, "state", "attached")

	stop() // manage's worker goes down
	if r := e.api(t, tok, "DELETE", "/api/v1/machines/"+m+"?disks=delete", nil); r.Status != 202 || r.Body["status"] != "deleting" {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	time.Sleep(300 * time.Millisecond)
	if r := e.api(t, tok, "GET", "/api/v1/disks/"+disk, nil); r.Body["state"] != "attached" {
		t.Fatalf("with no worker the disk moved: %s", r.Raw)
	}
	env.Server.StartMachineWorker(ctx) // and comes back
	e.waitStatus(t, tok, m, "404")
	e.waitField(t, tok, "/api/v1/disks/"+disk, "", "404")
}
