package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// HandleDisks lists the tenant's disks with a create form.
func (a *App) HandleDisks(w http.ResponseWriter, r *http.Request) {
	a.renderDisks(w, r, http.StatusOK, views.Form{})
}

func (a *App) renderDisks(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	tid := PrincipalFrom(r.Context()).TenantID()
	disks, next, err := a.Storage.Disks.Disks(r.Context(), domain.DiskFilter{TenantID: tid, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	opts, names, err := a.tenantLocationOptions(r.Context(), tid)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.DisksProps{Disks: disks, Next: next, Locations: opts, LocationNames: names, Form: f,
		CanWrite: PrincipalFrom(r.Context()).User.Role.CanWrite(), Monthly: map[string]string{}}
	props.Machines = a.attachableMachines(r, tid)
	if a.Storage.Pricing != nil {
		if e, err := a.Storage.Pricing.PricesAt(r.Context(), tid, time.Now()); err == nil {
			for _, d := range disks {
				props.Monthly[d.ID] = domain.Money{Amount: domain.DiskMonthly(e, d.LocationID, d.Class, d.SizeGiB), Currency: e.Currency}.String()
			}
			for _, c := range domain.StorageClasses {
				if e.Prices.Disk(c) == 0 {
					continue // not offered on this rate card
				}
				props.ClassPrices = append(props.ClassPrices, c+": "+domain.Money{Amount: domain.DiskMonthly(e, "", c, 1), Currency: e.Currency}.String()+" per GiB-month")
			}
		}
	}
	a.page(w, r, status, "Disks", "disks", views.Disks(props))
}

// HandleDiskCreate creates a disk in a location.
func (a *App) HandleDiskCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "location", "size_gib", "class")
	d := &domain.Disk{TenantID: PrincipalFrom(r.Context()).TenantID(), Name: v["name"], LocationID: v["location"], Class: v["class"]}
	var err error
	if d.SizeGiB, err = strconv.Atoi(v["size_gib"]); err != nil {
		err = domain.Invalid(map[string]string{"size_gib": "Enter a whole number of GiB."})
	} else if d.LocationID, err = a.resolveLocation(r.Context(), d.TenantID, v["location"]); err == nil {
		err = a.Storage.CreateDisk(r.Context(), d)
	}
	a.auditAction(r, d.TenantID, "disk.create", v["name"], err)
	if err != nil {
		if fe := domain.ErrorFields(err); fe != nil {
			a.renderDisks(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Values: v, Errors: fe})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Disk "+d.Name+" is being created.")
	redirect(w, r, "/disks")
}

// HandleDiskDelete deletes a detached disk.
func (a *App) HandleDiskDelete(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).TenantID()
	id := chi.URLParam(r, "diskID")
	err := a.Storage.DeleteDisk(r.Context(), tid, id)
	a.auditAction(r, tid, "disk.delete", id, err)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "The disk is being deleted.")
	redirect(w, r, "/disks")
}

// HandleDiskGrow grows a disk (attached or not).
func (a *App) HandleDiskGrow(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).TenantID()
	id := chi.URLParam(r, "diskID")
	size, err := strconv.Atoi(r.FormValue("size_gib"))
	if err != nil {
		err = domain.Invalid(map[string]string{"size_gib": "Enter a whole number of GiB."})
	} else {
		err = a.Storage.GrowDisk(r.Context(), tid, id, size)
	}
	a.auditAction(r, tid, "disk.grow", id, err)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID || domain.ErrorCode(err) == domain.ECONFLICT {
			a.renderDisks(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Message: domain.ErrorMessage(err)})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "The disk is growing to "+strconv.Itoa(size)+" GiB.")
	redirect(w, r, "/disks")
}

// attachableMachines lists, per location, the tenant's running or stopped
// machines a disk can be attached to (the Disks page's attach forms).
func (a *App) attachableMachines(r *http.Request, tid string) map[string][][2]string {
	out := map[string][][2]string{}
	if a.Machines == nil {
		return out
	}
	ms, _, err := a.Machines.FindMachines(r.Context(), domain.MachineFilter{TenantID: tid, Sort: domain.SortName, Limit: 200})
	if err != nil {
		a.Log.Warn("machines for the disks page", "err", err)
		return out
	}
	for _, m := range ms {
		if domain.CheckMachineForStorage(m) == nil {
			out[m.LocationID] = append(out[m.LocationID], [2]string{m.ID, m.Name})
		}
	}
	return out
}

// HandleDiskAttach attaches a disk to a machine from the Disks page.
func (a *App) HandleDiskAttach(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).TenantID()
	id := chi.URLParam(r, "diskID")
	d, err := a.Storage.Disks.Disk(r.Context(), tid, id)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	m, err := a.Machines.FindMachineByID(r.Context(), tid, r.PostFormValue("machine"))
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		err = domain.Invalid(map[string]string{"machine": "Choose one of your machines."})
	}
	if err == nil {
		err = domain.CheckMachineForStorage(m)
	}
	if err == nil {
		err = a.Storage.AttachDisk(r.Context(), tid, id, m.ID, domain.MachinePlace{LocationID: m.LocationID, SiteID: m.SiteID})
	}
	a.auditAction(r, tid, "disk.attach", id, err)
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.EINVALID || c == domain.ECONFLICT || c == domain.EUNAVAILABLE {
			msg := domain.ErrorMessage(err)
			for _, v := range domain.ErrorFields(err) {
				msg = v
			}
			a.renderDisks(w, r, StatusOf(c), views.Form{Message: msg})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Attaching disk "+d.Name+" to "+m.Name+"…")
	redirect(w, r, "/disks")
}

// HandleDiskDetach detaches a disk from its machine from the Disks page.
func (a *App) HandleDiskDetach(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).TenantID()
	id := chi.URLParam(r, "diskID")
	err := a.Storage.DetachDisk(r.Context(), tid, id)
	a.auditAction(r, tid, "disk.detach", id, err)
	if err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			a.renderDisks(w, r, http.StatusConflict, views.Form{Message: domain.ErrorMessage(err)})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Detaching the disk…")
	redirect(w, r, "/disks")
}
