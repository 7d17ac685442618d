package handlers

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tessera/domain"
	"tessera/views"
)

// BrandingConfig is what the branding pages need besides the App.
type BrandingConfig struct {
	Store domain.BrandingService
	// NormalizeHost turns a typed host name into its lower-case ASCII form.
	NormalizeHost func(string) (string, error)
	// ReservedHost reports whether a normalised name is the provider's or a
	// <slug>.<base domain> name, so it cannot be a custom domain.
	ReservedHost func(string) bool
	// ResolveHost finds the tenant of r's host for pages rendered before the
	// host middleware ran (nil: the provider or unknown).
	ResolveHost func(r *http.Request) *domain.Tenant
}

var brandingFields = []string{"product_name", "primary_color", "accent_color", "login_message", "support_email", "support_url", "footer"}

// maxBrandingForm bounds a branding form with its two images.
const maxBrandingForm = domain.MaxLogoBytes + domain.MaxFaviconBytes + 64<<10

// brandingTarget is whose branding a settings page edits.
type brandingTarget struct {
	TenantID string // "" for the provider's default
	Tenant   *domain.Tenant
	Base     string // the page's URL
	Nav      string
}

// owner is whose branding the store reads and writes for target.
func (t brandingTarget) owner() string {
	if t.TenantID == "" {
		return domain.ProviderBranding
	}
	return t.TenantID
}

func brandingValues(b *domain.Branding) map[string]string {
	return map[string]string{
		"product_name": b.ProductName, "primary_color": b.PrimaryColor, "accent_color": b.AccentColor,
		"login_message": b.LoginMessage, "support_email": b.SupportEmail, "support_url": b.SupportURL, "footer": b.Footer,
	}
}

func brandingFrom(v map[string]string) domain.Branding {
	return domain.Branding{
		ProductName: v["product_name"], PrimaryColor: v["primary_color"], AccentColor: v["accent_color"],
		LoginMessage: v["login_message"], SupportEmail: v["support_email"], SupportURL: v["support_url"], Footer: v["footer"],
	}
}

// fallback is what empty fields of target's branding show: the provider's
// default for a tenant, Tessera's own for the provider.
func (a *App) brandingFallback(r *http.Request, target brandingTarget) (domain.Branding, error) {
	if target.TenantID == "" {
		return domain.DefaultBranding, nil
	}
	p, err := a.Brand.Store.FindBranding(r.Context(), domain.ProviderBranding)
	if err != nil {
		return domain.Branding{}, err
	}
	return p.Merge(domain.DefaultBranding), nil
}

func (a *App) showBranding(w http.ResponseWriter, r *http.Request, target brandingTarget) {
	stored, err := a.Brand.Store.FindBranding(r.Context(), target.owner())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.renderBranding(w, r, http.StatusOK, target, stored, views.Form{Values: brandingValues(stored)}, false)
}

// renderBranding renders the settings page (or, for htmx's preview
// requests, only the preview) for the values in f.
func (a *App) renderBranding(w http.ResponseWriter, r *http.Request, status int, target brandingTarget, stored *domain.Branding, f views.Form, fragment bool) {
	fallback, err := a.brandingFallback(r, target)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	typed := brandingFrom(f.Values)
	typed.Normalize()
	// Only valid colours reach the preview; the field errors say the rest.
	if !domain.ValidColor(typed.PrimaryColor) {
		typed.PrimaryColor = ""
	}
	if !domain.ValidColor(typed.AccentColor) {
		typed.AccentColor = ""
	}
	typed.LogoURL, typed.FaviconURL = chosenImages(stored, f)
	effective := typed.Merge(fallback)
	q := url.Values{"primary": {effective.PrimaryColor}, "accent": {effective.AccentColor}}
	props := views.BrandingPageProps{
		Base: target.Base, Tenant: target.Tenant, Form: f, Fallback: fallback, Stored: *stored,
		Preview: views.BrandPreviewProps{
			URL: target.Base + "/preview", CSSURL: "/branding/preview.css?" + q.Encode(),
			Brand: effective, Checks: domain.ContrastChecks(effective),
		},
	}
	if target.Tenant != nil {
		props.Preview.TenantName = target.Tenant.Name
	}
	if fragment {
		props.Preview.Errors = f.Errors
		props.Preview.Swatches = map[string]string{"primary_color": effective.PrimaryColor, "accent_color": effective.AccentColor}
		props.Preview.Staged = map[string]string{"staged_logo": f.Get("staged_logo"), "staged_favicon": f.Get("staged_favicon")}
		render(w, r, status, views.BrandPreview(props.Preview))
		return
	}
	title := "Branding"
	if target.Tenant != nil && target.Nav == "tenants" {
		title = "Branding of " + target.Tenant.Name
	}
	a.page(w, r, status, title, target.Nav, views.BrandingPage(props))
}

// chosenImages are the logo and favicon URLs the form asks for: a new
// (staged) upload, the stored one, or none when "remove" is ticked.
func chosenImages(stored *domain.Branding, f views.Form) (logo, favicon string) {
	logo, favicon = stored.LogoURL, stored.FaviconURL
	if n := f.Get("staged_logo"); n != "" {
		logo = domain.BrandImagePath + n
	}
	if n := f.Get("staged_favicon"); n != "" {
		favicon = domain.BrandImagePath + n
	}
	if f.Get("remove_logo") != "" {
		logo = ""
	}
	if f.Get("remove_favicon") != "" {
		favicon = ""
	}
	return logo, favicon
}

// parseBrandingForm reads the form (multipart or not) within the size limit.
func parseBrandingForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBrandingForm)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxBrandingForm)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return domain.Invalid(map[string]string{"logo": "The images together may be at most " + kbytes(maxBrandingForm) + "; choose smaller files."})
	}
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The form could not be read; try again.")
	}
	return nil
}

func kbytes(n int) string { return strconv.Itoa(n/1024) + " KB" }

// formBranding collects the branding form, applying a suggested colour
// ("apply" = field:#rrggbb) when the user took one.
func formBranding(r *http.Request) views.Form {
	v := formValues(r, append(brandingFields, "remove_logo", "remove_favicon", "apply", "staged_logo", "staged_favicon")...)
	for _, k := range []string{"staged_logo", "staged_favicon"} {
		if !domain.ValidImageName(v[k]) {
			v[k] = ""
		}
	}
	if field, c, ok := strings.Cut(v["apply"], ":"); ok && (field == "primary_color" || field == "accent_color") && domain.ValidColor(c) {
		v[field] = c
	}
	delete(v, "apply")
	return views.Form{Values: v}
}

func (a *App) previewBranding(w http.ResponseWriter, r *http.Request, target brandingTarget) {
	if err := parseBrandingForm(w, r); err != nil {
		a.Error(w, r, err)
		return
	}
	stored, err := a.Brand.Store.FindBranding(r.Context(), target.owner())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	f := formBranding(r)
	b := brandingFrom(f.Values)
	b.Normalize()
	f.Errors = map[string]string{}
	if err := b.Validate(); err != nil {
		f.Errors = domain.ErrorFields(err)
	}
	// A chosen file is stored (not yet used) so the preview can show it,
	// and the form carries its name to the save.
	for _, img := range []struct {
		field string
		max   int
	}{{"logo", domain.MaxLogoBytes}, {"favicon", domain.MaxFaviconBytes}} {
		im, err := readImage(r, img.field, img.max)
		if err == nil && im != nil {
			err = a.Brand.Store.StageImage(r.Context(), target.owner(), im)
		}
		switch {
		case domain.ErrorFields(err) != nil:
			f.Errors[img.field] = domain.ErrorFields(err)[img.field]
		case err != nil:
			a.Error(w, r, err)
			return
		case im != nil:
			f.Values["staged_"+img.field] = im.Name()
		}
	}
	fragment := r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "brand-preview"
	a.renderBranding(w, r, http.StatusOK, target, stored, f, fragment)
}

// readImage reads an uploaded file of the form, if one was chosen.
func readImage(r *http.Request, field string, max int) (*domain.Image, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	fh := r.MultipartForm.File[field]
	if len(fh) == 0 || fh[0].Size == 0 {
		return nil, nil
	}
	f, err := fh[0].Open()
	if err != nil {
		return nil, domain.Internal(err)
	}
	defer func(f multipart.File) { _ = f.Close() }(f)
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, domain.Internal(err)
	}
	ct, data, err := domain.CheckImage(field, data, max)
	if err != nil {
		return nil, err
	}
	return &domain.Image{ContentType: ct, Data: data}, nil
}

func (a *App) saveBranding(w http.ResponseWriter, r *http.Request, target brandingTarget) {
	if err := parseBrandingForm(w, r); err != nil {
		// An unreadable form (too large) shows the stored branding again.
		a.formError(w, r, err, nil, func(status int, f views.Form) {
			stored, serr := a.Brand.Store.FindBranding(r.Context(), target.owner())
			if serr != nil {
				a.Error(w, r, serr)
				return
			}
			f.Values, f.Message = brandingValues(stored), domain.ErrorMessage(err)
			a.renderBranding(w, r, status, target, stored, f, false)
		})
		return
	}
	if r.PostFormValue("action") == "preview" || r.PostFormValue("apply") != "" {
		a.previewBranding(w, r, target)
		return
	}
	stored, err := a.Brand.Store.FindBranding(r.Context(), target.owner())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	f := formBranding(r)
	b := brandingFrom(f.Values)
	b.Normalize()
	errs := map[string]string{}
	if err := b.Validate(); err != nil {
		for k, m := range domain.ErrorFields(err) {
			errs[k] = m
		}
	}
	logo, err := readImage(r, "logo", domain.MaxLogoBytes)
	if err != nil {
		if domain.ErrorFields(err) == nil {
			a.Error(w, r, err)
			return
		}
		errs["logo"] = domain.ErrorFields(err)["logo"]
	}
	favicon, err := readImage(r, "favicon", domain.MaxFaviconBytes)
	if err != nil {
		if domain.ErrorFields(err) == nil {
			a.Error(w, r, err)
			return
		}
		errs["favicon"] = domain.ErrorFields(err)["favicon"]
	}
	auditTarget := "provider"
	if target.Tenant != nil {
		auditTarget = target.Tenant.Slug
	}
	rerender := func(status int, f views.Form) { a.renderBranding(w, r, status, target, stored, f, false) }
	if len(errs) > 0 {
		err := domain.Invalid(errs)
		a.auditAction(r, target.TenantID, "branding.update", auditTarget, err)
		a.formError(w, r, err, f.Values, rerender)
		return
	}
	b.LogoURL, b.FaviconURL = chosenImages(stored, f)
	err = a.Brand.Store.SaveBranding(r.Context(), target.owner(), &b, logo, favicon)
	if domain.ErrorCode(err) == domain.ENOTFOUND && (f.Get("staged_logo") != "" || f.Get("staged_favicon") != "") {
		err = domain.Invalid(map[string]string{"logo": "The image you chose is no longer there; choose it again."})
	}
	a.auditAction(r, target.TenantID, "branding.update", auditTarget, err)
	if err != nil {
		a.formError(w, r, err, f.Values, rerender)
		return
	}
	a.flash(r, "ok", "Branding saved. Every page now shows it.")
	redirect(w, r, target.Base)
}
