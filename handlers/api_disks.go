package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

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
