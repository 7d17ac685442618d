// Package store keeps connect's own state in PostgreSQL: the manage
// instances it serves (with hashed tokens), their operations and machines,
// and the site's last inventory. It uses connect's own database, never
// manage's, opened and migrated here (db.go) with connect's own goose
// migrations (connect/migrations); River's tables live in the same database.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

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
