package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

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
