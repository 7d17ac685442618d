package postgres_test

import (
	"context"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

type storageFixture struct {
	db           *postgres.DB
	acme, globex string
	berlin, fra  string
}

func newStorageFixture(t *testing.T) *storageFixture { return newStorageFixtureTB(t) }

func itoa(i int) string { return strconv.Itoa(i) }

func newStorageFixtureTB(t testing.TB) *storageFixture {
	t.Helper()
	return newStorageFixtureOn(t, pgtest.MustOpen(t))
}

// newStorageFixtureOn fills db (migrated) with two tenants and two locations.
func newStorageFixtureOn(t testing.TB, db *postgres.DB) *storageFixture {
	t.Helper()
	ctx := context.Background()
	ts := postgres.NewTenantService(db)
	f := &storageFixture{db: db}
	for _, x := range []struct {
		slug string
		id   *string
	}{{"acme", &f.acme}, {"globex", &f.globex}} {
		tn := &domain.Tenant{Name: x.slug, Slug: x.slug, ContactName: "C", ContactEmail: "c@" + x.slug + ".example", Status: domain.TenantActive}
		if err := ts.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		*x.id = tn.ID
	}
	ls := postgres.NewLocationService(db)
	for _, x := range []struct {
		name string
		id   *string
	}{{"Berlin", &f.berlin}, {"Frankfurt", &f.fra}} {
		l := &domain.GeoLocation{Name: x.name, CountryCode: "DE"}
		if err := ls.CreateLocation(ctx, l); err != nil {
			t.Fatal(err)
		}
		*x.id = l.ID
	}
	return f
}

func TestNetworks(t *testing.T) {
	f := newStorageFixture(t)
	s := postgres.NewNetworkService(f.db)
	ctx := context.Background()
	n := &domain.Network{TenantID: f.acme, Name: "backend", LocationID: f.berlin, CIDR: "10.0.0.0/24"}
	if _, err := s.CreateNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	if n.Gateway != "10.0.0.1" || n.State != domain.NetworkCreating {
		t.Errorf("network %+v", n)
	}
	// Overlap in the same tenant and location is refused with a field error.
	if _, err := s.CreateNetwork(ctx, &domain.Network{TenantID: f.acme, Name: "b2", LocationID: f.berlin, CIDR: "10.0.0.0/16"}); domain.ErrorFields(err)["cidr"] == "" {
		t.Errorf("overlap: %v", err)
	}
	// The same range in another location, or for another tenant, is fine.
	if _, err := s.CreateNetwork(ctx, &domain.Network{TenantID: f.acme, Name: "fra", LocationID: f.fra, CIDR: "10.0.0.0/24"}); err != nil {
		t.Errorf("other location: %v", err)
	}
	if _, err := s.CreateNetwork(ctx, &domain.Network{TenantID: f.globex, Name: "backend", LocationID: f.berlin, CIDR: "10.0.0.0/24"}); err != nil {
		t.Errorf("other tenant: %v", err)
	}
	if _, err := s.CreateNetwork(ctx, &domain.Network{TenantID: f.acme, Name: "Backend", LocationID: f.berlin, CIDR: "10.9.0.0/24"}); domain.ErrorFields(err)["name"] == "" {
		t.Errorf("duplicate name: %v", err)
	}
	// Tenants never see each other's networks.
	if _, err := s.Network(ctx, f.globex, n.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant read: %v", err)
	}
	if _, err := s.AllocateAddress(ctx, f.globex, n.ID, domain.NewID()); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant allocate: %v", err)
	}
	list, _, err := s.Networks(ctx, domain.NetworkFilter{TenantID: f.acme})
	if err != nil || len(list) != 2 {
		t.Errorf("acme networks %d, %v", len(list), err)
	}

	// Addresses start after the gateway; a released one is handed out again.
	m1, m2 := domain.NewID(), domain.NewID()
	a1, _ := s.AllocateAddress(ctx, f.acme, n.ID, m1)
	a2, _ := s.AllocateAddress(ctx, f.acme, n.ID, m2)
	if a1.String() != "10.0.0.2" || a2.String() != "10.0.0.3" {
		t.Errorf("allocated %s, %s", a1, a2)
	}
	// In use: deleting names the machines.
	err = s.DeleteNetwork(ctx, f.acme, n.ID)
	if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorFields(err)["machines"] == "" {
		t.Errorf("delete in use: %v", err)
	}
	if err := s.ReleaseAddresses(ctx, f.acme, n.ID, m1); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.AllocateAddress(ctx, f.acme, n.ID, m1); a.String() != "10.0.0.2" {
		t.Errorf("after release got %s", a)
	}

	// Firewall rules.
	r := &domain.FirewallRule{TenantID: f.acme, NetworkID: n.ID, Protocol: "tcp", PortFrom: 22, Source: "198.51.100.0/24"}
	if err := s.AddRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRule(ctx, &domain.FirewallRule{TenantID: f.acme, NetworkID: n.ID, Protocol: "tcp"}); domain.ErrorFields(err)["port_from"] == "" {
		t.Errorf("bad rule: %v", err)
	}
	if err := s.AddRule(ctx, &domain.FirewallRule{TenantID: f.globex, NetworkID: n.ID, Protocol: "icmp"}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant rule: %v", err)
	}
	rules, err := s.Rules(ctx, f.acme, n.ID)
	if err != nil || len(rules) != 1 || rules[0].Source != "198.51.100.0/24" || rules[0].PortTo != 22 {
		t.Errorf("rules %+v, %v", rules, err)
	}
	if err := s.DeleteRule(ctx, f.globex, n.ID, r.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant rule delete: %v", err)
	}
	if err := s.DeleteRule(ctx, f.acme, n.ID, r.ID); err != nil {
		t.Error(err)
	}
}

// TestIPAMConcurrency hands out 1,000 addresses in parallel and checks none
// is handed out twice and none is reserved.
func TestIPAMConcurrency(t *testing.T) {
	f := newStorageFixture(t)
	s := postgres.NewNetworkService(f.db)
	ctx := context.Background()
	n := &domain.Network{TenantID: f.acme, Name: "big", LocationID: f.berlin, CIDR: "10.20.0.0/22"}
	if _, err := s.CreateNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	p := netip.MustParsePrefix(n.CIDR)
	const count = 1000
	var mu sync.Mutex
	seen := map[netip.Addr]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, count)
	for range count {
		wg.Go(func() {
			a, err := s.AllocateAddress(ctx, f.acme, n.ID, domain.NewID())
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[a] {
				errs <- domain.Errorf(domain.EINTERNAL, "duplicate %s", a)
			}
			seen[a] = true
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != count {
		t.Fatalf("%d distinct addresses, want %d", len(seen), count)
	}
	for a := range seen {
		if domain.Reserved(p, a) || !p.Contains(a) {
			t.Errorf("handed out %s", a)
		}
	}
	// They are the lowest 1,000 host addresses: no gaps.
	if !seen[domain.AddressAt(p, 2)] || !seen[domain.AddressAt(p, count+1)] {
		t.Error("allocation left gaps")
	}
}

func TestDisksAndPublicAddresses(t *testing.T) {
	f := newStorageFixture(t)
	ds := postgres.NewDiskService(f.db)
	ctx := context.Background()
	d := &domain.Disk{TenantID: f.acme, Name: "data", LocationID: f.berlin, SizeGiB: 10}
	if _, err := ds.CreateDisk(ctx, d); err != nil {
		t.Fatal(err)
	}
	if d.Class != "standard" || d.State != domain.DiskCreating {
		t.Errorf("disk %+v", d)
	}
	// An Idempotency-Key used again returns the first disk.
	k1 := &domain.Disk{TenantID: f.acme, Name: "keyed", LocationID: f.berlin, SizeGiB: 1, IdemKey: "k-1"}
	k2 := &domain.Disk{TenantID: f.acme, Name: "keyed", LocationID: f.berlin, SizeGiB: 1, IdemKey: "k-1"}
	if existed, err := ds.CreateDisk(ctx, k1); err != nil || existed {
		t.Fatal(existed, err)
	}
	if existed, err := ds.CreateDisk(ctx, k2); err != nil || !existed || k2.ID != k1.ID {
		t.Errorf("same key: existed %v, %v, ids %s %s", existed, err, k1.ID, k2.ID)
	}
	if _, err := ds.CreateDisk(ctx, &domain.Disk{TenantID: f.acme, Name: "DATA", LocationID: f.berlin, SizeGiB: 1}); domain.ErrorFields(err)["name"] == "" {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := ds.CreateDisk(ctx, &domain.Disk{TenantID: f.acme, Name: "x", LocationID: domain.NewID(), SizeGiB: 1}); domain.ErrorFields(err)["location"] == "" {
		t.Errorf("unknown location: %v", err)
	}
	if _, err := ds.Disk(ctx, f.globex, d.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant disk: %v", err)
	}
	m := domain.NewID()
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskCreating, domain.DiskAvailable, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskCreating, domain.DiskAttached, &m, nil); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("stale transition: %v", err)
	}
	size := 20
	if err := ds.SetDiskState(ctx, f.acme, d.ID, domain.DiskAvailable, domain.DiskAttached, &m, &size); err != nil {
		t.Fatal(err)
	}
	got, _ := ds.Disk(ctx, f.acme, d.ID)
	if got.MachineID != m || got.SizeGiB != 20 || got.State != domain.DiskAttached {
		t.Errorf("disk after attach %+v", got)
	}
	list, _, _ := ds.Disks(ctx, domain.DiskFilter{TenantID: f.acme, MachineID: m})
	if len(list) != 1 {
		t.Errorf("machine's disks %d", len(list))
	}

	as := postgres.NewAddressService(f.db)
	if _, err := as.AllocatePublic(ctx, f.acme, f.berlin, ""); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("no pool: %v", err)
	}
	if err := as.CreatePool(ctx, &domain.PublicPool{LocationID: f.berlin, CIDR: "203.0.113.0/30"}); err != nil {
		t.Fatal(err)
	}
	if err := as.CreatePool(ctx, &domain.PublicPool{LocationID: f.berlin, CIDR: "203.0.113.0/24"}); domain.ErrorFields(err)["cidr"] == "" {
		t.Errorf("overlapping pool: %v", err)
	}
	var got4 []string
	for range 4 {
		a, err := as.AllocatePublic(ctx, f.acme, f.berlin, "")
		if err != nil {
			t.Fatal(err)
		}
		got4 = append(got4, a.Address)
	}
	if got4[0] != "203.0.113.0" || got4[3] != "203.0.113.3" {
		t.Errorf("allocated %v", got4)
	}
	if _, err := as.AllocatePublic(ctx, f.globex, f.berlin, ""); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("exhausted pool: %v", err)
	}
	addrs, _, _ := as.PublicAddresses(ctx, domain.PublicAddressFilter{TenantID: f.acme})
	a := addrs[0]
	if _, err := as.PublicAddress(ctx, f.globex, a.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("cross-tenant address: %v", err)
	}
	if err := as.SetPublicAddressState(ctx, f.acme, a.ID, domain.AddressAllocated, domain.AddressAttached, m); err != nil {
		t.Fatal(err)
	}
	if err := as.ReleasePublic(ctx, f.acme, a.ID); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("release attached: %v", err)
	}
	if err := as.SetPublicAddressState(ctx, f.acme, a.ID, domain.AddressAttached, domain.AddressAllocated, ""); err != nil {
		t.Fatal(err)
	}
	if err := as.ReleasePublic(ctx, f.acme, a.ID); err != nil {
		t.Fatal(err)
	}
	if b, err := as.AllocatePublic(ctx, f.globex, f.berlin, ""); err != nil || b.Address != a.Address {
		t.Errorf("released address not reused: %+v, %v", b, err)
	}
}

// TestIPAMSkipsAddressBeingTaken: an allocation does not wait for another
// open transaction that is taking the lowest free address; it takes the next,
// and the address comes back to the next allocation if that transaction
// rolls back.
func TestIPAMSkipsAddressBeingTaken(t *testing.T) {
	f := newStorageFixture(t)
	s := postgres.NewNetworkService(f.db)
	ctx := context.Background()
	n := &domain.Network{TenantID: f.acme, Name: "small", LocationID: f.berlin, CIDR: "10.30.0.0/29"}
	if _, err := s.CreateNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	// An allocation in flight holds 10.30.0.2 (a machine create's long
	// transaction, say).
	tx, err := f.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var o *int
	if err := tx.QueryRow(ctx, `SELECT ipam_lock_free($1, 2, 6)`, n.ID).Scan(&o); err != nil || o == nil || *o != 2 {
		t.Fatalf("lock: %v %v", o, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a, err := s.AllocateAddress(tctx, f.acme, n.ID, domain.NewID())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.String(), "10.30.0.3"; got != want {
		t.Errorf("while .2 is being taken: got %s, want %s", got, want)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if a, err := s.AllocateAddress(ctx, f.acme, n.ID, domain.NewID()); err != nil || a.String() != "10.30.0.2" {
		t.Errorf("after the rollback: got %s, %v, want 10.30.0.2", a, err)
	}
	// .4 to .6 and then the network is full (.7 is the broadcast address).
	for _, want := range []string{"10.30.0.4", "10.30.0.5", "10.30.0.6"} {
		if a, err := s.AllocateAddress(ctx, f.acme, n.ID, domain.NewID()); err != nil || a.String() != want {
			t.Errorf("got %s, %v, want %s", a, err, want)
		}
	}
	if _, err := s.AllocateAddress(ctx, f.acme, n.ID, domain.NewID()); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("full network: %v", err)
	}
}
