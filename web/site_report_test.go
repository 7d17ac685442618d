package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"tessera/web/webtest"
)

// The storage settings page shows what the site last reported and never
// asks the site: with the site hanging, it answers at once.
func TestSiteStoragePageDoesNotWaitOnTheSite(t *testing.T) {
	e := newMachinesEnv(t)
	site := e.site(t, e.locs[0])
	hang := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); hung.Close() })
	site.APIURL = hung.URL
	if err := e.Server.App.Locations.UpdateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	admin := e.Client(t, "")
	admin.Login("", "admin", "demo")
	start := time.Now()
	resp := admin.Get("/admin/locations/sites/" + site.ID + "/storage")
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the page took %s with the site hanging", took)
	}
	contains(t, webtest.Body(t, resp), `data-testid="site-settings-reported"`, "LocalDS_0", "DC0_DVPG0")
}
