package api

import (
	"tessera/connect/hypervisor"
	"tessera/connect/model"
	connectv1 "tessera/connect/v1"
)

// This file translates the connect/v1 wire types to and from connect's own
// model, field by field, so that a change to the model never changes what
// a manage instance reads.

func requestFromV1(r *connectv1.OperationRequest) model.OperationRequest {
	out := model.OperationRequest{
		Key: r.Key, Kind: model.OperationKind(r.Kind), MachineID: r.MachineID,
		Snapshot: r.Snapshot, Power: r.Power,
	}
	if s := r.Spec; s != nil {
		out.Spec = &model.MachineSpec{Name: s.Name, TenantSlug: s.TenantSlug, VCPUs: s.VCPUs, MemoryMiB: s.MemoryMiB,
			DiskGiB: s.DiskGiB, Image: s.Image, Network: s.Network}
		if s.Networks != nil {
			out.Spec.Networks = make([]model.NICSpec, len(s.Networks))
			for i, n := range s.Networks {
				out.Spec.Networks[i] = model.NICSpec{PortGroup: n.PortGroup, Address: n.Address, PrefixLength: n.PrefixLength, Gateway: n.Gateway}
			}
		}
	}
	if d := r.Disk; d != nil {
		out.Disk = &model.DiskRequest{ID: d.ID, SizeGiB: d.SizeGiB, Class: d.Class}
	}
	if n := r.Network; n != nil {
		out.Network = &model.NetworkRequest{ID: n.ID, PortGroup: n.PortGroup}
	}
	if i := r.Image; i != nil {
		out.Image = &model.ImageRequest{Name: i.Name, URL: i.URL}
	}
	if a := r.Address; a != nil {
		out.Address = &model.AddressRequest{ID: a.ID, Address: a.Address}
	}
	return out
}

func operationToV1(o *model.Operation) connectv1.Operation {
	return connectv1.Operation{ID: o.ID, Key: o.Key, Kind: string(o.Kind), MachineID: o.MachineID, State: string(o.State),
		Error: o.Error, Attempts: o.Attempts, CreatedAt: o.CreatedAt, FinishedAt: o.FinishedAt}
}

func machineToV1(m *model.MachineObservation) connectv1.MachineObservation {
	return connectv1.MachineObservation{MachineID: m.MachineID, Power: m.Power, Addresses: m.Addresses, VCPUs: m.VCPUs,
		MemoryMiB: m.MemoryMiB, DiskGiB: m.DiskGiB, Host: m.Host, ObservedAt: m.ObservedAt}
}

func diskToV1(d *model.DiskObservation) connectv1.DiskObservation {
	return connectv1.DiskObservation{DiskID: d.DiskID, State: d.State, SizeGiB: d.SizeGiB, Class: d.Class, Datastore: d.Datastore, MachineID: d.MachineID}
}

func networkToV1(n *model.NetworkObservation) connectv1.NetworkObservation {
	return connectv1.NetworkObservation{NetworkID: n.NetworkID, State: n.State, PortGroup: n.PortGroup, VLAN: n.VLAN}
}

func siteToV1(s *model.SiteInfo) connectv1.SiteInfo {
	return connectv1.SiteInfo{Name: s.Name, APIVersion: s.APIVersion, Backend: s.Backend, Capacity: capacityToV1(s.Capacity),
		Templates: s.Templates, Networks: s.Networks, LastSync: s.LastSync}
}

func capacityToV1(c hypervisor.Capacity) connectv1.SiteCapacity {
	return connectv1.SiteCapacity{Clusters: c.Clusters, Hosts: c.Hosts, CPUTotalMHz: c.CPUTotalMHz, CPUUsedMHz: c.CPUUsedMHz,
		VCPUsTotal: c.VCPUsTotal, VCPUsAllocated: c.VCPUsAllocated, MemoryTotalMiB: c.MemoryTotalMiB, MemoryUsedMiB: c.MemoryUsedMiB,
		MemoryAllocMiB: c.MemoryAllocMiB, StorageTotalGiB: c.StorageTotalGiB, StorageFreeGiB: c.StorageFreeGiB}
}

func storageClassesToV1(s *model.StorageClassSettings) connectv1.StorageClassSettings {
	out := connectv1.StorageClassSettings{Classes: s.Classes}
	if s.Datastores != nil {
		out.Datastores = make([]connectv1.DatastoreChoice, len(s.Datastores))
		for i, d := range s.Datastores {
			out.Datastores[i] = connectv1.DatastoreChoice{Name: d.Name, Kind: d.Kind, CapacityGiB: d.CapacityGiB, FreeGiB: d.FreeGiB}
		}
	}
	return out
}

func poolFromV1(p *connectv1.NetworkPool) model.NetworkPool {
	return model.NetworkPool{VLANFrom: p.VLANFrom, VLANTo: p.VLANTo, PortGroups: p.PortGroups, Available: p.Available}
}

func poolToV1(p *model.NetworkPool) connectv1.NetworkPool {
	return connectv1.NetworkPool{VLANFrom: p.VLANFrom, VLANTo: p.VLANTo, PortGroups: p.PortGroups, Available: p.Available}
}
