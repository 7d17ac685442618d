package domain_test

import (
	"strings"
	"testing"

	"tessera/domain"
)

const (
	acme   = "aaaaaaaa-0000-4000-8000-000000000001"
	globex = "bbbbbbbb-0000-4000-8000-000000000002"
	locBER = "10000000-0000-4000-8000-000000000001"
	locFRA = "10000000-0000-4000-8000-000000000002"
	locZRH = "10000000-0000-4000-8000-000000000003"
	locVIE = "10000000-0000-4000-8000-000000000004"
)

// fixture: Berlin and Frankfurt (DE, shared), Zurich (CH, dedicated to
// acme), Vienna (AT, shared). Each site has 64 cores and 256 GiB, no
// overcommit of memory, 4× vCPU, no reserve; what differs is use and price.
func fixture() []domain.SiteCandidate {
	site := func(id, name, loc, locName, cc string, usedGiB int64, priceMicros int64) domain.SiteCandidate {
		return domain.SiteCandidate{
			SiteID: id, SiteName: name, LocationID: loc, LocationName: locName, Country: cc,
			LocationTenancy: domain.Shared, SiteTenancy: domain.Shared, Enabled: true, Reachable: true,
			Load:     domain.SiteLoad{Cores: 64, MemoryMiB: 256 * 1024, StorageGiB: 10000, UsedMemoryMiB: usedGiB * 1024, UsedVCPUs: 10, UsedStorageGiB: 1000},
			CPURatio: 4, MemoryRatio: 1, ReservePercent: 0,
			Hourly: domain.Money{Amount: domain.Micros(priceMicros), Currency: "EUR"}, Priced: true,
		}
	}
	c := []domain.SiteCandidate{
		site("s-ber", "berlin-1", locBER, "Berlin", "DE", 100, 100_000),
		site("s-fra", "frankfurt-1", locFRA, "Frankfurt", "DE", 100, 90_000),
		site("s-zrh", "zurich-1", locZRH, "Zurich", "CH", 0, 80_000),
		site("s-vie", "vienna-1", locVIE, "Vienna", "AT", 100, 70_000),
	}
	c[2].LocationTenancy = domain.Tenancy{Kind: domain.TenancyTenant, TenantID: acme}
	return c
}

func byName(cands []domain.SiteCandidate, name string) *domain.SiteCandidate {
	for i := range cands {
		if cands[i].SiteName == name {
			return &cands[i]
		}
	}
	panic("no site " + name)
}

func TestPlaceOnSite(t *testing.T) {
	small := domain.MachineShape{VCPUs: 2, MemoryMiB: 4096, DiskGiB: 20}
	big := domain.MachineShape{VCPUs: 8, MemoryMiB: 64 * 1024, DiskGiB: 100}
	loc := func(s string) domain.LocationChoice {
		c, err := domain.ParseLocationChoice(s)
		if err != nil {
			panic(err)
		}
		return c
	}
	tests := []struct {
		name     string
		tenant   string
		manage   string
		shape    domain.MachineShape
		location string
		resid    string
		groups   []domain.AffinityGroup
		images   map[string]bool // sites where the image is ready; nil: anywhere
		netLoc   string          // the chosen networks' location
		edit     func(c []domain.SiteCandidate)
		want     string // chosen site name, "" when nothing fits
		code     string // error code when nothing fits
		msg      string // the tenant's message (exact)
		excluded map[string]domain.Exclusion
	}{
		{
			name: "a specific location gets its site", tenant: globex, shape: small, location: locBER,
			want:     "berlin-1",
			excluded: map[string]domain.Exclusion{"frankfurt-1": domain.ExclLocation, "zurich-1": domain.ExclTenancy, "vienna-1": domain.ExclLocation},
		},
		{
			name: "any:DE takes the cheaper German site", tenant: globex, shape: small, location: "any:DE",
			want: "frankfurt-1",
		},
		{
			name: "any:DE prefers headroom when prices are equal", tenant: globex, shape: small, location: "any:de",
			edit: func(c []domain.SiteCandidate) {
				byName(c, "frankfurt-1").Hourly.Amount = 100_000
				byName(c, "berlin-1").Load.UsedMemoryMiB = 10 * 1024
			},
			want: "berlin-1",
		},
		{
			name: "cheapest for globex never lands on acme's dedicated Zurich", tenant: globex, shape: small, location: "cheapest",
			edit: func(c []domain.SiteCandidate) { byName(c, "zurich-1").Hourly.Amount = 1 },
			want: "vienna-1",
		},
		{
			name: "cheapest for acme may use its own Zurich", tenant: acme, shape: small, location: "cheapest",
			edit: func(c []domain.SiteCandidate) { byName(c, "zurich-1").Hourly.Amount = 60_000 },
			want: "zurich-1",
		},
		{
			name: "cheapest beats headroom", tenant: globex, shape: small, location: "cheapest",
			edit: func(c []domain.SiteCandidate) { byName(c, "berlin-1").Load.UsedMemoryMiB = 0 },
			want: "vienna-1",
		},
		{
			name: "another tenant's dedicated location is not a choice", tenant: globex, shape: small, location: locZRH,
			code: domain.EINVALID, msg: "Choose one of your locations.",
		},
		{
			name: "an unknown location is not a choice either", tenant: globex, shape: small, location: "20000000-0000-4000-8000-000000000009",
			code: domain.EINVALID, msg: "Choose one of your locations.",
		},
		{
			name: "residency CH for globex: only acme has Swiss capacity", tenant: globex, shape: small, location: "cheapest", resid: "CH",
			code: domain.ECONFLICT, msg: "No shared location is in CH, where the data must stay.",
		},
		{
			name: "residency CH for acme", tenant: acme, shape: small, location: "cheapest", resid: "CH",
			want: "zurich-1",
		},
		{
			name: "any:DE with residency AT contradicts", tenant: globex, shape: small, location: "any:DE", resid: "AT",
			code: domain.ECONFLICT, msg: "No shared location in DE is in AT, where the data must stay.",
		},
		{
			name: "cheapest with networks in Berlin stays in Berlin", tenant: globex, shape: small, location: "cheapest", netLoc: locBER,
			want:     "berlin-1",
			excluded: map[string]domain.Exclusion{"frankfurt-1": domain.ExclLocation, "vienna-1": domain.ExclLocation},
		},
		{
			name: "any:DE with networks in Berlin", tenant: globex, shape: small, location: "any:DE", netLoc: locBER,
			want: "berlin-1",
		},
		{
			name: "any:DE with networks in Vienna is a networks error", tenant: globex, shape: small, location: "any:DE", netLoc: locVIE,
			code: domain.EINVALID, msg: "The chosen networks are in Vienna, which is not in DE; choose networks in DE or another location.",
		},
		{
			name: "networks in a full location: the message names it", tenant: globex, shape: big, location: "cheapest", netLoc: locBER,
			edit: func(c []domain.SiteCandidate) { byName(c, "berlin-1").Load.UsedMemoryMiB = (256 - 32) * 1024 },
			code: domain.ECONFLICT, msg: "No shared location in Berlin has 64 GiB of memory free; Berlin has 32 GiB.",
		},
		{
			name: "a country without locations", tenant: globex, shape: small, location: "any:FR",
			code: domain.ECONFLICT, msg: "You have no location in FR.",
		},
		{
			name: "nearest miss names the location that came closest", tenant: globex, shape: big, location: "any:DE",
			edit: func(c []domain.SiteCandidate) {
				byName(c, "berlin-1").Load.UsedMemoryMiB = (256 - 32) * 1024
				byName(c, "frankfurt-1").Load.UsedMemoryMiB = (256 - 48) * 1024
			},
			code: domain.ECONFLICT, msg: "No shared location in DE has 64 GiB of memory free; Frankfurt has 48 GiB.",
			excluded: map[string]domain.Exclusion{"berlin-1": domain.ExclCapacity, "frankfurt-1": domain.ExclCapacity},
		},
		{
			name: "dedicated capacity never counts for others", tenant: globex, shape: big, location: "cheapest",
			edit: func(c []domain.SiteCandidate) {
				for _, n := range []string{"berlin-1", "frankfurt-1", "vienna-1"} {
					byName(c, n).Load.UsedMemoryMiB = (256 - 40) * 1024
				}
				byName(c, "vienna-1").Load.UsedMemoryMiB = (256 - 50) * 1024
			},
			code: domain.ECONFLICT, msg: "No shared location has 64 GiB of memory free; Vienna has 50 GiB.",
			excluded: map[string]domain.Exclusion{"zurich-1": domain.ExclTenancy},
		},
		{
			name: "a specific location that is full", tenant: globex, shape: big, location: locBER,
			edit: func(c []domain.SiteCandidate) { byName(c, "berlin-1").Load.UsedMemoryMiB = (256 - 10) * 1024 },
			code: domain.ECONFLICT, msg: "Berlin does not have 64 GiB of memory free; it has 10 GiB.",
		},
		{
			name: "vCPU short is named when it is the worst shortfall", tenant: globex, shape: big, location: locBER,
			edit: func(c []domain.SiteCandidate) { byName(c, "berlin-1").Load.UsedVCPUs = 64*4 - 2 },
			code: domain.ECONFLICT, msg: "Berlin does not have 8 vCPUs free; it has 2.",
		},
		{
			name: "memory overcommit lets it fit", tenant: globex, shape: big, location: locBER,
			edit: func(c []domain.SiteCandidate) {
				b := byName(c, "berlin-1")
				b.Load.UsedMemoryMiB = 250 * 1024
				b.MemoryRatio = 1.5
			},
			want: "berlin-1",
		},
		{
			name: "the maintenance reserve is held back", tenant: globex, shape: big, location: locBER,
			edit: func(c []domain.SiteCandidate) {
				b := byName(c, "berlin-1")
				b.Load.UsedMemoryMiB = 180 * 1024 // 76 GiB free without a reserve
				b.ReservePercent = 10             // 25.6 GiB held back
			},
			code: domain.ECONFLICT, msg: "Berlin does not have 64 GiB of memory free; it has 50.4 GiB.",
		},
		{
			name: "reservations not yet used count", tenant: globex, shape: big, location: locBER,
			edit: func(c []domain.SiteCandidate) {
				b := byName(c, "berlin-1")
				b.Load.UsedMemoryMiB = 100 * 1024
				b.Load.ReservedMemoryMiB = 120 * 1024
			},
			code: domain.ECONFLICT, msg: "Berlin does not have 64 GiB of memory free; it has 36 GiB.",
		},
		{
			name: "storage counts too", tenant: globex, shape: domain.MachineShape{VCPUs: 1, MemoryMiB: 1024, DiskGiB: 500}, location: locBER,
			edit: func(c []domain.SiteCandidate) { byName(c, "berlin-1").Load.UsedStorageGiB = 9800 },
			code: domain.ECONFLICT, msg: "Berlin does not have 500 GiB of storage free; it has 200 GiB.",
		},
		{
			name: "hard anti-affinity moves it to the other German site", tenant: globex, shape: small, location: "any:DE",
			groups: []domain.AffinityGroup{{Name: "web", Anti: true, Hard: true, MemberSites: []string{"s-fra"}}},
			want:   "berlin-1", excluded: map[string]domain.Exclusion{"frankfurt-1": domain.ExclAffinity},
		},
		{
			name: "hard anti-affinity with members everywhere", tenant: globex, shape: small, location: "any:DE",
			groups: []domain.AffinityGroup{{Name: "web", Anti: true, Hard: true, MemberSites: []string{"s-fra", "s-ber"}}},
			code:   domain.ECONFLICT, msg: "Every shared location in DE already holds a machine of group web, which must be kept apart (hard anti-affinity).",
		},
		{
			name: "soft anti-affinity prefers the dearer empty site", tenant: globex, shape: small, location: "any:DE",
			groups: []domain.AffinityGroup{{Name: "web", Anti: true, MemberSites: []string{"s-fra"}}},
			want:   "berlin-1",
		},
		{
			name: "soft anti-affinity gives way when it must", tenant: globex, shape: small, location: "any:DE",
			groups: []domain.AffinityGroup{{Name: "web", Anti: true, MemberSites: []string{"s-fra", "s-ber", "s-ber"}}},
			want:   "frankfurt-1",
		},
		{
			name: "hard affinity follows the group even when dearer", tenant: globex, shape: small, location: "cheapest",
			groups: []domain.AffinityGroup{{Name: "db", Hard: true, MemberSites: []string{"s-ber"}}},
			want:   "berlin-1",
		},
		{
			name: "hard affinity without members places freely", tenant: globex, shape: small, location: "cheapest",
			groups: []domain.AffinityGroup{{Name: "db", Hard: true}},
			want:   "vienna-1",
		},
		{
			name: "hard affinity with the group's site full", tenant: globex, shape: big, location: "any:DE",
			groups: []domain.AffinityGroup{{Name: "db", Hard: true, MemberSites: []string{"s-ber"}}},
			edit:   func(c []domain.SiteCandidate) { byName(c, "berlin-1").Load.UsedMemoryMiB = (256 - 8) * 1024 },
			code:   domain.ECONFLICT, msg: "No shared location in DE has 64 GiB of memory free; Berlin has 8 GiB.",
		},
		{
			name: "hard affinity with the group outside the chosen country", tenant: globex, shape: small, location: "any:DE",
			groups: []domain.AffinityGroup{{Name: "db", Hard: true, MemberSites: []string{"s-vie"}}},
			code:   domain.ECONFLICT, msg: "No shared location in DE that takes new machines holds a machine of group db, which must stay together (hard affinity).",
		},
		{
			name: "soft affinity wins over price", tenant: globex, shape: small, location: "any:DE",
			groups: []domain.AffinityGroup{{Name: "db", MemberSites: []string{"s-ber"}}},
			want:   "berlin-1",
		},
		{
			name: "disabled and unreachable sites are skipped", tenant: globex, shape: small, location: "cheapest",
			edit: func(c []domain.SiteCandidate) {
				byName(c, "vienna-1").Enabled = false
				byName(c, "frankfurt-1").Reachable = false
			},
			want:     "berlin-1",
			excluded: map[string]domain.Exclusion{"vienna-1": domain.ExclDisabled, "frankfurt-1": domain.ExclDisabled},
		},
		{
			name: "a disabled chosen location", tenant: globex, shape: small, location: locVIE,
			edit: func(c []domain.SiteCandidate) { byName(c, "vienna-1").Enabled = false },
			code: domain.ECONFLICT, msg: "Vienna takes no new machines at the moment; choose another location.",
		},
		{
			name: "a site dedicated to acme inside a shared location", tenant: globex, shape: small, location: locBER,
			edit: func(c []domain.SiteCandidate) {
				b := *byName(c, "berlin-1")
				b.SiteID, b.SiteName, b.SiteTenancy, b.Hourly.Amount = "s-ber2", "berlin-2", domain.Tenancy{Kind: domain.TenancyTenant, TenantID: acme}, 1
				c[3] = b // replaces Vienna
			},
			want: "berlin-1", excluded: map[string]domain.Exclusion{"berlin-2": domain.ExclTenancy},
		},
		{
			name: "acme's own site in a shared location is used first (hybrid)", tenant: acme, shape: small, location: locBER,
			edit: func(c []domain.SiteCandidate) {
				b := *byName(c, "berlin-1")
				b.SiteID, b.SiteName, b.SiteTenancy = "s-ber2", "berlin-2", domain.Tenancy{Kind: domain.TenancyTenant, TenantID: acme}
				c[3] = b
			},
			want: "berlin-2",
		},
		{
			name: "a location dedicated to this manage instance", tenant: globex, manage: "eu-1", shape: small, location: "cheapest",
			edit: func(c []domain.SiteCandidate) {
				z := byName(c, "zurich-1")
				z.LocationTenancy = domain.Tenancy{Kind: domain.TenancyManage, ManageID: "eu-1"}
				z.Hourly.Amount = 50_000
			},
			want: "zurich-1",
		},
		{
			name: "a location dedicated to another manage instance", tenant: acme, manage: "eu-2", shape: small, location: locZRH,
			edit: func(c []domain.SiteCandidate) {
				byName(c, "zurich-1").LocationTenancy = domain.Tenancy{Kind: domain.TenancyManage, ManageID: "eu-1"}
			},
			code: domain.EINVALID, msg: "Choose one of your locations.",
		},
		{
			name: "no location at all", tenant: globex, shape: small, location: "cheapest",
			edit: func(c []domain.SiteCandidate) {
				for i := range c {
					c[i].LocationTenancy = domain.Tenancy{Kind: domain.TenancyTenant, TenantID: acme}
				}
			},
			code: domain.ECONFLICT, msg: "No location is available to you yet; ask your provider.",
		},
		{
			name: "without a rate card capacity decides", tenant: globex, shape: small, location: "cheapest",
			edit: func(c []domain.SiteCandidate) {
				for i := range c {
					c[i].Priced = false
				}
				byName(c, "frankfurt-1").Load.UsedMemoryMiB = 0
			},
			want: "frankfurt-1",
		},
		{
			name: "a healthy site without reported capacity takes it unchecked", tenant: globex, shape: big, location: locBER,
			edit: func(c []domain.SiteCandidate) {
				b := byName(c, "berlin-1")
				b.Load, b.CapacityUnknown = domain.SiteLoad{}, true
			},
			want: "berlin-1",
		},
		{
			name: "cheapest goes where the image is", tenant: globex, shape: small, location: "cheapest",
			images: map[string]bool{"s-ber": true},
			want:   "berlin-1", excluded: map[string]domain.Exclusion{"vienna-1": domain.ExclImage, "frankfurt-1": domain.ExclImage},
		},
		{
			name: "a chosen location without the image", tenant: globex, shape: small, location: locFRA,
			images: map[string]bool{"s-ber": true},
			code:   domain.ECONFLICT, msg: "Debian 12 is not available in Frankfurt yet; choose another location or image.",
		},
		{
			name: "no site in the country has the image", tenant: globex, shape: small, location: "any:DE",
			images: map[string]bool{"s-vie": true},
			code:   domain.ECONFLICT, msg: "No shared location in DE has Debian 12 yet; choose another image.",
		},
		{
			name: "a shape without memory", tenant: globex, shape: domain.MachineShape{VCPUs: 1}, location: "cheapest",
			code: domain.EINVALID, msg: "A machine needs at least 1 vCPU and some memory.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cands := fixture()
			if tt.edit != nil {
				tt.edit(cands)
			}
			req := domain.PlaceRequest{TenantID: tt.tenant, ManageID: tt.manage, Shape: tt.shape, Location: loc(tt.location), Residency: tt.resid, Groups: tt.groups,
				ImageSites: tt.images, ImageName: "Debian 12", NetworkLocationID: tt.netLoc}
			d, err := domain.PlaceOnSite(req, cands)
			got := ""
			if d != nil && d.Chosen != nil {
				got = d.Chosen.SiteName
			}
			if got != tt.want {
				t.Errorf("chosen = %q, want %q (err %v; fitting %+v; excluded %+v)", got, tt.want, err, d.Fitting, d.Excluded)
			}
			if tt.want == "" {
				if domain.ErrorCode(err) != tt.code {
					t.Errorf("code = %q, want %q (%v)", domain.ErrorCode(err), tt.code, err)
				}
				msg := domain.ErrorMessage(err)
				if tt.netLoc != "" && tt.code == domain.EINVALID {
					msg = domain.ErrorFields(err)["networks"]
				}
				if msg != tt.msg {
					t.Errorf("message = %q\n want %q", msg, tt.msg)
				}
			} else if err != nil {
				t.Errorf("err = %v", err)
			}
			for site, reason := range tt.excluded {
				found := false
				for _, e := range d.Excluded {
					if e.SiteName == site {
						found = true
						if e.Reason != reason {
							t.Errorf("%s excluded for %s (%s), want %s", site, e.Reason, e.Detail, reason)
						}
					}
				}
				if !found {
					t.Errorf("%s not excluded, want %s", site, reason)
				}
			}
			// Whatever happens, globex is never told about Zurich.
			if tt.tenant == globex && strings.Contains(d.Message, "Zurich") {
				t.Errorf("message names acme's location: %q", d.Message)
			}
		})
	}
}

func TestParseLocationChoice(t *testing.T) {
	for in, want := range map[string]string{"cheapest": "cheapest", " Cheapest ": "cheapest", "any:de": "any:DE", "ANY:CH": "any:CH", locBER: locBER, strings.ToUpper(locBER): locBER} {
		c, err := domain.ParseLocationChoice(in)
		if err != nil || c.String() != want {
			t.Errorf("ParseLocationChoice(%q) = %q, %v; want %q", in, c.String(), err, want)
		}
	}
	for _, in := range []string{"", "any:", "any:DEU", "any:1x", "berlin", "cheap"} {
		if _, err := domain.ParseLocationChoice(in); domain.ErrorFields(err)["location"] == "" {
			t.Errorf("ParseLocationChoice(%q) = %v, want a location field error", in, err)
		}
	}
}

func TestTenancy(t *testing.T) {
	tests := []struct {
		t              domain.Tenancy
		tenant, manage string
		want           bool
	}{
		{domain.Shared, globex, "", true},
		{domain.Tenancy{}, globex, "", true},
		{domain.Tenancy{Kind: domain.TenancyTenant, TenantID: acme}, acme, "", true},
		{domain.Tenancy{Kind: domain.TenancyTenant, TenantID: acme}, globex, "", false},
		{domain.Tenancy{Kind: domain.TenancyTenant}, "", "", false},
		{domain.Tenancy{Kind: domain.TenancyManage, ManageID: "m1"}, globex, "m1", true},
		{domain.Tenancy{Kind: domain.TenancyManage, ManageID: "m1"}, globex, "m2", false},
		{domain.Tenancy{Kind: domain.TenancyManage}, globex, "", false},
	}
	for _, tt := range tests {
		if got := tt.t.Allows(tt.tenant, tt.manage); got != tt.want {
			t.Errorf("%+v.Allows(%s, %s) = %v, want %v", tt.t, tt.tenant, tt.manage, got, tt.want)
		}
	}
	bad := domain.SiteSettings{Tenancy: domain.Tenancy{Kind: domain.TenancyTenant}, CPURatio: 0.5, MemoryRatio: 9, ReservePercent: 95}
	f := domain.ErrorFields(bad.Validate())
	for _, k := range []string{"tenancy", "cpu_ratio", "memory_ratio", "reserve_percent"} {
		if f[k] == "" {
			t.Errorf("SiteSettings.Validate: no error for %s (%v)", k, f)
		}
	}
	good := domain.DefaultSiteSettings("x")
	if err := good.Validate(); err != nil {
		t.Errorf("default settings invalid: %v", err)
	}
}

func TestTenantLocations(t *testing.T) {
	locs := []*domain.GeoLocation{{ID: locZRH, Name: "Zurich", CountryCode: "CH"}, {ID: locBER, Name: "Berlin", CountryCode: "DE"}, {ID: locFRA, Name: "Frankfurt", CountryCode: "DE"}, {ID: locVIE, Name: "Vienna", CountryCode: "AT"}}
	sites := []*domain.Site{{ID: "s-zrh", LocationID: locZRH}, {ID: "s-ber", LocationID: locBER}, {ID: "s-fra", LocationID: locFRA}, {ID: "s-vie", LocationID: locVIE}}
	lt := map[string]domain.Tenancy{locZRH: {Kind: domain.TenancyTenant, TenantID: acme}}
	st := map[string]domain.SiteSettings{"s-vie": {Tenancy: domain.Tenancy{Kind: domain.TenancyManage, ManageID: "m2"}}}
	names := func(tenant string) string {
		var n []string
		for _, l := range domain.TenantLocations(tenant, "m1", locs, lt, sites, st) {
			n = append(n, l.Name)
		}
		return strings.Join(n, ",")
	}
	if got, want := names(acme), "Berlin,Frankfurt,Zurich"; got != want {
		t.Errorf("acme sees %s, want %s", got, want)
	}
	if got, want := names(globex), "Berlin,Frankfurt"; got != want {
		t.Errorf("globex sees %s, want %s", got, want)
	}
}

func TestSiteCandidates(t *testing.T) {
	locs := []*domain.GeoLocation{{ID: locBER, Name: "Berlin", CountryCode: "DE"}}
	info := &domain.SiteInfo{Capacity: domain.SiteCapacity{VCPUsTotal: 16, VCPUsAllocated: 4, MemoryTotalMiB: 65536, MemoryAllocMiB: 1024, StorageTotalGiB: 1000, StorageFreeGiB: 900}}
	sites := []*domain.Site{
		{ID: "a", Name: "berlin-1", LocationID: locBER, Enabled: true, Health: "ok", Info: info},
		{ID: "b", Name: "berlin-2", LocationID: locBER, Enabled: true, Health: "unknown"}, // never synced
		{ID: "c", Name: "berlin-3", LocationID: locBER, Enabled: true, Health: "unreachable", Info: info},
		{ID: "e", Name: "berlin-4", LocationID: locBER, Enabled: true, Health: "ok"},            // healthy, capacity not reported yet
		{ID: "d", Name: "nowhere", LocationID: locFRA, Enabled: true, Health: "ok", Info: info}, // unknown location
	}
	prices := &domain.EffectivePrices{Currency: "EUR", Prices: domain.Prices{VCPUHour: 10_000, MemoryGiBHour: 5_000}, Multipliers: map[string]domain.Factor{locBER: 1_500_000}}
	c := domain.SiteCandidates(locs, sites, prices, domain.MachineShape{VCPUs: 2, MemoryMiB: 2048})
	if len(c) != 4 {
		t.Fatalf("%d candidates, want 4", len(c))
	}
	if !c[3].Reachable || !c[3].CapacityUnknown || c[0].CapacityUnknown {
		t.Errorf("berlin-4 reachable %v, capacity unknown %v; berlin-1 capacity unknown %v", c[3].Reachable, c[3].CapacityUnknown, c[0].CapacityUnknown)
	}
	if !c[0].Reachable || c[1].Reachable || c[2].Reachable {
		t.Errorf("reachable = %v %v %v, want true false false", c[0].Reachable, c[1].Reachable, c[2].Reachable)
	}
	if c[0].Load.UsedStorageGiB != 100 || c[0].Load.Cores != 16 || c[0].Country != "DE" {
		t.Errorf("candidate = %+v", c[0])
	}
	// (2 × 0.01 + 2 × 0.005) × 1.5 = 0.045 EUR/h
	if !c[0].Priced || c[0].Hourly.Amount != 45_000 {
		t.Errorf("hourly = %v (priced %v), want 0.045", c[0].Hourly, c[0].Priced)
	}
}
