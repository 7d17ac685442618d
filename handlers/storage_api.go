package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

// resolveLocation accepts the id or name of one of the tenant's locations:
// the same ones its machines may use (allow-list, and never a location
// dedicated to someone else), so disks, networks and addresses follow the
// tenancy rules machines do. Any other is EINVALID at field location.
func (a *App) resolveLocation(ctx context.Context, tenantID, s string) (string, error) {
	locs, err := a.tenantLocations(ctx, tenantID)
	if err != nil {
		return "", err
	}
	for _, l := range locs {
		if l.ID == s || strings.EqualFold(l.Name, strings.TrimSpace(s)) {
			return l.ID, nil
		}
	}
	return "", domain.Invalid(map[string]string{"location": "Choose one of your locations (GET /api/v1/locations lists them)."})
}

func tenantOf(r *http.Request) string { return PrincipalFrom(r.Context()).TenantID() }

func (a *App) HandleAPIDiskList(w http.ResponseWriter, r *http.Request) {
	tid := tenantOf(r)
	disks, next, err := a.Storage.Disks.Disks(r.Context(), domain.DiskFilter{TenantID: tid, MachineID: r.URL.Query().Get("machine"), Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if disks == nil {
		disks = []*domain.Disk{}
	}
	names := a.locationNames(r.Context())
	for _, d := range disks {
		d.Location = names[d.LocationID]
	}
	WriteJSON(w, http.StatusOK, apiPage[apiDisk]{Items: apiList(disks, toAPIDisk), NextCursor: next})
}

func (a *App) apiDisk(w http.ResponseWriter, r *http.Request, status int) {
	tid := tenantOf(r)
	d, err := a.Storage.Disks.Disk(r.Context(), tid, chi.URLParam(r, "id"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/disks/"+d.ID)
	d.Location = a.locationNames(r.Context())[d.LocationID]
	WriteJSON(w, status, toAPIDisk(d))
}

func (a *App) HandleAPIDiskGet(w http.ResponseWriter, r *http.Request) {
	a.apiDisk(w, r, http.StatusOK)
}

func (a *App) HandleAPIDiskCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Location string `json:"location"`
		SizeGiB  int    `json:"size_gib"`
		Class    string `json:"class"`
	}
	key, err := idempotencyKey(r)
	if err == nil {
		err = decodeJSON(r, &in)
	}
	d := &domain.Disk{TenantID: tenantOf(r), Name: in.Name, SizeGiB: in.SizeGiB, Class: in.Class, IdemKey: key}
	if err == nil {
		d.LocationID, err = a.resolveLocation(r.Context(), tenantOf(r), in.Location)
	}
	if err == nil {
		err = a.Storage.CreateDisk(r.Context(), d)
	}
	a.auditAction(r, d.TenantID, "disk.create", in.Name, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/disks/"+d.ID)
	d.Location = a.locationNames(r.Context())[d.LocationID]
	WriteJSON(w, http.StatusAccepted, toAPIDisk(d))
}

func (a *App) HandleAPIDiskDelete(w http.ResponseWriter, r *http.Request) {
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := a.Storage.DeleteDisk(r.Context(), tid, id)
	a.auditAction(r, tid, "disk.delete", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	a.apiDisk(w, r, http.StatusAccepted)
}

func (a *App) HandleAPIDiskGrow(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SizeGiB int `json:"size_gib"`
	}
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := decodeJSON(r, &in)
	if err == nil {
		err = a.Storage.GrowDisk(r.Context(), tid, id, in.SizeGiB)
	}
	a.auditAction(r, tid, "disk.grow", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	a.apiDisk(w, r, http.StatusAccepted)
}

func (a *App) HandleAPIDiskAttach(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Machine string `json:"machine"`
	}
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := decodeJSON(r, &in)
	var at domain.MachinePlace
	if err == nil {
		if _, err = a.Storage.Disks.Disk(r.Context(), tid, id); err == nil {
			at, err = a.storageMachinePlace(r, tid, in.Machine)
		}
	}
	if err == nil {
		err = a.Storage.AttachDisk(r.Context(), tid, id, in.Machine, at)
	}
	a.auditAction(r, tid, "disk.attach", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	a.apiDisk(w, r, http.StatusAccepted)
}

func (a *App) HandleAPIDiskDetach(w http.ResponseWriter, r *http.Request) {
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := a.Storage.DetachDisk(r.Context(), tid, id)
	a.auditAction(r, tid, "disk.detach", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	a.apiDisk(w, r, http.StatusAccepted)
}

func (a *App) HandleAPINetworkList(w http.ResponseWriter, r *http.Request) {
	tid := tenantOf(r)
	nets, next, err := a.Storage.Networks.Networks(r.Context(), domain.NetworkFilter{TenantID: tid, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if nets == nil {
		nets = []*domain.Network{}
	}
	names := a.locationNames(r.Context())
	for _, n := range nets {
		n.Location = names[n.LocationID]
	}
	WriteJSON(w, http.StatusOK, apiPage[apiNetwork]{Items: apiList(nets, toAPINetwork), NextCursor: next})
}

func (a *App) HandleAPINetworkGet(w http.ResponseWriter, r *http.Request) {
	tid := tenantOf(r)
	n, err := a.Storage.Networks.Network(r.Context(), tid, chi.URLParam(r, "id"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	n.Location = a.locationNames(r.Context())[n.LocationID]
	ms, total, err := a.Storage.Networks.NetworkMachines(r.Context(), tid, n.ID, domain.MaxNetworkMachines)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	out := apiNetworkDetail{apiNetwork: toAPINetwork(n), Machines: make([]apiNetworkMachine, 0, len(ms)), MachinesTotal: total}
	for _, m := range ms {
		out.Machines = append(out.Machines, toAPINetworkMachine(m))
	}
	WriteJSON(w, http.StatusOK, out)
}

func (a *App) HandleAPINetworkCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Location string `json:"location"`
		CIDR     string `json:"cidr"`
	}
	key, err := idempotencyKey(r)
	if err == nil {
		err = decodeJSON(r, &in)
	}
	n := &domain.Network{TenantID: tenantOf(r), Name: in.Name, CIDR: in.CIDR, IdemKey: key}
	if err == nil {
		n.LocationID, err = a.resolveLocation(r.Context(), tenantOf(r), in.Location)
	}
	if err == nil {
		err = a.Storage.CreateNetwork(r.Context(), n)
	}
	a.auditAction(r, n.TenantID, "network.create", in.Name, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/networks/"+n.ID)
	n.Location = a.locationNames(r.Context())[n.LocationID]
	WriteJSON(w, http.StatusAccepted, toAPINetwork(n))
}

func (a *App) HandleAPINetworkDelete(w http.ResponseWriter, r *http.Request) {
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := a.Storage.DeleteNetwork(r.Context(), tid, id)
	a.auditAction(r, tid, "network.delete", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *App) HandleAPIRuleList(w http.ResponseWriter, r *http.Request) {
	rules, err := a.Storage.Networks.Rules(r.Context(), tenantOf(r), chi.URLParam(r, "id"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if rules == nil {
		rules = []*domain.FirewallRule{}
	}
	WriteJSON(w, http.StatusOK, apiPage[apiRule]{Items: apiList(rules, toAPIRule)})
}

func (a *App) HandleAPIRuleCreate(w http.ResponseWriter, r *http.Request) {
	rule := &domain.FirewallRule{}
	err := decodeJSON(r, &struct {
		Protocol    *string `json:"protocol"`
		PortFrom    *int    `json:"port_from"`
		PortTo      *int    `json:"port_to"`
		Source      *string `json:"source"`
		Description *string `json:"description"`
	}{&rule.Protocol, &rule.PortFrom, &rule.PortTo, &rule.Source, &rule.Description})
	rule.TenantID, rule.NetworkID = tenantOf(r), chi.URLParam(r, "id")
	if err == nil {
		err = a.Storage.Networks.AddRule(r.Context(), rule)
	}
	a.auditAction(r, rule.TenantID, "firewall_rule.create", rule.NetworkID, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, toAPIRule(rule))
}

func (a *App) HandleAPIRuleDelete(w http.ResponseWriter, r *http.Request) {
	tid, nid := tenantOf(r), chi.URLParam(r, "id")
	err := a.Storage.Networks.DeleteRule(r.Context(), tid, nid, chi.URLParam(r, "ruleID"))
	a.auditAction(r, tid, "firewall_rule.delete", nid, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *App) HandleAPIAddressList(w http.ResponseWriter, r *http.Request) {
	addrs, next, err := a.Storage.Addresses.PublicAddresses(r.Context(), domain.PublicAddressFilter{TenantID: tenantOf(r), MachineID: r.URL.Query().Get("machine"), Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if addrs == nil {
		addrs = []*domain.PublicAddress{}
	}
	names := a.locationNames(r.Context())
	for _, ad := range addrs {
		ad.Location = names[ad.LocationID]
	}
	WriteJSON(w, http.StatusOK, apiPage[apiAddress]{Items: apiList(addrs, toAPIAddress), NextCursor: next})
}

func (a *App) apiAddress(w http.ResponseWriter, r *http.Request, status int) {
	ad, err := a.Storage.Addresses.PublicAddress(r.Context(), tenantOf(r), chi.URLParam(r, "id"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	ad.Location = a.locationNames(r.Context())[ad.LocationID]
	WriteJSON(w, status, toAPIAddress(ad))
}

func (a *App) HandleAPIAddressGet(w http.ResponseWriter, r *http.Request) {
	a.apiAddress(w, r, http.StatusOK)
}

func (a *App) HandleAPIAddressAllocate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Location string `json:"location"`
	}
	tid := tenantOf(r)
	key, err := idempotencyKey(r)
	if err == nil {
		err = decodeJSON(r, &in)
	}
	var ad *domain.PublicAddress
	if err == nil {
		var loc string
		if loc, err = a.resolveLocation(r.Context(), tenantOf(r), in.Location); err == nil {
			ad, err = a.Storage.Addresses.AllocatePublic(r.Context(), tid, loc, key)
		}
	}
	a.auditAction(r, tid, "address.allocate", in.Location, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/addresses/"+ad.ID)
	ad.Location = a.locationNames(r.Context())[ad.LocationID]
	WriteJSON(w, http.StatusCreated, toAPIAddress(ad))
}

// handleAPIAddressAttach attaches an allocated address to a machine in its
// location: 202, the address reads attaching until the machine's site has
// recorded the mapping. The vSphere backend has no NAT of its own: the
// provider's edge applies it from the site's mapping.
func (a *App) HandleAPIAddressAttach(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Machine string `json:"machine"`
	}
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := decodeJSON(r, &in)
	if err == nil {
		_, err = a.Storage.Addresses.PublicAddress(r.Context(), tid, id)
	}
	var at domain.MachinePlace
	if err == nil {
		at, err = a.storageMachinePlace(r, tid, in.Machine)
	}
	if err == nil {
		err = a.Storage.AttachAddress(r.Context(), tid, id, in.Machine, at)
	}
	a.auditAction(r, tid, "address.attach", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	a.apiAddress(w, r, http.StatusAccepted)
}

// storageMachinePlace finds where the tenant's machine runs, refusing a
// machine that is neither running nor stopped (ECONFLICT); an unknown
// machine (or another tenant's) is a field error.
func (a *App) storageMachinePlace(r *http.Request, tid, machineID string) (domain.MachinePlace, error) {
	if a.Machines == nil {
		return domain.MachinePlace{}, domain.Errorf(domain.EUNAVAILABLE, "Machines are not available on this server.")
	}
	m, err := a.Machines.FindMachineByID(r.Context(), tid, machineID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return domain.MachinePlace{}, domain.Invalid(map[string]string{"machine": "No such machine."})
	}
	if err != nil {
		return domain.MachinePlace{}, err
	}
	if err := domain.CheckMachineForStorage(m); err != nil {
		return domain.MachinePlace{}, err
	}
	return domain.MachinePlace{LocationID: m.LocationID, SiteID: m.SiteID}, nil
}

func (a *App) HandleAPIAddressDetach(w http.ResponseWriter, r *http.Request) {
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := a.Storage.DetachAddress(r.Context(), tid, id)
	a.auditAction(r, tid, "address.detach", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	a.apiAddress(w, r, http.StatusAccepted)
}

func (a *App) HandleAPIAddressRelease(w http.ResponseWriter, r *http.Request) {
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	err := a.Storage.Addresses.ReleasePublic(r.Context(), tid, id)
	a.auditAction(r, tid, "address.release", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiSnapshotMachine finds the URL's machine of the tenant. ENOTFOUND.
func (a *App) apiSnapshotMachine(r *http.Request) (*domain.Machine, error) {
	if a.Machines == nil {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "Machines are not available on this server.")
	}
	return a.Machines.FindMachineByID(r.Context(), tenantOf(r), chi.URLParam(r, "machineID"))
}

func (a *App) HandleAPISnapshotList(w http.ResponseWriter, r *http.Request) {
	m, err := a.apiSnapshotMachine(r)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	snaps, err := a.Storage.Snapshots.Snapshots(r.Context(), m.TenantID, m.ID)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if snaps == nil {
		snaps = []*domain.Snapshot{}
	}
	WriteJSON(w, http.StatusOK, apiPage[apiSnapshot]{Items: apiList(snaps, toAPISnapshot)})
}

// handleAPISnapshotCreate takes a snapshot of a running or stopped
// machine: 202, the snapshot reads creating until the site has taken it.
// The same Idempotency-Key returns the same snapshot.
func (a *App) HandleAPISnapshotCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	key, err := idempotencyKey(r)
	if err == nil {
		err = decodeJSON(r, &in)
	}
	var m *domain.Machine
	if err == nil {
		m, err = a.apiSnapshotMachine(r)
	}
	sn := &domain.Snapshot{TenantID: tenantOf(r), Name: in.Name, IdemKey: key}
	if err == nil {
		sn.MachineID, sn.SiteID = m.ID, m.SiteID
		if err = sn.Validate(); err == nil {
			err = domain.CheckMachineForStorage(m)
		}
	}
	if err == nil {
		err = a.Storage.CreateSnapshot(r.Context(), sn)
	}
	if err == nil && sn.MachineID != m.ID {
		err = &domain.Error{Code: domain.ECONFLICT, Message: "This Idempotency-Key was used for a snapshot of another machine.", Fields: map[string]string{"Idempotency-Key": "Use a new key for a new snapshot."}}
	}
	a.auditAction(r, sn.TenantID, "snapshot.create", in.Name, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/snapshots/"+sn.ID)
	WriteJSON(w, http.StatusAccepted, toAPISnapshot(sn))
}

func (a *App) apiSnapshot(w http.ResponseWriter, r *http.Request, status int) {
	tid := tenantOf(r)
	sn, err := a.Storage.Snapshots.Snapshot(r.Context(), tid, chi.URLParam(r, "id"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, status, toAPISnapshot(sn))
}

func (a *App) HandleAPISnapshotGet(w http.ResponseWriter, r *http.Request) {
	a.apiSnapshot(w, r, http.StatusOK)
}

// handleAPISnapshotRevert returns the machine to a ready snapshot: what
// changed on its disks since is lost. 202; 409 unless the snapshot is
// ready and the machine running or stopped.
func (a *App) HandleAPISnapshotRevert(w http.ResponseWriter, r *http.Request) {
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	sn, err := a.Storage.Snapshots.Snapshot(r.Context(), tid, id)
	running := false
	if err == nil && a.Machines != nil {
		var m *domain.Machine
		if m, err = a.Machines.FindMachineByID(r.Context(), tid, sn.MachineID); err == nil {
			err = domain.CheckMachineForStorage(m)
			running = m.Status == domain.StatusRunning
		}
	}
	if err == nil {
		err = a.Storage.RevertSnapshot(r.Context(), tid, id, running)
	}
	a.auditAction(r, tid, "snapshot.revert", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	a.apiSnapshot(w, r, http.StatusAccepted)
}

func (a *App) HandleAPISnapshotDelete(w http.ResponseWriter, r *http.Request) {
	tid, id := tenantOf(r), chi.URLParam(r, "id")
	sn, err := a.Storage.Snapshots.Snapshot(r.Context(), tid, id)
	if err == nil {
		err = a.Storage.DeleteSnapshot(r.Context(), tid, id)
	}
	a.auditAction(r, tid, "snapshot.delete", id, err)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	if now, err := a.Storage.Snapshots.Snapshot(r.Context(), tid, id); err == nil {
		sn = now
	} else {
		sn.State = domain.SnapshotDeleted
	}
	WriteJSON(w, http.StatusAccepted, toAPISnapshot(sn))
}
