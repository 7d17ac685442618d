package handlers

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"tessera/adapters/httpjson"
	"tessera/domain"
	"tessera/views"
)

// StatusOf maps a domain error code to an HTTP status, for pages and the
// API alike.
func StatusOf(code string) int { return httpjson.StatusOf(code) }

// logInternal logs an unexpected error once, at the edge.
func logInternal(r *http.Request, err error) {
	if domain.ErrorCode(err) == domain.EINTERNAL {
		slog.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", RequestID(r.Context()))
	}
}

// Error renders err as an HTML error page in the host's look.
func (a *App) Error(w http.ResponseWriter, r *http.Request, err error) {
	logInternal(r, err)
	status := StatusOf(domain.ErrorCode(err))
	msg := domain.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		msg = "We could not complete this request. Try again; if it keeps failing, contact support with request id " + RequestID(r.Context()) + "."
	}
	a.errorPage(w, r, status, msg)
}

func (a *App) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s := a.shell(r, httpjson.Title(status), "")
	render(w, r, status, views.Bare(s, views.ErrorPage(status, httpjson.Title(status), msg)))
}

// NotFound is the 404 page.
func (a *App) NotFound(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		WriteProblem(w, r, domain.Errorf(domain.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
		return
	}
	a.errorPage(w, r, http.StatusNotFound, "There is nothing at this address. Check the link, or go back to the start page.")
}

// MethodNotAllowed answers a known path with the wrong method.
func (a *App) MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": "Method not allowed", "status": 405, "detail": r.Method + " is not supported on " + r.URL.Path + "."})
		return
	}
	a.errorPage(w, r, http.StatusMethodNotAllowed, "This page does not accept that kind of request.")
}

func isAPI(r *http.Request) bool {
	return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/" || len(r.URL.Path) >= 9 && r.URL.Path[:9] == "/connect/"
}

// Problem is an RFC 9457 problem document.
type Problem = httpjson.Problem

// WriteProblem writes err as application/problem+json, logging an internal
// error once under the request's id.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	logInternal(r, err)
	httpjson.WriteProblem(w, r, err, RequestID(r.Context()))
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) { httpjson.WriteJSON(w, status, v) }
