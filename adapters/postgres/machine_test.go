package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

type machineFixture struct {
	db                          *postgres.DB
	ms                          *postgres.MachineService
	cat                         *postgres.CatalogueService
	acme, globex                *domain.Tenant
	loc, site, flavor, big, img string
}

func newMachineFixture(t *testing.T) *machineFixture {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	f := &machineFixture{db: db, ms: postgres.NewMachineService(db), cat: postgres.NewCatalogueService(db), loc: domain.NewID(), site: domain.NewID()}
	ts := postgres.NewTenantService(db)
	f.acme, f.globex = &domain.Tenant{Name: "Acme", Slug: "acme"}, &domain.Tenant{Name: "Globex", Slug: "globex"}
	for _, tn := range []*domain.Tenant{f.acme, f.globex} {
		if err := ts.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	small, big := &domain.Flavor{Name: "small", VCPUs: 1, MemoryMiB: 1024, DiskGiB: 10}, &domain.Flavor{Name: "big", VCPUs: 4, MemoryMiB: 8192, DiskGiB: 40}
	img := &domain.MachineImage{Name: "Debian 12", Template: "debian-12"}
	for _, fl := range []*domain.Flavor{small, big} {
		if err := f.cat.CreateFlavor(ctx, fl); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.cat.CreateImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	f.flavor, f.big, f.img = small.ID, big.ID, img.ID
	for _, tn := range []*domain.Tenant{f.acme, f.globex} {
		if err := f.cat.SetTenantCatalogue(ctx, tn.ID, domain.TenantCatalogue{LocationIDs: []string{f.loc}, FlavorIDs: []string{small.ID, big.ID}, ImageIDs: []string{img.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *machineFixture) create(tn *domain.Tenant, name string) (*domain.Machine, error) {
	m, _, err := f.ms.CreateMachine(context.Background(), domain.MachineCreate{TenantID: tn.ID, Name: name, LocationID: f.loc, FlavorID: f.flavor, ImageID: f.img, SiteID: f.site, Actor: "test"})
	return m, err
}

func TestMachineServiceTenantScoping(t *testing.T) {
	ctx := context.Background()
	f := newMachineFixture(t)
	m, err := f.create(f.acme, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != domain.StatusCreating || m.FlavorName != "small" || m.SiteID != f.site {
		t.Fatalf("created %+v", m)
	}
	if _, err := f.ms.FindMachineByID(ctx, f.globex.ID, m.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("globex reads acme's machine: %v", err)
	}
	if list, _, err := f.ms.FindMachines(ctx, domain.MachineFilter{TenantID: f.globex.ID}); err != nil || len(list) != 0 {
		t.Fatalf("globex lists %d machines (%v)", len(list), err)
	}
	if _, _, err := f.ms.RequestAction(ctx, f.globex.ID, m.ID, domain.ActionDelete, "", "", "mallory"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("globex deletes acme's machine: %v", err)
	}
	if ops, err := f.ms.FindOperations(ctx, f.globex.ID, m.ID, 10); err != nil || len(ops) != 0 {
		t.Fatalf("globex reads acme's operations: %d %v", len(ops), err)
	}
	// Creating: nothing may start yet.
	if _, _, err := f.ms.RequestAction(ctx, f.acme.ID, m.ID, domain.ActionStop, "", "", "bob"); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("stop while creating: %v", err)
	}
	// Unknown choices are field errors and write nothing.
	_, _, err = f.ms.CreateMachine(ctx, domain.MachineCreate{TenantID: f.acme.ID, Name: "x_1", LocationID: domain.NewID(), FlavorID: "nope", ImageID: f.img, SiteID: f.site})
	if fields := domain.ErrorFields(err); fields["name"] == "" || fields["flavor"] == "" || fields["location"] == "" || fields["image"] != "" {
		t.Fatalf("fields = %v", fields)
	}
	if _, u, _ := f.cat.FindQuota(ctx, f.acme.ID); u.Machines != 1 {
		t.Fatalf("usage %+v", u)
	}
}

// Many parallel creates against a quota of 3 machines: exactly 3 succeed.
func TestMachineServiceQuotaHoldsUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	f := newMachineFixture(t)
	if err := f.cat.SetQuota(ctx, &domain.Quota{TenantID: f.acme.ID, Machines: 3, VCPUs: 100, MemoryMiB: 1 << 20, DiskGiB: 1000}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.create(f.acme, fmt.Sprintf("m-%d", i))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch domain.ErrorCode(err) {
		case "":
			ok++
		case domain.ECONFLICT:
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d creates passed a quota of 3", ok)
	}
	// A resize that would exceed the vCPU quota is refused by name.
	if err := f.cat.SetQuota(ctx, &domain.Quota{TenantID: f.acme.ID, Machines: 3, VCPUs: 5, MemoryMiB: 1 << 20, DiskGiB: 1000}); err != nil {
		t.Fatal(err)
	}
	list, _, _ := f.ms.FindMachines(ctx, domain.MachineFilter{TenantID: f.acme.ID})
	if _, err := f.db.Pool.Exec(ctx, `UPDATE machines SET status = 'running'`); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.ms.RequestAction(ctx, f.acme.ID, list[0].ID, domain.ActionResize, f.big, "", "bob")
	if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorMessage(err)[:24] != "Quota exceeded: vCPUs. Y" {
		t.Fatalf("resize over quota: %v", err)
	}
}
