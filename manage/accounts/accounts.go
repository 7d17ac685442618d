// Package accounts holds manage's use cases for tenants, their users and
// API tokens. The admin pages, the tenant's own settings pages and the CLI
// call the same functions, so each change is validated and audited the
// same way whoever makes it.
package accounts

import (
	"context"
	"log/slog"

	"tessera/domain"
)

// Actor is who makes a change, as the audit log records it.
type Actor struct {
	UserID  string
	Login   string
	Role    domain.Role
	Address string
}

// CLI is the actor of a change made from the command line.
var CLI = Actor{Login: "cli", Address: "cli"}

// Service carries out account changes through the domain's ports.
type Service struct {
	Tenants domain.TenantService
	Users   domain.UserService
	Tokens  domain.TokenService
	Audit   domain.AuditService // nil: nothing is recorded
	Hasher  domain.PasswordHasher
	Log     *slog.Logger // nil: slog's default
}

// Record stores one audit entry for an action by by. A failure to store it
// is logged and does not fail the action: the change has happened already.
func (s *Service) Record(ctx context.Context, by Actor, tenantID, action, target string, err error) {
	if s.Audit == nil {
		return
	}
	e := &domain.AuditEvent{TenantID: tenantID, UserID: by.UserID, Actor: by.Login, Action: action, Target: target, Address: by.Address, Result: "ok"}
	if err != nil {
		e.Result = domain.ErrorCode(err)
		e.Detail = domain.ErrorMessage(err)
	}
	if rerr := s.Audit.RecordAudit(ctx, e); rerr != nil {
		log := s.Log
		if log == nil {
			log = slog.Default()
		}
		log.ErrorContext(ctx, "audit record failed", "err", rerr, "action", action)
	}
}

// CreateTenant stores t. EINVALID, ECONFLICT (slug taken).
func (s *Service) CreateTenant(ctx context.Context, by Actor, t *domain.Tenant) error {
	slug := t.Slug // as typed: the store may normalise it
	err := s.Tenants.CreateTenant(ctx, t)
	s.Record(ctx, by, "", "tenant.create", slug, err)
	return err
}

// UpdateTenant changes t's name and contacts. EINVALID, ENOTFOUND.
func (s *Service) UpdateTenant(ctx context.Context, by Actor, t *domain.Tenant, upd domain.TenantUpdate) (*domain.Tenant, error) {
	nt, err := s.Tenants.UpdateTenant(ctx, t.ID, upd)
	s.Record(ctx, by, t.ID, "tenant.update", t.Slug, err)
	return nt, err
}

// SetTenantStatus suspends or resumes t. ENOTFOUND.
func (s *Service) SetTenantStatus(ctx context.Context, by Actor, t *domain.Tenant, status domain.TenantStatus) error {
	_, err := s.Tenants.UpdateTenant(ctx, t.ID, domain.TenantUpdate{Status: &status})
	action := "tenant.suspend"
	if status == domain.TenantActive {
		action = "tenant.resume"
	}
	s.Record(ctx, by, t.ID, action, t.Slug, err)
	return err
}

// CreateUser adds the local user u with password; u.TenantID "" makes a
// provider admin. Every wrong field, the password's included, is named in
// one EINVALID; ECONFLICT when the login is taken in that tenant.
func (s *Service) CreateUser(ctx context.Context, by Actor, u *domain.User, password string) error {
	typed := u.Login
	u.Source = domain.SourceLocal
	u.Normalize()
	errs := map[string]string{}
	if err := u.Validate(); err != nil {
		for k, m := range domain.ErrorFields(err) {
			errs[k] = m
		}
	}
	if err := domain.ValidatePassword(password); err != nil {
		errs["password"] = domain.ErrorFields(err)["password"]
	}
	if len(errs) > 0 {
		err := domain.Invalid(errs)
		s.Record(ctx, by, u.TenantID, "user.create", typed, err)
		return err
	}
	hash, err := s.Hasher.Hash(password)
	if err == nil {
		u.PasswordHash = hash
		err = s.Users.CreateUser(ctx, u)
	}
	s.Record(ctx, by, u.TenantID, "user.create", u.Login, err)
	return err
}

// UpdateUser changes the role of, or disables or enables, the user userID
// of tenantID. EINVALID when upd changes neither; ECONFLICT when by would
// disable themselves or change their own role (another admin must); ENOTFOUND.
func (s *Service) UpdateUser(ctx context.Context, by Actor, tenantID, userID string, upd domain.UserUpdate) (*domain.User, error) {
	if upd.Role == nil && upd.Disabled == nil {
		return nil, domain.Invalid(map[string]string{"role": "Choose a role, or enable or disable the user."})
	}
	if by.UserID != "" && by.UserID == userID && (upd.Disabled != nil && *upd.Disabled || upd.Role != nil && *upd.Role != by.Role) {
		return nil, domain.Errorf(domain.ECONFLICT, "You cannot disable yourself or change your own role; ask another admin.")
	}
	u, err := s.Users.UpdateUser(ctx, tenantID, userID, upd)
	target := userID
	if u != nil {
		target = u.Login
	}
	s.Record(ctx, by, tenantID, "user.update", target, err)
	return u, err
}

// ResetPassword sets a new password for the local user userID of tenantID.
// EINVALID (the password, not recorded: nothing was tried), ENOTFOUND,
// ECONFLICT for a directory user (their password lives in the directory).
func (s *Service) ResetPassword(ctx context.Context, by Actor, tenantID, userID, password string) (*domain.User, error) {
	if err := domain.ValidatePassword(password); err != nil {
		return nil, err
	}
	u, err := s.Users.FindUserByID(ctx, tenantID, userID)
	if err == nil && u.Source != domain.SourceLocal {
		err = domain.Errorf(domain.ECONFLICT, "This user logs in through the directory; change the password there.")
	}
	var hash string
	if err == nil {
		hash, err = s.Hasher.Hash(password)
	}
	if err == nil {
		_, err = s.Users.UpdateUser(ctx, tenantID, userID, domain.UserUpdate{PasswordHash: &hash})
	}
	s.Record(ctx, by, tenantID, "user.password_reset", userID, err)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateToken makes an API token for t.UserID in t.TenantID and returns its
// secret, which is shown once. EINVALID.
func (s *Service) CreateToken(ctx context.Context, by Actor, t *domain.APIToken) (string, error) {
	target := t.Name
	secret, err := s.Tokens.CreateToken(ctx, t)
	s.Record(ctx, by, t.TenantID, "token.create", target, err)
	return secret, err
}

// RevokeToken deletes one of the user's tokens. ENOTFOUND.
func (s *Service) RevokeToken(ctx context.Context, by Actor, tenantID, userID, id string) (*domain.APIToken, error) {
	t, err := s.Tokens.RevokeToken(ctx, tenantID, userID, id)
	if err != nil {
		return nil, err
	}
	s.Record(ctx, by, tenantID, "token.revoke", t.Name, nil)
	return t, nil
}
