// Package connectv1 is the connect/v1 wire format: the JSON bodies manage
// instances and connect sites exchange under /connect/v1, and the problem
// document a site answers an error with. connect's server (connect/api) and
// manage's client (adapters/connectapi) both import it, so the two sides
// cannot drift apart; each translates these types to and from its own model
// (connect/model on the site, domain in manage).
//
// The format is versioned: within v1 fields are only ever added, never
// renamed, retyped or given a new meaning. manage ignores answer fields it
// does not know; a site refuses request fields it does not know (422 naming
// the field), so a manage never believes a site did something it cannot.
// A change that breaks these rules is connect/v2, served next to v1.
package connectv1

import (
	"time"

	"tessera/adapters/httpjson"
)

// Prefix is the path every v1 endpoint lives under.
const Prefix = "/connect/v1"

// OperationRequest is the body of POST /connect/v1/operations. The same
// idempotency key submitted again returns the first operation.
type OperationRequest struct {
	Key       string       `json:"idempotency_key"`
	Kind      string       `json:"kind"`
	MachineID string       `json:"machine_id"`
	Spec      *MachineSpec `json:"spec,omitempty"`
	// Disk, Snapshot, Network, Image and Address carry storage, gateway
	// and image operations.
	Disk     *DiskRequest    `json:"disk,omitempty"`
	Snapshot string          `json:"snapshot,omitempty"`
	Network  *NetworkRequest `json:"network,omitempty"`
	Image    *ImageRequest   `json:"image,omitempty"`
	// Power "on" asks a snapshot revert to leave the machine running.
	Power   string          `json:"power,omitempty"`
	Address *AddressRequest `json:"address,omitempty"`
}

// MachineSpec is the shape of a machine to create or resize to.
type MachineSpec struct {
	Name       string    `json:"name"`
	TenantSlug string    `json:"tenant_slug"`
	VCPUs      int       `json:"vcpus"`
	MemoryMiB  int       `json:"memory_mib"`
	DiskGiB    int       `json:"disk_gib"`
	Image      string    `json:"image"`
	Network    string    `json:"network"`
	Networks   []NICSpec `json:"networks,omitempty"`
}

// NICSpec is one network interface of a machine to create.
type NICSpec struct {
	PortGroup    string `json:"port_group"`
	Address      string `json:"address"`
	PrefixLength int    `json:"prefix_length"`
	Gateway      string `json:"gateway"`
}

// DiskRequest names the disk of a disk operation.
type DiskRequest struct {
	ID      string `json:"id"`
	SizeGiB int    `json:"size_gib,omitempty"`
	Class   string `json:"class,omitempty"`
}

// NetworkRequest names the network of a network operation.
type NetworkRequest struct {
	ID        string `json:"id"`
	PortGroup string `json:"port_group,omitempty"`
}

// ImageRequest names the image of an image operation.
type ImageRequest struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// AddressRequest names the public address of an address operation.
type AddressRequest struct {
	ID      string `json:"id"`
	Address string `json:"address"`
}

// Operation is a site's record of a request: the answer to a submit and
// to GET /connect/v1/operations/{id}.
type Operation struct {
	ID         string     `json:"id"`
	Key        string     `json:"idempotency_key"`
	Kind       string     `json:"kind"`
	MachineID  string     `json:"machine_id"`
	State      string     `json:"state"` // queued, running, succeeded, failed
	Error      string     `json:"error,omitempty"`
	Attempts   int        `json:"attempts"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// MachineObservation is GET /connect/v1/machines/{id}.
type MachineObservation struct {
	MachineID  string    `json:"machine_id"`
	Power      string    `json:"power"` // on, off, missing, pending, deleted
	Addresses  []string  `json:"addresses"`
	VCPUs      int       `json:"vcpus"`
	MemoryMiB  int       `json:"memory_mib"`
	DiskGiB    int       `json:"disk_gib"`
	Host       string    `json:"host"`
	ObservedAt time.Time `json:"observed_at"`
}

// DiskObservation is GET /connect/v1/disks/{id}.
type DiskObservation struct {
	DiskID    string `json:"disk_id"`
	State     string `json:"state"` // pending, available, attached, deleted
	SizeGiB   int    `json:"size_gib"`
	Class     string `json:"class"`
	Datastore string `json:"datastore"`
	MachineID string `json:"machine_id,omitempty"`
}

// NetworkObservation is GET /connect/v1/networks/{id}.
type NetworkObservation struct {
	NetworkID string `json:"network_id"`
	State     string `json:"state"` // pending, ready, deleted
	PortGroup string `json:"port_group"`
	VLAN      int    `json:"vlan"`
}

// SiteCapacity is a site's size and use.
type SiteCapacity struct {
	Clusters        int   `json:"clusters"`
	Hosts           int   `json:"hosts"`
	CPUTotalMHz     int64 `json:"cpu_total_mhz"`
	CPUUsedMHz      int64 `json:"cpu_used_mhz"`
	VCPUsTotal      int   `json:"vcpus_total"`
	VCPUsAllocated  int   `json:"vcpus_allocated"`
	MemoryTotalMiB  int64 `json:"memory_total_mib"`
	MemoryUsedMiB   int64 `json:"memory_used_mib"`
	MemoryAllocMiB  int64 `json:"memory_allocated_mib"`
	StorageTotalGiB int64 `json:"storage_total_gib"`
	StorageFreeGiB  int64 `json:"storage_free_gib"`
}

// SiteInfo is GET /connect/v1/site: the site's self-description.
type SiteInfo struct {
	Name       string       `json:"name"`
	APIVersion string       `json:"api_version"`
	Backend    string       `json:"backend"`
	Capacity   SiteCapacity `json:"capacity"`
	Templates  []string     `json:"templates"`
	Networks   []string     `json:"networks"`
	LastSync   time.Time    `json:"last_sync"`
}

// DatastoreChoice is a datastore or datastore cluster of a site.
type DatastoreChoice struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"` // datastore, cluster
	CapacityGiB int64  `json:"capacity_gib"`
	FreeGiB     int64  `json:"free_gib"`
}

// StorageClassSettings is GET and PUT /connect/v1/storage-classes. A PUT
// sends Classes only; Datastores is what the site offers (read-only).
type StorageClassSettings struct {
	Classes    map[string]string `json:"classes"`
	Datastores []DatastoreChoice `json:"datastores,omitempty"`
}

// NetworkPool is GET and PUT /connect/v1/network-pool. Available is the
// site's port groups (read-only).
type NetworkPool struct {
	VLANFrom   int      `json:"vlan_from"`
	VLANTo     int      `json:"vlan_to"`
	PortGroups []string `json:"port_groups"`
	Available  []string `json:"available_port_groups,omitempty"`
}

// Problem is the RFC 9457 problem document (application/problem+json) a
// site answers every error with. Code is one of the codes below; Errors maps
// a request field (by its JSON name, e.g. "spec.vcpus") to what is wrong.
type Problem = httpjson.Problem

// Problem codes. They are spelled like manage's and connect's error codes,
// so each side maps them one to one.
const (
	CodeInvalid      = "invalid"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeForbidden    = "forbidden"
	CodeUnauthorized = "unauthorized"
	CodeUnavailable  = "unavailable"
	CodeTooMany      = "too_many"
	CodeInternal     = "internal"
)
