#!/usr/bin/env bash
# The identification screen on the least screens, portrait and landscape
# (issue 13): a 600x1024 tablet is accepted (the welcome screen, not the
# error screen), and at 600x1024, 800x480 and 1280x800, in kk, ru and en,
# a message shown on the identification screen fits with the real fonts,
# over the digits keypad and over the letters keyboard. That every key
# stays at least 48 px while it shows is tests/kiosk/test_screens.c's
# (it reads the widgets' rectangles); bad.sh has the screens refused.
# Shots: OUTDIR/portrait-<lang>-<size>-<case>.png.
#   portrait.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/portrait-*.png
make_station "$work/st" >/dev/null
home=$work/st/station
langs=(kk ru en)
sizes=(600x1024 800x480 1280x800)

one() {
  local l=$1 size=$2 name=portrait-$1-$2
  cp -a "$home" "$work/$name.home"
  {
    printf 'expect-screen welcome\ntap lang-%s\nexpect-screen identify\n' "$l"
    # "Continue" with no ID: the message, over the digits keypad.
    printf 'tap continue\nexpect-screen identify\nexpect-text %s\n' "$(msg "$l" id.empty)"
    printf 'expect-widget key:1\nexpect-widget continue\nscreenshot %s-digits\nexpect-fits\n' "$name"
    # The name's field: the letters keyboard, the message still there.
    printf 'tap field:name\nexpect-text %s\nexpect-widget key:space\n' "$(msg "$l" id.empty)"
    printf 'screenshot %s-letters\nexpect-fits\n' "$name"
    # Typing takes the message away; "back" is still there to tap.
    printf 'tap field:id\ntype 1\nexpect-no-text %s\ntap back\nexpect-screen welcome\n' \
      "$(msg "$l" id.empty)"
  } >"$work/$name.txt"
  run "$name" "$work/$name.home" "$size" "$work/$name.txt" || return 0
  [ -s "$out/$name-digits.png" ] && [ -s "$out/$name-letters.png" ] && ok ||
    bad "$name: the screenshots were not written"
}
each_lang_size one
finish
