package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/promreg"
	"tessera/domain"
	"tessera/handlers"
)

// requestID gives every request an id, taken from X-Request-Id when a proxy set
// a sane one, and returns it in the response.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsAny(id, " \t\r\n\"") {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(handlers.WithRequestID(r.Context(), id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets server-sent events and streamed responses through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tessera_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tessera_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	m.requests, m.duration = promreg.Register(reg, m.requests), promreg.Register(reg, m.duration)
	return m
}

// observe logs each request and records its metrics under the route pattern
// (never the raw path, which would explode the label set).
func (m *metrics) observe(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			d := time.Since(start)
			m.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
			m.duration.WithLabelValues(route, r.Method).Observe(d.Seconds())
			if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/metrics" || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
				return
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", handlers.RequestID(r.Context())),
				slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Int("bytes", sw.bytes), slog.Duration("duration", d),
				slog.String("host", r.Host))
		})
	}
}

// recoverer turns a panic into a logged 500 page.
func recoverer(app *handlers.App) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					slog.ErrorContext(r.Context(), "panic", "value", v, "stack", string(debug.Stack()), "request_id", handlers.RequestID(r.Context()))
					app.Error(w, r, domain.Internal(nil))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// securityHeaders sets a strict CSP (no inline scripts or styles) and friends.
func securityHeaders(secure bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
			h.Set("X-Frame-Options", "DENY")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if secure {
				h.Set("Strict-Transport-Security", "max-age=63072000")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// hostTenant resolves the request's host name to the provider or a tenant;
// unknown names get a 404 in the provider's look.
func hostTenant(app *handlers.App, hosts *HostResolver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t, err := hosts.Resolve(r.Context(), r.Host)
			if err != nil {
				if domain.ErrorCode(err) == domain.ENOTFOUND && !strings.HasPrefix(r.URL.Path, "/api/") {
					app.Error(w, r, err) // "This cloud does not serve <host>." in the provider's look
					return
				}
				if strings.HasPrefix(r.URL.Path, "/api/") {
					// The API finds the tenant from the token on any host we serve.
					if domain.ErrorCode(err) == domain.ENOTFOUND {
						handlers.WriteProblem(w, r, domain.Errorf(domain.ENOTFOUND, "This cloud does not serve host %s.", r.Host))
						return
					}
					handlers.WriteProblem(w, r, err)
					return
				}
				app.Error(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(handlers.WithHostTenant(r.Context(), t)))
		})
	}
}

// crossOrigin refuses state-changing browser requests from other origins
// (CSRF), using the Sec-Fetch-Site and Origin headers browsers send.
func crossOrigin(app *handlers.App) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := domain.Errorf(domain.EFORBIDDEN, "This request came from another site and was refused to protect your account. Reload the page and try again.")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			handlers.WriteProblem(w, r, err)
			return
		}
		app.Error(w, r, err)
	}))
	return cop.Handler
}
