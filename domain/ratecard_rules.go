package domain

import "time"

// The rules a rate card's change must keep, whatever stores it. The store
// reads the facts (in the transaction that then writes) and asks these.

// EffectiveSlack lets a form submitted "now" pass the "not in the past" rule.
const EffectiveSlack = 2 * time.Minute

// ValidateNewCard checks a new card and its first version together, so every
// wrong field is named at once. A zero EffectiveFrom means now.
func ValidateNewCard(c *RateCard, v *RateCardVersion, now time.Time) error {
	errs := map[string]string{}
	if err := c.Validate(); err != nil {
		for k, m := range ErrorFields(err) {
			errs[k] = m
		}
	}
	if v.EffectiveFrom.IsZero() {
		v.EffectiveFrom = now
	}
	if err := v.Validate(); err != nil {
		for k, m := range ErrorFields(err) {
			errs[k] = m
		}
	}
	if len(errs) > 0 {
		return Invalid(errs)
	}
	return nil
}

// CardFacts is what the store knows about a card when a version is added.
type CardFacts struct {
	InUse     bool       // a tenant is assigned the card
	IsDefault bool       // the card is or was the default
	Latest    *time.Time // its latest version's start, nil without versions
}

// CheckNewVersion says whether v may be added to a card with facts f: a card
// that prices someone never changes its past, and versions follow each other.
func CheckNewVersion(v *RateCardVersion, f CardFacts, now time.Time) error {
	if (f.InUse || f.IsDefault) && v.EffectiveFrom.Before(now.Add(-EffectiveSlack)) {
		return Invalid(map[string]string{"effective_from": "This card is in use: new prices can start now or later, never in the past."})
	}
	if f.Latest != nil && !v.EffectiveFrom.After(*f.Latest) {
		return Invalid(map[string]string{"effective_from": "Choose a time after the latest version (" + f.Latest.UTC().Format("2006-01-02 15:04 UTC") + ")."})
	}
	return nil
}

// DefaultFrom is when a card becomes the default when asked to from from:
// from now on when there was a default before, so that tenants without an
// assignment keep the prices their past was rated with.
func DefaultFrom(hadDefault bool, from, now time.Time) time.Time {
	if hadDefault && from.Before(now) {
		from = now
	}
	return from.UTC().Truncate(time.Second)
}

// AssignmentFacts is what the store knows about a tenant and the card when
// a card is assigned to it.
type AssignmentFacts struct {
	Currency     string     // the card's currency
	Priced       bool       // the card has a version in force at the start
	PrevCurrency *string    // the currency of the tenant's latest card, nil for a first assignment
	Latest       *time.Time // the tenant's latest assignment's start
	BilledUntil  *time.Time // the end of the tenant's last invoice
	// UsedSince: the tenant used resources since the start; read only when
	// NeedsUsageCheck says so.
	UsedSince bool
}

// NeedsUsageCheck says whether a first assignment starts in the past, when
// whether the tenant has used anything since decides.
func NeedsUsageCheck(r *TenantRate, latest *time.Time, now time.Time) bool {
	return latest == nil && r.EffectiveFrom.Before(now.Add(-EffectiveSlack))
}

// CheckAssignment says whether r may be stored given f: one currency per
// tenant, prices in force at the start, no repricing of the past (used or
// invoiced), and assignments that follow each other.
func CheckAssignment(r *TenantRate, f AssignmentFacts, now time.Time) error {
	if !f.Priced {
		return Invalid(map[string]string{"effective_from": "The card has no prices in force at that time yet; choose a later time."})
	}
	if f.PrevCurrency != nil && *f.PrevCurrency != f.Currency {
		return Invalid(map[string]string{"card_id": "This tenant is billed in " + *f.PrevCurrency + "; choose a card in the same currency."})
	}
	if f.Latest != nil && r.EffectiveFrom.Before(now.Add(-EffectiveSlack)) {
		return Invalid(map[string]string{"effective_from": "The tenant has prices already: a change can start now or later, never in the past."})
	}
	if f.Latest != nil && !r.EffectiveFrom.After(*f.Latest) {
		return Invalid(map[string]string{"effective_from": "Choose a time after the tenant's latest change (" + f.Latest.UTC().Format("2006-01-02 15:04 UTC") + ")."})
	}
	if NeedsUsageCheck(r, f.Latest, now) && f.UsedSince {
		return Invalid(map[string]string{"effective_from": "The tenant has used resources since then: prices can start now or later, never in the past."})
	}
	if f.BilledUntil != nil && r.EffectiveFrom.Before(*f.BilledUntil) {
		return Invalid(map[string]string{"effective_from": "That month is invoiced already; choose a later time."})
	}
	return nil
}
