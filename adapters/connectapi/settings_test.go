package connectapi_test

import (
	"context"
	"testing"

	"tessera/adapters/connectapi"
	"tessera/connect/connecttest"
	"tessera/domain"
)

// TestSiteSettingsThroughConnect: the provider admin maps "fast" to a
// datastore through connect's API, and a new fast disk lands there; an
// unknown datastore or port group is refused at its field; a new network
// takes an existing port group assigned to the pool before a new VLAN.
func TestSiteSettingsThroughConnect(t *testing.T) {
	sim := smallSim()
	sim.Datastores = 2
	site := connecttest.Start(t, connecttest.Options{Sim: sim})
	token, _ := site.Token(t, "manage-a")
	c := connectapi.New(site.Server.URL, token, nil)
	ctx := context.Background()
	run := func(req domain.OperationRequest) {
		t.Helper()
		req.Key = domain.NewID()
		op, err := c.Submit(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", req.Kind, err)
		}
		if op := connecttest.Wait(t, c, op.ID); op.State != domain.OpSucceeded {
			t.Fatalf("%s: %s: %s", req.Kind, op.State, op.Error)
		}
	}

	s, err := c.StorageClasses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range s.Datastores {
		names = append(names, d.Name)
	}
	if len(names) != 2 || names[0] != "LocalDS_0" || names[1] != "LocalDS_1" || len(s.Classes) != 0 {
		t.Fatalf("settings: classes %v, datastores %v", s.Classes, names)
	}

	t.Run("an unknown datastore is refused at its field", func(t *testing.T) {
		_, err := c.SetStorageClasses(ctx, map[string]string{"fast": "no-such-ds"})
		if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorFields(err)["classes.fast"] == "" {
			t.Fatalf("err = %v, fields %v", err, domain.ErrorFields(err))
		}
		if s, _ := c.StorageClasses(ctx); len(s.Classes) != 0 {
			t.Errorf("stored anyway: %v", s.Classes)
		}
	})

	t.Run("a fast disk lands on the fast datastore", func(t *testing.T) {
		// Without a mapping disks go to the datastore with the most free
		// space; map fast to the other one.
		probe := domain.NewID()
		run(domain.OperationRequest{Kind: domain.OpDiskCreate, Disk: &domain.DiskRequest{ID: probe, SizeGiB: 1}})
		d, _ := c.Disk(ctx, probe)
		fast := "LocalDS_0"
		if d.Datastore == fast {
			fast = "LocalDS_1"
		}
		s, err := c.SetStorageClasses(ctx, map[string]string{"fast": fast, "standard": ""})
		if err != nil || s.Classes["fast"] != fast {
			t.Fatalf("set: %+v %v", s, err)
		}
		for range 2 {
			id := domain.NewID()
			run(domain.OperationRequest{Kind: domain.OpDiskCreate, Disk: &domain.DiskRequest{ID: id, SizeGiB: 5, Class: "fast"}})
			if d, err := c.Disk(ctx, id); err != nil || d.Datastore != fast {
				t.Fatalf("fast disk on %q (%v), want %s", d.Datastore, err, fast)
			}
		}
		if s, _ := c.StorageClasses(ctx); s.Classes["fast"] != fast {
			t.Errorf("read back %v", s.Classes)
		}
	})

	t.Run("network pool", func(t *testing.T) {
		p, err := c.NetworkPool(ctx)
		if err != nil || p.VLANFrom != 100 || p.VLANTo != 3999 || len(p.Available) == 0 {
			t.Fatalf("pool %+v %v", p, err)
		}
		_, err = c.SetNetworkPool(ctx, domain.NetworkPool{VLANFrom: 200, VLANTo: 210, PortGroups: []string{"no-such-pg"}})
		if domain.ErrorFields(err)["port_groups"] == "" {
			t.Fatalf("unknown port group: %v", err)
		}
		_, err = c.SetNetworkPool(ctx, domain.NetworkPool{VLANFrom: 300, VLANTo: 200})
		if domain.ErrorFields(err)["vlan_to"] == "" {
			t.Fatalf("bad range: %v", err)
		}
		if _, err := c.SetNetworkPool(ctx, domain.NetworkPool{VLANFrom: 200, VLANTo: 210, PortGroups: []string{"DC0_DVPG0"}}); err != nil {
			t.Fatal(err)
		}
		first, second := domain.NewID(), domain.NewID()
		run(domain.OperationRequest{Kind: domain.OpNetworkCreate, Network: &domain.NetworkRequest{ID: first}})
		run(domain.OperationRequest{Kind: domain.OpNetworkCreate, Network: &domain.NetworkRequest{ID: second}})
		n1, _ := c.Network(ctx, first)
		n2, _ := c.Network(ctx, second)
		if n1.PortGroup != "DC0_DVPG0" || n1.VLAN != 0 {
			t.Errorf("first network: %+v, want the assigned port group", n1)
		}
		if n2.VLAN != 200 {
			t.Errorf("second network: %+v, want VLAN 200 of the new range", n2)
		}
	})
}
