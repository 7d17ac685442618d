package model

import (
	"testing"

	"tessera/domain"
)

func TestOperationRequestValidate(t *testing.T) {
	spec := &MachineSpec{Name: "web-1", TenantSlug: "acme", VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20, Image: "ubuntu"}
	tests := []struct {
		name   string
		req    OperationRequest
		fields []string // fields with errors; none for valid
	}{
		{"valid create", OperationRequest{Key: "k", Kind: OpCreate, MachineID: "m-1", Spec: spec}, nil},
		{"valid stop", OperationRequest{Key: "k", Kind: OpStop, MachineID: "m-1"}, nil},
		{"valid resize", OperationRequest{Key: "k", Kind: OpResize, MachineID: "m-1", Spec: &MachineSpec{VCPUs: 4, MemoryMiB: 4096}}, nil},
		{"nothing", OperationRequest{}, []string{"idempotency_key", "kind", "machine_id"}},
		{"create without spec", OperationRequest{Key: "k", Kind: OpCreate, MachineID: "m"}, []string{"spec"}},
		{"create with a bad spec", OperationRequest{Key: "k", Kind: OpCreate, MachineID: "m", Spec: &MachineSpec{VCPUs: 500, MemoryMiB: 1, DiskGiB: -1}},
			[]string{"spec.vcpus", "spec.memory_mib", "spec.disk_gib", "spec.name", "spec.image"}},
		{"valid image delete", OperationRequest{Key: "k", Kind: OpImageDelete, Image: &ImageRequest{Name: "img-0b9e"}}, nil},
		{"image delete without image", OperationRequest{Key: "k", Kind: OpImageDelete}, []string{"image.name"}},
		{"image delete of a catalogue template", OperationRequest{Key: "k", Kind: OpImageDelete, Image: &ImageRequest{Name: "ubuntu-24.04"}}, []string{"image.name"}},
		{"machine id with a slash", OperationRequest{Key: "k", Kind: OpStart, MachineID: "a/b"}, []string{"machine_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			got := domain.ErrorFields(err)
			if len(got) != len(tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
			for _, f := range tt.fields {
				if got[f] == "" {
					t.Errorf("no error on %s: %v", f, got)
				}
			}
		})
	}
}
