package model

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

// Package model is connect's own model of the work a site does for its
// manage instances: operation requests and their records, what the site
// observes of machines, disks and networks, its self-description and its
// storage and network settings, with the rules that check them before the
// site accepts them. connect/api translates connect/v1's wire types to and
// from these; connect/central and connect/store work on them only.
//
// The json tags, where a type has them, are the format of connect's own
// jsonb columns (a machine's spec, an operation's payload, the network
// pool), kept as they were so existing site databases read back unchanged;
// they are not the wire format. Types that are never stored as JSON have none.

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
	Name       string `json:"name"`        // the tenant's name for the machine
	TenantSlug string `json:"tenant_slug"` // for the site's naming template
	VCPUs      int    `json:"vcpus"`
	MemoryMiB  int    `json:"memory_mib"`
	DiskGiB    int    `json:"disk_gib"`
	Image      string `json:"image"`   // template name in the site
	Network    string `json:"network"` // port group name in the site; "" for the site's default
	// Networks are the machine's NICs in order; when set they replace
	// Network. Each gets its fixed address through guest
	// customization.
	Networks []NICSpec `json:"networks,omitempty"`
}

// NICSpec is one network interface of a machine to create.
type NICSpec struct {
	PortGroup    string `json:"port_group"`
	Address      string `json:"address"`
	PrefixLength int    `json:"prefix_length"`
	Gateway      string `json:"gateway"`
}

// OperationRequest asks a site to act on a machine. Key makes it idempotent:
// the same key submitted again returns the first operation and runs nothing new.
type OperationRequest struct {
	Key       string
	Kind      OperationKind
	MachineID string // manage's machine id, also tagged on the VM
	Spec      *MachineSpec
	// Disk, Snapshot and Network carry storage operations (storage.go).
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
	PowerOn      = hypervisor.PowerOn
	PowerOff     = hypervisor.PowerOff
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

// SiteInfo is a site's self-description.
type SiteInfo struct {
	Name       string
	APIVersion string
	Backend    string // "vsphere"
	Capacity   hypervisor.Capacity
	Templates  []string
	Networks   []string
	LastSync   time.Time
}

var (
	opKinds   = map[OperationKind]bool{OpCreate: true, OpStart: true, OpStop: true, OpPowerOff: true, OpReboot: true, OpResize: true, OpDelete: true}
	machineRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)
)

// Validate checks a request before a site accepts it. EINVALID with fields.
func (r *OperationRequest) Validate() error {
	f := map[string]string{}
	if k := strings.TrimSpace(r.Key); k == "" || len(k) > 200 {
		f["idempotency_key"] = "An idempotency key of 1 to 200 characters is required."
	}
	if r.Kind.StorageOp() {
		r.validateStorage(f)
	} else if !opKinds[r.Kind] {
		f["kind"] = "Kind must be one of create, start, stop, poweroff, reboot, resize, delete, or a disk, snapshot or network operation."
	}
	if !r.Kind.StorageOp() && !machineRe.MatchString(r.MachineID) {
		f["machine_id"] = "A machine id of letters, digits, '-' and '_' is required."
	}
	if r.Kind == OpCreate || r.Kind == OpResize {
		if r.Spec == nil {
			f["spec"] = "A machine spec is required for " + string(r.Kind) + "."
		} else {
			s := r.Spec
			if s.VCPUs < 1 || s.VCPUs > 128 {
				f["spec.vcpus"] = "vCPUs must be between 1 and 128."
			}
			if s.MemoryMiB < 128 || s.MemoryMiB > 4<<20 {
				f["spec.memory_mib"] = "Memory must be between 128 MiB and 4 TiB."
			}
			if s.DiskGiB < 0 || s.DiskGiB > 64<<10 {
				f["spec.disk_gib"] = "The disk must be between 0 and 65536 GiB."
			}
			if r.Kind == OpCreate {
				if strings.TrimSpace(s.Name) == "" || len(s.Name) > 100 {
					f["spec.name"] = "A machine name of at most 100 characters is required."
				}
				if strings.TrimSpace(s.Image) == "" {
					f["spec.image"] = "An image (template) is required."
				}
				if msg := validNICs(s.Networks); msg != "" {
					f["spec.networks"] = msg
				}
			}
		}
	}
	if len(f) > 0 {
		return domain.Invalid(f)
	}
	return nil
}

// validNICs checks a create's NIC list; "" when fine.
func validNICs(nics []NICSpec) string {
	if len(nics) > domain.MaxMachineNICs {
		return fmt.Sprintf("A machine may have at most %d network interfaces.", domain.MaxMachineNICs)
	}
	for i, n := range nics {
		a, err := netip.ParseAddr(n.Address)
		if strings.TrimSpace(n.PortGroup) == "" || err != nil || !a.Is4() || n.PrefixLength < 1 || n.PrefixLength > 32 {
			return fmt.Sprintf("Interface %d needs a port group, an IPv4 address and a prefix length.", i+1)
		}
		if g, err := netip.ParseAddr(n.Gateway); n.Gateway != "" && (err != nil || !g.Is4()) {
			return fmt.Sprintf("Interface %d has a gateway that is not an IPv4 address.", i+1)
		}
	}
	return ""
}
