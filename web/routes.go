package web

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tessera/domain"
)

// routes is the one readable list of every route of manage.
func (s *Server) routes(st *staticFiles, m *metrics) http.Handler {
	a := s.App
	r := chi.NewRouter()
	r.NotFound(a.NotFound)
	r.MethodNotAllowed(a.MethodNotAllowed)
	r.Use(requestID, m.observe(s.Log), recoverer(a), securityHeaders(s.Config.PublicURL != "" && s.Config.PublicURL[:5] == "https"))

	// Operational endpoints answer on any host name (load balancers, Prometheus).
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	r.Get("/readyz", s.handleReady)
	r.Handle("/metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	r.Handle("/static/*", st)

	r.Group(func(r chi.Router) {
		r.Use(crossOrigin(a), hostTenant(a, s.Hosts))
		// Branding: the host's theme, its images, the settings preview's colours.
		r.Get("/theme.css", a.HandleThemeCSS)
		r.Get("/branding/preview.css", a.HandlePreviewCSS)
		r.Get("/branding/img/{name}", a.HandleBrandImage)
		r.Get("/favicon.ico", a.HandleFavicon)

		// The user API: Bearer tokens, no session; a token acts with its
		// user's role. Every route but the document needs a token.
		r.Route("/api/v1", func(r chi.Router) {
			r.Get("/openapi.json", a.HandleOpenAPI)
			r.Group(func(r chi.Router) {
				r.Use(a.APIAuthenticate)
				r.Get("/locations", a.HandleAPILocations)
				r.Get("/flavors", a.HandleAPIFlavors)
				r.Get("/images", a.HandleAPIImages)
				r.Get("/images/{imageID}", a.HandleAPIImageGet)
				r.Get("/machines", a.HandleAPIMachineList)
				r.Get("/machines/{machineID}", a.HandleAPIMachineGet)
				r.Get("/machines/{machineID}/snapshots", a.HandleAPISnapshotList)
				r.Get("/snapshots/{id}", a.HandleAPISnapshotGet)
				r.Get("/disks", a.HandleAPIDiskList)
				r.Get("/disks/{id}", a.HandleAPIDiskGet)
				r.Get("/networks", a.HandleAPINetworkList)
				r.Get("/networks/{id}", a.HandleAPINetworkGet)
				r.Get("/networks/{id}/rules", a.HandleAPIRuleList)
				r.Get("/addresses", a.HandleAPIAddressList)
				r.Get("/addresses/{id}", a.HandleAPIAddressGet)
				r.Get("/usage", a.HandleAPIUsage)
				r.Get("/invoices", a.HandleAPIInvoices)
				r.Get("/invoices/{invoiceID}", a.HandleAPIInvoice)
				r.Group(func(r chi.Router) {
					r.Use(a.RequireWriter)
					r.Post("/machines", a.HandleAPIMachineCreate)
					r.Post("/machines/{machineID}/start", a.HandleAPIAction(domain.ActionStart))
					r.Post("/machines/{machineID}/stop", a.HandleAPIAction(domain.ActionStop))
					r.Post("/machines/{machineID}/reboot", a.HandleAPIAction(domain.ActionReboot))
					r.Post("/machines/{machineID}/resize", a.HandleAPIAction(domain.ActionResize))
					r.Delete("/machines/{machineID}", a.HandleAPIAction(domain.ActionDelete))
					r.Post("/machines/{machineID}/image", a.HandleAPIMachineSaveImage)
					r.Post("/machines/{machineID}/snapshots", a.HandleAPISnapshotCreate)
					r.Delete("/images/{imageID}", a.HandleAPIImageDelete)
					r.Post("/snapshots/{id}/revert", a.HandleAPISnapshotRevert)
					r.Delete("/snapshots/{id}", a.HandleAPISnapshotDelete)
					r.Post("/disks", a.HandleAPIDiskCreate)
					r.Delete("/disks/{id}", a.HandleAPIDiskDelete)
					r.Post("/disks/{id}/grow", a.HandleAPIDiskGrow)
					r.Post("/disks/{id}/attach", a.HandleAPIDiskAttach)
					r.Post("/disks/{id}/detach", a.HandleAPIDiskDetach)
					r.Post("/networks", a.HandleAPINetworkCreate)
					r.Delete("/networks/{id}", a.HandleAPINetworkDelete)
					r.Post("/networks/{id}/rules", a.HandleAPIRuleCreate)
					r.Delete("/networks/{id}/rules/{ruleID}", a.HandleAPIRuleDelete)
					r.Post("/addresses", a.HandleAPIAddressAllocate)
					r.Post("/addresses/{id}/attach", a.HandleAPIAddressAttach)
					r.Post("/addresses/{id}/detach", a.HandleAPIAddressDetach)
					r.Delete("/addresses/{id}", a.HandleAPIAddressRelease)
				})
			})
		})

		// Browser pages: session, then the signed-in user.
		r.Group(func(r chi.Router) {
			r.Use(a.LoadSession, a.Authenticate)
			r.Get("/login", a.HandleLoginPage)
			r.Post("/login", a.HandleLogin)
			r.Post("/logout", a.HandleLogout)

			r.Group(func(r chi.Router) {
				r.Use(a.RequireUser)
				r.Get("/", a.HandleHome)

				// The tenant portal.
				r.Group(func(r chi.Router) {
					r.Use(a.RequireTenantUser)
					r.Get("/machines", a.HandleMachineIndex)
					r.Get("/machines/{machineID}", a.HandleMachineShow)
					r.Get("/machines/{machineID}/resize", a.HandleMachineResizePage)
					r.Group(func(r chi.Router) {
						r.Use(a.RequireWriter)
						r.Get("/machines/new", a.HandleMachineNew)
						r.Get("/machines/new/price", a.HandleMachinePrice)
						r.Get("/machines/new/placement", a.HandlePlacementPreview)
						r.Get("/machines/new/name", a.HandleMachineNameCheck)
						r.Post("/machines", a.HandleMachineCreate)
						r.Post("/machines/{machineID}/start", a.HandleMachineAction(domain.ActionStart))
						r.Post("/machines/{machineID}/stop", a.HandleMachineAction(domain.ActionStop))
						r.Post("/machines/{machineID}/reboot", a.HandleMachineAction(domain.ActionReboot))
						r.Post("/machines/{machineID}/resize", a.HandleMachineAction(domain.ActionResize))
						r.Post("/machines/{machineID}/delete", a.HandleMachineAction(domain.ActionDelete))
						// The machine page's disks, public addresses and snapshots.
						r.Post("/machines/{machineID}/disks", a.HandleMachineDiskAttach)
						r.Post("/machines/{machineID}/disks/{diskID}/detach", a.HandleMachineDiskDetach)
						r.Post("/machines/{machineID}/addresses", a.HandleMachineAddressAttach)
						r.Post("/machines/{machineID}/addresses/new", a.HandleMachineAddressNew)
						r.Post("/machines/{machineID}/addresses/{addressID}/detach", a.HandleMachineAddressDetach)
						r.Post("/machines/{machineID}/snapshots", a.HandleMachineSnapshotCreate)
						r.Post("/machines/{machineID}/snapshots/{snapshotID}/revert", a.HandleMachineSnapshotRevert)
						r.Post("/machines/{machineID}/snapshots/{snapshotID}/delete", a.HandleMachineSnapshotDelete)
						r.Post("/machines/{machineID}/image", a.HandleMachineSaveImage)
						r.Post("/images/{imageID}/delete", a.HandleImageDelete)
					})
					r.Get("/images", a.HandleImageIndex)
					r.Get("/disks", a.HandleDisks)
					r.Get("/networks", a.HandleNetworks)
					r.Get("/networks/{networkID}", a.HandleNetworkShow)
					r.Group(func(r chi.Router) {
						r.Use(a.RequireWriter)
						r.Post("/disks", a.HandleDiskCreate)
						r.Post("/disks/{diskID}/delete", a.HandleDiskDelete)
						r.Post("/disks/{diskID}/grow", a.HandleDiskGrow)
						r.Post("/disks/{diskID}/attach", a.HandleDiskAttach)
						r.Post("/disks/{diskID}/detach", a.HandleDiskDetach)
						r.Post("/networks", a.HandleNetworkCreate)
						r.Post("/networks/{networkID}/delete", a.HandleNetworkDelete)
						r.Post("/networks/{networkID}/rules", a.HandleRuleCreate)
						r.Post("/networks/{networkID}/rules/{ruleID}/delete", a.HandleRuleDelete)
						r.Post("/addresses", a.HandleAddressAllocate)
						r.Post("/addresses/{addressID}/release", a.HandleAddressRelease)
					})
					r.Get("/billing", a.HandleBilling)
					r.Get("/billing/invoices/{invoiceID}", a.HandleInvoice)
					r.Get("/billing/invoices/{invoiceID}/csv", a.HandleInvoiceCSV)
					r.Get("/settings", a.HandleSettings)
					r.Get("/settings/tokens", a.HandleTokens)
					r.Post("/settings/tokens", a.HandleTokenCreate)
					r.Post("/settings/tokens/{tokenID}/revoke", a.HandleTokenRevoke)
					r.Group(func(r chi.Router) {
						r.Use(a.RequireTenantAdmin)
						r.Get("/audit", a.HandleTenantAudit)
						r.Get("/settings/users", a.HandleUsersPage)
						r.Post("/settings/users", a.HandleUsersCreate)
						r.Post("/settings/users/{userID}", a.HandleUsersUpdate)
						r.Post("/settings/users/{userID}/password", a.HandleUsersPassword)
						r.Get("/settings/directory", a.HandleDirectoryPage)
						r.Post("/settings/directory", a.HandleDirectorySave)
						r.Post("/settings/directory/test", a.HandleDirectoryTest)
						r.Get("/settings/branding", a.HandleBrandingPage)
						r.Post("/settings/branding", a.HandleBrandingSave)
						r.Post("/settings/branding/preview", a.HandleBrandingPreview)
					})
				})

				// The provider admin's area.
				r.Route("/admin", func(r chi.Router) {
					r.Use(a.RequireProviderAdmin)
					r.Get("/", func(w http.ResponseWriter, r *http.Request) {
						http.Redirect(w, r, "/admin/tenants", http.StatusSeeOther)
					})
					r.Get("/tenants", a.HandleTenantIndex)
					r.Get("/tenants/new", a.HandleTenantNew)
					r.Post("/tenants", a.HandleTenantCreate)
					r.Get("/tenants/{tenantID}", a.HandleTenantShow)
					r.Get("/tenants/{tenantID}/edit", a.HandleTenantEdit)
					r.Post("/tenants/{tenantID}", a.HandleTenantUpdate)
					r.Post("/tenants/{tenantID}/suspend", a.HandleTenantSetStatus(domain.TenantSuspended))
					r.Post("/tenants/{tenantID}/resume", a.HandleTenantSetStatus(domain.TenantActive))
					r.Post("/tenants/{tenantID}/users", a.HandleTenantUserCreate)
					r.Post("/tenants/{tenantID}/users/{userID}", a.HandleTenantUserUpdate)
					r.Post("/tenants/{tenantID}/users/{userID}/password", a.HandleTenantUserPassword)
					r.Get("/tenants/{tenantID}/directory", a.HandleTenantDirectoryPage)
					r.Post("/tenants/{tenantID}/directory", a.HandleTenantDirectorySave)
					r.Post("/tenants/{tenantID}/directory/test", a.HandleTenantDirectoryTest)
					r.Get("/locations", a.HandleLocations)
					r.Post("/locations", a.HandleLocationCreate)
					r.Post("/locations/sites", a.HandleSiteCreate)
					r.Get("/locations/sites/{siteID}", a.HandleSiteShow)
					r.Post("/locations/sites/{siteID}/check", a.HandleSiteCheck)
					r.Post("/locations/sites/{siteID}/connection", a.HandleSiteConnectionSave)
					r.Post("/locations/sites/{siteID}/disable", a.HandleSiteSetEnabled(false))
					r.Post("/locations/sites/{siteID}/enable", a.HandleSiteSetEnabled(true))
					r.Get("/locations/sites/{siteID}/storage", a.HandleSiteStorage)
					r.Post("/locations/sites/{siteID}/storage", a.HandleSiteStorageSave)
					r.Post("/locations/sites/{siteID}/network-pool", a.HandleSiteNetworkPoolSave)
					r.Get("/pools", a.HandlePools)
					r.Post("/pools", a.HandlePoolCreate)
					r.Get("/images", a.HandleImages)
					r.Post("/images", a.HandleImagePublish)
					r.Get("/catalogue", a.HandleCatalogue)
					r.Post("/catalogue/flavors", a.HandleFlavorCreate)
					r.Post("/catalogue/images", a.HandleImageCreate)
					r.Post("/catalogue/flavors/{id}/delete", a.HandleCatalogueDelete("flavor"))
					r.Post("/catalogue/images/{id}/delete", a.HandleCatalogueDelete("image"))
					r.Get("/tenants/{tenantID}/catalogue", a.HandleTenantCatalogue)
					r.Post("/tenants/{tenantID}/catalogue", a.HandleTenantAllow)
					r.Post("/tenants/{tenantID}/quota", a.HandleTenantQuota)
					r.Get("/pricing", a.HandlePricingIndex)
					r.Get("/pricing/new", a.HandleRateCardNew)
					r.Post("/pricing", a.HandleRateCardCreate)
					r.Get("/pricing/{cardID}", a.HandleRateCardShow)
					r.Post("/pricing/{cardID}/versions", a.HandleRateCardVersion)
					r.Post("/pricing/{cardID}/default", a.HandleRateCardDefault)
					r.Get("/pricing/tenants/{tenantID}", a.HandleTenantPricing)
					r.Post("/pricing/tenants/{tenantID}", a.HandleTenantPricingAssign)
					r.Get("/pricing/tenants/{tenantID}/invoices/{invoiceID}", a.HandleAdminInvoice)
					r.Get("/pricing/tenants/{tenantID}/invoices/{invoiceID}/csv", a.HandleAdminInvoiceCSV)
					r.Get("/audit", a.HandleAdminAudit)
					r.Get("/placement", a.HandlePlacementIndex)
					r.Get("/placement/locations/{locationID}", a.HandlePlacementLocation)
					r.Post("/placement/locations/{locationID}", a.HandlePlacementLocationSave)
					r.Get("/placement/sites/{siteID}", a.HandlePlacementSite)
					r.Post("/placement/sites/{siteID}", a.HandlePlacementSiteSave)
					r.Get("/placement/decisions/{machineID}", a.HandlePlacementDecision)
					r.Get("/branding", a.HandleProviderBrandingPage)
					r.Post("/branding", a.HandleProviderBrandingSave)
					r.Post("/branding/preview", a.HandleProviderBrandingPreview)
					r.Get("/tenants/{tenantID}/branding", a.HandleAdminTenantBrandingPage)
					r.Post("/tenants/{tenantID}/branding", a.HandleAdminTenantBrandingSave)
					r.Post("/tenants/{tenantID}/branding/preview", a.HandleAdminTenantBrandingPreview)
					r.Post("/tenants/{tenantID}/domains", a.HandleTenantDomainAdd)
					r.Post("/tenants/{tenantID}/domains/remove", a.HandleTenantDomainRemove)
				})
			})
		})
	})
	return r
}

// handleReady answers 200 when the database answers within 2 seconds.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		http.Error(w, "database unreachable\n", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
