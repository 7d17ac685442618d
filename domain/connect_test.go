package domain

import "testing"

func TestImageDeleteKey(t *testing.T) {
	for _, tt := range []struct {
		attempts int
		want     string
	}{{0, "image_delete:i-1"}, {1, "image_delete:i-1"}, {2, "image_delete:i-1:2"}, {3, "image_delete:i-1:3"}} {
		if got := ImageDeleteKey(&MachineImage{ID: "i-1", DeleteAttempts: tt.attempts}); got != tt.want {
			t.Errorf("attempts %d: key %q, want %q", tt.attempts, got, tt.want)
		}
	}
}
