#!/usr/bin/env bash
# Sync at the wire floor (issue 13): synaq-syncd drains a backlog over the
# EDGE profile in a request or two, not one round trip per batch of 50;
# every result is stored once. The receiver takes several uploads in one
# request, answers each, stops at the first it does not store, and refuses
# bad framing with 400 storing nothing. A receiver that refuses the form
# (an older build: 400) gets one batch a request from then on.
# Counts requests and rows, never time.
#   floor.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
. "$src/tests/pg/store.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-floor-XXXXXX")
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
check() { # WHAT EXPECTED GOT
  if [ "$2" = "$3" ]; then ok; else bad "$1: expected $2, got $3"; fi
}
start_port() { # VAR LOG CMD...: a daemon printing "listening on 127.0.0.1:PORT"
  local var=$1 log=$2 out=$work/$RANDOM.out
  shift 2
  "$@" >"$out" 2>"$log" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q listening "$out" 2>/dev/null && break; sleep 0.1; done
  printf -v "$var" '%s' "$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$out")"
  [ -n "${!var}" ] || { bad "did not start: $*"; exit 1; }
}

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
db=$work/central/results.db
stored() { store_sql "$db" "SELECT count(*) FROM results"; }
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }

# 1. 700 results over EDGE (ten times faster: the same ratios, a shorter
# test). One batch of 50 a POST took 14 requests after a health probe;
# now one request of two batches (two requests at most), and no probe.
"$bin/tests/sync/mkresults" --home "$st" --count 700 --tag floor
start_port port "$work/serve.log" "$bin/central/synaq-central" --home "$work/central" serve \
  --listen 127.0.0.1:0
start_port pport "$work/proxy.log" "$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 \
  --target "127.0.0.1:$port" --profile edge --time-scale 10 --seed 13
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\nretry_min_s = 1\nretry_max_s = 2\n' \
  "$pport" >"$st/sync.conf"
rc=0
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd.log" || rc=$?
check "syncd --once over EDGE" 0 "$rc"
check "results left pending" 0 "$(pending)"
check "results stored at central" 700 "$(stored)"
posts=$(grep -c 'POST /v1/upload 200' "$work/serve.log" || true)
if [ "$posts" -ge 1 ] && [ "$posts" -le 2 ]; then ok; else
  bad "700 results took $posts POSTs (one batch a POST takes 14): $(grep POST "$work/serve.log")"
fi
check "health probes before the upload" 0 "$(grep -c 'GET /v1/health' "$work/serve.log" || true)"
if grep -q 'uploads stored (700 results)' "$work/serve.log"; then ok; else
  bad "the receiver did not log one request of several uploads: $(grep POST "$work/serve.log")"
fi

# 2. The receiver, fed directly: framing it cannot read is 400 and stores
# nothing; a bad upload after a good one stops the request there.
url="http://127.0.0.1:$port/v1/upload"
post() { # FILE: prints the HTTP status; the answer in $work/answer.json
  curl -s -o "$work/answer.json" -w '%{http_code}' --data-binary "@$1" \
    -H 'Content-Type: application/octet-stream' "$url"
}
u32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
"$bin/tests/sync/mkresults" --home "$st" --count 20 --tag floor2
"$bin/tests/security/mkupload" --home "$st" --counter 100000 --batch -o "$work/good.up" >/dev/null
good_len=$(stat -c %s "$work/good.up")
before=$(stored)
expect_400() { # WHAT FILE
  local code
  code=$(post "$2")
  if [ "$code" = 400 ] && grep -q 'does not frame them' "$work/answer.json"; then ok; else
    bad "$1: expected 400 saying the framing is wrong, got $code: $(cat "$work/answer.json")"
  fi
  check "$1: results stored" "$before" "$(stored)"
}
printf 'SQMULTI1' >"$work/empty.multi"
expect_400 "no upload in it" "$work/empty.multi"
{ printf 'SQMULTI1'; u32 $((good_len + 1)); cat "$work/good.up"; } >"$work/long.multi"
expect_400 "a length past the end" "$work/long.multi"
{ printf 'SQMULTI1'; u32 "$good_len"; cat "$work/good.up"; printf '\x00\x00'; } >"$work/tail.multi"
expect_400 "bytes after the last upload" "$work/tail.multi"
{ printf 'SQMULTI1'; u32 0; } >"$work/zero.multi"
expect_400 "an upload of no bytes" "$work/zero.multi"
head -c 300 /dev/urandom >"$work/junk.up"
{ printf 'SQMULTI1'; u32 300; cat "$work/junk.up"; u32 "$good_len"; cat "$work/good.up"; } \
  >"$work/junkfirst.multi"
code=$(post "$work/junkfirst.multi")
check "a bad upload first: status" 200 "$code"
check "a bad upload first: answers" "1 400" \
  "$(jq -r '[(.answers | length), .answers[0].status] | join(" ")' "$work/answer.json")"
check "a bad upload first: results stored" "$before" "$(stored)"
{ printf 'SQMULTI1'; u32 "$good_len"; cat "$work/good.up"; u32 300; cat "$work/junk.up"; u32 "$good_len"
  cat "$work/good.up"; } >"$work/junklater.multi"
code=$(post "$work/junklater.multi")
check "a bad upload second: answers" "200 2 200 400" \
  "$code $(jq -r '[(.answers | length), .answers[0].status, .answers[1].status] | join(" ")' "$work/answer.json")"
check "a bad upload second: results stored (the first upload's)" $((before + 20)) "$(stored)"
if jq -e '.answers[0].signed and (.answers[0].stored | length) == 20' "$work/answer.json" >/dev/null; then ok; else
  bad "the first upload's answer is not a signed acknowledgement of its 20 results: $(cat "$work/answer.json")"
fi

# 3. A receiver that refuses several uploads in one request (an older
# build; here a stand-in that reads only single uploads) gets them one a
# request, without losing the round.
"$bin/tests/sync/mkresults" --home "$st" --count 600 --tag floor3
start_port fport "$work/fake.log" "$bin/tests/security/fakecentral" --mode unsigned \
  --cert "$work/central/certs/ui-001.cert"
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\n' "$fport" >"$st/sync.conf"
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd3.log" || true
if grep -q 'refused several uploads in one request' "$work/syncd3.log"; then ok; else
  bad "the daemon did not notice the refusal: $(tail -5 "$work/syncd3.log")"
fi
singles=$(grep -c 'fakecentral: upload of [0-9]* result(s), batch [0-9a-f]' "$work/fake.log" || true)
if [ "$singles" -ge 1 ]; then ok; else
  bad "no single upload followed the refusal: $(tail -5 "$work/fake.log")"
fi
# The stand-in cannot sign: nothing is marked sent on its word.
check "results pending after the stand-in" 620 "$(pending)"

# A server answering 200 with no answer to any upload of a request: the
# round fails once (it does not send the same request for ever), and
# nothing is marked sent.
start_port nport "$work/noanswer.log" "$bin/tests/security/fakecentral" --mode noanswer \
  --cert "$work/central/certs/ui-001.cert"
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\n' "$nport" >"$st/sync.conf"
rc=0
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd3b.log" || rc=$?
check "syncd --once against no answers: exit" 1 "$rc"
check "requests to the server with no answers" 1 "$(grep -c 'with no answers' "$work/noanswer.log" || true)"
if grep -q 'no answer to any of' "$work/syncd3b.log"; then ok; else
  bad "the daemon did not say what was wrong: $(tail -3 "$work/syncd3b.log")"
fi
check "results pending after no answers" 620 "$(pending)"

# 4. A request that takes the link longer than low_speed_s (2G, four
# times faster: 620 results, about 150 KB, some 15 s) is not cut by the
# low-speed limit while it waits in the buffers for the link: it is
# stored, and every result once.
kill "${pids[-1]}" 2>/dev/null || true
start_port gport "$work/proxy2g.log" "$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 \
  --target "127.0.0.1:$port" --profile 2g --time-scale 4 --seed 13
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\nlow_speed_s = 5\n' "$gport" >"$st/sync.conf"
before=$(stored)
rc=0
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd4.log" || rc=$?
check "syncd --once over 2G with low_speed_s = 5" 0 "$rc"
check "results left pending after 2G" 0 "$(pending)"
# The 20 of part 2 were stored already (the same sealed bytes: skipped).
check "results stored at central after 2G" $((before + 600)) "$(stored)"
check "results stored twice (the same sealed bytes under two numbers)" 0 \
  "$(store_sql "$db" "SELECT count(*) - count(DISTINCT sealed) FROM results")"

# 5. A link up for less time than the first request takes (EDGE ten times
# faster, windows of 0.8 s up and 0.3 s down): the request a window cuts
# caps the next at a quarter, and the backlog drains across windows.
# Before, every round sent the whole backlog again and the window cut it
# again, for ever.
kill "${pids[-1]}" 2>/dev/null || true
"$bin/tests/sync/mkresults" --home "$st" --count 1000 --tag floor5
start_port wport "$work/proxyw.log" "$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 \
  --target "127.0.0.1:$port" --profile edge --time-scale 10 --seed 13 \
  --window-up-ms 8000 --window-down-ms 3000 --log
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\nretry_min_s = 1\nretry_max_s = 1\n' \
  "$wport" >"$st/sync.conf"
before=$(stored)
"$bin/sync/synaq-syncd" --home "$st" 2>"$work/syncd5.log" &
syncd5=$!
for _ in $(seq 1 600); do [ "$(pending)" = 0 ] && break; sleep 0.2; done
kill "$syncd5" 2>/dev/null || true
wait "$syncd5" 2>/dev/null || true
check "results left pending across short windows" 0 "$(pending)"
check "results stored at central across short windows" $((before + 1000)) "$(stored)"
cuts=$(grep -c 'link=down' "$work/proxyw.log" || true)
if [ "$cuts" -ge 1 ] && grep -q 'uploads stored' "$work/serve.log"; then ok; else
  bad "no window closed under a request ($cuts): $(tail -3 "$work/syncd5.log")"
fi
check "results stored twice after the windows" 0 \
  "$(store_sql "$db" "SELECT count(*) - count(DISTINCT sealed) FROM results")"

echo "sync floor: $passes passed, $fails failed"
[ "$fails" = 0 ]
