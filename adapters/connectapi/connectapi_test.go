package connectapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"tessera/adapters/connectapi"
	"tessera/connect/connecttest"
	"tessera/domain"
)

func spec() *domain.MachineSpec {
	return &domain.MachineSpec{Name: "web-1", TenantSlug: "acme", VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20, Image: "ubuntu-24.04", Network: "DC0_DVPG0"}
}

// TestMachineLifecycleThroughConnect is the "done when" test: manage's
// SiteClient -> connect API -> Central -> vSphere simulator.
func TestMachineLifecycleThroughConnect(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{})
	token, _ := site.Token(t, "manage-a")
	c := connectapi.New(site.Server.URL, token, nil)
	ctx := context.Background()

	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "test-site" || info.APIVersion != "v1" || info.Capacity.Hosts != 2 || len(info.Templates) != 1 || info.LastSync.IsZero() {
		t.Errorf("site info %+v", info)
	}

	machine := domain.NewID()
	step := func(kind domain.OperationKind, s *domain.MachineSpec) *domain.MachineObservation {
		t.Helper()
		op, err := c.Submit(ctx, domain.OperationRequest{Key: domain.NewID(), Kind: kind, MachineID: machine, Spec: s})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if op.Kind != kind || op.MachineID != machine || op.ID == "" {
			t.Fatalf("%s: submitted %+v", kind, op)
		}
		if done := connecttest.Wait(t, c, op.ID); done.State != domain.OpSucceeded {
			t.Fatalf("%s: %s: %s", kind, done.State, done.Error)
		}
		m, err := c.Machine(ctx, machine)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	m := step(domain.OpCreate, spec())
	if m.Power != domain.PowerOn || m.VCPUs != 2 || m.MemoryMiB != 2048 || m.DiskGiB != 20 || m.Host == "" {
		t.Errorf("after create: %+v", m)
	}
	vm, err := site.Backend.FindVM(ctx, machine)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vm.Name, "acme-web-1-") {
		t.Errorf("VM name %q does not follow the default naming template", vm.Name)
	}
	if m := step(domain.OpStop, nil); m.Power != domain.PowerOff {
		t.Errorf("after stop: %s", m.Power)
	}
	if m := step(domain.OpStart, nil); m.Power != domain.PowerOn {
		t.Errorf("after start: %s", m.Power)
	}
	if m := step(domain.OpReboot, nil); m.Power != domain.PowerOn {
		t.Errorf("after reboot: %s", m.Power)
	}
	m = step(domain.OpResize, &domain.MachineSpec{VCPUs: 4, MemoryMiB: 4096, DiskGiB: 40})
	if m.Power != domain.PowerOn || m.VCPUs != 4 || m.MemoryMiB != 4096 || m.DiskGiB != 40 {
		t.Errorf("after resize: %+v", m)
	}
	if m := step(domain.OpPowerOff, nil); m.Power != domain.PowerOff {
		t.Errorf("after poweroff: %s", m.Power)
	}
	if m := step(domain.OpDelete, nil); m.Power != domain.PowerDeleted {
		t.Errorf("after delete: %s", m.Power)
	}
	if n := site.VMCount(t); n != 0 {
		t.Errorf("%d VMs left after delete", n)
	}

	// Prometheus counts operations by kind and result, with durations.
	mfs, err := site.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	var observed uint64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + ","
			}
			switch mf.GetName() {
			case "tessera_connect_operations_total":
				counts[labels] = m.GetCounter().GetValue()
			case "tessera_connect_operation_duration_seconds":
				observed += m.GetHistogram().GetSampleCount()
			}
		}
	}
	if counts["kind=create,result=succeeded,"] != 1 || counts["kind=delete,result=succeeded,"] != 1 || observed != 7 {
		t.Errorf("metrics: %v, %d durations observed", counts, observed)
	}
}

func TestIdempotency(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{})
	token, _ := site.Token(t, "manage-a")
	c := connectapi.New(site.Server.URL, token, nil)
	ctx := context.Background()
	req := domain.OperationRequest{Key: "create-web-1", Kind: domain.OpCreate, MachineID: domain.NewID(), Spec: spec()}

	// Ten concurrent submissions of one request make one operation.
	var wg sync.WaitGroup
	ids := make(chan string, 10)
	for range 10 {
		wg.Go(func() {
			op, err := c.Submit(ctx, req)
			if err != nil {
				t.Error(err)
				return
			}
			ids <- op.ID
		})
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first {
			t.Fatalf("same key gave operations %s and %s", first, id)
		}
	}
	if op := connecttest.Wait(t, c, first); op.State != domain.OpSucceeded || op.Attempts != 1 {
		t.Fatalf("operation %+v", op)
	}
	// Submitted again after it finished: the same, finished operation.
	again, err := c.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first || again.State != domain.OpSucceeded {
		t.Errorf("resubmission returned %+v", again)
	}
	if n := site.VMCount(t); n != 1 {
		t.Errorf("%d VMs, want 1", n)
	}
	// The key reused for another request is a conflict.
	other := req
	other.Kind = domain.OpDelete
	if _, err := c.Submit(ctx, other); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("key reused for a delete: %v, want conflict", err)
	}
}

func TestManageInstancesAreIsolated(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{})
	tokenA, _ := site.Token(t, "manage-a")
	tokenB, _ := site.Token(t, "manage-b")
	a := connectapi.New(site.Server.URL, tokenA, nil)
	b := connectapi.New(site.Server.URL, tokenB, nil)
	ctx := context.Background()

	machine := domain.NewID()
	op, err := a.Submit(ctx, domain.OperationRequest{Key: "k1", Kind: domain.OpCreate, MachineID: machine, Spec: spec()})
	if err != nil {
		t.Fatal(err)
	}
	connecttest.Wait(t, a, op.ID)

	if _, err := b.Operation(ctx, op.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("B reads A's operation: %v, want not found", err)
	}
	if _, err := b.Machine(ctx, machine); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("B reads A's machine: %v, want not found", err)
	}
	if _, err := b.Submit(ctx, domain.OperationRequest{Key: "k2", Kind: domain.OpDelete, MachineID: machine}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("B deletes A's machine: %v, want not found", err)
	}
	if _, err := b.Submit(ctx, domain.OperationRequest{Key: "k3", Kind: domain.OpCreate, MachineID: machine, Spec: spec()}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("B creates a machine with A's id: %v, want conflict", err)
	}
	// The same idempotency key in B is B's own operation, not A's.
	opB, err := b.Submit(ctx, domain.OperationRequest{Key: "k1", Kind: domain.OpCreate, MachineID: domain.NewID(), Spec: spec()})
	if err != nil {
		t.Fatal(err)
	}
	if opB.ID == op.ID {
		t.Error("B's key k1 returned A's operation")
	}
	connecttest.Wait(t, b, opB.ID)
	if m, err := a.Machine(ctx, machine); err != nil || m.Power != domain.PowerOn {
		t.Errorf("A's machine after B's attempts: %+v, %v", m, err)
	}
}

func TestAuthAndErrors(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{NoStart: true})
	token, _ := site.Token(t, "manage-a")
	ctx := context.Background()

	for name, tok := range map[string]string{"none": "", "wrong": "tsc_wrong", "garbage": "x"} {
		req, _ := http.NewRequest(http.MethodGet, site.Server.URL+"/connect/v1/site", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("token %s: %d %s, want 401 problem+json", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	bad := connectapi.New(site.Server.URL, "tsc_wrong", nil)
	if _, err := bad.Info(ctx); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Errorf("client with a wrong token: %v", err)
	}

	c := connectapi.New(site.Server.URL, token, nil)
	_, err := c.Submit(ctx, domain.OperationRequest{Kind: "explode", MachineID: "a b"})
	fields := domain.ErrorFields(err)
	if domain.ErrorCode(err) != domain.EINVALID || fields["kind"] == "" || fields["machine_id"] == "" || fields["idempotency_key"] == "" {
		t.Errorf("invalid request: %v %v", err, fields)
	}
	_, err = c.Submit(ctx, domain.OperationRequest{Key: "k", Kind: domain.OpCreate, MachineID: "m1", Spec: &domain.MachineSpec{VCPUs: 0, MemoryMiB: 64}})
	if f := domain.ErrorFields(err); f["spec.vcpus"] == "" || f["spec.memory_mib"] == "" || f["spec.image"] == "" {
		t.Errorf("invalid spec: %v %v", err, f)
	}
	if _, err := c.Operation(ctx, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("unknown operation: %v", err)
	}
	down := connectapi.New("http://127.0.0.1:1", token, nil)
	if _, err := down.Info(ctx); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Errorf("site down: %v, want unavailable", err)
	}
}

func TestOperationFailures(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{Sim: smallSim(), Central: connecttest.FastConfig(centralMaxAttempts(2))})
	token, _ := site.Token(t, "manage-a")
	c := connectapi.New(site.Server.URL, token, nil)
	ctx := context.Background()
	tests := []struct {
		name   string
		spec   *domain.MachineSpec
		reason string
	}{
		{"template missing", &domain.MachineSpec{Name: "x", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 512, Image: "windows-3.11"}, `Template "windows-3.11" does not exist`},
		{"no capacity", &domain.MachineSpec{Name: "big", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1 << 20, Image: "ubuntu-24.04"}, "MiB of memory free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			machine := domain.NewID()
			op, err := c.Submit(ctx, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpCreate, MachineID: machine, Spec: tt.spec})
			if err != nil {
				t.Fatal(err)
			}
			done := connecttest.Wait(t, c, op.ID)
			if done.State != domain.OpFailed || !strings.Contains(done.Error, tt.reason) || done.Attempts != 1 {
				t.Errorf("got %s after %d attempts: %q, want failed with %q", done.State, done.Attempts, done.Error, tt.reason)
			}
			if m, err := c.Machine(ctx, machine); err != nil || m.Power != domain.PowerMissing {
				t.Errorf("machine after a failed create: %+v, %v", m, err)
			}
		})
	}
	t.Run("vCenter unreachable", func(t *testing.T) {
		site.Sim.StopServer()
		op, err := c.Submit(ctx, domain.OperationRequest{Key: domain.NewID(), Kind: domain.OpCreate, MachineID: domain.NewID(), Spec: spec()})
		if err != nil {
			t.Fatal(err)
		}
		done := connecttest.Wait(t, c, op.ID)
		if done.State != domain.OpFailed || !strings.Contains(done.Error, "vCenter cannot be reached") || done.Attempts != 2 {
			t.Errorf("got %s after %d attempts: %q", done.State, done.Attempts, done.Error)
		}
	})
}
