#!/usr/bin/env bash
# Browser tests of the web app against the real thing: a fresh database on the local
# PostgreSQL cluster (LANTERN_PG_PORT/LANTERN_PG_DIR, as for `cargo test`), migrated and
# seeded by the `lantern` binary, a network admin made with `lantern admin create-user`,
# `lantern serve` in production mode on a free port serving web/dist, and Playwright
# driving Debian's chromium. Everything it starts is stopped, and the database dropped.
# Run by `make test` after the app is built (web/dist).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${LANTERN_BIN:-target/debug/lantern}
[[ -x $bin ]] || cargo build --locked
[[ -f web/dist/index.html ]] || { echo "web/dist is not built: run npm run build in web/" >&2; exit 1; }
command -v "${LANTERN_CHROMIUM:-/usr/bin/chromium}" >/dev/null || { echo "chromium is missing: scripts/install-deps.sh --test" >&2; exit 1; }

pg_port=${LANTERN_PG_PORT:-54329}
db=lantern_e2e_$$
# Starts the local cluster (and migrates its default database) if needed.
env -u DATABASE_URL LANTERN_LOCAL_CLUSTER=true "$bin" migrate >/dev/null
psql_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql
[[ -x $psql_bin ]] || psql_bin=psql
psql() { "$psql_bin" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -f "$LANTERN_E2E_FIXTURES"
}
trap cleanup EXIT
psql -c "CREATE DATABASE $db"

export DATABASE_URL="postgres://lantern_app@127.0.0.1:$pg_port/$db"
export LANTERN_MIGRATION_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/$db"
export LANTERN_PII_KEYS=$("$bin" pii new-key e2e)
export LANTERN_E2E_ADMIN_EMAIL=admin@e2e.lantern.test
export LANTERN_E2E_ADMIN_PASSWORD="e2e admin password $$"
export LANTERN_E2E_FIXTURES=$(mktemp)
"$bin" migrate
"$bin" seed
LANTERN_ADMIN_PASSWORD=$LANTERN_E2E_ADMIN_PASSWORD "$bin" admin create-user \
  --email "$LANTERN_E2E_ADMIN_EMAIL" --name "E2E Admin" --organization "Network Office (test)" >/dev/null

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export LANTERN_E2E_URL="http://127.0.0.1:$port"
log=$(mktemp)
# Webhook receivers and the geocoder are on this machine and never answer (port 9): the
# relay is off, and an address that cannot be geocoded is placed at its county.
export LANTERN_E2E_PSQL=$psql_bin
LANTERN_ADDR="127.0.0.1:$port" LANTERN_ENV=production LANTERN_WEB_DIR=web/dist LANTERN_RELAY=false \
  LANTERN_WEBHOOK_ALLOW_LOOPBACK=true LANTERN_GEOCODER_URL=http://127.0.0.1:9 LANTERN_GEOCODER_TIMEOUT_MS=500 \
  LANTERN_RATE_LOGIN_PER_IP=0 LANTERN_RATE_LOGIN_PER_EMAIL=0 LANTERN_RATE_LOGIN_PER_EMAIL_IP=0 LANTERN_RATE_API_PER_IP=0 LANTERN_LOG=warn \
  "$bin" serve >"$log" 2>&1 &
server=$!
for _ in $(seq 1 200); do
  curl -fs "$LANTERN_E2E_URL/healthz" 2>/dev/null | grep -q '"searchIndex":"ready"' && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done

cd web
npx playwright test "$@"
