package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func change(tenant, res, key string, kind domain.StateChangeKind, at time.Time, vcpus int) domain.StateChange {
	return domain.StateChange{EventKey: key, TenantID: tenant, ResourceID: res, ResourceType: "machine", ResourceName: "web-1", Kind: kind, At: at,
		Shape: domain.MachineShape{VCPUs: vcpus, MemoryMiB: 2048, DiskGiB: 20}}
}

// billingFixture: a default EUR card from before October (vCPU 0.0120/h),
// one tenant.
func billingFixture(t *testing.T) (*postgres.DB, *domain.Tenant, *postgres.PricingService) {
	t.Helper()
	db := pgtest.MustOpen(t)
	ps := postgres.NewPricingService(db)
	c := &domain.RateCard{Name: "Standard", Currency: "EUR", IsDefault: true}
	if err := ps.CreateRateCard(context.Background(), c, &domain.RateCardVersion{EffectiveFrom: t0.AddDate(0, -1, 0), Prices: stdPrices(12000)}); err != nil {
		t.Fatal(err)
	}
	return db, mustTenant(t, db, "acme"), ps
}

// A retried or replayed change counts once; deleted closes the interval.
func TestMeteringIdempotent(t *testing.T) {
	db, acme, _ := billingFixture(t)
	ctx := context.Background()
	m := postgres.NewMeterService(db)
	res := domain.NewID()
	for i := 0; i < 3; i++ { // the same three changes, replayed three times
		for _, e := range []domain.StateChange{
			change(acme.ID, res, "op1:created", domain.ChangeCreated, t0.Add(time.Hour), 2),
			change(acme.ID, res, "op2:stopped", domain.ChangeStopped, t0.Add(3*time.Hour), 2),
			change(acme.ID, res, "op3:deleted", domain.ChangeDeleted, t0.Add(4*time.Hour), 2),
		} {
			ok, err := m.RecordStateChange(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (i == 0) {
				t.Fatalf("round %d %s: recorded = %v", i, e.EventKey, ok)
			}
		}
	}
	b := postgres.NewBillingService(db, time.UTC)
	u, err := b.Usage(ctx, acme.ID, t0, t0.AddDate(0, 1, 0), t0.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range u.Lines {
		got[l.Description] = l.Quantity(4) + " " + string(l.Unit)
	}
	if got["vCPU"] != "4.0000 vCPU-hour" || got["Memory"] != "4.0000 GiB-hour" || got["Disk (standard)"] != "0.0822 GiB-month" {
		t.Errorf("usage = %v", got)
	}
	var open int
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM usage_intervals WHERE ended_at IS NULL`).Scan(&open)
	if open != 0 {
		t.Errorf("%d open intervals after delete", open)
	}
	// Another tenant sees nothing of it.
	other := mustTenant(t, db, "globex")
	u, _ = b.Usage(ctx, other.ID, t0, t0.AddDate(0, 1, 0), t0.AddDate(0, 1, 0))
	if len(u.Lines) != 0 {
		t.Errorf("globex sees %d lines of acme", len(u.Lines))
	}
	if _, err := m.RecordStateChange(ctx, change(other.ID, res, "x", domain.ChangeCreated, t0, 1)); err != nil {
		t.Fatal(err) // a new interval for a new owner is fine once acme's ended
	}
}

// A state change whose transaction is interrupted before commit leaves
// neither the state nor the usage; replaying it afterwards counts once.
func TestMeteringCrash(t *testing.T) {
	db, acme, _ := billingFixture(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE test_machines (id uuid PRIMARY KEY, state text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	res := domain.NewID()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO test_machines VALUES ($1, 'running')`, res); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewMeterService(db).RecordStateChange(ctx, change(acme.ID, res, "create", domain.ChangeCreated, t0, 2)); err != nil {
		t.Fatal(err)
	}
	stop := change(acme.ID, res, "op-9:stop", domain.ChangeStopped, t0.Add(2*time.Hour), 2)
	apply := func(conn *pgx.Conn) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE test_machines SET state = 'stopped' WHERE id = $1`, res); err != nil {
			return err
		}
		if _, err := postgres.RecordStateChange(ctx, tx, stop); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	// The crash: the connection dies between the metering insert and the commit.
	conn, err := pgx.Connect(ctx, db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE test_machines SET state = 'stopped' WHERE id = $1`, res); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.RecordStateChange(ctx, tx, stop); err != nil {
		t.Fatal(err)
	}
	var pid int
	_ = conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid)
	if _, err := db.Pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err == nil {
		t.Fatal("commit after the backend died succeeded")
	}
	state := func() (string, int, int) {
		var s string
		var events, intervals int
		_ = db.Pool.QueryRow(ctx, `SELECT state, (SELECT count(*) FROM usage_events), (SELECT count(*) FROM usage_intervals) FROM test_machines`).Scan(&s, &events, &intervals)
		return s, events, intervals
	}
	if s, ev, iv := state(); s != "running" || ev != 1 || iv != 1 {
		t.Fatalf("after the crash: state %s, %d events, %d intervals; want running, 1, 1", s, ev, iv)
	}
	// Replayed twice (the retry and a duplicate delivery): counted once.
	for i := 0; i < 2; i++ {
		c, err := pgx.Connect(ctx, db.Pool.Config().ConnString())
		if err != nil {
			t.Fatal(err)
		}
		if err := apply(c); err != nil {
			t.Fatal(err)
		}
		c.Close(ctx)
	}
	if s, ev, iv := state(); s != "stopped" || ev != 2 || iv != 2 {
		t.Fatalf("after the replay: state %s, %d events, %d intervals; want stopped, 2, 2", s, ev, iv)
	}
}

// Closing a month: refused before it ends, one invoice per tenant whose
// totals are the sum of its lines, a price change mid-month splits the
// lines, closing again adds nothing, and a closed invoice cannot change.
func TestCloseMonth(t *testing.T) {
	db, acme, ps := billingFixture(t)
	ctx := context.Background()
	globex := mustTenant(t, db, "globex")
	card, _ := ps.FindRateCards(ctx)
	// A price change at 2026-10-16 00:00 (added before the card is in use).
	ps.Now = func() time.Time { return t0.AddDate(0, 0, 1) }
	if err := ps.AddRateCardVersion(ctx, card[0].ID, &domain.RateCardVersion{EffectiveFrom: t0.AddDate(0, 0, 15), Prices: stdPrices(24000)}); err != nil {
		t.Fatal(err)
	}
	if err := ps.AssignRateCard(ctx, &domain.TenantRate{TenantID: globex.ID, CardID: card[0].ID, DiscountBP: 1000, EffectiveFrom: t0.AddDate(0, -1, 0)}); err != nil {
		t.Fatal(err)
	}
	m := postgres.NewMeterService(db)
	for _, tn := range []*domain.Tenant{acme, globex} {
		res := domain.NewID()
		// Running from 30 September 22:00 (crosses the month start) for the whole of October and beyond.
		if _, err := m.RecordStateChange(ctx, change(tn.ID, res, tn.Slug+"c", domain.ChangeCreated, t0.Add(-2*time.Hour), 1)); err != nil {
			t.Fatal(err)
		}
	}
	b := postgres.NewBillingService(db, time.UTC)
	if _, err := b.CloseMonth(ctx, "2026-10", time.Date(2026, 10, 31, 23, 59, 59, 0, time.UTC)); !strings.Contains(domain.ErrorFields(err)["month"], "has not ended yet") {
		t.Fatalf("closing October before it ended: %v", err)
	}
	res, err := b.CloseMonth(ctx, "2026-10", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if res.Invoices != 2 || res.AlreadyClosed {
		t.Fatalf("close = %+v", res)
	}
	invs, _ := b.FindInvoices(ctx, acme.ID)
	if len(invs) != 1 {
		t.Fatalf("acme has %d invoices", len(invs))
	}
	inv, err := b.FindInvoice(ctx, acme.ID, invs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// vCPU: 15 days × 24 h at 0.0120 = 4.32, 16 days × 24 h at 0.0240 = 9.216 → 9.22.
	// Memory 2 GiB × 744 h × 0.0060 = 8.928 → 8.93; disk 20 GiB × 744/730 month × 0.2190 = 4.464 → 4.46.
	want := map[string]string{"vCPU@0.012000": "4.32", "vCPU@0.024000": "9.22", "Memory@0.006000": "8.93", "Disk (standard)@0.219000": "4.46"}
	for _, l := range inv.Lines {
		k := l.Description + "@" + l.UnitPrice.Decimal(6)
		if want[k] != l.Amount.Decimal(2) {
			t.Errorf("line %s = %s, want %s", k, l.Amount.Decimal(2), want[k])
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("missing lines %v", want)
	}
	if got := inv.Total.Decimal(2); got != "26.93" || inv.Subtotal != domain.Sum(inv.Lines).Subtotal {
		t.Errorf("total = %s, subtotal %s vs lines %s", got, inv.Subtotal.Decimal(2), domain.Sum(inv.Lines).Subtotal.Decimal(2))
	}
	ginv, _ := b.FindInvoices(ctx, globex.ID)
	if len(ginv) != 1 || ginv[0].Discount.Decimal(2) != "2.69" || ginv[0].Total.Decimal(2) != "24.24" {
		t.Errorf("globex invoice %+v", ginv)
	}
	// Another tenant's invoice is not found.
	if _, err := b.FindInvoice(ctx, globex.ID, inv.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("globex reads acme's invoice: %v", err)
	}
	again, err := b.CloseMonth(ctx, "2026-10", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || !again.AlreadyClosed {
		t.Fatalf("second close = %+v, %v", again, err)
	}
	var n int
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM invoices`).Scan(&n)
	if n != 2 {
		t.Errorf("%d invoices after closing twice", n)
	}
	for _, q := range []string{
		`UPDATE invoices SET total = 0`,
		`DELETE FROM invoices`,
		`UPDATE invoice_lines SET amount = 0`,
		`DELETE FROM invoice_lines`,
		`INSERT INTO invoice_lines (invoice_id, line_no, description, unit, quantity_num, quantity_den, unit_price, amount) VALUES ('` + inv.ID + `', 999, 'x', 'x', 1, 1, 1, 1)`,
		`INSERT INTO invoice_lines (invoice_id, line_no, description, unit, quantity_num, quantity_den, unit_price, amount) VALUES ('` + domain.NewID() + `', 1, 'x', 'x', 1, 1, 1, 1)`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err == nil {
			t.Errorf("%s on a closed invoice succeeded", q)
		}
	}
	// The month is priced; the rate can no longer change in it.
	if err := ps.AssignRateCard(ctx, &domain.TenantRate{TenantID: acme.ID, CardID: card[0].ID, EffectiveFrom: t0.AddDate(0, 0, 5)}); domain.ErrorFields(err)["effective_from"] == "" {
		t.Errorf("assigning a rate inside an invoiced month: %v", err)
	}
}

// Several manage processes closing the same month at once write its
// invoices once.
func TestCloseMonthConcurrent(t *testing.T) {
	db, acme, _ := billingFixture(t)
	ctx := context.Background()
	if _, err := postgres.NewMeterService(db).RecordStateChange(ctx, change(acme.ID, domain.NewID(), "c", domain.ChangeCreated, t0, 1)); err != nil {
		t.Fatal(err)
	}
	results := make(chan *domain.CloseResult, 4)
	for i := 0; i < 4; i++ {
		go func() {
			b := postgres.NewBillingService(db, time.UTC) // one per process
			res, err := b.CloseMonth(ctx, "2026-10", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Error(err)
			}
			results <- res
		}()
	}
	did := 0
	for i := 0; i < 4; i++ {
		if r := <-results; r != nil && !r.AlreadyClosed && !r.Busy {
			did++
		}
	}
	var n int
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM invoices`).Scan(&n)
	if did != 1 || n != 1 {
		t.Errorf("%d closes did work, %d invoices; want 1 and 1", did, n)
	}
}

// A machine's cost so far is the sum of its rated usage, and another
// tenant asking for it gets nothing.
func TestCostSoFar(t *testing.T) {
	db, acme, _ := billingFixture(t)
	ctx := context.Background()
	res := domain.NewID()
	start := time.Now().Add(-10 * time.Hour).Truncate(time.Second)
	if _, err := postgres.NewMeterService(db).RecordStateChange(ctx, change(acme.ID, res, "c", domain.ChangeCreated, start, 2)); err != nil {
		t.Fatal(err)
	}
	b := postgres.NewBillingService(db, time.UTC)
	m, err := b.CostSoFar(ctx, acme.ID, res, start)
	if err != nil {
		t.Fatal(err)
	}
	// 10 h × (2 × 0.012 + 2 × 0.006 + 20 × 0.219 / 730) = 0.42 (± a second's rounding).
	if m.Currency != "EUR" || m.Amount.Decimal(2) != "0.42" {
		t.Errorf("cost so far = %s", m)
	}
	other := mustTenant(t, db, "globex")
	if m, err := b.CostSoFar(ctx, other.ID, res, start); err == nil && m.Amount != 0 {
		t.Errorf("globex sees acme's cost %s", m)
	}
}

// Location names come from connect's geo_locations once it exists.
func TestLocationNames(t *testing.T) {
	db := pgtest.MustOpen(t)
	ctx := context.Background()
	b := postgres.NewBillingService(db, time.UTC)
	if names, err := b.LocationNames(ctx); err != nil || len(names) != 0 {
		t.Fatalf("without locations: %v %v", names, err)
	}
	id := domain.NewID()
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS geo_locations (id uuid PRIMARY KEY, name text NOT NULL, country_code text NOT NULL DEFAULT 'DE', created_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO geo_locations (id, name, country_code) VALUES ($1, 'Berlin', 'DE')`, id); err != nil {
		t.Fatal(err)
	}
	if names, err := b.LocationNames(ctx); err != nil || names[id] != "Berlin" {
		t.Fatalf("names = %v, %v", names, err)
	}
}
