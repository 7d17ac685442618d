package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkMachines1000 measures, server side on real PostgreSQL, the
// Machines page and GET /api/v1/machines of a tenant with 1,000 machines:
// median and 99th-percentile latency over 200 sequential requests, and
// requests per second with 4 concurrent clients.
//
//	go test ./web -run '^$' -bench Machines1000 -benchtime 1x
func BenchmarkMachines1000(b *testing.B) {
	e := newMachinesEnv(b)
	ctx := context.Background()
	acme := e.Tenant(b, "acme")
	site := e.site(b, e.locs[0])
	if _, err := e.DB.Pool.Exec(ctx, `INSERT INTO machines (id, tenant_id, name, location_id, site_id, flavor_id, image_id, vcpus, memory_mib, disk_gib, status, addresses, created_by, created_at)
		SELECT gen_random_uuid(), $1, 'bench-' || lpad(g::text, 4, '0'), $2, $3, f.id, i.id, f.vcpus, f.memory_mib, f.disk_gib,
			CASE WHEN g % 3 = 0 THEN 'stopped' ELSE 'running' END, ARRAY['10.1.' || (g / 250) || '.' || (g % 250)], 'bob', now() - g * interval '1 minute'
		FROM generate_series(1, 1000) g, (SELECT id, vcpus, memory_mib, disk_gib FROM flavors WHERE name = 's-2vcpu-2gb') f, (SELECT id FROM images WHERE name = 'Debian 12') i`,
		acme.ID, site.LocationID, site.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := e.DB.Pool.Exec(ctx, `ANALYZE machines`); err != nil {
		b.Fatal(err)
	}
	c := e.Client(b, "acme.localhost")
	c.Login("", "bob", "demo")
	u, _ := url.Parse(e.HostURL("acme.localhost"))
	var cookie string
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		cookie += ck.Name + "=" + ck.Value + "; "
	}
	token := e.token(b, "acme", "bob")
	h := e.Server.Handler()
	host := "acme.localhost:" + e.Port

	cases := []struct {
		name, path string
		api        bool
		want       string
	}{
		{"portal-page-50", "/machines", false, "bench-0050"},
		{"portal-page-200", "/machines?limit=200", false, "bench-0200"},
		{"portal-newest-50", "/machines?sort=created", false, "bench-0001"},
		{"api-page-50", "/api/v1/machines?limit=50", true, "bench-0050"},
		{"api-page-200", "/api/v1/machines?limit=200", true, "bench-0200"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			do := func() {
				req := httptest.NewRequest(http.MethodGet, tc.path, nil)
				req.Host = host
				if tc.api {
					req.Header.Set("Authorization", "Bearer "+token)
				} else {
					req.Header.Set("Cookie", cookie)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 || !strings.Contains(w.Body.String(), tc.want) {
					b.Fatalf("%s: %d, want a page with %s", tc.path, w.Code, tc.want)
				}
			}
			for b.Loop() {
				for range 10 { // warm up
					do()
				}
				const n = 200
				lat := make([]time.Duration, n)
				for i := range lat {
					t0 := time.Now()
					do()
					lat[i] = time.Since(t0)
				}
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				const workers, per = 4, 50
				t0 := time.Now()
				var wg sync.WaitGroup
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range per {
							do()
						}
					}()
				}
				wg.Wait()
				rps := float64(workers*per) / time.Since(t0).Seconds()
				b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(rps, "req/s")
			}
		})
	}
}
