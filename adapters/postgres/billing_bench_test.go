package postgres_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

// BenchmarkCloseMonth closes a month of 100,000 machines (100 tenants ×
// 1,000) with 10 state changes each in the month (1,000,000 usage
// intervals, loaded with COPY) on real PostgreSQL. It reports the wall time
// of the close and the peak Go heap, sampled every 5 ms while it runs. It
// does its work once, whatever b.N (run it with -benchtime 1x).
func BenchmarkCloseMonth(b *testing.B) {
	if testing.Short() {
		b.Skip("loads a million rows")
	}
	const tenants, perTenant, changes = 100, 1000, 10
	ctx := context.Background()
	db := pgtest.MustOpen(b)
	ps := postgres.NewPricingService(db)
	card := &domain.RateCard{Name: "Standard", Currency: "EUR", IsDefault: true}
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	if err := ps.CreateRateCard(ctx, card, &domain.RateCardVersion{EffectiveFrom: start.AddDate(0, -1, 0), Prices: stdPrices(12000)}); err != nil {
		b.Fatal(err)
	}
	// A mid-month price change, so lines split.
	ps.Now = func() time.Time { return start }
	if err := ps.AddRateCardVersion(ctx, card.ID, &domain.RateCardVersion{EffectiveFrom: start.AddDate(0, 0, 15), Prices: stdPrices(13000)}); err != nil {
		b.Fatal(err)
	}
	tids := make([]string, tenants)
	var trows [][]any
	for i := range tids {
		tids[i] = domain.NewID()
		trows = append(trows, []any{tids[i], fmt.Sprintf("Tenant %d", i), fmt.Sprintf("t%d", i), start.AddDate(-1, 0, 0)})
	}
	if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"tenants"}, []string{"id", "name", "slug", "created_at"}, pgx.CopyFromRows(trows)); err != nil {
		b.Fatal(err)
	}
	step := end.Sub(start) / changes
	n := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if n == tenants*perTenant*changes {
			return nil, nil
		}
		m, k := n/changes, n%changes
		n++
		res := fmt.Sprintf("00000000-0000-4000-8000-%012d", m)
		from := start.Add(time.Duration(k)*step + time.Duration(m%3600)*time.Second)
		var to any = from.Add(step)
		if k == changes-1 {
			to = nil // still in its last state
		}
		return []any{tids[m/perTenant], res, "machine", fmt.Sprintf("vm-%d", m), k%3 != 1, from, to, 1 + k%4, 2048 * (1 + k%2), 20 + m%80, "", 0, ""}, nil
	})
	if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"usage_intervals"},
		[]string{"tenant_id", "resource_id", "resource_type", "resource_name", "running", "started_at", "ended_at", "vcpus", "memory_mib", "disk_gib", "storage_class", "public_ips", "image"}, src); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE usage_intervals`); err != nil {
		b.Fatal(err)
	}
	bs := postgres.NewBillingService(db, time.UTC)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	if f := os.Getenv("TESSERA_CLOSE_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.StartCPUProfile(out)
		defer func() { pprof.StopCPUProfile(); out.Close() }()
	}
	b.ResetTimer()
	began := time.Now()
	res, err := bs.CloseMonth(ctx, "2026-10", end)
	wall := time.Since(began)
	b.StopTimer()
	close(stop)
	<-sampled
	if err != nil {
		b.Fatal(err)
	}
	if res.Invoices != tenants {
		b.Fatalf("%d invoices", res.Invoices)
	}
	b.ReportMetric(wall.Seconds(), "close-s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(res.Lines), "lines")
	b.ReportMetric(float64(tenants*perTenant), "machines")
}
