package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	connectv1 "tessera/connect/v1"
	"tessera/domain"
)

func TestDecodeIsStrict(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		field      string // the field named in the error; "" for a message only
		ok         bool
	}{
		{"an operation request", `{"idempotency_key":"k","kind":"start","machine_id":"m-1"}`, "", true},
		{"an unknown field", `{"idempotency_key":"k","kind":"start","machin_id":"m-1"}`, "machin_id", false},
		{"a nested unknown field", `{"kind":"create","spec":{"vcpu":2}}`, "vcpu", false},
		{"a wrong type", `{"kind":"create","spec":{"vcpus":"two"}}`, "spec.vcpus", false},
		{"trailing data", `{"kind":"start"} {"kind":"stop"}`, "", false},
		{"not JSON", `{"kind":`, "", false},
		{"empty", ``, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/connect/v1/operations", strings.NewReader(tt.body))
			var in connectv1.OperationRequest
			err := decode(r, &in)
			if tt.ok {
				if err != nil {
					t.Fatalf("decode = %v, want nil", err)
				}
				return
			}
			if got, want := domain.ErrorCode(err), domain.EINVALID; got != want {
				t.Fatalf("code %q, want %q (%v)", got, want, err)
			}
			if tt.field != "" && domain.ErrorFields(err)[tt.field] == "" {
				t.Errorf("fields %v, want one on %s", domain.ErrorFields(err), tt.field)
			}
		})
	}
}

func TestWriteProblem(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		detail string
	}{
		{domain.Invalid(map[string]string{"spec.vcpus": "Too many."}), http.StatusUnprocessableEntity, ""},
		{domain.Errorf(domain.ENOTFOUND, "Operation not found."), http.StatusNotFound, "Operation not found."},
		{domain.Errorf(domain.EUNAUTHORIZED, "A valid manage token is required."), http.StatusUnauthorized, "A valid manage token is required."},
		{domain.Internal(errSecret), http.StatusInternalServerError, "Internal error. Request id "},
	} {
		w := httptest.NewRecorder()
		writeProblem(w, httptest.NewRequest(http.MethodGet, "/connect/v1/site", nil), slog.New(slog.DiscardHandler), tt.err)
		if got := w.Code; got != tt.status {
			t.Errorf("%v: status %d, want %d", tt.err, got, tt.status)
		}
		if got := w.Header().Get("Content-Type"); got != "application/problem+json" {
			t.Errorf("content type %q", got)
		}
		var p connectv1.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Code != domain.ErrorCode(tt.err) || p.Status != tt.status || !strings.HasPrefix(p.Detail, tt.detail) {
			t.Errorf("%v: problem %+v", tt.err, p)
		}
		if strings.Contains(w.Body.String(), errSecret.Error()) {
			t.Errorf("the internal error's text reached the caller: %s", w.Body)
		}
	}
}

var errSecret = &secretError{}

type secretError struct{}

func (*secretError) Error() string { return "password=hunter2" }
