package handlers

import (
	"context"
	"net/http"

	"tessera/domain"
	"tessera/views"
)

// The session keeps the user's tenant next to its id, so loading the user is
// scoped like every other read; a provider admin's tenant is "".
const (
	sessionUserKey   = "user_id"
	sessionTenantKey = "tenant_id"
)

// Authenticate loads the signed-in user from the session. A user who was
// disabled, whose tenant was suspended, or who belongs to another tenant than
// the host's, is treated as signed out.
func (a *App) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := a.Sessions.GetString(r.Context(), sessionUserKey)
		if id == "" {
			next.ServeHTTP(w, r)
			return
		}
		p, err := a.principalFor(r.Context(), a.Sessions.GetString(r.Context(), sessionTenantKey), id)
		if err != nil && domain.ErrorCode(err) != domain.EUNAUTHORIZED && domain.ErrorCode(err) != domain.ENOTFOUND {
			a.Error(w, r, err)
			return
		}
		if p != nil && hostAllows(r.Context(), p) {
			p = a.recheckDirectoryUser(r, p)
		}
		if p == nil || !hostAllows(r.Context(), p) {
			if p == nil {
				// The account is gone or locked: end the session for good.
				_ = a.Sessions.Destroy(r.Context())
			}
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// hostAllows reports whether p may use the portal on this host: on a
// tenant's host only that tenant's users are signed in.
func hostAllows(ctx context.Context, p *Principal) bool {
	ht := HostTenant(ctx)
	return ht == nil || (p.Tenant != nil && p.Tenant.ID == ht.ID)
}

// principalFor loads user id of tenantID ("" for a provider admin) with its
// tenant and checks that both may act.
func (a *App) principalFor(ctx context.Context, tenantID, userID string) (*Principal, error) {
	var u *domain.User
	var err error
	if tenantID == "" {
		u, err = a.Users.FindProviderAdminByID(ctx, userID)
	} else {
		u, err = a.Users.FindUserByID(ctx, tenantID, userID)
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, domain.ErrBadCredentials
	}
	p := &Principal{User: u}
	if u.TenantID != "" {
		t, err := a.Tenants.FindTenantByID(ctx, u.TenantID)
		if err != nil {
			return nil, err
		}
		if t.Status != domain.TenantActive {
			return nil, domain.ErrBadCredentials
		}
		p.Tenant = t
	}
	return p, nil
}

// RequireUser sends visitors who are not signed in to the log-in page.
func (a *App) RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if PrincipalFrom(r.Context()) == nil {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + urlQueryEscape(r.URL.RequestURI())
			}
			redirect(w, r, target)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireProviderAdmin lets only the provider admin through; others get 404
// so the admin area's existence is not advertised to tenants.
func (a *App) RequireProviderAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalFrom(r.Context())
		if p == nil || !p.User.IsProviderAdmin() || HostTenant(r.Context()) != nil {
			a.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireTenantUser lets only users of a tenant through (the portal).
func (a *App) RequireTenantUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalFrom(r.Context())
		if p == nil || p.Tenant == nil {
			if p != nil && p.User.IsProviderAdmin() {
				redirect(w, r, "/admin/tenants")
				return
			}
			a.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireTenantAdmin lets only the tenant's admins through.
func (a *App) RequireTenantAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalFrom(r.Context())
		if p == nil || p.Tenant == nil || !p.User.Role.CanAdminister() {
			a.Error(w, r, domain.Errorf(domain.EFORBIDDEN, "Only the tenant's admins may do this. Ask one of them."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// HandleLoginPage shows the log-in form.
func (a *App) HandleLoginPage(w http.ResponseWriter, r *http.Request) {
	if p := PrincipalFrom(r.Context()); p != nil {
		redirect(w, r, homeOf(p))
		return
	}
	a.renderLogin(w, r, http.StatusOK, views.Form{Values: map[string]string{"organisation": r.URL.Query().Get("organisation")}}, safeNext(r.URL.Query().Get("next")))
}

func (a *App) renderLogin(w http.ResponseWriter, r *http.Request, status int, f views.Form, next string) {
	ht := HostTenant(r.Context())
	s := a.shell(r, "Log in", "")
	props := views.LoginProps{Form: f, AskTenant: ht == nil, Message: s.Brand.LoginMessage, Next: next}
	if ht != nil {
		props.TenantName = ht.Name
		props.DirectoryName = a.directoryName(r.Context(), ht)
	}
	render(w, r, status, views.Bare(s, views.Login(props)))
}

func homeOf(p *Principal) string {
	if p.User.IsProviderAdmin() {
		return "/admin/tenants"
	}
	return "/"
}

// HandleLogin checks the credentials and starts a session.
func (a *App) HandleLogin(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "organisation", "login", "next")
	password := r.PostFormValue("password")
	next := safeNext(v["next"])
	f := views.Form{Values: v, Errors: map[string]string{}}
	fail := func(err error) {
		f.Message = domain.ErrorMessage(err)
		a.RecordAudit(r.Context(), &domain.AuditEvent{Actor: v["login"], Action: "login", Address: a.ClientAddr(r), Result: domain.ErrorCode(err)})
		if domain.ErrorCode(err) == domain.EINTERNAL {
			logInternal(r, err)
		}
		a.renderLogin(w, r, StatusOf(domain.ErrorCode(err)), f, next)
	}
	tenant := HostTenant(r.Context())
	if tenant == nil && v["organisation"] != "" {
		t, err := a.Tenants.FindTenantBySlug(r.Context(), v["organisation"])
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			fail(err)
			return
		}
		if t == nil {
			// An unknown organisation fails like a wrong password: it must not
			// reveal which organisations exist.
			t = &domain.Tenant{ID: "unknown:" + v["organisation"], Status: domain.TenantSuspended}
		}
		tenant = t
	}
	u, err := a.Login.Login(r.Context(), tenant, v["login"], password, a.ClientAddr(r))
	if err != nil {
		fail(err)
		return
	}
	if err := a.Sessions.RenewToken(r.Context()); err != nil {
		a.Error(w, r, domain.Internal(err))
		return
	}
	a.Sessions.Put(r.Context(), sessionUserKey, u.ID)
	a.Sessions.Put(r.Context(), sessionTenantKey, u.TenantID)
	p := &Principal{User: u, Tenant: nil}
	if tenant != nil {
		p.Tenant = tenant
	}
	a.RecordAudit(r.Context(), &domain.AuditEvent{TenantID: u.TenantID, UserID: u.ID, Actor: u.Login, Action: "login", Address: a.ClientAddr(r), Result: "ok"})
	if next == "" {
		next = homeOf(p)
	}
	redirect(w, r, next)
}

// HandleLogout ends the session.
func (a *App) HandleLogout(w http.ResponseWriter, r *http.Request) {
	if p := PrincipalFrom(r.Context()); p != nil {
		a.auditAction(r, p.TenantID(), "logout", "", nil)
	}
	if err := a.Sessions.Destroy(r.Context()); err != nil {
		a.Error(w, r, domain.Internal(err))
		return
	}
	redirect(w, r, "/login")
}
