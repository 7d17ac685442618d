package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web"
	"tessera/web/webtest"
)

func TestNormalizeHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"acme.localhost", "acme.localhost"},
		{"ACME.LocalHost:8080", "acme.localhost"},
		{"acme.localhost.", "acme.localhost"},
		{"acme.localhost.:8080", "acme.localhost"},
		{"Bücher.Example", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"127.0.0.1:8080", "127.0.0.1"},
		{"[::1]:8080", "::1"},
	} {
		got, err := web.NormalizeHost(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", ":8080", "exa mple.com", "a..b"} {
		if got, err := web.NormalizeHost(bad); err == nil {
			t.Errorf("NormalizeHost(%q) = %q, want an error", bad, got)
		}
	}
}

// Host names resolve to the provider, a tenant by slug or custom domain, or
// nothing, whatever their case, port, trailing dot or script.
func TestHostResolution(t *testing.T) {
	env := webtest.New(t)
	ctx := context.Background()
	acme := env.Tenant(t, "acme")
	store := postgres.NewBrandingService(env.DB)
	if err := store.AddDomain(ctx, acme.ID, "xn--bcher-kva.example"); err != nil {
		t.Fatal(err)
	}
	if err := store.AddDomain(ctx, acme.ID, "cloud.acme.example"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host string
		want string // slug, "" for the provider, "404" for unknown
	}{
		{"localhost:8080", ""},
		{"127.0.0.1", ""},
		{"LOCALHOST.", ""},
		{"acme.localhost", "acme"},
		{"ACME.localhost:8080", "acme"},
		{"acme.localhost.", "acme"},
		{"globex.localhost", "globex"},
		{"cloud.acme.example", "acme"},
		{"Cloud.ACME.example.:443", "acme"},
		{"bücher.example", "acme"},
		{"BÜCHER.example.", "acme"},
		{"xn--bcher-kva.example", "acme"},
		{"nope.localhost", "404"},
		{"x.acme.localhost", "404"},
		{"evil.example", "404"},
		{"", "404"},
	} {
		// Twice: the second answer comes from the cache.
		for range 2 {
			tn, err := env.Server.Hosts.Resolve(ctx, tc.host)
			switch {
			case tc.want == "404":
				if domain.ErrorCode(err) != domain.ENOTFOUND {
					t.Errorf("Resolve(%q) = %v, %v; want ENOTFOUND", tc.host, tn, err)
				}
			case err != nil:
				t.Errorf("Resolve(%q): %v", tc.host, err)
			case tc.want == "" && tn != nil:
				t.Errorf("Resolve(%q) = %s, want the provider", tc.host, tn.Slug)
			case tc.want != "" && (tn == nil || tn.Slug != tc.want):
				t.Errorf("Resolve(%q) = %v, want %s", tc.host, tn, tc.want)
			}
		}
	}
}

func pngBytes(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postMultipart posts fields and files (name -> [filename, content]).
func postMultipart(t *testing.T, c *webtest.Client, env *webtest.Env, path string, fields map[string]string, files map[string][2]string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for k, f := range files {
		w, _ := mw.CreateFormFile(k, f[0])
		_, _ = io.WriteString(w, f[1])
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, env.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

var acmeFields = map[string]string{"product_name": "Acme Cloud", "primary_color": "#c2410c", "accent_color": "#0f766e"}

func TestBrandingSettingsAndImages(t *testing.T) {
	env := webtest.New(t)
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")

	t.Run("page shows the stored values", func(t *testing.T) {
		body := webtest.Body(t, alice.Get("/settings/branding"))
		for _, want := range []string{`value="Acme Cloud"`, `value="#c2410c"`, `data-testid="brand-preview"`, `/branding/preview.css?accent=%230f766e&amp;primary=%23c2410c`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	})

	t.Run("bad input gets field errors and keeps what was typed", func(t *testing.T) {
		f := map[string]string{"product_name": "Acme Cloud", "primary_color": "orange;}", "support_email": "nope", "support_url": "javascript:alert(1)"}
		resp := postMultipart(t, alice, env, "/settings/branding", f, nil)
		body := webtest.Body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{`data-testid="error-primary_color"`, `data-testid="error-support_email"`, `data-testid="error-support_url"`, `value="orange;}"`} {
			if !strings.Contains(body, want) {
				t.Errorf("response lacks %s", want)
			}
		}
		b, _ := postgres.NewBrandingService(env.DB).FindBranding(context.Background(), env.Tenant(t, "acme").ID)
		if b.PrimaryColor != "#c2410c" || b.SupportEmail != "it@acme.example" {
			t.Errorf("a refused form changed the stored branding: %+v", b)
		}
	})

	t.Run("an HTML file named logo.png is refused", func(t *testing.T) {
		resp := postMultipart(t, alice, env, "/settings/branding", acmeFields, map[string][2]string{"logo": {"logo.png", "<html><script>alert(1)</script></html>"}})
		body := webtest.Body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not a PNG, JPEG, WebP or SVG image") {
			t.Fatalf("status %d; body lacks the logo error", resp.StatusCode)
		}
	})

	t.Run("an oversized logo is refused", func(t *testing.T) {
		big := "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + strings.Repeat("x", domain.MaxLogoBytes)
		resp := postMultipart(t, alice, env, "/settings/branding", acmeFields, map[string][2]string{"logo": {"big.png", big}})
		if body := webtest.Body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-logo"`) {
			t.Fatalf("status %d; want a field error on logo", resp.StatusCode)
		}
	})

	t.Run("a form larger than both images together is refused", func(t *testing.T) {
		huge := strings.Repeat("x", 1<<20)
		resp := postMultipart(t, alice, env, "/settings/branding", acmeFields, map[string][2]string{"logo": {"a.png", huge}, "favicon": {"b.png", huge}})
		if body := webtest.Body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "choose smaller files") {
			t.Fatalf("status %d; want a field error asking for smaller files", resp.StatusCode)
		}
	})

	var pngURL string
	t.Run("a PNG logo is stored under its hash and served for a year", func(t *testing.T) {
		data := pngBytes(t, color.RGBA{10, 200, 30, 255})
		// The name says SVG; the bytes say PNG, and the bytes win.
		resp := postMultipart(t, alice, env, "/settings/branding", acmeFields, map[string][2]string{"logo": {"logo.svg", string(data)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: status %d\n%s", resp.StatusCode, webtest.Body(t, resp))
		}
		sum := sha256.Sum256(data)
		pngURL = domain.BrandImagePath + hex.EncodeToString(sum[:]) + ".png"
		if body := webtest.Body(t, alice.Get("/")); !strings.Contains(body, `src="`+pngURL+`"`) {
			t.Fatalf("dashboard does not show the logo %s", pngURL)
		}
		img := alice.Get(pngURL)
		got, _ := io.ReadAll(img.Body)
		if img.StatusCode != 200 || !bytes.Equal(got, data) {
			t.Fatalf("image: status %d, %d bytes", img.StatusCode, len(got))
		}
		if ct := img.Header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("Content-Type %q", ct)
		}
		if cc := img.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("Cache-Control %q", cc)
		}
	})

	t.Run("another tenant's host does not serve the image", func(t *testing.T) {
		if resp := env.Client(t, "globex.localhost").Get(pngURL); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("globex host served acme's logo: %d", resp.StatusCode)
		}
	})

	t.Run("an SVG logo is sanitised and served with a sandboxing CSP", func(t *testing.T) {
		svg := `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><rect width="10" height="10" fill="#c2410c"/><foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/></foreignObject></svg>`
		resp := postMultipart(t, alice, env, "/settings/branding", acmeFields, map[string][2]string{"logo": {"logo.png", svg}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: status %d\n%s", resp.StatusCode, webtest.Body(t, resp))
		}
		page := webtest.Body(t, alice.Get("/"))
		m := regexp.MustCompile(`src="(/branding/img/[0-9a-f]{64}\.svg)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("dashboard shows no SVG logo")
		}
		img := alice.Get(m[1])
		body := webtest.Body(t, img)
		if ct := img.Header.Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("Content-Type %q", ct)
		}
		if csp := img.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
			t.Errorf("CSP %q", csp)
		}
		for _, bad := range []string{"script", "onload", "alert", "foreignObject", "evil"} {
			if strings.Contains(body, bad) {
				t.Errorf("served SVG contains %q: %s", bad, body)
			}
		}
		if !strings.Contains(body, `fill="#c2410c"`) {
			t.Errorf("sanitising lost the drawing: %s", body)
		}
		// The PNG it replaced is gone.
		if resp := alice.Get(pngURL); resp.StatusCode != http.StatusNotFound {
			t.Errorf("replaced logo still served: %d", resp.StatusCode)
		}
	})

	t.Run("viewers and members cannot change branding", func(t *testing.T) {
		vera := env.Client(t, "acme.localhost")
		vera.Login("", "vera", "demo")
		if resp := vera.Get("/settings/branding"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer GET: %d", resp.StatusCode)
		}
		if resp := postMultipart(t, vera, env, "/settings/branding", map[string]string{"product_name": "Pwned"}, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST: %d", resp.StatusCode)
		}
	})
}

func TestBrandingPreview(t *testing.T) {
	env := webtest.New(t)
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/settings/branding/preview", strings.NewReader(url.Values{"primary_color": {"#FACC15"}, "product_name": {"Preview Cloud"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "brand-preview")
	resp := alice.Do(req)
	body := webtest.Body(t, resp)
	if resp.StatusCode != 200 || strings.Contains(body, "<html") {
		t.Fatalf("status %d; want the fragment only", resp.StatusCode)
	}
	for _, want := range []string{`id="brand-preview"`, "Preview Cloud", `data-testid="contrast-warning"`, "primary=%23facc15", `name="apply"`} {
		if !strings.Contains(body, want) {
			t.Errorf("fragment lacks %s", want)
		}
	}
	if !strings.Contains(body, `id="swatch-primary_color" class="swatch-slot" hx-swap-oob="true"`) || !strings.Contains(body, `fill="#facc15"`) {
		t.Error("the fragment does not update the colour swatch next to the field")
	}
	if strings.Contains(body, "style=") {
		t.Error("the preview uses an inline style attribute (the CSP forbids it)")
	}
	// Bad input: the preview says what is wrong, next to nothing saved.
	req, _ = http.NewRequest(http.MethodPost, env.URL+"/settings/branding/preview", strings.NewReader(url.Values{"primary_color": {"#12345"}, "support_email": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "brand-preview")
	if body := webtest.Body(t, alice.Do(req)); !strings.Contains(body, `data-testid="preview-errors"`) || !strings.Contains(body, "six hex digits") || !strings.Contains(body, "support@example.com") {
		t.Error("the preview does not list the field errors")
	}
	// Nothing was saved.
	if b, _ := postgres.NewBrandingService(env.DB).FindBranding(context.Background(), env.Tenant(t, "acme").ID); b.ProductName != "Acme Cloud" {
		t.Errorf("preview saved: %+v", b)
	}
	// The preview's stylesheet carries only valid colours.
	css := webtest.Body(t, alice.Get("/branding/preview.css?primary=%23facc15&accent=red;}body{x:y"))
	if !strings.Contains(css, "--color-primary: #facc15;") || strings.Contains(css, "red") || strings.Contains(css, "body") {
		t.Errorf("preview css:\n%s", css)
	}
	// Without JavaScript: the Preview button posts the form and gets the
	// whole page back with the suggestion applied.
	resp = postMultipart(t, alice, env, "/settings/branding", map[string]string{"primary_color": "#facc15", "apply": "primary_color:#8f7303"}, nil)
	body = webtest.Body(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, `value="#8f7303"`) || !strings.Contains(body, "<html") {
		t.Errorf("apply without JavaScript: status %d", resp.StatusCode)
	}
}

var themeRe = regexp.MustCompile(`href="(/theme\.css\?v=[0-9a-f]+)"`)

func TestThemeCSSPerHost(t *testing.T) {
	env := webtest.New(t)
	get := func(host, path string) (*http.Response, string) {
		resp := env.Client(t, host).Get(path)
		return resp, webtest.Body(t, resp)
	}
	_, acmePage := get("acme.localhost", "/login")
	_, globexPage := get("globex.localhost", "/login")
	_, providerPage := get("", "/login")
	urls := map[string]string{}
	for host, page := range map[string]string{"acme.localhost": acmePage, "globex.localhost": globexPage, "": providerPage} {
		m := themeRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%q: no theme link", host)
		}
		urls[host] = m[1]
	}
	if urls["acme.localhost"] == urls["globex.localhost"] || urls["acme.localhost"] == urls[""] {
		t.Fatalf("theme URLs do not differ per host: %v", urls)
	}
	resp, css := get("acme.localhost", urls["acme.localhost"])
	if !strings.Contains(css, "--color-primary: #c2410c;") || !strings.Contains(css, "--color-primary-contrast: #ffffff;") {
		t.Errorf("acme theme:\n%s", css)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned theme Cache-Control %q", cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	_, css = get("globex.localhost", "/theme.css")
	if !strings.Contains(css, "--color-primary: #5b21b6;") {
		t.Errorf("globex theme:\n%s", css)
	}
	// A stale version is answered with the current look, not cached.
	resp, _ = get("acme.localhost", "/theme.css?v=000000000000")
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("stale version Cache-Control %q", cc)
	}
	// The page's CSP stays strict.
	resp, _ = get("acme.localhost", "/login")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self';") {
		t.Errorf("CSP %q", csp)
	}
}

// Every page shows the host's branding: log-in, 404 and 500 pages in the
// tenant's look, with its title and favicon; unknown hosts get the
// provider's look.
func TestBrandingReachesEveryPage(t *testing.T) {
	env := webtest.New(t)
	store := postgres.NewBrandingService(env.DB)
	ctx := context.Background()
	prov := &domain.Branding{ProductName: "Provider Cloud", PrimaryColor: "#123456"}
	fav := &domain.Image{ContentType: domain.ImagePNG, Data: pngBytes(t, color.RGBA{1, 2, 3, 255})}
	if err := store.SaveBranding(ctx, domain.ProviderBranding, prov, nil, fav); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		b, _ := env.Server.App.Branding(ctx, nil)
		return b.ProductName == "Provider Cloud"
	})
	for _, tc := range []struct {
		name, host, path string
		status           int
		want, notWant    []string
	}{
		{"tenant log-in", "acme.localhost", "/login", 200, []string{"<title>Log in · Acme Cloud</title>", "Acme staff", `rel="icon" href="/branding/img/`}, []string{"Provider Cloud"}},
		{"tenant 404", "acme.localhost", "/no/such/page", 404, []string{"Not found · Acme Cloud", `data-testid="error-page"`}, []string{"Provider Cloud"}},
		{"unknown host 404", "nope.localhost", "/login", 404, []string{"Provider Cloud", `data-testid="error-page"`, "This cloud does not serve nope.localhost."}, []string{"Acme", "Globex"}},
		{"unknown custom domain 404", "evil.example", "/", 404, []string{"Provider Cloud"}, []string{"Acme", "Globex"}},
		{"unknown host theme", "nope.localhost", "/theme.css", 404, nil, []string{"--color-primary: #c2410c"}},
		{"provider log-in", "", "/login", 200, []string{"<title>Log in · Provider Cloud</title>"}, []string{"Acme"}},
		// The tenant inherits the provider's favicon and keeps its own name.
		{"globex inherits", "globex.localhost", "/login", 200, []string{"Globex Compute", `rel="icon"`}, []string{"Provider Cloud"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := env.Client(t, tc.host).Get(tc.path)
			body := webtest.Body(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("has %q", w)
				}
			}
		})
	}
	t.Run("favicon.ico", func(t *testing.T) {
		resp := env.Client(t, "acme.localhost").Get("/favicon.ico")
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, domain.BrandImagePath) {
			t.Fatalf("status %d, Location %q", resp.StatusCode, loc)
		}
	})
	t.Run("tenant 500", func(t *testing.T) {
		// A 500 page rendered outside the host middleware (a recovered
		// panic) still finds the host's look.
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = "acme.localhost:8080"
		rec := httptest.NewRecorder()
		env.Server.App.Error(rec, req, domain.Internal(io.ErrUnexpectedEOF))
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Acme Cloud") || strings.Contains(rec.Body.String(), "unexpected EOF") {
			t.Fatalf("status %d\n%s", rec.Code, rec.Body.String())
		}
	})
}

// A tenant's log-in page logs users into that tenant only, whatever
// organisation the form names.
func TestTenantLoginOnlyForItsTenant(t *testing.T) {
	env := webtest.New(t)
	c := env.Client(t, "acme.localhost")
	resp := c.PostForm("/login", url.Values{"organisation": {"globex"}, "login": {"carol"}, "password": {"demo"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("carol on acme's host: status %d", resp.StatusCode)
	}
	c.Login("", "alice", "demo")
	if body := webtest.Body(t, c.Get("/")); !strings.Contains(body, "Acme Cloud") {
		t.Error("alice's dashboard is not in acme's look")
	}
	// Acme's session is not valid on globex's host.
	jarred := env.Client(t, "globex.localhost")
	jarred.HTTP.Jar = c.HTTP.Jar
	if resp := jarred.Get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("acme's session on globex: status %d, want a redirect to log in", resp.StatusCode)
	}
}

func TestCustomDomains(t *testing.T) {
	env := webtest.New(t)
	admin := env.Client(t, "")
	admin.Login("", "admin", "demo")
	acme := env.Tenant(t, "acme")
	base := "/admin/tenants/" + acme.ID
	if body := webtest.Body(t, admin.Get(base)); !strings.Contains(body, `data-testid="tenant-domains"`) || !strings.Contains(body, base+"/branding") {
		t.Fatal("tenant page lacks the domains card and branding link")
	}
	resp := admin.PostForm(base+"/domains", url.Values{"domain": {"Cloud.ACME.example."}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", resp.StatusCode, webtest.Body(t, resp))
	}
	if body := webtest.Body(t, admin.Get(base)); !strings.Contains(body, `data-testid="domain-cloud.acme.example"`) {
		t.Error("the domain is not listed")
	}
	page := webtest.Body(t, env.Client(t, "cloud.acme.example").Get("/login"))
	if !strings.Contains(page, "Log in to Acme Corporation") || !strings.Contains(page, "Acme Cloud") {
		t.Error("the custom domain does not serve acme's log-in page")
	}
	for _, tc := range []struct{ in, msg string }{
		{"globex.localhost", "own or a"},
		{"localhost", "host name like"},
		{"cloud.acme.example", "belongs to a tenant"},
		{"https://x.example/", "only the host name"},
		{"not a domain", "host name"},
	} {
		resp := admin.PostForm(base+"/domains", url.Values{"domain": {tc.in}})
		body := webtest.Body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-domain"`) || !strings.Contains(body, tc.msg) {
			t.Errorf("%q: status %d, want a field error saying %q", tc.in, resp.StatusCode, tc.msg)
		}
	}
	// Another tenant's id cannot remove it.
	globex := env.Tenant(t, "globex")
	if resp := admin.PostForm("/admin/tenants/"+globex.ID+"/domains/remove", url.Values{"domain": {"cloud.acme.example"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("remove through globex: %d", resp.StatusCode)
	}
	if resp := admin.PostForm(base+"/domains/remove", url.Values{"domain": {"cloud.acme.example"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	waitFor(t, func() bool {
		return env.Client(t, "cloud.acme.example").Get("/login").StatusCode == http.StatusNotFound
	})
	// Tenant admins have no such page.
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	if resp := alice.PostForm(base+"/domains", url.Values{"domain": {"x.example"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tenant admin adding a domain: %d", resp.StatusCode)
	}
}

func TestProviderBrandingPages(t *testing.T) {
	env := webtest.New(t)
	admin := env.Client(t, "")
	admin.Login("", "admin", "demo")
	if body := webtest.Body(t, admin.Get("/admin/tenants")); !strings.Contains(body, `href="/admin/branding"`) {
		t.Error("admin navigation lacks Branding")
	}
	resp := postMultipart(t, admin, env, "/admin/branding", map[string]string{"product_name": "Nimbus", "primary_color": "#0b5394", "footer": "Nimbus Hosting"}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save default: %d\n%s", resp.StatusCode, webtest.Body(t, resp))
	}
	// The provider admin edits a tenant's branding.
	globex := env.Tenant(t, "globex")
	resp = postMultipart(t, admin, env, "/admin/tenants/"+globex.ID+"/branding", map[string]string{"product_name": "Globex One", "primary_color": "", "footer": ""}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save globex: %d\n%s", resp.StatusCode, webtest.Body(t, resp))
	}
	waitFor(t, func() bool {
		b, _ := env.Server.App.Branding(context.Background(), globex)
		return b.ProductName == "Globex One"
	})
	b, _ := env.Server.App.Branding(context.Background(), globex)
	// Emptied fields fall back to the provider's default.
	if b.PrimaryColor != "#0b5394" || b.Footer != "Nimbus Hosting" {
		t.Errorf("globex = %+v, want the provider's colour and footer", b)
	}
	if body := webtest.Body(t, env.Client(t, "").Get("/login")); !strings.Contains(body, "Nimbus") {
		t.Error("the provider's log-in page does not show the default branding")
	}
	if resp := admin.Get("/admin/tenants/" + domain.NewID() + "/branding"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown tenant: %d", resp.StatusCode)
	}
}

// waitFor polls cond until it holds; the cache learns of changes through
// PostgreSQL's notifications, which arrive a moment after the commit.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cacheLoads(t testing.TB, s *web.Server) float64 {
	t.Helper()
	mfs, err := s.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "tessera_branding_cache_loads_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// Known hosts and their branding are served from memory: repeated pages
// load nothing from the database.
func TestBrandingCacheServesFromMemory(t *testing.T) {
	env := webtest.New(t)
	// Let the notifications of the demo seed arrive first.
	syncBranding(t, env.Server)
	acme, globex := env.Client(t, "acme.localhost"), env.Client(t, "globex.localhost")
	acme.Get("/login")
	globex.Get("/login")
	env.Client(t, "").Get("/login")
	before := cacheLoads(t, env.Server)
	for range 20 {
		for _, c := range []*webtest.Client{acme, globex, env.Client(t, ""), env.Client(t, "ACME.localhost.")} {
			if resp := c.Get("/login"); resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		}
	}
	if after := cacheLoads(t, env.Server); after != before {
		t.Errorf("80 pages loaded branding or hosts %v times from the database, want 0", after-before)
	}
}

// Two manage processes on one database: a change saved through one reaches
// the other's cache through LISTEN/NOTIFY, for branding and host names.
func TestBrandingCacheAcrossServers(t *testing.T) {
	env := webtest.New(t)
	cfg := web.Defaults()
	cfg.SecretKey = "test-secret-key-0123456789abcdef"
	cfg.ProviderHosts = []string{"127.0.0.1", "localhost"}
	cfg.BaseDomain = "localhost"
	cfg.FastHashing = true
	other, err := web.NewServer(cfg, env.DB, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	ctx := context.Background()
	page := func(host string) string {
		req := httptest.NewRequest(http.MethodGet, "/login", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		other.Handler().ServeHTTP(rec, req)
		return rec.Body.String()
	}
	syncBranding(t, other)
	if !strings.Contains(page("acme.localhost"), "Acme Cloud") {
		t.Fatal("second server does not show acme's branding")
	}
	loads := cacheLoads(t, other)
	page("acme.localhost")
	if cacheLoads(t, other) != loads {
		t.Fatal("second server's cache did not keep acme")
	}

	// The first server's admin renames the product.
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	f := map[string]string{"product_name": "Acme Cloud Two", "primary_color": "#c2410c"}
	if resp := postMultipart(t, alice, env, "/settings/branding", f, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	waitFor(t, func() bool { return strings.Contains(page("acme.localhost"), "Acme Cloud Two") })

	// A tenant renamed and a custom domain added elsewhere reach it too.
	acme := env.Tenant(t, "acme")
	name := "Acme Industries"
	if _, err := postgres.NewTenantService(env.DB).UpdateTenant(ctx, acme.ID, domain.TenantUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(page("acme.localhost"), "Log in to Acme Industries") })
	if !strings.Contains(page("cloud.acme.example"), "error-page") {
		t.Fatal("unknown domain served")
	}
	if err := postgres.NewBrandingService(env.DB).AddDomain(ctx, acme.ID, "cloud.acme.example"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(page("cloud.acme.example"), "Log in to Acme Industries") })

	// A suspended tenant's host stops logging anyone in on the other server.
	suspended := domain.TenantSuspended
	if _, err := postgres.NewTenantService(env.DB).UpdateTenant(ctx, acme.ID, domain.TenantUpdate{Status: &suspended}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		tn, err := other.Hosts.Resolve(ctx, "acme.localhost")
		return err == nil && tn.Status == domain.TenantSuspended
	})
}

// The branding pages answer each role as the rest of the portal does, and
// refused posts change nothing.
func TestBrandingRoutesByRole(t *testing.T) {
	env := webtest.New(t)
	globex := env.Tenant(t, "globex")
	clients := map[string]*webtest.Client{}
	for name, w := range map[string]who{"anon": anon, "provider": provider, "alice": alice, "bob": bob, "vera": vera} {
		clients[name] = client(t, env, w)
	}
	check := func(who, path string, want int) {
		t.Helper()
		if resp := clients[who].Get(path); resp.StatusCode != want {
			t.Errorf("%s GET %s = %d, want %d", who, path, resp.StatusCode, want)
		}
	}
	check("anon", "/settings/branding", http.StatusSeeOther)
	check("alice", "/settings/branding", http.StatusOK)
	check("bob", "/settings/branding", http.StatusForbidden)
	check("vera", "/settings/branding", http.StatusForbidden)
	check("provider", "/settings/branding", http.StatusSeeOther)
	for _, p := range []string{"/admin/branding", "/admin/tenants/" + globex.ID + "/branding"} {
		check("provider", p, http.StatusOK)
		check("anon", p, http.StatusSeeOther)
		for _, u := range []string{"alice", "bob", "vera"} {
			check(u, p, http.StatusNotFound)
		}
	}
	posts := map[string]url.Values{
		"/admin/branding":                                   {"product_name": {"Evil"}},
		"/admin/branding/preview":                           {"product_name": {"Evil"}},
		"/admin/tenants/" + globex.ID + "/branding":         {"product_name": {"Evil"}},
		"/admin/tenants/" + globex.ID + "/domains":          {"domain": {"evil.example"}},
		"/admin/tenants/" + globex.ID + "/domains/remove":   {"domain": {"evil.example"}},
		"/admin/tenants/" + globex.ID + "/branding/preview": {"product_name": {"Evil"}},
	}
	for _, name := range []string{"anon", "alice", "bob", "vera"} {
		for path, form := range posts {
			resp := clients[name].PostForm(path, form)
			if name == "anon" && resp.StatusCode != http.StatusSeeOther || name != "anon" && resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s POST %s = %d", name, path, resp.StatusCode)
			}
		}
	}
	for _, name := range []string{"bob", "vera"} {
		if resp := clients[name].PostForm("/settings/branding", url.Values{"product_name": {"Evil"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s POST /settings/branding = %d", name, resp.StatusCode)
		}
	}
	store := postgres.NewBrandingService(env.DB)
	for _, id := range []string{domain.ProviderBranding, globex.ID, env.Tenant(t, "acme").ID} {
		if b, _ := store.FindBranding(context.Background(), id); b.ProductName == "Evil" {
			t.Fatalf("branding of %q changed by a refused post", id)
		}
	}
	if ds, _ := store.FindDomains(context.Background(), globex.ID); len(ds) != 0 {
		t.Fatalf("domains added by a refused post: %v", ds)
	}
}

// When the listener's connection drops, the cache stops serving until it
// has listened again, so a change made meanwhile is never missed.
func TestBrandingListenerReconnects(t *testing.T) {
	env := webtest.New(t)
	ctx := context.Background()
	syncBranding(t, env.Server)
	acme := env.Tenant(t, "acme")
	if b, _ := env.Server.App.Branding(ctx, acme); b.ProductName != "Acme Cloud" {
		t.Fatalf("branding = %+v", b)
	}
	tag, err := env.DB.Pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN `+postgres.BrandingChannel+`'`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("terminate the listener: %v (%d rows)", err, tag.RowsAffected())
	}
	// A change made while no one listens (straight SQL, as another tool would).
	if _, err := env.DB.Pool.Exec(ctx, `UPDATE brandings SET product_name = 'Acme Reconnected' WHERE tenant_id = $1`, acme.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		b, _ := env.Server.App.Branding(ctx, acme)
		return b.ProductName == "Acme Reconnected"
	})
	// And it listens again.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := env.Server.SyncBranding(sctx); err != nil {
		t.Fatalf("the listener did not come back: %v", err)
	}
	n := 0.0
	mfs, _ := env.Server.Registry.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "tessera_branding_listener_connected" {
			n = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if n != 1 {
		t.Errorf("tessera_branding_listener_connected = %v, want 1", n)
	}
}

// syncBranding waits until s's branding cache has seen every committed change.
func syncBranding(tb testing.TB, s *web.Server) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.SyncBranding(ctx); err != nil {
		tb.Fatalf("branding cache did not catch up: %v", err)
	}
}

// A logo chosen in the form is previewed before saving: the preview request
// stores it aside and names it, and the save uses that name.
func TestBrandingLogoPreviewBeforeSaving(t *testing.T) {
	env := webtest.New(t)
	alice := env.Client(t, "acme.localhost")
	alice.Login("", "alice", "demo")
	store := postgres.NewBrandingService(env.DB)
	acme := env.Tenant(t, "acme")
	before, _ := store.FindBranding(context.Background(), acme.ID)

	// A forged name is ignored.
	forged := map[string]string{"product_name": "Acme Cloud", "staged_logo": "../../etc/passwd"}
	if resp := postMultipart(t, alice, env, "/settings/branding", forged, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save with a forged name: %d", resp.StatusCode)
	}
	if after, _ := store.FindBranding(context.Background(), acme.ID); after.LogoURL != before.LogoURL {
		t.Fatalf("a forged staged name changed the logo to %q", after.LogoURL)
	}

	data := pngBytes(t, color.RGBA{200, 30, 30, 255})
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:]) + ".png"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range acmeFields {
		_ = mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("logo", "new-logo.png")
	_, _ = w.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/settings/branding/preview", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "brand-preview")
	frag := webtest.Body(t, alice.Do(req))
	if !strings.Contains(frag, `src="`+domain.BrandImagePath+name+`"`) {
		t.Fatal("the preview does not show the chosen logo")
	}
	if !strings.Contains(frag, `id="f-staged_logo" name="staged_logo" value="`+name+`" hx-swap-oob="true"`) {
		t.Fatal("the preview does not hand the chosen logo's name to the form")
	}
	if after, _ := store.FindBranding(context.Background(), acme.ID); after.LogoURL != before.LogoURL {
		t.Fatal("previewing changed the saved logo")
	}
	// The staged image is served on acme's host only.
	if resp := alice.Get(domain.BrandImagePath + name); resp.StatusCode != 200 {
		t.Fatalf("staged logo: %d", resp.StatusCode)
	}
	if resp := env.Client(t, "globex.localhost").Get(domain.BrandImagePath + name); resp.StatusCode != 404 {
		t.Fatalf("staged logo on globex: %d", resp.StatusCode)
	}
	// The previewed logo is saved by its name (a save in between would have
	// dropped it: images no saved branding uses go).
	f := map[string]string{"product_name": "Acme Cloud", "staged_logo": name}
	if resp := postMultipart(t, alice, env, "/settings/branding", f, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if after, _ := store.FindBranding(context.Background(), acme.ID); after.LogoURL != domain.BrandImagePath+name {
		t.Fatalf("saved logo = %q, want the previewed one", after.LogoURL)
	}
	// Globex cannot save acme's staged image as its logo.
	carol := env.Client(t, "globex.localhost")
	carol.Login("", "carol", "demo")
	resp := postMultipart(t, carol, env, "/settings/branding", map[string]string{"product_name": "Globex", "staged_logo": name}, nil)
	if b := webtest.Body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `data-testid="error-logo"`) {
		t.Fatalf("globex saving acme's image: %d", resp.StatusCode)
	}
}
