package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

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
