package postgres

import (
	"context"
	"strconv"
	"strings"

	"tessera/domain"
)

// AuditService implements domain.AuditService.
type AuditService struct{ db *DB }

var _ domain.AuditService = (*AuditService)(nil)

// NewAuditService returns an AuditService over db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

func (s *AuditService) RecordAudit(ctx context.Context, e *domain.AuditEvent) error {
	err := s.db.Pool.QueryRow(ctx, `INSERT INTO audit_events (tenant_id, user_id, actor, action, target, address, result, detail)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id, at`,
		nullID(e.TenantID), nullID(e.UserID), e.Actor, e.Action, e.Target, e.Address, e.Result, e.Detail).Scan(&e.ID, &e.At)
	return translate(err, "")
}

func (s *AuditService) FindAuditEvents(ctx context.Context, f domain.AuditFilter) ([]*domain.AuditEvent, string, error) {
	if err := domain.RequireTenant(f.TenantID); err != nil {
		return nil, "", err
	}
	if !domain.IsID(f.TenantID) {
		return nil, "", nil
	}
	return s.findAuditEvents(ctx, []string{"tenant_id = $1"}, []any{f.TenantID}, f)
}

func (s *AuditService) FindAllAuditEvents(ctx context.Context, f domain.AuditFilter) ([]*domain.AuditEvent, string, error) {
	return s.findAuditEvents(ctx, nil, nil, f)
}

// findAuditEvents pages through the events that where (with its arguments)
// selects.
func (s *AuditService) findAuditEvents(ctx context.Context, where []string, args []any, f domain.AuditFilter) ([]*domain.AuditEvent, string, error) {
	limit := domain.ClampLimit(f.Limit)
	if f.Cursor != "" {
		id, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil {
			return nil, "", domain.Invalid(map[string]string{"cursor": "The cursor is not valid; start again from the first page."})
		}
		args = append(args, id)
		where = append(where, "id < $"+itoa(len(args)))
	}
	q := `SELECT id, at, coalesce(tenant_id::text,''), coalesce(user_id::text,''), actor, action, target, address, result, detail FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit+1)
	rows, err := s.db.Pool.Query(ctx, q+" ORDER BY id DESC LIMIT $"+itoa(len(args)), args...)
	if err != nil {
		return nil, "", domain.Internal(err)
	}
	defer rows.Close()
	var out []*domain.AuditEvent
	for rows.Next() {
		var e domain.AuditEvent
		if err := rows.Scan(&e.ID, &e.At, &e.TenantID, &e.UserID, &e.Actor, &e.Action, &e.Target, &e.Address, &e.Result, &e.Detail); err != nil {
			return nil, "", domain.Internal(err)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", domain.Internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(out[limit-1].ID, 10)
	}
	return out, next, nil
}
