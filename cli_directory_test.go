package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/adapters/ldap/slapdtest"
	"tessera/adapters/postgres/pgtest"
)

// The directory is set and tested from the command line; wrong flags name
// the flag; the environment fills flags; the bind password never appears.
func TestCLIDirectorySetAndTest(t *testing.T) {
	s := slapdtest.MustStart(t)
	dbURL := pgtest.NewDatabase(t)
	t.Setenv("TESSERA_DATABASE_URL", dbURL)
	t.Setenv("TESSERA_SECRET_KEY", "cli-test-secret-key-0123456789")
	dir := t.TempDir()
	ca, pw := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "pw")
	_ = os.WriteFile(ca, []byte(s.CAPEM), 0o600)
	_ = os.WriteFile(pw, []byte(slapdtest.ServicePassword+"\n"), 0o600)
	ctx := context.Background()
	cli := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(ctx, args, &out, &out)
		return code, out.String()
	}
	if code, out := cli("tenant", "create", "--name", "Acme", "--slug", "acme"); code != 0 {
		t.Fatal(out)
	}
	// A plain ldap:// URL without StartTLS, a filter without placeholder, and a bad role.
	code, out := cli("directory", "set", "--tenant", "acme", "--url", "http://x", "--bind-dn", slapdtest.ServiceDN,
		"--bind-password-file", pw, "--user-base", slapdtest.PeopleDN, "--user-filter", "(uid=x)", "--group-role", slapdtest.OpsGroup+"=admin")
	if code == 0 || !strings.Contains(out, "--url:") || !strings.Contains(out, "--user-filter:") {
		t.Fatalf("bad set: %d %s", code, out)
	}
	if code, out := cli("directory", "set", "--tenant", "acme", "--url", "ldap://x", "--group-role", "cn=x=root"); code != 2 || !strings.Contains(out, "admin, member or viewer") {
		t.Fatalf("bad role: %d %s", code, out)
	}
	t.Setenv("TESSERA_GROUP_ROLE", slapdtest.OpsGroup+"=admin;"+slapdtest.DevGroup+"=member")
	code, out = cli("directory", "set", "--tenant", "acme", "--url", "ldap://127.0.0.1:1", "--url", s.URL, "--ca-file", ca,
		"--bind-dn", slapdtest.ServiceDN, "--bind-password-file", pw, "--user-base", slapdtest.PeopleDN,
		"--user-filter", "(&(objectClass=inetOrgPerson)(uid=%s))")
	if code != 0 {
		t.Fatalf("set: %s", out)
	}
	code, out = cli("directory", "test", "--tenant", "acme", "--user", "ben")
	if code != 1 || !strings.Contains(out, "FAIL  Connect to ldap://127.0.0.1:1: Server unreachable") || !strings.Contains(out, "role Member") {
		t.Fatalf("test: %d %s", code, out)
	}
	if strings.Contains(out, slapdtest.ServicePassword) {
		t.Fatal("test prints the bind password")
	}
	// Only the working server, no password file (keeps the stored one): all pass.
	code, out = cli("directory", "set", "--tenant", "acme", "--url", s.URL, "--ca-file", ca,
		"--bind-dn", slapdtest.ServiceDN, "--user-base", slapdtest.PeopleDN, "--user-filter", "(uid={username})")
	if code != 0 {
		t.Fatalf("set without password: %s", out)
	}
	if code, out = cli("directory", "test", "--tenant", "acme", "--user", "nora"); code != 1 || !strings.Contains(out, "in no mapped group") {
		t.Fatalf("test nora: %d %s", code, out)
	}
	if code, out = cli("directory", "test", "--tenant", "acme"); code != 0 || !strings.Contains(out, "all checks passed") {
		t.Fatalf("test: %d %s", code, out)
	}
}
