package storage

import (
	"context"
	"strings"

	"tessera/domain"
	"tessera/manage/operations"
)

// PublishImage records an image and queues its copy to every enabled site.
// EINVALID, ECONFLICT.
func (m *Manager) PublishImage(ctx context.Context, img *domain.SiteImage) error {
	if err := img.Validate(); err != nil {
		return err
	}
	if err := m.Images.CreateImage(ctx, img); err != nil {
		return err
	}
	sites, err := m.Locations.FindSites(ctx, "")
	if err != nil {
		return err
	}
	for _, s := range sites {
		if !s.Enabled {
			continue
		}
		r := &domain.ImageReplica{ImageID: img.ID, ImageName: img.Name, SiteID: s.ID, LocationID: s.LocationID, State: domain.ReplicaCopying}
		if err := m.Images.SaveReplica(ctx, r); err != nil {
			return err
		}
		if err := m.enqueueReplica(ctx, r, img.URL); err != nil {
			return err
		}
	}
	return nil
}

// enqueueReplica queues a copying replica's import.
func (m *Manager) enqueueReplica(ctx context.Context, r *domain.ImageReplica, url string) error {
	if r.State != domain.ReplicaCopying {
		return nil
	}
	return m.enqueue(ctx, "", r.SiteID, operations.ResourceReplica, r.ImageID, domain.OperationRequest{Key: "image_import:" + r.ImageID + ":" + r.SiteID,
		Kind: domain.OpImageImport, Image: &domain.ImageRequest{Name: r.ImageName, URL: url}})
}

// applyReplica records a replica's import outcome.
func (m *Manager) applyReplica(ctx context.Context, j *operations.Job, out operations.Outcome) error {
	reps, err := m.Images.Replicas(ctx, j.ResourceID)
	if err != nil {
		return err
	}
	for _, r := range reps {
		if r.SiteID != j.SiteID || r.State != domain.ReplicaCopying {
			continue
		}
		r.State, r.Error = domain.ReplicaReady, ""
		if !out.Succeeded {
			r.State, r.Error = domain.ReplicaFailed, out.Reason
		}
		return m.Images.SaveReplica(ctx, r)
	}
	return nil
}

// CaptureImage turns a tenant's stopped machine into an image of its own,
// usable at the machine's site only. EINVALID (name), ECONFLICT (not
// stopped, name taken).
func (m *Manager) CaptureImage(ctx context.Context, mc *domain.Machine, source *domain.MachineImage, name string) (*domain.MachineImage, error) {
	name = strings.TrimSpace(name)
	if msg := domain.ValidateImageName(name); msg != "" {
		return nil, domain.Invalid(map[string]string{"name": msg})
	}
	if mc.Status != domain.StatusStopped {
		return nil, domain.Errorf(domain.ECONFLICT, "%s is %s; stop it before saving it as an image.", mc.Name, mc.Status)
	}
	img := &domain.MachineImage{TenantID: mc.TenantID, Name: name, SiteID: mc.SiteID, LocationID: mc.LocationID, MachineID: mc.ID, OS: "linux"}
	if source != nil {
		img.OS, img.Licensed, img.LicenceKey = source.OS, source.Licensed, source.PriceKey()
	}
	if err := m.TenantImages.CreateTenantImage(ctx, img); err != nil {
		return nil, err
	}
	return img, m.enqueueTenantImage(ctx, img)
}

// DeleteImage deletes one of the tenant's own images: it is no longer
// offered at once, its site removes the template (connect's image_delete
// operation), and then it is deleted; machines made from it keep running.
// A failed site delete leaves it failed with the reason. ENOTFOUND,
// ECONFLICT (still being captured).
func (m *Manager) DeleteImage(ctx context.Context, tenantID, id string) (*domain.MachineImage, error) {
	if err := m.TenantImages.DeleteTenantImage(ctx, tenantID, id); err != nil {
		return nil, err
	}
	img, err := m.TenantImages.FindTenantImage(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	return img, m.enqueueTenantImage(ctx, img)
}

// tenantImageStep is the operation an image being captured or deleted
// waits for, the state it ends in, and the start of its failure reason.
func tenantImageStep(img *domain.MachineImage) (req domain.OperationRequest, done, failed string, ok bool) {
	switch img.State {
	case domain.ImageCreating:
		return domain.OperationRequest{Key: "image_capture:" + img.ID, Kind: domain.OpImageCapture,
			MachineID: img.MachineID, Image: &domain.ImageRequest{Name: img.Template}}, domain.ImageReady, "", true
	case domain.ImageDeleting:
		return domain.OperationRequest{Key: domain.ImageDeleteKey(img), Kind: domain.OpImageDelete, Image: &domain.ImageRequest{Name: img.Template}},
			domain.ImageDeleted, "Deleting failed: ", true
	}
	return req, "", "", false
}

// enqueueTenantImage queues a creating image's capture, or a deleting
// image's delete.
func (m *Manager) enqueueTenantImage(ctx context.Context, img *domain.MachineImage) error {
	req, _, _, ok := tenantImageStep(img)
	if !ok || img.SiteID == "" {
		return nil
	}
	return m.enqueue(ctx, img.TenantID, img.SiteID, operations.ResourceImage, img.ID, req)
}

// applyTenantImage records a capture's or delete's outcome.
func (m *Manager) applyTenantImage(ctx context.Context, j *operations.Job, out operations.Outcome) error {
	img, err := m.TenantImages.FindTenantImage(ctx, j.TenantID, j.ResourceID)
	if err != nil {
		return err
	}
	req, done, failed, ok := tenantImageStep(img)
	if !ok || req.Key != j.Request.Key {
		return nil // moved on already
	}
	state, msg := done, ""
	switch {
	case out.Refused != nil:
		state, msg = domain.ImageFailed, failed+domain.ErrorMessage(out.Refused)
	case !out.Succeeded:
		state, msg = domain.ImageFailed, failed+out.Reason
	}
	return m.TenantImages.SetTenantImageState(ctx, img.TenantID, img.ID, state, msg)
}

// sweepImages queues again every copying replica's import and every
// tenant image's capture or delete.
func (m *Manager) sweepImages(ctx context.Context) error {
	if m.TenantImages != nil {
		imgs, err := m.TenantImages.PendingImages(ctx)
		if err != nil {
			return err
		}
		for _, img := range imgs {
			if err := m.enqueueTenantImage(ctx, img); err != nil {
				return err
			}
		}
	}
	if m.Images == nil {
		return nil
	}
	imgs, err := m.Images.Images(ctx)
	if err != nil {
		return err
	}
	url := map[string]string{}
	for _, i := range imgs {
		url[i.ID] = i.URL
	}
	reps, err := m.Images.Replicas(ctx, "")
	if err != nil {
		return err
	}
	for _, r := range reps {
		if err := m.enqueueReplica(ctx, r, url[r.ImageID]); err != nil {
			return err
		}
	}
	return nil
}
