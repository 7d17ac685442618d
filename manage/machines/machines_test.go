package machines

import (
	"context"
	"strings"
	"testing"

	"tessera/domain"
)

// The fakes embed the domain ports they stand in for: a method a test does
// not expect panics on the nil interface, so an unexpected call shows.

type fakeMachines struct {
	domain.MachineService
	created  []domain.MachineCreate
	checked  int
	retry    bool // CreateMachine answers an idempotent retry
	byID     map[string]*domain.Machine
	acted    []string // action:flavor
	deleted  []domain.DiskChoice
	checkErr error
}

func (f *fakeMachines) CreateMachine(_ context.Context, req domain.MachineCreate) (*domain.Machine, bool, error) {
	f.created = append(f.created, req)
	return &domain.Machine{ID: domain.NewID(), TenantID: req.TenantID, Name: req.Name}, !f.retry, nil
}

func (f *fakeMachines) CheckMachineCreate(context.Context, domain.MachineCreate) error {
	f.checked++
	return f.checkErr
}

func (f *fakeMachines) FindMachineByID(_ context.Context, tenantID, id string) (*domain.Machine, error) {
	if m := f.byID[id]; m != nil && m.TenantID == tenantID {
		return m, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "Machine not found.")
}

func (f *fakeMachines) FindMachines(_ context.Context, flt domain.MachineFilter) ([]*domain.Machine, string, error) {
	var out []*domain.Machine
	for _, m := range f.byID {
		if m.TenantID == flt.TenantID && strings.Contains(strings.ToLower(m.Name), strings.ToLower(flt.Query)) {
			out = append(out, m)
		}
	}
	return out, "", nil
}

func (f *fakeMachines) RequestAction(ctx context.Context, tenantID, id string, action domain.MachineAction, flavorID, _, _ string) (*domain.Machine, *domain.MachineOperation, error) {
	m, err := f.FindMachineByID(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	f.acted = append(f.acted, string(action)+":"+flavorID)
	return m, nil, nil
}

func (f *fakeMachines) RequestDelete(ctx context.Context, tenantID, id string, disks domain.DiskChoice, _, _ string) (*domain.Machine, *domain.MachineOperation, error) {
	m, err := f.FindMachineByID(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	f.deleted = append(f.deleted, disks)
	return m, nil, nil
}

type fakeCatalogue struct {
	domain.CatalogueService
	locationIDs []string
	flavors     []*domain.Flavor
	images      []*domain.MachineImage
}

func (f *fakeCatalogue) TenantLocationIDs(context.Context, string) ([]string, error) {
	return f.locationIDs, nil
}
func (f *fakeCatalogue) TenantFlavors(context.Context, string) ([]*domain.Flavor, error) {
	return f.flavors, nil
}
func (f *fakeCatalogue) TenantImages(context.Context, string) ([]*domain.MachineImage, error) {
	return f.images, nil
}

type fakeLocations struct {
	domain.LocationService
	locs  []*domain.GeoLocation
	sites []*domain.Site
}

func (f *fakeLocations) FindLocations(context.Context) ([]*domain.GeoLocation, error) {
	return f.locs, nil
}
func (f *fakeLocations) FindSites(context.Context, string) ([]*domain.Site, error) {
	return f.sites, nil
}

type fakeAudit struct {
	domain.AuditService
	events []*domain.AuditEvent
}

func (f *fakeAudit) RecordAudit(_ context.Context, e *domain.AuditEvent) error {
	f.events = append(f.events, e)
	return nil
}

type fakeDefaults struct{ asked []string }

func (f *fakeDefaults) DefaultNetwork(_ context.Context, _, locationID string) (*domain.Network, error) {
	f.asked = append(f.asked, locationID)
	return &domain.Network{ID: "default-" + locationID}, nil
}

// fixture is a tenant offered Berlin and Frankfurt, one size, and Debian
// (ready at both sites) and Windows (only at Frankfurt's).
type fixture struct {
	s        *Service
	machines *fakeMachines
	audit    *fakeAudit
	defaults *fakeDefaults
	tenant   string
}

func newFixture() *fixture {
	ber := &domain.GeoLocation{ID: domain.NewID(), Name: "Berlin", CountryCode: "DE"}
	fra := &domain.GeoLocation{ID: domain.NewID(), Name: "Frankfurt", CountryCode: "DE"}
	siteInfo := func(templates ...string) *domain.SiteInfo { return &domain.SiteInfo{Templates: templates} }
	sites := []*domain.Site{
		{ID: domain.NewID(), Name: "ber-1", LocationID: ber.ID, Enabled: true, Info: siteInfo("debian-12")},
		{ID: domain.NewID(), Name: "fra-1", LocationID: fra.ID, Enabled: true, Info: siteInfo("debian-12", "win-2022")},
	}
	f := &fixture{machines: &fakeMachines{byID: map[string]*domain.Machine{}}, audit: &fakeAudit{}, defaults: &fakeDefaults{}, tenant: domain.NewID()}
	f.s = &Service{
		Machines: f.machines,
		Catalogue: &fakeCatalogue{locationIDs: []string{ber.ID, fra.ID},
			flavors: []*domain.Flavor{{ID: domain.NewID(), Name: "s-1vcpu-1gb", VCPUs: 1, MemoryMiB: 1024, DiskGiB: 25}, {ID: domain.NewID(), Name: "s-2vcpu-2gb", VCPUs: 2, MemoryMiB: 2048, DiskGiB: 50}},
			images:  []*domain.MachineImage{{ID: domain.NewID(), Name: "Debian 12", Template: "debian-12"}, {ID: domain.NewID(), Name: "Windows", Template: "win-2022"}}},
		Locations:       &fakeLocations{locs: []*domain.GeoLocation{ber, fra}, sites: sites},
		DefaultNetworks: f.defaults,
		Audit:           f.audit,
	}
	return f
}

var alice = Actor{UserID: "u1", Login: "alice", Address: "192.0.2.1"}

func TestCreate(t *testing.T) {
	t.Run("names and resolves choices, gives the default network, audits", func(t *testing.T) {
		f := newFixture()
		m, created, err := f.s.Create(context.Background(), alice, CreateRequest{TenantID: f.tenant, Name: " web ", Location: "berlin", Flavor: "S-1VCPU-1GB", Image: "Debian 12"})
		if err != nil || !created || m.Name != "web" {
			t.Fatalf("Create = %v %v %v", m, created, err)
		}
		req := f.machines.created[0]
		if req.LocationID == "" || req.FlavorID == "" || req.ImageID == "" || req.Actor != "alice" || req.UserID != "u1" {
			t.Errorf("request = %+v", req)
		}
		if got, want := strings.Join(req.NetworkIDs, ","), "default-"+req.LocationID; got != want || f.machines.checked != 1 {
			t.Errorf("networks = %q (checked %d), want %q after one check", got, f.machines.checked, want)
		}
		if len(f.audit.events) != 1 || f.audit.events[0].Action != "machine.create" || f.audit.events[0].Result != "ok" || f.audit.events[0].Target != "web" || f.audit.events[0].Address != "192.0.2.1" {
			t.Errorf("audit = %+v", f.audit.events)
		}
	})
	t.Run("chosen networks: no default network", func(t *testing.T) {
		f := newFixture()
		if _, _, err := f.s.Create(context.Background(), alice, CreateRequest{TenantID: f.tenant, Name: "web", Location: "Berlin", Flavor: "s-1vcpu-1gb", Image: "Debian 12", Networks: []string{" n1 ", ""}}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(f.machines.created[0].NetworkIDs, ","); got != "n1" || len(f.defaults.asked) != 0 {
			t.Errorf("networks = %q, defaults asked %v", got, f.defaults.asked)
		}
	})
	t.Run("a refused check makes no default network", func(t *testing.T) {
		f := newFixture()
		f.machines.checkErr = domain.Errorf(domain.ECONFLICT, "Quota.")
		if _, _, err := f.s.Create(context.Background(), alice, CreateRequest{TenantID: f.tenant, Name: "web", Location: "Berlin", Flavor: "s-1vcpu-1gb", Image: "Debian 12"}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("err = %v", err)
		}
		if len(f.defaults.asked) != 0 || len(f.machines.created) != 0 || f.audit.events[0].Result != domain.ECONFLICT {
			t.Errorf("defaults %v, created %d, audit %+v", f.defaults.asked, len(f.machines.created), f.audit.events)
		}
	})
	t.Run("image not ready there: every plain mistake at once", func(t *testing.T) {
		f := newFixture()
		_, _, err := f.s.Create(context.Background(), alice, CreateRequest{TenantID: f.tenant, Name: "-bad", Location: "Berlin", Flavor: "huge", Image: "Windows"})
		fields := domain.ErrorFields(err)
		if domain.ErrorCode(err) != domain.EINVALID || fields["image"] == "" || fields["name"] == "" || fields["flavor"] == "" {
			t.Fatalf("err = %v %v", err, fields)
		}
		if !strings.Contains(fields["image"], "Frankfurt") {
			t.Errorf("image message %q does not name Frankfurt", fields["image"])
		}
		if len(f.machines.created) != 0 || len(f.audit.events) != 1 || f.audit.events[0].Result != domain.EINVALID {
			t.Errorf("created %d, audit %+v", len(f.machines.created), f.audit.events)
		}
	})
	t.Run("bad placement fields", func(t *testing.T) {
		f := newFixture()
		_, _, err := f.s.Create(context.Background(), alice, CreateRequest{TenantID: f.tenant, Name: "web", Location: "Berlin", Flavor: "s-1vcpu-1gb", Image: "Debian 12",
			Residency: "Germany", Groups: []Group{{Name: "g", Rule: "near"}}})
		if fields := domain.ErrorFields(err); fields["residency"] == "" || fields["group_rule"] == "" {
			t.Fatalf("err = %v %v", err, fields)
		}
	})
	t.Run("an idempotent retry is not audited again", func(t *testing.T) {
		f := newFixture()
		f.machines.retry = true
		if _, created, err := f.s.Create(context.Background(), alice, CreateRequest{TenantID: f.tenant, Name: "web", Location: "Berlin", Flavor: "s-1vcpu-1gb", Image: "Debian 12", IdempotencyKey: "k"}); err != nil || created {
			t.Fatalf("created %v, err %v", created, err)
		}
		if len(f.audit.events) != 0 {
			t.Errorf("audit = %+v", f.audit.events)
		}
	})
}

func TestActions(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	m := &domain.Machine{ID: domain.NewID(), TenantID: f.tenant, Name: "web", Status: domain.StatusRunning}
	f.machines.byID[m.ID] = m
	big := f.s.Catalogue.(*fakeCatalogue).flavors[1]

	if _, err := f.s.Act(ctx, alice, f.tenant, m.ID, domain.ActionResize, "s-2vcpu-2gb"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Act(ctx, alice, f.tenant, m.ID, domain.ActionResize, "no-such-size"); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(f.machines.acted, " "), "resize:"+big.ID+" resize:"; got != want {
		t.Errorf("actions = %q, want %q (a size by name becomes its id; an unknown one is left to the store to refuse)", got, want)
	}
	if _, err := f.s.Act(ctx, alice, domain.NewID(), m.ID, domain.ActionStop, ""); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("another tenant's machine: %v", err)
	}
	if _, err := f.s.Delete(ctx, alice, f.tenant, m.ID, "shred"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("bad disk choice: %v", err)
	}
	if _, err := f.s.DeleteConfirmed(ctx, alice, f.tenant, m.ID, "wbe", "delete"); domain.ErrorFields(err)["confirm"] == "" {
		t.Errorf("wrong confirmation: %v", err)
	}
	if _, err := f.s.DeleteConfirmed(ctx, alice, f.tenant, m.ID, "web", "delete"); err != nil || len(f.machines.deleted) != 1 || f.machines.deleted[0] != domain.DeleteDisks {
		t.Errorf("delete with disks: %v %v", err, f.machines.deleted)
	}
	var got []string
	for _, e := range f.audit.events {
		got = append(got, e.Action+" "+e.Target+" "+e.Result)
	}
	want := "machine.resize web ok|machine.resize web ok|machine.delete web (disks: delete) ok"
	if strings.Join(got, "|") != want {
		t.Errorf("audit = %q, want %q (an unknown machine is not recorded)", strings.Join(got, "|"), want)
	}
}

func TestFilter(t *testing.T) {
	if _, err := Filter("t", Query{Limit: "20", Status: "running", Sort: "name"}); err != nil {
		t.Errorf("good query: %v", err)
	}
	_, err := Filter("t", Query{Limit: "0", Status: "sleepy", Sort: "size"})
	if f := domain.ErrorFields(err); f["limit"] == "" || f["status"] == "" || f["sort"] == "" {
		t.Errorf("bad query: %v %v", err, f)
	}
}

func TestCheckName(t *testing.T) {
	f := newFixture()
	f.machines.byID["1"] = &domain.Machine{ID: "1", TenantID: f.tenant, Name: "Web"}
	for name, bad := range map[string]bool{"web": true, "db": false, "-x": true} {
		msg, err := f.s.CheckName(context.Background(), f.tenant, name)
		if err != nil || (msg != "") != bad {
			t.Errorf("CheckName(%q) = %q, %v", name, msg, err)
		}
	}
}

func TestChoices(t *testing.T) {
	f := newFixture()
	c, err := f.s.Choices(context.Background(), f.tenant)
	if err != nil {
		t.Fatal(err)
	}
	ber := c.Location("BERLIN")
	if ber == "" || c.LocationName(ber) != "Berlin" {
		t.Fatalf("Berlin = %q", ber)
	}
	win := c.Image("windows")
	if got := c.FirstImageAt(ber); got != c.Images[0].ID {
		t.Errorf("first image at Berlin = %q", got)
	}
	if c.CheckImageAt(win, ber) == nil || c.CheckImageAt(win, c.Location("Frankfurt")) != nil {
		t.Errorf("Windows is ready at Frankfurt only")
	}
	if s := c.Shape("s-2vcpu-2gb", "Debian 12"); s == nil || s.VCPUs != 2 || s.DiskGiB != 50 {
		t.Errorf("shape = %+v", s)
	}
	if got := strings.Join(Countries(c.Locations), ","); got != "DE" {
		t.Errorf("countries = %q", got)
	}
}
