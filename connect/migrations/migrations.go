// Package migrations embeds connect's own goose SQL migrations: the schema
// of a site's database, apart from manage's (tessera/migrations). River's
// tables in the same database are migrated by rivermigrate.
package migrations

import "embed"

// FS holds the numbered migrations, applied in order.
//
//go:embed *.sql
var FS embed.FS
