package domain

import (
	"context"
	"time"
)

// AuditEvent records one action: who, when, from which address, with which result.
type AuditEvent struct {
	ID       int64
	At       time.Time
	TenantID string // "" for provider-level actions
	UserID   string
	Actor    string // the user's login (kept even if the user is later removed)
	Action   string // e.g. "tenant.create", "machine.stop", "login"
	Target   string // what the action was about, e.g. a machine name
	Address  string
	Result   string // "ok" or the error code
	Detail   string
}

// AuditFilter selects events. FindAuditEvents requires TenantID;
// FindAllAuditEvents ignores it.
type AuditFilter struct {
	TenantID string
	Limit    int
	Cursor   string
}

// AuditService stores the audit log.
type AuditService interface {
	// RecordAudit stores e; an event without a tenant is a provider-level one.
	RecordAudit(ctx context.Context, e *AuditEvent) error
	// FindAuditEvents returns a page of f.TenantID's events, newest first.
	// EINTERNAL without a tenant id, EINVALID for a bad cursor.
	FindAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, string, error)
	// FindAllAuditEvents returns a page of every tenant's events and the
	// provider-level ones, newest first: for the provider admin only. EINVALID.
	FindAllAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, string, error)
}

// ClampLimit keeps page sizes between 1 and 200, 50 by default.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 200:
		return 200
	}
	return n
}
