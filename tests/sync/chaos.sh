#!/usr/bin/env bash
# The chaos test of the sync issue: results from several stations go to a
# real receiver on 127.0.0.1 through the fault proxy (random resets,
# stalls, garbage, 500/503, captive-portal pages, slow links) while the
# stations' daemons are stopped, killed with SIGKILL and restarted at
# random. Throughout, no station may have marked sent a result central
# does not hold; at the end central holds every result exactly once and
# every outbox is empty.
# With RECEIVERS=N (N > 1, PostgreSQL only: run under tests/pg/with-pg.sh)
# N receivers share one database behind the proxy, which sends connections
# to each in turn, and receivers are killed with SIGKILL and restarted on
# their port during the run as the daemons are.
# With WINDOW_UP_MS and WINDOW_DOWN_MS (the proxy's emulated ms; it runs at
# time-scale 20) the link is also a 2G one that comes and goes: up, then
# down (open connections cut, new ones refused), over and over, faults and
# kills going on. Then also: results acknowledged in one window are never
# sent again in a later one (central's log after each window against the
# stations' acknowledgements before it), acknowledgements came in several
# windows (progress within a window is kept), and central saw no more
# duplicate batches than answers were lost on the way.
#   chaos.sh BUILD_DIR SOURCE_DIR
#   (env: STATIONS, RESULTS, SEED, DRAIN_S, PACE_S, RECEIVERS, WINDOW_UP_MS, WINDOW_DOWN_MS)
set -Eeuo pipefail
bin=$1
src=$2
stations=${STATIONS:-4}
total=${RESULTS:-10000}
seed=${SEED:-$RANDOM}
drain_s=${DRAIN_S:-300}
pace_s=${PACE_S:-40}   # results are made over about this long, so the chaos has time
receivers=${RECEIVERS:-1}
window_up=${WINDOW_UP_MS:-}
window_down=${WINDOW_DOWN_MS:-}
per=$((total / stations))
if [ "$receivers" -gt 1 ] && [ -z "${SYNAQ_CENTRAL_DB:-}" ]; then
  echo "chaos: RECEIVERS=$receivers needs PostgreSQL (run under tests/pg/with-pg.sh)" >&2
  exit 2
fi
link=()
if [ -n "$window_up" ]; then
  # The 2G link of the fault proxy's window profile, in windows of our own.
  link=(--latency 350 --jitter 100 --up 18 --down 40 --loss 5
    --window-up-ms "$window_up" --window-down-ms "$window_down")
fi
echo "chaos: $stations stations x $per results, $receivers receiver(s), seed $seed${window_up:+, windows up $window_up ms down $window_down ms (/20)}"
# shellcheck source=../pg/store.sh
. "$src/tests/pg/store.sh"
RANDOM=$seed
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-chaos-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for r in $(seq 1 "$receivers"); do
    [ -f "$work/serve-$r.pid" ] && kill -9 "$(cat "$work/serve-$r.pid")" 2>/dev/null || true
  done
  for i in $(seq 1 "$stations"); do
    [ -f "$work/syncd-$i.pid" ] && kill -9 "$(cat "$work/syncd-$i.pid")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "chaos: FAIL: $*" >&2; exit 1; }
# Under set -e a command that fails stops the script; say which one.
trap 'echo "chaos: FAIL: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
ctl() { local i=$1; shift; "$bin/ctl/synaqctl" --home "$work/st$i" "$@"; }

central keygen >/dev/null
certs=()
for i in $(seq 1 "$stations"); do
  ctl "$i" init --no-passphrase --central "$work/central/keys/central.pub" --label "chaos $i" >/dev/null
  central enroll "$work/st$i/enrol.req" --station-id "st-$i" --district "Chaos" >/dev/null
  ctl "$i" enroll "$work/central/certs/st-$i.cert" >/dev/null
  certs+=("$work/central/certs/st-$i.cert")
done
central bundle build "$src/tests/sync/chaos-exam.yaml" --stations "${certs[@]}" \
  -o "$work/chaos.sqb" >/dev/null
for i in $(seq 1 "$stations"); do ctl "$i" import "$work/chaos.sqb" >/dev/null; done

# The receivers, then the fault proxy in front of them. A receiver killed
# comes back on the port it had (port 0 the first time picks a free one).
rports=()
start_receiver() {
  local r=$1 listen=127.0.0.1:${2:-0}
  : >"$work/serve-$r.out"
  "$bin/central/synaq-central" --home "$work/central" serve --listen "$listen" \
    >"$work/serve-$r.out" 2>>"$work/serve-$r.log" &
  echo $! >"$work/serve-$r.pid"
  for _ in $(seq 1 100); do grep -q listening "$work/serve-$r.out" 2>/dev/null && break; sleep 0.1; done
  rports[r]=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve-$r.out")
  [ -n "${rports[r]}" ] || fail "receiver $r did not start: $(tail -3 "$work/serve-$r.log")"
}
kill_receiver() {
  local r=$1 pid
  pid=$(cat "$work/serve-$r.pid")
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  receiver_kills=$((receiver_kills + 1))
  sleep "0.$((RANDOM % 5 + 1))"
  start_receiver "$r" "${rports[r]}"
}
receiver_kills=0
targets=()
for r in $(seq 1 "$receivers"); do
  start_receiver "$r"
  targets+=(--target "127.0.0.1:${rports[r]}")
done
"$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 "${targets[@]}" \
  --profile chaos "${link[@]}" --seed "$seed" --time-scale 20 --log >"$work/proxy.out" 2>"$work/proxy.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q listening "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
pport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/proxy.out")
[ -n "$pport" ] || fail "the proxy did not start: $(cat "$work/proxy.log")"

for i in $(seq 1 "$stations"); do
  cat >"$work/st$i/sync.conf" <<CONF
central_url = http://127.0.0.1:$pport
batch_results = 50
interval_s = 10
retry_min_s = 1
retry_max_s = 3
low_speed_bytes = 10
low_speed_s = 5
connect_timeout_s = 5
probe_timeout_s = 5
fetch_bundles = no
CONF
done

start_syncd() {
  local i=$1
  "$bin/sync/synaq-syncd" --home "$work/st$i" 2>>"$work/syncd-$i.log" &
  echo $! >"$work/syncd-$i.pid"
}

# What central holds and what a station marked sent, one seq a line.
# Reads wait for a writer's lock (a daemon mid-commit, or a killed
# daemon's WAL being recovered) rather than failing: a failed read would
# stop the script under set -e, so it says which read failed.
st_sql() { sqlite3 -readonly -cmd ".timeout 10000" "$work/st$1/station.db" "$2"; }
held() { store_sql "$work/central/results.db" \
  "SELECT seq FROM results WHERE station_id = 'st-$1' ORDER BY seq" | LC_ALL=C sort; }
marked() { st_sql "$1" "SELECT seq FROM results WHERE sent_wall IS NOT NULL ORDER BY seq" | LC_ALL=C sort; }
pending() { st_sql "$1" "SELECT count(*) FROM results WHERE sent_wall IS NULL" || echo "?"; }

# Marked sent must be a subset of held: read the station first, then
# central, so a result acknowledged in between is not a false alarm.
check_invariant() {
  local i m h
  for i in $(seq 1 "$stations"); do
    m=$(marked "$i")
    h=$(held "$i")
    local extra
    extra=$(LC_ALL=C comm -23 <(echo "$m" | sed '/^$/d') <(echo "$h" | sed '/^$/d') | head -3)
    [ -z "$extra" ] || fail "station st-$i marked sent results central does not hold: $extra"
  done
  checks=$((checks + 1))
}

# Windows: each time the link goes down, note how far central's logs and
# the stations' logs had got (line counts): what a station had seen
# acknowledged by then must not reach central again after it. Noted only
# while the link is still down (every connection was cut when it went, so
# nothing sent before can still be on its way); a window whose down time
# this loop missed is not checked.
snaps=0
window_snap() {
  [ -n "$window_up" ] || return 0
  local downs r i changes
  downs=$(grep -c 'link=down' "$work/proxy.log" || true)
  [ "$downs" -gt "$snaps" ] || return 0
  snaps=$downs
  changes=$(grep -c 'link=' "$work/proxy.log" || true)
  grep 'link=' "$work/proxy.log" | tail -1 | grep -q 'link=down' || return 0
  {
    for r in $(seq 1 "$receivers"); do echo "serve $r $(wc -l <"$work/serve-$r.log")"; done
    for i in $(seq 1 "$stations"); do echo "syncd $i $(cat "$work/syncd-$i.log" 2>/dev/null | wc -l)"; done
  } >"$work/snap.tmp"
  [ "$(grep -c 'link=' "$work/proxy.log" || true)" = "$changes" ] || return 0
  mv "$work/snap.tmp" "$work/snap-$snaps"
}

checks=0
gens=()
for i in $(seq 1 "$stations"); do
  "$bin/tests/sync/mkresults" --home "$work/st$i" --count "$per" --tag "c$i" \
    --pause-ms $((pace_s * 1000 / per)) &
  pids+=($!)
  gens+=($!)
  start_syncd "$i"
done

# Chaos while the results are being made: stop, kill, restart daemons.
kills=0
while :; do
  running=0
  for g in "${gens[@]}"; do kill -0 "$g" 2>/dev/null && running=1; done
  [ $running = 1 ] || break
  i=$((RANDOM % stations + 1))
  pid=$(cat "$work/syncd-$i.pid")
  if [ $((RANDOM % 3)) = 0 ]; then kill -TERM "$pid" 2>/dev/null || true; else kill -9 "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
  kills=$((kills + 1))
  sleep "0.$((RANDOM % 9 + 1))"
  start_syncd "$i"
  check_invariant
  window_snap
  [ "$receivers" -gt 1 ] && [ $((RANDOM % 5)) = 0 ] && kill_receiver $((RANDOM % receivers + 1))
  sleep "0.$((RANDOM % 9 + 1))"
done
for g in "${gens[@]}"; do wait "$g" || fail "making results failed"; done
echo "chaos: results made; $kills daemon stops/kills so far; draining"

# Drain: faults go on, kills become rare.
deadline=$((SECONDS + drain_s))
while :; do
  left=0
  for i in $(seq 1 "$stations"); do
    p=$(pending "$i")
    # Drained: nothing pending, and the outbox emptied (a daemon killed
    # between marking and removing a batch cleans it on its next round).
    [ "$p" = 0 ] && [ -z "$(ls "$work/st$i/outbox" 2>/dev/null)" ] || left=$((left + 1))
  done
  check_invariant
  window_snap
  [ $left = 0 ] && break
  [ $SECONDS -lt $deadline ] || fail "not drained after ${drain_s}s: $(for i in $(seq 1 "$stations"); do echo -n "st-$i: $(pending "$i") pending, outbox [$(ls "$work/st$i/outbox" | tr '\n' ' ')]; "; done)"
  if [ $((RANDOM % 4)) = 0 ]; then
    i=$((RANDOM % stations + 1))
    kill -9 "$(cat "$work/syncd-$i.pid")" 2>/dev/null || true
    wait "$(cat "$work/syncd-$i.pid")" 2>/dev/null || true
    kills=$((kills + 1))
    start_syncd "$i"
  fi
  [ "$receivers" -gt 1 ] && [ $((RANDOM % 8)) = 0 ] && kill_receiver $((RANDOM % receivers + 1))
  sleep 1
done

# The end: every result exactly once; every outbox empty.
for i in $(seq 1 "$stations"); do
  kill -TERM "$(cat "$work/syncd-$i.pid")" 2>/dev/null || true
  wait "$(cat "$work/syncd-$i.pid")" 2>/dev/null || true
done
check_invariant
n=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
d=$(store_sql "$work/central/results.db" \
  "SELECT count(*) FROM (SELECT station_id, seq FROM results GROUP BY 1, 2 HAVING count(*) > 1) AS dup")
[ "$n" = "$((per * stations))" ] || fail "central holds $n results, expected $((per * stations))"
[ "$d" = 0 ] || fail "central holds $d results more than once"
for i in $(seq 1 "$stations"); do
  [ "$(held "$i" | wc -l)" = "$per" ] || fail "st-$i: central holds $(held "$i" | wc -l) of $per"
  [ -z "$(ls "$work/st$i/outbox" 2>/dev/null)" ] || fail "st-$i: outbox not empty"
done
if [ -n "$window_up" ]; then
  # Batches a station saw acknowledged: "batch ID acknowledged: ...".
  acked() { sed -n "1,${2}s/.*batch \([^ ]*\) acknowledged:.*/\1/p" "$work/syncd-$1.log"; }
  ups=$(grep -c 'link=up' "$work/proxy.log" || true)
  [ "$ups" -ge 2 ] || fail "the run saw $ups windows after the first; want at least 2"
  progress=0
  prev=0
  for k in $(seq 1 "$snaps"); do
    [ -f "$work/snap-$k" ] || continue
    : >"$work/acked-$k"
    while read -r what who lines; do
      [ "$what" = syncd ] && acked "$who" "$lines" >>"$work/acked-$k"
    done <"$work/snap-$k"
    now_acked=$(sort -u "$work/acked-$k" | wc -l)
    [ "$now_acked" -gt "$prev" ] && progress=$((progress + 1))
    prev=$now_acked
    [ -s "$work/acked-$k" ] || continue
    # Central's uploads after this window ended.
    while read -r what who lines; do
      [ "$what" = serve ] || continue
      tail -n +"$((lines + 1))" "$work/serve-$who.log" | sed -n 's/.*POST \/v1\/upload .* batch=\([^ ]*\) .*/\1/p'
    done <"$work/snap-$k" | sort -u >"$work/later-$k"
    again=$(LC_ALL=C comm -12 <(LC_ALL=C sort -u "$work/acked-$k") <(LC_ALL=C sort -u "$work/later-$k") | head -3)
    [ -z "$again" ] || fail "batches acknowledged before window $k ended were sent again later: $again
$(cat "$work/snap-$k"; grep -h "$(echo "$again" | head -1)" "$work"/serve-*.log "$work"/syncd-*.log)"
  done
  [ "$progress" -ge 2 ] || fail "acknowledgements came in $progress window(s); want progress in at least 2"
  # A batch central already held comes again only when its answer was lost:
  # a connection the proxy ended otherwise than closed, or faulted.
  dups=$(cat "$work"/serve-*.log | grep -c 'POST /v1/upload 200.*duplicate' || true)
  lost=$(grep 'faultproxy: conn=' "$work/proxy.log" | grep -vc 'fault=none .*end=closed' || true)
  [ "$dups" -le "$lost" ] || fail "central saw $dups duplicate batches but only $lost answers can have been lost"
  checked=$(ls "$work"/snap-* 2>/dev/null | wc -l)
  [ "$checked" -ge 2 ] || fail "only $checked window(s) noted while down; want at least 2"
  echo "chaos: $ups windows after the first, $checked noted while down, acknowledgements in $progress of them, none sent again after its window; $dups duplicate batches at central ($lost connections faulted or cut)"
fi
echo "chaos: $n results held once each; $kills daemon stops/kills; $receiver_kills receiver kills; invariant checked $checks times"
echo "chaos: 1 passed, 0 failed"
