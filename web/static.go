package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"tessera/static"
	"tessera/views"
)

// staticFiles serves the embedded files under content-hashed names
// (/static/app.3f2a1b9c.css) with long cache headers: a new build changes the
// name, so browsers never keep a stale file.
type staticFiles struct {
	byHashed map[string]staticFile
	urls     map[string]string
}

type staticFile struct {
	body  []byte
	ctype string
}

func loadStatic() (*staticFiles, error) {
	s := &staticFiles{byHashed: map[string]staticFile{}, urls: map[string]string{}}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		s.byHashed[hashed] = staticFile{body: b, ctype: mime.TypeByExtension(ext)}
		s.urls[p] = "/static/" + hashed
		return nil
	})
	return s, err
}

func (s *staticFiles) assets() views.Assets {
	return views.Assets{CSS: s.urls["app.css"], JS: s.urls["app.js"], HTMX: s.urls["htmx-2.0.11.min.js"]}
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := s.byHashed[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.body)
}
