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

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
pending() { sqlite3 "$1/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }
held() { sqlite3 "$work/central/results.db" "SELECT count(*) FROM results WHERE station_id = 'ui-001'"; }
registry_dump() { sqlite3 "$work/central/central.db" .dump | sha256sum; }

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
"$bin/kiosk/synaqctl" --home "$work/new" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
before=$(registry_dump)
status=0
out=$(central enroll "$work/new/enrol.req" --station-id ui-001 --district X 2>&1) || status=$?
[ $status = 1 ] && grep -q "stays revoked" <<<"$out" && ok || bad "enroll of a revoked id: $status: $out"
[ "$(registry_dump)" = "$before" ] && ok || bad "a refused enrolment changed the registry"
# ... or by stick.
stick=$work/stick
mkdir -p "$stick"
central prepare-stick "$stick" >/dev/null
"$bin/kiosk/synaqctl" --home "$work/bystick" enroll-usb --no-passphrase "$stick" >/dev/null
status=0
out=$(central enroll-usb "$stick" --station-id ui-001 --district X 2>&1) || status=$?
[ $status = 1 ] && grep -q "stays revoked" <<<"$out" && ok || bad "enroll-usb of a revoked id: $status: $out"
[ "$(registry_dump)" = "$before" ] && ok || bad "a refused enrolment by stick changed the registry"
[ -z "$(ls "$stick"/synaq/enrol/*.cert 2>/dev/null)" ] && ok || bad "a certificate was written to the stick"
# An id enrolled and not revoked is refused the same way.
for s in third fourth; do
  "$bin/kiosk/synaqctl" --home "$work/$s" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
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
finish
