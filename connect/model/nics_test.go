package model

import (
	"testing"

	"tessera/domain"
)

func TestCreateRequestNICs(t *testing.T) {
	ok := NICSpec{PortGroup: "pg", Address: "10.0.0.2", PrefixLength: 24, Gateway: "10.0.0.1"}
	for _, tc := range []struct {
		name string
		nics []NICSpec
		bad  bool
	}{
		{"none", nil, false},
		{"one", []NICSpec{ok}, false},
		{"no gateway", []NICSpec{{PortGroup: "pg", Address: "10.0.0.2", PrefixLength: 29}}, false},
		{"four", []NICSpec{ok, ok, ok, ok}, false},
		{"five", []NICSpec{ok, ok, ok, ok, ok}, true},
		{"no port group", []NICSpec{{Address: "10.0.0.2", PrefixLength: 24}}, true},
		{"IPv6", []NICSpec{{PortGroup: "pg", Address: "fd00::2", PrefixLength: 64}}, true},
		{"no prefix", []NICSpec{{PortGroup: "pg", Address: "10.0.0.2"}}, true},
		{"bad gateway", []NICSpec{{PortGroup: "pg", Address: "10.0.0.2", PrefixLength: 24, Gateway: "x"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := OperationRequest{Key: "k", Kind: OpCreate, MachineID: "m-1", Spec: &MachineSpec{Name: "web", VCPUs: 1, MemoryMiB: 512, Image: "t", Networks: tc.nics}}
			err := r.Validate()
			if got := domain.ErrorFields(err)["spec.networks"] != ""; got != tc.bad {
				t.Errorf("Validate() = %v, want refused %v", err, tc.bad)
			}
		})
	}
}
