package postgres_test

import (
	"context"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

// A placement whose machine was never written (a crash between the two
// transactions) stops holding capacity once the sweeper sees it; a young one
// is left alone, since its machine may be being written right now.
func TestPlacementSweepOrphans(t *testing.T) {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	ps := postgres.NewPlacementService(db)
	acme := placementTenant(t, db, "acme")
	cloud := placementCloud(t, ps, 1, 4, "DE")
	req := domain.PlaceRequest{TenantID: acme.ID, Shape: unit, Location: domain.LocationChoice{Kind: domain.ChooseCheapest}}
	if _, err := ps.Place(ctx, domain.NewID(), req, cloud); err != nil {
		t.Fatal(err)
	}
	reserved := func() int {
		var v int
		if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(reserved_vcpus),0) FROM placement_sites`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if n, err := ps.SweepOrphans(ctx, time.Minute); err != nil || n != 0 || reserved() != 1 {
		t.Fatalf("young placement swept: n=%d err=%v reserved=%d", n, err, reserved())
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE placement_reservations SET created_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if n, err := ps.SweepOrphans(ctx, time.Minute); err != nil || n != 1 {
		t.Fatalf("sweep: n=%d err=%v", n, err)
	}
	if got := reserved(); got != 0 {
		t.Fatalf("reserved vCPUs after the sweep = %d, want 0", got)
	}
}
