package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"tessera/domain"
	"tessera/views"
)

// A site's storage classes and network pool, set by the provider admin
// (issue 9): manage reads and writes them through the site's connect API,
// which checks them against the site's datastores and port groups.

type anySiteClient interface {
	ClientAny(ctx context.Context, siteID string) (domain.SiteClient, error)
}

// siteSettingsClient returns the site's settings client, even for a
// disabled site. EUNAVAILABLE.
func (a *App) siteSettingsClient(ctx context.Context, siteID string) (domain.SiteSettingsClient, error) {
	if a.Sites == nil {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "No site connector is set up.")
	}
	var c domain.SiteClient
	var err error
	if ac, ok := a.Sites.(anySiteClient); ok {
		c, err = ac.ClientAny(ctx, siteID)
	} else {
		c, err = a.Sites.Client(ctx, siteID)
	}
	if err != nil {
		return nil, err
	}
	sc, ok := c.(domain.SiteSettingsClient)
	if !ok {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "This site's client cannot change its settings.")
	}
	return sc, nil
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
	c, err := a.siteSettingsClient(r.Context(), s.ID)
	if err == nil {
		var sc *domain.StorageClassSettings
		if sc, err = c.StorageClasses(r.Context()); err == nil {
			props.Datastores = sc.Datastores
			if props.ClassForm.Values == nil {
				props.ClassForm.Values = map[string]string{}
				for _, cl := range domain.StorageClasses {
					props.ClassForm.Values["class_"+cl] = sc.Classes[cl]
				}
			}
		}
	}
	if err == nil {
		var p *domain.NetworkPool
		if p, err = c.NetworkPool(r.Context()); err == nil {
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
	c, err := a.siteSettingsClient(r.Context(), s.ID)
	if err == nil {
		_, err = c.SetStorageClasses(r.Context(), classes)
	}
	a.auditAction(r, "", "site.storage_classes", s.Name, err)
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.EUNAVAILABLE {
			f := views.Form{Values: v, Errors: map[string]string{}}
			for k, msg := range domain.ErrorFields(err) {
				f.Errors[strings.Replace(k, "classes.", "class_", 1)] = msg
			}
			if len(f.Errors) == 0 {
				f.Message = domain.ErrorMessage(err)
			}
			a.renderSiteStorage(w, r, StatusOf(code), f, views.Form{})
			return
		}
		a.Error(w, r, err)
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
		var c domain.SiteSettingsClient
		if c, err = a.siteSettingsClient(r.Context(), s.ID); err == nil {
			_, err = c.SetNetworkPool(r.Context(), p)
		}
	}
	a.auditAction(r, "", "site.network_pool", s.Name, err)
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.EUNAVAILABLE {
			f := views.Form{Values: v, Errors: domain.ErrorFields(err)}
			if len(f.Errors) == 0 {
				f.Message = domain.ErrorMessage(err)
			}
			a.renderSiteStorage(w, r, StatusOf(code), views.Form{}, f)
			return
		}
		a.Error(w, r, err)
		return
	}
	a.flash(r, "ok", "Network pool of "+s.Name+" saved.")
	redirect(w, r, "/admin/locations/sites/"+s.ID+"/storage")
}
