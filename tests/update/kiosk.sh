#!/usr/bin/env bash
# The technician's import on the kiosk also takes the software updates on
# the stick (synaq/updates/*.squ): in each language (kk, ru, en) at the
# narrowest sizes (800x480, 1080x1920), a stick with a good update and a
# forged one (signed by another central's key): the good one is staged in
# the station's pending folder for synaq-update.service, the forged one
# refused and not staged; the screen says both, the texts fit (shot
# OUTDIR/update-<lang>-<size>-import.png, expect-fits), and the audit log
# has the staging.
#   kiosk.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/../ui/lib.sh"
command -v dpkg-deb >/dev/null || { echo "SKIP: no dpkg-deb"; exit 77; }
langs=(kk ru en)
sizes=(800x480 1080x1920)
pin=2468
rm -f "$out"/update-*.png

# One dummy package and its updates, shared by every run.
d=$work/pkg
mkdir -p "$d/DEBIAN"
printf 'Package: synaq-test-dummy\nVersion: 1.1\nArchitecture: all\nMaintainer: Synaq tests <tests@synaq.invalid>\nDescription: a dummy package\n' >"$d/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -b "$d" "$work/dummy_1.1.deb" >/dev/null
"$bin/central/synaq-central" --home "$work/other" keygen >/dev/null
"$bin/central/synaq-central" --home "$work/other" update build --deb "$work/dummy_1.1.deb" \
  -o "$work/forged.squ" >/dev/null

pin_keys() {
  local k
  for k in $(grep -o . <<<"$1"); do printf 'tap pin:%s\n' "$k"; done
  printf 'tap pin-ok\n'
}

one() {
  local l=$1 size=$2 p="update-$1-$2" home=$work/$1-$2 status=0
  local stick=$home/media/STICK
  make_station "$home"
  echo $pin | "$bin/ctl/synaqctl" --home "$home/station" set-pin >/dev/null
  mkdir -p "$stick/synaq/updates"
  "$bin/central/synaq-central" --home "$home/central" update build --deb "$work/dummy_1.1.deb" \
    -o "$stick/synaq/updates/a-good.squ" >/dev/null
  cp "$work/forged.squ" "$stick/synaq/updates/b-forged.squ"
  {
    printf 'hold 10 10 3.2\ntap tech-lang-%s\n' "$l"
    pin_keys $pin
    # The stick's panel counts the two update files (one forged: it looks
    # like an update until its signature is checked at import).
    printf 'expect-screen tech\nexpect-text %s\n' "$(msg "$l" tech.stick_updates n 2)"
    printf 'screenshot %s-panel\nexpect-fits\n' "$p"
    printf 'tap tech-import\nexpect-screen tech-done\n'
    printf 'expect-text %s\n' "$(msg "$l" tech.update_staged version 1.1)" \
      "$(msg "$l" tech.update_refused n 1)" "$(msg "$l" tech.import_title_problems)"
    printf 'expect-no-text %s\n' "$(msg "$l" tech.import_none)"
    printf 'screenshot %s-import\nexpect-fits\n' "$p"
    printf 'tap tech-ok\ntap tech-leave\ntap leave-yes\nexpect-left\n'
  } >"$work/$p.txt"
  kiosk "$p" "$home/station" "$size" "$work/$p.txt" --usb-roots "$home/media" || status=$?
  if [ $status -ne 3 ]; then
    bad "$p: the kiosk ended with status $status, not 3"
    sed 's/^/    /' "$work/$p.err" | head -30 >&2
    return 0
  fi
  ok
  local staged
  staged=$(ls -A "$home/station/updates" | tr '\n' ' ')
  [ "$staged" = "synaq-update-1.1.squ " ] && ok || bad "$p: the pending folder holds '$staged'"
  cmp -s "$home/station/updates/synaq-update-1.1.squ" "$stick/synaq/updates/a-good.squ" && ok ||
    bad "$p: the staged update is not the stick's"
  grep -q "not signed by the central this station trusts" "$work/$p.err" && ok ||
    bad "$p: the refusal's reason is not in the log: $(cat "$work/$p.err")"
  "$bin/ctl/synaqctl" --home "$home/station" audit >"$work/$p.audit"
  grep -q "kiosk *update-stage auth *.*1 update(s) staged (1.1), 1 refused" "$work/$p.audit" && ok ||
    bad "$p: no update-stage line in the audit log: $(tail -5 "$work/$p.audit")"
  [ -s "$out/$p-import.png" ] && ok || bad "$p: no screenshot"
}
each_lang_size one
echo "update kiosk: $passes passed, $fails failed"
[ "$fails" = 0 ]
