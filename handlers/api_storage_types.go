package handlers

import (
	"time"

	"tessera/domain"
)

// The user API's storage objects, as JSON: the API's own types, so that the
// domain's structs are free to change without changing what clients read.

type apiDisk struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Location   string    `json:"location"`
	LocationID string    `json:"location_id"`
	SizeGiB    int       `json:"size_gib"`
	Class      string    `json:"class"`
	State      string    `json:"state"`
	MachineID  string    `json:"machine_id,omitempty"` // attached to, or being attached to or detached from
	CreatedAt  time.Time `json:"created_at"`
}

func toAPIDisk(d *domain.Disk) apiDisk {
	return apiDisk{ID: d.ID, Name: d.Name, Location: d.Location, LocationID: d.LocationID, SizeGiB: d.SizeGiB,
		Class: d.Class, State: string(d.State), MachineID: d.MachineID, CreatedAt: d.CreatedAt}
}

type apiNetwork struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Location   string    `json:"location"`
	LocationID string    `json:"location_id"`
	CIDR       string    `json:"cidr"`
	Gateway    string    `json:"gateway"`
	PortGroup  string    `json:"port_group,omitempty"`
	Default    bool      `json:"default"`
	State      string    `json:"state"`
	CreatedAt  time.Time `json:"created_at"`
}

func toAPINetwork(n *domain.Network) apiNetwork {
	return apiNetwork{ID: n.ID, Name: n.Name, Location: n.Location, LocationID: n.LocationID, CIDR: n.CIDR, Gateway: n.Gateway,
		PortGroup: n.PortGroup, Default: n.Default, State: string(n.State), CreatedAt: n.CreatedAt}
}

// apiNetworkDetail is a network as GET /api/v1/networks/{id} shows it: with
// the machines on it and their addresses (the lowest
// domain.MaxNetworkMachines; machines_total says how many there are).
type apiNetworkDetail struct {
	apiNetwork
	Machines      []apiNetworkMachine `json:"machines"`
	MachinesTotal int                 `json:"machines_total"`
}

type apiNetworkMachine struct {
	ID      string `json:"id"`
	Name    string `json:"name"` // the machine id when the machine is gone
	Address string `json:"address"`
}

func toAPINetworkMachine(m *domain.NetworkMachine) apiNetworkMachine {
	return apiNetworkMachine{ID: m.MachineID, Name: m.Name, Address: m.Address}
}

type apiRule struct {
	ID          string    `json:"id"`
	NetworkID   string    `json:"network_id"`
	Protocol    string    `json:"protocol"`
	PortFrom    int       `json:"port_from,omitempty"` // 0 for icmp and any
	PortTo      int       `json:"port_to,omitempty"`
	Source      string    `json:"source"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

func toAPIRule(r *domain.FirewallRule) apiRule {
	return apiRule{ID: r.ID, NetworkID: r.NetworkID, Protocol: r.Protocol, PortFrom: r.PortFrom, PortTo: r.PortTo,
		Source: r.Source, Description: r.Description, CreatedAt: r.CreatedAt}
}

type apiAddress struct {
	ID         string    `json:"id"`
	Location   string    `json:"location"`
	LocationID string    `json:"location_id"`
	Address    string    `json:"address"`
	State      string    `json:"state"`
	MachineID  string    `json:"machine_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func toAPIAddress(a *domain.PublicAddress) apiAddress {
	return apiAddress{ID: a.ID, Location: a.Location, LocationID: a.LocationID, Address: a.Address,
		State: string(a.State), MachineID: a.MachineID, CreatedAt: a.CreatedAt}
}

type apiSnapshot struct {
	ID        string    `json:"id"`
	MachineID string    `json:"machine_id"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
}

func toAPISnapshot(s *domain.Snapshot) apiSnapshot {
	return apiSnapshot{ID: s.ID, MachineID: s.MachineID, Name: s.Name, State: string(s.State), CreatedAt: s.CreatedAt}
}

// apiList maps a list to its API objects; nil stays nil (JSON null), as
// the list answered before it had types of its own.
func apiList[T, U any](in []T, to func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = to(v)
	}
	return out
}
