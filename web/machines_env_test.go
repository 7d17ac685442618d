package web_test

// The machine tests run against the real thing: the demo's two connect sites
// (Berlin and Frankfurt) over govmomi vCenter simulators, in process, reached
// over connect's HTTP API, and the real Pricer with the demo rate card:
// s-1vcpu-1gb 0.0240, s-2vcpu-2gb 0.0420, s-4vcpu-8gb 0.1200 EUR/h.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/demo"
	"tessera/domain"
	"tessera/web"
	"tessera/web/webtest"
)

// mEnv is a manage server with the demo sites, the machine worker, and the
// demo catalogue allowed to acme and globex in both locations.
type mEnv struct {
	*webtest.Env
	locs []*domain.GeoLocation // Berlin, Frankfurt
}

func newMachinesEnv(t testing.TB) *mEnv {
	t.Helper()
	env := webtest.NewWithSetup(t, func(s *web.Server) { s.StartMachineWorker(context.Background()) })
	ctx := context.Background()
	if err := demo.StartSites(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedCatalogue(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	locs, err := env.Server.App.Locations.FindLocations(ctx)
	if err != nil || len(locs) != 3 {
		t.Fatalf("demo locations: %v %v", locs, err)
	}
	return &mEnv{Env: env, locs: locs[:2]} // Berlin and Frankfurt: Zurich is acme's alone
}

// site returns the demo site of a location.
func (e *mEnv) site(t testing.TB, loc *domain.GeoLocation) *domain.Site {
	t.Helper()
	sites, err := e.Server.App.Locations.FindSites(context.Background(), loc.ID)
	if err != nil || len(sites) == 0 {
		t.Fatalf("sites of %s: %v", loc.Name, err)
	}
	return sites[0]
}

// token creates an API token for a demo user.
func (e *mEnv) token(t testing.TB, slug, login string) string {
	t.Helper()
	u := e.User(t, slug, login)
	s, err := postgres.NewTokenService(e.DB).CreateToken(context.Background(), &domain.APIToken{TenantID: u.TenantID, UserID: u.ID, Name: "test-" + login})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type apiResp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// api calls the user API with token ("" for none) and decodes the JSON answer.
func (e *mEnv) api(t testing.TB, token, method, path string, body any, hdr ...string) apiResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiResp{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// waitStatus polls the API until the machine has status want (or is gone
// when want is "404").
func (e *mEnv) waitStatus(t testing.TB, token, id, want string) apiResp {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := e.api(t, token, "GET", "/api/v1/machines/"+id, nil)
		if want == "404" && r.Status == 404 {
			return r
		}
		if r.Status == 200 && r.Body["status"] == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("machine %s: waited for %s, last answer %d %s", id, want, r.Status, r.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
