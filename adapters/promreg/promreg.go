// Package promreg registers Prometheus collectors so that starting a thing
// twice in one process (a restarted worker, a second server or site on the
// same registry, a test) keeps counting in the series registered first
// instead of panicking like prometheus.MustRegister.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register adds c to reg and returns it, or returns the collector of the
// same description registered already. It panics only when reg refuses c for
// another reason (an inconsistent description, or a collector of the same
// name but another type), which is a programming error.
func Register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing
		}
	}
	panic(err)
}
