package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// HandleTokens lists the user's API tokens.
func (a *App) HandleTokens(w http.ResponseWriter, r *http.Request) {
	a.renderTokens(w, r, http.StatusOK, views.TokensProps{})
}

func (a *App) renderTokens(w http.ResponseWriter, r *http.Request, status int, props views.TokensProps) {
	p := PrincipalFrom(r.Context())
	ts, err := a.Tokens.FindTokens(r.Context(), p.Tenant.ID, p.User.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props.Tokens = ts
	a.page(w, r, status, "API tokens", "tokens", views.TokensPage(props))
}

// HandleTokenCreate creates a token and shows it once.
func (a *App) HandleTokenCreate(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	v := formValues(r, "name")
	t := &domain.APIToken{TenantID: p.Tenant.ID, UserID: p.User.ID, Name: v["name"]}
	secret, err := a.Tokens.CreateToken(r.Context(), t)
	a.auditAction(r, p.Tenant.ID, "token.create", v["name"], err)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			a.renderTokens(w, r, StatusOf(domain.EINVALID), views.TokensProps{Form: views.Form{Values: v, Errors: domain.ErrorFields(err)}})
			return
		}
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.renderTokens(w, r, http.StatusCreated, views.TokensProps{NewSecret: secret, NewName: t.Name})
}

// HandleTokenRevoke deletes one of the user's tokens.
func (a *App) HandleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	t, err := a.Tokens.RevokeToken(r.Context(), p.Tenant.ID, p.User.ID, chi.URLParam(r, "tokenID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.auditAction(r, p.Tenant.ID, "token.revoke", t.Name, nil)
	a.flash(r, "ok", "Token "+t.Name+" revoked; it no longer works.")
	redirect(w, r, "/settings/tokens")
}
