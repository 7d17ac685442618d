package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/domain"
)

func TestUserServiceScopesByTenant(t *testing.T) {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	tenants, users := postgres.NewTenantService(db), postgres.NewUserService(db)
	acme := &domain.Tenant{Name: "Acme", Slug: "acme"}
	globex := &domain.Tenant{Name: "Globex", Slug: "globex"}
	for _, x := range []*domain.Tenant{acme, globex} {
		if err := tenants.CreateTenant(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	alice := &domain.User{TenantID: acme.ID, Login: "Alice", Role: domain.RoleAdmin, PasswordHash: "h"}
	if err := users.CreateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	// The same login in another tenant is another person.
	if err := users.CreateUser(ctx, &domain.User{TenantID: globex.ID, Login: "alice", Role: domain.RoleMember}); err != nil {
		t.Fatalf("same login in another tenant: %v", err)
	}
	if err := users.CreateUser(ctx, &domain.User{TenantID: acme.ID, Login: "ALICE", Role: domain.RoleMember}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("duplicate login in one tenant err = %v", err)
	}
	if err := users.CreateUser(ctx, &domain.User{Login: "root", Role: domain.RoleAdmin}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("tenant-less non-provider user err = %v", err)
	}

	if u, err := users.FindUserByLogin(ctx, acme.ID, "alice"); err != nil || u.ID != alice.ID {
		t.Fatalf("FindUserByLogin = %v, %v", u, err)
	}
	// Another tenant's id never reaches acme's user.
	if _, err := users.UpdateUser(ctx, globex.ID, alice.ID, domain.UserUpdate{Disabled: ptr(true)}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("update across tenants err = %v", err)
	}
	list, _, err := users.FindUsers(ctx, domain.UserFilter{TenantID: globex.ID})
	if err != nil || len(list) != 1 || list[0].TenantID != globex.ID {
		t.Fatalf("globex users = %v, %v", list, err)
	}
	now := time.Now()
	role := domain.RoleViewer
	u, err := users.UpdateUser(ctx, acme.ID, alice.ID, domain.UserUpdate{Role: &role, LastLoginAt: &now})
	if err != nil || u.Role != domain.RoleViewer || u.LastLoginAt == nil {
		t.Fatalf("UpdateUser = %+v, %v", u, err)
	}
	bad := domain.Role("root")
	if _, err := users.UpdateUser(ctx, acme.ID, alice.ID, domain.UserUpdate{Role: &bad}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("bad role err = %v", err)
	}

	// By id, a user is found in its own tenant only.
	if u, err := users.FindUserByID(ctx, acme.ID, alice.ID); err != nil || u.ID != alice.ID {
		t.Fatalf("FindUserByID in acme = %v, %v", u, err)
	}
	if _, err := users.FindUserByID(ctx, globex.ID, alice.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("FindUserByID across tenants err = %v, want ENOTFOUND", err)
	}

	// Provider admins belong to no tenant and have methods of their own.
	root := &domain.User{Login: "root", Role: domain.RoleProviderAdmin, PasswordHash: "h"}
	if err := users.CreateUser(ctx, root); err != nil {
		t.Fatal(err)
	}
	if u, err := users.FindProviderAdminByID(ctx, root.ID); err != nil || u.ID != root.ID {
		t.Fatalf("FindProviderAdminByID = %v, %v", u, err)
	}
	if _, err := users.FindProviderAdminByID(ctx, alice.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("a tenant user as provider admin err = %v, want ENOTFOUND", err)
	}
	if _, err := users.FindUserByID(ctx, acme.ID, root.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("the provider admin as acme's user err = %v, want ENOTFOUND", err)
	}
	if u, err := users.FindProviderAdminByLogin(ctx, "ROOT"); err != nil || u.ID != root.ID {
		t.Fatalf("FindProviderAdminByLogin = %v, %v", u, err)
	}
	if _, err := users.FindProviderAdminByLogin(ctx, "alice"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("a tenant login as provider admin err = %v, want ENOTFOUND", err)
	}
	admins, _, err := users.FindProviderAdmins(ctx, domain.UserFilter{})
	if err != nil || len(admins) != 1 || admins[0].ID != root.ID {
		t.Fatalf("FindProviderAdmins = %v, %v", admins, err)
	}
	if u, err := users.UpdateProviderAdmin(ctx, root.ID, domain.UserUpdate{LastLoginAt: &now}); err != nil || u.LastLoginAt == nil {
		t.Fatalf("UpdateProviderAdmin = %+v, %v", u, err)
	}
	if _, err := users.UpdateProviderAdmin(ctx, alice.ID, domain.UserUpdate{Disabled: ptr(true)}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("UpdateProviderAdmin of a tenant user err = %v, want ENOTFOUND", err)
	}

	// An empty tenant id is a bug in the caller, never "provider admins".
	noTenant := map[string]error{}
	_, noTenant["FindUserByID"] = users.FindUserByID(ctx, "", root.ID)
	_, noTenant["FindUserByLogin"] = users.FindUserByLogin(ctx, "", "root")
	_, _, noTenant["FindUsers"] = users.FindUsers(ctx, domain.UserFilter{})
	_, noTenant["UpdateUser"] = users.UpdateUser(ctx, "", root.ID, domain.UserUpdate{Disabled: ptr(true)})
	wantNoTenant(t, noTenant)
	if u, _ := users.FindProviderAdminByID(ctx, root.ID); u.Disabled {
		t.Fatal("UpdateUser without a tenant disabled the provider admin")
	}
}

// wantNoTenant checks that each call, by name, failed because it had no
// tenant id.
func wantNoTenant(t *testing.T, errs map[string]error) {
	t.Helper()
	for name, err := range errs {
		if !errors.Is(err, domain.ErrNoTenant) || domain.ErrorCode(err) != domain.EINTERNAL {
			t.Errorf("%s without a tenant id: %v, want EINTERNAL (no tenant)", name, err)
		}
	}
}

func TestRateLimiterWindows(t *testing.T) {
	ctx := context.Background()
	rl := postgres.NewRateLimiter(pgtest.MustOpen(t))
	for i := 1; i <= 3; i++ {
		if n, err := rl.Hit(ctx, "k", time.Minute); err != nil || n != i {
			t.Fatalf("hit %d = %d, %v", i, n, err)
		}
	}
	if n, _ := rl.Count(ctx, "k", time.Minute); n != 3 {
		t.Fatalf("count = %d", n)
	}
	// A window that has passed starts again.
	if n, _ := rl.Count(ctx, "k", time.Nanosecond); n != 0 {
		t.Fatalf("count in an expired window = %d", n)
	}
	if n, _ := rl.Hit(ctx, "k", time.Nanosecond); n != 1 {
		t.Fatalf("hit after the window = %d", n)
	}
	_ = rl.Reset(ctx, "k")
	if n, _ := rl.Count(ctx, "k", time.Minute); n != 0 {
		t.Fatalf("count after reset = %d", n)
	}
}

func TestAuditScopesByTenant(t *testing.T) {
	ctx := context.Background()
	db := pgtest.MustOpen(t)
	tenants, audit := postgres.NewTenantService(db), postgres.NewAuditService(db)
	a, b := &domain.Tenant{Name: "A", Slug: "aa"}, &domain.Tenant{Name: "B", Slug: "bb"}
	_ = tenants.CreateTenant(ctx, a)
	_ = tenants.CreateTenant(ctx, b)
	for i := 0; i < 3; i++ {
		_ = audit.RecordAudit(ctx, &domain.AuditEvent{TenantID: a.ID, Actor: "x", Action: "a.act", Result: "ok"})
	}
	_ = audit.RecordAudit(ctx, &domain.AuditEvent{TenantID: b.ID, Actor: "y", Action: "b.act", Result: "ok"})
	got, next, err := audit.FindAuditEvents(ctx, domain.AuditFilter{TenantID: a.ID, Limit: 2})
	if err != nil || len(got) != 2 || next == "" {
		t.Fatalf("page 1 = %d events, next %q, %v", len(got), next, err)
	}
	rest, next2, _ := audit.FindAuditEvents(ctx, domain.AuditFilter{TenantID: a.ID, Limit: 2, Cursor: next})
	if len(rest) != 1 || next2 != "" {
		t.Fatalf("page 2 = %d events, next %q", len(rest), next2)
	}
	for _, e := range append(got, rest...) {
		if e.TenantID != a.ID {
			t.Fatalf("tenant A's log shows an event of %s", e.TenantID)
		}
	}
	all, _, _ := audit.FindAllAuditEvents(ctx, domain.AuditFilter{})
	if len(all) != 4 {
		t.Fatalf("all tenants = %d events", len(all))
	}
	// A provider-level event is in the provider's log, never a tenant's, and
	// no tenant id means no read at all.
	_ = audit.RecordAudit(ctx, &domain.AuditEvent{Actor: "root", Action: "tenant.create", Result: "ok"})
	if all, _, _ := audit.FindAllAuditEvents(ctx, domain.AuditFilter{}); len(all) != 5 {
		t.Fatalf("all events with the provider's = %d", len(all))
	}
	if got, _, _ := audit.FindAuditEvents(ctx, domain.AuditFilter{TenantID: b.ID}); len(got) != 1 {
		t.Fatalf("tenant B's log = %d events, want 1", len(got))
	}
	_, _, err = audit.FindAuditEvents(ctx, domain.AuditFilter{})
	wantNoTenant(t, map[string]error{"FindAuditEvents": err})
}

func ptr[T any](v T) *T { return &v }
