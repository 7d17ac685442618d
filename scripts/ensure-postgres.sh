#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 (user postgres,
# trust auth on this project's machines). Starts Debian's cluster if it is
# installed but stopped; otherwise says what to do.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! command -v pg_isready >/dev/null; then
  echo "PostgreSQL client tools are missing; installing postgresql" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
ready && exit 0
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do ready && exit 0; sleep 0.5; done
fi
echo "PostgreSQL does not answer on 127.0.0.1:5432. Start it, or point Tessera at yours with TESSERA_DATABASE_URL (and tests with TESSERA_TEST_DATABASE_URL)." >&2
exit 1
