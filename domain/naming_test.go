package domain

import (
	"strings"
	"testing"
)

func TestParseNaming(t *testing.T) {
	tests := []struct {
		name, folder string
		field        string // "" for valid
	}{
		{"", "", ""},
		{"{site}_{tenant}.{machine}-{shortid}", "vms/{tenant}", ""},
		{"{tenant}-{machine}", "", "name"},
		{"{tenant}-{host}-{shortid}", "", "name"},
		{"{tenant-{shortid}", "", "name"},
		{"vm {shortid}", "", "name"},
		{"{shortid}", "a//b", "folder"},
		{"{shortid}", "tessera/{owner}", "folder"},
		{"{shortid}", "a%b", "folder"},
	}
	for _, tt := range tests {
		_, err := ParseNaming(tt.name, tt.folder)
		if tt.field == "" {
			if err != nil {
				t.Errorf("ParseNaming(%q, %q) = %v, want valid", tt.name, tt.folder, err)
			}
			continue
		}
		if ErrorFields(err)[tt.field] == "" {
			t.Errorf("ParseNaming(%q, %q) = %v, want an error on %s", tt.name, tt.folder, err, tt.field)
		}
	}
}

func TestNamingRender(t *testing.T) {
	n, err := ParseNaming("", "")
	if err != nil {
		t.Fatal(err)
	}
	name, folder := n.Render(NamingVars{Tenant: "acme", Machine: "Web Server #1", MachineID: "3f2a9c1e-0000-4000-8000-000000000000"})
	if name != "acme-web-server-1-3f2a9c1e" || folder != "tessera/acme" {
		t.Errorf("got %q in %q", name, folder)
	}
	long := strings.Repeat("x", 100)
	name, _ = n.Render(NamingVars{Tenant: "t", Machine: long, MachineID: "abcdef0123456789"})
	if len(name) > 80 || !strings.HasSuffix(name, "-abcdef01") {
		t.Errorf("long name %q (%d): want ≤ 80 characters ending in the short id", name, len(name))
	}
	if strings.ContainsAny(name, `/\%`) {
		t.Errorf("name %q has characters vSphere escapes", name)
	}
}
