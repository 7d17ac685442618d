package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

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
