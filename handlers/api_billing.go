package handlers

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

type apiLine struct {
	ResourceID   string `json:"resource_id,omitempty"`
	ResourceType string `json:"resource_type,omitempty"`
	ResourceName string `json:"resource_name,omitempty"`
	LocationID   string `json:"location_id,omitempty"`
	Description  string `json:"description"`
	Quantity     string `json:"quantity"`
	Unit         string `json:"unit"`
	UnitPrice    string `json:"unit_price"`
	Amount       string `json:"amount"`
	Discount     string `json:"discount_percent,omitempty"`
}

func apiLines(lines []domain.Line) []apiLine {
	out := make([]apiLine, 0, len(lines))
	for _, l := range lines {
		al := apiLine{ResourceID: l.ResourceID, ResourceType: l.ResourceType, ResourceName: l.ResourceName, LocationID: l.LocationID,
			Description: l.Description, Quantity: l.Quantity(6), Unit: string(l.Unit), UnitPrice: l.UnitPrice.Decimal(6), Amount: l.Amount.Decimal(2)}
		if l.DiscountBP > 0 {
			al.Discount = domain.PercentString(l.DiscountBP)
		}
		out = append(out, al)
	}
	return out
}

// apiTenant returns the principal's tenant id or writes a problem.
func apiTenant(w http.ResponseWriter, r *http.Request) string {
	p := PrincipalFrom(r.Context())
	if p == nil {
		WriteProblem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "Sign in or send an API token."))
		return ""
	}
	if p.Tenant == nil {
		WriteProblem(w, r, domain.Errorf(domain.EFORBIDDEN, "Usage and invoices belong to tenants; the provider reads them under Pricing."))
		return ""
	}
	return p.Tenant.ID
}

// HandleAPIUsage answers GET /api/v1/usage?from=&to= (RFC 3339; default:
// this month so far) with rated usage per resource.
func (a *App) HandleAPIUsage(w http.ResponseWriter, r *http.Request) {
	tid := apiTenant(w, r)
	if tid == "" {
		return
	}
	now := time.Now().Truncate(time.Second)
	q := r.URL.Query()
	from, to := time.Time{}, now
	errs := map[string]string{}
	if s := q.Get("from"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			errs["from"] = "Use an RFC 3339 time like 2026-11-01T00:00:00Z."
		}
		from = t
	} else {
		from, _ = domain.MonthBounds(now, a.zone())
	}
	if s := q.Get("to"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			errs["to"] = "Use an RFC 3339 time like 2026-12-01T00:00:00Z."
		}
		to = t
	}
	if len(errs) > 0 {
		WriteProblem(w, r, domain.Invalid(errs))
		return
	}
	openUntil := now
	if to.Before(now) {
		openUntil = to
	}
	if to.After(now) {
		to = now // the future has no usage yet
	}
	rep, err := a.Billing.Usage(r.Context(), tid, from.Truncate(time.Second), to.Truncate(time.Second), openUntil)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, apiUsage{
		From: rep.From.UTC().Format(time.RFC3339), To: rep.To.UTC().Format(time.RFC3339), Currency: rep.Currency,
		Items: apiLines(rep.Lines), Subtotal: rep.Totals.Subtotal.Decimal(2), Discount: rep.Totals.Discount.Decimal(2), Total: rep.Totals.Total.Decimal(2),
	})
}

// apiUsage is the answer of GET /api/v1/usage.
type apiUsage struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	Currency string    `json:"currency"`
	Items    []apiLine `json:"items"`
	Subtotal string    `json:"subtotal"`
	Discount string    `json:"discount"`
	Total    string    `json:"total"`
}

// apiInvoice is an invoice in the invoice list.
type apiInvoice struct {
	ID          string `json:"id"`
	Number      string `json:"number"`
	Month       string `json:"month"`
	Currency    string `json:"currency"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
	Subtotal    string `json:"subtotal"`
	Discount    string `json:"discount"`
	Total       string `json:"total"`
	Status      string `json:"status"`
	ClosedAt    string `json:"closed_at"`
}

// apiInvoiceDetail is one invoice with its lines.
type apiInvoiceDetail struct {
	apiInvoice
	Lines []apiLine `json:"lines"`
}

func apiInvoiceOf(inv *domain.Invoice) apiInvoice {
	return apiInvoice{
		ID: inv.ID, Number: inv.Number, Month: inv.Month, Currency: inv.Currency,
		PeriodStart: inv.PeriodStart.UTC().Format(time.RFC3339), PeriodEnd: inv.PeriodEnd.UTC().Format(time.RFC3339),
		Subtotal: inv.Subtotal.Decimal(2), Discount: inv.Discount.Decimal(2), Total: inv.Total.Decimal(2),
		Status: inv.Status, ClosedAt: inv.ClosedAt.UTC().Format(time.RFC3339),
	}
}

// HandleAPIInvoices answers GET /api/v1/invoices, newest first.
func (a *App) HandleAPIInvoices(w http.ResponseWriter, r *http.Request) {
	tid := apiTenant(w, r)
	if tid == "" {
		return
	}
	invs, err := a.Billing.FindInvoices(r.Context(), tid)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	items := make([]apiInvoice, 0, len(invs))
	for _, inv := range invs {
		items = append(items, apiInvoiceOf(inv))
	}
	WriteJSON(w, http.StatusOK, apiPage[apiInvoice]{Items: items})
}

// HandleAPIInvoice answers GET /api/v1/invoices/{id} with its lines.
func (a *App) HandleAPIInvoice(w http.ResponseWriter, r *http.Request) {
	tid := apiTenant(w, r)
	if tid == "" {
		return
	}
	inv, err := a.Billing.FindInvoice(r.Context(), tid, chi.URLParam(r, "invoiceID"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, apiInvoiceDetail{apiInvoiceOf(inv), apiLines(inv.Lines)})
}
