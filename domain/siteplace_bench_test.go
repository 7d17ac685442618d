package domain_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"tessera/domain"
)

// benchCloud is 50 sites in 25 locations in 10 countries, 10,000 hosts of
// 64 cores and 512 GiB (200 per site); 5 sites are dedicated to tenants.
func benchCloud() []domain.SiteCandidate {
	countries := []string{"DE", "CH", "AT", "FR", "NL", "BE", "IT", "ES", "PL", "SE"}
	var c []domain.SiteCandidate
	for i := range 50 {
		loc := i / 2
		cc := countries[loc%len(countries)]
		s := domain.SiteCandidate{
			SiteID: fmt.Sprintf("site-%02d", i), SiteName: fmt.Sprintf("site-%02d", i),
			LocationID: fmt.Sprintf("loc-%02d", loc), LocationName: fmt.Sprintf("Location %02d", loc), Country: cc,
			LocationTenancy: domain.Shared, SiteTenancy: domain.Shared, Enabled: true, Reachable: true,
			Load:     domain.SiteLoad{Cores: 200 * 64, MemoryMiB: 200 * 512 * 1024, StorageGiB: 200 * 20000},
			CPURatio: 4, MemoryRatio: 1.2, ReservePercent: 10,
			Hourly: domain.Money{Amount: domain.Micros(50_000 + 1_000*(i%7)), Currency: "EUR"}, Priced: true,
		}
		if i%10 == 9 {
			s.SiteTenancy = domain.Tenancy{Kind: domain.TenancyTenant, TenantID: fmt.Sprintf("tenant-%d", i%5)}
		}
		c = append(c, s)
	}
	return c
}

// BenchmarkPlaceOnSite places 100,000 machines one after another on 50 sites
// (10,000 hosts): every decision sees the reservations of the ones before,
// a quarter of the machines are in hard anti-affinity groups of four.
func BenchmarkPlaceOnSite(b *testing.B) {
	const machines = 100_000
	shapes := []domain.MachineShape{{VCPUs: 1, MemoryMiB: 2048, DiskGiB: 20}, {VCPUs: 2, MemoryMiB: 4096, DiskGiB: 40}, {VCPUs: 4, MemoryMiB: 16384, DiskGiB: 80}, {VCPUs: 8, MemoryMiB: 32768, DiskGiB: 200}}
	choices := []domain.LocationChoice{{Kind: domain.ChooseCheapest}, {Kind: domain.ChooseCountry, Country: "DE"}, {Kind: domain.ChooseCountry, Country: "FR"}}
	lat := make([]time.Duration, 0, machines)
	var total time.Duration
	for b.Loop() {
		cands := benchCloud()
		idx := map[string]int{}
		for i := range cands {
			idx[cands[i].SiteID] = i
		}
		groups := map[int][]string{}
		lat = lat[:0]
		start := time.Now()
		for m := range machines {
			req := domain.PlaceRequest{TenantID: fmt.Sprintf("tenant-%d", m%7), Shape: shapes[m%len(shapes)], Location: choices[m%len(choices)]}
			if m%5 == 0 {
				req.Location = domain.LocationChoice{Kind: domain.ChooseLocation, LocationID: fmt.Sprintf("loc-%02d", m%25)}
			}
			g := -1
			if m%4 == 0 {
				g = m / 16 // groups of four machines
				req.Groups = []domain.AffinityGroup{{Name: fmt.Sprint("g", g), Anti: true, Hard: true, MemberSites: groups[g]}}
			}
			t0 := time.Now()
			d, err := domain.PlaceOnSite(req, cands)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatalf("machine %d: %v", m, err)
			}
			c := &cands[idx[d.Chosen.SiteID]]
			c.Load.ReservedVCPUs += req.Shape.VCPUs
			c.Load.ReservedMemoryMiB += int64(req.Shape.MemoryMiB)
			c.Load.ReservedStorageGiB += int64(req.Shape.DiskGiB)
			if g >= 0 {
				groups[g] = append(groups[g], d.Chosen.SiteID)
			}
		}
		total = time.Since(start)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(machines)/total.Seconds(), "decisions/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99_µs")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50_µs")
}
