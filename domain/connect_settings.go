package domain

import (
	"context"
)

// This file extends what manage asks a site with the site's storage and
// network settings, which the provider admin sets from manage: which
// datastore (or datastore cluster) backs each storage class, and the pool
// new networks' port groups come from (a VLAN range and existing port
// groups). connect keeps them in its own database.

// Datastore kinds a storage class can map to.
const (
	DatastoreKindDatastore = "datastore"
	DatastoreKindCluster   = "cluster" // a datastore cluster (vSphere storage pod)
)

// DatastoreChoice is a datastore or datastore cluster of a site.
type DatastoreChoice struct {
	Name        string
	Kind        string // datastore, cluster
	CapacityGiB int64
	FreeGiB     int64
}

// StorageClassSettings maps each storage class to a datastore or datastore
// cluster of the site; a class missing or "" takes the datastore with the
// most free space. Datastores is what the site offers (read-only).
type StorageClassSettings struct {
	Classes    map[string]string
	Datastores []DatastoreChoice
}

// NetworkPool is where a site's new networks get their port groups: an
// existing port group assigned to the pool that no network uses yet, else
// a new one with the first free VLAN id of the range.
type NetworkPool struct {
	VLANFrom   int
	VLANTo     int
	PortGroups []string
	// Available lists the site's port groups (read-only).
	Available []string
}

// SiteSettingsClient reads and sets a site's storage classes and network
// pool; adapters/connectapi's client implements it next to SiteClient.
type SiteSettingsClient interface {
	// StorageClasses returns the mapping and the site's datastores.
	StorageClasses(ctx context.Context) (*StorageClassSettings, error)
	// SetStorageClasses replaces the mapping. EINVALID (classes.<class>).
	SetStorageClasses(ctx context.Context, classes map[string]string) (*StorageClassSettings, error)
	// NetworkPool returns the pool and the site's port groups.
	NetworkPool(ctx context.Context) (*NetworkPool, error)
	// SetNetworkPool replaces the pool. EINVALID (vlan_from, vlan_to, port_groups).
	SetNetworkPool(ctx context.Context, p NetworkPool) (*NetworkPool, error)
}
