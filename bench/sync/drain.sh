#!/usr/bin/env bash
# Drain time beside the wire floor (prints figures, asserts nothing).
# For each link profile and result count: a fresh central and station,
# COUNT results sealed, then one `synaq-syncd --once` through the fault
# proxy, timed from its start to its end; the floor is the bytes of the
# batches central stored ÷ the proxy's up bandwidth (what the link must
# carry whatever the protocol does); the ratio is drain ÷ floor; "link s"
# is how long the proxy's connections were open (the rest is the daemon
# starting and working on its own disk, which a busy machine stretches).
# Each row runs in two modes, in this invocation:
#   old  one batch of 50 per POST after a health probe (upload_multi = no,
#        the behaviour before issue 13)
#   new  several batches in one POST, sized from the measured bandwidth
#   bench/sync/drain.sh [BUILD_DIR]
# PROFILES="edge 2g" COUNTS="1000 10000" MODES="old new" choose the rows
# (defaults: edge and 2g, 1000, old and new: about 7 minutes; 10,000 at 2G
# takes about 17 minutes a mode). OLD_SYNCD=PATH runs another build's
# synaq-syncd for the old mode (it is given no upload_multi key). KEEP=DIR
# keeps each row's logs (receiver, proxy, daemon) in DIR/PROFILE-COUNT-MODE.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/pg/store.sh"
bin=${1:-$top/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-bdrain-XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

start_port() { # VAR LOG CMD...: starts a daemon, VAR gets the port it prints
  local var=$1 log=$2 out=$work/$RANDOM.out
  shift 2
  "$@" >"$out" 2>>"$log" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q listening "$out" 2>/dev/null && break; sleep 0.1; done
  printf -v "$var" '%s' "$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$out")"
}
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
now_ms() { date +%s%3N; }

# One row: PROFILE COUNT MODE. Prints the row; the logs stay in $work/run.
drain() {
  local profile=$1 count=$2 mode=$3 d=$work/run
  rm -rf "$d"
  mkdir -p "$d"
  local central=("$bin/central/synaq-central" --home "$d/central")
  "${central[@]}" keygen >/dev/null
  "$bin/ctl/synaqctl" --home "$d/st" init --no-passphrase --central "$d/central/keys/central.pub" >/dev/null
  "${central[@]}" enroll "$d/st/enrol.req" --station-id d-1 --district D >/dev/null
  "$bin/ctl/synaqctl" --home "$d/st" enroll "$d/central/certs/d-1.cert" >/dev/null
  "${central[@]}" bundle build "$top/tests/sync/chaos-exam.yaml" --stations "$d/central/certs/d-1.cert" \
    -o "$d/c.sqb" >/dev/null
  "$bin/ctl/synaqctl" --home "$d/st" import "$d/c.sqb" >/dev/null
  "$bin/tests/sync/mkresults" --home "$d/st" --count "$count" --tag drain
  local port pport
  start_port port "$d/central.log" "${central[@]}" serve --listen 127.0.0.1:0
  start_port pport "$d/proxy.log" "$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 \
    --target "127.0.0.1:$port" --profile "$profile" --seed 13 --log
  local up_kbps
  up_kbps=$(sed -n 's/.* up=\([0-9]*\) .*/\1/p' "$d/proxy.log" | head -1)
  local syncd=$bin/sync/synaq-syncd
  printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\nretry_min_s = 1\nretry_max_s = 2\n' \
    "$pport" >"$d/st/sync.conf"
  if [ "$mode" = old ]; then
    if [ -n "${OLD_SYNCD:-}" ]; then syncd=$OLD_SYNCD; else echo 'upload_multi = no' >>"$d/st/sync.conf"; fi
  fi
  local t0 t1 rc=0
  t0=$(now_ms)
  "$syncd" --home "$d/st" --once 2> >(while IFS= read -r l; do echo "$(date +%s.%3N) $l"; done >"$d/syncd.log") || rc=$?
  t1=$(now_ms)
  stop_all
  [ -z "${KEEP:-}" ] || { mkdir -p "$KEEP/$profile-$count-$mode" && cp "$d"/*.log "$d/st/syncd.log" "$KEEP/$profile-$count-$mode/" 2>/dev/null || true; }
  local up_bytes pending posts
  up_bytes=$(store_sql "$d/central/results.db" "SELECT coalesce(sum(len_bytes), 0) FROM batches")
  pending=$(sqlite3 -readonly -cmd ".timeout 10000" "$d/st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")
  posts=$(grep -c 'POST /v1/upload' "$d/central.log" || true)
  # The time the link was in use: the proxy's connections, end to end
  # (the rest of the drain is the daemon's start and its work on its disk).
  link_ms=$(sed -n 's/.* ms=\([0-9]*\) .*/\1/p' "$d/proxy.log" | awk '{s += $1} END {print s + 0}')
  awk -v p="$profile" -v n="$count" -v m="$mode" -v ms=$((t1 - t0)) -v b="$up_bytes" \
    -v k="$up_kbps" -v posts="$posts" -v left="$pending" -v rc="$rc" -v link="$link_ms" 'BEGIN {
      floor = b * 8 / k;   # ms: bytes * 8 / (kbit/s)
      printf "  %-5s %6d  %-4s %9.1f %9.1f %6.2f %8.1f %6d %9d %5d%s\n", p, n, m, ms / 1000,
        floor / 1000, ms / floor, link / 1000, posts, b, left, rc ? "  (syncd exit " rc ")" : ""
    }'
}

echo "== drain time beside the floor (floor = bytes of batches / up bandwidth of the profile)"
printf '  %-5s %6s  %-4s %9s %9s %6s %8s %6s %9s %5s\n' profile results mode "drain s" "floor s" ratio \
  "link s" POSTs bytes left
for profile in ${PROFILES:-edge 2g}; do
  for count in ${COUNTS:-1000}; do
    for mode in ${MODES:-old new}; do
      drain "$profile" "$count" "$mode"
    done
  done
done
