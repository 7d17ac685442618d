package connectapi

import (
	"context"
	"net/http"
	"net/url"

	"tessera/domain"
)

var _ domain.SiteStorageClient = (*Client)(nil)

// Disk returns what the site knows of a disk.
func (c *Client) Disk(ctx context.Context, diskID string) (*domain.DiskObservation, error) {
	var out domain.DiskObservation
	return &out, c.do(ctx, http.MethodGet, "/connect/v1/disks/"+url.PathEscape(diskID), nil, &out)
}

// Network returns what the site knows of a network.
func (c *Client) Network(ctx context.Context, networkID string) (*domain.NetworkObservation, error) {
	var out domain.NetworkObservation
	return &out, c.do(ctx, http.MethodGet, "/connect/v1/networks/"+url.PathEscape(networkID), nil, &out)
}

var _ domain.SiteSettingsClient = (*Client)(nil)

// StorageClasses returns the site's storage class mapping and datastores.
func (c *Client) StorageClasses(ctx context.Context) (*domain.StorageClassSettings, error) {
	var out domain.StorageClassSettings
	return &out, c.do(ctx, http.MethodGet, "/connect/v1/storage-classes", nil, &out)
}

// SetStorageClasses replaces the site's storage class mapping.
func (c *Client) SetStorageClasses(ctx context.Context, classes map[string]string) (*domain.StorageClassSettings, error) {
	var out domain.StorageClassSettings
	return &out, c.do(ctx, http.MethodPut, "/connect/v1/storage-classes", domain.StorageClassSettings{Classes: classes}, &out)
}

// NetworkPool returns the site's network pool and port groups.
func (c *Client) NetworkPool(ctx context.Context) (*domain.NetworkPool, error) {
	var out domain.NetworkPool
	return &out, c.do(ctx, http.MethodGet, "/connect/v1/network-pool", nil, &out)
}

// SetNetworkPool replaces the site's network pool.
func (c *Client) SetNetworkPool(ctx context.Context, p domain.NetworkPool) (*domain.NetworkPool, error) {
	var out domain.NetworkPool
	return &out, c.do(ctx, http.MethodPut, "/connect/v1/network-pool", p, &out)
}
