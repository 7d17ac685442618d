package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"tessera/web"
)

var errHelp = errors.New("help shown")

// usageError is a mistake in the command line; the caller shows usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// listFlag is a repeatable flag; from the environment it is comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// envName is the environment variable of a flag: --database-url -> TESSERA_DATABASE_URL.
func envName(flagName string) string {
	return "TESSERA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a flag set whose usage lists each flag with its variable.
func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(out, "  --%s  [%s]\n      %s%s\n", f.Name, envName(f.Name), f.Usage, def)
		})
	}
	return fs
}

// parseFlags parses args, then fills every flag not given on the command line
// from its environment variable.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err.Error()}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		v, ok := os.LookupEnv(envName(f.Name))
		if !ok {
			return
		}
		if _, isList := f.Value.(*listFlag); isList {
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					_ = f.Value.Set(item)
				}
			}
			return
		}
		if e := f.Value.Set(v); e != nil {
			err = usageError{fmt.Sprintf("%s=%q: %v", envName(f.Name), v, e)}
		}
	})
	return err
}

// commonFlags are the settings every subcommand shares.
type commonFlags struct {
	cfg           web.Config
	providerHosts listFlag
}

func addCommonFlags(fs *flag.FlagSet) *commonFlags {
	c := &commonFlags{cfg: web.Defaults()}
	fs.StringVar(&c.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of manage's database; the database is created if missing (default postgres://postgres@127.0.0.1:5432/tessera)")
	fs.StringVar(&c.cfg.SecretKey, "secret-key", "", "secret that encrypts stored credentials (LDAP bind passwords, site tokens); at least 16 characters, e.g. from 'openssl rand -hex 32'; keep it stable")
	fs.StringVar(&c.cfg.LogLevel, "log-level", c.cfg.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.cfg.LogFormat, "log-format", c.cfg.LogFormat, "text or json")
	fs.StringVar(&c.cfg.BillingTimeZone, "billing-timezone", "UTC", "IANA time zone in which months (and invoices) end, e.g. Europe/Berlin")
	return c
}

func addServeFlags(fs *flag.FlagSet, c *commonFlags) {
	fs.StringVar(&c.cfg.Listen, "listen", c.cfg.Listen, "address to serve HTTP on")
	fs.StringVar(&c.cfg.PublicURL, "public-url", "", "URL users reach the provider's portal at; https:// makes cookies Secure and sends HSTS")
	fs.Var(&c.providerHosts, "provider-host", "host name of the provider's own portal and admin pages (repeatable; comma-separated in the environment)")
	fs.StringVar(&c.cfg.BaseDomain, "base-domain", "", "tenants' portals are served at <slug>.<base-domain>")
	fs.BoolVar(&c.cfg.TrustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For (only behind a proxy that sets it)")
	fs.DurationVar(&c.cfg.IdleTimeout, "session-idle-timeout", c.cfg.IdleTimeout, "log out after this long without a request")
	fs.DurationVar(&c.cfg.SessionMax, "session-lifetime", c.cfg.SessionMax, "log out this long after log-in, active or not")
	fs.DurationVar(&c.cfg.ShutdownGrace, "shutdown-grace", 15*time.Second, "how long to let requests finish on SIGTERM")
	fs.StringVar(&c.cfg.ManageID, "manage-id", c.cfg.ManageID, "this manage instance's id: locations and sites dedicated to it serve its tenants only")
}

// finish applies defaults that depend on other settings.
func (c *commonFlags) finish() {
	if c.cfg.DatabaseURL == "" {
		c.cfg.DatabaseURL = "postgres://postgres@127.0.0.1:5432/tessera?sslmode=disable"
	}
	c.cfg.ProviderHosts = c.providerHosts
}

func newLogger(cfg web.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
