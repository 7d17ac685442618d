package connectapi

import (
	connectv1 "tessera/connect/v1"
	"tessera/domain"
)

// This file translates manage's types (domain) to and from the connect/v1
// wire types, field by field, so that renaming a domain field never changes
// what travels to a site.

func requestToV1(r domain.OperationRequest) connectv1.OperationRequest {
	out := connectv1.OperationRequest{
		Key: r.Key, Kind: string(r.Kind), MachineID: r.MachineID,
		Snapshot: r.Snapshot, Power: r.Power,
	}
	if s := r.Spec; s != nil {
		out.Spec = &connectv1.MachineSpec{Name: s.Name, TenantSlug: s.TenantSlug, VCPUs: s.VCPUs, MemoryMiB: s.MemoryMiB,
			DiskGiB: s.DiskGiB, Image: s.Image, Network: s.Network}
		if s.Networks != nil {
			out.Spec.Networks = make([]connectv1.NICSpec, len(s.Networks))
			for i, n := range s.Networks {
				out.Spec.Networks[i] = connectv1.NICSpec{PortGroup: n.PortGroup, Address: n.Address, PrefixLength: n.PrefixLength, Gateway: n.Gateway}
			}
		}
	}
	if d := r.Disk; d != nil {
		out.Disk = &connectv1.DiskRequest{ID: d.ID, SizeGiB: d.SizeGiB, Class: d.Class}
	}
	if n := r.Network; n != nil {
		out.Network = &connectv1.NetworkRequest{ID: n.ID, PortGroup: n.PortGroup}
	}
	if i := r.Image; i != nil {
		out.Image = &connectv1.ImageRequest{Name: i.Name, URL: i.URL}
	}
	if a := r.Address; a != nil {
		out.Address = &connectv1.AddressRequest{ID: a.ID, Address: a.Address}
	}
	return out
}

func operationFromV1(o *connectv1.Operation) *domain.Operation {
	return &domain.Operation{ID: o.ID, Key: o.Key, Kind: domain.OperationKind(o.Kind), MachineID: o.MachineID,
		State: domain.OperationState(o.State), Error: o.Error, Attempts: o.Attempts, CreatedAt: o.CreatedAt, FinishedAt: o.FinishedAt}
}

func machineFromV1(m *connectv1.MachineObservation) *domain.MachineObservation {
	return &domain.MachineObservation{MachineID: m.MachineID, Power: m.Power, Addresses: m.Addresses, VCPUs: m.VCPUs,
		MemoryMiB: m.MemoryMiB, DiskGiB: m.DiskGiB, Host: m.Host, ObservedAt: m.ObservedAt}
}

func siteFromV1(s *connectv1.SiteInfo) *domain.SiteInfo {
	c := s.Capacity
	return &domain.SiteInfo{Name: s.Name, APIVersion: s.APIVersion, Backend: s.Backend, Templates: s.Templates, Networks: s.Networks, LastSync: s.LastSync,
		Capacity: domain.SiteCapacity{Clusters: c.Clusters, Hosts: c.Hosts, CPUTotalMHz: c.CPUTotalMHz, CPUUsedMHz: c.CPUUsedMHz,
			VCPUsTotal: c.VCPUsTotal, VCPUsAllocated: c.VCPUsAllocated, MemoryTotalMiB: c.MemoryTotalMiB, MemoryUsedMiB: c.MemoryUsedMiB,
			MemoryAllocMiB: c.MemoryAllocMiB, StorageTotalGiB: c.StorageTotalGiB, StorageFreeGiB: c.StorageFreeGiB}}
}

func diskFromV1(d *connectv1.DiskObservation) *domain.DiskObservation {
	return &domain.DiskObservation{DiskID: d.DiskID, State: d.State, SizeGiB: d.SizeGiB, Class: d.Class, Datastore: d.Datastore, MachineID: d.MachineID}
}

func networkFromV1(n *connectv1.NetworkObservation) *domain.NetworkObservation {
	return &domain.NetworkObservation{NetworkID: n.NetworkID, State: n.State, PortGroup: n.PortGroup, VLAN: n.VLAN}
}

func storageClassesFromV1(s *connectv1.StorageClassSettings) *domain.StorageClassSettings {
	out := &domain.StorageClassSettings{Classes: s.Classes}
	if s.Datastores != nil {
		out.Datastores = make([]domain.DatastoreChoice, len(s.Datastores))
		for i, d := range s.Datastores {
			out.Datastores[i] = domain.DatastoreChoice{Name: d.Name, Kind: d.Kind, CapacityGiB: d.CapacityGiB, FreeGiB: d.FreeGiB}
		}
	}
	return out
}

func poolToV1(p domain.NetworkPool) connectv1.NetworkPool {
	return connectv1.NetworkPool{VLANFrom: p.VLANFrom, VLANTo: p.VLANTo, PortGroups: p.PortGroups, Available: p.Available}
}

func poolFromV1(p *connectv1.NetworkPool) *domain.NetworkPool {
	return &domain.NetworkPool{VLANFrom: p.VLANFrom, VLANTo: p.VLANTo, PortGroups: p.PortGroups, Available: p.Available}
}
