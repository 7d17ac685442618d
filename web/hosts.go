package web

import (
	"context"
	"net"
	"strings"

	"golang.org/x/net/idna"

	"tessera/domain"
)

// HostResolver finds the tenant of a request's host name: a provider host, or
// <slug>.<base domain>, or (with custom domains) a tenant's own domain.
type HostResolver struct {
	ProviderHosts map[string]bool
	BaseDomain    string
	Tenants       domain.TenantService
	// CustomDomain finds a tenant by a custom domain; optional.
	CustomDomain func(ctx context.Context, host string) (*domain.Tenant, error)

	cache *brandCache // known hosts; nil: every request asks the database
}

// NewHostResolver normalises the configured names.
func NewHostResolver(providerHosts []string, baseDomain string, tenants domain.TenantService) *HostResolver {
	h := &HostResolver{ProviderHosts: map[string]bool{}, Tenants: tenants}
	for _, p := range providerHosts {
		if n, err := NormalizeHost(p); err == nil {
			h.ProviderHosts[n] = true
		}
	}
	if n, err := NormalizeHost(baseDomain); err == nil {
		h.BaseDomain = n
	}
	return h
}

// NormalizeHost lower-cases a Host header value, drops the port and a
// trailing dot, and turns an internationalised name into its ASCII form.
func NormalizeHost(host string) (string, error) {
	host = strings.TrimSpace(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	if host == "" {
		return "", domain.Errorf(domain.ENOTFOUND, "No host name in the request.")
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), nil
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil || strings.Contains(ascii, "..") || strings.HasPrefix(ascii, ".") {
		return "", domain.Errorf(domain.ENOTFOUND, "The host name is not valid.")
	}
	return strings.ToLower(ascii), nil
}

// Resolve returns (nil, nil) for a provider host, the tenant for a tenant
// host, or ENOTFOUND for any other name.
func (h *HostResolver) Resolve(ctx context.Context, rawHost string) (*domain.Tenant, error) {
	host, err := NormalizeHost(rawHost)
	if err != nil {
		return nil, err
	}
	if h.ProviderHosts[host] {
		return nil, nil
	}
	if h.cache == nil {
		return h.lookup(ctx, host)
	}
	if t, ok := h.cache.host(host); ok {
		return t, nil
	}
	gen := h.cache.generation()
	h.cache.loads.WithLabelValues("host").Inc()
	t, err := h.lookup(ctx, host)
	if err == nil {
		h.cache.putHost(gen, host, t)
	}
	return t, err
}

// reserved reports whether a normalised host name is the provider's or one
// of the <slug>.<base domain> names: it cannot be a custom domain.
func (h *HostResolver) reserved(host string) bool {
	return h.ProviderHosts[host] || host == h.BaseDomain || h.BaseDomain != "" && strings.HasSuffix(host, "."+h.BaseDomain)
}

// lookup finds the tenant of a normalised, non-provider host name.
func (h *HostResolver) lookup(ctx context.Context, host string) (*domain.Tenant, error) {
	if h.BaseDomain != "" && strings.HasSuffix(host, "."+h.BaseDomain) {
		slug := strings.TrimSuffix(host, "."+h.BaseDomain)
		if !strings.Contains(slug, ".") {
			t, err := h.Tenants.FindTenantBySlug(ctx, slug)
			if err == nil {
				return t, nil
			}
			if domain.ErrorCode(err) != domain.ENOTFOUND {
				return nil, err
			}
		}
	}
	if h.CustomDomain != nil {
		return h.CustomDomain(ctx, host)
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "This cloud does not serve %s.", host)
}
