// Package httpjson is the JSON edge both HTTP APIs share, the user API of
// manage (/api/v1) and connect's (/connect/v1): how an error code becomes a
// status, how an error becomes an RFC 9457 problem document, how a value
// becomes a JSON answer, and how a request body is read, strictly. It
// knows nothing of either module, so connect can use it without linking the
// portal.
package httpjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"tessera/domain"
)

// StatusOf maps a domain error code to an HTTP status.
func StatusOf(code string) int {
	switch code {
	case domain.EINVALID:
		return http.StatusUnprocessableEntity
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.EFORBIDDEN:
		return http.StatusForbidden
	case domain.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case domain.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case domain.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

var titles = map[int]string{
	http.StatusBadRequest:          "Bad request",
	http.StatusUnauthorized:        "Not signed in",
	http.StatusForbidden:           "Not allowed",
	http.StatusNotFound:            "Not found",
	http.StatusMethodNotAllowed:    "Method not allowed",
	http.StatusConflict:            "Conflict",
	http.StatusUnprocessableEntity: "Invalid input",
	http.StatusTooManyRequests:     "Too many requests",
	http.StatusServiceUnavailable:  "Temporarily unavailable",
	http.StatusInternalServerError: "Something went wrong",
}

// Title is the short, human title of a status, for problem documents and
// error pages.
func Title(status int) string { return titles[status] }

// Problem is an RFC 9457 problem document, with the error code and the
// messages by field that clients of both APIs act on.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail"`
	Code     string            `json:"code"`
	Instance string            `json:"instance,omitempty"`
	Errors   map[string]string `json:"errors,omitempty"`
}

// WriteProblem writes err as application/problem+json. An internal error's
// text is never shown: the caller logs it (under requestID) and the client
// is given requestID to quote.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error, requestID string) {
	code := domain.ErrorCode(err)
	status := StatusOf(code)
	p := Problem{Type: "about:blank", Title: Title(status), Status: status, Detail: domain.ErrorMessage(err),
		Code: code, Instance: r.URL.Path, Errors: domain.ErrorFields(err)}
	if status == http.StatusInternalServerError {
		p.Detail = "Internal error. Request id " + requestID + "."
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tessera"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Decode is the one request decoder of both APIs. It reads exactly one JSON
// object of at most max bytes into v and refuses, as EINVALID with a
// message a client can act on: another media type than application/json,
// a larger body, unknown fields (a typo, or a field of a newer client, must
// not be dropped silently), a value of the wrong type (named by its JSON
// field, never by a Go type) and anything after the object.
func Decode(r *http.Request, v any, max int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return domain.Errorf(domain.EINVALID, "Send JSON with Content-Type: application/json.")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, max)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EINVALID, "The body must hold one JSON object and nothing after it.")
	}
	return nil
}

func decodeError(err error, max int64) error {
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
		return domain.Errorf(domain.EINVALID, "The body is larger than %s.", size(max))
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

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
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
