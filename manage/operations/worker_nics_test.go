package operations

import (
	"context"
	"log/slog"
	"testing"

	"tessera/domain"
)

type fakeNetworks map[string]*domain.Network

func (f fakeNetworks) Network(_ context.Context, _, id string) (*domain.Network, error) {
	return f[id], nil
}

// TestWorkerNICs: a create waits while a network is still being made at the
// site, fails with a clear reason when the site could not make it, and
// sends every NIC once all are ready.
func TestWorkerNICs(t *testing.T) {
	nets := fakeNetworks{
		"a": {ID: "a", State: domain.NetworkReady, PortGroup: "pg-a"},
		"b": {ID: "b", State: domain.NetworkCreating},
		"c": {ID: "c", State: domain.NetworkError},
	}
	w := &Worker{Networks: nets}
	claim := func(ids ...string) *MachineWork {
		c := &MachineWork{Op: &domain.MachineOperation{TenantID: "t"}}
		for i, id := range ids {
			c.NICs = append(c.NICs, &domain.MachineInterface{Index: i, NetworkID: id, NetworkName: "net-" + id, NetworkState: domain.NetworkCreating,
				Address: "10.0.0.2", PrefixLength: 24, Gateway: "10.0.0.1"})
		}
		return c
	}
	log := slog.New(slog.DiscardHandler)
	nics, wait, failed := w.nics(context.Background(), log, claim("a"))
	if wait != "" || failed != "" || len(nics) != 1 || nics[0] != (domain.NICSpec{PortGroup: "pg-a", Address: "10.0.0.2", PrefixLength: 24, Gateway: "10.0.0.1"}) {
		t.Errorf("ready: %v %q %q", nics, wait, failed)
	}
	if _, wait, failed := w.nics(context.Background(), log, claim("a", "b")); wait != "Waiting for network net-b to be ready at the site." || failed != "" {
		t.Errorf("creating: %q %q", wait, failed)
	}
	if _, wait, failed := w.nics(context.Background(), log, claim("a", "c")); wait != "" || failed == "" {
		t.Errorf("failed network: %q %q", wait, failed)
	}
}
