// Package pgtestdb gives a test an empty database of its own on the real
// PostgreSQL server, dropped when the test ends. manage's pgtest and
// connect's connecttest migrate their own schema into it.
package pgtestdb

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// ServerURL is the server tests create databases on:
// TESSERA_TEST_DATABASE_URL, else PostgreSQL on 127.0.0.1:5432.
func ServerURL() string {
	if u := os.Getenv("TESSERA_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// New creates an empty database named prefix + a random suffix and returns
// its URL; it is dropped (with any connections left) when tb ends.
func New(tb testing.TB, prefix string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		tb.Fatalf("PostgreSQL is needed for this test (set TESSERA_TEST_DATABASE_URL): %v", err)
	}
	defer admin.Close(ctx)
	name := prefix + strings.ReplaceAll(domain.NewID()[:18], "-", "")
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
