package connecttest

import (
	"testing"

	"tessera/adapters/pgopen/pgtestdb"
)

// NewDatabase creates an empty database for a site and returns its URL; it
// is dropped when tb ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return pgtestdb.New(tb, "tessera_test_connect_")
}
