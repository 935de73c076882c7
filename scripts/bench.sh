#!/usr/bin/env bash
# One command for BENCHMARKS.md: `make bench` (BENCH_PROVIDERS=100000 by default).
# Generates a synthetic directory, serves it (release build), and measures over HTTP
# with wrk, side by side in one run: Lantern's searchProviders, the same query as plain
# SQL through pgbench (the floor), the same query through PostGraphile v4 +
# @graphile/postgis (the peer), the state-wide gapMatrix, createReferral with consent
# checks, server RSS and database size; then search again at 10 000 and 1 000 000
# providers for the scaling target (BENCH_SCALES to change or skip: BENCH_SCALES="").
# It uses its own local cluster (.lantern/bench, port 54330), so nothing else is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_PROVIDERS:-100000}
DURATION=${BENCH_SECONDS:-10}
SCALES=${BENCH_SCALES-10000 1000000}
export LANTERN_PG_DIR=.lantern/bench LANTERN_PG_PORT=54330
PORT=8090 PEER_PORT=5055
command -v wrk >/dev/null || { sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }; sudo_ apt-get install -y -qq wrk; }
scripts/install-deps.sh
cargo build --release --locked
BIN=target/release/lantern
$BIN migrate
$BIN seed --reference-only
$BIN bench-data --providers "$N"
PG="psql -h 127.0.0.1 -p 54330 -U postgres -d lantern -tA"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cleanup() { kill "${SERVER:-}" "${PEER:-}" 2>/dev/null || true; }
trap cleanup EXIT
start_server() { # waits until the directory index is loaded
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
    echo "port $PORT is already serving; stop that server first" >&2; exit 1
  fi
  LANTERN_RELAY=false LANTERN_RATE_API_PER_IP=0 LANTERN_RATE_API_PER_TOKEN=0 LANTERN_RATE_LOGIN_PER_IP=0 \
    LANTERN_RATE_LOGIN_PER_EMAIL=0 LANTERN_ADDR=127.0.0.1:$PORT LANTERN_LOG=warn $BIN serve &
  SERVER=$!
  local started=$(date +%s.%N)
  for _ in $(seq 1200); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" 2>/dev/null | grep -q '"searchIndex":"ready"' && break; sleep 0.1
  done
  INDEX_LOAD_S=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
}
stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
start_server
EMAIL="bench-admin-$RANDOM@lantern.test"
LANTERN_ADMIN_PASSWORD="benchmark password only" $BIN admin create-user --email "$EMAIL" --name "Bench Admin (synthetic)" --organization "Bench Office" >/dev/null
export BENCH_TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
  -d "{\"query\":\"mutation { login(email: \\\"$EMAIL\\\", password: \\\"benchmark password only\\\") { token } }\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["token"])')

log_result() { read -r line; echo "$line"; echo "$line" >&2; }
run_wrk() { # script url connections; the RESULT line also goes to the log as it comes
  wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"${DURATION}s" -s "scripts/bench/$1.lua" "$2" | grep RESULT | log_result
}
run_pgbench() { # connections
  "$PGBIN/pgbench" -h 127.0.0.1 -p 54330 -U postgres -n -f scripts/bench/nearest.sql -c "$1" -j "$1" -T "$DURATION" lantern 2>/dev/null \
    | awk '/latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "RESULT rps=%.1f avg=%.2f\n", tps, lat}' | log_result
}
declare -A R
for c in 1 8; do
  R[search_$c]=$(run_wrk search "http://127.0.0.1:$PORT/graphql" $c)
  R[floor_$c]=$(run_pgbench $c)
  R[gap_$c]=$(run_wrk gap "http://127.0.0.1:$PORT/graphql" $c)
  R[gapcsv_$c]=$(run_wrk gap_csv "http://127.0.0.1:$PORT" $c)
done
RSS_KB=$(ps -o rss= -p "$SERVER" | tr -d ' ')
INDEX_LOAD_MAIN=$INDEX_LOAD_S

# createReferral: an advocate referring a consenting client, every request a new referral.
SETUP=$(python3 scripts/bench/referral_setup.py "http://127.0.0.1:$PORT/graphql" "$BENCH_TOKEN" "benchmark password only")
eval "$SETUP"
for c in 1 8; do
  before=$($PG -c "SELECT count(*) FROM referrals")
  R[referral_$c]=$(run_wrk referral "http://127.0.0.1:$PORT/graphql" $c)
  R[referral_rows_$c]=$(( $($PG -c "SELECT count(*) FROM referrals") - before ))
done
RSS_AFTER_WRITES_KB=$(ps -o rss= -p "$SERVER" | tr -d ' ')
DB_SIZE=$($PG -c "SELECT pg_size_pretty(pg_database_size('lantern'))")
LOCATIONS=$($PG -c "SELECT count(*) FROM locations")

# The peer: PostGraphile v4 with @graphile/postgis, on the same database.
PEER_DIR=.lantern/bench/postgraphile
mkdir -p "$PEER_DIR"
$PG -f scripts/bench/peer.sql >/dev/null
PEER_OK=no
if [ -x "$PEER_DIR/node_modules/.bin/postgraphile" ] || \
   (cd "$PEER_DIR" && npm install --no-audit --no-fund postgraphile@4 @graphile/postgis@0.2 > npm-install.log 2>&1); then
  "$PEER_DIR/node_modules/.bin/postgraphile" -c "postgres://postgres@127.0.0.1:54330/lantern" --schema public \
     --append-plugins @graphile/postgis --port $PEER_PORT --host 127.0.0.1 --disable-graphiql --quiet > "$PEER_DIR/server.log" 2>&1 &
  PEER=$!
  # Introspecting the whole schema takes a while on first start.
  for _ in $(seq 300); do curl -fsS -X POST "http://127.0.0.1:$PEER_PORT/graphql" -H 'content-type: application/json' -d '{"query":"{__typename}"}' >/dev/null 2>&1 && PEER_OK=yes && break; sleep 0.5; done
  [ "$PEER_OK" = yes ] || { echo "PostGraphile did not start; see $PEER_DIR/server.log" >&2; tail -20 "$PEER_DIR/server.log" >&2; }
else
  echo "npm install of PostGraphile failed; see $PEER_DIR/npm-install.log" >&2
fi
if [ "$PEER_OK" = yes ]; then
  for c in 1 8; do R[peer_$c]=$(run_wrk peer "http://127.0.0.1:$PEER_PORT/graphql" $c); done
  PEER_RSS_KB=$(ps -o rss= -p "$PEER" | tr -d ' ' || echo 0)
  kill "$PEER" 2>/dev/null || true
else
  R[peer_1]="RESULT not measured"; R[peer_8]="RESULT not measured"; PEER_RSS_KB=0
fi

# Scaling: the same search at other directory sizes (server restarted on each data set).
declare -A SCALE
for n in $SCALES; do
  stop_server
  $BIN bench-data --providers "$n"
  start_server
  SCALE[search_$n]=$(run_wrk search "http://127.0.0.1:$PORT/graphql" 1)
  SCALE[floor_$n]=$(run_pgbench 1)
  SCALE[load_$n]=$INDEX_LOAD_S
  SCALE[rss_$n]=$(( $(ps -o rss= -p "$SERVER" | tr -d ' ') / 1024 ))
done

field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
ratio() { python3 -c "a,b='$1','$2'; print(f'{float(a)/float(b):.2f}' if a and b and float(b) else 'n/a')"; }
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
MEM=$(free -h | awk '/Mem:/ {print $2}')
{
cat <<MD
# Benchmarks

Reproduce with one command: \`make bench\` (\`BENCH_PROVIDERS\`, default 100000;
\`BENCH_SECONDS\` per run, default 10). Load generator: wrk on the same machine, random
points across North Carolina and one of five needs per request; the floor is the same
SQL through pgbench (same points and needs); the peer is PostGraphile v4 + @graphile/postgis serving the same
query as a SQL function. createReferral is an advocate referring a consenting client
(consent, recipient and field checks, encryption, event, follow-up, outbox, audit), each
request a new referral. All measured in one run on the same database.

- Machine: $(nproc) cores ($CPU), $MEM RAM; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), PostGIS $($PG -c "SELECT postgis_lib_version()")
- Data: $N synthetic providers, $LOCATIONS locations; database size $DB_SIZE
- Date: $(date -u +%Y-%m-%d)

| measurement | clients | req/s | p50 ms | p95 ms | p99 ms |
|---|---|---|---|---|---|
MD
for c in 1 8; do
  s=${R[search_$c]}; g=${R[gap_$c]}; f=${R[floor_$c]}; p=${R[peer_$c]}
  echo "| searchProviders (Lantern) | $c | $(field "$s" rps) | $(field "$s" p50) | $(field "$s" p95) | $(field "$s" p99) |"
  echo "| same query, plain SQL (pgbench, floor) | $c | $(field "$f" rps) | avg $(field "$f" avg) | | |"
  echo "| same query via PostGraphile (peer) | $c | $(field "$p" rps) | $(field "$p" p50) | $(field "$p" p95) | $(field "$p" p99) |"
  echo "| gapMatrix, 100 counties × 33 needs | $c | $(field "$g" rps) | $(field "$g" p50) | $(field "$g" p95) | $(field "$g" p99) |"
  g=${R[gapcsv_$c]}
  echo "| gap matrix as CSV download (same counts, no GraphQL) | $c | $(field "$g" rps) | $(field "$g" p50) | $(field "$g" p95) | $(field "$g" p99) |"
  r=${R[referral_$c]}
  echo "| createReferral with consent (${R[referral_rows_$c]} referrals written) | $c | $(field "$r" rps) | $(field "$r" p50) | $(field "$r" p95) | $(field "$r" p99) |"
done
cat <<MD

Ratios at 8 clients (same run): Lantern / floor = $(ratio "$(field "${R[search_8]}" rps)" "$(field "${R[floor_8]}" rps)"), Lantern / PostGraphile = $(ratio "$(field "${R[search_8]}" rps)" "$(field "${R[peer_8]}" rps)").

Server RSS: $(( RSS_KB / 1024 )) MB after the search and gap runs, $(( RSS_AFTER_WRITES_KB / 1024 )) MB after the referral runs (Lantern); $(( ${PEER_RSS_KB:-0} / 1024 )) MB (PostGraphile). Directory index loaded in ${INDEX_LOAD_MAIN} s at start.
MD
if [ -n "$SCALES" ]; then
  echo
  echo "Scaling (1 client, server restarted on each data set):"
  echo
  echo "| providers | searchProviders p50 ms | p99 ms | req/s | floor (pgbench) avg ms | index load s | server RSS MB |"
  echo "|---|---|---|---|---|---|---|"
  for n in $SCALES; do
    s1=${SCALE[search_$n]}
    echo "| $n | $(field "$s1" p50) | $(field "$s1" p99) | $(field "$s1" rps) | $(field "${SCALE[floor_$n]}" avg) | ${SCALE[load_$n]} | ${SCALE[rss_$n]} |"
  done
  echo "| $N (above) | $(field "${R[search_1]}" p50) | $(field "${R[search_1]}" p99) | $(field "${R[search_1]}" rps) | $(field "${R[floor_1]}" avg) | $INDEX_LOAD_MAIN | $(( RSS_KB / 1024 )) |"
fi
} > BENCHMARKS.md.new
if [ -f BENCHMARKS.md ] && grep -q '^## Targets' BENCHMARKS.md; then
  sed -n '/^## Targets/,$p' BENCHMARKS.md >> BENCHMARKS.md.new
fi
mv BENCHMARKS.md.new BENCHMARKS.md
cat BENCHMARKS.md
