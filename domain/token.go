package domain

import (
	"context"
	"strings"
	"time"
)

// APIToken is a user's named credential for the user API. Only its SHA-256
// hash is stored; the token itself is shown once.
type APIToken struct {
	ID         string
	TenantID   string
	UserID     string
	Name       string
	Prefix     string // first characters, to recognise it in the list
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// TokenPrefix starts every user API token, so leaked tokens are recognisable.
const TokenPrefix = "tsr_"

// ValidateTokenName returns the message for the name field, "" if fine.
func ValidateTokenName(name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "Enter a name that says what the token is for, e.g. ci-deploy."
	case len(name) > 60:
		return "Name may be at most 60 characters."
	}
	return ""
}

// TokenService stores API tokens. Methods that take a tenant id fail
// EINTERNAL without one (RequireTenant); AuthenticateToken finds the token by
// its secret alone, which names its tenant.
type TokenService interface {
	// CreateToken returns the new token's secret (shown once). EINVALID.
	CreateToken(ctx context.Context, t *APIToken) (string, error)
	// FindTokens lists a user's tokens, newest first.
	FindTokens(ctx context.Context, tenantID, userID string) ([]*APIToken, error)
	// RevokeToken deletes one of the user's tokens. ENOTFOUND.
	RevokeToken(ctx context.Context, tenantID, userID, id string) (*APIToken, error)
	// AuthenticateToken finds the token's owner and notes the use.
	// EUNAUTHORIZED for unknown tokens.
	AuthenticateToken(ctx context.Context, secret string) (*APIToken, error)
}
