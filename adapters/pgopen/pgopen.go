// Package pgopen opens a PostgreSQL pool the way both modules want it:
// the database is created when it does not exist yet, the server is asked
// once before anything else, and failures say what to do. manage
// (adapters/postgres) and connect (connect/store) each migrate their own
// schema on top; this package knows neither.
package pgopen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Open connects to dbURL, creating the database if it does not exist, and
// checks that the server answers. It does not migrate.
func Open(ctx context.Context, dbURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("database URL is not valid (expected postgres://user@host:port/dbname): %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	err = pool.Ping(ctx)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // invalid_catalog_name
		pool.Close()
		if err := CreateDatabase(ctx, dbURL); err != nil {
			return nil, err
		}
		if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return nil, err
		}
		err = pool.Ping(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, unreachable(dbURL, err)
	}
	return pool, nil
}

// CreateDatabase creates the database named in dbURL, connecting to the
// server's "postgres" database to do so. An existing database is fine.
func CreateDatabase(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return fmt.Errorf("database URL names no database")
	}
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return unreachable(dbURL, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err == nil {
		slog.Info("created database", "database", name)
	}
	return err
}

func unreachable(dbURL string, err error) error {
	return fmt.Errorf("cannot reach PostgreSQL at %s: %w; start PostgreSQL or set --database-url / TESSERA_DATABASE_URL", Redact(dbURL), err)
}

// Redact drops the password from a URL for messages and logs.
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
