#!/usr/bin/env bash
# Results carried by hand, with no network at all: the station exports its
# pending results to a folder standing in for a USB stick; central ingests
# them exactly as uploads and writes acknowledgements beside them; the
# station reads those back and marks the results sent. Then the network
# sync sends nothing twice. Bad input: the same export ingested twice
# (stored once), forged or altered acknowledgements and ones meant for
# another station (refused, nothing marked), a read-only and a full stick
# (a clear message, nothing exported), symlinks on the stick (not followed).
# Then enrolment by stick from the command line (synaqctl enroll-usb,
# synaq-central prepare-stick and enroll-usb), with a stick that lacks
# central's keys and a certificate meant for another station.
#   usb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
. "$src/tests/pg/store.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-usb-XXXXXX")
serve_pid=""
cleanup() {
  [ -z "$serve_pid" ] || kill -9 "$serve_pid" 2>/dev/null || true
  umount "$work/full" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
skips=0
skip() { echo "SKIP: $*"; skips=$((skips + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect() { # PHRASE STATUS CMD...
  local phrase=$1 want=$2 out status=0
  shift 2
  out=$("$@" 2>&1) || status=$?
  if [ "$status" = "$want" ] && grep -qF -- "$phrase" <<<"$out"; then ok; else
    bad "expected status $want and '$phrase' from: $* (status $status): $out"
  fi
}
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
ctl() { "$bin/ctl/synaqctl" --home "$work/station" "$@"; }
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$work/station/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }
held() { store_sql "$work/central/results.db" "SELECT count(*) FROM results" 2>/dev/null || echo 0; }

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
"$bin/tests/sync/mkresults" --home "$work/station" --count 120 --tag usb
stick=$work/stick
mkdir -p "$stick"

expect "120 result(s) in 3 batch(es) written" 0 ctl export-usb "$stick"
[ "$(pending)" = 120 ] && ok || bad "export marked results: $(pending) pending"
[ -f "$stick/synaq/ui-001/outgoing/MANIFEST.sha256" ] && ok || bad "no manifest"
(cd "$stick/synaq/ui-001/outgoing" && sha256sum --quiet -c MANIFEST.sha256) && ok || bad "manifest does not match"

# A symlink on the stick pointing outside it is not followed.
ln -s /etc/passwd "$stick/synaq/ui-001/outgoing/zz-evil.sqbatch"
expect "zz-evil.sqbatch: not a regular file; skipped" 1 central ingest "$stick"
rm "$stick/synaq/ui-001/outgoing/zz-evil.sqbatch"
[ "$(held)" = 120 ] && ok || bad "central holds $(held) after the first ingest"
expect "3 batch file(s) read, 0 result(s) newly stored" 0 central ingest "$stick"
[ "$(held)" = 120 ] && ok || bad "ingesting twice stored $(held)"
# A stick is not a heartbeat: central knows the station as carried in by
# stick, and as never heard by network.
hb_rows() { store_sql "$work/central/results.db" "SELECT count(*) FROM heartbeats WHERE station_id = 'ui-001'" 2>/dev/null || echo 0; }
[ "$(hb_rows)" = 0 ] && ok || bad "a stick stored $(hb_rows) heartbeats"
out=$(central status 2>&1) && ok || bad "status: $out"
grep -qP '^ui-001\t.*\tlast heard by network: never\tlast carried by stick: 20[0-9-]+T[0-9:]+Z' <<<"$out" && ok ||
  bad "status after ingest: $out"
expect "station 'nobody' is not enrolled here" 1 central status nobody

# Acknowledgements: forged, altered, for another station: refused.
acks=$stick/synaq/ui-001/acks
# The acknowledgement of the last batch (results 101..120).
first=$(ls "$stick/synaq/ui-001/outgoing" | sed -n 's/^000000000101-\(.*\)\.sqbatch$/\1.ack/p')
cp "$acks/$first" "$work/good.ack"
printf '\x01' | dd of="$acks/$first" bs=1 seek=20 conv=notrunc status=none
expect "not signed by the central this station trusts" 1 ctl read-acks "$stick"
[ "$(pending)" = 20 ] && ok || bad "after one altered ack: $(pending) pending (expected 20)"
echo "SQACK01 not really" >"$acks/forged.ack"
expect "forged.ack: not a Synaq acknowledgement" 1 ctl read-acks "$stick"
rm "$acks/forged.ack"
cp "$work/good.ack" "$acks/$first"
expect "3 acknowledgement(s) read, 20 result(s) newly marked sent" 0 ctl read-acks "$stick"
[ "$(pending)" = 0 ] && ok || bad "$(pending) still pending"

# An acknowledgement for another station, signed by central: refused.
"$bin/ctl/synaqctl" --home "$work/other" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
central enroll "$work/other/enrol.req" --station-id other-1 --district X >/dev/null
"$bin/ctl/synaqctl" --home "$work/other" enroll "$work/central/certs/other-1.cert" >/dev/null
mkdir -p "$work/stick2/synaq/other-1/acks"
cp "$work/good.ack" "$work/stick2/synaq/other-1/acks/"
expect "meant for station 'ui-001', not 'other-1'" 1 \
  "$bin/ctl/synaqctl" --home "$work/other" read-acks "$work/stick2"

# A read-only stick: a clear message, nothing exported.
"$bin/tests/sync/mkresults" --home "$work/station" --count 5 --tag more
mkdir -p "$work/ro"
if mount -t tmpfs -o ro,size=1m tmpfs "$work/ro" 2>/dev/null; then
  expect "the stick is read-only" 1 ctl export-usb "$work/ro"
  umount "$work/ro"
else
  skip "cannot mount a read-only tmpfs here: the read-only stick is not tried"
fi
# A full stick: a clear message, nothing left half written.
mkdir -p "$work/full"
if mount -t tmpfs -o size=8k tmpfs "$work/full" 2>/dev/null; then
  "$bin/tests/sync/mkresults" --home "$work/station" --count 60 --tag full
  expect "nothing was exported" 1 ctl export-usb "$work/full"
  [ -z "$(ls "$work/full/synaq/ui-001/outgoing" 2>/dev/null)" ] && ok || bad "a full stick kept files"
  umount "$work/full"
else
  skip "cannot mount a small tmpfs here: the full stick is not tried"
fi
[ "$(pending)" = 65 ] && ok || bad "$(pending) pending after failed exports (expected 65)"

# Enrolment by stick, from the command line: a stick without central's
# keys makes nothing; with them (prepare-stick) the keys and the request;
# central answers onto the stick; the station installs the certificate.
new=$work/new-station
estick=$work/enrol-stick
mkdir -p "$estick"
newctl() { "$bin/ctl/synaqctl" --home "$new" "$@"; }
expect "put central.pub in the stick's synaq folder" 1 newctl enroll-usb --no-passphrase "$estick"
[ ! -e "$new/station.key" ] && ok || bad "keys made without central's keys"
expect "central.pub written" 0 central prepare-stick "$estick"
expect "enrolment request written to $estick/synaq/enrol/" 0 newctl enroll-usb --no-passphrase --label "Office 7" "$estick"
fp=$(newctl enroll-usb "$estick" | sed -n 's/^station key fingerprint: //p')
[ -f "$estick/synaq/enrol/$fp.req" ] && ok || bad "no request $fp.req on the stick"
expect "not enrolled yet" 1 newctl import-usb "$estick"
expect "no enrolment request on the stick" 1 central enroll-usb "$work/stick" --station-id x --district X
expect "on the stick in synaq/enrol/$fp.cert" 0 central enroll-usb "$estick" --station-id alm-007 --district Алматы
expect "no request without a certificate" 1 central enroll-usb "$estick" --station-id alm-008 --district Алматы
expect "enrolled as station 'alm-007' of district 'Алматы'" 0 newctl enroll-usb "$estick"
expect "enrolled already, as 'alm-007'" 1 newctl enroll-usb "$estick"
expect "alm-007" 0 newctl status
expect "enroll-usb" 0 newctl audit
# A certificate of another station under this one's name is refused.
"$bin/ctl/synaqctl" --home "$work/third" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
fp3=$("$bin/ctl/synaqctl" --home "$work/third" enroll-usb "$estick" 2>/dev/null | sed -n 's/^station key fingerprint: //p') || true
[ -n "$fp3" ] && cp "$estick/synaq/enrol/$fp.cert" "$estick/synaq/enrol/$fp3.cert"
cp "$work/third/station.key" "$work/third-key.before"
expect "the certificate of another station" 1 "$bin/ctl/synaqctl" --home "$work/third" enroll-usb "$estick"
cmp -s "$work/third/station.key" "$work/third-key.before" && ok || bad "a refused certificate changed the key file"

# Then the network: the results acknowledged by hand are not sent again.
# The binary itself, not the function: $! must be the server, not a subshell.
"$bin/central/synaq-central" --home "$work/central" serve --listen 127.0.0.1:0 \
  >"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\n' "$port" >"$work/station/sync.conf"
"$bin/sync/synaq-syncd" --home "$work/station" --once 2>"$work/syncd.log" || bad "syncd: $(cat "$work/syncd.log")"
[ "$(held)" = 185 ] && ok || bad "central holds $(held) after the network sync (expected 185)"
[ "$(pending)" = 0 ] && ok || bad "$(pending) pending after the network sync"
out=$(central status ui-001 2>&1) && ok || bad "status: $out"
grep -qP '^ui-001\t.*\tlast heard by network: 20[0-9-]+T[0-9:]+Z\tlast carried by stick: 20[0-9-]+T[0-9:]+Z' <<<"$out" && ok ||
  bad "status after the network sync: $out"
echo "usb: $passes passed, $fails failed, $skips skipped"
[ $fails = 0 ] || exit 1
[ $skips = 0 ] || exit 77
