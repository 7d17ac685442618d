// Package api serves connect's versioned HTTP+JSON API (/connect/v1/...)
// to manage instances. Every request authenticates with its manage
// instance's bearer token; a manage instance sees only its own operations
// and machines. Errors are application/problem+json with a code.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"tessera/connect/central"
	"tessera/connect/store"
	connectv1 "tessera/connect/v1"
	"tessera/domain"
)

// Handler serves the API of one site.
type Handler struct {
	Store   *store.Store
	Central *central.Central
	Log     *slog.Logger
}

type manageKey struct{}

func manageFrom(ctx context.Context) *store.ManageInstance {
	m, _ := ctx.Value(manageKey{}).(*store.ManageInstance)
	return m
}

// Routes mounts the API under /connect/v1.
func (h *Handler) Routes(r chi.Router) {
	r.Route(connectv1.Prefix, func(r chi.Router) {
		r.Use(h.authenticate)
		r.Get("/site", h.handleSite)
		r.Post("/operations", h.handleSubmit)
		r.Get("/operations/{id}", h.handleOperation)
		r.Get("/machines/{id}", h.handleMachine)
		r.Get("/disks/{id}", h.handleDisk)
		r.Get("/networks/{id}", h.handleNetwork)
		r.Get("/storage-classes", h.handleStorageClasses)
		r.Put("/storage-classes", h.handleSetStorageClasses)
		r.Get("/network-pool", h.handleNetworkPool)
		r.Put("/network-pool", h.handleSetNetworkPool)
	})
}

// NewRouter is a complete connect HTTP server: the API, health and 404s.
func (h *Handler) NewRouter(extra func(chi.Router)) http.Handler {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		h.problem(w, r, domain.Errorf(domain.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		h.problem(w, r, domain.Errorf(domain.EINVALID, "%s is not supported on %s.", r.Method, r.URL.Path))
	})
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	if extra != nil {
		extra(r)
	}
	h.Routes(r)
	return r
}

func (h *Handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			h.problem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "Send this manage instance's token as 'Authorization: Bearer TOKEN'."))
			return
		}
		m, err := h.Store.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			h.problem(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), manageKey{}, m)))
	})
}

func (h *Handler) handleSite(w http.ResponseWriter, r *http.Request) {
	info, err := h.Central.Info(r.Context())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, siteToV1(info))
}

func (h *Handler) handleSubmit(w http.ResponseWriter, r *http.Request) {
	var in connectv1.OperationRequest
	if err := decode(r, &in); err != nil {
		h.problem(w, r, err)
		return
	}
	if k := r.Header.Get("Idempotency-Key"); k != "" && in.Key == "" {
		in.Key = k
	}
	op, err := h.Central.Submit(r.Context(), manageFrom(r.Context()).ID, requestFromV1(&in))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	w.Header().Set("Location", connectv1.Prefix+"/operations/"+op.ID)
	writeJSON(w, http.StatusAccepted, operationToV1(op))
}

func (h *Handler) handleOperation(w http.ResponseWriter, r *http.Request) {
	op, err := h.Central.Operation(r.Context(), manageFrom(r.Context()).ID, chi.URLParam(r, "id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, operationToV1(op))
}

func (h *Handler) handleMachine(w http.ResponseWriter, r *http.Request) {
	m, err := h.Central.Machine(r.Context(), manageFrom(r.Context()).ID, chi.URLParam(r, "id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, machineToV1(m))
}

func (h *Handler) handleDisk(w http.ResponseWriter, r *http.Request) {
	d, err := h.Central.Disk(r.Context(), manageFrom(r.Context()).ID, chi.URLParam(r, "id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, diskToV1(d))
}

func (h *Handler) handleNetwork(w http.ResponseWriter, r *http.Request) {
	n, err := h.Central.Network(r.Context(), manageFrom(r.Context()).ID, chi.URLParam(r, "id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, networkToV1(n))
}

func (h *Handler) handleStorageClasses(w http.ResponseWriter, r *http.Request) {
	s, err := h.Central.StorageClasses(r.Context())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, storageClassesToV1(s))
}

func (h *Handler) handleSetStorageClasses(w http.ResponseWriter, r *http.Request) {
	var in connectv1.StorageClassSettings
	if err := decode(r, &in); err != nil {
		h.problem(w, r, err)
		return
	}
	s, err := h.Central.SetStorageClasses(r.Context(), in.Classes)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.logger().InfoContext(r.Context(), "storage classes set", "manage", manageFrom(r.Context()).Name, "classes", s.Classes)
	writeJSON(w, http.StatusOK, storageClassesToV1(s))
}

func (h *Handler) handleNetworkPool(w http.ResponseWriter, r *http.Request) {
	p, err := h.Central.NetworkPool(r.Context())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, poolToV1(p))
}

func (h *Handler) handleSetNetworkPool(w http.ResponseWriter, r *http.Request) {
	var in connectv1.NetworkPool
	if err := decode(r, &in); err != nil {
		h.problem(w, r, err)
		return
	}
	p, err := h.Central.SetNetworkPool(r.Context(), poolFromV1(&in))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.logger().InfoContext(r.Context(), "network pool set", "manage", manageFrom(r.Context()).Name, "vlan_from", p.VLANFrom, "vlan_to", p.VLANTo, "port_groups", len(p.PortGroups))
	writeJSON(w, http.StatusOK, poolToV1(p))
}

func (h *Handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, r, h.logger(), err)
}

func (h *Handler) logger() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
