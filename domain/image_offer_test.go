package domain_test

import (
	"reflect"
	"testing"

	"tessera/domain"
)

func TestImageSites(t *testing.T) {
	sites := []*domain.Site{
		{ID: "ber", LocationID: "L-ber", Enabled: true, Info: &domain.SiteInfo{Templates: []string{"ubuntu-24.04", "debian-12"}}},
		{ID: "fra", LocationID: "L-fra", Enabled: true, Info: &domain.SiteInfo{Templates: []string{"ubuntu-24.04"}}},
		{ID: "vie", LocationID: "L-vie", Enabled: true}, // inventory not known yet
		{ID: "off", LocationID: "L-fra", Enabled: false, Info: &domain.SiteInfo{Templates: []string{"debian-12"}}},
	}
	ready := domain.ReadyTemplates([]*domain.ImageReplica{
		{ImageName: "debian-12", SiteID: "vie", State: domain.ReplicaReady},
		{ImageName: "debian-12", SiteID: "fra", State: domain.ReplicaCopying},
	})
	tests := []struct {
		name string
		img  domain.MachineImage
		want map[string]bool
	}{
		{"in the inventory or a ready replica; not while copying, not at a disabled site", domain.MachineImage{Template: "debian-12"}, map[string]bool{"ber": true, "vie": true}},
		{"nowhere", domain.MachineImage{Template: "windows-server-2022"}, map[string]bool{}},
		{"a tenant's own image at its site once ready", domain.MachineImage{Template: "img-1", TenantID: "t", SiteID: "fra", State: domain.ImageReady}, map[string]bool{"fra": true}},
		{"a tenant's own image being created", domain.MachineImage{Template: "img-2", TenantID: "t", SiteID: "fra", State: domain.ImageCreating}, map[string]bool{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ImageSites(&tt.img, sites, ready); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ImageSites = %v, want %v", got, tt.want)
			}
		})
	}
	if got := domain.SiteLocations(map[string]bool{"ber": true, "vie": true}, sites); !reflect.DeepEqual(got, map[string]bool{"L-ber": true, "L-vie": true}) {
		t.Errorf("SiteLocations = %v", got)
	}
}

func TestImageNotAvailable(t *testing.T) {
	for _, tt := range []struct {
		elsewhere []string
		want      string
	}{
		{nil, "Debian 12 is not available in Frankfurt yet; choose another image."},
		{[]string{"Berlin"}, "Debian 12 is not available in Frankfurt yet; choose Berlin, or another image."},
		{[]string{"Zurich", "Berlin"}, "Debian 12 is not available in Frankfurt yet; choose Berlin or Zurich, or another image."},
		{[]string{"Zurich", "Berlin", "Vienna"}, "Debian 12 is not available in Frankfurt yet; choose Berlin, Vienna or Zurich, or another image."},
	} {
		err := domain.ImageNotAvailable("Debian 12", "Frankfurt", tt.elsewhere)
		if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorFields(err)["image"] != tt.want {
			t.Errorf("%v: %v %q", tt.elsewhere, domain.ErrorCode(err), domain.ErrorFields(err)["image"])
		}
	}
}
