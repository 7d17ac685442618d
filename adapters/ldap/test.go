package ldap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"tessera/domain"
)

// Tester implements domain.DirectoryTester: "Test connection".
type Tester struct {
	Timeouts Timeouts
}

var _ domain.DirectoryTester = Tester{}

// TestDirectory checks each step in order and stops at the first failure:
// every server URL answers (and its certificate is trusted), the service
// account binds, the user search base exists, the group search base exists,
// and (when testUser is given) the user is found and is in a mapped group.
func (tt Tester) TestDirectory(ctx context.Context, d *domain.Directory, testUser string) []domain.DirectoryCheck {
	t := tt.Timeouts.orDefault()
	var out []domain.DirectoryCheck
	fail := func(step, msg string) []domain.DirectoryCheck {
		return append(out, domain.DirectoryCheck{Step: step, Message: msg})
	}
	ok := func(step, msg string) { out = append(out, domain.DirectoryCheck{Step: step, OK: true, Message: msg}) }

	var conn *ldap.Conn
	for _, u := range d.URLs {
		step := "Connect to " + u
		c, err := dialOne(ctx, d, u, t)
		if err != nil {
			var de *dialError
			if errors.As(err, &de) {
				out = append(out, domain.DirectoryCheck{Step: step, Message: de.message()})
			} else {
				out = append(out, domain.DirectoryCheck{Step: step, Message: domain.ErrorMessage(err)})
			}
			continue
		}
		how := "plain connection"
		if strings.HasPrefix(u, "ldaps://") {
			how = "TLS (ldaps), certificate trusted"
		} else if d.StartTLS {
			how = "StartTLS, certificate trusted"
		}
		ok(step, "Connected: "+how+".")
		if conn == nil {
			conn = c
		} else {
			c.Close()
		}
	}
	if conn == nil {
		return out
	}
	defer conn.Close()
	step := "Service bind as " + d.BindDN
	if d.BindPassword == "" {
		return fail(step, "Service bind refused: no password is set for the service account.")
	}
	if err := withCtx(ctx, conn, func() error { return conn.Bind(d.BindDN, d.BindPassword) }); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return fail(step, "Service bind refused: the server rejected the bind DN or password (invalid credentials).")
		}
		return fail(step, "Service bind refused: "+ldapReason(err))
	}
	ok(step, "The server accepted the service account.")

	if msg := baseExists(ctx, conn, d.UserBase); msg != "" {
		return fail("User search base "+d.UserBase, msg)
	}
	ok("User search base "+d.UserBase, "Found.")
	if d.GroupBase != "" {
		if msg := baseExists(ctx, conn, d.GroupBase); msg != "" {
			return fail("Group search base "+d.GroupBase, msg)
		}
		ok("Group search base "+d.GroupBase, "Found.")
	}
	testUser = strings.ToLower(strings.TrimSpace(testUser))
	if testUser == "" {
		return out
	}
	step = fmt.Sprintf("Test user %q", testUser)
	du, err := searchUser(ctx, conn, d, testUser)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		return fail(step, fmt.Sprintf("Test user not found: no entry under %s matches %s.", d.UserBase, d.UserSearchFilter(ldap.EscapeFilter(testUser))))
	case domain.ErrorCode(err) == domain.EUNAUTHORIZED:
		return fail(step, "Test user is ambiguous: more than one entry matches the filter; make the filter stricter.")
	case err != nil:
		return fail(step, domain.ErrorMessage(err))
	}
	if d.GroupMode != domain.GroupsMemberOf || d.NestedGroups {
		groups, err := searchGroups(ctx, conn, d, du)
		if err != nil {
			return fail(step, "Group search failed: "+domain.ErrorMessage(err))
		}
		du.Groups = groups
	}
	role, err := domain.RoleFromGroups(du.Groups, d.GroupRoles)
	if err != nil {
		groups := "none"
		if len(du.Groups) > 0 {
			groups = strings.Join(du.Groups, "; ")
		}
		return fail(step, fmt.Sprintf("Test user found (%s) but in no mapped group, so they could not log in. Their groups: %s.", du.DN, groups))
	}
	ok(step, fmt.Sprintf("Found %s; their groups give the role %s.", du.DN, role.Label()))
	return out
}

func baseExists(ctx context.Context, c *ldap.Conn, base string) string {
	req := ldap.NewSearchRequest(base, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 5, false, "(objectClass=*)", []string{"1.1"}, nil)
	err := withCtx(ctx, c, func() error { _, err := c.Search(req); return err })
	switch {
	case err == nil:
		return ""
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return "Search base missing: " + base + " does not exist on the server (or the service account may not read it)."
	}
	return "Search failed: " + ldapReason(err)
}

func ldapReason(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) {
		if le.ResultCode == ldap.ErrorNetwork {
			return "the connection failed or timed out."
		}
		return ldap.LDAPResultCodeMap[le.ResultCode] + "."
	}
	return domain.ErrorMessage(err)
}
