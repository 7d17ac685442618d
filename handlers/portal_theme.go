package handlers

import (
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"tessera/domain"
)

// HandleThemeCSS serves the host's branding as CSS custom properties. The
// page links it with the hash of its content (?v=…), so that URL is cached
// for a year; any other version is served fresh and not cached.
func (a *App) HandleThemeCSS(w http.ResponseWriter, r *http.Request) {
	b, themeURL := domain.DefaultBranding, ""
	if a.Branding != nil {
		b, themeURL = a.Branding(r.Context(), HostTenant(r.Context()))
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	if themeURL != "" && r.URL.RequestURI() == themeURL {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("Vary", "Host")
	_, _ = io.WriteString(w, "/* Branding of this portal: validated colours only. */\n"+domain.ThemeCSS(":root", b))
}

// HandlePreviewCSS serves the custom properties of a preview: the colours
// in the query, if valid, scoped to the preview box.
func (a *App) HandlePreviewCSS(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	b := domain.Branding{PrimaryColor: q.Get("primary"), AccentColor: q.Get("accent")}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = io.WriteString(w, domain.ThemeCSS(".brand-preview", b))
}

// HandleBrandImage serves an uploaded logo or favicon by its content hash:
// cached for a year, with its sniffed type, and a CSP that forbids an SVG
// opened directly from running or loading anything.
func (a *App) HandleBrandImage(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	var img *domain.Image
	var err error
	if ht := HostTenant(r.Context()); ht != nil {
		img, err = a.Brand.Store.FindImage(r.Context(), ht.ID, name)
	} else {
		// The provider's host shows every tenant's branding (admin pages).
		img, err = a.Brand.Store.FindImageAnyTenant(r.Context(), name)
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			http.Error(w, "Not found.", http.StatusNotFound)
			return
		}
		logInternal(r, err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", img.ContentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+img.Hash+`"`)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("Content-Disposition", "inline")
	if r.Header.Get("If-None-Match") == `"`+img.Hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(img.Data)
}

// HandleFavicon answers browsers that ask for /favicon.ico with the host's
// branded favicon, or nothing.
func (a *App) HandleFavicon(w http.ResponseWriter, r *http.Request) {
	if a.Branding != nil {
		if b, _ := a.Branding(r.Context(), HostTenant(r.Context())); b.FaviconURL != "" {
			w.Header().Set("Cache-Control", "public, max-age=3600")
			http.Redirect(w, r, b.FaviconURL, http.StatusFound)
			return
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusNoContent)
}
