package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/manage/machines"
)

// apiMachine is a machine as the user API shows it.
type apiMachine struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Location   string   `json:"location"`
	LocationID string   `json:"location_id"`
	Flavor     string   `json:"flavor"`
	FlavorID   string   `json:"flavor_id"`
	Image      string   `json:"image"`
	ImageID    string   `json:"image_id"`
	VCPUs      int      `json:"vcpus"`
	MemoryMiB  int      `json:"memory_mib"`
	DiskGiB    int      `json:"disk_gib"`
	Addresses  []string `json:"addresses"`
	// Interfaces are the machine's private network interfaces.
	Interfaces []apiInterface `json:"interfaces"`
	Error      string         `json:"error,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	Price      *apiPrice      `json:"price"`
}

// apiInterface is one of a machine's network interfaces as the API shows it.
type apiInterface struct {
	Index        int    `json:"index"`
	Network      string `json:"network"`
	NetworkName  string `json:"network_name"`
	Address      string `json:"address"`
	Gateway      string `json:"gateway"`
	PrefixLength int    `json:"prefix_length"`
}

func toAPIMachine(it *machines.Listed) apiMachine {
	m := it.M
	out := apiMachine{ID: m.ID, Name: m.Name, Status: string(m.Status), Location: it.Location, LocationID: m.LocationID,
		Flavor: m.FlavorName, FlavorID: m.FlavorID, Image: m.ImageName, ImageID: m.ImageID,
		VCPUs: m.VCPUs, MemoryMiB: m.MemoryMiB, DiskGiB: m.DiskGiB, Addresses: m.Addresses, Error: m.ErrorReason, CreatedAt: m.CreatedAt}
	if out.Addresses == nil {
		out.Addresses = []string{}
	}
	out.Interfaces = make([]apiInterface, 0, len(it.Interfaces))
	for _, n := range it.Interfaces {
		out.Interfaces = append(out.Interfaces, apiInterface{Index: n.Index, Network: n.NetworkID, NetworkName: n.NetworkName,
			Address: n.Address, Gateway: n.Gateway, PrefixLength: n.PrefixLength})
	}
	if q := it.Quote; q != nil {
		out.Price = &apiPrice{Hourly: q.Hourly.Amount.Decimal(4), Monthly: q.Monthly.Amount.Decimal(2), Currency: q.Hourly.Currency}
	}
	return out
}

func (a *App) HandleAPIMachineList(w http.ResponseWriter, r *http.Request) {
	f, err := machines.Filter(PrincipalFrom(r.Context()).Tenant.ID, listQuery(r))
	if err != nil {
		a.respondError(w, r, err)
		return
	}
	list, err := a.machineService().List(r.Context(), f, true)
	if err != nil {
		a.respondError(w, r, err)
		return
	}
	out := apiPage[apiMachine]{Items: make([]apiMachine, 0, len(list.Items)), NextCursor: list.Next}
	for i := range list.Items {
		out.Items = append(out.Items, toAPIMachine(&list.Items[i]))
	}
	WriteJSON(w, http.StatusOK, out)
}

func (a *App) HandleAPIMachineGet(w http.ResponseWriter, r *http.Request) {
	it, err := a.machineService().Get(r.Context(), PrincipalFrom(r.Context()).Tenant.ID, chi.URLParam(r, "machineID"))
	if err != nil {
		a.respondError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, toAPIMachine(it))
}

// apiCreateMachine is the body of POST /api/v1/machines.
type apiCreateMachine struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	Flavor   string `json:"flavor"`
	Image    string `json:"image"`
	// Placement: "location" may also be "any:DE" or "cheapest".
	Residency string           `json:"residency,omitempty"`
	Groups    []PlacementGroup `json:"groups,omitempty"`
	// Networks are network ids for the machine's interfaces; none gives
	// it the location's default network.
	Networks []string `json:"networks,omitempty"`
}

func (a *App) HandleAPIMachineCreate(w http.ResponseWriter, r *http.Request) {
	var in apiCreateMachine
	if err := decodeJSON(r, &in); err != nil {
		a.respondError(w, r, err)
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		a.respondError(w, r, err)
		return
	}
	svc := a.machineService()
	m, _, err := svc.Create(r.Context(), a.machineActor(r), machines.CreateRequest{TenantID: PrincipalFrom(r.Context()).Tenant.ID,
		Name: in.Name, Location: in.Location, Flavor: in.Flavor, Image: in.Image, IdempotencyKey: key,
		Networks: in.Networks, Residency: in.Residency, Groups: placementGroups(in.Groups)})
	if err != nil {
		a.respondError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/machines/"+m.ID)
	WriteJSON(w, http.StatusAccepted, toAPIMachine(svc.Describe(r.Context(), m)))
}

func (a *App) HandleAPIAction(action domain.MachineAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Flavor string `json:"flavor"`
		}
		if action == domain.ActionResize {
			if err := decodeJSON(r, &in); err != nil {
				a.respondError(w, r, err)
				return
			}
			if strings.TrimSpace(in.Flavor) == "" {
				a.respondError(w, r, domain.Invalid(map[string]string{"flavor": "Choose the new size (a flavor id or name)."}))
				return
			}
		}
		svc, by, tid, id := a.machineService(), a.machineActor(r), PrincipalFrom(r.Context()).Tenant.ID, chi.URLParam(r, "machineID")
		var m *domain.Machine
		var err error
		if action == domain.ActionDelete {
			m, err = svc.Delete(r.Context(), by, tid, id, r.URL.Query().Get("disks"))
		} else {
			m, err = svc.Act(r.Context(), by, tid, id, action, in.Flavor)
		}
		if err != nil {
			a.respondError(w, r, err)
			return
		}
		WriteJSON(w, http.StatusAccepted, toAPIMachine(svc.Describe(r.Context(), m)))
	}
}
