package central_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"tessera/adapters/vsphere"
	"tessera/connect/central"
	"tessera/connect/connecttest"
	"tessera/connect/model"
	"tessera/connect/store"
	"tessera/domain"
)

// TestMain lets the test binary also act as a connect worker process, so
// the crash test can SIGKILL a real process in the middle of an operation.
func TestMain(m *testing.M) {
	if os.Getenv("TESSERA_CRASH_CHILD") == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

func runChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, os.Getenv("TESSERA_CRASH_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := vsphere.Connect(ctx, vsphere.Config{URL: os.Getenv("TESSERA_CRASH_VC"), User: "user", Password: "pass", CAFile: os.Getenv("TESSERA_CRASH_CA")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, err := central.New(st, b, connecttest.FastConfig(central.Config{SiteName: "child"}), slog.New(slog.NewTextHandler(os.Stderr, nil)), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := c.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-ctx.Done()
	return 0
}

// TestCrashAndRestart kills the worker process with SIGKILL while it clones
// a VM, starts another worker, and checks the operation finishes exactly
// once with exactly one VM.
func TestCrashAndRestart(t *testing.T) {
	// A slow clone (as on a real vCenter) so the kill lands mid-operation.
	site := connecttest.Start(t, connecttest.Options{NoStart: true, Sim: vsphere.SimOptions{MethodDelay: map[string]int{"CloneVM_Task": 1500}}})
	_, mi := site.Token(t, "manage-a")
	ctx := context.Background()
	machine := domain.NewID()
	op, err := site.Central.Submit(ctx, mi.ID, model.OperationRequest{Key: "crash-1", Kind: model.OpCreate, MachineID: machine,
		Spec: &model.MachineSpec{Name: "db", TenantSlug: "acme", VCPUs: 1, MemoryMiB: 1024, DiskGiB: 10, Image: "ubuntu-24.04"}})
	if err != nil {
		t.Fatal(err)
	}

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "TESSERA_CRASH_CHILD=1", "TESSERA_CRASH_DB="+site.DBURL, "TESSERA_CRASH_VC="+site.Sim.URL, "TESSERA_CRASH_CA="+site.Sim.CAFile)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })

	// Wait until the child has claimed the operation, let it reach the
	// clone, then kill it without warning.
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := site.Store.FindOperation(ctx, mi.ID, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.State == model.OpRunning {
			break
		}
		if r.State.Done() || time.Now().After(deadline) {
			t.Fatalf("operation %s before the kill", r.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	if r, _ := site.Store.FindOperation(ctx, mi.ID, op.ID); r.State != model.OpRunning {
		t.Fatalf("after the kill the operation is %s, want running (the kill came too late to test anything)", r.State)
	}

	// A new process (here: this one) takes over once the lease expires.
	site.StartCentral(t)
	deadline = time.Now().Add(60 * time.Second)
	var r *store.OpRecord
	for {
		r, err = site.Store.FindOperation(ctx, mi.ID, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.State.Done() || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r.State != model.OpSucceeded {
		t.Fatalf("operation %s: %q", r.State, r.Error)
	}
	if r.Attempts != 2 {
		t.Errorf("attempts = %d, want 2 (the killed one and the resumed one)", r.Attempts)
	}
	// Let the (slow) clone of the killed worker land, if it was sent, then count.
	time.Sleep(2 * time.Second)
	if n := site.VMCount(t); n != 1 {
		t.Fatalf("%d VMs for one create, want exactly 1", n)
	}
	vm, err := site.Backend.FindVM(ctx, machine)
	if err != nil {
		t.Fatal(err)
	}
	if vm.Power != model.PowerOn || vm.OperationID != op.ID {
		t.Errorf("VM %+v: want powered on and tagged with operation %s", vm, op.ID)
	}
	m, err := site.Store.FindMachine(ctx, mi.ID, machine)
	if err != nil || m.Obs.Power != model.PowerOn {
		t.Errorf("machine record %+v, %v", m, err)
	}
	// The old job of the dead worker, if River ever runs it again, finds the
	// operation done and does nothing.
	if r2, _ := site.Store.FindOperation(ctx, mi.ID, op.ID); r2.Attempts != 2 || r2.FinishedAt == nil || !r2.FinishedAt.Equal(*r.FinishedAt) {
		t.Errorf("operation changed after it finished: %+v", r2)
	}
}
