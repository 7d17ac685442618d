package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// HandleMachineIndex lists the tenant's machines; while one is busy the
// table polls itself every 2 s.
func (a *App) HandleMachineIndex(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	f, err := machineFilter(r, p.Tenant.ID)
	if err != nil {
		f = domain.MachineFilter{TenantID: p.Tenant.ID}
	}
	ms, next, err := a.Machines.FindMachines(r.Context(), f)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	busy, err := a.Machines.AnyTransitional(r.Context(), p.Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	locs := a.locationNames(r.Context())
	qc := a.newQuoteCache(p.Tenant.ID)
	props := views.MachineListProps{Next: next, Query: f.Query, Sort: string(f.Sort), Busy: busy, CanWrite: p.User.Role.CanWrite()}
	if f.Status != nil {
		props.Status = string(*f.Status)
	}
	props.Filtered = f.Query != "" || f.Status != nil
	for _, m := range ms {
		props.Rows = append(props.Rows, views.MachineRow{M: m, Location: locs[m.LocationID], Quote: qc.machine(r.Context(), m)})
	}
	q := url.Values{}
	for _, k := range []string{"q", "status", "sort", "limit"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	sq := url.Values{}
	for _, k := range []string{"q", "status", "limit"} {
		if v := q.Get(k); v != "" {
			sq.Set(k, v)
		}
	}
	props.SortBase = "/machines?" + sq.Encode()
	if len(sq) > 0 {
		props.SortBase += "&"
	}
	props.NextBase = "/machines?" + q.Encode()
	if len(q) > 0 {
		props.NextBase += "&"
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	props.SelfURL = "/machines?" + q.Encode()
	a.page(w, r, http.StatusOK, "Machines", "machines", views.MachineList(props))
}

// HandleMachineNew shows the create form with the first choices picked.
// The form's htmx requests send its current choices, so the image cards
// follow the chosen location.
func (a *App) HandleMachineNew(w http.ResponseWriter, r *http.Request) {
	v := map[string]string{}
	for _, k := range []string{"location", "flavor", "image"} {
		if x := r.URL.Query().Get(k); x != "" {
			v[k] = x
		}
	}
	a.renderMachineNew(w, r, http.StatusOK, views.Form{Values: v})
}

func (a *App) renderMachineNew(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	p := PrincipalFrom(r.Context())
	c, err := a.choices(r.Context(), p.Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	if f.Values["location"] == "" && len(c.Locations) > 0 {
		f.Values["location"] = c.Locations[0].ID
	}
	if f.Values["flavor"] == "" && len(c.Flavors) > 0 {
		f.Values["flavor"] = c.Flavors[0].ID
	}
	locID := c.location(f.Values["location"])
	if f.Values["image"] == "" && len(c.Images) > 0 {
		f.Values["image"] = c.Images[0].ID
		for _, i := range c.Images { // the first image ready where the machine goes
			if c.checkImageAt(i, locID) == nil {
				f.Values["image"] = i.ID
				break
			}
		}
	}
	props := views.MachineFormProps{Form: f, Locations: c.Locations, Flavors: c.Flavors, Images: c.Images}
	props.Networks, props.Chosen = a.networkChoices(r, c.Locations, locID) // issue 9
	// Where each image is ready (issue 9).
	if c.ImageSites != nil {
		props.ImageLocations = map[string][]string{}
		for _, i := range c.Images {
			for _, l := range c.imageLocations(i) {
				props.ImageLocations[i.ID] = append(props.ImageLocations[i.ID], l.Name)
			}
		}
		if locID != "" {
			props.ImageHere = map[string]bool{}
			for _, i := range c.Images {
				props.ImageHere[i.ID] = c.checkImageAt(i, locID) == nil
			}
			for _, l := range c.Locations {
				if l.ID == locID {
					props.LocationName = l.Name
				}
			}
		}
	}
	props.Quote = a.formQuote(r, c, f.Values)
	props.Placement, props.Countries = a.placementPreview(r, c, f.Values), placementCountries(c.Locations) // issue 8
	a.page(w, r, status, "Create machine", "machines", views.MachineNew(props))
}

func (a *App) formQuote(r *http.Request, c *tenantChoices, v map[string]string) *domain.Quote {
	fl := c.flavor(v["flavor"])
	loc := c.location(v["location"])
	if pv := a.placementPreview(r, c, v); loc == "" && pv != nil { // "cheapest", "any:DE": where placement puts it
		loc = pv.LocationID
	}
	img := c.image(v["image"])
	if fl == nil || loc == "" || img == nil {
		return nil
	}
	return a.quote(r.Context(), PrincipalFrom(r.Context()).Tenant.ID, loc, domain.MachineShape{VCPUs: fl.VCPUs, MemoryMiB: fl.MemoryMiB, DiskGiB: fl.DiskGiB, ImageID: img.PriceKey()})
}

// networkChoices groups the tenant's networks by the locations offered,
// with the ids the form sent ticked.
// With a location chosen (locID) only its networks are offered, as only
// they fit; with "cheapest" or "any:XX" every location's are, and the
// networks ticked decide where the machine goes.
func (a *App) networkChoices(r *http.Request, locs []*domain.GeoLocation, locID string) ([]views.NetworkGroup, map[string]bool) {
	chosen := map[string]bool{}
	// The form posted, or its htmx redraw's query; a bad query only means
	// nothing is ticked.
	_ = r.ParseForm()
	for _, id := range r.Form["networks"] {
		chosen[id] = true
	}
	if a.Storage == nil {
		return nil, chosen
	}
	nets, _, err := a.Storage.Networks.Networks(r.Context(), domain.NetworkFilter{TenantID: PrincipalFrom(r.Context()).Tenant.ID, Limit: 200})
	if err != nil {
		a.Log.ErrorContext(r.Context(), "networks for the create form", "err", err)
		return nil, chosen
	}
	var out []views.NetworkGroup
	for _, l := range locs {
		if locID != "" && l.ID != locID {
			continue
		}
		g := views.NetworkGroup{Location: l.Name}
		for i := len(nets) - 1; i >= 0; i-- { // oldest first: the default leads
			if n := nets[i]; n.LocationID == l.ID {
				g.Networks = append(g.Networks, n)
				g.HasDefault = g.HasDefault || n.Default
			}
		}
		out = append(out, g)
	}
	return out, chosen
}

// machineInterfaces is the machine page's list of network interfaces.
func (a *App) machineInterfaces(r *http.Request, machineID string) []*domain.MachineInterface {
	if a.Storage == nil {
		return nil
	}
	nics, err := a.Storage.Networks.MachineInterfaces(r.Context(), PrincipalFrom(r.Context()).Tenant.ID, machineID)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "machine interfaces", "err", err)
	}
	return nics
}

// HandleMachinePrice renders the price panel for the form's current choices
// (the create form asks for it through htmx on every change).
func (a *App) HandleMachinePrice(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	c, err := a.choices(r.Context(), p.Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	render(w, r, http.StatusOK, views.PricePanel(a.formQuote(r, c, map[string]string{"location": q.Get("location"), "flavor": q.Get("flavor"), "image": q.Get("image"), "residency": q.Get("residency"), "group": q.Get("group"), "group_rule": q.Get("group_rule")})))
}

// HandleMachineCreate creates a machine from the form.
func (a *App) HandleMachineCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "location", "flavor", "image", "residency", "group", "group_rule")
	m, _, err := a.createMachine(r, v["name"], v["location"], v["flavor"], v["image"], "", r.PostForm["networks"])
	if err != nil {
		code := domain.ErrorCode(err)
		if code == domain.EINVALID || code == domain.ECONFLICT || code == domain.EUNAVAILABLE {
			f := views.Form{Values: v, Errors: domain.ErrorFields(err)}
			if len(f.Errors) == 0 {
				f.Message = domain.ErrorMessage(err)
			}
			a.renderMachineNew(w, r, StatusOf(code), f)
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Creating "+m.Name+"…")
	redirect(w, r, "/machines/"+m.ID)
}

// HandleMachineShow is the machine's page.
func (a *App) HandleMachineShow(w http.ResponseWriter, r *http.Request) {
	a.renderMachine(w, r, http.StatusOK, views.Form{})
}

func (a *App) renderMachine(w http.ResponseWriter, r *http.Request, status int, confirm views.Form) {
	a.renderMachineWith(w, r, status, confirm, "", views.Form{})
}

// renderMachineStorage renders the machine page with a storage action's
// errors in its section (issue 9).
func (a *App) renderMachineStorage(w http.ResponseWriter, r *http.Request, status int, section string, f views.Form) {
	a.renderMachineWith(w, r, status, views.Form{}, section, f)
}

func (a *App) renderMachineWith(w http.ResponseWriter, r *http.Request, status int, confirm views.Form, section string, storage views.Form) {
	p := PrincipalFrom(r.Context())
	m, err := a.Machines.FindMachineByID(r.Context(), p.Tenant.ID, chi.URLParam(r, "machineID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	ops, err := a.Machines.FindOperations(r.Context(), p.Tenant.ID, m.ID, 20)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.MachineDetailProps{M: m, Location: a.locationNames(r.Context())[m.LocationID], Ops: ops, CanWrite: p.User.Role.CanWrite(), Confirm: confirm,
		Quote: a.quote(r.Context(), p.Tenant.ID, m.LocationID, m.Shape()), Cost: a.costSoFar(r.Context(), m)}
	props.Storage, props.AttachedDisks = a.machineStorage(r, m, section, storage) // issue 9
	props.Interfaces = a.machineInterfaces(r, m.ID)
	props.SaveImage = a.saveImageCard(r, m) // issue 9
	a.page(w, r, status, m.Name, "machines", views.MachineDetail(props))
}

// HandleMachineAction starts, stops or reboots a machine.
func (a *App) HandleMachineAction(action domain.MachineAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "machineID")
		if action == domain.ActionDelete {
			p := PrincipalFrom(r.Context())
			m, err := a.Machines.FindMachineByID(r.Context(), p.Tenant.ID, id)
			if err != nil {
				a.Error(w, r, err)
				return
			}
			if strings.TrimSpace(r.PostFormValue("confirm")) != m.Name {
				a.renderMachine(w, r, http.StatusUnprocessableEntity, views.Form{Errors: map[string]string{"confirm": "Type the machine's name, " + m.Name + ", to delete it."}})
				return
			}
		}
		var m *domain.Machine
		var err error
		if action == domain.ActionDelete {
			m, err = a.deleteMachine(r, id, r.PostFormValue("disks"))
		} else {
			m, err = a.machineAction(r, id, action, r.PostFormValue("flavor"))
		}
		if err != nil {
			if code := domain.ErrorCode(err); code == domain.ECONFLICT || code == domain.EINVALID {
				a.flash(r, "error", domain.ErrorMessage(err))
				redirect(w, r, "/machines/"+id)
				return
			}
			a.Error(w, r, err)
			return
		}
		verb := map[domain.MachineAction]string{domain.ActionStart: "Starting", domain.ActionStop: "Stopping", domain.ActionReboot: "Rebooting", domain.ActionResize: "Resizing", domain.ActionDelete: "Deleting"}[action]
		a.flash(r, "ok", verb+" "+m.Name+"…")
		if action == domain.ActionDelete {
			redirect(w, r, "/machines")
			return
		}
		redirect(w, r, "/machines/"+m.ID)
	}
}

// HandleMachineResizePage lets the user pick a new size and shows the price
// difference before the resize is confirmed.
func (a *App) HandleMachineResizePage(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	m, err := a.Machines.FindMachineByID(r.Context(), p.Tenant.ID, chi.URLParam(r, "machineID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	c, err := a.choices(r.Context(), p.Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.MachineResizeProps{M: m, Flavors: c.Flavors}
	if !domain.ActionAllowed(m.Status, domain.ActionResize) {
		props.Form.Message = domain.ErrorMessage(domain.CheckAction(m.Name, m.Status, domain.ActionResize))
	}
	if t := c.flavor(r.URL.Query().Get("flavor")); t != nil && t.ID != m.FlavorID {
		props.Target = t
		props.Current = a.quote(r.Context(), p.Tenant.ID, m.LocationID, m.Shape())
		props.New = a.quote(r.Context(), p.Tenant.ID, m.LocationID, domain.MachineShape{VCPUs: t.VCPUs, MemoryMiB: t.MemoryMiB, DiskGiB: t.DiskGiB, ImageID: m.ImageKey})
	}
	a.page(w, r, http.StatusOK, "Resize "+m.Name, "machines", views.MachineResize(props))
}

// HandleMachineNameCheck checks a typed name on blur: its form, and whether
// the tenant has a machine of that name already.
func (a *App) HandleMachineNameCheck(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	msg := domain.ValidateMachineName(name)
	if msg == "" {
		ms, _, err := a.Machines.FindMachines(r.Context(), domain.MachineFilter{TenantID: p.Tenant.ID, Query: name, Limit: 200})
		if err != nil {
			a.Error(w, r, err)
			return
		}
		for _, m := range ms {
			if strings.EqualFold(m.Name, name) {
				msg = "You have a machine called " + m.Name + " already; choose another name."
			}
		}
	}
	render(w, r, http.StatusOK, views.NameCheck(msg))
}
