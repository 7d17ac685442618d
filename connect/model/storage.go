package model

import (
	"net/netip"
	"regexp"
	"strings"

	"tessera/domain"
)

// This file extends connect's operations (operation.go) with connect
// Storage's and Gateway's. They travel as OperationRequests
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
	ID      string `json:"id"`
	Address string `json:"address"`
}

// ImageRequest names the image of an image operation.
type ImageRequest struct {
	Name string `json:"name"`          // the template's name at the site
	URL  string `json:"url,omitempty"` // import: where the site fetches the OVA (connect Storage's image cache)
}

// DiskRequest names the disk of a disk operation.
type DiskRequest struct {
	ID      string `json:"id"`
	SizeGiB int    `json:"size_gib,omitempty"` // create and grow
	Class   string `json:"class,omitempty"`    // create; "" for standard
}

// NetworkRequest names the network of a network operation. The site picks
// the port group: PortGroup if given (an existing one the provider admin
// assigned), else a new one with a VLAN id from the site's pool.
type NetworkRequest struct {
	ID        string `json:"id"`
	PortGroup string `json:"port_group,omitempty"`
}

// StorageOp reports whether k is a disk, snapshot or network operation.
func (k OperationKind) StorageOp() bool {
	switch k {
	case OpDiskCreate, OpDiskAttach, OpDiskDetach, OpDiskGrow, OpDiskDelete,
		OpSnapshotCreate, OpSnapshotRevert, OpSnapshotDelete, OpNetworkCreate, OpNetworkDelete,
		OpImageImport, OpImageCapture, OpImageDelete, OpAddressAttach, OpAddressDetach:
		return true
	}
	return false
}

// Subject is the object an operation acts on; a site runs the operations of
// one subject one after another. For attach and detach it is the machine
// (whose VM is reconfigured).
func (r *OperationRequest) Subject() string {
	switch r.Kind {
	case OpDiskCreate, OpDiskGrow, OpDiskDelete:
		if r.Disk != nil {
			return "disk:" + r.Disk.ID
		}
	case OpNetworkCreate, OpNetworkDelete:
		if r.Network != nil {
			return "network:" + r.Network.ID
		}
	case OpImageImport, OpImageDelete:
		if r.Image != nil {
			return "image:" + r.Image.Name
		}
	}
	return r.MachineID
}

// validateStorage checks the parts of a storage operation into f.
func (r *OperationRequest) validateStorage(f map[string]string) {
	needMachine := false
	switch r.Kind {
	case OpDiskCreate, OpDiskAttach, OpDiskDetach, OpDiskGrow, OpDiskDelete:
		needMachine = r.Kind == OpDiskAttach || r.Kind == OpDiskDetach
		if r.Disk == nil || !machineRe.MatchString(r.Disk.ID) {
			f["disk.id"] = "A disk id of letters, digits, '-' and '_' is required."
			break
		}
		if (r.Kind == OpDiskCreate || r.Kind == OpDiskGrow) && (r.Disk.SizeGiB < domain.MinDiskGiB || r.Disk.SizeGiB > domain.MaxDiskGiB) {
			f["disk.size_gib"] = "The size must be between 1 and 16384 GiB."
		}
		if r.Kind == OpDiskCreate && r.Disk.Class != "" && !domain.ValidStorageClass(r.Disk.Class) {
			f["disk.class"] = "The class must be standard or fast."
		}
	case OpSnapshotCreate, OpSnapshotRevert, OpSnapshotDelete:
		needMachine = true
		if !machineRe.MatchString(r.Snapshot) {
			f["snapshot"] = "A snapshot id of letters, digits, '-' and '_' is required."
		}
	case OpImageImport, OpImageCapture, OpImageDelete:
		needMachine = r.Kind == OpImageCapture
		if r.Image == nil || !imageNameRe.MatchString(r.Image.Name) {
			f["image.name"] = "An image name of letters, digits, '.', '_' and '-' is required."
		} else if r.Kind == OpImageDelete && !strings.HasPrefix(r.Image.Name, domain.TenantTemplatePrefix) {
			// The catalogue's templates are the provider's; only tenants' own are deleted.
			f["image.name"] = "Only a tenant's own image (img-…) can be deleted."
		} else if r.Kind == OpImageImport && !strings.HasPrefix(r.Image.URL, "http://") && !strings.HasPrefix(r.Image.URL, "https://") {
			f["image.url"] = "The image's http(s) URL in the image cache is required."
		}
	case OpAddressAttach, OpAddressDetach:
		needMachine = true
		if r.Address == nil || !machineRe.MatchString(r.Address.ID) {
			f["address.id"] = "An address id of letters, digits, '-' and '_' is required."
		} else if a, err := netip.ParseAddr(r.Address.Address); err != nil || !a.Is4() {
			f["address.address"] = "An IPv4 address is required."
		}
	case OpNetworkCreate, OpNetworkDelete:
		if r.Network == nil || !machineRe.MatchString(r.Network.ID) {
			f["network.id"] = "A network id of letters, digits, '-' and '_' is required."
		} else if len(r.Network.PortGroup) > 80 || strings.ContainsAny(r.Network.PortGroup, "/\\%") {
			f["network.port_group"] = "The port group name is not valid."
		}
	}
	if needMachine && !machineRe.MatchString(r.MachineID) {
		f["machine_id"] = "A machine id of letters, digits, '-' and '_' is required."
	} else if !needMachine && r.MachineID != "" && !machineRe.MatchString(r.MachineID) {
		f["machine_id"] = "A machine id of letters, digits, '-' and '_' is required."
	}
}

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
