package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	connectv1 "tessera/connect/v1"
	"tessera/domain"
)

// This file is connect's own HTTP edge: how an error becomes a problem
// document, how a value becomes a JSON answer, and how a request body is
// read. It is small on purpose, so the site controller links nothing of
// manage's portal.

// maxBody bounds a request body; connect's largest (an operation request
// with its NICs) is a few KiB.
const maxBody = 1 << 20

// statusOf maps an error code to its HTTP status.
func statusOf(code string) int {
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
	http.StatusUnauthorized:        "Not signed in",
	http.StatusForbidden:           "Not allowed",
	http.StatusNotFound:            "Not found",
	http.StatusConflict:            "Conflict",
	http.StatusUnprocessableEntity: "Invalid input",
	http.StatusTooManyRequests:     "Too many requests",
	http.StatusServiceUnavailable:  "Temporarily unavailable",
	http.StatusInternalServerError: "Something went wrong",
}

// writeProblem writes err as application/problem+json. An unexpected error
// is logged here, once, under a request id the caller is shown instead of
// the error's text.
func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := domain.ErrorCode(err)
	status := statusOf(code)
	p := connectv1.Problem{Type: "about:blank", Title: titles[status], Status: status, Detail: domain.ErrorMessage(err),
		Code: code, Instance: r.URL.Path, Errors: domain.ErrorFields(err)}
	if status == http.StatusInternalServerError {
		id := requestID()
		log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", id)
		p.Detail = "Internal error. Request id " + id + "."
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tessera"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func requestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads one JSON object into v, strictly: an unknown field is
// refused (a typo, or a field of a newer manage, must not be dropped
// silently), and so is anything after the object. EINVALID, naming the JSON
// field where it can.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		var me *http.MaxBytesError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return domain.Invalid(map[string]string{te.Field: "This field has the wrong type."})
		case errors.As(err, &me):
			return domain.Errorf(domain.EINVALID, "The body is larger than %d KiB.", maxBody>>10)
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
			return domain.Errorf(domain.EINVALID, "The body is not valid JSON.")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return domain.Invalid(map[string]string{f: "Unknown field."})
		}
		return domain.Errorf(domain.EINVALID, "The body must be a JSON object.")
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EINVALID, "The body must hold one JSON object and nothing after it.")
	}
	return nil
}
