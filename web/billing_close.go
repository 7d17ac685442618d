package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/promreg"
	"tessera/domain"
)

// StartMonthClose closes the previous month once it has ended: at start and
// every 10 minutes. Several manage processes may run it; the month close
// takes a PostgreSQL advisory lock and does nothing for a closed month.
func (s *Server) StartMonthClose() {
	closed := prometheus.NewCounter(prometheus.CounterOpts{Name: "tessera_billing_invoices_closed_total", Help: "Invoices written by month closes of this process."})
	failed := prometheus.NewCounter(prometheus.CounterOpts{Name: "tessera_billing_close_failures_total", Help: "Month closes of this process that failed."})
	closed, failed = promreg.Register(s.Registry, closed), promreg.Register(s.Registry, failed)
	s.Background(func(ctx context.Context) {
		tick := time.NewTicker(10 * time.Minute)
		defer tick.Stop()
		for {
			now := time.Now()
			start, _ := domain.MonthBounds(now, s.BillingZone())
			month := start.AddDate(0, -1, 0).Format("2006-01")
			res, err := s.App.Billing.CloseMonth(ctx, month, now)
			switch {
			case err != nil && ctx.Err() == nil:
				failed.Inc()
				s.Log.Error("month close failed", "month", month, "err", err)
			case err == nil && !res.AlreadyClosed && !res.Busy:
				closed.Add(float64(res.Invoices))
				s.Log.Info("month closed", "month", month, "invoices", res.Invoices, "lines", res.Lines)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
}
