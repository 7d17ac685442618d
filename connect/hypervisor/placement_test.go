package hypervisor

import (
	"strings"
	"testing"

	"tessera/domain"
)

func testInventory() *Inventory {
	return &Inventory{
		Clusters: []string{"C0", "C1"},
		Hosts: []HostInfo{
			{Name: "h1", Cluster: "C0", Cores: 4, MemoryMiB: 8192, MemAlloc: 6144, VCPUsAlloc: 4, Usable: true, Datastores: []string{"ds-small", "ds-big"}},
			{Name: "h2", Cluster: "C0", Cores: 4, MemoryMiB: 8192, MemAlloc: 1024, VCPUsAlloc: 2, Usable: true, Datastores: []string{"ds-small"}},
			{Name: "h3", Cluster: "C1", Cores: 2, MemoryMiB: 4096, MemAlloc: 0, Usable: true, Datastores: []string{"ds-big"}},
			{Name: "h4", Cluster: "C1", Cores: 64, MemoryMiB: 1 << 20, Usable: false, Datastores: []string{"ds-big"}},
		},
		Datastores: []DatastoreInfo{
			{Name: "ds-small", CapacityGiB: 100, FreeGiB: 30, Usable: true},
			{Name: "ds-big", CapacityGiB: 1000, FreeGiB: 800, Usable: true},
		},
	}
}

func TestPlace(t *testing.T) {
	tests := []struct {
		name    string
		req     PlacementRequest
		policy  PlacementPolicy
		want    Placement
		wantErr string // substring of the reason; "" for success
	}{
		{"the host least allocated afterwards", PlacementRequest{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 10}, DefaultPlacementPolicy,
			Placement{Cluster: "C0", Host: "h2", Datastore: "ds-small"}, ""},
		{"skips a host without room, picks the roomy datastore", PlacementRequest{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 100}, DefaultPlacementPolicy,
			Placement{Cluster: "C1", Host: "h3", Datastore: "ds-big"}, ""},
		{"cluster restriction", PlacementRequest{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 10}, PlacementPolicy{Cluster: "C0", CPURatio: 4, MemoryRatio: 1, StorageMargin: 0.1},
			Placement{Cluster: "C0", Host: "h2", Datastore: "ds-small"}, ""},
		{"disk too big for the emptier host's datastore", PlacementRequest{VCPUs: 1, MemoryMiB: 1024, DiskGiB: 50}, PlacementPolicy{Cluster: "C0", CPURatio: 4, MemoryRatio: 1, StorageMargin: 0.1},
			Placement{Cluster: "C0", Host: "h1", Datastore: "ds-big"}, ""},
		{"memory exhausted", PlacementRequest{VCPUs: 1, MemoryMiB: 16384, DiskGiB: 1}, DefaultPlacementPolicy,
			Placement{}, "No host in this site has 16384 MiB of memory free (the most any host has is 7168 MiB)"},
		{"cpu exhausted", PlacementRequest{VCPUs: 32, MemoryMiB: 512, DiskGiB: 1}, DefaultPlacementPolicy,
			Placement{}, "room for 32 more vCPUs"},
		{"storage exhausted", PlacementRequest{VCPUs: 1, MemoryMiB: 512, DiskGiB: 5000}, DefaultPlacementPolicy,
			Placement{}, "No datastore in this site has 5000 GiB free (the most any has is 700 GiB)"},
		{"unknown cluster", PlacementRequest{VCPUs: 1, MemoryMiB: 512, DiskGiB: 1}, PlacementPolicy{Cluster: "nope"},
			Placement{}, "No usable host in cluster nope"},
		{"invalid request", PlacementRequest{VCPUs: 0, MemoryMiB: 512}, DefaultPlacementPolicy, Placement{}, "at least 1 vCPU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Place(testInventory(), tt.req, tt.policy)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(domain.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err = %v, want reason containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPlaceSpreadsLoad(t *testing.T) {
	inv := &Inventory{
		Hosts: []HostInfo{
			{Name: "a", Cores: 8, MemoryMiB: 8192, Usable: true, Datastores: []string{"ds"}},
			{Name: "b", Cores: 8, MemoryMiB: 8192, Usable: true, Datastores: []string{"ds"}},
			{Name: "c", Cores: 8, MemoryMiB: 8192, Usable: true, Datastores: []string{"ds"}},
		},
		Datastores: []DatastoreInfo{{Name: "ds", CapacityGiB: 1000, FreeGiB: 1000, Usable: true}},
	}
	count := map[string]int{}
	req := PlacementRequest{VCPUs: 1, MemoryMiB: 1024, DiskGiB: 10}
	for range 6 {
		pl, err := Place(inv, req, DefaultPlacementPolicy)
		if err != nil {
			t.Fatal(err)
		}
		inv.Reserve(pl, req)
		count[pl.Host]++
	}
	for _, h := range []string{"a", "b", "c"} {
		if count[h] != 2 {
			t.Errorf("host %s got %d machines, want 2 each: %v", h, count[h], count)
		}
	}
	if inv.Datastores[0].FreeGiB != 940 {
		t.Errorf("datastore free = %d, want 940", inv.Datastores[0].FreeGiB)
	}
}
