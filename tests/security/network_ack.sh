#!/usr/bin/env bash
# Item 2 of the trust issue: acknowledgements over the network are signed.
# A server that is not central (on a plain http:// path, a proxy, a portal)
# sees the batch id and can hash the bytes; it answers with the first
# builds' unsigned acknowledgement, with one signed by another central, or
# with a genuine acknowledgement of central's for another batch. The
# station marks nothing sent on any of them, says why, and the real
# receiver then gets everything. sync.conf refuses plain http:// to
# another machine unless allow_insecure_http, which is logged loudly.
#   network_ack.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
. "$src/tests/pg/store.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-sec-ack-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
cert=$work/central/certs/ui-001.cert
"$bin/tests/sync/mkresults" --home "$st" --count 3 --tag ack
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }
[ "$(pending)" = 3 ] && ok || bad "expected 3 pending results, got $(pending)"

# start_server LOG CMD...: runs a server printing "listening on HOST:PORT";
# sets $port.
start_server() {
  local log=$1; shift
  "$@" >"$log.out" 2>"$log" &
  pids+=($!)
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$log.out" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { bad "server did not start: $*: $(cat "$log")"; exit 1; }
}
stop_last() { kill "${pids[-1]}" 2>/dev/null || true; wait "${pids[-1]}" 2>/dev/null || true; }
conf() { printf 'central_url = http://127.0.0.1:%s\nretry_min_s = 1\nretry_max_s = 2\n' "$1" >"$st/sync.conf"; }

# expect_refused MODE PHRASE [ARGS...]: one round against a fake central
# in MODE fails, says PHRASE, and marks nothing sent.
expect_refused() {
  local m=$1 phrase=$2; shift 2
  start_server "$work/fake-$m.log" "$bin/tests/security/fakecentral" --mode "$m" --cert "$cert" "$@"
  conf "$port"
  local before status=0
  before=$(pending)
  "$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd-$m.log" || status=$?
  stop_last
  if [ $status = 1 ] && grep -qF -- "$phrase" "$work/syncd-$m.log" &&
    grep -q "upload of 3 result" "$work/fake-$m.log" && [ "$(pending)" = "$before" ]; then ok; else
    bad "$m: status $status, pending $(pending) (was $before), expected '$phrase': $(cat "$work/syncd-$m.log")"
  fi
  rm -f "$st"/outbox/*.sqbatch
}

# 1. The first builds' acknowledgement: JSON with the right id and hash.
expect_refused unsigned "no signed acknowledgement"

# 2. Signed, by another central's ack key.
mkdir -p "$work/other"
"$bin/central/synaq-central" --home "$work/other" keygen >/dev/null
expect_refused forged "not signed by the central this station trusts" --keys "$work/other/keys"

# 3. Central's own acknowledgement, genuine, of another batch (carried on
# a stick: an export of these results, ingested at central).
stick=$work/stick
mkdir -p "$stick"
"$bin/ctl/synaqctl" --home "$st" export-usb "$stick" >/dev/null
"$bin/central/synaq-central" --home "$work/central" ingest "$stick" >/dev/null
ackfile=$(ls "$stick"/synaq/ui-001/acks/*.ack | head -1)
[ -f "$ackfile" ] && ok || bad "no acknowledgement file from ingest"
"$bin/tests/sync/mkresults" --home "$st" --count 1 --tag more
# Now 4 pending: the fake answers an upload of them with the ack of 3.
start_server "$work/fake-replay.log" "$bin/tests/security/fakecentral" --mode replay --cert "$cert" --ack "$ackfile"
conf "$port"
status=0
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd-replay.log" || status=$?
stop_last
if [ $status = 1 ] && grep -qF "names another batch" "$work/syncd-replay.log" && [ "$(pending)" = 4 ]; then ok; else
  bad "replay: status $status, pending $(pending): $(cat "$work/syncd-replay.log")"
fi
rm -f "$st"/outbox/*.sqbatch

# 4. sync.conf: plain http:// to another machine is refused; allowed
# with allow_insecure_http, loudly; loopback and https are fine.
check_conf() { # EXPECTED-STATUS PHRASE CONFIG-TEXT
  printf '%b' "$3" >"$work/c.conf"
  local out status=0
  out=$("$bin/sync/synaq-syncd" --home "$st" --config "$work/c.conf" --check 2>&1) || status=$?
  if [ $status = "$1" ] && grep -qF -- "$2" <<<"$out"; then ok; else
    bad "config '$3': expected status $1 and '$2', got $status: $out"
  fi
}
check_conf 2 "plain http:// to another machine" 'central_url = http://central.example.kz\n'
check_conf 2 "plain http:// to another machine" 'central_url = http://10.1.2.3:8080/\n'
check_conf 2 "plain http:// to another machine" 'central_url = http://127.0.0.1.example.kz/\n'
check_conf 2 "plain http:// to another machine" 'central_url = http://[::2]:80\n'
check_conf 0 "WARNING: central_url is plain http://" 'central_url = http://10.1.2.3:8080\nallow_insecure_http = yes\n'
check_conf 0 "fine" 'central_url = https://central.example.kz\n'
check_conf 0 "fine" 'central_url = http://127.0.0.1:8080\n'
check_conf 0 "fine" 'central_url = http://localhost:8080\n'
check_conf 0 "fine" 'central_url = http://[::1]:8080\n'
check_conf 2 "allow_insecure_http must be yes or no" 'central_url = https://x\nallow_insecure_http = maybe\n'

# 5. The real receiver: everything acknowledged, every result once.
start_server "$work/serve.log" "$bin/central/synaq-central" --home "$work/central" serve --listen 127.0.0.1:0
conf "$port"
if "$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd-real.log" && [ "$(pending)" = 0 ]; then ok; else
  bad "real receiver: pending $(pending): $(cat "$work/syncd-real.log")"
fi
held=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results WHERE station_id = 'ui-001'")
[ "$held" = 4 ] && ok || bad "central holds $held results, expected 4"
stop_last

echo "network_ack: $passes passed, $fails failed"
[ $fails = 0 ]
