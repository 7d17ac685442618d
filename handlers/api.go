package handlers

import (
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument is the user API's OpenAPI 3.1 description.
func OpenAPIDocument() []byte { return openAPIDoc }

// HandleOpenAPI serves the user API's OpenAPI document.
func (a *App) HandleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

// APIAuthenticate accepts "Authorization: Bearer <token>". A token of a
// disabled user or a suspended tenant is refused like an unknown one.
func (a *App) APIAuthenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, secret, ok := strings.Cut(h, " ")
		if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
			WriteProblem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "Send an API token as 'Authorization: Bearer <token>'. Create one under Settings → API tokens."))
			return
		}
		tok, err := a.Tokens.AuthenticateToken(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		p, err := a.principalFor(r.Context(), tok.TenantID, tok.UserID)
		if err != nil || p.Tenant == nil || p.Tenant.ID != tok.TenantID {
			if err != nil && domain.ErrorCode(err) == domain.EINTERNAL {
				WriteProblem(w, r, err)
				return
			}
			WriteProblem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "The API token is not valid: its user is disabled or its organisation suspended."))
			return
		}
		if ht := HostTenant(r.Context()); ht != nil && ht.ID != p.Tenant.ID {
			WriteProblem(w, r, domain.Errorf(domain.EUNAUTHORIZED, "The API token is not valid on this host."))
			return
		}
		p.TokenID = tok.ID
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

type apiNamed struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type apiLocation struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	CountryCode string `json:"country_code"`
}

type apiFlavor struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	VCPUs     int    `json:"vcpus"`
	MemoryMiB int    `json:"memory_mib"`
	DiskGiB   int    `json:"disk_gib"`
}

type apiImage struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	OS       string `json:"os"`
	Licensed bool   `json:"licensed"`
	// Issue 9: a tenant's own image is private; its state is creating,
	// ready, failed, deleting or deleted (catalogue images are ready). Locations names the
	// tenant's locations where the image is ready.
	Private   bool     `json:"private"`
	State     string   `json:"state"`
	Error     string   `json:"error,omitempty"`
	Locations []string `json:"locations"`
}

type apiPrice struct {
	Hourly   string `json:"hourly"`
	Monthly  string `json:"monthly"`
	Currency string `json:"currency"`
}

type apiMachine struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Location   string   `json:"location"`
	LocationID string   `json:"location_id"`
	Flavor     string   `json:"flavor"`
	FlavorID   string   `json:"flavor_id"`
	Image      string   `json:"image"`
	ImageID    string   `json:"image_id"`
	VCPUs      int      `json:"vcpus"`
	MemoryMiB  int      `json:"memory_mib"`
	DiskGiB    int      `json:"disk_gib"`
	Addresses  []string `json:"addresses"`
	// Interfaces are the machine's private network interfaces (issue 9).
	Interfaces []*domain.MachineInterface `json:"interfaces"`
	Error      string                     `json:"error,omitempty"`
	CreatedAt  time.Time                  `json:"created_at"`
	Price      *apiPrice                  `json:"price"`
}

func (a *App) apiMachine(m *domain.Machine, locs map[string]string, q *domain.Quote) apiMachine {
	out := apiMachine{ID: m.ID, Name: m.Name, Status: string(m.Status), Location: locs[m.LocationID], LocationID: m.LocationID,
		Flavor: m.FlavorName, FlavorID: m.FlavorID, Image: m.ImageName, ImageID: m.ImageID,
		VCPUs: m.VCPUs, MemoryMiB: m.MemoryMiB, DiskGiB: m.DiskGiB, Addresses: m.Addresses, Error: m.ErrorReason, CreatedAt: m.CreatedAt}
	if out.Addresses == nil {
		out.Addresses = []string{}
	}
	out.Interfaces = []*domain.MachineInterface{}
	if q != nil {
		out.Price = &apiPrice{Hourly: q.Hourly.Amount.Decimal(4), Monthly: q.Monthly.Amount.Decimal(2), Currency: q.Hourly.Currency}
	}
	return out
}

// withInterfaces fills in the machines' network interfaces, one query for
// the lot.
func (a *App) withInterfaces(r *http.Request, ms ...*apiMachine) {
	if a.Storage == nil || len(ms) == 0 {
		return
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	nics, err := a.Storage.Networks.InterfacesOf(r.Context(), PrincipalFrom(r.Context()).Tenant.ID, ids)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "machine interfaces", "err", err)
		return
	}
	for _, m := range ms {
		if n := nics[m.ID]; n != nil {
			m.Interfaces = n
		}
	}
}

func (a *App) HandleAPILocations(w http.ResponseWriter, r *http.Request) {
	ls, err := a.tenantLocations(r.Context(), PrincipalFrom(r.Context()).Tenant.ID)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	out := apiPage[apiLocation]{Items: []apiLocation{}}
	for _, l := range ls {
		out.Items = append(out.Items, apiLocation{ID: l.ID, Name: l.Name, CountryCode: l.CountryCode})
	}
	WriteJSON(w, http.StatusOK, out)
}

func (a *App) HandleAPIFlavors(w http.ResponseWriter, r *http.Request) {
	fs, err := a.Catalogue.TenantFlavors(r.Context(), PrincipalFrom(r.Context()).Tenant.ID)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	out := apiPage[apiFlavor]{Items: []apiFlavor{}}
	for _, f := range fs {
		out.Items = append(out.Items, apiFlavor{ID: f.ID, Name: f.Name, VCPUs: f.VCPUs, MemoryMiB: f.MemoryMiB, DiskGiB: f.DiskGiB})
	}
	WriteJSON(w, http.StatusOK, out)
}

// machineFilter reads ?limit=&cursor=&status=&q=&sort= for lists.
func machineFilter(r *http.Request, tenantID string) (domain.MachineFilter, error) {
	q := r.URL.Query()
	f := domain.MachineFilter{TenantID: tenantID, Cursor: q.Get("cursor"), Query: q.Get("q"), Sort: domain.MachineSort(q.Get("sort"))}
	fields := map[string]string{}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			fields["limit"] = "Limit must be a whole number from 1 to 200."
		}
		f.Limit = n
	}
	if v := q.Get("status"); v != "" {
		s := domain.MachineStatus(v)
		if !domain.ValidMachineStatus(s) {
			fields["status"] = "Unknown status."
		}
		f.Status = &s
	}
	switch f.Sort {
	case "", domain.SortName, domain.SortCreated, domain.SortStatus:
	default:
		fields["sort"] = "Sort by name, created or status."
	}
	if len(fields) > 0 {
		return f, domain.Invalid(fields)
	}
	return f, nil
}

func (a *App) HandleAPIMachineList(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	f, err := machineFilter(r, p.Tenant.ID)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	ms, next, err := a.Machines.FindMachines(r.Context(), f)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	locs := a.locationNames(r.Context())
	qc := a.newQuoteCache(p.Tenant.ID)
	out := apiPage[apiMachine]{Items: make([]apiMachine, 0, len(ms)), NextCursor: next}
	for _, m := range ms {
		out.Items = append(out.Items, a.apiMachine(m, locs, qc.machine(r.Context(), m)))
	}
	ptrs := make([]*apiMachine, len(out.Items))
	for i := range out.Items {
		ptrs[i] = &out.Items[i]
	}
	a.withInterfaces(r, ptrs...)
	WriteJSON(w, http.StatusOK, out)
}

func (a *App) HandleAPIMachineGet(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	m, err := a.Machines.FindMachineByID(r.Context(), p.Tenant.ID, chi.URLParam(r, "machineID"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	out := a.apiMachine(m, a.locationNames(r.Context()), a.quote(r.Context(), p.Tenant.ID, m.LocationID, m.Shape()))
	a.withInterfaces(r, &out)
	WriteJSON(w, http.StatusOK, out)
}

type apiCreateMachine struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	Flavor   string `json:"flavor"`
	Image    string `json:"image"`
	// Placement (issue 8): "location" may also be "any:DE" or "cheapest".
	Residency string           `json:"residency,omitempty"`
	Groups    []PlacementGroup `json:"groups,omitempty"`
	// Networks are network ids for the machine's interfaces (issue 9);
	// none gives it the location's default network.
	Networks []string `json:"networks,omitempty"`
}

func (a *App) HandleAPIMachineCreate(w http.ResponseWriter, r *http.Request) {
	var in apiCreateMachine
	if err := decodeJSON(r, &in); err != nil {
		WriteProblem(w, r, err)
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	r = withPlacementInput(r, in.Residency, in.Groups)
	m, _, err := a.createMachine(r, in.Name, in.Location, in.Flavor, in.Image, key, in.Networks)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	p := PrincipalFrom(r.Context())
	w.Header().Set("Location", "/api/v1/machines/"+m.ID)
	out := a.apiMachine(m, a.locationNames(r.Context()), a.quote(r.Context(), p.Tenant.ID, m.LocationID, m.Shape()))
	a.withInterfaces(r, &out)
	WriteJSON(w, http.StatusAccepted, out)
}

func (a *App) HandleAPIAction(action domain.MachineAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Flavor string `json:"flavor"`
		}
		if action == domain.ActionResize {
			if err := decodeJSON(r, &in); err != nil {
				WriteProblem(w, r, err)
				return
			}
			if strings.TrimSpace(in.Flavor) == "" {
				WriteProblem(w, r, domain.Invalid(map[string]string{"flavor": "Choose the new size (a flavor id or name)."}))
				return
			}
		}
		var m *domain.Machine
		var err error
		if action == domain.ActionDelete {
			m, err = a.deleteMachine(r, chi.URLParam(r, "machineID"), r.URL.Query().Get("disks"))
		} else {
			m, err = a.machineAction(r, chi.URLParam(r, "machineID"), action, in.Flavor)
		}
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		p := PrincipalFrom(r.Context())
		out := a.apiMachine(m, a.locationNames(r.Context()), a.quote(r.Context(), p.Tenant.ID, m.LocationID, m.Shape()))
		a.withInterfaces(r, &out)
		WriteJSON(w, http.StatusAccepted, out)
	}
}
