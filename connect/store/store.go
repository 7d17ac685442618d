// Package store keeps connect's own state in PostgreSQL: the manage
// instances it serves (with hashed tokens), their operations and machines,
// and the site's last inventory. It uses connect's own database, never
// manage's; River's tables live in the same database (see Migrate).
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"tessera/adapters/postgres"
	"tessera/connect/hypervisor"
	"tessera/domain"
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
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if schema := db.Pool.Config().ConnConfig.RuntimeParams["search_path"]; schema != "" {
		if !schemaRe.MatchString(schema) {
			db.Close()
			return nil, fmt.Errorf("search_path %q: give one schema name", schema)
		}
		if _, err := db.Pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			db.Close()
			return nil, err
		}
	}
	return &Store{Pool: db.Pool}, nil
}

var schemaRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Close closes the pool.
func (s *Store) Close() { s.Pool.Close() }

const schema = `
CREATE TABLE IF NOT EXISTS connect_manage_instances (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS connect_machines (
    machine_id  text PRIMARY KEY,
    manage_id   uuid NOT NULL REFERENCES connect_manage_instances (id) ON DELETE CASCADE,
    spec        jsonb NOT NULL,
    vm_name     text NOT NULL DEFAULT '',
    power       text NOT NULL DEFAULT 'pending',
    vcpus       integer NOT NULL DEFAULT 0,
    memory_mib  integer NOT NULL DEFAULT 0,
    disk_gib    integer NOT NULL DEFAULT 0,
    host        text NOT NULL DEFAULT '',
    addresses   text[] NOT NULL DEFAULT '{}',
    observed_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS connect_machines_manage_idx ON connect_machines (manage_id, machine_id);
CREATE TABLE IF NOT EXISTS connect_operations (
    id           uuid PRIMARY KEY,
    manage_id    uuid NOT NULL REFERENCES connect_manage_instances (id) ON DELETE CASCADE,
    idem_key     text NOT NULL,
    kind         text NOT NULL,
    machine_id   text NOT NULL,
    spec         jsonb,
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    error        text NOT NULL DEFAULT '',
    attempts     integer NOT NULL DEFAULT 0,
    lease_owner  text,
    heartbeat_at timestamptz,
    river_job_id bigint,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at   timestamptz,
    finished_at  timestamptz,
    UNIQUE (manage_id, idem_key)
);
CREATE INDEX IF NOT EXISTS connect_operations_machine_idx ON connect_operations (machine_id, created_at) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS connect_operations_lease_idx ON connect_operations (heartbeat_at) WHERE state = 'running';
CREATE TABLE IF NOT EXISTS connect_site (
    id         integer PRIMARY KEY CHECK (id = 1),
    inventory  jsonb NOT NULL,
    last_sync  timestamptz NOT NULL,
    last_error text NOT NULL DEFAULT ''
);
`

// Migrate brings River's tables (through rivermigrate) and connect's own
// tables up to date. Connect's tables are created idempotently; they are
// not part of manage's goose migrations.
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
	// Serialise concurrent start-ups of several connect processes.
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7346520011)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, schema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, storageSchema)
		return err
	})
}

// ManageInstance is a manage instance that may use this site.
type ManageInstance struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// tokenPrefix marks connect tokens so they are recognisable in a leak scan.
const tokenPrefix = "tsc_"

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateManageInstance registers a manage instance and returns its token,
// which is shown once and stored only as a SHA-256 hash (the token has 256
// bits of entropy, so a fast hash is enough). EINVALID, ECONFLICT.
func (s *Store) CreateManageInstance(ctx context.Context, name string) (*ManageInstance, string, error) {
	name = strings.TrimSpace(name)
	if !nameRe.MatchString(name) {
		return nil, "", domain.Invalid(map[string]string{"name": "Name the manage instance with letters, digits, '.', '_' or '-' (at most 63)."})
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	mi := &ManageInstance{ID: domain.NewID(), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	_, err := s.Pool.Exec(ctx, `INSERT INTO connect_manage_instances (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)`, mi.ID, mi.Name, hashToken(token), mi.CreatedAt)
	if isUnique(err) {
		return nil, "", &domain.Error{Code: domain.ECONFLICT, Message: "A manage instance with this name exists already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	if err != nil {
		return nil, "", domain.Internal(err)
	}
	return mi, token, nil
}

// ManageInstances lists the registered manage instances by name.
func (s *Store) ManageInstances(ctx context.Context) ([]*ManageInstance, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, name, created_at FROM connect_manage_instances ORDER BY name`)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ManageInstance, error) {
		var m ManageInstance
		return &m, r.Scan(&m.ID, &m.Name, &m.CreatedAt)
	})
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// Authenticate returns the manage instance of token. EUNAUTHORIZED.
func (s *Store) Authenticate(ctx context.Context, token string) (*ManageInstance, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "A valid manage token is required.")
	}
	h := hashToken(token)
	var m ManageInstance
	var stored []byte
	err := s.Pool.QueryRow(ctx, `SELECT id, name, created_at, token_hash FROM connect_manage_instances WHERE token_hash = $1`, h).Scan(&m.ID, &m.Name, &m.CreatedAt, &stored)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && subtle.ConstantTimeCompare(stored, h) != 1 {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "A valid manage token is required.")
	}
	if err != nil {
		return nil, domain.Internal(err)
	}
	return &m, nil
}

func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// SiteSnapshot is the site's last inventory sync.
type SiteSnapshot struct {
	Inventory *hypervisor.Inventory
	LastSync  time.Time
	LastError string
}

// SaveSnapshot stores the inventory of a successful sync.
func (s *Store) SaveSnapshot(ctx context.Context, inv *hypervisor.Inventory, at time.Time) error {
	b, err := json.Marshal(inv)
	if err != nil {
		return domain.Internal(err)
	}
	_, err = s.Pool.Exec(ctx, `INSERT INTO connect_site (id, inventory, last_sync, last_error) VALUES (1, $1, $2, '')
		ON CONFLICT (id) DO UPDATE SET inventory = $1, last_sync = $2, last_error = ''`, b, at)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// SaveSyncError records why the last sync failed (the inventory stays).
func (s *Store) SaveSyncError(ctx context.Context, msg string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_site SET last_error = $1 WHERE id = 1`, msg)
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// Snapshot returns the last sync. ENOTFOUND before the first one.
func (s *Store) Snapshot(ctx context.Context) (*SiteSnapshot, error) {
	var snap SiteSnapshot
	var raw []byte
	err := s.Pool.QueryRow(ctx, `SELECT inventory, last_sync, last_error FROM connect_site WHERE id = 1`).Scan(&raw, &snap.LastSync, &snap.LastError)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, domain.Errorf(domain.ENOTFOUND, "The site has not synced its inventory yet.")
	}
	if err != nil {
		return nil, domain.Internal(err)
	}
	if err := json.Unmarshal(raw, &snap.Inventory); err != nil {
		return nil, domain.Internal(err)
	}
	return &snap, nil
}

// EnsureManageInstance registers name with a given token, or updates its
// token (used by the demo, whose tokens derive from its fixed secret).
func (s *Store) EnsureManageInstance(ctx context.Context, name, token string) (*ManageInstance, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) < 24 {
		return nil, domain.Errorf(domain.EINVALID, "A manage token starts with %s and is long.", tokenPrefix)
	}
	var m ManageInstance
	err := s.Pool.QueryRow(ctx, `INSERT INTO connect_manage_instances (id, name, token_hash) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash RETURNING id, name, created_at`, domain.NewID(), name, hashToken(token)).Scan(&m.ID, &m.Name, &m.CreatedAt)
	if err != nil {
		return nil, domain.Internal(err)
	}
	return &m, nil
}

// RotateToken gives an existing manage instance a new token; the old one
// stops working at once. ENOTFOUND.
func (s *Store) RotateToken(ctx context.Context, name string) (string, error) {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	tag, err := s.Pool.Exec(ctx, `UPDATE connect_manage_instances SET token_hash = $2 WHERE name = $1`, strings.TrimSpace(name), hashToken(token))
	if err != nil {
		return "", domain.Internal(err)
	}
	if tag.RowsAffected() == 0 {
		return "", domain.Errorf(domain.ENOTFOUND, "No manage instance named %q; create its token first.", name)
	}
	return token, nil
}
