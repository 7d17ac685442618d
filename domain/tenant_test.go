package domain

import "testing"

func TestTenantValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tenant Tenant
		bad    []string // fields with a message
	}{
		{"ok", Tenant{Name: "Acme", Slug: "acme", Status: TenantActive}, nil},
		{"ok with contact", Tenant{Name: "Acme", Slug: "acme-2", ContactEmail: "it@acme.example", Status: TenantActive}, nil},
		{"empty", Tenant{Status: TenantActive}, []string{"name", "slug"}},
		{"slug upper and space", Tenant{Name: "A", Slug: "Ac me", Status: TenantActive}, []string{"slug"}},
		{"slug hyphen at end", Tenant{Name: "A", Slug: "acme-", Status: TenantActive}, []string{"slug"}},
		{"slug one letter", Tenant{Name: "A", Slug: "a", Status: TenantActive}, nil},
		{"slug too long", Tenant{Name: "A", Slug: "abcdefghijklmnopqrstuvwxyz0123456", Status: TenantActive}, []string{"slug"}},
		{"reserved slug", Tenant{Name: "A", Slug: "admin", Status: TenantActive}, []string{"slug"}},
		{"bad email", Tenant{Name: "A", Slug: "ab", ContactEmail: "Joe <joe@x.example>", Status: TenantActive}, []string{"contact_email"}},
		{"bad status", Tenant{Name: "A", Slug: "ab", Status: "gone"}, []string{"status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.tenant.Validate()
			fields := ErrorFields(err)
			if len(tc.bad) == 0 && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if len(fields) != len(tc.bad) {
				t.Fatalf("fields %v, want %v", fields, tc.bad)
			}
			for _, f := range tc.bad {
				if fields[f] == "" {
					t.Errorf("no message for %s (got %v)", f, fields)
				}
			}
		})
	}
}

func TestUserValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		user User
		bad  []string
	}{
		{"tenant admin", User{TenantID: "t", Login: "alice", Role: RoleAdmin, Source: SourceLocal}, nil},
		{"provider admin", User{Login: "admin", Role: RoleProviderAdmin, Source: SourceLocal}, nil},
		{"email login", User{TenantID: "t", Login: "a.b@corp.example", Role: RoleViewer, Source: SourceDirectory}, nil},
		{"provider role in a tenant", User{TenantID: "t", Login: "x", Role: RoleProviderAdmin, Source: SourceLocal}, []string{"role"}},
		{"tenant role without tenant", User{Login: "x", Role: RoleMember, Source: SourceLocal}, []string{"role"}},
		{"bad login", User{TenantID: "t", Login: "a b", Role: RoleMember, Source: SourceLocal}, []string{"login"}},
		{"empty login", User{TenantID: "t", Role: RoleMember, Source: SourceLocal}, []string{"login"}},
		{"bad source", User{TenantID: "t", Login: "x", Role: RoleMember, Source: "ldap?"}, []string{"source"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := ErrorFields(tc.user.Validate())
			if len(fields) != len(tc.bad) {
				t.Fatalf("fields %v, want %v", fields, tc.bad)
			}
			for _, f := range tc.bad {
				if fields[f] == "" {
					t.Errorf("no message for %s", f)
				}
			}
		})
	}
}

func TestRolePermissions(t *testing.T) {
	for _, tc := range []struct {
		role              Role
		write, administer bool
	}{
		{RoleProviderAdmin, true, true},
		{RoleAdmin, true, true},
		{RoleMember, true, false},
		{RoleViewer, false, false},
	} {
		if tc.role.CanWrite() != tc.write || tc.role.CanAdminister() != tc.administer {
			t.Errorf("%s: write %v administer %v", tc.role, tc.role.CanWrite(), tc.role.CanAdminister())
		}
	}
}
