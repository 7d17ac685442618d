package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"tessera/adapters/pgopen"
	"tessera/connect/migrations"
)

// Store is connect's database.
type Store struct {
	Pool *pgxpool.Pool
}

// Open connects to dbURL, creating the database if it does not exist. A
// search_path parameter in the URL (…?search_path=connect_berlin) puts
// connect's tables and River's in that schema, created if missing; the demo
// uses this to keep its sites inside manage's database.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("database URL is not valid (expected postgres://user@host:port/dbname): %w", err)
	}
	pool, err := pgopen.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if schema := cfg.ConnConfig.RuntimeParams["search_path"]; schema != "" {
		if !schemaRe.MatchString(schema) {
			pool.Close()
			return nil, fmt.Errorf("search_path %q: give one schema name", schema)
		}
		if _, err := pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return &Store{Pool: pool}, nil
}

var schemaRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Close closes the pool.
func (s *Store) Close() { s.Pool.Close() }

// gooseTable is where connect's goose records its versions: a name of its
// own, so a connect schema inside manage's database (the demo) never mixes
// its versions with manage's goose_db_version.
const gooseTable = "connect_goose_db_version"

// migrateLockID serialises concurrent start-ups of several connect
// processes on one database (the value the schema statements used before).
const migrateLockID = 7346520011

// Migrate brings River's tables (through rivermigrate) and connect's own
// tables (through connect's goose migrations) up to date.
func (s *Store) Migrate(ctx context.Context) error {
	// Both commands read TESSERA_DATABASE_URL; refuse manage's database so a
	// shared environment cannot mix the two.
	var manage bool
	if err := s.Pool.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL AND to_regclass('tenants') IS NOT NULL`).Scan(&manage); err != nil {
		return err
	}
	if manage {
		return errors.New("this database is manage's (it has manage's tables): connect needs a database of its own, e.g. …/tessera_connect")
	}
	m, err := rivermigrate.New(riverpgxv5.New(s.Pool), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrateLockID))
	if err != nil {
		return err
	}
	sqlDB := stdlib.OpenDBFromPool(s.Pool)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS,
		goose.WithTableName(gooseTable), goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	for _, r := range res {
		slog.Info("applied connect migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("connect migrations: %w", err)
	}
	return nil
}
