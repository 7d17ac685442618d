package connectapi

import (
	"context"
	"net/http"

	"tessera/domain"
)

// Connector hands out clients for the sites registered in manage, opening
// each site's sealed credential with the SecretBox.
type Connector struct {
	Sites   domain.LocationService
	Secrets domain.SecretBox
	HTTP    *http.Client // nil for a client with DefaultTimeout
}

var _ domain.SiteConnector = (*Connector)(nil)

// Client returns the client of site id. ENOTFOUND, EUNAVAILABLE (disabled).
func (c *Connector) Client(ctx context.Context, siteID string) (domain.SiteClient, error) {
	s, err := c.Sites.FindSiteByID(ctx, siteID)
	if err != nil {
		return nil, err
	}
	if !s.Enabled {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "Site %s is disabled.", s.Name)
	}
	token, err := c.Secrets.Open(s.CredentialSealed)
	if err != nil {
		return nil, err
	}
	return New(s.APIURL, token, c.HTTP), nil
}

// ClientAny returns the client of site id even when the site is disabled:
// disabling stops new workloads, while existing machines there must still be
// started, stopped and deleted. ENOTFOUND.
func (c *Connector) ClientAny(ctx context.Context, siteID string) (domain.SiteClient, error) {
	s, err := c.Sites.FindSiteByID(ctx, siteID)
	if err != nil {
		return nil, err
	}
	token, err := c.Secrets.Open(s.CredentialSealed)
	if err != nil {
		return nil, err
	}
	return New(s.APIURL, token, c.HTTP), nil
}
