package imagecache_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"tessera/adapters/connectapi"
	"tessera/adapters/vsphere"
	"tessera/connect/connecttest"
	"tessera/connect/hypervisor"
	"tessera/connect/imagecache"
	"tessera/domain"
)

// ova builds a small OVA named debian-12.
func ova(t *testing.T) []byte {
	t.Helper()
	b, err := imagecache.TinyOVA("debian-12")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func site(t *testing.T) *vsphere.Backend {
	t.Helper()
	sim, err := vsphere.StartSimulator(vsphere.SimOptions{HostsPerCluster: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	b, err := vsphere.Connect(context.Background(), sim.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// TestReplicateAcrossVCenters publishes an image once into the cache and
// replicates it into two simulated vCenters, where machines can then be
// created from it.
func TestReplicateAcrossVCenters(t *testing.T) {
	ctx := context.Background()
	berlin, frankfurt := site(t), site(t)
	cache := &imagecache.Cache{Dir: t.TempDir()}
	data := ova(t)
	digest, err := cache.Put(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := cache.Put(bytes.NewReader(data)); again != digest {
		t.Errorf("same content, digests %s and %s", digest, again)
	}
	sites := map[string]hypervisor.ImageBackend{"berlin": berlin, "frankfurt": frankfurt}
	for round := range 2 { // the second round finds the templates and imports nothing
		for name, err := range cache.Replicate(ctx, digest, "debian-12", sites) {
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, name, err)
			}
		}
	}
	for name, b := range map[string]*vsphere.Backend{"berlin": berlin, "frankfurt": frankfurt} {
		inv, err := b.Inventory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tpl := range inv.Templates {
			if tpl == "debian-12" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s: %d templates named debian-12 (%v), want 1", name, n, inv.Templates)
		}
		if _, err := b.CreateVM(ctx, hypervisor.VMCreate{MachineID: domain.NewID(), OperationID: "op", Name: "from-image", Folder: "tessera/acme",
			Template: "debian-12", VCPUs: 1, MemoryMiB: 512}); err != nil {
			t.Errorf("%s: create from the replicated image: %v", name, err)
		}
	}
	if errs := cache.Replicate(ctx, strings.Repeat("0", 64), "x", sites); domain.ErrorCode(errs["berlin"]) != domain.ENOTFOUND {
		t.Errorf("unknown image: %v", errs)
	}
}

// TestImageOperationsThroughConnect replicates an image from the cache to
// two connect sites with image_import operations (durable, idempotent like
// every site operation), and turns a stopped machine into a private image.
func TestImageOperationsThroughConnect(t *testing.T) {
	ctx := context.Background()
	cache := &imagecache.Cache{Dir: t.TempDir()}
	digest, err := cache.Put(bytes.NewReader(ova(t)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cache.Handler())
	t.Cleanup(srv.Close)
	url := srv.URL + "/" + digest + ".ova"

	var clients []*connectapi.Client
	for _, name := range []string{"berlin", "frankfurt"} {
		site := connecttest.Start(t, connecttest.Options{Name: name, Sim: vsphere.SimOptions{HostsPerCluster: 1}})
		token, _ := site.Token(t, "manage-a")
		clients = append(clients, connectapi.New(site.Server.URL, token, nil))
	}
	run := func(c *connectapi.Client, req domain.OperationRequest) *domain.Operation {
		t.Helper()
		op, err := c.Submit(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", req.Kind, err)
		}
		return connecttest.Wait(t, c, op.ID)
	}
	for _, c := range clients {
		if op := run(c, domain.OperationRequest{Key: "import-debian", Kind: domain.OpImageImport, Image: &domain.ImageRequest{Name: "debian-12", URL: url}}); op.State != domain.OpSucceeded {
			t.Fatalf("import: %s %s", op.State, op.Error)
		}
		info, err := c.Info(ctx)
		if err != nil || !slices.Contains(info.Templates, "debian-12") {
			t.Fatalf("site templates %v, %v", info.Templates, err)
		}
	}
	if op := run(clients[0], domain.OperationRequest{Key: "import-missing", Kind: domain.OpImageImport, Image: &domain.ImageRequest{Name: "nope", URL: srv.URL + "/" + strings.Repeat("0", 64) + ".ova"}}); op.State != domain.OpFailed {
		t.Errorf("import of a missing image: %s", op.State)
	}

	// A private image from a stopped machine.
	c := clients[0]
	machine := domain.NewID()
	spec := &domain.MachineSpec{Name: "golden", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 512, Image: "debian-12"}
	if op := run(c, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpCreate, MachineID: machine, Spec: spec}); op.State != domain.OpSucceeded {
		t.Fatalf("create from the imported image: %s", op.Error)
	}
	capture := domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpImageCapture, MachineID: machine, Image: &domain.ImageRequest{Name: "acme-golden"}}
	if op := run(c, capture); op.State != domain.OpFailed || !strings.Contains(op.Error, "Stop the machine") {
		t.Errorf("capture while running: %s %q", op.State, op.Error)
	}
	run(c, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpPowerOff, MachineID: machine})
	capture.Key = domain.NewID()
	if op := run(c, capture); op.State != domain.OpSucceeded {
		t.Fatalf("capture: %s", op.Error)
	}
	if info, _ := c.Info(ctx); !slices.Contains(info.Templates, "acme-golden") {
		t.Errorf("templates after capture: %v", info.Templates)
	}
	// The machine is still itself (the template did not take its identity).
	if m, err := c.Machine(ctx, machine); err != nil || m.Power != domain.PowerOff {
		t.Errorf("machine after capture: %+v, %v", m, err)
	}
	if op := run(c, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpCreate, MachineID: domain.NewID(),
		Spec: &domain.MachineSpec{Name: "copy", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 512, Image: "acme-golden"}}); op.State != domain.OpSucceeded {
		t.Errorf("create from the private image: %s", op.Error)
	}

	// A tenant's own template (img-…) is deleted; again (a retry) is fine.
	own := domain.TenantTemplatePrefix + domain.NewID()
	capture.Key, capture.Image = domain.NewID(), &domain.ImageRequest{Name: own}
	if op := run(c, capture); op.State != domain.OpSucceeded {
		t.Fatalf("capture %s: %s", own, op.Error)
	}
	for i := range 2 {
		if op := run(c, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpImageDelete, Image: &domain.ImageRequest{Name: own}}); op.State != domain.OpSucceeded {
			t.Fatalf("delete #%d: %s %s", i+1, op.State, op.Error)
		}
		if info, _ := c.Info(ctx); slices.Contains(info.Templates, own) {
			t.Errorf("templates after delete #%d: %v", i+1, info.Templates)
		}
	}
	// The catalogue's templates are not deleted this way.
	if _, err := c.Submit(ctx, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpImageDelete, Image: &domain.ImageRequest{Name: "debian-12"}}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("delete a catalogue template = %v, want invalid", err)
	}
	if info, _ := c.Info(ctx); !slices.Contains(info.Templates, "debian-12") {
		t.Errorf("templates after a refused delete: %v", info.Templates)
	}
}
