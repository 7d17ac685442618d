package web_test

import (
	"testing"

	"tessera/domain"
	"tessera/web/webtest"
)

// newPeopleEnv is a server that holds only tenants and users, each user with
// the password "demo": acme (Acme Corporation) with alice (admin), bob (member) and vera
// (viewer), globex with carol (admin) and dave (member), and the provider
// admin "admin". It is for tests about log-in, sessions and who may see or
// change what, which need no catalogue, prices or sites.
func newPeopleEnv(t *testing.T) *webtest.Env {
	t.Helper()
	env := webtest.NewEmpty(t)
	env.AddUser(t, "", "admin", domain.RoleProviderAdmin, "demo")
	env.AddTenant(t, "acme", "Acme Corporation")
	env.AddUser(t, "acme", "alice", domain.RoleAdmin, "demo")
	env.AddUser(t, "acme", "bob", domain.RoleMember, "demo")
	env.AddUser(t, "acme", "vera", domain.RoleViewer, "demo")
	env.AddTenant(t, "globex", "Globex")
	env.AddUser(t, "globex", "carol", domain.RoleAdmin, "demo")
	env.AddUser(t, "globex", "dave", domain.RoleMember, "demo")
	return env
}
