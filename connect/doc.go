// Package connect is the home of connect, the site controller: one process
// (or a few sharing River's queue) per site, serving several manage
// instances over /connect/v1.
//
// connect is a module of its own inside the repository, separate from manage
// at compile time: it has its own model (connect/model), its own ports to
// the hypervisor (connect/hypervisor, implemented by adapters/vsphere), its
// own database and goose migrations (connect/store, connect/migrations) and
// its own small HTTP edge (connect/api). The wire format it shares with
// manage's client lives in connect/v1. It imports domain only for the error
// type and shared pure rules (naming, storage classes), and links nothing of
// manage: scripts/lint-deps.sh (make lint) fails if it links handlers,
// views, web, manage/..., adapters/postgres, manage's migrations, templ or
// scs.
package connect
