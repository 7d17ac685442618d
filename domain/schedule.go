package domain

import (
	"sort"
	"time"
)

// PriceSchedule is a tenant's prices over time: its rate assignments and the
// cards they name (Default prices a tenant before, or without, an assignment).
type PriceSchedule struct {
	TenantID string
	Rates    []*TenantRate // oldest first
	Cards    map[string]*RateCard
	// Defaults are the default cards over time, oldest first; Default is
	// used when there are none (a fixed default, e.g. in tests).
	Defaults []DefaultCard
	Default  *RateCard
}

// DefaultCard is the default card from From on.
type DefaultCard struct {
	From time.Time
	Card *RateCard
}

// defaultAt returns the default card in force at t (nil if none).
func (s *PriceSchedule) defaultAt(t time.Time) *RateCard {
	if len(s.Defaults) == 0 {
		return s.Default
	}
	var out *RateCard
	for _, d := range s.Defaults {
		if !d.From.After(t) {
			out = d.Card
		}
	}
	return out
}

// rateAt returns the assignment in force at t, nil if none.
func (s *PriceSchedule) rateAt(t time.Time) *TenantRate {
	var out *TenantRate
	for _, r := range s.Rates {
		if !r.EffectiveFrom.After(t) {
			out = r
		}
	}
	return out
}

// At returns the prices in force at t. ENOTFOUND when no card applies.
func (s *PriceSchedule) At(t time.Time) (*EffectivePrices, error) {
	r := s.rateAt(t)
	card := s.defaultAt(t)
	if r != nil {
		card = s.Cards[r.CardID]
	}
	if card == nil {
		return nil, Errorf(ENOTFOUND, "No rate card applies to this tenant yet; the provider sets its prices under Pricing.")
	}
	return ResolvePrices(card, r, t)
}

// ChangesBetween returns the times in (from, to) at which the tenant's prices
// change: its assignments and the versions of every card it uses, sorted.
func (s *PriceSchedule) ChangesBetween(from, to time.Time) []time.Time {
	seen := map[int64]bool{}
	var out []time.Time
	add := func(t time.Time) {
		if t.After(from) && t.Before(to) && !seen[t.UnixNano()] {
			seen[t.UnixNano()] = true
			out = append(out, t)
		}
	}
	for _, r := range s.Rates {
		add(r.EffectiveFrom)
	}
	for _, d := range s.Defaults {
		add(d.From)
	}
	for _, c := range s.Cards {
		for _, v := range c.Versions {
			add(v.EffectiveFrom)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}
