package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"tessera/domain"
	"tessera/manage/sites"
	"tessera/views"
)

// A site's storage classes and network pool, set by the provider admin:
// the page shows what the site last reported (its health check stores it);
// a save goes through the site's connect API, which checks each choice
// against the site's datastores and port groups.

// siteSettings is manage/sites' settings use case over the App's connector
// and the stored reports.
func (a *App) siteSettings() *sites.Settings {
	return &sites.Settings{Connector: a.Sites, Reports: a.SiteReports}
}

// HandleSiteStorage shows the site's storage classes and network pool.
func (a *App) HandleSiteStorage(w http.ResponseWriter, r *http.Request) {
	a.renderSiteStorage(w, r, http.StatusOK, views.Form{}, views.Form{})
}

func (a *App) renderSiteStorage(w http.ResponseWriter, r *http.Request, status int, classForm, poolForm views.Form) {
	s := a.siteParam(w, r)
	if s == nil {
		return
	}
	props := views.SiteStorageProps{Site: s, ClassForm: classForm, PoolForm: poolForm, Classes: domain.StorageClasses}
	rep, err := a.siteSettings().Report(r.Context(), s.ID)
	if err == nil {
		props.ReportedAt = rep.ReportedAt
		if sc := rep.Storage; sc != nil {
			props.Datastores = sc.Datastores
			if props.ClassForm.Values == nil {
				props.ClassForm.Values = map[string]string{}
				for _, cl := range domain.StorageClasses {
					props.ClassForm.Values["class_"+cl] = sc.Classes[cl]
				}
			}
		}
		if p := rep.Pool; p != nil {
			props.PortGroups = p.Available
			if props.PoolForm.Values == nil {
				props.PoolForm.Values = map[string]string{"vlan_from": strconv.Itoa(p.VLANFrom), "vlan_to": strconv.Itoa(p.VLANTo)}
				props.Assigned = map[string]bool{}
				for _, pg := range p.PortGroups {
					props.Assigned[pg] = true
				}
			}
		}
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			a.Log.ErrorContext(r.Context(), "site settings", "site", s.Name, "err", err)
		}
		props.Unavailable = domain.ErrorMessage(err)
	}
	if props.Assigned == nil {
		props.Assigned = map[string]bool{}
		for _, pg := range r.PostForm["port_group"] {
			props.Assigned[pg] = true
		}
	}
	a.page(w, r, status, s.Name+": storage and networks", "locations", views.SiteStorage(props))
}

// HandleSiteStorageSave maps the storage classes to datastores.
func (a *App) HandleSiteStorageSave(w http.ResponseWriter, r *http.Request) {
	s := a.siteParam(w, r)
	if s == nil {
		return
	}
	classes := map[string]string{}
	v := map[string]string{}
	for _, cl := range domain.StorageClasses {
		ds := strings.TrimSpace(r.PostFormValue("class_" + cl))
		classes[cl], v["class_"+cl] = ds, ds
	}
	err := a.siteSettings().SaveStorageClasses(r.Context(), s.ID, classes)
	a.auditAction(r, "", "site.storage_classes", s.Name, err)
	if err != nil {
		// The site names a class's field "classes.<class>"; the form, "class_<class>".
		if fields := domain.ErrorFields(err); fields != nil {
			renamed := map[string]string{}
			for k, msg := range fields {
				renamed[strings.Replace(k, "classes.", "class_", 1)] = msg
			}
			err = &domain.Error{Code: domain.ErrorCode(err), Message: domain.ErrorMessage(err), Fields: renamed, Err: err}
		}
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderSiteStorage(w, r, status, f, views.Form{}) })
		return
	}
	a.flash(r, "ok", "Storage classes of "+s.Name+" saved.")
	redirect(w, r, "/admin/locations/sites/"+s.ID+"/storage")
}

// HandleSiteNetworkPoolSave sets the site's VLAN range and the existing
// port groups its new networks may use.
func (a *App) HandleSiteNetworkPoolSave(w http.ResponseWriter, r *http.Request) {
	s := a.siteParam(w, r)
	if s == nil {
		return
	}
	v := formValues(r, "vlan_from", "vlan_to")
	p := domain.NetworkPool{PortGroups: r.PostForm["port_group"]}
	errs := map[string]string{}
	var err error
	if p.VLANFrom, err = strconv.Atoi(v["vlan_from"]); err != nil {
		errs["vlan_from"] = "Enter a whole number from 1 to 4094."
	}
	if p.VLANTo, err = strconv.Atoi(v["vlan_to"]); err != nil {
		errs["vlan_to"] = "Enter a whole number from 1 to 4094."
	}
	err = nil
	if len(errs) > 0 {
		err = domain.Invalid(errs)
	} else {
		err = a.siteSettings().SaveNetworkPool(r.Context(), s.ID, p)
	}
	a.auditAction(r, "", "site.network_pool", s.Name, err)
	if err != nil {
		a.formError(w, r, err, v, func(status int, f views.Form) { a.renderSiteStorage(w, r, status, views.Form{}, f) })
		return
	}
	a.flash(r, "ok", "Network pool of "+s.Name+" saved.")
	redirect(w, r, "/admin/locations/sites/"+s.ID+"/storage")
}
