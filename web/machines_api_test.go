package web_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web/webtest"
)

func problem(t *testing.T, r apiResp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	if r.Body["status"] != float64(status) || r.Body["title"] == "" || r.Body["detail"] == "" {
		t.Fatalf("problem lacks status/title/detail: %s", r.Raw)
	}
}

func fieldErr(t *testing.T, r apiResp, field string) string {
	t.Helper()
	problem(t, r, 422)
	errs, _ := r.Body["errors"].(map[string]any)
	msg, _ := errs[field].(string)
	if msg == "" {
		t.Fatalf("no error for field %q: %s", field, r.Raw)
	}
	return msg
}

func TestAPIAuthentication(t *testing.T) {
	e := newMachinesEnv(t)
	problem(t, e.api(t, "", "GET", "/api/v1/machines", nil), 401)
	problem(t, e.api(t, "tsr_not-a-real-token", "GET", "/api/v1/machines", nil), 401)
	problem(t, e.api(t, "garbage", "GET", "/api/v1/flavors", nil), 401)
	if r := e.api(t, "", "GET", "/api/v1/machines", nil); r.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}

	tok := e.token(t, "acme", "bob")
	if r := e.api(t, tok, "GET", "/api/v1/machines", nil); r.Status != 200 {
		t.Fatalf("valid token: %d %s", r.Status, r.Raw)
	}
	// A disabled user's token stops working.
	bob := e.User(t, "acme", "bob")
	yes := true
	if _, err := postgres.NewUserService(e.DB).UpdateUser(context.Background(), bob.TenantID, bob.ID, domain.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	problem(t, e.api(t, tok, "GET", "/api/v1/machines", nil), 401)

	// A suspended tenant's tokens stop working.
	ctok := e.token(t, "globex", "carol")
	if r := e.api(t, ctok, "GET", "/api/v1/machines", nil); r.Status != 200 {
		t.Fatalf("carol: %d", r.Status)
	}
	if _, err := e.DB.Pool.Exec(context.Background(), `UPDATE tenants SET status = 'suspended' WHERE slug = 'globex'`); err != nil {
		t.Fatal(err)
	}
	problem(t, e.api(t, ctok, "GET", "/api/v1/machines", nil), 401)
}

func TestAPICatalogue(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "vera")
	for _, path := range []string{"/api/v1/locations", "/api/v1/flavors", "/api/v1/images"} {
		r := e.api(t, tok, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Raw)
		}
		items, _ := r.Body["items"].([]any)
		if len(items) == 0 {
			t.Fatalf("%s: no items: %s", path, r.Raw)
		}
		first := items[0].(map[string]any)
		if first["id"] == "" || first["name"] == "" {
			t.Fatalf("%s: item lacks id/name: %v", path, first)
		}
		if path == "/api/v1/flavors" {
			if first["vcpus"] != float64(1) || first["memory_mib"] != float64(1024) || first["disk_gib"] != float64(20) {
				t.Fatalf("first flavor: %v", first)
			}
		}
		if path == "/api/v1/locations" && (len(items) != 3 || first["name"] != "Berlin") { // acme also has its own, dedicated Zurich
			t.Fatalf("locations: %s", r.Raw)
		}
	}
}

func create(t *testing.T, e *mEnv, tok, name string, hdr ...string) apiResp {
	t.Helper()
	return e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": name, "location": "Berlin", "flavor": "s-2vcpu-2gb", "image": "Debian 12"}, hdr...)
}

func TestAPIMachineLifecycle(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "bob")

	r := create(t, e, tok, "web-1")
	if r.Status != 202 || r.Body["status"] != "creating" || r.Body["name"] != "web-1" {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	price, _ := r.Body["price"].(map[string]any)
	if price["hourly"] != "0.0420" || price["currency"] != "EUR" {
		t.Fatalf("price = %v, want 0.0420 EUR", r.Body["price"])
	}
	if r.Body["location"] != "Berlin" || r.Body["flavor"] != "s-2vcpu-2gb" || r.Body["image"] != "Debian 12" {
		t.Fatalf("create answer: %s", r.Raw)
	}
	id := r.Body["id"].(string)
	if r.Header.Get("Location") != "/api/v1/machines/"+id {
		t.Errorf("Location header %q", r.Header.Get("Location"))
	}
	r = e.waitStatus(t, tok, id, "running")
	// The simulated vCenter reports no guest addresses, so the list may be empty.
	if _, ok := r.Body["addresses"].([]any); !ok {
		t.Fatalf("addresses is not a list: %s", r.Raw)
	}
	for _, k := range []string{"id", "name", "status", "location", "flavor", "image", "addresses", "created_at", "price"} {
		if _, ok := r.Body[k]; !ok {
			t.Errorf("machine lacks %q", k)
		}
	}

	// Wrong state: a running machine cannot start.
	problem(t, e.api(t, tok, "POST", "/api/v1/machines/"+id+"/start", nil), 409)

	r = e.api(t, tok, "POST", "/api/v1/machines/"+id+"/stop", nil)
	if r.Status != 202 || r.Body["status"] != "stopping" {
		t.Fatalf("stop: %d %s", r.Status, r.Raw)
	}
	// While stopping nothing else may start.
	problem(t, e.api(t, tok, "POST", "/api/v1/machines/"+id+"/reboot", nil), 409)
	e.waitStatus(t, tok, id, "stopped")
	problem(t, e.api(t, tok, "POST", "/api/v1/machines/"+id+"/reboot", nil), 409)

	if r = e.api(t, tok, "POST", "/api/v1/machines/"+id+"/start", nil); r.Status != 202 || r.Body["status"] != "starting" {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, id, "running")
	if r = e.api(t, tok, "POST", "/api/v1/machines/"+id+"/reboot", nil); r.Status != 202 || r.Body["status"] != "rebooting" {
		t.Fatalf("reboot: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, id, "running")

	fieldErr(t, e.api(t, tok, "POST", "/api/v1/machines/"+id+"/resize", map[string]string{"flavor": "huge"}), "flavor")
	fieldErr(t, e.api(t, tok, "POST", "/api/v1/machines/"+id+"/resize", map[string]string{}), "flavor")
	if r = e.api(t, tok, "POST", "/api/v1/machines/"+id+"/resize", map[string]string{"flavor": "s-4vcpu-8gb"}); r.Status != 202 || r.Body["status"] != "resizing" {
		t.Fatalf("resize: %d %s", r.Status, r.Raw)
	}
	r = e.waitStatus(t, tok, id, "running")
	if r.Body["flavor"] != "s-4vcpu-8gb" || r.Body["vcpus"] != float64(4) {
		t.Fatalf("after resize: %s", r.Raw)
	}
	if p := r.Body["price"].(map[string]any); p["hourly"] != "0.1200" {
		t.Fatalf("price after resize %v", p)
	}

	if r = e.api(t, tok, "DELETE", "/api/v1/machines/"+id, nil); r.Status != 202 || r.Body["status"] != "deleting" {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, id, "404")
	problem(t, e.api(t, tok, "DELETE", "/api/v1/machines/"+id, nil), 404)

	// The name is free again once the machine is deleted.
	if r = create(t, e, tok, "web-1"); r.Status != 202 {
		t.Fatalf("re-create web-1: %d %s", r.Status, r.Raw)
	}

	// Who did what: the operations and the audit log.
	ops, err := postgres.NewMachineService(e.DB).FindOperations(context.Background(), e.Tenant(t, "acme").ID, id, 50)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range ops {
		if o.Actor != "bob" || o.State != domain.OpSucceeded {
			t.Errorf("operation %s by %q: %s", o.Kind, o.Actor, o.State)
		}
		kinds = append([]string{string(o.Kind)}, kinds...)
	}
	if got := strings.Join(kinds, ","); got != "create,stop,start,reboot,resize,delete" {
		t.Errorf("operations = %s", got)
	}
	events, _, err := postgres.NewAuditService(e.DB).FindAuditEvents(context.Background(), domain.AuditFilter{TenantID: e.Tenant(t, "acme").ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, ev := range events {
		seen[ev.Action] = ev.Result
	}
	for _, a := range []string{"machine.create", "machine.stop", "machine.start", "machine.reboot", "machine.resize", "machine.delete", "machine.create.done", "machine.delete.done"} {
		if _, ok := seen[a]; !ok {
			t.Errorf("audit log lacks %s", a)
		}
	}
	if seen["machine.start"] == "" {
		t.Error("no result recorded")
	}
}

func TestAPIValidation(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "bob")
	post := func(body any) apiResp { return e.api(t, tok, "POST", "/api/v1/machines", body) }
	good := map[string]string{"location": "Berlin", "flavor": "s-1vcpu-1gb", "image": "Debian 12"}
	with := func(k, v string) map[string]string {
		m := map[string]string{"name": "ok-name"}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	if msg := fieldErr(t, post(with("name", "")), "name"); msg != "Enter a name for the machine." {
		t.Errorf("empty name: %q", msg)
	}
	if msg := fieldErr(t, post(with("name", "web_1")), "name"); msg != "Name may contain letters, digits and hyphens." {
		t.Errorf("bad name: %q", msg)
	}
	fieldErr(t, post(with("name", "-web")), "name")
	fieldErr(t, post(with("name", strings.Repeat("a", 64))), "name")
	fieldErr(t, post(with("flavor", "xxl")), "flavor")
	fieldErr(t, post(with("image", "Plan 9")), "image")
	fieldErr(t, post(with("location", "Atlantis")), "location")
	problem(t, e.api(t, tok, "POST", "/api/v1/machines", nil), 422)
	r := e.api(t, tok, "POST", "/api/v1/machines", nil, "Content-Type", "application/json")
	problem(t, r, 422)

	if r := post(with("name", "dup")); r.Status != 202 {
		t.Fatal(r.Raw)
	}
	if msg := fieldErr(t, post(with("name", "DUP")), "name"); !strings.Contains(msg, "already") {
		t.Errorf("duplicate: %q", msg)
	}
	fieldErr(t, e.api(t, tok, "GET", "/api/v1/machines?limit=0", nil), "limit")
	fieldErr(t, e.api(t, tok, "GET", "/api/v1/machines?cursor=!!", nil), "cursor")
	fieldErr(t, e.api(t, tok, "GET", "/api/v1/machines?status=sleeping", nil), "status")

	// Nothing half-written: only "dup" exists.
	var n int
	if err := e.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM machines`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("machines = %d (%v), want 1", n, err)
	}
}

func TestAPIPagination(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "bob")
	for i := 0; i < 5; i++ {
		if r := create(t, e, tok, fmt.Sprintf("m-%d", i)); r.Status != 202 {
			t.Fatal(r.Raw)
		}
	}
	for _, sort := range []string{"name", "created", "status"} {
		var names []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			r := e.api(t, tok, "GET", "/api/v1/machines?limit=2&sort="+sort+"&cursor="+cursor, nil)
			if r.Status != 200 {
				t.Fatal(r.Raw)
			}
			for _, it := range r.Body["items"].([]any) {
				names = append(names, it.(map[string]any)["name"].(string))
			}
			cursor, _ = r.Body["next_cursor"].(string)
			if cursor == "" {
				break
			}
		}
		if len(names) != 5 {
			t.Errorf("sort %s: %v", sort, names)
		}
		if sort == "name" && strings.Join(names, ",") != "m-0,m-1,m-2,m-3,m-4" {
			t.Errorf("by name: %v", names)
		}
		if sort == "created" && names[0] != "m-4" {
			t.Errorf("newest first: %v", names)
		}
	}
}

func TestAPICrossTenant(t *testing.T) {
	e := newMachinesEnv(t)
	acme, globex := e.token(t, "acme", "bob"), e.token(t, "globex", "carol")
	r := create(t, e, acme, "secret-box")
	id := r.Body["id"].(string)
	e.waitStatus(t, acme, id, "running")
	problem(t, e.api(t, globex, "GET", "/api/v1/machines/"+id, nil), 404)
	for _, a := range []string{"start", "stop", "reboot"} {
		problem(t, e.api(t, globex, "POST", "/api/v1/machines/"+id+"/"+a, nil), 404)
	}
	problem(t, e.api(t, globex, "POST", "/api/v1/machines/"+id+"/resize", map[string]string{"flavor": "s-4vcpu-8gb"}), 404)
	problem(t, e.api(t, globex, "DELETE", "/api/v1/machines/"+id, nil), 404)
	if r := e.api(t, globex, "GET", "/api/v1/machines", nil); len(r.Body["items"].([]any)) != 0 {
		t.Fatalf("globex sees acme's machines: %s", r.Raw)
	}
	problem(t, e.api(t, acme, "GET", "/api/v1/machines/not-an-id", nil), 404)
	// The same name is fine in another tenant.
	if r := create(t, e, globex, "secret-box"); r.Status != 202 {
		t.Fatal(r.Raw)
	}
	// Acme's machine is untouched.
	if r := e.api(t, acme, "GET", "/api/v1/machines/"+id, nil); r.Body["status"] != "running" {
		t.Fatal(r.Raw)
	}
}

func TestAPIViewerCannotChange(t *testing.T) {
	e := newMachinesEnv(t)
	bob, vera := e.token(t, "acme", "bob"), e.token(t, "acme", "vera")
	id := create(t, e, bob, "app-1").Body["id"].(string)
	e.waitStatus(t, bob, id, "running")
	problem(t, create(t, e, vera, "vera-1"), 403)
	problem(t, e.api(t, vera, "POST", "/api/v1/machines/"+id+"/stop", nil), 403)
	problem(t, e.api(t, vera, "POST", "/api/v1/machines/"+id+"/resize", map[string]string{"flavor": "s-4vcpu-8gb"}), 403)
	problem(t, e.api(t, vera, "DELETE", "/api/v1/machines/"+id, nil), 403)
	if r := e.api(t, vera, "GET", "/api/v1/machines/"+id, nil); r.Status != 200 {
		t.Fatalf("viewer read: %d", r.Status)
	}
}

func TestAPIIdempotentCreate(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "bob")
	a := create(t, e, tok, "idem-1", "Idempotency-Key", "k-123")
	b := create(t, e, tok, "idem-1", "Idempotency-Key", "k-123")
	if a.Status != 202 || b.Status != 202 || a.Body["id"] != b.Body["id"] {
		t.Fatalf("retry gave another answer:\n%s\n%s", a.Raw, b.Raw)
	}
	// Parallel retries with one new key: still one machine.
	var wg sync.WaitGroup
	ids := make([]any, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = create(t, e, tok, "idem-2", "Idempotency-Key", "k-456").Body["id"]
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == nil || id != ids[0] {
			t.Fatalf("parallel retries: %v", ids)
		}
	}
	// The same key in another tenant is another request.
	c := create(t, e, e.token(t, "globex", "dave"), "idem-1", "Idempotency-Key", "k-123")
	if c.Status != 202 || c.Body["id"] == a.Body["id"] {
		t.Fatalf("globex with acme's key: %s", c.Raw)
	}
	var n int
	_ = e.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM machines m JOIN tenants t ON t.id = m.tenant_id WHERE t.slug = 'acme'`).Scan(&n)
	if n != 2 {
		t.Fatalf("acme has %d machines, want 2", n)
	}
}

// Two parallel creates cannot both take the last free slot.
func TestAPIQuotaRace(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "bob")
	cat := postgres.NewCatalogueService(e.DB)
	acme := e.Tenant(t, "acme")
	for round := 0; round < 5; round++ {
		// One free slot left.
		if err := cat.SetQuota(context.Background(), &domain.Quota{TenantID: acme.ID, Machines: round + 1, VCPUs: 100, MemoryMiB: 1 << 20, DiskGiB: 10000}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		res := make([]apiResp, 2)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = create(t, e, tok, fmt.Sprintf("race-%d-%d", round, i))
			}()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, r := range res {
			switch r.Status {
			case 202:
				ok++
			case 409:
				refused++
				if d := r.Body["detail"].(string); !strings.Contains(d, "Quota exceeded: machines") || !strings.Contains(d, "1 over") {
					t.Errorf("quota message: %q", d)
				}
			default:
				t.Fatalf("unexpected %d %s", r.Status, r.Raw)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("round %d: %d created, %d refused; want 1 and 1", round, ok, refused)
		}
	}
	// vCPU quota names the quota and the overrun.
	if err := cat.SetQuota(context.Background(), &domain.Quota{TenantID: acme.ID, Machines: 100, VCPUs: 11, MemoryMiB: 1 << 20, DiskGiB: 10000}); err != nil {
		t.Fatal(err)
	}
	r := create(t, e, tok, "too-big")
	problem(t, r, 409)
	if d := r.Body["detail"].(string); !strings.Contains(d, "vCPUs") || !strings.Contains(d, "1 over") {
		t.Errorf("vCPU quota message: %q", d)
	}
}

// A site that does not answer leaves the machine in its transitional status;
// a restarted worker resumes and finishes the operation.
func TestWorkerSiteDownAndRestart(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "bob")
	// Berlin's connect site stops answering (its address points nowhere).
	ctx := context.Background()
	berlin := e.site(t, e.locs[0])
	realURL := berlin.APIURL
	berlin.APIURL = "http://127.0.0.1:9"
	if err := e.Server.App.Locations.UpdateSite(ctx, berlin); err != nil {
		t.Fatal(err)
	}
	id := create(t, e, tok, "patient").Body["id"].(string)
	// Pages still answer while the site is down.
	if r := e.api(t, tok, "GET", "/api/v1/machines/"+id, nil); r.Status != 200 || r.Body["status"] != "creating" {
		t.Fatalf("while down: %s", r.Raw)
	}
	c := e.Client(t, "acme.localhost")
	c.Login("", "bob", "demo")
	if resp := c.Get("/machines/" + id); resp.StatusCode != 200 {
		t.Fatalf("machine page while site is down: %d", resp.StatusCode)
	}
	// While a machine is busy the list and the machine page refresh themselves.
	if body := webtest.Body(t, c.Get("/machines")); !strings.Contains(body, `hx-trigger="every 2s"`) || !strings.Contains(body, `data-testid="status">Creating<`) {
		t.Fatal("the list does not poll while a machine is being created")
	}
	if body := webtest.Body(t, c.Get("/machines/"+id)); !strings.Contains(body, `hx-trigger="every 2s"`) || strings.Contains(body, `data-testid="machine-actions"><form`) {
		t.Fatal("the machine page does not poll, or offers actions, while creating")
	}
	// A second manage process's worker (as after a restart) picks it up.
	stop := e.Server.StartMachineWorker(context.Background())
	defer stop()
	berlin.APIURL = realURL
	if err := e.Server.App.Locations.UpdateSite(ctx, berlin); err != nil {
		t.Fatal(err)
	}
	e.waitStatus(t, tok, id, "running")
}

// A failed create leaves the machine in error with the site's reason.
func TestWorkerFailedCreate(t *testing.T) {
	e := newMachinesEnv(t)
	ctx := context.Background()
	cat := postgres.NewCatalogueService(e.DB)
	img := &domain.MachineImage{Name: "Broken", Template: "broken"}
	if err := cat.CreateImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	acme := e.Tenant(t, "acme")
	fs, _ := cat.TenantFlavors(ctx, acme.ID)
	is, _ := cat.TenantImages(ctx, acme.ID)
	locs, _ := cat.TenantLocationIDs(ctx, acme.ID)
	c := domain.TenantCatalogue{LocationIDs: locs, ImageIDs: []string{img.ID}}
	for _, f := range fs {
		c.FlavorIDs = append(c.FlavorIDs, f.ID)
	}
	for _, i := range is {
		c.ImageIDs = append(c.ImageIDs, i.ID)
	}
	if err := cat.SetTenantCatalogue(ctx, acme.ID, c); err != nil {
		t.Fatal(err)
	}
	// Manage's cached inventory of Frankfurt lists the template (it went
	// stale), so the image is offered there; vCenter no longer has it.
	if _, err := e.DB.Pool.Exec(ctx, `UPDATE sites SET info = jsonb_set(info, '{templates}', coalesce(info->'templates', '[]') || '["broken"]') WHERE name = 'Frankfurt'`); err != nil {
		t.Fatal(err)
	}
	tok := e.token(t, "acme", "bob")
	r := e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "doomed", "location": "Frankfurt", "flavor": "s-1vcpu-1gb", "image": "Broken"})
	r = e.waitStatus(t, tok, r.Body["id"].(string), "error")
	if !strings.Contains(r.Body["error"].(string), "does not exist") {
		t.Fatalf("error reason: %s", r.Raw)
	}
	// An errored machine can be deleted.
	if r := e.api(t, tok, "DELETE", "/api/v1/machines/"+r.Body["id"].(string), nil); r.Status != 202 {
		t.Fatal(r.Raw)
	}
}
