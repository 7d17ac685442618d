package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tessera/connect/imagecache"
	"tessera/domain"
	"tessera/web/webtest"
)

// waitPage reloads path until its body contains want.
func waitPage(t *testing.T, c *webtest.Client, path, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		body := webtest.Body(t, c.Get(path))
		if strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q:\n%s", path, want, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestDisksAndNetworksPages(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	locs, _ := env.Server.Locations.FindLocations(ctx)
	var berlin string
	for _, l := range locs {
		if l.Name == "Berlin" {
			berlin = l.ID
		}
	}
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")

	// A bad range gets field errors, and nothing is stored.
	resp := alice.PostForm("/networks", url.Values{"name": {"backend"}, "location": {berlin}, "cidr": {"8.8.8.0/24"}})
	if body := webtest.Body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-cidr"`) {
		t.Fatalf("bad cidr: %d", resp.StatusCode)
	}
	resp = alice.PostForm("/networks", url.Values{"name": {"backend"}, "location": {berlin}, "cidr": {"10.0.0.0/24"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create network: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	netPath := resp.Header.Get("Location")
	// The site creates a port group with a VLAN id; the page shows it ready.
	body := waitPage(t, alice, netPath, ">ready<")
	if !strings.Contains(body, "tessera-100-") || !strings.Contains(body, "10.0.0.1") {
		t.Errorf("network page lacks its port group or gateway")
	}
	// Overlap in the same location is refused.
	resp = alice.PostForm("/networks", url.Values{"name": {"other"}, "location": {berlin}, "cidr": {"10.0.0.128/25"}})
	if body := webtest.Body(t, resp); !strings.Contains(body, "overlaps network") {
		t.Errorf("overlap: %d", resp.StatusCode)
	}
	// Firewall rules, with the note that vSphere does not enforce them.
	resp = alice.PostForm(netPath+"/rules", url.Values{"protocol": {"tcp"}, "port_from": {"22"}, "source": {"198.51.100.0/24"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add rule: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	resp = alice.PostForm(netPath+"/rules", url.Values{"protocol": {"tcp"}, "port_from": {"99999"}})
	if body := webtest.Body(t, resp); !strings.Contains(body, `data-testid="error-port_from"`) {
		t.Errorf("bad rule: %d", resp.StatusCode)
	}
	body = webtest.Body(t, alice.Get(netPath))
	if !strings.Contains(body, "tcp 22") || !strings.Contains(body, "198.51.100.0/24") || !strings.Contains(body, "does not enforce") {
		t.Error("network page lacks the rule or the enforcement note")
	}

	// Disks, with their monthly price.
	resp = alice.PostForm("/disks", url.Values{"name": {"data"}, "location": {berlin}, "size_gib": {"0"}, "class": {"gold"}})
	if body := webtest.Body(t, resp); !strings.Contains(body, `data-testid="error-size_gib"`) || !strings.Contains(body, `data-testid="error-class"`) {
		t.Errorf("bad disk: %d", resp.StatusCode)
	}
	resp = alice.PostForm("/disks", url.Values{"name": {"data"}, "location": {berlin}, "size_gib": {"50"}, "class": {"fast"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create disk: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	body = waitPage(t, alice, "/disks", ">available<")
	if !strings.Contains(body, "50 GiB") || !strings.Contains(body, "fast") {
		t.Error("disks page lacks the disk")
	}
	if m := regexp.MustCompile(`data-testid="disk-price">([^<]*)<`).FindStringSubmatch(body); m == nil || !strings.ContainsAny(m[1], "0123456789") {
		t.Errorf("disk price %v", m)
	}

	// Grow it; shrinking is refused with the reason.
	disks, _, _ := env.Server.App.Storage.Disks.Disks(ctx, domain.DiskFilter{TenantID: env.Tenant(t, "acme").ID})
	if resp := alice.PostForm("/disks/"+disks[0].ID+"/grow", url.Values{"size_gib": {"10"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(webtest.Body(t, resp), "only grows") {
		t.Errorf("shrink: %d", resp.StatusCode)
	}
	if resp := alice.PostForm("/disks/"+disks[0].ID+"/grow", url.Values{"size_gib": {"80"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("grow: %d", resp.StatusCode)
	}
	waitPage(t, alice, "/disks", "80 GiB")
	waitPage(t, alice, "/disks", ">available<")

	// Another tenant sees none of it.
	bob := env.Client(t, "globex.localhost")
	bob.Login("", "dave", "demo")
	if resp := bob.Get(netPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("globex reads acme's network: %d", resp.StatusCode)
	}
	if body := webtest.Body(t, bob.Get("/disks")); strings.Contains(body, "disk-data") {
		t.Error("globex sees acme's disk")
	}
	if body := webtest.Body(t, bob.Get("/networks")); strings.Contains(body, `data-testid="network-backend"`) {
		t.Error("globex sees acme's network")
	}

	// Delete the disk and the network; the port group goes from the site.
	if resp := alice.PostForm("/disks/"+disks[0].ID+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete disk: %d", resp.StatusCode)
	}
	waitPage(t, alice, "/disks", "No disks yet")
	if resp := alice.PostForm(netPath+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete network: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	if resp := alice.Get(netPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted network: %d", resp.StatusCode)
	}

	// Each tenant gets one default network per location at first use,
	// avoiding its other ranges.
	acme := env.Tenant(t, "acme").ID
	sm := env.Server.App.Storage
	if err := sm.CreateNetwork(ctx, &domain.Network{TenantID: acme, Name: "mine", LocationID: berlin, CIDR: "10.0.0.0/23"}); err != nil {
		t.Fatal(err)
	}
	def, err := sm.DefaultNetwork(ctx, acme, berlin)
	if err != nil || !def.Default || def.CIDR != "10.0.2.0/24" || def.Name != "default-berlin" {
		t.Fatalf("default network %+v, %v", def, err)
	}
	if again, _ := sm.DefaultNetwork(ctx, acme, berlin); again.ID != def.ID {
		t.Errorf("second use made another default network")
	}
	waitPage(t, alice, "/networks/"+def.ID, ">ready<")
}

func TestPublicAddressesPages(t *testing.T) {
	env := startDemo(t) // Berlin, with a site, offered to acme
	ctx := context.Background()
	berlin := &domain.GeoLocation{}
	locs, _ := env.Server.Locations.FindLocations(ctx)
	for _, l := range locs {
		if l.Name == "Berlin" {
			berlin = l
		}
	}
	admin := env.Client(t, "localhost")
	admin.Login("", "admin", "demo")
	resp := admin.PostForm("/admin/pools", url.Values{"location": {berlin.ID}, "cidr": {"10.0.0.0/24"}})
	if body := webtest.Body(t, resp); !strings.Contains(body, `data-testid="error-cidr"`) {
		t.Errorf("private pool: %d", resp.StatusCode)
	}
	if resp := admin.PostForm("/admin/pools", url.Values{"location": {berlin.ID}, "cidr": {"203.0.113.0/30"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add pool: %d", resp.StatusCode)
	}
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	if resp := alice.Get("/admin/pools"); resp.StatusCode == http.StatusOK {
		t.Error("a tenant user reads the pools page")
	}
	if resp := alice.PostForm("/addresses", url.Values{"address_location": {berlin.ID}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("allocate: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	body := webtest.Body(t, alice.Get("/networks"))
	if !strings.Contains(body, `data-testid="address-203.0.113.0"`) {
		t.Fatal("networks page lacks the address")
	}
	if m := regexp.MustCompile(`data-testid="address-price">([^<]*)<`).FindStringSubmatch(body); m == nil || !strings.ContainsAny(m[1], "0123456789") {
		t.Errorf("address price %v", m)
	}
	// Another tenant neither sees nor releases it.
	dave := env.Client(t, "globex.localhost")
	dave.Login("", "dave", "demo")
	if body := webtest.Body(t, dave.Get("/networks")); strings.Contains(body, "203.0.113.0") {
		t.Error("globex sees acme's address")
	}
	addrs, _, _ := env.Server.App.Storage.Addresses.PublicAddresses(ctx, domain.PublicAddressFilter{TenantID: env.Tenant(t, "acme").ID})
	if resp := dave.PostForm("/addresses/"+addrs[0].ID+"/release", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("globex releases acme's address: %d", resp.StatusCode)
	}
	if resp := alice.PostForm("/addresses/"+addrs[0].ID+"/release", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("release: %d", resp.StatusCode)
	}
	if body := webtest.Body(t, alice.Get("/networks")); strings.Contains(body, "203.0.113.0") {
		t.Error("released address still listed")
	}
}

// TestDiskAttachGrowDetach runs manage's disk operations against a demo
// site's machine: attach, grow while attached, detach, each through the
// site's workflows, and checks what the site reports.
func TestDiskAttachGrowDetach(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	sm := env.Server.App.Storage
	sites, _ := env.Server.Locations.FindSites(ctx, "")
	var site *domain.Site
	for _, s := range sites {
		if s.Name == "Berlin" {
			site = s
		}
	}
	acme := env.Tenant(t, "acme").ID
	c, err := env.Server.App.Sites.Client(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	machine := domain.NewID()
	op, err := c.Submit(ctx, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpCreate, MachineID: machine,
		Spec: &domain.MachineSpec{Name: "web", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1024, Image: "ubuntu-24.04"}})
	if err != nil {
		t.Fatal(err)
	}
	waitState := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitState("the machine", func() bool { o, _ := c.Operation(ctx, op.ID); return o.State.Done() })

	d := &domain.Disk{TenantID: acme, Name: "data", LocationID: site.LocationID, SizeGiB: 10}
	if err := sm.CreateDisk(ctx, d); err != nil {
		t.Fatal(err)
	}
	disk := func() *domain.Disk {
		got, err := sm.Disks.Disk(ctx, acme, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// The operations worker moves it on without anyone reading it.
	waitState("the worker", func() bool { got, _ := sm.Disks.Disk(ctx, acme, d.ID); return got.State == domain.DiskAvailable })
	if body := webtest.Body(t, env.Client(t, "localhost").Get("/metrics")); !strings.Contains(body, "tessera_storage_tenants_pending") {
		t.Error("/metrics lacks the storage sweep's gauge")
	}
	place := domain.MachinePlace{LocationID: site.LocationID, SiteID: site.ID}
	if err := sm.AttachDisk(ctx, acme, d.ID, machine, domain.MachinePlace{LocationID: domain.NewID(), SiteID: site.ID}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("attach across locations: %v", err)
	}
	if err := sm.AttachDisk(ctx, acme, d.ID, machine, place); err != nil {
		t.Fatal(err)
	}
	waitState("attached", func() bool { return disk().State == domain.DiskAttached })
	if err := sm.AttachDisk(ctx, acme, d.ID, machine, place); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("attach twice: %v", err)
	}
	if err := sm.DeleteDisk(ctx, acme, d.ID); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("delete attached: %v", err)
	}
	sc := c.(domain.SiteStorageClient)
	if obs, _ := sc.Disk(ctx, d.ID); obs.State != "attached" || obs.MachineID != machine {
		t.Errorf("site sees %+v", obs)
	}
	if err := sm.GrowDisk(ctx, acme, d.ID, 5); domain.ErrorFields(err)["size_gib"] == "" {
		t.Errorf("shrink: %v", err)
	}
	if err := sm.GrowDisk(ctx, acme, d.ID, 30); err != nil {
		t.Fatal(err)
	}
	waitState("grown", func() bool { g := disk(); return g.State == domain.DiskAttached && g.SizeGiB == 30 })
	if obs, _ := sc.Disk(ctx, d.ID); obs.SizeGiB != 30 {
		t.Errorf("site sees size %d", obs.SizeGiB)
	}
	if err := sm.DetachDisk(ctx, acme, d.ID); err != nil {
		t.Fatal(err)
	}
	waitState("detached", func() bool { g := disk(); return g.State == domain.DiskAvailable && g.MachineID == "" })
	// Attaching again after a detach is a new operation, not the old one.
	if err := sm.AttachDisk(ctx, acme, d.ID, machine, place); err != nil {
		t.Fatal(err)
	}
	waitState("attached again", func() bool { return disk().State == domain.DiskAttached })
	if obs, _ := sc.Disk(ctx, d.ID); obs.State != "attached" {
		t.Errorf("site sees %+v after the second attach", obs)
	}
	if _, err := sm.Disks.Disk(ctx, env.Tenant(t, "globex").ID, d.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant: %v", err)
	}

	// Snapshots: take, restore, delete.
	sn, err := sm.TakeSnapshot(ctx, acme, machine, place, "before upgrade")
	if err != nil {
		t.Fatal(err)
	}
	snap := func() *domain.Snapshot {
		got, err := sm.Snapshots.Snapshot(ctx, acme, sn.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	waitState("snapshot ready", func() bool { return snap().State == domain.SnapshotReady })
	if err := sm.RevertSnapshot(ctx, acme, sn.ID, false); err != nil {
		t.Fatal(err)
	}
	waitState("restored", func() bool { return snap().State == domain.SnapshotReady })
	if _, err := sm.Snapshots.Snapshot(ctx, env.Tenant(t, "globex").ID, sn.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant snapshot: %v", err)
	}
	if err := sm.DeleteSnapshot(ctx, acme, sn.ID); err != nil {
		t.Fatal(err)
	}
	waitState("snapshot deleted", func() bool {
		_, err := sm.Snapshots.Snapshot(ctx, acme, sn.ID)
		return domain.ErrorCode(err) == domain.ENOTFOUND
	})
	if err := sm.RevertSnapshot(ctx, acme, sn.ID, false); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("revert a deleted snapshot: %v", err)
	}
}

// TestPublishImageToEverySite publishes an image from the image cache; each
// demo site imports it and the page shows it ready per location.
func TestPublishImageToEverySite(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	cache := &imagecache.Cache{Dir: t.TempDir()}
	ova, err := imagecache.TinyOVA("alpine-3")
	if err != nil {
		t.Fatal(err)
	}
	digest, err := cache.Put(bytes.NewReader(ova))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cache.Handler())
	t.Cleanup(srv.Close)

	admin := env.Client(t, "localhost")
	admin.Login("", "admin", "demo")
	if resp := admin.PostForm("/admin/images", url.Values{"name": {"bad name"}, "url": {"ftp://x"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad image: %d", resp.StatusCode)
	}
	resp := admin.PostForm("/admin/images", url.Values{"name": {"alpine-3"}, "url": {srv.URL + "/" + digest + ".ova"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	sites, _ := env.Server.Locations.FindSites(ctx, "")
	inLoc := map[string]bool{}
	for _, s := range sites {
		inLoc[s.LocationID] = true
	}
	want := len(inLoc)
	deadline := time.Now().Add(20 * time.Second)
	for {
		locs, err := env.Server.App.Storage.Images.ReadyLocations(ctx, "alpine-3")
		if err != nil {
			t.Fatal(err)
		}
		if len(locs) == want {
			break
		}
		if time.Now().After(deadline) {
			reps, _ := env.Server.App.Storage.Images.Replicas(ctx, "")
			for _, r := range reps {
				t.Logf("replica %+v", r)
			}
			t.Fatalf("ready in %d locations, want %d", len(locs), want)
		}
		_ = webtest.Body(t, admin.Get("/admin/images")) // the page advances them too
		time.Sleep(200 * time.Millisecond)
	}
	body := webtest.Body(t, admin.Get("/admin/images"))
	if strings.Count(body, ">ready<") != len(sites) || !strings.Contains(body, "Frankfurt") {
		t.Errorf("images page does not show the image ready in both locations")
	}
	// A second image whose file is missing fails, with the site's reason.
	if resp := admin.PostForm("/admin/images", url.Values{"name": {"missing"}, "url": {srv.URL + "/" + strings.Repeat("0", 64) + ".ova"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish missing: %d", resp.StatusCode)
	}
	waitPage(t, admin, "/admin/images", ">failed<")
	if locs, _ := env.Server.App.Storage.Images.ReadyLocations(ctx, "missing"); len(locs) != 0 {
		t.Errorf("a failed image is ready in %v", locs)
	}
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	if resp := alice.Get("/admin/images"); resp.StatusCode == http.StatusOK {
		t.Error("a tenant user reads the images page")
	}
}
