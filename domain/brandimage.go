package domain

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
	"strings"
	"time"
)

// Image types a branding accepts, by their Content-Type.
const (
	ImagePNG  = "image/png"
	ImageJPEG = "image/jpeg"
	ImageWebP = "image/webp"
	ImageSVG  = "image/svg+xml"
)

// Size limits of uploaded branding images.
const (
	MaxLogoBytes    = 512 << 10
	MaxFaviconBytes = 128 << 10
	MaxImageSide    = 4096
)

// ImageExt is the file extension of an image type.
func ImageExt(contentType string) string {
	switch contentType {
	case ImagePNG:
		return ".png"
	case ImageJPEG:
		return ".jpg"
	case ImageWebP:
		return ".webp"
	case ImageSVG:
		return ".svg"
	}
	return ""
}

// SniffImage returns the type of an image from its bytes (never from a file
// name): PNG, JPEG, WebP or SVG. Anything else is EINVALID.
func SniffImage(b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", Errorf(EINVALID, "The file is empty.")
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) && len(b) > 24 && string(b[12:16]) == "IHDR":
		return ImagePNG, nil
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return ImageJPEG, nil
	case len(b) >= 16 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP" && strings.HasPrefix(string(b[12:16]), "VP8"):
		return ImageWebP, nil
	case looksLikeSVG(b):
		return ImageSVG, nil
	}
	return "", Errorf(EINVALID, "This file is not a PNG, JPEG, WebP or SVG image.")
}

// looksLikeSVG reports whether the first element of an XML document is <svg>.
func looksLikeSVG(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '<' {
		return false
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for i := 0; i < 64; i++ {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "svg"
		}
	}
	return false
}

// Image is an uploaded branding image, stored under its content hash.
type Image struct {
	Hash        string // hex SHA-256 of Data
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// Name is the image's file name in URLs: its hash and extension.
func (i *Image) Name() string { return i.Hash + ImageExt(i.ContentType) }

// CheckImage sniffs data, refuses it when larger than max, and sanitises an
// SVG. It returns the type and the bytes to store. field names the form field
// for the error.
func CheckImage(field string, data []byte, max int) (string, []byte, error) {
	if len(data) > max {
		return "", nil, Invalid(map[string]string{field: "The image may be at most " + kib(max) + "."})
	}
	ct, err := SniffImage(data)
	if err != nil {
		return "", nil, Invalid(map[string]string{field: ErrorMessage(err)})
	}
	switch ct {
	case ImageSVG:
		data, err = SanitizeSVG(data)
		if err != nil {
			return "", nil, Invalid(map[string]string{field: ErrorMessage(err)})
		}
	case ImagePNG, ImageJPEG:
		// The header must decode, and the picture must be of a sane size
		// (a tiny file can claim a huge picture that browsers then unpack).
		var cfg image.Config
		if ct == ImagePNG {
			cfg, err = png.DecodeConfig(bytes.NewReader(data))
		} else {
			cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		}
		if err != nil {
			return "", nil, Invalid(map[string]string{field: "The image is damaged; export it again."})
		}
		if cfg.Width > MaxImageSide || cfg.Height > MaxImageSide || cfg.Width == 0 || cfg.Height == 0 {
			return "", nil, Invalid(map[string]string{field: "The image may be at most " + strconv.Itoa(MaxImageSide) + " pixels wide and high."})
		}
	}
	return ct, data, nil
}

func kib(n int) string { return strconv.Itoa(n/1024) + " KB" }

// BrandImagePath is where branding images are served: the path, then the
// image's Name.
const BrandImagePath = "/branding/img/"

// ImageNameFromURL returns the image name of a LogoURL or FaviconURL, "" if
// url is not one of ours.
func ImageNameFromURL(url string) string {
	name, ok := strings.CutPrefix(url, BrandImagePath)
	if !ok || !ValidImageName(name) {
		return ""
	}
	return name
}

// ValidImageName reports whether name is a 64-hex-digit hash with one of
// the image extensions.
func ValidImageName(name string) bool {
	hash, ext, ok := strings.Cut(name, ".")
	if !ok || len(hash) != 64 {
		return false
	}
	for i := 0; i < len(hash); i++ {
		if c := hash[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	switch "." + ext {
	case ".png", ".jpg", ".webp", ".svg":
		return true
	}
	return false
}

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

// svgElements are the elements a sanitised SVG keeps: shapes, text,
// gradients, clipping and grouping. Everything else (script, foreignObject,
// style, image, a, animate, set, iframe, …) is dropped with its content.
var svgElements = map[string]bool{
	"svg": true, "g": true, "path": true, "rect": true, "circle": true, "ellipse": true, "line": true,
	"polyline": true, "polygon": true, "text": true, "tspan": true, "defs": true, "linearGradient": true,
	"radialGradient": true, "stop": true, "title": true, "desc": true, "clipPath": true, "mask": true,
	"symbol": true, "use": true,
}

// svgAttrs are the attributes a sanitised SVG keeps (no event handlers, no
// style sheets, no links except local #id references on use).
var svgAttrs = map[string]bool{
	"id": true, "d": true, "x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true,
	"cx": true, "cy": true, "r": true, "rx": true, "ry": true, "fx": true, "fy": true, "width": true, "height": true,
	"viewBox": true, "preserveAspectRatio": true, "points": true, "transform": true, "version": true,
	"fill": true, "fill-opacity": true, "fill-rule": true, "stroke": true, "stroke-width": true,
	"stroke-linecap": true, "stroke-linejoin": true, "stroke-miterlimit": true, "stroke-dasharray": true,
	"stroke-dashoffset": true, "stroke-opacity": true, "opacity": true, "clip-rule": true, "clip-path": true,
	"mask": true, "offset": true, "stop-color": true, "stop-opacity": true, "gradientUnits": true,
	"gradientTransform": true, "spreadMethod": true, "clipPathUnits": true, "maskUnits": true,
	"font-family": true, "font-size": true, "font-weight": true, "font-style": true, "text-anchor": true,
	"dominant-baseline": true, "letter-spacing": true, "dx": true, "dy": true, "color": true,
	"display": true, "visibility": true,
}

// safeAttrValue refuses values that could fetch or run something: only local
// url(#id) references pass.
func safeAttrValue(v string) bool {
	l := strings.ToLower(v)
	for _, bad := range []string{"javascript:", "data:", "expression", "@import", "\\", "<", "&"} {
		if strings.Contains(l, bad) {
			return false
		}
	}
	for i := strings.Index(l, "url("); i >= 0; {
		rest := strings.TrimLeft(l[i+4:], " '\"")
		if !strings.HasPrefix(rest, "#") {
			return false
		}
		j := strings.Index(l[i+4:], "url(")
		if j < 0 {
			break
		}
		i += 4 + j
	}
	return true
}

// safeStyle keeps the declarations of a style attribute whose property is an
// allowed presentation attribute and whose value is safe.
func safeStyle(v string) string {
	var keep []string
	for _, decl := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(decl, ":")
		k, val = strings.TrimSpace(strings.ToLower(k)), strings.TrimSpace(val)
		if ok && svgAttrs[k] && k != "id" && safeAttrValue(val) && !strings.ContainsAny(val, "{}") {
			keep = append(keep, k+":"+val)
		}
	}
	return strings.Join(keep, ";")
}

// SanitizeSVG rebuilds an SVG from an allow-list of elements and attributes:
// no script, no event handlers, no foreignObject, no style sheets, no
// external references (only url(#id) and href="#id" on use). It refuses
// (EINVALID) documents it cannot make safe: not well-formed, declaring
// entities, not an <svg> root, nested too deep or too large.
func SanitizeSVG(in []byte) ([]byte, error) {
	refuse := func(msg string) ([]byte, error) { return nil, Errorf(EINVALID, "%s", msg) }
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(in, []byte("\xef\xbb\xbf"))))
	d.Strict = true
	d.Entity = map[string]string{} // only the five predefined entities
	var out bytes.Buffer
	var stack []bool // for each open element: kept?
	skip := 0        // depth inside a dropped element
	elements, rootSeen, rootClosed := 0, false, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return refuse("The SVG file is not well-formed XML.")
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return refuse("The SVG file declares XML entities; export it again without them.")
			}
		case xml.StartElement:
			elements++
			if elements > 5000 || len(stack) > 64 {
				return refuse("The SVG file is too complex for a logo.")
			}
			if !rootSeen {
				if t.Name.Local != "svg" || t.Name.Space != svgNS {
					return refuse("The file is not an SVG image (its root must be <svg> in the SVG namespace).")
				}
				rootSeen = true
			} else if rootClosed {
				return refuse("The SVG file has more than one root element.")
			}
			keep := skip == 0 && t.Name.Space == svgNS && svgElements[t.Name.Local]
			if !keep {
				skip++
				stack = append(stack, false)
				continue
			}
			stack = append(stack, true)
			out.WriteString("<" + t.Name.Local)
			if len(stack) == 1 {
				out.WriteString(` xmlns="` + svgNS + `"`)
				out.WriteString(` xmlns:xlink="` + xlinkNS + `"`)
			}
			for _, a := range t.Attr {
				name, val := a.Name.Local, a.Value
				switch {
				case a.Name.Space == "xmlns" || a.Name.Space == "" && name == "xmlns":
					continue
				case (name == "href" && (a.Name.Space == "" || a.Name.Space == xlinkNS)):
					if t.Name.Local != "use" || !strings.HasPrefix(strings.TrimSpace(val), "#") || !safeAttrValue(val) {
						continue
					}
					out.WriteString(` xlink:href="` + escAttr(strings.TrimSpace(val)) + `"`)
					continue
				case a.Name.Space == xmlNS && name == "space":
					out.WriteString(` xml:space="` + escAttr(val) + `"`)
					continue
				case a.Name.Space != "":
					continue
				case name == "style":
					if s := safeStyle(val); s != "" {
						out.WriteString(` style="` + escAttr(s) + `"`)
					}
					continue
				case !svgAttrs[name] || !safeAttrValue(val):
					continue
				}
				out.WriteString(" " + name + `="` + escAttr(val) + `"`)
			}
			out.WriteString(">")
		case xml.EndElement:
			if len(stack) == 0 {
				return refuse("The SVG file is not well-formed XML.")
			}
			kept := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !kept {
				skip--
			} else {
				out.WriteString("</" + t.Name.Local + ">")
			}
			if len(stack) == 0 {
				rootClosed = true
			}
		case xml.CharData:
			if skip == 0 && len(stack) > 0 {
				_ = xml.EscapeText(&out, t)
			}
		}
	}
	if !rootSeen || !rootClosed {
		return refuse("The file is not an SVG image.")
	}
	return out.Bytes(), nil
}

func escAttr(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// ProviderBranding is the owner of the provider's own branding (the
// default every tenant's is merged over), passed to BrandingService where a
// tenant's id would go. It is spelled out so that a forgotten tenant id
// ("") is an error (EINTERNAL) and never quietly the provider's branding.
const ProviderBranding = "provider"

// BrandingService stores the provider's default branding (owner
// ProviderBranding) and each tenant's, their images and the tenants' custom
// domains. Every method that reads a tenant's data takes its id; an empty
// one is EINTERNAL.
type BrandingService interface {
	// FindBranding returns the stored (unmerged) branding of tenantID, or of
	// the provider for ProviderBranding. Nothing stored is an empty
	// Branding, not an error.
	FindBranding(ctx context.Context, tenantID string) (*Branding, error)
	// SaveBranding stores b (normalised and validated: EINVALID) with its
	// logo and favicon images (nil: unchanged) and tells every manage
	// process to forget its cached copy.
	SaveBranding(ctx context.Context, tenantID string, b *Branding, logo, favicon *Image) error
	// StageImage stores an uploaded image for tenantID (or ProviderBranding)
	// before the branding that uses it is saved, so the settings page can
	// preview it. Images no saved branding uses are dropped by the next save.
	StageImage(ctx context.Context, tenantID string, img *Image) error
	// FindImage returns an image of tenantID's branding, or of the
	// provider's, by its name (hash and extension). ENOTFOUND.
	FindImage(ctx context.Context, tenantID, name string) (*Image, error)
	// FindImageAnyTenant is FindImage for the provider's own host.
	FindImageAnyTenant(ctx context.Context, name string) (*Image, error)

	// AddDomain assigns a custom domain to a tenant. ECONFLICT if taken.
	AddDomain(ctx context.Context, tenantID, host string) error
	// RemoveDomain removes a tenant's custom domain. ENOTFOUND.
	RemoveDomain(ctx context.Context, tenantID, host string) error
	// FindDomains lists a tenant's custom domains, sorted.
	FindDomains(ctx context.Context, tenantID string) ([]string, error)
	// FindTenantByDomain returns the tenant a custom domain belongs to. ENOTFOUND.
	FindTenantByDomain(ctx context.Context, host string) (*Tenant, error)
}

// ValidateDomainName checks a normalised (lower-case ASCII) host name for a
// custom domain: at least two labels, letters, digits and hyphens.
func ValidateDomainName(host string) error {
	msg := map[string]string{"domain": "Enter a host name like cloud.acme.example."}
	if len(host) > 253 || !strings.Contains(host, ".") {
		return Invalid(msg)
	}
	for _, l := range strings.Split(host, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return Invalid(msg)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return Invalid(msg)
			}
		}
	}
	if tld := host[strings.LastIndex(host, ".")+1:]; tld[0] >= '0' && tld[0] <= '9' {
		return Invalid(map[string]string{"domain": "Enter a host name, not an IP address."})
	}
	return nil
}
