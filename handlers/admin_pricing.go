package handlers

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/manage/pricing"
	"tessera/views"
)

var priceFields = []string{"vcpu_hour", "memory_gib_hour", "public_ip_hour", "monthly_fee", "disk_prices", "licence_prices", "multipliers", "effective_from"}

// parsePriceMap reads "name price" lines.
func parsePriceMap(s, field string, errs map[string]string) map[string]domain.Micros {
	out := map[string]domain.Micros{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "=", " "))
		if line == "" {
			continue
		}
		parts := strings.Fields(line)
		if len(parts) != 2 {
			errs[field] = "Write one entry per line: a name and a price, e.g. “standard 0.219”."
			continue
		}
		m, err := domain.ParseMicros(parts[1])
		switch {
		case err != nil:
			errs[field] = "“" + parts[1] + "” is not a price: " + domain.ErrorMessage(err)
		case m < 0:
			errs[field] = "Prices cannot be negative."
		default:
			out[parts[0]] = m
		}
	}
	return out
}

// parsePrice reads one required, non-negative price.
func parsePrice(v, field string, errs map[string]string) domain.Micros {
	if v == "" {
		errs[field] = "Enter a price (0 for free)."
		return 0
	}
	m, err := domain.ParseMicros(v)
	if err != nil {
		errs[field] = domain.ErrorMessage(err)
		return 0
	}
	if m < 0 {
		errs[field] = "Prices cannot be negative."
	}
	return m
}

// parseEffective reads a datetime-local (or date) in the provider's zone; "" is zero (now).
func parseEffective(v string, loc *time.Location, errs map[string]string) time.Time {
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t
		}
	}
	errs["effective_from"] = "Enter a date and time like 2026-12-01 00:00."
	return time.Time{}
}

// parseVersion reads the price fields of a card version.
func (a *App) parseVersion(v map[string]string, errs map[string]string) *domain.RateCardVersion {
	ver := &domain.RateCardVersion{Multipliers: map[string]domain.Factor{}}
	ver.Prices.VCPUHour = parsePrice(v["vcpu_hour"], "vcpu_hour", errs)
	ver.Prices.MemoryGiBHour = parsePrice(v["memory_gib_hour"], "memory_gib_hour", errs)
	ver.Prices.PublicIPHour = parsePrice(v["public_ip_hour"], "public_ip_hour", errs)
	ver.Prices.MonthlyFee = parsePrice(v["monthly_fee"], "monthly_fee", errs)
	ver.Prices.DiskGiBMonth = parsePriceMap(v["disk_prices"], "disk_prices", errs)
	ver.Prices.LicenceHour = parsePriceMap(v["licence_prices"], "licence_prices", errs)
	for name, m := range parsePriceMap(v["multipliers"], "multipliers", errs) {
		if !domain.IsID(name) {
			errs["multipliers"] = "“" + name + "” is not a location id."
			continue
		}
		if m <= 0 {
			errs["multipliers"] = "A multiplier is a positive number, e.g. 1.15."
			continue
		}
		ver.Multipliers[name] = domain.Factor(m)
	}
	ver.EffectiveFrom = parseEffective(v["effective_from"], a.zone(), errs)
	return ver
}

func (a *App) zone() *time.Location {
	if a.BillingZone == nil {
		return time.UTC
	}
	return a.BillingZone
}

// versionValues fills the price form from a version.
func versionValues(v *domain.RateCardVersion) map[string]string {
	m := map[string]string{
		"vcpu_hour": views.PriceInput(v.Prices.VCPUHour), "memory_gib_hour": views.PriceInput(v.Prices.MemoryGiBHour),
		"public_ip_hour": views.PriceInput(v.Prices.PublicIPHour), "monthly_fee": views.PriceInput(v.Prices.MonthlyFee),
	}
	lines := func(mm map[string]domain.Micros) string {
		var out []string
		for k, p := range mm {
			out = append(out, k+" "+views.PriceInput(p))
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	m["disk_prices"] = lines(v.Prices.DiskGiBMonth)
	m["licence_prices"] = lines(v.Prices.LicenceHour)
	var mult []string
	for k, f := range v.Multipliers {
		mult = append(mult, k+" "+f.String())
	}
	sort.Strings(mult)
	m["multipliers"] = strings.Join(mult, "\n")
	return m
}

func mergeErrs(dst map[string]string, err error) {
	for k, m := range domain.ErrorFields(err) {
		dst[k] = m
	}
}

// HandlePricingIndex lists rate cards and what each tenant pays.
func (a *App) HandlePricingIndex(w http.ResponseWriter, r *http.Request) {
	cards, err := a.Pricing.FindRateCards(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	names := map[string]string{}
	def := ""
	for _, c := range cards {
		names[c.ID] = c.Name
		if c.IsDefault {
			def = c.Name
		}
	}
	tenants, next, err := a.Tenants.FindTenants(r.Context(), domain.TenantFilter{Cursor: r.URL.Query().Get("cursor"), Limit: 50})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	now := time.Now()
	var rows []views.TenantRateRow
	for _, t := range tenants {
		row := views.TenantRateRow{Tenant: t, Card: def}
		rates, err := a.Pricing.FindTenantRates(r.Context(), t.ID)
		if err != nil {
			a.Error(w, r, err)
			return
		}
		for _, rt := range rates {
			if !rt.EffectiveFrom.After(now) {
				row.Rate, row.Card = rt, names[rt.CardID]
			}
		}
		rows = append(rows, row)
	}
	a.page(w, r, http.StatusOK, "Pricing", "pricing", views.PricingIndex(views.PricingIndexProps{Cards: cards, Tenants: rows, Next: next, Now: now, Zone: a.zone()}))
}

// HandleRateCardNew shows the create form.
func (a *App) HandleRateCardNew(w http.ResponseWriter, r *http.Request) {
	f := views.Form{Values: map[string]string{"currency": "EUR", "vcpu_hour": "0", "memory_gib_hour": "0", "public_ip_hour": "0", "monthly_fee": "0", "disk_prices": "standard 0"}}
	a.page(w, r, http.StatusOK, "Create rate card", "pricing", views.RateCardNew(views.RateCardNewProps{Form: f, Currencies: domain.CurrencyCodes(), Zone: a.zone().String()}))
}

// HandleRateCardCreate creates a card with its first prices.
func (a *App) HandleRateCardCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, append(priceFields, "name", "currency", "default")...)
	errs := map[string]string{}
	ver := a.parseVersion(v, errs)
	card := &domain.RateCard{Name: v["name"], Currency: v["currency"], IsDefault: v["default"] == "true"}
	var err error
	if len(errs) == 0 {
		err = a.Pricing.CreateRateCard(r.Context(), card, ver)
		mergeErrs(errs, err)
	} else {
		// Report the card's own fields too, all at once.
		mergeErrs(errs, card.Validate())
		err = domain.Invalid(errs)
	}
	a.auditAction(r, "", "ratecard.create", v["name"], err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.page(w, r, status, "Create rate card", "pricing", views.RateCardNew(views.RateCardNewProps{Form: f, Currencies: domain.CurrencyCodes(), Zone: a.zone().String()}))
		})
		return
	}
	a.flash(r, "ok", "Rate card "+card.Name+" created.")
	redirect(w, r, "/admin/pricing/"+card.ID)
}

func (a *App) cardParam(w http.ResponseWriter, r *http.Request) *domain.RateCard {
	c, err := a.Pricing.FindRateCardByID(r.Context(), chi.URLParam(r, "cardID"))
	if err != nil {
		a.Error(w, r, err)
		return nil
	}
	return c
}

// HandleRateCardShow shows a card's versions and the new-version form.
func (a *App) HandleRateCardShow(w http.ResponseWriter, r *http.Request) {
	c := a.cardParam(w, r)
	if c == nil {
		return
	}
	f := views.Form{Values: map[string]string{}}
	if n := len(c.Versions); n > 0 {
		f.Values = versionValues(c.Versions[n-1])
	}
	a.renderRateCard(w, r, http.StatusOK, c, f, nil)
}

func (a *App) renderRateCard(w http.ResponseWriter, r *http.Request, status int, c *domain.RateCard, f views.Form, preview *views.PricePreview) {
	tenants, _, err := a.Tenants.FindTenants(r.Context(), domain.TenantFilter{Limit: 200})
	if err != nil {
		a.Error(w, r, err)
		return
	}
	names, err := a.Billing.LocationNames(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, status, c.Name, "pricing", views.RateCardPage(views.RateCardProps{Card: c, Form: f, Tenants: tenants, Preview: preview, Zone: a.zone(), Now: time.Now(), Locations: names}))
}

// HandleRateCardVersion previews or saves new prices for a card.
func (a *App) HandleRateCardVersion(w http.ResponseWriter, r *http.Request) {
	c := a.cardParam(w, r)
	if c == nil {
		return
	}
	v := formValues(r, append(priceFields, "preview_tenant", "action")...)
	errs := map[string]string{}
	ver := a.parseVersion(v, errs)
	if len(errs) == 0 {
		mergeErrs(errs, ver.Validate())
		delete(errs, "effective_from") // zero means now
	}
	rerender := func(status int, f views.Form) { a.renderRateCard(w, r, status, c, f, nil) }
	if len(errs) > 0 {
		a.formError(w, r, domain.Invalid(errs), v, rerender)
		return
	}
	if v["action"] == "preview" {
		p, err := a.previewDraft(r, c, ver, v["preview_tenant"])
		if err != nil {
			a.Error(w, r, err)
			return
		}
		a.renderRateCard(w, r, http.StatusOK, c, views.Form{Values: v}, p)
		return
	}
	err := a.Pricing.AddRateCardVersion(r.Context(), c.ID, ver)
	a.auditAction(r, "", "ratecard.version", c.Name, err)
	if err != nil {
		a.formError(w, r, err, v, rerender)
		return
	}
	a.flash(r, "ok", "New prices for "+c.Name+" apply from "+ver.EffectiveFrom.In(a.zone()).Format("2006-01-02 15:04")+".")
	redirect(w, r, "/admin/pricing/"+c.ID)
}

// previewDraft asks manage/pricing for the draft's preview and shapes it
// for the view.
func (a *App) previewDraft(r *http.Request, c *domain.RateCard, ver *domain.RateCardVersion, tenantID string) (*views.PricePreview, error) {
	pv := &pricing.Previewer{Tenants: a.Tenants, Pricing: a.Pricing, Catalogue: a.Catalogue, Billing: a.Billing}
	got, err := pv.PreviewDraft(r.Context(), c, ver, tenantID, time.Now())
	if err != nil {
		return nil, err
	}
	rows := func(in []pricing.Row) []views.PreviewRow {
		var out []views.PreviewRow
		for _, row := range in {
			out = append(out, views.PreviewRow{Label: row.Label, Now: row.Now, Draft: row.Draft})
		}
		return out
	}
	return &views.PricePreview{TenantName: got.TenantName, Note: got.Note, Shapes: rows(got.Shapes), Machines: rows(got.Machines)}, nil
}

// HandleRateCardDefault makes a card the default.
func (a *App) HandleRateCardDefault(w http.ResponseWriter, r *http.Request) {
	c := a.cardParam(w, r)
	if c == nil {
		return
	}
	err := a.Pricing.SetDefaultRateCard(r.Context(), c.ID)
	a.auditAction(r, "", "ratecard.default", c.Name, err)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", c.Name+" is the default rate card from now on; tenants without their own assignment keep their past prices.")
	redirect(w, r, "/admin/pricing/"+c.ID)
}

var overrideFields = []string{"card_id", "discount", "override_vcpu_hour", "override_memory_gib_hour", "override_public_ip_hour", "override_monthly_fee", "override_disk_gib_month", "override_licence_hour", "effective_from"}

// HandleTenantPricing shows a tenant's prices and the assignment form.
func (a *App) HandleTenantPricing(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	f := views.Form{Values: map[string]string{"discount": "0"}}
	rates, err := a.Pricing.FindTenantRates(r.Context(), t.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	if n := len(rates); n > 0 {
		last := rates[n-1]
		f.Values["card_id"] = last.CardID
		f.Values["discount"] = domain.PercentString(last.DiscountBP)
		o := last.Overrides
		for name, m := range map[string]*domain.Micros{"override_vcpu_hour": o.VCPUHour, "override_memory_gib_hour": o.MemoryGiBHour, "override_public_ip_hour": o.PublicIPHour, "override_monthly_fee": o.MonthlyFee} {
			if m != nil {
				f.Values[name] = views.PriceInput(*m)
			}
		}
		lines := versionValues(&domain.RateCardVersion{Prices: domain.Prices{DiskGiBMonth: o.DiskGiBMonth, LicenceHour: o.LicenceHour}})
		f.Values["override_disk_gib_month"], f.Values["override_licence_hour"] = lines["disk_prices"], lines["licence_prices"]
	}
	a.renderTenantPricing(w, r, http.StatusOK, t, f)
}

func (a *App) renderTenantPricing(w http.ResponseWriter, r *http.Request, status int, t *domain.Tenant, f views.Form) {
	cards, err := a.Pricing.FindRateCards(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	rates, err := a.Pricing.FindTenantRates(r.Context(), t.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	names := map[string]string{}
	for _, c := range cards {
		names[c.ID] = c.Name
	}
	invs, err := a.Billing.FindInvoices(r.Context(), t.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	p := views.TenantPricingProps{Tenant: t, Rates: rates, Cards: cards, CardNames: names, Form: f, Zone: a.zone(), Invoices: invs}
	if cur, err := a.Pricing.PricesAt(r.Context(), t.ID, time.Now()); err == nil {
		p.Current = cur
		p.Example = domain.QuoteShape(cur, "", pricing.ExampleShape, "")
	}
	a.page(w, r, status, "Prices of "+t.Name, "pricing", views.TenantPricing(p))
}

// HandleTenantPricingAssign assigns a card with discount and overrides.
func (a *App) HandleTenantPricingAssign(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	v := formValues(r, overrideFields...)
	errs := map[string]string{}
	rate := &domain.TenantRate{TenantID: t.ID, CardID: v["card_id"]}
	bp, err := domain.ParsePercentBP(v["discount"])
	if err != nil || bp > 10000 {
		errs["discount"] = "The discount is a percentage between 0 and 100, e.g. 12.5."
	}
	rate.DiscountBP = bp
	opt := func(name string) *domain.Micros {
		if v[name] == "" {
			return nil
		}
		m := parsePrice(v[name], name, errs)
		return &m
	}
	rate.Overrides = domain.Overrides{VCPUHour: opt("override_vcpu_hour"), MemoryGiBHour: opt("override_memory_gib_hour"),
		PublicIPHour: opt("override_public_ip_hour"), MonthlyFee: opt("override_monthly_fee"),
		DiskGiBMonth: parsePriceMap(v["override_disk_gib_month"], "override_disk_gib_month", errs),
		LicenceHour:  parsePriceMap(v["override_licence_hour"], "override_licence_hour", errs)}
	rate.EffectiveFrom = parseEffective(v["effective_from"], a.zone(), errs)
	if len(errs) == 0 {
		err = a.Pricing.AssignRateCard(r.Context(), rate)
		mergeErrs(errs, err)
	} else {
		err = domain.Invalid(errs)
	}
	a.auditAction(r, t.ID, "ratecard.assign", t.Slug, err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderTenantPricing(w, r, status, t, f) })
		return
	}
	a.flash(r, "ok", "Prices of "+t.Name+" saved; they apply from "+rate.EffectiveFrom.In(a.zone()).Format("2006-01-02 15:04")+".")
	redirect(w, r, "/admin/pricing/tenants/"+t.ID)
}
