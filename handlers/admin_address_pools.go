package handlers

import (
	"net/http"

	"tessera/domain"
	"tessera/views"
)

// HandlePools shows the provider admin's public address pools.
func (a *App) HandlePools(w http.ResponseWriter, r *http.Request) {
	a.renderPools(w, r, http.StatusOK, views.Form{})
}

func (a *App) renderPools(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	pools, err := a.Storage.Addresses.Pools(r.Context(), "")
	if err != nil {
		a.Error(w, r, err)
		return
	}
	opts, names, err := a.storageLocationNames(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, status, "Public address pools", "pools", views.Pools(views.PoolsProps{Pools: pools, Locations: opts, LocationNames: names, Form: f}))
}

// HandlePoolCreate adds a public address pool to a location.
func (a *App) HandlePoolCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "location", "cidr")
	p := &domain.PublicPool{LocationID: v["location"], CIDR: v["cidr"]}
	err := a.Storage.Addresses.CreatePool(r.Context(), p)
	a.auditAction(r, "", "pool.create", v["cidr"], err)
	if err != nil {
		if fe := domain.ErrorFields(err); fe != nil {
			a.renderPools(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Values: v, Errors: fe})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Pool "+p.CIDR+" added.")
	redirect(w, r, "/admin/pools")
}
