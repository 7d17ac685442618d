package postgres_test

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

// BenchmarkIPAMAllocate hands out 1,000 addresses of one /22 from 16
// goroutines in each iteration (one network: the worst case, as every
// allocation there looks for the same lowest free address) and reports
// addresses per second and milliseconds per address. It runs with the
// pool's default size (max(4, cores) connections, what manage uses unless
// the database URL sets pool_max_conns) and with a connection per worker,
// where commits in the network can group.
func BenchmarkIPAMAllocate(b *testing.B) {
	const workers = 16
	for _, conns := range []int{0, workers} {
		name := "pool=default"
		if conns > 0 {
			name = "pool=" + strconv.Itoa(conns)
		}
		b.Run(name, func(b *testing.B) {
			var db *postgres.DB
			if conns == 0 {
				db = pgtest.MustOpen(b)
			} else {
				db = openWithPool(b, conns)
			}
			benchIPAM(b, newStorageFixtureOn(b, db), workers)
		})
	}
}

func benchIPAM(b *testing.B, f *storageFixture, workers int) {
	s := postgres.NewNetworkService(f.db)
	ctx := context.Background()
	const n = 1000
	var total time.Duration
	i := 0
	for b.Loop() {
		i++
		nw := &domain.Network{TenantID: f.acme, Name: "bench-" + itoa(i), LocationID: f.berlin, CIDR: "10." + itoa(i) + ".0.0/22"}
		if _, err := s.CreateNetwork(ctx, nw); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		jobs := make(chan struct{}, n)
		for range n {
			jobs <- struct{}{}
		}
		close(jobs)
		for range workers {
			wg.Go(func() {
				for range jobs {
					if _, err := s.AllocateAddress(ctx, f.acme, nw.ID, domain.NewID()); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		total += time.Since(start)
	}
	b.ReportMetric(float64(n*i)/total.Seconds(), "addresses/s")
	b.ReportMetric(total.Seconds()*1000/float64(n*i), "ms/address")
}

// openWithPool returns a migrated database of the benchmark's own whose pool
// holds up to conns connections.
func openWithPool(b *testing.B, conns int) *postgres.DB {
	b.Helper()
	u, err := url.Parse(pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(conns+2))
	u.RawQuery = q.Encode()
	ctx := context.Background()
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}
