#!/usr/bin/env bash
# Checks the two dependency rules the compiler cannot:
#  1. connect (the site controller) links nothing of manage: not its portal
#     (handlers, views, web, templ, scs), not its use cases (manage/...), not
#     its database code or migrations (adapters/postgres, migrations).
#  2. domain imports nothing outside the standard library (no I/O library).
# Only non-test packages count: a test may start manage next to a site.
# On a failure it prints the import chain that pulls the package in, so the
# message says which import to remove.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

# forbidden_in_connect PKG: whether connect may not link PKG.
forbidden_in_connect() {
  case "$1" in
    tessera/handlers | tessera/handlers/* | tessera/views | tessera/views/* | tessera/web | tessera/web/* | \
      tessera/manage | tessera/manage/* | tessera/migrations | tessera/adapters/postgres | tessera/adapters/postgres/* | \
      github.com/alexedwards/scs | github.com/alexedwards/scs/* | github.com/a-h/templ | github.com/a-h/templ/*)
      return 0 ;;
  esac
  return 1
}

# graph ROOTS...: "package: its imports" for every non-standard package
# ROOTS link.
graph() {
  "$GO" list -deps -f '{{if not .Standard}}{{.ImportPath}}:{{range .Imports}} {{.}}{{end}}{{end}}' "$@"
}

# importers GRAPH PKG: the packages of GRAPH that import PKG.
importers() {
  awk -v p="$2" -F': ?' '{n = split($2, imp, " "); for (i = 1; i <= n; i++) if (imp[i] == p) print $1}' <<<"$1"
}

# chain GRAPH PKG BY: one import chain from a root of GRAPH through BY down
# to PKG.
chain() {
  local g=$1 pkg=$3 out="$3 -> $2" by
  while by=$(importers "$g" "$pkg" | head -n 1) && [ -n "$by" ]; do
    out="$by -> $out"
    pkg=$by
  done
  echo "$out"
}

fail=0

# A forbidden package is reported where connect first reaches it: through
# an importer that is not itself forbidden (templ pulled in by views is
# views' problem).
connect_graph=$(graph ./connect/...)
while read -r pkg; do
  forbidden_in_connect "$pkg" || continue
  while read -r by; do
    [ -n "$by" ] || continue
    forbidden_in_connect "$by" && continue
    [ $fail -eq 0 ] && echo "connect links packages of manage; remove the last import of each chain:" >&2
    echo "  $(chain "$connect_graph" "$pkg" "$by")" >&2
    fail=1
  done < <(importers "$connect_graph" "$pkg")
done < <(cut -d: -f1 <<<"$connect_graph")

domain_graph=$(graph ./domain)
while read -r pkg; do
  if [ "$pkg" != tessera/domain ] && importers "$domain_graph" "$pkg" | grep -qx tessera/domain; then
    echo "domain must import the standard library only: tessera/domain imports $pkg" >&2
    fail=1
  fi
done < <(cut -d: -f1 <<<"$domain_graph")

if [ $fail -ne 0 ]; then
  exit 1
fi
echo "lint-deps: connect links nothing of manage; domain imports the standard library only"
