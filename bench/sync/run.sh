#!/usr/bin/env bash
# The sync benchmarks, in one run (prints figures, asserts nothing):
#  1. bytes on the wire per 50-item result, beside plain JSON (bench_wire);
#  2. the time to drain 1,000 results through the fault proxy at the EDGE
#     profile, beside the floor: the bytes that went up ÷ the up bandwidth
#     (the daemon as configured: several batches a POST; drain.sh has the
#     table at EDGE and 2G beside one batch a POST);
#  3. the receiver's ingest rate, results per second, 8 stations at once,
#     and the receiver's CPU time per result stored (whole rounds: the
#     stations' daemons share this machine's 2 cores with the receiver);
#  4. the receiver alone (bench_ingest): uploads of 8 stations made
#     beforehand, posted at once, 2,500 results per station, batches of 50
#     (PER=N results per station, ITEMS=50 for results of 50 items), and
#     what a result costs on central's disk;
#  5. the same from 200 stations at once, 50 results each (MANY=N to change).
# PARTS="4 5" runs only those parts (default: all). RECEIVER=PATH runs
# another build's synaq-central as the receiver (a baseline to compare).
#   bench/sync/run.sh [BUILD_DIR]
# Under tests/pg/with-pg.sh (SYNAQ_CENTRAL_DB set) the receiver stores in a
# throwaway PostgreSQL cluster instead of results.db.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/pg/store.sh"
bin=${1:-$top/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-bsync-XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

want() { [[ " ${PARTS:-1 2 3 4 5} " == *" $1 "* ]]; }
if want 1; then
echo "== 1. bytes on the wire"
"$bin/bench/sync/bench_wire" --results 200
fi

central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
ctl() { local i=$1; shift; "$bin/ctl/synaqctl" --home "$work/st$i" "$@"; }
# start_port VAR CMD...: starts a daemon (in this shell, so the trap can
# stop it) and sets VAR to the port it prints ("listening on 127.0.0.1:PORT").
start_port() {
  local var=$1 out=$work/$RANDOM.out
  shift
  "$@" >"$out" 2>>"$work/daemons.log" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q listening "$out" 2>/dev/null && break; sleep 0.1; done
  printf -v "$var" '%s' "$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$out")"
}
now_ms() { date +%s%3N; }
# CPU time of a process in ns, from the scheduler (/proc/PID/task/*/schedstat,
# summed over its threads): exact, where utime+stime count 10 ms ticks.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END{printf "%.0f\n", s}'; }
# The same for the throwaway PostgreSQL cluster (with-pg.sh): its
# postmaster and every process it started (the receiver's backends, the
# WAL writer, the checkpointer); 0 on SQLite. The database is central's
# work too: a receiver's CPU alone leaves it out.
db_cpu_ns() {
  local pm
  pm=$(head -1 "$(cat "${SYNAQ_TEST_PG:-/nonexistent}/cluster" 2>/dev/null)/data/postmaster.pid" \
    2>/dev/null) || { echo 0; return; }
  { echo "$pm"; pgrep -P "$pm"; } | while read -r p; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
    awk '{s+=$1} END{printf "%.0f\n", s}'
}
# ingest BENCH_INGEST_ARGS...: runs bench_ingest, and on PostgreSQL
# prints the database server's CPU per result acknowledged beside it.
ingest() {
  local d0 d1 out
  d0=$(db_cpu_ns)
  out=$("$bin/bench/sync/bench_ingest" "$@") || { echo "$out"; return 1; }
  d1=$(db_cpu_ns)
  echo "$out"
  if [ "$d0" != 0 ]; then
    echo "$out" | awk -v c=$((d1 - d0)) '/acknowledged/ { n = $2 }
      END { if (n) printf "  %-40s %8.1f us/result (%.0f ms of CPU)\n", "database server CPU per result", c / 1000 / n, c / 1e6 }'
  fi
}

n_st=8
central keygen >/dev/null
certs=()
for i in $(seq 0 $n_st); do
  ctl "$i" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
  central enroll "$work/st$i/enrol.req" --station-id "b-$i" --district B >/dev/null
  ctl "$i" enroll "$work/central/certs/b-$i.cert" >/dev/null
  certs+=("$work/central/certs/b-$i.cert")
done
central bundle build "$top/tests/sync/chaos-exam.yaml" --stations "${certs[@]}" -o "$work/c.sqb" >/dev/null
# Every station of this benchmark posts from 127.0.0.1: no per-address cap
# (real stations come from addresses of their own).
start_port port "${RECEIVER:-$bin/central/synaq-central}" --home "$work/central" serve --listen 127.0.0.1:0 \
  --max-per-ip 0 --max-per-new-ip 0
receiver=${pids[0]}
conf() { # STATION URL
  printf 'central_url = %s\nfetch_bundles = no\nbatch_results = 50\nretry_min_s = 1\nretry_max_s = 2\n' \
    "$2" >"$work/st$1/sync.conf"
}

if want 2; then
echo
echo "== 2. draining 1,000 results at the EDGE profile (200 kbit/s up, ~400 ms one way)"
ctl 0 import "$work/c.sqb" >/dev/null
"$bin/tests/sync/mkresults" --home "$work/st0" --count 1000 --tag drain
start_port pport "$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 \
  --target "127.0.0.1:$port" --profile edge --log
conf 0 "http://127.0.0.1:$pport"
t0=$(now_ms)
"$bin/sync/synaq-syncd" --home "$work/st0" --once 2>>"$work/daemons.log"
t1=$(now_ms)
up_bytes=$(store_sql "$work/central/results.db" \
  "SELECT sum(len_bytes) FROM batches WHERE station_id = 'b-0'")
pending=$(sqlite3 -readonly -cmd ".timeout 10000" "$work/st0/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")
floor_ms=$(( up_bytes * 8 * 1000 / 200000 ))
printf '  %-40s %8d ms  (%d left pending)\n' "synaq-syncd, 1,000 results" $((t1 - t0)) "$pending"
printf '  %-40s %8d ms  (%d bytes of batches / 200 kbit/s)\n' "floor" "$floor_ms" "$up_bytes"
awk -v a=$((t1 - t0)) -v b="$floor_ms" 'BEGIN { printf "  %-40s %8.2f\n", "ratio", a / b }'
fi

if want 3; then
echo
echo "== 3. the receiver's ingest rate, $n_st stations at once"
for i in $(seq 1 $n_st); do
  ctl "$i" import "$work/c.sqb" >/dev/null
  "$bin/tests/sync/mkresults" --home "$work/st$i" --count 300 --tag ingest &
done
wait $(jobs -p | grep -v -F -x -f <(printf '%s\n' "${pids[@]}")) 2>/dev/null || true
for i in $(seq 1 $n_st); do conf "$i" "http://127.0.0.1:$port"; done
before=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
c0=$(cpu_ns "$receiver")
t0=$(now_ms)
for i in $(seq 1 $n_st); do "$bin/sync/synaq-syncd" --home "$work/st$i" --once 2>>"$work/daemons.log" & done
wait $(jobs -p | grep -v -F -x -f <(printf '%s\n' "${pids[@]}")) 2>/dev/null || true
t1=$(now_ms)
c1=$(cpu_ns "$receiver")
after=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
got=$((after - before))
printf '  %-40s %8d results in %d ms\n' "ingested" "$got" $((t1 - t0))
awk -v n="$got" -v ms=$((t1 - t0)) 'BEGIN { printf "  %-40s %8.0f results/s (whole rounds: probe, upload, ack, mark sent)\n", "rate", n * 1000 / ms }'
awk -v n="$got" -v c=$((c1 - c0)) 'BEGIN { printf "  %-40s %8.1f us/result (%.0f ms for %d; HTTP, checks, store, acks)\n", "receiver CPU per result", c / 1000 / n, c / 1e6, n }'
fi

# Uploads made beforehand, so that what is timed is the receiver's work:
# stations are machines of their own, not this one's 2 cores.
per=${PER:-2500}
# ITEMS=50: results of a 50-item exam (about 1 KB sealed, as a real
# exam's) instead of the 2-item check exam's (about 240 bytes).
items=${ITEMS:-2}
if want 4; then
exam=chaos
if [ "$items" != 2 ]; then
  exam=synthetic-bank
  "$bin/bench/synaq-gen-bank" --items "$items" --langs kk,ru --seed 1 -o "$work/big.yaml"
  central bundle build "$work/big.yaml" --stations "${certs[@]}" -o "$work/big.sqb" >/dev/null
  for i in $(seq 1 $n_st); do ctl "$i" import "$work/big.sqb" >/dev/null; done
else
  for i in $(seq 1 $n_st); do ctl "$i" import "$work/c.sqb" >/dev/null 2>&1 || true; done
fi
echo
echo "== 4. the receiver alone: $n_st stations at once, $per results of $items items each (bench_ingest)"
for i in $(seq 1 $n_st); do
  "$bin/tests/sync/mkresults" --home "$work/st$i" --count "$per" --tag alone --exam "$exam" &
done
wait $(jobs -p | grep -v -F -x -f <(printf '%s\n' "${pids[@]}")) 2>/dev/null || true
before=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
ingest --url "http://127.0.0.1:$port" --pid "$receiver" \
  $(for i in $(seq 1 $n_st); do echo "$work/st$i"; done)
after=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
printf '  %-40s %8d\n' "rows added to the store" $((after - before))
# What a result costs on central's disk, everything of the store counted
# (tables, indexes, heartbeats; SQLite's file after a checkpoint).
if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
  psql -X -At "$SYNAQ_CENTRAL_DB" -c "CHECKPOINT" >/dev/null 2>&1 || true
  size=$(store_sql "$work/central/results.db" \
    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n
      ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')")
else
  sqlite3 "$work/central/results.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null 2>&1 || true
  size=$(stat -c %s "$work/central/results.db")
fi
awk -v b="$size" -v n="$after" 'BEGIN { printf "  %-40s %8.0f bytes (%d results, %.1f MB in all)\n", "store size per result", b / n, n, b / 1e6 }'
fi

many=${MANY:-200}
if want 5; then
echo
echo "== 5. the receiver alone: $many stations at once, 50 results each"
mcerts=()
for i in $(seq 1 "$many"); do
  "$bin/ctl/synaqctl" --home "$work/m$i" init --no-passphrase \
    --central "$work/central/keys/central.pub" >/dev/null
  central enroll "$work/m$i/enrol.req" --station-id "m-$i" --district M >/dev/null
  "$bin/ctl/synaqctl" --home "$work/m$i" enroll "$work/central/certs/m-$i.cert" >/dev/null
  mcerts+=("$work/central/certs/m-$i.cert")
done
central bundle build "$top/tests/sync/chaos-exam.yaml" --stations "${mcerts[@]}" -o "$work/m.sqb" >/dev/null
for i in $(seq 1 "$many"); do
  "$bin/ctl/synaqctl" --home "$work/m$i" import "$work/m.sqb" >/dev/null
  "$bin/tests/sync/mkresults" --home "$work/m$i" --count 50 --tag many
done
before=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
ingest --url "http://127.0.0.1:$port" --pid "$receiver" --batch 10 \
  $(for i in $(seq 1 "$many"); do echo "$work/m$i"; done)
after=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
printf '  %-40s %8d\n' "rows added to the store" $((after - before))
fi
