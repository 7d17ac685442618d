package vsphere

import (
	"context"
	"sort"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

var _ hypervisor.NetworkBackend = (*Backend)(nil)

// EnsurePortGroup creates a distributed port group with a VLAN id on the
// datacenter's first distributed switch, unless a network of that name exists.
func (b *Backend) EnsurePortGroup(ctx context.Context, name string, vlanID int) error {
	if name == "" || vlanID < 0 || vlanID > 4094 {
		return domain.Errorf(domain.EINVALID, "A port group needs a name and a VLAN id of 0 to 4094.")
	}
	if ref, err := b.searchRef(ctx, "Network", name); err != nil {
		return translate(err, "find the port group")
	} else if ref != nil {
		return nil
	}
	var switches []mo.DistributedVirtualSwitch
	if err := b.retrieve(ctx, "DistributedVirtualSwitch", []string{"name"}, &switches); err != nil {
		return translate(err, "read distributed switches")
	}
	if len(switches) == 0 {
		return domain.Errorf(domain.ENOTFOUND, "This site has no distributed switch to create port groups on.")
	}
	sort.Slice(switches, func(i, j int) bool { return switches[i].Name < switches[j].Name })
	dvs := object.NewDistributedVirtualSwitch(b.c, switches[0].Self)
	spec := types.DVPortgroupConfigSpec{
		Name:     name,
		Type:     string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
		NumPorts: 128,
		DefaultPortConfig: &types.VMwareDVSPortSetting{
			Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: int32(vlanID)},
		},
	}
	t, err := dvs.AddPortgroup(ctx, []types.DVPortgroupConfigSpec{spec})
	if err == nil {
		err = t.Wait(ctx)
	}
	if err != nil {
		if ref, ferr := b.searchRef(ctx, "Network", name); ferr == nil && ref != nil {
			return nil // a concurrent attempt made it
		}
	}
	return translate(err, "create the port group")
}

// PortGroups lists the names of the datacenter's networks.
func (b *Backend) PortGroups(ctx context.Context) ([]string, error) {
	var nets []mo.Network
	if err := b.retrieve(ctx, "Network", []string{"name"}, &nets); err != nil {
		return nil, translate(err, "read networks")
	}
	out := make([]string, 0, len(nets))
	for _, n := range nets {
		out = append(out, n.Name)
	}
	sort.Strings(out)
	return out, nil
}

// DeletePortGroup destroys a distributed port group.
func (b *Backend) DeletePortGroup(ctx context.Context, name string) error {
	ref, err := b.searchRef(ctx, "DistributedVirtualPortgroup", name)
	if err != nil {
		return translate(err, "find the port group")
	}
	if ref == nil {
		return nil
	}
	b.mu.Lock()
	delete(b.refs, "Network/"+name)
	b.mu.Unlock()
	t, err := object.NewDistributedVirtualPortgroup(b.c, *ref).Destroy(ctx)
	if err == nil {
		err = t.Wait(ctx)
	}
	return translate(err, "delete the port group")
}
