// Package vsphere implements connect's hypervisor ports (connect/hypervisor:
// Backend, StorageBackend, NetworkBackend, ImageBackend, AddressBackend)
// over VMware vSphere with govmomi.
// govmomi's types stay inside this package. VMs are found by an instance
// UUID derived from the Tessera machine id (a constant-time search in
// vCenter) and carry the machine and operation ids in their extraConfig and
// annotation, so a retried create finds what an earlier attempt made.
package vsphere

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/session/keepalive"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

// Config says which vCenter to use and where in it Tessera works.
type Config struct {
	URL      string // https://vcenter.example.net/sdk
	User     string
	Password string
	// CAFile is a PEM file of the CA that signed vCenter's certificate; use
	// it, or Thumbprint, when vCenter's certificate is not publicly trusted.
	CAFile string
	// Thumbprint pins vCenter's certificate (SHA-1 or SHA-256, as govc shows it).
	Thumbprint string
	// Insecure skips certificate verification. It is never the default and
	// must not be set for a real vCenter; only tests may need it.
	Insecure bool

	Datacenter   string // name; "" when vCenter has exactly one
	Cluster      string // restrict placement to this cluster; "" for all
	ResourcePool string // inventory path; "" for the chosen host's cluster root pool
	Timeout      time.Duration
}

// Backend implements hypervisor.Backend.
type Backend struct {
	c      *vim25.Client
	dc     *object.Datacenter
	cfg    Config
	logout func()

	mu      sync.Mutex
	folders map[string]*object.Folder               // created or found folder paths
	refs    map[string]types.ManagedObjectReference // kind/name -> object
	pools   map[types.ManagedObjectReference]types.ManagedObjectReference
	// hostNames caches host names by reference.
	hostNames map[types.ManagedObjectReference]string
	// vms caches VM references by machine id (see withVM).
	vms map[string]types.ManagedObjectReference
}

var _ hypervisor.Backend = (*Backend)(nil)

// Connect logs in to vCenter with TLS verification (system roots, CAFile or
// Thumbprint). EUNAVAILABLE if vCenter cannot be reached or rejects the login.
func Connect(ctx context.Context, cfg Config) (*Backend, error) {
	u, err := soap.ParseURL(cfg.URL)
	if err != nil || u == nil {
		return nil, domain.Errorf(domain.EINVALID, "The vCenter URL is not valid (expected https://vcenter.example.net/sdk).")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	u.User = nil
	sc := soap.NewClient(u, cfg.Insecure)
	if cfg.CAFile != "" {
		if err := sc.SetRootCAs(cfg.CAFile); err != nil {
			return nil, domain.Errorf(domain.EINVALID, "Cannot read the vCenter CA file %s: %v", cfg.CAFile, err)
		}
	}
	if cfg.Thumbprint != "" {
		sc.SetThumbprint(u.Host, cfg.Thumbprint)
	}
	sc.Timeout = cfg.Timeout
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	vc, err := vim25.NewClient(cctx, sc)
	if err != nil {
		return nil, unavailable("connect to vCenter", err)
	}
	sm := session.NewManager(vc)
	if err := sm.Login(cctx, url.UserPassword(cfg.User, cfg.Password)); err != nil {
		if fault.Is(err, &types.InvalidLogin{}) {
			return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "vCenter rejected the user name or password.", Err: err}
		}
		return nil, unavailable("log in to vCenter", err)
	}
	// Keep the session alive while idle (vCenter drops idle sessions after
	// 30 minutes by default).
	ka := keepalive.NewHandlerSOAP(sc, 5*time.Minute, nil)
	userinfo := url.UserPassword(cfg.User, cfg.Password)
	vc.RoundTripper = &relogin{RoundTripper: ka, login: func(ctx context.Context) error { return sm.Login(ctx, userinfo) }}
	ka.Start()
	b, err := New(ctx, vc, cfg)
	if err != nil {
		ka.Stop()
		_ = sm.Logout(context.Background())
		return nil, err
	}
	b.logout = func() {
		ka.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sm.Logout(ctx)
	}
	return b, nil
}

// New wraps a logged-in client.
func New(ctx context.Context, vc *vim25.Client, cfg Config) (*Backend, error) {
	f := find.NewFinder(vc, true)
	var dc *object.Datacenter
	var err error
	if cfg.Datacenter == "" {
		dc, err = f.DefaultDatacenter(ctx)
	} else {
		dc, err = f.Datacenter(ctx, cfg.Datacenter)
	}
	if err != nil {
		var nf *find.NotFoundError
		if errors.As(err, &nf) {
			return nil, domain.Errorf(domain.ENOTFOUND, "Datacenter %q not found in vCenter.", cfg.Datacenter)
		}
		var df *find.DefaultMultipleFoundError
		if errors.As(err, &df) {
			return nil, domain.Errorf(domain.EINVALID, "vCenter has several datacenters: set the datacenter.")
		}
		return nil, translate(err, "find the datacenter")
	}
	f.SetDatacenter(dc)
	return &Backend{c: vc, dc: dc, cfg: cfg, folders: map[string]*object.Folder{},
		refs: map[string]types.ManagedObjectReference{}, pools: map[types.ManagedObjectReference]types.ManagedObjectReference{},
		hostNames: map[types.ManagedObjectReference]string{}, vms: map[string]types.ManagedObjectReference{}}, nil
}

// Close logs out.
func (b *Backend) Close() {
	if b.logout != nil {
		b.logout()
	}
}

// instanceUUID derives a stable vSphere instance UUID from a machine id, so
// a VM is found by machine id with one SearchIndex call.
func instanceUUID(machineID string) string {
	h := sha256.Sum256([]byte("tessera machine\x00" + machineID))
	h[6] = (h[6] & 0x0f) | 0x50 // version 5 style
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// unavailable is vCenter being unreachable.
func unavailable(what string, err error) error {
	return &domain.Error{Code: domain.EUNAVAILABLE, Message: "vCenter cannot be reached (" + what + "); the operation will be retried.", Err: err}
}

// translate maps govmomi and network errors to domain errors.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.As(err, &oe) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "EOF") {
		return unavailable(what, err)
	}
	switch {
	case fault.Is(err, &types.NotAuthenticated{}), fault.Is(err, &types.InvalidLogin{}):
		return &domain.Error{Code: domain.EUNAVAILABLE, Message: "vCenter session is not valid (" + what + ").", Err: err}
	case fault.Is(err, &types.ManagedObjectNotFound{}):
		return &domain.Error{Code: domain.ENOTFOUND, Message: "The virtual machine is gone from vCenter.", Err: err}
	case fault.Is(err, &types.DuplicateName{}):
		return &domain.Error{Code: domain.ECONFLICT, Message: "vCenter has another object with this name.", Err: err}
	case fault.Is(err, &types.InsufficientResourcesFault{}), fault.Is(err, &types.OutOfBounds{}):
		return &domain.Error{Code: domain.ECONFLICT, Message: "vCenter has not enough resources: " + faultMessage(err), Err: err}
	case fault.Is(err, &types.InvalidPowerState{}):
		return &domain.Error{Code: domain.ECONFLICT, Message: "The virtual machine is not in the right power state for this.", Err: err}
	}
	var te task.Error
	if errors.As(err, &te) {
		return &domain.Error{Code: domain.ECONFLICT, Message: "vCenter could not " + what + ": " + faultMessage(err), Err: err}
	}
	return domain.Internal(fmt.Errorf("vsphere %s: %w", what, err))
}

func faultMessage(err error) string {
	var te task.Error
	if errors.As(err, &te) && te.LocalizedMethodFault != nil && te.LocalizedMethodFault.LocalizedMessage != "" {
		return te.LocalizedMethodFault.LocalizedMessage
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 200 {
		return msg[i+2:]
	}
	return msg
}
