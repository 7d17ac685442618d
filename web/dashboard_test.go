package web_test

import (
	"strings"
	"testing"

	"tessera/domain"
	"tessera/web/webtest"
)

// The dashboard shows what the tenant uses against its quota and what it
// has spent this month, with the currency.
func TestDashboardFigures(t *testing.T) {
	env := webtest.NewEmpty(t)
	env.AddTenant(t, "acme", "Acme Corporation")
	env.AddUser(t, "acme", "alice", domain.RoleAdmin, "demo")
	env.AddRateCard(t, "Standard", "EUR", domain.Prices{VCPUHour: 12000, MemoryGiBHour: 6000}, "acme")
	env.SetQuota(t, "acme", domain.Quota{Machines: 20, VCPUs: 40, MemoryMiB: 81920, DiskGiB: 2000})
	c := env.Client(t, "acme.localhost")
	c.Login("", "alice", "demo")
	body := webtest.Body(t, c.Get("/"))
	for _, want := range []string{`data-testid="dash-machines"`, `data-testid="dash-spend"`, " EUR", "Forecast to month end", "of 20 allowed"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}
