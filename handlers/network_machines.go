package handlers

import (
	"net/http"
	"strings"

	"tessera/domain"
	"tessera/views"
)

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

// networkWithMachines is a network as GET /api/v1/networks/{id} shows it:
// with the machines on it and their addresses (the lowest
// domain.MaxNetworkMachines; machines_total says how many there are).
type networkWithMachines struct {
	*domain.Network
	Machines      []*domain.NetworkMachine `json:"machines"`
	MachinesTotal int                      `json:"machines_total"`
}
