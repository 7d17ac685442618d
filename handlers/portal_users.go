package handlers

import (
	"net/http"

	"tessera/domain"
	"tessera/views"
)

// HandleUsersPage lists the tenant's users for its admins.
func (a *App) HandleUsersPage(w http.ResponseWriter, r *http.Request) {
	a.renderUsersPage(w, r, http.StatusOK, views.Form{Values: map[string]string{"role": "member"}})
}

func (a *App) renderUsersPage(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	p := PrincipalFrom(r.Context())
	users, next, err := a.Users.FindUsers(r.Context(), domain.UserFilter{TenantID: p.Tenant.ID, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, status, "Users", "users", views.UsersPage(views.UsersPageProps{Users: users, Next: next, Form: f}))
}

// HandleUsersCreate adds a local user to the tenant.
func (a *App) HandleUsersCreate(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if a.createUser(w, r, p.Tenant, func(status int, f views.Form) { a.renderUsersPage(w, r, status, f) }) {
		redirect(w, r, "/settings/users")
	}
}

// HandleUsersUpdate changes a user of the tenant.
func (a *App) HandleUsersUpdate(w http.ResponseWriter, r *http.Request) {
	if a.updateUser(w, r, PrincipalFrom(r.Context()).Tenant.ID) {
		redirect(w, r, "/settings/users")
	}
}

// HandleUsersPassword resets a local user's password.
func (a *App) HandleUsersPassword(w http.ResponseWriter, r *http.Request) {
	if a.resetPassword(w, r, PrincipalFrom(r.Context()).Tenant.ID) {
		redirect(w, r, "/settings/users")
	}
}
