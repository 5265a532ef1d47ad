#!/usr/bin/env bash
# A new station set up from its touchscreen, by stick, in each language
# (kk, ru, en) at each size (1280x800, 800x480, 1080x1920):
#   - central puts its public keys and the demo exam's bundle on a stick
#     (synaq-central prepare-stick); the kiosk starts with no station at
#     all and shows the set-up screen;
#   - a stick with no central keys: a clear message, no key file made;
#   - with them: the technician chooses the station's passphrase (too
#     short, then two that differ, are refused), the station makes its
#     keys under it and writes its request to the stick, and shows the
#     fingerprints to compare;
#   - central signs the request (synaq-central enroll-usb), the
#     certificate goes back onto the stick;
#   - the kiosk starts again, locked: the passphrase unlocks it, and it
#     installs the certificate, asks for the
#     technician PIN twice (a mismatch first; cancelling is refused), and
#     opens technician mode, where the exams are imported from the stick;
#     the welcome screen then names the station.
# Checks: the key file holds the certificate (synaqctl status), the audit
# log has the enrolment and the PIN, the exam is installed.
# Shots: OUTDIR/setup-<lang>-<size>-<screen>.png, each with expect-fits.
#   setup.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)
demo=$src/assets/demo/election-basics.yaml
rm -f "$out"/setup-*.png

shot() { printf 'screenshot %s-%s\nexpect-fits\n' "$p" "$1"; }
pin_keys() {
  local d
  for d in $(grep -o . <<<"$1"); do printf 'tap pin:%s\n' "$d"; done
  printf 'tap pin-ok\n'
}

setup() {
  local l=$1 size=$2 p="setup-$1-$2" home=$work/$1-$2 status
  local central=("$bin/central/synaq-central" --home "$home/central")
  mkdir -p "$home/media0/EMPTY" "$home/media/STICK"
  "${central[@]}" keygen >/dev/null
  touch "$home/media0/EMPTY/exams.sqb"
  # First a stick without central's keys (only a stray file on it).
  {
    printf 'expect-screen setup\ntap tech-lang-%s\nexpect-text %s\n' "$l" "$(msg "$l" tech.setup_title)"
    shot screen
    printf 'tap setup-enrol\nexpect-screen tech-done\nexpect-text %s\n' "$(msg "$l" tech.setup_no_pub)"
    shot no-pub
    printf 'tap tech-ok\n'
  } >"$work/$p-0.txt"
  run "$p-0" "$home/station" "$size" "$work/$p-0.txt" --usb-roots "$home/media0" || return 0
  [ ! -e "$home/station/station.key" ] && ok || bad "$p: keys made from a stick without central's keys"

  "${central[@]}" prepare-stick "$home/media/STICK" >/dev/null
  {
    printf 'expect-screen setup\ntap tech-lang-%s\nexpect-text %s\n' "$l" "$(msg "$l" tech.stick name STICK)"
    printf 'tap setup-enrol\nexpect-screen setpass\nexpect-text %s\n' "$(msg "$l" setpass.prompt)"
    shot setpass
    printf 'keys short\ntap pass-ok\nexpect-text %s\n' "$(msg "$l" setpass.short)"
    shot setpass-short
    printf 'tap key:clear\nkeys station secret\ntap pass-ok\nexpect-text %s\n' "$(msg "$l" setpass.again)"
    printf 'keys station secre\ntap kbd:case\nkeys T\ntap kbd:case\ntap pass-ok\nexpect-text %s\n' "$(msg "$l" setpass.differ)"
    shot setpass-differ
    printf 'keys station secret\ntap pass-ok\nkeys station secret\ntap pass-ok\n'
    printf 'expect-screen tech-done\n'
    shot requested
    printf 'tap tech-ok\nexpect-screen setup\nexpect-text %s\n' "$(msg "$l" tech.setup_text_back)"
    shot waiting
  } >"$work/$p-1.txt"
  run "$p-1" "$home/station" "$size" "$work/$p-1.txt" --usb-roots "$home/media" || return 0
  local req
  req=$(ls "$home/media/STICK/synaq/enrol/"*.req 2>/dev/null | head -1)
  [ -n "$req" ] && ok || { bad "$p: no request on the stick"; return 0; }
  # The fingerprint on the screen is the request's name.
  grep -q "$(basename "$req" .req)" "$work/$p-1.err" && ok || bad "$p: the log does not name the request"

  # Central: the certificate back onto the stick, and the station's exams.
  "${central[@]}" enroll-usb "$home/media/STICK" --station-id st-100 --district Алматы >/dev/null
  "${central[@]}" bundle build "$demo" --stations "$home/central/certs/st-100.cert" \
    -o "$home/exams.sqb" >/dev/null
  "${central[@]}" prepare-stick "$home/media/STICK" "$home/exams.sqb" >/dev/null

  {
    printf 'expect-screen unlock\ntap tech-lang-%s\nkeys station secret\ntap pass-ok\n' "$l"
    printf 'expect-screen setup\ntap setup-enrol\nexpect-screen newpin\n'
    shot newpin
    printf 'tap pin-cancel\nexpect-screen newpin\nexpect-text %s\n' "$(msg "$l" tech.newpin_needed)"
    pin_keys 24
    printf 'expect-text %s\n' "$(msg "$l" tech.newpin_short)"
    pin_keys 2468
    pin_keys 2469
    printf 'expect-text %s\n' "$(msg "$l" tech.newpin_differ)"
    pin_keys 2468
    pin_keys 2468
    printf 'expect-screen tech-done\nexpect-text %s\n' "$(msg "$l" tech.setup_ready)"
    shot ready
    printf 'tap tech-ok\nexpect-screen tech\nexpect-text %s\n' "$(msg "$l" tech.station id st-100 district Алматы)"
    printf 'tap tech-import\nexpect-screen tech-done\nexpect-text %s\ntap tech-ok\n' \
      "$(msg "$l" tech.import_title)"
    shot tech
    printf 'tap tech-close\nexpect-screen welcome\nexpect-text st-100\n'
    shot welcome
  } >"$work/$p-2.txt"
  run "$p-2" "$home/station" "$size" "$work/$p-2.txt" --usb-roots "$home/media" || return 0
  [ "$(od -An -c -j9 -N1 "$home/station/station.key" | tr -d ' ')" = 001 ] && ok ||
    bad "$p: the key file is not passphrase-protected"
  status=$(SYNAQ_PASSPHRASE="station secret" "$bin/ctl/synaqctl" --home "$home/station" status 2>&1) || true
  grep -q "station:  st-100 (Алматы)" <<<"$status" && grep -q "election-basics v" <<<"$status" &&
    ok || bad "$p: status after set-up: $status"
  local audit
  audit=$(sqlite3 -readonly -cmd ".timeout 10000" "$home/station/station.db" "SELECT action || ':' || outcome FROM audit ORDER BY n" | tr '\n' ' ')
  [ "$audit" = "enroll-usb:ok pin-set:ok import-usb:ok close:ok " ] && ok || bad "$p: audit: $audit"
}

each_lang_size setup
echo "screenshots: $out"
finish
