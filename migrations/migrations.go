// Package migrations embeds manage's goose SQL migrations.
package migrations

import "embed"

// FS holds the numbered migrations. Each issue area takes a range of numbers
// so parallel work never collides: 00001-00099 foundation, 00100 connect,
// 00200 machines, 00300 directory, 00400 billing, 00500 branding,
// 00600 placement, 00700 storage and networks.
//
//go:embed *.sql
var FS embed.FS
