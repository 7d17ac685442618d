package connectapi_test

import (
	"context"
	"testing"

	"tessera/adapters/connectapi"
	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/adapters/secretbox"
	"tessera/connect/connecttest"
	"tessera/domain"
)

func TestConnectorOpensRegisteredSite(t *testing.T) {
	site := connecttest.Start(t, connecttest.Options{NoStart: true})
	token, _ := site.Token(t, "manage-a")
	db := pgtest.MustOpen(t)
	locs := postgres.NewLocationService(db)
	box, err := secretbox.New("a-test-secret-key-of-enough-length")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l := &domain.GeoLocation{Name: "Berlin", CountryCode: "DE"}
	if err := locs.CreateLocation(ctx, l); err != nil {
		t.Fatal(err)
	}
	sealed, _ := box.Seal(token)
	s := &domain.Site{Name: "Berlin 1", LocationID: l.ID, APIURL: site.Server.URL, CredentialSealed: sealed, Enabled: true}
	if err := locs.CreateSite(ctx, s); err != nil {
		t.Fatal(err)
	}
	conn := &connectapi.Connector{Sites: locs, Secrets: box}
	c, err := conn.Client(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.Info(ctx); err != nil || info.Capacity.Hosts != 2 {
		t.Fatalf("info through the connector: %+v, %v", info, err)
	}
	s.Enabled = false
	if err := locs.UpdateSite(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Client(ctx, s.ID); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Errorf("disabled site: %v, want unavailable", err)
	}
	if c, err := conn.ClientAny(ctx, s.ID); err != nil {
		t.Errorf("ClientAny of a disabled site: %v", err)
	} else if _, err := c.Info(ctx); err != nil {
		t.Errorf("a disabled site still serves its existing machines: %v", err)
	}
	if _, err := conn.Client(ctx, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("unknown site: %v, want not found", err)
	}
}
