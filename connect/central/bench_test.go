package central_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/adapters/connectapi"
	"tessera/adapters/vsphere"
	"tessera/connect/api"
	"tessera/connect/central"
	"tessera/connect/connecttest"
	"tessera/connect/store"
	"tessera/domain"
)

// benchN is how many machines each phase creates and powers on.
var benchN = envInt("TESSERA_BENCH_N", 200)

// benchDelay gives the simulator some of a real vCenter's latency (a real
// clone takes seconds; these are deliberately small so the orchestration's
// own cost is not hidden).
var benchDelay = map[string]int{"CloneVM_Task": 150, "PowerOnVM_Task": 50}

// BenchmarkProvisioning creates and powers on benchN machines three ways
// against one simulated vCenter: a plain sequential govmomi loop, connect
// with one worker, and connect with 16 workers (submitting through the
// /connect/v1 API with manage's client and waiting for every operation).
func BenchmarkProvisioning(b *testing.B) {
	sim, err := vsphere.StartSimulator(vsphere.SimOptions{Clusters: 2, HostsPerCluster: 4, HostCores: 64, HostMemoryMiB: 512 << 10, MethodDelay: benchDelay})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	var plain, c1, c16 float64
	for b.Loop() {
		plain = plainLoop(b, sim, benchN)
		c1 = throughConnect(b, sim, benchN, 1)
		c16 = throughConnect(b, sim, benchN, 16)
	}
	b.ReportMetric(plain, "plain_machines/s")
	b.ReportMetric(c1, "connect_c1_machines/s")
	b.ReportMetric(c16, "connect_c16_machines/s")
	b.ReportMetric(100*(plain/c1-1), "c1_overhead_%")
	b.ReportMetric(c16/plain, "c16_speedup_x")
}

// plainLoop clones the template and powers each VM on, one after another.
func plainLoop(b *testing.B, sim *vsphere.Simulator, n int) float64 {
	ctx := context.Background()
	vc, err := vsphereClient(ctx, sim)
	if err != nil {
		b.Fatal(err)
	}
	f := find.NewFinder(vc.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		b.Fatal(err)
	}
	f.SetDatacenter(dc)
	tmpl, err := f.VirtualMachine(ctx, "ubuntu-24.04")
	if err != nil {
		b.Fatal(err)
	}
	folders, err := dc.Folders(ctx)
	if err != nil {
		b.Fatal(err)
	}
	pool, err := f.ResourcePool(ctx, "DC0_C0/Resources")
	if err != nil {
		b.Fatal(err)
	}
	poolRef := pool.Reference()
	start := time.Now()
	for i := range n {
		spec := types.VirtualMachineCloneSpec{Location: types.VirtualMachineRelocateSpec{Pool: &poolRef},
			Config: &types.VirtualMachineConfigSpec{NumCPUs: 1, MemoryMB: 256}}
		t, err := tmpl.Clone(ctx, folders.VmFolder, fmt.Sprintf("plain-%d", i), spec)
		if err != nil {
			b.Fatal(err)
		}
		info, err := t.WaitForResult(ctx)
		if err != nil {
			b.Fatal(err)
		}
		vm := object.NewVirtualMachine(vc.Client, info.Result.(types.ManagedObjectReference))
		pt, err := vm.PowerOn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := pt.Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// throughConnect runs a connect site with workers workers over sim and
// submits n create operations through the API, returning machines/s.
func throughConnect(b *testing.B, sim *vsphere.Simulator, n, workers int) float64 {
	ctx := context.Background()
	st, err := store.Open(ctx, connecttest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	be, err := vsphere.Connect(ctx, sim.Config())
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	c, err := central.New(st, be, central.Config{SiteName: "bench", Workers: workers, SyncInterval: -1}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = c.Stop(sctx)
	}()
	srv := httptest.NewServer((&api.Handler{Store: st, Central: c}).NewRouter(nil))
	defer srv.Close()
	_, token, err := st.CreateManageInstance(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	client := connectapi.New(srv.URL, token, nil)

	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := client.Submit(ctx, domain.OperationRequest{Key: fmt.Sprintf("k%d", i), Kind: domain.OpCreate, MachineID: domain.NewID(),
				Spec: &domain.MachineSpec{Name: fmt.Sprintf("m%d", i), TenantSlug: fmt.Sprintf("c%d", workers), VCPUs: 1, MemoryMiB: 256, Image: "ubuntu-24.04"}})
			if err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	for {
		var done, failed int
		if err := st.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state IN ('succeeded', 'failed')), count(*) FILTER (WHERE state = 'failed') FROM connect_operations`).Scan(&done, &failed); err != nil {
			b.Fatal(err)
		}
		if failed > 0 {
			var msg string
			_ = st.Pool.QueryRow(ctx, `SELECT error FROM connect_operations WHERE state = 'failed' LIMIT 1`).Scan(&msg)
			b.Fatalf("%d operations failed: %s", failed, msg)
		}
		if done == n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return float64(n) / time.Since(start).Seconds()
}

// vsphereClient logs in to the simulator verifying its certificate.
func vsphereClient(ctx context.Context, sim *vsphere.Simulator) (*govmomi.Client, error) {
	u, err := soap.ParseURL(sim.URL)
	if err != nil {
		return nil, err
	}
	sc := soap.NewClient(u, false)
	if err := sc.SetRootCAs(sim.CAFile); err != nil {
		return nil, err
	}
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, err
	}
	c := &govmomi.Client{Client: vc, SessionManager: session.NewManager(vc)}
	return c, c.Login(ctx, url.UserPassword(sim.User, sim.Password))
}

// envInt reads an int from the environment (to try the benchmark smaller).
func envInt(name string, def int) int {
	var v int
	if _, err := fmt.Sscan(os.Getenv(name), &v); err == nil && v > 0 {
		return v
	}
	return def
}
