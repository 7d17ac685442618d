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
