// Package postgres stores manage's data in PostgreSQL through pgx. Every query
// that reads tenant data takes the tenant id as an explicit parameter.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"tessera/adapters/pgopen"
	"tessera/domain"
	"tessera/migrations"
)

// DefaultURL is used when no database is configured.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/tessera?sslmode=disable"

// DB is manage's database.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects to url, creating the database if it does not exist, and
// checks that the server answers. It does not migrate.
func Open(ctx context.Context, dbURL string) (*DB, error) {
	pool, err := pgopen.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	return &DB{Pool: pool}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

func (db *DB) goose() (*goose.Provider, func(), error) {
	sqlDB := stdlib.OpenDBFromPool(db.Pool)
	// Each feature area owns a range of numbers and its migrations are
	// independent of the other areas', so a database may apply a lower
	// number that landed later (out of order) safely.
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithAllowOutofOrder(true))
	if err != nil {
		sqlDB.Close()
		return nil, nil, err
	}
	return p, func() { sqlDB.Close() }, nil
}

// Migrate applies all pending migrations.
func (db *DB) Migrate(ctx context.Context) error {
	p, done, err := db.goose()
	if err != nil {
		return err
	}
	defer done()
	res, err := p.Up(ctx)
	for _, r := range res {
		slog.Info("applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return err
}

// MigrateDown rolls back the newest migration.
func (db *DB) MigrateDown(ctx context.Context) error {
	p, done, err := db.goose()
	if err != nil {
		return err
	}
	defer done()
	r, err := p.Down(ctx)
	if r != nil {
		slog.Info("rolled back migration", "version", r.Source.Version, "file", r.Source.Path)
	}
	return err
}

// MigrationStatus describes each migration and whether it is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]string, error) {
	p, done, err := db.goose()
	if err != nil {
		return nil, err
	}
	defer done()
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range st {
		at := "pending"
		if s.State == goose.StateApplied {
			at = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
		}
		out = append(out, fmt.Sprintf("%05d  %-40s %s", s.Source.Version, s.Source.Path, at))
	}
	return out, nil
}

// Ping reports whether the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// translate turns pgx errors into domain errors.
func translate(err error, notFound string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "%s", notFound)
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return domain.Internal(err)
}

// isUniqueViolation reports whether err is a unique_violation on constraint
// (any constraint if "").
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// InTx runs fn in a transaction, committing if fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.Pool, fn)
}
