#!/usr/bin/env bash
# Installs what the tests need when it is missing: Debian's chromium (browser
# tests), slapd and ldap-utils (directory tests), and makes sure PostgreSQL
# runs. Safe to run again: it only installs what is absent.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
[ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapadd >/dev/null || need+=(ldap-utils)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing test dependencies: ${need[*]}" >&2
  if [ "$(id -u)" != 0 ]; then echo "run as root (or install ${need[*]} yourself)" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  # slapd must not configure a system instance: tests start their own.
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
"$(dirname "$0")/ensure-postgres.sh"
