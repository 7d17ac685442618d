package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web/webtest"
)

func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func lacks(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			t.Errorf("page has %q", w)
		}
	}
}

func idsOf(t *testing.T, e *mEnv, slug string) (loc, flavor, image string) {
	ctx := context.Background()
	cat := postgres.NewCatalogueService(e.DB)
	tid := e.Tenant(t, slug).ID
	fs, _ := cat.TenantFlavors(ctx, tid)
	is, _ := cat.TenantImages(ctx, tid)
	return e.locs[0].ID, fs[1].ID, is[0].ID
}

func TestPortalMachines(t *testing.T) {
	e := newMachinesEnv(t)
	bob := e.Client(t, "acme.localhost")
	bob.Login("", "bob", "demo")

	body := webtest.Body(t, bob.Get("/machines"))
	contains(t, body, "No machines yet", `data-testid="create-machine"`)

	// The create form shows a price for the first choices.
	body = webtest.Body(t, bob.Get("/machines/new"))
	contains(t, body, `data-testid="price-hourly"`, "0.0240 EUR/h", "Berlin", "Frankfurt", "s-2vcpu-2gb", "Debian 12")
	loc, fl, img := idsOf(t, e, "acme")
	body = webtest.Body(t, bob.Get("/machines/new/price?"+url.Values{"location": {loc}, "flavor": {fl}, "image": {img}}.Encode()))
	contains(t, body, "0.0420 EUR/h", "30.66 EUR/month")

	// The name is checked as soon as the field is left.
	contains(t, webtest.Body(t, bob.Get("/machines/new/name?name=web_1")), "Name may contain letters, digits and hyphens.")
	lacks(t, webtest.Body(t, bob.Get("/machines/new/name?name=web-1")), "Name may")

	// A bad name: the error stands at the field, the typed input stays, nothing is created.
	resp := bob.PostForm("/machines", url.Values{"name": {"web_1!"}, "location": {loc}, "flavor": {fl}, "image": {img}})
	body = webtest.Body(t, resp)
	if resp.StatusCode != 422 {
		t.Fatalf("bad name: %d", resp.StatusCode)
	}
	contains(t, body, `data-testid="error-name"`, "Name may contain letters, digits and hyphens.", `value="web_1!"`)
	resp = bob.PostForm("/machines", url.Values{"name": {"web-1"}, "location": {loc}, "flavor": {"nope"}, "image": {img}})
	contains(t, webtest.Body(t, resp), `data-testid="error-flavor"`, `value="web-1"`)

	resp = bob.PostForm("/machines", url.Values{"name": {"web-1"}, "location": {loc}, "flavor": {fl}, "image": {img}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/machines/") {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/machines/")

	// The list polls while the machine is being created and stops after.
	body = webtest.Body(t, bob.Get("/machines"))
	contains(t, body, `data-testid="machine-web-1"`, "0.0420 EUR/h", "Berlin")
	if strings.Contains(body, `data-testid="status">Creating<`) {
		contains(t, body, `hx-trigger="every 2s"`)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(body, `data-testid="status">Running<`) {
		if time.Now().After(deadline) {
			t.Fatal("machine never ran")
		}
		time.Sleep(200 * time.Millisecond)
		body = webtest.Body(t, bob.Get("/machines"))
	}
	contains(t, body, `data-polling="false"`)
	lacks(t, body, `hx-trigger="every 2s"`)

	contains(t, webtest.Body(t, bob.Get("/machines/new/name?name=WEB-1")), "You have a machine called web-1 already")

	// Filter and sort.
	contains(t, webtest.Body(t, bob.Get("/machines?status=stopped")), "No machines match")
	contains(t, webtest.Body(t, bob.Get("/machines?q=web&sort=created")), `data-testid="machine-web-1"`, `href="/machines?q=web&amp;sort=name"`, `aria-sort="descending"`)

	// Detail page: specs, price, cost, activity; only applicable buttons.
	body = webtest.Body(t, bob.Get("/machines/"+id))
	contains(t, body, "s-2vcpu-2gb", "0.0420 EUR/h", `data-testid="cost-so-far">0.0`, `data-testid="operations"`, "bob",
		`data-testid="action-stop"`, `data-testid="action-reboot"`, `data-testid="action-resize"`, `data-testid="delete-form"`)
	lacks(t, body, `data-testid="action-start"`)

	// Resize shows the price difference before confirming.
	cat := postgres.NewCatalogueService(e.DB)
	fs, _ := cat.TenantFlavors(context.Background(), e.Tenant(t, "acme").ID)
	body = webtest.Body(t, bob.Get("/machines/"+id+"/resize?flavor="+fs[3].ID))
	contains(t, body, `data-testid="resize-diff"`, "+0.0780 EUR/h (+56.94 EUR/month)", `data-testid="resize-submit"`)

	// Delete needs the name typed.
	resp = bob.PostForm("/machines/"+id+"/delete", url.Values{"confirm": {"web-2"}})
	if resp.StatusCode != 422 {
		t.Fatalf("delete with wrong name: %d", resp.StatusCode)
	}
	contains(t, webtest.Body(t, resp), `data-testid="error-confirm"`)

	// A viewer sees no buttons and cannot act.
	vera := e.Client(t, "acme.localhost")
	vera.Login("", "vera", "demo")
	body = webtest.Body(t, vera.Get("/machines/"+id))
	lacks(t, body, `data-testid="machine-actions"`, `data-testid="delete-form"`)
	lacks(t, webtest.Body(t, vera.Get("/machines")), `data-testid="create-machine"`)
	if resp := vera.PostForm("/machines/"+id+"/stop", nil); resp.StatusCode != 403 {
		t.Fatalf("viewer stop: %d", resp.StatusCode)
	}
	if resp := vera.Get("/machines/new"); resp.StatusCode != 403 {
		t.Fatalf("viewer create form: %d", resp.StatusCode)
	}

	// Stop through the portal.
	resp = bob.PostForm("/machines/"+id+"/stop", nil)
	if resp.StatusCode != 303 {
		t.Fatalf("stop: %d", resp.StatusCode)
	}
	contains(t, webtest.Body(t, bob.Get("/machines/"+id)), "Stopping web-1…")
	// A second stop while stopping is refused with a notice, not an error page.
	resp = bob.PostForm("/machines/"+id+"/stop", nil)
	if resp.StatusCode != 303 {
		t.Fatalf("second stop: %d", resp.StatusCode)
	}

	// Another tenant cannot see it.
	carol := e.Client(t, "globex.localhost")
	carol.Login("", "carol", "demo")
	if resp := carol.Get("/machines/" + id); resp.StatusCode != 404 {
		t.Fatalf("globex sees acme's machine: %d", resp.StatusCode)
	}
	if resp := carol.PostForm("/machines/"+id+"/delete", url.Values{"confirm": {"web-1"}}); resp.StatusCode != 404 {
		t.Fatalf("globex deletes acme's machine: %d", resp.StatusCode)
	}

	// The tenant admin's audit log shows who did what.
	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	contains(t, webtest.Body(t, alice.Get("/audit")), "machine.create", "machine.stop", "web-1")
}

func TestPortalQuotaMessage(t *testing.T) {
	e := newMachinesEnv(t)
	acme := e.Tenant(t, "acme")
	if err := postgres.NewCatalogueService(e.DB).SetQuota(context.Background(), &domain.Quota{TenantID: acme.ID, Machines: 5, VCPUs: 1, MemoryMiB: 100000, DiskGiB: 1000}); err != nil {
		t.Fatal(err)
	}
	bob := e.Client(t, "acme.localhost")
	bob.Login("", "bob", "demo")
	loc, fl, img := idsOf(t, e, "acme")
	resp := bob.PostForm("/machines", url.Values{"name": {"big"}, "location": {loc}, "flavor": {fl}, "image": {img}})
	if resp.StatusCode != 409 {
		t.Fatalf("over quota: %d", resp.StatusCode)
	}
	contains(t, webtest.Body(t, resp), "Quota exceeded: vCPUs. Your quota is 1, 0 in use; this needs 2 more, 1 over.", `value="big"`)
}

func TestPortalTokens(t *testing.T) {
	e := newMachinesEnv(t)
	bob := e.Client(t, "acme.localhost")
	bob.Login("", "bob", "demo")
	contains(t, webtest.Body(t, bob.Get("/settings/tokens")), "No tokens yet.")
	resp := bob.PostForm("/settings/tokens", url.Values{"name": {""}})
	contains(t, webtest.Body(t, resp), `data-testid="error-name"`)
	resp = bob.PostForm("/settings/tokens", url.Values{"name": {"deploy-bot"}})
	body := webtest.Body(t, resp)
	secret := regexp.MustCompile(`tsr_[A-Za-z0-9_-]{43}`).FindString(body)
	if secret == "" {
		t.Fatalf("no token shown:\n%s", body)
	}
	// Shown once: the list shows only its start.
	body = webtest.Body(t, bob.Get("/settings/tokens"))
	lacks(t, body, secret)
	contains(t, body, secret[:10]+"…", "never")
	// Stored hashed.
	var n int
	_ = e.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM api_tokens WHERE hash = sha256($1::bytea)`, []byte(secret)).Scan(&n)
	if n != 1 {
		t.Fatal("token is not stored as its SHA-256")
	}
	if r := e.api(t, secret, "GET", "/api/v1/machines", nil); r.Status != 200 {
		t.Fatalf("new token: %d", r.Status)
	}
	body = webtest.Body(t, bob.Get("/settings/tokens"))
	lacks(t, regexp.MustCompile(`data-testid="last-used">[^<]*`).FindString(body), "never")

	// Another user does not see it; revoking stops it.
	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	lacks(t, webtest.Body(t, alice.Get("/settings/tokens")), "deploy-bot")
	var id string
	_ = e.DB.Pool.QueryRow(context.Background(), `SELECT id::text FROM api_tokens WHERE name = 'deploy-bot'`).Scan(&id)
	if resp := alice.PostForm("/settings/tokens/"+id+"/revoke", nil); resp.StatusCode != 404 {
		t.Fatalf("alice revokes bob's token: %d", resp.StatusCode)
	}
	if resp := bob.PostForm("/settings/tokens/"+id+"/revoke", nil); resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	problem(t, e.api(t, secret, "GET", "/api/v1/machines", nil), 401)
	contains(t, webtest.Body(t, alice.Get("/audit")), "token.create", "token.revoke")
}

func TestAdminCatalogueAndQuotas(t *testing.T) {
	e := newMachinesEnv(t)
	admin := e.Client(t, "")
	admin.Login("", "admin", "demo")
	body := webtest.Body(t, admin.Get("/admin/catalogue"))
	contains(t, body, "s-2vcpu-2gb", "Debian 12", "windows-server-2022")

	resp := admin.PostForm("/admin/catalogue/flavors", url.Values{"name": {"tiny"}, "vcpus": {"0"}, "memory_mib": {"512"}, "disk_gib": {"x"}})
	if resp.StatusCode != 422 {
		t.Fatalf("bad flavor: %d", resp.StatusCode)
	}
	contains(t, webtest.Body(t, resp), `data-testid="error-vcpus"`, `data-testid="error-disk_gib"`, `value="tiny"`)
	if resp := admin.PostForm("/admin/catalogue/flavors", url.Values{"name": {"tiny"}, "vcpus": {"1"}, "memory_mib": {"512"}, "disk_gib": {"10"}}); resp.StatusCode != 303 {
		t.Fatalf("flavor: %d", resp.StatusCode)
	}
	if resp := admin.PostForm("/admin/catalogue/images", url.Values{"name": {"Alpine"}, "template": {"alpine-3"}, "os": {"linux"}}); resp.StatusCode != 303 {
		t.Fatalf("image: %d", resp.StatusCode)
	}

	acme := e.Tenant(t, "acme")
	contains(t, webtest.Body(t, admin.Get("/admin/tenants/"+acme.ID)), `data-testid="tenant-catalogue"`)
	body = webtest.Body(t, admin.Get("/admin/tenants/"+acme.ID+"/catalogue"))
	contains(t, body, "tiny", "Alpine", "Berlin", `name="quota_machines" type="number" value="20"`)

	resp = admin.PostForm("/admin/tenants/"+acme.ID+"/quota", url.Values{"quota_machines": {"-1"}, "quota_vcpus": {"8"}, "quota_memory_mib": {"8192"}, "quota_disk_gib": {"100"}})
	if resp.StatusCode != 422 {
		t.Fatalf("bad quota: %d", resp.StatusCode)
	}
	if resp := admin.PostForm("/admin/tenants/"+acme.ID+"/quota", url.Values{"quota_machines": {"3"}, "quota_vcpus": {"8"}, "quota_memory_mib": {"8192"}, "quota_disk_gib": {"100"}}); resp.StatusCode != 303 {
		t.Fatalf("quota: %d", resp.StatusCode)
	}
	q, _, _ := postgres.NewCatalogueService(e.DB).FindQuota(context.Background(), acme.ID)
	if q.Machines != 3 || q.VCPUs != 8 {
		t.Fatalf("quota = %+v", q)
	}

	// Allow only "tiny", Alpine and Frankfurt: the tenant's API follows.
	cat := postgres.NewCatalogueService(e.DB)
	fs, _ := cat.FindFlavors(context.Background())
	is, _ := cat.FindImages(context.Background())
	form := url.Values{"location": {e.locs[1].ID}}
	for _, f := range fs {
		if f.Name == "tiny" {
			form.Add("flavor", f.ID)
		}
	}
	for _, i := range is {
		if i.Name == "Alpine" {
			form.Add("image", i.ID)
		}
	}
	if resp := admin.PostForm("/admin/tenants/"+acme.ID+"/catalogue", form); resp.StatusCode != 303 {
		t.Fatalf("allow-lists: %d", resp.StatusCode)
	}
	tok := e.token(t, "acme", "bob")
	r := e.api(t, tok, "GET", "/api/v1/flavors", nil)
	if items := r.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["name"] != "tiny" {
		t.Fatalf("flavors after allow-list: %s", r.Raw)
	}
	fieldErr(t, create(t, e, tok, "x1"), "flavor") // s-2vcpu-2gb is no longer allowed
	// Tenants do not reach the admin area.
	bob := e.Client(t, "acme.localhost")
	bob.Login("", "bob", "demo")
	if resp := bob.Get("/admin/catalogue"); resp.StatusCode != 404 {
		t.Fatalf("tenant on admin catalogue: %d", resp.StatusCode)
	}
}
