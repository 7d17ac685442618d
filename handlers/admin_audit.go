package handlers

import (
	"net/http"

	"tessera/domain"
	"tessera/views"
)

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
