package ldap_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"tessera/adapters/ldap/slapdtest"
	"tessera/domain"
)

// BenchmarkDirectoryLogin measures directory log-ins against the local slapd
// over StartTLS: a search as the pooled service account, a bind as the user,
// the group lookup, the role, and the local record (PostgreSQL). Each
// iteration does 400 log-ins (sequential, then 4 at a time) so the figures
// mean something at -benchtime 1x.
func BenchmarkDirectoryLogin(b *testing.B) {
	for _, mode := range []domain.GroupMode{domain.GroupsMemberOf, domain.GroupsMember} {
		for _, workers := range []int{1, 4} {
			b.Run(string(mode)+"/workers="+string(rune('0'+workers)), func(b *testing.B) {
				e := newEnv(b)
				d := directory(e.acme.ID)
				d.GroupMode, d.GroupBase = mode, slapdtest.GroupsDN
				e.save(b, d)
				ctx := context.Background()
				users := []string{"ada", "ben", "val"}
				// Warm up: the pool's connections and the local records.
				for _, u := range users {
					if _, err := e.auth.Authenticate(ctx, e.acme, u, slapdtest.Passwords[u]); err != nil {
						b.Fatal(err)
					}
				}
				const n = 400
				var all []time.Duration
				var elapsed time.Duration
				for b.Loop() {
					lat := make([]time.Duration, n)
					var wg sync.WaitGroup
					start := time.Now()
					for w := range workers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for i := w; i < n; i += workers {
								u := users[i%len(users)]
								t0 := time.Now()
								if _, err := e.auth.Authenticate(ctx, e.acme, u, slapdtest.Passwords[u]); err != nil {
									b.Error(err)
									return
								}
								lat[i] = time.Since(t0)
							}
						}()
					}
					wg.Wait()
					elapsed += time.Since(start)
					all = append(all, lat...)
				}
				slices.Sort(all)
				b.ReportMetric(float64(len(all))/elapsed.Seconds(), "logins/s")
				b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50_ms")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
