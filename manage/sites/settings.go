package sites

import (
	"context"
	"time"

	"tessera/domain"
)

// anySiteClient is a connector that also reaches disabled sites: their
// settings can be changed before they take machines again.
type anySiteClient interface {
	ClientAny(ctx context.Context, siteID string) (domain.SiteClient, error)
}

// Settings reads and changes a site's storage classes and network pool.
// Reads come from Reports (what the site last reported); saves go to the
// site and store what it answered.
type Settings struct {
	Connector domain.SiteConnector   // nil: no site can be reached
	Reports   domain.SiteReportStore // nil: nothing is stored or shown
	Now       func() time.Time       // nil: time.Now
}

func (s *Settings) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// client returns the site's settings client, even for a disabled site.
// EUNAVAILABLE.
func (s *Settings) client(ctx context.Context, siteID string) (domain.SiteSettingsClient, error) {
	if s.Connector == nil {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "No site connector is set up.")
	}
	var c domain.SiteClient
	var err error
	if ac, ok := s.Connector.(anySiteClient); ok {
		c, err = ac.ClientAny(ctx, siteID)
	} else {
		c, err = s.Connector.Client(ctx, siteID)
	}
	if err != nil {
		return nil, err
	}
	sc, ok := c.(domain.SiteSettingsClient)
	if !ok {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "This site's client cannot change its settings.")
	}
	return sc, nil
}

// Report returns what the site last reported of its settings, without
// asking it. EUNAVAILABLE when it has reported nothing yet.
func (s *Settings) Report(ctx context.Context, siteID string) (*domain.SiteSettingsReport, error) {
	if s.Reports == nil {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "No store of the sites' reports is set up.")
	}
	r, err := s.Reports.FindSiteSettings(ctx, siteID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "The site has not reported its storage and network settings yet; they appear after its next health check.")
	}
	return r, err
}

// Refresh asks the site for its settings and stores what it reports (the
// health check calls it). The part the site answered is stored even when
// the other part fails.
func (s *Settings) Refresh(ctx context.Context, siteID string) error {
	if s.Reports == nil {
		return nil
	}
	c, err := s.client(ctx, siteID)
	if err != nil {
		return err
	}
	r := &domain.SiteSettingsReport{SiteID: siteID, ReportedAt: s.now()}
	sc, serr := c.StorageClasses(ctx)
	if serr == nil {
		r.Storage = sc
	}
	p, perr := c.NetworkPool(ctx)
	if perr == nil {
		r.Pool = p
	}
	if r.Storage != nil || r.Pool != nil {
		if err := s.Reports.RecordSiteSettings(ctx, r); err != nil {
			return err
		}
	}
	if serr != nil {
		return serr
	}
	return perr
}

// SaveStorageClasses maps the site's storage classes to its datastores
// through the site and stores what it answered. EINVALID (classes.<class>),
// EUNAVAILABLE.
func (s *Settings) SaveStorageClasses(ctx context.Context, siteID string, classes map[string]string) error {
	c, err := s.client(ctx, siteID)
	if err != nil {
		return err
	}
	sc, err := c.SetStorageClasses(ctx, classes)
	if err != nil || sc == nil {
		return err
	}
	if s.Reports == nil {
		return nil
	}
	if sc.Datastores == nil {
		// The answer may leave out the datastores; keep the ones known.
		if old, err := s.Reports.FindSiteSettings(ctx, siteID); err == nil && old.Storage != nil {
			sc.Datastores = old.Storage.Datastores
		}
	}
	return s.Reports.RecordSiteSettings(ctx, &domain.SiteSettingsReport{SiteID: siteID, Storage: sc, ReportedAt: s.now()})
}

// SaveNetworkPool sets the site's VLAN range and port groups through the
// site and stores what it answered. EINVALID (vlan_from, vlan_to,
// port_groups), EUNAVAILABLE.
func (s *Settings) SaveNetworkPool(ctx context.Context, siteID string, p domain.NetworkPool) error {
	c, err := s.client(ctx, siteID)
	if err != nil {
		return err
	}
	np, err := c.SetNetworkPool(ctx, p)
	if err != nil || np == nil {
		return err
	}
	if s.Reports == nil {
		return nil
	}
	if np.Available == nil {
		if old, err := s.Reports.FindSiteSettings(ctx, siteID); err == nil && old.Pool != nil {
			np.Available = old.Pool.Available
		}
	}
	return s.Reports.RecordSiteSettings(ctx, &domain.SiteSettingsReport{SiteID: siteID, Pool: np, ReportedAt: s.now()})
}
