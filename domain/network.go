package domain

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// This file is connect Gateway's model: private networks with their address
// management, public address pools and addresses, and firewall rules.

// NetworkState is where a network is in its life.
type NetworkState string

const (
	NetworkCreating NetworkState = "creating"
	NetworkReady    NetworkState = "ready"
	NetworkDeleting NetworkState = "deleting"
	NetworkError    NetworkState = "error"
)

// Network prefix limits: a /16 is the largest, a /29 the smallest (six
// addresses, of which one is the gateway).
const (
	MinNetworkPrefix = 16
	MaxNetworkPrefix = 29
)

// Network is a tenant's private network in one location, backed by a port
// group at the site.
type Network struct {
	ID         string       `json:"id"`
	TenantID   string       `json:"-"`
	Name       string       `json:"name"`
	Location   string       `json:"location"` // the location's name, filled for the API
	LocationID string       `json:"location_id"`
	CIDR       string       `json:"cidr"`
	Gateway    string       `json:"gateway"`
	PortGroup  string       `json:"port_group,omitempty"`
	Default    bool         `json:"default"`
	State      NetworkState `json:"state"`
	IdemKey    string       `json:"-"` // the API's Idempotency-Key of the create
	CreatedAt  time.Time    `json:"created_at"`
}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// ParsePrivateCIDR parses an IPv4 network in a private range (RFC 1918)
// with a prefix of /16 to /29, written as its network address. EINVALID
// with field cidr.
func ParsePrivateCIDR(s string) (netip.Prefix, error) {
	bad := func(msg string) (netip.Prefix, error) {
		return netip.Prefix{}, Invalid(map[string]string{"cidr": msg})
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil || !p.Addr().Is4() {
		return bad("Enter an IPv4 network such as 10.0.0.0/24.")
	}
	if p.Bits() < MinNetworkPrefix || p.Bits() > MaxNetworkPrefix {
		return bad("The prefix must be between /16 and /29.")
	}
	if p.Masked() != p {
		return bad("Write the network address: " + p.Masked().String() + ".")
	}
	for _, r := range privateRanges {
		if r.Contains(p.Addr()) && r.Bits() <= p.Bits() {
			return p, nil
		}
	}
	return bad("Use a private range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.")
}

// Validate checks a network to create and fills in its gateway (the first
// host address). EINVALID with fields name, location, cidr.
func (n *Network) Validate() error {
	f := map[string]string{}
	n.Name = strings.TrimSpace(n.Name)
	if !ValidResourceName(n.Name) {
		f["name"] = "A name of 1 to 63 letters, digits, spaces, '.', '_' or '-' is required."
	}
	if strings.TrimSpace(n.LocationID) == "" {
		f["location"] = "A location is required."
	}
	p, err := ParsePrivateCIDR(n.CIDR)
	if err != nil {
		f["cidr"] = ErrorFields(err)["cidr"]
	} else {
		n.CIDR = p.String()
		n.Gateway = Gateway(p).String()
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// CheckNoOverlap checks that cidr overlaps none of the tenant's networks in
// the same location. EINVALID with field cidr naming the other network.
func CheckNoOverlap(cidr string, existing []*Network) error {
	p, err := ParsePrivateCIDR(cidr)
	if err != nil {
		return err
	}
	for _, o := range existing {
		q, err := netip.ParsePrefix(o.CIDR)
		if err != nil {
			continue
		}
		if p.Overlaps(q) {
			return Invalid(map[string]string{"cidr": "This range overlaps network " + strconv.Quote(o.Name) + " (" + o.CIDR + ")."})
		}
	}
	return nil
}

// IPAM rules. Addresses in a network are numbered by their offset from the
// network address; offset 0 (network), 1 (gateway) and the last (broadcast)
// are reserved, so hosts get offsets 2 … size-2.

// Size is the number of addresses in p.
func Size(p netip.Prefix) int { return 1 << (32 - p.Bits()) }

// Gateway is the network's first host address.
func Gateway(p netip.Prefix) netip.Addr { return AddressAt(p, 1) }

// Broadcast is the network's last address.
func Broadcast(p netip.Prefix) netip.Addr { return AddressAt(p, Size(p)-1) }

// AddressAt returns the address at offset i of p.
func AddressAt(p netip.Prefix, i int) netip.Addr {
	b := p.Masked().Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Offset returns a's offset in p, or -1 when p does not contain a.
func Offset(p netip.Prefix, a netip.Addr) int {
	if !p.Contains(a) {
		return -1
	}
	n := p.Masked().Addr().As4()
	x := a.As4()
	return int((uint32(x[0])<<24 | uint32(x[1])<<16 | uint32(x[2])<<8 | uint32(x[3])) -
		(uint32(n[0])<<24 | uint32(n[1])<<16 | uint32(n[2])<<8 | uint32(n[3])))
}

// Reserved reports whether a is the network, gateway or broadcast address of p.
func Reserved(p netip.Prefix, a netip.Addr) bool {
	o := Offset(p, a)
	return o == 0 || o == 1 || o == Size(p)-1
}

// FirstHost and LastHost bound the offsets hosts may get.
func FirstHost(p netip.Prefix) int { return 2 }
func LastHost(p netip.Prefix) int  { return Size(p) - 2 }

// NextFree returns the lowest host address of p that used does not hold.
// ECONFLICT when the network is full.
func NextFree(p netip.Prefix, used map[netip.Addr]bool) (netip.Addr, error) {
	for i := FirstHost(p); i <= LastHost(p); i++ {
		if a := AddressAt(p, i); !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, Errorf(ECONFLICT, "Network %s has no free address left.", p)
}

// PublicPool is a range of public addresses the provider admin assigns to a
// location.
type PublicPool struct {
	ID         string    `json:"id"`
	LocationID string    `json:"location"`
	CIDR       string    `json:"cidr"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks a pool: an IPv4 range of /16 to /32, not private.
// EINVALID with fields location, cidr.
func (pp *PublicPool) Validate() error {
	f := map[string]string{}
	if strings.TrimSpace(pp.LocationID) == "" {
		f["location"] = "A location is required."
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(pp.CIDR))
	switch {
	case err != nil || !p.Addr().Is4():
		f["cidr"] = "Enter an IPv4 range such as 203.0.113.0/24."
	case p.Bits() < 16:
		f["cidr"] = "A pool may be at most a /16."
	case p.Masked() != p:
		f["cidr"] = "Write the network address: " + p.Masked().String() + "."
	case p.Addr().IsPrivate() || p.Addr().IsLoopback() || p.Addr().IsMulticast() || p.Addr().IsUnspecified():
		f["cidr"] = "A public pool cannot be a private, loopback or multicast range."
	default:
		pp.CIDR = p.String()
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// PublicAddressState is where a public address is.
type PublicAddressState string

const (
	AddressAllocated PublicAddressState = "allocated" // the tenant holds it, attached to nothing
	AddressAttaching PublicAddressState = "attaching"
	AddressAttached  PublicAddressState = "attached"
	AddressDetaching PublicAddressState = "detaching"
)

// PublicAddress is a public address a tenant holds in a location.
type PublicAddress struct {
	ID         string             `json:"id"`
	TenantID   string             `json:"-"`
	Location   string             `json:"location"` // the location's name, filled for the API
	LocationID string             `json:"location_id"`
	PoolID     string             `json:"-"`
	Address    string             `json:"address"`
	State      PublicAddressState `json:"state"`
	MachineID  string             `json:"machine_id,omitempty"`
	// SiteID and OpKey describe an attach or detach in progress: the
	// machine's site and the idempotency key of the site's operation.
	SiteID    string    `json:"-"`
	OpKey     string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// CanAttach checks that an address can go to a machine in machineLocation.
func (a *PublicAddress) CanAttach(machineLocation string) error {
	if a.State != AddressAllocated {
		return Errorf(ECONFLICT, "Address %s is %s; detach it first.", a.Address, a.State)
	}
	if machineLocation != a.LocationID {
		return Invalid(map[string]string{"machine_id": "The machine is in another location than the address."})
	}
	return nil
}

// CanDetach checks that an address is attached. ECONFLICT.
func (a *PublicAddress) CanDetach() error {
	if a.State != AddressAttached {
		return Errorf(ECONFLICT, "Address %s is not attached.", a.Address)
	}
	return nil
}

// CanRelease checks that an address is attached to nothing. ECONFLICT.
func (a *PublicAddress) CanRelease() error {
	if a.State != AddressAllocated {
		return Errorf(ECONFLICT, "Address %s is attached to a machine; detach it first.", a.Address)
	}
	return nil
}

// Firewall protocols.
const (
	ProtoTCP  = "tcp"
	ProtoUDP  = "udp"
	ProtoICMP = "icmp"
	ProtoAny  = "any"
)

// FirewallRule allows inbound traffic to a network's machines.
type FirewallRule struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"-"`
	NetworkID   string    `json:"network_id"`
	Protocol    string    `json:"protocol"`
	PortFrom    int       `json:"port_from,omitempty"` // 0 for icmp and any
	PortTo      int       `json:"port_to,omitempty"`
	Source      string    `json:"source"` // CIDR, 0.0.0.0/0 for anywhere
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate checks a rule; a single port leaves PortTo 0 and becomes
// PortFrom..PortFrom. EINVALID with fields protocol, port_from, port_to,
// source, description.
func (r *FirewallRule) Validate() error {
	f := map[string]string{}
	r.Protocol = strings.ToLower(strings.TrimSpace(r.Protocol))
	switch r.Protocol {
	case ProtoTCP, ProtoUDP:
		if r.PortTo == 0 {
			r.PortTo = r.PortFrom
		}
		if r.PortFrom < 1 || r.PortFrom > 65535 {
			f["port_from"] = "A port between 1 and 65535 is required."
		} else if r.PortTo < r.PortFrom || r.PortTo > 65535 {
			f["port_to"] = "The last port must be between the first port and 65535."
		}
	case ProtoICMP, ProtoAny:
		if r.PortFrom != 0 || r.PortTo != 0 {
			f["port_from"] = "Ports apply to tcp and udp only."
		}
	default:
		f["protocol"] = "The protocol must be tcp, udp, icmp or any."
	}
	src := strings.TrimSpace(r.Source)
	if src == "" {
		src = "0.0.0.0/0"
	}
	if p, err := netip.ParsePrefix(src); err != nil || !p.Addr().Is4() {
		if a, err := netip.ParseAddr(src); err == nil && a.Is4() {
			r.Source = netip.PrefixFrom(a, 32).String()
		} else {
			f["source"] = "Enter an IPv4 address or range such as 198.51.100.0/24."
		}
	} else if p.Masked() != p {
		f["source"] = "Write the network address: " + p.Masked().String() + "."
	} else {
		r.Source = p.String()
	}
	if len(r.Description) > 200 {
		f["description"] = "The description may have at most 200 characters."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// MachineInterface is a machine's network interface: its address in one of
// the tenant's networks.
type MachineInterface struct {
	MachineID    string       `json:"-"`
	Index        int          `json:"index"`
	NetworkID    string       `json:"network"`
	NetworkName  string       `json:"network_name"`
	Address      string       `json:"address"`
	Gateway      string       `json:"gateway"`
	PrefixLength int          `json:"prefix_length"`
	PortGroup    string       `json:"-"`
	NetworkState NetworkState `json:"-"`
}

// NIC is what a site needs to set the interface up.
func (i *MachineInterface) NIC() NICSpec {
	return NICSpec{PortGroup: i.PortGroup, Address: i.Address, PrefixLength: i.PrefixLength, Gateway: i.Gateway}
}

// NetworkInUse is the refusal to delete a network that machines use.
// ECONFLICT naming them.
func NetworkInUse(names []string) error {
	return &Error{Code: ECONFLICT, Message: "The network is in use by " + plural(len(names), "machine", "machines") + ": " + strings.Join(names, ", ") + ". Delete " + plural(len(names), "it", "them") + " first.",
		Fields: map[string]string{"machines": strings.Join(names, ", ")}}
}

// NetworksLocation returns the one location of nets, the networks a new
// machine is to have interfaces on ("" for none): placement then looks only
// there. names maps location ids to names for the message. EINVALID with the
// field "networks", naming each network and its location, when they are in
// more than one location.
func NetworksLocation(nets []*Network, names map[string]string) (string, error) {
	loc := ""
	for _, n := range nets {
		if loc == "" {
			loc = n.LocationID
		} else if n.LocationID != loc {
			parts := make([]string, len(nets))
			for i, n := range nets {
				where := names[n.LocationID]
				if where == "" {
					where = "another location"
				}
				parts[i] = n.Name + " (" + where + ")"
			}
			list := strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
			return "", Invalid(map[string]string{"networks": "Networks " + list + " are in different locations; choose networks in one location."})
		}
	}
	return loc, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// NetworkFilter selects a tenant's networks.
type NetworkFilter struct {
	TenantID   string
	LocationID string
	Limit      int
	Cursor     string
}

// NetworkMachine is a machine's interface in a network, as the network's
// page and GET /api/v1/networks/{id} list them.
type NetworkMachine struct {
	MachineID string `json:"id"`
	Name      string `json:"name"` // the machine id when the machine is gone
	Address   string `json:"address"`
}

// MaxNetworkMachines is how many machines a network's page and API object
// list at most (a /16 holds 65,534); the count says how many there are.
const MaxNetworkMachines = 200

// NetworkService stores networks, their address allocations, public
// addresses and firewall rules. Every method takes the tenant id; another
// tenant's object is ENOTFOUND, and without a tenant id a method fails
// EINTERNAL (RequireTenant).
type NetworkService interface {
	// CreateNetwork records a network in state creating; with an IdemKey
	// used before it fills n with that network and reports existed.
	// EINVALID (bad or overlapping CIDR), ECONFLICT (name taken).
	CreateNetwork(ctx context.Context, n *Network) (existed bool, err error)
	// Network returns one network. ENOTFOUND.
	Network(ctx context.Context, tenantID, id string) (*Network, error)
	// Networks lists networks and the cursor of the next page.
	Networks(ctx context.Context, f NetworkFilter) ([]*Network, string, error)
	// DeleteNetwork removes a network. ECONFLICT listing the machines using it.
	DeleteNetwork(ctx context.Context, tenantID, id string) error
	// AllocateAddress gives machineID the lowest free host address of the
	// network; concurrent calls never get the same address. ECONFLICT (full).
	AllocateAddress(ctx context.Context, tenantID, networkID, machineID string) (netip.Addr, error)
	// ReleaseAddresses frees every address machineID holds in the network.
	ReleaseAddresses(ctx context.Context, tenantID, networkID, machineID string) error
	// MachineInterfaces lists a machine's network interfaces in order
	// (nothing for another tenant's machine).
	MachineInterfaces(ctx context.Context, tenantID, machineID string) ([]*MachineInterface, error)
	// InterfacesOf lists the interfaces of several machines, by machine id.
	InterfacesOf(ctx context.Context, tenantID string, machineIDs []string) (map[string][]*MachineInterface, error)
	// NetworkUsers returns the names of the machines with an interface in
	// the network, by name (at most limit).
	NetworkUsers(ctx context.Context, tenantID, id string, limit int) ([]string, error)
	// NetworkMachines lists the machines with an interface in the network
	// and their address there, by address (at most limit, up to
	// MaxNetworkMachines), and how many there are in all. Nothing for
	// another tenant's network.
	NetworkMachines(ctx context.Context, tenantID, id string, limit int) ([]*NetworkMachine, int, error)
	// AddRule adds a firewall rule. EINVALID, ENOTFOUND (network).
	AddRule(ctx context.Context, r *FirewallRule) error
	// Rules lists a network's firewall rules. ENOTFOUND.
	Rules(ctx context.Context, tenantID, networkID string) ([]*FirewallRule, error)
	// DeleteRule removes a rule. ENOTFOUND.
	DeleteRule(ctx context.Context, tenantID, networkID, ruleID string) error
}

// PoolRange returns the offsets a public pool hands out: all of a /30 or
// smaller, else without the network, gateway and broadcast addresses.
func PoolRange(p netip.Prefix) (first, last int) {
	if p.Bits() >= 30 {
		return 0, Size(p) - 1
	}
	return 2, Size(p) - 2
}

// PublicAddressFilter selects a tenant's public addresses.
type PublicAddressFilter struct {
	TenantID   string
	LocationID string
	MachineID  string
	Limit      int
	Cursor     string
}

// AddressService manages public pools (provider admin) and the public
// addresses tenants hold. Tenant methods take the tenant id; another
// tenant's address is ENOTFOUND, and without a tenant id they fail EINTERNAL
// (RequireTenant).
type AddressService interface {
	// CreatePool adds a pool to a location. EINVALID, ECONFLICT (overlaps a pool).
	CreatePool(ctx context.Context, p *PublicPool) error
	// Pools lists a location's pools ("" for all).
	Pools(ctx context.Context, locationID string) ([]*PublicPool, error)
	// AllocatePublic gives the tenant a free address of the location's
	// pools; concurrent calls never get the same address. ECONFLICT (none left).
	// key is the API's Idempotency-Key ("" for none): a key used before
	// returns that address.
	AllocatePublic(ctx context.Context, tenantID, locationID, key string) (*PublicAddress, error)
	// PublicAddress returns one address. ENOTFOUND.
	PublicAddress(ctx context.Context, tenantID, id string) (*PublicAddress, error)
	// PublicAddresses lists addresses, newest first, and the next cursor.
	PublicAddresses(ctx context.Context, f PublicAddressFilter) ([]*PublicAddress, string, error)
	// SetPublicAddressState moves an address from one state to another
	// (compare and set), writing machineID. ECONFLICT when not in from.
	SetPublicAddressState(ctx context.Context, tenantID, id string, from, to PublicAddressState, machineID string) error
	// SetAddressOp records the attach or detach in progress: the site and
	// the operation's key ("" clears both). ENOTFOUND.
	SetAddressOp(ctx context.Context, tenantID, id, siteID, key string) error
	// ReleasePublic gives an unattached address back to its pool. ECONFLICT, ENOTFOUND.
	ReleasePublic(ctx context.Context, tenantID, id string) error
}
