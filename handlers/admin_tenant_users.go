package handlers

import (
	"net/http"

	"tessera/views"
)

// HandleTenantUserCreate adds a local user to a tenant.
func (a *App) HandleTenantUserCreate(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	if a.createUser(w, r, t, func(status int, f views.Form) { a.renderTenantDetail(w, r, status, t, f) }) {
		redirect(w, r, "/admin/tenants/"+t.ID)
	}
}

// HandleTenantUserUpdate changes a user's role or disables/enables it.
func (a *App) HandleTenantUserUpdate(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	if a.updateUser(w, r, t.ID) {
		redirect(w, r, "/admin/tenants/"+t.ID)
	}
}

// HandleTenantUserPassword resets a local user's password.
func (a *App) HandleTenantUserPassword(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	if a.resetPassword(w, r, t.ID) {
		redirect(w, r, "/admin/tenants/"+t.ID)
	}
}
