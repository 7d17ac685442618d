package billing_test

import (
	"context"
	"testing"
	"time"

	"tessera/domain"
	"tessera/manage/billing"
)

type closer struct {
	res    *domain.CloseResult
	err    error
	months []string
}

func (c *closer) CloseMonth(_ context.Context, month string, _ time.Time) (*domain.CloseResult, error) {
	c.months = append(c.months, month)
	return c.res, c.err
}

func TestClose(t *testing.T) {
	ctx, now := context.Background(), time.Now()
	c := &closer{err: domain.Invalid(map[string]string{"month": "2099-01 has not ended yet."})}
	if _, err := billing.Close(ctx, c, "2099-01", now); domain.ErrorCode(err) != domain.EINVALID || domain.ErrorMessage(err) != "2099-01 has not ended yet." {
		t.Fatalf("future month: %v", err)
	}
	c = &closer{res: &domain.CloseResult{Busy: true}}
	if _, err := billing.Close(ctx, c, "2026-10", now); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("busy: %v", err)
	}
}

// The job closes the month before now's, in the provider's zone, and
// counts the invoices of a close it made (not of a closed month).
func TestJobClosesThePreviousMonth(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	c := &closer{res: &domain.CloseResult{Month: "2026-11", Invoices: 3}}
	counted := 0
	j := &billing.Job{Closer: c, Zone: berlin, Closed: func(n int) { counted += n }}
	// 23:30 UTC on 30 November is already December in Berlin.
	j.Once(context.Background(), time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC))
	if len(c.months) != 1 || c.months[0] != "2026-11" || counted != 3 {
		t.Fatalf("closed %v, counted %d", c.months, counted)
	}
	c.res = &domain.CloseResult{Month: "2026-11", AlreadyClosed: true, Invoices: 3}
	j.Once(context.Background(), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	if counted != 3 {
		t.Fatalf("a closed month counted again: %d", counted)
	}
}
