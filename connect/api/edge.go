package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"tessera/adapters/httpjson"
	"tessera/domain"
)

// This file is connect's own HTTP edge: how an error becomes a problem
// document, how a value becomes a JSON answer, and how a request body is
// read. It is small on purpose, so the site controller links nothing of
// manage's portal.

// maxBody bounds a request body; connect's largest (an operation request
// with its NICs) is a few KiB.
const maxBody = 1 << 20

// writeProblem writes err as application/problem+json. An unexpected error
// is logged here, once, under a request id the caller is shown instead of
// the error's text.
func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	id := ""
	if domain.ErrorCode(err) == domain.EINTERNAL {
		id = requestID()
		log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", id)
	}
	httpjson.WriteProblem(w, r, err, id)
}

func requestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.WriteJSON(w, status, v) }

// decode reads one JSON object into v, strictly (httpjson.Decode): an
// unknown field is refused (a typo, or a field of a newer manage, must not
// be dropped silently), and so is anything after the object.
func decode(r *http.Request, v any) error { return httpjson.Decode(r, v, maxBody) }
