package domain

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// StorageManager is manage's side of disks and networks: it records what a
// tenant asks for, sends the matching operation to a site in the location,
// and advances the record when the site's operation finishes. Every
// operation's idempotency key derives from the object's id and the step, so
// sending it again (after a crash, or while a site was down) never runs
// anything twice, and reading its outcome is sending it again.
type StorageManager struct {
	Disks     DiskService
	Networks  NetworkService
	Addresses AddressService
	Snapshots SnapshotService
	Images    ImageService
	// TenantImages stores tenants' own images (captured from machines).
	TenantImages TenantImageService
	Locations    LocationService
	Connector    SiteConnector
	// Pricing gives the tenant's prices for the Disks page; nil hides them.
	Pricing PricingService
	// SetNetwork records a network's state and port group.
	SetNetwork func(ctx context.Context, tenantID, id string, state NetworkState, portGroup string) error
}

// siteFor picks the first enabled site of a location.
func (m *StorageManager) siteFor(ctx context.Context, locationID string) (*Site, error) {
	sites, err := m.Locations.FindSites(ctx, locationID)
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		if s.Enabled && s.LocationID == locationID {
			return s, nil
		}
	}
	if len(sites) == 0 {
		return nil, Invalid(map[string]string{"location": "This location has no site yet."})
	}
	return nil, Errorf(EUNAVAILABLE, "No site in this location takes new resources right now.")
}

// submit sends req to a site and returns the operation, or nil when the
// site cannot be reached (the next Refresh sends it again).
func (m *StorageManager) submit(ctx context.Context, siteID string, req OperationRequest) (*Operation, error) {
	c, err := m.Connector.Client(ctx, siteID)
	if err != nil {
		if ErrorCode(err) == EUNAVAILABLE {
			return nil, nil
		}
		return nil, err
	}
	op, err := c.Submit(ctx, req)
	if ErrorCode(err) == EUNAVAILABLE {
		return nil, nil
	}
	return op, err
}

// CreateDisk records the disk in state creating and asks its location's site
// to create it. EINVALID, ECONFLICT, EUNAVAILABLE.
func (m *StorageManager) CreateDisk(ctx context.Context, d *Disk) error {
	if err := d.Validate(); err != nil {
		return err
	}
	site, err := m.siteFor(ctx, d.LocationID)
	if err != nil {
		return err
	}
	d.SiteID = site.ID
	if _, err := m.Disks.CreateDisk(ctx, d); err != nil {
		return err
	}
	return m.advanceDisk(ctx, d)
}

// DeleteDisk asks the site to delete a detached disk. ECONFLICT, ENOTFOUND.
func (m *StorageManager) DeleteDisk(ctx context.Context, tenantID, id string) error {
	d, err := m.Disks.Disk(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if err := d.CanDelete(); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, id, d.State, DiskDeleting, nil, nil); err != nil {
		return err
	}
	d.State = DiskDeleting
	return m.advanceDisk(ctx, d)
}

// diskStep is the operation a disk in a transitional state waits for, and
// the state it ends in when that operation succeeds or fails.
func diskStep(d *Disk) (req OperationRequest, ok, failed DiskState, wait bool) {
	back := DiskAvailable
	if d.MachineID != "" {
		back = DiskAttached
	}
	switch d.State {
	case DiskCreating:
		return OperationRequest{Key: "disk_create:" + d.ID, Kind: OpDiskCreate, Disk: &DiskRequest{ID: d.ID, SizeGiB: d.SizeGiB, Class: d.Class}}, DiskAvailable, DiskError, true
	case DiskDeleting:
		return OperationRequest{Key: "disk_delete:" + d.ID, Kind: OpDiskDelete, Disk: &DiskRequest{ID: d.ID}}, DiskDeleted, DiskError, true
	case DiskAttaching:
		return OperationRequest{Key: d.OpKey, Kind: OpDiskAttach, MachineID: d.MachineID, Disk: &DiskRequest{ID: d.ID}}, DiskAttached, DiskAvailable, d.OpKey != ""
	case DiskDetaching:
		return OperationRequest{Key: d.OpKey, Kind: OpDiskDetach, MachineID: d.MachineID, Disk: &DiskRequest{ID: d.ID}}, DiskAvailable, DiskAttached, d.OpKey != ""
	case DiskResizing:
		return OperationRequest{Key: d.OpKey, Kind: OpDiskGrow, Disk: &DiskRequest{ID: d.ID, SizeGiB: d.PendingSizeGiB}}, back, back, d.OpKey != ""
	}
	return OperationRequest{}, "", "", false
}

// advanceDisk sends a transitional disk's operation and, when it has
// finished, moves the disk on.
func (m *StorageManager) advanceDisk(ctx context.Context, d *Disk) error {
	req, ok, failed, wait := diskStep(d)
	if !wait || d.SiteID == "" {
		return nil
	}
	op, err := m.submit(ctx, d.SiteID, req)
	if err != nil || op == nil || !op.State.Done() {
		return err
	}
	to := ok
	if op.State == OpFailed {
		to = failed
	}
	var machine *string
	var size *int
	switch {
	case d.State == DiskDetaching && to == DiskAvailable, d.State == DiskAttaching && to == DiskAvailable:
		none := ""
		machine = &none
	case d.State == DiskResizing && op.State == OpSucceeded:
		size = &d.PendingSizeGiB
	}
	if err := m.Disks.SetDiskState(ctx, d.TenantID, d.ID, d.State, to, machine, size); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil // another refresh moved it on
		}
		return err
	}
	if d.OpKey != "" {
		if err := m.Disks.SetDiskOp(ctx, d.TenantID, d.ID, "", 0); err != nil {
			return err
		}
	}
	d.State = to
	return nil
}

// MachinePlace is where a machine runs, for attaching disks to it.
type MachinePlace struct {
	LocationID string
	SiteID     string
}

// AttachDisk attaches an available disk to a machine in the same location
// and site. ECONFLICT (state), EINVALID (another location), ENOTFOUND.
func (m *StorageManager) AttachDisk(ctx context.Context, tenantID, diskID, machineID string, at MachinePlace) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	if err := d.CanAttach(at.LocationID); err != nil {
		return err
	}
	if at.SiteID != d.SiteID {
		return Invalid(map[string]string{"machine_id": "The machine runs at another site of the location than the disk."})
	}
	if err := m.Disks.SetDiskOp(ctx, tenantID, diskID, "disk_attach:"+NewID(), 0); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, diskID, DiskAvailable, DiskAttaching, &machineID, nil); err != nil {
		return err
	}
	return m.refreshDisk(ctx, tenantID, diskID)
}

// DetachDisk detaches an attached disk. ECONFLICT, ENOTFOUND.
func (m *StorageManager) DetachDisk(ctx context.Context, tenantID, diskID string) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	if err := d.CanDetach(); err != nil {
		return err
	}
	if err := m.Disks.SetDiskOp(ctx, tenantID, diskID, "disk_detach:"+NewID(), 0); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, diskID, DiskAttached, DiskDetaching, nil, nil); err != nil {
		return err
	}
	return m.refreshDisk(ctx, tenantID, diskID)
}

// GrowDisk grows a disk, attached or not. EINVALID, ECONFLICT, ENOTFOUND.
func (m *StorageManager) GrowDisk(ctx context.Context, tenantID, diskID string, sizeGiB int) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	if err := d.CanGrow(sizeGiB); err != nil {
		return err
	}
	if err := m.Disks.SetDiskOp(ctx, tenantID, diskID, "disk_grow:"+NewID(), sizeGiB); err != nil {
		return err
	}
	if err := m.Disks.SetDiskState(ctx, tenantID, diskID, d.State, DiskResizing, nil, nil); err != nil {
		return err
	}
	return m.refreshDisk(ctx, tenantID, diskID)
}

func (m *StorageManager) refreshDisk(ctx context.Context, tenantID, diskID string) error {
	d, err := m.Disks.Disk(ctx, tenantID, diskID)
	if err != nil {
		return err
	}
	return m.advanceDisk(ctx, d)
}

// CreateNetwork records the network and asks the site for its port group.
// EINVALID (CIDR, overlap), ECONFLICT, EUNAVAILABLE.
func (m *StorageManager) CreateNetwork(ctx context.Context, n *Network) error {
	if err := n.Validate(); err != nil {
		return err
	}
	site, err := m.siteFor(ctx, n.LocationID)
	if err != nil {
		return err
	}
	n.State = NetworkCreating
	if _, err := m.Networks.CreateNetwork(ctx, n); err != nil {
		return err
	}
	return m.advanceNetwork(ctx, n, site.ID)
}

// DeleteNetwork refuses a network in use (naming its machines) and asks
// the site to remove its port group. ECONFLICT, ENOTFOUND.
func (m *StorageManager) DeleteNetwork(ctx context.Context, tenantID, id string) error {
	n, err := m.Networks.Network(ctx, tenantID, id)
	if err != nil {
		return err
	}
	// Refuse before the site removes the port group under the machines;
	// Networks.DeleteNetwork checks again under its lock.
	users, err := m.Networks.NetworkUsers(ctx, tenantID, id, 20)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return NetworkInUse(users)
	}
	site, err := m.siteFor(ctx, n.LocationID)
	if err != nil {
		return err
	}
	op, err := m.submit(ctx, site.ID, OperationRequest{Key: "network_delete:" + n.ID, Kind: OpNetworkDelete, Network: &NetworkRequest{ID: n.ID}})
	if err != nil && ErrorCode(err) != ENOTFOUND { // never created at the site: nothing to remove
		return err
	}
	if op != nil && op.State == OpFailed {
		return Errorf(ECONFLICT, "The site could not remove the network: %s", op.Error)
	}
	return m.Networks.DeleteNetwork(ctx, tenantID, id)
}

func (m *StorageManager) advanceNetwork(ctx context.Context, n *Network, siteID string) error {
	if n.State != NetworkCreating {
		return nil
	}
	op, err := m.submit(ctx, siteID, OperationRequest{Key: "network_create:" + n.ID, Kind: OpNetworkCreate, Network: &NetworkRequest{ID: n.ID, PortGroup: n.PortGroup}})
	if err != nil || op == nil || !op.State.Done() {
		return err
	}
	if op.State == OpFailed {
		n.State = NetworkError
		return m.SetNetwork(ctx, n.TenantID, n.ID, n.State, n.PortGroup)
	}
	c, err := m.Connector.Client(ctx, siteID)
	if err != nil {
		return err
	}
	sc, ok := c.(SiteStorageClient)
	if !ok {
		return Errorf(EUNAVAILABLE, "The site's client cannot read networks.")
	}
	obs, err := sc.Network(ctx, n.ID)
	if err != nil {
		return err
	}
	n.State, n.PortGroup = NetworkReady, obs.PortGroup
	return m.SetNetwork(ctx, n.TenantID, n.ID, n.State, n.PortGroup)
}

// RefreshNetwork advances one network still being created at its site and
// returns it as it is now. ENOTFOUND.
func (m *StorageManager) RefreshNetwork(ctx context.Context, tenantID, id string) (*Network, error) {
	n, err := m.Networks.Network(ctx, tenantID, id)
	if err != nil || n.State != NetworkCreating {
		return n, err
	}
	site, err := m.siteFor(ctx, n.LocationID)
	if err != nil {
		return n, err
	}
	return n, m.advanceNetwork(ctx, n, site.ID)
}

// Refresh advances a tenant's transitional disks and networks (called by a
// page before it renders, and by the background tracker).
func (m *StorageManager) Refresh(ctx context.Context, tenantID string) error {
	disks, _, err := m.Disks.Disks(ctx, DiskFilter{TenantID: tenantID, Limit: 200})
	if err != nil {
		return err
	}
	for _, d := range disks {
		if _, _, _, wait := diskStep(d); wait {
			if err := m.advanceDisk(ctx, d); err != nil {
				return err
			}
		}
	}
	if m.Snapshots != nil {
		snaps, err := m.Snapshots.Snapshots(ctx, tenantID, "")
		if err != nil {
			return err
		}
		for _, sn := range snaps {
			if err := m.advanceSnapshot(ctx, sn); err != nil {
				return err
			}
		}
	}
	if m.Addresses != nil {
		addrs, _, err := m.Addresses.PublicAddresses(ctx, PublicAddressFilter{TenantID: tenantID, Limit: 200})
		if err != nil {
			return err
		}
		for _, ad := range addrs {
			if err := m.advanceAddress(ctx, ad); err != nil {
				return err
			}
		}
	}
	nets, _, err := m.Networks.Networks(ctx, NetworkFilter{TenantID: tenantID, Limit: 200})
	if err != nil {
		return err
	}
	for _, n := range nets {
		if n.State != NetworkCreating {
			continue
		}
		site, err := m.siteFor(ctx, n.LocationID)
		if err != nil {
			continue
		}
		if err := m.advanceNetwork(ctx, n, site.ID); err != nil {
			return err
		}
	}
	return nil
}

// DiskMonthly is what a disk costs per month at a location with e: the
// class's GiB-month price after the location multiplier, times the size,
// after the tenant's discount.
func DiskMonthly(e *EffectivePrices, locationID, class string, sizeGiB int) Micros {
	unit := UnitPrice(e.Prices.Disk(class), e.Multiplier(locationID))
	return Discounted(unit*Micros(sizeGiB), e.DiscountBP)
}

// AddressHourly is what a public address costs per hour at a location with e.
func AddressHourly(e *EffectivePrices, locationID string) Micros {
	return Discounted(UnitPrice(e.Prices.PublicIPHour, e.Multiplier(locationID)), e.DiscountBP)
}

// DefaultNetworkName is the start of the name of the network each tenant
// gets per location at first use: "default-berlin". Network names are
// unique in a tenant across locations, so each location's default carries
// the location's name.
const DefaultNetworkName = "default"

// defaultNetworkName is the default network's name in a location.
func defaultNetworkName(location string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(location) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '_' || r == '.':
			b.WriteByte('-')
		}
	}
	name := DefaultNetworkName
	if b.Len() > 0 {
		name += "-" + strings.Trim(b.String(), "-")
	}
	if len(name) > 55 {
		name = name[:55]
	}
	return name
}

// DefaultNetwork returns the tenant's default network in a location,
// creating it at first use with the first /24 of 10.0.0.0/8 that overlaps
// none of the tenant's networks there.
func (m *StorageManager) DefaultNetwork(ctx context.Context, tenantID, locationID string) (*Network, error) {
	return m.defaultNetwork(ctx, tenantID, locationID, true)
}

func (m *StorageManager) defaultNetwork(ctx context.Context, tenantID, locationID string, retry bool) (*Network, error) {
	var all []*Network // every location's: names are unique across them
	cursor := ""
	for {
		page, next, err := m.Networks.Networks(ctx, NetworkFilter{TenantID: tenantID, Limit: 200, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	var here []*Network
	taken := map[string]bool{}
	for _, n := range all {
		taken[strings.ToLower(n.Name)] = true
		if n.LocationID != locationID {
			continue
		}
		if n.Default {
			return n, nil
		}
		here = append(here, n)
	}
	locName := ""
	if l, err := m.Locations.FindLocationByID(ctx, locationID); err == nil {
		locName = l.Name
	}
	name := defaultNetworkName(locName)
	for i := 2; taken[name]; i++ { // the tenant named a network so already
		name = fmt.Sprintf("%s-%d", defaultNetworkName(locName), i)
	}
	for i := 0; i < 256*256; i++ {
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24).String()
		if CheckNoOverlap(cidr, here) != nil {
			continue
		}
		n := &Network{TenantID: tenantID, Name: name, LocationID: locationID, CIDR: cidr, Default: true}
		err := m.CreateNetwork(ctx, n)
		// A concurrent first use made it meanwhile: its name or its range
		// (the same first free /24) clashes. Look once more.
		clash := ErrorCode(err) == ECONFLICT || ErrorCode(err) == EINVALID && ErrorFields(err)["cidr"] != ""
		if clash && retry {
			return m.defaultNetwork(ctx, tenantID, locationID, false)
		}
		return n, err
	}
	return nil, Errorf(ECONFLICT, "No free range left for a default network.")
}

// TakeSnapshot snapshots a machine's disks through its site. EINVALID,
// ECONFLICT (too many snapshots).
func (m *StorageManager) TakeSnapshot(ctx context.Context, tenantID, machineID string, at MachinePlace, name string) (*Snapshot, error) {
	sn := &Snapshot{TenantID: tenantID, MachineID: machineID, SiteID: at.SiteID, Name: name}
	return sn, m.CreateSnapshot(ctx, sn)
}

// CreateSnapshot records sn (tenant, machine, site, name and the API's
// idempotency key filled in) and asks its site to take it; a key used
// before fills sn with that snapshot. EINVALID, ECONFLICT.
func (m *StorageManager) CreateSnapshot(ctx context.Context, sn *Snapshot) error {
	if err := m.Snapshots.CreateSnapshot(ctx, sn); err != nil {
		return err
	}
	return m.advanceSnapshot(ctx, sn)
}

// revertRunning ends the key of a revert that leaves the machine running;
// the key is stored with the snapshot, so a revert sent again after a crash
// still asks for it.
const revertRunning = ":running"

// RevertSnapshot restores a machine to a ready snapshot; running says the
// machine runs now and should run after. ECONFLICT, ENOTFOUND.
func (m *StorageManager) RevertSnapshot(ctx context.Context, tenantID, id string, running bool) error {
	sn, err := m.Snapshots.Snapshot(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if err := sn.CanRevert(); err != nil {
		return err
	}
	key := "snapshot_revert:" + NewID()
	if running {
		key += revertRunning
	}
	if err := m.Snapshots.SetSnapshotState(ctx, tenantID, id, SnapshotReady, SnapshotReverting, key); err != nil {
		return err
	}
	sn.State, sn.OpKey = SnapshotReverting, key
	return m.advanceSnapshot(ctx, sn)
}

// DeleteSnapshot removes a ready or failed snapshot. ECONFLICT, ENOTFOUND.
func (m *StorageManager) DeleteSnapshot(ctx context.Context, tenantID, id string) error {
	sn, err := m.Snapshots.Snapshot(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if sn.State != SnapshotReady && sn.State != SnapshotError {
		return Errorf(ECONFLICT, "Snapshot %q is %s; wait until it is ready.", sn.Name, sn.State)
	}
	if err := m.Snapshots.SetSnapshotState(ctx, tenantID, id, sn.State, SnapshotDeleting, ""); err != nil {
		return err
	}
	sn.State = SnapshotDeleting
	return m.advanceSnapshot(ctx, sn)
}

// advanceSnapshot sends a transitional snapshot's operation and moves the
// snapshot on when it has finished.
func (m *StorageManager) advanceSnapshot(ctx context.Context, sn *Snapshot) error {
	var req OperationRequest
	ok, failed := SnapshotReady, SnapshotError
	switch sn.State {
	case SnapshotCreating:
		req = OperationRequest{Key: "snapshot_create:" + sn.ID, Kind: OpSnapshotCreate}
	case SnapshotDeleting:
		req, ok = OperationRequest{Key: "snapshot_delete:" + sn.ID, Kind: OpSnapshotDelete}, SnapshotDeleted
	case SnapshotReverting:
		req, failed = OperationRequest{Key: sn.OpKey, Kind: OpSnapshotRevert}, SnapshotReady
		if strings.HasSuffix(sn.OpKey, revertRunning) {
			req.Power = PowerOn
		}
	default:
		return nil
	}
	if req.Key == "" || sn.SiteID == "" {
		return nil
	}
	req.MachineID, req.Snapshot = sn.MachineID, sn.ID
	op, err := m.submit(ctx, sn.SiteID, req)
	if err != nil || op == nil || !op.State.Done() {
		return err
	}
	to := ok
	if op.State == OpFailed {
		to = failed
	}
	if err := m.Snapshots.SetSnapshotState(ctx, sn.TenantID, sn.ID, sn.State, to, ""); err != nil && ErrorCode(err) != ECONFLICT {
		return err
	}
	sn.State = to
	return nil
}

// AttachAddress attaches an allocated public address to a machine in its
// location: the machine's site records the mapping (connect Gateway) and the
// address reads attached once the site's operation succeeded. ECONFLICT
// (state), EINVALID (another location), ENOTFOUND.
func (m *StorageManager) AttachAddress(ctx context.Context, tenantID, addressID, machineID string, at MachinePlace) error {
	ad, err := m.Addresses.PublicAddress(ctx, tenantID, addressID)
	if err != nil {
		return err
	}
	if err := ad.CanAttach(at.LocationID); err != nil {
		return err
	}
	if at.SiteID == "" {
		return Errorf(ECONFLICT, "The machine has no site yet; try again once it is created.")
	}
	if err := m.Addresses.SetAddressOp(ctx, tenantID, addressID, at.SiteID, "address_attach:"+NewID()); err != nil {
		return err
	}
	if err := m.Addresses.SetPublicAddressState(ctx, tenantID, addressID, AddressAllocated, AddressAttaching, machineID); err != nil {
		return err
	}
	return m.refreshAddress(ctx, tenantID, addressID)
}

// DetachAddress removes an attached address from its machine. ECONFLICT, ENOTFOUND.
func (m *StorageManager) DetachAddress(ctx context.Context, tenantID, addressID string) error {
	ad, err := m.Addresses.PublicAddress(ctx, tenantID, addressID)
	if err != nil {
		return err
	}
	if err := ad.CanDetach(); err != nil {
		return err
	}
	if err := m.Addresses.SetAddressOp(ctx, tenantID, addressID, ad.SiteID, "address_detach:"+NewID()); err != nil {
		return err
	}
	if err := m.Addresses.SetPublicAddressState(ctx, tenantID, addressID, AddressAttached, AddressDetaching, ad.MachineID); err != nil {
		return err
	}
	return m.refreshAddress(ctx, tenantID, addressID)
}

func (m *StorageManager) refreshAddress(ctx context.Context, tenantID, id string) error {
	ad, err := m.Addresses.PublicAddress(ctx, tenantID, id)
	if err != nil {
		return err
	}
	return m.advanceAddress(ctx, ad)
}

// advanceAddress sends an attaching or detaching address's operation and
// moves the address on when it has finished: attaching becomes attached
// (allocated when the site refused), detaching becomes allocated (attached
// when the site refused).
func (m *StorageManager) advanceAddress(ctx context.Context, ad *PublicAddress) error {
	var kind OperationKind
	var ok, failed PublicAddressState
	switch ad.State {
	case AddressAttaching:
		kind, ok, failed = OpAddressAttach, AddressAttached, AddressAllocated
	case AddressDetaching:
		kind, ok, failed = OpAddressDetach, AddressAllocated, AddressAttached
	default:
		return nil
	}
	if ad.OpKey == "" || ad.SiteID == "" || ad.MachineID == "" {
		return nil
	}
	op, err := m.submit(ctx, ad.SiteID, OperationRequest{Key: ad.OpKey, Kind: kind, MachineID: ad.MachineID, Address: &AddressRequest{ID: ad.ID, Address: ad.Address}})
	var refused error
	if c := ErrorCode(err); c == EINVALID || c == ECONFLICT || c == ENOTFOUND {
		// The site refuses the request itself: it will not run, so the
		// address goes back rather than waiting for ever.
		refused, op = err, &Operation{State: OpFailed}
	} else if err != nil || op == nil || !op.State.Done() {
		return err
	}
	to := ok
	if op.State == OpFailed {
		to = failed
	}
	machine := ad.MachineID
	if to == AddressAllocated {
		machine = ""
	}
	if err := m.Addresses.SetPublicAddressState(ctx, ad.TenantID, ad.ID, ad.State, to, machine); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil // another refresh moved it on
		}
		return err
	}
	site := ad.SiteID
	if to == AddressAllocated {
		site = ""
	}
	if err := m.Addresses.SetAddressOp(ctx, ad.TenantID, ad.ID, site, ""); err != nil {
		return err
	}
	ad.State, ad.MachineID = to, machine
	return refused
}
