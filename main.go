// Command tessera runs the Tessera cloud platform: manage (portal, API,
// tenants, prices), connect (a site controller), or both with simulated sites
// for a demo. Run "tessera help" for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand of the CLI.
type command struct {
	name  string
	usage string // one line
	help  string // paragraph shown by "tessera help NAME"
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve [--demo] [flags]", "Runs manage (portal, user API, admin pages) on --listen. Migrates the database on start. With --demo it also seeds the demo provider admin, tenants and users (idempotently), uses a fixed demo secret key, and refuses to listen on a non-loopback address unless --force is given.", runServe},
		{"connect", "connect [flags] | connect token create|rotate --manage NAME | connect token list", "Runs a connect site against a real vCenter: durable operations (River on connect's own PostgreSQL database), placement, reconciliation, and the /connect/v1 API for manage instances. 'connect token create' issues a manage instance's token (stored hashed); 'rotate' replaces it (revoking the old one).", runConnect},
		{"migrate", "migrate up|down|status [flags]", "Applies all pending database migrations (up), rolls back the newest (down), or lists them (status).", runMigrate},
		{"tenant", "tenant create --name NAME --slug SLUG [--contact-name N] [--contact-email E]", "Creates a tenant (a customer) from the command line, for bootstrapping a real installation.", runTenant},
		{"directory", "directory set --tenant SLUG --url URL [--url URL…] [--ca-file PEM] --bind-dn DN --bind-password-file F --user-base DN --user-filter F [--group-base DN] --group-role DN=ROLE [--group-role …] | directory test --tenant SLUG [--user NAME]", "Configures a tenant's LDAP directory for single sign-on (set), or checks it step by step like the settings page's Test connection button (test): servers reachable, certificates trusted, service bind, search bases, and a test user in a mapped group.", runDirectory},
		{"token", "token create --tenant SLUG --user LOGIN [--name NAME]", "Creates an API token for a tenant user and prints it (it is shown only this once). The token acts with the user's role on the user API (/api/v1).", runToken},
		{"user", "user create --login LOGIN [--tenant SLUG] [--role admin|member|viewer] [--password-file F]", "Creates a local user. Without --tenant it creates a provider admin. The password is read from --password-file, or from standard input when that is not a terminal.", runUser},
		{"billing", "billing close --month YYYY-MM [flags]", "Closes a month that has ended into one immutable invoice per tenant (months end at midnight in --billing-timezone). Closing a closed month changes nothing; serve also closes the previous month by itself once it has ended.", runBilling},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			for _, c := range commands() {
				if c.name == args[1] {
					fmt.Fprintf(stdout, "Usage: tessera %s\n\n%s\n\nFlags (each also read from the environment variable shown):\n", c.usage, c.help)
					_ = c.run(ctx, []string{"--help"}, stdout, stdout)
					return 0
				}
			}
		}
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if errors.Is(err, errHelp) {
				return 0
			}
			if err != nil {
				var ue usageError
				if errors.As(err, &ue) {
					fmt.Fprintf(stderr, "tessera %s: %v\nUsage: tessera %s\nRun 'tessera help %s' for details.\n", c.name, err, c.usage, c.name)
					return 2
				}
				fmt.Fprintf(stderr, "tessera %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "tessera: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Tessera: infrastructure as a service for service providers.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  tessera %s\n", c.usage)
	}
	fmt.Fprint(w, "\nRun 'tessera help COMMAND' for a command's flags. Every flag can also be set through\nthe environment variable TESSERA_<FLAG> (e.g. --database-url as TESSERA_DATABASE_URL).\n")
}
