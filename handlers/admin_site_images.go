package handlers

import (
	"net/http"

	"tessera/domain"
	"tessera/views"
)

// HandleImages shows the published images and their state per location.
func (a *App) HandleImages(w http.ResponseWriter, r *http.Request) {
	a.renderImages(w, r, http.StatusOK, views.Form{})
}

func (a *App) renderImages(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	imgs, err := a.Storage.Images.Images(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	reps, err := a.Storage.Images.Replicas(r.Context(), "")
	if err != nil {
		a.Error(w, r, err)
		return
	}
	sites, err := a.Locations.FindSites(r.Context(), "")
	if err != nil {
		a.Error(w, r, err)
		return
	}
	_, locs, err := a.storageLocationNames(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	siteNames := map[string]string{}
	for _, s := range sites {
		siteNames[s.ID] = s.Name
	}
	by := map[string][]*domain.ImageReplica{}
	for _, rp := range reps {
		by[rp.ImageID] = append(by[rp.ImageID], rp)
	}
	a.page(w, r, status, "Images", "site-images", views.SiteImages(views.SiteImagesProps{Images: imgs, Replicas: by, Sites: siteNames, Locations: locs, Form: f}))
}

// HandleImagePublish publishes an image from the image cache to every site.
func (a *App) HandleImagePublish(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "url")
	img := &domain.SiteImage{Name: v["name"], URL: v["url"]}
	err := a.Storage.PublishImage(r.Context(), img)
	a.auditAction(r, "", "image.publish", v["name"], err)
	if err != nil {
		if fe := domain.ErrorFields(err); fe != nil {
			a.renderImages(w, r, StatusOf(domain.ErrorCode(err)), views.Form{Values: v, Errors: fe})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Image "+img.Name+" is being copied to every site.")
	redirect(w, r, "/admin/images")
}
