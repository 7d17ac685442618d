package handlers

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
	"tessera/views"
)

// HandleCatalogue shows the provider's flavors and images.
func (a *App) HandleCatalogue(w http.ResponseWriter, r *http.Request) {
	a.renderCatalogue(w, r, http.StatusOK, views.CatalogueProps{ImageForm: views.Form{Values: map[string]string{"os": "linux"}}})
}

func (a *App) renderCatalogue(w http.ResponseWriter, r *http.Request, status int, p views.CatalogueProps) {
	var err error
	if p.Flavors, err = a.Catalogue.FindFlavors(r.Context()); err != nil {
		a.Error(w, r, err)
		return
	}
	if p.Images, err = a.Catalogue.FindImages(r.Context()); err != nil {
		a.Error(w, r, err)
		return
	}
	a.page(w, r, status, "Catalogue", "catalogue", views.CataloguePage(p))
}

func atoiField(v map[string]string, name string, fields map[string]string, msg string) int {
	n, err := strconv.Atoi(v[name])
	if err != nil {
		fields[name] = msg
	}
	return n
}

// HandleFlavorCreate adds a flavor.
func (a *App) HandleFlavorCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "vcpus", "memory_mib", "disk_gib")
	fields := map[string]string{}
	f := &domain.Flavor{Name: v["name"]}
	f.VCPUs = atoiField(v, "vcpus", fields, "Enter a whole number of vCPUs.")
	f.MemoryMiB = atoiField(v, "memory_mib", fields, "Enter the memory in MiB as a whole number.")
	f.DiskGiB = atoiField(v, "disk_gib", fields, "Enter the disk in GiB as a whole number.")
	var err error
	if len(fields) > 0 {
		// Report every wrong field at once, not only the unreadable ones.
		for k, v := range domain.ErrorFields(f.Validate()) {
			if fields[k] == "" {
				fields[k] = v
			}
		}
		err = domain.Invalid(fields)
	} else {
		err = a.Catalogue.CreateFlavor(r.Context(), f)
	}
	a.auditAction(r, "", "flavor.create", v["name"], err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.renderCatalogue(w, r, status, views.CatalogueProps{FlavorForm: f, ImageForm: views.Form{Values: map[string]string{"os": "linux"}}})
		})
		return
	}
	a.flash(r, "ok", "Flavor "+f.Name+" added. Allow it for tenants on their pages.")
	redirect(w, r, "/admin/catalogue")
}

// HandleImageCreate adds an image.
func (a *App) HandleImageCreate(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "name", "template", "os", "licensed")
	i := &domain.MachineImage{Name: v["name"], Template: v["template"], OS: v["os"], Licensed: v["licensed"] == "true"}
	err := a.Catalogue.CreateImage(r.Context(), i)
	a.auditAction(r, "", "image.create", v["name"], err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) {
			a.renderCatalogue(w, r, status, views.CatalogueProps{ImageForm: f})
		})
		return
	}
	a.flash(r, "ok", "Image "+i.Name+" added. Allow it for tenants on their pages.")
	redirect(w, r, "/admin/catalogue")
}

// HandleCatalogueDelete removes a flavor or an image that no machine uses.
func (a *App) HandleCatalogueDelete(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		var err error
		if kind == "flavor" {
			err = a.Catalogue.DeleteFlavor(r.Context(), id)
		} else {
			err = a.Catalogue.DeleteImage(r.Context(), id)
		}
		a.auditAction(r, "", kind+".delete", id, err)
		if err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				a.flash(r, "error", domain.ErrorMessage(err))
				redirect(w, r, "/admin/catalogue")
				return
			}
			a.Error(w, r, err)
			return
		}
		a.flash(r, "ok", "Removed from the catalogue.")
		redirect(w, r, "/admin/catalogue")
	}
}

// HandleTenantCatalogue shows a tenant's quotas and allow-lists.
func (a *App) HandleTenantCatalogue(w http.ResponseWriter, r *http.Request) {
	a.renderTenantCatalogue(w, r, http.StatusOK, views.Form{}, views.Form{})
}

func (a *App) renderTenantCatalogue(w http.ResponseWriter, r *http.Request, status int, quotaForm, msg views.Form) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	ctx := r.Context()
	p := views.TenantCatalogueProps{Tenant: t, Selected: map[string]bool{}, QuotaForm: quotaForm, Message: msg}
	var err error
	if p.Quota, p.Usage, err = a.Catalogue.FindQuota(ctx, t.ID); err != nil {
		a.Error(w, r, err)
		return
	}
	if p.QuotaForm.Values == nil {
		p.QuotaForm.Values = map[string]string{
			"quota_machines": strconv.Itoa(p.Quota.Machines), "quota_vcpus": strconv.Itoa(p.Quota.VCPUs),
			"quota_memory_mib": strconv.Itoa(p.Quota.MemoryMiB), "quota_disk_gib": strconv.Itoa(p.Quota.DiskGiB),
		}
	}
	if a.Locations != nil {
		if p.Locations, err = a.Locations.FindLocations(ctx); err != nil {
			a.Error(w, r, err)
			return
		}
	}
	if p.Flavors, err = a.Catalogue.FindFlavors(ctx); err != nil {
		a.Error(w, r, err)
		return
	}
	if p.Images, err = a.Catalogue.FindImages(ctx); err != nil {
		a.Error(w, r, err)
		return
	}
	locIDs, err := a.Catalogue.TenantLocationIDs(ctx, t.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	fs, err := a.Catalogue.TenantFlavors(ctx, t.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	is, err := a.Catalogue.TenantImages(ctx, t.ID)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	for _, id := range locIDs {
		p.Selected[id] = true
	}
	for _, f := range fs {
		p.Selected[f.ID] = true
	}
	for _, i := range is {
		p.Selected[i.ID] = true
	}
	a.page(w, r, status, t.Name, "tenants", views.TenantCataloguePage(p))
}

// HandleTenantQuota sets a tenant's quotas.
func (a *App) HandleTenantQuota(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	v := formValues(r, "quota_machines", "quota_vcpus", "quota_memory_mib", "quota_disk_gib")
	fields := map[string]string{}
	msg := "Enter a whole number of 0 or more."
	q := &domain.Quota{TenantID: t.ID,
		Machines: atoiField(v, "quota_machines", fields, msg), VCPUs: atoiField(v, "quota_vcpus", fields, msg),
		MemoryMiB: atoiField(v, "quota_memory_mib", fields, msg), DiskGiB: atoiField(v, "quota_disk_gib", fields, msg)}
	var err error
	if len(fields) > 0 {
		err = domain.Invalid(fields)
	} else {
		err = a.Catalogue.SetQuota(r.Context(), q)
	}
	a.auditAction(r, t.ID, "quota.set", t.Slug, err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderTenantCatalogue(w, r, status, f, views.Form{}) })
		return
	}
	a.flash(r, "ok", "Quotas of "+t.Name+" saved.")
	redirect(w, r, "/admin/tenants/"+t.ID+"/catalogue")
}

// HandleTenantAllow sets which locations, flavors and images a tenant may use.
func (a *App) HandleTenantAllow(w http.ResponseWriter, r *http.Request) {
	t := a.tenantParam(w, r)
	if t == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		a.Error(w, r, domain.Errorf(domain.EINVALID, "The form could not be read."))
		return
	}
	c := domain.TenantCatalogue{LocationIDs: r.PostForm["location"], FlavorIDs: r.PostForm["flavor"], ImageIDs: r.PostForm["image"]}
	err := a.Catalogue.SetTenantCatalogue(r.Context(), t.ID, c)
	a.auditAction(r, t.ID, "catalogue.set", t.Slug, err)
	if err != nil {
		a.formError(w, r, err, nil, func(status int, _ views.Form) {
			// The allow-lists are check boxes: the error is one message above them.
			a.renderTenantCatalogue(w, r, status, views.Form{}, views.Form{Message: domain.ErrorMessage(err)})
		})
		return
	}
	a.flash(r, "ok", "Allow-lists of "+t.Name+" saved.")
	redirect(w, r, "/admin/tenants/"+t.ID+"/catalogue")
}
