package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/manage/accounts"
	"tessera/views"
)

var tenantFields = []string{"name", "slug", "contact_name", "contact_email"}

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

// HandleTenantIndex lists tenants with a filter and cursor pages.
func (a *App) HandleTenantIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenants, next, err := a.Tenants.FindTenants(r.Context(), domain.TenantFilter{Query: q.Get("q"), Cursor: q.Get("cursor"), Limit: 50})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, http.StatusOK, "Tenants", "tenants", views.TenantList(views.TenantListProps{Tenants: tenants, Query: q.Get("q"), Next: next}))
}

// HandleTenantNew shows the create form.
func (a *App) HandleTenantNew(w http.ResponseWriter, r *http.Request) {
	a.page(w, r, http.StatusOK, "Create tenant", "tenants", views.TenantForm(views.TenantFormProps{Form: views.Form{}}))
}

// HandleTenantCreate creates a tenant.
func (a *App) HandleTenantCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, tenantFields...)
	t := &domain.Tenant{Name: v["name"], Slug: v["slug"], ContactName: v["contact_name"], ContactEmail: v["contact_email"]}
	if err := a.accounts().CreateTenant(r.Context(), a.actor(r), t); err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.page(w, r, status, "Create tenant", "tenants", views.TenantForm(views.TenantFormProps{Form: f}))
		})
		return
	}
	a.flash(r, "ok", "Tenant "+t.Name+" created. Add its first admin below.")
	redirect(w, r, "/admin/tenants/"+t.ID)
}

func (a *App) tenantParam(w http.ResponseWriter, r *http.Request) *domain.Tenant {
	t, err := a.Tenants.FindTenantByID(r.Context(), chi.URLParam(r, "tenantID"))
	if err != nil {
		a.Error(w, r, err)
		return nil
	}
	return t
}

// HandleTenantShow shows a tenant with its users.
func (a *App) HandleTenantShow(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	a.renderTenantDetail(w, r, http.StatusOK, t, views.Form{Values: map[string]string{"role": "admin"}})
}

func (a *App) renderTenantDetail(w http.ResponseWriter, r *http.Request, status int, t *domain.Tenant, f views.Form) {
	users, next, err := a.Users.FindUsers(r.Context(), domain.UserFilter{TenantID: t.ID, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, status, t.Name, "tenants", views.TenantDetail(views.TenantDetailProps{Tenant: t, Users: users, NextUser: next, UserForm: f, Domains: a.tenantDomainsCard(r, t)}))
}

// HandleTenantEdit shows the edit form.
func (a *App) HandleTenantEdit(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	f := views.Form{Values: map[string]string{"name": t.Name, "contact_name": t.ContactName, "contact_email": t.ContactEmail}}
	a.page(w, r, http.StatusOK, "Edit "+t.Name, "tenants", views.TenantForm(views.TenantFormProps{Tenant: t, Form: f}))
}

// HandleTenantUpdate saves the edit form.
func (a *App) HandleTenantUpdate(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	v := formValues(r, "name", "contact_name", "contact_email")
	name, cn, ce := v["name"], v["contact_name"], v["contact_email"]
	if _, err := a.accounts().UpdateTenant(r.Context(), a.actor(r), t, domain.TenantUpdate{Name: &name, ContactName: &cn, ContactEmail: &ce}); err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.page(w, r, status, "Edit "+t.Name, "tenants", views.TenantForm(views.TenantFormProps{Tenant: t, Form: f}))
		})
		return
	}
	a.flash(r, "ok", "Saved.")
	redirect(w, r, "/admin/tenants/"+t.ID)
}

// HandleTenantSetStatus suspends or resumes a tenant.
func (a *App) HandleTenantSetStatus(status domain.TenantStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := a.tenantParam(w, r)
		if t == nil {
			return
		}
		if err := a.accounts().SetTenantStatus(r.Context(), a.actor(r), t, status); err != nil {
			a.Error(w, r, err)
			return
		}
		msg := "Tenant " + t.Name + " suspended: its users cannot log in and its API tokens are refused."
		if status == domain.TenantActive {
			msg = "Tenant " + t.Name + " resumed."
		}
		a.flash(r, "ok", msg)
		redirect(w, r, "/admin/tenants/"+t.ID)
	}
}

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

// HandleAdminAudit shows the audit log of all tenants.
func (a *App) HandleAdminAudit(w http.ResponseWriter, r *http.Request) {
	events, next, err := a.Audit.FindAllAuditEvents(r.Context(), domain.AuditFilter{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	names := map[string]string{"": "Provider"}
	for _, e := range events {
		if _, ok := names[e.TenantID]; !ok {
			if t, err := a.Tenants.FindTenantByID(r.Context(), e.TenantID); err == nil {
				names[e.TenantID] = t.Name
			}
		}
	}
	a.page(w, r, http.StatusOK, "Audit", "audit", views.AuditLog(views.AuditProps{Events: events, Next: next, Base: "/admin/audit", ShowTenant: true, TenantNames: names}))
}
