package domain

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Role decides what a user may do. The provider admin has no tenant; the other
// roles are scoped to one tenant.
type Role string

const (
	RoleProviderAdmin Role = "provider_admin"
	RoleAdmin         Role = "admin"  // tenant admin: everything in the tenant, users, settings
	RoleMember        Role = "member" // creates and runs resources
	RoleViewer        Role = "viewer" // reads only
)

// TenantRoles are the roles a tenant user can have, strongest first.
var TenantRoles = []Role{RoleAdmin, RoleMember, RoleViewer}

// Label is how the role is named on screen.
func (r Role) Label() string {
	switch r {
	case RoleProviderAdmin:
		return "Provider admin"
	case RoleAdmin:
		return "Admin"
	case RoleMember:
		return "Member"
	case RoleViewer:
		return "Viewer"
	}
	return string(r)
}

// ValidTenantRole reports whether r is a role a tenant user may have.
func ValidTenantRole(r Role) bool { return r == RoleAdmin || r == RoleMember || r == RoleViewer }

// CanWrite reports whether the role may change resources.
func (r Role) CanWrite() bool { return r == RoleAdmin || r == RoleMember || r == RoleProviderAdmin }

// CanAdminister reports whether the role may manage the tenant's users and settings.
func (r Role) CanAdminister() bool { return r == RoleAdmin || r == RoleProviderAdmin }

// UserSource says where a user's password is checked.
type UserSource string

const (
	SourceLocal     UserSource = "local"
	SourceDirectory UserSource = "directory"
)

// User is a person who logs in. TenantID is empty for provider admins.
type User struct {
	ID           string
	TenantID     string
	Login        string
	DisplayName  string
	Email        string
	Role         Role
	Source       UserSource
	Disabled     bool
	PasswordHash string // never leaves the adapters and the login service
	CreatedAt    time.Time
	LastLoginAt  *time.Time
}

// Name is what the portal shows for the user.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Login
}

// IsProviderAdmin reports whether u administers the whole platform.
func (u *User) IsProviderAdmin() bool { return u.Role == RoleProviderAdmin }

var loginRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,63}$`)

// Normalize trims what the user typed; logins compare case-insensitively.
func (u *User) Normalize() {
	u.Login = strings.ToLower(strings.TrimSpace(u.Login))
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Email = strings.TrimSpace(u.Email)
}

// Validate returns EINVALID with a message per wrong field.
func (u *User) Validate() error {
	f := map[string]string{}
	if u.Login == "" {
		f["login"] = "Enter a user name."
	} else if !loginRe.MatchString(u.Login) {
		f["login"] = "User name may contain letters, digits, dots, hyphens, underscores and @ (at most 64)."
	}
	if len(u.DisplayName) > 100 {
		f["display_name"] = "Display name may be at most 100 characters."
	}
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			f["email"] = "Enter an e-mail address like jane@example.com."
		}
	}
	if u.TenantID == "" {
		if u.Role != RoleProviderAdmin {
			f["role"] = "A user without a tenant must be a provider admin."
		}
	} else if !ValidTenantRole(u.Role) {
		f["role"] = "Choose a role: admin, member or viewer."
	}
	if u.Source != SourceLocal && u.Source != SourceDirectory {
		f["source"] = "Unknown user source."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// ValidatePassword checks a new local password.
func ValidatePassword(p string) error {
	switch {
	case len(p) < 8:
		return Invalid(map[string]string{"password": "Password must be at least 8 characters."})
	case len(p) > 256:
		return Invalid(map[string]string{"password": "Password may be at most 256 characters."})
	}
	return nil
}

// UserFilter selects users. FindUsers requires TenantID; FindProviderAdmins
// ignores it.
type UserFilter struct {
	ID       *string
	TenantID string
	Login    *string
	Limit    int
	Cursor   string
}

// UserUpdate holds the fields to change; nil means unchanged.
type UserUpdate struct {
	DisplayName  *string
	Email        *string
	Role         *Role
	Disabled     *bool
	PasswordHash *string
	LastLoginAt  *time.Time
}

// UserService stores users. Every method that takes a tenant id only ever sees
// that tenant's users, and returns EINTERNAL (RequireTenant) without one.
// Provider admins belong to no tenant: they have methods of their own, so no
// empty tenant id ever stands for them.
type UserService interface {
	// CreateUser stores u. EINVALID, ECONFLICT (login taken in that tenant).
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns the user id of tenantID. ENOTFOUND if there is no
	// such user in that tenant.
	FindUserByID(ctx context.Context, tenantID, id string) (*User, error)
	// FindProviderAdminByID returns the provider admin id. ENOTFOUND.
	FindProviderAdminByID(ctx context.Context, id string) (*User, error)
	// FindUserByLogin finds a user of tenantID. ENOTFOUND.
	FindUserByLogin(ctx context.Context, tenantID, login string) (*User, error)
	// FindProviderAdminByLogin finds a provider admin. ENOTFOUND.
	FindProviderAdminByLogin(ctx context.Context, login string) (*User, error)
	// FindUsers returns a page of users of f.TenantID ordered by login.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, string, error)
	// FindProviderAdmins returns a page of provider admins ordered by login.
	FindProviderAdmins(ctx context.Context, f UserFilter) ([]*User, string, error)
	// UpdateUser changes the user id of tenantID. ENOTFOUND, EINVALID.
	UpdateUser(ctx context.Context, tenantID, id string, upd UserUpdate) (*User, error)
	// UpdateProviderAdmin changes the provider admin id. ENOTFOUND, EINVALID.
	UpdateProviderAdmin(ctx context.Context, id string, upd UserUpdate) (*User, error)
}

// PasswordHasher hashes and checks passwords (argon2id in adapters/passwd).
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches hash; a malformed hash is false.
	Verify(hash, password string) bool
}
