package handlers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"tessera/domain"
)

// tenantChoices is what a tenant may pick when creating a machine.
type tenantChoices struct {
	Locations []*domain.GeoLocation
	Flavors   []*domain.Flavor
	Images    []*domain.MachineImage
	// ImageSites are the sites where each image (by id) is ready; nil when
	// manage knows no sites (no location service), which limits nothing.
	ImageSites map[string]map[string]bool
	Sites      []*domain.Site
}

// tenantLocations returns the geo-locations tenantID may use, by name.
func (a *App) tenantLocations(ctx context.Context, tenantID string) ([]*domain.GeoLocation, error) {
	if a.Locations == nil {
		return nil, nil
	}
	ids, err := a.Catalogue.TenantLocationIDs(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	all, err := a.Locations.FindLocations(ctx)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, id := range ids {
		ok[id] = true
	}
	var out []*domain.GeoLocation
	for _, l := range all {
		if ok[l.ID] {
			out = append(out, l)
		}
	}
	return a.visibleLocations(ctx, tenantID, out) // never another's dedicated location (issue 8)
}

func (a *App) choices(ctx context.Context, tenantID string) (*tenantChoices, error) {
	var c tenantChoices
	var err error
	if c.Locations, err = a.tenantLocations(ctx, tenantID); err != nil {
		return nil, err
	}
	if c.Flavors, err = a.Catalogue.TenantFlavors(ctx, tenantID); err != nil {
		return nil, err
	}
	if c.Images, err = a.Catalogue.TenantImages(ctx, tenantID); err != nil {
		return nil, err
	}
	if err := a.imageSites(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// imageSites fills in where each of c's images is ready: at the enabled
// sites whose inventory lists its template or where its published replica
// is ready (a tenant's own image: its site).
func (a *App) imageSites(ctx context.Context, c *tenantChoices) error {
	if a.Locations == nil {
		return nil
	}
	sites, err := a.Locations.FindSites(ctx, "")
	if err != nil {
		return err
	}
	var ready map[string]map[string]bool
	if a.Storage != nil && a.Storage.Images != nil {
		reps, err := a.Storage.Images.Replicas(ctx, "")
		if err != nil {
			return err
		}
		ready = domain.ReadyTemplates(reps)
	}
	c.Sites, c.ImageSites = sites, map[string]map[string]bool{}
	for _, img := range c.Images {
		c.ImageSites[img.ID] = domain.ImageSites(img, sites, ready)
	}
	return nil
}

// imageLocations returns the tenant's locations (ids, in c's order) where
// image img is ready.
func (c *tenantChoices) imageLocations(img *domain.MachineImage) []*domain.GeoLocation {
	if c.ImageSites == nil {
		return c.Locations
	}
	at := domain.SiteLocations(c.ImageSites[img.ID], c.Sites)
	var out []*domain.GeoLocation
	for _, l := range c.Locations {
		if at[l.ID] {
			out = append(out, l)
		}
	}
	return out
}

// checkImageAt returns the image field's error when img is not ready in
// locationID, naming the tenant's locations where it is.
func (c *tenantChoices) checkImageAt(img *domain.MachineImage, locationID string) error {
	if c.ImageSites == nil || img == nil || locationID == "" {
		return nil
	}
	var elsewhere []string
	locName := locationID
	for _, l := range c.imageLocations(img) {
		if l.ID == locationID {
			return nil
		}
		elsewhere = append(elsewhere, l.Name)
	}
	for _, l := range c.Locations {
		if l.ID == locationID {
			locName = l.Name
		}
	}
	return domain.ImageNotAvailable(img.Name, locName, elsewhere)
}

// locationNames maps location ids to names for lists.
func (a *App) locationNames(ctx context.Context) map[string]string {
	out := map[string]string{}
	if a.Locations == nil {
		return out
	}
	ls, err := a.Locations.FindLocations(ctx)
	if err != nil {
		return out
	}
	for _, l := range ls {
		out[l.ID] = l.Name
	}
	return out
}

// resolve finds a choice by id or (case-insensitive) name; "" if none.
func (c *tenantChoices) location(v string) string {
	for _, l := range c.Locations {
		if l.ID == v || strings.EqualFold(l.Name, v) {
			return l.ID
		}
	}
	return ""
}

func (c *tenantChoices) flavor(v string) *domain.Flavor {
	for _, f := range c.Flavors {
		if f.ID == v || strings.EqualFold(f.Name, v) {
			return f
		}
	}
	return nil
}

func (c *tenantChoices) image(v string) *domain.MachineImage {
	for _, i := range c.Images {
		if i.ID == v || strings.EqualFold(i.Name, v) {
			return i
		}
	}
	return nil
}

// imagePlace is what placement needs of the chosen image: the sites where
// it is ready (nil: anywhere) and its name.
type imagePlace struct {
	Sites map[string]bool
	Name  string
}

func (c *tenantChoices) placeImage(img *domain.MachineImage) imagePlace {
	if img == nil || c.ImageSites == nil {
		return imagePlace{}
	}
	return imagePlace{Sites: c.ImageSites[img.ID], Name: img.Name}
}

// createMachine resolves the request's choices (ids or names), creates the
// machine and its operation, and records the action in the audit log.
// networks are the tenant's network ids for the machine's interfaces; none
// gives it the location's default network, made at first use.
func (a *App) createMachine(r *http.Request, name, location, flavor, image, idemKey string, networks []string) (*domain.Machine, bool, error) {
	p := PrincipalFrom(r.Context())
	ctx := r.Context()
	c, err := a.choices(ctx, p.Tenant.ID)
	if err != nil {
		return nil, false, err
	}
	req := domain.MachineCreate{
		TenantID: p.Tenant.ID, Name: strings.TrimSpace(name), IdempotencyKey: idemKey,
		LocationID: c.location(location),
		UserID:     p.User.ID, Actor: p.User.Login,
	}
	f, i := c.flavor(flavor), c.image(image)
	if f != nil {
		req.FlavorID = f.ID
	}
	if i != nil {
		req.ImageID = i.ID
	}
	// An image is offered only where it is ready (issue 9).
	if err := c.checkImageAt(i, req.LocationID); err != nil {
		// Report the other fields' plain mistakes with it, at once.
		fields := domain.ErrorFields(err)
		if msg := domain.ValidateMachineName(req.Name); msg != "" {
			fields["name"] = msg
		}
		if f == nil {
			fields["flavor"] = "Choose one of the sizes offered."
		}
		err = domain.Invalid(fields)
		a.auditAction(r, p.Tenant.ID, "machine.create", req.Name, err)
		return nil, false, err
	}
	// The chosen networks decide the location: "cheapest" or "any:XX"
	// looks only where they are.
	netLoc, err := a.networksLocation(ctx, p.Tenant.ID, networks)
	if err != nil {
		a.auditAction(r, p.Tenant.ID, "machine.create", req.Name, err)
		return nil, false, err
	}
	// Choose the site first: placement (issue 8) reads other tables and
	// reserves in its own transaction; the create's below holds the quota lock.
	cancel, err := a.placeMachine(r, &req, location, netLoc, placementShape(c, flavor, image), c.placeImage(i))
	if err != nil {
		a.auditAction(r, p.Tenant.ID, "machine.create", req.Name, err)
		return nil, false, err
	}
	if err := a.machineNetworks(ctx, &req, networks); err != nil {
		cancel()
		a.auditAction(r, p.Tenant.ID, "machine.create", req.Name, err)
		return nil, false, err
	}
	m, created, err := a.Machines.CreateMachine(ctx, req)
	if err != nil || !created {
		cancel() // refused, or an idempotent retry: the placement is not needed
	}
	if err == nil && !created {
		return m, false, nil // an idempotent retry: nothing new happened
	}
	target := req.Name
	a.auditAction(r, p.Tenant.ID, "machine.create", target, err)
	return m, created, err
}

// networksLocation returns the location of the tenant's networks among ids
// ("" when none is given or known; the create reports unknown ones), or a
// field error naming them when they are in more than one location.
func (a *App) networksLocation(ctx context.Context, tenantID string, ids []string) (string, error) {
	if a.Storage == nil || a.Storage.Networks == nil {
		return "", nil
	}
	var nets []*domain.Network
	for _, id := range ids {
		if id = strings.TrimSpace(id); !domain.IsID(id) {
			continue
		}
		n, err := a.Storage.Networks.Network(ctx, tenantID, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return "", err
		}
		nets = append(nets, n)
	}
	if len(nets) < 2 {
		if len(nets) == 1 {
			return nets[0].LocationID, nil
		}
		return "", nil
	}
	return domain.NetworksLocation(nets, a.locationNames(ctx))
}

// machineNetworks puts the chosen networks on req, or the location's
// default network when none was chosen. The default network is made (at the
// site) before the create's transaction, and only for a request that names
// a machine, a size, an image and a location and passes the create's own
// checks (name taken, allow-lists, quota, site), so a create that is
// refused makes nothing and does not wait on the site first.
func (a *App) machineNetworks(ctx context.Context, req *domain.MachineCreate, networks []string) error {
	for _, n := range networks {
		if n = strings.TrimSpace(n); n != "" {
			req.NetworkIDs = append(req.NetworkIDs, n)
		}
	}
	if len(req.NetworkIDs) > 0 || a.Storage == nil || req.LocationID == "" || req.FlavorID == "" || req.ImageID == "" || domain.ValidateMachineName(req.Name) != "" {
		return nil
	}
	if c, ok := a.Machines.(domain.MachineCreateChecker); ok {
		if err := c.CheckMachineCreate(ctx, *req); err != nil {
			return err
		}
	}
	n, err := a.Storage.DefaultNetwork(ctx, req.TenantID, req.LocationID)
	if err != nil {
		return err
	}
	req.NetworkIDs = []string{n.ID}
	return nil
}

// machineAction starts action on machine id of the principal's tenant and
// records it in the audit log.
func (a *App) machineAction(r *http.Request, id string, action domain.MachineAction, flavor string) (*domain.Machine, error) {
	p := PrincipalFrom(r.Context())
	if action == domain.ActionResize {
		if c, err := a.choices(r.Context(), p.Tenant.ID); err == nil {
			if f := c.flavor(flavor); f != nil {
				flavor = f.ID
			} else {
				flavor = ""
			}
		}
	}
	m, _, err := a.Machines.RequestAction(r.Context(), p.Tenant.ID, id, action, flavor, p.User.ID, p.User.Login)
	target := id
	if m != nil {
		target = m.Name
	}
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		a.auditAction(r, p.Tenant.ID, "machine."+string(action), target, err)
	}
	return m, err
}

// quote prices a shape for the tenant at a location; nil when no pricer is
// configured or the price cannot be had (the page then says so).
func (a *App) quote(ctx context.Context, tenantID, locationID string, shape domain.MachineShape) *domain.Quote {
	if a.Pricer == nil || locationID == "" {
		return nil
	}
	q, err := a.Pricer.QuoteMachine(ctx, tenantID, locationID, shape)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			a.Log.ErrorContext(ctx, "quote", "err", err)
		}
		return nil
	}
	return q
}

// quoteCache prices many machines of one tenant, once per distinct shape.
type quoteCache struct {
	a        *App
	tenantID string
	m        map[string]*domain.Quote
}

func (a *App) newQuoteCache(tenantID string) *quoteCache {
	return &quoteCache{a: a, tenantID: tenantID, m: map[string]*domain.Quote{}}
}

func (q *quoteCache) machine(ctx context.Context, m *domain.Machine) *domain.Quote {
	k := m.LocationID + "|" + m.FlavorID + "|" + m.ImageID
	if v, ok := q.m[k]; ok {
		return v
	}
	v := q.a.quote(ctx, q.tenantID, m.LocationID, m.Shape())
	q.m[k] = v
	return v
}

// costSoFar is the machine's cost this month; nil while billing is missing.
func (a *App) costSoFar(ctx context.Context, m *domain.Machine) *domain.Money {
	if a.Costs == nil {
		return nil
	}
	c, err := a.Costs.CostSoFar(ctx, m.TenantID, m.ID, domain.MonthStart(time.Now()))
	if err != nil {
		return nil
	}
	return c
}

// deleteMachine deletes machine id of the principal's tenant; disks is
// "keep" (or "") or "delete", for its attached disks (issue 9).
func (a *App) deleteMachine(r *http.Request, id, disks string) (*domain.Machine, error) {
	choice, err := domain.ParseDiskChoice(disks)
	if err != nil {
		return nil, err
	}
	md, ok := a.Machines.(domain.MachineDeleter)
	if !ok || choice == domain.KeepDisks {
		return a.machineAction(r, id, domain.ActionDelete, "")
	}
	p := PrincipalFrom(r.Context())
	m, _, err := md.RequestDelete(r.Context(), p.Tenant.ID, id, choice, p.User.ID, p.User.Login)
	target := id
	if m != nil {
		target = m.Name
	}
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		a.auditAction(r, p.Tenant.ID, "machine.delete", target+" (disks: "+string(choice)+")", err)
	}
	return m, err
}
