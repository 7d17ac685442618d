package vsphere

import (
	"context"
	"sort"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

var _ hypervisor.DatastoreLister = (*Backend)(nil)

const gib = 1 << 30

// Datastores lists the datacenter's accessible datastores and its datastore
// clusters (storage pods), by name: what a storage class can map to.
func (b *Backend) Datastores(ctx context.Context) ([]hypervisor.DatastoreChoice, error) {
	var stores []mo.Datastore
	if err := b.retrieve(ctx, "Datastore", []string{"name", "summary"}, &stores); err != nil {
		return nil, translate(err, "read datastores")
	}
	var out []hypervisor.DatastoreChoice
	for _, d := range stores {
		if !d.Summary.Accessible {
			continue
		}
		out = append(out, hypervisor.DatastoreChoice{Name: d.Name, Kind: hypervisor.DatastoreKindDatastore, CapacityGiB: d.Summary.Capacity / gib, FreeGiB: d.Summary.FreeSpace / gib})
	}
	var pods []mo.StoragePod
	if err := b.retrieve(ctx, "StoragePod", []string{"name", "summary"}, &pods); err != nil {
		return nil, translate(err, "read datastore clusters")
	}
	for _, p := range pods {
		c := hypervisor.DatastoreChoice{Name: p.Name, Kind: hypervisor.DatastoreKindCluster}
		if p.Summary != nil {
			c.CapacityGiB, c.FreeGiB = p.Summary.Capacity/gib, p.Summary.FreeSpace/gib
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// podDatastore returns the member datastore of datastore cluster name with
// the most free space; nil when there is no such cluster.
func (b *Backend) podDatastore(ctx context.Context, name string) (*mo.Datastore, error) {
	ref, err := b.findRef(ctx, "StoragePod", name)
	if err != nil || ref == nil {
		return nil, err
	}
	var pod mo.StoragePod
	if err := property.DefaultCollector(b.c).RetrieveOne(ctx, *ref, []string{"childEntity"}, &pod); err != nil {
		return nil, err
	}
	var members []types.ManagedObjectReference
	for _, c := range pod.ChildEntity {
		if c.Type == "Datastore" {
			members = append(members, c)
		}
	}
	if len(members) == 0 {
		return nil, domain.Errorf(domain.ECONFLICT, "Datastore cluster %q has no datastore.", name)
	}
	var stores []mo.Datastore
	if err := property.DefaultCollector(b.c).Retrieve(ctx, members, []string{"name", "summary"}, &stores); err != nil {
		return nil, err
	}
	var best *mo.Datastore
	for i := range stores {
		d := &stores[i]
		if d.Summary.Accessible && (best == nil || d.Summary.FreeSpace > best.Summary.FreeSpace) {
			best = d
		}
	}
	if best == nil {
		return nil, domain.Errorf(domain.ECONFLICT, "Datastore cluster %q has no usable datastore.", name)
	}
	return best, nil
}
