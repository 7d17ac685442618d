package promreg_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"tessera/adapters/promreg"
)

// A second registration of the same metric returns the first collector, so
// both starts count in one series.
func TestRegisterTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "test_things_total", Help: "Things."}
	a := promreg.Register(reg, prometheus.NewCounter(opts))
	b := promreg.Register(reg, prometheus.NewCounter(opts))
	if a != b {
		t.Fatal("second registration returned a new collector")
	}
	a.Inc()
	b.Inc()
	var m dto.Metric
	if err := a.Write(&m); err != nil {
		t.Fatal(err)
	}
	if got := m.GetCounter().GetValue(); got != 2 {
		t.Errorf("counter = %v, want 2", got)
	}
	vec := func() *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_vec_total", Help: "Vec."}, []string{"kind"})
	}
	if v1, v2 := promreg.Register(reg, vec()), promreg.Register(reg, vec()); v1 != v2 {
		t.Fatal("second registration of a vector returned a new collector")
	}
}

// A metric whose name is taken with another description is a programming
// error and still panics.
func TestRegisterConflictPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "test_clash", Help: "One."}))
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a conflicting description")
		}
	}()
	promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_clash", Help: "Two."}))
}
