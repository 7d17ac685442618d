// Package imagecache is connect Storage's image cache: each image (an OVA)
// is kept once, named by the SHA-256 of its content, and imported from
// there into every site that needs it. Importing is idempotent per site (a
// template of the image's name is not imported again), so replicating again
// after a failure or a crash only does what is missing.
package imagecache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"tessera/connect/hypervisor"
	"tessera/domain"
)

// Cache keeps images in a directory.
type Cache struct {
	Dir string
}

var digestRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Put stores an OVA read from r and returns its digest. Storing the same
// content again keeps one copy.
func (c *Cache) Put(r io.Reader) (string, error) {
	if err := os.MkdirAll(c.Dir, 0o750); err != nil {
		return "", domain.Internal(err)
	}
	tmp, err := os.CreateTemp(c.Dir, "incoming-*")
	if err != nil {
		return "", domain.Internal(err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), r); err != nil {
		_ = tmp.Close()
		return "", domain.Internal(fmt.Errorf("image cache: %w", err))
	}
	if err := tmp.Close(); err != nil {
		return "", domain.Internal(err)
	}
	digest := hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(tmp.Name(), c.path(digest)); err != nil {
		return "", domain.Internal(err)
	}
	return digest, nil
}

func (c *Cache) path(digest string) string { return filepath.Join(c.Dir, digest+".ova") }

// Path returns the file of an image. ENOTFOUND.
func (c *Cache) Path(digest string) (string, error) {
	if !digestRe.MatchString(digest) {
		return "", domain.Errorf(domain.ENOTFOUND, "No such image in the cache.")
	}
	p := c.path(digest)
	if _, err := os.Stat(p); err != nil {
		return "", domain.Errorf(domain.ENOTFOUND, "No such image in the cache.")
	}
	return p, nil
}

// Replicate imports image digest as template name into every site, in
// parallel, and returns each site's error (nil when the image is ready there).
func (c *Cache) Replicate(ctx context.Context, digest, name string, sites map[string]hypervisor.ImageBackend) map[string]error {
	out := make(map[string]error, len(sites))
	p, err := c.Path(digest)
	if err != nil {
		for s := range sites {
			out[s] = err
		}
		return out
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for s, b := range sites {
		wg.Go(func() {
			err := b.ImportImage(ctx, name, p)
			mu.Lock()
			out[s] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// Handler serves the cache's images at /{digest}.ova, for sites to fetch
// when they import an image.
func (c *Cache) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		digest := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".ova")
		p, err := c.Path(digest)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-tar")
		http.ServeFile(w, r, p)
	})
}
