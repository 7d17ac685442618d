package postgres_test

import (
	"context"
	"testing"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

func TestLocationsAndSites(t *testing.T) {
	db := pgtest.MustOpen(t)
	s := postgres.NewLocationService(db)
	ctx := context.Background()

	berlin := &domain.GeoLocation{Name: " Berlin ", CountryCode: "de"}
	if err := s.CreateLocation(ctx, berlin); err != nil {
		t.Fatal(err)
	}
	if berlin.Name != "Berlin" || berlin.CountryCode != "DE" {
		t.Errorf("normalised to %+v", berlin)
	}
	if err := s.CreateLocation(ctx, &domain.GeoLocation{Name: "berlin", CountryCode: "DE"}); domain.ErrorFields(err)["name"] == "" {
		t.Errorf("duplicate location: %v", err)
	}
	if err := s.CreateLocation(ctx, &domain.GeoLocation{Name: "", CountryCode: "Germany"}); len(domain.ErrorFields(err)) != 2 {
		t.Errorf("invalid location: %v", err)
	}
	if err := s.CreateLocation(ctx, &domain.GeoLocation{Name: "Frankfurt", CountryCode: "DE"}); err != nil {
		t.Fatal(err)
	}
	locs, err := s.FindLocations(ctx)
	if err != nil || len(locs) != 2 || locs[0].Name != "Berlin" {
		t.Fatalf("locations %v, %v", locs, err)
	}

	site := &domain.Site{Name: "Berlin 1", LocationID: berlin.ID, APIURL: "https://connect.example/", CredentialSealed: "v1:sealed", Enabled: true}
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	if site.APIURL != "https://connect.example" || site.Health != domain.SiteUnknown {
		t.Errorf("site %+v", site)
	}
	bad := &domain.Site{Name: "x", LocationID: domain.NewID(), APIURL: "ftp://x", CredentialSealed: ""}
	if f := domain.ErrorFields(s.CreateSite(ctx, bad)); f["api_url"] == "" || f["credential"] == "" {
		t.Errorf("invalid site fields %v", f)
	}
	bad = &domain.Site{Name: "x", LocationID: domain.NewID(), APIURL: "https://x", CredentialSealed: "c"}
	if f := domain.ErrorFields(s.CreateSite(ctx, bad)); f["location_id"] == "" {
		t.Errorf("unknown location: %v", f)
	}
	dup := &domain.Site{Name: "berlin 1", LocationID: berlin.ID, APIURL: "https://y", CredentialSealed: "c"}
	if err := s.CreateSite(ctx, dup); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("duplicate site: %v", err)
	}

	info := &domain.SiteInfo{Name: "berlin", Capacity: domain.SiteCapacity{Hosts: 3}, Templates: []string{"ubuntu"}}
	if err := s.RecordSiteHealth(ctx, site.ID, domain.SiteOK, "", info); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSiteHealth(ctx, site.ID, domain.SiteUnreachable, "timeout", nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindSiteByID(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Health != domain.SiteUnreachable || got.HealthNote != "timeout" || got.Info == nil || got.Info.Capacity.Hosts != 3 || got.CheckedAt == nil {
		t.Errorf("after health records: %+v", got)
	}
	got.Enabled = false
	if err := s.UpdateSite(ctx, got); err != nil {
		t.Fatal(err)
	}
	sites, err := s.FindSites(ctx, berlin.ID)
	if err != nil || len(sites) != 1 || sites[0].Enabled {
		t.Errorf("sites of Berlin: %v, %v", sites, err)
	}
	if sites, _ := s.FindSites(ctx, locs[1].ID); len(sites) != 0 {
		t.Errorf("Frankfurt has %d sites", len(sites))
	}
	if _, err := s.FindSiteByID(ctx, "nope"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("malformed id: %v", err)
	}
}
