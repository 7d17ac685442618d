package handlers

import "net/http"

// HandleTenantDirectoryPage shows the provider admin a tenant's directory settings.
func (a *App) HandleTenantDirectoryPage(w http.ResponseWriter, r *http.Request) {
	if t := a.tenantParam(w, r); t != nil {
		a.showDirectory(w, r, t, "/admin/tenants/"+t.ID+"/directory", "tenants")
	}
}

// HandleTenantDirectorySave saves a tenant's directory settings (provider admin).
func (a *App) HandleTenantDirectorySave(w http.ResponseWriter, r *http.Request) {
	if t := a.tenantParam(w, r); t != nil {
		a.saveDirectory(w, r, t, "/admin/tenants/"+t.ID+"/directory", "tenants")
	}
}

// HandleTenantDirectoryTest runs "Test connection" for a tenant (provider admin).
func (a *App) HandleTenantDirectoryTest(w http.ResponseWriter, r *http.Request) {
	if t := a.tenantParam(w, r); t != nil {
		a.testDirectory(w, r, t, "/admin/tenants/"+t.ID+"/directory", "tenants")
	}
}
