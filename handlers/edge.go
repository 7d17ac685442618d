package handlers

import (
	"net/http"
	"strings"

	"tessera/adapters/httpjson"
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
	return httpjson.Decode(r, v, maxJSONBody)
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
