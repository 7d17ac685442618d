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
