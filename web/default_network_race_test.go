package web_test

import (
	"context"
	"sync"
	"testing"
)

// Parallel first uses of a location (machines created at once) share one
// default network: the losers of the race find the winner's instead of
// failing on its name or its range.
func TestDefaultNetworkParallelFirstUse(t *testing.T) {
	e := newMachinesEnv(t)
	acme := e.Tenant(t, "acme").ID
	sm := e.Server.App.Storage
	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			nw, err := sm.DefaultNetwork(context.Background(), acme, e.locs[0].ID)
			errs[i] = err
			if nw != nil {
				ids[i] = nw.ID
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("first use %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("parallel first uses made different default networks: %v", ids)
		}
	}
}
