package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Flavor is a machine size offered by the provider.
type Flavor struct {
	ID        string
	Name      string
	VCPUs     int
	MemoryMiB int
	DiskGiB   int
	CreatedAt time.Time
}

// Validate returns EINVALID with a message per wrong field.
func (f *Flavor) Validate() error {
	e := map[string]string{}
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" || len(f.Name) > 40 {
		e["name"] = "Enter a name of at most 40 characters, e.g. s-2vcpu-4gb."
	}
	if f.VCPUs < 1 || f.VCPUs > 128 {
		e["vcpus"] = "vCPUs must be between 1 and 128."
	}
	if f.MemoryMiB < 256 || f.MemoryMiB > 4<<20 {
		e["memory_mib"] = "Memory must be between 256 and 4194304 MiB."
	}
	if f.DiskGiB < 1 || f.DiskGiB > 65536 {
		e["disk_gib"] = "Disk must be between 1 and 65536 GiB."
	}
	if len(e) > 0 {
		return Invalid(e)
	}
	return nil
}

// Label shows the flavor's size.
func (f *Flavor) Label() string { return SizeLabel(f.VCPUs, f.MemoryMiB, f.DiskGiB) }

// MachineImage is a template machines are created from (an image in the
// catalogue; not a branding image).
type MachineImage struct {
	ID        string
	Name      string // shown to tenants, e.g. "Debian 12"
	Template  string // the template's name in the sites
	OS        string // e.g. "linux", "windows"
	Licensed  bool   // carries a licence price
	CreatedAt time.Time

	// A tenant's own image (captured from one of its machines) has its
	// tenant, lives only at the site it was captured at, and has a state;
	// catalogue images have TenantID "" and are always ready.
	TenantID   string
	SiteID     string
	LocationID string
	MachineID  string // the machine it was captured from
	State      string // ImageCreating, ImageReady, ImageFailed, ImageDeleting, ImageDeleted
	Error      string
	LicenceKey string // the licensed source image's PriceKey
	// DeleteAttempts counts the tenant's deletes: each after a failed one
	// is a new site operation (ImageDeleteKey).
	DeleteAttempts int
}

// Private reports whether the image is a tenant's own.
func (i *MachineImage) Private() bool { return i.TenantID != "" }

// PriceKey is what rate cards price the image's licence by (its template
// name, e.g. windows-server-2022; a tenant's image of a licensed one keeps
// its source's); "" for images without a licence.
func (i *MachineImage) PriceKey() string {
	if !i.Licensed {
		return ""
	}
	if i.LicenceKey != "" {
		return i.LicenceKey
	}
	return i.Template
}

// Validate returns EINVALID with a message per wrong field.
func (i *MachineImage) Validate() error {
	e := map[string]string{}
	i.Name, i.Template, i.OS = strings.TrimSpace(i.Name), strings.TrimSpace(i.Template), strings.ToLower(strings.TrimSpace(i.OS))
	if i.Name == "" || len(i.Name) > 60 {
		e["name"] = "Enter a name of at most 60 characters, e.g. Debian 12."
	}
	if i.Template == "" || len(i.Template) > 80 {
		e["template"] = "Enter the template's name in the sites (at most 80 characters)."
	}
	if i.OS == "" {
		i.OS = "linux"
	}
	if i.OS != "linux" && i.OS != "windows" && i.OS != "other" {
		e["os"] = "Choose linux, windows or other."
	}
	if len(e) > 0 {
		return Invalid(e)
	}
	return nil
}

// Quota limits what a tenant may run at once.
type Quota struct {
	TenantID  string
	Machines  int
	VCPUs     int
	MemoryMiB int
	DiskGiB   int
}

// DefaultQuota applies to a tenant until the provider sets one.
var DefaultQuota = Quota{Machines: 10, VCPUs: 20, MemoryMiB: 40960, DiskGiB: 1000}

// Validate returns EINVALID for negative limits.
func (q *Quota) Validate() error {
	e := map[string]string{}
	for k, v := range map[string]int{"machines": q.Machines, "vcpus": q.VCPUs, "memory_mib": q.MemoryMiB, "disk_gib": q.DiskGiB} {
		if v < 0 || v > 1<<30 {
			e["quota_"+k] = "Enter a whole number of 0 or more."
		}
	}
	if len(e) > 0 {
		return Invalid(e)
	}
	return nil
}

// Usage is what a tenant's machines take up (deleted ones excluded).
type Usage struct {
	Machines  int
	VCPUs     int
	MemoryMiB int
	DiskGiB   int
}

// CheckQuota returns ECONFLICT naming the first quota that adding add to used
// would exceed, and by how much.
func CheckQuota(q Quota, used, add Usage) error {
	type dim struct {
		name        string
		limit, u, a int
		unit        string
	}
	for _, d := range []dim{
		{"machines", q.Machines, used.Machines, add.Machines, ""},
		{"vCPUs", q.VCPUs, used.VCPUs, add.VCPUs, ""},
		{"memory", q.MemoryMiB, used.MemoryMiB, add.MemoryMiB, " MiB"},
		{"disk", q.DiskGiB, used.DiskGiB, add.DiskGiB, " GiB"},
	} {
		if d.a > 0 && d.u+d.a > d.limit {
			return &Error{Code: ECONFLICT, Message: fmt.Sprintf("Quota exceeded: %s. Your quota is %d%s, %d%s in use; this needs %d%s more, %d%s over. Delete a machine or ask your provider for a larger quota.",
				d.name, d.limit, d.unit, d.u, d.unit, d.a, d.unit, d.u+d.a-d.limit, d.unit)}
		}
	}
	return nil
}

// TenantCatalogue is what one tenant may use.
type TenantCatalogue struct {
	LocationIDs []string
	FlavorIDs   []string
	ImageIDs    []string
}

// CatalogueService stores flavors, images, per-tenant allow-lists and quotas.
// Flavors and images are the provider's; the per-tenant methods fail
// EINTERNAL without a tenant id (RequireTenant).
type CatalogueService interface {
	CreateFlavor(ctx context.Context, f *Flavor) error // EINVALID, ECONFLICT
	FindFlavors(ctx context.Context) ([]*Flavor, error)
	FindFlavorByID(ctx context.Context, id string) (*Flavor, error) // ENOTFOUND
	DeleteFlavor(ctx context.Context, id string) error              // ENOTFOUND, ECONFLICT (in use)
	CreateImage(ctx context.Context, i *MachineImage) error         // EINVALID, ECONFLICT
	FindImages(ctx context.Context) ([]*MachineImage, error)
	FindImageByID(ctx context.Context, id string) (*MachineImage, error) // ENOTFOUND
	DeleteImage(ctx context.Context, id string) error                    // ENOTFOUND, ECONFLICT

	// TenantFlavors/TenantImages return what tenantID may use, by name.
	TenantFlavors(ctx context.Context, tenantID string) ([]*Flavor, error)
	TenantImages(ctx context.Context, tenantID string) ([]*MachineImage, error)
	TenantLocationIDs(ctx context.Context, tenantID string) ([]string, error)
	// SetTenantCatalogue replaces the tenant's allow-lists.
	SetTenantCatalogue(ctx context.Context, tenantID string, c TenantCatalogue) error
	// FindQuota returns the tenant's quota (DefaultQuota until set) and usage.
	FindQuota(ctx context.Context, tenantID string) (*Quota, *Usage, error)
	SetQuota(ctx context.Context, q *Quota) error // EINVALID
}
