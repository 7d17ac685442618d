package handlers

import (
	"net/http"
	"sort"
	"time"

	"tessera/domain"
	"tessera/manage/pricing"
	"tessera/views"
)

// HandleBilling is the tenant's Usage & billing page.
func (a *App) HandleBilling(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	now := time.Now()
	sum, err := a.Billing.MonthToDate(r.Context(), p.Tenant.ID, now)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	invs, err := a.Billing.FindInvoices(r.Context(), p.Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.BillingProps{Summary: sum, Zone: a.zone(), Invoices: invs, Chart: views.SpendChart(sum.Daily, sum.Currency, a.zone())}
	props.ByResource, props.ByLocation = spendRows(sum.Lines)
	if names, err := a.Billing.LocationNames(r.Context()); err == nil {
		for i, row := range props.ByLocation {
			if n := names[row.Key]; n != "" {
				props.ByLocation[i].Label = n
			}
		}
	}
	if cur, err := a.Pricing.PricesAt(r.Context(), p.Tenant.ID, now); err == nil {
		props.Prices = cur
		props.Example = domain.QuoteShape(cur, "", pricing.ExampleShape, "")
		// Each metered machine's price per hour in its current state.
		open, err := a.Billing.OpenIntervals(r.Context(), p.Tenant.ID)
		if err != nil {
			a.Error(w, r, err)
			return
		}
		hourly := map[string]string{}
		for _, iv := range open {
			q := domain.QuoteShape(cur, iv.LocationID, domain.MachineShape{VCPUs: iv.VCPUs, MemoryMiB: iv.MemoryMiB, DiskGiB: iv.DiskGiB, ImageID: iv.Image}, iv.StorageClass)
			if iv.Running {
				hourly[iv.ResourceID] = domain.HourlyString(q.Hourly)
			} else {
				hourly[iv.ResourceID] = domain.HourlyString(q.Stopped) + " (stopped)"
			}
		}
		for i := range props.ByResource {
			props.ByResource[i].Hourly = hourly[props.ByResource[i].Key]
		}
	}
	a.page(w, r, http.StatusOK, "Usage & billing", "billing", views.Billing(props))
}

// spendRows totals lines (after their discount) per resource and per location.
func spendRows(lines []domain.Line) (byRes, byLoc []views.SpendRow) {
	res, loc := map[string]*views.SpendRow{}, map[string]*views.SpendRow{}
	for _, l := range lines {
		amount := l.Amount - domain.Micros(domain.MulDivRound(int64(l.Amount), int64(l.DiscountBP), 10000))
		key, label := l.ResourceID, l.ResourceName
		if key == "" {
			key, label = "-", l.Description
		}
		if res[key] == nil {
			res[key] = &views.SpendRow{Key: key, Label: label, Type: l.ResourceType}
		}
		res[key].Amount += amount
		lk, ll := l.LocationID, l.LocationID
		if lk == "" {
			ll = "No location"
		}
		if loc[lk] == nil {
			loc[lk] = &views.SpendRow{Key: lk, Label: ll}
		}
		loc[lk].Amount += amount
	}
	flat := func(m map[string]*views.SpendRow) []views.SpendRow {
		out := make([]views.SpendRow, 0, len(m))
		for _, r := range m {
			out = append(out, *r)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Amount != out[j].Amount {
				return out[i].Amount > out[j].Amount
			}
			return out[i].Label < out[j].Label
		})
		return out
	}
	return flat(res), flat(loc)
}

// HandleInvoice shows a printable invoice of the signed-in tenant.
func (a *App) HandleInvoice(w http.ResponseWriter, r *http.Request) {
	t := PrincipalFrom(r.Context()).Tenant
	if inv := a.invoiceParam(w, r, t.ID); inv != nil {
		a.page(w, r, http.StatusOK, "Invoice "+inv.Number, "billing", views.InvoicePage(views.InvoiceProps{Invoice: inv, Tenant: t, Zone: a.zone(), Base: "/billing"}))
	}
}

// HandleInvoiceCSV downloads an invoice of the signed-in tenant as CSV.
func (a *App) HandleInvoiceCSV(w http.ResponseWriter, r *http.Request) {
	if inv := a.invoiceParam(w, r, PrincipalFrom(r.Context()).Tenant.ID); inv != nil {
		writeInvoiceCSV(w, inv)
	}
}
