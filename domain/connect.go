package domain

import (
	"context"
	"time"
)

// This file is what manage needs to talk to a site: what it asks a site to
// do and what it reads back, as manage's own types. adapters/connectapi
// implements SiteClient over connect's versioned HTTP+JSON API and
// translates these to and from its wire types (connect/v1); a site checks
// a request against its own rules (connect/model) when it accepts it.

// OperationKind is what an operation does to a machine.
type OperationKind string

const (
	OpCreate   OperationKind = "create"   // clone from a template, configure, power on
	OpStart    OperationKind = "start"    // power on
	OpStop     OperationKind = "stop"     // guest shutdown, then power off if the guest does not stop in time
	OpPowerOff OperationKind = "poweroff" // hard power off
	OpReboot   OperationKind = "reboot"
	OpResize   OperationKind = "resize" // reconfigure vCPU and memory (disk only grows)
	OpDelete   OperationKind = "delete" // power off and destroy
)

// OperationState is where an operation is in its life.
type OperationState string

const (
	OpQueued    OperationState = "queued"
	OpRunning   OperationState = "running"
	OpSucceeded OperationState = "succeeded"
	OpFailed    OperationState = "failed"
)

// Done reports whether the state is final.
func (s OperationState) Done() bool { return s == OpSucceeded || s == OpFailed }

// MachineSpec is the shape of a machine to create or resize to.
type MachineSpec struct {
	Name       string // the tenant's name for the machine
	TenantSlug string // for the site's naming template
	VCPUs      int
	MemoryMiB  int
	DiskGiB    int
	Image      string // template name in the site
	Network    string // port group name in the site; "" for the site's default
	// Networks are the machine's NICs in order; when set they replace
	// Network. Each gets its fixed address through guest
	// customization.
	Networks []NICSpec
}

// NICSpec is one network interface of a machine to create.
type NICSpec struct {
	PortGroup    string
	Address      string
	PrefixLength int
	Gateway      string
}

// OperationRequest asks a site to act on a machine. Key makes it idempotent:
// the same key submitted again returns the first operation and runs nothing new.
type OperationRequest struct {
	Key       string
	Kind      OperationKind
	MachineID string // manage's machine id, also tagged on the VM
	Spec      *MachineSpec
	// Disk, Snapshot and Network carry storage operations (connect_storage.go).
	Disk     *DiskRequest
	Snapshot string
	Network  *NetworkRequest
	Image    *ImageRequest
	// Power "on" asks a snapshot revert to leave the machine running: a
	// revert to a disk-only snapshot powers the VM off, and a machine that
	// ran before the revert should run after it.
	Power   string
	Address *AddressRequest
}

// Operation is a site's record of a request.
type Operation struct {
	ID         string
	Key        string
	Kind       OperationKind
	MachineID  string
	State      OperationState
	Error      string // user-safe reason when failed
	Attempts   int
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// Power states a site reports.
const (
	PowerOn      = "on"
	PowerOff     = "off"
	PowerMissing = "missing" // the VM is gone from the hypervisor
	PowerPending = "pending" // no VM yet: its create operation has not finished
	PowerDeleted = "deleted" // deleted by a delete operation
)

// MachineObservation is what a site last saw of a machine on the hypervisor.
type MachineObservation struct {
	MachineID  string
	Power      string
	Addresses  []string
	VCPUs      int
	MemoryMiB  int
	DiskGiB    int
	Host       string
	ObservedAt time.Time
}

// SiteCapacity is a site's size and use.
type SiteCapacity struct {
	Clusters        int
	Hosts           int
	CPUTotalMHz     int64
	CPUUsedMHz      int64
	VCPUsTotal      int // physical cores
	VCPUsAllocated  int
	MemoryTotalMiB  int64
	MemoryUsedMiB   int64
	MemoryAllocMiB  int64
	StorageTotalGiB int64
	StorageFreeGiB  int64
}

// SiteInfo is a site's self-description.
type SiteInfo struct {
	Name       string
	APIVersion string
	Backend    string // "vsphere"
	Capacity   SiteCapacity
	Templates  []string
	Networks   []string
	LastSync   time.Time
}

// SiteClient is manage's client for one connect site, authenticated with
// this manage instance's credential. Every method returns EUNAVAILABLE when
// the site cannot be reached, so callers wait instead of hanging.
type SiteClient interface {
	// Info returns the site's capacity and inventory.
	Info(ctx context.Context) (*SiteInfo, error)
	// Submit queues an operation; the same Key returns the same operation. EINVALID.
	Submit(ctx context.Context, req OperationRequest) (*Operation, error)
	// Operation returns an operation of this manage instance. ENOTFOUND.
	Operation(ctx context.Context, id string) (*Operation, error)
	// Machine returns what the site last saw of a machine. ENOTFOUND.
	Machine(ctx context.Context, machineID string) (*MachineObservation, error)
}

// SiteConnector hands out a client for a registered site.
type SiteConnector interface {
	// Client returns the client of site id. ENOTFOUND, EUNAVAILABLE (disabled).
	Client(ctx context.Context, siteID string) (SiteClient, error)
}
