package domain_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"

	"tessera/domain"
)

func TestNormalizeColor(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"#1F5FD1", "#1f5fd1", true},
		{"1f5fd1", "#1f5fd1", true},
		{" #abc ", "#aabbcc", true},
		{"#12345", "", false},
		{"#12345g", "", false},
		{"red", "", false},
		{"#1f5fd1;}body{", "", false},
		{"", "", false},
	} {
		got, ok := domain.NormalizeColor(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeColor(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{{"#1f5fd1", true}, {"#1F5FD1", true}, {"1f5fd1", false}, {"#abc", false}, {"#1f5fd1 ", false}, {"url(x)", false}} {
		if got := domain.ValidColor(tc.in); got != tc.ok {
			t.Errorf("ValidColor(%q) = %v, want %v", tc.in, got, tc.ok)
		}
	}
}

func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#000000", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48}, // the classic "just fails" grey
		{"#767676", "#ffffff", 4.54}, // the classic "just passes" grey
		{"#1f5fd1", "#ffffff", 5.81},
		{"#ff0000", "#ffffff", 4.00},
		{"nope", "#ffffff", 0},
	} {
		got := domain.ContrastRatio(tc.a, tc.b)
		if math.Abs(got-tc.want) > 0.01 {
			t.Errorf("ContrastRatio(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestContrastText(t *testing.T) {
	for _, tc := range []struct{ bg, want string }{
		{"#1f5fd1", "#ffffff"}, // dark blue: white text
		{"#000000", "#ffffff"},
		{"#ffd400", "#000000"}, // yellow: black text
		{"#ffffff", "#000000"},
		{"#777777", "#000000"}, // white is 4.48: just fails, so black
	} {
		got := domain.ContrastText(tc.bg)
		if got != tc.want {
			t.Errorf("ContrastText(%s) = %s, want %s", tc.bg, got, tc.want)
		}
		if r := domain.ContrastRatio(got, tc.bg); r < domain.AA {
			t.Errorf("ContrastText(%s) = %s has ratio %.2f < 4.5", tc.bg, got, r)
		}
	}
}

func TestNearestPassing(t *testing.T) {
	for _, tc := range []struct {
		fg, bg string
		want   string // "" means: any colour that passes and is darker
	}{
		{"#1f5fd1", "#ffffff", "#1f5fd1"}, // passes already: unchanged
		{"#777777", "#ffffff", "#767676"}, // one step darker
		{"#ffd400", "#ffffff", ""},
		{"#ff0000", "#ffffff", ""},
		{"#333333", "#000000", ""}, // on black it must get lighter
	} {
		got := domain.NearestPassing(tc.fg, tc.bg, domain.AA)
		if tc.want != "" && got != tc.want {
			t.Errorf("NearestPassing(%s on %s) = %s, want %s", tc.fg, tc.bg, got, tc.want)
		}
		if r := domain.ContrastRatio(got, tc.bg); r < domain.AA {
			t.Errorf("NearestPassing(%s on %s) = %s with ratio %.2f, fails AA", tc.fg, tc.bg, got, r)
		}
		// Nearest: one step (0.1%% lightness) closer must fail, so the
		// suggestion is barely past 4.5, not black or white.
		if got != tc.fg && domain.ContrastRatio(got, tc.bg) > 4.8 {
			t.Errorf("NearestPassing(%s on %s) = %s with ratio %.2f: not the nearest", tc.fg, tc.bg, got, domain.ContrastRatio(got, tc.bg))
		}
	}
	if got := domain.NearestPassing("nope", "#ffffff", domain.AA); got != "" {
		t.Errorf("NearestPassing(bad) = %q", got)
	}
}

func TestContrastChecks(t *testing.T) {
	checks := domain.ContrastChecks(domain.Branding{PrimaryColor: "#ffd400", AccentColor: "#0f8668"})
	if len(checks) != 3 {
		t.Fatalf("got %d checks, want 3", len(checks))
	}
	if !checks[0].Pass || checks[0].FG != "#000000" {
		t.Errorf("text on yellow primary: %+v, want black text that passes", checks[0])
	}
	if checks[1].Pass || checks[1].Suggest == "" || domain.ContrastRatio(checks[1].Suggest, "#ffffff") < domain.AA {
		t.Errorf("yellow links on white: %+v, want a failing check with a passing suggestion", checks[1])
	}
	if !checks[2].Pass {
		t.Errorf("accent %+v should pass", checks[2])
	}
	if got := domain.ContrastChecks(domain.Branding{PrimaryColor: "nope"}); len(got) != 0 {
		t.Errorf("invalid colours give checks: %+v", got)
	}
}

func TestThemeVarsOnlyValidValues(t *testing.T) {
	vars := domain.ThemeVars(domain.Branding{PrimaryColor: "#ff0000;} body{display:none", AccentColor: "#ABCDEF"})
	m := map[string]string{}
	for _, v := range vars {
		m[v[0]] = v[1]
		if !domain.ValidColor(v[1]) {
			t.Errorf("%s: %q is not a #rrggbb colour", v[0], v[1])
		}
	}
	if m["--color-primary"] != domain.DefaultBranding.PrimaryColor {
		t.Errorf("invalid primary became %q, want the default", m["--color-primary"])
	}
	if m["--color-accent"] != "#abcdef" {
		t.Errorf("accent = %q", m["--color-accent"])
	}
	css := domain.ThemeCSS(":root", domain.Branding{PrimaryColor: "#ffd400"})
	if !strings.Contains(css, "--color-primary: #ffd400;") || !strings.Contains(css, "--color-primary-contrast: #000000;") {
		t.Errorf("css = %s", css)
	}
}

func TestBrandingValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		b     domain.Branding
		field string
	}{
		{"empty is fine", domain.Branding{}, ""},
		{"all set", domain.Branding{ProductName: "Acme Cloud", PrimaryColor: "#C2410C", AccentColor: "abc", SupportEmail: "help@acme.example", SupportURL: "https://help.acme.example/x", Footer: "© Acme"}, ""},
		{"bad colour", domain.Branding{PrimaryColor: "orange"}, "primary_color"},
		{"bad accent", domain.Branding{AccentColor: "#12"}, "accent_color"},
		{"bad email", domain.Branding{SupportEmail: "nope"}, "support_email"},
		{"javascript url", domain.Branding{SupportURL: "javascript:alert(1)"}, "support_url"},
		{"relative url", domain.Branding{SupportURL: "/help"}, "support_url"},
		{"long name", domain.Branding{ProductName: strings.Repeat("x", 61)}, "product_name"},
		{"control char", domain.Branding{Footer: "a\x00b"}, "footer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b
			b.Normalize()
			err := b.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if domain.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("Validate() = %v, want an error on %s", err, tc.field)
			}
		})
	}
}

func TestBrandingMerge(t *testing.T) {
	provider := domain.Branding{ProductName: "Provider Cloud", PrimaryColor: "#112233", Footer: "Provider"}.Merge(domain.DefaultBranding)
	got := domain.Branding{ProductName: "Acme Cloud"}.Merge(provider)
	if got.ProductName != "Acme Cloud" || got.PrimaryColor != "#112233" || got.AccentColor != domain.DefaultBranding.AccentColor || got.Footer != "Provider" {
		t.Errorf("merged = %+v", got)
	}
}

func encode(t *testing.T, f func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := f(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniffImage(t *testing.T) {
	pngBytes := encode(t, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })
	jpgBytes := encode(t, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, nil) })
	webp := append([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"), make([]byte, 13)...)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"png", pngBytes, domain.ImagePNG},
		{"jpeg", jpgBytes, domain.ImageJPEG},
		{"webp", webp, domain.ImageWebP},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), domain.ImageSVG},
		{"svg with declaration and comment", []byte("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- logo -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"), domain.ImageSVG},
		{"html named .png", []byte(`<html><script>alert(1)</script></html>`), ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ""},
		{"truncated png signature", []byte("\x89PNG\r\n\x1a\n"), ""},
		{"empty", nil, ""},
		{"text", []byte("just text"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := domain.SniffImage(tc.data)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("SniffImage = %q, want refusal", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("SniffImage = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestCheckImageLimit(t *testing.T) {
	big := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), make([]byte, 2000)...)
	if _, _, err := domain.CheckImage("logo", big, 1024); domain.ErrorFields(err)["logo"] == "" {
		t.Fatalf("oversized image: %v, want a field error on logo", err)
	}
	good := encode(t, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })
	if ct, _, err := domain.CheckImage("logo", good, 1024); err != nil || ct != domain.ImagePNG {
		t.Fatalf("a small PNG: %q, %v", ct, err)
	}
	if _, _, err := domain.CheckImage("logo", good[:30], 1024); domain.ErrorFields(err)["logo"] == "" {
		t.Fatalf("truncated PNG: %v, want a field error on logo", err)
	}
	huge := image.NewGray(image.Rect(0, 0, 5000, 1))
	var hb bytes.Buffer
	_ = png.Encode(&hb, huge)
	if _, _, err := domain.CheckImage("logo", hb.Bytes(), 1<<20); !strings.Contains(domain.ErrorFields(err)["logo"], "4096 pixels") {
		t.Fatalf("5000 px wide PNG: %v", err)
	}
	if _, _, err := domain.CheckImage("logo", []byte("<html/>"), 1024); domain.ErrorFields(err)["logo"] == "" {
		t.Fatalf("html: %v, want a field error on logo", err)
	}
}

func TestSanitizeSVG(t *testing.T) {
	const head = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">`
	for _, tc := range []struct {
		name    string
		in      string
		keep    []string // must appear in the output
		drop    []string // must not appear
		refused bool
	}{
		{name: "plain shapes survive", in: head + `<rect x="1" y="1" width="8" height="8" fill="#c2410c"/><text x="1" y="9" font-size="3">Acme &amp; Co</text></svg>`,
			keep: []string{`<rect x="1" y="1" width="8" height="8" fill="#c2410c">`, `Acme &amp; Co`, `viewBox="0 0 10 10"`}},
		{name: "script removed", in: head + `<script>alert(1)</script><circle r="2"/></svg>`,
			keep: []string{"<circle"}, drop: []string{"script", "alert"}},
		{name: "script in another namespace removed", in: head + `<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script></svg>`,
			drop: []string{"script", "alert"}},
		{name: "event handlers removed", in: head + `<rect onload="alert(1)" onclick="x()" width="1"/></svg>`,
			keep: []string{`<rect width="1">`}, drop: []string{"onload", "onclick", "alert"}},
		{name: "root event handler removed", in: `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><g/></svg>`,
			drop: []string{"onload"}},
		{name: "foreignObject removed", in: head + `<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example"/></div></foreignObject></svg>`,
			drop: []string{"foreignObject", "iframe", "evil"}},
		{name: "external image removed", in: head + `<image href="https://evil.example/x.png"/><image xlink:href="data:image/png;base64,AAAA"/></svg>`,
			drop: []string{"image", "evil", "data:"}},
		{name: "links removed", in: head + `<a href="javascript:alert(1)"><rect width="1"/></a></svg>`,
			drop: []string{"javascript", "<a"}},
		{name: "external use removed, local use kept", in: head + `<defs><circle id="c" r="1"/></defs><use xlink:href="#c"/><use href="https://evil.example/s.svg#x"/></svg>`,
			keep: []string{`<use xlink:href="#c">`}, drop: []string{"evil"}},
		{name: "style element removed", in: head + `<style>@import url(https://evil.example/x.css);</style><rect width="1"/></svg>`,
			drop: []string{"style", "evil", "@import"}},
		{name: "external url in fill removed, local kept", in: head + `<rect fill="url(https://evil.example/#g)" width="1"/><rect fill="url(#g)" width="2"/></svg>`,
			keep: []string{`fill="url(#g)"`}, drop: []string{"evil"}},
		{name: "style attribute filtered", in: head + `<rect style="fill:#f00;background:url(https://evil.example/);behavior:x" width="1"/></svg>`,
			keep: []string{`style="fill:#f00"`}, drop: []string{"evil", "behavior"}},
		{name: "animation that sets href removed", in: head + `<set attributeName="href" to="javascript:alert(1)"/><animate attributeName="x"/></svg>`,
			drop: []string{"set", "animate", "javascript"}},
		{name: "entities refused", in: `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "lol">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`, refused: true},
		{name: "external entity refused", in: `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`, refused: true},
		{name: "not well-formed refused", in: head + `<rect></svg>`, refused: true},
		{name: "html root refused", in: `<html><body/></html>`, refused: true},
		{name: "svg without namespace refused", in: `<svg><rect/></svg>`, refused: true},
		{name: "too deep refused", in: head + strings.Repeat("<g>", 100) + strings.Repeat("</g>", 100) + `</svg>`, refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := domain.SanitizeSVG([]byte(tc.in))
			if tc.refused {
				if err == nil {
					t.Fatalf("accepted, want refusal; output %s", out)
				}
				if domain.ErrorCode(err) != domain.EINVALID {
					t.Fatalf("err = %v, want EINVALID", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := string(out)
			for _, k := range tc.keep {
				if !strings.Contains(s, k) {
					t.Errorf("output lacks %q:\n%s", k, s)
				}
			}
			for _, d := range tc.drop {
				if strings.Contains(strings.ToLower(s), strings.ToLower(d)) {
					t.Errorf("output still has %q:\n%s", d, s)
				}
			}
			// The output is itself an SVG that sanitises to itself.
			if ct, err := domain.SniffImage(out); err != nil || ct != domain.ImageSVG {
				t.Errorf("output sniffs as %q, %v", ct, err)
			}
			again, err := domain.SanitizeSVG(out)
			if err != nil || string(again) != s {
				t.Errorf("not idempotent: %v\n%s\n%s", err, s, again)
			}
		})
	}
}

func TestValidateDomainName(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"cloud.acme.example", true},
		{"xn--bcher-kva.example", true},
		{"localhost", false},
		{"-bad.example", false},
		{"a..b", false},
		{"cloud.acme.example:8080", false},
		{"10.0.0.1", false},
		{"UPPER.example", false}, // callers normalise first
	} {
		if err := domain.ValidateDomainName(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateDomainName(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}
