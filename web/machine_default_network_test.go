package web_test

import (
	"context"
	"testing"

	"tessera/adapters/postgres"
	"tessera/domain"
)

// TestDefaultNetworkOnlyForAcceptedCreate: a machine created without
// networks gets its location's default network, but a create refused for
// quota or a taken name makes none: the tenant's network list
// stays as it was.
func TestDefaultNetworkOnlyForAcceptedCreate(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "alice")
	cat := postgres.NewCatalogueService(e.DB)
	acme := e.Tenant(t, "acme")
	quota := func(machines int) {
		t.Helper()
		if err := cat.SetQuota(context.Background(), &domain.Quota{TenantID: acme.ID, Machines: machines, VCPUs: 100, MemoryMiB: 1 << 20, DiskGiB: 10000}); err != nil {
			t.Fatal(err)
		}
	}
	create := func(name, loc string) apiResp {
		t.Helper()
		img := map[string]string{"Berlin": "Debian 12", "Frankfurt": "Ubuntu 24.04"}[loc]
		return e.api(t, tok, "POST", "/api/v1/machines", map[string]any{"name": name, "location": loc, "flavor": "s-1vcpu-1gb", "image": img})
	}
	networks := func() (names []string) {
		t.Helper()
		r := e.api(t, tok, "GET", "/api/v1/networks", nil)
		for _, x := range r.Body["items"].([]any) {
			names = append(names, x.(map[string]any)["name"].(string))
		}
		return names
	}

	// Refused for quota: no default network.
	quota(0)
	if r := create("web1", "Berlin"); r.Status != 409 {
		t.Fatalf("create over quota: %d %s", r.Status, r.Raw)
	}
	if got := networks(); len(got) != 0 {
		t.Errorf("a create refused for quota left networks %v", got)
	}

	// Accepted: the default network, with the machine's address on it.
	quota(10)
	r := create("web1", "Berlin")
	if r.Status != 202 {
		t.Fatalf("create web1: %d %s", r.Status, r.Raw)
	}
	nics, _ := r.Body["interfaces"].([]any)
	if len(nics) != 1 || nics[0].(map[string]any)["network_name"] != "default-berlin" || nics[0].(map[string]any)["address"] != "10.0.0.2" {
		t.Errorf("web1 interfaces = %v", nics)
	}
	if got := networks(); len(got) != 1 || got[0] != "default-berlin" {
		t.Errorf("networks after a good create = %v, want [default-berlin]", got)
	}

	// Refused for a taken name in another location: no default network
	// there.
	if r := create("web1", "Frankfurt"); r.Status != 422 || r.Body["errors"].(map[string]any)["name"] == nil {
		t.Fatalf("create with a taken name: %d %s", r.Status, r.Raw)
	}
	if got := networks(); len(got) != 1 || got[0] != "default-berlin" {
		t.Errorf("a create refused for its name left networks %v", got)
	}
}
