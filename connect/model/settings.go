package model

import (
	"fmt"
	"sort"
	"strings"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

// This file is a site's storage and network settings, which the provider
// admin sets from manage through connect/v1: which
// datastore (or datastore cluster) backs each storage class, and the pool
// new networks' port groups come from (a VLAN range and existing port
// groups). connect keeps them in its own database.

// StorageClassSettings maps each storage class to a datastore or datastore
// cluster of the site; a class missing or "" takes the datastore with the
// most free space. Datastores is what the site offers (read-only).
type StorageClassSettings struct {
	Classes    map[string]string
	Datastores []hypervisor.DatastoreChoice
}

// Validate checks the mapping against the site's datastores. EINVALID with
// fields classes.<class>.
func (s *StorageClassSettings) Validate(have []hypervisor.DatastoreChoice) error {
	f := map[string]string{}
	known := map[string]bool{}
	for _, d := range have {
		known[d.Name] = true
	}
	for class, ds := range s.Classes {
		ds = strings.TrimSpace(ds)
		s.Classes[class] = ds
		switch {
		case !domain.ValidStorageClass(class):
			f["classes."+class] = fmt.Sprintf("Unknown storage class %q: use %s.", class, strings.Join(domain.StorageClasses, " or "))
		case ds != "" && !known[ds]:
			f["classes."+class] = fmt.Sprintf("This site has no datastore or datastore cluster called %q.", ds)
		}
	}
	if len(f) > 0 {
		return domain.Invalid(f)
	}
	return nil
}

// NetworkPool is where a site's new networks get their port groups: an
// existing port group assigned to the pool that no network uses yet, else
// a new one with the first free VLAN id of the range.
type NetworkPool struct {
	VLANFrom   int      `json:"vlan_from"`
	VLANTo     int      `json:"vlan_to"`
	PortGroups []string `json:"port_groups"`
	// Available lists the site's port groups (read-only).
	Available []string `json:"available_port_groups,omitempty"`
}

// Validate checks the pool against the site's port groups (nil: not
// checked). EINVALID with fields vlan_from, vlan_to, port_groups.
func (p *NetworkPool) Validate(available []string) error {
	f := map[string]string{}
	if p.VLANFrom < 1 || p.VLANFrom > 4094 {
		f["vlan_from"] = "The first VLAN id must be between 1 and 4094."
	}
	if p.VLANTo < 1 || p.VLANTo > 4094 || p.VLANTo < p.VLANFrom {
		f["vlan_to"] = "The last VLAN id must be between the first one and 4094."
	}
	seen := map[string]bool{}
	var pgs []string
	for _, pg := range p.PortGroups {
		pg = strings.TrimSpace(pg)
		if pg == "" || seen[pg] {
			continue
		}
		seen[pg] = true
		pgs = append(pgs, pg)
	}
	sort.Strings(pgs)
	p.PortGroups = pgs
	if available != nil {
		have := map[string]bool{}
		for _, a := range available {
			have[a] = true
		}
		for _, pg := range pgs {
			if !have[pg] {
				f["port_groups"] = fmt.Sprintf("This site has no port group called %q.", pg)
				break
			}
		}
	}
	if len(f) > 0 {
		return domain.Invalid(f)
	}
	return nil
}
