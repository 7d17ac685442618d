package web_test

import (
	"context"
	"testing"
)

// A machine created and stopped through the API is metered by its
// operations: a running interval, then a stopped one, for the same machine.
func TestMachineOperationsAreMetered(t *testing.T) {
	e := newMachinesEnv(t)
	tok := e.token(t, "acme", "bob")
	r := create(t, e, tok, "metered-1")
	if r.Status != 202 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	id := r.Body["id"].(string)
	e.waitStatus(t, tok, id, "running")
	if r := e.api(t, tok, "POST", "/api/v1/machines/"+id+"/stop", nil); r.Status != 202 {
		t.Fatalf("stop: %d %s", r.Status, r.Raw)
	}
	e.waitStatus(t, tok, id, "stopped")
	rows, err := e.DB.Pool.Query(context.Background(), `SELECT running, ended_at IS NULL, vcpus FROM usage_intervals WHERE resource_id = $1 ORDER BY started_at, id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var running, open bool
		var vcpus int
		_ = rows.Scan(&running, &open, &vcpus)
		s := "stopped"
		if running {
			s = "running"
		}
		if open {
			s += "(open)"
		}
		got = append(got, s)
	}
	if len(got) != 2 || got[0] != "running" || got[1] != "stopped(open)" {
		t.Errorf("intervals = %v, want [running stopped(open)]", got)
	}
}
