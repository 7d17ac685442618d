package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

var tenantFields = []string{"name", "slug", "contact_name", "contact_email"}

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
	err := a.Tenants.CreateTenant(r.Context(), t)
	a.auditAction(r, "", "tenant.create", v["slug"], err)
	if err != nil {
		if fields := domain.ErrorFields(err); fields != nil {
			a.page(w, r, StatusOf(domain.ErrorCode(err)), "Create tenant", "tenants", views.TenantForm(views.TenantFormProps{Form: views.Form{Values: v, Errors: fields}}))
			return
		}
		a.Error(w, r, err)
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
	_, err := a.Tenants.UpdateTenant(r.Context(), t.ID, domain.TenantUpdate{Name: &name, ContactName: &cn, ContactEmail: &ce})
	a.auditAction(r, t.ID, "tenant.update", t.Slug, err)
	if err != nil {
		if fields := domain.ErrorFields(err); fields != nil {
			a.page(w, r, StatusOf(domain.ErrorCode(err)), "Edit "+t.Name, "tenants", views.TenantForm(views.TenantFormProps{Tenant: t, Form: views.Form{Values: v, Errors: fields}}))
			return
		}
		a.Error(w, r, err)
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
		_, err := a.Tenants.UpdateTenant(r.Context(), t.ID, domain.TenantUpdate{Status: &status})
		action := "tenant.suspend"
		msg := "Tenant " + t.Name + " suspended: its users cannot log in and its API tokens are refused."
		if status == domain.TenantActive {
			action, msg = "tenant.resume", "Tenant "+t.Name+" resumed."
		}
		a.auditAction(r, t.ID, action, t.Slug, err)
		if err != nil {
			a.Error(w, r, err)
			return
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
	f, ok := a.createUser(w, r, t)
	if !ok {
		a.renderTenantDetail(w, r, StatusOf(domain.EINVALID), t, f)
		return
	}
	redirect(w, r, "/admin/tenants/"+t.ID)
}

// createUser creates a local user in t from the form. On a field error it
// returns the form to show again and false.
func (a *App) createUser(w http.ResponseWriter, r *http.Request, t *domain.Tenant) (views.Form, bool) {
	v := formValues(r, "login", "display_name", "email", "role")
	password := r.PostFormValue("password")
	u := &domain.User{TenantID: t.ID, Login: v["login"], DisplayName: v["display_name"], Email: v["email"], Role: domain.Role(v["role"]), Source: domain.SourceLocal}
	u.Normalize()
	errs := map[string]string{}
	if err := u.Validate(); err != nil {
		for k, m := range domain.ErrorFields(err) {
			errs[k] = m
		}
	}
	if err := domain.ValidatePassword(password); err != nil {
		errs["password"] = domain.ErrorFields(err)["password"]
	}
	if len(errs) > 0 {
		a.auditAction(r, t.ID, "user.create", v["login"], domain.Invalid(errs))
		return views.Form{Values: v, Errors: errs}, false
	}
	hash, err := a.Hasher.Hash(password)
	if err == nil {
		u.PasswordHash = hash
		err = a.Users.CreateUser(r.Context(), u)
	}
	a.auditAction(r, t.ID, "user.create", u.Login, err)
	if err != nil {
		if fields := domain.ErrorFields(err); fields != nil {
			return views.Form{Values: v, Errors: fields}, false
		}
		return views.Form{Values: v, Message: domain.ErrorMessage(err)}, false
	}
	a.flash(r, "ok", "User "+u.Login+" added with the role "+u.Role.Label()+".")
	return views.Form{}, true
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
	if upd.Role == nil && upd.Disabled == nil {
		a.Error(w, r, domain.Invalid(map[string]string{"role": "Choose a role, or enable or disable the user."}))
		return false
	}
	userID := chi.URLParam(r, "userID")
	if p := PrincipalFrom(r.Context()); p != nil && p.User.ID == userID && (upd.Disabled != nil && *upd.Disabled || upd.Role != nil && *upd.Role != p.User.Role) {
		a.Error(w, r, domain.Errorf(domain.ECONFLICT, "You cannot disable yourself or change your own role; ask another admin."))
		return false
	}
	u, err := a.Users.UpdateUser(r.Context(), tenantID, userID, upd)
	target := userID
	if u != nil {
		target = u.Login
	}
	a.auditAction(r, tenantID, "user.update", target, err)
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
	password := r.PostFormValue("password")
	if err := domain.ValidatePassword(password); err != nil {
		a.flash(r, "error", domain.ErrorMessage(err))
		return true
	}
	userID := chi.URLParam(r, "userID")
	u, err := a.Users.FindUserByID(r.Context(), tenantID, userID)
	if err == nil && u.TenantID != tenantID {
		err = domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	if err == nil && u.Source != domain.SourceLocal {
		err = domain.Errorf(domain.ECONFLICT, "This user logs in through the directory; change the password there.")
	}
	var hash string
	if err == nil {
		hash, err = a.Hasher.Hash(password)
	}
	if err == nil {
		_, err = a.Users.UpdateUser(r.Context(), tenantID, userID, domain.UserUpdate{PasswordHash: &hash})
	}
	a.auditAction(r, tenantID, "user.password_reset", userID, err)
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
