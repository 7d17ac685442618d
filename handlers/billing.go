package handlers

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

func (a *App) invoiceParam(w http.ResponseWriter, r *http.Request, tenantID string) *domain.Invoice {
	inv, err := a.Billing.FindInvoice(r.Context(), tenantID, chi.URLParam(r, "invoiceID"))
	if err != nil {
		a.Error(w, r, err)
		return nil
	}
	return inv
}

// writeInvoiceCSV writes an invoice as CSV: one row per line, then the totals.
func writeInvoiceCSV(w http.ResponseWriter, inv *domain.Invoice) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+inv.Number+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"invoice", "month", "line", "resource_id", "resource_name", "resource_type", "description", "quantity", "unit", "unit_price", "amount", "currency"})
	for i, l := range inv.Lines {
		_ = cw.Write([]string{inv.Number, inv.Month, strconv.Itoa(i + 1), l.ResourceID, l.ResourceName, l.ResourceType, l.Description,
			l.Quantity(6), string(l.Unit), l.UnitPrice.Decimal(6), l.Amount.Decimal(2), inv.Currency})
	}
	for _, t := range []struct {
		name string
		m    domain.Micros
	}{{"subtotal", inv.Subtotal}, {"discount", inv.Discount}, {"total", inv.Total}} {
		_ = cw.Write([]string{inv.Number, inv.Month, "", "", "", "", t.name, "", "", "", t.m.Decimal(2), inv.Currency})
	}
	cw.Flush()
}
