package vsphere

import (
	"context"
	"sort"

	"tessera/connect/hypervisor"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const mib = 1 << 20

// retrieve reads properties of all objects of kind under the datacenter
// through one container view.
func (b *Backend) retrieve(ctx context.Context, kind string, props []string, dst any) error {
	m := view.NewManager(b.c)
	v, err := m.CreateContainerView(ctx, b.dc.Reference(), []string{kind}, true)
	if err != nil {
		return err
	}
	defer func() { _ = v.Destroy(context.WithoutCancel(ctx)) }()
	return v.Retrieve(ctx, []string{kind}, props, dst)
}

// findRef finds an object of kind by name under the datacenter. Found
// references are cached: a container view search reads every object's name,
// which on a busy vCenter waits for locks held by running clones.
func (b *Backend) findRef(ctx context.Context, kind, name string) (*types.ManagedObjectReference, error) {
	key := kind + "/" + name
	b.mu.Lock()
	ref, ok := b.refs[key]
	b.mu.Unlock()
	if ok {
		return &ref, nil
	}
	found, err := b.searchRef(ctx, kind, name)
	if err == nil && found != nil {
		b.mu.Lock()
		b.refs[key] = *found
		b.mu.Unlock()
	}
	return found, err
}

// forgetRefs drops cached references (after a "not found" from vCenter).
func (b *Backend) forgetRefs() {
	b.mu.Lock()
	clear(b.refs)
	clear(b.folders)
	b.mu.Unlock()
}

func (b *Backend) searchRef(ctx context.Context, kind, name string) (*types.ManagedObjectReference, error) {
	m := view.NewManager(b.c)
	v, err := m.CreateContainerView(ctx, b.dc.Reference(), []string{kind}, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(context.WithoutCancel(ctx)) }()
	refs, err := v.Find(ctx, []string{kind}, property.Match{"name": name})
	if err != nil || len(refs) == 0 {
		return nil, err
	}
	return &refs[0], nil
}

// Inventory lists the datacenter's clusters, hosts, datastores, templates
// and networks with their capacity and allocation.
func (b *Backend) Inventory(ctx context.Context) (*hypervisor.Inventory, error) {
	var clusters []mo.ClusterComputeResource
	if err := b.retrieve(ctx, "ClusterComputeResource", []string{"name"}, &clusters); err != nil {
		return nil, translate(err, "read clusters")
	}
	var hosts []mo.HostSystem
	if err := b.retrieve(ctx, "HostSystem", []string{"name", "parent", "summary.hardware", "summary.quickStats", "runtime.connectionState", "runtime.inMaintenanceMode", "datastore"}, &hosts); err != nil {
		return nil, translate(err, "read hosts")
	}
	var stores []mo.Datastore
	if err := b.retrieve(ctx, "Datastore", []string{"name", "summary"}, &stores); err != nil {
		return nil, translate(err, "read datastores")
	}
	var vms []mo.VirtualMachine
	if err := b.retrieve(ctx, "VirtualMachine", []string{"name", "config.template", "config.hardware.numCPU", "config.hardware.memoryMB", "runtime.host"}, &vms); err != nil {
		return nil, translate(err, "read virtual machines")
	}
	var nets []mo.Network
	if err := b.retrieve(ctx, "Network", []string{"name"}, &nets); err != nil {
		return nil, translate(err, "read networks")
	}
	inv := &hypervisor.Inventory{}
	clusterName := map[types.ManagedObjectReference]string{}
	for _, c := range clusters {
		clusterName[c.Self] = c.Name
		inv.Clusters = append(inv.Clusters, c.Name)
	}
	dsName := map[types.ManagedObjectReference]string{}
	for _, d := range stores {
		dsName[d.Self] = d.Name
		inv.Datastores = append(inv.Datastores, hypervisor.DatastoreInfo{
			Name: d.Name, CapacityGiB: d.Summary.Capacity >> 30, FreeGiB: d.Summary.FreeSpace >> 30,
			Usable: d.Summary.Accessible && (d.Summary.MaintenanceMode == "" || d.Summary.MaintenanceMode == string(types.DatastoreSummaryMaintenanceModeStateNormal)),
		})
	}
	type alloc struct {
		vcpus int
		mem   int64
		n     int
	}
	perHost := map[types.ManagedObjectReference]*alloc{}
	for _, vm := range vms {
		if vm.Config == nil {
			continue
		}
		if vm.Config.Template {
			inv.Templates = append(inv.Templates, vm.Name)
			continue
		}
		if vm.Runtime.Host == nil {
			continue
		}
		a := perHost[*vm.Runtime.Host]
		if a == nil {
			a = &alloc{}
			perHost[*vm.Runtime.Host] = a
		}
		a.vcpus += int(vm.Config.Hardware.NumCPU)
		a.mem += int64(vm.Config.Hardware.MemoryMB)
		a.n++
	}
	for _, h := range hosts {
		hi := hypervisor.HostInfo{Name: h.Name}
		if h.Parent != nil {
			hi.Cluster = clusterName[*h.Parent]
		}
		if hw := h.Summary.Hardware; hw != nil {
			hi.Cores = int(hw.NumCpuCores)
			hi.CPUMHz = int64(hw.CpuMhz) * int64(hw.NumCpuCores)
			hi.MemoryMiB = hw.MemorySize / mib
		}
		hi.CPUUsedMHz = int64(h.Summary.QuickStats.OverallCpuUsage)
		hi.MemUsedMiB = int64(h.Summary.QuickStats.OverallMemoryUsage)
		if a := perHost[h.Self]; a != nil {
			hi.VCPUsAlloc, hi.MemAlloc, hi.VMs = a.vcpus, a.mem, a.n
		}
		hi.Usable = h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected && !h.Runtime.InMaintenanceMode
		for _, d := range h.Datastore {
			hi.Datastores = append(hi.Datastores, dsName[d])
		}
		sort.Strings(hi.Datastores)
		inv.Hosts = append(inv.Hosts, hi)
	}
	for _, n := range nets {
		inv.Networks = append(inv.Networks, n.Name)
	}
	sort.Strings(inv.Clusters)
	sort.Strings(inv.Templates)
	sort.Strings(inv.Networks)
	sort.Slice(inv.Hosts, func(i, j int) bool { return inv.Hosts[i].Name < inv.Hosts[j].Name })
	sort.Slice(inv.Datastores, func(i, j int) bool { return inv.Datastores[i].Name < inv.Datastores[j].Name })
	return inv, nil
}
