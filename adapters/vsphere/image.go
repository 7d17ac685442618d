package vsphere

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/ovf/importer"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

var _ hypervisor.ImageBackend = (*Backend)(nil)

// ImportImage imports an OVA (or an OVF with its disks next to it) from
// the site's image cache as template name, into the images folder on the
// datastore with the most free space. A template of that name already
// there is fine. This is how an image reaches a second vCenter: vCenter
// cannot export to another vCenter's content library across sites here, so
// connect Storage keeps each image once, content-addressed, and imports it
// into every site that needs it.
func (b *Backend) ImportImage(ctx context.Context, name, path string) error {
	if name == "" || path == "" {
		return domain.Errorf(domain.EINVALID, "An image needs a name and a file.")
	}
	if ref, err := b.findRef(ctx, "VirtualMachine", name); err != nil {
		return translate(err, "find the template")
	} else if ref != nil {
		return nil
	}
	dsName, dsRef, err := b.datastoreFor(ctx, "")
	if err != nil {
		return err
	}
	poolRef, err := b.importPool(ctx)
	if err != nil {
		return err
	}
	folder, err := b.folder(ctx, "tessera/images")
	if err != nil {
		return err
	}
	ds := object.NewDatastore(b.c, dsRef)
	ds.InventoryPath = dsName
	finder := find.NewFinder(b.c, true)
	finder.SetDatacenter(b.dc)
	opener := importer.Opener{Client: b.c}
	var archive importer.Archive = &importer.FileArchive{Path: path, Opener: opener}
	ovfName := path
	if strings.HasSuffix(strings.ToLower(path), ".ova") {
		archive = &importer.TapeArchive{Path: path, Opener: opener}
		ovfName = "*.ovf"
	}
	imp := &importer.Importer{
		Log:          func(string) (int, error) { return 0, nil },
		Name:         name,
		Client:       b.c,
		Finder:       finder,
		Datacenter:   b.dc,
		Datastore:    ds,
		ResourcePool: object.NewResourcePool(b.c, poolRef),
		Folder:       folder,
		Archive:      archive,
	}
	ref, err := imp.Import(ctx, ovfName, importer.Options{Name: &name, DiskProvisioning: string(types.OvfCreateImportSpecParamsDiskProvisioningTypeThin)})
	if err != nil {
		if r, ferr := b.searchRef(ctx, "VirtualMachine", name); ferr == nil && r != nil {
			return nil // a concurrent attempt imported it
		}
		if strings.Contains(err.Error(), "404 Not Found") || errors.Is(err, os.ErrNotExist) {
			return &domain.Error{Code: domain.ENOTFOUND, Message: "The image's file is not in the image cache.", Err: err}
		}
		return translate(fmt.Errorf("import %s: %w", name, err), "import the image")
	}
	vm := object.NewVirtualMachine(b.c, *ref)
	if err := vm.MarkAsTemplate(ctx); err != nil {
		return translate(err, "mark the image as a template")
	}
	return nil
}

// CaptureImage clones a stopped VM into a template of the tenant's own,
// in the images folder. A template of that name already there is fine.
func (b *Backend) CaptureImage(ctx context.Context, machineID, name string) error {
	if ref, err := b.findRef(ctx, "VirtualMachine", name); err != nil {
		return translate(err, "find the template")
	} else if ref != nil {
		return nil
	}
	folder, err := b.folder(ctx, "tessera/images")
	if err != nil {
		return err
	}
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		st, err := b.powerState(ctx, vm)
		if err != nil {
			return err
		}
		if st != types.VirtualMachinePowerStatePoweredOff {
			return domain.Errorf(domain.ECONFLICT, "Stop the machine before turning it into an image.")
		}
		p, err := vm.ResourcePool(ctx)
		if err != nil {
			return translate(err, "read the machine's resource pool")
		}
		pool := p.Reference()
		// The template must not look like the machine: a new instance UUID,
		// and no machine or operation tags.
		spec := types.VirtualMachineCloneSpec{Template: true, Location: types.VirtualMachineRelocateSpec{Pool: &pool},
			Config: &types.VirtualMachineConfigSpec{
				InstanceUuid: instanceUUID("image\x00" + name),
				Annotation:   "Image captured by Tessera from machine " + machineID + ".",
				ExtraConfig: []types.BaseOptionValue{
					&types.OptionValue{Key: keyMachine, Value: ""},
					&types.OptionValue{Key: keyOperation, Value: ""},
				},
			}}
		t, err := vm.Clone(ctx, folder, name, spec)
		if err == nil {
			_, err = t.WaitForResult(ctx)
		}
		if err != nil {
			if r, ferr := b.searchRef(ctx, "VirtualMachine", name); ferr == nil && r != nil {
				return nil
			}
		}
		return translate(err, "turn the machine into an image")
	})
}

// importPool is the configured pool, else the root pool of the first
// cluster or host (a datacenter with several clusters has no default).
func (b *Backend) importPool(ctx context.Context) (types.ManagedObjectReference, error) {
	if b.cfg.ResourcePool != "" || b.cfg.Cluster != "" {
		return b.defaultPool(ctx)
	}
	var hosts []mo.HostSystem
	if err := b.retrieve(ctx, "HostSystem", []string{"name"}, &hosts); err != nil {
		return types.ManagedObjectReference{}, translate(err, "read hosts")
	}
	if len(hosts) == 0 {
		return types.ManagedObjectReference{}, domain.Errorf(domain.ECONFLICT, "This site has no host to import images on.")
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].Name < hosts[j].Name })
	return b.poolOf(ctx, hosts[0].Self)
}

// DeleteImage destroys template name with its disks, freeing the
// provider's storage. An absent template is fine, so a retry after a crash
// succeeds; a VM of that name that is not a template is refused.
func (b *Backend) DeleteImage(ctx context.Context, name string) error {
	b.mu.Lock()
	delete(b.refs, "VirtualMachine/"+name) // a cached reference may be stale
	b.mu.Unlock()
	ref, err := b.searchRef(ctx, "VirtualMachine", name)
	if err != nil {
		return translate(err, "find the template")
	}
	if ref == nil {
		return nil
	}
	vm := object.NewVirtualMachine(b.c, *ref)
	var m mo.VirtualMachine
	if err := vm.Properties(ctx, *ref, []string{"config.template"}, &m); err != nil {
		if gone(err) {
			return nil
		}
		return translate(err, "read the template")
	}
	if m.Config == nil || !m.Config.Template {
		return domain.Errorf(domain.ECONFLICT, "%s is a virtual machine, not a template; it is not deleted.", name)
	}
	t, err := vm.Destroy(ctx)
	if err == nil {
		_, err = t.WaitForResult(ctx)
	}
	if err != nil && gone(err) {
		return nil // a concurrent attempt deleted it
	}
	return translate(err, "delete the template")
}
