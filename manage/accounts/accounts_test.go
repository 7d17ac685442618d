package accounts_test

import (
	"context"
	"testing"

	"tessera/domain"
	"tessera/manage/accounts"
)

type audit struct {
	domain.AuditService
	events []*domain.AuditEvent
}

func (a *audit) RecordAudit(_ context.Context, e *domain.AuditEvent) error {
	a.events = append(a.events, e)
	return nil
}

type users struct {
	domain.UserService
	created []*domain.User
	byID    map[string]*domain.User
	updated []domain.UserUpdate
}

func (u *users) CreateUser(_ context.Context, x *domain.User) error {
	x.ID = domain.NewID()
	u.created = append(u.created, x)
	return nil
}
func (u *users) FindUserByID(_ context.Context, tenantID, id string) (*domain.User, error) {
	if x, ok := u.byID[id]; ok && x.TenantID == tenantID {
		return x, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "User not found.")
}
func (u *users) UpdateUser(_ context.Context, tenantID, id string, upd domain.UserUpdate) (*domain.User, error) {
	u.updated = append(u.updated, upd)
	x, err := u.FindUserByID(context.Background(), tenantID, id)
	if err != nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	return x, nil
}

type hasher struct{}

func (hasher) Hash(p string) (string, error) { return "h:" + p, nil }
func (hasher) Verify(h, p string) bool       { return h == "h:"+p }

func newService() (*accounts.Service, *users, *audit) {
	u, a := &users{byID: map[string]*domain.User{}}, &audit{}
	return &accounts.Service{Users: u, Audit: a, Hasher: hasher{}}, u, a
}

// Every wrong field, the password's too, comes back at once, and the
// attempt is audited under what was typed.
func TestCreateUserNamesEveryField(t *testing.T) {
	s, u, a := newService()
	err := s.CreateUser(context.Background(), accounts.CLI, &domain.User{TenantID: domain.NewID(), Login: "Has Space", Role: "root"}, "short")
	f := domain.ErrorFields(err)
	for _, k := range []string{"login", "role", "password"} {
		if f[k] == "" {
			t.Errorf("no error at %s: %v", k, f)
		}
	}
	if len(u.created) != 0 {
		t.Fatal("an invalid user was stored")
	}
	if len(a.events) != 1 || a.events[0].Result != domain.EINVALID || a.events[0].Target != "Has Space" || a.events[0].Actor != "cli" {
		t.Fatalf("audit: %+v", a.events)
	}
}

func TestCreateUserHashesAndAudits(t *testing.T) {
	s, u, a := newService()
	by := accounts.Actor{UserID: "u1", Login: "alice", Address: "192.0.2.1"}
	usr := &domain.User{Login: " Ops ", Role: domain.RoleProviderAdmin}
	if err := s.CreateUser(context.Background(), by, usr, "s3cret-password"); err != nil {
		t.Fatal(err)
	}
	if len(u.created) != 1 || usr.PasswordHash != "h:s3cret-password" || usr.Source != domain.SourceLocal || usr.Login != "ops" {
		t.Fatalf("stored %+v", usr)
	}
	if e := a.events[0]; e.Action != "user.create" || e.Target != "ops" || e.Actor != "alice" || e.UserID != "u1" || e.Address != "192.0.2.1" || e.Result != "ok" {
		t.Fatalf("audit: %+v", e)
	}
}

func TestUpdateUserRefusesChangingYourself(t *testing.T) {
	s, u, a := newService()
	tid, uid := domain.NewID(), domain.NewID()
	u.byID[uid] = &domain.User{ID: uid, TenantID: tid, Login: "alice", Role: domain.RoleAdmin}
	yes := true
	_, err := s.UpdateUser(context.Background(), accounts.Actor{UserID: uid, Role: domain.RoleAdmin}, tid, uid, domain.UserUpdate{Disabled: &yes})
	if domain.ErrorCode(err) != domain.ECONFLICT || len(u.updated) != 0 || len(a.events) != 0 {
		t.Fatalf("disable yourself: %v, %d updates, %d events", err, len(u.updated), len(a.events))
	}
	if _, err := s.UpdateUser(context.Background(), accounts.CLI, tid, uid, domain.UserUpdate{}); domain.ErrorFields(err)["role"] == "" {
		t.Fatalf("empty update: %v", err)
	}
	if _, err := s.UpdateUser(context.Background(), accounts.CLI, tid, uid, domain.UserUpdate{Disabled: &yes}); err != nil || a.events[0].Target != "alice" {
		t.Fatalf("disable: %v %+v", err, a.events)
	}
}

func TestResetPassword(t *testing.T) {
	s, u, a := newService()
	tid, uid, other := domain.NewID(), domain.NewID(), domain.NewID()
	u.byID[uid] = &domain.User{ID: uid, TenantID: tid, Login: "bob", Source: domain.SourceLocal}
	ctx := context.Background()
	if _, err := s.ResetPassword(ctx, accounts.CLI, tid, uid, "short"); domain.ErrorFields(err)["password"] == "" || len(a.events) != 0 {
		t.Fatalf("short password: %v, %d events", err, len(a.events))
	}
	if _, err := s.ResetPassword(ctx, accounts.CLI, other, uid, "long-enough"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("another tenant's user: %v", err)
	}
	got, err := s.ResetPassword(ctx, accounts.CLI, tid, uid, "long-enough")
	if err != nil || got.Login != "bob" || *u.updated[len(u.updated)-1].PasswordHash != "h:long-enough" {
		t.Fatalf("reset: %v", err)
	}
}
