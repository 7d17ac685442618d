package domain

import (
	"net/netip"
	"testing"
)

func TestParsePrivateCIDR(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"10.0.0.0/24", true},
		{"172.16.0.0/16", true},
		{"172.31.255.248/29", true},
		{"192.168.10.0/24", true},
		{"10.0.0.0/8", false},     // larger than /16
		{"192.168.0.0/30", false}, // smaller than /29
		{"10.0.0.1/24", false},    // not the network address
		{"8.8.8.0/24", false},     // public
		{"172.32.0.0/24", false},  // just outside 172.16/12
		{"fd00::/64", false},      // IPv6
		{"10.0.0.0", false},       // no prefix
		{"", false},
	}
	for _, tt := range tests {
		_, err := ParsePrivateCIDR(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParsePrivateCIDR(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil && ErrorFields(err)["cidr"] == "" {
			t.Errorf("ParsePrivateCIDR(%q): error without a cidr field: %v", tt.in, err)
		}
	}
}

func TestNetworkValidate(t *testing.T) {
	n := &Network{Name: "backend", LocationID: "ber", CIDR: " 10.1.0.0/24 "}
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if n.CIDR != "10.1.0.0/24" || n.Gateway != "10.1.0.1" {
		t.Errorf("cidr %q gateway %q", n.CIDR, n.Gateway)
	}
	err := (&Network{CIDR: "1.2.3.0/24"}).Validate()
	for _, f := range []string{"name", "location", "cidr"} {
		if ErrorFields(err)[f] == "" {
			t.Errorf("want an error on %s: %v", f, err)
		}
	}
}

func TestCheckNoOverlap(t *testing.T) {
	have := []*Network{{Name: "a", CIDR: "10.0.0.0/24"}, {Name: "b", CIDR: "10.1.0.0/16"}}
	tests := []struct {
		cidr string
		ok   bool
	}{
		{"10.0.1.0/24", true},
		{"10.0.0.128/25", false}, // inside a
		{"10.0.0.0/16", false},   // contains a
		{"10.1.200.0/24", false}, // inside b
		{"192.168.0.0/24", true},
	}
	for _, tt := range tests {
		err := CheckNoOverlap(tt.cidr, have)
		if (err == nil) != tt.ok {
			t.Errorf("CheckNoOverlap(%q) = %v, want ok=%v", tt.cidr, err, tt.ok)
		}
	}
}

func TestIPAM(t *testing.T) {
	p := netip.MustParsePrefix("192.168.1.0/29")
	if got := Gateway(p).String(); got != "192.168.1.1" {
		t.Errorf("gateway %s", got)
	}
	if got := Broadcast(p).String(); got != "192.168.1.7" {
		t.Errorf("broadcast %s", got)
	}
	for _, tt := range []struct {
		a        string
		reserved bool
	}{{"192.168.1.0", true}, {"192.168.1.1", true}, {"192.168.1.2", false}, {"192.168.1.6", false}, {"192.168.1.7", true}} {
		if got := Reserved(p, netip.MustParseAddr(tt.a)); got != tt.reserved {
			t.Errorf("Reserved(%s) = %v", tt.a, got)
		}
	}
	used := map[netip.Addr]bool{}
	var got []string
	for {
		a, err := NextFree(p, used)
		if err != nil {
			if ErrorCode(err) != ECONFLICT {
				t.Fatalf("full network: %v", err)
			}
			break
		}
		used[a] = true
		got = append(got, a.String())
	}
	want := []string{"192.168.1.2", "192.168.1.3", "192.168.1.4", "192.168.1.5", "192.168.1.6"}
	if len(got) != len(want) {
		t.Fatalf("allocated %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("allocation %d = %s, want %s", i, got[i], want[i])
		}
	}
	// A freed address is handed out again first.
	delete(used, netip.MustParseAddr("192.168.1.3"))
	if a, _ := NextFree(p, used); a.String() != "192.168.1.3" {
		t.Errorf("after release got %s", a)
	}
	if o := Offset(netip.MustParsePrefix("10.0.0.0/16"), netip.MustParseAddr("10.0.1.5")); o != 261 {
		t.Errorf("offset %d", o)
	}
	if o := Offset(p, netip.MustParseAddr("10.0.0.1")); o != -1 {
		t.Errorf("offset outside %d", o)
	}
}

func TestPublicPoolValidate(t *testing.T) {
	for _, tt := range []struct {
		cidr string
		ok   bool
	}{
		{"203.0.113.0/24", true},
		{"198.51.100.7/32", true},
		{"10.0.0.0/24", false},
		{"203.0.113.1/24", false},
		{"203.0.0.0/8", false},
		{"nope", false},
	} {
		err := (&PublicPool{LocationID: "ber", CIDR: tt.cidr}).Validate()
		if (err == nil) != tt.ok {
			t.Errorf("pool %q = %v, want ok=%v", tt.cidr, err, tt.ok)
		}
	}
}

func TestPublicAddressTransitions(t *testing.T) {
	a := &PublicAddress{Address: "203.0.113.5", LocationID: "ber", State: AddressAllocated}
	if err := a.CanAttach("ber"); err != nil {
		t.Error(err)
	}
	if err := a.CanAttach("fra"); ErrorCode(err) != EINVALID {
		t.Errorf("other location: %v", err)
	}
	if err := a.CanDetach(); ErrorCode(err) != ECONFLICT {
		t.Errorf("detach allocated: %v", err)
	}
	a.State = AddressAttached
	if err := a.CanRelease(); ErrorCode(err) != ECONFLICT {
		t.Errorf("release attached: %v", err)
	}
	if err := a.CanDetach(); err != nil {
		t.Error(err)
	}
}

func TestFirewallRuleValidate(t *testing.T) {
	tests := []struct {
		name       string
		r          FirewallRule
		field      string
		wantSource string
	}{
		{"ssh from anywhere", FirewallRule{Protocol: "TCP", PortFrom: 22}, "", "0.0.0.0/0"},
		{"range from net", FirewallRule{Protocol: "udp", PortFrom: 5000, PortTo: 5010, Source: "198.51.100.0/24"}, "", "198.51.100.0/24"},
		{"single host", FirewallRule{Protocol: "tcp", PortFrom: 443, Source: "198.51.100.9"}, "", "198.51.100.9/32"},
		{"icmp", FirewallRule{Protocol: "icmp"}, "", "0.0.0.0/0"},
		{"bad protocol", FirewallRule{Protocol: "gre"}, "protocol", ""},
		{"no port", FirewallRule{Protocol: "tcp"}, "port_from", ""},
		{"port too high", FirewallRule{Protocol: "tcp", PortFrom: 70000}, "port_from", ""},
		{"reversed range", FirewallRule{Protocol: "tcp", PortFrom: 100, PortTo: 50}, "port_to", ""},
		{"icmp with port", FirewallRule{Protocol: "icmp", PortFrom: 8}, "port_from", ""},
		{"bad source", FirewallRule{Protocol: "tcp", PortFrom: 22, Source: "anywhere"}, "source", ""},
		{"host bits", FirewallRule{Protocol: "tcp", PortFrom: 22, Source: "198.51.100.1/24"}, "source", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.r.Source != tt.wantSource {
					t.Errorf("source %q, want %q", tt.r.Source, tt.wantSource)
				}
				return
			}
			if ErrorFields(err)[tt.field] == "" {
				t.Errorf("Validate = %v, want an error on %s", err, tt.field)
			}
		})
	}
}

func TestNetworksLocation(t *testing.T) {
	names := map[string]string{"ber": "Berlin", "fra": "Frankfurt"}
	a := &Network{Name: "a", LocationID: "ber"}
	b := &Network{Name: "b", LocationID: "ber"}
	c := &Network{Name: "c", LocationID: "fra"}
	for _, tc := range []struct {
		name string
		nets []*Network
		loc  string
		msg  string
	}{
		{"none", nil, "", ""},
		{"one", []*Network{a}, "ber", ""},
		{"same location", []*Network{a, b}, "ber", ""},
		{"two locations", []*Network{a, c}, "", "Networks a (Berlin) and c (Frankfurt) are in different locations; choose networks in one location."},
		{"three", []*Network{a, b, c}, "", "Networks a (Berlin), b (Berlin) and c (Frankfurt) are in different locations; choose networks in one location."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := NetworksLocation(tc.nets, names)
			if loc != tc.loc {
				t.Errorf("location %q, want %q", loc, tc.loc)
			}
			if got := ErrorFields(err)["networks"]; got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
		})
	}
}
