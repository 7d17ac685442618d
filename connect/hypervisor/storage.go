package hypervisor

import "context"

// This file is the storage and network part of the hypervisor backend port,
// kept apart from Backend so a backend can offer compute first. connect
// Storage and Gateway call it; adapters/vsphere implements it.

// Datastore kinds a storage class can map to.
const (
	DatastoreKindDatastore = "datastore"
	DatastoreKindCluster   = "cluster" // a datastore cluster (vSphere storage pod)
)

// DatastoreChoice is a datastore or datastore cluster of a site.
type DatastoreChoice struct {
	Name        string
	Kind        string // datastore, cluster
	CapacityGiB int64
	FreeGiB     int64
}

// DatastoreLister is the part of a hypervisor backend that lists the
// site's datastores and datastore clusters.
type DatastoreLister interface {
	Datastores(ctx context.Context) ([]DatastoreChoice, error)
}

// DiskCreate asks a backend for a standalone disk.
type DiskCreate struct {
	DiskID    string // manage's disk id; names the disk's file, so a retry finds it
	SizeGiB   int
	Datastore string // "" for the first usable datastore
}

// DiskInfo is what a backend reports about a standalone disk.
type DiskInfo struct {
	DiskID    string
	Datastore string
	Path      string // "[datastore] tessera-disks/ID.vmdk"
	SizeGiB   int
}

// StorageBackend manages standalone disks and machine snapshots. Every
// method is idempotent: repeating a step that already happened succeeds.
type StorageBackend interface {
	// CreateDisk makes a disk, or returns the one an earlier attempt made.
	// ENOTFOUND (datastore), ECONFLICT (no space).
	CreateDisk(ctx context.Context, req DiskCreate) (*DiskInfo, error)
	// AttachDisk attaches a disk to machineID's VM; attached already is fine. ENOTFOUND.
	AttachDisk(ctx context.Context, machineID string, disk DiskInfo) error
	// DetachDisk detaches a disk and keeps its file; not attached is fine. ENOTFOUND (VM).
	DetachDisk(ctx context.Context, machineID string, disk DiskInfo) error
	// GrowDisk grows a disk (attached to machineID, or standalone when
	// machineID is ""); the size already reached is fine. EINVALID (shrink).
	GrowDisk(ctx context.Context, machineID string, disk DiskInfo, sizeGiB int) error
	// DeleteDisk deletes a detached disk; gone already is fine.
	DeleteDisk(ctx context.Context, disk DiskInfo) error
	// CreateSnapshot snapshots machineID's VM under name (the snapshot id);
	// existing already is fine. ENOTFOUND (VM).
	CreateSnapshot(ctx context.Context, machineID, name string) error
	// RevertSnapshot restores the VM to snapshot name. ENOTFOUND.
	RevertSnapshot(ctx context.Context, machineID, name string) error
	// RemoveSnapshot removes snapshot name; gone already is fine. ENOTFOUND (VM).
	RemoveSnapshot(ctx context.Context, machineID, name string) error
	// Snapshots lists the names of the VM's snapshots. ENOTFOUND.
	Snapshots(ctx context.Context, machineID string) ([]string, error)
}

// NetworkBackend manages the port groups that back tenant networks.
type NetworkBackend interface {
	// EnsurePortGroup returns port group name, creating it with vlanID on the
	// site's distributed switch when it does not exist. ENOTFOUND (no switch).
	EnsurePortGroup(ctx context.Context, name string, vlanID int) error
	// PortGroups lists the site's port groups.
	PortGroups(ctx context.Context) ([]string, error)
	// DeletePortGroup removes a port group; gone already is fine. ECONFLICT (in use).
	DeletePortGroup(ctx context.Context, name string) error
}

// ImageBackend imports images from connect Storage's image cache.
type ImageBackend interface {
	// ImportImage imports the OVA or OVF at path as template name; a
	// template of that name already there is fine. EINVALID, ECONFLICT.
	ImportImage(ctx context.Context, name, path string) error
	// CaptureImage clones machineID's stopped VM into template name; a
	// template of that name already there is fine. ECONFLICT (running), ENOTFOUND.
	CaptureImage(ctx context.Context, machineID, name string) error
	// DeleteImage removes template name and its disks; absent is fine.
	// ECONFLICT (name is a VM, not a template).
	DeleteImage(ctx context.Context, name string) error
}

// AddressBackend records which public addresses map to a machine. A backend
// without NAT of its own (vSphere without NSX) keeps the mapping on the VM,
// where the provider's edge reads it; every method is idempotent.
type AddressBackend interface {
	// MapPublicAddress records address on machineID's VM; there already is fine. ENOTFOUND (VM).
	MapPublicAddress(ctx context.Context, machineID, address string) error
	// UnmapPublicAddress removes address from the VM; absent, or the VM gone, is fine.
	UnmapPublicAddress(ctx context.Context, machineID, address string) error
	// PublicAddresses lists the addresses mapped to the VM. ENOTFOUND.
	PublicAddresses(ctx context.Context, machineID string) ([]string, error)
}
