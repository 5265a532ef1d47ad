#!/usr/bin/env bash
# Issue 13, the receiver under overload: past its connection limits or its
# memory for upload bodies it answers 503 with Retry-After, never a reset.
# 1. 500 connections at once from 127.0.0.1 (an address no station proved,
#    so 16 of them within the limits) with curl --parallel, half asking
#    /v1/health, half posting a 300 KB body (a bad upload: 400 when read)
#    to a receiver holding at most 1 MiB of bodies: each transfer ends in a
#    normal answer (200, 400) or a 503 with a Retry-After of 15..30 s, and
#    curl saw no reset, no empty reply.
# 2. A station's syncd meeting a receiver whose slots are all held: it is
#    told 503 with Retry-After, honours it (says so, marks nothing sent),
#    and once the slots are free its results go through.
#   overload.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh" overload "$1" "$2"

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }

start_server "$work/serve.log" "$bin/central/synaq-central" --home "$work/central" serve \
  --listen 127.0.0.1:0 --max-body-memory 1048576

# ---- 1. 500 at once ----
head -c 300000 /dev/zero >"$work/body"
{
  # Options after a "next" are the next transfer's own: each says them all.
  each='output = "/dev/null"\nmax-time = 60\nwrite-out = "%%{http_code} %%{exitcode} retry=%%header{retry-after}\\n"\n'
  for i in $(seq 1 250); do
    [ "$i" = 1 ] || echo next
    printf "url = \"http://127.0.0.1:%s/v1/health\"\n$each" "$port"
    echo next
    printf "url = \"http://127.0.0.1:%s/v1/upload\"\ndata-binary = \"@%s\"\n$each" "$port" "$work/body"
  done
} >"$work/curl.cfg"
rc=0
curl --silent --show-error --parallel --parallel-immediate --parallel-max 500 \
  -K "$work/curl.cfg" >"$work/answers" 2>"$work/curl.err" || rc=$?
[ "$(wc -l <"$work/answers")" = 500 ] && ok || bad "$(wc -l <"$work/answers") answers of 500"
[ $rc = 0 ] && ok || bad "curl: status $rc: $(sort "$work/curl.err" | uniq -c | head -5)"
normal=$(grep -cE '^(200|400) 0 ' "$work/answers" || true)
busy=$(grep -cE '^503 0 retry=(1[5-9]|2[0-9]|30)$' "$work/answers" || true)
[ $((normal + busy)) = 500 ] && ok ||
  bad "$normal normal answers, $busy 503 with Retry-After; the rest: $(grep -vE '^(200|400) 0 |^503 0 retry=(1[5-9]|2[0-9]|30)$' "$work/answers" | sort | uniq -c | head -5)"
[ "$busy" -gt 0 ] && [ "$normal" -ge 16 ] && ok || bad "only $normal normal and $busy busy answers"
echo "overload: 500 at once: $normal normal answers, $busy answered 503 with Retry-After"
# The receiver is still well: a station's upload goes through.
"$bin/tests/sync/mkresults" --home "$st" --count 2 --tag before
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\n' "$port" >"$st/sync.conf"
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd0.log" && ok || bad "sync after the burst: $(cat "$work/syncd0.log")"
[ "$(pending)" = 0 ] && ok || bad "$(pending) pending after the burst"
stop_last
grep -q "connections past the limits answered 503" "$work/serve.log" && ok || bad "no count of 503s in the log"
summary=$(grep "connections past the limits answered 503" "$work/serve.log" | tail -1)
echo "overload: $summary"
grep -qE "[1-9][0-9]* uploads answered 503 for the body memory" <<<"$summary" && ok ||
  bad "no upload was turned away for the body memory: $summary"
grep -q " 0 connections closed unanswered" <<<"$summary" && ok || bad "connections closed unanswered: $summary"

# ---- 2. syncd honours the 503 of a full receiver ----
# Two slots, both held by connections that send nothing (within the head
# deadline); the station's address is proven, but no slot is left.
start_server "$work/serve2.log" "$bin/central/synaq-central" --home "$work/central" serve \
  --listen 127.0.0.1:0 --max-conns 2 --reserve 0 --header-timeout 60
exec 7<>"/dev/tcp/127.0.0.1/$port" 8<>"/dev/tcp/127.0.0.1/$port"
sleep 1
"$bin/tests/sync/mkresults" --home "$st" --count 3 --tag busy
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\n' "$port" >"$st/sync.conf"
rc=0
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd1.log" || rc=$?
[ $rc != 0 ] && ok || bad "syncd reported success against a full receiver"
grep -qE "central is busy \(HTTP 503, retry after (1[5-9]|2[0-9]|30) s\)" "$work/syncd1.log" && ok ||
  bad "syncd did not hear the 503 and its Retry-After: $(cat "$work/syncd1.log")"
[ "$(pending)" = 3 ] && ok || bad "$(pending) pending, expected 3"
# The state it leaves says when to come back (no earlier than Retry-After).
grep -q "busy" "$st/sync-status.json" && ok || bad "sync-status.json: $(cat "$st/sync-status.json")"
exec 7>&- 8>&-
sleep 1
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd2.log" && ok || bad "sync once free: $(cat "$work/syncd2.log")"
[ "$(pending)" = 0 ] && ok || bad "$(pending) pending once the receiver was free"
finish
