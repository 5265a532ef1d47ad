#!/usr/bin/env bash
# Item 7 of the trust issue: heartbeats carry a counter and central keeps
# the newest. A station's old upload, replayed by anyone who saw it, or an
# older one arriving late, no longer rolls central's view of the station
# back; the upload is still answered (its batch is stored once as ever).
# A station whose counter went back (restored from a copy, counter file
# lost) catches up with what central's signed answer says it holds.
#   heartbeat_replay.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh" heartbeat "$1" "$2"
. "$src/tests/pg/store.sh"

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
db=$work/central/results.db
start_server "$work/serve.log" "$bin/central/synaq-central" --home "$work/central" serve --listen 127.0.0.1:0
post() { curl -s -o "$work/answer.json" -w '%{http_code}' --data-binary "@$1" \
  -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$port/v1/upload"; }
latest() { store_sql "$db" "SELECT $1 FROM heartbeat_latest WHERE station_id = 'ui-001'"; }
mk() { "$bin/tests/security/mkupload" --home "$st" "$@" >/dev/null; }

# An old heartbeat: 2 results pending, counter 5.
"$bin/tests/sync/mkresults" --home "$st" --count 2 --tag old
mk --counter 5 -o "$work/old.up"
# A newer one: 4 pending, counter 10.
"$bin/tests/sync/mkresults" --home "$st" --count 2 --tag new
mk --counter 10 -o "$work/new.up"
[ "$(post "$work/new.up")" = 200 ] && ok || bad "new heartbeat refused: $(cat "$work/answer.json")"
[ "$(latest counter)/$(latest pending)" = 10/4 ] && ok || bad "latest: $(latest counter)/$(latest pending)"
n0=$(store_sql "$db" "SELECT count(*) FROM heartbeats")
# The old one arrives (late, or replayed): answered, not kept.
[ "$(post "$work/old.up")" = 200 ] && ok || bad "old heartbeat not answered: $(cat "$work/answer.json")"
[ "$(latest counter)/$(latest pending)" = 10/4 ] && ok || bad "rolled back to $(latest counter)/$(latest pending)"
# The newest, replayed byte for byte: not a newer heartbeat either.
[ "$(post "$work/new.up")" = 200 ] && ok || bad "replay not answered"
[ "$(store_sql "$db" "SELECT count(*) FROM heartbeats")" = "$n0" ] && ok || bad "a replayed heartbeat was stored"
# A replayed upload with a batch: the batch is stored once, the heartbeat not.
mk --counter 7 --batch -o "$work/batch.up"
[ "$(post "$work/batch.up")" = 200 ] && ok || bad "batch upload refused: $(cat "$work/answer.json")"
[ "$(store_sql "$db" "SELECT count(*) FROM results")" = 4 ] && ok || bad "batch not stored"
[ "$(latest counter)" = 10 ] && ok || bad "the batch's old heartbeat was kept: $(latest counter)"
# The answer's signed acknowledgement says central holds counter 10.
grep -q '"signed"' "$work/answer.json" && ok || bad "no signed acknowledgement"

# The station's daemon, its counter file lost: its first heartbeat (1) is
# below 10 and not kept, and central's signed answer says 10; the next one
# is above it and kept.
rm -f "$st/sync-counter"
printf 'central_url = http://127.0.0.1:%s\n' "$port" >"$st/sync.conf"
"$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd.log" || bad "round 1: $(cat "$work/syncd.log")"
grep -q "central holds heartbeat counter 10" "$work/syncd.log" && ok || bad "no catch-up: $(cat "$work/syncd.log")"
"$bin/sync/synaq-syncd" --home "$st" --once 2>>"$work/syncd.log" || bad "round 2: $(cat "$work/syncd.log")"
c=$(latest counter)
[ "$c" -gt 10 ] && ok || bad "after catching up the counter is $c"
[ "$(latest pending)" = 0 ] && ok || bad "latest pending $(latest pending), expected 0"
finish
