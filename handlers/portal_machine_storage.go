package handlers

import (
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// The machine page's disks, public addresses and snapshots: what
// is attached, with prices, and the forms that attach, detach, take,
// revert and delete. Every form acts on the machine of the URL, found in
// the signed-in tenant (ENOTFOUND otherwise), and on objects of that
// tenant attached to that machine.

// machineStorage builds the machine page's storage sections; section and f
// carry the errors of the last action. nil when storage is not wired.
func (a *App) machineStorage(r *http.Request, m *domain.Machine, section string, f views.Form) (templ.Component, int) {
	if a.Storage == nil {
		return nil, 0
	}
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	tid := p.TenantID()
	sp := views.MachineStorageProps{MachineID: m.ID, CanWrite: p.User.Role.CanWrite(), Prices: map[string]string{}, Section: section, Form: f}
	if err := domain.CheckMachineForStorage(m); err != nil {
		sp.NotReady = domain.ErrorMessage(err)
	} else {
		sp.Ready = true
	}
	var err error
	if sp.Disks, _, err = a.Storage.Disks.Disks(ctx, domain.DiskFilter{TenantID: tid, MachineID: m.ID, Limit: 100}); err != nil {
		a.Log.Warn("machine disks", "err", err)
		return nil, 0
	}
	free, _, err := a.Storage.Disks.Disks(ctx, domain.DiskFilter{TenantID: tid, LocationID: m.LocationID, Limit: 200})
	if err != nil {
		a.Log.Warn("free disks", "err", err)
	}
	for _, d := range free {
		if d.State == domain.DiskAvailable && d.MachineID == "" && d.SiteID == m.SiteID {
			sp.FreeDisks = append(sp.FreeDisks, d)
		}
	}
	if sp.Addresses, _, err = a.Storage.Addresses.PublicAddresses(ctx, domain.PublicAddressFilter{TenantID: tid, MachineID: m.ID, Limit: 100}); err != nil {
		a.Log.Warn("machine addresses", "err", err)
		return nil, 0
	}
	addrs, _, err := a.Storage.Addresses.PublicAddresses(ctx, domain.PublicAddressFilter{TenantID: tid, LocationID: m.LocationID, Limit: 200})
	if err != nil {
		a.Log.Warn("free addresses", "err", err)
	}
	for _, ad := range addrs {
		if ad.State == domain.AddressAllocated {
			sp.FreeAddresses = append(sp.FreeAddresses, ad)
		}
	}
	if pools, err := a.Storage.Addresses.Pools(ctx, m.LocationID); err == nil {
		sp.CanAllocate = len(pools) > 0
	}
	if a.Storage.Snapshots != nil {
		if sp.Snapshots, err = a.Storage.Snapshots.Snapshots(ctx, tid, m.ID); err != nil {
			a.Log.Warn("machine snapshots", "err", err)
		}
	}
	if a.Storage.Pricing != nil {
		if e, err := a.Storage.Pricing.PricesAt(ctx, tid, time.Now()); err == nil {
			for _, d := range sp.Disks {
				sp.Prices[d.ID] = domain.Money{Amount: domain.DiskMonthly(e, d.LocationID, d.Class, d.SizeGiB), Currency: e.Currency}.String() + " per month"
			}
			for _, ad := range sp.Addresses {
				sp.Prices[ad.ID] = hourlyPrice(domain.AddressHourly(e, ad.LocationID), e.Currency) + " per hour"
			}
			sp.NewAddress = hourlyPrice(domain.AddressHourly(e, m.LocationID), e.Currency)
		}
	}
	// While the machine itself changes (creating, stopping…) the section's
	// forms depend on how that ends: poll so they appear without a reload.
	sp.Busy = m.Status.Transitional()
	attached := 0
	for _, d := range sp.Disks {
		if d.State != domain.DiskAvailable && d.State != domain.DiskAttached {
			sp.Busy = true
		}
		if d.State == domain.DiskAttached || d.State == domain.DiskAttaching {
			attached++
		}
	}
	for _, ad := range sp.Addresses {
		if ad.State == domain.AddressAttaching || ad.State == domain.AddressDetaching {
			sp.Busy = true
		}
	}
	for _, sn := range sp.Snapshots {
		if sn.State != domain.SnapshotReady && sn.State != domain.SnapshotError {
			sp.Busy = true
		}
	}
	return views.MachineStorage(sp), attached
}

// storageMachine finds the URL's machine in the signed-in tenant.
func (a *App) storageMachine(r *http.Request) (*domain.Machine, error) {
	return a.Machines.FindMachineByID(r.Context(), PrincipalFrom(r.Context()).TenantID(), chi.URLParam(r, "machineID"))
}

// storageDone answers a machine-page storage action: on success a notice
// and the machine page; a refused action renders the page again with the
// reason in its section (field errors next to the field); an unknown
// machine or object is the 404 page.
func (a *App) storageDone(w http.ResponseWriter, r *http.Request, m *domain.Machine, section, field string, err error, ok string) {
	if err == nil {
		a.flash(r, "ok", ok)
		redirect(w, r, "/machines/"+m.ID+"#"+sectionAnchor(section))
		return
	}
	code := domain.ErrorCode(err)
	if code != domain.EINVALID && code != domain.ECONFLICT && code != domain.EUNAVAILABLE {
		a.Error(w, r, err)
		return
	}
	f := views.Form{Values: map[string]string{}, Errors: map[string]string{}}
	for k, v := range domain.ErrorFields(err) {
		if k == "name" || k == field {
			f.Errors[field] = v
		} else {
			f.Message = v
		}
	}
	if len(f.Errors) == 0 && f.Message == "" {
		f.Message = domain.ErrorMessage(err)
	}
	if field != "" {
		f.Values[field] = r.PostFormValue(field)
	}
	a.renderMachineStorage(w, r, StatusOf(code), section, f)
}

func sectionAnchor(section string) string {
	if section == "addresses" {
		return "public-addresses"
	}
	return section
}

// HandleMachineDiskAttach attaches one of the tenant's available disks.
func (a *App) HandleMachineDiskAttach(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	tid, id := m.TenantID, r.PostFormValue("disk")
	d, err := a.Storage.Disks.Disk(r.Context(), tid, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		err = domain.Invalid(map[string]string{"disk": "Choose one of your available disks."})
	}
	if err == nil {
		err = domain.CheckMachineForStorage(m)
	}
	if err == nil {
		err = a.Storage.AttachDisk(r.Context(), tid, id, m.ID, domain.MachinePlace{LocationID: m.LocationID, SiteID: m.SiteID})
	}
	a.auditAction(r, tid, "disk.attach", id, err)
	name := ""
	if d != nil {
		name = d.Name
	}
	a.storageDone(w, r, m, "disks", "disk", err, "Attaching disk "+name+" to "+m.Name+"…")
}

// HandleMachineDiskDetach detaches a disk attached to this machine.
func (a *App) HandleMachineDiskDetach(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	tid, id := m.TenantID, chi.URLParam(r, "diskID")
	d, err := a.Storage.Disks.Disk(r.Context(), tid, id)
	if err == nil && d.MachineID != m.ID {
		err = domain.Errorf(domain.ENOTFOUND, "This disk is not attached to %s.", m.Name)
	}
	if err == nil {
		err = a.Storage.DetachDisk(r.Context(), tid, id)
	}
	a.auditAction(r, tid, "disk.detach", id, err)
	name := ""
	if d != nil {
		name = d.Name
	}
	a.storageDone(w, r, m, "disks", "", err, "Detaching disk "+name+"…")
}

// HandleMachineAddressAttach attaches one of the tenant's allocated addresses.
func (a *App) HandleMachineAddressAttach(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	tid, id := m.TenantID, r.PostFormValue("address")
	ad, err := a.Storage.Addresses.PublicAddress(r.Context(), tid, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		err = domain.Invalid(map[string]string{"address": "Choose one of your unattached addresses."})
	}
	if err == nil {
		err = a.attachAddress(r, m, id)
	}
	a.auditAction(r, tid, "address.attach", id, err)
	text := ""
	if ad != nil {
		text = ad.Address
	}
	a.storageDone(w, r, m, "addresses", "address", err, "Attaching "+text+" to "+m.Name+"…")
}

func (a *App) attachAddress(r *http.Request, m *domain.Machine, id string) error {
	if err := domain.CheckMachineForStorage(m); err != nil {
		return err
	}
	return a.Storage.AttachAddress(r.Context(), m.TenantID, id, m.ID, domain.MachinePlace{LocationID: m.LocationID, SiteID: m.SiteID})
}

// HandleMachineAddressNew allocates a new address in the machine's location
// and attaches it.
func (a *App) HandleMachineAddressNew(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	err = domain.CheckMachineForStorage(m)
	var ad *domain.PublicAddress
	if err == nil {
		ad, err = a.Storage.Addresses.AllocatePublic(r.Context(), m.TenantID, m.LocationID, "")
		a.auditAction(r, m.TenantID, "address.allocate", m.LocationID, err)
	}
	if err == nil {
		err = a.attachAddress(r, m, ad.ID)
		a.auditAction(r, m.TenantID, "address.attach", ad.ID, err)
	}
	text := ""
	if ad != nil {
		text = ad.Address
	}
	a.storageDone(w, r, m, "addresses", "", err, "Public address "+text+" is yours; attaching it to "+m.Name+"…")
}

// HandleMachineAddressDetach detaches an address attached to this machine.
func (a *App) HandleMachineAddressDetach(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	tid, id := m.TenantID, chi.URLParam(r, "addressID")
	ad, err := a.Storage.Addresses.PublicAddress(r.Context(), tid, id)
	if err == nil && ad.MachineID != m.ID {
		err = domain.Errorf(domain.ENOTFOUND, "This address is not attached to %s.", m.Name)
	}
	if err == nil {
		err = a.Storage.DetachAddress(r.Context(), tid, id)
	}
	a.auditAction(r, tid, "address.detach", id, err)
	text := ""
	if ad != nil {
		text = ad.Address
	}
	a.storageDone(w, r, m, "addresses", "", err, "Detaching "+text+"…")
}

// HandleMachineSnapshotCreate takes a snapshot of the machine.
func (a *App) HandleMachineSnapshotCreate(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	name := r.PostFormValue("snapshot_name")
	err = domain.CheckMachineForStorage(m)
	if err == nil {
		_, err = a.Storage.TakeSnapshot(r.Context(), m.TenantID, m.ID, domain.MachinePlace{LocationID: m.LocationID, SiteID: m.SiteID}, name)
	}
	a.auditAction(r, m.TenantID, "snapshot.create", name, err)
	a.storageDone(w, r, m, "snapshots", "snapshot_name", err, "Taking snapshot "+name+" of "+m.Name+"…")
}

// machineSnapshot finds a snapshot of this machine. ENOTFOUND.
func (a *App) machineSnapshot(r *http.Request, m *domain.Machine) (*domain.Snapshot, error) {
	sn, err := a.Storage.Snapshots.Snapshot(r.Context(), m.TenantID, chi.URLParam(r, "snapshotID"))
	if err == nil && sn.MachineID != m.ID {
		return nil, domain.Errorf(domain.ENOTFOUND, "Snapshot not found.")
	}
	return sn, err
}

// HandleMachineSnapshotRevert returns the machine to a snapshot.
func (a *App) HandleMachineSnapshotRevert(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	sn, err := a.machineSnapshot(r, m)
	if err == nil {
		err = domain.CheckMachineForStorage(m)
	}
	if err == nil {
		err = a.Storage.RevertSnapshot(r.Context(), m.TenantID, sn.ID, m.Status == domain.StatusRunning)
	}
	a.auditAction(r, m.TenantID, "snapshot.revert", chi.URLParam(r, "snapshotID"), err)
	name := ""
	if sn != nil {
		name = sn.Name
	}
	a.storageDone(w, r, m, "snapshots", "", err, "Returning "+m.Name+" to snapshot "+name+"…")
}

// HandleMachineSnapshotDelete deletes a snapshot of the machine.
func (a *App) HandleMachineSnapshotDelete(w http.ResponseWriter, r *http.Request) {
	m, err := a.storageMachine(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	sn, err := a.machineSnapshot(r, m)
	if err == nil {
		err = a.Storage.DeleteSnapshot(r.Context(), m.TenantID, sn.ID)
	}
	a.auditAction(r, m.TenantID, "snapshot.delete", chi.URLParam(r, "snapshotID"), err)
	name := ""
	if sn != nil {
		name = sn.Name
	}
	a.storageDone(w, r, m, "snapshots", "", err, "Deleting snapshot "+name+"…")
}
