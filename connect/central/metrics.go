package central

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/promreg"
	"tessera/connect/model"
)

type metrics struct {
	submitted    *prometheus.CounterVec
	finished     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	runDuration  *prometheus.HistogramVec
	retries      *prometheus.CounterVec
	resumed      prometheus.Counter
	syncs        *prometheus.CounterVec
	syncDuration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	buckets := []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}
	m := &metrics{
		submitted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tessera_connect_operations_submitted_total", Help: "Operations accepted, by kind."}, []string{"kind"}),
		finished:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tessera_connect_operations_total", Help: "Operations finished, by kind and result (succeeded, failed)."}, []string{"kind", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tessera_connect_operation_duration_seconds",
			Help: "Time from an operation's submission to its end, by kind and result.", Buckets: buckets}, []string{"kind", "result"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tessera_connect_operation_run_seconds",
			Help: "Time of an operation's last attempt, by kind.", Buckets: buckets}, []string{"kind"}),
		retries:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tessera_connect_operation_retries_total", Help: "Attempts that failed and will be retried, by kind."}, []string{"kind"}),
		resumed:      prometheus.NewCounter(prometheus.CounterOpts{Name: "tessera_connect_operations_resumed_total", Help: "Operations taken over after their worker stopped heartbeating."}),
		syncs:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tessera_connect_syncs_total", Help: "Inventory reconciliations, by result."}, []string{"result"}),
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tessera_connect_sync_duration_seconds", Help: "Time of an inventory reconciliation.", Buckets: buckets}),
	}
	if reg != nil {
		m.submitted = promreg.Register(reg, m.submitted)
		m.finished = promreg.Register(reg, m.finished)
		m.duration = promreg.Register(reg, m.duration)
		m.runDuration = promreg.Register(reg, m.runDuration)
		m.retries = promreg.Register(reg, m.retries)
		m.resumed = promreg.Register(reg, m.resumed)
		m.syncs = promreg.Register(reg, m.syncs)
		m.syncDuration = promreg.Register(reg, m.syncDuration)
	}
	return m
}

func (m *metrics) done(kind model.OperationKind, result string, total, run time.Duration) {
	m.finished.WithLabelValues(string(kind), result).Inc()
	m.duration.WithLabelValues(string(kind), result).Observe(total.Seconds())
	m.runDuration.WithLabelValues(string(kind)).Observe(run.Seconds())
}
