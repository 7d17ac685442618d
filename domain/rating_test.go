package domain

import (
	"math/big"
	"math/rand"
	"testing"
	"time"
)

func testSchedule() *PriceSchedule {
	card := &RateCard{ID: "card", Name: "Std", Currency: "EUR", Versions: []*RateCardVersion{
		{ID: "v1", EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Prices: Prices{VCPUHour: 12000, MemoryGiBHour: 6000, DiskGiBMonth: map[string]Micros{"standard": 219000}, MonthlyFee: 5_000_000}},
		{ID: "v2", EffectiveFrom: time.Date(2026, 10, 15, 12, 30, 0, 0, time.UTC), Prices: Prices{VCPUHour: 24000, MemoryGiBHour: 6000, DiskGiBMonth: map[string]Micros{"standard": 219000}}},
	}}
	return &PriceSchedule{TenantID: "t", Cards: map[string]*RateCard{"card": card}, Default: card}
}

func TestCentsOfRounding(t *testing.T) {
	for _, tc := range []struct {
		num   int64
		price Micros
		den   int64
		want  string
	}{
		{1, 5000, 1, "0.01"},        // exactly half a cent: away from zero
		{1, 4999, 1, "0.00"},        // just under half
		{1, -5000, 1, "-0.01"},      // negative half: away from zero
		{3600, 12000, 3600, "0.01"}, // 0.012 → 0.01
		{3600 * 5, 12000, 3600, "0.06"},
		{7, 15000, 2, "0.05"}, // 0.0525 → 0.05
		{1, 25_000, 1, "0.03"},
	} {
		if got := CentsOf(tc.num, tc.price, tc.den).Decimal(2); got != tc.want {
			t.Errorf("CentsOf(%d, %d, %d) = %s, want %s", tc.num, tc.price, tc.den, got, tc.want)
		}
	}
}

func TestQuoteShapeTable(t *testing.T) {
	e := &EffectivePrices{Currency: "EUR", Prices: Prices{VCPUHour: 12000, MemoryGiBHour: 6000, DiskGiBMonth: map[string]Micros{"standard": 219000, "ssd": 438000}, LicenceHour: map[string]Micros{"win": 25000}},
		Multipliers: map[string]Factor{"berlin": 1_100_000}}
	for _, tc := range []struct {
		name    string
		shape   MachineShape
		loc     string
		class   string
		bp      int
		hourly  string
		stopped string
	}{
		{"small", MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20}, "", "", 0, "0.0420 EUR/h", "0.0060 EUR/h"},
		{"half GiB memory", MachineShape{VCPUs: 1, MemoryMiB: 512, DiskGiB: 0}, "", "", 0, "0.0150 EUR/h", "0.0000 EUR/h"},
		{"ssd", MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20}, "", "ssd", 0, "0.0480 EUR/h", "0.0120 EUR/h"},
		{"berlin +10 %", MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20}, "berlin", "", 0, "0.0462 EUR/h", "0.0066 EUR/h"},
		{"licence", MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20, ImageID: "win"}, "", "", 0, "0.0670 EUR/h", "0.0060 EUR/h"},
		{"free image", MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20, ImageID: "debian"}, "", "", 0, "0.0420 EUR/h", "0.0060 EUR/h"},
		{"25 % off", MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20}, "", "", 2500, "0.0315 EUR/h", "0.0045 EUR/h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.DiscountBP = tc.bp
			q := QuoteShape(e, tc.loc, tc.shape, tc.class)
			if got := HourlyString(q.Hourly); got != tc.hourly {
				t.Errorf("hourly %s, want %s", got, tc.hourly)
			}
			if got := HourlyString(q.Stopped); got != tc.stopped {
				t.Errorf("stopped %s, want %s", got, tc.stopped)
			}
		})
	}
}

func TestOverridesApply(t *testing.T) {
	p := Prices{VCPUHour: 10, MemoryGiBHour: 20, DiskGiBMonth: map[string]Micros{"standard": 30, "ssd": 40}}
	v := Micros(5)
	got := Overrides{VCPUHour: &v, DiskGiBMonth: map[string]Micros{"ssd": 1}}.Apply(p)
	if got.VCPUHour != 5 || got.MemoryGiBHour != 20 || got.Disk("") != 30 || got.Disk("ssd") != 1 {
		t.Errorf("applied = %+v", got)
	}
	if p.DiskGiBMonth["ssd"] != 40 {
		t.Error("Apply changed the card's prices")
	}
}

// A price change in the middle of the month splits a running machine's
// usage exactly at the change; the month close splits at month ends in the
// provider's zone.
func TestRateSplitsAtPriceChangeAndMonthEnd(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	sc := testSchedule()
	start, end := MonthBounds(time.Date(2026, 10, 20, 0, 0, 0, 0, berlin), berlin)
	if start.UTC() != time.Date(2026, 9, 30, 22, 0, 0, 0, time.UTC) || end.UTC() != time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC) {
		t.Fatalf("October in Berlin = %v – %v", start.UTC(), end.UTC())
	}
	iv := UsageInterval{ResourceID: "r", Running: true, VCPUs: 1, Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}
	lines := RateIntervals([]UsageInterval{iv}, sc.Periods(start, end), end)
	got := map[Micros]string{}
	for _, l := range lines {
		if l.Unit == UnitVCPUHour {
			got[l.UnitPrice] = l.Quantity(4)
		}
	}
	// 30 Sep 22:00 UTC → 15 Oct 12:30 UTC = 14 d 14.5 h = 350.5 h; the rest of the 745 h (DST) month = 394.5 h.
	if got[12000] != "350.5000" || got[24000] != "394.5000" {
		t.Errorf("vCPU-hours by price = %v", got)
	}
	if fee := FeeLine(sc.Periods(start, end)); fee == nil || fee.Amount != 5_000_000 {
		t.Errorf("fee = %+v", fee)
	}
}

func randInterval(r *rand.Rand, base time.Time) UsageInterval {
	s := base.Add(time.Duration(r.Int63n(90*24*3600)) * time.Second)
	e := s.Add(time.Duration(r.Int63n(60*24*3600)) * time.Second)
	return UsageInterval{ResourceID: "r", Running: r.Intn(3) > 0, VCPUs: r.Intn(64), MemoryMiB: r.Intn(256 * 1024), DiskGiB: r.Intn(2000),
		PublicIPs: r.Intn(3), Start: s, End: e, LocationID: []string{"", "berlin"}[r.Intn(2)]}
}

func qty(lines []Line) map[Unit]*big.Rat {
	out := map[Unit]*big.Rat{}
	for _, l := range lines {
		if out[l.Unit] == nil {
			out[l.Unit] = new(big.Rat)
		}
		out[l.Unit].Add(out[l.Unit], big.NewRat(l.QtyNum, l.QtyDen))
	}
	return out
}

// Properties, over random intervals and random cut points: splitting a
// range anywhere conserves every quantity exactly; each line's amount is
// whole cents within half a cent of the exact product; a split costs at most
// one cent per line more or less; the discount lies between 0 and the
// subtotal and totals add up.
func TestRatingProperties(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	sc := testSchedule()
	sc.Cards["card"].Versions[1].Multipliers = map[string]Factor{"berlin": 1_333_333}
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 500; i++ {
		ivs := []UsageInterval{randInterval(r, base), randInterval(r, base)}
		ivs[1].Start = ivs[0].End // the next state of the same resource
		from := base.Add(time.Duration(r.Int63n(60*24*3600)) * time.Second)
		to := from.Add(time.Duration(1+r.Int63n(60*24*3600)) * time.Second)
		mid := from.Add(time.Duration(r.Int63n(int64(to.Sub(from)/time.Second))) * time.Second)
		open := to.Add(time.Hour)
		whole := RateIntervals(ivs, sc.Periods(from, to), open)
		left := RateIntervals(ivs, sc.Periods(from, mid), open)
		right := RateIntervals(ivs, sc.Periods(mid, to), open)
		qw, qs := qty(whole), qty(append(left, right...))
		for u, q := range qw {
			if qs[u] == nil || q.Cmp(qs[u]) != 0 {
				t.Fatalf("case %d: %s whole %v ≠ split %v", i, u, q, qs[u])
			}
		}
		for _, l := range whole {
			if l.Amount%10_000 != 0 {
				t.Fatalf("amount %d is not whole cents", l.Amount)
			}
			exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(l.QtyNum), big.NewInt(int64(l.UnitPrice))), big.NewInt(l.QtyDen))
			diff := new(big.Rat).Sub(exact, new(big.Rat).SetInt64(int64(l.Amount)))
			if diff.Abs(diff).Cmp(big.NewRat(5000, 1)) > 0 {
				t.Fatalf("amount %d is %v from exact %v", l.Amount, diff, exact)
			}
		}
		tw, ts := Sum(whole), Sum(append(left, right...))
		if d := tw.Subtotal - ts.Subtotal; d < -Micros(10_000*len(right)+10_000*len(left)) || d > Micros(10_000*(len(left)+len(right))) {
			t.Fatalf("case %d: split changes subtotal by %d", i, d)
		}
		bp := r.Intn(10001)
		for j := range whole {
			whole[j].DiscountBP = bp
		}
		tot := Sum(whole)
		if tot.Discount < 0 || tot.Discount > tot.Subtotal || tot.Total != tot.Subtotal-tot.Discount || tot.Discount%10_000 != 0 {
			t.Fatalf("totals %+v at %d bp", tot, bp)
		}
	}
}

// A stopped machine pays its disk only; a running one vCPU, memory, disk,
// address and licence.
func TestStoppedPaysDiskOnly(t *testing.T) {
	sc := testSchedule()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	iv := UsageInterval{ResourceID: "r", VCPUs: 4, MemoryMiB: 8192, DiskGiB: 73, Start: from, End: from.Add(10 * time.Hour)}
	lines := RateIntervals([]UsageInterval{iv}, sc.Periods(from, from.AddDate(0, 1, 0)), from)
	if len(lines) != 1 || lines[0].Unit != UnitGiBMonth || lines[0].Quantity(6) != "1.000000" {
		t.Fatalf("stopped lines = %+v", lines)
	}
	iv.Running = true
	lines = RateIntervals([]UsageInterval{iv}, sc.Periods(from, from.AddDate(0, 1, 0)), from)
	if len(lines) != 3 {
		t.Fatalf("running lines = %+v", lines)
	}
}

func TestParsePercentAndFactor(t *testing.T) {
	for in, want := range map[string]int{"10": 1000, "12.5": 1250, "0": 0, "": 0, "100": 10000, "7.25%": 725} {
		if got, err := ParsePercentBP(in); err != nil || got != want {
			t.Errorf("ParsePercentBP(%q) = %d, %v", in, got, err)
		}
	}
	if _, err := ParsePercentBP("1.255"); err == nil {
		t.Error("three decimals accepted")
	}
	if f, _ := ParseFactor("1.15"); f.String() != "1.15" {
		t.Errorf("factor = %s", f)
	}
	if PercentString(1250) != "12.5" || PercentString(1000) != "10" {
		t.Error("PercentString")
	}
}

func TestChangeKindFor(t *testing.T) {
	for op, want := range map[OperationKind]StateChangeKind{OpCreate: ChangeCreated, OpStart: ChangeStarted, OpStop: ChangeStopped, OpPowerOff: ChangeStopped, OpResize: ChangeResized, OpDelete: ChangeDeleted, OpReboot: ""} {
		got, ok := ChangeKindFor(op)
		if got != want || ok != (want != "") {
			t.Errorf("%s → %q %v", op, got, ok)
		}
	}
}
