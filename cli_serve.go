package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"tessera/adapters/postgres"
	"tessera/demo"
	"tessera/web"
)

// demoSecretKey encrypts the demo's stored secrets. It is public, so --demo
// refuses non-loopback addresses.
const demoSecretKey = "tessera-demo-secret-key-not-for-production"

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	c := addCommonFlags(fs)
	addServeFlags(fs, c)
	fs.BoolVar(&c.cfg.Demo, "demo", false, "seed the demo provider admin, tenants and users (every password is \"demo\") and use demo defaults")
	fs.BoolVar(&c.cfg.Force, "force", false, "with --demo, listen on a non-loopback address anyway")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c.finish()
	cfg := c.cfg
	if cfg.Demo {
		if err := checkLoopback(cfg.Listen, cfg.Force); err != nil {
			return err
		}
		if cfg.SecretKey == "" {
			cfg.SecretKey = demoSecretKey
		}
		if len(cfg.ProviderHosts) == 0 {
			cfg.ProviderHosts = []string{"localhost", "127.0.0.1", "::1"}
		}
		if cfg.BaseDomain == "" {
			cfg.BaseDomain = "localhost"
		}
	}
	if cfg.SecretKey == "" {
		return usageError{"--secret-key (TESSERA_SECRET_KEY) is required: it encrypts stored credentials. Generate one with 'openssl rand -hex 32' and keep it."}
	}
	if len(cfg.ProviderHosts) == 0 {
		return usageError{"--provider-host (TESSERA_PROVIDER_HOST) is required: the host name(s) of the provider's portal, e.g. cloud.example.net"}
	}
	if err := checkZone(cfg.BillingTimeZone); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	srv, err := web.NewServer(cfg, db, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	if cfg.Demo {
		if err := demo.Start(ctx, srv); err != nil {
			return err
		}
	}
	srv.StartMachineWorker(ctx)
	srv.StartMonthClose() // closes the previous month once it has ended, without an operator
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another Tessera running? choose another --listen)", cfg.Listen, err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	url := "http://localhost:" + port
	log.Info("serving", "listen", ln.Addr().String(), "url", url, "demo", cfg.Demo)
	if cfg.Demo {
		demo.PrintBanner(stdout, url, port)
	}
	return srv.ListenAndServe(ctx, ln)
}

// checkLoopback refuses a demo on an address other people can reach: its
// passwords are public.
func checkLoopback(listen string, force bool) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return usageError{fmt.Sprintf("--listen %q is not host:port", listen)}
	}
	loopback := host == "localhost" || strings.HasPrefix(host, "127.")
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if !loopback && !force {
		where := host
		if where == "" {
			where = "all interfaces"
		}
		return usageError{fmt.Sprintf("--demo seeds users whose password is \"demo\"; refusing to listen on %s where others could log in. Use --listen 127.0.0.1:8080, or add --force if this machine is private.", where)}
	}
	return nil
}
