package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// DiskService implements domain.DiskService.
type DiskService struct{ db *DB }

var _ domain.DiskService = (*DiskService)(nil)

// NewDiskService returns a DiskService over db.
func NewDiskService(db *DB) *DiskService { return &DiskService{db: db} }

const diskCols = `id, tenant_id, name, location_id, coalesce(site_id::text, ''), size_gib, class, state, coalesce(machine_id::text, ''), coalesce(op_key, ''), coalesce(pending_size_gib, 0), created_at`

func scanDisk(row pgx.Row) (*domain.Disk, error) {
	var d domain.Disk
	var state string
	err := row.Scan(&d.ID, &d.TenantID, &d.Name, &d.LocationID, &d.SiteID, &d.SizeGiB, &d.Class, &state, &d.MachineID, &d.OpKey, &d.PendingSizeGiB, &d.CreatedAt)
	d.State = domain.DiskState(state)
	return &d, err
}

func (s *DiskService) CreateDisk(ctx context.Context, d *domain.Disk) (bool, error) {
	if err := domain.RequireTenant(d.TenantID); err != nil {
		return false, err
	}
	if err := d.Validate(); err != nil {
		return false, err
	}
	if !domain.IsID(d.LocationID) {
		return false, domain.Invalid(map[string]string{"location": "Choose a location."})
	}
	if d.IdemKey != "" {
		prev, err := scanDisk(s.db.Pool.QueryRow(ctx, `SELECT `+diskCols+` FROM disks WHERE tenant_id = $1 AND idem_key = $2`, d.TenantID, d.IdemKey))
		if err == nil {
			*d = *prev
			return true, nil
		}
		if err != pgx.ErrNoRows {
			return false, domain.Internal(err)
		}
	}
	d.ID = domain.NewID()
	d.State = domain.DiskCreating
	d.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO disks (id, tenant_id, name, location_id, site_id, size_gib, class, state, idem_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''), $10)`,
		d.ID, d.TenantID, d.Name, d.LocationID, nullID(d.SiteID), d.SizeGiB, d.Class, string(d.State), d.IdemKey, d.CreatedAt)
	if isUniqueViolation(err, "disks_idem_idx") { // a concurrent request with the same key won
		d.ID = ""
		return s.CreateDisk(ctx, d)
	}
	if isUniqueViolation(err, "disks_name_idx") {
		return false, &domain.Error{Code: domain.ECONFLICT, Message: "You have a disk with this name already.", Fields: map[string]string{"name": "This name is taken."}}
	}
	if isForeignKeyViolation(err) {
		return false, domain.Invalid(map[string]string{"location": "This location does not exist."})
	}
	return false, translate(err, "")
}

func (s *DiskService) Disk(ctx context.Context, tenantID, id string) (*domain.Disk, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Disk not found.")
	}
	d, err := scanDisk(s.db.Pool.QueryRow(ctx, `SELECT `+diskCols+` FROM disks WHERE id = $1 AND tenant_id = $2 AND state <> 'deleted'`, id, tenantID))
	return d, translate(err, "Disk not found.")
}

func (s *DiskService) Disks(ctx context.Context, f domain.DiskFilter) ([]*domain.Disk, string, error) {
	if err := domain.RequireTenant(f.TenantID); err != nil {
		return nil, "", err
	}
	if !domain.IsID(f.TenantID) {
		return nil, "", nil
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	cur, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	q := `SELECT ` + diskCols + ` FROM disks WHERE tenant_id = $1 AND state <> 'deleted'`
	args := []any{f.TenantID}
	if f.LocationID != "" {
		if !domain.IsID(f.LocationID) {
			return nil, "", nil
		}
		args = append(args, f.LocationID)
		q += ` AND location_id = $` + itoa(len(args))
	}
	if f.MachineID != "" {
		if !domain.IsID(f.MachineID) {
			return nil, "", nil
		}
		args = append(args, f.MachineID)
		q += ` AND machine_id = $` + itoa(len(args))
	}
	return newestFirst(ctx, s.db, q, args, cur, limit,
		func(r pgx.CollectableRow) (*domain.Disk, error) { return scanDisk(r) },
		func(x *domain.Disk) (time.Time, string) { return x.CreatedAt, x.ID })
}

func (s *DiskService) SetDiskState(ctx context.Context, tenantID, id string, from, to domain.DiskState, machineID *string, sizeGiB *int) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return domain.Errorf(domain.ENOTFOUND, "Disk not found.")
	}
	var m any = false // keep
	if machineID != nil {
		m = true
	}
	var mid any
	if machineID != nil {
		mid = nullID(*machineID)
	}
	var conflict bool
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var d domain.Disk
		var oldSize int
		err := tx.QueryRow(ctx, `SELECT size_gib FROM disks WHERE id = $1 AND tenant_id = $2 AND state = $3 FOR UPDATE`, id, tenantID, string(from)).Scan(&oldSize)
		if err == nil {
			err = tx.QueryRow(ctx, `UPDATE disks SET state = $3,
					machine_id = CASE WHEN $4::bool THEN $5::uuid ELSE machine_id END,
					size_gib = coalesce($6, size_gib)
				WHERE id = $1 AND tenant_id = $2
				RETURNING name, location_id, class, size_gib, coalesce(op_key, '')`,
				id, tenantID, string(to), m, mid, sizeGiB).Scan(&d.Name, &d.LocationID, &d.Class, &d.SizeGiB, &d.OpKey)
		}
		if err == pgx.ErrNoRows {
			conflict = true
			return nil
		}
		if err != nil {
			return err
		}
		d.ID, d.TenantID = id, tenantID
		return meterDisk(ctx, tx, &d, from, to, oldSize)
	})
	if err != nil {
		return translate(err, "")
	}
	if conflict {
		d, err := s.Disk(ctx, tenantID, id)
		if err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "Disk %q is %s now, not %s.", d.Name, d.State, from)
	}
	return nil
}

// meterDisk records a disk's usage change (for metering) in the
// transaction that moves its state, so a disk is billed from the moment it
// is available until it is deleted, at its size and class, and a replayed
// transition counts once (the event key names the step).
func meterDisk(ctx context.Context, tx pgx.Tx, d *domain.Disk, from, to domain.DiskState, oldSize int) error {
	e := domain.StateChange{TenantID: d.TenantID, ResourceID: d.ID, ResourceType: "disk", ResourceName: d.Name, At: time.Now(),
		Shape: domain.MachineShape{DiskGiB: d.SizeGiB}, StorageClass: d.Class, LocationID: d.LocationID}
	switch {
	case from == domain.DiskCreating && to == domain.DiskAvailable:
		e.Kind, e.EventKey = domain.ChangeCreated, "disk:"+d.ID+":created"
	case to == domain.DiskDeleted:
		e.Kind, e.EventKey = domain.ChangeDeleted, "disk:"+d.ID+":deleted"
	case from == domain.DiskResizing && d.SizeGiB != oldSize:
		e.Kind, e.EventKey = domain.ChangeResized, "disk:"+d.ID+":grow:"+d.OpKey
	default:
		return nil
	}
	_, err := RecordStateChange(ctx, tx, e)
	return err
}

func (s *DiskService) SetDiskOp(ctx context.Context, tenantID, id, key string, sizeGiB int) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return domain.Errorf(domain.ENOTFOUND, "Disk not found.")
	}
	var v any
	if sizeGiB > 0 {
		v = sizeGiB
	}
	tag, err := s.db.Pool.Exec(ctx, `UPDATE disks SET op_key = nullif($3, ''), pending_size_gib = $4 WHERE id = $1 AND tenant_id = $2`, id, tenantID, key, v)
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Disk not found.")
	}
	return translate(err, "")
}

// TenantsWithPending lists tenants that have disks, networks or snapshots
// waiting for a site operation, for the storage sweep.
func (s *DiskService) TenantsWithPending(ctx context.Context) ([]string, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT tenant_id::text FROM disks WHERE state IN ('creating', 'attaching', 'detaching', 'resizing', 'deleting')
		UNION SELECT tenant_id::text FROM networks WHERE state = 'creating'
		UNION SELECT tenant_id::text FROM snapshots WHERE state IN ('creating', 'reverting', 'deleting')
		UNION SELECT tenant_id::text FROM public_addresses WHERE state IN ('attaching', 'detaching')
		LIMIT 10000`)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, translate(err, "")
}
