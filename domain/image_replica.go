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
