package views

import (
	"fmt"
	"strconv"
	"strings"

	"tessera/domain"
)

func itoa(i int) string { return strconv.Itoa(i) }

// GHz formats MHz as GHz with one decimal.
func GHz(mhz int64) string { return fmt.Sprintf("%.1f GHz", float64(mhz)/1000) }

// MiB formats memory in GiB (or MiB when small).
func MiB(m int64) string {
	if m < 1024 {
		return fmt.Sprintf("%d MiB", m)
	}
	return fmt.Sprintf("%.1f GiB", float64(m)/1024)
}

// GiB formats storage in GiB or TiB.
func GiB(g int64) string {
	if g >= 10240 {
		return fmt.Sprintf("%.1f TiB", float64(g)/1024)
	}
	return fmt.Sprintf("%d GiB", g)
}

func join(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func locationOptions(ls []*domain.GeoLocation) [][2]string {
	out := make([][2]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, [2]string{l.ID, l.Name + " (" + l.CountryCode + ")"})
	}
	return out
}
