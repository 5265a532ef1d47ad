#!/usr/bin/env bash
# Item 5 of the trust issue: central's Retry-After is capped. A busy (or
# hostile) central answering 503 with a Retry-After of 10^23 seconds, or a
# date in the year 9999, does not stop the station for good: it waits at
# most retry_after_max_s and tries again; and a new result during a long
# back-off brings the next try forward (to no earlier than Retry-After).
#   retry_after.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh" retry-after "$1" "$2"

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
cert=$work/central/certs/ui-001.cert
"$bin/tests/sync/mkresults" --home "$st" --count 1 --tag ra
uploads() { grep -c "upload -> 503" "$1" 2>/dev/null || true; }
tries_at_least() { [ "$(uploads "$1")" -ge "$2" ]; }

# run_busy VALUE WAIT: a daemon against a central that always says 503
# with Retry-After: VALUE, read as WAIT seconds; the cap is 2 s, the
# back-off 1..2 s.
run_busy() {
  start_server "$work/fake.log" "$bin/tests/security/fakecentral" --mode busy --cert "$cert" \
    --retry-after "$1"
  printf 'central_url = http://127.0.0.1:%s\nretry_min_s = 1\nretry_max_s = 2\nretry_after_max_s = 2\n' \
    "$port" >"$st/sync.conf"
  "$bin/sync/synaq-syncd" --home "$st" 2>"$work/syncd.log" &
  pids+=($!)
  if wait_for 60 tries_at_least "$work/fake.log" 3; then ok; else
    bad "Retry-After: $1: $(uploads "$work/fake.log") tries in 60 s: $(tail -5 "$work/syncd.log")"
  fi
  grep -qF "retry after $2 s" "$work/syncd.log" && ok || bad "Retry-After: $1: not read as $2 s: $(tail -3 "$work/syncd.log")"
  stop_last
  stop_last
}
run_busy 99999999999999999999999 2
run_busy "Fri, 31 Dec 9999 23:59:59 GMT" 2
run_busy "-5" 0
run_busy "soon" 0

# A long back-off (retry_min_s 600: the first wait is up to 10 minutes),
# Retry-After 1: a new result brings the next try forward.
start_server "$work/fake2.log" "$bin/tests/security/fakecentral" --mode busy --cert "$cert" --retry-after 1
printf 'central_url = http://127.0.0.1:%s\nretry_min_s = 600\nretry_max_s = 900\n' "$port" >"$st/sync.conf"
"$bin/sync/synaq-syncd" --home "$st" 2>"$work/syncd2.log" &
pids+=($!)
wait_for 30 tries_at_least "$work/fake2.log" 1 || bad "no first try"
sleep 2
"$bin/tests/sync/mkresults" --home "$st" --count 1 --tag ra2
if wait_for 30 tries_at_least "$work/fake2.log" 2; then ok; else
  bad "a new result did not bring the next try forward: $(tail -5 "$work/syncd2.log")"
fi
stop_last
stop_last
finish
