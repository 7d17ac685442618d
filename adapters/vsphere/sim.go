package vsphere

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
)

// SimOptions sizes an in-process vCenter simulator for the demo, tests and
// benchmarks.
type SimOptions struct {
	Clusters        int   // default 1
	HostsPerCluster int   // default 2
	HostCores       int   // default 16
	HostMemoryMiB   int64 // default 65536
	// Templates are VMs marked as templates, named so (default "ubuntu-24.04").
	Templates []string
	// Datastores is how many datastores all hosts share (default 1):
	// LocalDS_0, LocalDS_1, …
	Datastores int
	// MethodDelay delays SOAP methods by milliseconds, e.g.
	// {"CloneVM_Task": 50}, to give the simulator a real vCenter's latency.
	MethodDelay map[string]int
}

// createMu serialises simulator start-ups: govmomi's Model.Create writes
// package-level state of the simulator package (its license manager), so
// two sites started at once (the demo) would race.
var createMu sync.Mutex

// Simulator is govmomi's vCenter simulator serving HTTPS on a loopback port.
type Simulator struct {
	URL      string // https://127.0.0.1:PORT/sdk
	User     string
	Password string
	CAFile   string // the simulator's self-signed certificate, to verify TLS

	model  *simulator.Model
	server *simulator.Server
}

// StartSimulator creates and starts a simulated vCenter with one datacenter
// (DC0), the clusters and hosts asked for, one datastore shared by all hosts,
// one distributed port group and the templates.
func StartSimulator(o SimOptions) (*Simulator, error) {
	if o.Clusters == 0 {
		o.Clusters = 1
	}
	if o.HostsPerCluster == 0 {
		o.HostsPerCluster = 2
	}
	if o.HostCores == 0 {
		o.HostCores = 16
	}
	if o.HostMemoryMiB == 0 {
		o.HostMemoryMiB = 65536
	}
	if len(o.Templates) == 0 {
		o.Templates = []string{"ubuntu-24.04"}
	}
	m := simulator.VPX()
	m.Cluster, m.ClusterHost, m.Host = o.Clusters, o.HostsPerCluster, 0
	// The model makes Machine VMs per cluster; makeTemplates turns the
	// first ones into the templates, so make enough of them.
	m.Machine = max(1, (len(o.Templates)+max(o.Clusters, 1)-1)/max(o.Clusters, 1))
	m.Datastore = max(o.Datastores, 1)
	m.Portgroup = 1
	if len(o.MethodDelay) > 0 {
		m.DelayConfig.MethodDelay = o.MethodDelay
	}
	createMu.Lock()
	defer createMu.Unlock()
	if err := m.Create(); err != nil {
		return nil, fmt.Errorf("vcsim: %w", err)
	}
	for _, e := range m.Map().All("HostSystem") {
		h := e.(*simulator.HostSystem)
		hw := *h.Summary.Hardware
		hw.NumCpuCores = int16(o.HostCores)
		hw.NumCpuThreads = int16(o.HostCores)
		hw.MemorySize = o.HostMemoryMiB << 20
		h.Summary.Hardware = &hw
	}
	// The simulator serves TLS with its own self-signed certificate; we
	// verify it with that certificate as CA file, like a private-CA vCenter.
	m.Service.TLS = new(tls.Config)
	s := m.Service.NewServer()
	// The server removes its certificate file when it stops; keep a copy so
	// "vCenter unreachable" stays distinguishable from "no CA file".
	caDir, err := os.MkdirTemp("", "tessera-vcsim-")
	if err != nil {
		s.Close()
		m.Remove()
		return nil, err
	}
	ca := filepath.Join(caDir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}), 0o600); err != nil {
		s.Close()
		m.Remove()
		return nil, err
	}
	pw, _ := s.URL.User.Password()
	sim := &Simulator{URL: (&url.URL{Scheme: "https", Host: s.URL.Host, Path: "/sdk"}).String(), User: s.URL.User.Username(), Password: pw, CAFile: ca, model: m, server: s}
	if err := sim.makeTemplates(o.Templates); err != nil {
		sim.Close()
		return nil, err
	}
	return sim, nil
}

// makeTemplates powers off the first VMs of the model, renames them and
// marks them as templates.
func (s *Simulator) makeTemplates(names []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := *s.server.URL
	c, err := govmomi.NewClient(ctx, &u, true) // the in-process simulator, just started
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	f.SetDatacenter(dc)
	vms, err := f.VirtualMachineList(ctx, "*")
	if err != nil {
		return err
	}
	if len(vms) < len(names) {
		return fmt.Errorf("vcsim: %d VMs cannot become %d templates", len(vms), len(names))
	}
	for i, name := range names {
		vm := vms[i]
		if t, err := vm.PowerOff(ctx); err == nil {
			_ = t.Wait(ctx)
		}
		t, err := vm.Rename(ctx, name)
		if err != nil {
			return err
		}
		if err := t.Wait(ctx); err != nil {
			return err
		}
		if err := vm.MarkAsTemplate(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Config is a Config that reaches this simulator, verifying its certificate.
func (s *Simulator) Config() Config {
	return Config{URL: s.URL, User: s.User, Password: s.Password, CAFile: s.CAFile, Datacenter: "DC0"}
}

// Close stops the server; clients get "connection refused" afterwards.
func (s *Simulator) Close() {
	if s.server != nil {
		s.server.Close()
		s.server = nil
	}
	if s.CAFile != "" {
		_ = os.RemoveAll(filepath.Dir(s.CAFile))
	}
	if s.model != nil {
		s.model.Remove()
		s.model = nil
	}
}

// StopServer stops serving but keeps the model, to test an unreachable vCenter.
func (s *Simulator) StopServer() {
	if s.server != nil {
		s.server.Close()
		s.server = nil
	}
}

// Thumbprint is the SHA-1 thumbprint of the simulator's certificate.
func (s *Simulator) Thumbprint() string {
	return s.server.CertificateInfo().ThumbprintSHA1
}
