package domain

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// MachineStatus is where a machine is in its life, as the tenant sees it.
type MachineStatus string

const (
	StatusCreating  MachineStatus = "creating"
	StatusRunning   MachineStatus = "running"
	StatusStopped   MachineStatus = "stopped"
	StatusStarting  MachineStatus = "starting"
	StatusStopping  MachineStatus = "stopping"
	StatusRebooting MachineStatus = "rebooting"
	StatusResizing  MachineStatus = "resizing"
	StatusDeleting  MachineStatus = "deleting"
	StatusError     MachineStatus = "error"
	StatusDeleted   MachineStatus = "deleted" // gone; kept for history, never listed
)

// MachineStatuses are the statuses a listed machine can have.
var MachineStatuses = []MachineStatus{StatusCreating, StatusRunning, StatusStopped, StatusStarting, StatusStopping, StatusRebooting, StatusResizing, StatusDeleting, StatusError}

// ValidMachineStatus reports whether s is a listable status.
func ValidMachineStatus(s MachineStatus) bool {
	for _, v := range MachineStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// Transitional reports whether an operation is under way in this status.
func (s MachineStatus) Transitional() bool {
	switch s {
	case StatusCreating, StatusStarting, StatusStopping, StatusRebooting, StatusResizing, StatusDeleting:
		return true
	}
	return false
}

// Label is the status as shown on a badge.
func (s MachineStatus) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// MachineAction is what a user asks of an existing machine.
type MachineAction string

const (
	ActionStart  MachineAction = "start"
	ActionStop   MachineAction = "stop"
	ActionReboot MachineAction = "reboot"
	ActionResize MachineAction = "resize"
	ActionDelete MachineAction = "delete"
)

// MachineActions lists the actions in the order the portal shows them.
var MachineActions = []MachineAction{ActionStart, ActionStop, ActionReboot, ActionResize, ActionDelete}

// ActionAllowed is the machine state machine: whether action may start in
// status. Nothing may start while another operation runs.
func ActionAllowed(s MachineStatus, a MachineAction) bool {
	switch a {
	case ActionStart:
		return s == StatusStopped
	case ActionStop, ActionReboot:
		return s == StatusRunning
	case ActionResize:
		return s == StatusRunning || s == StatusStopped
	case ActionDelete:
		return s == StatusRunning || s == StatusStopped || s == StatusError
	}
	return false
}

// AllowedActions returns the actions status allows, in display order.
func AllowedActions(s MachineStatus) []MachineAction {
	var out []MachineAction
	for _, a := range MachineActions {
		if ActionAllowed(s, a) {
			out = append(out, a)
		}
	}
	return out
}

// StatusDuring is the status a machine shows while action runs.
func StatusDuring(a MachineAction) MachineStatus {
	switch a {
	case ActionStart:
		return StatusStarting
	case ActionStop:
		return StatusStopping
	case ActionReboot:
		return StatusRebooting
	case ActionResize:
		return StatusResizing
	case ActionDelete:
		return StatusDeleting
	}
	return ""
}

// OperationKindOf maps a user action to the site operation that carries it out.
func OperationKindOf(a MachineAction) OperationKind {
	switch a {
	case ActionStart:
		return OpStart
	case ActionStop:
		return OpStop
	case ActionReboot:
		return OpReboot
	case ActionResize:
		return OpResize
	case ActionDelete:
		return OpDelete
	}
	return ""
}

// StatusAfter is the machine's status once an operation of kind ends.
// prior is the status before the operation began (resize keeps the power
// state; a failed start or stop leaves the machine as it was).
func StatusAfter(kind OperationKind, prior MachineStatus, succeeded bool) MachineStatus {
	if !succeeded {
		switch kind {
		case OpCreate, OpDelete:
			return StatusError
		}
		if prior == "" {
			return StatusError
		}
		return prior
	}
	switch kind {
	case OpCreate, OpStart, OpReboot:
		return StatusRunning
	case OpStop, OpPowerOff:
		return StatusStopped
	case OpResize:
		if prior == StatusStopped {
			return StatusStopped
		}
		return StatusRunning
	case OpDelete:
		return StatusDeleted
	}
	return prior
}

// CheckAction returns ECONFLICT when action does not fit status.
func CheckAction(name string, s MachineStatus, a MachineAction) error {
	if ActionAllowed(s, a) {
		return nil
	}
	return Errorf(ECONFLICT, "%s is %s; it cannot %s now.", name, s, a)
}

var machineNameRe = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// ValidateMachineName checks a name that must work as a DNS label and a
// vSphere VM name. It returns the message for the name field, "" if fine.
func ValidateMachineName(name string) string {
	switch {
	case name == "":
		return "Enter a name for the machine."
	case len(name) > 63:
		return "Name may be at most 63 characters."
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return "Name may not start or end with a hyphen."
	case !machineNameRe.MatchString(name):
		return "Name may contain letters, digits and hyphens."
	}
	return ""
}

// Machine is a tenant's virtual machine.
type Machine struct {
	ID           string
	TenantID     string
	Name         string
	LocationID   string
	LocationName string
	SiteID       string
	FlavorID     string
	FlavorName   string
	ImageID      string
	ImageName    string
	ImageKey     string // what rate cards price the image's licence by: its template, for licensed images
	VCPUs        int
	MemoryMiB    int
	DiskGiB      int
	Status       MachineStatus
	Addresses    []string
	ErrorReason  string
	CreatedBy    string // login
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Shape is what the machine's price depends on.
func (m *Machine) Shape() MachineShape {
	return MachineShape{VCPUs: m.VCPUs, MemoryMiB: m.MemoryMiB, DiskGiB: m.DiskGiB, ImageID: m.ImageKey}
}

// SizeLabel shows a size as "2 vCPU · 4 GiB · 40 GiB".
func SizeLabel(vcpus, memoryMiB, diskGiB int) string {
	mem := fmt.Sprintf("%d MiB", memoryMiB)
	if memoryMiB%1024 == 0 {
		mem = fmt.Sprintf("%d GiB", memoryMiB/1024)
	}
	return fmt.Sprintf("%d vCPU · %s RAM · %d GiB disk", vcpus, mem, diskGiB)
}

// MachineCreate is a request for a new machine, already resolved to ids.
type MachineCreate struct {
	TenantID       string
	Name           string
	LocationID     string
	FlavorID       string
	ImageID        string
	IdempotencyKey string // optional; the same key returns the same machine
	UserID         string
	Actor          string
	// MachineID is the new machine's id when chosen before (placement
	// reserves for it); "" for a new random one.
	MachineID string
	// SiteID is the site chosen in the location (PickSite), before the
	// create's transaction; "" when none could be chosen.
	SiteID string
	// SiteErr is why no site was chosen (returned once the input is valid).
	SiteErr error
	// NetworkIDs are the tenant's networks in the location the machine gets
	// an interface on, in order; the caller puts the location's
	// default network here when the user chose none.
	NetworkIDs []string
}

// MaxMachineNICs is how many network interfaces a machine may have.
const MaxMachineNICs = 4

// MachineSort orders machine lists.
type MachineSort string

const (
	SortName    MachineSort = "name"
	SortCreated MachineSort = "created" // newest first
	SortStatus  MachineSort = "status"
)

// MachineFilter selects a tenant's machines. TenantID is required.
type MachineFilter struct {
	TenantID string
	Status   *MachineStatus
	Query    string // part of the name
	Sort     MachineSort
	Limit    int
	Cursor   string
}

// MachineOperation is manage's record of one operation on a machine: who
// asked, what, and how the site carried it out.
type MachineOperation struct {
	ID          string
	TenantID    string
	MachineID   string
	MachineName string
	Kind        OperationKind
	State       OperationState
	PriorStatus MachineStatus
	FlavorID    string     // target flavor for resize
	DiskChoice  DiskChoice // delete: keep or delete the attached disks ("" keeps)
	SiteID      string
	SiteOpID    string // connect's operation id once submitted
	UserID      string
	Actor       string
	Error       string
	Attempts    int
	CreatedAt   time.Time
	FinishedAt  *time.Time
}

// MachineService stores machines and their operations. Every method takes
// the tenant id and never sees another tenant's machines (ENOTFOUND).
// Without a tenant id a method fails EINTERNAL (RequireTenant).
type MachineService interface {
	// CreateMachine checks the catalogue, allow-lists and quotas and stores
	// the machine with its create operation in one transaction.
	// EINVALID (fields), ECONFLICT (quota, name taken), ENOTFOUND.
	CreateMachine(ctx context.Context, req MachineCreate) (*Machine, bool, error)
	// FindMachineByID returns ENOTFOUND for unknown or other tenants' ids.
	FindMachineByID(ctx context.Context, tenantID, id string) (*Machine, error)
	// FindMachines returns a page of machines (deleted ones never).
	FindMachines(ctx context.Context, f MachineFilter) ([]*Machine, string, error)
	// AnyTransitional reports whether any machine of the tenant is busy.
	AnyTransitional(ctx context.Context, tenantID string) (bool, error)
	// RequestAction starts action on a machine: ECONFLICT if the status does
	// not allow it, EINVALID for a bad resize flavor, ENOTFOUND.
	RequestAction(ctx context.Context, tenantID, id string, action MachineAction, flavorID, userID, actor string) (*Machine, *MachineOperation, error)
	// FindOperations returns a machine's operations, newest first.
	FindOperations(ctx context.Context, tenantID, machineID string, limit int) ([]*MachineOperation, error)
}

// CostService reports what a machine has cost so far (implemented by
// pricing/billing).
type CostService interface {
	// CostSoFar is the machine's cost since since (the month's start).
	CostSoFar(ctx context.Context, tenantID, machineID string, since time.Time) (*Money, error)
}

// MonthStart is the first instant of t's month in UTC.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// PickSite chooses the site for a new machine in a location: the first
// enabled site (by name) that has room. A later release replaces this with
// cost-aware placement; keep the choice here.
func PickSite(sites []*Site, locationID string, shape MachineShape) (*Site, error) {
	for _, s := range sites {
		if s.LocationID != locationID || !s.Enabled || s.Health == "unreachable" {
			continue
		}
		if s.Info != nil {
			c := s.Info.Capacity
			if c.StorageTotalGiB > 0 && c.StorageFreeGiB < int64(shape.DiskGiB) {
				continue
			}
			if c.MemoryTotalMiB > 0 && c.MemoryTotalMiB-c.MemoryAllocMiB < int64(shape.MemoryMiB) {
				continue
			}
		}
		return s, nil
	}
	return nil, Errorf(EUNAVAILABLE, "No site in this location has room for this machine right now. Try another location or size, or contact support.")
}
