package handlers

import "net/http"

// HandleDirectoryPage shows the tenant admin the directory settings.
func (a *App) HandleDirectoryPage(w http.ResponseWriter, r *http.Request) {
	a.showDirectory(w, r, PrincipalFrom(r.Context()).Tenant, "/settings/directory", "settings")
}

// HandleDirectorySave saves the tenant's directory settings.
func (a *App) HandleDirectorySave(w http.ResponseWriter, r *http.Request) {
	a.saveDirectory(w, r, PrincipalFrom(r.Context()).Tenant, "/settings/directory", "settings")
}

// HandleDirectoryTest runs "Test connection" for the tenant.
func (a *App) HandleDirectoryTest(w http.ResponseWriter, r *http.Request) {
	a.testDirectory(w, r, PrincipalFrom(r.Context()).Tenant, "/settings/directory", "settings")
}
