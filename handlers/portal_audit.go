package handlers

import (
	"net/http"

	"tessera/domain"
	"tessera/views"
)

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
