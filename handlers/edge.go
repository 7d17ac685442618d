package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"tessera/domain"
	"tessera/views"
)

// This file is the edge every handler shares: how a request body is read,
// how the Idempotency-Key is taken, who may change things, how a list is
// wrapped, and how an error becomes a response. Handlers use these and
// nothing of their own, so the user API and the portal behave alike.

// maxJSONBody bounds a JSON request body; every body the API takes is small.
const maxJSONBody = 64 << 10

// decodeJSON is the one request decoder of the user API. It reads exactly
// one JSON object into v and refuses, as EINVALID with a message a client
// can act on: another media type than application/json, a body over 64 KiB,
// unknown fields (a typo must not be dropped silently), a value of the
// wrong type (named by its JSON field, never by a Go type) and anything
// after the object.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return domain.Errorf(domain.EINVALID, "Send JSON with Content-Type: application/json.")
		}
	}
	body := http.MaxBytesReader(nil, r.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EINVALID, "The body must hold one JSON object and nothing after it.")
	}
	return nil
}

// jsonError turns a decoding error into a message that names the JSON
// field, never a Go type.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var me *http.MaxBytesError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return domain.Errorf(domain.EINVALID, "The body must be a JSON object.")
		}
		return domain.Invalid(map[string]string{te.Field: "This field should be " + jsonKind(te.Type.Kind().String()) + "."})
	case errors.As(err, &me):
		return domain.Errorf(domain.EINVALID, "The body is larger than %d KiB.", maxJSONBody>>10)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.EINVALID, "The body is not valid JSON.")
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.EINVALID, "The body is empty; send a JSON object.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.Invalid(map[string]string{f: "Unknown field."})
	}
	return domain.Errorf(domain.EINVALID, "The body must be a JSON object.")
}

// jsonKind names a Go kind as JSON does.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "a number"
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

// idempotencyKey is the one reader of the Idempotency-Key header: trimmed,
// "" when absent, EINVALID at the header's name when too long.
func idempotencyKey(r *http.Request) (string, error) {
	k := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(k) > maxIdempotencyKey {
		return "", domain.Invalid(map[string]string{"Idempotency-Key": "The Idempotency-Key may be at most 200 characters."})
	}
	return k, nil
}

// apiPage is the one envelope of every list the user API returns.
type apiPage[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// respondError is the one rule for an error outside a form: problem+json
// for the APIs, the error page in the host's look for browsers.
func (a *App) respondError(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		WriteProblem(w, r, err)
		return
	}
	a.Error(w, r, err)
}

// formFixable says whether the user can fix err on the form they sent: bad
// or conflicting input, a temporary refusal. Anything else (not found, not
// allowed, internal) is not about the form and shows the error page.
func formFixable(err error) bool {
	if domain.ErrorFields(err) != nil {
		return true
	}
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT, domain.EUNAVAILABLE, domain.ETOOMANY:
		return true
	}
	return false
}

// formError is the one rule for a failed form post: an error the user can
// fix re-renders the form (through rerender) with what they typed, the
// messages at their fields, a form-level message when none is tied to a
// field, and the status of the error's code; any other error shows the
// error page.
func (a *App) formError(w http.ResponseWriter, r *http.Request, err error, values map[string]string, rerender func(status int, f views.Form)) {
	if !formFixable(err) {
		a.respondError(w, r, err)
		return
	}
	f := views.Form{Values: values, Errors: domain.ErrorFields(err)}
	if f.Errors == nil {
		f.Message = domain.ErrorMessage(err)
	}
	rerender(StatusOf(domain.ErrorCode(err)), f)
}

// requireRole is the one role guard, for pages and the APIs alike: it lets
// through a principal whose role can, and refuses anyone else with msg
// (problem+json on the APIs, the error page in the portal).
func (a *App) requireRole(can func(domain.Role) bool, msg string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := PrincipalFrom(r.Context())
			if p == nil || p.User == nil || !can(p.User.Role) {
				a.respondError(w, r, domain.Errorf(domain.EFORBIDDEN, "%s", msg))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireWriter refuses changes by viewers, on pages and in the APIs.
func (a *App) RequireWriter(next http.Handler) http.Handler {
	return a.requireRole(domain.Role.CanWrite, "Your role (viewer) can look but not change anything. Ask an admin for the member role.")(next)
}
