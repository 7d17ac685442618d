package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/manage/machines"
	"tessera/views"
)

// The tenant portal's machine pages: they parse the request, call
// manage/machines and render.

// listQuery reads ?limit=&cursor=&status=&q=&sort= for lists.
func listQuery(r *http.Request) machines.Query {
	q := r.URL.Query()
	return machines.Query{Limit: q.Get("limit"), Cursor: q.Get("cursor"), Status: q.Get("status"), Search: q.Get("q"), Sort: q.Get("sort")}
}

// HandleMachineIndex lists the tenant's machines; while one is busy the
// table polls itself every 2 s.
func (a *App) HandleMachineIndex(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	svc := a.machineService()
	f, err := machines.Filter(p.Tenant.ID, listQuery(r))
	if err != nil {
		f = domain.MachineFilter{TenantID: p.Tenant.ID} // a bad query lists everything
	}
	list, err := svc.List(r.Context(), f, false)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	busy, err := svc.AnyBusy(r.Context(), p.Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.MachineListProps{Next: list.Next, Query: f.Query, Sort: string(f.Sort), Busy: busy, CanWrite: p.User.Role.CanWrite()}
	if f.Status != nil {
		props.Status = string(*f.Status)
	}
	props.Filtered = f.Query != "" || f.Status != nil
	for _, it := range list.Items {
		props.Rows = append(props.Rows, views.MachineRow{M: it.M, Location: it.Location, Quote: it.Quote})
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
	svc := a.machineService()
	c, err := svc.Choices(r.Context(), p.Tenant.ID)
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
	locID := c.Location(f.Values["location"])
	if f.Values["image"] == "" {
		f.Values["image"] = c.FirstImageAt(locID) // the first image ready where the machine goes
	}
	props := views.MachineFormProps{Form: f, Locations: c.Locations, Flavors: c.Flavors, Images: c.Images}
	props.Networks, props.Chosen = a.networkChoices(r, c.Locations, locID)
	// Where each image is ready.
	if c.ImageSites != nil {
		props.ImageLocations = map[string][]string{}
		for _, i := range c.Images {
			for _, l := range c.ImageLocations(i) {
				props.ImageLocations[i.ID] = append(props.ImageLocations[i.ID], l.Name)
			}
		}
		if locID != "" {
			props.ImageHere = map[string]bool{}
			for _, i := range c.Images {
				props.ImageHere[i.ID] = c.CheckImageAt(i, locID) == nil
			}
			props.LocationName = c.LocationName(locID)
		}
	}
	form := createForm(r, f.Values)
	props.Quote = svc.QuoteForm(r.Context(), p.Tenant.ID, c, form)
	props.Placement, props.Countries = a.placementPreview(r, c, f.Values), machines.Countries(c.Locations)
	a.page(w, r, status, "Create machine", "machines", views.MachineNew(props))
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
	nets, err := a.machineService().TenantNetworks(r.Context(), PrincipalFrom(r.Context()).Tenant.ID)
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

// HandleMachinePrice renders the price panel for the form's current choices
// (the create form asks for it through htmx on every change).
func (a *App) HandleMachinePrice(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).Tenant.ID
	svc := a.machineService()
	c, err := svc.Choices(r.Context(), tid)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	render(w, r, http.StatusOK, views.PricePanel(svc.QuoteForm(r.Context(), tid, c, createForm(r, panelValues(r)))))
}

// HandleMachineCreate creates a machine from the form.
func (a *App) HandleMachineCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "location", "flavor", "image", "residency", "group", "group_rule")
	in := machines.CreateRequest{TenantID: PrincipalFrom(r.Context()).Tenant.ID, Name: v["name"], Location: v["location"],
		Flavor: v["flavor"], Image: v["image"], Networks: r.PostForm["networks"], Residency: r.PostFormValue("residency")}
	if g := r.PostFormValue("group"); g != "" {
		in.Groups = []machines.Group{{Name: g, Rule: r.PostFormValue("group_rule")}}
	}
	m, _, err := a.machineService().Create(r.Context(), a.machineActor(r), in)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderMachineNew(w, r, status, f) })
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
// errors in its section.
func (a *App) renderMachineStorage(w http.ResponseWriter, r *http.Request, status int, section string, f views.Form) {
	a.renderMachineWith(w, r, status, views.Form{}, section, f)
}

func (a *App) renderMachineWith(w http.ResponseWriter, r *http.Request, status int, confirm views.Form, section string, storage views.Form) {
	p := PrincipalFrom(r.Context())
	d, err := a.machineService().Detail(r.Context(), p.Tenant.ID, chi.URLParam(r, "machineID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	m := d.M
	props := views.MachineDetailProps{M: m, Location: d.Location, Ops: d.Ops, CanWrite: p.User.Role.CanWrite(), Confirm: confirm,
		Quote: d.Quote, Cost: d.Cost, Interfaces: d.Interfaces}
	props.Storage, props.AttachedDisks = a.machineStorage(r, m, section, storage)
	props.SaveImage = a.saveImageCard(r, m)
	a.page(w, r, status, m.Name, "machines", views.MachineDetail(props))
}

// HandleMachineAction starts, stops, reboots, resizes or deletes a machine.
func (a *App) HandleMachineAction(action domain.MachineAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, tid := chi.URLParam(r, "machineID"), PrincipalFrom(r.Context()).Tenant.ID
		svc := a.machineService()
		var m *domain.Machine
		var err error
		if action == domain.ActionDelete {
			m, err = svc.DeleteConfirmed(r.Context(), a.machineActor(r), tid, id, strings.TrimSpace(r.PostFormValue("confirm")), r.PostFormValue("disks"))
			if msg := domain.ErrorFields(err)["confirm"]; msg != "" {
				a.renderMachine(w, r, http.StatusUnprocessableEntity, views.Form{Errors: map[string]string{"confirm": msg}})
				return
			}
		} else {
			m, err = svc.Act(r.Context(), a.machineActor(r), tid, id, action, r.PostFormValue("flavor"))
		}
		if err != nil {
			if code := domain.ErrorCode(err); code == domain.ECONFLICT || code == domain.EINVALID {
				a.flash(r, "error", domain.ErrorMessage(err))
				redirect(w, r, "/machines/"+id)
				return
			}
			a.respondError(w, r, err)
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
	svc := a.machineService()
	m, err := svc.Machines.FindMachineByID(r.Context(), p.Tenant.ID, chi.URLParam(r, "machineID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	rz, err := svc.ResizePreview(r.Context(), m, r.URL.Query().Get("flavor"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.MachineResizeProps{M: m, Flavors: rz.Flavors, Target: rz.Target, Current: rz.Current, New: rz.New}
	props.Form.Message = rz.Refused
	a.page(w, r, http.StatusOK, "Resize "+m.Name, "machines", views.MachineResize(props))
}

// HandleMachineNameCheck checks a typed name on blur: its form, and whether
// the tenant has a machine of that name already.
func (a *App) HandleMachineNameCheck(w http.ResponseWriter, r *http.Request) {
	msg, err := a.machineService().CheckName(r.Context(), PrincipalFrom(r.Context()).Tenant.ID, r.URL.Query().Get("name"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	render(w, r, http.StatusOK, views.NameCheck(msg))
}
