package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
)

func TestCLITokenCreate(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	t.Setenv("TESSERA_DATABASE_URL", dbURL)
	if code, _, e := runCLI(t, "tenant", "create", "--name", "Initech", "--slug", "initech"); code != 0 {
		t.Fatal(e)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("s3cret-password\n"), 0o600)
	if code, _, e := runCLI(t, "user", "create", "--tenant", "initech", "--login", "peter", "--role", "member", "--password-file", pw); code != 0 {
		t.Fatal(e)
	}
	code, out, errOut := runCLI(t, "token", "create", "--tenant", "initech", "--user", "peter", "--name", "deploy")
	secret := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(secret, "tsr_") {
		t.Fatalf("token create: %d %q %q", code, out, errOut)
	}
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tok, err := postgres.NewTokenService(db).AuthenticateToken(context.Background(), secret)
	if err != nil || tok.Name != "deploy" {
		t.Fatalf("printed token does not authenticate: %v", err)
	}
	if code, _, errOut := runCLI(t, "token", "create", "--tenant", "initech", "--user", "nobody"); code != 1 || !strings.Contains(errOut, `user "nobody"`) {
		t.Fatalf("unknown user: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "token", "create", "--tenant", "initech"); code != 2 {
		t.Fatalf("missing --user: %d", code)
	}
	if _, out, _ := runCLI(t, "help"); !strings.Contains(out, "tessera token create") {
		t.Fatal("help lacks token create")
	}
}
