package domain

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// This file is connect Storage's model as manage sees it: disks (volumes)
// and machine snapshots, their states and the rules on them.

// Storage classes a tenant picks; the provider admin maps each to datastores
// or datastore clusters per site.
const (
	ClassStandard = "standard"
	ClassFast     = "fast"
)

// StorageClasses lists the classes in the order a form offers them.
var StorageClasses = []string{ClassStandard, ClassFast}

// DiskState is where a disk is in its life.
type DiskState string

const (
	DiskCreating  DiskState = "creating"
	DiskAvailable DiskState = "available" // exists, attached to nothing
	DiskAttaching DiskState = "attaching"
	DiskAttached  DiskState = "attached"
	DiskDetaching DiskState = "detaching"
	DiskResizing  DiskState = "resizing"
	DiskDeleting  DiskState = "deleting"
	DiskDeleted   DiskState = "deleted"
	DiskError     DiskState = "error" // an operation failed; the disk may be retried or deleted
)

// Disk size limits in GiB.
const (
	MinDiskGiB = 1
	MaxDiskGiB = 16384
)

// Disk is an extra volume of a tenant in one location.
type Disk struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	Name     string `json:"name"`
	// Location is the location's name, filled for the API (as machines'
	// location is); LocationID its id.
	Location   string    `json:"location"`
	LocationID string    `json:"location_id"`
	SiteID     string    `json:"-"`
	SizeGiB    int       `json:"size_gib"`
	Class      string    `json:"class"`
	State      DiskState `json:"state"`
	MachineID  string    `json:"machine_id,omitempty"` // attached to, or being attached to or detached from
	// OpKey and PendingSizeGiB describe an attach, detach or grow in
	// progress: its operation's idempotency key and the size a grow asks for.
	OpKey          string `json:"-"`
	PendingSizeGiB int    `json:"-"`
	// IdemKey is the API's Idempotency-Key of the create: the same key
	// returns this disk instead of creating another.
	IdemKey   string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

var resourceNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$`)

// ValidResourceName reports whether s is a usable disk, network or snapshot
// name: 1 to 63 letters, digits, spaces, '.', '_' or '-', starting with a
// letter or digit.
func ValidResourceName(s string) bool { return resourceNameRe.MatchString(s) }

// ValidStorageClass reports whether c is a known storage class.
func ValidStorageClass(c string) bool { return c == ClassStandard || c == ClassFast }

// Validate checks a disk to create. An empty class becomes "standard".
// EINVALID with fields name, location, size_gib, class.
func (d *Disk) Validate() error {
	f := map[string]string{}
	d.Name = strings.TrimSpace(d.Name)
	if !ValidResourceName(d.Name) {
		f["name"] = "A name of 1 to 63 letters, digits, spaces, '.', '_' or '-' is required."
	}
	if strings.TrimSpace(d.LocationID) == "" {
		f["location"] = "A location is required."
	}
	if d.SizeGiB < MinDiskGiB || d.SizeGiB > MaxDiskGiB {
		f["size_gib"] = "The size must be between 1 and 16384 GiB."
	}
	if d.Class == "" {
		d.Class = ClassStandard
	}
	if !ValidStorageClass(d.Class) {
		f["class"] = "The class must be standard or fast."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// CanAttach checks that d can be attached to a machine in location loc.
// ECONFLICT for the wrong state, EINVALID for another location.
func (d *Disk) CanAttach(machineLocation string) error {
	if d.State != DiskAvailable {
		return Errorf(ECONFLICT, "Disk %q is %s; only an available disk can be attached.", d.Name, d.State)
	}
	if machineLocation != d.LocationID {
		return Invalid(map[string]string{"machine_id": "The machine is in another location than the disk."})
	}
	return nil
}

// CanDetach checks that d is attached. ECONFLICT.
func (d *Disk) CanDetach() error {
	if d.State != DiskAttached {
		return Errorf(ECONFLICT, "Disk %q is %s; only an attached disk can be detached.", d.Name, d.State)
	}
	return nil
}

// CanGrow checks that d can grow to sizeGiB. EINVALID (not larger, too
// large), ECONFLICT (busy).
func (d *Disk) CanGrow(sizeGiB int) error {
	if d.State != DiskAvailable && d.State != DiskAttached {
		return Errorf(ECONFLICT, "Disk %q is %s; wait until it is available or attached.", d.Name, d.State)
	}
	if sizeGiB <= d.SizeGiB {
		return Invalid(map[string]string{"size_gib": "A disk only grows: the new size must be larger than the current one."})
	}
	if sizeGiB > MaxDiskGiB {
		return Invalid(map[string]string{"size_gib": "The size must be at most 16384 GiB."})
	}
	return nil
}

// CanDelete checks that d is neither attached nor busy. ECONFLICT.
func (d *Disk) CanDelete() error {
	switch d.State {
	case DiskAvailable, DiskError:
		return nil
	case DiskAttached:
		return Errorf(ECONFLICT, "Disk %q is attached to a machine; detach it first.", d.Name)
	}
	return Errorf(ECONFLICT, "Disk %q is %s; wait until it is available.", d.Name, d.State)
}

// SnapshotState is where a snapshot is in its life.
type SnapshotState string

const (
	SnapshotCreating  SnapshotState = "creating"
	SnapshotReady     SnapshotState = "ready"
	SnapshotReverting SnapshotState = "reverting"
	SnapshotDeleting  SnapshotState = "deleting"
	SnapshotDeleted   SnapshotState = "deleted"
	SnapshotError     SnapshotState = "error"
)

// Snapshot is a point-in-time copy of a machine's disks.
type Snapshot struct {
	ID        string        `json:"id"`
	TenantID  string        `json:"-"`
	MachineID string        `json:"machine_id"`
	SiteID    string        `json:"-"`
	Name      string        `json:"name"`
	State     SnapshotState `json:"state"`
	OpKey     string        `json:"-"` // the revert in progress
	IdemKey   string        `json:"-"` // the API's Idempotency-Key of the create
	CreatedAt time.Time     `json:"created_at"`
}

// SnapshotService stores machines' snapshots. Another tenant's is ENOTFOUND;
// without a tenant id a method fails EINTERNAL (RequireTenant).
type SnapshotService interface {
	// CreateSnapshot records a snapshot in state creating; with an IdemKey
	// used before it fills s with that snapshot instead. EINVALID,
	// ECONFLICT (MaxSnapshotsPerMachine reached).
	CreateSnapshot(ctx context.Context, s *Snapshot) error
	// Snapshot returns one snapshot. ENOTFOUND.
	Snapshot(ctx context.Context, tenantID, id string) (*Snapshot, error)
	// Snapshots lists a machine's snapshots, oldest first ("" for all the
	// tenant's unfinished ones).
	Snapshots(ctx context.Context, tenantID, machineID string) ([]*Snapshot, error)
	// SetSnapshotState moves a snapshot from one state to another, setting
	// its operation key. ECONFLICT when no longer in from.
	SetSnapshotState(ctx context.Context, tenantID, id string, from, to SnapshotState, opKey string) error
}

// MaxSnapshotsPerMachine bounds a machine's snapshot chain (long chains slow
// vSphere down).
const MaxSnapshotsPerMachine = 8

// Validate checks a snapshot to take. EINVALID with field name.
func (s *Snapshot) Validate() error {
	s.Name = strings.TrimSpace(s.Name)
	if !ValidResourceName(s.Name) {
		return Invalid(map[string]string{"name": "A name of 1 to 63 letters, digits, spaces, '.', '_' or '-' is required."})
	}
	return nil
}

// CanRevert checks that a snapshot can be restored. ECONFLICT.
func (s *Snapshot) CanRevert() error {
	if s.State != SnapshotReady {
		return Errorf(ECONFLICT, "Snapshot %q is %s; only a ready snapshot can be restored.", s.Name, s.State)
	}
	return nil
}

// DiskFilter selects a tenant's disks.
type DiskFilter struct {
	TenantID   string
	LocationID string
	MachineID  string
	Limit      int
	Cursor     string
}

// DiskService stores a tenant's disks. Every method takes the tenant id;
// another tenant's disk is ENOTFOUND, and without a tenant id a method fails
// EINTERNAL (RequireTenant). TenantsWithPending is the one read across
// tenants, for the background job.
type DiskService interface {
	// CreateDisk records a new disk in state creating; with an IdemKey used
	// before it fills d with that disk and reports existed. EINVALID,
	// ECONFLICT (name taken).
	CreateDisk(ctx context.Context, d *Disk) (existed bool, err error)
	// Disk returns one disk. ENOTFOUND.
	Disk(ctx context.Context, tenantID, id string) (*Disk, error)
	// Disks lists disks, newest first, and the cursor of the next page.
	Disks(ctx context.Context, f DiskFilter) ([]*Disk, string, error)
	// SetDiskState moves a disk from one state to another (compare and set);
	// ECONFLICT when it is no longer in from. machineID and sizeGiB are
	// written when not nil.
	SetDiskState(ctx context.Context, tenantID, id string, from, to DiskState, machineID *string, sizeGiB *int) error
	// SetDiskOp records the operation in progress ("" and 0 clear it).
	SetDiskOp(ctx context.Context, tenantID, id, key string, pendingSizeGiB int) error
}

// DiskChoice is what deleting a machine does with its attached disks.
type DiskChoice string

const (
	// KeepDisks detaches the disks: they are available after the machine is gone.
	KeepDisks DiskChoice = "keep"
	// DeleteDisks deletes the disks after the machine.
	DeleteDisks DiskChoice = "delete"
)

// ParseDiskChoice reads "keep" (also "") or "delete". EINVALID with field disks.
func ParseDiskChoice(s string) (DiskChoice, error) {
	switch strings.TrimSpace(s) {
	case "", string(KeepDisks):
		return KeepDisks, nil
	case string(DeleteDisks):
		return DeleteDisks, nil
	}
	return "", Invalid(map[string]string{"disks": "Choose keep or delete for the machine's disks."})
}

// MachineDeleter deletes a machine and records, with the delete operation,
// what happens to its attached disks, so a restarted worker still carries
// the choice out. ECONFLICT (state), ENOTFOUND.
type MachineDeleter interface {
	RequestDelete(ctx context.Context, tenantID, id string, disks DiskChoice, userID, actor string) (*Machine, *MachineOperation, error)
}

// MachineCreateChecker runs a create's checks (name, allow-lists,
// networks, quota, site) without storing anything, so what the create needs
// beyond its own transaction (a default network at the site) is made only
// for a create that will pass. EINVALID, ECONFLICT, EUNAVAILABLE.
type MachineCreateChecker interface {
	CheckMachineCreate(ctx context.Context, req MachineCreate) error
}

// CheckMachineForStorage checks that a machine is running or stopped, the
// states in which disks and addresses attach and snapshots are taken.
// ECONFLICT.
func CheckMachineForStorage(m *Machine) error {
	if m.Status != StatusRunning && m.Status != StatusStopped {
		return Errorf(ECONFLICT, "Machine %s is %s; wait until it is running or stopped.", m.Name, m.Status)
	}
	return nil
}
