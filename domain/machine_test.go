package domain

import (
	"strings"
	"testing"
)

func TestActionAllowed(t *testing.T) {
	allowed := map[MachineStatus]string{
		StatusCreating:  "",
		StatusRunning:   "stop,reboot,resize,delete",
		StatusStopped:   "start,resize,delete",
		StatusStarting:  "",
		StatusStopping:  "",
		StatusRebooting: "",
		StatusResizing:  "",
		StatusDeleting:  "",
		StatusError:     "delete",
		StatusDeleted:   "",
	}
	for s, want := range allowed {
		var got []string
		for _, a := range AllowedActions(s) {
			got = append(got, string(a))
		}
		if g := strings.Join(got, ","); g != want {
			t.Errorf("%s allows %q, want %q", s, g, want)
		}
		for _, a := range MachineActions {
			err := CheckAction("web-1", s, a)
			if (err == nil) != ActionAllowed(s, a) {
				t.Errorf("CheckAction(%s, %s) = %v", s, a, err)
			}
			if err != nil && ErrorCode(err) != ECONFLICT {
				t.Errorf("CheckAction code %s", ErrorCode(err))
			}
		}
	}
}

func TestTransitional(t *testing.T) {
	for _, a := range MachineActions {
		if !StatusDuring(a).Transitional() {
			t.Errorf("status during %s is not transitional", a)
		}
		if OperationKindOf(a) == "" {
			t.Errorf("no operation for %s", a)
		}
	}
	for _, s := range []MachineStatus{StatusRunning, StatusStopped, StatusError, StatusDeleted} {
		if s.Transitional() {
			t.Errorf("%s is transitional", s)
		}
	}
}

func TestStatusAfter(t *testing.T) {
	tests := []struct {
		kind  OperationKind
		prior MachineStatus
		ok    bool
		want  MachineStatus
	}{
		{OpCreate, "", true, StatusRunning},
		{OpCreate, "", false, StatusError},
		{OpStart, StatusStopped, true, StatusRunning},
		{OpStart, StatusStopped, false, StatusStopped},
		{OpStop, StatusRunning, true, StatusStopped},
		{OpStop, StatusRunning, false, StatusRunning},
		{OpReboot, StatusRunning, true, StatusRunning},
		{OpResize, StatusStopped, true, StatusStopped},
		{OpResize, StatusRunning, true, StatusRunning},
		{OpResize, StatusRunning, false, StatusRunning},
		{OpDelete, StatusRunning, true, StatusDeleted},
		{OpDelete, StatusStopped, false, StatusError},
	}
	for _, tt := range tests {
		if got := StatusAfter(tt.kind, tt.prior, tt.ok); got != tt.want {
			t.Errorf("StatusAfter(%s, %s, %v) = %s, want %s", tt.kind, tt.prior, tt.ok, got, tt.want)
		}
	}
}

func TestValidateMachineName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"web-1", ""},
		{"a", ""},
		{"DB01", ""},
		{strings.Repeat("a", 63), ""},
		{"", "Enter a name for the machine."},
		{strings.Repeat("a", 64), "Name may be at most 63 characters."},
		{"-web", "Name may not start or end with a hyphen."},
		{"web-", "Name may not start or end with a hyphen."},
		{"web_1", "Name may contain letters, digits and hyphens."},
		{"web 1", "Name may contain letters, digits and hyphens."},
		{"web.example", "Name may contain letters, digits and hyphens."},
		{"wéb", "Name may contain letters, digits and hyphens."},
	}
	for _, tt := range tests {
		if got := ValidateMachineName(tt.name); got != tt.want {
			t.Errorf("ValidateMachineName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckQuota(t *testing.T) {
	q := Quota{Machines: 3, VCPUs: 8, MemoryMiB: 8192, DiskGiB: 100}
	tests := []struct {
		used, add Usage
		want      string
	}{
		{Usage{2, 6, 4096, 60}, Usage{1, 2, 4096, 40}, ""},
		{Usage{3, 6, 4096, 60}, Usage{1, 1, 1024, 10}, "Quota exceeded: machines. Your quota is 3, 3 in use; this needs 1 more, 1 over."},
		{Usage{1, 7, 0, 0}, Usage{1, 4, 0, 0}, "Quota exceeded: vCPUs. Your quota is 8, 7 in use; this needs 4 more, 3 over."},
		{Usage{1, 0, 8000, 0}, Usage{1, 1, 1024, 0}, "Quota exceeded: memory. Your quota is 8192 MiB, 8000 MiB in use; this needs 1024 MiB more, 832 MiB over."},
		{Usage{1, 0, 0, 90}, Usage{1, 1, 0, 20}, "Quota exceeded: disk. Your quota is 100 GiB, 90 GiB in use; this needs 20 GiB more, 10 GiB over."},
		// A resize that shrinks nothing new is never refused for what it does not add.
		{Usage{3, 8, 8192, 100}, Usage{0, 0, 0, 0}, ""},
	}
	for _, tt := range tests {
		err := CheckQuota(q, tt.used, tt.add)
		got := ""
		if err != nil {
			got = ErrorMessage(err)
			if ErrorCode(err) != ECONFLICT {
				t.Errorf("code %s", ErrorCode(err))
			}
		}
		if !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("CheckQuota(%+v, %+v) = %q, want %q…", tt.used, tt.add, got, tt.want)
		}
	}
}

func TestPickSite(t *testing.T) {
	loc := "L1"
	sites := []*Site{
		{ID: "a", LocationID: "L2", Enabled: true},
		{ID: "b", LocationID: loc, Enabled: false},
		{ID: "c", LocationID: loc, Enabled: true, Info: &SiteInfo{Capacity: SiteCapacity{StorageTotalGiB: 100, StorageFreeGiB: 10}}},
		{ID: "d", LocationID: loc, Enabled: true, Health: "unreachable"},
		{ID: "e", LocationID: loc, Enabled: true},
	}
	s, err := PickSite(sites, loc, MachineShape{VCPUs: 1, MemoryMiB: 1024, DiskGiB: 20})
	if err != nil || s.ID != "e" {
		t.Fatalf("PickSite = %v, %v; want e", s, err)
	}
	if _, err := PickSite(sites[:4], loc, MachineShape{DiskGiB: 20}); ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("no room: %v", err)
	}
}
