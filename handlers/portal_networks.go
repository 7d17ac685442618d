package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

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

// networkMachines is the machines section of network n's page (n is the
// principal's tenant's, found by the caller).
func (a *App) networkMachines(r *http.Request, n *domain.Network) (views.NetworkMachinesProps, error) {
	ms, total, err := a.Storage.Networks.NetworkMachines(r.Context(), n.TenantID, n.ID, domain.MaxNetworkMachines)
	p := views.NetworkMachinesProps{Machines: ms, Total: total}
	if i := strings.LastIndexByte(n.CIDR, '/'); i >= 0 {
		p.Prefix = n.CIDR[i:]
	}
	return p, err
}
