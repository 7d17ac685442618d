package ldap_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"tessera/adapters/ldap"
	"tessera/adapters/ldap/slapdtest"
	"tessera/adapters/passwd"
	"tessera/adapters/postgres"
	"tessera/adapters/postgres/pgtest"
	"tessera/adapters/secretbox"
	"tessera/domain"
)

// slapd is the package's one directory server, started by TestMain.
var slapd *slapdtest.Server

func TestMain(m *testing.M) {
	s, err := slapdtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	slapd = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

// env is a database with two tenants, acme and globex, and the services
// wired as in the server.
type env struct {
	db      *postgres.DB
	acme    *domain.Tenant
	globex  *domain.Tenant
	users   *postgres.UserService
	dirs    *postgres.DirectoryService
	auth    *ldap.Authenticator
	login   *domain.LoginService
	tenants *postgres.TenantService
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	db := pgtest.MustOpen(tb)
	box, err := secretbox.New("test-secret-key-0123456789abcdef")
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{db: db, users: postgres.NewUserService(db), dirs: postgres.NewDirectoryService(db, box), tenants: postgres.NewTenantService(db)}
	ctx := context.Background()
	for _, t := range []*domain.Tenant{{Name: "Acme", Slug: "acme", Status: domain.TenantActive}, {Name: "Globex", Slug: "globex", Status: domain.TenantActive}} {
		if err := e.tenants.CreateTenant(ctx, t); err != nil {
			tb.Fatal(err)
		}
	}
	e.acme, _ = e.tenants.FindTenantBySlug(ctx, "acme")
	e.globex, _ = e.tenants.FindTenantBySlug(ctx, "globex")
	e.auth = ldap.NewAuthenticator(e.dirs, e.users, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.auth.Timeouts = ldap.Timeouts{Dial: 500 * time.Millisecond, Request: 500 * time.Millisecond, Total: 3 * time.Second}
	tb.Cleanup(e.auth.Close)
	e.login = &domain.LoginService{Tenants: e.tenants, Users: e.users, Hasher: passwd.Fast, Limiter: postgres.NewRateLimiter(db), Limits: domain.DefaultLoginLimits, Directory: e.auth}
	return e
}

// directory is acme's directory on the test slapd over StartTLS.
func directory(tenantID string) *domain.Directory {
	d := &domain.Directory{
		TenantID: tenantID, Enabled: true, Name: "Example directory",
		URLs: []string{slapd.URL}, StartTLS: true, CACertPEM: slapd.CAPEM,
		BindDN: slapdtest.ServiceDN, BindPassword: slapdtest.ServicePassword,
		UserBase: slapdtest.PeopleDN,
		GroupRoles: []domain.GroupRole{
			{GroupDN: slapdtest.OpsGroup, Role: domain.RoleAdmin},
			{GroupDN: slapdtest.DevGroup, Role: domain.RoleMember},
			{GroupDN: slapdtest.StaffGroup, Role: domain.RoleViewer},
		},
	}
	p, _ := domain.FindDirectoryPreset("openldap")
	p.Apply(d)
	return d
}

func (e *env) save(tb testing.TB, d *domain.Directory) {
	tb.Helper()
	if err := e.dirs.SaveDirectory(context.Background(), d); err != nil {
		tb.Fatalf("SaveDirectory: %v (%v)", err, domain.ErrorFields(err))
	}
}

func (e *env) loginAs(t *domain.Tenant, login, password string) (*domain.User, error) {
	return e.login.Login(context.Background(), t, login, password, "192.0.2.1")
}

func TestDirectoryLoginRoleFromGroups(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	for _, tt := range []struct {
		login string
		role  domain.Role
	}{{"ada", domain.RoleAdmin}, {"ben", domain.RoleMember}, {"val", domain.RoleViewer}, {"Ada", domain.RoleAdmin}} {
		u, err := e.loginAs(e.acme, tt.login, slapdtest.Passwords[strings.ToLower(tt.login)])
		if err != nil {
			t.Fatalf("%s: %v", tt.login, err)
		}
		if u.Role != tt.role || u.Source != domain.SourceDirectory || u.TenantID != e.acme.ID {
			t.Errorf("%s: role %s source %s tenant %s; want %s directory acme", tt.login, u.Role, u.Source, u.TenantID, tt.role)
		}
	}
	u, err := e.users.FindUserByLogin(context.Background(), e.acme.ID, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName != "Ada Lovelace" || u.Email != "ada@example.com" || u.LastLoginAt == nil {
		t.Errorf("just-in-time record = %+v", u)
	}
	// nora is only in an unmapped group: refused, with a message that says so.
	_, err = e.loginAs(e.acme, "nora", slapdtest.Passwords["nora"])
	if domain.ErrorCode(err) != domain.EFORBIDDEN || !strings.Contains(domain.ErrorMessage(err), "none of the groups") {
		t.Fatalf("nora: %v", err)
	}
	if _, err := e.users.FindUserByLogin(context.Background(), e.acme.ID, "nora"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("nora got a local record: %v", err)
	}
	// A wrong password.
	if _, err := e.loginAs(e.acme, "ben", "wrong"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestDirectoryEmptyPasswordRefused(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	// Straight to the adapter: refused before the server is asked.
	if _, err := e.auth.Authenticate(context.Background(), e.acme, "ada", ""); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("adapter with empty password: %v", err)
	}
	if _, err := e.loginAs(e.acme, "ada", ""); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("log-in with empty password: %v", err)
	}
}

func TestDirectoryFilterInjection(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	for _, name := range []string{"*)(uid=*", "*", "ada)(|(uid=*", `ada\2a`, "al*", "ada\x00"} {
		for _, pw := range []string{slapdtest.Passwords["ada"], "x"} {
			if u, err := e.auth.Authenticate(context.Background(), e.acme, name, pw); err == nil {
				t.Errorf("user name %q logged in as %s", name, u.Login)
			}
		}
	}
	users, _, _ := e.users.FindUsers(context.Background(), domain.UserFilter{TenantID: e.acme.ID})
	if len(users) != 0 {
		t.Errorf("injection attempts created users: %v", users[0].Login)
	}
}

func TestDirectoryBindPasswordSealed(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	var sealed string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT bind_password_sealed FROM directories WHERE tenant_id = $1`, e.acme.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if sealed == "" || strings.Contains(sealed, slapdtest.ServicePassword) {
		t.Fatalf("stored bind password %q is not sealed", sealed)
	}
	d, err := e.dirs.FindDirectory(context.Background(), e.acme.ID)
	if err != nil || d.BindPassword != slapdtest.ServicePassword || !d.HasBindPassword {
		t.Fatalf("FindDirectory: %v, password opened: %v", err, d != nil && d.BindPassword == slapdtest.ServicePassword)
	}
	// Saving with an empty password keeps the stored one.
	d.BindPassword = ""
	d.Name = "Renamed"
	e.save(t, d)
	d, _ = e.dirs.FindDirectory(context.Background(), e.acme.ID)
	if d.BindPassword != slapdtest.ServicePassword || d.Name != "Renamed" {
		t.Fatalf("after save with empty password: name %q, password kept %v", d.Name, d.BindPassword == slapdtest.ServicePassword)
	}
	// Another tenant does not see acme's directory.
	if _, err := e.dirs.FindDirectory(context.Background(), e.globex.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("globex reads a directory: %v", err)
	}
}

// hangingServer accepts TCP connections and never answers.
func hangingServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestDirectoryHangingServerTimesOut(t *testing.T) {
	e := newEnv(t)
	addr := hangingServer(t)
	for _, url := range []string{"ldaps://" + addr, "ldap://" + addr} {
		t.Run(url[:5], func(t *testing.T) {
			d := directory(e.acme.ID)
			d.URLs = []string{url}
			e.save(t, d)
			done := make(chan error, 1)
			go func() {
				_, err := e.auth.Authenticate(context.Background(), e.acme, "ada", "ada-pass")
				done <- err
			}()
			select {
			case err := <-done:
				if domain.ErrorCode(err) != domain.EUNAVAILABLE {
					t.Fatalf("hanging server: %v, want unavailable", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("log-in hangs on a server that never answers")
			}
			// The break-glass local admin still logs in while the directory hangs.
			checks := ldap.Tester{Timeouts: e.auth.Timeouts}.TestDirectory(context.Background(), d, "")
			if len(checks) == 0 || checks[0].OK || !strings.Contains(checks[0].Message, "Server unreachable") || !strings.Contains(checks[0].Message, "timed out") {
				t.Fatalf("test connection: %+v", checks)
			}
		})
	}
}

// bindOnlyServer is an ldaps server that accepts every bind and never
// answers anything else (a search hangs).
func bindOnlyServer(t *testing.T) (url, caPEM string) {
	caPEM, cfg, err := slapdtest.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				r := bufio.NewReader(c)
				for {
					id, op, err := readLDAPMessage(r)
					if err != nil {
						return
					}
					if op == 0x60 { // BindRequest: success
						_, _ = c.Write([]byte{0x30, 0x0c, 0x02, 0x01, id, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "ldaps://" + ln.Addr().String(), caPEM
}

// readLDAPMessage reads one BER-encoded LDAPMessage and returns its (small)
// message id and the protocol operation's tag.
func readLDAPMessage(r *bufio.Reader) (id, op byte, err error) {
	if _, err = r.ReadByte(); err != nil { // SEQUENCE
		return
	}
	n, err := r.ReadByte()
	if err != nil {
		return
	}
	size := int(n)
	if n&0x80 != 0 {
		size = 0
		for range int(n & 0x7f) {
			b, err := r.ReadByte()
			if err != nil {
				return 0, 0, err
			}
			size = size<<8 | int(b)
		}
	}
	body := make([]byte, size)
	if _, err = io.ReadFull(r, body); err != nil {
		return
	}
	if len(body) < 4 || body[0] != 0x02 {
		return 0, 0, fmt.Errorf("not an LDAP message")
	}
	idLen := int(body[1])
	return body[2+idLen-1], body[2+idLen], nil
}

func TestDirectoryHangingSearchTimesOut(t *testing.T) {
	// The server answers the service bind but never the search: the request
	// time-out ends the log-in with "unavailable".
	e := newEnv(t)
	url, ca := bindOnlyServer(t)
	d := directory(e.acme.ID)
	d.URLs, d.CACertPEM = []string{url}, ca
	e.save(t, d)
	done := make(chan error, 1)
	go func() {
		_, err := e.auth.Authenticate(context.Background(), e.acme, "ada", "ada-pass")
		done <- err
	}()
	select {
	case err := <-done:
		if domain.ErrorCode(err) != domain.EUNAVAILABLE {
			t.Fatalf("hanging search: %v, want unavailable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("log-in hangs on a search that is never answered")
	}
	checks := ldap.Tester{Timeouts: e.auth.Timeouts}.TestDirectory(context.Background(), d, "")
	if l := checks[len(checks)-1]; l.OK || !strings.Contains(l.Step, "User search base") {
		t.Fatalf("test connection with a hanging search: %+v", checks)
	}
}

func TestDirectoryBreakGlassAndLocalLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hash, _ := passwd.Fast.Hash("local-pass-1")
	for _, u := range []*domain.User{
		{TenantID: e.acme.ID, Login: "root", Role: domain.RoleAdmin, Source: domain.SourceLocal, PasswordHash: hash},
		{TenantID: e.acme.ID, Login: "carl", Role: domain.RoleMember, Source: domain.SourceLocal, PasswordHash: hash},
	} {
		if err := e.users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	d := directory(e.acme.ID)
	d.AllowLocalLogin = true
	e.save(t, d)
	if _, err := e.loginAs(e.acme, "carl", "local-pass-1"); err != nil {
		t.Fatalf("local member with local log-in allowed: %v", err)
	}
	d.AllowLocalLogin = false
	e.save(t, d)
	if _, err := e.loginAs(e.acme, "carl", "local-pass-1"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("local member with local log-in off: %v", err)
	}
	if u, err := e.loginAs(e.acme, "root", "local-pass-1"); err != nil || u.Role != domain.RoleAdmin {
		t.Fatalf("break-glass admin: %v", err)
	}
	// Even when the directory is down.
	d.URLs = []string{"ldaps://" + hangingServer(t)}
	e.save(t, d)
	if _, err := e.loginAs(e.acme, "root", "local-pass-1"); err != nil {
		t.Fatalf("break-glass admin with the directory down: %v", err)
	}
	if _, err := e.loginAs(e.acme, "ada", "ada-pass"); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("directory user with the directory down: %v", err)
	}
}

func TestDirectoryRateLimited(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	for i := 0; i < domain.DefaultLoginLimits.PerAccount; i++ {
		if _, err := e.loginAs(e.acme, "ben", "wrong"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := e.loginAs(e.acme, "ben", "ben-pass"); domain.ErrorCode(err) != domain.ETOOMANY {
		t.Fatalf("right password after too many failures: %v, want too many", err)
	}
}

func TestDirectoryNeverCrossesTenants(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	// globex has no directory: acme's directory users cannot log in there.
	if _, err := e.loginAs(e.globex, "ada", "ada-pass"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("ada at globex: %v", err)
	}
	if _, err := e.loginAs(e.acme, "ada", "ada-pass"); err != nil {
		t.Fatal(err)
	}
	// After ada has a record at acme, globex still does not log her in.
	if _, err := e.loginAs(e.globex, "ada", "ada-pass"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("ada at globex after acme log-in: %v", err)
	}
	if _, err := e.users.FindUserByLogin(context.Background(), e.globex.ID, "ada"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("globex has ada: %v", err)
	}
	// globex's own directory maps only "sales": ada is refused there, and
	// her acme record keeps acme's role.
	g := directory(e.globex.ID)
	g.GroupRoles = []domain.GroupRole{{GroupDN: slapdtest.SalesGroup, Role: domain.RoleAdmin}}
	e.save(t, g)
	if _, err := e.loginAs(e.globex, "ada", "ada-pass"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("ada at globex with its own directory: %v", err)
	}
	if u, _ := e.users.FindUserByLogin(context.Background(), e.acme.ID, "ada"); u.Role != domain.RoleAdmin || u.TenantID != e.acme.ID {
		t.Fatalf("acme's ada changed: %+v", u)
	}
}

func TestDirectoryFailoverToSecondURL(t *testing.T) {
	e := newEnv(t)
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "ldap://" + dead.Addr().String()
	dead.Close() // nothing listens here any more: connection refused
	d := directory(e.acme.ID)
	d.URLs = []string{deadURL, slapd.URL}
	e.save(t, d)
	if u, err := e.loginAs(e.acme, "ben", "ben-pass"); err != nil || u.Role != domain.RoleMember {
		t.Fatalf("failover: %v", err)
	}
	checks := ldap.Tester{}.TestDirectory(context.Background(), d, "ben")
	if checks[0].OK || !strings.Contains(checks[0].Message, "connection refused") || !checks[1].OK || !checks[len(checks)-1].OK {
		t.Fatalf("test connection with the first server down: %+v", checks)
	}
}

func TestDirectoryTLS(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name     string
		url      string
		startTLS bool
	}{{"StartTLS", slapd.URL, true}, {"ldaps", slapd.TLSURL, false}} {
		t.Run(tc.name, func(t *testing.T) {
			d := directory(e.acme.ID)
			d.URLs, d.StartTLS = []string{tc.url}, tc.startTLS
			e.save(t, d)
			if _, err := e.auth.Authenticate(context.Background(), e.acme, "ben", "ben-pass"); err != nil {
				t.Fatalf("with the CA: %v", err)
			}
			// Without the CA the server's certificate is not trusted.
			d.CACertPEM = ""
			e.save(t, d)
			if _, err := e.auth.Authenticate(context.Background(), e.acme, "ben", "ben-pass"); domain.ErrorCode(err) != domain.EUNAVAILABLE {
				t.Fatalf("without the CA: %v", err)
			}
			checks := ldap.Tester{}.TestDirectory(context.Background(), d, "")
			if len(checks) != 1 || checks[0].OK || !strings.Contains(checks[0].Message, "TLS certificate not trusted") {
				t.Fatalf("test connection without the CA: %+v", checks)
			}
		})
	}
}

func TestDirectoryUserLosesAccess(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	if err := slapd.Add(`dn: uid=temp,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: temp
cn: Temp Worker
sn: Worker
userPassword: temp-pass

dn: cn=temp-dev,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: temp-dev
member: uid=temp,ou=people,dc=example,dc=com
`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = slapd.Modify("dn: cn=temp-dev,ou=groups,dc=example,dc=com\nchangetype: delete\n\ndn: uid=temp,ou=people,dc=example,dc=com\nchangetype: delete\n")
	})
	d := directory(e.acme.ID)
	d.GroupRoles = append(d.GroupRoles, domain.GroupRole{GroupDN: "cn=temp-dev,ou=groups,dc=example,dc=com", Role: domain.RoleMember})
	e.save(t, d)
	if u, err := e.loginAs(e.acme, "temp", "temp-pass"); err != nil || u.Role != domain.RoleMember {
		t.Fatalf("temp first log-in: %v", err)
	}
	// Taken out of the group: refused at the next log-in.
	if err := slapd.Modify("dn: cn=temp-dev,ou=groups,dc=example,dc=com\nchangetype: modify\ndelete: member\nmember: uid=temp,ou=people,dc=example,dc=com\n"); err == nil {
		t.Fatal("a groupOfNames may not lose its last member; test setup is wrong")
	}
	if err := slapd.Modify("dn: cn=temp-dev,ou=groups,dc=example,dc=com\nchangetype: modify\nreplace: member\nmember: " + slapdtest.UserDN("ben") + "\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.loginAs(e.acme, "temp", "temp-pass"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("temp out of the mapped groups: %v", err)
	}
	// Removed from the directory: the local record does not let them in.
	if err := slapd.Modify("dn: uid=temp,ou=people,dc=example,dc=com\nchangetype: delete\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.loginAs(e.acme, "temp", "temp-pass"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("temp deleted from the directory: %v", err)
	}
}

func TestDirectoryRoleLoweredAtNextLogin(t *testing.T) {
	e := newEnv(t)
	d := directory(e.acme.ID)
	e.save(t, d)
	if u, _ := e.loginAs(e.acme, "ben", "ben-pass"); u == nil || u.Role != domain.RoleMember {
		t.Fatalf("ben first: %+v", u)
	}
	// The admin unmaps dev: ben is now only a viewer (staff).
	d.GroupRoles = d.GroupRoles[:1]
	d.GroupRoles = append(d.GroupRoles, domain.GroupRole{GroupDN: slapdtest.StaffGroup, Role: domain.RoleViewer})
	d.BindPassword = ""
	e.save(t, d)
	u, err := e.loginAs(e.acme, "ben", "ben-pass")
	if err != nil || u.Role != domain.RoleViewer {
		t.Fatalf("ben after lowering: %v %+v", err, u)
	}
	// The stored record (read by every request of every session) has it too.
	if u, _ := e.users.FindUserByID(context.Background(), e.acme.ID, u.ID); u.Role != domain.RoleViewer {
		t.Fatalf("stored role %s", u.Role)
	}
}

func TestDirectoryGroupSearchModes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		mode  domain.GroupMode
		group string
	}{{domain.GroupsMember, slapdtest.DevGroup}, {domain.GroupsUniqueMember, "cn=unique-dev,ou=groups,dc=example,dc=com"}, {domain.GroupsMemberUID, "cn=posix-dev,ou=groups,dc=example,dc=com"}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			d := directory(e.acme.ID)
			d.GroupMode, d.GroupBase = tc.mode, slapdtest.GroupsDN
			d.GroupRoles = []domain.GroupRole{{GroupDN: tc.group, Role: domain.RoleMember}}
			e.save(t, d)
			u, err := e.auth.Authenticate(context.Background(), e.acme, "ben", "ben-pass")
			if err != nil || u.Role != domain.RoleMember {
				t.Fatalf("ben by %s: %v", tc.mode, err)
			}
			if _, err := e.auth.Authenticate(context.Background(), e.acme, "val", "val-pass"); domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("val by %s: %v", tc.mode, err)
			}
		})
	}
}

func TestDirectoryTestConnection(t *testing.T) {
	last := func(c []domain.DirectoryCheck) domain.DirectoryCheck { return c[len(c)-1] }
	for _, tc := range []struct {
		name   string
		change func(d *domain.Directory)
		user   string
		ok     bool
		want   string
	}{
		{"all good", func(d *domain.Directory) {}, "ada", true, "role Admin"},
		{"bind refused", func(d *domain.Directory) { d.BindPassword = "wrong" }, "", false, "Service bind refused"},
		{"base missing", func(d *domain.Directory) { d.UserBase = "ou=nobody,dc=example,dc=com" }, "", false, "Search base missing"},
		{"user not found", func(d *domain.Directory) {}, "zed", false, "Test user not found"},
		{"no mapped group", func(d *domain.Directory) {}, "nora", false, "in no mapped group"},
		{"group base missing", func(d *domain.Directory) {
			d.GroupMode, d.GroupBase = domain.GroupsMember, "ou=nogroups,dc=example,dc=com"
		}, "", false, "Search base missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := directory("")
			tc.change(d)
			checks := ldap.Tester{}.TestDirectory(context.Background(), d, tc.user)
			if l := last(checks); l.OK != tc.ok || !strings.Contains(l.Message, tc.want) {
				t.Fatalf("checks = %+v, want last ok=%v with %q", checks, tc.ok, tc.want)
			}
		})
	}
}

// A pooled service connection that died (the server restarted) is replaced
// without failing the log-in.
func TestDirectoryPooledConnectionSurvivesRestart(t *testing.T) {
	own := slapdtest.MustStart(t)
	e := newEnv(t)
	d := directory(e.acme.ID)
	d.URLs, d.CACertPEM = []string{own.URL}, own.CAPEM
	e.save(t, d)
	if _, err := e.auth.Authenticate(context.Background(), e.acme, "ben", "ben-pass"); err != nil {
		t.Fatal(err)
	}
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	if u, err := e.auth.Authenticate(context.Background(), e.acme, "ben", "ben-pass"); err != nil || u.Role != domain.RoleMember {
		t.Fatalf("after the server restarted: %v", err)
	}
}

// A directory user whom a tenant admin disabled in Tessera stays out, even
// with the right directory password and groups.
func TestDirectoryUserDisabledInTessera(t *testing.T) {
	e := newEnv(t)
	e.save(t, directory(e.acme.ID))
	u, err := e.loginAs(e.acme, "ben", "ben-pass")
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := e.users.UpdateUser(context.Background(), e.acme.ID, u.ID, domain.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.loginAs(e.acme, "ben", "ben-pass"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("disabled ben: %v", err)
	}
}

// Recheck (used during sessions) applies the directory's current groups
// without the user's password and refuses users who left.
func TestDirectoryRecheck(t *testing.T) {
	e := newEnv(t)
	d := directory(e.acme.ID)
	e.save(t, d)
	ctx := context.Background()
	ben, err := e.loginAs(e.acme, "ben", "ben-pass")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := e.auth.Recheck(ctx, e.acme, ben); err != nil || u.Role != domain.RoleMember {
		t.Fatalf("recheck unchanged: %v", err)
	}
	// dev no longer maps: ben is a viewer from now on.
	d.GroupRoles = []domain.GroupRole{{GroupDN: slapdtest.StaffGroup, Role: domain.RoleViewer}}
	d.BindPassword = ""
	e.save(t, d)
	u, err := e.auth.Recheck(ctx, e.acme, ben)
	if err != nil || u.Role != domain.RoleViewer {
		t.Fatalf("recheck after unmapping dev: %v %+v", err, u)
	}
	if stored, _ := e.users.FindUserByID(ctx, e.acme.ID, ben.ID); stored.Role != domain.RoleViewer {
		t.Fatalf("stored role %s", stored.Role)
	}
	// No mapped group at all: no longer allowed.
	d.GroupRoles = []domain.GroupRole{{GroupDN: slapdtest.OpsGroup, Role: domain.RoleAdmin}}
	e.save(t, d)
	if _, err := e.auth.Recheck(ctx, e.acme, u); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("recheck without a mapped group: %v", err)
	}
	// Single sign-on turned off: directory users' sessions end.
	d.Enabled = false
	e.save(t, d)
	if _, err := e.auth.Recheck(ctx, e.acme, u); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("recheck with the directory off: %v", err)
	}
	// Another tenant's recheck never touches acme's user.
	if got, err := e.auth.Recheck(ctx, e.globex, u); err != nil || got != u {
		t.Fatalf("recheck at another tenant: %v", err)
	}
}

// Failed log-ins are logged (directory down, service account refused), but
// never with the service account's or the user's password.
func TestDirectoryPasswordsNeverLogged(t *testing.T) {
	e := newEnv(t)
	var buf strings.Builder
	var mu sync.Mutex
	e.auth.Log = slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := directory(e.acme.ID)
	d.BindPassword = "wrong-service-secret"
	e.save(t, d)
	_, _ = e.auth.Authenticate(context.Background(), e.acme, "ada", "ada-pass")
	d.URLs = []string{"ldaps://" + hangingServer(t)}
	d.BindPassword = slapdtest.ServicePassword
	e.save(t, d)
	_, _ = e.auth.Authenticate(context.Background(), e.acme, "ada", "ada-pass")
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "directory log-in failed") {
		t.Fatalf("failures were not logged: %q", buf.String())
	}
	for _, secret := range []string{"wrong-service-secret", slapdtest.ServicePassword, "ada-pass"} {
		if strings.Contains(buf.String(), secret) {
			t.Fatalf("log contains a password: %s", buf.String())
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
