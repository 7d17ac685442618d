package views

import (
	"strconv"
	"strings"
	"time"
)

func statusText(code int) string { return strconv.Itoa(code) }

// When formats a time for tables: date and minutes in UTC.
func When(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// WhenPtr formats an optional time; nil is "never".
func WhenPtr(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return When(*t)
}

// joinNames lists names as "Berlin, Frankfurt and Zurich".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
