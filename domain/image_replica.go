package domain

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// SiteImage is a template the provider admin publishes once; Tessera copies it
// to every site (ImageReplica) from connect Storage's image cache.
type SiteImage struct {
	ID        string
	Name      string // the template's name at every site
	URL       string // where sites fetch the OVA (the image cache)
	CreatedAt time.Time
}

var imageNameDomainRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$`)

// Validate checks an image to publish. EINVALID with fields name, url.
func (i *SiteImage) Validate() error {
	f := map[string]string{}
	i.Name, i.URL = strings.TrimSpace(i.Name), strings.TrimSpace(i.URL)
	if !imageNameDomainRe.MatchString(i.Name) {
		f["name"] = "A name of letters, digits, '.', '_' and '-' (at most 80) is required."
	}
	if !strings.HasPrefix(i.URL, "https://") && !strings.HasPrefix(i.URL, "http://") || len(i.URL) > 2000 {
		f["url"] = "The http(s) URL of the image's OVA in the image cache is required."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Replica states: only a ready image is offered in a location.
const (
	ReplicaCopying = "copying"
	ReplicaReady   = "ready"
	ReplicaFailed  = "failed"
)

// ImageReplica is an image's copy at one site.
type ImageReplica struct {
	ImageID    string
	ImageName  string
	SiteID     string
	LocationID string
	State      string
	Error      string
}

// ImageService stores published images and their replicas.
type ImageService interface {
	// CreateImage records an image. EINVALID, ECONFLICT (name taken).
	CreateImage(ctx context.Context, i *SiteImage) error
	// Images lists images by name.
	Images(ctx context.Context) ([]*SiteImage, error)
	// Replicas lists an image's replicas ("" for every image's).
	Replicas(ctx context.Context, imageID string) ([]*ImageReplica, error)
	// SaveReplica inserts or updates a replica.
	SaveReplica(ctx context.Context, r *ImageReplica) error
	// ReadyLocations lists the locations where an image is ready.
	ReadyLocations(ctx context.Context, imageName string) ([]string, error)
}

// PublishImage records an image and starts copying it to every enabled
// site. EINVALID, ECONFLICT.
func (m *StorageManager) PublishImage(ctx context.Context, img *SiteImage) error {
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
		r := &ImageReplica{ImageID: img.ID, ImageName: img.Name, SiteID: s.ID, LocationID: s.LocationID, State: ReplicaCopying}
		if err := m.Images.SaveReplica(ctx, r); err != nil {
			return err
		}
		if err := m.advanceReplica(ctx, r, img.URL); err != nil {
			return err
		}
	}
	return nil
}

// advanceReplica sends a copying replica's import and records its outcome.
func (m *StorageManager) advanceReplica(ctx context.Context, r *ImageReplica, url string) error {
	if r.State != ReplicaCopying {
		return nil
	}
	op, err := m.submit(ctx, r.SiteID, OperationRequest{Key: "image_import:" + r.ImageID + ":" + r.SiteID, Kind: OpImageImport,
		Image: &ImageRequest{Name: r.ImageName, URL: url}})
	if err != nil || op == nil || !op.State.Done() {
		return err
	}
	r.State, r.Error = ReplicaReady, ""
	if op.State == OpFailed {
		r.State, r.Error = ReplicaFailed, op.Error
	}
	return m.Images.SaveReplica(ctx, r)
}

// RefreshImages advances every copying replica and every tenant's image
// being captured or deleted.
func (m *StorageManager) RefreshImages(ctx context.Context) error {
	if err := m.refreshTenantImages(ctx); err != nil {
		return err
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
		if err := m.advanceReplica(ctx, r, url[r.ImageID]); err != nil {
			return err
		}
	}
	return nil
}
