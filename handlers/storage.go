package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// tenantLocationOptions are the locations a tenant may create disks,
// networks and addresses in (see resolveLocation), as select options, and
// every location's name by id for showing what exists.
func (a *App) tenantLocationOptions(ctx context.Context, tenantID string) ([][2]string, map[string]string, error) {
	_, names, err := a.storageLocationNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	locs, err := a.tenantLocations(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	opts := make([][2]string, 0, len(locs))
	for _, l := range locs {
		opts = append(opts, [2]string{l.ID, l.Name})
	}
	return opts, names, nil
}

func (a *App) storageLocationNames(ctx context.Context) ([][2]string, map[string]string, error) {
	locs, err := a.Locations.FindLocations(ctx)
	if err != nil {
		return nil, nil, err
	}
	opts := make([][2]string, 0, len(locs))
	names := map[string]string{}
	for _, l := range locs {
		opts = append(opts, [2]string{l.ID, l.Name})
		names[l.ID] = l.Name
	}
	return opts, names, nil
}

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

// HandleNetworks lists the tenant's networks with a create form.
func (a *App) HandleNetworks(w http.ResponseWriter, r *http.Request) {
	a.renderNetworks(w, r, http.StatusOK, views.Form{})
}

func (a *App) renderNetworks(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	tid := PrincipalFrom(r.Context()).TenantID()
	nets, next, err := a.Storage.Networks.Networks(r.Context(), domain.NetworkFilter{TenantID: tid, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	opts, names, err := a.tenantLocationOptions(r.Context(), tid)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	addrs, err := a.addressesSection(r, tid)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	addrs.Locations, addrs.LocationNames, addrs.Form = opts, names, f
	addrs.CanWrite = PrincipalFrom(r.Context()).User.Role.CanWrite()
	a.page(w, r, status, "Networks", "networks", views.Networks(views.NetworksProps{Networks: nets, Next: next, Locations: opts, LocationNames: names, Form: f,
		CanWrite: addrs.CanWrite, Addresses: addrs}))
}

// HandleNetworkCreate creates a private network.
func (a *App) HandleNetworkCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "location", "cidr")
	n := &domain.Network{TenantID: PrincipalFrom(r.Context()).TenantID(), Name: v["name"], LocationID: v["location"], CIDR: v["cidr"]}
	var err error
	if n.LocationID, err = a.resolveLocation(r.Context(), n.TenantID, v["location"]); err == nil {
		err = a.Storage.CreateNetwork(r.Context(), n)
	}
	a.auditAction(r, n.TenantID, "network.create", v["name"], err)
	if err != nil {
		if fe := domain.ErrorFields(err); fe != nil {
			a.renderNetworks(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Values: v, Errors: fe})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Network "+n.Name+" ("+n.CIDR+") is being created.")
	redirect(w, r, "/networks/"+n.ID)
}

// HandleNetworkShow shows a network with its firewall rules.
func (a *App) HandleNetworkShow(w http.ResponseWriter, r *http.Request) {
	a.renderNetwork(w, r, http.StatusOK, views.Form{})
}

func (a *App) renderNetwork(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	tid := PrincipalFrom(r.Context()).TenantID()
	n, err := a.Storage.Networks.Network(r.Context(), tid, chi.URLParam(r, "networkID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	rules, err := a.Storage.Networks.Rules(r.Context(), tid, n.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	_, names, err := a.storageLocationNames(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	machines, err := a.networkMachines(r, n)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, status, n.Name, "networks", views.NetworkPage(views.NetworkProps{Network: n, Rules: rules, Location: names[n.LocationID], Form: f,
		CanWrite: PrincipalFrom(r.Context()).User.Role.CanWrite(), Machines: machines}))
}

// HandleNetworkDelete deletes a network not in use.
func (a *App) HandleNetworkDelete(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).TenantID()
	id := chi.URLParam(r, "networkID")
	err := a.Storage.DeleteNetwork(r.Context(), tid, id)
	a.auditAction(r, tid, "network.delete", id, err)
	if err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			a.renderNetwork(w, r, http.StatusConflict, views.Form{Message: domain.ErrorMessage(err)})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Network deleted.")
	redirect(w, r, "/networks")
}

// HandleRuleCreate adds a firewall rule to a network.
func (a *App) HandleRuleCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "protocol", "port_from", "port_to", "source", "description")
	tid := PrincipalFrom(r.Context()).TenantID()
	rule := &domain.FirewallRule{TenantID: tid, NetworkID: chi.URLParam(r, "networkID"), Protocol: v["protocol"], Source: v["source"], Description: v["description"]}
	fe := map[string]string{}
	for _, k := range []struct {
		name string
		dst  *int
	}{{"port_from", &rule.PortFrom}, {"port_to", &rule.PortTo}} {
		if v[k.name] == "" {
			continue
		}
		n, err := strconv.Atoi(v[k.name])
		if err != nil {
			fe[k.name] = "Enter a port number."
		}
		*k.dst = n
	}
	var err error
	if len(fe) > 0 {
		err = domain.Invalid(fe)
	} else {
		err = a.Storage.Networks.AddRule(r.Context(), rule)
	}
	a.auditAction(r, tid, "firewall_rule.create", rule.NetworkID, err)
	if err != nil {
		if f := domain.ErrorFields(err); f != nil {
			a.renderNetwork(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Values: v, Errors: f})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Rule added.")
	redirect(w, r, "/networks/"+rule.NetworkID)
}

// HandleRuleDelete removes a firewall rule.
func (a *App) HandleRuleDelete(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).TenantID()
	nid := chi.URLParam(r, "networkID")
	err := a.Storage.Networks.DeleteRule(r.Context(), tid, nid, chi.URLParam(r, "ruleID"))
	a.auditAction(r, tid, "firewall_rule.delete", nid, err)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Rule removed.")
	redirect(w, r, "/networks/"+nid)
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
