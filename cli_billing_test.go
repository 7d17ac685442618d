package main

import (
	"strings"
	"testing"
	"time"

	"tessera/adapters/postgres/pgtest"
)

func TestCLIBillingClose(t *testing.T) {
	t.Setenv("TESSERA_DATABASE_URL", pgtest.NewDatabase(t))
	next := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01")
	code, _, errOut := runCLI(t, "billing", "close", "--month", next)
	if code != 1 || !strings.Contains(errOut, "has not ended yet") {
		t.Fatalf("closing next month: %d %q", code, errOut)
	}
	last := time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")
	code, out, errOut := runCLI(t, "billing", "close", "--month", last, "--billing-timezone", "Europe/Berlin")
	if code != 0 || !strings.Contains(out, "Closed "+last+" (Europe/Berlin)") {
		t.Fatalf("close: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "billing", "close", "--month", last)
	if code != 0 || !strings.Contains(out, "closed already") {
		t.Fatalf("close twice: %d %q", code, out)
	}
	for _, args := range [][]string{{"billing", "close"}, {"billing", "close", "--month", "11/2026"}, {"billing", "close", "--month", last, "--billing-timezone", "Mars/Olympus"}, {"billing"}} {
		if code, _, _ := runCLI(t, args...); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}
}
