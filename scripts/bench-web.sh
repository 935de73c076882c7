#!/usr/bin/env bash
# The web app's figures (issue 15, item 8), recorded in BENCHMARKS.md:
# - compressed JavaScript + CSS of the first page (`/`), as the browser receives it;
# - pressing Search → results drawn (list and map), p95 over many searches, on the
#   100 000-provider synthetic bench directory (`lantern bench-data`);
# - the gap map: page opened → 100 counties drawn.
# A release build serves the built app from its own local cluster (.lantern/bench-web,
# port BENCH_WEB_PG_PORT, default 54331); headless Debian chromium measures through the
# app's own performance marks. Takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_PROVIDERS:-100000}
# Production mode (as deployed) on its own local cluster, asked for by name.
export LANTERN_PG_DIR=${BENCH_WEB_PG_DIR:-.lantern/bench-web} LANTERN_PG_PORT=${BENCH_WEB_PG_PORT:-54331} LANTERN_LOCAL_CLUSTER=true
PORT=${BENCH_WEB_PORT:-8097}
WORK=$LANTERN_PG_DIR-work
mkdir -p "$WORK"

scripts/install-deps.sh --test
(cd web && npm ci --no-audit --no-fund && npm run build)
cargo build --release --locked
BIN=target/release/lantern
$BIN migrate # starts the cluster if it is not running
psql_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql
"$psql_bin" -q -h 127.0.0.1 -p "$LANTERN_PG_PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS lantern WITH (FORCE)"
$BIN migrate
$BIN seed --reference-only
$BIN bench-data --providers "$N"
export BENCH_ADMIN_EMAIL=bench-web@lantern.test BENCH_ADMIN_PASSWORD="bench web password $$"
LANTERN_ADMIN_PASSWORD=$BENCH_ADMIN_PASSWORD $BIN admin create-user --email "$BENCH_ADMIN_EMAIL" \
  --name "Bench Admin" --organization "Bench Network Office" >/dev/null

LANTERN_ADDR=127.0.0.1:$PORT LANTERN_WEB_DIR=web/dist LANTERN_RELAY=false LANTERN_LOG=warn \
  LANTERN_RATE_API_PER_IP=0 LANTERN_RATE_LOGIN_PER_IP=0 $BIN serve >"$WORK/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$PORT/healthz" 2>/dev/null | grep -q '"searchIndex":"ready"' && break
  kill -0 $server 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.2
done

(cd web && BENCH_URL="http://127.0.0.1:$PORT" BENCH_PROVIDERS=$N node bench/measure.mjs) > "$WORK/web.md"
cat "$WORK/web.md"
python3 - "$WORK/web.md" <<'PY'
# Put the figures in BENCHMARKS.md's "## Notes" (which `make bench` keeps), between markers.
import sys
figures = open(sys.argv[1]).read().strip()
start, end = "<!-- bench-web:start -->", "<!-- bench-web:end -->"
block = f"{start}\n{figures}\n{end}"
text = open("BENCHMARKS.md").read()
if start in text:
    text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
else:
    if "\n## Notes" not in text:
        text = text.rstrip() + "\n\n## Notes\n"
    text = text.rstrip() + "\n\n" + block + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
