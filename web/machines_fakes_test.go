package web_test

// Until connect (issue 3) is on main, these stand in for the sites: an
// in-memory SiteClient that speaks to nothing, and the location store.
// Prices come from the real pricer (issue 6) with the demo rate card:
// s-1vcpu-1gb 0.0240, s-2vcpu-2gb 0.0420, s-4vcpu-8gb 0.1200 EUR/h.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web"
	"tessera/web/webtest"
)

type fakeSite struct {
	mu       sync.Mutex
	down     bool
	ops      map[string]*domain.Operation
	reqs     map[string]domain.OperationRequest
	byKey    map[string]string
	machines map[string]*domain.MachineObservation
	n        int
}

func newFakeSite() *fakeSite {
	return &fakeSite{ops: map[string]*domain.Operation{}, reqs: map[string]domain.OperationRequest{}, byKey: map[string]string{}, machines: map[string]*domain.MachineObservation{}}
}

func (s *fakeSite) setDown(d bool) { s.mu.Lock(); s.down = d; s.mu.Unlock() }

var errDown = domain.Errorf(domain.EUNAVAILABLE, "The site does not answer.")

func (s *fakeSite) Info(ctx context.Context) (*domain.SiteInfo, error) {
	return &domain.SiteInfo{Name: "fake"}, nil
}

func (s *fakeSite) Submit(ctx context.Context, req domain.OperationRequest) (*domain.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, errDown
	}
	if id, ok := s.byKey[req.Key]; ok {
		o := *s.ops[id]
		return &o, nil
	}
	o := &domain.Operation{ID: domain.NewID(), Key: req.Key, Kind: req.Kind, MachineID: req.MachineID, State: domain.OpRunning, CreatedAt: time.Now()}
	s.ops[o.ID], s.byKey[req.Key], s.reqs[o.ID] = o, o.ID, req
	c := *o
	return &c, nil
}

// Operation finishes an operation the first time it is read after submit.
func (s *fakeSite) Operation(ctx context.Context, id string) (*domain.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, errDown
	}
	o, ok := s.ops[id]
	if !ok {
		return nil, domain.Errorf(domain.ENOTFOUND, "Operation not found.")
	}
	if !o.State.Done() {
		req := s.reqs[id]
		o.State = domain.OpSucceeded
		m := s.machines[req.MachineID]
		switch req.Kind {
		case domain.OpCreate:
			if req.Spec.Image == "broken" {
				o.State, o.Error = domain.OpFailed, "The template broken does not exist in this site."
				break
			}
			s.n++
			s.machines[req.MachineID] = &domain.MachineObservation{MachineID: req.MachineID, Power: domain.PowerOn, Addresses: []string{fmt.Sprintf("10.0.0.%d", s.n)},
				VCPUs: req.Spec.VCPUs, MemoryMiB: req.Spec.MemoryMiB, DiskGiB: req.Spec.DiskGiB}
		case domain.OpStart, domain.OpReboot:
			m.Power = domain.PowerOn
		case domain.OpStop:
			m.Power = domain.PowerOff
		case domain.OpResize:
			m.VCPUs, m.MemoryMiB, m.DiskGiB = req.Spec.VCPUs, req.Spec.MemoryMiB, req.Spec.DiskGiB
		case domain.OpDelete:
			delete(s.machines, req.MachineID)
		}
		now := time.Now()
		o.FinishedAt = &now
	}
	c := *o
	return &c, nil
}

func (s *fakeSite) Machine(ctx context.Context, id string) (*domain.MachineObservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, errDown
	}
	m, ok := s.machines[id]
	if !ok {
		return nil, domain.Errorf(domain.ENOTFOUND, "Machine not found.")
	}
	c := *m
	return &c, nil
}

type fakeCloud struct {
	locs  []*domain.GeoLocation
	sites []*domain.Site
	site  map[string]*fakeSite
}

func newFakeCloud() *fakeCloud {
	c := &fakeCloud{site: map[string]*fakeSite{}}
	for _, n := range []struct{ name, cc string }{{"Berlin", "DE"}, {"Frankfurt", "DE"}} {
		l := &domain.GeoLocation{ID: domain.NewID(), Name: n.name, CountryCode: n.cc}
		s := &domain.Site{ID: domain.NewID(), Name: strings.ToLower(n.name) + "-1", LocationID: l.ID, Enabled: true, Health: "ok"}
		c.locs, c.sites = append(c.locs, l), append(c.sites, s)
		c.site[s.ID] = newFakeSite()
	}
	return c
}

func (c *fakeCloud) Client(ctx context.Context, id string) (domain.SiteClient, error) {
	if s, ok := c.site[id]; ok {
		return s, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "Site not found.")
}

func (c *fakeCloud) CreateLocation(ctx context.Context, l *domain.GeoLocation) error { return nil }
func (c *fakeCloud) FindLocations(ctx context.Context) ([]*domain.GeoLocation, error) {
	return c.locs, nil
}
func (c *fakeCloud) FindLocationByID(ctx context.Context, id string) (*domain.GeoLocation, error) {
	for _, l := range c.locs {
		if l.ID == id {
			return l, nil
		}
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "Location not found.")
}
func (c *fakeCloud) CreateSite(ctx context.Context, s *domain.Site) error { return nil }
func (c *fakeCloud) FindSites(ctx context.Context, locationID string) ([]*domain.Site, error) {
	var out []*domain.Site
	for _, s := range c.sites {
		if locationID == "" || s.LocationID == locationID {
			out = append(out, s)
		}
	}
	return out, nil
}
func (c *fakeCloud) FindSiteByID(ctx context.Context, id string) (*domain.Site, error) {
	for _, s := range c.sites {
		if s.ID == id {
			return s, nil
		}
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "Site not found.")
}
func (c *fakeCloud) UpdateSite(ctx context.Context, s *domain.Site) error { return nil }

// mEnv is a manage server with sites, the machine worker, and the
// demo catalogue allowed to acme and globex in both locations.
type mEnv struct {
	*webtest.Env
	cloud *fakeCloud
}

func newMachinesEnv(t testing.TB) *mEnv {
	t.Helper()
	cloud := newFakeCloud()
	env := webtest.NewWithSetup(t, func(s *web.Server) {
		s.App.Locations, s.App.Sites = cloud, cloud
		s.StartMachineWorker(context.Background())
	})
	return &mEnv{Env: env, cloud: cloud}
}

func (e *mEnv) siteOf(t testing.TB, machineID string) *fakeSite {
	m, err := postgres.NewMachineService(e.DB).FindMachineByID(context.Background(), e.machineTenant(t, machineID), machineID)
	if err != nil {
		t.Fatal(err)
	}
	return e.cloud.site[m.SiteID]
}

func (e *mEnv) machineTenant(t testing.TB, id string) string {
	var tid string
	if err := e.DB.Pool.QueryRow(context.Background(), `SELECT tenant_id::text FROM machines WHERE id = $1`, id).Scan(&tid); err != nil {
		t.Fatal(err)
	}
	return tid
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
	deadline := time.Now().Add(20 * time.Second)
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
