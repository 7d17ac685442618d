package domain

import (
	"context"
	"fmt"
	"strings"
)

// Micros is an amount of money in millionths of the currency unit. Money is
// never floating point: unit prices such as 0.0042 EUR per vCPU-hour are exact
// in micros, and rounding to cents happens once, per invoice line.
type Micros int64

// Money is an amount with its ISO 4217 currency.
type Money struct {
	Amount   Micros
	Currency string
}

// Decimal formats m with places decimals (0–6), rounding half away from zero:
// Decimal(4) of 42000 micros is "0.0420".
func (m Micros) Decimal(places int) string {
	if places < 0 {
		places = 0
	}
	if places > 6 {
		places = 6
	}
	div := int64(1)
	for i := 0; i < 6-places; i++ {
		div *= 10
	}
	v := int64(m)
	neg := v < 0
	if neg {
		v = -v
	}
	q := v / div
	if r := v % div; r*2 >= div {
		q++
	}
	unit := int64(1)
	for i := 0; i < places; i++ {
		unit *= 10
	}
	s := fmt.Sprintf("%d", q/unit)
	if places > 0 {
		s += "." + fmt.Sprintf("%0*d", places, q%unit)
	}
	if neg && q != 0 {
		s = "-" + s
	}
	return s
}

// ParseMicros parses a decimal string with up to 6 decimals ("0.0042", "12").
func ParseMicros(s string) (Micros, error) {
	s = strings.TrimSpace(s)
	bad := Errorf(EINVALID, "Enter an amount like 0.0042 (at most 6 decimals).")
	if s == "" {
		return 0, bad
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 6 || len(whole) > 12 {
		return 0, bad
	}
	var v int64
	for _, c := range whole + frac + strings.Repeat("0", 6-len(frac)) {
		if c < '0' || c > '9' {
			return 0, bad
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return Micros(v), nil
}

// String shows money for people: "12.34 EUR" (2 decimals) or more decimals
// for small unit prices.
func (m Money) String() string { return m.Amount.Decimal(2) + " " + m.Currency }

// HoursPerMonth converts hourly prices to the monthly figure shown beside
// them (365 × 24 / 12).
const HoursPerMonth = 730

// MachineShape is what a machine's price depends on.
type MachineShape struct {
	VCPUs     int
	MemoryMiB int
	DiskGiB   int
	ImageID   string // images can carry a licence price
}

// Quote is the price of a machine shape, shown before the user commits.
type Quote struct {
	Hourly   Money // while running
	Stopped  Money // hourly while stopped (disk only)
	Monthly  Money // Hourly × HoursPerMonth
	Currency string
}

// Pricer prices machines for a tenant at a location with the tenant's rate
// card in force now (adapters/postgres implements it over rate cards).
type Pricer interface {
	// QuoteMachine returns ENOTFOUND if the location is unknown.
	QuoteMachine(ctx context.Context, tenantID, locationID string, shape MachineShape) (*Quote, error)
}
