package domain

// The rules of manage's disks and addresses that need no store: the step a
// transitional disk waits for, and prices. The use cases that record,
// queue and apply live in manage/storage.

// DiskStep is the operation a disk in a transitional state waits for, and
// the state it ends in when that operation succeeds or fails; wait is false
// for a disk that waits for nothing. Its key derives from the disk's id and
// the step, so sending it again never runs it twice.
func DiskStep(d *Disk) (req OperationRequest, ok, failed DiskState, wait bool) {
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

// MachinePlace is where a machine runs, for attaching disks to it.
type MachinePlace struct {
	LocationID string
	SiteID     string
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
