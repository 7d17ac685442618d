package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tessera/domain"
	"tessera/web/webtest"
)

// TestStorageWithMachinesAPI runs the user API end to end with a real
// token: a network and a disk, a machine, the disk attached to it, a
// public address allocated and attached to it.
func TestStorageWithMachinesAPI(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "alice")
	other := e.token(t, "globex", "carol")

	r := e.api(t, tok, "POST", "/api/v1/networks", map[string]any{"name": "backend", "location": "Berlin", "cidr": "10.3.0.0/24"}, "Idempotency-Key", "n-1")
	if r.Status != 202 {
		t.Fatalf("network: %d %s", r.Status, r.Raw)
	}
	r = e.api(t, tok, "POST", "/api/v1/disks", map[string]any{"name": "data", "location": "Berlin", "size_gib": 20, "class": "fast"}, "Idempotency-Key", "d-1")
	if r.Status != 202 {
		t.Fatalf("disk: %d %s", r.Status, r.Raw)
	}
	disk := r.Body["id"].(string)
	if r := e.api(t, other, "GET", "/api/v1/disks/"+disk, nil); r.Status != 404 {
		t.Errorf("other tenant reads the disk: %d", r.Status)
	}
	r = e.api(t, tok, "POST", "/api/v1/machines", map[string]string{"name": "web", "location": "Berlin", "flavor": "s-2vcpu-2gb", "image": "Debian 12"})
	if r.Status != 202 {
		t.Fatalf("machine: %d %s", r.Status, r.Raw)
	}
	machine := r.Body["id"].(string)
	e.waitStatus(t, tok, machine, "running")
	wait := func(path, field, want string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			r := e.api(t, tok, "GET", path, nil)
			if r.Body[field] == want {
				return r.Body
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s = %v, want %s", path, field, r.Body[field], want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wait("/api/v1/disks/"+disk, "state", "available")
	if r := e.api(t, tok, "POST", "/api/v1/disks/"+disk+"/attach", map[string]any{"machine": machine}); r.Status != 202 {
		t.Fatalf("attach: %d %s", r.Status, r.Raw)
	}
	if got := wait("/api/v1/disks/"+disk, "state", "attached"); got["machine_id"] != machine {
		t.Errorf("attached to %v", got["machine_id"])
	}
	if r := e.api(t, other, "POST", "/api/v1/disks/"+disk+"/detach", nil); r.Status != 404 {
		t.Errorf("other tenant detaches: %d", r.Status)
	}
	if err := e.Server.App.Storage.Addresses.CreatePool(context.Background(), &domain.PublicPool{LocationID: e.locs[0].ID, CIDR: "192.0.2.0/30"}); err != nil {
		t.Fatal(err)
	}
	r = e.api(t, tok, "POST", "/api/v1/addresses", map[string]any{"location": e.locs[0].ID})
	if r.Status != 201 {
		t.Fatalf("allocate: %d %s", r.Status, r.Raw)
	}
	addr := r.Body["id"].(string)
	if r := e.api(t, tok, "POST", "/api/v1/addresses/"+addr+"/attach", map[string]any{"machine": machine}); r.Status != 202 {
		t.Errorf("attach address: %d %s", r.Status, r.Raw)
	}
	wait("/api/v1/addresses/"+addr, "state", "attached")
	if r := e.api(t, tok, "GET", "/api/v1/addresses?machine="+machine, nil); len(r.Body["items"].([]any)) != 1 {
		t.Errorf("machine's addresses: %s", r.Raw)
	}
	// The machine page shows the disk and the address with their prices.
	alice := e.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	page := webtest.Body(t, alice.Get("/machines/"+machine))
	for _, want := range []string{`data-testid="machine-disk-data"`, "20 GiB", "fast", "per month", `data-testid="machine-address-192.0.2.0"`, "per hour"} {
		if !strings.Contains(page, want) {
			t.Errorf("machine page lacks %q", want)
		}
	}
	if r := e.api(t, "", "GET", "/api/v1/disks", nil); r.Status != 401 {
		t.Errorf("no token: %d", r.Status)
	}
}
