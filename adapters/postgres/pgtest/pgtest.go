// Package pgtest gives each test its own real PostgreSQL database, created
// from TESSERA_TEST_DATABASE_URL (default: postgres on 127.0.0.1:5432) and
// dropped when the test ends.
package pgtest

import (
	"context"
	"fmt"
	"testing"

	"tessera/adapters/pgopen/pgtestdb"
	"tessera/adapters/postgres"
)

// NewDatabase creates an empty database and returns its URL; it is dropped
// when tb ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return pgtestdb.New(tb, "tessera_test_")
}

// MustOpen returns a migrated manage database of the test's own.
func MustOpen(tb testing.TB) *postgres.DB {
	tb.Helper()
	dbURL := NewDatabase(tb)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(fmt.Errorf("migrate: %w", err))
	}
	return db
}
