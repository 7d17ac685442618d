package domain

import (
	"context"
	"regexp"
)

// This file extends what manage asks a site (connect.go) with connect
// Storage's and Gateway's operations. They travel as OperationRequests
// through the same durable, idempotent workflows as machine operations.

// Operation kinds for disks, snapshots and networks.
const (
	OpDiskCreate     OperationKind = "disk_create"     // Disk: id, size, class
	OpDiskAttach     OperationKind = "disk_attach"     // MachineID, Disk.ID
	OpDiskDetach     OperationKind = "disk_detach"     // MachineID, Disk.ID
	OpDiskGrow       OperationKind = "disk_grow"       // Disk: id, new size
	OpDiskDelete     OperationKind = "disk_delete"     // Disk.ID
	OpSnapshotCreate OperationKind = "snapshot_create" // MachineID, Snapshot
	OpSnapshotRevert OperationKind = "snapshot_revert" // MachineID, Snapshot
	OpSnapshotDelete OperationKind = "snapshot_delete" // MachineID, Snapshot
	OpNetworkCreate  OperationKind = "network_create"  // Network.ID
	OpNetworkDelete  OperationKind = "network_delete"  // Network.ID
	OpImageImport    OperationKind = "image_import"    // Image: name, URL of the OVA in the image cache
	OpImageCapture   OperationKind = "image_capture"   // MachineID (stopped), Image.Name
	OpImageDelete    OperationKind = "image_delete"    // Image.Name: a tenant's own template (img-…); gone already is fine
	OpAddressAttach  OperationKind = "address_attach"  // MachineID, Address: map the public address to the machine
	OpAddressDetach  OperationKind = "address_detach"  // MachineID, Address: remove the mapping
)

// AddressRequest names the public address of an address operation. A site
// whose backend has no NAT of its own records the mapping on the VM (vSphere:
// guestinfo.tessera.public_address) for the provider's edge to apply.
type AddressRequest struct {
	ID      string
	Address string
}

// ImageRequest names the image of an image operation.
type ImageRequest struct {
	Name string // the template's name at the site
	URL  string // import: where the site fetches the OVA (connect Storage's image cache)
}

// DiskRequest names the disk of a disk operation.
type DiskRequest struct {
	ID      string
	SizeGiB int    // create and grow
	Class   string // create; "" for standard
}

// NetworkRequest names the network of a network operation. The site picks
// the port group: PortGroup if given (an existing one the provider admin
// assigned), else a new one with a VLAN id from the site's pool.
type NetworkRequest struct {
	ID        string
	PortGroup string
}

// TenantTemplatePrefix starts the template name of every tenant's own image.
const TenantTemplatePrefix = "img-"

var imageNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$`)

// DiskObservation is what a site knows of a disk.
type DiskObservation struct {
	DiskID    string
	State     string // pending, available, attached, deleted
	SizeGiB   int
	Class     string
	Datastore string
	MachineID string
}

// NetworkObservation is what a site knows of a network.
type NetworkObservation struct {
	NetworkID string
	State     string // pending, ready, deleted
	PortGroup string
	VLAN      int
}

// SiteStorageClient is the Storage and Gateway part of a site's client;
// adapters/connectapi's client implements it next to SiteClient.
type SiteStorageClient interface {
	// Disk returns what the site knows of a disk of this manage instance. ENOTFOUND.
	Disk(ctx context.Context, diskID string) (*DiskObservation, error)
	// Network returns what the site knows of a network of this manage instance. ENOTFOUND.
	Network(ctx context.Context, networkID string) (*NetworkObservation, error)
}
