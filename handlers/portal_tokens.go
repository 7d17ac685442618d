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
	secret, err := a.accounts().CreateToken(r.Context(), a.actor(r), t)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.renderTokens(w, r, status, views.TokensProps{Form: f})
		})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.renderTokens(w, r, http.StatusCreated, views.TokensProps{NewSecret: secret, NewName: t.Name})
}

// HandleTokenRevoke deletes one of the user's tokens.
func (a *App) HandleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	t, err := a.accounts().RevokeToken(r.Context(), a.actor(r), p.Tenant.ID, p.User.ID, chi.URLParam(r, "tokenID"))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Token "+t.Name+" revoked; it no longer works.")
	redirect(w, r, "/settings/tokens")
}
