package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"tessera/domain"
)

// BillingService implements domain.BillingService: month close, invoices
// and rated usage, in the provider's time zone.
type BillingService struct {
	db   *DB
	Zone *time.Location
	// BatchSize is how many intervals a month close reads per fetch.
	BatchSize int
}

var _ domain.BillingService = (*BillingService)(nil)

// NewBillingService returns a BillingService over db with months in zone.
func NewBillingService(db *DB, zone *time.Location) *BillingService {
	if zone == nil {
		zone = time.UTC
	}
	return &BillingService{db: db, Zone: zone, BatchSize: 20000}
}

// billingLock is the advisory lock key that serialises month closes across
// manage processes.
const billingLock = 0x7e55e4a06

type tenantClose struct {
	invoiceID string
	periods   []domain.PricePeriod
	lineNo    int
}

var lineCols = []string{"invoice_id", "line_no", "resource_id", "resource_type", "resource_name", "location_id", "description", "unit", "quantity_num", "quantity_den", "unit_price", "amount", "discount_bp"}

// CloseMonth streams the month's usage intervals through a cursor, rates them
// resource by resource and copies the lines into the invoices, so memory
// stays flat however many machines there are.
func (s *BillingService) CloseMonth(ctx context.Context, month string, now time.Time) (*domain.CloseResult, error) {
	start, end, err := domain.ParseMonth(month, s.Zone)
	if err != nil {
		return nil, err
	}
	month = start.Format("2006-01")
	if now.Before(end) {
		return nil, domain.Invalid(map[string]string{"month": fmt.Sprintf("%s has not ended yet: it ends at %s. Close it after that.",
			start.Format("January 2006"), end.Format("2006-01-02 15:04 MST"))})
	}
	res := &domain.CloseResult{Month: month}
	err = s.db.InTx(ctx, func(tx pgx.Tx) error {
		// Only one process closes at a time; the others do not wait (and so
		// hold no connection the closer's reader might need).
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(billingLock)).Scan(&locked); err != nil {
			return translate(err, "")
		}
		if !locked {
			res.Busy = true
			return nil
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM billing_months WHERE month = $1)`, start.Format("2006-01-02")).Scan(&res.AlreadyClosed); err != nil {
			return translate(err, "")
		}
		if res.AlreadyClosed {
			return nil
		}
		tenants, err := s.openInvoices(ctx, tx, start, end, month)
		if err != nil {
			return err
		}
		res.Invoices = len(tenants)
		n, err := s.streamLines(ctx, tx, tenants, start, end)
		if err != nil {
			return err
		}
		res.Lines = n
		// Flat fees, then the totals; the invoices are closed from here on.
		var fees [][]any
		for _, tc := range tenants {
			if l := domain.FeeLine(tc.periods); l != nil {
				tc.lineNo++
				fees = append(fees, lineRow(tc.invoiceID, tc.lineNo, l))
			}
		}
		if len(fees) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"invoice_lines"}, lineCols, pgx.CopyFromRows(fees)); err != nil {
				return translate(err, "")
			}
			res.Lines += len(fees)
		}
		_, err = tx.Exec(ctx, `UPDATE invoices i SET subtotal = s.sub, discount = s.disc, total = s.sub - s.disc, status = 'closed', closed_at = $2
			FROM (SELECT inv.id, coalesce(sum(l.amount), 0)::bigint AS sub,
			             (round(coalesce(sum(l.amount::numeric * l.discount_bp), 0) / 100000000) * 10000)::bigint AS disc
			      FROM invoices inv LEFT JOIN invoice_lines l ON l.invoice_id = inv.id
			      WHERE inv.month = $1 AND inv.status = 'draft' GROUP BY inv.id) s
			WHERE i.id = s.id`, start.Format("2006-01-02"), now)
		if err != nil {
			return translate(err, "")
		}
		_, err = tx.Exec(ctx, `INSERT INTO billing_months (month, time_zone, invoices, closed_at) VALUES ($1,$2,$3,$4)`,
			start.Format("2006-01-02"), s.Zone.String(), res.Invoices, now)
		return translate(err, "")
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// openInvoices creates a draft invoice for every tenant that has prices in
// the month.
func (s *BillingService) openInvoices(ctx context.Context, tx pgx.Tx, start, end time.Time, month string) (map[string]*tenantClose, error) {
	rows, err := tx.Query(ctx, `SELECT id, slug FROM tenants t WHERE created_at < $2
		OR EXISTS (SELECT 1 FROM usage_intervals u WHERE u.tenant_id = t.id AND u.started_at < $2 AND (u.ended_at IS NULL OR u.ended_at > $1)) ORDER BY id`, start, end)
	if err != nil {
		return nil, domain.Internal(err)
	}
	type tn struct{ id, slug string }
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tn, error) {
		var t tn
		return t, r.Scan(&t.id, &t.slug)
	})
	if err != nil {
		return nil, domain.Internal(err)
	}
	out := map[string]*tenantClose{}
	var inv [][]any
	for _, t := range ts {
		sc, err := loadSchedule(ctx, tx, t.id)
		if err != nil {
			return nil, err
		}
		periods := sc.Periods(start, end)
		currency := ""
		for _, p := range periods {
			if p.Prices != nil {
				currency = p.Prices.Currency
				break
			}
		}
		if currency == "" {
			continue // no prices: nothing to bill
		}
		tc := &tenantClose{invoiceID: domain.NewID(), periods: periods}
		out[t.id] = tc
		inv = append(inv, []any{tc.invoiceID, t.id, strings.ToUpper(t.slug) + "-" + month, start.Format("2006-01-02"), start, end, currency})
	}
	if len(inv) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"invoices"}, []string{"id", "tenant_id", "number", "month", "period_start", "period_end", "currency"}, pgx.CopyFromRows(inv)); err != nil {
			if isUniqueViolation(err, "") {
				return nil, domain.Errorf(domain.ECONFLICT, "Some invoices of %s exist already; the month was closed in part. Contact support.", month)
			}
			return nil, translate(err, "")
		}
	}
	return out, nil
}

func lineRow(invoiceID string, no int, l *domain.Line) []any {
	return []any{uuidValue(invoiceID), no, uuidValue(l.ResourceID), l.ResourceType, l.ResourceName, uuidValue(l.LocationID), l.Description, string(l.Unit),
		l.QtyNum, l.QtyDen, int64(l.UnitPrice), int64(l.Amount), l.DiscountBP}
}

// uuidValue turns an id into pgx's binary uuid ("" is NULL), so COPY need
// not try and fail to encode a string first.
func uuidValue(s string) any {
	var u pgtype.UUID
	if len(s) != 36 {
		return u
	}
	j := 0
	for i := 0; i < 36 && j < 16; i++ {
		if s[i] == '-' {
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return pgtype.UUID{}
		}
		u.Bytes[j] = hi<<4 | lo
		j++
		i++
	}
	u.Valid = j == 16
	return u
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// uuidString formats 16 bytes as an id.
func uuidString(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// streamLines rates the month's intervals and copies the lines into tx as
// a pipeline: a reader on its own connection streams the intervals in
// (tenant, resource, start) order and rates each resource as it completes,
// while this goroutine copies batches of lines. Reading outside tx is safe:
// intervals that ended before the month's end no longer change, and an open
// one that closes meanwhile closes after the month's end, which rates the
// same for the month.
func (s *BillingService) streamLines(ctx context.Context, tx pgx.Tx, tenants map[string]*tenantClose, start, end time.Time) (int, error) {
	batch := s.BatchSize
	if batch <= 0 {
		batch = 20000
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan [][]any, 2)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- s.rateMonth(rctx, tenants, start, end, batch, batches)
	}()
	total := 0
	var copyErr error
	for buf := range batches {
		if copyErr != nil {
			continue // drain so the reader can finish
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"invoice_lines"}, lineCols, pgx.CopyFromRows(buf)); err != nil {
			copyErr = translate(err, "")
			cancel()
			continue
		}
		total += len(buf)
	}
	if err := <-readErr; err != nil && copyErr == nil {
		return 0, err
	}
	return total, copyErr
}

// rateMonth streams the intervals and sends the rated lines in batches.
func (s *BillingService) rateMonth(ctx context.Context, tenants map[string]*tenantClose, start, end time.Time, batch int, out chan<- [][]any) error {
	rows, err := s.db.Pool.Query(ctx, `SELECT tenant_id, resource_id, resource_type, resource_name, running, started_at, ended_at,
		vcpus, memory_mib, disk_gib, storage_class, public_ips, location_id, image FROM usage_intervals
		WHERE started_at < $2 AND (ended_at IS NULL OR ended_at > $1) ORDER BY tenant_id, resource_id, started_at`, start, end)
	if err != nil {
		return translate(err, "")
	}
	defer rows.Close()
	var (
		buf                 = make([][]any, 0, batch)
		curTenant           string
		curRes              string
		curTenantB, curResB [16]byte
		cur                 *tenantClose
		rater               *domain.Rater
		iv                  domain.UsageInterval
	)
	send := func() error {
		select {
		case out <- buf:
			buf = make([][]any, 0, batch)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	flush := func() error {
		if rater == nil || cur == nil {
			return nil
		}
		lines := rater.Flush()
		for i := range lines {
			cur.lineNo++
			buf = append(buf, lineRow(cur.invoiceID, cur.lineNo, &lines[i]))
		}
		if len(buf) >= batch {
			return send()
		}
		return nil
	}
	var tid, rid, lid, lastLoc pgtype.UUID
	var ended pgtype.Timestamptz
	for rows.Next() {
		// Ids come as 16 bytes; they become strings only when they change.
		if err := rows.Scan(&tid, &rid, &iv.ResourceType, &iv.ResourceName, &iv.Running, &iv.Start, &ended,
			&iv.VCPUs, &iv.MemoryMiB, &iv.DiskGiB, &iv.StorageClass, &iv.PublicIPs, &lid, &iv.Image); err != nil {
			return domain.Internal(err)
		}
		iv.End = time.Time{}
		if ended.Valid {
			iv.End = ended.Time
		}
		if lid != lastLoc {
			lastLoc, iv.LocationID = lid, ""
			if lid.Valid {
				iv.LocationID = uuidString(lid.Bytes)
			}
		}
		if tid.Bytes != curTenantB || rid.Bytes != curResB {
			curTenantB, curResB = tid.Bytes, rid.Bytes
			iv.TenantID, iv.ResourceID = uuidString(tid.Bytes), uuidString(rid.Bytes)
		}
		if iv.TenantID != curTenant || iv.ResourceID != curRes {
			if err := flush(); err != nil {
				return err
			}
			if iv.TenantID != curTenant {
				curTenant = iv.TenantID
				cur = tenants[curTenant]
				rater = nil
				if cur != nil {
					rater = domain.NewRater(cur.periods, end)
				}
			}
			curRes = iv.ResourceID
		}
		if rater != nil {
			rater.Add(&iv)
		}
	}
	if err := rows.Err(); err != nil {
		return translate(err, "")
	}
	if err := flush(); err != nil {
		return err
	}
	if len(buf) > 0 {
		return send()
	}
	return nil
}

const invoiceCols = `id, tenant_id, number, to_char(month, 'YYYY-MM'), period_start, period_end, currency, subtotal, discount, total, status, coalesce(closed_at, period_end)`

func scanInvoice(row pgx.Row) (*domain.Invoice, error) {
	var i domain.Invoice
	var sub, disc, tot int64
	err := row.Scan(&i.ID, &i.TenantID, &i.Number, &i.Month, &i.PeriodStart, &i.PeriodEnd, &i.Currency, &sub, &disc, &tot, &i.Status, &i.ClosedAt)
	i.Subtotal, i.Discount, i.Total = domain.Micros(sub), domain.Micros(disc), domain.Micros(tot)
	return &i, err
}

func (s *BillingService) FindInvoices(ctx context.Context, tenantID string) ([]*domain.Invoice, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, nil
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+invoiceCols+` FROM invoices WHERE tenant_id = $1 AND status = 'closed' ORDER BY month DESC LIMIT 120`, tenantID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Invoice, error) { return scanInvoice(r) })
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

func (s *BillingService) FindInvoice(ctx context.Context, tenantID, id string) (*domain.Invoice, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	notFound := domain.Errorf(domain.ENOTFOUND, "Invoice not found.")
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, notFound
	}
	inv, err := scanInvoice(s.db.Pool.QueryRow(ctx, `SELECT `+invoiceCols+` FROM invoices WHERE id = $1 AND tenant_id = $2 AND status = 'closed'`, id, tenantID))
	if err != nil {
		return nil, translate(err, "Invoice not found.")
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT coalesce(resource_id::text, ''), resource_type, resource_name, coalesce(location_id::text, ''), description, unit,
		quantity_num, quantity_den, unit_price, amount, discount_bp FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return nil, domain.Internal(err)
	}
	inv.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Line, error) {
		var l domain.Line
		var unit string
		var price, amount int64
		err := r.Scan(&l.ResourceID, &l.ResourceType, &l.ResourceName, &l.LocationID, &l.Description, &unit, &l.QtyNum, &l.QtyDen, &price, &amount, &l.DiscountBP)
		l.Unit, l.UnitPrice, l.Amount = domain.Unit(unit), domain.Micros(price), domain.Micros(amount)
		return l, err
	})
	if err != nil {
		return nil, domain.Internal(err)
	}
	return inv, nil
}

func currencyOf(periods []domain.PricePeriod) string {
	for _, p := range periods {
		if p.Prices != nil {
			return p.Prices.Currency
		}
	}
	return ""
}

func (s *BillingService) Usage(ctx context.Context, tenantID string, from, to, openUntil time.Time) (*domain.UsageReport, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	if !to.After(from) {
		return nil, domain.Invalid(map[string]string{"to": "The end must be after the start."})
	}
	if to.Sub(from) > 400*24*time.Hour {
		return nil, domain.Invalid(map[string]string{"to": "Ask for at most 400 days at a time."})
	}
	sc, err := loadSchedule(ctx, s.db.Pool, tenantID)
	if err != nil {
		return nil, err
	}
	ivs, err := findIntervals(ctx, s.db.Pool, tenantID, from, to)
	if err != nil {
		return nil, err
	}
	periods := sc.Periods(from, to)
	lines := domain.RateIntervals(ivs, periods, openUntil)
	return &domain.UsageReport{From: from, To: to, Currency: currencyOf(periods), Lines: lines, Totals: domain.Sum(lines)}, nil
}

func (s *BillingService) MonthToDate(ctx context.Context, tenantID string, now time.Time) (*domain.MonthSummary, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	now = now.Truncate(time.Second)
	start, end := domain.MonthBounds(now, s.Zone)
	sc, err := loadSchedule(ctx, s.db.Pool, tenantID)
	if err != nil {
		return nil, err
	}
	ivs, err := findIntervals(ctx, s.db.Pool, tenantID, start, end)
	if err != nil {
		return nil, err
	}
	m := &domain.MonthSummary{MonthStart: start, MonthEnd: end, Now: now}
	toDate := sc.Periods(start, now)
	m.Currency = currencyOf(toDate)
	m.Lines = domain.RateIntervals(ivs, toDate, now)
	fee := domain.FeeLine(toDate)
	if fee != nil {
		m.Lines = append(m.Lines, *fee)
	}
	m.ToDate = domain.Sum(m.Lines)
	whole := sc.Periods(start, end)
	forecast := domain.RateIntervals(ivs, whole, end)
	if fee != nil {
		forecast = append(forecast, *fee)
	}
	m.Forecast = domain.Sum(forecast)
	for d := start; d.Before(now); d = d.AddDate(0, 0, 1) {
		to := d.AddDate(0, 0, 1)
		if to.After(now) {
			to = now
		}
		day := domain.Sum(domain.RateIntervals(ivs, sc.Periods(d, to), now))
		m.Daily = append(m.Daily, domain.DaySpend{Day: d, Total: day.Total})
	}
	return m, nil
}

func (s *BillingService) OpenIntervals(ctx context.Context, tenantID string) ([]domain.UsageInterval, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, nil
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+intervalCols+` FROM usage_intervals WHERE tenant_id = $1 AND ended_at IS NULL ORDER BY resource_name, resource_id LIMIT 1000`, tenantID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	defer rows.Close()
	var out []domain.UsageInterval
	for rows.Next() {
		var iv domain.UsageInterval
		if err := scanInterval(rows, &iv); err != nil {
			return nil, domain.Internal(err)
		}
		out = append(out, iv)
	}
	return out, rows.Err()
}

// CostSoFar is what one resource of the tenant has cost from since until now
// (after the tenant's discount), in the tenant's currency: the machines
// pages' "cost so far" (domain.CostService on the machines branch).
func (s *BillingService) CostSoFar(ctx context.Context, tenantID, resourceID string, since time.Time) (*domain.Money, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(resourceID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Resource not found.")
	}
	now := time.Now().Truncate(time.Second)
	since = since.Truncate(time.Second)
	if !now.After(since) {
		return nil, domain.Invalid(map[string]string{"since": "Choose a time in the past."})
	}
	sc, err := loadSchedule(ctx, s.db.Pool, tenantID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+intervalCols+` FROM usage_intervals
		WHERE tenant_id = $1 AND resource_id = $2 AND started_at < $4 AND (ended_at IS NULL OR ended_at > $3) ORDER BY started_at`, tenantID, resourceID, since, now)
	if err != nil {
		return nil, domain.Internal(err)
	}
	defer rows.Close()
	var ivs []domain.UsageInterval
	for rows.Next() {
		var iv domain.UsageInterval
		if err := scanInterval(rows, &iv); err != nil {
			return nil, domain.Internal(err)
		}
		ivs = append(ivs, iv)
	}
	if err := rows.Err(); err != nil {
		return nil, domain.Internal(err)
	}
	periods := sc.Periods(since, now)
	cur := currencyOf(periods)
	if cur == "" {
		return nil, domain.Errorf(domain.ENOTFOUND, "No prices apply to this tenant yet.")
	}
	return &domain.Money{Amount: domain.Sum(domain.RateIntervals(ivs, periods, now)).Total, Currency: cur}, nil
}

// LocationNames names the geo-locations by id, empty while the locations
// table (connect's migrations) is not there yet.
func (s *BillingService) LocationNames(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	var exists bool
	if err := s.db.Pool.QueryRow(ctx, `SELECT to_regclass('geo_locations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return out, translate(err, "")
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT id::text, name FROM geo_locations ORDER BY lower(name) LIMIT 1000`)
	if err != nil {
		return out, domain.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return out, domain.Internal(err)
		}
		out[id] = name
	}
	return out, rows.Err()
}
