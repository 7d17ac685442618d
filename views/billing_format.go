package views

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"tessera/domain"
)

// Amount shows money with 2 decimals and its currency: "12.34 EUR".
func Amount(m domain.Micros, currency string) string { return m.Decimal(2) + " " + currency }

// UnitPriceText shows a unit price with 4 decimals, or 6 when needed.
func UnitPriceText(m domain.Micros) string {
	if m%100 != 0 {
		return m.Decimal(6)
	}
	return m.Decimal(4)
}

// PriceInput is a price as typed in a form: "0.012" (no trailing zeros past 2 decimals).
func PriceInput(m domain.Micros) string {
	s := m.Decimal(6)
	for strings.HasSuffix(s, "0") && len(s)-strings.Index(s, ".") > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// Day formats a date in the provider's zone.
func Day(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }

// MonthName is "November 2026".
func MonthName(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return t.Format("January 2006")
}

// Chart is a server-rendered bar chart (SVG, styled by classes only).
type Chart struct {
	Width, Height int
	Bars          []ChartBar
	Ticks         []ChartTick
	Empty         bool
}

// ChartBar is one bar with its accessible title.
type ChartBar struct {
	X, Y, W, H string
	Title      string
	Label      string // shown under some bars
	LabelX     string
}

// ChartTick is a horizontal grid line with its value.
type ChartTick struct {
	Y     string
	Label string
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// SpendChart draws daily totals; geometry is float (pixels), money is not.
func SpendChart(days []domain.DaySpend, currency string, loc *time.Location) Chart {
	c := Chart{Width: 720, Height: 220}
	const left, bottom, top = 56.0, 24.0, 8.0
	plotH := float64(c.Height) - bottom - top
	var max domain.Micros
	for _, d := range days {
		if d.Total > max {
			max = d.Total
		}
	}
	if len(days) == 0 || max == 0 {
		c.Empty = true
		return c
	}
	// A round scale: the smallest 1, 2 or 5 × 10^n cents with 4 steps above max.
	step := domain.Micros(10_000)
	for mult := 0; step*4 < max; mult = (mult + 1) % 3 {
		if mult == 1 {
			step = step / 2 * 5
		} else {
			step *= 2
		}
	}
	top4 := step * 4
	for i := 0; i <= 4; i++ {
		y := top + plotH - plotH*float64(i)/4
		c.Ticks = append(c.Ticks, ChartTick{Y: f1(y), Label: (step * domain.Micros(i)).Decimal(2)})
	}
	slots := 31
	if len(days) > slots {
		slots = len(days)
	}
	slotW := (float64(c.Width) - left - 4) / float64(slots)
	for i, d := range days {
		h := plotH * float64(d.Total) / float64(top4)
		x := left + float64(i)*slotW + slotW*0.15
		b := ChartBar{X: f1(x), Y: f1(top + plotH - h), W: f1(slotW * 0.7), H: f1(h),
			Title: Day(d.Day, loc) + ": " + Amount(d.Total, currency)}
		if day := d.Day.In(loc).Day(); day == 1 || day%5 == 0 {
			b.Label, b.LabelX = strconv.Itoa(day), f1(x+slotW*0.35)
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// SpendRow is a total for one machine or location.
type SpendRow struct {
	Key, Label, Type string
	Amount           domain.Micros
	Hourly           string // the resource's price per hour now ("" if gone)
}

func sortedKeys(m map[string]domain.Micros) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mapText shows "ssd 0.438, standard 0.219".
func mapText(m map[string]domain.Micros) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+" "+PriceInput(m[k]))
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, ", ")
}

func factorText(m map[string]domain.Factor, names map[string]string) string {
	var parts []string
	for k, f := range m {
		name := names[k]
		if name == "" && len(k) > 8 {
			name = k[:8] + "…"
		}
		parts = append(parts, name+" ×"+f.String())
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, ", ")
}

func overridesText(o domain.Overrides) string {
	var parts []string
	add := func(name string, m *domain.Micros) {
		if m != nil {
			parts = append(parts, name+" "+PriceInput(*m))
		}
	}
	add("vCPU-h", o.VCPUHour)
	add("GiB mem-h", o.MemoryGiBHour)
	add("address-h", o.PublicIPHour)
	add("fee", o.MonthlyFee)
	if len(o.DiskGiBMonth) > 0 {
		parts = append(parts, "disk: "+mapText(o.DiskGiBMonth))
	}
	if len(o.LicenceHour) > 0 {
		parts = append(parts, "licences: "+mapText(o.LicenceHour))
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, "; ")
}

// sortedNames returns the ids of m ordered by their names.
func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return m[out[i]] < m[out[j]] })
	return out
}
