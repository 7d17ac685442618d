package domain

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Branding is how a portal looks: values only, never raw CSS or HTML. Empty
// fields fall back to the provider's default.
type Branding struct {
	ProductName  string
	PrimaryColor string // #rrggbb
	AccentColor  string // #rrggbb
	LogoURL      string
	FaviconURL   string
	LoginMessage string
	SupportEmail string
	SupportURL   string
	Footer       string
}

// DefaultBranding is Tessera's own look, used where nothing is set.
var DefaultBranding = Branding{
	ProductName:  "Tessera Cloud",
	PrimaryColor: "#1f5fd1",
	AccentColor:  "#0f8668",
	Footer:       "Powered by Tessera",
}

// Merge returns b with empty fields taken from fallback.
func (b Branding) Merge(fallback Branding) Branding {
	pick := func(v, f string) string {
		if v != "" {
			return v
		}
		return f
	}
	return Branding{
		ProductName:  pick(b.ProductName, fallback.ProductName),
		PrimaryColor: pick(b.PrimaryColor, fallback.PrimaryColor),
		AccentColor:  pick(b.AccentColor, fallback.AccentColor),
		LogoURL:      pick(b.LogoURL, fallback.LogoURL),
		FaviconURL:   pick(b.FaviconURL, fallback.FaviconURL),
		LoginMessage: pick(b.LoginMessage, fallback.LoginMessage),
		SupportEmail: pick(b.SupportEmail, fallback.SupportEmail),
		SupportURL:   pick(b.SupportURL, fallback.SupportURL),
		Footer:       pick(b.Footer, fallback.Footer),
	}
}

// BrandingMaxLen are the longest values the text fields of a branding accept.
const (
	brandingMaxName    = 60
	brandingMaxMessage = 500
	brandingMaxFooter  = 200
	brandingMaxURL     = 300
)

// Normalize trims what the user typed and writes colours as #rrggbb.
func (b *Branding) Normalize() {
	b.ProductName = strings.TrimSpace(b.ProductName)
	b.LoginMessage = strings.TrimSpace(b.LoginMessage)
	b.SupportEmail = strings.TrimSpace(b.SupportEmail)
	b.SupportURL = strings.TrimSpace(b.SupportURL)
	b.Footer = strings.TrimSpace(b.Footer)
	if c, ok := NormalizeColor(b.PrimaryColor); ok {
		b.PrimaryColor = c
	} else {
		b.PrimaryColor = strings.TrimSpace(b.PrimaryColor)
	}
	if c, ok := NormalizeColor(b.AccentColor); ok {
		b.AccentColor = c
	} else {
		b.AccentColor = strings.TrimSpace(b.AccentColor)
	}
}

// Validate returns EINVALID with a message per wrong field. Empty fields are
// fine: they fall back to the provider's default. The field names are the
// form's: product_name, primary_color, accent_color, login_message,
// support_email, support_url, footer.
func (b *Branding) Validate() error {
	f := map[string]string{}
	if utf8.RuneCountInString(b.ProductName) > brandingMaxName {
		f["product_name"] = fmt.Sprintf("Product name may be at most %d characters.", brandingMaxName)
	}
	if b.PrimaryColor != "" && !ValidColor(b.PrimaryColor) {
		f["primary_color"] = "Enter a colour as # and six hex digits, e.g. #1f5fd1."
	}
	if b.AccentColor != "" && !ValidColor(b.AccentColor) {
		f["accent_color"] = "Enter a colour as # and six hex digits, e.g. #0f8a6b."
	}
	if utf8.RuneCountInString(b.LoginMessage) > brandingMaxMessage {
		f["login_message"] = fmt.Sprintf("The log-in message may be at most %d characters.", brandingMaxMessage)
	}
	if b.SupportEmail != "" {
		if a, err := mail.ParseAddress(b.SupportEmail); err != nil || a.Address != b.SupportEmail {
			f["support_email"] = "Enter an e-mail address like support@example.com."
		}
	}
	if b.SupportURL != "" {
		u, err := url.Parse(b.SupportURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(b.SupportURL) > brandingMaxURL {
			f["support_url"] = "Enter a web address starting with https://, e.g. https://help.example.com."
		}
	}
	if utf8.RuneCountInString(b.Footer) > brandingMaxFooter {
		f["footer"] = fmt.Sprintf("The footer may be at most %d characters.", brandingMaxFooter)
	}
	for k, v := range map[string]string{"product_name": b.ProductName, "login_message": b.LoginMessage, "footer": b.Footer} {
		if _, bad := f[k]; !bad && strings.ContainsFunc(v, isControl) {
			f[k] = "Remove the control characters (tabs and line breaks are not shown)."
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' || r == 0x7f }

// NormalizeColor accepts "#RRGGBB", "rrggbb" or the short "#rgb" and returns
// the colour as "#rrggbb"; ok is false for anything else.
func NormalizeColor(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return "", false
	}
	for i := 0; i < 6; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return "#" + s, true
}

// ValidColor reports whether s is exactly a colour as "#rrggbb" (lower or
// upper case): the only form that goes into a stylesheet.
func ValidColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, ok := NormalizeColor(s)
	return ok
}

// rgb is a colour with channels 0..255.
type rgb struct{ r, g, b float64 }

func parseColor(s string) (rgb, bool) {
	n, ok := NormalizeColor(s)
	if !ok {
		return rgb{}, false
	}
	v, err := strconv.ParseUint(n[1:], 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}, true
}

func (c rgb) hex() string {
	ch := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }
	return fmt.Sprintf("#%02x%02x%02x", ch(c.r), ch(c.g), ch(c.b))
}

// RelativeLuminance is WCAG 2's relative luminance of a #rrggbb colour (0 for
// black, 1 for white); -1 if s is not a colour.
func RelativeLuminance(s string) float64 {
	c, ok := parseColor(s)
	if !ok {
		return -1
	}
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// ContrastRatio is WCAG 2's contrast ratio of two colours, from 1 (none) to
// 21 (black on white); 0 if either is not a colour.
func ContrastRatio(a, b string) float64 {
	la, lb := RelativeLuminance(a), RelativeLuminance(b)
	if la < 0 || lb < 0 {
		return 0
	}
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// AA is the contrast WCAG 2 level AA asks of normal text.
const AA = 4.5

// White and Black are the text colours ContrastText picks from.
const (
	White = "#ffffff"
	Black = "#000000"
)

// ContrastText is the text colour for a background: white when white text
// passes AA (brand colours usually look best with it), black otherwise. One of
// the two always passes: their ratios multiply to 21.
func ContrastText(bg string) string {
	if ContrastRatio(White, bg) >= AA {
		return White
	}
	return Black
}

// NearestPassing returns the colour closest to fg, keeping its hue and
// saturation and changing only its lightness, whose contrast with bg is at
// least min. fg itself when it passes; "" if fg or bg is not a colour.
func NearestPassing(fg, bg string, min float64) string {
	c, ok := parseColor(fg)
	if !ok || RelativeLuminance(bg) < 0 {
		return ""
	}
	fg, _ = NormalizeColor(fg)
	if ContrastRatio(fg, bg) >= min {
		return fg
	}
	h, s, l := toHSL(c)
	best, bestD := "", math.MaxFloat64
	for _, dir := range []float64{-1, 1} {
		for step := 1; step <= 1000; step++ {
			nl := l + dir*float64(step)/1000
			if nl < 0 || nl > 1 {
				break
			}
			cand := fromHSL(h, s, nl).hex()
			if ContrastRatio(cand, bg) >= min {
				if d := math.Abs(nl - l); d < bestD {
					best, bestD = cand, d
				}
				break
			}
		}
	}
	if best == "" { // unreachable: black or white always passes AA against something
		return ContrastText(bg)
	}
	return best
}

// Tint mixes c with white: amount 0 is c, 1 is white.
func Tint(c string, amount float64) string {
	v, ok := parseColor(c)
	if !ok {
		return ""
	}
	mix := func(x float64) float64 { return x + (255-x)*amount }
	return rgb{mix(v.r), mix(v.g), mix(v.b)}.hex()
}

// Shade mixes c with black: amount 0 is c, 1 is black.
func Shade(c string, amount float64) string {
	v, ok := parseColor(c)
	if !ok {
		return ""
	}
	mix := func(x float64) float64 { return x * (1 - amount) }
	return rgb{mix(v.r), mix(v.g), mix(v.b)}.hex()
}

func toHSL(c rgb) (h, s, l float64) {
	r, g, b := c.r/255, c.g/255, c.b/255
	mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	l = (mx + mn) / 2
	if mx == mn {
		return 0, 0, l
	}
	d := mx - mn
	if l > 0.5 {
		s = d / (2 - mx - mn)
	} else {
		s = d / (mx + mn)
	}
	switch mx {
	case r:
		h = (g - b) / d
		if g < b {
			h += 6
		}
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	return h / 6, s, l
}

func fromHSL(h, s, l float64) rgb {
	if s == 0 {
		return rgb{l * 255, l * 255, l * 255}
	}
	var q float64
	if l < 0.5 {
		q = l * (1 + s)
	} else {
		q = l + s - l*s
	}
	p := 2*l - q
	hue := func(t float64) float64 {
		if t < 0 {
			t++
		}
		if t > 1 {
			t--
		}
		switch {
		case t < 1.0/6:
			return p + (q-p)*6*t
		case t < 0.5:
			return q
		case t < 2.0/3:
			return p + (q-p)*(2.0/3-t)*6
		}
		return p
	}
	return rgb{hue(h+1.0/3) * 255, hue(h) * 255, hue(h-1.0/3) * 255}
}

// ContrastCheck is one pair of colours a portal shows text in, with its
// ratio and, when it fails AA, the nearest colour for Field that passes.
type ContrastCheck struct {
	Label   string // what the user sees in these colours
	Field   string // primary_color or accent_color: the colour to change
	FG, BG  string
	Ratio   float64
	Pass    bool
	Suggest string // nearest passing colour for Field ("" when it passes)
}

// Surface is the background of cards and the top bar's text area.
const Surface = "#ffffff"

// ContrastChecks lists where b's colours carry text: text on the primary
// colour (header, buttons; its colour is ContrastText), the primary colour
// as link text on white, and the accent colour as text on white.
func ContrastChecks(b Branding) []ContrastCheck {
	var out []ContrastCheck
	add := func(label, field, fg, bg string) {
		c := ContrastCheck{Label: label, Field: field, FG: fg, BG: bg, Ratio: ContrastRatio(fg, bg)}
		c.Pass = c.Ratio >= AA
		if !c.Pass {
			if field == "primary_color" && bg != Surface {
				c.Suggest = NearestPassing(bg, fg, AA)
			} else {
				c.Suggest = NearestPassing(fg, bg, AA)
			}
		}
		out = append(out, c)
	}
	if ValidColor(b.PrimaryColor) {
		p, _ := NormalizeColor(b.PrimaryColor)
		add("Header and button text on the primary colour", "primary_color", ContrastText(p), p)
		add("Links in the primary colour on white", "primary_color", p, Surface)
	}
	if ValidColor(b.AccentColor) {
		a, _ := NormalizeColor(b.AccentColor)
		add("Section labels in the accent colour on white", "accent_color", a, Surface)
	}
	return out
}

// ThemeVars are the CSS custom properties of a branding, each a validated
// #rrggbb colour. Invalid or empty colours fall back to the default look.
func ThemeVars(b Branding) [][2]string {
	primary, ok := NormalizeColor(b.PrimaryColor)
	if !ok || !ValidColor(b.PrimaryColor) {
		primary = DefaultBranding.PrimaryColor
	}
	accent, ok := NormalizeColor(b.AccentColor)
	if !ok || !ValidColor(b.AccentColor) {
		accent = DefaultBranding.AccentColor
	}
	return [][2]string{
		{"--color-primary", primary},
		{"--color-primary-contrast", ContrastText(primary)},
		{"--color-primary-hover", Shade(primary, 0.12)},
		{"--color-primary-tint", Tint(primary, 0.9)},
		{"--color-accent", accent},
		{"--color-accent-contrast", ContrastText(accent)},
	}
}

// ThemeCSS renders ThemeVars as the declarations of selector.
func ThemeCSS(selector string, b Branding) string {
	var sb strings.Builder
	sb.WriteString(selector)
	sb.WriteString(" {\n")
	for _, v := range ThemeVars(b) {
		sb.WriteString("  " + v[0] + ": " + v[1] + ";\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}
