package web

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/promreg"
	"tessera/manage/billing"
)

// StartMonthClose runs manage/billing's month close job in the background,
// counting what it does as metrics.
func (s *Server) StartMonthClose() {
	closed := prometheus.NewCounter(prometheus.CounterOpts{Name: "tessera_billing_invoices_closed_total", Help: "Invoices written by month closes of this process."})
	failed := prometheus.NewCounter(prometheus.CounterOpts{Name: "tessera_billing_close_failures_total", Help: "Month closes of this process that failed."})
	closed, failed = promreg.Register(s.Registry, closed), promreg.Register(s.Registry, failed)
	job := &billing.Job{Closer: s.App.Billing, Zone: s.BillingZone(), Log: s.Log,
		Closed: func(n int) { closed.Add(float64(n)) }, Failed: failed.Inc}
	s.Background(func(ctx context.Context) { job.Run(ctx) })
}
