#!/usr/bin/env bash
# What root's stick helper decided, on the technician screen (issue 12;
# units/README.md, "Sticks"), in kk, ru and en at each size: a state folder
# (SYNAQ_STICK_STATE) says one stick has no file system, one has ext4 and
# one is mounted from partition 3 of 4; the screen shows the mounted one
# with "only partition 3 is used" (the others' lines would crowd out the
# buttons on a small screen); once the mounted one is gone (a second run),
# the first of the others in place of "no stick" (one: two would push the
# buttons off), then (a third run) the ext4 one.
# Shots: OUTDIR/stickstate-<lang>-<size>-{one,none,ext4}.png (expect-fits).
#   stickstate.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)
chaos=$src/tests/sync/chaos-exam.yaml
pin=2468
rm -f "$out"/stickstate-*.png

ctl() { "$bin/ctl/synaqctl" --home "$1/station" "${@:2}"; }
shot() { printf 'screenshot %s-%s\nexpect-fits\n' "$p" "$1"; }
pin_keys() { # DIGITS
  local d
  for d in $(grep -o . <<<"$1"); do printf 'tap pin:%s\n' "$d"; done
  printf 'tap pin-ok\n'
}

stickstate() {
  local l=$1 size=$2 p="stickstate-$1-$2" home=$work/$1-$2 stick
  make_station "$home" "$chaos"
  echo $pin | ctl "$home" set-pin >/dev/null
  stick=$home/media/synaq-sdd
  mkdir -p "$stick/synaq" "$home/state"
  printf 'disk=sdb\nstate=nofs\npartitions=0\n' >"$home/state/sdb"
  printf 'disk=sdc\nstate=unsupported\nfs=ext4\npartitions=1\n' >"$home/state/sdc"
  printf 'disk=sdd\nstate=mounted\nfs=exfat\ndevice=sdd3\npartitions=4\npartition=3\nmode=ro\nmount=%s\n' \
    "$stick" >"$home/state/sdd"
  open_tech() {
    printf 'hold 10 10 3.2\ntap tech-lang-%s\n' "$l"
    pin_keys $pin
    printf 'expect-screen tech\n'
  }
  {
    open_tech
    printf 'expect-text %s\n' "$(msg "$l" tech.stick name synaq-sdd)" \
      "$(msg "$l" tech.stick_partition n 4 used 3)"
    # The panel leaves the buttons room: the others wait their turn.
    printf 'expect-no-text %s\n' "$(msg "$l" tech.stick_nofs disk sdb)"
    printf 'expect-widget tech-import\nexpect-widget tech-close\n'
    shot one
    printf 'tap tech-close\n'
  } >"$work/$p-one.txt"
  SYNAQ_STICK_STATE=$home/state run "$p-one" "$home/station" "$size" "$work/$p-one.txt" \
    --usb-roots "$home/media" || return 0
  # The mounted stick pulled out: the two that were never mounted stay.
  rm -rf "$stick" "$home/state/sdd"
  {
    open_tech
    printf 'expect-no-text %s\n' "$(msg "$l" tech.stick_partition n 4 used 3)" \
      "$(msg "$l" tech.no_stick)"
    printf 'expect-text %s\n' "$(msg "$l" tech.stick_nofs disk sdb)"
    printf 'expect-widget tech-close\n'
    shot none
    printf 'tap tech-close\n'
  } >"$work/$p-none.txt"
  SYNAQ_STICK_STATE=$home/state run "$p-none" "$home/station" "$size" "$work/$p-none.txt" \
    --usb-roots "$home/media" || return 0
  rm -f "$home/state/sdb"
  {
    open_tech
    printf 'expect-text %s\n' "$(msg "$l" tech.stick_unsupported disk sdc fs ext4)"
    shot ext4
    printf 'tap tech-close\n'
  } >"$work/$p-ext4.txt"
  SYNAQ_STICK_STATE=$home/state run "$p-ext4" "$home/station" "$size" "$work/$p-ext4.txt" \
    --usb-roots "$home/media" || return 0
}

each_lang_size stickstate
echo "screenshots: $out"
finish
