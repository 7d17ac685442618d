package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"tessera/adapters/passwd"
	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/manage/accounts"
)

// accountsOf is the account use cases over db: the same functions the
// admin pages call, so the CLI validates and audits alike.
func accountsOf(db *postgres.DB) *accounts.Service {
	return &accounts.Service{
		Tenants: postgres.NewTenantService(db),
		Users:   postgres.NewUserService(db),
		Tokens:  postgres.NewTokenService(db),
		Audit:   postgres.NewAuditService(db),
		Hasher:  passwd.Default,
	}
}

// openDB opens and migrates manage's database for an admin command.
func openDB(ctx context.Context, c *commonFlags) (*postgres.DB, error) {
	c.finish()
	db, err := postgres.Open(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	c := addCommonFlags(fs)
	// The action may come before the flags ("migrate up --database-url X"),
	// where Go's flag package would stop parsing.
	action := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c.finish()
	if action == "" {
		action = fs.Arg(0)
	}
	if action == "" {
		action = "up"
	}
	db, err := postgres.Open(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "database is up to date")
	case "down":
		return db.MigrateDown(ctx)
	case "status":
		lines, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, l := range lines {
			fmt.Fprintln(stdout, l)
		}
	default:
		return usageError{fmt.Sprintf("unknown migrate action %q (use up, down or status)", action)}
	}
	return nil
}

func runTenant(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			args = []string{"create", "--help"}
		} else {
			return usageError{"expected 'tenant create'"}
		}
	}
	fs := newFlagSet("tenant create", stderr)
	c := addCommonFlags(fs)
	var t domain.Tenant
	fs.StringVar(&t.Name, "name", "", "the customer's name")
	fs.StringVar(&t.Slug, "slug", "", "short name for host names and the CLI (lower-case letters, digits, hyphens)")
	fs.StringVar(&t.ContactName, "contact-name", "", "contact person")
	fs.StringVar(&t.ContactEmail, "contact-email", "", "contact e-mail")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := accountsOf(db).CreateTenant(ctx, accounts.CLI, &t); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(stdout, "created tenant %s (%s), id %s\n", t.Name, t.Slug, t.ID)
	return nil
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			args = []string{"create", "--help"}
		} else {
			return usageError{"expected 'user create'"}
		}
	}
	fs := newFlagSet("user create", stderr)
	c := addCommonFlags(fs)
	var u domain.User
	var tenantSlug, role, pwFile string
	fs.StringVar(&u.Login, "login", "", "user name")
	fs.StringVar(&u.DisplayName, "display-name", "", "full name")
	fs.StringVar(&u.Email, "email", "", "e-mail address")
	fs.StringVar(&tenantSlug, "tenant", "", "tenant slug; empty creates a provider admin")
	fs.StringVar(&role, "role", "admin", "admin, member or viewer (tenant users only)")
	fs.StringVar(&pwFile, "password-file", "", "file holding the password (first line); default: standard input")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	u.Role = domain.RoleProviderAdmin
	if tenantSlug != "" {
		t, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, tenantSlug)
		if err != nil {
			return fmt.Errorf("tenant %q: %s", tenantSlug, domain.ErrorMessage(err))
		}
		u.TenantID, u.Role = t.ID, domain.Role(role)
	}
	password, err := readPassword(pwFile)
	if err != nil {
		return err
	}
	if err := accountsOf(db).CreateUser(ctx, accounts.CLI, &u, password); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(stdout, "created user %s (%s), id %s\n", u.Login, u.Role.Label(), u.ID)
	return nil
}

// readPassword reads the first line of file, or of standard input.
func readPassword(file string) (string, error) {
	var r io.Reader = os.Stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	} else if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		fmt.Fprint(os.Stderr, "Password: ")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cliError turns a domain error into a message naming each wrong field.
func cliError(err error) error {
	fields := domain.ErrorFields(err)
	if len(fields) == 0 {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		return fmt.Errorf("%s", domain.ErrorMessage(err))
	}
	var b strings.Builder
	b.WriteString(domain.ErrorMessage(err))
	for k, v := range fields {
		fmt.Fprintf(&b, "\n  --%s: %s", strings.ReplaceAll(k, "_", "-"), v)
	}
	return fmt.Errorf("%s", b.String())
}
