// Package billing holds manage's billing use cases: closing a month into
// invoices, on demand (the CLI) and as the background job of every manage
// process.
package billing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"tessera/domain"
)

// MonthCloser is the port that writes a month's invoices (BillingService in
// the PostgreSQL adapter). Closing a closed month does nothing and says so.
type MonthCloser interface {
	CloseMonth(ctx context.Context, month string, now time.Time) (*domain.CloseResult, error)
}

// Close closes month ("2026-11", in the provider's zone) at now, for a
// person who asked for it: EINVALID with the month's problem as its message
// when the month is wrong or has not ended, EUNAVAILABLE when another
// process is closing a month right now.
func Close(ctx context.Context, c MonthCloser, month string, now time.Time) (*domain.CloseResult, error) {
	res, err := c.CloseMonth(ctx, month, now)
	if err != nil {
		if m := domain.ErrorFields(err)["month"]; m != "" {
			return nil, domain.Errorf(domain.EINVALID, "%s", m)
		}
		return nil, err
	}
	if res.Busy {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "another process is closing a month right now; try again in a minute")
	}
	return res, nil
}

// PreviousMonth names the month before the one now falls in, in zone.
func PreviousMonth(now time.Time, zone *time.Location) string {
	start, _ := domain.MonthBounds(now, zone)
	return start.AddDate(0, -1, 0).Format("2006-01")
}

// Job closes the previous month once it has ended: at start and every
// Every. Several manage processes may run it; the close takes a lock and
// does nothing for a closed month, so they never write an invoice twice.
type Job struct {
	Closer MonthCloser
	Zone   *time.Location
	Every  time.Duration // 10 minutes when zero
	Log    *slog.Logger  // nil: slog's default
	// Closed is told the invoices of each close this process made, Failed
	// of each close that failed (the server counts them as metrics).
	Closed func(invoices int)
	Failed func()
}

// Run closes months until ctx ends.
func (j *Job) Run(ctx context.Context) {
	every := j.Every
	if every <= 0 {
		every = 10 * time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		j.Once(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Once closes the month before now's, if it is not closed yet.
func (j *Job) Once(ctx context.Context, now time.Time) {
	log := j.Log
	if log == nil {
		log = slog.Default()
	}
	month := PreviousMonth(now, j.Zone)
	res, err := j.Closer.CloseMonth(ctx, month, now)
	switch {
	case err != nil && ctx.Err() == nil:
		if j.Failed != nil {
			j.Failed()
		}
		log.Error("month close failed", "month", month, "err", err)
	case err == nil && !res.AlreadyClosed && !res.Busy:
		if j.Closed != nil {
			j.Closed(res.Invoices)
		}
		log.Info("month closed", "month", month, "invoices", res.Invoices, "lines", res.Lines)
	}
}

// String says what a close did, for people.
func String(res *domain.CloseResult, zone *time.Location) string {
	if res.AlreadyClosed {
		return fmt.Sprintf("%s was closed already; nothing changed.", res.Month)
	}
	return fmt.Sprintf("Closed %s (%s): %d invoices, %d lines.", res.Month, zone, res.Invoices, res.Lines)
}
