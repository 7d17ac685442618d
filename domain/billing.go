package domain

import (
	"context"
	"time"
)

// Invoice is a tenant's bill for one month. Once closed it never changes.
type Invoice struct {
	ID          string
	TenantID    string
	Number      string
	Month       string // "2026-11"
	PeriodStart time.Time
	PeriodEnd   time.Time
	Currency    string
	Subtotal    Micros
	Discount    Micros
	Total       Micros
	Status      string // "closed"
	ClosedAt    time.Time
	Lines       []Line // filled by FindInvoice
}

// ParseMonth parses "2026-11" into the month's bounds in loc.
func ParseMonth(s string, loc *time.Location) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, loc)
	if err != nil {
		return time.Time{}, time.Time{}, Invalid(map[string]string{"month": "Enter a month like 2026-11."})
	}
	return t, t.AddDate(0, 1, 0), nil
}

// CloseResult says what a month close did.
type CloseResult struct {
	Month         string
	Invoices      int
	Lines         int
	AlreadyClosed bool
	// Busy: another process is closing a month right now; try again later.
	Busy bool
}

// UsageReport is a tenant's rated usage over a time range.
type UsageReport struct {
	From, To time.Time
	Currency string
	Lines    []Line
	Totals   Totals
}

// BillingService rates usage and keeps invoices (adapters/postgres). Methods
// that take a tenant id fail EINTERNAL without one (RequireTenant); CloseMonth
// and LocationNames are the provider-wide ones.
type BillingService interface {
	// CloseMonth writes one invoice per tenant for month ("2026-11", in the
	// provider's zone). EINVALID if the month has not ended at now. Closing a
	// closed month does nothing and says so (AlreadyClosed).
	CloseMonth(ctx context.Context, month string, now time.Time) (*CloseResult, error)
	// FindInvoices returns the tenant's invoices, newest first.
	FindInvoices(ctx context.Context, tenantID string) ([]*Invoice, error)
	// FindInvoice returns an invoice of the tenant with its lines. ENOTFOUND
	// (also for another tenant's invoice).
	FindInvoice(ctx context.Context, tenantID, id string) (*Invoice, error)
	// Usage rates the tenant's usage in [from, to); open intervals count
	// until openUntil (now for spend so far, the month's end for a forecast).
	Usage(ctx context.Context, tenantID string, from, to, openUntil time.Time) (*UsageReport, error)
	// MonthToDate summarises the month containing now for the tenant.
	MonthToDate(ctx context.Context, tenantID string, now time.Time) (*MonthSummary, error)
	// LocationNames names geo-locations by id (empty when there are none).
	LocationNames(ctx context.Context) (map[string]string, error)
	// OpenIntervals returns the tenant's resources as they are now metered.
	OpenIntervals(ctx context.Context, tenantID string) ([]UsageInterval, error)
}

// MonthSummary is a tenant's month so far: what it has spent, what it will
// spend if its resources keep running as they are, and the spend per day.
type MonthSummary struct {
	MonthStart, MonthEnd time.Time
	Now                  time.Time
	Currency             string
	Lines                []Line // month to date
	ToDate               Totals
	Forecast             Totals
	Daily                []DaySpend
}

// DaySpend is the total of one day (after discount).
type DaySpend struct {
	Day   time.Time
	Total Micros
}

// ResourceTotal is what one resource has cost so far this month (after
// discount), for "cost so far" on a machine's page.
func (m *MonthSummary) ResourceTotal(resourceID string) Micros {
	var lines []Line
	for _, l := range m.Lines {
		if l.ResourceID == resourceID {
			lines = append(lines, l)
		}
	}
	return Sum(lines).Total
}
