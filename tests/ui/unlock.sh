#!/usr/bin/env bash
# A station whose keys are protected by a passphrase, started without it
# (no systemd credential): the kiosk comes up locked, in each language
# (kk, ru, en) at each size (1280x800, 800x480, 1080x1920):
#   - synaq-syncd, started first, waits for the passphrase on the
#     station's unlock socket;
#   - the kiosk asks the technician for it: a wrong one is refused, and
#     after three the keyboard waits 15 s (simulated) with a countdown;
#     "show" shows what is typed, small and capital letters;
#   - the right one opens the station (the welcome screen names it) and
#     is handed on to synaq-syncd, which goes on with its round;
#   - the audit log has the unlock; the station's files hold no
#     passphrase.
# Shots: OUTDIR/unlock-<lang>-<size>-<screen>.png, each with expect-fits.
#   unlock.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)
rm -f "$out"/unlock-*.png
pass="Correct horse 42"

# One locked station, copied for each run.
base=$work/base
central=("$bin/central/synaq-central" --home "$base/central")
ctl=("$bin/ctl/synaqctl" --home "$base/station")
mkdir -p "$base"
printf '%s\n' "$pass" >"$base/pw"
"${central[@]}" keygen >/dev/null
"${ctl[@]}" --passphrase-file "$base/pw" init --central "$base/central/keys/central.pub" >/dev/null
"${central[@]}" enroll "$base/station/enrol.req" --station-id st-7 --district Алматы >/dev/null
"${ctl[@]}" --passphrase-file "$base/pw" enroll "$base/central/certs/st-7.cert" >/dev/null
"${central[@]}" bundle build "$src/assets/demo/election-basics.yaml" \
  --stations "$base/central/certs/st-7.cert" -o "$base/exams.sqb" >/dev/null
"${ctl[@]}" --passphrase-file "$base/pw" import "$base/exams.sqb" >/dev/null

shot() { printf 'screenshot %s-%s\nexpect-fits\n' "$p" "$1"; }

unlock() {
  local l=$1 size=$2 p="unlock-$1-$2" home=$work/$1-$2
  cp -a "$base/station" "$home"
  # synaq-syncd first, as at boot: locked, it waits on the socket.
  printf 'central_url = http://127.0.0.1:9\nretry_min_s = 1\nretry_max_s = 1\n' >"$home/sync.conf"
  "$bin/sync/synaq-syncd" --home "$home" --once 2>"$work/$p-syncd.log" &
  local syncd=$!
  for _ in $(seq 1 100); do [ -S "$home/unlock.sock" ] && break; sleep 0.05; done
  [ -S "$home/unlock.sock" ] && ok || bad "$p: synaq-syncd does not wait on the unlock socket"
  grep -q "LOCKED" "$home/sync-status.json" && ok || bad "$p: the sync status does not say locked"
  {
    printf 'expect-screen unlock\ntap tech-lang-%s\nexpect-text %s\n' "$l" "$(msg "$l" unlock.title)"
    shot locked
    printf 'keys wrong horse\ntap pass-ok\nexpect-screen unlock\nexpect-text %s\n' "$(msg "$l" unlock.wrong)"
    shot wrong
    printf 'keys still wrong\ntap pass-ok\nkeys not it\ntap pass-ok\n'
    printf 'expect-text %s\n' "$(msg "$l" tech.pin_wait n 15)"
    shot wait
    printf 'expect-no-text q\nwait 16\nexpect-widget key:q\n'
    # The passphrase: "Correct" starts with a capital (kbd:case), then small letters.
    printf 'tap pass-show\ntap kbd:case\nkeys C\ntap kbd:case\nkeys orrect horse \ntap kbd:123\nkeys 42\n'
    printf 'expect-text %s\n' "$pass"
    shot typed
    printf 'tap pass-ok\nexpect-screen welcome\nexpect-text st-7\n'
    shot welcome
  } >"$work/$p.txt"
  run "$p" "$home" "$size" "$work/$p.txt" || { kill "$syncd" 2>/dev/null; return 0; }
  local status=0
  wait "$syncd" || status=$?
  # Unlocked, the daemon went on with its round (which fails: nothing
  # listens on port 9).
  grep -q "unlocked" "$work/$p-syncd.log" && ok || bad "$p: synaq-syncd was not unlocked: $(cat "$work/$p-syncd.log")"
  grep -q "central not reachable" "$work/$p-syncd.log" && ok || bad "$p: synaq-syncd did not go on: $(cat "$work/$p-syncd.log")"
  [ ! -e "$home/unlock.sock" ] && ok || bad "$p: the unlock socket was left behind"
  grep -q "synaq-syncd unlocked too" "$work/$p.err" && ok || bad "$p: the kiosk did not hand the passphrase on"
  local audit
  audit=$(sqlite3 -readonly -cmd ".timeout 10000" "$home/station.db" "SELECT action || ':' || outcome FROM audit ORDER BY n" | tr '\n' ' ')
  [[ "$audit" == *"unlock:ok"* ]] && ok || bad "$p: audit: $audit"
  # Nothing of the passphrase on the disk.
  if grep -rqaF "$pass" "$home"; then bad "$p: the passphrase is in the station's files"; else ok; fi
}

each_lang_size unlock
echo "screenshots: $out"
finish
