#!/usr/bin/env bash
# synaq-syncd against the real receiver on 127.0.0.1: bad configuration
# files are refused with file and line; a new result is noticed within
# seconds without polling (the daemon's timer is set to an hour); a bundle
# central has for the station is downloaded, checked and imported; the
# daemon stops promptly on SIGTERM.
#   basic.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
. "$src/tests/pg/store.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-sync-XXXXXX")
serve_pid=""
syncd_pid=""
cleanup() {
  [ -z "$syncd_pid" ] || kill -9 "$syncd_pid" 2>/dev/null || true
  [ -z "$serve_pid" ] || kill -9 "$serve_pid" 2>/dev/null || true
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
syncd() { "$bin/sync/synaq-syncd" --home "$st" "$@"; }

# 1. Bad configuration: status 2 and a message naming the file and line.
expect_conf() { # PHRASE CONFIG-TEXT
  printf '%b' "$2" >"$work/bad.conf"
  local out status=0
  out=$(syncd --config "$work/bad.conf" --once 2>&1) || status=$?
  if [ $status = 2 ] && grep -qF -- "$1" <<<"$out"; then ok; else
    bad "config: expected status 2 and '$1', got $status: $out"
  fi
}
expect_conf "bad.conf:2: batch_results must be a whole number" 'central_url = http://127.0.0.1:1\nbatch_results = lots\n'
expect_conf "bad.conf:2: batch_results must be a whole number 1..500" 'central_url = http://127.0.0.1:1\nbatch_results = 501\n'
expect_conf "bad.conf:1: central_url must start with https:// or http://" 'central_url = ftp://x\n'
expect_conf "central_url is required" '# nothing\n'
expect_conf "bad.conf:2: unknown key 'colour'" 'central_url = http://127.0.0.1:1\ncolour = blue\n'
expect_conf "bad.conf:1: expected 'key = value'" 'central_url http://127.0.0.1:1\n'
out=$(syncd --config "$work/none.conf" 2>&1) && bad "a missing config was accepted" ||
  { grep -qF "cannot read $work/none.conf" <<<"$out" && ok || bad "missing config: $out"; }

# 2. The receiver, with a bundle for this station waiting.
mkdir -p "$work/bundles/ui-001"
cat >"$work/second.yaml" <<'YAML'
exam: second
version: 1
title: {en: Second}
pass_mark: 50
items:
  - id: s1
    type: truefalse
    answer: yes
    text: {en: Is it?}
YAML
"$bin/central/synaq-central" --home "$work/central" bundle build "$work/second.yaml" \
  --stations "$work/central/certs/ui-001.cert" -o "$work/bundles/ui-001/second.sqb" >/dev/null
"$bin/central/synaq-central" --home "$work/central" serve --listen 127.0.0.1:0 \
  --bundles "$work/bundles" >"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
[ -n "$port" ] || { bad "receiver did not start"; exit 1; }
printf 'central_url = http://127.0.0.1:%s\ninterval_s = 3600\nretry_min_s = 1\nretry_max_s = 2\nbatch_results = 500\n' \
  "$port" >"$st/sync.conf"

# 3. The daemon's first round fetches the bundle; then it sleeps an hour.
# (A batch temp file left by a killed daemon is cleaned away at start.)
mkdir -p "$st/outbox"
echo partial >"$st/outbox/000000000001-x.sqbatch.tmp-12345"
"$bin/sync/synaq-syncd" --home "$st" 2>"$work/syncd.log" &
syncd_pid=$!
for _ in $(seq 1 100); do grep -q "bundle second.sqb imported" "$work/syncd.log" && break; sleep 0.1; done
if "$bin/ctl/synaqctl" --home "$st" exams | grep -q "^second v1"; then ok; else
  bad "the bundle was not imported: $(cat "$work/syncd.log")"
fi

[ -z "$(ls "$st/outbox")" ] && ok || bad "stale outbox files left: $(ls "$st/outbox")"

# 4. A new result: sent within seconds, though the timer says an hour.
sleep 1
"$bin/tests/sync/mkresults" --home "$st" --count 3 --tag news
sent=no
for _ in $(seq 1 100); do
  if [ "$(sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NOT NULL")" = 3 ]; then
    sent=yes
    break
  fi
  sleep 0.1
done
[ $sent = yes ] && ok || bad "new results not sent within 10 s: $(cat "$work/syncd.log")"
held=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results")
[ "$held" = 3 ] && ok || bad "central holds $held results, expected 3"
"$bin/ctl/synaqctl" --home "$st" status | grep -q "last success" && ok || bad "status shows no sync"

# 4b. Large results (a 200-item exam: some 4 KB each sealed): 300 of them
# are more than one upload may carry (1 MiB), batch_results 500 or not;
# they go out in several uploads, none refused.
"$bin/bench/synaq-gen-bank" --items 200 --draw 0 --topics 4 --id big -o "$work/big.yaml" >/dev/null
"$bin/central/synaq-central" --home "$work/central" bundle build "$work/big.yaml" \
  --stations "$work/central/certs/ui-001.cert" -o "$work/big.sqb" >/dev/null
"$bin/ctl/synaqctl" --home "$st" import "$work/big.sqb" >/dev/null
"$bin/tests/sync/mkresults" --home "$st" --count 300 --tag big --exam big
big=$(sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT sum(length(sealed)) FROM results WHERE seq > 3")
[ "$big" -gt 1100000 ] && ok || bad "the large results take only $big bytes"
for _ in $(seq 1 300); do
  [ "$(sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")" = 0 ] && break
  sleep 0.1
done
[ "$(sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")" = 0 ] && ok ||
  bad "large results not all sent: $(tail -5 "$work/syncd.log")"
grep -q "POST /v1/upload 413" "$work/serve.log" && bad "central refused an upload as too large" || ok
[ "$(grep -c 'POST /v1/upload 200.*results=' "$work/serve.log")" -ge 3 ] && ok || bad "the large results went in fewer than 2 uploads"

# 5. SIGTERM: a prompt, clean stop.
kill -TERM "$syncd_pid"
status=0
for _ in $(seq 1 50); do kill -0 "$syncd_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$syncd_pid" 2>/dev/null; then bad "syncd still running 5 s after SIGTERM"; else
  wait "$syncd_pid" || status=$?
  [ $status = 0 ] && ok || bad "syncd exited $status on SIGTERM"
fi
syncd_pid=""

# 6. A restart that cannot reach central keeps the last success: the
# status says when the station last synced and why it does not now.
success=$(jq -r '.last_success // empty' "$st/sync-status.json" 2>/dev/null || true)
[ -n "$success" ] && [ "$success" -gt 0 ] && ok || bad "no last success recorded: $(cat "$st/sync-status.json")"
kill -9 "$serve_pid" 2>/dev/null || true
wait "$serve_pid" 2>/dev/null || true
serve_pid=""
"$bin/tests/sync/mkresults" --home "$st" --count 1 --tag after
syncd --once 2>"$work/syncd-down.log" && bad "a round with central down succeeded" || ok
after=$(jq -r '.last_success // empty' "$st/sync-status.json" 2>/dev/null || true)
[ "$after" = "$success" ] && ok || bad "after a failed round the last success is '$after', was '$success'"
[ "$(jq -r '.last_error // empty' "$st/sync-status.json")" != "" ] && ok ||
  bad "the failed round left no error: $(cat "$st/sync-status.json")"
status_out=$("$bin/ctl/synaqctl" --home "$st" status)
grep -q "last success" <<<"$status_out" && ok || bad "status after a failed round: $status_out"
grep -qi "never" <<<"$status_out" && bad "status says never synced: $status_out" || ok
echo "sync basic: $passes passed, $fails failed"
[ $fails = 0 ]
