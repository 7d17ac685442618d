package domain

import (
	"testing"
	"time"
)

func TestCheckNewVersion(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	latest := now.Add(-time.Hour)
	for _, tc := range []struct {
		name  string
		from  time.Time
		facts CardFacts
		field string // "" when allowed
	}{
		{"unused card may start in the past", now.Add(-48 * time.Hour), CardFacts{}, ""},
		{"used card may not", now.Add(-time.Hour), CardFacts{InUse: true}, "effective_from"},
		{"default card may not", now.Add(-time.Hour), CardFacts{IsDefault: true}, "effective_from"},
		{"now passes within the slack", now.Add(-time.Minute), CardFacts{InUse: true}, ""},
		{"not after the latest", latest, CardFacts{Latest: &latest}, "effective_from"},
		{"after the latest", now, CardFacts{Latest: &latest}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckNewVersion(&RateCardVersion{EffectiveFrom: tc.from}, tc.facts, now)
			if got := ErrorFields(err)[tc.field]; (tc.field == "") != (err == nil) || tc.field != "" && got == "" {
				t.Fatalf("got %v, want an error at %q", err, tc.field)
			}
		})
	}
}

func TestDefaultFrom(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	if got := DefaultFrom(false, past, now); !got.Equal(past) {
		t.Errorf("first default: %v, want %v", got, past)
	}
	if got := DefaultFrom(true, past, now); !got.Equal(now) {
		t.Errorf("later default: %v, want now", got)
	}
}

func TestCheckAssignment(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	eur, usd := "EUR", "USD"
	latest, billed := now.Add(-time.Hour), now.Add(time.Hour)
	for _, tc := range []struct {
		name  string
		from  time.Time
		facts AssignmentFacts
		field string
	}{
		{"first, now", now, AssignmentFacts{Currency: eur, Priced: true}, ""},
		{"no prices yet", now, AssignmentFacts{Currency: eur}, "effective_from"},
		{"other currency", now, AssignmentFacts{Currency: eur, Priced: true, PrevCurrency: &usd, Latest: &latest}, "card_id"},
		{"change in the past", now.Add(-30 * time.Minute), AssignmentFacts{Currency: eur, Priced: true, PrevCurrency: &eur, Latest: &latest}, "effective_from"},
		{"first in the past, unused", now.Add(-48 * time.Hour), AssignmentFacts{Currency: eur, Priced: true}, ""},
		{"first in the past, used", now.Add(-48 * time.Hour), AssignmentFacts{Currency: eur, Priced: true, UsedSince: true}, "effective_from"},
		{"invoiced month", now, AssignmentFacts{Currency: eur, Priced: true, BilledUntil: &billed}, "effective_from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAssignment(&TenantRate{EffectiveFrom: tc.from}, tc.facts, now)
			if got := ErrorFields(err)[tc.field]; (tc.field == "") != (err == nil) || tc.field != "" && got == "" {
				t.Fatalf("got %v, want an error at %q", err, tc.field)
			}
		})
	}
}
