package handlers

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// addressesSection loads the tenant's public addresses for the Networks page.
func (a *App) addressesSection(r *http.Request, tid string) (views.AddressesProps, error) {
	addrs, _, err := a.Storage.Addresses.PublicAddresses(r.Context(), domain.PublicAddressFilter{TenantID: tid, Limit: 100})
	if err != nil {
		return views.AddressesProps{}, err
	}
	p := views.AddressesProps{Addresses: addrs, Hourly: map[string]string{}}
	if a.Storage.Pricing != nil {
		if e, err := a.Storage.Pricing.PricesAt(r.Context(), tid, time.Now()); err == nil {
			for _, ad := range addrs {
				p.Hourly[ad.ID] = hourlyPrice(domain.AddressHourly(e, ad.LocationID), e.Currency)
			}
		}
	}
	return p, nil
}

// HandleAddressAllocate gives the tenant a public address in a location.
func (a *App) HandleAddressAllocate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "address_location")
	tid := PrincipalFrom(r.Context()).TenantID()
	var addr *domain.PublicAddress
	loc, err := a.resolveLocation(r.Context(), tid, v["address_location"])
	if err == nil {
		addr, err = a.Storage.Addresses.AllocatePublic(r.Context(), tid, loc, "")
	}
	a.auditAction(r, tid, "address.allocate", v["address_location"], err)
	if err != nil {
		if fe := domain.ErrorFields(err); fe != nil {
			a.renderNetworks(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Values: v, Errors: map[string]string{"address_location": fe["location"]}})
			return
		}
		if domain.ErrorCode(err) == domain.ECONFLICT {
			a.renderNetworks(w, r, http.StatusConflict, views.Form{Message: domain.ErrorMessage(err)})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Public address "+addr.Address+" is yours.")
	redirect(w, r, "/networks#addresses")
}

// HandleAddressRelease gives an unattached address back.
func (a *App) HandleAddressRelease(w http.ResponseWriter, r *http.Request) {
	tid := PrincipalFrom(r.Context()).TenantID()
	id := chi.URLParam(r, "addressID")
	err := a.Storage.Addresses.ReleasePublic(r.Context(), tid, id)
	a.auditAction(r, tid, "address.release", id, err)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Address released.")
	redirect(w, r, "/networks#addresses")
}

// hourlyPrice shows an hourly price to four places, as machine prices are
// ("0.0050 EUR"): a public address costs fractions of a cent per hour.
func hourlyPrice(m domain.Micros, currency string) string {
	return m.Decimal(4) + " " + currency
}
