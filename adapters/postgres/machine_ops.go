package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
	"tessera/manage/operations"
)

// OperationQueue is the manage-side queue of machine operations that the
// worker carries to the sites. Its state lives in machine_operations, which
// is also the machine's history the portal shows, so a restarted manage
// resumes where it stopped.
type OperationQueue struct{ db *DB }

var _ operations.Queue = (*OperationQueue)(nil)

// NewOperationQueue returns the queue over db.
func NewOperationQueue(db *DB) *OperationQueue { return &OperationQueue{db: db} }

// Claim takes up to n due operations and leases them for lease: another
// worker (another manage replica) skips them until the lease ends.
func (q *OperationQueue) Claim(ctx context.Context, n int, lease time.Duration) ([]*operations.Job, error) {
	var out []*operations.Job
	err := q.db.InTx(ctx, func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `UPDATE machine_operations SET next_at = now() + $2::interval, attempts = attempts + 1
			WHERE id IN (SELECT id FROM machine_operations WHERE state IN ('queued','running') AND next_at <= now()
				ORDER BY next_at FOR UPDATE SKIP LOCKED LIMIT $1)
			RETURNING id`, n, lease.String())
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, id := range ids {
			c := &operations.MachineWork{}
			c.Op, err = scanOp(tx.QueryRow(ctx, `SELECT `+opCols+` FROM machine_operations o JOIN machines m ON m.id = o.machine_id WHERE o.id = $1`, id))
			if err != nil {
				return err
			}
			c.Machine, err = findMachineAny(ctx, tx, c.Op.TenantID, c.Op.MachineID)
			if err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT t.slug, i.template FROM tenants t, images i WHERE t.id = $1 AND i.id = $2`, c.Op.TenantID, c.Machine.ImageID).Scan(&c.TenantSlug, &c.Template); err != nil {
				return err
			}
			if c.Op.Kind == domain.OpCreate {
				if c.NICs, err = machineInterfaces(ctx, tx, c.Op.TenantID, c.Op.MachineID); err != nil {
					return err
				}
			}
			if c.Op.FlavorID != "" {
				c.Target, err = scanFlavor(tx.QueryRow(ctx, `SELECT `+flavorCols+` FROM flavors WHERE id = $1`, c.Op.FlavorID))
				if err != nil {
					return err
				}
			}
			out = append(out, &operations.Job{ID: c.Op.ID, TenantID: c.Op.TenantID, SiteID: c.Op.SiteID, Resource: operations.ResourceMachine,
				ResourceID: c.Op.MachineID, SiteOpID: c.Op.SiteOpID, Attempts: c.Op.Attempts, Machine: c})
		}
		return nil
	})
	return out, translate(err, "")
}

// Submitted records connect's operation id; the worker polls it after wait.
func (q *OperationQueue) Submitted(ctx context.Context, j *operations.Job, siteOpID string, wait time.Duration) error {
	_, err := q.db.Pool.Exec(ctx, `UPDATE machine_operations SET state = 'running', site_op_id = $2, next_at = now() + $3::interval WHERE id = $1`, j.ID, siteOpID, wait.String())
	return translate(err, "")
}

// Later puts the operation back for another try after wait (site down, or
// still running), noting a reason visible in the history.
func (q *OperationQueue) Later(ctx context.Context, j *operations.Job, wait time.Duration, note string) error {
	_, err := q.db.Pool.Exec(ctx, `UPDATE machine_operations SET next_at = now() + $2::interval, error = $3 WHERE id = $1`, j.ID, wait.String(), note)
	return translate(err, "")
}

// Finish ends the operation and moves its machine to the status that follows,
// with what the site last saw of it (out.Observed may be nil).
func (q *OperationQueue) Finish(ctx context.Context, j *operations.Job, out operations.Outcome) error {
	c := j.Machine
	if c == nil {
		return domain.Errorf(domain.EINTERNAL, "not a machine operation")
	}
	succeeded, reason, obs := out.Succeeded, out.Reason, out.Observed
	err := q.db.InTx(ctx, func(tx pgx.Tx) error {
		state := domain.OpSucceeded
		if !succeeded {
			state = domain.OpFailed
		}
		tag, err := tx.Exec(ctx, `UPDATE machine_operations SET state = $2, error = $3, finished_at = now() WHERE id = $1 AND tenant_id = $4 AND state IN ('queued','running')`, c.Op.ID, string(state), reason, c.Op.TenantID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// The audit log gets the outcome too, in the name of who asked.
		result := "ok"
		if !succeeded {
			result = "failed"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (tenant_id, user_id, actor, action, target, address, result, detail) VALUES ($1,$2,$3,$4,$5,'site',$6,$7)`,
			c.Op.TenantID, nullID(c.Op.UserID), c.Op.Actor, "machine."+string(c.Op.Kind)+".done", c.Machine.Name, result, reason); err != nil {
			return err
		}
		status := domain.StatusAfter(c.Op.Kind, c.Op.PriorStatus, succeeded)
		errReason := ""
		if !succeeded {
			errReason = reason
		}
		if _, err := tx.Exec(ctx, `UPDATE machines SET status = $3, error_reason = $4, updated_at = now(),
			deleted_at = CASE WHEN $3 = 'deleted' THEN now() END WHERE tenant_id = $1 AND id = $2`,
			c.Op.TenantID, c.Op.MachineID, string(status), errReason); err != nil {
			return err
		}
		if obs != nil && obs.Addresses != nil && status != domain.StatusDeleted {
			if _, err := tx.Exec(ctx, `UPDATE machines SET addresses = $3 WHERE tenant_id = $1 AND id = $2`, c.Op.TenantID, c.Op.MachineID, obs.Addresses); err != nil {
				return err
			}
		}
		if status == domain.StatusDeleted {
			if _, err := tx.Exec(ctx, `UPDATE machines SET addresses = '{}' WHERE tenant_id = $1 AND id = $2`, c.Op.TenantID, c.Op.MachineID); err != nil {
				return err
			}
			// The machine's private addresses go back to their networks
			// in the transaction that records it gone.
			if _, err := tx.Exec(ctx, `DELETE FROM network_addresses WHERE tenant_id = $1 AND machine_id = $2`, c.Op.TenantID, c.Op.MachineID); err != nil {
				return err
			}
			if err := releaseMachineStorage(ctx, tx, c.Op.TenantID, c.Op.MachineID, c.Op.DiskChoice); err != nil { // its disks: detached or deleted, as asked
				return err
			}
		}
		if err := finishPlacement(ctx, tx, c.Op.TenantID, c.Op.MachineID, c.Op.Kind, succeeded); err != nil { // the site's reserved capacity: kept or given back
			return err
		}
		// Metering: the usage interval changes in this same
		// transaction; the operation id makes a replay count once.
		if kind, ok := domain.ChangeKindFor(c.Op.Kind); ok && succeeded && c.Machine != nil {
			shape := c.Machine.Shape()
			if c.Target != nil {
				shape.VCPUs, shape.MemoryMiB, shape.DiskGiB = c.Target.VCPUs, c.Target.MemoryMiB, c.Target.DiskGiB
			}
			if _, err := RecordStateChange(ctx, tx, domain.StateChange{EventKey: "op:" + c.Op.ID, TenantID: c.Op.TenantID, ResourceID: c.Op.MachineID,
				ResourceType: "machine", ResourceName: c.Machine.Name, Kind: kind, At: time.Now(), Shape: shape, LocationID: c.Machine.LocationID}); err != nil {
				return err
			}
		}
		if succeeded && c.Target != nil {
			_, err := tx.Exec(ctx, `UPDATE machines SET flavor_id = $3, vcpus = $4, memory_mib = $5, disk_gib = $6 WHERE tenant_id = $1 AND id = $2`,
				c.Op.TenantID, c.Op.MachineID, c.Target.ID, c.Target.VCPUs, c.Target.MemoryMiB, c.Target.DiskGiB)
			return err
		}
		return nil
	})
	return translate(err, "")
}

// releaseMachineStorage is what a deleted machine leaves behind, in the
// transaction that records the delete: its extra disks become available
// (the site detached them before destroying the VM) or go to deleting, for
// the queue to delete at the site; its public addresses go back
// to allocated; its snapshots went with the VM.
func releaseMachineStorage(ctx context.Context, tx pgx.Tx, tenantID, machineID string, disks domain.DiskChoice) error {
	to := domain.DiskAvailable
	if disks == domain.DeleteDisks {
		to = domain.DiskDeleting
	}
	rows, err := tx.Query(ctx, `UPDATE disks SET state = $3, machine_id = NULL, op_key = NULL, pending_size_gib = NULL
		WHERE tenant_id = $1 AND machine_id = $2 AND state IN ('attaching', 'attached', 'detaching', 'resizing')
		RETURNING id::text, coalesce(site_id::text, '')`, tenantID, machineID, string(to))
	if err != nil {
		return err
	}
	type gone struct{ id, site string }
	drop, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gone, error) {
		var g gone
		return g, r.Scan(&g.id, &g.site)
	})
	if err != nil {
		return err
	}
	if to == domain.DiskDeleting {
		// The site's delete is queued in this transaction: the disks never
		// wait in deleting with nothing to carry it out.
		for _, g := range drop {
			if g.site == "" {
				continue
			}
			req, _, _, _ := domain.DiskStep(&domain.Disk{ID: g.id, State: domain.DiskDeleting})
			if err := enqueueTx(ctx, tx, operations.Pending{TenantID: tenantID, SiteID: g.site, Resource: operations.ResourceDisk, ResourceID: g.id, Request: req}); err != nil {
				return err
			}
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE public_addresses SET state = 'allocated', machine_id = NULL, site_id = NULL, op_key = NULL
		WHERE tenant_id = $1 AND machine_id = $2`, tenantID, machineID); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE snapshots SET state = 'deleted' WHERE tenant_id = $1 AND machine_id = $2 AND state <> 'deleted'`, tenantID, machineID)
	return err
}

// Listen calls wake whenever an operation is queued (LISTEN/NOTIFY), until
// ctx ends. It returns when the connection fails; the caller's poll covers
// that.
func (q *OperationQueue) Listen(ctx context.Context, wake func()) error {
	return listen(ctx, q.db, "machine_operations", wake)
}
