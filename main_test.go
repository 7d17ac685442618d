package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tessera/adapters/postgres/pgtest"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIBootstrapsAnInstallation(t *testing.T) {
	t.Setenv("TESSERA_DATABASE_URL", pgtest.NewDatabase(t))
	code, out, errOut := runCLI(t, "tenant", "create", "--name", "Initech", "--slug", "initech", "--contact-email", "it@initech.example")
	if code != 0 || !strings.Contains(out, "created tenant Initech (initech)") {
		t.Fatalf("tenant create: %d %q %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "tenant", "create", "--name", "", "--slug", "Bad Slug")
	if code != 1 || !strings.Contains(errOut, "--slug:") || !strings.Contains(errOut, "--name:") {
		t.Fatalf("bad tenant: %d %q", code, errOut)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("s3cret-password\n"), 0o600)
	code, out, errOut = runCLI(t, "user", "create", "--tenant", "initech", "--login", "peter", "--role", "member", "--password-file", pw)
	if code != 0 || !strings.Contains(out, "created user peter (Member)") {
		t.Fatalf("user create: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "user", "create", "--login", "ops", "--password-file", pw)
	if code != 0 || !strings.Contains(out, "(Provider admin)") {
		t.Fatalf("provider admin create: %d %q", code, out)
	}
	code, _, errOut = runCLI(t, "user", "create", "--tenant", "nosuch", "--login", "x", "--password-file", pw)
	if code != 1 || !strings.Contains(errOut, `tenant "nosuch": Tenant not found.`) {
		t.Fatalf("unknown tenant: %d %q", code, errOut)
	}
	// The flag after the action wins over the environment.
	dbURL := os.Getenv("TESSERA_DATABASE_URL")
	t.Setenv("TESSERA_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	code, out, _ = runCLI(t, "migrate", "status", "--database-url", dbURL)
	if code != 0 || !strings.Contains(out, "00001_foundation.sql") || !strings.Contains(out, "applied") {
		t.Fatalf("migrate status: %d %q", code, out)
	}
}

func TestCLIHelpAndMistakes(t *testing.T) {
	code, out, _ := runCLI(t, "help")
	for _, c := range []string{"serve", "migrate", "tenant create", "user create"} {
		if !strings.Contains(out, "tessera "+c) {
			t.Errorf("help lacks %q", c)
		}
	}
	if code != 0 {
		t.Fatalf("help exit %d", code)
	}
	code, out, _ = runCLI(t, "help", "serve")
	if code != 0 || !strings.Contains(out, "--database-url  [TESSERA_DATABASE_URL]") || !strings.Contains(out, "--listen  [TESSERA_LISTEN]") {
		t.Fatalf("help serve: %q", out)
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "serve", "--no-such-flag"); code != 2 || !strings.Contains(errOut, "Run 'tessera help serve'") {
		t.Fatalf("bad flag: %d %q", code, errOut)
	}
}

func TestDemoRefusesPublicAddresses(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0"} {
		code, _, errOut := runCLI(t, "serve", "--demo", "--listen", listen)
		if code != 2 || !strings.Contains(errOut, "refusing to listen") || !strings.Contains(errOut, "--force") {
			t.Errorf("--demo on %s: %d %q", listen, code, errOut)
		}
	}
	t.Setenv("TESSERA_LISTEN", "0.0.0.0:0")
	if code, _, errOut := runCLI(t, "serve", "--demo"); code != 2 || !strings.Contains(errOut, "refusing") {
		t.Errorf("--demo with TESSERA_LISTEN=0.0.0.0:0: %d %q", code, errOut)
	}
}

func TestServeWithoutSecretKeySaysWhatToSet(t *testing.T) {
	t.Setenv("TESSERA_SECRET_KEY", "")
	code, _, errOut := runCLI(t, "serve", "--provider-host", "cloud.example.net")
	if code != 2 || !strings.Contains(errOut, "TESSERA_SECRET_KEY") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestServeUnreachableDatabaseSaysWhatToSet(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing answers there now
	code, _, errOut := runCLI(t, "serve", "--demo", "--listen", "127.0.0.1:0", "--database-url", "postgres://postgres@"+addr+"/tessera?connect_timeout=2")
	if code != 1 || !strings.Contains(errOut, "cannot reach PostgreSQL") || !strings.Contains(errOut, "TESSERA_DATABASE_URL") {
		t.Fatalf("%d %q", code, errOut)
	}
}

// serve --demo seeds idempotently, answers, and stops cleanly when its
// context ends (SIGTERM in production).
func TestServeDemoStartsAndStops(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	for round := 0; round < 2; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb bytes.Buffer
		done := make(chan int)
		go func() {
			done <- run(ctx, []string{"serve", "--demo", "--listen", addr, "--database-url", dbURL}, &out, &errb)
		}()
		var resp *http.Response
		var err error
		for i := 0; i < 100; i++ {
			if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			cancel()
			t.Fatalf("round %d: readyz: %v %v\n%s", round, resp, err, errb.String())
		}
		resp.Body.Close()
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("round %d: exit %d\n%s", round, code, errb.String())
		}
		if !strings.Contains(out.String(), "admin / demo") || !strings.Contains(out.String(), "acme.localhost") {
			t.Fatalf("round %d: banner lacks the demo log-ins:\n%s", round, out.String())
		}
	}
}
