package vsphere

import (
	"context"
	"slices"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

var _ hypervisor.AddressBackend = (*Backend)(nil)

// publicAddressKey is the VM's ExtraConfig key holding the public addresses
// mapped to it, comma-separated. vSphere without NSX has no NAT: the
// provider's edge reads the mapping from here (the guest sees it too,
// through VMware Tools' guestinfo).
const publicAddressKey = "guestinfo.tessera.public_address"

// mappedAddresses reads the VM's mapped public addresses.
func mappedAddresses(ctx context.Context, vm *object.VirtualMachine) ([]string, error) {
	var m mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config.extraConfig"}, &m); err != nil {
		return nil, translate(err, "read the virtual machine's settings")
	}
	if m.Config == nil {
		return nil, nil
	}
	for _, o := range m.Config.ExtraConfig {
		ov := o.GetOptionValue()
		if ov.Key != publicAddressKey {
			continue
		}
		s, _ := ov.Value.(string)
		var out []string
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				out = append(out, a)
			}
		}
		return out, nil
	}
	return nil, nil
}

// setMapped writes the VM's mapped public addresses ("" removes none: an
// empty value is how vSphere clears an ExtraConfig key).
func setMapped(ctx context.Context, vm *object.VirtualMachine, addrs []string) error {
	spec := types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
		&types.OptionValue{Key: publicAddressKey, Value: strings.Join(addrs, ",")},
	}}
	t, err := vm.Reconfigure(ctx, spec)
	if err == nil {
		err = t.Wait(ctx)
	}
	return translate(err, "record the public address on the virtual machine")
}

// MapPublicAddress adds address to the VM's mapping.
func (b *Backend) MapPublicAddress(ctx context.Context, machineID, address string) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		addrs, err := mappedAddresses(ctx, vm)
		if err != nil || slices.Contains(addrs, address) {
			return err
		}
		return setMapped(ctx, vm, append(addrs, address))
	})
}

// UnmapPublicAddress removes address from the VM's mapping; a VM that is
// gone has no mapping left.
func (b *Backend) UnmapPublicAddress(ctx context.Context, machineID, address string) error {
	err := b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		addrs, err := mappedAddresses(ctx, vm)
		if err != nil || !slices.Contains(addrs, address) {
			return err
		}
		return setMapped(ctx, vm, slices.DeleteFunc(addrs, func(a string) bool { return a == address }))
	})
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	return err
}

// PublicAddresses lists the public addresses mapped to the VM.
func (b *Backend) PublicAddresses(ctx context.Context, machineID string) ([]string, error) {
	var out []string
	err := b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		var err error
		out, err = mappedAddresses(ctx, vm)
		return err
	})
	return out, err
}
