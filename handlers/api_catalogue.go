package handlers

import "net/http"

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

type apiPrice struct {
	Hourly   string `json:"hourly"`
	Monthly  string `json:"monthly"`
	Currency string `json:"currency"`
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
