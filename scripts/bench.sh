#!/usr/bin/env bash
# One command for BENCHMARKS.md: `make bench` (BENCH_PROVIDERS=100000 by default).
#
# Generates a synthetic directory, serves it from a release build on its own local
# cluster (.lantern/bench, port 54330: nothing else is touched) and measures over HTTP
# with wrk, 1 and 8 concurrent clients, side by side in one run:
#   - searchProviders (nearest 10 for one of five needs near a random NC point), against
#     the same query as plain SQL through pgbench (the floor), PostgreSQL's bare KNN with
#     no need filter (its best case), the same search through PostGraphile v4 +
#     @graphile/postgis (the peer, installed from npm here), and Lantern with its
#     in-memory index turned off (the PostgreSQL path);
#   - the state-wide gapMatrix over GraphQL and as the CSV download, and with the index
#     off;
#   - the HSDS face of that search (GET /hsds/service_at_locations?proximity=…), and the
#     bench directory exported as HSDS and imported into an empty database;
#   - createReferral with consent checks, against the same statements as one SQL
#     transaction through pgbench (the floor);
#   - capacity (issue 18): the same search with `hasCapacity: true` beside it, and
#     setCapacity by a network admin on 2 000 bench services at random;
#   - server RSS (peak, sampled while loaded) and database size;
# then search again at 10 000 and 1 000 000 providers (BENCH_SCALES; "" skips it).
# Every response is checked: one that is not a clean answer is counted, reported, and
# fails the run. scripts/bench/report.py writes BENCHMARKS.md from the results,
# including which targets of issues 7, 17 and 18 are met.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_PROVIDERS:-100000}
DURATION=${BENCH_SECONDS:-10}
SCALES=${BENCH_SCALES-10000 1000000}
# Production mode (as deployed) on the bench's own local cluster, asked for by name.
export LANTERN_PG_DIR=.lantern/bench LANTERN_PG_PORT=54330 LANTERN_LOCAL_CLUSTER=true
PORT=8090 PLAIN_PORT=8091 PEER_PORT=5055
WORK=.lantern/bench
RESULTS=$WORK/results.txt

command -v wrk >/dev/null || { if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }
command -v npm >/dev/null || { echo "npm is needed for the PostGraphile peer" >&2; exit 1; }
scripts/install-deps.sh
cargo build --release --locked
BIN=target/release/lantern
$BIN migrate # starts the bench cluster if it is not running
# Every run starts from an empty database: no referrals or bloat left by earlier runs.
psql -h 127.0.0.1 -p 54330 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS lantern WITH (FORCE)"
$BIN migrate
$BIN seed --reference-only
PG="psql -h 127.0.0.1 -p 54330 -U postgres -d lantern -tA"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
mkdir -p "$WORK"
: > "$RESULTS"
: > "$WORK/rss.log"
: > "$WORK/tools.log"
SERVERS=()
cleanup() { for pid in ${SERVERS[@]+"${SERVERS[@]}"}; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

record() { # key value...: one result, also shown as it is measured
  echo "$*" >> "$RESULTS"
  echo "bench: $*" >&2
}

PHASE_FILE=$WORK/phase
watch_rss() { # pid label: samples RSS every 0.2 s into rss.log as "label phase kB"
  local pid=$1 label=$2
  while kill -0 "$pid" 2>/dev/null; do
    echo "$label $(cat "$PHASE_FILE" 2>/dev/null || echo start) $(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')" >> "$WORK/rss.log"
    sleep 0.2
  done
}
phase() { echo "$1" > "$PHASE_FILE"; }

start_server() { # port label [extra env...]: starts, watches its RSS from the start, and
  # waits for /healthz to report the index ready (or off); fails the run if it never does
  local port=$1 label=$2; shift 2
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
    echo "port $port is already serving; stop that server first" >&2; exit 1
  fi
  local started=$(date +%s.%N) ready=no
  env "$@" LANTERN_RELAY=false LANTERN_RATE_API_PER_IP=0 LANTERN_RATE_API_PER_TOKEN=0 LANTERN_RATE_LOGIN_PER_IP=0 \
    LANTERN_RATE_LOGIN_PER_EMAIL=0 LANTERN_ADDR=127.0.0.1:$port LANTERN_LOG=warn $BIN serve &
  SERVER=$!
  SERVERS+=("$SERVER")
  watch_rss "$SERVER" "$label" &
  for _ in $(seq 6000); do
    curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null | grep -qE '"searchIndex":"(ready|disabled)"' && { ready=yes; break; }
    kill -0 "$SERVER" 2>/dev/null || { echo "the server on port $port exited" >&2; exit 1; }
    sleep 0.1
  done
  [ $ready = yes ] || { echo "the server on port $port did not get ready in 10 minutes" >&2; exit 1; }
  LOADED_S=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
}
stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# Each prints one result ("rps=… p50=… … bad=N"); a run that produced none, or whose tool
# failed, reports bad=1 so the report fails rather than showing a number that was never
# measured. Their own output is kept in $WORK/tools.log.
run_wrk() { # script url connections
  local out
  out=$(wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"${DURATION}s" --timeout 30s -s "scripts/bench/$1.lua" "$2" 2>&1) || true
  echo "$out" >> "$WORK/tools.log"
  echo "$out" | sed -n 's/^RESULT //p' | grep . || echo "bad=1 missing=wrk-$1"
}
run_pgbench() { # script connections [pgbench options...]
  local script=$1 clients=$2 out status=0; shift 2
  out=$("$PGBIN/pgbench" -h 127.0.0.1 -p 54330 -n -f "scripts/bench/$script.sql" -c "$clients" -j "$clients" \
    -T "$DURATION" "$@" lantern 2>&1) || status=$?
  echo "$out" >> "$WORK/tools.log"
  echo "$out" | awk -v status="$status" '/latency average/ {lat=$4} /^tps/ {tps=$3} /failed transactions/ {failed=$5}
    /aborted/ {aborted=1}
    END {if (status || aborted || !tps) failed += 1; printf "rps=%.1f avg=%.2f bad=%d\n", tps, lat, failed}'
}

# --- the directory, and Lantern serving it ------------------------------------------------
phase generate
$BIN bench-data --providers "$N"
phase load
start_server $PORT lantern
MAIN=$SERVER
record index_load_s "$LOADED_S"
EMAIL="bench-admin-$RANDOM$RANDOM@lantern.test"
LANTERN_ADMIN_PASSWORD="benchmark password only" $BIN admin create-user --email "$EMAIL" --name "Bench Admin (synthetic)" --organization "Bench Office" >/dev/null
BENCH_TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
  -d "{\"query\":\"mutation { login(email: \\\"$EMAIL\\\", password: \\\"benchmark password only\\\") { token } }\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["token"])')
export BENCH_TOKEN

phase read
for c in 1 8; do
  record search_$c "$(run_wrk search "http://127.0.0.1:$PORT/graphql" $c)"
  record search_room_$c "$(run_wrk search_room "http://127.0.0.1:$PORT/graphql" $c)"
  record floor_$c "$(run_pgbench nearest $c -U postgres)"
  record knn_$c "$(run_pgbench nearest_any $c -U postgres)"
  record gap_$c "$(run_wrk gap "http://127.0.0.1:$PORT/graphql" $c)"
  record gapcsv_$c "$(run_wrk gap_csv "http://127.0.0.1:$PORT" $c)"
done

# HSDS: the same search's HSDS face, GET /hsds/service_at_locations?proximity=… (ranked by
# the in-memory index), beside searchProviders and PostGraphile.
BENCH_NEED_TERMS=$(for code in acute.housing acute.emergency_response_24h transitional.legal acute.medical transitional.mental_health; do
  curl -fsS "http://127.0.0.1:$PORT/hsds/taxonomy_terms?search=$code" | python3 -c 'import json,sys; print(json.load(sys.stdin)["contents"][0]["id"])'
done | paste -sd, -)
export BENCH_NEED_TERMS
for c in 1 8; do
  record hsds_proximity_$c "$(run_wrk hsds_proximity "http://127.0.0.1:$PORT" $c)"
done

# createReferral: an advocate referring a consenting client, every request a new referral;
# the floor runs the same statements as the service's database role.
phase setup # accounts and logins: Argon2 works in ~19 MiB per password while it runs
SETUP=$(python3 scripts/bench/referral_setup.py "http://127.0.0.1:$PORT/graphql" "$BENCH_TOKEN" "benchmark password only")
eval "$SETUP"
phase write
for c in 1 8; do
  before=$($PG -c "SELECT count(*) FROM referrals")
  record referral_$c "$(run_wrk referral "http://127.0.0.1:$PORT/graphql" $c)"
  record referral_rows_$c "$(( $($PG -c "SELECT count(*) FROM referrals") - before ))"
  record referral_floor_$c "$(run_pgbench referral $c -U lantern_app -M prepared -D sender="$BENCH_SENDER" \
    -D recipient="$BENCH_RECIPIENT" -D provider="$BENCH_PROVIDER" -D service="$BENCH_SERVICE" -D client="$BENCH_CLIENT" \
    -D user="$BENCH_USER")"
done
# setCapacity: a network admin sets the free beds of bench services at random (after the
# searches, which it would change); every request writes a history row, counted.
$PG -c "SELECT c.service_id FROM service_capacity c JOIN providers p ON p.id = c.provider_id
        WHERE p.kind = 'bench' AND c.unit_code = 'bed' ORDER BY md5(c.service_id::text) LIMIT 2000" > "$WORK/capacity_services.txt"
export BENCH_CAPACITY_SERVICES=$WORK/capacity_services.txt
# The floor: the same statements as one SQL transaction through pgbench, as the service's
# database role, for the same network admin and the same services (scripts/bench/capacity.sql).
$PG -c "DROP TABLE IF EXISTS bench_capacity_pick" -c "CREATE TABLE bench_capacity_pick AS
          SELECT row_number() OVER ()::int AS n, service_id FROM unnest('{$(paste -sd, "$BENCH_CAPACITY_SERVICES")}'::uuid[]) AS service_id" \
    -c "GRANT SELECT ON bench_capacity_pick TO lantern_app" > /dev/null
read -r ADMIN_ORG ADMIN_USER < <(curl -fsS -X POST "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
  -H "authorization: Bearer $BENCH_TOKEN" -d '{"query":"{ me { user { id } organization { id } } }"}' |
  python3 -c 'import json,sys; me = json.load(sys.stdin)["data"]["me"]; print(me["organization"]["id"], me["user"]["id"])')
for c in 1 8; do
  before=$($PG -c "SELECT count(*) FROM service_capacity_history")
  record capacity_$c "$(run_wrk capacity "http://127.0.0.1:$PORT/graphql" $c)"
  record capacity_rows_$c "$(( $($PG -c "SELECT count(*) FROM service_capacity_history") - before ))"
  record capacity_floor_$c "$(run_pgbench capacity $c -U lantern_app -M prepared -D org="$ADMIN_ORG" -D user="$ADMIN_USER")"
done
$PG -c "DROP TABLE bench_capacity_pick" > /dev/null
phase done
record db_size "$($PG -c "SELECT pg_size_pretty(pg_database_size('lantern'))")"
record locations "$($PG -c "SELECT count(*) FROM locations WHERE archived_at IS NULL")"

# HSDS: the bench directory exported as an HSDS data package, and imported into an empty
# database (reference data only), timed end to end by the command.
phase hsds
HSDS_DIR=$WORK/hsds-export
rm -rf "$HSDS_DIR"
t0=$(date +%s.%N)
$BIN hsds export "$HSDS_DIR" > "$WORK/hsds-export.log"
record hsds_export_s "$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")"
psql -h 127.0.0.1 -p 54330 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS lantern_hsds WITH (FORCE)" \
  -c "CREATE DATABASE lantern_hsds"
HSDS_DB=postgres://postgres@127.0.0.1:54330/lantern_hsds
DATABASE_URL=$HSDS_DB LANTERN_MIGRATION_DATABASE_URL=$HSDS_DB $BIN seed --reference-only
t0=$(date +%s.%N)
if DATABASE_URL=$HSDS_DB LANTERN_MIGRATION_DATABASE_URL=$HSDS_DB $BIN hsds import "$HSDS_DIR" > "$WORK/hsds-import.log"; then
  record hsds_import "s=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')") services=$(psql -h 127.0.0.1 -p 54330 -U postgres -d lantern_hsds -tAc "SELECT count(*) FROM services") bad=0"
else
  record hsds_import "bad=1"
fi
psql -h 127.0.0.1 -p 54330 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS lantern_hsds WITH (FORCE)"

# Lantern with the in-memory index off: search and the matrix answered by PostgreSQL.
phase plain
start_server $PLAIN_PORT lantern-plain LANTERN_SEARCH_INDEX=false
PLAIN=$SERVER
for c in 1 8; do
  record plain_search_$c "$(run_wrk search "http://127.0.0.1:$PLAIN_PORT/graphql" $c)"
done
record plain_gap_1 "$(python3 scripts/bench/timed_requests.py "http://127.0.0.1:$PLAIN_PORT/graphql" "$BENCH_TOKEN" 3 \
  "{ gapMatrix { county { fips } need { code } providerCount withContact withActiveMou htTrained status } }")"
stop_server "$PLAIN"

# The peer: PostGraphile v4 with @graphile/postgis, on the same database.
phase peer
PEER_DIR=$WORK/postgraphile
mkdir -p "$PEER_DIR"
$PG -f scripts/bench/peer.sql >/dev/null
if [ -x "$PEER_DIR/node_modules/.bin/postgraphile" ] || \
   (cd "$PEER_DIR" && npm install --no-audit --no-fund postgraphile@4 @graphile/postgis@0.2 > npm-install.log 2>&1); then
  "$PEER_DIR/node_modules/.bin/postgraphile" -c "postgres://postgres@127.0.0.1:54330/lantern" --schema public \
     --append-plugins @graphile/postgis --port $PEER_PORT --host 127.0.0.1 --disable-graphiql --disable-query-log \
     > "$PEER_DIR/server.log" 2>&1 &
  PEER=$!
  SERVERS+=("$PEER")
  peer_ok=no
  # Introspecting the whole schema takes a while on first start.
  for _ in $(seq 600); do
    curl -fsS -X POST "http://127.0.0.1:$PEER_PORT/graphql" -H 'content-type: application/json' -d '{"query":"{__typename}"}' >/dev/null 2>&1 && { peer_ok=yes; break; }
    kill -0 "$PEER" 2>/dev/null || break
    sleep 0.5
  done
  if [ $peer_ok = yes ]; then
    watch_rss "$PEER" postgraphile &
    for c in 1 8; do record peer_$c "$(run_wrk peer "http://127.0.0.1:$PEER_PORT/graphql" $c)"; done
  else
    echo "PostGraphile did not start; see $PEER_DIR/server.log" >&2; tail -20 "$PEER_DIR/server.log" >&2
  fi
  stop_server "$PEER"
else
  echo "npm install of PostGraphile failed; see $PEER_DIR/npm-install.log" >&2
fi

# Scaling: the same search at other directory sizes (the server restarted on each).
stop_server "$MAIN"
for n in $SCALES; do
  phase "generate-$n"
  $BIN bench-data --providers "$n"
  start_server $PORT "lantern-$n"
  record "scale_${n}_index_load_s" "$LOADED_S"
  phase "read-$n"
  record "scale_${n}_search_1" "$(run_wrk search "http://127.0.0.1:$PORT/graphql" 1)"
  record "scale_${n}_floor_1" "$(run_pgbench nearest 1 -U postgres)"
  stop_server "$SERVER"
done

python3 scripts/bench/report.py "$N" "$SCALES" "$RESULTS" "$WORK/rss.log" \
  "$($PG -c "SELECT postgis_lib_version()")" "$("$PGBIN/postgres" --version | awk '{print $3}')"
