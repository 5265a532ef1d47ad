#!/usr/bin/env bash
# Slow clients must not lock stations out (trust issue, item 4). A real
# receiver with its default limits on 127.0.0.1; STATIONS enrolled stations
# with their real synaq-syncd daemons sync RESULTS results each once
# undisturbed (so central has seen their signature from their address),
# then slowclient opens PER_ADDR connections from each of 127.0.0.2 ..
# 127.0.0.40, half dribbling a request head, half dribbling a 1 MiB body, a
# byte every 3 s, reopening whatever the receiver closes. While that goes
# on, every station makes RESULTS new results: all of them must be
# acknowledged within ATTACK_S seconds (central holds them, the stations
# marked them sent), and the receiver's log must show the slow connections
# being cut. Prints how long the stations took without and with the attack.
#   slowloris.sh BUILD_DIR SOURCE_DIR   (env: STATIONS, RESULTS, PER_ADDR,
#                                        ATTACK_S, SERVE_OPTS)
set -euo pipefail
bin=$1
src=$2
stations=${STATIONS:-4}
results=${RESULTS:-20}
per_addr=${PER_ADDR:-16}
attack_s=${ATTACK_S:-120}
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-slowloris-XXXXXX")
serve_pid=""
attack_pid=""
syncd_pids=()
cleanup() {
  [ -z "$attack_pid" ] || kill -9 "$attack_pid" 2>/dev/null || true
  for p in "${syncd_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -z "$serve_pid" ] || kill -9 "$serve_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "slowloris: FAIL: $*" >&2
  echo "--- the receiver's log (last 30 lines) ---" >&2
  tail -30 "$work/serve.log" >&2 || true
  echo "--- the attacker (last line) ---" >&2
  tail -1 "$work/attack.out" >&2 || true
  for i in $(seq 1 "$stations"); do
    echo "--- syncd st-$i (last 5 lines) ---" >&2
    tail -5 "$work/syncd-$i.log" >&2 || true
  done
  exit 1
}
ms() { date +%s%3N; }

central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
ctl() { local i=$1; shift; "$bin/ctl/synaqctl" --home "$work/st$i" "$@"; }

central keygen >/dev/null
certs=()
for i in $(seq 1 "$stations"); do
  ctl "$i" init --no-passphrase --central "$work/central/keys/central.pub" --label "slow $i" >/dev/null
  central enroll "$work/st$i/enrol.req" --station-id "st-$i" --district "Slow" >/dev/null
  ctl "$i" enroll "$work/central/certs/st-$i.cert" >/dev/null
  certs+=("$work/central/certs/st-$i.cert")
done
central bundle build "$src/tests/sync/chaos-exam.yaml" --stations "${certs[@]}" \
  -o "$work/exam.sqb" >/dev/null
for i in $(seq 1 "$stations"); do ctl "$i" import "$work/exam.sqb" >/dev/null; done

# shellcheck disable=SC2086  # SERVE_OPTS is a list of options
"$bin/central/synaq-central" --home "$work/central" serve --listen 127.0.0.1:0 \
  ${SERVE_OPTS:-} >"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
[ -n "$port" ] || fail "the receiver did not start"

start_syncds() {
  local i
  syncd_pids=()
  for i in $(seq 1 "$stations"); do
    "$bin/sync/synaq-syncd" --home "$work/st$i" 2>>"$work/syncd-$i.log" &
    syncd_pids+=($!)
  done
}
stop_syncds() {
  local p
  for p in "${syncd_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${syncd_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  syncd_pids=()
}
for i in $(seq 1 "$stations"); do
  cat >"$work/st$i/sync.conf" <<CONF
central_url = http://127.0.0.1:$port
interval_s = 10
retry_min_s = 1
retry_max_s = 4
connect_timeout_s = 5
probe_timeout_s = 5
low_speed_bytes = 50
low_speed_s = 10
fetch_bundles = no
CONF
done
start_syncds

unsent() { sqlite3 -readonly -cmd ".timeout 10000" "$work/st$1/station.db" \
  "SELECT count(*) FROM results WHERE sent_wall IS NULL" 2>/dev/null || echo "?"; }
held() { sqlite3 -readonly -cmd ".timeout 10000" "$work/central/results.db" \
  "SELECT count(*) FROM results WHERE station_id = 'st-$1'" 2>/dev/null || echo "?"; }

# Makes RESULTS results on every station and waits until all are
# acknowledged or LIMIT seconds pass; prints the milliseconds taken.
round() { # TAG LIMIT_S WANT_HELD
  local tag=$1 limit_s=$2 want=$3 t0 i p left makers=()
  t0=$(ms)
  for i in $(seq 1 "$stations"); do
    "$bin/tests/sync/mkresults" --home "$work/st$i" --count "$results" --tag "$tag$i" &
    makers+=($!)
  done
  for p in "${makers[@]}"; do wait "$p" || return 1; done
  while :; do
    left=0
    for i in $(seq 1 "$stations"); do
      [ "$(unsent "$i")" = 0 ] && [ "$(held "$i")" = "$want" ] || left=$((left + 1))
    done
    [ $left = 0 ] && break
    [ $(($(ms) - t0)) -lt $((limit_s * 1000)) ] || return 1
    sleep 0.2
  done
  echo $(($(ms) - t0))
}

# 1. Undisturbed: the stations sync, and central sees their signatures.
calm_ms=$(round calm 60 "$results") || fail "stations did not sync even without an attack"
echo "slowloris: $stations stations x $results results acknowledged in $calm_ms ms without an attack"

# 2. The attack, until the attacker holds what it can. The daemons are
# stopped first and started again once it is under way, so the stations
# need new connections, as a station whose link dropped or that was
# switched off overnight does.
stop_syncds
"$bin/tests/security/slowclient" --target "127.0.0.1:$port" --from 127.0.0.2-127.0.0.40 \
  --per-addr "$per_addr" --interval-ms 3000 --seconds $((attack_s + 120)) >"$work/attack.out" &
attack_pid=$!
for _ in $(seq 1 100); do
  h=$(tail -1 "$work/attack.out" 2>/dev/null | sed -n 's/.*holding \([0-9]*\).*/\1/p')
  [ "${h:-0}" -ge 200 ] && break
  sleep 0.2
done
sleep 5
echo "slowloris: attack under way: $(tail -1 "$work/attack.out")"
start_syncds

# 3. New results during the attack: all acknowledged.
attack_ms=$(round attack "$attack_s" $((2 * results))) ||
  fail "stations locked out: not every result acknowledged within $attack_s s of the attack"
echo "slowloris: $stations stations x $results results acknowledged in $attack_ms ms during the attack"
# Let the receiver's deadlines show in the attacker's counts too.
sleep 12
kill -TERM "$attack_pid"
wait "$attack_pid" || true
attack_pid=""
last=$(tail -1 "$work/attack.out")
echo "slowloris: attacker: $last"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "the receiver did not stop cleanly"
serve_pid=""

# 4. The receiver cut the slow connections and said so.
cut=$(echo "$last" | sed -n 's/.* cut \([0-9]*\) .*/\1/p')
[ "${cut:-0}" -gt 0 ] || fail "the attacker saw no connection cut: $last"
summary=$(grep "slow connections cut" "$work/serve.log" | tail -1)
[ -n "$summary" ] || fail "the receiver's log does not count the cut connections"
grep -q "cut: " "$work/serve.log" || fail "the receiver's log shows no cut connection"
echo "slowloris: receiver: ${summary#*serve: }"
echo "slowloris: 1 passed, 0 failed"
