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
