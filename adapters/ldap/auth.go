package ldap

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/promreg"
	"tessera/domain"
)

// Authenticator implements domain.Authenticator with each tenant's directory.
type Authenticator struct {
	Directories domain.DirectoryService
	Users       domain.UserService
	Timeouts    Timeouts
	// PoolSize is how many idle service connections are kept per directory (default 4).
	PoolSize int
	Log      *slog.Logger

	mu    sync.Mutex
	pools map[string]*pool // by tenant id
	// logins counts directory log-ins by result (ok, bad_credentials, no_group, not_found, unavailable, error).
	logins *prometheus.CounterVec
	// latency times the directory's part of log-ins that reached the server.
	latency prometheus.Histogram
}

var _ domain.Authenticator = (*Authenticator)(nil)

// NewAuthenticator returns an Authenticator; reg (may be nil) receives its metrics.
func NewAuthenticator(dirs domain.DirectoryService, users domain.UserService, reg prometheus.Registerer, log *slog.Logger) *Authenticator {
	if log == nil {
		log = slog.Default()
	}
	a := &Authenticator{Directories: dirs, Users: users, Log: log, pools: map[string]*pool{},
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_directory_logins_total",
			Help: "Log-ins checked against tenants' LDAP directories, by result.",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tessera_directory_login_seconds",
			Help:    "Time of directory log-ins (search, bind, groups, local record), whatever the result.",
			Buckets: []float64{.002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	if reg != nil {
		a.logins, a.latency = promreg.Register(reg, a.logins), promreg.Register(reg, a.latency)
	}
	return a
}

// Close closes the pooled connections.
func (a *Authenticator) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.pools {
		p.close()
	}
	a.pools = map[string]*pool{}
}

func (a *Authenticator) poolFor(d *domain.Directory) *pool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pools == nil {
		a.pools = map[string]*pool{}
	}
	key := poolKey(d)
	p := a.pools[d.TenantID]
	if p == nil || p.key != key {
		if p != nil {
			p.close() // the settings changed: drop connections made with the old ones
		}
		size := a.PoolSize
		if size <= 0 {
			size = 4
		}
		p = &pool{key: key, max: size}
		a.pools[d.TenantID] = p
	}
	return p
}

// dirUser is what the directory says about a user.
type dirUser struct {
	DN, Login, Name, Mail string
	Groups                []string
}

// Authenticate checks login/password against the tenant's directory and
// returns the local user record, created or updated with the role its groups
// give. ENOTFOUND when the tenant has no directory or the user is not in it
// (local accounts are then tried); EUNAUTHORIZED for a wrong password;
// EFORBIDDEN for a user in no mapped group; EUNAVAILABLE when the directory
// cannot be reached.
func (a *Authenticator) Authenticate(ctx context.Context, tenant *domain.Tenant, login, password string) (*domain.User, error) {
	start := time.Now()
	u, result, err := a.authenticate(ctx, tenant, login, password)
	if a.logins != nil && result != "" {
		a.logins.WithLabelValues(result).Inc()
		a.latency.Observe(time.Since(start).Seconds())
	}
	if domain.ErrorCode(err) == domain.EUNAVAILABLE || domain.ErrorCode(err) == domain.EINTERNAL {
		a.Log.WarnContext(ctx, "directory log-in failed", "tenant", tenant.Slug, "err", err) // never the password
	}
	return u, err
}

func (a *Authenticator) authenticate(ctx context.Context, tenant *domain.Tenant, login, password string) (*domain.User, string, error) {
	// An empty password is an "unauthenticated bind" that many servers
	// accept: refuse it before it reaches the server.
	login = strings.ToLower(strings.TrimSpace(login))
	if password == "" || login == "" || tenant == nil {
		return nil, "bad_credentials", domain.ErrBadCredentials
	}
	d, err := a.Directories.FindDirectory(ctx, tenant.ID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, "", err
	} else if err != nil {
		return nil, "error", err
	}
	if !d.Enabled {
		return nil, "", domain.Errorf(domain.ENOTFOUND, "No directory is configured.")
	}
	// A local account answers for its own name. Local tenant admins always
	// may log in (break-glass, even with the directory down); other local
	// users only when the tenant allows local log-in.
	local, err := a.Users.FindUserByLogin(ctx, tenant.ID, login)
	if err != nil {
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			return nil, "error", err
		}
		local = nil
	}
	if local != nil && local.Source == domain.SourceLocal {
		if d.AllowLocalLogin || local.Role == domain.RoleAdmin {
			return nil, "", domain.Errorf(domain.ENOTFOUND, "Not a directory user.")
		}
		return nil, "local_refused", domain.ErrBadCredentials
	}
	t := a.Timeouts.orDefault()
	ctx, cancel := context.WithTimeout(ctx, t.Total)
	defer cancel()
	var du *dirUser
	// One retry with a fresh connection when a pooled one turns out dead
	// (the server restarted, or an idle time-out closed it).
	for attempt := 0; ; attempt++ {
		var reused bool
		du, reused, err = a.check(ctx, d, login, password, t)
		if err == nil || !reused || attempt == 1 || domain.ErrorCode(err) != domain.EUNAVAILABLE || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.ENOTFOUND:
			return nil, "not_found", err
		case domain.EUNAUTHORIZED:
			return nil, "bad_credentials", err
		case domain.EUNAVAILABLE:
			return nil, "unavailable", err
		}
		return nil, "error", err
	}
	role, err := domain.RoleFromGroups(du.Groups, d.GroupRoles)
	if err != nil {
		return nil, "no_group", err
	}
	u, err := a.provision(ctx, tenant, local, login, du, role)
	if err != nil {
		if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
			return nil, "bad_credentials", err
		}
		return nil, "error", err
	}
	return u, "ok", nil
}

// provision creates or updates the local record of a directory user.
func (a *Authenticator) provision(ctx context.Context, tenant *domain.Tenant, existing *domain.User, login string, du *dirUser, role domain.Role) (*domain.User, error) {
	name, mail := du.Name, du.Mail
	for len(name) > 100 { // the user record holds 100 bytes; cut whole characters
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if existing == nil {
		u := &domain.User{TenantID: tenant.ID, Login: login, DisplayName: name, Email: mail, Role: role, Source: domain.SourceDirectory}
		u.Normalize()
		if u.Validate() != nil {
			u.Email = "" // a malformed e-mail in the directory does not block the log-in
		}
		if err := u.Validate(); err != nil {
			// A directory name Tessera cannot hold (spaces, too long).
			return nil, domain.ErrBadCredentials
		}
		err := a.Users.CreateUser(ctx, u)
		if domain.ErrorCode(err) == domain.ECONFLICT {
			// Two first log-ins at once: the other one created it.
			if existing, err = a.Users.FindUserByLogin(ctx, tenant.ID, login); err != nil {
				return nil, err
			}
			if existing.Source != domain.SourceDirectory {
				return nil, domain.ErrBadCredentials
			}
		} else if err != nil {
			return nil, err
		} else {
			return u, nil
		}
	}
	if existing.Disabled {
		// Disabled in Tessera by a tenant admin: the directory does not override that.
		return nil, domain.ErrBadCredentials
	}
	if existing.Role == role && existing.DisplayName == name && existing.Email == mail {
		return existing, nil
	}
	upd := domain.UserUpdate{Role: &role, DisplayName: &name, Email: &mail}
	u, err := a.Users.UpdateUser(ctx, tenant.ID, existing.ID, upd)
	if domain.ErrorCode(err) == domain.EINVALID {
		empty := ""
		upd.Email = &empty
		u, err = a.Users.UpdateUser(ctx, tenant.ID, existing.ID, upd)
	}
	return u, err
}

// check searches the user with the service account, binds as the user and
// reads the groups.
func (a *Authenticator) check(ctx context.Context, d *domain.Directory, login, password string, t Timeouts) (du *dirUser, reused bool, err error) {
	p := a.poolFor(d)
	c, reused, err := p.get(ctx, d, t)
	if err != nil {
		return nil, false, err
	}
	du, err = a.checkOn(ctx, p, c, d, login, password)
	return du, reused, err
}

func (a *Authenticator) checkOn(ctx context.Context, p *pool, c *ldap.Conn, d *domain.Directory, login, password string) (*dirUser, error) {
	healthy := false
	defer func() {
		if healthy {
			p.put(c)
		} else {
			c.Close()
		}
	}()
	du, err := searchUser(ctx, c, d, login)
	if err != nil {
		healthy = domain.ErrorCode(err) == domain.ENOTFOUND
		return nil, err
	}
	// Bind as the user on the same connection, then back as the service account.
	err = withCtx(ctx, c, func() error { return c.Bind(du.DN, password) })
	if err != nil {
		if ldap.IsErrorAnyOf(err, ldap.LDAPResultInvalidCredentials, ldap.LDAPResultUnwillingToPerform, ldap.LDAPResultInappropriateAuthentication, ldap.LDAPResultConstraintViolation) {
			if serviceBind(ctx, c, d) == nil {
				healthy = true
			}
			return nil, domain.ErrBadCredentials
		}
		return nil, ldapErr(err)
	}
	if err := serviceBind(ctx, c, d); err != nil {
		return nil, err
	}
	if d.GroupMode != domain.GroupsMemberOf || d.NestedGroups {
		groups, err := searchGroups(ctx, c, d, du)
		if err != nil {
			return nil, err
		}
		du.Groups = groups
	}
	healthy = true
	return du, nil
}

// searchUser finds exactly one entry for login. ENOTFOUND if there is none.
func searchUser(ctx context.Context, c *ldap.Conn, d *domain.Directory, login string) (*dirUser, error) {
	attrs := []string{d.LoginAttr}
	if d.NameAttr != "" {
		attrs = append(attrs, d.NameAttr)
	}
	if d.MailAttr != "" {
		attrs = append(attrs, d.MailAttr)
	}
	if d.GroupMode == domain.GroupsMemberOf {
		attrs = append(attrs, "memberOf")
	}
	filter := d.UserSearchFilter(ldap.EscapeFilter(login))
	req := ldap.NewSearchRequest(d.UserBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, int(DefaultTimeouts.Request.Seconds()), false, filter, attrs, nil)
	var res *ldap.SearchResult
	err := withCtx(ctx, c, func() (err error) { res, err = c.Search(req); return err })
	if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "%s", domain.ErrBadCredentials.Message) // ambiguous: refuse
	}
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "The directory's user search base does not exist. Ask your administrator to check the directory settings.", Err: err}
	}
	if err != nil {
		return nil, ldapErr(err)
	}
	switch len(res.Entries) {
	case 0:
		return nil, domain.Errorf(domain.ENOTFOUND, "Not in the directory.")
	case 1:
	default:
		return nil, domain.ErrBadCredentials
	}
	e := res.Entries[0]
	du := &dirUser{DN: e.DN, Login: e.GetAttributeValue(d.LoginAttr), Groups: e.GetAttributeValues("memberOf")}
	if d.NameAttr != "" {
		du.Name = e.GetAttributeValue(d.NameAttr)
	}
	if d.MailAttr != "" {
		du.Mail = e.GetAttributeValue(d.MailAttr)
	}
	return du, nil
}

// matchingRuleInChain is Active Directory's LDAP_MATCHING_RULE_IN_CHAIN.
const matchingRuleInChain = "1.2.840.113556.1.4.1941"

// searchGroups finds the groups of du by a group search.
func searchGroups(ctx context.Context, c *ldap.Conn, d *domain.Directory, du *dirUser) ([]string, error) {
	var filter string
	switch {
	case d.NestedGroups:
		filter = "(member:" + matchingRuleInChain + ":=" + ldap.EscapeFilter(du.DN) + ")"
	case d.GroupMode == domain.GroupsMember:
		filter = "(member=" + ldap.EscapeFilter(du.DN) + ")"
	case d.GroupMode == domain.GroupsUniqueMember:
		filter = "(uniqueMember=" + ldap.EscapeFilter(du.DN) + ")"
	case d.GroupMode == domain.GroupsMemberUID:
		uid := du.Login
		if uid == "" {
			return nil, nil
		}
		filter = "(memberUid=" + ldap.EscapeFilter(uid) + ")"
	default:
		return du.Groups, nil
	}
	req := ldap.NewSearchRequest(d.GroupBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 1000, int(DefaultTimeouts.Request.Seconds()), false, filter, []string{"1.1"}, nil)
	var res *ldap.SearchResult
	err := withCtx(ctx, c, func() (err error) { res, err = c.Search(req); return err })
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "The directory's group search base does not exist. Ask your administrator to check the directory settings.", Err: err}
	}
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, ldapErr(err)
	}
	if res == nil {
		return nil, nil
	}
	groups := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		groups = append(groups, e.DN)
	}
	return groups, nil
}

var _ domain.DirectoryRechecker = (*Authenticator)(nil)

var errNoLongerAllowed = domain.Errorf(domain.EFORBIDDEN, "Your directory account no longer gives access to this portal. Log in again or ask your administrator.")

// Recheck looks the signed-in directory user up again with the service
// account (no password needed) and applies the role of their groups now.
func (a *Authenticator) Recheck(ctx context.Context, tenant *domain.Tenant, u *domain.User) (*domain.User, error) {
	if u.Source != domain.SourceDirectory || tenant == nil || u.TenantID != tenant.ID {
		return u, nil
	}
	d, err := a.Directories.FindDirectory(ctx, tenant.ID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, errNoLongerAllowed
	} else if err != nil {
		return nil, err
	}
	if !d.Enabled {
		return nil, errNoLongerAllowed
	}
	t := a.Timeouts.orDefault()
	ctx, cancel := context.WithTimeout(ctx, t.Total)
	defer cancel()
	p := a.poolFor(d)
	c, _, err := p.get(ctx, d, t)
	if err != nil {
		return nil, err
	}
	healthy := false
	defer func() {
		if healthy {
			p.put(c)
		} else {
			c.Close()
		}
	}()
	du, err := searchUser(ctx, c, d, u.Login)
	switch domain.ErrorCode(err) {
	case "":
	case domain.ENOTFOUND, domain.EUNAUTHORIZED:
		healthy = true
		return nil, errNoLongerAllowed
	default:
		return nil, err
	}
	if d.GroupMode != domain.GroupsMemberOf || d.NestedGroups {
		if du.Groups, err = searchGroups(ctx, c, d, du); err != nil {
			return nil, err
		}
	}
	healthy = true
	role, err := domain.RoleFromGroups(du.Groups, d.GroupRoles)
	if err != nil {
		return nil, errNoLongerAllowed
	}
	if role == u.Role {
		return u, nil
	}
	return a.Users.UpdateUser(ctx, tenant.ID, u.ID, domain.UserUpdate{Role: &role})
}
