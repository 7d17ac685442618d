package domain

import (
	"context"
	"time"
)

// RateLimiter counts attempts per key in a fixed window. manage keeps no state
// in memory that a second replica would need, so the adapter counts in PostgreSQL.
type RateLimiter interface {
	// Hit records one attempt for key and reports how many were recorded in
	// the current window, including this one.
	Hit(ctx context.Context, key string, window time.Duration) (int, error)
	// Count reports the attempts in the current window without recording one.
	Count(ctx context.Context, key string, window time.Duration) (int, error)
	// Reset forgets key (after a successful log-in).
	Reset(ctx context.Context, key string) error
}

// LoginLimits bound failed log-ins per account and per client address.
type LoginLimits struct {
	Window     time.Duration
	PerAccount int
	PerAddress int
}

// DefaultLoginLimits: 5 failures per account and 30 per address in 15 minutes.
var DefaultLoginLimits = LoginLimits{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 30}

// Authenticator checks a password against an outside source (a tenant's
// directory). It returns the user record to use (created or updated just in
// time), or ENOTFOUND when the user is not in the directory so that local
// accounts can be tried.
type Authenticator interface {
	Authenticate(ctx context.Context, tenant *Tenant, login, password string) (*User, error)
}

// LoginService checks credentials. Its errors never say whether the name or
// the password was wrong.
type LoginService struct {
	Tenants   TenantService
	Users     UserService
	Hasher    PasswordHasher
	Limiter   RateLimiter
	Limits    LoginLimits
	Directory Authenticator // optional: tenant directories (LDAP)
	Now       func() time.Time
}

// ErrBadCredentials is the one message for every wrong name, password,
// disabled user or suspended tenant.
var ErrBadCredentials = Errorf(EUNAUTHORIZED, "The user name or password is not correct.")

// Login authenticates login/password in tenant (nil for the provider) from
// client address addr and returns the user.
func (s *LoginService) Login(ctx context.Context, tenant *Tenant, login, password, addr string) (*User, error) {
	limits := s.Limits
	if limits.Window == 0 {
		limits = DefaultLoginLimits
	}
	tenantKey := ""
	if tenant != nil {
		tenantKey = tenant.ID
	}
	u := User{Login: login}
	u.Normalize()
	accountKey := "login:acct:" + tenantKey + ":" + u.Login
	addrKey := "login:addr:" + addr
	// Refuse before checking anything when the budget is spent, so a guesser
	// learns nothing even from a right password.
	if n, err := s.Limiter.Count(ctx, accountKey, limits.Window); err != nil {
		return nil, err
	} else if n >= limits.PerAccount {
		return nil, Errorf(ETOOMANY, "Too many failed log-ins for this account. Wait %d minutes and try again, or ask an admin to reset the password.", int(limits.Window.Minutes()))
	}
	if n, err := s.Limiter.Count(ctx, addrKey, limits.Window); err != nil {
		return nil, err
	} else if n >= limits.PerAddress {
		return nil, Errorf(ETOOMANY, "Too many failed log-ins from your address. Wait %d minutes and try again.", int(limits.Window.Minutes()))
	}
	user, err := s.check(ctx, tenant, u.Login, password)
	if err != nil {
		if ErrorCode(err) == EUNAUTHORIZED || ErrorCode(err) == EFORBIDDEN {
			if _, herr := s.Limiter.Hit(ctx, accountKey, limits.Window); herr != nil {
				return nil, herr
			}
			if _, herr := s.Limiter.Hit(ctx, addrKey, limits.Window); herr != nil {
				return nil, herr
			}
		}
		return nil, err
	}
	if err := s.Limiter.Reset(ctx, accountKey); err != nil {
		return nil, err
	}
	now := s.now()
	if _, err := s.updateUser(ctx, user, UserUpdate{LastLoginAt: &now}); err != nil {
		return nil, err
	}
	user.LastLoginAt = &now
	return user, nil
}

// updateUser changes u in its tenant, or u as a provider admin when it has no
// tenant.
func (s *LoginService) updateUser(ctx context.Context, u *User, upd UserUpdate) (*User, error) {
	if u.TenantID == "" {
		return s.Users.UpdateProviderAdmin(ctx, u.ID, upd)
	}
	return s.Users.UpdateUser(ctx, u.TenantID, u.ID, upd)
}

func (s *LoginService) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *LoginService) check(ctx context.Context, tenant *Tenant, login, password string) (*User, error) {
	// An empty password never logs anyone in: LDAP servers accept it as an
	// unauthenticated bind, and no local hash matches it anyway.
	if password == "" || login == "" {
		return nil, ErrBadCredentials
	}
	tenantID := ""
	if tenant != nil {
		if tenant.Status != TenantActive {
			return nil, ErrBadCredentials
		}
		tenantID = tenant.ID
	}
	if tenant != nil && s.Directory != nil {
		u, err := s.Directory.Authenticate(ctx, tenant, login, password)
		switch {
		case err == nil:
			return u, nil
		case ErrorCode(err) != ENOTFOUND:
			return nil, err
		}
	}
	var u *User
	var err error
	if tenant != nil {
		u, err = s.Users.FindUserByLogin(ctx, tenantID, login)
	} else {
		u, err = s.Users.FindProviderAdminByLogin(ctx, login)
	}
	if ErrorCode(err) == ENOTFOUND {
		// Spend the same time as a real check so timing does not reveal names.
		s.Hasher.Verify(dummyHash, password)
		return nil, ErrBadCredentials
	} else if err != nil {
		return nil, err
	}
	if u.Source != SourceLocal || u.Disabled || u.PasswordHash == "" || !s.Hasher.Verify(u.PasswordHash, password) {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// dummyHash is an argon2id hash of a random password, checked when the user
// does not exist.
const dummyHash = "$argon2id$v=19$m=65536,t=2,p=2$c2FsdHNhbHRzYWx0c2FsdA$2Hs1OT1T8E0eXwNYWNYx6hmB2mGgqJ7s6XHgJ0qv+5A"
