// Package connect is the home of connect, the site controller: one process
// (or a few sharing River's queue) per site, serving several manage
// instances over /connect/v1.
//
// This folder is a documented deviation from DESIGN.md's layout table:
// connect is a separate module with its own PostgreSQL database (River's
// tables plus connect's own), so its workflow engine (connect/central), its
// HTTP API (connect/api) and its store (connect/store) live together here
// rather than in handlers/ and adapters/postgres, which belong to manage and
// its goose migrations. They import domain and adapters like everything else.
package connect
