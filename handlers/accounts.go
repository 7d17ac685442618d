package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/manage/accounts"
	"tessera/views"
)

// accounts is the account use cases over the App's stores. It is built per
// call from fields the App has anyway, so every App (the server's and the
// tests') gets the same rules without wiring of its own.
func (a *App) accounts() *accounts.Service {
	return &accounts.Service{Tenants: a.Tenants, Users: a.Users, Tokens: a.Tokens, Audit: a.Audit, Hasher: a.Hasher, Log: a.Log}
}

// actor is who makes a change in this request, for the audit log.
func (a *App) actor(r *http.Request) accounts.Actor {
	by := accounts.Actor{Address: a.ClientAddr(r)}
	if p := PrincipalFrom(r.Context()); p != nil && p.User != nil {
		by.UserID, by.Login, by.Role = p.User.ID, p.User.Login, p.User.Role
	}
	return by
}

// createUser creates a local user in t from the form. When it fails it
// answers (through rerender for what the form can fix) and returns false.
func (a *App) createUser(w http.ResponseWriter, r *http.Request, t *domain.Tenant, rerender func(status int, f views.Form)) bool {
	v := formValues(r, "login", "display_name", "email", "role")
	u := &domain.User{TenantID: t.ID, Login: v["login"], DisplayName: v["display_name"], Email: v["email"], Role: domain.Role(v["role"])}
	if err := a.accounts().CreateUser(r.Context(), a.actor(r), u, r.PostFormValue("password")); err != nil {
		// Whatever kept the user out (a bad field, a taken login), the
		// form comes back as 422 on both the admin and the tenant page.
		a.formError(w, r, err, v, func(_ int, f views.Form) { rerender(StatusOf(domain.EINVALID), f) })
		return false
	}
	a.flash(r, "ok", "User "+u.Login+" added with the role "+u.Role.Label()+".")
	return true
}

// updateUser applies the role/disabled form to a user of tenantID.
func (a *App) updateUser(w http.ResponseWriter, r *http.Request, tenantID string) bool {
	var upd domain.UserUpdate
	if v := r.PostFormValue("role"); v != "" {
		role := domain.Role(v)
		upd.Role = &role
	}
	switch r.PostFormValue("disabled") {
	case "true":
		b := true
		upd.Disabled = &b
	case "false":
		b := false
		upd.Disabled = &b
	}
	u, err := a.accounts().UpdateUser(r.Context(), a.actor(r), tenantID, chi.URLParam(r, "userID"), upd)
	if err != nil {
		a.Error(w, r, err)
		return false
	}
	switch {
	case upd.Disabled != nil && *upd.Disabled:
		a.flash(r, "ok", "User "+u.Login+" disabled: they cannot log in any more.")
	case upd.Disabled != nil:
		a.flash(r, "ok", "User "+u.Login+" enabled.")
	default:
		a.flash(r, "ok", "User "+u.Login+" is now "+u.Role.Label()+".")
	}
	return true
}

func (a *App) resetPassword(w http.ResponseWriter, r *http.Request, tenantID string) bool {
	u, err := a.accounts().ResetPassword(r.Context(), a.actor(r), tenantID, chi.URLParam(r, "userID"), r.PostFormValue("password"))
	if domain.ErrorFields(err)["password"] != "" {
		// The password form is a small one inside the user list: its
		// mistake comes back as a notice above the list.
		a.flash(r, "error", domain.ErrorMessage(err))
		return true
	}
	if err != nil {
		a.Error(w, r, err)
		return false
	}
	a.flash(r, "ok", "Password of "+u.Login+" reset. Tell them the new one through a safe channel.")
	return true
}
