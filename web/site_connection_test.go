package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tessera/adapters/vsphere"
	"tessera/domain"
	"tessera/web/webtest"
)

// TestSiteEditConnection: the operator changes a site's API URL and token on
// its page; a refused token saves nothing, a good one says what answered, a
// bad URL is a field error, and the token never shows in the page or audit.
func TestSiteEditConnection(t *testing.T) {
	env := webtest.NewEmpty(t)
	env.AddUser(t, "", "admin", domain.RoleProviderAdmin, "demo")
	env.AddTenant(t, "acme", "Acme Corporation")
	env.AddUser(t, "acme", "alice", domain.RoleAdmin, "demo")
	env.AddSite(t, "Berlin", "DE", "Berlin", vsphere.SimOptions{})
	ctx := context.Background()
	sites, _ := env.Server.Locations.FindSites(ctx, "")
	var berlin *domain.Site
	for _, s := range sites {
		if s.Name == "Berlin" {
			berlin = s
		}
	}
	rightToken, err := env.Server.Secrets.Open(berlin.CredentialSealed)
	if err != nil {
		t.Fatal(err)
	}
	const wrongToken = "tsc_wrong-token-0123456789"
	page := "/admin/locations/sites/" + berlin.ID
	admin := env.Client(t, "localhost")
	admin.Login("", "admin", "demo")

	body := webtest.Body(t, admin.Get(page))
	if !strings.Contains(body, `data-testid="connection-form"`) || !strings.Contains(body, `value="`+berlin.APIURL+`"`) {
		t.Fatal("the site page has no Edit connection form with the current API URL")
	}
	if strings.Contains(body, rightToken) {
		t.Fatal("the site page shows the token")
	}

	// A wrong token: the site refuses it, nothing is saved, manage keeps working.
	resp := admin.PostForm(page+"/connection", url.Values{"api_url": {berlin.APIURL}, "credential": {wrongToken}})
	body = webtest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-credential"`) || !strings.Contains(body, "The site refused this token") {
		t.Errorf("wrong token: %d, want 422 with the refusal at the token field", resp.StatusCode)
	}
	if strings.Contains(body, wrongToken) {
		t.Error("the page echoes the refused token")
	}
	if s, _ := env.Server.Locations.FindSiteByID(ctx, berlin.ID); s.CredentialSealed != berlin.CredentialSealed || s.APIURL != berlin.APIURL {
		t.Error("a refused token was saved")
	}
	c, err := env.Server.App.Sites.Client(ctx, berlin.ID)
	if err == nil {
		_, err = c.Info(ctx)
	}
	if err != nil {
		t.Errorf("the connector stopped working after a refused change: %v", err)
	}

	// The right token (as after a rotation): saved, and the page says who answered.
	resp = admin.PostForm(page+"/connection", url.Values{"api_url": {berlin.APIURL + "/"}, "credential": {rightToken}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right token: %d %s", resp.StatusCode, webtest.Body(t, resp))
	}
	body = webtest.Body(t, admin.Get(page))
	if !strings.Contains(body, "Connected: Berlin, API v1") || !strings.Contains(body, "Healthy") {
		t.Error("no 'Connected: Berlin, API v1' after saving the right token")
	}
	if strings.Contains(body, rightToken) {
		t.Error("the site page shows the token")
	}
	s, _ := env.Server.Locations.FindSiteByID(ctx, berlin.ID)
	if s.CredentialSealed == berlin.CredentialSealed || strings.Contains(s.CredentialSealed, rightToken) {
		t.Error("the new token was not sealed anew")
	}
	if got, _ := env.Server.Secrets.Open(s.CredentialSealed); got != rightToken {
		t.Error("the stored token is not the one entered")
	}

	// Bad URLs are field errors; nothing changes.
	for _, bad := range []string{"not a url", "http://connect.berlin.example.net", "ftp://x"} {
		resp = admin.PostForm(page+"/connection", url.Values{"api_url": {bad}, "credential": {wrongToken}})
		body = webtest.Body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-api_url"`) || strings.Contains(body, wrongToken) {
			t.Errorf("api_url %q: %d, want 422 with a field error and no token", bad, resp.StatusCode)
		}
	}
	if s, _ := env.Server.Locations.FindSiteByID(ctx, berlin.ID); s.APIURL != berlin.APIURL {
		t.Errorf("a bad URL was saved: %s", s.APIURL)
	}

	// A site that does not answer at its new address: saved with a warning,
	// and the connector uses the new address at once (no cached client).
	resp = admin.PostForm(page+"/connection", url.Values{"api_url": {"http://127.0.0.1:1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unreachable address: %d", resp.StatusCode)
	}
	if body := webtest.Body(t, admin.Get(page)); !strings.Contains(body, "Saved, but the site does not answer: The site cannot be reached.") || !strings.Contains(body, "Unreachable") {
		t.Error("no warning after saving an address where the site does not answer")
	}
	if c, err := env.Server.App.Sites.Client(ctx, berlin.ID); err == nil {
		if _, err := c.Info(ctx); domain.ErrorCode(err) != domain.EUNAVAILABLE {
			t.Errorf("the connector still reaches the old address: %v", err)
		}
	}
	// And back.
	if resp := admin.PostForm(page+"/connection", url.Values{"api_url": {berlin.APIURL}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("back to the right address: %d", resp.StatusCode)
	}
	if !strings.Contains(webtest.Body(t, admin.Get(page)), "Connected: Berlin, API v1") {
		t.Error("no 'Connected' after moving back")
	}

	// Others cannot change a site.
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	resp = alice.PostForm(page+"/connection", url.Values{"api_url": {"http://127.0.0.1:1"}})
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("a tenant admin posts the connection form: %d, want 403 or 404", resp.StatusCode)
	}
	if s, _ := env.Server.Locations.FindSiteByID(ctx, berlin.ID); s.APIURL != berlin.APIURL {
		t.Error("a tenant admin changed the site")
	}

	// The audit log has every attempt, never the token.
	events, _, err := env.Server.App.Audit.FindAllAuditEvents(ctx, domain.AuditFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused int
	for _, e := range events {
		if strings.Contains(e.Detail, rightToken) || strings.Contains(e.Detail, wrongToken) || strings.Contains(e.Target, "tsc_") {
			t.Errorf("the audit log holds a token: %+v", e)
		}
		if e.Action == "site.connection.update" {
			if e.Result == "ok" {
				ok++
			} else {
				refused++
			}
		}
	}
	if ok != 3 || refused != 4 {
		t.Errorf("audit: %d saved and %d refused changes, want 3 and 4", ok, refused)
	}
}
