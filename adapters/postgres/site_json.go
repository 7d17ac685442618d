package postgres

import (
	"encoding/json"
	"time"

	"tessera/domain"
)

// This file is the jsonb format of what manage stores of a site's reports
// (sites.info, site_settings_reports): the field names the rows were
// written with, kept here because the domain types carry no json tags.

type siteInfoJSON struct {
	Name       string           `json:"name"`
	APIVersion string           `json:"api_version"`
	Backend    string           `json:"backend"`
	Capacity   siteCapacityJSON `json:"capacity"`
	Templates  []string         `json:"templates"`
	Networks   []string         `json:"networks"`
	LastSync   time.Time        `json:"last_sync"`
}

type siteCapacityJSON struct {
	Clusters        int   `json:"clusters"`
	Hosts           int   `json:"hosts"`
	CPUTotalMHz     int64 `json:"cpu_total_mhz"`
	CPUUsedMHz      int64 `json:"cpu_used_mhz"`
	VCPUsTotal      int   `json:"vcpus_total"`
	VCPUsAllocated  int   `json:"vcpus_allocated"`
	MemoryTotalMiB  int64 `json:"memory_total_mib"`
	MemoryUsedMiB   int64 `json:"memory_used_mib"`
	MemoryAllocMiB  int64 `json:"memory_allocated_mib"`
	StorageTotalGiB int64 `json:"storage_total_gib"`
	StorageFreeGiB  int64 `json:"storage_free_gib"`
}

type datastoreChoiceJSON struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	CapacityGiB int64  `json:"capacity_gib"`
	FreeGiB     int64  `json:"free_gib"`
}

type storageClassesJSON struct {
	Classes    map[string]string     `json:"classes"`
	Datastores []datastoreChoiceJSON `json:"datastores,omitempty"`
}

type networkPoolJSON struct {
	VLANFrom   int      `json:"vlan_from"`
	VLANTo     int      `json:"vlan_to"`
	PortGroups []string `json:"port_groups"`
	Available  []string `json:"available_port_groups,omitempty"`
}

func marshalSiteInfo(i *domain.SiteInfo) ([]byte, error) {
	return json.Marshal(siteInfoJSON{Name: i.Name, APIVersion: i.APIVersion, Backend: i.Backend,
		Capacity: siteCapacityJSON(i.Capacity), Templates: i.Templates, Networks: i.Networks, LastSync: i.LastSync})
}

func unmarshalSiteInfo(b []byte) (*domain.SiteInfo, error) {
	var j siteInfoJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &domain.SiteInfo{Name: j.Name, APIVersion: j.APIVersion, Backend: j.Backend,
		Capacity: domain.SiteCapacity(j.Capacity), Templates: j.Templates, Networks: j.Networks, LastSync: j.LastSync}, nil
}

func marshalStorageClasses(s *domain.StorageClassSettings) ([]byte, error) {
	j := storageClassesJSON{Classes: s.Classes}
	for _, d := range s.Datastores {
		j.Datastores = append(j.Datastores, datastoreChoiceJSON(d))
	}
	return json.Marshal(j)
}

func unmarshalStorageClasses(b []byte) (*domain.StorageClassSettings, error) {
	var j storageClassesJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	s := &domain.StorageClassSettings{Classes: j.Classes}
	for _, d := range j.Datastores {
		s.Datastores = append(s.Datastores, domain.DatastoreChoice(d))
	}
	return s, nil
}

func marshalNetworkPool(p *domain.NetworkPool) ([]byte, error) {
	return json.Marshal(networkPoolJSON(*p))
}

func unmarshalNetworkPool(b []byte) (*domain.NetworkPool, error) {
	var j networkPoolJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	p := domain.NetworkPool(j)
	return &p, nil
}
