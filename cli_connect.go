package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"tessera/adapters/vsphere"
	"tessera/connect/central"
	"tessera/connect/hypervisor"
	"tessera/connect/server"
	"tessera/connect/store"
	"tessera/domain"
	"tessera/web"
)

const defaultConnectDB = "postgres://postgres@127.0.0.1:5432/tessera_connect?sslmode=disable"

// runConnect runs a connect site, or manages its tokens ("connect token ...").
func runConnect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "token" {
		return runConnectToken(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("connect", stderr)
	var (
		listen, dbURL, logLevel, logFormat          string
		vcURL, vcUser, vcPassFile, vcCA, vcThumb    string
		dc, cluster, folder, pool, naming, siteName string
		syncEvery                                   time.Duration
		workers                                     int
		tlsCert, tlsKey                             string
	)
	fs.StringVar(&listen, "listen", "127.0.0.1:8443", "address to serve the connect API (/connect/v1) and /metrics on")
	fs.StringVar(&tlsCert, "tls-cert", "", "PEM certificate to serve the API over HTTPS (recommended: manage's tokens travel in each request)")
	fs.StringVar(&tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&dbURL, "database-url", defaultConnectDB, "PostgreSQL URL of connect's own database (River's queue and connect's tables; never manage's); created if missing")
	fs.StringVar(&siteName, "site-name", "site", "the site's name, as manage shows it")
	fs.StringVar(&vcURL, "vcenter-url", "", "vCenter SDK URL, e.g. https://vcenter.example.net/sdk")
	fs.StringVar(&vcUser, "vcenter-user", "", "vCenter user")
	fs.StringVar(&vcPassFile, "vcenter-password-file", "", "file holding the vCenter password")
	fs.StringVar(&vcCA, "vcenter-ca-file", "", "PEM file of the CA that signed vCenter's certificate (when it is not publicly trusted)")
	fs.StringVar(&vcThumb, "vcenter-thumbprint", "", "pin vCenter's certificate by its SHA-1 or SHA-256 thumbprint instead of a CA")
	fs.StringVar(&dc, "datacenter", "", "datacenter name (needed when vCenter has several)")
	fs.StringVar(&cluster, "cluster", "", "place machines only in this cluster")
	fs.StringVar(&folder, "folder", "", "folder template for created VMs (default "+domain.DefaultNaming.Folder+")")
	fs.StringVar(&pool, "resource-pool", "", "resource pool inventory path (default: the chosen host's cluster)")
	fs.StringVar(&naming, "naming-template", "", "VM name template with {tenant}, {machine}, {shortid}, {site} (default "+domain.DefaultNaming.Name+")")
	fs.DurationVar(&syncEvery, "sync-interval", time.Minute, "how often to reconcile inventory and machine state with vCenter")
	fs.IntVar(&workers, "workers", 10, "operations run at once")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&logFormat, "log-format", "text", "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if vcURL == "" || vcUser == "" || vcPassFile == "" {
		return usageError{"--vcenter-url, --vcenter-user and --vcenter-password-file are required"}
	}
	pw, err := os.ReadFile(vcPassFile)
	if err != nil {
		return usageError{fmt.Sprintf("cannot read --vcenter-password-file: %v", err)}
	}
	nm, err := domain.ParseNaming(naming, folder)
	if err != nil {
		return usageError{fmt.Sprintf("--naming-template/--folder: %v", domain.ErrorFields(err))}
	}
	if (tlsCert == "") != (tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	if syncEvery < time.Second {
		return usageError{"--sync-interval must be at least 1s"}
	}
	log := newLogger(web.Config{LogLevel: logLevel, LogFormat: logFormat}, stderr)
	site, err := server.Open(ctx, server.Options{
		DatabaseURL: dbURL,
		VCenter: vsphere.Config{URL: vcURL, User: vcUser, Password: strings.TrimRight(string(pw), "\r\n"), CAFile: vcCA, Thumbprint: vcThumb,
			Datacenter: dc, Cluster: cluster, ResourcePool: pool},
		Central: central.Config{SiteName: siteName, Naming: nm, Policy: clusterPolicy(cluster), Workers: workers, SyncInterval: syncEvery},
		Log:     log,
	})
	if err != nil {
		return err
	}
	defer site.Close()
	if err := site.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", listen, err)
	}
	log.Info("connect site serving", "site", siteName, "listen", ln.Addr().String(), "tls", tlsCert != "", "vcenter", vcURL)
	if tlsCert == "" && !isLoopback(listen) {
		log.Warn("serving the connect API without TLS on a non-loopback address: manage's tokens cross the network in clear; set --tls-cert and --tls-key")
	}
	return site.ServeTLS(ctx, ln, tlsCert, tlsKey)
}

func clusterPolicy(cluster string) hypervisor.PlacementPolicy {
	p := hypervisor.DefaultPlacementPolicy
	p.Cluster = cluster
	return p
}

// runConnectToken creates or lists the tokens manage instances use.
func runConnectToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "rotate" && args[0] != "list") {
		return usageError{"expected 'connect token create|rotate --manage NAME' or 'connect token list'"}
	}
	fs := newFlagSet("connect token", stderr)
	var dbURL, name string
	fs.StringVar(&dbURL, "database-url", defaultConnectDB, "PostgreSQL URL of connect's own database")
	fs.StringVar(&name, "manage", "", "name of the manage instance the token is for")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if args[0] == "list" {
		ms, err := st.ManageInstances(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			fmt.Fprintf(stdout, "%s  %-30s %s\n", m.ID, m.Name, m.CreatedAt.Format(time.RFC3339))
		}
		return nil
	}
	if name == "" {
		return usageError{"--manage NAME is required"}
	}
	var token string
	if args[0] == "rotate" {
		// A new token replaces the old one at once: the way to revoke a leaked token.
		token, err = st.RotateToken(ctx, name)
	} else {
		_, token, err = st.CreateManageInstance(ctx, name)
	}
	if err != nil {
		return fmt.Errorf("%s", domain.ErrorMessage(err))
	}
	fmt.Fprintf(stderr, "Token for manage instance %q (shown once; connect stores only its hash). Enter it as the site's credential in manage:\n", name)
	fmt.Fprintln(stdout, token)
	return nil
}

func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
