package web_test

import (
	"strings"
	"testing"

	"tessera/web/webtest"
)

// The dashboard shows what the tenant uses against its quota and what it
// has spent this month, with the currency.
func TestDashboardFigures(t *testing.T) {
	env := webtest.New(t)
	c := env.Client(t, "acme.localhost")
	c.Login("", "alice", "demo")
	body := webtest.Body(t, c.Get("/"))
	for _, want := range []string{`data-testid="dash-machines"`, `data-testid="dash-spend"`, " EUR", "Forecast to month end", "of 20 allowed"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}
