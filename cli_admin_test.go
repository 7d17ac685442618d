package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
)

// What the CLI changes is in the audit log, as the admin page's changes are.
func TestCLIAuditsWhatItDoes(t *testing.T) {
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
	if code, _, e := runCLI(t, "token", "create", "--tenant", "initech", "--user", "peter", "--name", "deploy"); code != 0 {
		t.Fatal(e)
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Read the log directly: the CLI's entries span tenants and the provider.
	rows, err := db.Pool.Query(ctx, `SELECT action, target FROM audit_events WHERE actor = 'cli' AND result = 'ok'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var action, target string
		if err := rows.Scan(&action, &target); err != nil {
			t.Fatal(err)
		}
		got[action] = target
	}
	for action, target := range map[string]string{"tenant.create": "initech", "user.create": "peter", "token.create": "deploy"} {
		if got[action] != target {
			t.Errorf("audit %s: target %q, want %q (all: %v)", action, got[action], target, got)
		}
	}
}
