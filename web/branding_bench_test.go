package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"tessera/web/webtest"
)

// BenchmarkBrandedPages renders log-in pages and theme stylesheets on the
// two demo tenants' hosts and the provider's, through the whole handler
// chain: host resolution and branding come from the cache. Each iteration
// renders 1,000 pages, so -benchtime 1x measures something.
func BenchmarkBrandedPages(b *testing.B) {
	env := webtest.New(b)
	syncBranding(b, env.Server)
	h := env.Server.Handler()
	hosts := []string{"acme.localhost", "globex.localhost", "localhost"}
	paths := []string{"/login", "/theme.css"}
	const perIter = 1000
	before := cacheLoads(b, env.Server)
	start := time.Now()
	pages := 0
	for b.Loop() {
		for i := range perIter {
			req := httptest.NewRequest(http.MethodGet, paths[i%2], nil)
			req.Host = hosts[i%3]
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("%s%s: %d", req.Host, req.URL.Path, rec.Code)
			}
			pages++
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(pages)/el.Seconds(), "pages/s")
	b.ReportMetric(float64(el.Microseconds())/float64(pages), "µs/page")
	b.ReportMetric(cacheLoads(b, env.Server)-before, "db-loads")
}
