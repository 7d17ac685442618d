package domain

import (
	"math/big"
	"sort"
	"time"
)

// Unit is what a line's quantity counts.
type Unit string

const (
	UnitVCPUHour    Unit = "vCPU-hour"
	UnitGiBHour     Unit = "GiB-hour"     // memory
	UnitGiBMonth    Unit = "GiB-month"    // disk: 730 hours
	UnitLicenceHour Unit = "licence-hour" // image licence
	UnitAddressHour Unit = "address-hour" // public address
	UnitMonth       Unit = "month"        // flat fee
)

// Line is one priced quantity: a resource's use of one unit at one unit
// price. The exact quantity is QtyNum ÷ QtyDen units; Amount is
// QtyNum × UnitPrice ÷ QtyDen rounded once, half away from zero, to cents.
type Line struct {
	ResourceID   string
	ResourceType string
	ResourceName string
	LocationID   string
	Description  string // "vCPU", "Memory", "Disk (ssd)", "Licence (windows)", "Public address", "Monthly fee"
	Unit         Unit
	QtyNum       int64
	QtyDen       int64
	UnitPrice    Micros
	DiscountBP   int
	Amount       Micros
}

// Quantity formats the exact quantity with places decimals (half away from zero).
func (l Line) Quantity(places int) string {
	return Micros(MulDivRound(l.QtyNum, 1_000_000, l.QtyDen)).Decimal(places)
}

// CentsOf returns num × price ÷ den rounded half away from zero to whole
// cents (in micros): the invoice rounding rule, applied once per line.
func CentsOf(num int64, price Micros, den int64) Micros {
	n := new(big.Int).Mul(big.NewInt(num), big.NewInt(int64(price)))
	return Micros(RoundDiv(n, new(big.Int).Mul(big.NewInt(den), big.NewInt(10_000))).Int64() * 10_000)
}

// PricePeriod is a span of time with one set of prices (nil: nothing applies).
type PricePeriod struct {
	From, To time.Time
	Prices   *EffectivePrices
}

// Periods splits [from, to) at every price change of the schedule.
func (s *PriceSchedule) Periods(from, to time.Time) []PricePeriod {
	cuts := append([]time.Time{from}, s.ChangesBetween(from, to)...)
	cuts = append(cuts, to)
	out := make([]PricePeriod, 0, len(cuts)-1)
	for i := 0; i+1 < len(cuts); i++ {
		e, err := s.At(cuts[i])
		if err != nil {
			e = nil
		}
		out = append(out, PricePeriod{From: cuts[i], To: cuts[i+1], Prices: e})
	}
	return out
}

// MonthBounds returns the start of the month containing t in loc and the
// start of the next one.
func MonthBounds(t time.Time, loc *time.Location) (time.Time, time.Time) {
	t = t.In(loc)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 1, 0)
}

type lineKey struct {
	loc   string
	unit  Unit
	sub   string // storage class or image
	price Micros
	bp    int
}

// description names what a line counts.
func (k lineKey) description() string {
	switch k.unit {
	case UnitVCPUHour:
		return "vCPU"
	case UnitGiBHour:
		return "Memory"
	case UnitGiBMonth:
		return "Disk (" + k.sub + ")"
	case UnitAddressHour:
		return "Public address"
	case UnitLicenceHour:
		return "Licence (" + k.sub + ")"
	}
	return string(k.unit)
}

// Rater accumulates the usage of one resource at a time into lines. Feed it
// a resource's intervals with Add, then take its lines with Flush.
type Rater struct {
	Periods []PricePeriod // sorted, contiguous
	acc     map[lineKey]*Line
	order   []lineKey
	// Open intervals end here (the time of rating, or the forecast horizon).
	OpenUntil time.Time
}

// NewRater rates usage within the periods (from the first's From to the last's To).
func NewRater(periods []PricePeriod, openUntil time.Time) *Rater {
	return &Rater{Periods: periods, acc: map[lineKey]*Line{}, OpenUntil: openUntil}
}

func (r *Rater) add(iv *UsageInterval, k lineKey, num, den int64) {
	if num == 0 {
		return
	}
	l := r.acc[k]
	if l == nil {
		l = &Line{ResourceID: iv.ResourceID, ResourceType: iv.ResourceType, ResourceName: iv.ResourceName, LocationID: iv.LocationID,
			Description: k.description(), Unit: k.unit, QtyDen: den, UnitPrice: k.price, DiscountBP: k.bp}
		r.acc[k] = l
		r.order = append(r.order, k)
	}
	l.QtyNum += num
	if iv.ResourceName != "" {
		l.ResourceName = iv.ResourceName
	}
}

// Add rates the part of iv that falls within the periods, exact to the second.
func (r *Rater) Add(iv *UsageInterval) {
	end := iv.End
	if end.IsZero() {
		end = r.OpenUntil
	}
	for _, p := range r.Periods {
		if p.Prices == nil {
			continue
		}
		from, to := maxTime(iv.Start, p.From), minTime(end, p.To)
		secs := int64(to.Sub(from) / time.Second)
		if secs <= 0 {
			continue
		}
		e := p.Prices
		f := e.Multiplier(iv.LocationID)
		bp := e.DiscountBP
		loc := iv.LocationID
		if iv.DiskGiB > 0 {
			class := iv.StorageClass
			if class == "" {
				class = DefaultStorageClass
			}
			r.add(iv, lineKey{loc, UnitGiBMonth, class, UnitPrice(e.Prices.Disk(class), f), bp}, int64(iv.DiskGiB)*secs, HoursPerMonth*3600)
		}
		if !iv.Running {
			continue
		}
		r.add(iv, lineKey{loc, UnitVCPUHour, "", UnitPrice(e.Prices.VCPUHour, f), bp}, int64(iv.VCPUs)*secs, 3600)
		r.add(iv, lineKey{loc, UnitGiBHour, "", UnitPrice(e.Prices.MemoryGiBHour, f), bp}, int64(iv.MemoryMiB)*secs, 1024*3600)
		if iv.PublicIPs > 0 {
			r.add(iv, lineKey{loc, UnitAddressHour, "", UnitPrice(e.Prices.PublicIPHour, f), bp}, int64(iv.PublicIPs)*secs, 3600)
		}
		if iv.Image != "" {
			if price := e.Prices.Licence(iv.Image); price > 0 {
				r.add(iv, lineKey{loc, UnitLicenceHour, iv.Image, UnitPrice(price, f), bp}, secs, 3600)
			}
		}
	}
}

// Flush returns the lines accumulated since the last Flush, each rounded
// once to cents, in the order they first appeared.
func (r *Rater) Flush() []Line {
	out := make([]Line, 0, len(r.order))
	for _, k := range r.order {
		l := r.acc[k]
		l.Amount = CentsOf(l.QtyNum, l.UnitPrice, l.QtyDen)
		out = append(out, *l)
	}
	clear(r.acc)
	r.order = r.order[:0]
	return out
}

// FeeLine is the month's flat fee under the prices at the start of the
// month (nil when there is none).
func FeeLine(periods []PricePeriod) *Line {
	for _, p := range periods {
		if p.Prices != nil {
			if p.Prices.Prices.MonthlyFee <= 0 {
				return nil
			}
			return &Line{Description: "Monthly fee", Unit: UnitMonth, QtyNum: 1, QtyDen: 1, UnitPrice: p.Prices.Prices.MonthlyFee,
				DiscountBP: p.Prices.DiscountBP, Amount: CentsOf(1, p.Prices.Prices.MonthlyFee, 1)}
		}
	}
	return nil
}

// Totals are an invoice's sums: Subtotal is the sum of line amounts,
// Discount the sum of each line's amount × its discount rounded once to
// cents (half away from zero), Total = Subtotal − Discount.
type Totals struct {
	Subtotal, Discount, Total Micros
}

// Sum computes the totals of lines.
func Sum(lines []Line) Totals {
	var t Totals
	disc := new(big.Int)
	for _, l := range lines {
		t.Subtotal += l.Amount
		disc.Add(disc, new(big.Int).Mul(big.NewInt(int64(l.Amount)), big.NewInt(int64(l.DiscountBP))))
	}
	t.Discount = Micros(RoundDiv(disc, big.NewInt(10_000*10_000)).Int64() * 10_000)
	t.Total = t.Subtotal - t.Discount
	return t
}

// RateIntervals rates intervals (of any resources) over the periods and
// returns the lines sorted by resource name, resource and description.
func RateIntervals(ivs []UsageInterval, periods []PricePeriod, openUntil time.Time) []Line {
	byRes := map[string][]*UsageInterval{}
	var ids []string
	for i := range ivs {
		id := ivs[i].ResourceID
		if _, ok := byRes[id]; !ok {
			ids = append(ids, id)
		}
		byRes[id] = append(byRes[id], &ivs[i])
	}
	r := NewRater(periods, openUntil)
	var out []Line
	for _, id := range ids {
		for _, iv := range byRes[id] {
			r.Add(iv)
		}
		out = append(out, r.Flush()...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ResourceName != out[j].ResourceName {
			return out[i].ResourceName < out[j].ResourceName
		}
		return out[i].ResourceID < out[j].ResourceID
	})
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
