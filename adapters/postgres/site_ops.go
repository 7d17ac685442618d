package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
	"tessera/manage/operations"
)

// SiteOperationQueue is the queue of every site operation that is not a
// machine's own (disks, networks, addresses, snapshots, images), in
// site_operations.
type SiteOperationQueue struct{ db *DB }

var (
	_ operations.Queue    = (*SiteOperationQueue)(nil)
	_ operations.Enqueuer = (*SiteOperationQueue)(nil)
)

// NewSiteOperationQueue returns the queue over db.
func NewSiteOperationQueue(db *DB) *SiteOperationQueue { return &SiteOperationQueue{db: db} }

// siteOperationsChannel is the LISTEN/NOTIFY channel that wakes workers.
const siteOperationsChannel = "site_operations"

// Enqueue queues p unless its key is queued already, and wakes the workers.
func (q *SiteOperationQueue) Enqueue(ctx context.Context, p operations.Pending) error {
	err := q.db.InTx(ctx, func(tx pgx.Tx) error { return enqueueTx(ctx, tx, p) })
	return translate(err, "")
}

// enqueueTx queues p in tx (the transaction that recorded the resource's
// transitional state, where there is one).
func enqueueTx(ctx context.Context, tx pgx.Tx, p operations.Pending) error {
	if p.Request.Key == "" || p.SiteID == "" {
		return domain.Errorf(domain.EINTERNAL, "an operation needs a key and a site")
	}
	req, err := json.Marshal(p.Request)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO site_operations (id, key, tenant_id, site_id, resource, resource_id, request)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
		domain.NewID(), p.Request.Key, nullID(p.TenantID), p.SiteID, p.Resource, p.ResourceID, req)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT pg_notify('`+siteOperationsChannel+`', $1)`, p.Request.Key)
	return err
}

// Claim leases up to n due operations.
func (q *SiteOperationQueue) Claim(ctx context.Context, n int, lease time.Duration) ([]*operations.Job, error) {
	rows, err := q.db.Pool.Query(ctx, `UPDATE site_operations SET next_at = now() + $2::interval, attempts = attempts + 1
		WHERE id IN (SELECT id FROM site_operations WHERE state IN ('queued','running') AND next_at <= now()
			ORDER BY next_at FOR UPDATE SKIP LOCKED LIMIT $1)
		RETURNING id::text, coalesce(tenant_id::text, ''), site_id::text, resource, resource_id, site_op_id, attempts, request`, n, lease.String())
	if err != nil {
		return nil, translate(err, "")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*operations.Job, error) {
		j := &operations.Job{}
		var req []byte
		if err := r.Scan(&j.ID, &j.TenantID, &j.SiteID, &j.Resource, &j.ResourceID, &j.SiteOpID, &j.Attempts, &req); err != nil {
			return nil, err
		}
		return j, json.Unmarshal(req, &j.Request)
	})
	return out, translate(err, "")
}

// Submitted records the site's operation id.
func (q *SiteOperationQueue) Submitted(ctx context.Context, j *operations.Job, siteOpID string, wait time.Duration) error {
	_, err := q.db.Pool.Exec(ctx, `UPDATE site_operations SET state = 'running', site_op_id = $2, next_at = now() + $3::interval WHERE id = $1`, j.ID, siteOpID, wait.String())
	return translate(err, "")
}

// Later puts the operation back for another try after wait.
func (q *SiteOperationQueue) Later(ctx context.Context, j *operations.Job, wait time.Duration, note string) error {
	_, err := q.db.Pool.Exec(ctx, `UPDATE site_operations SET next_at = now() + $2::interval, error = $3 WHERE id = $1`, j.ID, wait.String(), note)
	return translate(err, "")
}

// Finish ends the operation (its resource was moved on already).
func (q *SiteOperationQueue) Finish(ctx context.Context, j *operations.Job, out operations.Outcome) error {
	state := domain.OpSucceeded
	if !out.Succeeded {
		state = domain.OpFailed
	}
	_, err := q.db.Pool.Exec(ctx, `UPDATE site_operations SET state = $2, error = $3, finished_at = now() WHERE id = $1 AND state IN ('queued','running')`, j.ID, string(state), out.Reason)
	return translate(err, "")
}

// Listen calls wake whenever an operation is queued, until ctx ends.
func (q *SiteOperationQueue) Listen(ctx context.Context, wake func()) error {
	return listen(ctx, q.db, siteOperationsChannel, wake)
}

// listen calls wake on every notification on channel until ctx ends or the
// connection fails.
func listen(ctx context.Context, db *DB, channel string, wake func()) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
