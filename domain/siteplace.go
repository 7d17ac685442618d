package domain

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// This file holds manage's placement rules: which site of which geo-location
// a new machine goes to. (The site then picks the host: see Place.) The rules
// are one pure function, PlaceOnSite, over a request and the candidate sites;
// the store (adapters/postgres) reads the candidates, runs it and reserves the
// capacity in one transaction.

// TenancyKind says who may use a geo-location or a site.
type TenancyKind string

const (
	TenancyShared TenancyKind = "shared" // any tenant (public cloud)
	TenancyTenant TenancyKind = "tenant" // one tenant only (private cloud)
	TenancyManage TenancyKind = "manage" // the tenants of one manage instance (a customer community)
)

// Tenancy is who may use a geo-location or a site. A site is usable by a
// tenant only if both its own tenancy and its location's allow it.
type Tenancy struct {
	Kind     TenancyKind
	TenantID string // Kind == TenancyTenant
	ManageID string // Kind == TenancyManage
}

// Shared is the tenancy of locations and sites nobody has dedicated.
var Shared = Tenancy{Kind: TenancyShared}

// Allows reports whether tenantID, served by manage instance manageID, may
// see and use what has this tenancy.
func (t Tenancy) Allows(tenantID, manageID string) bool {
	switch t.Kind {
	case "", TenancyShared:
		return true
	case TenancyTenant:
		return t.TenantID != "" && t.TenantID == tenantID
	case TenancyManage:
		return t.ManageID != "" && t.ManageID == manageID
	}
	return false
}

// Dedicated reports whether the tenancy is anything but shared.
func (t Tenancy) Dedicated() bool { return t.Kind == TenancyTenant || t.Kind == TenancyManage }

// Validate returns EINVALID with the field "tenancy".
func (t *Tenancy) Validate() error {
	if t.Kind == "" {
		t.Kind = TenancyShared
	}
	switch t.Kind {
	case TenancyShared:
		t.TenantID, t.ManageID = "", ""
	case TenancyTenant:
		t.ManageID = ""
		if !IsID(t.TenantID) {
			return Invalid(map[string]string{"tenancy": "Choose the tenant this is dedicated to."})
		}
	case TenancyManage:
		t.TenantID = ""
		t.ManageID = strings.TrimSpace(t.ManageID)
		if t.ManageID == "" || len(t.ManageID) > 100 {
			return Invalid(map[string]string{"tenancy": "Enter the id of the manage instance this is dedicated to (at most 100 characters)."})
		}
	default:
		return Invalid(map[string]string{"tenancy": "Choose shared, dedicated to a tenant, or dedicated to a manage instance."})
	}
	return nil
}

// LocationChoiceKind is how a tenant says where a machine should go.
type LocationChoiceKind string

const (
	ChooseLocation LocationChoiceKind = "location" // one geo-location, by id
	ChooseCountry  LocationChoiceKind = "any"      // any location in a country or region ("any:DE")
	ChooseCheapest LocationChoiceKind = "cheapest" // wherever the tenant pays least
)

// LocationChoice is a parsed location field: an id, "any:DE" or "cheapest".
type LocationChoice struct {
	Kind       LocationChoiceKind
	LocationID string // ChooseLocation
	Country    string // ChooseCountry, upper case
}

// ParseLocationChoice parses the location field of the create form and of
// POST /api/v1/machines. EINVALID with the field "location".
func ParseLocationChoice(s string) (LocationChoice, error) {
	s = strings.TrimSpace(s)
	bad := Invalid(map[string]string{"location": `Choose a location, "any:" and a country code (e.g. any:DE), or "cheapest".`})
	switch {
	case strings.EqualFold(s, "cheapest"):
		return LocationChoice{Kind: ChooseCheapest}, nil
	case len(s) > 4 && strings.EqualFold(s[:4], "any:"):
		cc := strings.ToUpper(strings.TrimSpace(s[4:]))
		if !isCountryCode(cc) {
			return LocationChoice{}, bad
		}
		return LocationChoice{Kind: ChooseCountry, Country: cc}, nil
	case IsID(s):
		return LocationChoice{Kind: ChooseLocation, LocationID: strings.ToLower(s)}, nil
	}
	return LocationChoice{}, bad
}

// String is the form of c that ParseLocationChoice reads.
func (c LocationChoice) String() string {
	switch c.Kind {
	case ChooseCheapest:
		return "cheapest"
	case ChooseCountry:
		return "any:" + c.Country
	}
	return c.LocationID
}

// isCountryCode accepts two upper-case letters (ISO 3166-1 alpha-2).
func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// ParseResidency parses the data-residency field: "" (none) or a country
// code. EINVALID with the field "residency".
func ParseResidency(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" || isCountryCode(s) {
		return s, nil
	}
	return "", Invalid(map[string]string{"residency": "Enter a two-letter country code such as CH, or leave it empty."})
}

// AffinityGroup is a rule over a named group of the tenant's machines: keep
// the new machine on a site apart from (Anti) or together with the group's
// existing members. A hard rule excludes sites; a soft one only scores them.
type AffinityGroup struct {
	Name string
	Anti bool
	Hard bool
	// MemberSites holds the site id of each existing member (one entry per
	// machine, so a site may appear several times). Filled by the store.
	MemberSites []string
}

// ValidGroupName reports whether s may name an affinity group.
func ValidGroupName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// ValidateGroups checks the groups of a request: valid names, each at most
// once, at most MaxGroups. EINVALID with the field "groups".
func ValidateGroups(groups []AffinityGroup) error {
	if len(groups) > MaxGroups {
		return Invalid(map[string]string{"groups": fmt.Sprintf("A machine can be in at most %d groups.", MaxGroups)})
	}
	seen := map[string]bool{}
	for _, g := range groups {
		if !ValidGroupName(g.Name) {
			return Invalid(map[string]string{"groups": "A group name has 1 to 63 letters, digits, hyphens or underscores."})
		}
		if seen[g.Name] {
			return Invalid(map[string]string{"groups": "Name each group once."})
		}
		seen[g.Name] = true
	}
	return nil
}

// MaxGroups is how many affinity groups one machine may be in.
const MaxGroups = 5

func (g AffinityGroup) members(siteID string) int {
	n := 0
	for _, s := range g.MemberSites {
		if s == siteID {
			n++
		}
	}
	return n
}

func (g AffinityGroup) rule() string {
	s := "affinity"
	if g.Anti {
		s = "anti-affinity"
	}
	if g.Hard {
		return "hard " + s
	}
	return "soft " + s
}

// PlaceRequest is what is to be placed, for whom, and under which rules.
type PlaceRequest struct {
	TenantID  string
	ManageID  string // this manage instance's id (for sites dedicated to a manage instance)
	Shape     MachineShape
	Location  LocationChoice
	Residency string // country the data must stay in; "" for none
	Groups    []AffinityGroup
	// ImageSites are the sites where the machine's image is ready (see
	// ImageSites); nil places without looking at images. ImageName names
	// the image in messages.
	ImageSites map[string]bool
	ImageName  string
	// NetworkLocationID is the location of the networks the machine is to
	// have interfaces on ("" for none chosen): a machine's networks are in
	// its own location, so with "cheapest" or "any:XX" only sites there are
	// candidates.
	NetworkLocationID string
}

// SiteLoad is a site's size and what is on it, in the units placement uses.
type SiteLoad struct {
	Cores          int   // physical cores
	MemoryMiB      int64 // physical memory
	StorageGiB     int64
	UsedVCPUs      int // allocated to machines the site reports
	UsedMemoryMiB  int64
	UsedStorageGiB int64
	// Reserved is placed but not yet created (placement_reservations).
	ReservedVCPUs      int
	ReservedMemoryMiB  int64
	ReservedStorageGiB int64
}

// LoadFromCapacity turns a site's reported capacity into a SiteLoad.
func LoadFromCapacity(c SiteCapacity) SiteLoad {
	return SiteLoad{
		Cores: c.VCPUsTotal, MemoryMiB: c.MemoryTotalMiB, StorageGiB: c.StorageTotalGiB,
		UsedVCPUs: c.VCPUsAllocated, UsedMemoryMiB: c.MemoryAllocMiB, UsedStorageGiB: c.StorageTotalGiB - c.StorageFreeGiB,
	}
}

// Default overcommit and maintenance reserve of a site nobody configured.
const (
	DefaultCPURatio       = 4.0 // vCPUs per physical core
	DefaultMemoryRatio    = 1.0 // no memory overcommit
	DefaultReservePercent = 10  // of each resource, kept free for maintenance (a host evacuating)
)

// SiteSettings are a site's placement settings, set by the provider admin.
type SiteSettings struct {
	SiteID         string
	Tenancy        Tenancy
	CPURatio       float64
	MemoryRatio    float64
	ReservePercent int
}

// DefaultSiteSettings are the settings of a site nobody configured.
func DefaultSiteSettings(siteID string) SiteSettings {
	return SiteSettings{SiteID: siteID, Tenancy: Shared, CPURatio: DefaultCPURatio, MemoryRatio: DefaultMemoryRatio, ReservePercent: DefaultReservePercent}
}

// Validate returns EINVALID per wrong field.
func (s *SiteSettings) Validate() error {
	f := map[string]string{}
	if err := s.Tenancy.Validate(); err != nil {
		f["tenancy"] = ErrorFields(err)["tenancy"]
	}
	if s.CPURatio < 1 || s.CPURatio > 32 {
		f["cpu_ratio"] = "The vCPU overcommit is between 1 and 32 vCPUs per core, e.g. 4."
	}
	if s.MemoryRatio < 1 || s.MemoryRatio > 4 {
		f["memory_ratio"] = "The memory overcommit is between 1 and 4, e.g. 1 or 1.5."
	}
	if s.ReservePercent < 0 || s.ReservePercent > 90 {
		f["reserve_percent"] = "The maintenance reserve is between 0 and 90 percent."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// SiteCandidate is one site as the placement rules see it.
type SiteCandidate struct {
	SiteID          string
	SiteName        string
	LocationID      string
	LocationName    string
	Country         string
	LocationTenancy Tenancy
	SiteTenancy     Tenancy
	Enabled         bool // the provider takes new machines here
	Reachable       bool // manage can reach the site
	// CapacityUnknown is set for a healthy site that has not reported its
	// capacity yet: it takes machines without a capacity check.
	CapacityUnknown bool
	Load            SiteLoad
	CPURatio        float64 // vCPUs per core; 0 means DefaultCPURatio
	MemoryRatio     float64 // 0 means DefaultMemoryRatio
	ReservePercent  int
	// Hourly is what the tenant pays per hour for the shape at this
	// location (rate card, location multiplier, discount); Priced is false
	// when the tenant has no rate card.
	Hourly Money
	Priced bool
}

// Free is what the site can still take: capacity after overcommit, less the
// maintenance reserve, less what is used and reserved. It may be negative.
func (c *SiteCandidate) Free() (vcpus int, memoryMiB, storageGiB int64) {
	cpuR, memR := c.CPURatio, c.MemoryRatio
	if cpuR <= 0 {
		cpuR = DefaultCPURatio
	}
	if memR <= 0 {
		memR = DefaultMemoryRatio
	}
	keep := float64(100-c.ReservePercent) / 100
	l := c.Load
	vcpus = int(float64(l.Cores)*cpuR*keep) - l.UsedVCPUs - l.ReservedVCPUs
	memoryMiB = int64(float64(l.MemoryMiB)*memR*keep) - l.UsedMemoryMiB - l.ReservedMemoryMiB
	storageGiB = int64(float64(l.StorageGiB)*keep) - l.UsedStorageGiB - l.ReservedStorageGiB
	return
}

func (c *SiteCandidate) capacityMiB() int64 {
	memR := c.MemoryRatio
	if memR <= 0 {
		memR = DefaultMemoryRatio
	}
	return int64(float64(c.Load.MemoryMiB) * memR * float64(100-c.ReservePercent) / 100)
}

func (c *SiteCandidate) capacityVCPUs() int {
	cpuR := c.CPURatio
	if cpuR <= 0 {
		cpuR = DefaultCPURatio
	}
	return int(float64(c.Load.Cores) * cpuR * float64(100-c.ReservePercent) / 100)
}

// Exclusion says why a site was not chosen. The stages are checked in this
// order; a site is excluded by the first that fails.
type Exclusion string

const (
	ExclTenancy   Exclusion = "tenancy"   // dedicated to someone else (never named to the tenant)
	ExclLocation  Exclusion = "location"  // not the location or country chosen
	ExclResidency Exclusion = "residency" // outside the data-residency country
	ExclImage     Exclusion = "image"     // the site does not have the machine's image (ready)
	ExclDisabled  Exclusion = "disabled"  // the provider takes no new machines here, or the site is unreachable
	ExclAffinity  Exclusion = "affinity"  // a hard affinity or anti-affinity rule
	ExclCapacity  Exclusion = "capacity"  // not enough free vCPU, memory or storage
)

var exclusionStage = map[Exclusion]int{ExclTenancy: 0, ExclLocation: 1, ExclResidency: 2, ExclImage: 3, ExclDisabled: 4, ExclAffinity: 5, ExclCapacity: 6}

// SiteExclusion is one site that was not chosen, and why.
type SiteExclusion struct {
	SiteID       string    `json:"site_id"`
	SiteName     string    `json:"site_name"`
	LocationName string    `json:"location_name"`
	Reason       Exclusion `json:"reason"`
	Detail       string    `json:"detail"` // for the provider admin
}

// SiteScore is one site that fits, with its score (higher is better).
type SiteScore struct {
	SiteID       string  `json:"site_id"`
	SiteName     string  `json:"site_name"`
	LocationID   string  `json:"location_id"`
	LocationName string  `json:"location_name"`
	Score        float64 `json:"score"`
	Hourly       Money   `json:"hourly"`
	Priced       bool    `json:"priced"`
	Detail       string  `json:"detail"` // how the score came about (the best DetailedFitting only)

	parts scoreParts
}

// DetailedFitting is how many of the fitting sites, best first, get a Detail.
const DetailedFitting = 10

// scoreParts are the terms of a score, spelt out for the best sites only.
type scoreParts struct {
	price, headroom, dedicated float64
	priced                     bool
	groups                     []groupTerm
}

type groupTerm struct {
	name  string
	value float64
}

func (p scoreParts) String() string {
	var parts []string
	if p.priced {
		parts = append(parts, fmt.Sprintf("price %.1f", p.price))
	}
	parts = append(parts, fmt.Sprintf("headroom %.1f", p.headroom))
	if p.dedicated != 0 {
		parts = append(parts, fmt.Sprintf("dedicated %.1f", p.dedicated))
	}
	for _, g := range p.groups {
		parts = append(parts, fmt.Sprintf("group %s %+.1f", g.name, g.value))
	}
	return strings.Join(parts, ", ")
}

// PlaceDecision is the outcome of PlaceOnSite.
type PlaceDecision struct {
	Chosen   *SiteScore      // nil when nothing fits
	Fitting  []SiteScore     // every site that fits, best first (Chosen is the first)
	Excluded []SiteExclusion // in the order of the candidates
	Message  string          // when nothing fits: the one message for the tenant
}

// Weights of the score. Every fitting site gets up to priceWeight for its
// price (the cheapest fitting site the full weight, a site twice as dear
// half), up to headroomWeight for the share of its capacity still free after
// the machine is placed, and the affinity terms. "cheapest" weighs the price
// ten times as much, so price decides unless the prices are equal.
const (
	priceWeight         = 100.0
	cheapestPriceWeight = 1000.0
	headroomWeight      = 100.0
	dedicatedBonus      = 25.0  // a tenant's own (dedicated) capacity is used first
	softAntiPenalty     = 150.0 // per member of a soft anti-affinity group already on the site
	softAffinityBonus   = 150.0 // when a soft affinity group has a member on the site
)

// PlaceOnSite chooses the site for req among cands. The rules, in order:
//
//  1. Tenancy: a site is a candidate only if its location's tenancy and its
//     own allow the tenant; others are never named to the tenant, and their
//     capacity never counts for it.
//  2. The location choice: the chosen location, any location in the chosen
//     country, or (cheapest) any location.
//  3. Data residency: the location must be in the residency country.
//  4. The site must be enabled and reachable.
//  5. Hard rules: no member of a hard anti-affinity group on the site; a
//     member of each hard affinity group that has members.
//  6. Capacity: the shape fits in the site's free vCPUs, memory and storage
//     after overcommit, maintenance reserve, use and reservations.
//
// Fitting sites are scored (price, headroom after placement, dedicated
// capacity first, soft rules) and the best is chosen; ties go to the cheaper,
// then by site name. When nothing fits the error (ECONFLICT, or EINVALID for a
// location the tenant may not use) carries one message naming the nearest
// miss, and the decision still lists every exclusion.
func PlaceOnSite(req PlaceRequest, cands []SiteCandidate) (*PlaceDecision, error) {
	if req.Shape.VCPUs < 1 || req.Shape.MemoryMiB < 1 || req.Shape.DiskGiB < 0 {
		return &PlaceDecision{}, Errorf(EINVALID, "A machine needs at least 1 vCPU and some memory.")
	}
	d := &PlaceDecision{Excluded: make([]SiteExclusion, 0, len(cands))}
	fits := make([]int, 0, len(cands))
	// Remember what the tenant may know, for the message.
	visible, locKnown := 0, false
	locName := ""
	for i := range cands {
		c := &cands[i]
		reason, detail, _ := check(req, c)
		if reason != ExclTenancy {
			visible++
			if req.Location.Kind == ChooseLocation && c.LocationID == req.Location.LocationID {
				locKnown, locName = true, c.LocationName
			}
		}
		if reason != "" {
			d.Excluded = append(d.Excluded, SiteExclusion{SiteID: c.SiteID, SiteName: c.SiteName, LocationName: c.LocationName, Reason: reason, Detail: detail})
			continue
		}
		fits = append(fits, i)
	}
	if req.Location.Kind == ChooseLocation && !locKnown {
		d.Message = "Choose one of your locations."
		return d, Invalid(map[string]string{"location": d.Message})
	}
	if len(fits) == 0 {
		d.Message = nearestMiss(req, cands, d.Excluded, visible, locName)
		if req.NetworkLocationID != "" && visible > 0 && d.Message == networksElsewhere(req, cands) {
			// The choice of networks rules out every location: say so there.
			return d, Invalid(map[string]string{"networks": d.Message})
		}
		return d, Errorf(ECONFLICT, "%s", d.Message)
	}
	minPrice := Micros(-1)
	for _, i := range fits {
		if c := &cands[i]; c.Priced && (minPrice < 0 || c.Hourly.Amount < minPrice) {
			minPrice = c.Hourly.Amount
		}
	}
	pw := priceWeight
	if req.Location.Kind == ChooseCheapest {
		pw = cheapestPriceWeight
	}
	d.Fitting = make([]SiteScore, 0, len(fits))
	for _, i := range fits {
		c := &cands[i]
		s := SiteScore{SiteID: c.SiteID, SiteName: c.SiteName, LocationID: c.LocationID, LocationName: c.LocationName, Hourly: c.Hourly, Priced: c.Priced}
		parts := &s.parts
		// Price: the cheapest fitting site gets the full weight.
		if c.Priced {
			p := 1.0
			if c.Hourly.Amount > 0 {
				p = float64(max(minPrice, 0)) / float64(c.Hourly.Amount)
			}
			s.Score += pw * p
			parts.price, parts.priced = pw*p, true
		}
		// Headroom: the share of memory (60 %) and vCPU (40 %) still free afterwards.
		fv, fm, _ := c.Free()
		h := 0.0
		if c.CapacityUnknown {
			// no headroom to speak of
		} else if cm := c.capacityMiB(); cm > 0 {
			h += 0.6 * float64(fm-int64(req.Shape.MemoryMiB)) / float64(cm)
		}
		if cv := c.capacityVCPUs(); cv > 0 && !c.CapacityUnknown {
			h += 0.4 * float64(fv-req.Shape.VCPUs) / float64(cv)
		}
		s.Score += headroomWeight * h
		parts.headroom = headroomWeight * h
		if c.LocationTenancy.Dedicated() || c.SiteTenancy.Dedicated() {
			s.Score += dedicatedBonus
			parts.dedicated = dedicatedBonus
		}
		for _, g := range req.Groups {
			if g.Hard {
				continue
			}
			n := g.members(c.SiteID)
			switch {
			case g.Anti && n > 0:
				s.Score -= softAntiPenalty * float64(n)
				parts.groups = append(parts.groups, groupTerm{g.Name, -softAntiPenalty * float64(n)})
			case !g.Anti && n > 0:
				s.Score += softAffinityBonus
				parts.groups = append(parts.groups, groupTerm{g.Name, softAffinityBonus})
			}
		}
		s.Score = float64(int64(s.Score*100+0.5*sign(s.Score))) / 100
		d.Fitting = append(d.Fitting, s)
	}
	sort.SliceStable(d.Fitting, func(i, j int) bool {
		a, b := &d.Fitting[i], &d.Fitting[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Priced && b.Priced && a.Hourly.Amount != b.Hourly.Amount {
			return a.Hourly.Amount < b.Hourly.Amount
		}
		if a.SiteName != b.SiteName {
			return a.SiteName < b.SiteName
		}
		return a.SiteID < b.SiteID
	})
	for i := range d.Fitting[:min(len(d.Fitting), DetailedFitting)] {
		d.Fitting[i].Detail = d.Fitting[i].parts.String()
	}
	d.Chosen = &d.Fitting[0]
	return d, nil
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

// check returns why c cannot take req, or "" if it can.
func check(req PlaceRequest, c *SiteCandidate) (Exclusion, string, *AffinityGroup) {
	if !c.LocationTenancy.Allows(req.TenantID, req.ManageID) {
		return ExclTenancy, "the location is dedicated to " + tenancyWho(c.LocationTenancy), nil
	}
	if !c.SiteTenancy.Allows(req.TenantID, req.ManageID) {
		return ExclTenancy, "the site is dedicated to " + tenancyWho(c.SiteTenancy), nil
	}
	switch req.Location.Kind {
	case ChooseLocation:
		if c.LocationID != req.Location.LocationID {
			return ExclLocation, "not the chosen location", nil
		}
	case ChooseCountry:
		if c.Country != req.Location.Country {
			return ExclLocation, notIn(req.Location.Country), nil
		}
	}
	if req.NetworkLocationID != "" && c.LocationID != req.NetworkLocationID {
		return ExclLocation, "not the location of the chosen networks", nil
	}
	if req.Residency != "" && c.Country != req.Residency {
		return ExclResidency, "outside " + req.Residency + " (data residency)", nil
	}
	if req.ImageSites != nil && !req.ImageSites[c.SiteID] {
		return ExclImage, "the image is not at this site yet", nil
	}
	if !c.Enabled {
		return ExclDisabled, "the site is disabled", nil
	}
	if !c.Reachable {
		return ExclDisabled, "the site cannot be reached", nil
	}
	for gi, g := range req.Groups {
		if !g.Hard {
			continue
		}
		n := g.members(c.SiteID)
		if g.Anti && n > 0 {
			return ExclAffinity, fmt.Sprintf("holds %d machine(s) of group %s (hard anti-affinity)", n, g.Name), &req.Groups[gi]
		}
		if !g.Anti && len(g.MemberSites) > 0 && n == 0 {
			return ExclAffinity, fmt.Sprintf("holds no machine of group %s (hard affinity)", g.Name), &req.Groups[gi]
		}
	}
	if c.CapacityUnknown {
		return "", "", nil
	}
	fv, fm, fs := c.Free()
	var short []string
	if fv < req.Shape.VCPUs {
		short = append(short, fmt.Sprintf("needs %d vCPUs, %d free", req.Shape.VCPUs, max(fv, 0)))
	}
	if fm < int64(req.Shape.MemoryMiB) {
		short = append(short, fmt.Sprintf("needs %s memory, %s free", sizeMiB(int64(req.Shape.MemoryMiB)), sizeMiB(max(fm, 0))))
	}
	if fs < int64(req.Shape.DiskGiB) {
		short = append(short, fmt.Sprintf("needs %d GiB storage, %d GiB free", req.Shape.DiskGiB, max(fs, 0)))
	}
	if len(short) > 0 {
		return ExclCapacity, strings.Join(short, "; "), nil
	}
	return "", "", nil
}

// networksElsewhere is the message when the chosen networks' location is
// not among the places the location choice allows.
func networksElsewhere(req PlaceRequest, cands []SiteCandidate) string {
	name := ""
	for i := range cands {
		if c := &cands[i]; c.LocationID == req.NetworkLocationID && c.LocationTenancy.Allows(req.TenantID, req.ManageID) {
			name = c.LocationName
			break
		}
	}
	switch {
	case name == "":
		return "The chosen networks are in a location that takes no machines for you; choose other networks."
	case req.Location.Kind == ChooseCountry:
		return fmt.Sprintf("The chosen networks are in %s, which is not in %s; choose networks in %s or another location.", name, req.Location.Country, req.Location.Country)
	}
	return fmt.Sprintf("The chosen networks are in %s; choose networks in the machine's location.", name)
}

// notIn is the detail of a site outside the chosen country.
func notIn(cc string) string { return "not in " + cc }

func tenancyWho(t Tenancy) string {
	if t.Kind == TenancyManage {
		return "manage instance " + t.ManageID
	}
	return "tenant " + t.TenantID
}

// sizeMiB shows memory in GiB, with one decimal when it is not whole.
func sizeMiB(m int64) string {
	if m%1024 == 0 {
		return fmt.Sprintf("%d GiB", m/1024)
	}
	return fmt.Sprintf("%.1f GiB", float64(m)/1024)
}

// nearestMiss builds the one message a tenant gets when nothing fits. It
// looks at the sites the tenant may use that got furthest through the rules
// and, for capacity, names the location that came closest.
func nearestMiss(req PlaceRequest, cands []SiteCandidate, excl []SiteExclusion, visible int, locName string) string {
	if visible == 0 {
		return "No location is available to you yet; ask your provider."
	}
	where := ""
	switch req.Location.Kind {
	case ChooseLocation:
		where = " in " + locName
	case ChooseCountry:
		where = " in " + req.Location.Country
	}
	if req.NetworkLocationID != "" {
		for i := range cands {
			if cands[i].LocationID == req.NetworkLocationID {
				where = " in " + cands[i].LocationName // where the networks are
				break
			}
		}
	}
	byID := make(map[string]*SiteCandidate, len(cands))
	for i := range cands {
		byID[cands[i].SiteID] = &cands[i]
	}
	furthest := -1
	for _, e := range excl {
		if e.Reason != ExclTenancy && exclusionStage[e.Reason] > furthest {
			furthest = exclusionStage[e.Reason]
		}
	}
	var at []*SiteCandidate
	var atExcl []SiteExclusion
	for _, e := range excl {
		if e.Reason != ExclTenancy && exclusionStage[e.Reason] == furthest {
			at = append(at, byID[e.SiteID])
			atExcl = append(atExcl, e)
		}
	}
	// "shared" or "dedicated" when all the sites in question are one kind.
	adj := ""
	shared, dedicated := 0, 0
	for _, c := range at {
		if c.LocationTenancy.Dedicated() || c.SiteTenancy.Dedicated() {
			dedicated++
		} else {
			shared++
		}
	}
	switch {
	case dedicated == 0:
		adj = "shared "
	case shared == 0:
		adj = "dedicated "
	}
	switch atExcl[0].Reason {
	case ExclDisabled:
		if req.Location.Kind == ChooseLocation {
			return locName + " takes no new machines at the moment; choose another location."
		}
		return fmt.Sprintf("No %slocation%s takes new machines at the moment.", adj, where)
	case ExclLocation:
		if req.NetworkLocationID != "" {
			return networksElsewhere(req, cands)
		}
		return fmt.Sprintf("You have no location%s.", where)
	case ExclImage:
		if req.Location.Kind == ChooseLocation {
			return fmt.Sprintf("%s is not available in %s yet; choose another location or image.", req.ImageName, locName)
		}
		return fmt.Sprintf("No %slocation%s has %s yet; choose another image.", adj, where, req.ImageName)
	case ExclResidency:
		if req.Location.Kind == ChooseLocation {
			return fmt.Sprintf("%s is not in %s, where the data must stay.", locName, req.Residency)
		}
		return fmt.Sprintf("No %slocation%s is in %s, where the data must stay.", adj, where, req.Residency)
	case ExclAffinity:
		_, _, g := check(req, at[0])
		if g.Anti {
			return fmt.Sprintf("Every %slocation%s already holds a machine of group %s, which must be kept apart (hard anti-affinity).", adj, where, g.Name)
		}
		return fmt.Sprintf("No %slocation%s that takes new machines holds a machine of group %s, which must stay together (hard affinity).", adj, where, g.Name)
	}
	// Capacity: the site whose worst shortfall is smallest.
	var best *SiteCandidate
	bestGap, bestRes := 0.0, ""
	var bestNeed, bestHave string
	for _, c := range at {
		fv, fm, fs := c.Free()
		gap, res, need, have := 0.0, "", "", ""
		if g := float64(req.Shape.MemoryMiB-int(max(fm, 0))) / float64(req.Shape.MemoryMiB); g > gap {
			gap, res, need, have = g, "memory", sizeMiB(int64(req.Shape.MemoryMiB))+" of memory", sizeMiB(max(fm, 0))
		}
		if g := float64(req.Shape.VCPUs-max(fv, 0)) / float64(req.Shape.VCPUs); g > gap {
			gap, res, need, have = g, "vcpu", fmt.Sprintf("%d vCPUs", req.Shape.VCPUs), fmt.Sprintf("%d", max(fv, 0))
		}
		if req.Shape.DiskGiB > 0 {
			if g := float64(int64(req.Shape.DiskGiB)-max(fs, 0)) / float64(req.Shape.DiskGiB); g > gap {
				gap, res, need, have = g, "storage", fmt.Sprintf("%d GiB of storage", req.Shape.DiskGiB), fmt.Sprintf("%d GiB", max(fs, 0))
			}
		}
		if best == nil || gap < bestGap || gap == bestGap && c.LocationName < best.LocationName {
			best, bestGap, bestRes, bestNeed, bestHave = c, gap, res, need, have
		}
	}
	_ = bestRes
	if req.Location.Kind == ChooseLocation {
		return fmt.Sprintf("%s does not have %s free; it has %s.", locName, bestNeed, bestHave)
	}
	return fmt.Sprintf("No %slocation%s has %s free; %s has %s.", adj, where, bestNeed, best.LocationName, bestHave)
}

// PlacementRecord is a decision as kept with a machine and shown to the
// provider admin.
type PlacementRecord struct {
	MachineID  string
	TenantID   string
	TenantName string
	SiteID     string
	SiteName   string
	LocationID string
	Request    string // the location choice, residency and groups, as the tenant gave them
	Score      float64
	Hourly     Money
	Fitting    []SiteScore
	Excluded   []SiteExclusion
	CreatedAt  time.Time
}

// PlacementRecordFilter selects placement decisions.
// FindDecisions requires TenantID; FindAllDecisions ignores it.
type PlacementRecordFilter struct {
	TenantID string
	Limit    int
	Cursor   string
}

// Describe shows the request's rules as the tenant gave them, for the record:
// "location any:DE, residency CH, group web (hard anti-affinity)".
func (r PlaceRequest) Describe() string {
	parts := []string{"location " + r.Location.String()}
	if r.Residency != "" {
		parts = append(parts, "residency "+r.Residency)
	}
	for _, g := range r.Groups {
		parts = append(parts, "group "+g.Name+" ("+g.rule()+")")
	}
	return strings.Join(parts, ", ")
}

// PlacementService decides and reserves (adapters/postgres). Methods that
// take a tenant id fail EINTERNAL without one (RequireTenant); the provider
// admin reads every tenant's decisions through the methods named for it.
type PlacementService interface {
	// Place runs PlaceOnSite over cands for machineID and, in the same
	// transaction, reserves the capacity on the chosen site, records the
	// machine in its affinity groups and keeps the decision. It fills the
	// groups' member sites and the sites' reservations itself, so that
	// parallel calls never over-commit a site nor break a hard rule.
	// EINVALID, ECONFLICT (nothing fits: the message names the nearest miss).
	Place(ctx context.Context, machineID string, req PlaceRequest, cands []SiteCandidate) (*PlaceDecision, error)
	// Fill returns a copy of cands with the stored tenancy, settings and
	// reservations (what Place and Preview use), for showing free capacity.
	Fill(ctx context.Context, cands []SiteCandidate) ([]SiteCandidate, error)
	// Preview runs the same rules without reserving anything.
	Preview(ctx context.Context, req PlaceRequest, cands []SiteCandidate) (*PlaceDecision, error)
	// ReleaseReservation frees a machine's reserved capacity once the site
	// has created it (the site's own figures count it from then on). The
	// machine stays in its groups. Releasing twice is fine.
	ReleaseReservation(ctx context.Context, tenantID, machineID string) error
	// RemoveMachine frees the reservation and group memberships of a machine
	// that failed or was deleted.
	RemoveMachine(ctx context.Context, tenantID, machineID string) error
	// Cancel undoes a placement whose machine was not created after all
	// (refused by quota, a name taken): reservation, groups and decision go.
	Cancel(ctx context.Context, tenantID, machineID string) error
	// FindDecision returns the placement record of tenantID's machine.
	// ENOTFOUND, EINTERNAL without a tenant id.
	FindDecision(ctx context.Context, tenantID, machineID string) (*PlacementRecord, error)
	// FindDecisionAnyTenant returns a machine's placement record whichever
	// tenant it belongs to: for the provider admin only. ENOTFOUND.
	FindDecisionAnyTenant(ctx context.Context, machineID string) (*PlacementRecord, error)
	// FindDecisions returns a page of f.TenantID's decisions, newest first.
	// EINVALID (cursor), EINTERNAL without a tenant id.
	FindDecisions(ctx context.Context, f PlacementRecordFilter) ([]*PlacementRecord, string, error)
	// FindAllDecisions returns a page of every tenant's decisions, newest
	// first: for the provider admin only. EINVALID (cursor).
	FindAllDecisions(ctx context.Context, f PlacementRecordFilter) ([]*PlacementRecord, string, error)
	// SiteSettings returns the settings of the sites (defaults for those
	// never set), by site id.
	SiteSettings(ctx context.Context, siteIDs []string) (map[string]SiteSettings, error)
	// SetSiteSettings stores s. EINVALID.
	SetSiteSettings(ctx context.Context, s SiteSettings) error
	// LocationTenancies returns the tenancy of each location (Shared for
	// those never set), by location id.
	LocationTenancies(ctx context.Context, locationIDs []string) (map[string]Tenancy, error)
	// SetLocationTenancy stores a location's tenancy. EINVALID.
	SetLocationTenancy(ctx context.Context, locationID string, t Tenancy) error
}
