package postgres

import (
	"strconv"
	"strings"
)

func itoa(i int) string { return strconv.Itoa(i) }

// likeEscape escapes LIKE wildcards so a search for "50%" finds "50%".
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
