package handlers

import "net/http"

func (a *App) tenantBrandingTarget(r *http.Request) brandingTarget {
	p := PrincipalFrom(r.Context())
	return brandingTarget{TenantID: p.Tenant.ID, Tenant: p.Tenant, Base: "/settings/branding", Nav: "settings"}
}

// HandleBrandingPage shows the tenant admin's branding settings.
func (a *App) HandleBrandingPage(w http.ResponseWriter, r *http.Request) {
	a.showBranding(w, r, a.tenantBrandingTarget(r))
}

// HandleBrandingSave saves (or, with action=preview, previews) the tenant's branding.
func (a *App) HandleBrandingSave(w http.ResponseWriter, r *http.Request) {
	a.saveBranding(w, r, a.tenantBrandingTarget(r))
}

// HandleBrandingPreview renders the preview of the typed values, saving nothing.
func (a *App) HandleBrandingPreview(w http.ResponseWriter, r *http.Request) {
	a.previewBranding(w, r, a.tenantBrandingTarget(r))
}
