package domain

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// This file is where an image may be used (an image is offered in a
// location only where it is ready) and tenants' own images, captured from
// their stopped machines.

// States of a tenant's own image.
const (
	ImageCreating = "creating"
	ImageReady    = "ready"
	ImageFailed   = "failed"
	ImageDeleting = "deleting" // its template is being removed at the site
	ImageDeleted  = "deleted"  // gone; kept for the machines made from it
)

// ReadyTemplates indexes replicas by template and site: ready[t][site] is
// true when template t's replica at site is ready.
func ReadyTemplates(replicas []*ImageReplica) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, r := range replicas {
		if r.State != ReplicaReady {
			continue
		}
		if out[r.ImageName] == nil {
			out[r.ImageName] = map[string]bool{}
		}
		out[r.ImageName][r.SiteID] = true
	}
	return out
}

// ImageSites returns the enabled sites where img can be used: a tenant's
// own image at the site it was captured at, once ready; a catalogue image
// at every site whose inventory lists its template or where its published
// replica is ready (ready from ReadyTemplates). A site whose inventory is
// not known yet does not count.
func ImageSites(img *MachineImage, sites []*Site, ready map[string]map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, s := range sites {
		if !s.Enabled {
			continue
		}
		if img.Private() {
			if img.State == ImageReady && img.SiteID == s.ID {
				out[s.ID] = true
			}
			continue
		}
		if ready[img.Template][s.ID] {
			out[s.ID] = true
			continue
		}
		if s.Info != nil {
			for _, t := range s.Info.Templates {
				if t == img.Template {
					out[s.ID] = true
					break
				}
			}
		}
	}
	return out
}

// SiteLocations returns the locations of the sites in siteIDs.
func SiteLocations(siteIDs map[string]bool, sites []*Site) map[string]bool {
	out := map[string]bool{}
	for _, s := range sites {
		if siteIDs[s.ID] {
			out[s.LocationID] = true
		}
	}
	return out
}

// ImageNotAvailable is the field error for an image chosen in a location
// where it is not ready: it names the locations (of elsewhere, the tenant's
// own) where it is.
func ImageNotAvailable(imageName, locationName string, elsewhere []string) error {
	sort.Strings(elsewhere)
	msg := fmt.Sprintf("%s is not available in %s yet; choose another image.", imageName, locationName)
	switch n := len(elsewhere); {
	case n == 1:
		msg = fmt.Sprintf("%s is not available in %s yet; choose %s, or another image.", imageName, locationName, elsewhere[0])
	case n > 1:
		msg = fmt.Sprintf("%s is not available in %s yet; choose %s or %s, or another image.", imageName, locationName, strings.Join(elsewhere[:n-1], ", "), elsewhere[n-1])
	}
	return Invalid(map[string]string{"image": msg})
}

// ValidateImageName checks the name of a tenant's own image; "" if fine.
func ValidateImageName(name string) string {
	if name == "" || len(name) > 60 {
		return "Enter a name of at most 60 characters, e.g. web-golden."
	}
	if !imageNameRe.MatchString(strings.ReplaceAll(name, " ", "-")) {
		return "Name may contain letters, digits, spaces, '.', '_' and '-'."
	}
	return ""
}

// TenantImageService stores tenants' own images. Every method but
// PendingImages (the background job's read across tenants) is scoped to one
// tenant: another tenant's image is ENOTFOUND, an empty tenant id EINTERNAL.
type TenantImageService interface {
	// CreateTenantImage records img (TenantID, Name, SiteID, LocationID,
	// MachineID, OS, Licensed, LicenceKey) in state creating, with its id
	// and template name. EINVALID, ECONFLICT (name taken).
	CreateTenantImage(ctx context.Context, img *MachineImage) error
	// TenantOwnImages lists the tenant's own images by name.
	TenantOwnImages(ctx context.Context, tenantID string) ([]*MachineImage, error)
	// FindTenantImage returns one of the tenant's own images. ENOTFOUND.
	FindTenantImage(ctx context.Context, tenantID, id string) (*MachineImage, error)
	// PendingImages lists every tenant's images being captured or deleted.
	PendingImages(ctx context.Context) ([]*MachineImage, error)
	// SetTenantImageState moves an image being captured to ready or
	// failed, and one being deleted to deleted or failed. EINVALID.
	SetTenantImageState(ctx context.Context, tenantID, id, state, errMsg string) error
	// DeleteTenantImage moves a ready or failed image to deleting (one
	// deleting already stays so); it leaves the create form at once.
	// ENOTFOUND, ECONFLICT (still being captured).
	DeleteTenantImage(ctx context.Context, tenantID, id string) error
}

// ImageDeleteKey is the idempotency key of the site operation deleting
// img's template: image_delete:<id>, and for a delete after a failed one
// image_delete:<id>:<attempt>, so that the site tries again rather than
// answering with the failed operation.
func ImageDeleteKey(img *MachineImage) string {
	if img.DeleteAttempts <= 1 {
		return "image_delete:" + img.ID
	}
	return fmt.Sprintf("image_delete:%s:%d", img.ID, img.DeleteAttempts)
}
