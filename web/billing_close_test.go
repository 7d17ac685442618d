package web_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
	"tessera/web"
)

// Two manage processes start; their scheduled month close writes last
// month's invoices once.
func TestScheduledMonthClose(t *testing.T) {
	db := pgtest.MustOpen(t)
	ctx := context.Background()
	tn := &domain.Tenant{Name: "Acme", Slug: "acme"}
	if err := postgres.NewTenantService(db).CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	monthStart, _ := domain.MonthBounds(time.Now(), time.UTC)
	last := monthStart.AddDate(0, -1, 0)
	ps := postgres.NewPricingService(db)
	if err := ps.CreateRateCard(ctx, &domain.RateCard{Name: "Std", Currency: "EUR", IsDefault: true},
		&domain.RateCardVersion{EffectiveFrom: last.AddDate(0, -1, 0), Prices: domain.Prices{VCPUHour: 10000}}); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewMeterService(db).RecordStateChange(ctx, domain.StateChange{EventKey: "k", TenantID: tn.ID, ResourceID: domain.NewID(),
		ResourceType: "machine", ResourceName: "vm", Kind: domain.ChangeCreated, At: last, Shape: domain.MachineShape{VCPUs: 1}}); err != nil {
		t.Fatal(err)
	}
	cfg := web.Defaults()
	cfg.SecretKey, cfg.ProviderHosts, cfg.FastHashing = "test-secret-key-0123456789abcdef", []string{"localhost"}, true
	var servers []*web.Server
	for i := 0; i < 2; i++ {
		s, err := web.NewServer(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, s)
		s.StartMonthClose()
	}
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	var n int
	for i := 0; i < 200 && n == 0; i++ {
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM billing_months WHERE month = $1`, last.Format("2006-01-02")).Scan(&n)
		if n == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if n != 1 {
		t.Fatalf("last month not closed by the scheduler")
	}
	invs, err := postgres.NewBillingService(db, time.UTC).FindInvoices(ctx, tn.ID)
	if err != nil || len(invs) != 1 || invs[0].Month != last.Format("2006-01") || invs[0].Total == 0 {
		t.Fatalf("invoices %+v, %v", invs, err)
	}
}
