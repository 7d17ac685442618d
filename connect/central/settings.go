package central

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"tessera/connect/hypervisor"
	"tessera/connect/model"
	"tessera/connect/store"
	"tessera/domain"
)

// A site's storage classes and network pool: the provider admin sets them
// from manage (PUT /connect/v1/storage-classes and /network-pool); they are
// kept in connect's own database and override Config's StorageClasses and
// VLAN range.

// classes returns the storage class mapping in force.
func (c *Central) classes(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range c.cfg.StorageClasses {
		out[k] = v
	}
	var set map[string]string
	ok, err := c.store.Setting(ctx, store.SettingStorageClasses, &set)
	if err != nil {
		return nil, err
	}
	if ok {
		out = set
	}
	return out, nil
}

// StorageClasses returns the mapping and the site's datastores and
// datastore clusters to choose from.
func (c *Central) StorageClasses(ctx context.Context) (*model.StorageClassSettings, error) {
	classes, err := c.classes(ctx)
	if err != nil {
		return nil, err
	}
	out := &model.StorageClassSettings{Classes: classes}
	if dl, ok := c.backend.(hypervisor.DatastoreLister); ok {
		if out.Datastores, err = dl.Datastores(ctx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetStorageClasses replaces the mapping after checking every datastore
// exists at the site. EINVALID (classes.<class>).
func (c *Central) SetStorageClasses(ctx context.Context, classes map[string]string) (*model.StorageClassSettings, error) {
	dl, ok := c.backend.(hypervisor.DatastoreLister)
	if !ok {
		return nil, domain.Errorf(domain.EINVALID, "This site's hypervisor backend does not list datastores.")
	}
	have, err := dl.Datastores(ctx)
	if err != nil {
		return nil, err
	}
	s := &model.StorageClassSettings{Classes: classes}
	if s.Classes == nil {
		s.Classes = map[string]string{}
	}
	if err := s.Validate(have); err != nil {
		return nil, err
	}
	for k, v := range s.Classes {
		if v == "" {
			delete(s.Classes, k)
		}
	}
	if err := c.store.SetSetting(ctx, store.SettingStorageClasses, s.Classes); err != nil {
		return nil, err
	}
	s.Datastores = have
	return s, nil
}

// pool returns the network pool in force (in tx when given).
func (c *Central) pool(ctx context.Context, tx pgx.Tx) (model.NetworkPool, error) {
	p := model.NetworkPool{VLANFrom: c.cfg.VLANFrom, VLANTo: c.cfg.VLANTo}
	var set model.NetworkPool
	var ok bool
	var err error
	if tx != nil {
		ok, err = store.SettingTx(ctx, tx, store.SettingNetworkPool, &set)
	} else {
		ok, err = c.store.Setting(ctx, store.SettingNetworkPool, &set)
	}
	if err != nil {
		return p, err
	}
	if ok {
		p = set
	}
	return p, nil
}

// NetworkPool returns the pool and the site's port groups.
func (c *Central) NetworkPool(ctx context.Context) (*model.NetworkPool, error) {
	p, err := c.pool(ctx, nil)
	if err != nil {
		return nil, err
	}
	if nb, ok := c.backend.(hypervisor.NetworkBackend); ok {
		if p.Available, err = nb.PortGroups(ctx); err != nil {
			return nil, err
		}
	}
	if p.PortGroups == nil {
		p.PortGroups = []string{}
	}
	return &p, nil
}

// SetNetworkPool replaces the pool after checking its port groups exist at
// the site. EINVALID (vlan_from, vlan_to, port_groups).
func (c *Central) SetNetworkPool(ctx context.Context, p model.NetworkPool) (*model.NetworkPool, error) {
	nb, err := c.networkBackend()
	if err != nil {
		return nil, err
	}
	have, err := nb.PortGroups(ctx)
	if err != nil {
		return nil, err
	}
	p.Available = nil
	if err := p.Validate(slices.Clip(have)); err != nil {
		return nil, err
	}
	if p.PortGroups == nil {
		p.PortGroups = []string{}
	}
	if err := c.store.SetSetting(ctx, store.SettingNetworkPool, p); err != nil {
		return nil, err
	}
	p.Available = have
	return &p, nil
}
