package demo_test

import (
	"context"
	"testing"

	"tessera/demo"
	"tessera/web/webtest"
)

// The demo gives every location one public pool, and a restarted demo
// (seeding again) adds none.
func TestDemoPools(t *testing.T) {
	env := webtest.New(t)
	ctx := context.Background()
	if err := demo.Start(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := demo.SeedPools(ctx, env.Server); err != nil {
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
