#!/usr/bin/env bash
# A slow stick on the technician screen (issue 13): the import and the
# export run off the kiosk's UI thread, which keeps drawing frames and
# answering taps. The stick is a folder under --usb-roots; every file read
# from it waits SYNAQ_TEST_STICK_DELAY_MS (the test hook of
# core/src/stickfs.c, in builds with the tests only). In kk, ru and en at
# 1280x800, 800x480 and 1080x1920, each on a fresh station:
#   - the stick holds the demo exam's bundle (a-demo.sqb) and a second
#     exam's (z-second.sqb); "start tech-import" taps Import and lets the
#     import run on while the script goes on: frames come and the
#     percent shown changes across them (at least twice) while the
#     worker reads and installs the first bundle; the progress dialog
#     (title, "do not remove", the bar, Cancel) is shot;
#   - Cancel is tapped while the import runs: the dialog says it stops
#     after the file in hand (shot); then the import ends, cancelled:
#     the first bundle is installed whole, the second not read, the
#     dialog says so (shot), and the audit log says "cancelled";
#   - Import again, not cancelled: the second exam comes in.
# Once (en, 1280x800): an export of 60 results (two batches) cancelled
# after the first batch: nothing of it stays on the stick, no result is
# noted as exported, the dialog says so.
# The kiosk runs the script's long actions in lockstep (kiosk/script.c:
# the worker waits at each progress report until a frame has shown it),
# so each run stops at the same point of the work; real time bounds the
# waits only.
# Shots: OUTDIR/slowstick-<lang>-<size>-{progress,stopping,cancelled}.png
# (and slowstick-en-1280x800-export-{progress,cancelled}.png), each
# followed by expect-fits.
#   slowstick.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)
chaos=$src/tests/sync/chaos-exam.yaml
demo=$src/assets/demo/election-basics.yaml
demo_items=$(awk '/^items:/ {on = 1} on && /^  - id:/ {n++} END {print n}' "$demo") # items only (events have ids too)
demo_id=$(sed -n 's/^exam: *//p' "$demo")
pin=2468
delay_ms=100
rm -f "$out"/slowstick-*.png

central() { "$bin/central/synaq-central" --home "$1/central" "${@:2}"; }
ctl() { "$bin/ctl/synaqctl" --home "$1/station" "${@:2}"; }
sql() { sqlite3 -readonly -cmd ".timeout 10000" "$1" "$2"; }
shot() { printf 'screenshot %s-%s\nexpect-fits\n' "$p" "$1"; }
pin_keys() { # DIGITS
  local d
  for d in $(grep -o . <<<"$1"); do printf 'tap pin:%s\n' "$d"; done
  printf 'tap pin-ok\n'
}
open_tech() { # LANG
  printf 'hold 10 10 3.2\ntap tech-lang-%s\n' "$1"
  pin_keys $pin
  printf 'expect-screen tech\n'
}
# slow NAME DIR SIZE SCRIPT: the kiosk of DIR/station, its sticks in
# DIR/media, slow.
slow() {
  SYNAQ_TEST_STICK_DELAY_MS=$delay_ms run "$1" "$2/station" "$3" "$4" --usb-roots "$2/media"
}
size_of() { stat -c %s "$1"; }
exams_of() { sql "$1/station/station.db" "SELECT exam_id FROM exams ORDER BY exam_id" | tr '\n' ' '; }

slowstick() {
  local l=$1 size=$2 p="slowstick-$1-$2" home=$work/$1-$2 stick a z total until line frames changes
  stick=$home/media/STICK
  make_station "$home" "$chaos"
  echo $pin | ctl "$home" set-pin >/dev/null
  mkdir -p "$stick"
  sed 's/^exam: chaos$/exam: second/' "$chaos" >"$home/second.yaml"
  central "$home" bundle build "$demo" --stations "$home/central/certs/ui-001.cert" \
    -o "$stick/a-demo.sqb" >/dev/null
  central "$home" bundle build "$home/second.yaml" --stations "$home/central/certs/ui-001.cert" \
    -o "$stick/z-second.sqb" >/dev/null
  # Progress is in bytes, each bundle's size read and then installed: the
  # first bundle is read at 100a/total percent and in whole at 200a/total,
  # before the second is read. The script waits for a frame showing
  # 150a/total (the first bundle half installed), then taps Cancel, so the
  # import stops before the second.
  a=$(size_of "$stick/a-demo.sqb")
  z=$(size_of "$stick/z-second.sqb")
  total=$((2 * (a + z)))
  until=$((150 * a / total))

  {
    open_tech "$l"
    printf 'start tech-import\nwait-progress %s\n' "$until"
    printf 'expect-text %s\n' "$(msg "$l" tech.importing)" "$(msg "$l" tech.wait)"
    printf 'expect-widget tech-cancel\n'
    shot progress
    printf 'tap tech-cancel\nexpect-text %s\n' "$(msg "$l" tech.stopping)"
    shot stopping
    printf 'wait-done\nexpect-screen tech-done\n'
    printf 'expect-text %s\n' "$(msg "$l" tech.import_title_cancelled)" \
      "$(msg "$l" tech.import_cancelled)" \
      "$(msg "$l" tech.import_done n 1 exams 1 items "$demo_items")"
    shot cancelled
    # Again, to the end: the second exam comes in, the first is there.
    printf 'tap tech-ok\ntap tech-import\nexpect-screen tech-done\n'
    printf 'expect-text %s\n' "$(msg "$l" tech.import_title)" \
      "$(msg "$l" tech.import_done n 1 exams 1 items 2)" "$(msg "$l" tech.import_same n 1)"
    printf 'tap tech-ok\ntap tech-close\nexpect-screen welcome\n'
  } >"$work/$p.txt"

  # Between the first run and the second, what the cancelled import left.
  slow "$p" "$home" "$size" "$work/$p.txt" || return 0
  line=$(grep '^PROGRESS ' "$work/$p.out" | head -1)
  frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$line")
  changes=$(sed -n 's/.*changes=\([0-9]*\).*/\1/p' <<<"$line")
  if [ "${changes:-0}" -ge 2 ] && [ "${frames:-0}" -gt "${changes:-0}" ]; then ok; else
    bad "$p: frames while the import ran: '$line' (want the percent to change twice or more)"
  fi
  echo "$p: until ${until}%: $line; $(grep '^DONE ' "$work/$p.out" | head -1)"
  for f in progress stopping cancelled; do
    [ -s "$out/$p-$f.png" ] && ok || bad "$p: no shot $p-$f.png"
  done
  local audit
  audit=$(sql "$home/station/station.db" \
    "SELECT action || ' ' || outcome || ' ' || detail FROM audit WHERE actor = 'kiosk' AND action = 'import-usb' ORDER BY n")
  if [ "$(grep -c . <<<"$audit")" = 2 ] &&
    grep -q '^import-usb ok .*1 imported, 0 same.*cancelled, the rest not read' <<<"$(head -1 <<<"$audit")" &&
    grep -q '^import-usb ok .*1 imported, 1 same' <<<"$(tail -1 <<<"$audit")"; then ok; else
    bad "$p: the audit log of the imports: $(tr '\n' ';' <<<"$audit")"
  fi
  local exams
  exams=$(exams_of "$home")
  [ "$exams" = "chaos $demo_id second " ] && ok || bad "$p: exams in the store: $exams"
}

# An export of two batches, cancelled after the first: all or nothing.
export_cancelled() {
  local l=en size=1280x800 p=slowstick-en-1280x800 home=$work/export stick outgoing
  stick=$home/media/STICK
  outgoing=$stick/synaq/ui-001/outgoing
  make_station "$home" "$chaos"
  echo $pin | ctl "$home" set-pin >/dev/null
  "$bin/tests/sync/mkresults" --home "$home/station" --count 60 --tag slow >/dev/null
  mkdir -p "$stick/synaq"
  {
    open_tech en
    printf 'start tech-export\nwait-progress 1\n'
    printf 'expect-text %s\n' "$(msg en tech.exporting)"
    shot export-progress
    printf 'tap tech-cancel\nwait-done\nexpect-screen tech-done\n'
    printf 'expect-text %s\n' "$(msg en tech.export_title_cancelled)" "$(msg en tech.export_cancelled)"
    shot export-cancelled
    printf 'tap tech-ok\ntap tech-close\n'
  } >"$work/export.txt"
  slow export "$home" "$size" "$work/export.txt" || return 0
  [ -z "$(ls -A "$outgoing" 2>/dev/null)" ] && ok ||
    bad "a cancelled export left files: $(ls -A "$outgoing")"
  [ "$(sql "$home/station/station.db" "SELECT count(*) FROM results WHERE exported_wall IS NOT NULL")" = 0 ] &&
    ok || bad "a cancelled export noted results as exported"
  sql "$home/station/station.db" "SELECT detail FROM audit WHERE action = 'export-usb'" |
    grep -q 'cancelled' && ok || bad "the audit log does not say the export was cancelled"
}

each_lang_size slowstick
export_cancelled
echo "screenshots: $out"
finish
