package domain

import (
	"context"
	"math/big"
	"sort"
	"strings"
	"time"
)

// Currencies are the ISO 4217 codes a rate card may use, with their names.
var Currencies = map[string]string{
	"EUR": "Euro", "USD": "US dollar", "GBP": "Pound sterling", "CHF": "Swiss franc",
	"SEK": "Swedish krona", "NOK": "Norwegian krone", "DKK": "Danish krone", "PLN": "Polish złoty",
	"CZK": "Czech koruna", "HUF": "Hungarian forint", "RON": "Romanian leu", "BGN": "Bulgarian lev",
	"JPY": "Japanese yen", "CNY": "Chinese yuan", "INR": "Indian rupee", "AUD": "Australian dollar",
	"NZD": "New Zealand dollar", "CAD": "Canadian dollar", "BRL": "Brazilian real", "MXN": "Mexican peso",
	"ZAR": "South African rand", "SGD": "Singapore dollar", "HKD": "Hong Kong dollar", "KRW": "South Korean won",
	"TRY": "Turkish lira", "AED": "UAE dirham", "SAR": "Saudi riyal", "ILS": "Israeli new shekel",
}

// CurrencyCodes lists Currencies sorted, EUR first.
func CurrencyCodes() []string {
	out := make([]string, 0, len(Currencies))
	for c := range Currencies {
		if c != "EUR" {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return append([]string{"EUR"}, out...)
}

// DefaultStorageClass is the storage class of disks that name none.
const DefaultStorageClass = "standard"

// Factor is a multiplier in millionths: 1_000_000 is 1 (no change), 1_150_000 is 1.15.
type Factor int64

// One is the neutral factor.
const One Factor = 1_000_000

// String shows a factor like "1.15".
func (f Factor) String() string { return FactorString(f) }

// Prices are unit prices in micros of the card's currency.
type Prices struct {
	VCPUHour      Micros            `json:"vcpu_hour"`
	MemoryGiBHour Micros            `json:"memory_gib_hour"`
	PublicIPHour  Micros            `json:"public_ip_hour"`
	MonthlyFee    Micros            `json:"monthly_fee"`
	DiskGiBMonth  map[string]Micros `json:"disk_gib_month"` // by storage class
	LicenceHour   map[string]Micros `json:"licence_hour"`   // by image id or name
}

// Disk is the GiB-month price of a storage class ("" for the default class).
func (p Prices) Disk(class string) Micros {
	if class == "" {
		class = DefaultStorageClass
	}
	return p.DiskGiBMonth[class]
}

// Licence is the hourly licence price of an image (0 for free images).
func (p Prices) Licence(image string) Micros {
	if image == "" {
		return 0
	}
	return p.LicenceHour[image]
}

func validateMicrosMap(f map[string]string, field string, m map[string]Micros, what string) {
	for k, v := range m {
		if strings.TrimSpace(k) == "" || len(k) > 100 {
			f[field] = "Each " + what + " needs a name of at most 100 characters."
		}
		if v < 0 {
			f[field] = "Prices cannot be negative."
		}
	}
}

// Validate returns EINVALID per wrong field.
func (p Prices) Validate() error {
	f := map[string]string{}
	for name, v := range map[string]Micros{"vcpu_hour": p.VCPUHour, "memory_gib_hour": p.MemoryGiBHour, "public_ip_hour": p.PublicIPHour, "monthly_fee": p.MonthlyFee} {
		if v < 0 {
			f[name] = "Prices cannot be negative."
		}
	}
	validateMicrosMap(f, "disk_gib_month", p.DiskGiBMonth, "storage class")
	validateMicrosMap(f, "licence_hour", p.LicenceHour, "image")
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Overrides are a tenant's own unit prices; nil or absent entries use the card's.
type Overrides struct {
	VCPUHour      *Micros           `json:"vcpu_hour,omitempty"`
	MemoryGiBHour *Micros           `json:"memory_gib_hour,omitempty"`
	PublicIPHour  *Micros           `json:"public_ip_hour,omitempty"`
	MonthlyFee    *Micros           `json:"monthly_fee,omitempty"`
	DiskGiBMonth  map[string]Micros `json:"disk_gib_month,omitempty"`
	LicenceHour   map[string]Micros `json:"licence_hour,omitempty"`
}

// Apply returns p with the overrides in o.
func (o Overrides) Apply(p Prices) Prices {
	if o.VCPUHour != nil {
		p.VCPUHour = *o.VCPUHour
	}
	if o.MemoryGiBHour != nil {
		p.MemoryGiBHour = *o.MemoryGiBHour
	}
	if o.PublicIPHour != nil {
		p.PublicIPHour = *o.PublicIPHour
	}
	if o.MonthlyFee != nil {
		p.MonthlyFee = *o.MonthlyFee
	}
	merge := func(base, over map[string]Micros) map[string]Micros {
		if len(over) == 0 {
			return base
		}
		out := make(map[string]Micros, len(base)+len(over))
		for k, v := range base {
			out[k] = v
		}
		for k, v := range over {
			out[k] = v
		}
		return out
	}
	p.DiskGiBMonth = merge(p.DiskGiBMonth, o.DiskGiBMonth)
	p.LicenceHour = merge(p.LicenceHour, o.LicenceHour)
	return p
}

// Empty reports whether o overrides nothing.
func (o Overrides) Empty() bool {
	return o.VCPUHour == nil && o.MemoryGiBHour == nil && o.PublicIPHour == nil && o.MonthlyFee == nil && len(o.DiskGiBMonth) == 0 && len(o.LicenceHour) == 0
}

// Validate refuses negative override prices.
func (o Overrides) Validate() error {
	f := map[string]string{}
	for name, v := range map[string]*Micros{"override_vcpu_hour": o.VCPUHour, "override_memory_gib_hour": o.MemoryGiBHour, "override_public_ip_hour": o.PublicIPHour, "override_monthly_fee": o.MonthlyFee} {
		if v != nil && *v < 0 {
			f[name] = "Prices cannot be negative."
		}
	}
	validateMicrosMap(f, "override_disk_gib_month", o.DiskGiBMonth, "storage class")
	validateMicrosMap(f, "override_licence_hour", o.LicenceHour, "image")
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// RateCard is a named price list in one currency. Its prices live in versions.
type RateCard struct {
	ID        string
	Name      string
	Currency  string
	IsDefault bool // used for tenants that have no assignment
	CreatedAt time.Time
	Versions  []*RateCardVersion // oldest first
	InUse     int                // number of tenants assigned (filled by lists)
}

// Validate returns EINVALID per wrong field.
func (c *RateCard) Validate() error {
	f := map[string]string{}
	c.Name = strings.TrimSpace(c.Name)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	switch {
	case c.Name == "":
		f["name"] = "Enter a name, e.g. Standard 2027."
	case len(c.Name) > 100:
		f["name"] = "Name may be at most 100 characters."
	}
	if _, ok := Currencies[c.Currency]; !ok {
		f["currency"] = "Choose a currency from the list (ISO 4217 code such as EUR)."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// VersionAt returns the version in force at t, nil if none is yet.
func (c *RateCard) VersionAt(t time.Time) *RateCardVersion {
	var out *RateCardVersion
	for _, v := range c.Versions {
		if !v.EffectiveFrom.After(t) {
			out = v
		}
	}
	return out
}

// RateCardVersion is the prices of a card from EffectiveFrom until the next version.
type RateCardVersion struct {
	ID            string
	CardID        string
	EffectiveFrom time.Time
	Prices        Prices
	// Multipliers by geo-location id; a location without one pays the prices as they are.
	Multipliers map[string]Factor
	CreatedAt   time.Time
}

// Multiplier is the factor of a location (One when none is set).
func (v *RateCardVersion) Multiplier(locationID string) Factor {
	if f, ok := v.Multipliers[locationID]; ok && f > 0 {
		return f
	}
	return One
}

// Validate returns EINVALID per wrong field.
func (v *RateCardVersion) Validate() error {
	f := map[string]string{}
	if err := v.Prices.Validate(); err != nil {
		for k, m := range ErrorFields(err) {
			f[k] = m
		}
	}
	for loc, m := range v.Multipliers {
		if !IsID(loc) {
			f["multipliers"] = "Choose a location for each multiplier."
		}
		if m <= 0 || m > 100*One {
			f["multipliers"] = "A multiplier is a positive number up to 100, e.g. 1.15."
		}
	}
	if v.EffectiveFrom.IsZero() {
		f["effective_from"] = "Enter the date from which the prices apply."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// TenantRate assigns a rate card to a tenant from EffectiveFrom on, with a
// discount (in basis points: 1000 is 10 %) and overrides of unit prices.
type TenantRate struct {
	ID            string
	TenantID      string
	CardID        string
	DiscountBP    int
	Overrides     Overrides
	EffectiveFrom time.Time
	CreatedAt     time.Time
}

// Validate returns EINVALID per wrong field.
func (r *TenantRate) Validate() error {
	f := map[string]string{}
	if !IsID(r.CardID) {
		f["card_id"] = "Choose a rate card."
	}
	if r.DiscountBP < 0 || r.DiscountBP > 10000 {
		f["discount"] = "The discount is a percentage between 0 and 100."
	}
	if err := r.Overrides.Validate(); err != nil {
		for k, m := range ErrorFields(err) {
			f[k] = m
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// ParsePercentBP parses "12.5" (percent) into basis points (1250).
func ParsePercentBP(s string) (int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, nil
	}
	m, err := ParseMicros(s)
	if err != nil || m%10000 != 0 || m < 0 {
		return 0, Errorf(EINVALID, "Enter a percentage like 10 or 12.5 (at most 2 decimals).")
	}
	return int(m / 10000), nil
}

// PercentString shows basis points as a percentage: 1250 is "12.5".
func PercentString(bp int) string {
	s := Micros(int64(bp) * 10000).Decimal(2)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// ParseFactor parses "1.15" into a Factor.
func ParseFactor(s string) (Factor, error) {
	m, err := ParseMicros(s)
	if err != nil {
		return 0, Errorf(EINVALID, "Enter a multiplier like 1.15.")
	}
	return Factor(m), nil
}

// FactorString shows a factor like "1.15".
func FactorString(f Factor) string {
	s := Micros(f).Decimal(6)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return s
}

// EffectivePrices are what one tenant pays at one moment: the card's version
// with the tenant's overrides, the location multipliers and the discount.
type EffectivePrices struct {
	Currency    string
	Prices      Prices
	Multipliers map[string]Factor
	DiscountBP  int
	CardID      string
	VersionID   string
	RateID      string // "" when the tenant uses the default card
}

// Multiplier is the factor of a location (One when none is set).
func (e *EffectivePrices) Multiplier(locationID string) Factor {
	if f, ok := e.Multipliers[locationID]; ok && f > 0 {
		return f
	}
	return One
}

// UnitPrice applies the location multiplier to a unit price, rounding half
// away from zero to whole micros. This is the unit price printed on invoices.
func UnitPrice(price Micros, f Factor) Micros {
	if f == One || f == 0 {
		return price
	}
	return Micros(MulDivRound(int64(price), int64(f), int64(One)))
}

// MulDivRound returns a×b÷div rounded half away from zero, exactly (no
// overflow for any int64 inputs whose result fits).
func MulDivRound(a, b, div int64) int64 {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	return RoundDiv(n, big.NewInt(div)).Int64()
}

// RoundDiv returns n÷d rounded half away from zero (d > 0).
func RoundDiv(n, d *big.Int) *big.Int {
	neg := n.Sign() < 0
	a := new(big.Int).Abs(n)
	q, r := new(big.Int).QuoRem(a, d, new(big.Int))
	if new(big.Int).Mul(r, big.NewInt(2)).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q
}

// Discounted applies a discount in basis points to an amount, rounding half
// away from zero to micros.
func Discounted(m Micros, bp int) Micros {
	if bp == 0 {
		return m
	}
	return m - Micros(MulDivRound(int64(m), int64(bp), 10000))
}

// QuoteShape prices a machine shape at a location with e. Hourly is what a
// running machine pays per hour (vCPU, memory, disk, licence), Stopped what
// it pays per hour while stopped (disk only); both after the location
// multiplier and the tenant's discount, to the micro.
func QuoteShape(e *EffectivePrices, locationID string, shape MachineShape, storageClass string) *Quote {
	f := e.Multiplier(locationID)
	// Per hour, in micros × (1024 × HoursPerMonth) so memory MiB and disk
	// GiB-month divide exactly; one rounding at the end.
	const den = 1024 * HoursPerMonth
	run := new(big.Int)
	add := func(dst *big.Int, qty int64, price Micros, scale int64) {
		t := new(big.Int).Mul(big.NewInt(qty), big.NewInt(int64(UnitPrice(price, f))))
		dst.Add(dst, t.Mul(t, big.NewInt(scale)))
	}
	add(run, int64(shape.VCPUs), e.Prices.VCPUHour, den)
	add(run, int64(shape.MemoryMiB), e.Prices.MemoryGiBHour, HoursPerMonth) // MiB/1024
	add(run, int64(shape.licences()), e.Prices.Licence(shape.ImageID), den)
	stop := new(big.Int)
	add(stop, int64(shape.DiskGiB), e.Prices.Disk(storageClass), 1024) // GiB-month/730
	run.Add(run, stop)
	hourly := Discounted(Micros(RoundDiv(run, big.NewInt(den)).Int64()), e.DiscountBP)
	stopped := Discounted(Micros(RoundDiv(stop, big.NewInt(den)).Int64()), e.DiscountBP)
	return &Quote{
		Hourly:   Money{Amount: hourly, Currency: e.Currency},
		Stopped:  Money{Amount: stopped, Currency: e.Currency},
		Monthly:  Money{Amount: hourly * HoursPerMonth, Currency: e.Currency},
		Currency: e.Currency,
	}
}

// licences is 1 when the shape names an image (one licence), else 0.
func (s MachineShape) licences() int {
	if s.ImageID == "" {
		return 0
	}
	return 1
}

// HourlyString shows an hourly price: "0.0420 EUR/h".
func HourlyString(m Money) string { return m.Amount.Decimal(4) + " " + m.Currency + "/h" }

// ResolvePrices combines a tenant's rate (nil: the default card) and the card
// into the prices in force at t. ENOTFOUND if the card has no version yet.
func ResolvePrices(card *RateCard, rate *TenantRate, t time.Time) (*EffectivePrices, error) {
	v := card.VersionAt(t)
	if v == nil {
		return nil, Errorf(ENOTFOUND, "The rate card %s has no prices in force yet.", card.Name)
	}
	e := &EffectivePrices{Currency: card.Currency, Prices: v.Prices, Multipliers: v.Multipliers, CardID: card.ID, VersionID: v.ID}
	if rate != nil {
		e.Prices = rate.Overrides.Apply(v.Prices)
		e.DiscountBP = rate.DiscountBP
		e.RateID = rate.ID
	}
	return e, nil
}

// PricingService stores rate cards and tenant assignments (adapters/postgres).
// Rate cards are the provider's; methods that take a tenant id fail EINTERNAL
// without one (RequireTenant).
type PricingService interface {
	// CreateRateCard stores c with its first version v. EINVALID, ECONFLICT (name taken).
	CreateRateCard(ctx context.Context, c *RateCard, v *RateCardVersion) error
	// FindRateCards returns all cards with their versions, ordered by name.
	FindRateCards(ctx context.Context) ([]*RateCard, error)
	// FindRateCardByID returns ENOTFOUND if there is no such card.
	FindRateCardByID(ctx context.Context, id string) (*RateCard, error)
	// AddRateCardVersion adds prices from v.EffectiveFrom on. EINVALID (an
	// effective time in the past for a card in use, or not after the latest
	// version), ENOTFOUND.
	AddRateCardVersion(ctx context.Context, cardID string, v *RateCardVersion) error
	// SetDefaultRateCard makes the card the one for tenants without an assignment.
	SetDefaultRateCard(ctx context.Context, cardID string) error
	// AssignRateCard stores r. EINVALID (effective time in the past once the
	// tenant has a rate, different currency), ENOTFOUND.
	AssignRateCard(ctx context.Context, r *TenantRate) error
	// FindTenantRates returns a tenant's assignments, oldest first.
	FindTenantRates(ctx context.Context, tenantID string) ([]*TenantRate, error)
	// PricesAt returns what tenantID pays at t. ENOTFOUND when no card applies.
	PricesAt(ctx context.Context, tenantID string, t time.Time) (*EffectivePrices, error)
}
