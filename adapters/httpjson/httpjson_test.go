package httpjson_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tessera/adapters/httpjson"
	"tessera/domain"
)

type machine struct {
	Name  string `json:"name"`
	VCPUs int    `json:"vcpus"`
}

// Every way a client can send a body wrong comes back as EINVALID that
// names the field when there is one, and a well-formed body goes through.
func TestDecode(t *testing.T) {
	for _, tt := range []struct {
		name, ctype, body string
		field, message    string
	}{
		{"a machine", "application/json", `{"name":"web","vcpus":2}`, "", ""},
		{"a +json media type", "application/merge-patch+json", `{"name":"web"}`, "", ""},
		{"another media type", "text/plain", `{"name":"web"}`, "", "Content-Type: application/json"},
		{"an unknown field", "application/json", `{"name":"web","vcpu":2}`, "vcpu", ""},
		{"a wrong type", "application/json", `{"vcpus":"two"}`, "vcpus", ""},
		{"trailing data", "application/json", `{"name":"a"} {"name":"b"}`, "", "nothing after it"},
		{"not JSON", "application/json", `{"name":`, "", "not valid JSON"},
		{"empty", "application/json", ``, "", "empty"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 2048) + `"}`, "", "larger than 1 KiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/machines", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ctype)
			var m machine
			err := httpjson.Decode(r, &m, 1<<10)
			if tt.field == "" && tt.message == "" {
				if err != nil || m.Name == "" {
					t.Fatalf("decode = %v, %+v", err, m)
				}
				return
			}
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("code %q, want EINVALID (%v)", domain.ErrorCode(err), err)
			}
			if tt.field != "" && domain.ErrorFields(err)[tt.field] == "" {
				t.Errorf("fields %v, want one at %s", domain.ErrorFields(err), tt.field)
			}
			if tt.message != "" && !strings.Contains(domain.ErrorMessage(err), tt.message) {
				t.Errorf("message %q, want it to say %q", domain.ErrorMessage(err), tt.message)
			}
		})
	}
}

// A problem document carries the code, the status and the field messages;
// an internal error shows the request id, never its own text.
func TestWriteProblem(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		detail string
	}{
		{domain.Invalid(map[string]string{"name": "Required."}), http.StatusUnprocessableEntity, ""},
		{domain.Errorf(domain.ECONFLICT, "The name is taken."), http.StatusConflict, "The name is taken."},
		{domain.Errorf(domain.EUNAUTHORIZED, "Send a token."), http.StatusUnauthorized, "Send a token."},
		{domain.Internal(errors.New("password=hunter2")), http.StatusInternalServerError, "Internal error. Request id r-1."},
	} {
		w := httptest.NewRecorder()
		httpjson.WriteProblem(w, httptest.NewRequest(http.MethodGet, "/x", nil), tt.err, "r-1")
		var p httpjson.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if w.Code != tt.status || p.Status != tt.status || w.Header().Get("Content-Type") != "application/problem+json" || p.Code != domain.ErrorCode(tt.err) {
			t.Errorf("%v: %d %+v", tt.err, w.Code, p)
		}
		if want := domain.ErrorFields(tt.err)["name"]; want != "" && p.Errors["name"] != want {
			t.Errorf("errors %v, want name: %q", p.Errors, want)
		}
		if tt.detail != "" && p.Detail != tt.detail {
			t.Errorf("detail %q, want %q", p.Detail, tt.detail)
		}
		if strings.Contains(w.Body.String(), "hunter2") {
			t.Errorf("the internal error's text reached the client: %s", w.Body.String())
		}
		if tt.status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
	}
}
