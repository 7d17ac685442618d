package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// TokenService implements domain.TokenService. Tokens are 32 random bytes;
// only their SHA-256 is stored.
type TokenService struct{ db *DB }

var _ domain.TokenService = (*TokenService)(nil)

// NewTokenService returns a TokenService over db.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db} }

func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func (s *TokenService) CreateToken(ctx context.Context, t *domain.APIToken) (string, error) {
	if err := domain.RequireTenant(t.TenantID); err != nil {
		return "", err
	}
	t.Name = strings.TrimSpace(t.Name)
	if msg := domain.ValidateTokenName(t.Name); msg != "" {
		return "", domain.Invalid(map[string]string{"name": msg})
	}
	if !domain.IsID(t.TenantID) || !domain.IsID(t.UserID) {
		return "", domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret := domain.TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	t.ID = domain.NewID()
	t.Prefix = secret[:len(domain.TokenPrefix)+6]
	t.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	tag, err := s.db.Pool.Exec(ctx, `INSERT INTO api_tokens (id, tenant_id, user_id, name, prefix, hash, created_at)
		SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM users WHERE id = $3 AND tenant_id = $2)`,
		t.ID, t.TenantID, t.UserID, t.Name, t.Prefix, hashToken(secret), t.CreatedAt)
	if err != nil {
		return "", domain.Internal(err)
	}
	if tag.RowsAffected() == 0 {
		return "", domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	return secret, nil
}

const tokenCols = `id, tenant_id, user_id, name, prefix, created_at, last_used_at`

func scanToken(row pgx.Row) (*domain.APIToken, error) {
	var t domain.APIToken
	err := row.Scan(&t.ID, &t.TenantID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt)
	return &t, err
}

func (s *TokenService) FindTokens(ctx context.Context, tenantID, userID string) ([]*domain.APIToken, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(userID) {
		return nil, nil
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC LIMIT 200`, tenantID, userID)
	return collect(rows, err, scanToken)
}

func (s *TokenService) RevokeToken(ctx context.Context, tenantID, userID, id string) (*domain.APIToken, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(userID) || !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Token not found.")
	}
	t, err := scanToken(s.db.Pool.QueryRow(ctx, `DELETE FROM api_tokens WHERE tenant_id = $1 AND user_id = $2 AND id = $3 RETURNING `+tokenCols, tenantID, userID, id))
	return t, translate(err, "Token not found.")
}

func (s *TokenService) AuthenticateToken(ctx context.Context, secret string) (*domain.APIToken, error) {
	bad := domain.Errorf(domain.EUNAUTHORIZED, "The API token is not valid. Create a token under Settings → API tokens and send it as 'Authorization: Bearer <token>'.")
	if !strings.HasPrefix(secret, domain.TokenPrefix) || len(secret) > 100 {
		return nil, bad
	}
	// Note the use, at most once a minute per token to spare writes.
	t, err := scanToken(s.db.Pool.QueryRow(ctx, `WITH tok AS (SELECT `+tokenCols+` FROM api_tokens WHERE hash = $1),
		upd AS (UPDATE api_tokens SET last_used_at = now() WHERE id = (SELECT id FROM tok) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
		SELECT `+tokenCols+` FROM tok`, hashToken(secret)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bad
	}
	return t, translate(err, "")
}
