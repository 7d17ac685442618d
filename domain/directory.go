package domain

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// GroupMode says how a directory user's groups are found.
type GroupMode string

const (
	// GroupsMemberOf reads the user entry's memberOf attribute (AD, OpenLDAP
	// with the memberof overlay).
	GroupsMemberOf GroupMode = "memberOf"
	// GroupsMember searches groups whose member attribute holds the user's DN.
	GroupsMember GroupMode = "member"
	// GroupsUniqueMember searches groups whose uniqueMember holds the user's DN.
	GroupsUniqueMember GroupMode = "uniqueMember"
	// GroupsMemberUID searches posixGroups whose memberUid holds the user's login.
	GroupsMemberUID GroupMode = "memberUid"
)

// GroupModes lists the modes with their labels, for forms.
var GroupModes = [][2]string{
	{string(GroupsMemberOf), "The user's memberOf attribute (Active Directory, OpenLDAP with memberof)"},
	{string(GroupsMember), "Search groups by member (groupOfNames, AD groups)"},
	{string(GroupsUniqueMember), "Search groups by uniqueMember (groupOfUniqueNames)"},
	{string(GroupsMemberUID), "Search groups by memberUid (posixGroup)"},
}

// GroupRole maps a directory group to a Tessera role.
type GroupRole struct {
	GroupDN string
	Role    Role
}

// Directory is a tenant's LDAP directory for single sign-on.
type Directory struct {
	TenantID string
	Enabled  bool
	// Name is shown on the log-in page ("Use your Acme directory account.").
	Name string
	// URLs are tried in order; ldap:// upgrades with StartTLS when StartTLS is set.
	URLs     []string
	StartTLS bool
	// CACertPEM is the CA that signed the servers' certificates ("" trusts the system's).
	CACertPEM string
	BindDN    string
	// BindPassword is the service account's password in plain text, in memory
	// only: the store seals it. On save, "" keeps the stored one.
	BindPassword string
	// HasBindPassword reports whether a password is stored (for "set — leave
	// empty to keep").
	HasBindPassword bool
	UserBase        string
	// UserFilter holds {username} or %s where the escaped log-in name goes.
	UserFilter string
	LoginAttr  string
	NameAttr   string
	MailAttr   string
	GroupMode  GroupMode
	// GroupBase is where groups are searched (group search modes, nested groups).
	GroupBase string
	// NestedGroups follows nested Active Directory groups (LDAP_MATCHING_RULE_IN_CHAIN).
	NestedGroups bool
	GroupRoles   []GroupRole
	// AllowLocalLogin lets local accounts other than tenant admins log in
	// beside the directory. Local tenant admins (break-glass) always can.
	AllowLocalLogin bool
	UpdatedAt       time.Time
}

// DirectoryPreset fills the search filter and attribute mapping for a kind of server.
type DirectoryPreset struct {
	Key, Label                    string
	UserFilter                    string
	LoginAttr, NameAttr, MailAttr string
	GroupMode                     GroupMode
}

// DirectoryPresets are the common server kinds.
var DirectoryPresets = []DirectoryPreset{
	{Key: "openldap", Label: "OpenLDAP / FreeIPA (uid)", UserFilter: "(&(objectClass=inetOrgPerson)(uid={username}))", LoginAttr: "uid", NameAttr: "cn", MailAttr: "mail", GroupMode: GroupsMemberOf},
	{Key: "ad-sam", Label: "Active Directory (sAMAccountName)", UserFilter: "(&(objectCategory=person)(objectClass=user)(sAMAccountName={username})(!(userAccountControl:1.2.840.113556.1.4.803:=2)))", LoginAttr: "sAMAccountName", NameAttr: "displayName", MailAttr: "mail", GroupMode: GroupsMemberOf},
	{Key: "ad-upn", Label: "Active Directory (userPrincipalName)", UserFilter: "(&(objectCategory=person)(objectClass=user)(userPrincipalName={username})(!(userAccountControl:1.2.840.113556.1.4.803:=2)))", LoginAttr: "userPrincipalName", NameAttr: "displayName", MailAttr: "mail", GroupMode: GroupsMemberOf},
}

// FindDirectoryPreset returns the preset with key, false if there is none.
func FindDirectoryPreset(key string) (DirectoryPreset, bool) {
	for _, p := range DirectoryPresets {
		if p.Key == key {
			return p, true
		}
	}
	return DirectoryPreset{}, false
}

// Apply copies the preset's filter and mapping into d.
func (p DirectoryPreset) Apply(d *Directory) {
	d.UserFilter, d.LoginAttr, d.NameAttr, d.MailAttr, d.GroupMode = p.UserFilter, p.LoginAttr, p.NameAttr, p.MailAttr, p.GroupMode
}

// Normalize trims what the user typed and fills defaults.
func (d *Directory) Normalize() {
	d.Name = strings.TrimSpace(d.Name)
	var urls []string
	for _, u := range d.URLs {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	d.URLs = urls
	d.CACertPEM = strings.TrimSpace(d.CACertPEM)
	d.BindDN = strings.TrimSpace(d.BindDN)
	d.UserBase = strings.TrimSpace(d.UserBase)
	d.UserFilter = strings.TrimSpace(d.UserFilter)
	d.LoginAttr = strings.TrimSpace(d.LoginAttr)
	d.NameAttr = strings.TrimSpace(d.NameAttr)
	d.MailAttr = strings.TrimSpace(d.MailAttr)
	d.GroupBase = strings.TrimSpace(d.GroupBase)
	if d.GroupMode == "" {
		d.GroupMode = GroupsMemberOf
	}
	var roles []GroupRole
	for _, g := range d.GroupRoles {
		g.GroupDN = strings.TrimSpace(g.GroupDN)
		if g.GroupDN == "" && g.Role == "" {
			continue
		}
		roles = append(roles, g)
	}
	d.GroupRoles = roles
	if d.Name == "" {
		d.Name = "company directory"
	}
}

// Validate returns EINVALID with a message per wrong field. Group mapping rows
// are reported as group_roles.N.
func (d *Directory) Validate() error {
	f := map[string]string{}
	if len(d.Name) > 60 {
		f["name"] = "Name may be at most 60 characters."
	}
	if len(d.URLs) == 0 {
		f["urls"] = "Enter at least one server URL, like ldaps://ldap.example.com."
	}
	for _, raw := range d.URLs {
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Host == "" || u.Hostname() == "":
			f["urls"] = fmt.Sprintf("%q is not a server URL; write it like ldaps://ldap.example.com or ldap://ldap.example.com:389.", raw)
		case u.Scheme != "ldap" && u.Scheme != "ldaps":
			f["urls"] = fmt.Sprintf("%q must start with ldap:// or ldaps://.", raw)
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "":
			f["urls"] = fmt.Sprintf("%q: give only the server (scheme, host and port); the search base goes in its own field.", raw)
		case u.Scheme == "ldap" && !d.StartTLS:
			f["urls"] = fmt.Sprintf("%q is plain ldap://: turn on StartTLS or use ldaps://, so passwords never cross the network in clear text.", raw)
		}
		if _, ok := f["urls"]; ok {
			break
		}
	}
	if d.CACertPEM != "" {
		if msg := checkCAPEM(d.CACertPEM); msg != "" {
			f["ca_pem"] = msg
		}
	}
	if d.BindDN == "" {
		f["bind_dn"] = "Enter the DN of the service account that searches users, e.g. cn=tessera,ou=services,dc=example,dc=com."
	} else if !looksLikeDN(d.BindDN) {
		f["bind_dn"] = "The bind DN must look like cn=name,dc=example,dc=com."
	}
	if d.BindPassword == "" && !d.HasBindPassword {
		f["bind_password"] = "Enter the service account's password."
	}
	if d.UserBase == "" {
		f["user_base"] = "Enter the DN under which users are searched, e.g. ou=people,dc=example,dc=com."
	} else if !looksLikeDN(d.UserBase) {
		f["user_base"] = "The user search base must look like ou=people,dc=example,dc=com."
	}
	if msg := checkUserFilter(d.UserFilter); msg != "" {
		f["user_filter"] = msg
	}
	for name, v := range map[string]string{"login_attr": d.LoginAttr, "name_attr": d.NameAttr, "mail_attr": d.MailAttr} {
		if v == "" {
			if name == "login_attr" {
				f[name] = "Enter the attribute that holds the user name, e.g. uid or sAMAccountName."
			}
			continue
		}
		if !attrRe(v) {
			f[name] = "An attribute name has letters, digits and hyphens only."
		}
	}
	switch d.GroupMode {
	case GroupsMemberOf:
	case GroupsMember, GroupsUniqueMember, GroupsMemberUID:
		if d.GroupBase == "" {
			f["group_base"] = "Enter the DN under which groups are searched, e.g. ou=groups,dc=example,dc=com."
		}
	default:
		f["group_mode"] = "Choose how groups are found."
	}
	if d.GroupBase != "" && !looksLikeDN(d.GroupBase) {
		f["group_base"] = "The group search base must look like ou=groups,dc=example,dc=com."
	}
	if d.NestedGroups && d.GroupBase == "" {
		f["group_base"] = "Nested groups are searched under a group base: enter it, e.g. ou=groups,dc=example,dc=com."
	}
	if len(d.GroupRoles) == 0 {
		f["group_roles"] = "Map at least one directory group to a role; users in no mapped group cannot log in."
	}
	seen := map[string]bool{}
	for i, g := range d.GroupRoles {
		key := fmt.Sprintf("group_roles.%d", i)
		switch {
		case g.GroupDN == "":
			f[key] = "Enter the group's DN."
		case !looksLikeDN(g.GroupDN):
			f[key] = "A group DN looks like cn=admins,ou=groups,dc=example,dc=com."
		case !ValidTenantRole(g.Role):
			f[key] = "Choose a role: admin, member or viewer."
		case seen[NormalizeDN(g.GroupDN)]:
			f[key] = "This group is mapped twice; keep one row."
		}
		seen[NormalizeDN(g.GroupDN)] = true
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

func attrRe(s string) bool {
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || (i > 0 && (r >= '0' && r <= '9' || r == '-'))
		if !ok {
			return false
		}
	}
	return len(s) <= 64
}

// looksLikeDN is a light check: attr=value pairs separated by commas.
func looksLikeDN(s string) bool {
	if len(s) > 1000 {
		return false
	}
	for _, rdn := range splitDN(s) {
		k, v, ok := strings.Cut(rdn, "=")
		if !ok || strings.TrimSpace(v) == "" || !attrRe(strings.TrimSpace(k)) {
			return false
		}
	}
	return true
}

// splitDN splits a DN at commas that are not escaped with a backslash.
func splitDN(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// NormalizeDN lower-cases a DN and trims spaces around its parts, so that
// "CN=Admins, OU=Groups,dc=x" equals "cn=admins,ou=groups,dc=x".
func NormalizeDN(s string) string {
	parts := splitDN(strings.TrimSpace(s))
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		parts[i] = strings.ToLower(strings.TrimSpace(k)) + "=" + strings.ToLower(strings.TrimSpace(v))
	}
	return strings.Join(parts, ",")
}

func checkCAPEM(s string) string {
	rest := []byte(s)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return "Paste certificates only (-----BEGIN CERTIFICATE-----), not a " + strings.ToLower(b.Type) + "."
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "A certificate in the CA field cannot be read; paste the PEM file as it is."
		}
		n++
	}
	if n == 0 {
		return "Paste the CA certificate in PEM form (-----BEGIN CERTIFICATE----- …)."
	}
	return ""
}

func checkUserFilter(s string) string {
	switch {
	case s == "":
		return "Enter the user search filter, e.g. (uid={username})."
	case !strings.Contains(s, "{username}") && !strings.Contains(s, "%s"):
		return "The filter must contain {username} (or %s) where the log-in name goes, e.g. (uid={username})."
	case !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")"):
		return "The filter must be enclosed in parentheses, e.g. (uid={username})."
	}
	depth := 0
	for _, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth < 0 {
			break
		}
	}
	if depth != 0 {
		return "The filter's parentheses do not match."
	}
	return ""
}

// EscapeFilterValue escapes a value for an LDAP search filter (RFC 4515):
// *, (, ), \ and NUL, and bytes outside printable ASCII, become \XX.
func EscapeFilterValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '*' || c == '(' || c == ')' || c == '\\' || c == 0 || c > 0x7f {
			fmt.Fprintf(&b, "\\%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// UserSearchFilter puts an already escaped log-in name into the filter's
// {username} and %s places.
func (d *Directory) UserSearchFilter(escapedLogin string) string {
	f := strings.ReplaceAll(d.UserFilter, "{username}", escapedLogin)
	return strings.ReplaceAll(f, "%s", escapedLogin)
}

// ErrNoMappedGroup refuses a directory user who is in no mapped group.
var ErrNoMappedGroup = Errorf(EFORBIDDEN, "Your directory account is in none of the groups that give access to this portal. Ask your administrator to add you to one.")

// RoleFromGroups picks the role of a user in groups: the strongest role any
// mapped group gives. A user in no mapped group gets ErrNoMappedGroup.
func RoleFromGroups(groups []string, mapping []GroupRole) (Role, error) {
	have := make(map[string]bool, len(groups))
	for _, g := range groups {
		have[NormalizeDN(g)] = true
	}
	best := -1
	for _, m := range mapping {
		if !have[NormalizeDN(m.GroupDN)] {
			continue
		}
		for i, r := range TenantRoles {
			if r == m.Role && (best < 0 || i < best) {
				best = i
			}
		}
	}
	if best < 0 {
		return "", ErrNoMappedGroup
	}
	return TenantRoles[best], nil
}

// DirectoryCheck is one step of "Test connection".
type DirectoryCheck struct {
	Step    string // e.g. "Connect to ldaps://ldap.example.com"
	OK      bool
	Message string // what was found, or exactly what failed and why
}

// DirectoryService stores tenants' directory settings. Every method takes the
// tenant id; a tenant never reads another's directory, and without a tenant
// id a method fails EINTERNAL (RequireTenant).
type DirectoryService interface {
	// FindDirectory returns the directory of tenantID with its bind password
	// opened. ENOTFOUND if none is configured.
	FindDirectory(ctx context.Context, tenantID string) (*Directory, error)
	// SaveDirectory validates and stores d, sealing the bind password; an
	// empty BindPassword keeps the stored one. EINVALID.
	SaveDirectory(ctx context.Context, d *Directory) error
	// DeleteDirectory turns single sign-on off for tenantID.
	DeleteDirectory(ctx context.Context, tenantID string) error
}

// DirectoryTester runs "Test connection": each step, and stops at the first
// failure. testUser may be "".
type DirectoryTester interface {
	TestDirectory(ctx context.Context, d *Directory, testUser string) []DirectoryCheck
}

// DirectoryRechecker re-reads a signed-in directory user from their tenant's
// directory, so that someone who left (or lost their groups) loses access
// during a session, not only at the next log-in.
type DirectoryRechecker interface {
	// Recheck returns u with the role its groups give now (updated in the
	// store when it changed). EFORBIDDEN when the user may no longer log in
	// (removed, in no mapped group, or the directory was turned off);
	// EUNAVAILABLE when the directory cannot be asked.
	Recheck(ctx context.Context, tenant *Tenant, u *User) (*User, error)
}
