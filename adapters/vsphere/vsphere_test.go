package vsphere_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"tessera/adapters/vsphere"
	"tessera/connect/hypervisor"
	"tessera/domain"
)

func startSim(t *testing.T, o vsphere.SimOptions) (*vsphere.Simulator, *vsphere.Backend) {
	t.Helper()
	sim, err := vsphere.StartSimulator(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	b, err := vsphere.Connect(context.Background(), sim.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return sim, b
}

func create(t *testing.T, b *vsphere.Backend, id string) *hypervisor.VMState {
	t.Helper()
	s, err := b.CreateVM(context.Background(), hypervisor.VMCreate{
		MachineID: id, OperationID: "op-" + id, Name: "acme-web-" + id[:8], Folder: "tessera/acme",
		Template: "ubuntu-24.04", VCPUs: 2, MemoryMiB: 2048, DiskGiB: 40, Network: "DC0_DVPG0",
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInventory(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{Clusters: 2, HostsPerCluster: 3, HostCores: 8, HostMemoryMiB: 32768, Templates: []string{"ubuntu-24.04", "debian-12"}})
	inv, err := b.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(inv.Clusters), 2; got != want {
		t.Errorf("clusters = %d, want %d", got, want)
	}
	if got, want := len(inv.Hosts), 6; got != want {
		t.Errorf("hosts = %d, want %d", got, want)
	}
	if got := strings.Join(inv.Templates, ","); got != "debian-12,ubuntu-24.04" {
		t.Errorf("templates = %s", got)
	}
	if len(inv.Datastores) != 1 || inv.Datastores[0].CapacityGiB == 0 || !inv.Datastores[0].Usable {
		t.Errorf("datastores = %+v", inv.Datastores)
	}
	found := false
	for _, n := range inv.Networks {
		found = found || n == "DC0_DVPG0"
	}
	if !found {
		t.Errorf("networks = %v, want DC0_DVPG0", inv.Networks)
	}
	c := inv.Capacity()
	if c.VCPUsTotal != 48 || c.MemoryTotalMiB != 6*32768 || c.StorageTotalGiB == 0 {
		t.Errorf("capacity = %+v", c)
	}
	h := inv.Hosts[0]
	if h.Cluster == "" || !h.Usable || len(h.Datastores) != 1 {
		t.Errorf("host = %+v", h)
	}
}

func TestMachineLifecycle(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	id := domain.NewID()
	s := create(t, b, id)
	if s.MachineID != id || s.OperationID != "op-"+id || s.VCPUs != 2 || s.MemoryMiB != 2048 || s.DiskGiB != 40 || s.Power != hypervisor.PowerOff || s.Host == "" {
		t.Fatalf("created %+v", s)
	}
	// A retried create finds the VM instead of cloning again.
	again := create(t, b, id)
	if again.Name != s.Name {
		t.Errorf("retry returned %q, want %q", again.Name, s.Name)
	}
	if vms, _ := b.ListVMs(ctx); len(vms) != 1 {
		t.Fatalf("after a retried create there are %d VMs, want 1", len(vms))
	}

	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"power on", func() error { return b.PowerOn(ctx, id) }, hypervisor.PowerOn},
		{"power on again", func() error { return b.PowerOn(ctx, id) }, hypervisor.PowerOn},
		{"reboot", func() error { return b.Reboot(ctx, id) }, hypervisor.PowerOn},
		{"guest shutdown", func() error { return b.Shutdown(ctx, id, 5*time.Second) }, hypervisor.PowerOff},
		{"power on", func() error { return b.PowerOn(ctx, id) }, hypervisor.PowerOn},
		{"power off", func() error { return b.PowerOff(ctx, id) }, hypervisor.PowerOff},
		{"power off again", func() error { return b.PowerOff(ctx, id) }, hypervisor.PowerOff},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := b.FindVM(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Power != st.want {
			t.Errorf("after %s: power %s, want %s", st.name, got.Power, st.want)
		}
	}
	if err := b.Reboot(ctx, id); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("reboot of a stopped VM: %v, want conflict", err)
	}

	if err := b.Reconfigure(ctx, id, 4, 8192, 80); err != nil {
		t.Fatal(err)
	}
	got, _ := b.FindVM(ctx, id)
	if got.VCPUs != 4 || got.MemoryMiB != 8192 || got.DiskGiB != 80 {
		t.Errorf("after resize %+v", got)
	}
	if err := b.Reconfigure(ctx, id, 0, 0, 20); domain.ErrorFields(err)["disk_gib"] == "" {
		t.Errorf("shrinking the disk: %v, want a disk_gib error", err)
	}

	if err := b.Destroy(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := b.FindVM(ctx, id); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("after destroy FindVM = %v, want not found", err)
	}
	if err := b.Destroy(ctx, id); err != nil {
		t.Errorf("destroying a missing VM: %v, want nil", err)
	}
	for name, err := range map[string]error{
		"power on":    b.PowerOn(ctx, id),
		"power off":   b.PowerOff(ctx, id),
		"reconfigure": b.Reconfigure(ctx, id, 1, 1024, 0),
	} {
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("%s of a missing VM: %v, want not found", name, err)
		}
	}
}

func TestCreateConcurrentRetries(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	id := domain.NewID()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := b.CreateVM(context.Background(), hypervisor.VMCreate{MachineID: id, OperationID: "op", Name: "dup-" + id[:8], Folder: "tessera/x", Template: "ubuntu-24.04", VCPUs: 1, MemoryMiB: 512})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	vms, err := b.ListVMs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(vms) != 1 {
		t.Errorf("%d VMs after 4 concurrent creates of one machine, want 1", len(vms))
	}
}

func TestCreateFailures(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	base := hypervisor.VMCreate{MachineID: domain.NewID(), Name: "x-1", Folder: "tessera/acme", Template: "ubuntu-24.04", VCPUs: 1, MemoryMiB: 512}
	tests := []struct {
		name   string
		change func(r *hypervisor.VMCreate)
		code   string
		reason string
	}{
		{"template missing", func(r *hypervisor.VMCreate) { r.Template = "windows-3.11" }, domain.ENOTFOUND, `Template "windows-3.11" does not exist`},
		{"host missing", func(r *hypervisor.VMCreate) { r.Host = "nohost" }, domain.ENOTFOUND, `Host "nohost"`},
		{"network missing", func(r *hypervisor.VMCreate) { r.Network = "nonet" }, domain.ENOTFOUND, `Network "nonet"`},
		{"no sizes", func(r *hypervisor.VMCreate) { r.VCPUs = 0 }, domain.EINVALID, "vCPUs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.change(&r)
			_, err := b.CreateVM(ctx, r)
			if domain.ErrorCode(err) != tt.code || !strings.Contains(domain.ErrorMessage(err), tt.reason) {
				t.Errorf("err = %v, want %s containing %q", err, tt.code, tt.reason)
			}
		})
	}
	// The same name in the same folder for another machine is a conflict.
	first := base
	if _, err := b.CreateVM(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := base
	second.MachineID = domain.NewID()
	if _, err := b.CreateVM(ctx, second); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("duplicate name: %v, want conflict", err)
	}
}

func TestNoCapacity(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{HostsPerCluster: 1, HostCores: 2, HostMemoryMiB: 2048})
	inv, err := b.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = hypervisor.Place(inv, hypervisor.PlacementRequest{VCPUs: 2, MemoryMiB: 4096, DiskGiB: 10}, hypervisor.DefaultPlacementPolicy)
	if domain.ErrorCode(err) != domain.ECONFLICT || !strings.Contains(domain.ErrorMessage(err), "4096 MiB of memory free") {
		t.Errorf("placement on a full site: %v, want a conflict about memory", err)
	}
}

func TestUnreachable(t *testing.T) {
	sim, b := startSim(t, vsphere.SimOptions{})
	sim.StopServer()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.Inventory(ctx); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Errorf("Inventory on a stopped vCenter: %v, want unavailable", err)
	}
	if err := b.PowerOn(ctx, domain.NewID()); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Errorf("PowerOn on a stopped vCenter: %v, want unavailable", err)
	}
	cfg := sim.Config()
	if _, err := vsphere.Connect(ctx, cfg); domain.ErrorCode(err) != domain.EUNAVAILABLE || !strings.Contains(domain.ErrorMessage(err), "cannot be reached") {
		t.Errorf("Connect to a stopped vCenter: %v, want unavailable", err)
	}
}

func TestTLSVerification(t *testing.T) {
	sim, _ := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	cfg := sim.Config()
	cfg.CAFile = ""
	if _, err := vsphere.Connect(ctx, cfg); err == nil {
		t.Fatal("connected to a self-signed vCenter without a CA file or thumbprint")
	}
	cfg.Thumbprint = sim.Thumbprint()
	b, err := vsphere.Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("with the thumbprint: %v", err)
	}
	b.Close()
	cfg.Thumbprint = strings.Repeat("AB:", 19) + "AB"
	if _, err := vsphere.Connect(ctx, cfg); err == nil {
		t.Error("connected with a wrong thumbprint")
	}
}

// TestCachedReferenceGoneBehindOurBack deletes a VM with a second backend
// (another process) and checks the first one, which cached the VM's
// reference, reports it missing instead of failing oddly.
func TestCachedReferenceGoneBehindOurBack(t *testing.T) {
	sim, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	id := domain.NewID()
	create(t, b, id)
	if err := b.PowerOn(ctx, id); err != nil {
		t.Fatal(err)
	}
	other, err := vsphere.Connect(ctx, sim.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Destroy(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := b.FindVM(ctx, id); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("FindVM after another process deleted the VM: %v", err)
	}
	if err := b.PowerOff(ctx, id); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("PowerOff: %v", err)
	}
	// Created again (a retried create), the new VM is found.
	create(t, other, id)
	if s, err := b.FindVM(ctx, id); err != nil || s.MachineID != id {
		t.Errorf("FindVM of the re-created VM: %+v, %v", s, err)
	}
}
