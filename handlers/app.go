// Package handlers holds Tessera's HTTP handlers: portal pages, admin pages
// and the user API. Handlers parse input, call a domain service and render a
// view or JSON; they hold no business rules.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"

	"tessera/domain"
	"tessera/manage/storage"
	"tessera/views"
)

// App holds what the handlers need. It is built once at start-up.
type App struct {
	Tenants  domain.TenantService
	Users    domain.UserService
	Audit    domain.AuditService
	Login    *domain.LoginService
	Hasher   domain.PasswordHasher
	Sessions *scs.SessionManager
	Log      *slog.Logger
	Assets   views.Assets
	// Branding returns the look of a host: the tenant's (nil for the provider's).
	Branding func(ctx context.Context, tenant *domain.Tenant) (domain.Branding, string)
	// Placer places machines across sites; nil until locations exist.
	Placer *domain.Placer
	// Machines, catalogue, API tokens and the sites they run on.
	Machines  domain.MachineService
	Catalogue domain.CatalogueService
	Tokens    domain.TokenService
	Sites     domain.SiteConnector
	Pricer    domain.Pricer
	Costs     domain.CostService // nil until billing lands
	// Brand is the branding settings' store and host-name helpers.
	Brand *BrandingConfig
	// Locations, Secrets and CheckSite serve the provider admin's
	// Locations & sites pages; CheckSite refreshes one site's health now.
	Locations domain.LocationService
	Secrets   domain.SecretBox
	CheckSite siteChecker
	// ProbeSite asks a site at apiURL for its info with token, before its
	// new connection settings are saved (nil: saved without asking).
	ProbeSite siteProber

	SiteReports domain.SiteReportStore // what each site last reported of its settings
	// Storage serves the disks, networks, addresses, snapshots and images
	// pages and API; it queues site operations and never calls a site.
	Storage *storage.Manager
	// Pricing, Billing and BillingZone: rate cards, invoices, usage.
	Pricing     domain.PricingService
	Billing     domain.BillingService
	BillingZone *time.Location
	// TrustProxy takes the client address from X-Forwarded-For (set when
	// manage runs behind a load balancer that sets it).
	TrustProxy bool

	// Directories and DirectoryTester serve tenants' LDAP settings (single sign-on).
	Directories     domain.DirectoryService
	DirectoryTester domain.DirectoryTester
	// DirectoryRechecker looks signed-in directory users up again every
	// DirectoryRecheck (default 5 minutes) so leavers lose access at once.
	DirectoryRechecker domain.DirectoryRechecker
	DirectoryRecheck   time.Duration
}

type ctxKey int

const (
	principalKey ctxKey = iota
	hostTenantKey
	requestIDKey
)

// Principal is the signed-in user and their tenant (nil for provider admins).
type Principal struct {
	User   *domain.User
	Tenant *domain.Tenant
	// Token is set when the request authenticated with an API token.
	TokenID string
}

// TenantID is the principal's tenant id, "" for provider admins.
func (p *Principal) TenantID() string {
	if p == nil || p.Tenant == nil {
		return ""
	}
	return p.Tenant.ID
}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the signed-in principal or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// WithHostTenant records which tenant the request's host name belongs to
// (nil: the provider's own host).
func WithHostTenant(ctx context.Context, t *domain.Tenant) context.Context {
	return context.WithValue(ctx, hostTenantKey, t)
}

// HostTenant returns the tenant of the request's host, nil on the provider's host.
func HostTenant(ctx context.Context) *domain.Tenant {
	t, _ := ctx.Value(hostTenantKey).(*domain.Tenant)
	return t
}

// WithRequestID stores the request id for logs and error pages.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id, "" if none.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// ClientAddr is the caller's IP address.
func (a *App) ClientAddr(r *http.Request) string {
	if a.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			return strings.TrimSpace(strings.Split(xff, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// shell builds the frame of a page for the current request.
func (a *App) shell(r *http.Request, title, nav string) views.Shell {
	s := views.Shell{Title: title, Nav: nav, Assets: a.Assets}
	p := PrincipalFrom(r.Context())
	if p != nil {
		s.User, s.Tenant = p.User, p.Tenant
	}
	brandTenant := HostTenant(r.Context())
	if _, resolved := r.Context().Value(hostTenantKey).(*domain.Tenant); !resolved && a.Brand != nil && a.Brand.ResolveHost != nil {
		// A page rendered outside the host middleware (a panic's 500 page).
		brandTenant = a.Brand.ResolveHost(r)
	}
	if brandTenant == nil && p != nil {
		brandTenant = p.Tenant
	}
	s.Brand = domain.DefaultBranding
	if a.Branding != nil {
		s.Brand, s.ThemeURL = a.Branding(r.Context(), brandTenant)
	}
	if a.Sessions != nil && r.Context().Value(sessionsLoadedKey{}) != nil {
		if msg := a.Sessions.PopString(r.Context(), "flash"); msg != "" {
			kind, text, ok := strings.Cut(msg, "|")
			if !ok {
				kind, text = "ok", msg
			}
			s.Flash = views.Flash{Kind: kind, Message: text}
		}
	}
	return s
}

type sessionsLoadedKey struct{}

// LoadSession loads and saves the scs session around next and marks the
// context, so pages rendered before it (an unknown host's 404) skip the flash.
func (a *App) LoadSession(next http.Handler) http.Handler {
	mark := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionsLoadedKey{}, true)))
	})
	return a.Sessions.LoadAndSave(mark)
}

// flash stores a one-time notice shown on the next page.
func (a *App) flash(r *http.Request, kind, msg string) {
	a.Sessions.Put(r.Context(), "flash", kind+"|"+msg)
}

// render writes a component as an HTML page with status.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		slog.ErrorContext(r.Context(), "render", "err", err, "request_id", RequestID(r.Context()))
	}
}

// page renders content in the signed-in frame.
func (a *App) page(w http.ResponseWriter, r *http.Request, status int, title, nav string, content templ.Component) {
	render(w, r, status, views.Page(a.shell(r, title, nav), content))
}

// redirect sends the browser to path after a POST (303 See Other). For htmx
// requests it uses HX-Redirect so the whole page changes.
func redirect(w http.ResponseWriter, r *http.Request, path string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", path)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// formValues collects the named form fields, trimmed.
func formValues(r *http.Request, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	return m
}

// safeNext accepts only local paths as a post-log-in target.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return next
}

// auditAction records an action of the current principal with its result.
func (a *App) auditAction(r *http.Request, tenantID, action, target string, err error) {
	e := &domain.AuditEvent{TenantID: tenantID, Action: action, Target: target, Address: a.ClientAddr(r), Result: "ok"}
	if p := PrincipalFrom(r.Context()); p != nil {
		e.UserID, e.Actor = p.User.ID, p.User.Login
	}
	if err != nil {
		e.Result = domain.ErrorCode(err)
		e.Detail = domain.ErrorMessage(err)
	}
	a.RecordAudit(r.Context(), e)
}

// RecordAudit stores e, logging (not failing the request) if that fails.
func (a *App) RecordAudit(ctx context.Context, e *domain.AuditEvent) {
	if a.Audit == nil {
		return
	}
	if err := a.Audit.RecordAudit(ctx, e); err != nil {
		slog.ErrorContext(ctx, "audit record failed", "err", err, "action", e.Action)
	}
}
