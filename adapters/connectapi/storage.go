package connectapi

import (
	"context"
	"net/http"
	"net/url"

	connectv1 "tessera/connect/v1"
	"tessera/domain"
)

var _ domain.SiteStorageClient = (*Client)(nil)

// Disk returns what the site knows of a disk.
func (c *Client) Disk(ctx context.Context, diskID string) (*domain.DiskObservation, error) {
	var out connectv1.DiskObservation
	if err := c.do(ctx, http.MethodGet, connectv1.Prefix+"/disks/"+url.PathEscape(diskID), nil, &out); err != nil {
		return nil, err
	}
	return diskFromV1(&out), nil
}

// Network returns what the site knows of a network.
func (c *Client) Network(ctx context.Context, networkID string) (*domain.NetworkObservation, error) {
	var out connectv1.NetworkObservation
	if err := c.do(ctx, http.MethodGet, connectv1.Prefix+"/networks/"+url.PathEscape(networkID), nil, &out); err != nil {
		return nil, err
	}
	return networkFromV1(&out), nil
}

var _ domain.SiteSettingsClient = (*Client)(nil)

// StorageClasses returns the site's storage class mapping and datastores.
func (c *Client) StorageClasses(ctx context.Context) (*domain.StorageClassSettings, error) {
	var out connectv1.StorageClassSettings
	if err := c.do(ctx, http.MethodGet, connectv1.Prefix+"/storage-classes", nil, &out); err != nil {
		return nil, err
	}
	return storageClassesFromV1(&out), nil
}

// SetStorageClasses replaces the site's storage class mapping.
func (c *Client) SetStorageClasses(ctx context.Context, classes map[string]string) (*domain.StorageClassSettings, error) {
	var out connectv1.StorageClassSettings
	if err := c.do(ctx, http.MethodPut, connectv1.Prefix+"/storage-classes", connectv1.StorageClassSettings{Classes: classes}, &out); err != nil {
		return nil, err
	}
	return storageClassesFromV1(&out), nil
}

// NetworkPool returns the site's network pool and port groups.
func (c *Client) NetworkPool(ctx context.Context) (*domain.NetworkPool, error) {
	var out connectv1.NetworkPool
	if err := c.do(ctx, http.MethodGet, connectv1.Prefix+"/network-pool", nil, &out); err != nil {
		return nil, err
	}
	return poolFromV1(&out), nil
}

// SetNetworkPool replaces the site's network pool.
func (c *Client) SetNetworkPool(ctx context.Context, p domain.NetworkPool) (*domain.NetworkPool, error) {
	var out connectv1.NetworkPool
	if err := c.do(ctx, http.MethodPut, connectv1.Prefix+"/network-pool", poolToV1(p), &out); err != nil {
		return nil, err
	}
	return poolFromV1(&out), nil
}
