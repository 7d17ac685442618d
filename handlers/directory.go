package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tessera/domain"
	"tessera/manage/accounts"
	"tessera/views"
)

var directoryFields = []string{"name", "urls", "ca_pem", "bind_dn", "user_base", "user_filter", "login_attr", "name_attr", "mail_attr", "group_mode", "group_base", "test_user", "preset"}

// At most directoryTestLimit connection tests per tenant in directoryTestWindow.
const (
	directoryTestLimit  = 30
	directoryTestWindow = 10 * time.Minute
)

var directoryChecks = []string{"enabled", "start_tls", "nested_groups", "allow_local_login"}

// directoryForm turns a stored directory into form values. The bind password
// is never among them.
func directoryForm(d *domain.Directory) (views.Form, []views.GroupRoleRow) {
	on := func(b bool) string {
		if b {
			return "on"
		}
		return ""
	}
	v := map[string]string{
		"enabled": on(d.Enabled), "name": d.Name, "urls": strings.Join(d.URLs, "\n"), "start_tls": on(d.StartTLS),
		"ca_pem": d.CACertPEM, "bind_dn": d.BindDN, "user_base": d.UserBase, "user_filter": d.UserFilter,
		"login_attr": d.LoginAttr, "name_attr": d.NameAttr, "mail_attr": d.MailAttr, "group_mode": string(d.GroupMode),
		"group_base": d.GroupBase, "nested_groups": on(d.NestedGroups), "allow_local_login": on(d.AllowLocalLogin),
	}
	var rows []views.GroupRoleRow
	for _, g := range d.GroupRoles {
		rows = append(rows, views.GroupRoleRow{GroupDN: g.GroupDN, Role: string(g.Role)})
	}
	return views.Form{Values: v}, rows
}

// newDirectoryForm is the form for a tenant without a directory: OpenLDAP's
// preset, StartTLS, local log-in allowed.
func newDirectoryForm(t *domain.Tenant) (views.Form, []views.GroupRoleRow) {
	d := &domain.Directory{Enabled: true, Name: t.Name + " directory", StartTLS: true, AllowLocalLogin: true}
	p, _ := domain.FindDirectoryPreset("openldap")
	p.Apply(d)
	return directoryForm(d)
}

// directoryFromForm reads the posted form into a directory of tenantID.
func directoryFromForm(r *http.Request, tenantID string) (*domain.Directory, views.Form, []views.GroupRoleRow) {
	v := formValues(r, directoryFields...)
	for _, c := range directoryChecks {
		if r.PostFormValue(c) == "on" {
			v[c] = "on"
		}
	}
	d := &domain.Directory{
		TenantID: tenantID, Enabled: v["enabled"] == "on", Name: v["name"], URLs: strings.Split(v["urls"], "\n"),
		StartTLS: v["start_tls"] == "on", CACertPEM: v["ca_pem"], BindDN: v["bind_dn"],
		BindPassword: r.PostFormValue("bind_password"),
		UserBase:     v["user_base"], UserFilter: v["user_filter"], LoginAttr: v["login_attr"], NameAttr: v["name_attr"], MailAttr: v["mail_attr"],
		GroupMode: domain.GroupMode(v["group_mode"]), GroupBase: v["group_base"], NestedGroups: v["nested_groups"] == "on",
		AllowLocalLogin: v["allow_local_login"] == "on",
	}
	dns, roles := r.PostForm["group_dn"], r.PostForm["group_role"]
	var rows []views.GroupRoleRow
	for i, dn := range dns {
		dn = strings.TrimSpace(dn)
		if dn == "" {
			continue // an empty row
		}
		role := ""
		if i < len(roles) {
			role = roles[i]
		}
		d.GroupRoles = append(d.GroupRoles, domain.GroupRole{GroupDN: dn, Role: domain.Role(role)})
		rows = append(rows, views.GroupRoleRow{GroupDN: dn, Role: role})
	}
	return d, views.Form{Values: v}, rows
}

// withBlankRows adds empty mapping rows to fill in.
func withBlankRows(rows []views.GroupRoleRow) []views.GroupRoleRow {
	n := 2
	if len(rows) == 0 {
		n = 3
	}
	for range n {
		rows = append(rows, views.GroupRoleRow{Role: "member"})
	}
	return rows
}

func (a *App) renderDirectory(w http.ResponseWriter, r *http.Request, status int, t *domain.Tenant, base, nav string, p views.DirectoryProps) {
	p.Tenant, p.Base = t, base
	p.Rows = withBlankRows(p.Rows)
	if r.Header.Get("HX-Request") == "true" {
		status = http.StatusOK // htmx swaps only 2xx answers; the errors are in the page
	}
	a.page(w, r, status, "Directory", nav, views.Directory(p))
}

// showDirectory renders the directory settings of t.
func (a *App) showDirectory(w http.ResponseWriter, r *http.Request, t *domain.Tenant, base, nav string) {
	d, err := a.Directories.FindDirectory(r.Context(), t.ID)
	var p views.DirectoryProps
	switch {
	case err == nil:
		p.Form, p.Rows = directoryForm(d)
		p.HasPassword, p.Configured = d.HasBindPassword, true
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		p.Form, p.Rows = newDirectoryForm(t)
	default:
		a.Error(w, r, err)
		return
	}
	a.renderDirectory(w, r, http.StatusOK, t, base, nav, p)
}

// storedPassword reports whether t has a stored bind password and returns it.
func (a *App) storedPassword(ctx context.Context, tenantID string) (string, bool) {
	d, err := a.Directories.FindDirectory(ctx, tenantID)
	if err != nil {
		return "", false
	}
	return d.BindPassword, d.HasBindPassword
}

// saveDirectory saves the posted settings of t, or applies a preset.
func (a *App) saveDirectory(w http.ResponseWriter, r *http.Request, t *domain.Tenant, base, nav string) {
	d, f, rows := directoryFromForm(r, t.ID)
	_, hasPW := a.storedPassword(r.Context(), t.ID)
	p := views.DirectoryProps{Form: f, Rows: rows, HasPassword: hasPW}
	if r.PostFormValue("action") == "preset" {
		if pr, ok := domain.FindDirectoryPreset(f.Get("preset")); ok {
			f.Values["user_filter"], f.Values["login_attr"], f.Values["name_attr"], f.Values["mail_attr"], f.Values["group_mode"] = pr.UserFilter, pr.LoginAttr, pr.NameAttr, pr.MailAttr, string(pr.GroupMode)
		}
		a.renderDirectory(w, r, http.StatusOK, t, base, nav, p)
		return
	}
	if err := a.directories().Save(r.Context(), a.actor(r), t, d); err != nil {
		a.formError(w, r, err, p.Form.Values, func(status int, f views.Form) {
			p.Form = f
			for i := range p.Rows {
				p.Rows[i].Err = f.Errors["group_roles."+strconv.Itoa(i)]
			}
			a.renderDirectory(w, r, status, t, base, nav, p)
		})
		return
	}
	msg := "Directory settings saved. Single sign-on is on: the log-in page asks for the " + d.Name + " account."
	if !d.Enabled {
		msg = "Directory settings saved. Single sign-on is off."
	}
	a.flash(r, "ok", msg)
	redirect(w, r, base)
}

// testDirectory runs "Test connection" with the posted settings (the stored
// password when the field is empty) and shows each step.
func (a *App) testDirectory(w http.ResponseWriter, r *http.Request, t *domain.Tenant, base, nav string) {
	d, f, rows := directoryFromForm(r, t.ID)
	stored, hasPW := a.storedPassword(r.Context(), t.ID)
	if d.BindPassword == "" {
		d.BindPassword = stored
	}
	p := views.DirectoryProps{Form: f, Rows: rows, HasPassword: hasPW, Tested: true}
	d.Normalize()
	d.HasBindPassword = hasPW
	if err := d.Validate(); err != nil {
		fields := domain.ErrorFields(err)
		// Mapping rows are not needed to test the connection.
		delete(fields, "group_roles")
		if len(fields) > 0 {
			p.Form.Errors, p.Tested = fields, false
			p.Form.Message = "Correct the highlighted fields, then test again."
			for i := range p.Rows {
				p.Rows[i].Err = fields["group_roles."+strconv.Itoa(i)]
			}
			a.renderDirectory(w, r, http.StatusUnprocessableEntity, t, base, nav, p)
			return
		}
	}
	// Each test makes the server connect where the form says: bound it, so
	// the button cannot be used to scan a network.
	if a.Login != nil && a.Login.Limiter != nil {
		n, err := a.Login.Limiter.Hit(r.Context(), "dirtest:"+t.ID, directoryTestWindow)
		if err != nil {
			a.Error(w, r, err)
			return
		}
		if n > directoryTestLimit {
			p.Tested = false
			p.Form.Message = "Too many connection tests for this tenant. Wait a few minutes and try again."
			a.renderDirectory(w, r, http.StatusTooManyRequests, t, base, nav, p)
			return
		}
	}
	// A failed step is shown with the others; it is not an error of the page.
	p.Checks, _ = a.directories().Test(r.Context(), a.actor(r), t, d, f.Get("test_user"))
	a.renderDirectory(w, r, http.StatusOK, t, base, nav, p)
}

// directories is the directory settings' use case over the App's stores.
func (a *App) directories() *accounts.Directories {
	return &accounts.Directories{Accounts: a.accounts(), Store: a.Directories, Tester: a.DirectoryTester}
}

// directoryName is the name the log-in page shows when t logs in through a
// directory, "" otherwise.
func (a *App) directoryName(ctx context.Context, t *domain.Tenant) string {
	if a.Directories == nil || t == nil {
		return ""
	}
	d, err := a.Directories.FindDirectory(ctx, t.ID)
	if err != nil || !d.Enabled {
		return ""
	}
	return d.Name
}

// defaultDirectoryRecheck is how often a signed-in directory user is looked
// up again in their directory.
const defaultDirectoryRecheck = 5 * time.Minute

const sessionDirCheckedKey = "dir_checked_at"

// recheckDirectoryUser re-reads a directory user from the directory at most
// every DirectoryRecheck: a user removed from the directory or from the
// mapped groups is signed out (nil), a changed role applies at once. When the
// directory cannot be asked the session goes on (logged) and is asked again
// after the interval.
func (a *App) recheckDirectoryUser(r *http.Request, p *Principal) *Principal {
	if a.DirectoryRechecker == nil || p == nil || p.Tenant == nil || p.User.Source != domain.SourceDirectory {
		return p
	}
	every := a.DirectoryRecheck
	if every <= 0 {
		every = defaultDirectoryRecheck
	}
	ctx := r.Context()
	checked := a.Sessions.GetInt64(ctx, sessionDirCheckedKey)
	if checked == 0 {
		// The first request after log-in: the log-in just asked the directory.
		a.Sessions.Put(ctx, sessionDirCheckedKey, time.Now().UnixNano())
		return p
	}
	if time.Since(time.Unix(0, checked)) < every {
		return p
	}
	a.Sessions.Put(ctx, sessionDirCheckedKey, time.Now().UnixNano())
	u, err := a.DirectoryRechecker.Recheck(ctx, p.Tenant, p.User)
	switch domain.ErrorCode(err) {
	case "":
		return &Principal{User: u, Tenant: p.Tenant, TokenID: p.TokenID}
	case domain.EFORBIDDEN, domain.ENOTFOUND, domain.EUNAUTHORIZED:
		a.RecordAudit(ctx, &domain.AuditEvent{TenantID: p.Tenant.ID, UserID: p.User.ID, Actor: p.User.Login, Action: "logout.directory", Address: a.ClientAddr(r), Result: "ok", Detail: "No longer allowed by the directory."})
		_ = a.Sessions.Destroy(ctx)
		return nil
	}
	slog.WarnContext(ctx, "directory recheck failed; session continues", "tenant", p.Tenant.Slug, "user", p.User.Login, "err", err)
	return p
}
