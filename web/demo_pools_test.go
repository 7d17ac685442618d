package web_test

import (
	"context"
	"testing"
)

// The demo gives every location one public pool, and a restarted demo
// (seeding again) adds none.
func TestDemoPools(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	for range 2 {
		if err := env.Server.SeedDemoPools(ctx); err != nil {
			t.Fatal(err)
		}
	}
	locs, err := env.Server.Locations.FindLocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range locs {
		pools, err := env.Server.App.Storage.Addresses.Pools(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pools) != 1 {
			t.Errorf("%s has %d pools after two seedings, want 1", l.Name, len(pools))
		}
	}
}
