package main

import (
	"context"
	"fmt"
	"io"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/manage/accounts"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			args = []string{"create", "--help"}
		} else {
			return usageError{"expected 'token create'"}
		}
	}
	fs := newFlagSet("token create", stderr)
	c := addCommonFlags(fs)
	var slug, login, name string
	fs.StringVar(&slug, "tenant", "", "the tenant's slug")
	fs.StringVar(&login, "user", "", "the user's login in that tenant")
	fs.StringVar(&name, "name", "cli", "what the token is for")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if slug == "" || login == "" {
		return usageError{"--tenant and --user are required"}
	}
	db, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, slug)
	if err != nil {
		return fmt.Errorf("tenant %q: %s", slug, domain.ErrorMessage(err))
	}
	u, err := postgres.NewUserService(db).FindUserByLogin(ctx, t.ID, login)
	if err != nil {
		return fmt.Errorf("user %q in %s: %s", login, slug, domain.ErrorMessage(err))
	}
	secret, err := accountsOf(db).CreateToken(ctx, accounts.CLI, &domain.APIToken{TenantID: t.ID, UserID: u.ID, Name: name})
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintln(stdout, secret)
	return nil
}
