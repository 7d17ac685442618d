package handlers

import (
	"net/http"
	"time"

	"tessera/domain"
	"tessera/views"
)

// HandleHome sends provider admins to their area and shows tenants their dashboard.
func (a *App) HandleHome(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if p.User.IsProviderAdmin() {
		redirect(w, r, "/admin/tenants")
		return
	}
	props := views.DashboardProps{Tenant: p.Tenant, User: p.User}
	if a.Catalogue != nil {
		q, u, err := a.Catalogue.FindQuota(r.Context(), p.Tenant.ID)
		if err != nil {
			a.Error(w, r, err)
			return
		}
		props.Quota, props.Usage = q, u
	}
	if a.Billing != nil {
		sum, err := a.Billing.MonthToDate(r.Context(), p.Tenant.ID, time.Now())
		if err != nil {
			a.Error(w, r, err)
			return
		}
		props.ToDate = sum.ToDate.Total.Decimal(2) + " " + sum.Currency
		props.Forecast = sum.Forecast.Total.Decimal(2) + " " + sum.Currency
	}
	a.page(w, r, http.StatusOK, "Dashboard", "dashboard", views.Dashboard(props))
}

// HandleTenantAudit shows the tenant's audit log to its admins.
func (a *App) HandleTenantAudit(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	events, next, err := a.Audit.FindAuditEvents(r.Context(), domain.AuditFilter{TenantID: p.Tenant.ID, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, http.StatusOK, "Audit log", "audit", views.AuditLog(views.AuditProps{Events: events, Next: next, Base: "/audit"}))
}

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

// HandleSettings lists the settings sections the user may open.
func (a *App) HandleSettings(w http.ResponseWriter, r *http.Request) {
	a.page(w, r, http.StatusOK, "Settings", "settings", views.Settings(views.SettingsProps{User: PrincipalFrom(r.Context()).User}))
}
