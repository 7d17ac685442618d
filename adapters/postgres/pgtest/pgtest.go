// Package pgtest gives each test its own real PostgreSQL database, created
// from TESSERA_TEST_DATABASE_URL (default: postgres on 127.0.0.1:5432) and
// dropped when the test ends.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/adapters/postgres"
	"tessera/domain"
)

// ServerURL is the server tests create databases on.
func ServerURL() string {
	if u := os.Getenv("TESSERA_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewDatabase creates an empty database and returns its URL; it is dropped
// when tb ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		tb.Fatalf("PostgreSQL is needed for this test (set TESSERA_TEST_DATABASE_URL): %v", err)
	}
	defer admin.Close(ctx)
	name := "tessera_test_" + strings.ReplaceAll(domain.NewID()[:18], "-", "")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			tb.Logf("drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(ServerURL())
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
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
