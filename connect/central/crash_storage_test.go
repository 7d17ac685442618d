package central_test

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"tessera/adapters/vsphere"
	"tessera/connect/connecttest"
	"tessera/connect/hypervisor"
	"tessera/connect/model"
	"tessera/connect/store"
	"tessera/domain"
)

// TestDiskCreateCrashAndRestart kills the worker process with SIGKILL while
// it creates a disk, starts another worker, and checks the operation
// finishes exactly once with one disk file that attaches.
func TestDiskCreateCrashAndRestart(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{NoStart: true, Sim: vsphere.SimOptions{MethodDelay: map[string]int{"CreateVirtualDisk_Task": 1500}}})
	_, mi := site.Token(t, "manage-a")
	ctx := context.Background()
	diskID := domain.NewID()
	op, err := site.Central.Submit(ctx, mi.ID, model.OperationRequest{Key: "disk-crash-1", Kind: model.OpDiskCreate,
		Disk: &model.DiskRequest{ID: diskID, SizeGiB: 8}})
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
		t.Fatalf("after the kill the operation is %s, want running", r.State)
	}

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
	time.Sleep(2 * time.Second) // let the killed worker's slow create land, if it was sent
	d, err := site.Store.FindDisk(ctx, mi.ID, diskID)
	if err != nil || d.State != "available" || d.Path == "" || d.SizeGiB != 8 {
		t.Fatalf("disk record %+v, %v", d, err)
	}
	// The one file is usable: creating it again finds it, and it attaches.
	again, err := site.Backend.CreateDisk(ctx, hypervisor.DiskCreate{DiskID: diskID, SizeGiB: 8, Datastore: d.Datastore})
	if err != nil || again.Path != d.Path {
		t.Fatalf("create again = %+v, %v", again, err)
	}
}
