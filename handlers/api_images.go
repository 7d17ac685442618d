package handlers

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

// apiImageOf is an image as the API shows it, with the locations where it
// is ready.
func apiImageOf(i *domain.MachineImage, where []string) apiImage {
	out := apiImage{ID: i.ID, Name: i.Name, OS: i.OS, Licensed: i.Licensed, Private: i.Private(), State: domain.ImageReady, Locations: where}
	if out.Locations == nil {
		out.Locations = []string{}
	}
	if i.Private() {
		out.State, out.Error = i.State, i.Error
	}
	return out
}

// HandleAPIImages lists the images the tenant can use (the catalogue's
// allowed to it, and its own ready ones) and its own being created or failed.
func (a *App) HandleAPIImages(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	c, err := a.choices(r.Context(), p.Tenant.ID)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	where := imageWhere(c)
	out := apiPage[apiImage]{Items: []apiImage{}}
	seen := map[string]bool{}
	for _, i := range c.Images {
		seen[i.ID] = true
		out.Items = append(out.Items, apiImageOf(i, where[i.ID]))
	}
	if a.tenantImagesOn() {
		own, err := a.Storage.TenantImages.TenantOwnImages(r.Context(), p.Tenant.ID)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		for _, i := range own {
			if !seen[i.ID] {
				out.Items = append(out.Items, apiImageOf(i, nil))
			}
		}
	}
	WriteJSON(w, http.StatusOK, out)
}

// HandleAPIImageGet returns one of the tenant's own images.
func (a *App) HandleAPIImageGet(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if !a.tenantImagesOn() {
		WriteProblem(w, r, domain.Errorf(domain.ENOTFOUND, "Image not found."))
		return
	}
	img, err := a.Storage.TenantImages.FindTenantImage(r.Context(), p.Tenant.ID, chi.URLParam(r, "imageID"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.apiOwnImage(r.Context(), img))
}

func (a *App) apiOwnImage(ctx context.Context, img *domain.MachineImage) apiImage {
	var where []string
	if img.State == domain.ImageReady {
		where = []string{a.locationNames(ctx)[img.LocationID]}
	}
	return apiImageOf(img, where)
}

// HandleAPIMachineSaveImage saves a stopped machine as an image: 202.
func (a *App) HandleAPIMachineSaveImage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		WriteProblem(w, r, err)
		return
	}
	img, err := a.captureImage(r, chi.URLParam(r, "machineID"), in.Name)
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/images/"+img.ID)
	WriteJSON(w, http.StatusAccepted, a.apiOwnImage(r.Context(), img))
}

// HandleAPIImageDelete deletes one of the tenant's own images: 202 with
// the image, deleting until its site has removed the template.
func (a *App) HandleAPIImageDelete(w http.ResponseWriter, r *http.Request) {
	img, err := a.deleteImage(r, chi.URLParam(r, "imageID"))
	if err != nil {
		WriteProblem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, a.apiOwnImage(r.Context(), img))
}

type apiImage struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	OS       string `json:"os"`
	Licensed bool   `json:"licensed"`
	// A tenant's own image (saved from its machine) is private; its state is creating,
	// ready, failed, deleting or deleted (catalogue images are ready). Locations names the
	// tenant's locations where the image is ready.
	Private   bool     `json:"private"`
	State     string   `json:"state"`
	Error     string   `json:"error,omitempty"`
	Locations []string `json:"locations"`
}
