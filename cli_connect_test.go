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

	"tessera/adapters/connectapi"
	"tessera/adapters/postgres/pgtest"
	"tessera/adapters/vsphere"
)

// TestConnectCommand runs `tessera connect` against a simulated vCenter,
// issues a token with `tessera connect token create` and reads the site.
func TestConnectCommand(t *testing.T) {
	sim, err := vsphere.StartSimulator(vsphere.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(sim.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"connect", "token", "create", "--manage", "manage-1", "--database-url", dbURL}, &out, &errOut); code != 0 {
		t.Fatalf("token create: %d %s", code, errOut.String())
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, "tsc_") {
		t.Fatalf("token %q", token)
	}

	// manage's database is refused.
	manageDB := pgtest.MustOpen(t)
	var stderr0 bytes.Buffer
	if code := run(context.Background(), []string{"connect", "token", "list", "--database-url", manageDB.Pool.Config().ConnString()}, &out, &stderr0); code == 0 || !strings.Contains(stderr0.String(), "manage's") {
		t.Errorf("connect on manage's database: exit %d, %s", code, stderr0.String())
	}

	// Without a CA file the simulator's self-signed certificate is refused.
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"connect", "--listen", addr, "--database-url", dbURL, "--vcenter-url", sim.URL,
		"--vcenter-user", sim.User, "--vcenter-password-file", pwFile}, &out, &stderr); code == 0 || !strings.Contains(stderr.String(), "vCenter") {
		t.Errorf("connect without a CA: exit %d, %s", code, stderr.String())
	}
	if code := run(context.Background(), []string{"connect", "--naming-template", "{tenant}-{oops}"}, &out, &stderr); code != 2 {
		t.Errorf("bad naming template: exit %d", code)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	t.Setenv("TESSERA_VCENTER_CA_FILE", sim.CAFile) // flags also come from the environment
	go func() {
		done <- run(ctx, []string{"connect", "--listen", addr, "--database-url", dbURL, "--site-name", "cli-site", "--vcenter-url", sim.URL,
			"--vcenter-user", sim.User, "--vcenter-password-file", pwFile, "--sync-interval", "1s"}, &bytes.Buffer{}, &bytes.Buffer{})
	}()
	c := connectapi.New("http://"+addr, token, &http.Client{Timeout: 2 * time.Second})
	deadline := time.Now().Add(20 * time.Second)
	for {
		info, err := c.Info(context.Background())
		if err == nil {
			if info.Name != "cli-site" || info.Capacity.Hosts != 2 {
				t.Errorf("info %+v", info)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connect did not answer: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Rotating the token revokes the old one at once.
	out.Reset()
	if code := run(context.Background(), []string{"connect", "token", "rotate", "--manage", "manage-1", "--database-url", dbURL}, &out, &errOut); code != 0 {
		t.Fatalf("token rotate: %d %s", code, errOut.String())
	}
	if _, err := c.Info(context.Background()); err == nil {
		t.Error("the old token still works after rotation")
	}
	if _, err := connectapi.New("http://"+addr, strings.TrimSpace(out.String()), nil).Info(context.Background()); err != nil {
		t.Errorf("the new token: %v", err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("connect exited with %d", code)
	}
}
