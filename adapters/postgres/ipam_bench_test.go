package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
)

// BenchmarkIPAMAllocate hands out 1,000 addresses of one /22 from 16
// goroutines in each iteration (one network: the worst case, as allocations
// in a network are serialised) and reports addresses per second.
func BenchmarkIPAMAllocate(b *testing.B) {
	f := newStorageFixtureTB(b)
	s := postgres.NewNetworkService(f.db)
	ctx := context.Background()
	const n, workers = 1000, 16
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
}
