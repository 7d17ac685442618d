package demo

import (
	"context"
	"fmt"

	"tessera/domain"
	"tessera/web"
)

// demoPools are the demo's public address pools, one per location, from the
// documentation ranges (RFC 5737) so they can never collide with real ones.
// Tests make pools of their own in the lower halves of these ranges.
var demoPools = map[string]string{
	"Berlin":    "203.0.113.128/26",
	"Frankfurt": "198.51.100.128/26",
	"Zurich":    "192.0.2.128/26",
}

// SeedPools gives each demo location a public address pool unless it has
// one, so demo tenants can allocate and attach public addresses. It runs
// after StartSites (which creates the locations).
func SeedPools(ctx context.Context, s *web.Server) error {
	locs, err := s.Locations.FindLocations(ctx)
	if err != nil {
		return err
	}
	for _, l := range locs {
		cidr, ok := demoPools[l.Name]
		if !ok {
			continue
		}
		pools, err := s.App.Storage.Addresses.Pools(ctx, l.ID)
		if err != nil {
			return err
		}
		if len(pools) > 0 {
			continue
		}
		err = s.App.Storage.Addresses.CreatePool(ctx, &domain.PublicPool{LocationID: l.ID, CIDR: cidr})
		if domain.ErrorCode(err) == domain.EINVALID { // the range is in another pool already: leave it
			s.Log.Warn("demo address pool not created", "location", l.Name, "cidr", cidr, "err", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("demo pool %s: %w", l.Name, err)
		}
	}
	return nil
}
