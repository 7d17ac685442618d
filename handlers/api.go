package handlers

import (
	_ "embed"
	"net/http"
	"strings"

	"tessera/domain"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument is the user API's OpenAPI 3.1 description.
func OpenAPIDocument() []byte { return openAPIDoc }

// HandleOpenAPI serves the user API's OpenAPI document.
func (a *App) HandleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

// APIAuthenticate accepts "Authorization: Bearer <token>". A token of a
// disabled user or a suspended tenant is refused like an unknown one.
func (a *App) APIAuthenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, secret, ok := strings.Cut(h, " ")
		if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
			WriteProblem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "Send an API token as 'Authorization: Bearer <token>'. Create one under Settings → API tokens."))
			return
		}
		tok, err := a.Tokens.AuthenticateToken(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		p, err := a.principalFor(r.Context(), tok.TenantID, tok.UserID)
		if err != nil || p.Tenant == nil || p.Tenant.ID != tok.TenantID {
			if err != nil && domain.ErrorCode(err) == domain.EINTERNAL {
				WriteProblem(w, r, err)
				return
			}
			WriteProblem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "The API token is not valid: its user is disabled or its organisation suspended."))
			return
		}
		if ht := HostTenant(r.Context()); ht != nil && ht.ID != p.Tenant.ID {
			WriteProblem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "The API token is not valid on this host."))
			return
		}
		p.TokenID = tok.ID
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

type apiNamed struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
