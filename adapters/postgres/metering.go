package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// MeterService implements domain.Meter: each change in its own transaction.
type MeterService struct{ db *DB }

var _ domain.Meter = (*MeterService)(nil)

// NewMeterService returns a MeterService over db.
func NewMeterService(db *DB) *MeterService { return &MeterService{db: db} }

func (s *MeterService) RecordStateChange(ctx context.Context, e domain.StateChange) (bool, error) {
	var recorded bool
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		recorded, err = RecordStateChange(ctx, tx, e)
		return err
	})
	return recorded, err
}

// RecordStateChange meters e inside tx, the transaction that changes the
// resource's state, so both commit or neither does. It closes the resource's
// open usage interval at e.At and opens the next one (none after deleted).
// A change whose EventKey was recorded before does nothing and returns false.
// Changes of one resource must be recorded in time order (the caller holds
// the resource's row lock); a change dated before the open interval's start
// is counted at that start.
func RecordStateChange(ctx context.Context, tx pgx.Tx, e domain.StateChange) (bool, error) {
	if err := e.Validate(); err != nil {
		return false, err
	}
	at := e.At.UTC().Truncate(time.Second)
	tag, err := tx.Exec(ctx, `INSERT INTO usage_events (event_key, tenant_id, resource_id, kind, at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (event_key) DO NOTHING`,
		e.EventKey, e.TenantID, e.ResourceID, string(e.Kind), at)
	if err != nil {
		return false, translate(err, "")
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	var openID int64
	var openTenant string
	var running bool
	var openStart time.Time
	err = tx.QueryRow(ctx, `SELECT id, tenant_id, running, started_at FROM usage_intervals WHERE resource_id = $1 AND ended_at IS NULL FOR UPDATE`, e.ResourceID).Scan(&openID, &openTenant, &running, &openStart)
	switch {
	case err == pgx.ErrNoRows:
		openID, running = 0, true
	case err != nil:
		return false, translate(err, "")
	case openTenant != e.TenantID:
		return false, domain.Errorf(domain.ENOTFOUND, "Resource not found.")
	}
	if openID != 0 {
		if at.Before(openStart) {
			at = openStart // out of order: never overlap the interval before
		}
		if _, err := tx.Exec(ctx, `UPDATE usage_intervals SET ended_at = $2 WHERE id = $1`, openID, at); err != nil {
			return false, translate(err, "")
		}
	}
	switch e.Kind {
	case domain.ChangeDeleted:
		return true, nil
	case domain.ChangeCreated, domain.ChangeStarted:
		running = true
	case domain.ChangeStopped:
		running = false
	}
	var loc any
	if e.LocationID != "" {
		loc = e.LocationID
	}
	_, err = tx.Exec(ctx, `INSERT INTO usage_intervals (tenant_id, resource_id, resource_type, resource_name, running, started_at, vcpus, memory_mib, disk_gib, storage_class, public_ips, location_id, image)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		e.TenantID, e.ResourceID, e.ResourceType, e.ResourceName, running, at, e.Shape.VCPUs, e.Shape.MemoryMiB, e.Shape.DiskGiB, e.StorageClass, e.PublicIPs, loc, e.Shape.ImageID)
	return true, translate(err, "")
}

const intervalCols = `tenant_id, resource_id, resource_type, resource_name, running, started_at, ended_at, vcpus, memory_mib, disk_gib, storage_class, public_ips, coalesce(location_id::text, ''), image`

func scanInterval(row pgx.Row, iv *domain.UsageInterval) error {
	var end *time.Time
	if err := row.Scan(&iv.TenantID, &iv.ResourceID, &iv.ResourceType, &iv.ResourceName, &iv.Running, &iv.Start, &end,
		&iv.VCPUs, &iv.MemoryMiB, &iv.DiskGiB, &iv.StorageClass, &iv.PublicIPs, &iv.LocationID, &iv.Image); err != nil {
		return err
	}
	iv.End = time.Time{}
	if end != nil {
		iv.End = *end
	}
	return nil
}

// findIntervals returns the tenant's intervals that overlap [from, to).
func findIntervals(ctx context.Context, q querier, tenantID string, from, to time.Time) ([]domain.UsageInterval, error) {
	rows, err := q.Query(ctx, `SELECT `+intervalCols+` FROM usage_intervals
		WHERE tenant_id = $1 AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2) ORDER BY resource_id, started_at`, tenantID, from, to)
	if err != nil {
		return nil, domain.Internal(err)
	}
	defer rows.Close()
	var out []domain.UsageInterval
	for rows.Next() {
		var iv domain.UsageInterval
		if err := scanInterval(rows, &iv); err != nil {
			return nil, domain.Internal(err)
		}
		out = append(out, iv)
	}
	if err := rows.Err(); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}
