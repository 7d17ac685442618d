package handlers

import (
	"net/http"

	"tessera/manage/machines"
	"tessera/views"
)

// Placement in the tenant portal and the user API: "cheapest" and
// "any:<country>" as a location, data residency and affinity groups, and
// the preview beside the create form. The rules live in manage/machines.

// PlacementGroup is a group as the API names it.
type PlacementGroup struct {
	Name string `json:"name"`
	Rule string `json:"rule"` // anti-affinity, soft-anti-affinity, affinity, soft-affinity
}

func placementGroups(gs []PlacementGroup) []machines.Group {
	out := make([]machines.Group, len(gs))
	for i, g := range gs {
		out[i] = machines.Group{Name: g.Name, Rule: g.Rule}
	}
	return out
}

// createForm reads the create form's current choices from v and the
// request's ticked networks (sent with the post, or with the panels' htmx
// query; a bad query only means none is ticked).
func createForm(r *http.Request, v map[string]string) machines.Form {
	_ = r.ParseForm()
	return machines.Form{Location: v["location"], Flavor: v["flavor"], Image: v["image"], Residency: v["residency"],
		Group: v["group"], GroupRule: v["group_rule"], Networks: r.Form["networks"]}
}

// placementPreview says where the form's machine would go and at what price.
func (a *App) placementPreview(r *http.Request, c *tenantChoices, v map[string]string) *views.PlacementPreview {
	pv := a.machineService().PreviewPlacement(r.Context(), PrincipalFrom(r.Context()).Tenant.ID, c, createForm(r, v))
	if pv == nil {
		return nil
	}
	return &views.PlacementPreview{LocationID: pv.LocationID, Location: pv.Location, Country: pv.Country,
		Hourly: pv.Hourly, Priced: pv.Priced, Others: pv.Others, Message: pv.Message}
}

// panelValues are the create form's choices as the panels' htmx query sends them.
func panelValues(r *http.Request) map[string]string {
	q := r.URL.Query()
	v := map[string]string{}
	for _, k := range []string{"location", "flavor", "image", "residency", "group", "group_rule"} {
		v[k] = q.Get(k)
	}
	return v
}

// HandlePlacementPreview renders the placement panel for the create form's
// current choices (asked for through htmx on every change).
func (a *App) HandlePlacementPreview(w http.ResponseWriter, r *http.Request) {
	c, err := a.choices(r.Context(), PrincipalFrom(r.Context()).Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	render(w, r, http.StatusOK, views.PlacementPanel(a.placementPreview(r, c, panelValues(r))))
}
