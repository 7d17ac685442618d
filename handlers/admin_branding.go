package handlers

import "net/http"

func (a *App) adminTenantBrandingTarget(w http.ResponseWriter, r *http.Request) (brandingTarget, bool) {
	t := a.tenantParam(w, r)
	if t == nil {
		return brandingTarget{}, false
	}
	return brandingTarget{TenantID: t.ID, Tenant: t, Base: "/admin/tenants/" + t.ID + "/branding", Nav: "tenants"}, true
}

var providerBrandingTarget = brandingTarget{Base: "/admin/branding", Nav: "branding"}

// HandleProviderBrandingPage shows the provider's default branding.
func (a *App) HandleProviderBrandingPage(w http.ResponseWriter, r *http.Request) {
	a.showBranding(w, r, providerBrandingTarget)
}

// HandleProviderBrandingSave saves the provider's default branding.
func (a *App) HandleProviderBrandingSave(w http.ResponseWriter, r *http.Request) {
	a.saveBranding(w, r, providerBrandingTarget)
}

// HandleProviderBrandingPreview previews the provider's default branding.
func (a *App) HandleProviderBrandingPreview(w http.ResponseWriter, r *http.Request) {
	a.previewBranding(w, r, providerBrandingTarget)
}

// HandleAdminTenantBrandingPage shows a tenant's branding to the provider admin.
func (a *App) HandleAdminTenantBrandingPage(w http.ResponseWriter, r *http.Request) {
	if t, ok := a.adminTenantBrandingTarget(w, r); ok {
		a.showBranding(w, r, t)
	}
}

// HandleAdminTenantBrandingSave saves a tenant's branding for the provider admin.
func (a *App) HandleAdminTenantBrandingSave(w http.ResponseWriter, r *http.Request) {
	if t, ok := a.adminTenantBrandingTarget(w, r); ok {
		a.saveBranding(w, r, t)
	}
}

// HandleAdminTenantBrandingPreview previews a tenant's branding for the provider admin.
func (a *App) HandleAdminTenantBrandingPreview(w http.ResponseWriter, r *http.Request) {
	if t, ok := a.adminTenantBrandingTarget(w, r); ok {
		a.previewBranding(w, r, t)
	}
}
