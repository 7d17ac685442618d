package domain

import "testing"

func TestDiskValidate(t *testing.T) {
	tests := []struct {
		name  string
		d     Disk
		field string // "" for valid
	}{
		{"valid", Disk{Name: "data", LocationID: "ber", SizeGiB: 10, Class: "fast"}, ""},
		{"default class", Disk{Name: "data 1", LocationID: "ber", SizeGiB: 1}, ""},
		{"no name", Disk{Name: " ", LocationID: "ber", SizeGiB: 10}, "name"},
		{"bad name", Disk{Name: "a/b", LocationID: "ber", SizeGiB: 10}, "name"},
		{"no location", Disk{Name: "d", SizeGiB: 10}, "location"},
		{"zero size", Disk{Name: "d", LocationID: "ber"}, "size_gib"},
		{"too large", Disk{Name: "d", LocationID: "ber", SizeGiB: MaxDiskGiB + 1}, "size_gib"},
		{"unknown class", Disk{Name: "d", LocationID: "ber", SizeGiB: 5, Class: "gold"}, "class"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want valid", err)
				}
				if tt.d.Class == "" {
					t.Error("class not defaulted")
				}
				return
			}
			if ErrorFields(err)[tt.field] == "" {
				t.Errorf("Validate = %v, want an error on %s", err, tt.field)
			}
		})
	}
}

func TestDiskTransitions(t *testing.T) {
	d := func(s DiskState) *Disk { return &Disk{Name: "d", LocationID: "ber", SizeGiB: 10, State: s} }
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"attach available", d(DiskAvailable).CanAttach("ber"), ""},
		{"attach attached", d(DiskAttached).CanAttach("ber"), ECONFLICT},
		{"attach other location", d(DiskAvailable).CanAttach("fra"), EINVALID},
		{"detach attached", d(DiskAttached).CanDetach(), ""},
		{"detach available", d(DiskAvailable).CanDetach(), ECONFLICT},
		{"grow", d(DiskAttached).CanGrow(20), ""},
		{"grow same", d(DiskAvailable).CanGrow(10), EINVALID},
		{"shrink", d(DiskAvailable).CanGrow(5), EINVALID},
		{"grow too far", d(DiskAvailable).CanGrow(MaxDiskGiB + 1), EINVALID},
		{"grow creating", d(DiskCreating).CanGrow(20), ECONFLICT},
		{"delete available", d(DiskAvailable).CanDelete(), ""},
		{"delete failed", d(DiskError).CanDelete(), ""},
		{"delete attached", d(DiskAttached).CanDelete(), ECONFLICT},
		{"delete resizing", d(DiskResizing).CanDelete(), ECONFLICT},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.code {
			t.Errorf("%s: code %q (%v), want %q", tt.name, got, tt.err, tt.code)
		}
	}
}

func TestSnapshot(t *testing.T) {
	s := &Snapshot{Name: " before upgrade "}
	if err := s.Validate(); err != nil || s.Name != "before upgrade" {
		t.Errorf("Validate = %v, name %q", err, s.Name)
	}
	if err := (&Snapshot{}).Validate(); ErrorFields(err)["name"] == "" {
		t.Errorf("empty name: %v", err)
	}
	if err := (&Snapshot{Name: "s", State: SnapshotCreating}).CanRevert(); ErrorCode(err) != ECONFLICT {
		t.Errorf("revert creating: %v", err)
	}
	if err := (&Snapshot{Name: "s", State: SnapshotReady}).CanRevert(); err != nil {
		t.Errorf("revert ready: %v", err)
	}
}
