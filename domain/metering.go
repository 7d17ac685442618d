package domain

import (
	"context"
	"strings"
	"time"
)

// StateChangeKind is what happened to a metered resource.
type StateChangeKind string

const (
	ChangeCreated StateChangeKind = "created" // the resource exists and runs
	ChangeStarted StateChangeKind = "started"
	ChangeStopped StateChangeKind = "stopped"
	ChangeResized StateChangeKind = "resized" // new shape, same running state
	ChangeDeleted StateChangeKind = "deleted" // metering ends
)

// StateChange is one metered event. Record it in the same transaction as
// the state change itself; EventKey (unique, e.g. the operation id and step)
// makes a retried or replayed change count once.
type StateChange struct {
	EventKey     string
	TenantID     string
	ResourceID   string
	ResourceType string // "machine", "disk", "address"
	ResourceName string
	Kind         StateChangeKind
	At           time.Time // exact to the second (sub-seconds are dropped)
	Shape        MachineShape
	StorageClass string // "" is DefaultStorageClass
	PublicIPs    int
	LocationID   string
}

// Validate returns EINVALID per wrong field.
func (e *StateChange) Validate() error {
	f := map[string]string{}
	if strings.TrimSpace(e.EventKey) == "" || len(e.EventKey) > 200 {
		f["event_key"] = "An event key (at most 200 characters) is required."
	}
	if !IsID(e.TenantID) {
		f["tenant_id"] = "A tenant id is required."
	}
	if !IsID(e.ResourceID) {
		f["resource_id"] = "A resource id is required."
	}
	if e.ResourceType == "" {
		f["resource_type"] = "A resource type is required."
	}
	switch e.Kind {
	case ChangeCreated, ChangeStarted, ChangeStopped, ChangeResized, ChangeDeleted:
	default:
		f["kind"] = "Kind must be created, started, stopped, resized or deleted."
	}
	if e.At.IsZero() {
		f["at"] = "The time of the change is required."
	}
	if e.Shape.VCPUs < 0 || e.Shape.MemoryMiB < 0 || e.Shape.DiskGiB < 0 || e.PublicIPs < 0 {
		f["shape"] = "A shape cannot be negative."
	}
	if e.LocationID != "" && !IsID(e.LocationID) {
		f["location_id"] = "The location id is not valid."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// UsageInterval is what a resource was between two state changes. End is
// zero while the interval is open (the resource is still in that state).
type UsageInterval struct {
	TenantID     string
	ResourceID   string
	ResourceType string
	ResourceName string
	Running      bool
	Start, End   time.Time
	VCPUs        int
	MemoryMiB    int
	DiskGiB      int
	StorageClass string
	PublicIPs    int
	LocationID   string
	Image        string
}

// Meter records state changes in their own transaction. Callers that change
// a resource's state in a database transaction use the adapter's
// transaction-bound function instead (postgres.RecordStateChange), so the
// state and its usage commit or roll back together.
type Meter interface {
	// RecordStateChange stores e once; recorded is false when e.EventKey was
	// seen before. EINVALID.
	RecordStateChange(ctx context.Context, e StateChange) (recorded bool, err error)
}

// ChangeKindFor is the metered change a succeeded operation makes; false
// for operations that change nothing billable (reboot).
func ChangeKindFor(op OperationKind) (StateChangeKind, bool) {
	switch op {
	case OpCreate:
		return ChangeCreated, true
	case OpStart:
		return ChangeStarted, true
	case OpStop, OpPowerOff:
		return ChangeStopped, true
	case OpResize:
		return ChangeResized, true
	case OpDelete:
		return ChangeDeleted, true
	}
	return "", false
}
