package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// SnapshotService implements domain.SnapshotService.
type SnapshotService struct{ db *DB }

var _ domain.SnapshotService = (*SnapshotService)(nil)

// NewSnapshotService returns a SnapshotService over db.
func NewSnapshotService(db *DB) *SnapshotService { return &SnapshotService{db: db} }

const snapCols = `id, tenant_id, machine_id, coalesce(site_id::text, ''), name, state, coalesce(op_key, ''), created_at`

func scanSnap(row pgx.Row) (*domain.Snapshot, error) {
	var s domain.Snapshot
	var state string
	err := row.Scan(&s.ID, &s.TenantID, &s.MachineID, &s.SiteID, &s.Name, &state, &s.OpKey, &s.CreatedAt)
	s.State = domain.SnapshotState(state)
	return &s, err
}

// CreateSnapshot counts the machine's snapshots under a lock on the
// machine id, so two concurrent requests cannot pass the limit.
func (s *SnapshotService) CreateSnapshot(ctx context.Context, sn *domain.Snapshot) error {
	if err := domain.RequireTenant(sn.TenantID); err != nil {
		return err
	}
	if err := sn.Validate(); err != nil {
		return err
	}
	if !domain.IsID(sn.TenantID) || !domain.IsID(sn.MachineID) {
		return domain.Errorf(domain.ENOTFOUND, "Machine not found.")
	}
	if sn.IdemKey != "" {
		prev, err := scanSnap(s.db.Pool.QueryRow(ctx, `SELECT `+snapCols+` FROM snapshots WHERE tenant_id = $1 AND idem_key = $2`, sn.TenantID, sn.IdemKey))
		if err == nil {
			prev.IdemKey = sn.IdemKey
			*sn = *prev
			return nil
		}
		if err != pgx.ErrNoRows {
			return domain.Internal(err)
		}
	}
	sn.ID = domain.NewID()
	sn.State = domain.SnapshotCreating
	sn.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('snapshots:' || $1))`, sn.MachineID); err != nil {
			return domain.Internal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM snapshots WHERE machine_id = $1 AND state <> 'deleted'`, sn.MachineID).Scan(&n); err != nil {
			return domain.Internal(err)
		}
		if n >= domain.MaxSnapshotsPerMachine {
			return domain.Errorf(domain.ECONFLICT, "A machine keeps at most %d snapshots; delete one first.", domain.MaxSnapshotsPerMachine)
		}
		_, err := tx.Exec(ctx, `INSERT INTO snapshots (id, tenant_id, machine_id, site_id, name, state, idem_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, nullif($7, ''), $8)`,
			sn.ID, sn.TenantID, sn.MachineID, nullID(sn.SiteID), sn.Name, string(sn.State), sn.IdemKey, sn.CreatedAt)
		return err
	})
	if isUniqueViolation(err, "snapshots_idem_idx") { // a concurrent request with the same key won
		sn.ID = ""
		return s.CreateSnapshot(ctx, sn)
	}
	return translate(err, "")
}

func (s *SnapshotService) Snapshot(ctx context.Context, tenantID, id string) (*domain.Snapshot, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Snapshot not found.")
	}
	sn, err := scanSnap(s.db.Pool.QueryRow(ctx, `SELECT `+snapCols+` FROM snapshots WHERE id = $1 AND tenant_id = $2 AND state <> 'deleted'`, id, tenantID))
	return sn, translate(err, "Snapshot not found.")
}

func (s *SnapshotService) Snapshots(ctx context.Context, tenantID, machineID string) ([]*domain.Snapshot, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || (machineID != "" && !domain.IsID(machineID)) {
		return nil, nil
	}
	q := `SELECT ` + snapCols + ` FROM snapshots WHERE tenant_id = $1 AND machine_id = $2 AND state <> 'deleted' ORDER BY created_at, id LIMIT 100`
	args := []any{tenantID, machineID}
	if machineID == "" {
		q = `SELECT ` + snapCols + ` FROM snapshots WHERE tenant_id = $1 AND state IN ('creating', 'reverting', 'deleting') ORDER BY created_at, id LIMIT 200`
		args = args[:1]
	}
	rows, err := s.db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.Snapshot, error) { return scanSnap(r) })
	return out, translate(err, "")
}

func (s *SnapshotService) SetSnapshotState(ctx context.Context, tenantID, id string, from, to domain.SnapshotState, opKey string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return domain.Errorf(domain.ENOTFOUND, "Snapshot not found.")
	}
	tag, err := s.db.Pool.Exec(ctx, `UPDATE snapshots SET state = $4, op_key = nullif($5, '') WHERE id = $1 AND tenant_id = $2 AND state = $3`,
		id, tenantID, string(from), string(to), opKey)
	if err != nil {
		return translate(err, "")
	}
	if tag.RowsAffected() == 0 {
		sn, err := s.Snapshot(ctx, tenantID, id)
		if err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "Snapshot %q is %s now, not %s.", sn.Name, sn.State, from)
	}
	return nil
}
