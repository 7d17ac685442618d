package demo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/vsphere"
	"tessera/connect/central"
	"tessera/connect/server"
	"tessera/domain"
	"tessera/web"
)

// Site is one simulated connect site: a govmomi vCenter simulator shaped by
// Sim, and the geo-location it serves in manage.
type Site struct {
	Location, Country, Name string
	Sim                     vsphere.SimOptions
}

// demoSites are three sites of different sizes, each over its own simulated vCenter.
var demoSites = []Site{
	{"Berlin", "DE", "Berlin", vsphere.SimOptions{Clusters: 2, HostsPerCluster: 3, HostCores: 32, HostMemoryMiB: 256 << 10, Templates: []string{"ubuntu-24.04", "debian-12", "windows-server-2022"}}},
	{"Frankfurt", "DE", "Frankfurt", vsphere.SimOptions{Clusters: 1, HostsPerCluster: 2, HostCores: 16, HostMemoryMiB: 128 << 10, Templates: []string{"ubuntu-24.04"}}},
	// Zurich is dedicated to acme (see placement.go), so tenants see different locations.
	{"Zurich", "CH", "Zurich", vsphere.SimOptions{Clusters: 2, HostsPerCluster: 1, HostCores: 16, HostMemoryMiB: 128 << 10, Templates: []string{"ubuntu-24.04", "debian-12"}}},
}

// StartSites runs the demo's connect sites in this process — each a govmomi
// vCenter simulator, a connect site with its own schema in manage's database
// (connect_berlin, connect_frankfurt, connect_zurich) and its API on a
// loopback port — and registers them in manage (geo-locations and sites),
// idempotently. They stop when the server closes.
func StartSites(ctx context.Context, s *web.Server) error {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(demoSites))
	for i, d := range demoSites {
		wg.Go(func() { errs[i] = StartSite(ctx, s, d) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	s.CheckSites(ctx)
	if err := seedPlacement(ctx, s); err != nil {
		return err
	}
	s.Log.Info("demo sites running", "sites", len(demoSites), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// StartSite runs one simulated connect site in s's process, as StartSites
// does for each demo site, and registers it (and its geo-location, unless one
// of that name exists) in manage. It stops when s closes.
func StartSite(ctx context.Context, s *web.Server, d Site) error {
	sim, err := vsphere.StartSimulator(d.Sim)
	if err != nil {
		return fmt.Errorf("demo site %s: %w", d.Name, err)
	}
	slug := strings.ToLower(d.Name)
	dbURL, err := withSearchPath(s.DB.Pool.Config().ConnString(), "connect_"+slug)
	if err != nil {
		sim.Close()
		return err
	}
	log := s.Log.With("site", d.Name)
	site, err := server.Open(ctx, server.Options{
		DatabaseURL: dbURL,
		VCenter:     sim.Config(),
		Central:     central.Config{SiteName: d.Name, SyncInterval: 15 * time.Second, Workers: s.Config.SiteWorkers},
		Log:         log,
		Registerer:  prometheus.WrapRegistererWith(prometheus.Labels{"site": slug}, s.Registry),
	})
	if err != nil {
		sim.Close()
		return fmt.Errorf("demo site %s: %w", d.Name, err)
	}
	// The demo's manage instance token derives from the demo secret key, so
	// restarts keep manage and the site in agreement.
	sum := sha256.Sum256([]byte("tessera demo site token\x00" + s.Config.SecretKey + "\x00" + slug))
	token := "tsc_" + base64.RawURLEncoding.EncodeToString(sum[:])
	if _, err := site.Store.EnsureManageInstance(ctx, "demo-manage", token); err != nil {
		site.Close()
		sim.Close()
		return err
	}
	if err := site.Start(ctx); err != nil {
		site.Close()
		sim.Close()
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		site.Close()
		sim.Close()
		return err
	}
	sctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := site.Serve(sctx, ln); err != nil {
			log.Warn("demo site stopped serving", "err", err)
		}
	}()
	s.OnClose(func() {
		cancel()
		<-served
		site.Close()
		sim.Close()
	})
	return registerSite(ctx, s, d, "http://"+ln.Addr().String(), token)
}

// registerSite creates the geo-location and site in manage, or updates
// the site's address and credential (the port changes between runs).
func registerSite(ctx context.Context, s *web.Server, d Site, apiURL, token string) error {
	sealed, err := s.Secrets.Seal(token)
	if err != nil {
		return err
	}
	locs, err := s.Locations.FindLocations(ctx)
	if err != nil {
		return err
	}
	var loc *domain.GeoLocation
	for _, l := range locs {
		if strings.EqualFold(l.Name, d.Location) {
			loc = l
		}
	}
	if loc == nil {
		loc = &domain.GeoLocation{Name: d.Location, CountryCode: d.Country}
		if err := s.Locations.CreateLocation(ctx, loc); err != nil {
			return fmt.Errorf("demo location %s: %w", d.Location, err)
		}
	}
	sites, err := s.Locations.FindSites(ctx, loc.ID)
	if err != nil {
		return err
	}
	for _, st := range sites {
		if strings.EqualFold(st.Name, d.Name) {
			st.APIURL, st.CredentialSealed = apiURL, sealed
			return s.Locations.UpdateSite(ctx, st)
		}
	}
	st := &domain.Site{Name: d.Name, LocationID: loc.ID, APIURL: apiURL, CredentialSealed: sealed, Enabled: true}
	if err := s.Locations.CreateSite(ctx, st); err != nil {
		return fmt.Errorf("demo site %s: %w", d.Name, err)
	}
	return nil
}

// withSearchPath returns dbURL with its search_path set to schema: each demo
// site keeps River's tables and its own in a schema of manage's database.
func withSearchPath(dbURL, schema string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("the demo needs a postgres:// database URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
