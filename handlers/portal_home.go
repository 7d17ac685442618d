package handlers

import (
	"net/http"
	"time"

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

// HandleSettings lists the settings sections the user may open.
func (a *App) HandleSettings(w http.ResponseWriter, r *http.Request) {
	a.page(w, r, http.StatusOK, "Settings", "settings", views.Settings(views.SettingsProps{User: PrincipalFrom(r.Context()).User}))
}
