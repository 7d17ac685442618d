package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

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

	t.Run("every tenant-scoped method refuses an empty tenant id", func(t *testing.T) {
		// Forgetting the tenant is a bug in the caller: it must fail loudly,
		// never read nothing or every tenant. What each call would touch
		// exists, so only the missing tenant can make it fail.
		ps, bs, pr := postgres.NewPlacementService(f.db), postgres.NewBillingService(f.db, time.UTC), postgres.NewPricingService(f.db)
		toks, dirs := postgres.NewTokenService(f.db), postgres.NewDirectoryService(f.db, nil)
		ds, ns, as, ss := postgres.NewDiskService(f.db), postgres.NewNetworkService(f.db), postgres.NewAddressService(f.db), postgres.NewSnapshotService(f.db)
		brand := postgres.NewBrandingService(f.db)
		now := time.Now()
		errs := map[string]error{}
		_, errs["FindMachineByID"] = f.ms.FindMachineByID(ctx, "", m.ID)
		_, _, errs["FindMachines"] = f.ms.FindMachines(ctx, domain.MachineFilter{})
		_, _, errs["CreateMachine"] = f.ms.CreateMachine(ctx, domain.MachineCreate{Name: "web-2", LocationID: f.loc, FlavorID: f.flavor, ImageID: f.img, SiteID: f.site})
		errs["CheckMachineCreate"] = f.ms.CheckMachineCreate(ctx, domain.MachineCreate{Name: "web-2", LocationID: f.loc, FlavorID: f.flavor, ImageID: f.img, SiteID: f.site})
		_, _, errs["RequestAction"] = f.ms.RequestAction(ctx, "", m.ID, domain.ActionStop, "", "", "bob")
		_, _, errs["RequestDelete"] = f.ms.RequestDelete(ctx, "", m.ID, domain.KeepDisks, "", "bob")
		_, errs["AnyTransitional"] = f.ms.AnyTransitional(ctx, "")
		_, errs["FindOperations"] = f.ms.FindOperations(ctx, "", m.ID, 10)
		_, errs["TenantFlavors"] = f.cat.TenantFlavors(ctx, "")
		_, errs["TenantImages"] = f.cat.TenantImages(ctx, "")
		_, errs["TenantLocationIDs"] = f.cat.TenantLocationIDs(ctx, "")
		errs["SetTenantCatalogue"] = f.cat.SetTenantCatalogue(ctx, "", domain.TenantCatalogue{})
		_, _, errs["FindQuota"] = f.cat.FindQuota(ctx, "")
		errs["SetQuota"] = f.cat.SetQuota(ctx, &domain.Quota{Machines: 1})
		_, errs["TenantOwnImages"] = f.cat.TenantOwnImages(ctx, "")
		_, errs["FindTenantImage"] = f.cat.FindTenantImage(ctx, "", f.img)
		errs["SetTenantImageState"] = f.cat.SetTenantImageState(ctx, "", f.img, domain.ImageReady, "")
		errs["DeleteTenantImage"] = f.cat.DeleteTenantImage(ctx, "", f.img)
		errs["CreateTenantImage"] = f.cat.CreateTenantImage(ctx, &domain.MachineImage{Name: "golden", SiteID: f.site, LocationID: f.loc, MachineID: m.ID})
		_, errs["FindDecision"] = ps.FindDecision(ctx, "", m.ID)
		_, _, errs["FindDecisions"] = ps.FindDecisions(ctx, domain.PlacementRecordFilter{})
		errs["ReleaseReservation"] = ps.ReleaseReservation(ctx, "", m.ID)
		errs["RemoveMachine"] = ps.RemoveMachine(ctx, "", m.ID)
		errs["Cancel"] = ps.Cancel(ctx, "", m.ID)
		_, errs["Place"] = ps.Place(ctx, domain.NewID(), domain.PlaceRequest{Shape: domain.MachineShape{VCPUs: 1, MemoryMiB: 1024}}, nil)
		_, errs["Preview"] = ps.Preview(ctx, domain.PlaceRequest{Shape: domain.MachineShape{VCPUs: 1, MemoryMiB: 1024}}, nil)
		_, errs["FindInvoices"] = bs.FindInvoices(ctx, "")
		_, errs["FindInvoice"] = bs.FindInvoice(ctx, "", domain.NewID())
		_, errs["Usage"] = bs.Usage(ctx, "", now.AddDate(0, -1, 0), now, now)
		_, errs["MonthToDate"] = bs.MonthToDate(ctx, "", now)
		_, errs["OpenIntervals"] = bs.OpenIntervals(ctx, "")
		_, errs["CostSoFar"] = bs.CostSoFar(ctx, "", m.ID, now)
		errs["AssignRateCard"] = pr.AssignRateCard(ctx, &domain.TenantRate{CardID: domain.NewID(), EffectiveFrom: now})
		_, errs["FindTenantRates"] = pr.FindTenantRates(ctx, "")
		_, errs["Schedule"] = pr.Schedule(ctx, "")
		_, errs["PricesAt"] = pr.PricesAt(ctx, "", now)
		_, errs["QuoteMachine"] = pr.QuoteMachine(ctx, "", f.loc, domain.MachineShape{VCPUs: 1, MemoryMiB: 1024})
		_, errs["CreateToken"] = toks.CreateToken(ctx, &domain.APIToken{UserID: domain.NewID(), Name: "ci"})
		_, errs["FindTokens"] = toks.FindTokens(ctx, "", domain.NewID())
		_, errs["RevokeToken"] = toks.RevokeToken(ctx, "", domain.NewID(), domain.NewID())
		_, errs["FindDirectory"] = dirs.FindDirectory(ctx, "")
		errs["SaveDirectory"] = dirs.SaveDirectory(ctx, &domain.Directory{})
		errs["DeleteDirectory"] = dirs.DeleteDirectory(ctx, "")
		_, errs["CreateDisk"] = ds.CreateDisk(ctx, &domain.Disk{Name: "data", LocationID: f.loc, SizeGiB: 1})
		_, errs["Disk"] = ds.Disk(ctx, "", domain.NewID())
		_, _, errs["Disks"] = ds.Disks(ctx, domain.DiskFilter{})
		errs["SetDiskState"] = ds.SetDiskState(ctx, "", domain.NewID(), domain.DiskCreating, domain.DiskAvailable, nil, nil)
		errs["SetDiskOp"] = ds.SetDiskOp(ctx, "", domain.NewID(), "k", 0)
		_, errs["CreateNetwork"] = ns.CreateNetwork(ctx, &domain.Network{Name: "backend", LocationID: f.loc, CIDR: "10.0.0.0/24"})
		_, errs["Network"] = ns.Network(ctx, "", domain.NewID())
		_, _, errs["Networks"] = ns.Networks(ctx, domain.NetworkFilter{})
		errs["SetNetwork"] = ns.SetNetwork(ctx, "", domain.NewID(), domain.NetworkReady, "pg")
		errs["DeleteNetwork"] = ns.DeleteNetwork(ctx, "", domain.NewID())
		_, errs["NetworkUsers"] = ns.NetworkUsers(ctx, "", domain.NewID(), 10)
		_, _, errs["NetworkMachines"] = ns.NetworkMachines(ctx, "", domain.NewID(), 10)
		_, errs["AllocateAddress"] = ns.AllocateAddress(ctx, "", domain.NewID(), m.ID)
		errs["ReleaseAddresses"] = ns.ReleaseAddresses(ctx, "", domain.NewID(), m.ID)
		_, errs["MachineInterfaces"] = ns.MachineInterfaces(ctx, "", m.ID)
		_, errs["InterfacesOf"] = ns.InterfacesOf(ctx, "", []string{m.ID})
		errs["AddRule"] = ns.AddRule(ctx, &domain.FirewallRule{NetworkID: domain.NewID()})
		_, errs["Rules"] = ns.Rules(ctx, "", domain.NewID())
		errs["DeleteRule"] = ns.DeleteRule(ctx, "", domain.NewID(), domain.NewID())
		_, errs["AllocatePublic"] = as.AllocatePublic(ctx, "", f.loc, "k")
		_, errs["PublicAddress"] = as.PublicAddress(ctx, "", domain.NewID())
		_, _, errs["PublicAddresses"] = as.PublicAddresses(ctx, domain.PublicAddressFilter{})
		errs["SetPublicAddressState"] = as.SetPublicAddressState(ctx, "", domain.NewID(), domain.AddressAllocated, domain.AddressAttaching, m.ID)
		errs["SetAddressOp"] = as.SetAddressOp(ctx, "", domain.NewID(), f.site, "k")
		errs["ReleasePublic"] = as.ReleasePublic(ctx, "", domain.NewID())
		errs["CreateSnapshot"] = ss.CreateSnapshot(ctx, &domain.Snapshot{MachineID: m.ID, Name: "s"})
		_, errs["Snapshot"] = ss.Snapshot(ctx, "", domain.NewID())
		_, errs["Snapshots"] = ss.Snapshots(ctx, "", m.ID)
		errs["SetSnapshotState"] = ss.SetSnapshotState(ctx, "", domain.NewID(), domain.SnapshotCreating, domain.SnapshotReady, "")
		errs["AddDomain"] = brand.AddDomain(ctx, "", "cloud.example")
		errs["RemoveDomain"] = brand.RemoveDomain(ctx, "", "cloud.example")
		_, errs["FindDomains"] = brand.FindDomains(ctx, "")
		wantNoTenant(t, errs)
		if _, err := f.ms.FindMachineByID(ctx, f.acme.ID, m.ID); err != nil {
			t.Errorf("acme's machine after the calls without a tenant: %v", err)
		}
	})
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
