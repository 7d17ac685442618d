package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

func placementTenant(tb testing.TB, db *postgres.DB, slug string) *domain.Tenant {
	tb.Helper()
	t := &domain.Tenant{Name: slug, Slug: slug}
	if err := postgres.NewTenantService(db).CreateTenant(context.Background(), t); err != nil {
		tb.Fatal(err)
	}
	return t
}

// placementCloud returns n sites, one per location, in country cc, each with
// room for exactly perSite machines of 1 vCPU and 1 GiB once their settings
// are stored (no overcommit, no reserve).
func placementCloud(tb testing.TB, ps *postgres.PlacementService, n, perSite int, cc string) []domain.SiteCandidate {
	tb.Helper()
	var c []domain.SiteCandidate
	for i := range n {
		s := domain.SiteCandidate{
			SiteID: domain.NewID(), SiteName: fmt.Sprintf("site-%02d", i), LocationID: domain.NewID(), LocationName: fmt.Sprintf("Location %02d", i),
			Country: cc, Enabled: true, Reachable: true,
			Load:   domain.SiteLoad{Cores: perSite, MemoryMiB: int64(perSite) * 1024, StorageGiB: int64(perSite) * 10},
			Hourly: domain.Money{Amount: domain.Micros(10_000 + i), Currency: "EUR"}, Priced: true,
		}
		if err := ps.SetSiteSettings(context.Background(), domain.SiteSettings{SiteID: s.SiteID, Tenancy: domain.Shared, CPURatio: 1, MemoryRatio: 1, ReservePercent: 0}); err != nil {
			tb.Fatal(err)
		}
		c = append(c, s)
	}
	return c
}

var unit = domain.MachineShape{VCPUs: 1, MemoryMiB: 1024, DiskGiB: 10}

func TestPlacementService(t *testing.T) {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	ps := postgres.NewPlacementService(db)
	acme, globex := placementTenant(t, db, "acme"), placementTenant(t, db, "globex")
	cloud := placementCloud(t, ps, 3, 4, "DE")
	cloud[2].Country = "CH"
	zurich := cloud[2]

	t.Run("settings default, then round-trip", func(t *testing.T) {
		other := domain.NewID()
		got, err := ps.SiteSettings(ctx, []string{other, cloud[0].SiteID})
		if err != nil {
			t.Fatal(err)
		}
		if got[other] != domain.DefaultSiteSettings(other) {
			t.Errorf("unset site = %+v, want defaults", got[other])
		}
		want := domain.SiteSettings{SiteID: cloud[0].SiteID, Tenancy: domain.Shared, CPURatio: 1, MemoryRatio: 1}
		if got[cloud[0].SiteID] != want {
			t.Errorf("site = %+v, want %+v", got[cloud[0].SiteID], want)
		}
		err = ps.SetSiteSettings(ctx, domain.SiteSettings{SiteID: other, Tenancy: domain.Tenancy{Kind: domain.TenancyTenant, TenantID: domain.NewID()}, CPURatio: 4, MemoryRatio: 1})
		if domain.ErrorFields(err)["tenancy"] == "" {
			t.Errorf("dedicating to an unknown tenant: %v, want a tenancy field error", err)
		}
		err = ps.SetSiteSettings(ctx, domain.SiteSettings{SiteID: other, CPURatio: 100, MemoryRatio: 1})
		if domain.ErrorFields(err)["cpu_ratio"] == "" {
			t.Errorf("cpu ratio 100: %v, want a field error", err)
		}
	})

	if err := ps.SetLocationTenancy(ctx, zurich.LocationID, domain.Tenancy{Kind: domain.TenancyTenant, TenantID: acme.ID}); err != nil {
		t.Fatal(err)
	}
	tn, err := ps.LocationTenancies(ctx, []string{zurich.LocationID, cloud[0].LocationID})
	if err != nil || tn[zurich.LocationID].TenantID != acme.ID || tn[cloud[0].LocationID] != domain.Shared {
		t.Fatalf("tenancies = %+v, %v", tn, err)
	}

	t.Run("a location dedicated to acme is no choice for globex", func(t *testing.T) {
		req := domain.PlaceRequest{TenantID: globex.ID, Shape: unit, Location: domain.LocationChoice{Kind: domain.ChooseLocation, LocationID: zurich.LocationID}}
		if _, err := ps.Place(ctx, domain.NewID(), req, cloud); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("globex into Zurich: %v, want EINVALID", err)
		}
		req.Location, req.Residency = domain.LocationChoice{Kind: domain.ChooseCheapest}, "CH"
		_, err := ps.Preview(ctx, req, cloud)
		if got, want := domain.ErrorMessage(err), "No shared location is in CH, where the data must stay."; got != want {
			t.Fatalf("globex with CH residency: %q, want %q", got, want)
		}
		req.TenantID = acme.ID
		d, err := ps.Preview(ctx, req, cloud)
		if err != nil || d.Chosen.SiteID != zurich.SiteID {
			t.Fatalf("acme with CH residency: %+v, %v", d, err)
		}
	})

	t.Run("reservations count until released; decisions are kept", func(t *testing.T) {
		loc := domain.LocationChoice{Kind: domain.ChooseLocation, LocationID: cloud[0].LocationID}
		req := domain.PlaceRequest{TenantID: globex.ID, Shape: domain.MachineShape{VCPUs: 1, MemoryMiB: 3 * 1024, DiskGiB: 10}, Location: loc}
		m1 := domain.NewID()
		d, err := ps.Place(ctx, m1, req, cloud)
		if err != nil || d.Chosen.SiteID != cloud[0].SiteID {
			t.Fatalf("place = %+v, %v", d, err)
		}
		if _, err := ps.Place(ctx, m1, req, cloud); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("placing the same machine twice: %v, want ECONFLICT", err)
		}
		_, err = ps.Place(ctx, domain.NewID(), req, cloud)
		if got, want := domain.ErrorMessage(err), "Location 00 does not have 3 GiB of memory free; it has 1 GiB."; got != want {
			t.Errorf("second machine: %q, want %q", got, want)
		}
		rec, err := ps.FindDecision(ctx, globex.ID, m1)
		if err != nil {
			t.Fatal(err)
		}
		if rec.SiteID != cloud[0].SiteID || rec.TenantID != globex.ID || rec.Request != "location "+cloud[0].LocationID || len(rec.Excluded) != 2 || len(rec.Fitting) != 1 || rec.Hourly.Amount != 10_000 {
			t.Errorf("record = %+v", rec)
		}
		if _, err := ps.FindDecision(ctx, globex.ID, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("unknown machine's decision: %v", err)
		}
		if _, err := ps.FindDecision(ctx, acme.ID, m1); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("globex's decision read as acme: %v, want ENOTFOUND", err)
		}
		if _, err := ps.FindDecision(ctx, "", m1); !errors.Is(err, domain.ErrNoTenant) || domain.ErrorCode(err) != domain.EINTERNAL {
			t.Errorf("decision without a tenant: %v, want EINTERNAL (no tenant)", err)
		}
		if rec, err := ps.FindDecisionAnyTenant(ctx, m1); err != nil || rec.TenantID != globex.ID {
			t.Errorf("provider's read of the decision: %+v, %v", rec, err)
		}
		// The site reports the machine from now on; the reservation goes.
		if err := ps.ReleaseReservation(ctx, globex.ID, m1); err != nil {
			t.Fatal(err)
		}
		if err := ps.ReleaseReservation(ctx, globex.ID, m1); err != nil {
			t.Fatalf("releasing twice: %v", err)
		}
		if _, err := ps.Preview(ctx, req, cloud); err != nil {
			t.Errorf("after release: %v", err)
		}
	})

	t.Run("another tenant cannot release a reservation", func(t *testing.T) {
		req := domain.PlaceRequest{TenantID: globex.ID, Shape: domain.MachineShape{VCPUs: 1, MemoryMiB: 4 * 1024}, Location: domain.LocationChoice{Kind: domain.ChooseLocation, LocationID: cloud[1].LocationID}}
		m := domain.NewID()
		if _, err := ps.Place(ctx, m, req, cloud); err != nil {
			t.Fatal(err)
		}
		if err := ps.RemoveMachine(ctx, acme.ID, m); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Preview(ctx, req, cloud); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("after acme's release of globex's machine the site looks free: %v", err)
		}
		if err := ps.RemoveMachine(ctx, globex.ID, m); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Preview(ctx, req, cloud); err != nil {
			t.Errorf("after removal: %v", err)
		}
		// A placement whose machine was never created is undone entirely.
		m = domain.NewID()
		if _, err := ps.Place(ctx, m, req, cloud); err != nil {
			t.Fatal(err)
		}
		if err := ps.Cancel(ctx, globex.ID, m); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Preview(ctx, req, cloud); err != nil {
			t.Errorf("after cancel: %v", err)
		}
		if _, err := ps.FindDecisionAnyTenant(ctx, m); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("a cancelled placement's decision: %v", err)
		}
	})

	t.Run("groups keep their rule and members", func(t *testing.T) {
		g := domain.AffinityGroup{Name: "web", Anti: true, Hard: true}
		req := domain.PlaceRequest{TenantID: globex.ID, Shape: unit, Location: domain.LocationChoice{Kind: domain.ChooseCountry, Country: "DE"}, Groups: []domain.AffinityGroup{g}}
		var sites []string
		for range 2 {
			d, err := ps.Place(ctx, domain.NewID(), req, cloud)
			if err != nil {
				t.Fatal(err)
			}
			sites = append(sites, d.Chosen.SiteID)
		}
		if sites[0] == sites[1] {
			t.Errorf("hard anti-affinity put two machines on %s", sites[0])
		}
		_, err := ps.Place(ctx, domain.NewID(), req, cloud)
		if got, want := domain.ErrorMessage(err), "Every shared location in DE already holds a machine of group web, which must be kept apart (hard anti-affinity)."; got != want {
			t.Errorf("third: %q, want %q", got, want)
		}
		req.Groups[0].Hard = false
		if _, err := ps.Place(ctx, domain.NewID(), req, cloud); domain.ErrorFields(err)["groups"] == "" {
			t.Errorf("same group, other rule: %v, want a groups field error", err)
		}
		// acme's group of the same name is another group.
		req.TenantID, req.Groups[0].Hard = acme.ID, true
		if _, err := ps.Place(ctx, domain.NewID(), req, cloud); err != nil {
			t.Errorf("acme's web group: %v", err)
		}
	})

	t.Run("decisions are listed newest first, in pages, by tenant", func(t *testing.T) {
		all, next, err := ps.FindAllDecisions(ctx, domain.PlacementRecordFilter{Limit: 2})
		if err != nil || len(all) != 2 || next == "" {
			t.Fatalf("first page: %d, %q, %v", len(all), next, err)
		}
		seen := map[string]bool{all[0].MachineID: true, all[1].MachineID: true}
		for next != "" {
			var page []*domain.PlacementRecord
			page, next, err = ps.FindAllDecisions(ctx, domain.PlacementRecordFilter{Limit: 2, Cursor: next})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				if seen[r.MachineID] {
					t.Errorf("%s on two pages", r.MachineID)
				}
				seen[r.MachineID] = true
			}
		}
		mine, _, err := ps.FindDecisions(ctx, domain.PlacementRecordFilter{TenantID: acme.ID})
		if err != nil || len(mine) != 1 || mine[0].TenantName != "acme" {
			t.Errorf("acme's decisions: %+v, %v", mine, err)
		}
		if len(seen) < 4 {
			t.Errorf("%d decisions in all, want at least 4", len(seen))
		}
		if _, _, err := ps.FindAllDecisions(ctx, domain.PlacementRecordFilter{Cursor: "nonsense"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}
		if _, _, err := ps.FindDecisions(ctx, domain.PlacementRecordFilter{TenantID: acme.ID, Cursor: "nonsense"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("bad cursor, one tenant: %v", err)
		}
		if _, _, err := ps.FindDecisions(ctx, domain.PlacementRecordFilter{}); !errors.Is(err, domain.ErrNoTenant) {
			t.Errorf("decisions without a tenant: %v, want EINTERNAL (no tenant)", err)
		}
		everyone, _, err := ps.FindAllDecisions(ctx, domain.PlacementRecordFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		tenants := map[string]bool{}
		for _, r := range everyone {
			tenants[r.TenantID] = true
		}
		if !tenants[acme.ID] || !tenants[globex.ID] {
			t.Errorf("all decisions hold tenants %v, want acme's and globex's", tenants)
		}
	})
}

// TestPlacementConcurrent places many machines at once against real
// PostgreSQL: no site takes more than it has, and no two members of a hard
// anti-affinity group share a site.
func TestPlacementConcurrent(t *testing.T) {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	ps := postgres.NewPlacementService(db)
	tenant := placementTenant(t, db, "acme")

	run := func(n int, req func(i int) domain.PlaceRequest, cloud []domain.SiteCandidate) (map[string]int, []error) {
		var mu sync.Mutex
		perSite := map[string]int{}
		var errs []error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				d, err := ps.Place(ctx, domain.NewID(), req(i), cloud)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				perSite[d.Chosen.SiteID]++
			})
		}
		close(start)
		wg.Wait()
		return perSite, errs
	}

	t.Run("capacity", func(t *testing.T) {
		cloud := placementCloud(t, ps, 2, 10, "DE") // room for 20
		perSite, errs := run(32, func(int) domain.PlaceRequest {
			return domain.PlaceRequest{TenantID: tenant.ID, Shape: unit, Location: domain.LocationChoice{Kind: domain.ChooseCheapest}}
		}, cloud)
		placed := 0
		for site, n := range perSite {
			placed += n
			if n > 10 {
				t.Errorf("site %s took %d machines, it has room for 10", site, n)
			}
		}
		if placed != 20 || len(errs) != 12 {
			t.Errorf("placed %d, refused %d; want 20 and 12", placed, len(errs))
		}
		for _, err := range errs {
			if domain.ErrorCode(err) != domain.ECONFLICT {
				t.Errorf("refusal: %v, want ECONFLICT with the nearest miss", err)
			}
		}
		// What the store holds agrees.
		var reserved int
		if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(reserved_memory_mib),0) FROM placement_sites`).Scan(&reserved); err != nil || reserved != 20*1024 {
			t.Errorf("reserved memory = %d MiB, %v; want %d", reserved, err, 20*1024)
		}
	})

	t.Run("hard anti-affinity", func(t *testing.T) {
		cloud := placementCloud(t, ps, 5, 100, "CH")
		perSite, errs := run(24, func(i int) domain.PlaceRequest {
			return domain.PlaceRequest{TenantID: tenant.ID, Shape: unit, Location: domain.LocationChoice{Kind: domain.ChooseCountry, Country: "CH"},
				Groups: []domain.AffinityGroup{{Name: "db", Anti: true, Hard: true}}}
		}, cloud)
		if len(perSite) != 5 || len(errs) != 19 {
			t.Errorf("placed on %d sites, refused %d; want 5 and 19", len(perSite), len(errs))
		}
		for site, n := range perSite {
			if n != 1 {
				t.Errorf("site %s holds %d members of a hard anti-affinity group", site, n)
			}
		}
	})
}

// BenchmarkPlacementPostgres places machines from 20 goroutines at once with
// real reservations in PostgreSQL: 50 sites, 10,000 hosts, a quarter of the
// machines in hard anti-affinity groups.
func BenchmarkPlacementPostgres(b *testing.B) {
	workers, placements := benchWorkers(), 4000
	ctx := context.Background()
	// A pool with a connection per worker (the default has max(4, cores)).
	u, err := url.Parse(pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(workers+2))
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	ps := postgres.NewPlacementService(db)
	var tenants []*domain.Tenant
	for i := range 5 {
		tenants = append(tenants, placementTenant(b, db, fmt.Sprintf("t%d", i)))
	}
	countries := []string{"DE", "CH", "AT", "FR", "NL"}
	var cloud []domain.SiteCandidate
	for i := range 50 {
		cloud = append(cloud, domain.SiteCandidate{
			SiteID: domain.NewID(), SiteName: fmt.Sprintf("site-%02d", i), LocationID: domain.NewID(), LocationName: fmt.Sprintf("Location %02d", i),
			Country: countries[i%len(countries)], Enabled: true, Reachable: true,
			Load:   domain.SiteLoad{Cores: 200 * 64, MemoryMiB: 200 * 512 * 1024, StorageGiB: 200 * 20000},
			Hourly: domain.Money{Amount: domain.Micros(50_000 + 1_000*(i%7)), Currency: "EUR"}, Priced: true,
		})
	}
	shapes := []domain.MachineShape{{VCPUs: 1, MemoryMiB: 2048, DiskGiB: 20}, {VCPUs: 2, MemoryMiB: 4096, DiskGiB: 40}, {VCPUs: 4, MemoryMiB: 16384, DiskGiB: 80}}
	choices := []domain.LocationChoice{{Kind: domain.ChooseCheapest}, {Kind: domain.ChooseCountry, Country: "DE"}, {Kind: domain.ChooseCountry, Country: "FR"}}
	lat := make([]time.Duration, placements)
	var elapsed time.Duration
	for b.Loop() {
		var wg sync.WaitGroup
		next := make(chan int)
		var failed sync.Map
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for m := range next {
					req := domain.PlaceRequest{TenantID: tenants[m%len(tenants)].ID, Shape: shapes[m%len(shapes)], Location: choices[m%len(choices)]}
					if m%4 == 0 {
						req.Groups = []domain.AffinityGroup{{Name: fmt.Sprintf("g%d", m/16), Anti: true, Hard: true}}
					}
					t0 := time.Now()
					_, err := ps.Place(ctx, domain.NewID(), req, cloud)
					lat[m] = time.Since(t0)
					if err != nil {
						failed.Store(m, err)
					}
				}
			})
		}
		for m := range placements {
			next <- m
		}
		close(next)
		wg.Wait()
		elapsed = time.Since(start)
		failed.Range(func(k, v any) bool { b.Fatalf("placement %v: %v", k, v); return false })
		if _, err := db.Pool.Exec(ctx, `TRUNCATE placement_reservations, placement_group_members, placement_groups, placement_decisions; UPDATE placement_sites SET reserved_vcpus = 0, reserved_memory_mib = 0, reserved_storage_gib = 0`); err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(placements)/elapsed.Seconds(), "placements/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
}

func benchWorkers() int {
	if n, err := strconv.Atoi(os.Getenv("PLACEMENT_WORKERS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// TestPlacementInCallersTransaction: a reservation made inside the machine's
// create transaction goes away when that transaction rolls back.
func TestPlacementInCallersTransaction(t *testing.T) {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	ps := postgres.NewPlacementService(db)
	tenant := placementTenant(t, db, "acme")
	cloud := placementCloud(t, ps, 1, 2, "DE")
	req := domain.PlaceRequest{TenantID: tenant.ID, Shape: domain.MachineShape{VCPUs: 2, MemoryMiB: 2048}, Location: domain.LocationChoice{Kind: domain.ChooseCheapest}}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.ExecPlace(ctx, tx, domain.NewID(), req, cloud); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	m := domain.NewID()
	tx, err = db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.ExecPlace(ctx, tx, m, req, cloud); err != nil {
		t.Fatalf("after the rollback the site should be free again: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Preview(ctx, req, cloud); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("after the commit the site should be full: %v", err)
	}
	if rec, err := ps.FindDecision(ctx, tenant.ID, m); err != nil || rec.SiteID != cloud[0].SiteID {
		t.Errorf("decision = %+v, %v", rec, err)
	}
}
