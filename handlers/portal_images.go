package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// Tenants' own images: a stopped machine becomes an image of its
// tenant, usable only by that tenant and only at the machine's site; the
// Images page lists them with the catalogue's images and where each is ready.

func (a *App) tenantImagesOn() bool {
	return a.Storage != nil && a.Storage.TenantImages != nil
}

type saveImageFormKey struct{}

// saveImageCard is the machine page's "Save as image" card: for writers,
// while the machine is stopped.
func (a *App) saveImageCard(r *http.Request, m *domain.Machine) templ.Component {
	p := PrincipalFrom(r.Context())
	if !a.tenantImagesOn() || !p.User.Role.CanWrite() || m.Status != domain.StatusStopped {
		return nil
	}
	f, _ := r.Context().Value(saveImageFormKey{}).(views.Form)
	if f.Values == nil {
		f.Values = map[string]string{"image_name": m.Name + "-image"}
	}
	return views.SaveImage(views.SaveImageProps{M: m, Form: f})
}

// captureImage saves the tenant's machine as an image and records it in
// the audit log. EINVALID (name), ECONFLICT (not stopped, name taken), ENOTFOUND.
func (a *App) captureImage(r *http.Request, machineID, name string) (*domain.MachineImage, error) {
	p := PrincipalFrom(r.Context())
	if !a.tenantImagesOn() {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "Saving machines as images is not set up.")
	}
	m, err := a.Machines.FindMachineByID(r.Context(), p.Tenant.ID, machineID)
	if err != nil {
		return nil, err
	}
	img, err := a.Storage.CaptureImage(r.Context(), m, a.sourceImage(r.Context(), p.Tenant.ID, m.ImageID), name)
	a.auditAction(r, p.Tenant.ID, "image.capture", strings.TrimSpace(name), err)
	return img, err
}

// sourceImage is the image a machine was made from (nil if gone), so an
// image of a licensed one keeps its licence price.
func (a *App) sourceImage(ctx context.Context, tenantID, id string) *domain.MachineImage {
	if img, err := a.Catalogue.FindImageByID(ctx, id); err == nil {
		return img
	}
	if img, err := a.Storage.TenantImages.FindTenantImage(ctx, tenantID, id); err == nil {
		return img
	}
	return nil
}

// HandleMachineSaveImage turns a stopped machine into an image.
func (a *App) HandleMachineSaveImage(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "machineID")
	v := formValues(r, "image_name")
	img, err := a.captureImage(r, id, v["image_name"])
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID, domain.ECONFLICT:
			f := views.Form{Values: v, Errors: map[string]string{}}
			if msg := domain.ErrorFields(err)["name"]; msg != "" {
				f.Errors["image_name"] = msg
			} else {
				f.Message = domain.ErrorMessage(err)
			}
			ctx := context.WithValue(r.Context(), saveImageFormKey{}, f)
			a.renderMachine(w, r.WithContext(ctx), StatusOf(domain.ErrorCode(err)), views.Form{})
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Saving as image "+img.Name+"… it appears under Your images when ready.")
	redirect(w, r, "/images")
}

// imageWhere maps each of c's images to the names of the tenant's
// locations where it is ready.
func imageWhere(c *tenantChoices) map[string][]string {
	out := map[string][]string{}
	for _, i := range c.Images {
		for _, l := range c.ImageLocations(i) {
			out[i.ID] = append(out[i.ID], l.Name)
		}
	}
	return out
}

// HandleImageIndex is the tenant's Images page.
func (a *App) HandleImageIndex(w http.ResponseWriter, r *http.Request) {
	a.renderImageIndex(w, r, http.StatusOK, views.Form{})
}

func (a *App) renderImageIndex(w http.ResponseWriter, r *http.Request, status int, f views.Form) {
	p := PrincipalFrom(r.Context())
	c, err := a.choices(r.Context(), p.Tenant.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	props := views.ImageListProps{Where: imageWhere(c), Locations: a.locationNames(r.Context()), CanWrite: p.User.Role.CanWrite(), Form: f}
	for _, i := range c.Images {
		if !i.Private() {
			props.Catalogue = append(props.Catalogue, i)
		}
	}
	if a.tenantImagesOn() {
		if props.Own, err = a.Storage.TenantImages.TenantOwnImages(r.Context(), p.Tenant.ID); err != nil {
			a.Error(w, r, err)
			return
		}
	}
	a.page(w, r, status, "Images", "images", views.ImageList(props))
}

// HandleImageDelete deletes one of the tenant's own images.
func (a *App) HandleImageDelete(w http.ResponseWriter, r *http.Request) {
	img, err := a.deleteImage(r, chi.URLParam(r, "imageID"))
	if err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			a.renderImageIndex(w, r, http.StatusConflict, views.Form{Message: domain.ErrorMessage(err)})
			return
		}
		a.Error(w, r, err)
		return
	}
	msg := "Deleting image " + img.Name + "… its template is removed at the site."
	if img.State == domain.ImageDeleted {
		msg = "Deleted image " + img.Name + "."
	}
	a.flash(r, "ok", msg)
	redirect(w, r, "/images")
}

func (a *App) deleteImage(r *http.Request, id string) (*domain.MachineImage, error) {
	p := PrincipalFrom(r.Context())
	if !a.tenantImagesOn() {
		return nil, domain.Errorf(domain.ENOTFOUND, "Image not found.")
	}
	img, err := a.Storage.TenantImages.FindTenantImage(r.Context(), p.Tenant.ID, id)
	if err != nil {
		return nil, err
	}
	deleting, err := a.Storage.DeleteImage(r.Context(), p.Tenant.ID, id)
	if deleting != nil {
		if err != nil { // it is deleting; its queued delete carries on
			a.Log.WarnContext(r.Context(), "send image delete", "image", id, "err", err)
		}
		img, err = deleting, nil
	}
	a.auditAction(r, p.Tenant.ID, "image.delete", img.Name, err)
	return img, err
}
