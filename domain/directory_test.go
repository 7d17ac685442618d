package domain

import (
	"testing"
)

func TestRoleFromGroups(t *testing.T) {
	mapping := []GroupRole{
		{GroupDN: "cn=ops,ou=groups,dc=example,dc=com", Role: RoleAdmin},
		{GroupDN: "cn=dev,ou=groups,dc=example,dc=com", Role: RoleMember},
		{GroupDN: "cn=all,ou=groups,dc=example,dc=com", Role: RoleViewer},
	}
	tests := []struct {
		name   string
		groups []string
		want   Role
		err    bool
	}{
		{"viewer only", []string{"cn=all,ou=groups,dc=example,dc=com"}, RoleViewer, false},
		{"strongest wins", []string{"cn=all,ou=groups,dc=example,dc=com", "cn=ops,ou=groups,dc=example,dc=com", "cn=dev,ou=groups,dc=example,dc=com"}, RoleAdmin, false},
		{"member over viewer", []string{"cn=dev,ou=groups,dc=example,dc=com", "cn=all,ou=groups,dc=example,dc=com"}, RoleMember, false},
		{"DN compared case- and space-insensitively", []string{"CN=Dev, OU=Groups, DC=example, DC=com"}, RoleMember, false},
		{"unmapped groups only", []string{"cn=sales,ou=groups,dc=example,dc=com"}, "", true},
		{"no groups", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RoleFromGroups(tt.groups, mapping)
			if tt.err {
				if ErrorCode(err) != EFORBIDDEN || ErrorMessage(err) != ErrNoMappedGroup.Message {
					t.Fatalf("err = %v, want the no-mapped-group refusal", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("RoleFromGroups = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEscapeFilterValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"*)(uid=*", `\2a\29\28uid=\2a`},
		{`a\b`, `a\5cb`},
		{"nul\x00", `nul\00`},
		{"jürgen", `j\c3\bcrgen`},
	}
	for _, tt := range tests {
		if got := EscapeFilterValue(tt.in); got != tt.want {
			t.Errorf("EscapeFilterValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	d := Directory{UserFilter: "(&(objectClass=inetOrgPerson)(uid={username}))"}
	if got, want := d.UserSearchFilter(EscapeFilterValue("*)(uid=*")), `(&(objectClass=inetOrgPerson)(uid=\2a\29\28uid=\2a))`; got != want {
		t.Errorf("UserSearchFilter = %q, want %q", got, want)
	}
	d.UserFilter = "(sAMAccountName=%s)"
	if got, want := d.UserSearchFilter("bob"), "(sAMAccountName=bob)"; got != want {
		t.Errorf("UserSearchFilter = %q, want %q", got, want)
	}
}

func validDirectory() Directory {
	d := Directory{
		URLs: []string{"ldaps://ldap.example.com"}, BindDN: "cn=svc,dc=example,dc=com", BindPassword: "s3cret",
		UserBase:   "ou=people,dc=example,dc=com",
		GroupRoles: []GroupRole{{GroupDN: "cn=ops,ou=groups,dc=example,dc=com", Role: RoleAdmin}},
	}
	p, _ := FindDirectoryPreset("openldap")
	p.Apply(&d)
	return d
}

func TestDirectoryValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Directory)
		field  string
	}{
		{"valid", func(d *Directory) {}, ""},
		{"no URL", func(d *Directory) { d.URLs = nil }, "urls"},
		{"http URL", func(d *Directory) { d.URLs = []string{"http://ldap.example.com"} }, "urls"},
		{"plain ldap without StartTLS", func(d *Directory) { d.URLs = []string{"ldap://ldap.example.com"} }, "urls"},
		{"plain ldap with StartTLS", func(d *Directory) { d.URLs = []string{"ldap://ldap.example.com"}; d.StartTLS = true }, ""},
		{"base in URL", func(d *Directory) { d.URLs = []string{"ldaps://ldap.example.com/dc=example"} }, "urls"},
		{"bad CA", func(d *Directory) { d.CACertPEM = "not a pem" }, "ca_pem"},
		{"no bind DN", func(d *Directory) { d.BindDN = "" }, "bind_dn"},
		{"no password", func(d *Directory) { d.BindPassword = "" }, "bind_password"},
		{"password kept", func(d *Directory) { d.BindPassword = ""; d.HasBindPassword = true }, ""},
		{"no user base", func(d *Directory) { d.UserBase = "" }, "user_base"},
		{"filter without placeholder", func(d *Directory) { d.UserFilter = "(uid=alice)" }, "user_filter"},
		{"filter unbalanced", func(d *Directory) { d.UserFilter = "(&(uid={username})" }, "user_filter"},
		{"group search without base", func(d *Directory) { d.GroupMode = GroupsMember }, "group_base"},
		{"unknown group mode", func(d *Directory) { d.GroupMode = "magic" }, "group_mode"},
		{"no mapping", func(d *Directory) { d.GroupRoles = nil }, "group_roles"},
		{"bad role", func(d *Directory) { d.GroupRoles[0].Role = "root" }, "group_roles.0"},
		{"duplicate group", func(d *Directory) {
			d.GroupRoles = append(d.GroupRoles, GroupRole{GroupDN: "CN=ops,ou=groups,dc=example,dc=com", Role: RoleViewer})
		}, "group_roles.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDirectory()
			tt.change(&d)
			d.Normalize()
			err := d.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if ErrorFields(err)[tt.field] == "" {
				t.Fatalf("Validate = %v (fields %v), want an error on %s", err, ErrorFields(err), tt.field)
			}
		})
	}
}
