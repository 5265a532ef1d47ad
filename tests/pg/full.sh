#!/usr/bin/env bash
# full.sh - the disk of the PostgreSQL database full under a running
# receiver (CTest pg_disk_full, label pg), the real binaries against a
# throwaway cluster:
#
#   with-pg.sh full.sh BUILD_DIR SOURCE_DIR
#
# The results table is moved to a tablespace on a small tmpfs; a station's
# daemon uploads until the disk is full. The receiver answers 503 with
# Retry-After and acknowledges nothing it did not commit: every result the
# station marked sent is held, none twice, and the batch the disk refused
# is not held in part. The tmpfs made larger, the daemon's next round
# stores the rest, each result once. Needs root (mount); skipped otherwise.
set -euo pipefail
. "$2/tests/security/lib.sh" pg-full "$1" "$2"
url=${SYNAQ_TEST_DB_URL:?run under with-pg.sh}
central_bin=$bin/central/synaq-central
if [ "$(id -u)" != 0 ]; then
  skip "mounting a small disk needs root"
  finish
fi
q() { psql -X -At -v ON_ERROR_STOP=1 "$url" -c "$1"; }
pg_user=$(q "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'postgres'")
owner_uid=$(stat -c %u "$(q "SHOW data_directory")")

# The small disk: its folder must be reachable by the cluster's owner (the
# test's work folder is root's, 0700).
full=$(mktemp -d /tmp/synaq-pgfull-XXXXXX)
chmod 0755 "$full"
unmount() {
  q "ALTER TABLE IF EXISTS results SET TABLESPACE pg_default" >/dev/null 2>&1 || true
  q "DROP TABLESPACE IF EXISTS small" >/dev/null 2>&1 || true
  umount "$full" 2>/dev/null || umount -l "$full" 2>/dev/null || true
  rmdir "$full" 2>/dev/null || true
}
trap 'unmount; cleanup' EXIT
mount -t tmpfs -o "size=256k,mode=0700,uid=$owner_uid" tmpfs "$full"

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
made=3000
"$bin/tests/sync/mkresults" --home "$st" --count "$made" --tag full >/dev/null

start_server "$work/serve.log" "$central_bin" --home "$work/central" serve --listen 127.0.0.1:0 --db "$url"
# The receiver made its tables; the results go to the small disk.
q "CREATE TABLESPACE small OWNER \"$pg_user\" LOCATION '$full/'" >/dev/null
q "ALTER TABLE results SET TABLESPACE small" >/dev/null
cat >"$st/sync.conf" <<CONF
central_url = http://127.0.0.1:$port
batch_results = 50
retry_min_s = 1
retry_max_s = 2
fetch_bundles = no
CONF

marked() { sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT seq FROM results WHERE sent_wall IS NOT NULL ORDER BY seq"; }
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }
held() { q "SELECT seq FROM results WHERE station_id = 'ui-001' ORDER BY seq"; }
# Marked sent must be held; nothing held twice; every batch held whole.
invariant() {
  local extra
  extra=$(comm -23 <(marked | LC_ALL=C sort) <(held | LC_ALL=C sort) | head -3)
  [ -z "$extra" ] && ok || bad "$1: marked sent but not held: $extra"
  [ "$(q "SELECT count(*) FROM (SELECT seq FROM results GROUP BY station_id, seq HAVING count(*) > 1) AS d")" = 0 ] &&
    ok || bad "$1: results held twice"
  [ "$(q "SELECT count(*) FROM batches b WHERE n_results <> (SELECT count(*) FROM results r WHERE r.batch_id = b.batch_id)")" = 0 ] &&
    ok || bad "$1: a batch held in part"
}

timeout 120 "$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd1.log" || true
left=$(pending)
[ "$left" -gt 0 ] && [ "$left" -lt "$made" ] && ok ||
  bad "the disk did not fill part way: $left of $made pending: $(tail -3 "$work/syncd1.log")"
# One upload a request is answered 503; in a request of several
# (PROTOCOL.md) those stored before the disk filled are answered, the one
# it refused 503 within the answer, and the log line says both.
grep -q '/v1/upload 503\|uploads stored .*; then: result store' "$work/serve.log" && ok ||
  bad "no 503 in the receiver's log: $(tail -5 "$work/serve.log")"
grep -qi "no space left\|disk full\|could not extend" "$work/serve.log" && ok ||
  bad "the receiver's log does not say the disk is full: $(grep -i error "$work/serve.log" | tail -3)"
grep -qi "503\|retry" "$work/syncd1.log" && ok || bad "the daemon did not hear 503: $(tail -3 "$work/syncd1.log")"
invariant "disk full"
held_full=$(held | wc -l)
[ "$held_full" = $((made - left)) ] && ok || bad "held $held_full, marked $((made - left))"

# A 503 carries Retry-After and no acknowledgement.
"$bin/tests/security/mkupload" --home "$st" --counter 100000 --batch -o "$work/up" >/dev/null
code=$(curl -s -o "$work/up.json" -D "$work/up.h" -w '%{http_code}' --data-binary "@$work/up" \
  -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$port/v1/upload")
[ "$code" = 503 ] && ok || bad "a batch on a full disk: $code: $(cat "$work/up.json")"
grep -qi "^Retry-After:" "$work/up.h" && ok || bad "503 without Retry-After"
grep -q '"signed"' "$work/up.json" && bad "a full disk's answer acknowledged something" || ok
grep -qi "postgres\|pg_tblspc\|no space" "$work/up.json" && bad "the answer tells where central keeps its data: $(cat "$work/up.json")" || ok
grep -qi "no space left" "$work/serve.log" && ok || bad "the log lost the reason"
[ "$(held | wc -l)" = "$held_full" ] && ok || bad "the refused batch left results behind"

# More room: the next round stores the rest, each once.
mount -o remount,size=64m "$full"
timeout 120 "$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd2.log" || true
[ "$(pending)" = 0 ] && ok || bad "after the disk grew: $(pending) pending: $(tail -3 "$work/syncd2.log")"
invariant "after"
[ "$(q "SELECT count(*) FROM results")" = "$made" ] && ok ||
  bad "held $(q "SELECT count(*) FROM results") of $made"
stop_last
finish
