#!/usr/bin/env bash
# Makes a central with enrolled stations, results and heartbeats received
# by the real receiver or from a stick, and console accounts, for the
# console's tests:
#   fixture.sh BUILD_DIR DIR NOW
# DIR/central is central's home. Stations (labels from stations are
# hostile input):
#   st-a  Алматы  label <script>alert(1)</script>; 3 results sent over the
#         network with a heartbeat (3 pending); received 1 h before NOW,
#         one of them 10 days before
#   st-b  Астана  label "><img src=x onerror=alert(1)>; 2 results carried
#         on a stick (no heartbeat), received 3 days before NOW; enrolled
#         30 days before NOW: silent
#   st-c  Алматы  never heard from, enrolled 1 day before NOW: not silent
#   st-d  Алматы  revoked
# The receiver's clock cannot be set, so the times of what it stored are
# moved to NOW afterwards with sqlite3 (nothing else has the files open).
# Accounts (password "<name> password 1"): alice admin, sam staff, dina
# district Алматы, asel district Астана.
set -euo pipefail
bin=$1
dir=$2
now=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
central() { "$bin/central/synaq-central" --home "$dir/central" "$@"; }
ctl() { local h=$1; shift; "$bin/ctl/synaqctl" --home "$dir/$h" "$@"; }
mkdir -p "$dir"
central keygen >/dev/null
station() { # ID DISTRICT LABEL
  ctl "$1" init --no-passphrase --central "$dir/central/keys/central.pub" --label "$3" >/dev/null
  central enroll "$dir/$1/enrol.req" --station-id "$1" --district "$2" >/dev/null
  ctl "$1" enroll "$dir/central/certs/$1.cert" >/dev/null
}
station st-a "Алматы" '<script>alert(1)</script>'
station st-b "Астана" '"><img src=x onerror=alert(1)>'
station st-c "Алматы" "Тихий пункт"
station st-d "Алматы" "Old machine"
central bundle build "$top/tests/sync/chaos-exam.yaml" --stations "$dir/central/certs/st-a.cert" \
  "$dir/central/certs/st-b.cert" -o "$dir/chaos.sqb" >/dev/null
ctl st-a import "$dir/chaos.sqb" >/dev/null
ctl st-b import "$dir/chaos.sqb" >/dev/null
central revoke st-d >/dev/null

# st-a: over the network, to the real receiver.
"$bin/tests/sync/mkresults" --home "$dir/st-a" --count 3 --tag a
"$bin/tests/security/mkupload" --home "$dir/st-a" --counter 1 --batch -o "$dir/a.up" >/dev/null
"$bin/central/synaq-central" --home "$dir/central" serve --listen 127.0.0.1:0 \
  >"$dir/serve.out" 2>"$dir/serve.log" &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/serve.out")
code=$(curl -s -o "$dir/a.answer" -w '%{http_code}' --data-binary "@$dir/a.up" \
  -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$port/v1/upload")
kill $serve_pid
wait $serve_pid 2>/dev/null || true
trap - EXIT
[ "$code" = 200 ] || { echo "fixture: the receiver refused st-a's upload: $code" >&2; exit 1; }

# st-b: on a stick.
"$bin/tests/sync/mkresults" --home "$dir/st-b" --count 2 --tag b
mkdir -p "$dir/stick"
ctl st-b export-usb "$dir/stick" >/dev/null
central ingest "$dir/stick" >/dev/null

r=$dir/central/results.db
sqlite3 "$r" "UPDATE results SET received_wall = $now - 3600 WHERE station_id = 'st-a';
  UPDATE results SET received_wall = $now - 10 * 86400 WHERE station_id = 'st-a' AND seq = 1;
  UPDATE results SET received_wall = $now - 3 * 86400 WHERE station_id = 'st-b';
  UPDATE batches SET received_wall = $now - 3600 WHERE station_id = 'st-a';
  UPDATE batches SET received_wall = $now - 3 * 86400 WHERE station_id = 'st-b';
  UPDATE heartbeats SET received_wall = $now - 3600;
  UPDATE heartbeat_latest SET received_wall = $now - 3600;
  UPDATE stick_latest SET received_wall = $now - 3 * 86400 WHERE station_id = 'st-b';"
sqlite3 "$dir/central/central.db" "UPDATE stations SET issued_wall = $now - 30 * 86400;
  UPDATE stations SET issued_wall = $now - 86400 WHERE station_id = 'st-c';"

for u in "alice admin" "sam staff" "dina district Алматы" "asel district Астана"; do
  set -- $u
  if [ $# = 3 ]; then
    central user add "$1" --role "$2" --district "$3" <<<"$1 password 1" >/dev/null
  else
    central user add "$1" --role "$2" <<<"$1 password 1" >/dev/null
  fi
done
