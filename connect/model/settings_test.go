package model

import (
	"testing"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

func TestStorageClassSettingsValidate(t *testing.T) {
	have := []hypervisor.DatastoreChoice{{Name: "ssd-01"}, {Name: "pod-1", Kind: hypervisor.DatastoreKindCluster}}
	s := StorageClassSettings{Classes: map[string]string{"fast": " ssd-01 ", "standard": "pod-1"}}
	if err := s.Validate(have); err != nil || s.Classes["fast"] != "ssd-01" {
		t.Fatalf("valid mapping: %v %v", err, s.Classes)
	}
	s = StorageClassSettings{Classes: map[string]string{"fast": "nope", "gold": ""}}
	f := domain.ErrorFields(s.Validate(have))
	if f["classes.fast"] == "" || f["classes.gold"] == "" {
		t.Errorf("fields = %v", f)
	}
	p := NetworkPool{VLANFrom: 10, VLANTo: 5, PortGroups: []string{"b", "a", "a", ""}}
	if f := domain.ErrorFields(p.Validate([]string{"a", "b"})); f["vlan_to"] == "" || f["port_groups"] != "" {
		t.Errorf("pool fields = %v", f)
	}
	if p.PortGroups[0] != "a" || len(p.PortGroups) != 2 {
		t.Errorf("port groups = %v", p.PortGroups)
	}
}
