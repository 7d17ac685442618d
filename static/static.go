// Package static embeds the portal's CSS, scripts and images.
package static

import "embed"

// FS holds the static files; htmx is vendored from its npm package with its
// version in the file name (2.0.11: the 2.x line, stable and documented; 4.x
// changed its API and gains us nothing here).
//
//go:embed *.css *.js
var FS embed.FS
