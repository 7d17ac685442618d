package domain

import (
	"strings"
	"testing"
)

func TestNetworkInUse(t *testing.T) {
	err := NetworkInUse([]string{"db-1", "web-1"})
	if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), "in use by machines: db-1, web-1.") {
		t.Errorf("NetworkInUse = %v", err)
	}
	if msg := ErrorMessage(NetworkInUse([]string{"web"})); !strings.Contains(msg, "in use by machine: web.") {
		t.Errorf("one machine: %q", msg)
	}
}
