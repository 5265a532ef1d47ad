#!/usr/bin/env bash
# The technician on the kiosk, end to end with no network at all, in each
# language (kk, ru, en) at each size (1280x800, 800x480, 1080x1920), each
# on a fresh station with a folder under --usb-roots standing in for a
# USB stick:
#   - a trainee takes a small exam on the kiosk: one result, sealed;
#   - a short press in the corner does nothing; a 3 s one opens the PIN
#     screen; three wrong PINs shut the keypad for 15 s with a countdown;
#     once the wait is over the right PIN, typed on a keyboard plugged in
#     (only its digits taken), opens technician mode, whose
#     status shows the station, its exams and 1 result waiting;
#   - import from the stick (the progress bar shot half way): the demo
#     exam's bundle imported, a bundle for another station passed over, a
#     file that is no bundle skipped with a note; the same again: nothing
#     new;
#   - export to the stick: the result written, safe to remove; the status
#     says it is carried out and awaits acknowledgement;
#   - the touch test (all 9 targets), the screen test (every character
#     drawn), the PIN changed (a mismatch first), leaving the kiosk (no,
#     then yes: the kiosk ends with status 3).
# Then central ingests the stick, and a second run opens technician mode
# with the new PIN and reads the acknowledgements: the result is marked
# sent; left alone, technician mode warns and closes by itself. Then the
# network: synaq-syncd --once to a receiver on 127.0.0.1
# sends nothing twice. The audit log holds every action with its outcome.
# Once (en, 1280x800): a full stick and a read-only one (small tmpfs
# mounts, found as sticks by being mount points): a clear message,
# nothing exported.
# Shots: OUTDIR/tech-<lang>-<size>-<screen>.png, each followed by
# expect-fits (no text overflows, no character lacks a glyph).
#   tech.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)
chaos=$src/tests/sync/chaos-exam.yaml
demo=$src/assets/demo/election-basics.yaml
demo_items=$(awk '/^items:/ {on = 1} on && /^  - id:/ {n++} END {print n}' "$demo") # items only (events have ids too)
pin=2468
new_pin=1357
declare -A names=([kk]="ӘЛИЯ ҚҰЛ" [ru]="ЖЕНЯ ЁЖ" [en]="ALI KIM")
rm -f "$out"/tech-*.png

central() { "$bin/central/synaq-central" --home "$1/central" "${@:2}"; }
ctl() { "$bin/ctl/synaqctl" --home "$1/station" "${@:2}"; }
sql() { sqlite3 -readonly -cmd ".timeout 10000" "$1" "$2"; }

shot() { printf 'screenshot %s-%s\nexpect-fits\n' "$p" "$1"; }
pin_keys() { # DIGITS
  local d
  for d in $(grep -o . <<<"$1"); do printf 'tap pin:%s\n' "$d"; done
  printf 'tap pin-ok\n'
}

# The trainee's exam: the chaos exam's two items, as someone not on a
# roster (the name typed on the language's keyboard).
trainee_script() {
  printf 'tap lang-%s\nkeys 770202300111\ntap continue\nkeys %s\ntap continue\n' "$l" "${names[$l]}"
  printf 'tap exam:chaos\ntap start\nexpect-screen item\ntap option-1\ntap next\ntap option-1\n'
  printf 'tap review\ntap submit\ntap confirm-yes\nexpect-screen result\ntap done\n'
  printf 'expect-screen welcome\n'
}

script1() {
  local age
  age=$(msg "$l" tech.age_min n 0)
  trainee_script
  # The gesture: not a short press, and nowhere but in the corner.
  printf 'hold 10 10 1\nexpect-screen welcome\nhold 790 10 4\nexpect-screen welcome\n'
  printf 'hold 10 10 3.2\nexpect-screen pin\nexpect-text %s\n' "$(msg "$l" tech.pin_prompt)"
  shot pin
  printf 'tap pin:1\ntap pin:2\ntap pin:back\ntap pin:9\n'
  shot pin-typed
  printf 'tap pin:clear\n'
  pin_keys 1111
  printf 'expect-screen pin\nexpect-text %s\n' "$(msg "$l" tech.pin_wrong)"
  pin_keys 2222
  pin_keys 3333
  printf 'expect-text %s\n' "$(msg "$l" tech.pin_wait n 15)"
  shot pin-wait
  # Shut: the digits do nothing now.
  printf 'tap pin:2\nexpect-no-text ●\nwait 8\nexpect-text %s\nwait 8\n' "$(msg "$l" tech.pin_wait n 7)"
  printf 'expect-no-text %s\n' "$(msg "$l" tech.pin_wait n 1)"
  # This time on a keyboard plugged in: digits only, Enter for OK.
  printf 'type 2a4\ntype 6-8\nexpect-text ●●●●\nexpect-no-text ●●●●●\nkey enter\n'
  printf 'expect-screen tech\nexpect-text %s\nexpect-text %s\n' \
    "$(msg "$l" tech.station id ui-001 district Алматы)" \
    "$(msg "$l" tech.pending_oldest n 1 age "$age")"
  printf 'expect-text %s\n' "$(msg "$l" tech.stick name STICK)" "$(msg "$l" tech.sync_never)" \
    "$sync_error"
  shot tech
  printf 'progress-shot %s-import-progress\ntap tech-import\nexpect-screen tech-done\n' "$p"
  printf 'expect-text %s\n' "$(msg "$l" tech.import_done n 1 exams 1 items "$demo_items")" \
    "$(msg "$l" tech.import_others n 1)" "$(msg "$l" tech.import_skipped n 1)" \
    "$(msg "$l" tech.note file junk.sqb reason "$(msg "$l" tech.note_invalid)")"
  shot import-done
  printf 'tap tech-ok\ntap tech-import\nexpect-text %s\ntap tech-ok\n' "$(msg "$l" tech.import_same n 1)"
  printf 'tap tech-export\nexpect-screen tech-done\nexpect-text %s\nexpect-text %s\n' \
    "$(msg "$l" tech.export_done n 1 files 1)" "$(msg "$l" tech.export_safe)"
  shot export-done
  printf 'tap tech-ok\nexpect-screen tech\nexpect-text %s\n' "$(msg "$l" tech.exported n 1)"
  shot tech-exported
  printf 'tap tech-touch\nexpect-screen touch\n'
  shot touch
  printf 'tap target-%s\n' 1 2 3 4 5 6 7 8
  printf 'tap 300 300\nexpect-text %s\n' "$(msg "$l" tech.touch_text n 8 total 9)"
  printf 'tap target-9\nexpect-text %s\n' "$(msg "$l" tech.touch_all total 9)"
  shot touch-done
  printf 'tap done\nexpect-screen tech\ntap tech-screen\nexpect-screen glyphs\n'
  shot glyphs
  printf 'tap done\ntap tech-pin\nexpect-screen newpin\n'
  shot newpin
  pin_keys $new_pin
  printf 'expect-text %s\n' "$(msg "$l" tech.newpin_again)"
  pin_keys 1358
  printf 'expect-text %s\n' "$(msg "$l" tech.newpin_differ)"
  shot newpin-differ
  pin_keys $new_pin
  pin_keys $new_pin
  printf 'expect-screen tech-done\nexpect-text %s\n' "$(msg "$l" tech.newpin_done)"
  printf 'tap tech-ok\ntap tech-leave\nexpect-screen leave\n'
  shot leave
  printf 'tap leave-no\nexpect-screen tech\ntap tech-leave\ntap leave-yes\nexpect-left\n'
}

script2() {
  printf 'hold 10 10 3.2\ntap tech-lang-%s\n' "$l"
  pin_keys $pin
  printf 'expect-screen pin\nexpect-text %s\n' "$(msg "$l" tech.pin_wrong)"
  pin_keys $new_pin
  printf 'expect-screen tech\nexpect-text %s\nexpect-no-text %s\n' "$long_shown" "${long_shown%…}ш"
  shot tech-long-error
  printf 'tap tech-acks\nexpect-screen tech-done\nexpect-text %s\n' \
    "$(msg "$l" tech.acks_done n 1 results 1)"
  shot acks-done
  printf 'tap tech-ok\nexpect-text %s\nexpect-no-text %s\n' "$(msg "$l" tech.pending n 0)" \
    "$(msg "$l" tech.exported n 1)"
  printf 'tap tech-close\nexpect-screen welcome\n'
  # Left alone, technician mode warns, then closes by itself.
  printf 'hold 10 10 3.2\n'
  pin_keys $new_pin
  printf 'expect-screen tech\nwait 181\nexpect-screen idle\nexpect-text %s\n' \
    "$(msg "$l" idle.text_tech n 29)"
  shot idle
  printf 'wait 30\nexpect-screen welcome\n'
}

# audit HOME: the actions of the audit log, one "actor action outcome" a line.
audit_of() {
  sql "$1/station/station.db" "SELECT actor || ' ' || action || ' ' || outcome FROM audit ORDER BY n"
}

# tech LANG SIZE: one station's whole story, and its checks.
tech() {
  local l=$1 size=$2 p="tech-$1-$2" home=$work/$1-$2 status=0 stick port serve_pid log
  stick=$home/media/STICK
  make_station "$home" "$chaos"
  echo $pin | ctl "$home" set-pin >/dev/null
  mkdir -p "$stick"
  central "$home" bundle build "$demo" --stations "$home/central/certs/ui-001.cert" \
    -o "$stick/exams.sqb" >/dev/null
  # A bundle for another station, and a file that is no bundle.
  "$bin/ctl/synaqctl" --home "$home/other" init --no-passphrase --central "$home/central/keys/central.pub" >/dev/null
  central "$home" enroll "$home/other/enrol.req" --station-id other-1 --district X >/dev/null
  central "$home" bundle build "$chaos" --stations "$home/central/certs/other-1.cert" \
    -o "$stick/for-other.sqb" >/dev/null
  echo "not a bundle" >"$stick/junk.sqb"

  # No network here: a sync round that fails (nothing listens on port 9),
  # so technician mode has a last error to show, as syncd wrote it.
  printf 'central_url = http://127.0.0.1:9\nfetch_bundles = no\n' >"$home/station/sync.conf"
  "$bin/sync/synaq-syncd" --home "$home/station" --once 2>"$home/syncd-0.log" || true
  local err_wall err_text sync_error
  err_wall=$(sed -n 's/.*"last_error_wall":\([0-9]*\).*/\1/p' "$home/station/sync-status.json")
  err_text=$(sed -n 's/.*"last_error":"\([^"\\]*\)".*/\1/p' "$home/station/sync-status.json")
  if [ -n "$err_wall" ] && [ "$err_wall" != 0 ] && [ -n "$err_text" ]; then
    ok
  else
    bad "$p: a sync with no central left no error: $(cat "$home/station/sync-status.json" 2>&1)"
  fi
  # What kind of trouble it was, for the screen to say in its language
  # (issue 16, item 11): central out of reach is "network".
  if grep -q '"last_error_kind":"network"' "$home/station/sync-status.json"; then ok; else
    bad "$p: the sync error's kind is not network: $(cat "$home/station/sync-status.json")"
  fi
  sync_error=$(msg "$l" tech.sync_error_kind when "$(date -u -d "@${err_wall:-0}" '+%Y-%m-%d %H:%M UTC')" \
    what "$(msg "$l" sync.kind.network)" error "$err_text")

  script1 >"$work/$p-1.txt"
  kiosk "$p-1" "$home/station" "$size" "$work/$p-1.txt" --usb-roots "$home/media" || status=$?
  if [ $status -ne 3 ]; then
    bad "$p: the first run ended with status $status, not 3 (left by the technician)"
    sed 's/^/    /' "$work/$p-1.err" | grep -v '^    synaq-kiosk: technician' | head -40 >&2
    return 0
  fi
  ok
  [ -s "$out/$p-import-progress.png" ] && ok || bad "$p: no shot of the import's progress"
  local outgoing=$stick/synaq/ui-001/outgoing
  (cd "$outgoing" && sha256sum --quiet -c MANIFEST.sha256) && ok || bad "$p: the manifest does not match"
  [ "$(sql "$home/station/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")" = 1 ] &&
    ok || bad "$p: the export marked the result sent"

  # Central, with the stick: stored once, acknowledged on the stick.
  log=$(central "$home" ingest "$stick" 2>&1) || bad "$p: ingest: $log"
  grep -q "1 result(s) newly stored" <<<"$log" && ok || bad "$p: ingest: $log"

  # A long sync error (syncd keeps up to 511 bytes): the screen shows its
  # start, cut at a character, and still fits. (The file stands in for
  # syncd's after a long failure; it has no kind, as an older syncd's:
  # the sentence alone.)
  local long_err long_shown
  long_err="x$(printf 'Ошибка %.0s' $(seq 1 30))"
  long_shown="x$(printf 'Ошибка %.0s' $(seq 1 12))О…"
  printf '{"last_success":0,"last_error":"%s","last_error_wall":%s,"updated":%s}' \
    "$long_err" "$err_wall" "$err_wall" >"$home/station/sync-status.json"

  script2 >"$work/$p-2.txt"
  if kiosk "$p-2" "$home/station" "$size" "$work/$p-2.txt" --usb-roots "$home/media"; then ok; else
    bad "$p: the second run failed"
    sed 's/^/    /' "$work/$p-2.err" | grep -v '^    synaq-kiosk: technician' | head -40 >&2
    return 0
  fi
  [ "$(sql "$home/station/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")" = 0 ] &&
    ok || bad "$p: results still pending after the acknowledgements"

  # Every action in the audit log, with its outcome.
  local want got
  want="kiosk pin auth
kiosk pin auth
kiosk pin auth
kiosk pin ok
kiosk import-usb invalid
kiosk import-usb invalid
kiosk export-usb ok
kiosk touch-test ok
kiosk screen-test ok
kiosk pin-set ok
kiosk leave ok
kiosk pin auth
kiosk pin ok
kiosk read-acks ok
kiosk close ok
kiosk pin ok
kiosk close ok"
  got=$(audit_of "$home" | grep '^kiosk ')
  [ "$got" = "$want" ] && ok || bad "$p: the audit log: $(tr '\n' ';' <<<"$got")"

  # Then the network: nothing is sent twice.
  # The binary itself, not the function: $! must be the server, not a subshell.
  "$bin/central/synaq-central" --home "$home/central" serve --listen 127.0.0.1:0 \
    >"$home/serve.out" 2>"$home/serve.log" &
  serve_pid=$!
  for _ in $(seq 1 100); do grep -q listening "$home/serve.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$home/serve.out")
  printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\n' "$port" >"$home/station/sync.conf"
  "$bin/sync/synaq-syncd" --home "$home/station" --once 2>"$home/syncd.log" ||
    bad "$p: syncd: $(cat "$home/syncd.log")"
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  [ "$(sql "$home/central/results.db" "SELECT count(*) FROM results")" = 1 ] && ok ||
    bad "$p: central holds $(sql "$home/central/results.db" "SELECT count(*) FROM results") results, not 1"
}

# A full stick and a read-only one, as mounts (found by being mounts).
sticks_that_refuse() {
  local l=en size=1280x800 p=tech-en-1280x800 home=$work/refuse status
  make_station "$home" "$chaos"
  echo $pin | ctl "$home" set-pin >/dev/null
  "$bin/tests/sync/mkresults" --home "$home/station" --count 60 --tag refuse >/dev/null
  mkdir -p "$home/media/FULL" "$home/media/RO"
  if ! mount -t tmpfs -o size=8k tmpfs "$home/media/FULL" 2>/dev/null; then
    skip "cannot mount a tmpfs here: full and read-only sticks are not tried on the kiosk"
    return 0
  fi
  mount -t tmpfs -o ro,size=8k tmpfs "$home/media/RO"
  {
    printf 'hold 10 10 3.2\ntap tech-lang-en\n'
    pin_keys $pin
    printf 'expect-screen tech\nexpect-widget stick-2\ntap stick-1\n'
    printf 'tap tech-export\nexpect-screen tech-done\nexpect-text %s\n' "$(msg en tech.export_full)"
    shot export-full
    printf 'tap tech-ok\ntap stick-2\ntap tech-export\nexpect-text %s\n' "$(msg en tech.export_readonly)"
    shot export-readonly
    printf 'tap tech-ok\ntap tech-close\n'
  } >"$work/refuse.txt"
  run refuse "$home/station" "$size" "$work/refuse.txt" --usb-roots "$home/media" || true
  [ -z "$(ls -A "$home/media/FULL/synaq/ui-001/outgoing" 2>/dev/null)" ] && ok ||
    bad "a full stick kept files: $(ls -A "$home/media/FULL/synaq/ui-001/outgoing")"
  [ "$(sql "$home/station/station.db" "SELECT count(*) FROM results WHERE exported_wall IS NOT NULL")" = 0 ] &&
    ok || bad "a failed export noted results as exported"
  umount "$home/media/FULL" "$home/media/RO"
}

each_lang_size tech
sticks_that_refuse
echo "screenshots: $out"
finish
