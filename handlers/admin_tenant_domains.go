package handlers

import (
	"context"
	"net/http"
	"strings"

	"tessera/domain"
	"tessera/views"
)

type domainFormKey struct{}

// tenantDomainsCard is the custom-domain and branding card of the provider
// admin's tenant page.
func (a *App) tenantDomainsCard(r *http.Request, t *domain.Tenant) views.TenantBrandingCardProps {
	p := views.TenantBrandingCardProps{Tenant: t}
	if f, ok := r.Context().Value(domainFormKey{}).(views.Form); ok {
		p.Form = f
	}
	if a.Brand == nil {
		return p
	}
	ds, err := a.Brand.Store.FindDomains(r.Context(), t.ID)
	if err != nil {
		logInternal(r, err)
	}
	p.Domains = ds
	return p
}

// HandleTenantDomainAdd assigns a custom domain to a tenant.
func (a *App) HandleTenantDomainAdd(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	typed := strings.TrimSpace(r.PostFormValue("domain"))
	host, err := a.Brand.NormalizeHost(typed)
	if err == nil && strings.ContainsAny(typed, ":/ ") {
		err = domain.Invalid(map[string]string{"domain": "Enter only the host name, without http:// or a port."})
	}
	if err == nil {
		err = domain.ValidateDomainName(host)
	} else if domain.ErrorFields(err) == nil {
		err = domain.Invalid(map[string]string{"domain": "Enter a host name like cloud.acme.example."})
	}
	if err == nil && a.Brand.ReservedHost(host) {
		err = domain.Invalid(map[string]string{"domain": "This name is the provider's own or a <slug> name of the base domain; choose the customer's own domain."})
	}
	if err == nil {
		err = a.Brand.Store.AddDomain(r.Context(), t.ID, host)
	}
	a.auditAction(r, t.ID, "tenant.domain_add", host, err)
	if err != nil {
		a.formError(w, r, err, map[string]string{"domain": typed}, func(_ int, f views.Form) {
			// The domain form is a card on the tenant's page; a domain
			// another tenant holds is a mistake in the field like a
			// malformed one, so both answer 422.
			ctx := context.WithValue(r.Context(), domainFormKey{}, f)
			a.renderTenantDetail(w, r.WithContext(ctx), StatusOf(domain.EINVALID), t, views.Form{Values: map[string]string{"role": "admin"}})
		})
		return
	}
	a.flash(r, "ok", "Domain "+host+" now serves "+t.Name+"'s portal. Point its DNS at this cloud and give it a TLS certificate.")
	redirect(w, r, "/admin/tenants/"+t.ID)
}

// HandleTenantDomainRemove takes a custom domain from a tenant.
func (a *App) HandleTenantDomainRemove(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	host := r.PostFormValue("domain")
	err := a.Brand.Store.RemoveDomain(r.Context(), t.ID, host)
	a.auditAction(r, t.ID, "tenant.domain_remove", host, err)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Domain "+host+" removed: it no longer serves "+t.Name+"'s portal.")
	redirect(w, r, "/admin/tenants/"+t.ID)
}
