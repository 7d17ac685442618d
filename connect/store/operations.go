package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/connect/model"
	"tessera/domain"
)

// OpRecord is an operation with what the worker needs besides the public view.
type OpRecord struct {
	model.Operation
	ManageID string
	Spec     *model.MachineSpec
	Subject  string
	Payload  opPayload
}

// opPayload holds a storage operation's disk, snapshot or network.
type opPayload struct {
	Disk     *model.DiskRequest    `json:"disk,omitempty"`
	Snapshot string                `json:"snapshot,omitempty"`
	Network  *model.NetworkRequest `json:"network,omitempty"`
	Image    *model.ImageRequest   `json:"image,omitempty"`
	Address  *model.AddressRequest `json:"address,omitempty"`
	Power    string                `json:"power,omitempty"`
}

const opCols = `id, manage_id, idem_key, kind, machine_id, spec, state, error, attempts, created_at, finished_at, coalesce(subject, machine_id), payload`

func scanOp(row pgx.Row) (*OpRecord, error) {
	var r OpRecord
	var kind, state string
	var spec, payload []byte
	err := row.Scan(&r.ID, &r.ManageID, &r.Key, &kind, &r.MachineID, &spec, &state, &r.Error, &r.Attempts, &r.CreatedAt, &r.FinishedAt, &r.Subject, &payload)
	if err != nil {
		return nil, err
	}
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &r.Payload); err != nil {
			return nil, err
		}
	}
	r.Kind, r.State = model.OperationKind(kind), model.OperationState(state)
	if len(spec) > 0 && string(spec) != "null" {
		if err := json.Unmarshal(spec, &r.Spec); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func notFoundOr(err error, msg string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "%s", msg)
	}
	if err != nil {
		return domain.Internal(err)
	}
	return nil
}

// InsertOperation records req for manageID in tx. If the manage instance used
// req.Key before, it returns that operation and created=false. ECONFLICT when
// the key was used for a different request.
func InsertOperation(ctx context.Context, tx pgx.Tx, manageID string, req model.OperationRequest) (*OpRecord, bool, error) {
	spec, err := json.Marshal(req.Spec)
	if err != nil {
		return nil, false, domain.Internal(err)
	}
	var payload []byte
	if req.Kind.StorageOp() {
		if payload, err = json.Marshal(opPayload{Disk: req.Disk, Snapshot: req.Snapshot, Network: req.Network, Image: req.Image, Address: req.Address, Power: req.Power}); err != nil {
			return nil, false, domain.Internal(err)
		}
	}
	id := domain.NewID()
	tag, err := tx.Exec(ctx, `INSERT INTO connect_operations (id, manage_id, idem_key, kind, machine_id, spec, subject, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (manage_id, idem_key) DO NOTHING`, id, manageID, req.Key, string(req.Kind), req.MachineID, spec, req.Subject(), payload)
	if err != nil {
		return nil, false, domain.Internal(err)
	}
	created := tag.RowsAffected() == 1
	r, err := scanOp(tx.QueryRow(ctx, `SELECT `+opCols+` FROM connect_operations WHERE manage_id = $1 AND idem_key = $2`, manageID, req.Key))
	if err != nil {
		return nil, false, domain.Internal(err)
	}
	if !created && (r.Kind != req.Kind || r.MachineID != req.MachineID || r.Subject != req.Subject()) {
		return nil, false, &domain.Error{Code: domain.ECONFLICT, Message: "This idempotency key was used for a different operation.", Fields: map[string]string{"idempotency_key": "Use a new key for a new operation."}}
	}
	return r, created, nil
}

// SetRiverJob links an operation to the River job that runs it.
func SetRiverJob(ctx context.Context, tx pgx.Tx, opID string, jobID int64) error {
	_, err := tx.Exec(ctx, `UPDATE connect_operations SET river_job_id = $2 WHERE id = $1`, opID, jobID)
	return notFoundOr(err, "")
}

// FindOperation returns an operation of manageID. ENOTFOUND, also for other
// manage instances' operations.
func (s *Store) FindOperation(ctx context.Context, manageID, id string) (*OpRecord, error) {
	if !domain.IsID(id) || !domain.IsID(manageID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Operation not found.")
	}
	r, err := scanOp(s.Pool.QueryRow(ctx, `SELECT `+opCols+` FROM connect_operations WHERE id = $1 AND manage_id = $2`, id, manageID))
	return r, notFoundOr(err, "Operation not found.")
}

// ClaimStatus says what Claim found.
type ClaimStatus int

const (
	Claimed ClaimStatus = iota // the caller runs it now
	Done                       // finished already: nothing to do
	Busy                       // another live worker runs it, or an earlier operation on the machine is unfinished
)

// Claim takes the lease of an operation for owner. The lease is free when no
// one holds it, owner holds it, or its holder stopped heartbeating for lease.
func (s *Store) Claim(ctx context.Context, opID, owner string, lease time.Duration) (*OpRecord, ClaimStatus, error) {
	var out *OpRecord
	status := Busy
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		r, err := scanOp(tx.QueryRow(ctx, `SELECT `+opCols+` FROM connect_operations WHERE id = $1 FOR UPDATE`, opID))
		if err != nil {
			return notFoundOr(err, "Operation not found.")
		}
		out = r
		if r.State.Done() {
			status = Done
			return nil
		}
		var earlier bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM connect_operations WHERE coalesce(subject, machine_id) = $1 AND state IN ('queued', 'running') AND (created_at, id) < ($2, $3))`,
			r.Subject, r.CreatedAt, r.ID).Scan(&earlier); err != nil {
			return domain.Internal(err)
		}
		if earlier {
			return nil
		}
		tag, err := tx.Exec(ctx, `UPDATE connect_operations SET state = 'running', lease_owner = $2, heartbeat_at = now(), attempts = attempts + 1, started_at = coalesce(started_at, now())
			WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR heartbeat_at < now() - make_interval(secs => $3))`, opID, owner, lease.Seconds())
		if err != nil {
			return domain.Internal(err)
		}
		if tag.RowsAffected() == 1 {
			status = Claimed
			r.State = model.OpRunning
			r.Attempts++
		}
		return nil
	})
	return out, status, err
}

// Heartbeat extends owner's lease.
func (s *Store) Heartbeat(ctx context.Context, opID, owner string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_operations SET heartbeat_at = now() WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, opID, owner)
	return notFoundOr(err, "")
}

// Finish ends an operation owner holds; it reports false if owner lost the
// lease (another worker took over), so an operation finishes exactly once.
func (s *Store) Finish(ctx context.Context, opID, owner string, state model.OperationState, msg string) (bool, error) {
	tag, err := s.Pool.Exec(ctx, `UPDATE connect_operations SET state = $3, error = $4, finished_at = now(), lease_owner = NULL
		WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, opID, owner, string(state), msg)
	if err != nil {
		return false, domain.Internal(err)
	}
	return tag.RowsAffected() == 1, nil
}

// Release gives an operation back to the queue after a retryable error.
func (s *Store) Release(ctx context.Context, opID, owner, note string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE connect_operations SET state = 'queued', error = $3, lease_owner = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, opID, owner, note)
	return notFoundOr(err, "")
}

// RequeueExpired finds operations whose worker stopped heartbeating for
// lease (its process died) and gives them back to the queue in tx; requeue
// is called for each so the caller can schedule a new job.
func RequeueExpired(ctx context.Context, tx pgx.Tx, lease time.Duration) ([]string, error) {
	rows, err := tx.Query(ctx, `UPDATE connect_operations SET state = 'queued', lease_owner = NULL, error = 'the worker stopped; resuming'
		WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => $1) RETURNING id`, lease.Seconds())
	if err != nil {
		return nil, domain.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, domain.Internal(err)
	}
	return ids, nil
}

// RiverJobID returns the River job of an operation (0 if none).
func (s *Store) RiverJobID(ctx context.Context, opID string) (int64, error) {
	var id *int64
	err := s.Pool.QueryRow(ctx, `SELECT river_job_id FROM connect_operations WHERE id = $1`, opID).Scan(&id)
	if err != nil || id == nil {
		return 0, notFoundOr(err, "Operation not found.")
	}
	return *id, nil
}
