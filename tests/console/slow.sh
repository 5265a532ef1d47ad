#!/usr/bin/env bash
# 500 slow clients (slowclients.py: request headers one byte a second,
# never finished) against the console on 127.0.0.1, twice: all from one
# address (127.0.0.1), then spread over ten (127.0.0.10-19, 50 each).
# While they hang on, a normal client from another address (127.0.0.2)
# must get the login page (bound: 30 s, generous; no figure is asserted),
# and the console must still be running afterwards. From one address
# the console must drop (or refuse) those past its per-address limit
# rather than hold all 500.
#   slow.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }
# Loopback other than 127.0.0.1 must be usable as a source address.
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
  { echo "cannot bind 127.0.0.2: skipped"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-slow-XXXXXX")
console_pid=""
slow_pid=""
cleanup() {
  [ -z "$slow_pid" ] || kill "$slow_pid" 2>/dev/null || true
  [ -z "$console_pid" ] || kill "$console_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

home=$work/central
mkdir -p "$home"
"$bin/central/synaq-central" --home "$home" user add alice --role admin <<<"alice password 1" >/dev/null
"$bin/central/synaq-central" --home "$home" console --listen 127.0.0.1:0 --assets "$src/assets" \
  >"$work/console.out" 2>"$work/console.log" &
console_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/console.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's|^console listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$work/console.out")
[ -n "$port" ] || { echo "the console did not start: $(cat "$work/console.log")" >&2; exit 1; }

field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" "$work/status"; }

# round NAME SRC...: 500 slow clients from the sources; a normal client
# from 127.0.0.2 meanwhile.
round() {
  local name=$1
  shift
  rm -f "$work/status" "$work/stop"
  python3 "$src/tests/console/slowclients.py" 127.0.0.1 "$port" 500 "$work/status" "$work/stop" 120 "$@" &
  slow_pid=$!
  # Every connection tried and each open one sent a byte (bounded poll).
  for _ in $(seq 600); do grep -q ready "$work/status" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$work/status" 2>/dev/null && ok || bad "$name: the slow clients never got going"
  local before
  before=$(cat "$work/status" 2>/dev/null)
  code=$(curl -s --interface 127.0.0.2 --max-time 30 -o "$work/b" -w '%{http_code}' \
    "http://127.0.0.1:$port/login?lang=en") || code=000
  [ "$code" = 200 ] && grep -q 'name="password"' "$work/b" && ok ||
    bad "$name: a normal client during the slow ones got $code"
  # The slow ones are still being served slowly (or dropped), not answered.
  local after
  after=$(cat "$work/status")
  kill -0 "$console_pid" 2>/dev/null && ok || bad "$name: the console stopped"
  echo "$name: before the normal client: $before"
  echo "$name: after it: $after"
  touch "$work/stop"
  wait "$slow_pid" || true
  slow_pid=""
}

round "one address" 127.0.0.1
# Past the per-address limit the console drops them: at most 64 held.
held=$(field held)
[ -n "$held" ] && [ "$held" -le 64 ] && ok || bad "one address: $held slow connections held (limit 64)"
round "ten addresses" 127.0.0.10 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14 127.0.0.15 \
  127.0.0.16 127.0.0.17 127.0.0.18 127.0.0.19
# And afterwards, from 127.0.0.1 again.
code=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/login") || code=000
[ "$code" = 200 ] && ok || bad "after the slow clients: $code"

echo "console_slow: $passes passed, $fails failed"
[ "$fails" = 0 ]
