package handlers

import (
	"net/http"

	"tessera/views"
)

// HandleAdminInvoice shows a tenant's invoice to the provider.
func (a *App) HandleAdminInvoice(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	if inv := a.invoiceParam(w, r, t.ID); inv != nil {
		a.page(w, r, http.StatusOK, "Invoice "+inv.Number, "pricing", views.InvoicePage(views.InvoiceProps{Invoice: inv, Tenant: t, Zone: a.zone(), Base: "/admin/pricing/tenants/" + t.ID}))
	}
}

// HandleAdminInvoiceCSV downloads a tenant's invoice for the provider.
func (a *App) HandleAdminInvoiceCSV(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	if inv := a.invoiceParam(w, r, t.ID); inv != nil {
		writeInvoiceCSV(w, inv)
	}
}
