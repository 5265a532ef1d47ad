#!/usr/bin/env bash
# Item 8 of the trust issue: revocation keeps what was received. Revoking
# a station refuses its uploads from then on, but the results it sent
# before stay openable (central keeps every key an id had); a revoked id
# is not enrolled again by accident (from a file or by stick), only with
# --replace; and a replacement station under that id, whose numbers
# collide with what central holds, recovers on central's signed word and
# continues above it, so nothing is lost and nothing is held twice.
#   revocation.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh" revocation "$1" "$2"
. "$src/tests/pg/store.sh"

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$1/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }
held() { store_sql "$work/central/results.db" "SELECT count(*) FROM results WHERE station_id = 'ui-001'"; }
# The registry: central.db, or on PostgreSQL the database's tables.
registry_dump() { store_digest "$work/central/central.db" stations station_keys registry_audit; }

start_server "$work/serve.log" "$bin/central/synaq-central" --home "$work/central" serve --listen 127.0.0.1:0
printf 'central_url = http://127.0.0.1:%s\n' "$port" >"$st/sync.conf"
"$bin/tests/sync/mkresults" --home "$st" --count 2 --tag a
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd.log" && ok || bad "first sync: $(cat "$work/syncd.log")"
[ "$(held)" = 2 ] && ok || bad "central holds $(held) results"

# 1. Revoked: uploads refused from now on, earlier results still open.
central revoke ui-001 >/dev/null
"$bin/tests/sync/mkresults" --home "$st" --count 1 --tag late
if "$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd2.log"; then bad "a revoked station's upload went through"; else ok; fi
grep -q "HTTP 403" "$work/syncd2.log" && ok || bad "no 403: $(cat "$work/syncd2.log")"
[ "$(pending "$st")" = 1 ] && ok || bad "pending $(pending "$st")"
out=$(central open-results --received 2>&1) && ok || bad "open-results after revocation failed: $out"
[ "$(grep -c '^ui-001,' <<<"$out")" = 2 ] && ok || bad "open-results: $(grep -c '^ui-001,' <<<"$out") rows: $out"

# 2. The revoked id is not enrolled again by accident: from a file...
mkdir -p "$work/new"
"$bin/ctl/synaqctl" --home "$work/new" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
before=$(registry_dump)
status=0
out=$(central enroll "$work/new/enrol.req" --station-id ui-001 --district X 2>&1) || status=$?
[ $status = 1 ] && grep -q "stays revoked" <<<"$out" && ok || bad "enroll of a revoked id: $status: $out"
[ "$(registry_dump)" = "$before" ] && ok || bad "a refused enrolment changed the registry"
# ... or by stick.
stick=$work/stick
mkdir -p "$stick"
central prepare-stick "$stick" >/dev/null
"$bin/ctl/synaqctl" --home "$work/bystick" enroll-usb --no-passphrase "$stick" >/dev/null
status=0
out=$(central enroll-usb "$stick" --station-id ui-001 --district X 2>&1) || status=$?
[ $status = 1 ] && grep -q "stays revoked" <<<"$out" && ok || bad "enroll-usb of a revoked id: $status: $out"
[ "$(registry_dump)" = "$before" ] && ok || bad "a refused enrolment by stick changed the registry"
[ -z "$(ls "$stick"/synaq/enrol/*.cert 2>/dev/null)" ] && ok || bad "a certificate was written to the stick"
# An id enrolled and not revoked is refused the same way.
for s in third fourth; do
  "$bin/ctl/synaqctl" --home "$work/$s" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
done
out=$(central enroll "$work/third/enrol.req" --station-id ui-002 --district X 2>&1) && ok || bad "$out"
status=0
out=$(central enroll "$work/fourth/enrol.req" --station-id ui-002 --district X 2>&1) || status=$?
[ $status = 1 ] && grep -q "enrolled already" <<<"$out" && ok || bad "enroll over a live id: $status: $out"

# 3. With --replace: new keys under the id, the old key revoked.
out=$(central enroll "$work/new/enrol.req" --station-id ui-001 --district X --replace 2>&1) && ok ||
  bad "enroll --replace: $out"
grep -q "earlier keys are revoked" <<<"$out" && ok || bad "no word on the old keys: $out"
central stations | grep -q "^ui-001.*(2 keys over time)" && ok || bad "stations: $(central stations)"
# Central's audit tells what was done: the revocation (with the key it
# revoked), the replacement on purpose; the refusals above left no line.
audit=$(central stations --audit 2>&1) && ok || bad "stations --audit: $audit"
old_fp=$(grep -P '\trevoke\tui-001\t' <<<"$audit" | sed -n 's/.*keys revoked: \([0-9a-f]*\).*/\1/p' || true)
[ -n "$old_fp" ] && ok || bad "no revocation of ui-001 in the audit: $audit"
grep -P '\treplace\tui-001\t.*--replace.*revoked before.*by ' <<<"$audit" >/dev/null && ok ||
  bad "no replacement of ui-001 in the audit: $audit"
[ "$(grep -c $'\tui-001\t' <<<"$audit")" = 3 ] && ok || bad "ui-001's audit lines: $audit"
# The old key stays revoked: one good key under the id, and it is not the old one.
good=$(store_sql "$work/central/central.db" "SELECT count(*) FROM station_keys WHERE station_id = 'ui-001' AND revoked_wall IS NULL")
[ "$good" = 1 ] && ok || bad "ui-001 has $good good keys"
if store_write "$work/central/central.db" "DELETE FROM registry_audit" 2>/dev/null; then bad "the audit lost lines"; else ok; fi
# By stick, on purpose: the request on the stick replaces ui-002's keys.
out=$(central enroll-usb "$stick" --station-id ui-002 --district X --replace 2>&1) && ok || bad "enroll-usb --replace: $out"
grep -q "earlier keys are revoked" <<<"$out" && ok || bad "enroll-usb --replace said: $out"
[ -n "$(ls "$stick"/synaq/enrol/*.cert 2>/dev/null)" ] && ok || bad "no certificate on the stick"
central stations --audit | grep -P '\treplace\tui-002\t.*the station enrolled before; keys revoked now: [0-9a-f]{16}' >/dev/null && ok ||
  bad "no replacement of ui-002 in the audit: $(central stations --audit)"
good=$(store_sql "$work/central/central.db" "SELECT count(*) FROM station_keys WHERE station_id = 'ui-002' AND revoked_wall IS NULL")
[ "$good" = 1 ] && ok || bad "ui-002 has $good good keys"
# A refused replacement (the same keys again) changes nothing: not the
# registry, its audit, nor the certificates.
before=$(registry_dump)
certs_before=$(cd "$work/central/certs" && ls -l --time-style=+%s . | sha256sum)
status=0
out=$(central enroll "$work/new/enrol.req" --station-id ui-001 --district X --replace 2>&1) || status=$?
[ $status = 1 ] && grep -q "were enrolled under station id 'ui-001' before" <<<"$out" && ok || bad "the same keys again: $status: $out"
[ "$(registry_dump)" = "$before" ] && ok || bad "a refused replacement changed the registry"
[ "$(cd "$work/central/certs" && ls -l --time-style=+%s . | sha256sum)" = "$certs_before" ] && ok ||
  bad "a refused replacement changed the certificates: $(ls "$work/central/certs")"

# 4. The replacement station under ui-001 numbers its results from 1, as
# the revoked one did: central holds #1 and #2 with other bytes. Its
# signed conflict makes the station go on above them; all are stored.
new=$work/new
"$bin/ctl/synaqctl" --home "$new" enroll "$work/central/certs/ui-001.cert" >/dev/null
central bundle build "$src/tests/sync/chaos-exam.yaml" --stations "$work/central/certs/ui-001.cert" \
  -o "$work/new.sqb" >/dev/null
"$bin/ctl/synaqctl" --home "$new" import "$work/new.sqb" >/dev/null
"$bin/tests/sync/mkresults" --home "$new" --count 3 --tag replacement
printf 'central_url = http://127.0.0.1:%s\n' "$port" >"$new/sync.conf"
"$bin/sync/synaq-syncd" --home "$new" --once 2>"$work/syncd-new.log" && ok || bad "replacement sync: $(cat "$work/syncd-new.log")"
grep -q "results from #1 on go out as #3 on" "$work/syncd-new.log" && ok || bad "no renumbering: $(cat "$work/syncd-new.log")"
[ "$(pending "$new")" = 0 ] && ok || bad "the replacement's results are pending: $(pending "$new")"
[ "$(held)" = 5 ] && ok || bad "central holds $(held) results of ui-001, expected 5"
sqlite3 "$new/station.db" "SELECT action FROM audit" | grep -q renumber && ok || bad "no renumber in the audit log"
out=$(central open-results --received 2>&1) && ok || bad "open-results: $out"
[ "$(grep -c '^ui-001,' <<<"$out")" = 5 ] && ok || bad "open-results shows $(grep -c '^ui-001,' <<<"$out") rows of ui-001"
[ "$(grep '^ui-001,' <<<"$out" | cut -d, -f2 | sort -n | tr '\n' ' ')" = "1 2 3 4 5 " ] && ok ||
  bad "central's numbers: $(grep '^ui-001,' <<<"$out" | cut -d, -f2 | tr '\n' ' ')"

# 5. A station restored from a copy of itself: the copy's next number is
# one central holds already with other bytes; by network, as above, and
# the same by stick.
for way in network stick; do
  s=$work/restored-$way
  mkdir -p "$s"
  "$bin/ctl/synaqctl" --home "$s" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
  central enroll "$s/enrol.req" --station-id "rs-$way" --district X >/dev/null
  "$bin/ctl/synaqctl" --home "$s" enroll "$work/central/certs/rs-$way.cert" >/dev/null
  central bundle build "$src/tests/sync/chaos-exam.yaml" --stations "$work/central/certs/rs-$way.cert" \
    -o "$work/rs.sqb" >/dev/null
  "$bin/ctl/synaqctl" --home "$s" import "$work/rs.sqb" >/dev/null
  cp -a "$s" "$s.copy"
  "$bin/tests/sync/mkresults" --home "$s" --count 2 --tag before
  if [ $way = network ]; then
    printf 'central_url = http://127.0.0.1:%s\n' "$port" >"$s/sync.conf"
    "$bin/sync/synaq-syncd" --home "$s" --once 2>/dev/null || bad "$way: first sync"
  else
    # By stick all the way: central's receiver holds results.db while it
    # runs, so it stops first (ingest runs where results.db is; on
    # PostgreSQL it need not, and stops all the same).
    stop_last
    mkdir -p "$work/first-stick"
    "$bin/ctl/synaqctl" --home "$s" export-usb "$work/first-stick" >/dev/null
    central ingest "$work/first-stick" >/dev/null || bad "$way: first ingest"
  fi
  rm -rf "$s" && mv "$s.copy" "$s" # the disk died; the copy is put back
  "$bin/tests/sync/mkresults" --home "$s" --count 1 --tag after
  printf 'central_url = http://127.0.0.1:%s\n' "$port" >"$s/sync.conf"
  if [ $way = network ]; then
    "$bin/sync/synaq-syncd" --home "$s" --once 2>"$work/syncd-$way.log" && ok || bad "$way: $(cat "$work/syncd-$way.log")"
  else
    st2=$work/stick-$way
    mkdir -p "$st2"
    "$bin/ctl/synaqctl" --home "$s" export-usb "$st2" >/dev/null
    central ingest "$st2" >/dev/null 2>&1 && bad "$way: a conflicting batch was ingested as fine" || ok
    out=$("$bin/ctl/synaqctl" --home "$s" read-acks "$st2" 2>&1) || true
    grep -q "go out as #3 on" <<<"$out" && ok || bad "$way: read-acks: $out"
    rm -rf "$st2"/synaq/rs-$way/outgoing "$st2"/synaq/rs-$way/acks
    "$bin/ctl/synaqctl" --home "$s" export-usb "$st2" >/dev/null
    central ingest "$st2" >/dev/null && ok || bad "$way: the renumbered batch was not ingested"
    "$bin/ctl/synaqctl" --home "$s" read-acks "$st2" >/dev/null
  fi
  [ "$(pending "$s")" = 0 ] && ok || bad "$way: $(pending "$s") pending"
  n=$(store_sql "$work/central/results.db" "SELECT count(*) FROM results WHERE station_id = 'rs-$way'")
  [ "$n" = 3 ] && ok || bad "$way: central holds $n results, expected 3"
done
finish
