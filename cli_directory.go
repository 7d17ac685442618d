package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"tessera/adapters/ldap"
	"tessera/adapters/postgres"
	"tessera/adapters/secretbox"
	"tessera/domain"
	"tessera/manage/accounts"
)

// groupRoleFlag is a repeatable --group-role "<group DN>=<role>". Group DNs
// hold commas, so in the environment (TESSERA_GROUP_ROLE) entries are
// separated by semicolons.
type groupRoleFlag []domain.GroupRole

func (g *groupRoleFlag) String() string {
	var parts []string
	for _, r := range *g {
		parts = append(parts, r.GroupDN+"="+string(r.Role))
	}
	return strings.Join(parts, ";")
}

func (g *groupRoleFlag) Set(v string) error {
	for _, item := range strings.Split(v, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		i := strings.LastIndex(item, "=")
		if i <= 0 {
			return fmt.Errorf("%q: write <group DN>=<admin|member|viewer>", item)
		}
		role := domain.Role(strings.TrimSpace(item[i+1:]))
		if !domain.ValidTenantRole(role) {
			return fmt.Errorf("%q: the role must be admin, member or viewer", item)
		}
		*g = append(*g, domain.GroupRole{GroupDN: strings.TrimSpace(item[:i]), Role: role})
	}
	return nil
}

func runDirectory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"expected 'directory set' or 'directory test'"}
	}
	switch args[0] {
	case "set":
		return runDirectorySet(ctx, args[1:], stdout, stderr)
	case "test":
		return runDirectoryTest(ctx, args[1:], stdout, stderr)
	case "--help", "-h":
		fmt.Fprintln(stderr, "directory set:")
		_ = runDirectorySet(ctx, []string{"--help"}, stdout, stderr)
		fmt.Fprintln(stderr, "\ndirectory test:")
		return runDirectoryTest(ctx, []string{"--help"}, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown directory action %q (use set or test)", args[0])}
}

// openDirectories opens the database and the directory use case for the tenant slug.
func openDirectories(ctx context.Context, c *commonFlags, slug string) (*postgres.DB, *accounts.Directories, *domain.Tenant, error) {
	if slug == "" {
		return nil, nil, nil, usageError{"--tenant is required"}
	}
	if c.cfg.SecretKey == "" {
		return nil, nil, nil, usageError{"--secret-key (TESSERA_SECRET_KEY) is required: the server's key, which seals the bind password"}
	}
	box, err := secretbox.New(c.cfg.SecretKey)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := openDB(ctx, c)
	if err != nil {
		return nil, nil, nil, err
	}
	t, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, slug)
	if err != nil {
		db.Close()
		return nil, nil, nil, fmt.Errorf("tenant %q: %s", slug, domain.ErrorMessage(err))
	}
	return db, &accounts.Directories{Accounts: accountsOf(db), Store: postgres.NewDirectoryService(db, box), Tester: ldap.Tester{}}, t, nil
}

// directoryCLIError names the flags of wrong fields.
func directoryCLIError(err error) error {
	fields := domain.ErrorFields(err)
	if fields == nil {
		return cliError(err)
	}
	flags := map[string]string{"urls": "url", "ca_pem": "ca_file", "bind_password": "bind_password_file"}
	out := map[string]string{}
	for k, v := range fields {
		if n, ok := strings.CutPrefix(k, "group_roles."); ok {
			i, _ := strconv.Atoi(n)
			out["group_role"] = fmt.Sprintf("#%d: %s", i+1, v)
			continue
		}
		if k == "group_roles" {
			k = "group_role"
		}
		if f, ok := flags[k]; ok {
			k = f
		}
		out[k] = v
	}
	return cliError(domain.Invalid(out))
}

func runDirectorySet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("directory set", stderr)
	c := addCommonFlags(fs)
	var (
		slug, caFile, pwFile, preset, groupMode                     string
		urls                                                        listFlag
		roles                                                       groupRoleFlag
		d                                                           domain.Directory
		disabled, noStartTLS, noLocal, nested                       bool
		userFilter, loginAttr, nameAttr, mailAttr, userBase, bindDN string
	)
	fs.StringVar(&slug, "tenant", "", "the tenant's slug")
	fs.StringVar(&d.Name, "name", "", "name on the log-in page (default: \"<tenant> directory\")")
	fs.Var(&urls, "url", "server URL, ldaps://host[:port] or ldap://host[:port] (StartTLS); repeat for fail-over, tried in order")
	fs.BoolVar(&noStartTLS, "no-start-tls", false, "do not use StartTLS on ldap:// URLs (refused: passwords would cross the network in clear text)")
	fs.StringVar(&caFile, "ca-file", "", "PEM file of the CA that signed the servers' certificates (default: the system's)")
	fs.StringVar(&bindDN, "bind-dn", "", "DN of the service account that searches users")
	fs.StringVar(&pwFile, "bind-password-file", "", "file holding the service account's password (first line); omit to keep the stored one")
	fs.StringVar(&userBase, "user-base", "", "DN under which users are searched")
	fs.StringVar(&preset, "preset", "openldap", "filter and attribute defaults: openldap, ad-sam or ad-upn")
	fs.StringVar(&userFilter, "user-filter", "", "user search filter with %s or {username} for the log-in name (default: the preset's)")
	fs.StringVar(&loginAttr, "login-attr", "", "attribute holding the user name (default: the preset's)")
	fs.StringVar(&nameAttr, "name-attr", "", "attribute holding the display name (default: the preset's)")
	fs.StringVar(&mailAttr, "mail-attr", "", "attribute holding the e-mail address (default: the preset's)")
	fs.StringVar(&groupMode, "group-mode", "", "memberOf, member, uniqueMember or memberUid (default: the preset's)")
	fs.StringVar(&d.GroupBase, "group-base", "", "DN under which groups are searched (group searches, nested groups)")
	fs.BoolVar(&nested, "nested-groups", false, "follow nested Active Directory groups")
	fs.Var(&roles, "group-role", "<group DN>=<admin|member|viewer>; repeatable (semicolon-separated in the environment)")
	fs.BoolVar(&noLocal, "no-local-login", false, "refuse local accounts other than tenant admins")
	fs.BoolVar(&disabled, "disabled", false, "store the settings but do not log users in through the directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	p, ok := domain.FindDirectoryPreset(preset)
	if !ok {
		return usageError{fmt.Sprintf("unknown --preset %q (use openldap, ad-sam or ad-upn)", preset)}
	}
	p.Apply(&d)
	for dst, v := range map[*string]string{&d.UserFilter: userFilter, &d.LoginAttr: loginAttr, &d.NameAttr: nameAttr, &d.MailAttr: mailAttr} {
		if v != "" {
			*dst = v
		}
	}
	if groupMode != "" {
		d.GroupMode = domain.GroupMode(groupMode)
	}
	d.URLs, d.GroupRoles, d.BindDN, d.UserBase = urls, roles, bindDN, userBase
	d.Enabled, d.StartTLS, d.AllowLocalLogin, d.NestedGroups = !disabled, !noStartTLS, !noLocal, nested
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return err
		}
		d.CACertPEM = string(b)
	}
	if pwFile != "" {
		pw, err := readPassword(pwFile)
		if err != nil {
			return err
		}
		if pw == "" {
			return usageError{"--bind-password-file is empty"}
		}
		d.BindPassword = pw
	}
	db, dirs, t, err := openDirectories(ctx, c, slug)
	if err != nil {
		return err
	}
	defer db.Close()
	if d.Name == "" {
		d.Name = t.Name + " directory"
	}
	if err := dirs.Save(ctx, accounts.CLI, t, &d); err != nil {
		return directoryCLIError(err)
	}
	state := "on"
	if !d.Enabled {
		state = "off"
	}
	fmt.Fprintf(stdout, "directory of %s saved (single sign-on %s); run 'tessera directory test --tenant %s --user <name>' to check it\n", t.Slug, state, t.Slug)
	return nil
}

func runDirectoryTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("directory test", stderr)
	c := addCommonFlags(fs)
	var slug, user string
	fs.StringVar(&slug, "tenant", "", "the tenant's slug")
	fs.StringVar(&user, "user", "", "a directory user name to look up (no password needed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, dirs, t, err := openDirectories(ctx, c, slug)
	if err != nil {
		return err
	}
	defer db.Close()
	checks, err := dirs.TestStored(ctx, accounts.CLI, t, user)
	if err != nil && checks == nil { // no stored settings to test
		return fmt.Errorf("tenant %s: %s", t.Slug, domain.ErrorMessage(err))
	}
	for _, ch := range checks {
		mark := "ok  "
		if !ch.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(stdout, "%s  %s: %s\n", mark, ch.Step, ch.Message)
	}
	if err != nil {
		return fmt.Errorf("a check failed")
	}
	fmt.Fprintln(stdout, "all checks passed")
	return nil
}
