package machines

import (
	"context"
	"strings"

	"tessera/domain"
)

// Choices is what a tenant may pick when creating a machine.
type Choices struct {
	Locations []*domain.GeoLocation
	Flavors   []*domain.Flavor
	Images    []*domain.MachineImage
	// ImageSites are the sites where each image (by id) is ready; nil when
	// manage knows no sites (no location service), which limits nothing.
	ImageSites map[string]map[string]bool
	Sites      []*domain.Site
}

// TenantLocations returns the geo-locations tenantID may use, by name:
// those the catalogue allows it, never one dedicated to another tenant or
// manage instance.
func (s *Service) TenantLocations(ctx context.Context, tenantID string) ([]*domain.GeoLocation, error) {
	if s.Locations == nil {
		return nil, nil
	}
	ids, err := s.Catalogue.TenantLocationIDs(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	all, err := s.Locations.FindLocations(ctx)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, id := range ids {
		ok[id] = true
	}
	var out []*domain.GeoLocation
	for _, l := range all {
		if ok[l.ID] {
			out = append(out, l)
		}
	}
	return s.visibleLocations(ctx, tenantID, out)
}

// visibleLocations keeps the locations of ls that tenantID may see: none
// dedicated to another tenant or manage instance.
func (s *Service) visibleLocations(ctx context.Context, tenantID string, ls []*domain.GeoLocation) ([]*domain.GeoLocation, error) {
	p := s.placer()
	if p == nil {
		return ls, nil
	}
	vis, err := p.TenantLocations(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	ok := make(map[string]bool, len(vis))
	for _, l := range vis {
		ok[l.ID] = true
	}
	out := make([]*domain.GeoLocation, 0, len(ls))
	for _, l := range ls {
		if ok[l.ID] {
			out = append(out, l)
		}
	}
	return out, nil
}

// Choices returns the locations, sizes and images tenantID may create a
// machine with, and where each image is ready.
func (s *Service) Choices(ctx context.Context, tenantID string) (*Choices, error) {
	var c Choices
	var err error
	if c.Locations, err = s.TenantLocations(ctx, tenantID); err != nil {
		return nil, err
	}
	if c.Flavors, err = s.Catalogue.TenantFlavors(ctx, tenantID); err != nil {
		return nil, err
	}
	if c.Images, err = s.Catalogue.TenantImages(ctx, tenantID); err != nil {
		return nil, err
	}
	if err := s.imageSites(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// imageSites fills in where each of c's images is ready: at the enabled
// sites whose inventory lists its template or where its published replica
// is ready (a tenant's own image: its site).
func (s *Service) imageSites(ctx context.Context, c *Choices) error {
	if s.Locations == nil {
		return nil
	}
	sites, err := s.Locations.FindSites(ctx, "")
	if err != nil {
		return err
	}
	var ready map[string]map[string]bool
	if s.Replicas != nil {
		reps, err := s.Replicas.Replicas(ctx, "")
		if err != nil {
			return err
		}
		ready = domain.ReadyTemplates(reps)
	}
	c.Sites, c.ImageSites = sites, map[string]map[string]bool{}
	for _, img := range c.Images {
		c.ImageSites[img.ID] = domain.ImageSites(img, sites, ready)
	}
	return nil
}

// LocationNames maps location ids to names for lists; empty when the
// locations cannot be read (a list then shows no names rather than failing).
func (s *Service) LocationNames(ctx context.Context) map[string]string {
	out := map[string]string{}
	if s.Locations == nil {
		return out
	}
	ls, err := s.Locations.FindLocations(ctx)
	if err != nil {
		return out
	}
	for _, l := range ls {
		out[l.ID] = l.Name
	}
	return out
}

// ImageLocations returns the tenant's locations (in c's order) where image
// img is ready.
func (c *Choices) ImageLocations(img *domain.MachineImage) []*domain.GeoLocation {
	if c.ImageSites == nil {
		return c.Locations
	}
	at := domain.SiteLocations(c.ImageSites[img.ID], c.Sites)
	var out []*domain.GeoLocation
	for _, l := range c.Locations {
		if at[l.ID] {
			out = append(out, l)
		}
	}
	return out
}

// CheckImageAt returns the image field's error when img is not ready in
// locationID, naming the tenant's locations where it is.
func (c *Choices) CheckImageAt(img *domain.MachineImage, locationID string) error {
	if c.ImageSites == nil || img == nil || locationID == "" {
		return nil
	}
	var elsewhere []string
	locName := locationID
	for _, l := range c.ImageLocations(img) {
		if l.ID == locationID {
			return nil
		}
		elsewhere = append(elsewhere, l.Name)
	}
	for _, l := range c.Locations {
		if l.ID == locationID {
			locName = l.Name
		}
	}
	return domain.ImageNotAvailable(img.Name, locName, elsewhere)
}

// Location finds a location by id or (case-insensitive) name; "" if none.
func (c *Choices) Location(v string) string {
	for _, l := range c.Locations {
		if l.ID == v || strings.EqualFold(l.Name, v) {
			return l.ID
		}
	}
	return ""
}

// LocationName is the name of the tenant's location id, "" if none.
func (c *Choices) LocationName(id string) string {
	for _, l := range c.Locations {
		if l.ID == id {
			return l.Name
		}
	}
	return ""
}

// Flavor finds a size by id or (case-insensitive) name; nil if none.
func (c *Choices) Flavor(v string) *domain.Flavor {
	for _, f := range c.Flavors {
		if f.ID == v || strings.EqualFold(f.Name, v) {
			return f
		}
	}
	return nil
}

// Image finds an image by id or (case-insensitive) name; nil if none.
func (c *Choices) Image(v string) *domain.MachineImage {
	for _, i := range c.Images {
		if i.ID == v || strings.EqualFold(i.Name, v) {
			return i
		}
	}
	return nil
}

// FirstImageAt is the id of the first image ready in locationID, or of the
// first image when none is ("" without images): the create form's default.
func (c *Choices) FirstImageAt(locationID string) string {
	if len(c.Images) == 0 {
		return ""
	}
	for _, i := range c.Images {
		if c.CheckImageAt(i, locationID) == nil {
			return i.ID
		}
	}
	return c.Images[0].ID
}

// Shape is the shape of flavor and image (ids or names), nil if the flavor
// is not one of c's.
func (c *Choices) Shape(flavor, image string) *domain.MachineShape {
	fl := c.Flavor(flavor)
	if fl == nil {
		return nil
	}
	s := domain.MachineShape{VCPUs: fl.VCPUs, MemoryMiB: fl.MemoryMiB, DiskGiB: fl.DiskGiB}
	if img := c.Image(image); img != nil {
		s.ImageID = img.PriceKey()
	}
	return &s
}

// imagePlace is what placement needs of the chosen image: the sites where
// it is ready (nil: anywhere) and its name.
type imagePlace struct {
	Sites map[string]bool
	Name  string
}

func (c *Choices) placeImage(img *domain.MachineImage) imagePlace {
	if img == nil || c.ImageSites == nil {
		return imagePlace{}
	}
	return imagePlace{Sites: c.ImageSites[img.ID], Name: img.Name}
}
