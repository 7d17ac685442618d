package domain

import "testing"

func TestMicrosDecimal(t *testing.T) {
	for _, tc := range []struct {
		m      Micros
		places int
		want   string
	}{
		{42000, 4, "0.0420"},
		{4200, 4, "0.0042"},
		{12345678, 2, "12.35"},
		{12344999, 2, "12.34"},
		{-12345678, 2, "-12.35"},
		{5000, 2, "0.01"},
		{4999, 2, "0.00"},
		{1, 6, "0.000001"},
		{3_000_000, 0, "3"},
	} {
		if got := tc.m.Decimal(tc.places); got != tc.want {
			t.Errorf("Micros(%d).Decimal(%d) = %q, want %q", tc.m, tc.places, got, tc.want)
		}
	}
}

func TestParseMicros(t *testing.T) {
	for in, want := range map[string]Micros{"0.0042": 4200, "12": 12_000_000, "1.5": 1_500_000, "-0.000001": -1} {
		if got, err := ParseMicros(in); err != nil || got != want {
			t.Errorf("ParseMicros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "1.2345678", "1,5", "1.2.3", "."} {
		if _, err := ParseMicros(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseMicros(%q) error = %v, want EINVALID", in, err)
		}
	}
}
