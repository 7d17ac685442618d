package web

import (
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/ldap"
	"tessera/adapters/postgres/pgtest"
)

// Everything that registers metrics can start twice on one registry — a
// second server's middleware, branding cache and directory log-ins, and a
// month close started again in the same process — and keeps counting in the
// series registered first instead of panicking.
func TestMetricsSurviveASecondStart(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	var first *metrics
	for i := range 2 {
		m := newMetrics(reg)
		if i == 0 {
			first = m
		} else if m.requests != first.requests || m.duration != first.duration {
			t.Error("the second server's request metrics are not the first's")
		}
		newBrandCache(nil, log, reg)
		ldap.NewAuthenticator(nil, nil, reg, log)
	}

	cfg := Defaults()
	cfg.SecretKey = "test-secret-key-0123456789abcdef"
	cfg.ProviderHosts = []string{"127.0.0.1"}
	cfg.FastHashing = true
	srv, err := NewServer(cfg, pgtest.MustOpen(t), log)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.StartMonthClose()
	srv.StartMonthClose()
}
