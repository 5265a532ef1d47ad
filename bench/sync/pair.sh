#!/usr/bin/env bash
# pair.sh - two receivers on the same uploads, in turns, stations made
# once (run.sh makes them anew for each receiver: 200 stations take
# minutes on a loaded machine):
#
#   bench/sync/pair.sh BUILD_DIR RECEIVER_A RECEIVER_B
#   tests/pg/with-pg.sh bench/sync/pair.sh ...  # SQLite, then PostgreSQL (a fresh database a run)
#
# Makes central's keys and registry (central.db), 8 stations with PER
# (2,500) pending results each and MANY (200) stations with 50 each, then
# for each of ROUNDS (1) rounds and each receiver (A then B, B then A in
# the next round): a copy of central's home, a receiver started on it
# (on PostgreSQL a database of its own, the registry taken in from the
# copy), run.sh's part 4 (8 stations at once, batches of 50) and part 5
# (MANY at once, batches of 10) through bench_ingest, and the receiver's
# and the database server's CPU per result. Prints figures, asserts
# nothing; the receivers are any two builds' synaq-central.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:?BUILD_DIR}" && pwd)
recv_a=${2:?RECEIVER_A}
recv_b=${3:?RECEIVER_B}
n_st=8
per=${PER:-2500}
many=${MANY:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-bpair-XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
pg_url=${SYNAQ_CENTRAL_DB:-}
# The stations are enrolled into central.db whatever the engine: each
# PostgreSQL run takes the registry in from its copy of the home.
unset SYNAQ_CENTRAL_DB
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }

central keygen >/dev/null
homes=()
for i in $(seq 1 $n_st); do homes+=("st$i"); done
for i in $(seq 1 "$many"); do homes+=("m$i"); done
setup() { # HOME
  "$bin/ctl/synaqctl" --home "$work/$1" init --no-passphrase \
    --central "$work/central/keys/central.pub" >/dev/null
}
export -f setup
export bin work
printf '%s\n' "${homes[@]}" | xargs -P 4 -I{} bash -c 'setup {}'
# Enrolment writes central.db: one at a time.
for h in "${homes[@]}"; do
  central enroll "$work/$h/enrol.req" --station-id "b-$h" --district B >/dev/null
done
certs=()
for h in "${homes[@]}"; do certs+=("$work/central/certs/b-$h.cert"); done
central bundle build "$top/tests/sync/chaos-exam.yaml" --stations "${certs[@]}" -o "$work/c.sqb" >/dev/null
finish() { # HOME COUNT
  "$bin/ctl/synaqctl" --home "$work/$1" enroll "$work/central/certs/b-$1.cert" >/dev/null
  "$bin/ctl/synaqctl" --home "$work/$1" import "$work/c.sqb" >/dev/null
  "$bin/tests/sync/mkresults" --home "$work/$1" --count "$2" --tag pair >/dev/null
}
export -f finish
{ for i in $(seq 1 $n_st); do echo "st$i $per"; done
  for i in $(seq 1 "$many"); do echo "m$i 50"; done; } |
  xargs -P 4 -L 1 bash -c 'finish "$0" "$1"'

db_cpu_ns() {
  local pm
  pm=$(head -1 "$(cat "${SYNAQ_TEST_PG:-/nonexistent}/cluster" 2>/dev/null)/data/postmaster.pid" \
    2>/dev/null) || { echo 0; return; }
  { echo "$pm"; pgrep -P "$pm"; } | while read -r p; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
    awk '{s+=$1} END{printf "%.0f\n", s}'
}
ingest() { # LABEL BENCH_INGEST_ARGS...
  local label=$1 d0 d1 out
  shift
  d0=0 d1=0
  [ "$engine" = pg ] && d0=$(db_cpu_ns)
  out=$("$bin/bench/sync/bench_ingest" "$@") || { echo "$out"; return 1; }
  [ "$engine" = pg ] && d1=$(db_cpu_ns)
  echo "  -- $label"
  echo "$out"
  if [ "$d0" != 0 ]; then
    echo "$out" | awk -v c=$((d1 - d0)) '/acknowledged/ { n = $2 }
      END { if (n) printf "  %-40s %8.1f us/result (%.0f ms of CPU)\n", "database server CPU per result", c / 1000 / n, c / 1e6 }'
  fi
}
run_one() { # NAME RECEIVER ENGINE
  local name=$1 recv=$2 engine=$3 out port rpid db=()
  rm -rf "$work/c-$name"
  cp -a "$work/central" "$work/c-$name"
  if [ "$engine" = pg ]; then
    db=(--db "$("$top/tests/pg/pgtmp.sh" url "$SYNAQ_TEST_PG" "$name")")
  fi
  out=$work/$name.out
  "$recv" --home "$work/c-$name" "${db[@]}" serve --listen 127.0.0.1:0 \
    --max-per-ip 0 --max-per-new-ip 0 >"$out" 2>>"$work/daemons.log" &
  rpid=$!
  pids+=("$rpid")
  for _ in $(seq 1 300); do grep -q listening "$out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$out")
  echo "== $name, $engine: $recv (load $(cut -d' ' -f1 /proc/loadavg))"
  # PERF=PREFIX: perf profiles (cpu-clock, call graphs) of the 8 stations'
  # part, the receiver's in PREFIX-NAME.recv, the database server's
  # processes' in PREFIX-NAME.db.
  local perf_pids=()
  if [ -n "${PERF:-}" ]; then
    perf record -q -e cpu-clock -F 2000 -g -o "$PERF-$name.recv" -p "$rpid" 2>/dev/null &
    perf_pids+=($!)
    local pm
    if [ "$engine" = pg ] && pm=$(head -1 "$(cat "$SYNAQ_TEST_PG/cluster")/data/postmaster.pid"); then
      perf record -q -e cpu-clock -F 2000 -g -o "$PERF-$name.db" \
        -p "$(pgrep -d, -P "$pm"),$pm" 2>/dev/null &
      perf_pids+=($!)
    fi
    sleep 1
  fi
  ingest "$n_st stations, $per results each, batches of 50" \
    --url "http://127.0.0.1:$port" --pid "$rpid" \
    $(for i in $(seq 1 $n_st); do echo "$work/st$i"; done)
  for p in "${perf_pids[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
  ingest "$many stations, 50 results each, batches of 10" \
    --url "http://127.0.0.1:$port" --pid "$rpid" --batch 10 \
    $(for i in $(seq 1 "$many"); do echo "$work/m$i"; done)
  kill "$rpid"
  wait "$rpid" 2>/dev/null || true
  rm -rf "$work/c-$name"
}
# ENGINES: sqlite, and pg under with-pg.sh (both by default there).
engines=${ENGINES:-sqlite${pg_url:+ pg}}
for r in $(seq 1 "${ROUNDS:-1}"); do
  for e in $engines; do
    if [ $((r % 2)) = 1 ]; then
      run_one "a${r}_$e" "$recv_a" "$e"
      run_one "b${r}_$e" "$recv_b" "$e"
    else
      run_one "b${r}_$e" "$recv_b" "$e"
      run_one "a${r}_$e" "$recv_a" "$e"
    fi
  done
done
