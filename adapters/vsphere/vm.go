package vsphere

import (
	"context"
	"fmt"
	"net"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

// Keys of the tags in a VM's extraConfig.
const (
	keyMachine   = "tessera.machine_id"
	keyOperation = "tessera.operation_id"
)

var vmProps = []string{"name", "config.hardware", "config.extraConfig", "config.template", "runtime.powerState", "runtime.host", "guest.net", "guest.ipAddress", "guest.toolsRunningStatus"}

// findVM returns the VM of machineID, or nil if there is none.
func (b *Backend) findVM(ctx context.Context, machineID string) (*object.VirtualMachine, error) {
	si := object.NewSearchIndex(b.c)
	yes := true
	ref, err := si.FindByUuid(ctx, b.dc, instanceUUID(machineID), true, &yes)
	if err != nil {
		return nil, translate(err, "search for the virtual machine")
	}
	if ref == nil {
		return nil, nil
	}
	b.rememberVM(machineID, ref.Reference())
	return object.NewVirtualMachine(b.c, ref.Reference()), nil
}

func (b *Backend) rememberVM(machineID string, ref types.ManagedObjectReference) {
	b.mu.Lock()
	b.vms[machineID] = ref
	b.mu.Unlock()
}

func (b *Backend) forgetVM(machineID string) {
	b.mu.Lock()
	delete(b.vms, machineID)
	b.mu.Unlock()
}

// withVM runs fn on machineID's VM. The VM's reference is cached after the
// first search (a SearchIndex call per step adds up over thousands of
// machines); if vCenter says a cached reference is gone, it searches again
// and retries once, so a VM deleted or re-registered behind our back is
// handled. ENOTFOUND when there is no VM.
func (b *Backend) withVM(ctx context.Context, machineID string, fn func(vm *object.VirtualMachine) error) error {
	b.mu.Lock()
	ref, cached := b.vms[machineID]
	b.mu.Unlock()
	if cached {
		err := fn(object.NewVirtualMachine(b.c, ref))
		if !gone(err) {
			return err
		}
		b.forgetVM(machineID)
	}
	vm, err := b.mustFindVM(ctx, machineID)
	if err != nil {
		return err
	}
	return fn(vm)
}

// gone reports whether err says the VM object does not exist.
func gone(err error) bool {
	if err == nil {
		return false
	}
	return fault.Is(err, &types.ManagedObjectNotFound{}) || domain.ErrorCode(err) == domain.ENOTFOUND
}

func (b *Backend) mustFindVM(ctx context.Context, machineID string) (*object.VirtualMachine, error) {
	vm, err := b.findVM(ctx, machineID)
	if err == nil && vm == nil {
		err = domain.Errorf(domain.ENOTFOUND, "No virtual machine for machine %s in vCenter.", machineID)
	}
	return vm, err
}

// state reads a VM's properties into a VMState.
func (b *Backend) state(ctx context.Context, vm *object.VirtualMachine) (*hypervisor.VMState, error) {
	var m mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), vmProps, &m); err != nil {
		return nil, translate(err, "read the virtual machine")
	}
	s := b.toState(&m)
	if m.Runtime.Host != nil {
		s.Host = b.hostName(ctx, *m.Runtime.Host)
	}
	return s, nil
}

// hostName returns a host's name, cached (hosts are not renamed while in use).
func (b *Backend) hostName(ctx context.Context, ref types.ManagedObjectReference) string {
	b.mu.Lock()
	name, ok := b.hostNames[ref]
	b.mu.Unlock()
	if ok {
		return name
	}
	var h mo.HostSystem
	if err := property.DefaultCollector(b.c).RetrieveOne(ctx, ref, []string{"name"}, &h); err != nil {
		return ""
	}
	b.mu.Lock()
	b.hostNames[ref] = h.Name
	b.mu.Unlock()
	return h.Name
}

func (b *Backend) toState(m *mo.VirtualMachine) *hypervisor.VMState {
	s := &hypervisor.VMState{Name: m.Name, Power: hypervisor.PowerOff, ObservedAt: time.Now().UTC()}
	if m.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
		s.Power = hypervisor.PowerOn
	}
	if c := m.Config; c != nil {
		s.VCPUs = int(c.Hardware.NumCPU)
		s.MemoryMiB = int(c.Hardware.MemoryMB)
		for _, d := range object.VirtualDeviceList(c.Hardware.Device).SelectByType((*types.VirtualDisk)(nil)) {
			s.DiskGiB += int(d.(*types.VirtualDisk).CapacityInKB >> 20)
		}
		for _, o := range c.ExtraConfig {
			if ov := o.GetOptionValue(); ov != nil {
				switch ov.Key {
				case keyMachine:
					s.MachineID, _ = ov.Value.(string)
				case keyOperation:
					s.OperationID, _ = ov.Value.(string)
				}
			}
		}
	}
	if m.Guest != nil {
		s.GuestTools = m.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
		seen := map[string]bool{}
		for _, n := range m.Guest.Net {
			for _, ip := range n.IpAddress {
				if !seen[ip] {
					seen[ip] = true
					s.Addresses = append(s.Addresses, ip)
				}
			}
		}
		if ip := m.Guest.IpAddress; ip != "" && !seen[ip] {
			s.Addresses = append(s.Addresses, ip)
		}
	}
	return s
}

// FindVM returns the state of machineID's VM.
func (b *Backend) FindVM(ctx context.Context, machineID string) (*hypervisor.VMState, error) {
	var s *hypervisor.VMState
	err := b.withVM(ctx, machineID, func(vm *object.VirtualMachine) (err error) {
		s, err = b.state(ctx, vm)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.MachineID == "" {
		s.MachineID = machineID
	}
	return s, nil
}

// ListVMs returns every VM tagged with a Tessera machine id.
func (b *Backend) ListVMs(ctx context.Context) ([]*hypervisor.VMState, error) {
	var vms []mo.VirtualMachine
	if err := b.retrieve(ctx, "VirtualMachine", vmProps, &vms); err != nil {
		return nil, translate(err, "list virtual machines")
	}
	var hosts []mo.HostSystem
	if err := b.retrieve(ctx, "HostSystem", []string{"name"}, &hosts); err != nil {
		return nil, translate(err, "list hosts")
	}
	hostName := map[types.ManagedObjectReference]string{}
	for _, h := range hosts {
		hostName[h.Self] = h.Name
	}
	var out []*hypervisor.VMState
	for i := range vms {
		s := b.toState(&vms[i])
		if s.MachineID == "" || vms[i].Config == nil || vms[i].Config.Template {
			continue
		}
		if h := vms[i].Runtime.Host; h != nil {
			s.Host = hostName[*h]
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MachineID < out[j].MachineID })
	return out, nil
}

// folder finds or creates a folder path under the datacenter's VM folder.
func (b *Backend) folder(ctx context.Context, p string) (*object.Folder, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.folders[p]; f != nil {
		return f, nil
	}
	dcf, err := b.dc.Folders(ctx)
	if err != nil {
		return nil, translate(err, "read the datacenter's folders")
	}
	cur := dcf.VmFolder
	done := ""
	for _, seg := range strings.Split(p, "/") {
		if seg == "" {
			continue
		}
		done = path.Join(done, seg)
		if f := b.folders[done]; f != nil {
			cur = f
			continue
		}
		var found *object.Folder
		children, err := cur.Children(ctx)
		if err != nil {
			return nil, translate(err, "read folder "+done)
		}
		for _, c := range children {
			if f, ok := c.(*object.Folder); ok {
				name, err := f.ObjectName(ctx)
				if err == nil && name == seg {
					found = f
					break
				}
			}
		}
		if found == nil {
			found, err = cur.CreateFolder(ctx, seg)
			if err != nil {
				return nil, translate(err, "create folder "+done)
			}
		}
		b.folders[done] = found
		cur = found
	}
	return cur, nil
}

// CreateVM clones req.Template onto the placement, tagged with the machine
// and operation ids. A VM already tagged with the machine id is returned.
func (b *Backend) CreateVM(ctx context.Context, req hypervisor.VMCreate) (*hypervisor.VMState, error) {
	if req.MachineID == "" || req.Name == "" || req.Template == "" || req.VCPUs < 1 || req.MemoryMiB < 1 {
		return nil, domain.Errorf(domain.EINVALID, "A machine needs an id, a name, a template, vCPUs and memory.")
	}
	if s, err := b.FindVM(ctx, req.MachineID); err == nil {
		// An earlier attempt created it, and may have died before its
		// interfaces were set up: a VM not yet started gets them now.
		if len(req.NICs) == 0 || s.Power != hypervisor.PowerOff {
			return s, nil
		}
		backings, err := b.backings(ctx, req)
		if err != nil {
			return nil, err
		}
		if err := b.withVM(ctx, req.MachineID, func(vm *object.VirtualMachine) error {
			if err := b.reconfigure(ctx, vm, 0, 0, req.DiskGiB, backings[0]); err != nil {
				return err
			}
			return b.setUpNICs(ctx, vm, req, backings)
		}); err != nil {
			return nil, err
		}
		return b.FindVM(ctx, req.MachineID)
	} else if domain.ErrorCode(err) != domain.ENOTFOUND {
		return nil, err
	}
	tref, err := b.findRef(ctx, "VirtualMachine", req.Template)
	if err != nil {
		return nil, translate(err, "find the template")
	}
	if tref == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "Template %q does not exist in this site.", req.Template)
	}
	tmpl := object.NewVirtualMachine(b.c, *tref)
	spec := types.VirtualMachineCloneSpec{
		Config: &types.VirtualMachineConfigSpec{
			NumCPUs:      int32(req.VCPUs),
			MemoryMB:     int64(req.MemoryMiB),
			InstanceUuid: instanceUUID(req.MachineID),
			Annotation:   fmt.Sprintf("Created by Tessera.\nmachine: %s\noperation: %s", req.MachineID, req.OperationID),
			ExtraConfig: []types.BaseOptionValue{
				&types.OptionValue{Key: keyMachine, Value: req.MachineID},
				&types.OptionValue{Key: keyOperation, Value: req.OperationID},
			},
		},
	}
	if req.Host != "" {
		href, err := b.findRef(ctx, "HostSystem", req.Host)
		if err != nil {
			return nil, translate(err, "find the host")
		}
		if href == nil {
			return nil, domain.Errorf(domain.ENOTFOUND, "Host %q does not exist in this site.", req.Host)
		}
		spec.Location.Host = href
		pool, err := b.poolOf(ctx, *href)
		if err != nil {
			return nil, err
		}
		spec.Location.Pool = &pool
	} else {
		pool, err := b.defaultPool(ctx)
		if err != nil {
			return nil, err
		}
		spec.Location.Pool = &pool
	}
	if req.Datastore != "" {
		dref, err := b.findRef(ctx, "Datastore", req.Datastore)
		if err != nil {
			return nil, translate(err, "find the datastore")
		}
		if dref == nil {
			return nil, domain.Errorf(domain.ENOTFOUND, "Datastore %q does not exist in this site.", req.Datastore)
		}
		spec.Location.Datastore = dref
	}
	backings, err := b.backings(ctx, req)
	if err != nil {
		return nil, err
	}
	folder, err := b.folder(ctx, req.Folder)
	if err != nil {
		return nil, err
	}
	t, err := tmpl.Clone(ctx, folder, req.Name, spec)
	var info *types.TaskInfo
	if err == nil {
		info, err = t.WaitForResult(ctx)
	}
	if err != nil {
		// A concurrent or earlier attempt may have created it meanwhile.
		if vm, ferr := b.findVM(ctx, req.MachineID); ferr == nil && vm != nil {
			return b.FindVM(ctx, req.MachineID)
		}
		if fault.Is(err, &types.ManagedObjectNotFound{}) {
			b.forgetRefs() // a cached template, host, datastore or folder went away
		}
		if fault.Is(err, &types.DuplicateName{}) {
			return nil, &domain.Error{Code: domain.ECONFLICT, Message: fmt.Sprintf("vCenter has another VM named %q in folder %s.", req.Name, req.Folder), Err: err}
		}
		return nil, translate(err, "clone the template")
	}
	ref, ok := info.Result.(types.ManagedObjectReference)
	if !ok {
		return nil, domain.Internal(fmt.Errorf("vsphere clone: unexpected result %T", info.Result))
	}
	b.rememberVM(req.MachineID, ref)
	vm := object.NewVirtualMachine(b.c, ref)
	var first types.BaseVirtualDeviceBackingInfo
	if len(backings) > 0 {
		first = backings[0]
	}
	if err := b.reconfigure(ctx, vm, 0, 0, req.DiskGiB, first); err != nil {
		return nil, err
	}
	if err := b.setUpNICs(ctx, vm, req, backings); err != nil {
		return nil, err
	}
	return b.state(ctx, vm)
}

// backings resolves the port groups of a create: its NICs' when given,
// else the one Network (a site that predates NICs sends only that).
func (b *Backend) backings(ctx context.Context, req hypervisor.VMCreate) ([]types.BaseVirtualDeviceBackingInfo, error) {
	groups := []string{}
	for _, n := range req.NICs {
		groups = append(groups, n.PortGroup)
	}
	if len(groups) == 0 && req.Network != "" {
		groups = append(groups, req.Network)
	}
	var out []types.BaseVirtualDeviceBackingInfo
	for _, g := range groups {
		bk, err := b.networkBacking(ctx, g)
		if err != nil {
			return nil, err
		}
		out = append(out, bk)
	}
	return out, nil
}

// setUpNICs adds the NICs a clone lacks and customizes the guest with their
// addresses. Running it again is harmless: present NICs are kept and a
// customization still pending stands.
func (b *Backend) setUpNICs(ctx context.Context, vm *object.VirtualMachine, req hypervisor.VMCreate, backings []types.BaseVirtualDeviceBackingInfo) error {
	if err := b.addNICs(ctx, vm, backings); err != nil {
		return err
	}
	if len(req.NICs) == 0 {
		return nil
	}
	return b.customize(ctx, vm, req.Name, req.NICs)
}

// networkBacking is the NIC backing of a port group (standard or
// distributed) by name.
func (b *Backend) networkBacking(ctx context.Context, name string) (types.BaseVirtualDeviceBackingInfo, error) {
	nref, err := b.findRef(ctx, "Network", name)
	if err != nil {
		return nil, translate(err, "find the network")
	}
	if nref == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "Network %q does not exist in this site.", name)
	}
	bk, err := object.NewReference(b.c, *nref).(object.NetworkReference).EthernetCardBackingInfo(ctx)
	if err != nil {
		return nil, translate(err, "read the network")
	}
	return bk, nil
}

// addNICs gives a fresh clone one vmxnet3 NIC for every backing beyond the
// NICs it has (the template's first NIC took the first backing).
func (b *Backend) addNICs(ctx context.Context, vm *object.VirtualMachine, backings []types.BaseVirtualDeviceBackingInfo) error {
	if len(backings) == 0 {
		return nil
	}
	devices, err := vm.Device(ctx)
	if err != nil {
		return translate(err, "read the virtual machine's devices")
	}
	have := len(devices.SelectByType((*types.VirtualEthernetCard)(nil)))
	spec := types.VirtualMachineConfigSpec{}
	for i := have; i < len(backings); i++ {
		nic, err := devices.CreateEthernetCard("vmxnet3", backings[i])
		if err != nil {
			return domain.Internal(fmt.Errorf("vsphere: create NIC: %w", err))
		}
		nic.GetVirtualDevice().Key = int32(-100 - i) // distinct temporary keys in one change
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: nic})
	}
	if len(spec.DeviceChange) == 0 {
		return nil
	}
	t, err := vm.Reconfigure(ctx, spec)
	if err == nil {
		_, err = t.WaitForResult(ctx)
	}
	return translate(err, "add network interfaces")
}

// customize sets each NIC's fixed address, mask and gateway and the host
// name in the guest (Linux guest customization, applied by VMware Tools at
// the next power-on). The VM must be powered off.
func (b *Backend) customize(ctx context.Context, vm *object.VirtualMachine, name string, nics []hypervisor.NIC) error {
	spec := types.CustomizationSpec{
		Identity:         &types.CustomizationLinuxPrep{HostName: &types.CustomizationFixedName{Name: hostLabel(name)}, Domain: "local"},
		GlobalIPSettings: types.CustomizationGlobalIPSettings{},
	}
	for _, n := range nics {
		ip := types.CustomizationIPSettings{
			Ip:         &types.CustomizationFixedIp{IpAddress: n.Address},
			SubnetMask: net.IP(net.CIDRMask(n.PrefixLength, 32)).String(),
		}
		if n.Gateway != "" {
			ip.Gateway = []string{n.Gateway}
		}
		spec.NicSettingMap = append(spec.NicSettingMap, types.CustomizationAdapterMapping{Adapter: ip})
	}
	t, err := vm.Customize(ctx, spec)
	if err == nil {
		_, err = t.WaitForResult(ctx)
	}
	if fault.Is(err, &types.CustomizationPending{}) {
		return nil // an earlier attempt's customization waits for the power-on
	}
	return translate(err, "customize the guest's network settings")
}

// hostLabel turns a VM name into a host name: lower case letters, digits
// and hyphens, at most 63 characters.
func hostLabel(name string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			sb.WriteRune(r)
		default:
			sb.WriteByte('-')
		}
	}
	h := strings.Trim(sb.String(), "-")
	if len(h) > 63 {
		h = strings.Trim(h[:63], "-")
	}
	if h == "" {
		h = "machine"
	}
	return h
}

// poolOf is the configured resource pool or the root pool of host's cluster.
func (b *Backend) poolOf(ctx context.Context, host types.ManagedObjectReference) (types.ManagedObjectReference, error) {
	if b.cfg.ResourcePool != "" {
		return b.defaultPool(ctx)
	}
	b.mu.Lock()
	p, ok := b.pools[host]
	b.mu.Unlock()
	if ok {
		return p, nil
	}
	pc := property.DefaultCollector(b.c)
	var h mo.HostSystem
	if err := pc.RetrieveOne(ctx, host, []string{"parent"}, &h); err != nil {
		return types.ManagedObjectReference{}, translate(err, "read the host")
	}
	var cr mo.ComputeResource
	if err := pc.RetrieveOne(ctx, *h.Parent, []string{"resourcePool"}, &cr); err != nil {
		return types.ManagedObjectReference{}, translate(err, "read the cluster")
	}
	b.mu.Lock()
	b.pools[host] = *cr.ResourcePool
	b.mu.Unlock()
	return *cr.ResourcePool, nil
}

func (b *Backend) defaultPool(ctx context.Context) (types.ManagedObjectReference, error) {
	b.mu.Lock()
	ref, ok := b.refs["pool/"]
	b.mu.Unlock()
	if ok {
		return ref, nil
	}
	// A Finder caches what it walks and is not safe for concurrent use.
	finder := find.NewFinder(b.c, true)
	finder.SetDatacenter(b.dc)
	var p *object.ResourcePool
	var err error
	switch {
	case b.cfg.ResourcePool != "":
		p, err = finder.ResourcePool(ctx, b.cfg.ResourcePool)
	case b.cfg.Cluster != "":
		p, err = finder.ResourcePool(ctx, b.cfg.Cluster+"/Resources")
	default:
		p, err = finder.DefaultResourcePool(ctx)
	}
	if err != nil {
		return types.ManagedObjectReference{}, &domain.Error{Code: domain.ENOTFOUND, Message: "The configured resource pool or cluster does not exist in vCenter.", Err: err}
	}
	b.mu.Lock()
	b.refs["pool/"] = p.Reference()
	b.mu.Unlock()
	return p.Reference(), nil
}

// reconfigure sets CPUs and memory, grows the first disk and changes the
// first NIC's network in one reconfigure task (0/nil leaves a value as is).
func (b *Backend) reconfigure(ctx context.Context, vm *object.VirtualMachine, vcpus, memoryMiB, diskGiB int, net types.BaseVirtualDeviceBackingInfo) error {
	spec := types.VirtualMachineConfigSpec{NumCPUs: int32(vcpus), MemoryMB: int64(memoryMiB)}
	if diskGiB > 0 || net != nil {
		devices, err := vm.Device(ctx)
		if err != nil {
			return translate(err, "read the virtual machine's devices")
		}
		if diskGiB > 0 {
			disks := devices.SelectByType((*types.VirtualDisk)(nil))
			if len(disks) > 0 {
				d := disks[0].(*types.VirtualDisk)
				want := int64(diskGiB) << 20
				switch {
				case want < d.CapacityInKB:
					return domain.Invalid(map[string]string{"disk_gib": fmt.Sprintf("A disk can only grow: it has %d GiB.", d.CapacityInKB>>20)})
				case want > d.CapacityInKB:
					d.CapacityInKB, d.CapacityInBytes = want, want<<10
					spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: d})
				}
			}
		}
		if net != nil {
			for _, nic := range devices.SelectByType((*types.VirtualEthernetCard)(nil)) {
				nic.GetVirtualDevice().Backing = net
				spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: nic})
				break
			}
		}
	}
	if spec.NumCPUs == 0 && spec.MemoryMB == 0 && len(spec.DeviceChange) == 0 {
		return nil
	}
	t, err := vm.Reconfigure(ctx, spec)
	if err == nil {
		_, err = t.WaitForResult(ctx)
	}
	return translate(err, "reconfigure the virtual machine")
}

func (b *Backend) powerState(ctx context.Context, vm *object.VirtualMachine) (types.VirtualMachinePowerState, error) {
	st, err := vm.PowerState(ctx)
	return st, translate(err, "read the power state")
}

// PowerOn starts machineID's VM.
func (b *Backend) PowerOn(ctx context.Context, machineID string) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		// No state check first: a running VM answers InvalidPowerState.
		t, err := vm.PowerOn(ctx)
		if err == nil {
			_, err = t.WaitForResult(ctx)
		}
		if fault.Is(err, &types.InvalidPowerState{}) {
			return nil // running already
		}
		return translate(err, "power on the virtual machine")
	})
}

// PowerOff stops machineID's VM hard.
func (b *Backend) PowerOff(ctx context.Context, machineID string) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error { return b.powerOff(ctx, vm) })
}

func (b *Backend) powerOff(ctx context.Context, vm *object.VirtualMachine) error {
	st, err := b.powerState(ctx, vm)
	if err != nil || st == types.VirtualMachinePowerStatePoweredOff {
		return err
	}
	t, err := vm.PowerOff(ctx)
	if err == nil {
		_, err = t.WaitForResult(ctx)
	}
	if fault.IsAlreadyPoweredOffError(err) || fault.Is(err, &types.InvalidPowerState{}) {
		return nil
	}
	return translate(err, "power off the virtual machine")
}

// Shutdown asks the guest to shut down, then powers off after timeout.
func (b *Backend) Shutdown(ctx context.Context, machineID string, timeout time.Duration) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error { return b.shutdown(ctx, vm, timeout) })
}

func (b *Backend) shutdown(ctx context.Context, vm *object.VirtualMachine, timeout time.Duration) error {
	s, err := b.state(ctx, vm)
	if err != nil || s.Power == hypervisor.PowerOff {
		return err
	}
	if s.GuestTools {
		if err := vm.ShutdownGuest(ctx); err == nil {
			wctx, cancel := context.WithTimeout(ctx, timeout)
			err = vm.WaitForPowerState(wctx, types.VirtualMachinePowerStatePoweredOff)
			cancel()
			if err == nil {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return b.powerOff(ctx, vm)
}

// Reboot restarts the guest, or resets the VM when its tools do not run.
func (b *Backend) Reboot(ctx context.Context, machineID string) error {
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error { return b.reboot(ctx, vm) })
}

func (b *Backend) reboot(ctx context.Context, vm *object.VirtualMachine) error {
	s, err := b.state(ctx, vm)
	if err != nil {
		return err
	}
	if s.Power != hypervisor.PowerOn {
		return domain.Errorf(domain.ECONFLICT, "The machine is powered off; start it instead.")
	}
	if s.GuestTools {
		if err := vm.RebootGuest(ctx); err == nil {
			return nil
		}
	}
	t, err := vm.Reset(ctx)
	if err == nil {
		_, err = t.WaitForResult(ctx)
	}
	return translate(err, "reset the virtual machine")
}

// Reconfigure sets vCPUs and memory and grows the disk.
func (b *Backend) Reconfigure(ctx context.Context, machineID string, vcpus, memoryMiB, diskGiB int) error {
	if vcpus < 0 || memoryMiB < 0 || diskGiB < 0 {
		return domain.Errorf(domain.EINVALID, "Sizes cannot be negative.")
	}
	return b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		return b.reconfigure(ctx, vm, vcpus, memoryMiB, diskGiB, nil)
	})
}

// Destroy powers machineID's VM off and deletes it with its disks.
func (b *Backend) Destroy(ctx context.Context, machineID string) error {
	err := b.withVM(ctx, machineID, func(vm *object.VirtualMachine) error {
		if err := b.powerOff(ctx, vm); err != nil {
			return err
		}
		t, err := vm.Destroy(ctx)
		if err == nil {
			_, err = t.WaitForResult(ctx)
		}
		return translate(err, "delete the virtual machine")
	})
	b.forgetVM(machineID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // gone already
	}
	return err
}
