#!/usr/bin/env bash
# package_cage: the kiosk as the station runs it - inside cage, on SDL's
# Wayland driver - with wlroots' headless backend instead of a screen
# (WLR_BACKENDS=headless, no GPU: cage draws with pixman, the kiosk with
# Mesa's llvmpipe through EGL). cage refuses to run as root, so as root
# the test runs it as the user nobody. The kiosk (no keys: the set-up
# screen) writes its own screenshot through a script; the test checks
# the screen, the shot's size (the headless output's, 1280x720) and
# and that it is not blank.
# Also run: the kiosk with --software, which SDL's Wayland driver cannot
# serve: a clear message.
#   cage.sh BUILD_DIR SHOTS_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
shots=$2
. "$(dirname "$0")/lib.sh"
need cage identify
[ -x /usr/bin/Xwayland ] || { echo "skipped: cage 0.1.4 needs Xwayland (package xwayland)"; exit 77; }
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  chmod 755 "$work"
fi
mkdir -p "$work/run" "$work/home" "$work/shots" "$shots"
chmod 700 "$work/run"
[ ${#run_as[@]} -eq 0 ] || chown nobody:nogroup "$work/run" "$work/home" "$work/shots"
printf 'expect-screen setup\nexpect-fits\nscreenshot cage-setup\n' >"$work/script"
chmod 644 "$work/script"

under_cage() { # under_cage KIOSK-ARGS...: cage's status; its output in $work/cage.log
  "${run_as[@]}" env -i PATH=/usr/bin:/bin HOME="$work/home" XDG_RUNTIME_DIR="$work/run" \
    WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
    SDL_VIDEODRIVER=wayland XDG_CACHE_HOME="$work/home" \
    timeout 60 cage -d -- "$bin/kiosk/synaq-kiosk" --home "$work/home/station" "$@" \
    >"$work/cage.log" 2>&1
}
# cage 0.1.4 ends with status 0 whatever its client did: the shot (taken
# after expect-fits passed) is the proof.
under_cage --script "$work/script" --screenshots "$work/shots" || true
shot=$work/shots/cage-setup.png
if [ -s "$shot" ]; then
  ok
  cp "$shot" "$shots/"
  check "shot is $(identify -format %wx%h "$shot"), not the headless output's 1280x720" \
    test "$(identify -format %wx%h "$shot")" = 1280x720
  colours=$(identify -format %k "$shot")
  check "shot has $colours colours: blank" test "$colours" -gt 50
else
  bad "the kiosk under cage wrote no screenshot: $(cat "$work/cage.log")"
fi
# --software: refused by SDL's Wayland driver with a message (cage 0.1.4
# ends with status 0 whatever its client's status; the kiosk's message
# is what the journal would show).
under_cage --software --script "$work/script" || true
check "no clear message for --software under cage: $(cat "$work/cage.log")" \
  grep -q "synaq-kiosk: cannot draw on the window" "$work/cage.log"
finish
