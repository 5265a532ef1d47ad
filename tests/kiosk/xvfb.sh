#!/usr/bin/env bash
# The kiosk under a real X server (Xvfb), driven by real X input (xdotool):
# the mouse clicks Қазақша, the digits of the on-screen keyboard, Continue,
# the exam, Start, an option and Next; the keys a trainee might try to get
# out (Escape, Alt+F4, Ctrl+Q, Alt+Tab, ...) change nothing; SIGTERM stops
# the kiosk cleanly (status 0, promptly) and the answer clicked is in the
# store after a restart. README.md in this folder has the details.
#   xvfb.sh BUILD_DIR [OUTDIR]      (screenshots: OUTDIR, default BUILD_DIR/tests/kiosk-shots)
# Exit 77 (skipped) without Xvfb or xdotool. ImageMagick (import, compare)
# adds screenshots and pixel checks against the same screens drawn by the
# dummy driver; without it those checks are skipped, and said so.
set -euo pipefail
bin=$(cd "${1:?usage: xvfb.sh BUILD_DIR [OUTDIR]}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
shots=${2:-$bin/tests/kiosk-shots}
for tool in Xvfb xdotool; do
  if ! command -v $tool >/dev/null; then
    echo "xvfb: SKIP: $tool is not installed (scripts/setup installs it)"
    exit 77
  fi
done
pixels=1
command -v import >/dev/null && command -v compare >/dev/null || pixels=0
mkdir -p "$shots"
rm -f "$shots"/xvfb-*.png
shots=$(cd "$shots" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-xvfb-XXXXXX")
xpid='' kpid=''
failed=0
cleanup() {
  [ -n "$kpid" ] && kill -KILL "$kpid" 2>/dev/null || true
  [ -n "$xpid" ] && kill -TERM "$xpid" 2>/dev/null || true
  [ -n "$xpid" ] && wait "$xpid" 2>/dev/null || true
  if [ "$failed" = 1 ] || [ "${KEEP:-0}" = 1 ]; then echo "xvfb: work folder kept: $work"
  else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; failed=1; exit 1; }
note() { echo "xvfb: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t_start=$(now_ms)

TID=850312400217
KIOSK="$bin/kiosk/synaq-kiosk"
# A sanitizer build: libdbus's leak at exit is not the kiosk's (lsan.supp),
# and the leak check at exit makes a stop slower.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top/tests/kiosk/lsan.supp:print_suppressions=0"
stop_limit_ms=2000
grep -qa __asan_init "$KIOSK" && stop_limit_ms=5000
# The demo exam on a paused clock: the kiosk runs on the real clock here
# and the script-mode probes on a simulated one that starts at every run,
# two monotonic clocks on one store that the running rule (which measures
# a restart's down time on the monotonic clock) cannot compare; and this
# test is about X, not the clock (the running clock: test_attempt,
# test_screens, tests/ui/timeout.sh, powercut.sh).
mkdir -p "$work/src"
cp -r "$top/assets/demo/." "$work/src/"
sed -i 's/^time_limit: 20$/time_limit: 20\nclock: paused/' "$work/src/election-basics.yaml"
grep -q '^clock: paused$' "$work/src/election-basics.yaml" || fail "cannot pause the clock"
"$top/tests/ui/station.sh" "$bin" "$work" "$work/src/election-basics.yaml" ||
  fail "cannot make the station"
cp -a "$work/station" "$work/probe-station"

# ---- the X server: a free display, chosen by Xvfb itself ----
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp -noreset 5>"$work/display" 2>"$work/xvfb.log" &
xpid=$!
for ((i = 0; i < 200; i++)); do
  [ -s "$work/display" ] && break
  kill -0 $xpid 2>/dev/null || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
  sleep 0.05
done
[ -s "$work/display" ] || fail "Xvfb gave no display number"
DISPLAY=:$(head -1 "$work/display")
export DISPLAY
unset SDL_VIDEODRIVER
note "Xvfb on $DISPLAY ($(( $(now_ms) - t_start )) ms so far)"
xdo() { timeout 10 xdotool "$@" || fail "xdotool $*: status $?"; }

# ---- where the widgets are: the same screens in script mode ----
# (the dummy driver, the same size and fonts: the same layout, and the
# same pixels: DESIGN.md). `print` lists each widget's rectangle.
probe() { # probe HOME SCRIPT OUT
  SDL_VIDEODRIVER=dummy "$KIOSK" --home "$1" --software --size 1280x800 --script "$2" \
    --screenshots "$work" >"$3" 2>"$3.err" || fail "probe $2: $(cat "$3.err")"
}
cat >"$work/probe1.txt" <<EOF
screenshot p-welcome
print
tap lang-kk
screenshot p-identify
print
keys $TID
screenshot p-typed
tap continue
screenshot p-exams
print
tap exam:election-basics
screenshot p-info
print
EOF
probe "$work/probe-station" "$work/probe1.txt" "$work/probe1.out"
# rects FILE: "screen widget cx cy" lines, the centre of each widget.
rects() {
  awk '/^screen / { s = $2 } /^  \[/ {
         name = substr($1, 2, length($1) - 2); split($2, xy, ","); split($3, wh, "x")
         print s, name, xy[1] + int(wh[1] / 2), xy[2] + int(wh[2] / 2) }' "$1"
}
rects "$work/probe1.out" >"$work/rects"
# click SCREEN WIDGET: a real mouse click at the widget's centre.
click() {
  local xy
  xy=$(awk -v s="$1" -v w="$2" '$1 == s && $2 == w { print $3, $4; exit }' "$work/rects")
  [ -n "$xy" ] || fail "no widget $2 on screen $1 in the probe"
  # One connection, in order: the move, then the press and release there.
  # (No --sync: it waits forever when the pointer is there already.)
  # shellcheck disable=SC2086
  xdo mousemove $xy click 1
}

# ---- screenshots and pixel checks ----
# Raw RGB, compared with cmp: the probe's PNGs once through `stream`, the X
# screen through `import` (ImageMagick's compare is several times slower).
n_shot=0
shot() { # shot NAME: the X screen as OUTDIR/xvfb-NN-NAME.png
  n_shot=$((n_shot + 1))
  last_shot=$shots/xvfb-$(printf %02d $n_shot)-$1.png
  if [ $pixels = 1 ]; then import -window root "$last_shot"; fi
}
grab() { import -window root -depth 8 "rgb:$work/cur.rgb"; }
# same PROBE [SKIP_ROWS]: the X screen (last grab) shows the probe's
# pixels, from row SKIP_ROWS down (the item bar's clock runs under X).
same() {
  [ -f "$work/$1.rgb" ] || stream -map rgb -storage-type char "$work/$1.png" "$work/$1.rgb"
  local off=$((${2:-0} * 1280 * 3 + 1))
  cmp -s <(tail -c +$off "$work/$1.rgb") <(tail -c +$off "$work/cur.rgb")
}
# expect_screen NAME PROBE [SKIP_ROWS]: waits (up to 5 s) until the X
# screen shows what the probe drew, then keeps a shot of it.
expect_screen() {
  [ $pixels = 1 ] || { sleep 0.3; return 0; }
  local t0
  t0=$(now_ms)
  while (($(now_ms) - t0 < 20000)); do
    grab
    same "$2" "${3:-}" && { shot "$1"; return 0; }
    sleep 0.1
  done
  shot "$1-WRONG"
  fail "the X screen is not $1 ($last_shot; expected: $work/$2.png)"
}
# alive: the kiosk runs and its window is on the screen, full size.
alive() {
  kill -0 "$kpid" 2>/dev/null || fail "the kiosk stopped after $1: $(cat "$work/k.err")"
  local g
  g=$(xdo search --name '^Synaq$' getwindowgeometry 2>/dev/null | tr '\n' ' ')
  [[ $g == *"Position: 0,0"*"Geometry: 1280x800"* ]] || fail "after $1 the window is: $g"
}
escape_keys=(Escape alt+F4 ctrl+q alt+Tab ctrl+w F11 super alt+F2 ctrl+alt+Delete ctrl+c ctrl+z)
try_escapes() { # try_escapes SCREEN PROBE [SKIP_ROWS]
  local k
  for k in "${escape_keys[@]}"; do
    xdo key "$k"
    sleep 0.05
    alive "$k"
  done
  if [ $pixels = 1 ]; then
    sleep 0.1
    grab
    same "$2" "${3:-}" || { shot "$1-after-keys"
      fail "${escape_keys[*]} changed the $1 screen: $last_shot"; }
  fi
  note "$1 screen: ${escape_keys[*]}: still running, full screen, nothing changed"
}
# stuck LOG: what there is to know when the kiosk shows no window: the X
# server, the windows it has, the kiosk's threads and their stacks.
stuck() {
  local t w
  echo "xvfb: --- the kiosk ($kpid) shows no window ---" >&2
  kill -0 "$xpid" 2>/dev/null && echo "Xvfb ($xpid) runs" >&2 || echo "Xvfb ($xpid) is gone" >&2
  tail -5 "$work/xvfb.log" >&2
  for w in $(timeout 5 xdotool search --name . 2>/dev/null | head -20); do
    echo "window $w: $(timeout 5 xdotool getwindowname "$w" 2>&1)" >&2
  done
  for t in /proc/"$kpid"/task/*; do
    echo "thread ${t##*/} $(cat "$t/comm" 2>/dev/null): $(awk '{print $3}' "$t/stat" 2>/dev/null)" \
      "in $(cat "$t/wchan" 2>/dev/null)" >&2
  done
  if command -v gdb >/dev/null; then
    timeout 60 gdb -p "$kpid" -batch -ex 'thread apply all bt' 2>&1 | grep -E '^(#|Thread)' >&2 || true
  fi
  echo "stderr: $(cat "$work/k.err")" >&2
  echo "trace: $(tail -3 "$work/$1.out")" >&2
}
# start_kiosk LOG: the kiosk for real on the X display, with --trace.
start_kiosk() {
  "$KIOSK" --home "$work/station" --software --size 1280x800 --trace >"$work/$1.out" \
    2>"$work/k.err" &
  kpid=$!
  local t0 i
  t0=$(now_ms)
  # A deadline rather than a count: a sanitizer build on a loaded machine
  # can take many seconds to map its window.
  for ((i = 0; $(now_ms) - t0 < 60000; i++)); do
    xdotool search --name '^Synaq$' >/dev/null 2>&1 && break
    kill -0 "$kpid" 2>/dev/null || fail "the kiosk did not start: $(cat "$work/k.err")"
    sleep 0.02
  done
  xdotool search --name '^Synaq$' >/dev/null 2>&1 || { stuck "$1"; fail "$1: no window named Synaq after $(($(now_ms) - t0)) ms"; }
  note "$1: window found after $(($(now_ms) - t0)) ms (polling with xdotool)"
}
# stop_kiosk WHAT: SIGTERM; the kiosk must exit 0 within 2 s (5 s for a
# sanitizer build).
stop_kiosk() {
  local t0 rc=0
  t0=$(now_ms)
  t_stop=$t0
  kill -TERM "$kpid"
  while kill -0 "$kpid" 2>/dev/null && [ $(($(now_ms) - t0)) -lt $stop_limit_ms ]; do
    sleep 0.01
  done
  kill -0 "$kpid" 2>/dev/null && fail "$1: still running $stop_limit_ms ms after SIGTERM"
  wait "$kpid" || rc=$?
  kpid=
  [ $rc = 0 ] || fail "$1: exit status $rc after SIGTERM: $(cat "$work/k.err")"
  note "$1: SIGTERM, exit 0 in $(($(now_ms) - t0)) ms"
  [ ! -s "$work/k.err" ] || fail "$1: the kiosk logged: $(cat "$work/k.err")"
}
# last_shown LOG: the last SHOWN line the kiosk printed.
last_shown() { grep '^SHOWN ' "$work/$1.out" | tail -1; }
# no_time LINE: a SHOWN or STATE line without its tag and time left.
no_time() { sed -e 's/^[A-Z]* //' -e 's/ left_ms=[0-9]*//' <<<"$1"; }
wait_shown() { # wait_shown LOG REGEX: until the last SHOWN line matches
  local t0
  t0=$(now_ms)
  while (($(now_ms) - t0 < 30000)); do
    [[ $(last_shown "$1") =~ $2 ]] && return 0
    sleep 0.05
  done
  fail "no SHOWN line like /$2/ in $1: $(last_shown "$1")"
}

# ---- run 1: welcome to the first item, by mouse; the escape keys ----
start_kiosk run1
expect_screen welcome p-welcome
click welcome lang-kk
expect_screen identify p-identify
try_escapes identify p-identify
# The control: keys do reach the kiosk (a typed 7 shows in the field, and
# Backspace takes it away), so the escape keys above were heard, not lost.
if [ $pixels = 1 ]; then
  xdo type 7
  sleep 0.2
  grab
  ! same p-identify || fail "a typed 7 did not reach the kiosk: the escape keys prove nothing"
  xdo key BackSpace
  expect_screen identify-again p-identify
  note "a typed 7 reached the identification field; Backspace took it away"
fi
for ((i = 0; i < ${#TID}; i++)); do
  click identify "key:${TID:i:1}"
done
expect_screen identify-typed p-typed
click identify continue
expect_screen exams p-exams
click exams exam:election-basics
expect_screen info p-info
click info start
wait_shown run1 '^SHOWN screen=item .* pos=0 '
sleep 0.2
shot item-1
item1_shot=$last_shot
if [ $pixels = 1 ]; then grab; cp "$work/cur.rgb" "$work/x-item1.rgb"; fi
try_escapes item x-item1 80
attempt=$(last_shown run1 | sed -n 's/.* attempt=\([0-9a-f]*\) .*/\1/p')
stop_kiosk run1

# ---- the item screen's layout: script mode on the same store ----
# (it goes back into the attempt on screen, as the kiosk does)
printf 'state\nscreenshot p-item\nprint\n' >"$work/probe2.txt"
probe "$work/station" "$work/probe2.txt" "$work/probe2.out"
rects "$work/probe2.out" >"$work/rects"
state=$(grep -m1 '^STATE ' "$work/probe2.out")
[[ $state == "STATE screen=item attempt=$attempt pos=0 "* ]] ||
  fail "after the stop the kiosk is not back on item 1 of $attempt: $state"
[[ $state =~ answers=([^ ]*) ]] && [[ ! ${BASH_REMATCH[1]} =~ :[1-9a-f] ]] ||
  fail "an answer before any was given: $state"
# Below the item bar (whose clock runs) run 1 showed the same pixels.
if [ $pixels = 1 ]; then
  cp "$work/x-item1.rgb" "$work/cur.rgb"
  same p-item 80 || fail "run 1's item screen ($item1_shot) differs from the probe's ($work/p-item.png)"
fi

# ---- run 2: straight back into the attempt; an option and Next ----
start_kiosk run2
expect_screen item-resumed p-item 80
click item option-1
wait_shown run2 '^SHOWN screen=item .* pos=0 .*answers=[^:]*:1,'
shot answered
t_click=$(now_ms)
click item next
wait_shown run2 '^SHOWN screen=item .* pos=1 '
t_shown=$(now_ms)
shot next
shown=$(last_shown run2)
alive "the clicks"
# The window manager's close (its button, its Alt+F4): WM_DELETE_WINDOW.
# No WM runs here, so tests/kiosk/xclose.c sends it as a WM would.
if [ -x "$bin/tests/kiosk/xclose" ]; then
  [ $pixels = 0 ] || { grab; cp "$work/cur.rgb" "$work/x-next.rgb"; }
  for ((i = 0; i < 3; i++)); do
    "$bin/tests/kiosk/xclose" Synaq >/dev/null || fail "xclose could not ask the kiosk to close"
  done
  sleep 0.3
  alive "WM_DELETE_WINDOW"
  if [ $pixels = 1 ]; then
    grab
    same x-next 80 || { shot close-changed; fail "WM_DELETE_WINDOW changed the screen: $last_shot"; }
  fi
  [ "$(no_time "$(last_shown run2)")" = "$(no_time "$shown")" ] ||
    fail "WM_DELETE_WINDOW changed the kiosk's state: $(last_shown run2)"
  note "WM_DELETE_WINDOW (a window manager's close), 3 times: still running, nothing changed"
else
  note "no tests/kiosk/xclose (Xlib headers missing): a window manager's close is not tried"
fi
stop_kiosk run2

# ---- after the stop: the clicked answer is in the store ----
printf 'state\n' >"$work/probe3.txt"
probe "$work/station" "$work/probe3.txt" "$work/probe3.out"
state=$(grep -m1 '^STATE ' "$work/probe3.out")
[ "${state#STATE }" != "$state" ] || fail "no state after the stop"
[ "$(no_time "$state")" = "$(no_time "$shown")" ] ||
  fail "the store differs from what run 2 showed:
  shown: $shown
  state: $state"
# The time: under X the clock runs on after the last SHOWN line (the trace
# prints after input, not on the clock's redraws). That line was printed
# after the click (t_click) and before this script saw it (t_shown; late
# by the polling, seconds on a loaded machine), so what was on screen at
# the stop lies between left_shown - (t_stop - t_click) and left_shown -
# (t_stop - t_shown). A stop gives back the time since the last save (at
# most 3 s: a stop does not save); it never takes any (the clock is
# paused here, above). 500 ms for the slop of measuring from this script.
left_shown=${shown#* left_ms=}; left_shown=${left_shown%% *}
left_state=${state#* left_ms=}; left_state=${left_state%% *}
left_lo=$((left_shown - (t_stop - t_click)))
left_hi=$((left_shown - (t_stop - t_shown)))
note "answer and position kept; time left: $left_shown ms at the last SHOWN line," \
  "$left_lo to $left_hi ms at the stop, $left_state ms after the restart"
[ "$left_state" -ge $((left_lo - 500)) ] && [ "$left_state" -le $((left_hi + 3000 + 500)) ] ||
  fail "time left after the restart $left_state ms, $left_lo to $left_hi ms at the stop"

# ---- another X client destroys the window ----
# xdotool 3.20160805's windowclose is XDestroyWindow (the polite
# WM_DELETE_WINDOW, its newer windowquit, is xclose above). The kiosk must
# not crash: it starts again in place (the same pid: exec of itself), says
# so once, and shows the attempt where it was; a SIGTERM then stops it as
# ever, and the store is what it was.
start_kiosk run3
[ ! -f "$work/x-next.rgb" ] || expect_screen run3-item x-next 80
wid=$(xdo search --name '^Synaq$' | head -1)
timeout 10 xdotool windowclose "$wid" 2>/dev/null || true
t0=$(now_ms)
while (($(now_ms) - t0 < 60000)) && ! grep -q 'starting again' "$work/k.err"; do
  kill -0 "$kpid" 2>/dev/null || break
  sleep 0.02
done
kill -0 "$kpid" 2>/dev/null || { rc=0; wait "$kpid" || rc=$?; kpid=
  fail "windowclose: the kiosk stopped (status $rc): $(cat "$work/k.err")"; }
grep -q '^synaq-kiosk: the window was destroyed by another program (X error: BadWindow .*); starting again$' \
  "$work/k.err" || fail "windowclose: the kiosk did not say it starts again: $(cat "$work/k.err")"
for ((i = 0; $(now_ms) - t0 < 60000; i++)); do
  xdotool search --name '^Synaq$' >/dev/null 2>&1 && break
  sleep 0.02
done
alive "windowclose"
[ ! -f "$work/x-next.rgb" ] || expect_screen after-windowclose x-next 80
note "windowclose (XDestroyWindow by another client): started again in place in" \
  "$(($(now_ms) - t0)) ms, the same pid, the attempt on screen where it was"
kill -TERM "$kpid"
rc=0
wait "$kpid" || rc=$?
kpid=
[ $rc = 0 ] || fail "after windowclose: exit status $rc after SIGTERM: $(cat "$work/k.err")"
[ "$(grep -c . "$work/k.err")" = 1 ] || fail "after windowclose the kiosk logged more: $(cat "$work/k.err")"
probe "$work/station" "$work/probe3.txt" "$work/probe4.out"
state2=$(grep -m1 '^STATE ' "$work/probe4.out")
[ "$(no_time "$state2")" = "$(no_time "$state")" ] ||
  fail "after windowclose the store differs: $state2"

note "PASS in $(($(now_ms) - t_start)) ms"
if [ $pixels = 1 ]; then
  note "screenshots in $shots"
else
  note "SKIP: ImageMagick (import, compare) missing: no screenshots, no pixel checks"
  exit 77
fi
