package sites_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tessera/domain"
	"tessera/manage/sites"
)

// site is a fake connect site: its info and settings, and how often it
// was asked.
type site struct {
	domain.SiteClient
	mu    sync.Mutex
	calls int
	down  bool
	sc    domain.StorageClassSettings
	pool  domain.NetworkPool
}

func (s *site) call() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.down {
		return errors.New("connection refused")
	}
	return nil
}
func (s *site) Info(context.Context) (*domain.SiteInfo, error) {
	if err := s.call(); err != nil {
		return nil, err
	}
	return &domain.SiteInfo{Name: "berlin-1"}, nil
}
func (s *site) StorageClasses(context.Context) (*domain.StorageClassSettings, error) {
	if err := s.call(); err != nil {
		return nil, err
	}
	c := s.sc
	return &c, nil
}
func (s *site) SetStorageClasses(_ context.Context, m map[string]string) (*domain.StorageClassSettings, error) {
	if err := s.call(); err != nil {
		return nil, err
	}
	s.sc.Classes = m
	return &domain.StorageClassSettings{Classes: m}, nil
}
func (s *site) NetworkPool(context.Context) (*domain.NetworkPool, error) {
	if err := s.call(); err != nil {
		return nil, err
	}
	p := s.pool
	return &p, nil
}
func (s *site) SetNetworkPool(_ context.Context, p domain.NetworkPool) (*domain.NetworkPool, error) {
	if err := s.call(); err != nil {
		return nil, err
	}
	s.pool.VLANFrom, s.pool.VLANTo, s.pool.PortGroups = p.VLANFrom, p.VLANTo, p.PortGroups
	return &p, nil
}

type connector struct{ s *site }

func (c connector) Client(context.Context, string) (domain.SiteClient, error) { return c.s, nil }

type reports struct {
	mu sync.Mutex
	m  map[string]*domain.SiteSettingsReport
}

func (r *reports) RecordSiteSettings(_ context.Context, x *domain.SiteSettingsReport) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.m[x.SiteID]
	if old == nil {
		old = &domain.SiteSettingsReport{SiteID: x.SiteID}
		r.m[x.SiteID] = old
	}
	if x.Storage != nil {
		old.Storage = x.Storage
	}
	if x.Pool != nil {
		old.Pool = x.Pool
	}
	old.ReportedAt = x.ReportedAt
	return nil
}
func (r *reports) FindSiteSettings(_ context.Context, id string) (*domain.SiteSettingsReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if x := r.m[id]; x != nil {
		c := *x
		return &c, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "none")
}

type store struct {
	site   *domain.Site
	health string
}

func (s *store) FindSiteByID(context.Context, string) (*domain.Site, error) { return s.site, nil }
func (s *store) FindSites(context.Context, string) ([]*domain.Site, error) {
	return []*domain.Site{s.site}, nil
}
func (s *store) RecordSiteHealth(_ context.Context, _, health, _ string, _ *domain.SiteInfo) error {
	s.health = health
	return nil
}

type box struct{}

func (box) Seal(p string) (string, error) { return p, nil }
func (box) Open(c string) (string, error) { return c, nil }

func setup() (*site, *store, *reports, *sites.Health) {
	fake := &site{sc: domain.StorageClassSettings{Classes: map[string]string{"fast": "ssd"}, Datastores: []domain.DatastoreChoice{{Name: "ssd"}}},
		pool: domain.NetworkPool{VLANFrom: 100, VLANTo: 200, Available: []string{"pg1"}}}
	st := &store{site: &domain.Site{ID: domain.NewID(), Name: "berlin-1", APIURL: "http://x", CredentialSealed: "t"}}
	rep := &reports{m: map[string]*domain.SiteSettingsReport{}}
	h := &sites.Health{Sites: st, Secrets: box{}, Dial: func(string, string) sites.InfoClient { return fake },
		Settings: &sites.Settings{Connector: connector{fake}, Reports: rep}}
	return fake, st, rep, h
}

// A check stores what the site reports; reading the report never asks the
// site, even when it is down.
func TestCheckStoresTheReportAndReadingItAsksNoSite(t *testing.T) {
	fake, st, rep, h := setup()
	ctx := context.Background()
	if _, err := h.Settings.Report(ctx, st.site.ID); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("before any check: %v", err)
	}
	h.CheckAll(ctx)
	if st.health != domain.SiteOK {
		t.Fatalf("health %q", st.health)
	}
	fake.down = true
	before := fake.calls
	r, err := h.Settings.Report(ctx, st.site.ID)
	if err != nil || r.Storage.Classes["fast"] != "ssd" || r.Pool.VLANFrom != 100 || r.ReportedAt.IsZero() {
		t.Fatalf("report: %+v %v", r, err)
	}
	if fake.calls != before {
		t.Fatal("reading the report asked the site")
	}
	h.Check(ctx, st.site.ID)
	if st.health != domain.SiteUnreachable || rep.m[st.site.ID].Storage == nil {
		t.Fatalf("a site that is down: health %q, report %+v", st.health, rep.m[st.site.ID])
	}
}

// A save goes through the site and the report shows what it answered,
// keeping what the answer leaves out.
func TestSaveUpdatesTheReport(t *testing.T) {
	_, st, _, h := setup()
	ctx := context.Background()
	h.Check(ctx, st.site.ID)
	if err := h.Settings.SaveStorageClasses(ctx, st.site.ID, map[string]string{"fast": ""}); err != nil {
		t.Fatal(err)
	}
	if err := h.Settings.SaveNetworkPool(ctx, st.site.ID, domain.NetworkPool{VLANFrom: 300, VLANTo: 400}); err != nil {
		t.Fatal(err)
	}
	r, _ := h.Settings.Report(ctx, st.site.ID)
	if r.Storage.Classes["fast"] != "" || len(r.Storage.Datastores) != 1 || r.Pool.VLANFrom != 300 || len(r.Pool.Available) != 1 {
		t.Fatalf("report after saves: %+v %+v", r.Storage, r.Pool)
	}
}

// A probe that gets no answer says so within the timeout.
func TestProbeOfAHangingSite(t *testing.T) {
	h := &sites.Health{Dial: func(string, string) sites.InfoClient { return hang{} }}
	start := time.Now()
	_, err := h.Probe(context.Background(), "http://x", "t")
	if domain.ErrorCode(err) != domain.EUNAVAILABLE || time.Since(start) > sites.CheckTimeout+time.Second {
		t.Fatalf("probe: %v after %s", err, time.Since(start))
	}
}

type hang struct{}

func (hang) Info(ctx context.Context) (*domain.SiteInfo, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
