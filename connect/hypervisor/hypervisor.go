// Package hypervisor holds the ports a connect site needs from the
// virtualisation system it controls (compute, storage, networks, images,
// public addresses), the types they speak, and the site's own placement of
// a machine on a host. adapters/vsphere implements the ports over govmomi;
// the site's workflow engine (connect/central) calls them. A next
// hypervisor (Hyper-V, KVM) implements the same interfaces.
//
// Nothing of manage lives here: manage talks to a site only over
// connect/v1. The json tags of Inventory and its parts are the format of
// connect's own database (the last inventory sync), not a wire format.
package hypervisor

import (
	"context"
	"time"
)

// Power states a backend reports of a VM.
const (
	PowerOn  = "on"
	PowerOff = "off"
)

// Capacity is a site's size and use, summed from its inventory.
type Capacity struct {
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

// HostInfo is one hypervisor host with its size and what is placed on it.
type HostInfo struct {
	Name       string   `json:"name"`
	Cluster    string   `json:"cluster"` // "" for a standalone host
	Cores      int      `json:"cores"`
	CPUMHz     int64    `json:"cpu_mhz"`      // total
	CPUUsedMHz int64    `json:"cpu_used_mhz"` // current demand
	MemoryMiB  int64    `json:"memory_mib"`
	MemUsedMiB int64    `json:"memory_used_mib"` // current use
	VCPUsAlloc int      `json:"vcpus_allocated"` // vCPUs of the VMs registered on the host
	MemAlloc   int64    `json:"memory_allocated_mib"`
	VMs        int      `json:"vms"`
	Usable     bool     `json:"usable"` // connected and not in maintenance
	Datastores []string `json:"datastores"`
}

// DatastoreInfo is one datastore.
type DatastoreInfo struct {
	Name        string `json:"name"`
	CapacityGiB int64  `json:"capacity_gib"`
	FreeGiB     int64  `json:"free_gib"`
	Usable      bool   `json:"usable"` // accessible and not in maintenance
}

// Inventory is what a backend has: compute, storage, images and networks.
type Inventory struct {
	Clusters   []string        `json:"clusters"`
	Hosts      []HostInfo      `json:"hosts"`
	Datastores []DatastoreInfo `json:"datastores"`
	Templates  []string        `json:"templates"`
	Networks   []string        `json:"networks"`
}

// Capacity sums an inventory into a site's capacity.
func (inv *Inventory) Capacity() Capacity {
	c := Capacity{Clusters: len(inv.Clusters), Hosts: len(inv.Hosts)}
	for _, h := range inv.Hosts {
		c.CPUTotalMHz += h.CPUMHz
		c.CPUUsedMHz += h.CPUUsedMHz
		c.VCPUsTotal += h.Cores
		c.VCPUsAllocated += h.VCPUsAlloc
		c.MemoryTotalMiB += h.MemoryMiB
		c.MemoryUsedMiB += h.MemUsedMiB
		c.MemoryAllocMiB += h.MemAlloc
	}
	for _, d := range inv.Datastores {
		c.StorageTotalGiB += d.CapacityGiB
		c.StorageFreeGiB += d.FreeGiB
	}
	return c
}

// VMCreate asks a backend to clone a VM from a template onto a placement.
type VMCreate struct {
	MachineID   string // manage's machine id, tagged on the VM
	OperationID string // the operation that creates it, tagged on the VM
	Name        string // rendered by the site's naming template
	Folder      string // folder path under the datacenter's VM folder, e.g. tessera/acme
	Template    string
	VCPUs       int
	MemoryMiB   int
	DiskGiB     int    // 0 keeps the template's size; a disk never shrinks
	Network     string // port group; "" keeps the template's
	// NICs, when set, replace Network: the first NIC's backing is the first
	// port group, one more NIC per further port group, and each gets its
	// fixed address through guest customization.
	NICs      []NIC
	Host      string // from Place
	Datastore string // from Place
}

// NIC is one network interface of a VM to create, with the fixed address
// guest customization gives it.
type NIC struct {
	PortGroup    string
	Address      string
	PrefixLength int
	Gateway      string
}

// VMState is what a backend reports about one Tessera VM.
type VMState struct {
	MachineID   string
	OperationID string // the operation that created it
	Name        string
	Power       string // PowerOn, PowerOff
	VCPUs       int
	MemoryMiB   int
	DiskGiB     int
	Host        string
	Addresses   []string
	GuestTools  bool // tools running: a guest shutdown can work
	ObservedAt  time.Time
}

// Backend is a hypervisor as one site controls it. Every method returns
// domain.EUNAVAILABLE when the hypervisor cannot be reached; VMs are found by the
// Tessera machine id tagged on them, never by name.
type Backend interface {
	// Inventory lists hosts, datastores, templates and networks with capacity.
	Inventory(ctx context.Context) (*Inventory, error)
	// CreateVM clones a template. If a VM with req.MachineID exists already it
	// returns that VM and creates nothing. ENOTFOUND (template, host, datastore,
	// network), EINVALID, ECONFLICT (name taken by another VM).
	CreateVM(ctx context.Context, req VMCreate) (*VMState, error)
	// FindVM returns the VM tagged with machineID. ENOTFOUND.
	FindVM(ctx context.Context, machineID string) (*VMState, error)
	// ListVMs returns every VM this site created (tagged), for reconciliation.
	ListVMs(ctx context.Context) ([]*VMState, error)
	// PowerOn starts a VM; a running VM is fine. ENOTFOUND.
	PowerOn(ctx context.Context, machineID string) error
	// PowerOff stops a VM hard; a stopped VM is fine. ENOTFOUND.
	PowerOff(ctx context.Context, machineID string) error
	// Shutdown asks the guest to shut down and waits up to timeout, then powers
	// off. A stopped VM is fine. ENOTFOUND.
	Shutdown(ctx context.Context, machineID string, timeout time.Duration) error
	// Reboot restarts the guest (a reset if its tools do not run). ENOTFOUND,
	// ECONFLICT (powered off).
	Reboot(ctx context.Context, machineID string) error
	// Reconfigure sets vCPUs and memory, and grows the disk (0 leaves a value
	// unchanged). EINVALID (disk shrink), ENOTFOUND.
	Reconfigure(ctx context.Context, machineID string, vcpus, memoryMiB, diskGiB int) error
	// Destroy powers a VM off and deletes it; a missing VM is fine.
	Destroy(ctx context.Context, machineID string) error
}
