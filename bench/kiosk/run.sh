#!/usr/bin/env bash
# The kiosk benchmark: synaq-kiosk beside its floor (synaq-floor, the least
# SDL2 + SDL2_ttf program that shows one item). See README.md here.
#
#   bench/kiosk/run.sh BUILD_DIR
#
# Needs Xvfb (and xdotool for the pointer rows, skipped without it); starts
# its own X servers (1280x800x24) and a fresh station in a temp folder, and
# stops all it started. About 50 s on 2 cores.
# Prints figures and ratios; never judges them. Exit status 1 means that
# something stopped working (a program failed, a screen was not reached).
#
# Knobs (environment): KB_RUNS (first-frame runs, 5), KB_IDLE_S (30),
# KB_HOUR_MIN (minutes of the timed-item run, 60; 0 skips it),
# KB_LESSON_PAGES (pages of the lesson page-turn run, 500; 0 skips it),
# KB_KEEP=1 (keep the temp folder and say where), KB_BASE=BUILD_DIR (a
# baseline build: its kiosk runs the tap script too, KB_TAP_RUNS times each,
# interleaved with this build's, each on a fresh copy of the same attempt;
# the tap-to-frame rows of both are printed side by side).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
floor=$build/bench/kiosk/synaq-floor
shim=$build/bench/kiosk/firstframe.so
launch=$build/bench/kiosk/kb-launch
kiosk=$build/kiosk/synaq-kiosk
runs=${KB_RUNS:-5}
idle_s=${KB_IDLE_S:-30}
hour_min=${KB_HOUR_MIN:-60}
lesson_pages=${KB_LESSON_PAGES:-500}
for f in "$floor" "$shim" "$launch" "$kiosk"; do
    [ -e "$f" ] || { echo "run.sh: $f is missing: build first" >&2; exit 1; }
done
command -v Xvfb >/dev/null || { echo "run.sh: needs Xvfb (apt-get install xvfb)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-kb.XXXXXX")
started=() # pids of everything started here, stopped at the end
stop() { # stop PID...: SIGTERM, then SIGKILL whatever is still there after 5 s
    local p
    for p in "$@"; do kill "$p" 2>/dev/null || true; done
    for p in "$@"; do
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}
cleanup() {
    stop "${started[@]}"
    if [ "${KB_KEEP:-0}" = 1 ]; then echo "run.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "run.sh: $*" >&2; exit 1; }

# ---- X servers: one for the timed runs, one more per idle program ----

declare -A x_pid x_dpy idle_pid
start_x() { # start_x NAME: starts an Xvfb, sets x_pid[NAME] and x_dpy[NAME]
    local i=$1 f=$work/dpy.$1
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$f" 2>"$work/xvfb.$i.log" &
    local pid=$!
    started+=("$pid")
    for _ in $(seq 200); do [ -s "$f" ] && break; sleep 0.05; done
    [ -s "$f" ] || fail "Xvfb did not start (see $work/xvfb.$i.log)"
    x_pid[$i]=$pid
    x_dpy[$i]=:$(head -n1 "$f")
}

# The environment of every measured program: the X11 driver, SDL's
# software renderer (the kiosk also asks for it with --software), the shim.
menv() { # menv DISPLAY SHIM_OUT
    echo DISPLAY="$1" SDL_VIDEODRIVER=x11 SDL_RENDER_DRIVER=software \
        SDL_FRAMEBUFFER_ACCELERATION=0 LD_PRELOAD="$shim" KB_SHIM_OUT="$2"
}

# ---- a fresh station, one attempt started on it ----

"$top/tests/ui/station.sh" "$build" "$work/st" >"$work/station.log" 2>&1 ||
    fail "station.sh failed: $(tail -n3 "$work/station.log")"
cp -a "$work/st/station" "$work/welcome" # the same station, no attempt: opens on welcome
cat >"$work/start.script" <<'EOF'
tap lang-kk
type 850312400217
tap continue
tap exam:election-basics
tap start
expect-screen item
EOF
SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0 \
    "$kiosk" --home "$work/st/station" --software --size 1280x800 \
    --script "$work/start.script" >"$work/start.log" 2>&1 ||
    fail "starting an attempt failed: $(tail -n3 "$work/start.log")"
kiosk_item=("$kiosk" --home "$work/st/station" --software)
cp -a "$work/st/station" "$work/read" # the attempt as started, for the reading run (2b)
cp -a "$work/st/station" "$work/taps0" # the same, for the runs against a baseline (2c)
base=${KB_BASE:-}
if [ -n "$base" ]; then
    base=$(cd "$base" && pwd)
    [ -x "$base/kiosk/synaq-kiosk" ] || fail "KB_BASE: $base/kiosk/synaq-kiosk is missing"
fi
tap_runs=${KB_TAP_RUNS:-3}
kiosk_welcome=("$kiosk" --home "$work/welcome" --software)

start_x main
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. start to first frame, median of $runs ----
# kb-launch reads CLOCK_MONOTONIC just before exec; the shim reads it when
# the first SDL_RenderPresent returns (the pixels are with the X server:
# SDL's X11 framebuffer update ends in XSync).

first_run() { # first_run NAME I QUIT(0|1) -- CMD...: appends "wall_ms cpu_ms" to $work/first.NAME
    local name=$1 i=$2 quit=$3
    shift 4
    local out=$work/ff.$name.$i
    # shellcheck disable=SC2046
    env $(menv "${x_dpy[main]}" "$out") KB_QUIT_AFTER_FIRST="$quit" \
        timeout 30 "$launch" "$@" >"$out.log" 2>&1 ||
        fail "$name did not run (see $out.log)"
    awk '/^first /{for(i=2;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]}
         printf "%.3f %.3f\n",(v["present_out"]-v["t0"])/1e6,v["cpu"]/1e6; f=1}
         END{exit !f}' "$out" >>"$work/first.$name" || fail "$name presented no frame (see $out.log)"
}
for i in $(seq "$runs"); do
    first_run floor "$i" 0 -- "$floor" --first-frame-exit
    first_run kiosk "$i" 1 -- "${kiosk_item[@]}"
done

# ---- 2. frame times ----
# A frame: from its SDL_RenderClear to the return of its SDL_RenderPresent
# (which copies the whole 1280x800 window to the X server). The first frame
# of a process is left out (it is part of figure 1). The shim counts text
# renders per frame: 0 = every text came from a cache.

{
    echo "expect-screen item"
    for i in $(seq 19); do echo "tap option-2"; echo "tap next"; done
    echo "tap option-2"
    for r in $(seq 7); do
        for i in $(seq 19); do echo "tap prev"; done
        for i in $(seq 19); do echo "tap next"; done
    done
    echo "expect-screen item"
} >"$work/taps.script"
# shellcheck disable=SC2046
env $(menv "${x_dpy[main]}" "$work/frames.kiosk") timeout 120 \
    "${kiosk_item[@]}" --size 1280x800 --script "$work/taps.script" >"$work/frames.kiosk.log" 2>&1 ||
    fail "the kiosk's tap script failed (see $work/frames.kiosk.log)"
# shellcheck disable=SC2046
env $(menv "${x_dpy[main]}" "$work/frames.floor") timeout 60 "$floor" --frames 301 \
    >"$work/frames.floor.log" 2>&1 || fail "synaq-floor --frames failed"
# shellcheck disable=SC2046
env $(menv "${x_dpy[main]}" "$work/frames.flooru") timeout 60 "$floor" --frames 61 --uncached \
    >"$work/frames.flooru.log" 2>&1 || fail "synaq-floor --frames --uncached failed"
# The same with the fonts opened anew before each frame: every glyph of the
# frame is hinted for the first time, as in a kiosk's first view of letters
# it has not shown yet (the floor's other frames know all their glyphs).
# shellcheck disable=SC2046
env $(menv "${x_dpy[main]}" "$work/frames.floorf") timeout 60 "$floor" --frames 31 --uncached \
    --fresh-fonts >"$work/frames.floorf.log" 2>&1 || fail "synaq-floor --fresh-fonts failed"
# 2d. The tap script again after 2 s on the first item (the station waited
# for its trainee: prefetch ran once), then back to
# back as before.
sed '1a wait 2' "$work/taps.script" >"$work/tapsw.script"
cp -a "$work/taps0" "$work/tapsw"
# shellcheck disable=SC2046
env $(menv "${x_dpy[main]}" "$work/frames.kioskw") timeout 120 \
    "$kiosk" --home "$work/tapsw" --software --size 1280x800 --script "$work/tapsw.script" \
    >"$work/frames.kioskw.log" 2>&1 || fail "the kiosk's tap script after a wait failed (see $work/frames.kioskw.log)"

# frames FILE: one line a frame after the first: total_ms draw_ms present_ms cpu_ms ttf gap_ms
# pre_cpu_ms pre_ttf faults img (gap: from the previous present's return to this clear: the work
# of a tap; pre_*: the drawing thread's CPU over that gap and the texts it rendered, prefetch;
# faults: the page faults of the frame; img: the pictures it decoded)
frames() {
    awk '/^frame /{for(i=2;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]}
         if(n++>0) printf "%.4f %.4f %.4f %.4f %d %.4f %.4f %d %d %d\n",(v["present_out"]-v["clear"])/1e6,
             (v["present_in"]-v["clear"])/1e6,(v["present_out"]-v["present_in"])/1e6,
             v["cpu"]/1e6,v["ttf"],(v["clear"]-prev)/1e6,v["pre_cpu"]/1e6,v["pre_ttf"],v["faults"],v["img"];
             prev=v["present_out"]}' "$1"
}
# 2b. The same first views, as a trainee meets them: 2 s of reading
# before each "next" (the script's wait lets the kiosk prefetch, as it
# does while it waits for a tap). After the first frame (left out) and the
# one of expect-screen, frames alternate: the one after the wait, the one
# after the tap; the tap's are taken (first views of items 2 to 20).
{
    echo "expect-screen item"
    for i in $(seq 19); do echo "wait 2"; echo "tap next"; done
    echo "expect-screen item"
} >"$work/read.script"
# shellcheck disable=SC2046
env $(menv "${x_dpy[main]}" "$work/frames.read") timeout 120 \
    "$kiosk" --home "$work/read" --software --size 1280x800 --script "$work/read.script" \
    >"$work/frames.read.log" 2>&1 || fail "the kiosk's reading script failed (see $work/frames.read.log)"
frames "$work/frames.read" | awk 'NR > 1 && NR % 2 == 1' | head -n 19 >"$work/fr"
frames "$work/frames.read" | awk 'NR % 2 == 0' | head -n 19 >"$work/fw" # the frames after the waits
[ "$(wc -l <"$work/fr")" = 19 ] || fail "the reading run drew $(wc -l <"$work/fr") tap frames, not 19"
frames "$work/frames.kiosk" >"$work/fk"
frames "$work/frames.kioskw" >"$work/fkw"
# 2c. Tap to frame against a baseline build: the tap script again, the
# baseline's kiosk and this build's in turn, each on a fresh copy of the
# attempt as started. Tap to frame is the tap's work (the hit pass and the
# store commit) plus the frame it makes (columns 6 and 1). The last 266
# taps of the script are moves only (prev, next).
: >"$work/tb.base"
: >"$work/tb.this"
: >"$work/tb.base.moves"
: >"$work/tb.this.moves"
if [ -n "$base" ]; then
    for r in $(seq "$tap_runs"); do
        for which in base this; do
            k=$kiosk
            [ $which = base ] && k=$base/kiosk/synaq-kiosk
            rm -rf "$work/taps.$which.$r"
            cp -a "$work/taps0" "$work/taps.$which.$r"
            # shellcheck disable=SC2046
            env $(menv "${x_dpy[main]}" "$work/frames.tb.$which.$r") timeout 120 \
                "$k" --home "$work/taps.$which.$r" --software --size 1280x800 \
                --script "$work/taps.script" >"$work/frames.tb.$which.$r.log" 2>&1 ||
                fail "the $which kiosk's tap script failed (see $work/frames.tb.$which.$r.log)"
            frames "$work/frames.tb.$which.$r" | awk '{printf "%.4f\n", $1 + $6}' >"$work/tb.one"
            cat "$work/tb.one" >>"$work/tb.$which"
            tail -n 266 "$work/tb.one" >>"$work/tb.$which.moves"
        done
    done
    # The syncs the same taps cost, counted by strace (once each, SDL's
    # dummy driver: strace slows the process, so these runs are not timed).
    declare -A syncs=([base]=n/a [this]=n/a)
    if command -v strace >/dev/null; then
        for which in base this; do
            k=$kiosk
            [ $which = base ] && k=$base/kiosk/synaq-kiosk
            rm -rf "$work/taps.$which.s"
            cp -a "$work/taps0" "$work/taps.$which.s"
            SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0 \
                strace -f -c -e trace=fsync,fdatasync -o "$work/strace.$which" \
                "$k" --home "$work/taps.$which.s" --software --size 1280x800 \
                --script "$work/taps.script" >"$work/strace.$which.log" 2>&1 ||
                fail "the $which kiosk's tap script under strace failed"
            syncs[$which]=$(awk '$NF == "total" {print $(NF-1)}' "$work/strace.$which")
        done
    fi
fi
frames "$work/frames.floor" >"$work/ff"
frames "$work/frames.flooru" >"$work/ffu"
frames "$work/frames.floorf" >"$work/fff"

# stat COLUMN FILTER FILE QUANTILE: the quantile (nearest rank) of a column
# over the lines passing FILTER (an awk condition on $5, the text renders).
stat() {
    awk "$2 {print \$$1}" "$3" | sort -g | awk -v q="$4" '{a[NR]=$1}
        END{if(!NR){print "nan"; exit} k=int(q*NR+0.999999); if(k<1)k=1; if(k>NR)k=NR; print a[k]}'
}
count() { awk "$1" "$2" | wc -l; }
# worst COLUMN FILE: COLUMN of the new-text frame with the most CPU.
worst() { awk '$5>0' "$2" | sort -g -k4 | tail -n 1 | awk "{print \$$1}"; }

# ---- 3. memory after the first frame, 4. CPU and wake-ups while idle ----
# Each program alone on its own X server, all three at once (so the idle
# window is spent once): the floor, the kiosk resumed on the item screen,
# the kiosk on a station without an attempt (welcome screen).

# CPU time from the scheduler (ns, /proc/PID/task/*/schedstat, summed over
# threads): exact, where utime+stime in /proc/PID/stat count 10 ms ticks.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END{printf "%d\n", s}'; }
wakeups() { # voluntary context switches of all threads: each one a sleep, then a wake-up
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/{v+=$2} END{print v+0}'
}
pss_kb() { awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup"; }

idle_start() { # idle_start NAME -- CMD...
    local name=$1
    shift 2
    start_x "$name"
    # shellcheck disable=SC2046
    env $(menv "${x_dpy[$name]}" "$work/idle.$name") "$@" >"$work/idle.$name.log" 2>&1 &
    idle_pid[$name]=$!
    started+=("$!")
}
idle_start floor -- "$floor"
idle_start kiosk -- "${kiosk_item[@]}"
idle_start welcome -- "${kiosk_welcome[@]}"
for name in floor kiosk welcome; do
    for _ in $(seq 200); do grep -q '^first ' "$work/idle.$name" 2>/dev/null && break; sleep 0.05; done
    grep -q '^first ' "$work/idle.$name" 2>/dev/null ||
        fail "$name showed no frame (see $work/idle.$name.log)"
done
sleep 1 # let the expose that follows the map be drawn
declare -A pss c0 w0 x0 c1 w1 x1
for name in floor kiosk welcome; do
    p=${idle_pid[$name]}
    kill -0 "$p" 2>/dev/null || fail "$name exited (see $work/idle.$name.log)"
    pss[$name]=$(pss_kb "$p")
    c0[$name]=$(cpu_ns "$p")
    w0[$name]=$(wakeups "$p")
    x0[$name]=$(cpu_ns "${x_pid[$name]}")
done
idle_t0=$("$launch" --now)
sleep "$idle_s"
idle_t1=$("$launch" --now)
for name in floor kiosk welcome; do
    p=${idle_pid[$name]}
    kill -0 "$p" 2>/dev/null || fail "$name exited while idle (see $work/idle.$name.log)"
    c1[$name]=$(cpu_ns "$p")
    w1[$name]=$(wakeups "$p")
    x1[$name]=$(cpu_ns "${x_pid[$name]}")
done
# Then the pointer moves over each window 100 times, no button pressed (a
# mouse left on the kiosk, a hovering pen): nothing on screen changes.
declare -A hover_t0 hover_t1
if command -v xdotool >/dev/null; then
    moves=()
    for i in $(seq 100); do moves+=(mousemove $((200 + i * 5)) 400 sleep 0.01); done
    for name in floor kiosk welcome; do
        hover_t0[$name]=$("$launch" --now)
        DISPLAY=${x_dpy[$name]} xdotool "${moves[@]}" >/dev/null 2>&1 || true
        sleep 0.2
        hover_t1[$name]=$("$launch" --now)
    done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
stop "${idle_pid[floor]}" "${idle_pid[kiosk]}" "${idle_pid[welcome]}" # the shim writes its frames
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f\n", (b-a)/1e6}'; }
idle_cpu() { ms "${c0[$1]}" "${c1[$1]}"; }
idle_x() { ms "${x0[$1]}" "${x1[$1]}"; }
idle_vol() { echo $(( w1[$1] - w0[$1] )); }
frames_between() { # frames_between NAME T0 T1: frames drawn (the shim writes them at exit)
    awk -v a="$2" -v b="$3" '/^frame /{split($2,kv,"="); if (kv[2]+0 >= a && kv[2]+0 < b) n++}
        END{print n+0}' "$work/idle.$1"
}
idle_frames() { frames_between "$1" "$idle_t0" "$idle_t1"; }
hover_frames() {
    if [ -n "${hover_t0[$1]:-}" ]; then frames_between "$1" "${hover_t0[$1]}" "${hover_t1[$1]}"; else echo n/a; fi
}

# ---- 5. an hour on a timed item ----
# A station whose exam (the demo's) has a time limit of 75 minutes; the
# kiosk on an item for an hour of the script's simulated clock: a frame a
# second (the clock on screen changes), an option tapped each minute (as a
# trainee would, and so the idle warning stays away). The first and last 10
# seconds run at the real pace, a frame a second, as on a station; the hour
# between them runs back to back. The shim notes each frame's times, text
# renders and the resident memory after it. (wait-real: simulated time
# passing at the real pace, one frame at its end.)

hour_ok=0
if [ "$hour_min" -gt 0 ]; then
    mkdir -p "$work/hour-src"
    sed 's/^time_limit: .*/time_limit: 75/' "$top/assets/demo/election-basics.yaml" \
        >"$work/hour-src/election-basics.yaml"
    cp -r "$top/assets/demo/images" "$work/hour-src/"
    "$top/tests/ui/station.sh" "$build" "$work/hst" "$work/hour-src/election-basics.yaml" \
        >"$work/hstation.log" 2>&1 || fail "station.sh (hour) failed: $(tail -n3 "$work/hstation.log")"
    SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0 \
        "$kiosk" --home "$work/hst/station" --software --size 1280x800 \
        --script "$work/start.script" >"$work/hstart.log" 2>&1 ||
        fail "starting the hour's attempt failed: $(tail -n3 "$work/hstart.log")"
    {
        echo "expect-screen item"
        for i in $(seq 10); do echo "wait-real 1"; done
        for m in $(seq "$hour_min"); do
            for i in $(seq 60); do echo "wait 1"; done
            echo "tap option-$((m % 2 + 1))"
        done
        for i in $(seq 10); do echo "wait-real 1"; done
        echo "expect-screen item"
    } >"$work/hour.script"
    # shellcheck disable=SC2046
    env $(menv "${x_dpy[main]}" "$work/frames.hour") KB_SHIM_RSS=1 timeout 900 \
        "$kiosk" --home "$work/hst/station" --software --size 1280x800 \
        --script "$work/hour.script" >"$work/hour.log" 2>&1 ||
        fail "the hour's script failed (see $work/hour.log)"
    # One line a frame: total_ms cpu_ms ttf rss_kb paced(1: after a real
    # second's pause) clear_ms
    awk '/^frame /{for(i=2;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]}
         if(n++>0) printf "%.4f %.4f %d %d %d %.4f\n",(v["present_out"]-v["clear"])/1e6,
             v["cpu"]/1e6,v["ttf"],v["rss_kb"],(v["clear"]-prev>5e8),v["clear_ns"]/1e6;
         prev=v["present_out"]}' "$work/frames.hour" >"$work/fh"
    awk '$5==1 && n++<10' "$work/fh" >"$work/fh.start"
    awk '$5==1' "$work/fh" | tail -n 10 >"$work/fh.end"
    # The first and the last simulated minute, back to back (60 frames
    # each, after the paced ones and before them; the last frame of the
    # run, expect-screen's, left out).
    awk '$5==0 && n++<60' "$work/fh" >"$work/fh.min1"
    awk '$5==0' "$work/fh" | tail -n 61 | awk 'NR<=60' >"$work/fh.minN"
    hour_ok=1
fi

# ---- 6. lesson page turns ----
# A station with one exam of $lesson_pages lesson pages (bench_lessons'
# generator: kk, ru, en, some 4 KB of markup a page and language, with
# headings, bold, italic and lists), in topics of 100 pages so every topic
# shows on the Learn screen at 1280x800. The trainee opens each topic and
# taps "next" to its last page: every turn a first view of its page (read
# and unsealed from the store, parsed, laid out, its new texts rendered).
# A turn: the tap's work (the hit pass: the page loaded) and the frame
# it makes (columns 7 and 4 CPU, 6 and 1 wall, of frames()).

lesson_ok=0
if [ "$lesson_pages" -gt 0 ]; then
    tp=100
    "$build/bench/bench_lessons" --source "$work/lessons.yaml" --pages "$lesson_pages" \
        --topic-pages $tp || fail "bench_lessons --source failed"
    "$top/tests/ui/station.sh" "$build" "$work/lst" "$work/lessons.yaml" \
        >"$work/lstation.log" 2>&1 || fail "station.sh (lessons) failed: $(tail -n3 "$work/lstation.log")"
    ltopics=$(( (lesson_pages + tp - 1) / tp ))
    {
        echo "tap lang-kk"; echo "type 770202300111"; echo "tap continue"
        echo "type БЕНЧ ОҚУШЫ"; echo "tap continue"; echo "expect-screen exams"
        echo "tap learn"; echo "expect-screen learn"
        # From here one frame a line (script.c draws once after each).
        left=$lesson_pages
        for t in $(seq 0 $((ltopics - 1))); do
            n=$(( left < tp ? left : tp ))
            left=$(( left - n ))
            echo "tap topic:t$t"
            for i in $(seq $((n - 1))); do echo "tap next"; done
            echo "tap back"
        done
    } >"$work/lessons.script"
    # shellcheck disable=SC2046
    env $(menv "${x_dpy[main]}" "$work/frames.lessons") timeout 900 \
        "$kiosk" --home "$work/lst/station" --software --size 1280x800 \
        --script "$work/lessons.script" >"$work/lessons.log" 2>&1 ||
        fail "the lesson page-turn script failed (see $work/lessons.log)"
    # The last frames are the topics' (open, turns, back); the turns kept.
    frames "$work/frames.lessons" | tail -n $((lesson_pages + ltopics)) |
        awk -v tp=$tp -v pages="$lesson_pages" '
            { k = (NR - 1) - t0 }
            k == 0 { next }                       # the topic opened
            { n = (pages - done < tp) ? pages - done : tp }
            k == n { t0 = NR; done += n; next }   # back to the topics
            { printf "%.4f %.4f %d\n", $7 + $4, $6 + $1, $5 }' >"$work/fl"
    [ "$(wc -l <"$work/fl")" = $((lesson_pages - ltopics)) ] ||
        fail "the page-turn run gave $(wc -l <"$work/fl") turns, not $((lesson_pages - ltopics))"
    lesson_ok=1
fi

# ---- the table ----

med() { sort -g "$1" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
cut -d' ' -f1 "$work/first.floor" >"$work/f1w"; cut -d' ' -f2 "$work/first.floor" >"$work/f1c"
cut -d' ' -f1 "$work/first.kiosk" >"$work/k1w"; cut -d' ' -f2 "$work/first.kiosk" >"$work/k1c"

fmt() { awk -v x="$1" 'BEGIN{ if (x=="nan"||x=="n/a"||x~/^-?[0-9]+$/) print x; else if (x+0>=100) printf "%.0f\n",x; else if (x+0>=10) printf "%.1f\n",x; else printf "%.2f\n",x }'; }
row() {
    local f k r
    f=$(fmt "$2"); k=$(fmt "$3")
    r=$(awk -v f="$2" -v k="$3" 'BEGIN{ if (f=="n/a"||k=="n/a"||f=="nan"||k=="nan"||f+0<=0) print "-"; else printf "%.1f\n", k/f }')
    printf "%-52s %9s %9s %7s  %s\n" "$1" "$f" "$k" "$r" "$4"
}

# shellcheck disable=SC2016 # awk conditions, not shell
new_k='$5>0' cached='$5==0' all='1'
echo
echo "synaq-kiosk beside its floor: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)"
echo "Xvfb 1280x800x24, SDL software renderer; load average before $load_before, after $load_after"
echo
printf "%-52s %9s %9s %7s  %s\n" "figure" "floor" "kiosk" "k/f" "unit"
printf "%-52s %9s %9s %7s  %s\n" "------" "-----" "-----" "---" "----"
row "start to first frame presented (median of $runs)" "$(med "$work/f1w")" "$(med "$work/k1w")" "ms"
row "  CPU used by then (median of $runs)" "$(med "$work/f1c")" "$(med "$work/k1c")" "ms"
row "frame, texts cached: median ($(count "$cached" "$work/ff")/$(count "$cached" "$work/fk") frames)" \
    "$(stat 1 "$cached" "$work/ff" 0.5)" "$(stat 1 "$cached" "$work/fk" 0.5)" "ms"
row "frame, texts cached: p99" "$(stat 1 "$cached" "$work/ff" 0.99)" "$(stat 1 "$cached" "$work/fk" 0.99)" "ms"
row "  of which drawing (clear to present): median" "$(stat 2 "$cached" "$work/ff" 0.5)" "$(stat 2 "$cached" "$work/fk" 0.5)" "ms"
row "  of which SDL_RenderPresent: median" "$(stat 3 "$cached" "$work/ff" 0.5)" "$(stat 3 "$cached" "$work/fk" 0.5)" "ms"
row "  CPU of the frame: median" "$(stat 4 "$cached" "$work/ff" 0.5)" "$(stat 4 "$cached" "$work/fk" 0.5)" "ms"
row "frame with new text: median ($(count "$new_k" "$work/ffu")/$(count "$new_k" "$work/fk") frames)" \
    "$(stat 1 "$new_k" "$work/ffu" 0.5)" "$(stat 1 "$new_k" "$work/fk" 0.5)" "ms"
row "frame with new text: max" "$(stat 1 "$new_k" "$work/ffu" 1)" "$(stat 1 "$new_k" "$work/fk" 1)" "ms"
row "  CPU of the frame: max" "$(stat 4 "$new_k" "$work/ffu" 1)" "$(stat 4 "$new_k" "$work/fk" 1)" "ms"
row "  page faults in that frame" "$(worst 9 "$work/ffu")" "$(worst 9 "$work/fk")" ""
row "  the worst that decoded no picture" "$(stat 4 "$new_k" "$work/ffu" 1)" "$(stat 4 "$new_k && \$10 == 0" "$work/fk" 1)" "ms"
row "  CPU max, floor in new letters (fonts opened anew)" "$(stat 4 "$new_k" "$work/fff" 1)" "$(stat 4 "$new_k" "$work/fk" 1)" "ms"
row "  CPU median, floor in new letters" "$(stat 4 "$new_k" "$work/fff" 0.5)" "$(stat 4 "$new_k" "$work/fk" 0.5)" "ms"
row "the taps after 2 s on item 1: new text, CPU max" "$(stat 4 "$new_k" "$work/ffu" 1)" "$(stat 4 "$new_k" "$work/fkw" 1)" "ms"
row "  page faults in that frame" "$(worst 9 "$work/ffu")" "$(worst 9 "$work/fkw")" ""
row "  the worst that decoded no picture" "$(stat 4 "$new_k" "$work/ffu" 1)" "$(stat 4 "$new_k && \$10 == 0" "$work/fkw" 1)" "ms"
row "first view of an item after 2 s reading: median" "$(stat 1 "$new_k" "$work/ffu" 0.5)" "$(stat 1 "$all" "$work/fr" 0.5)" "ms"
row "first view of an item after 2 s reading: max" "$(stat 1 "$new_k" "$work/ffu" 1)" "$(stat 1 "$all" "$work/fr" 1)" "ms"
row "  CPU of the frame: max" "$(stat 4 "$new_k" "$work/ffu" 1)" "$(stat 4 "$all" "$work/fr" 1)" "ms"
row "  of those, frames that rendered text" "n/a" "$(count "$new_k" "$work/fr")" ""
row "  prefetch before it (CPU between frames): median" "n/a" "$(stat 7 "$all" "$work/fw" 0.5)" "ms"
row "  prefetch before it (CPU between frames): max" "n/a" "$(stat 7 "$all" "$work/fw" 1)" "ms"
row "  texts it rendered ahead, per item: median" "n/a" "$(stat 8 "$all" "$work/fw" 0.5)" ""
row "tap work before its frame: median (kiosk only)" "n/a" "$(stat 6 "$all" "$work/fk" 0.5)" "ms"
row "tap work before its frame: p99 (kiosk only)" "n/a" "$(stat 6 "$all" "$work/fk" 0.99)" "ms"
row "memory after first frame, item screen (PSS)" \
    "$(awk -v x="${pss[floor]}" 'BEGIN{print x/1024}')" "$(awk -v x="${pss[kiosk]}" 'BEGIN{print x/1024}')" "MB"
row "  kiosk on the welcome screen (PSS)" \
    "$(awk -v x="${pss[floor]}" 'BEGIN{print x/1024}')" "$(awk -v x="${pss[welcome]}" 'BEGIN{print x/1024}')" "MB"
row "CPU while idle ${idle_s} s, item screen" "$(idle_cpu floor)" "$(idle_cpu kiosk)" "ms"
row "  wake-ups (voluntary context switches)" "$(idle_vol floor)" "$(idle_vol kiosk)" ""
row "  frames drawn" "$(idle_frames floor)" "$(idle_frames kiosk)" ""
row "  CPU of its X server meanwhile" "$(idle_x floor)" "$(idle_x kiosk)" "ms"
row "CPU while idle ${idle_s} s, welcome screen" "$(idle_cpu floor)" "$(idle_cpu welcome)" "ms"
row "  wake-ups (voluntary context switches)" "$(idle_vol floor)" "$(idle_vol welcome)" ""
row "  frames drawn" "$(idle_frames floor)" "$(idle_frames welcome)" ""
row "  CPU of its X server meanwhile" "$(idle_x floor)" "$(idle_x welcome)" "ms"
row "pointer moved 100 times, no button: frames, item" "$(hover_frames floor)" "$(hover_frames kiosk)" ""
row "  the same on the welcome screen" "$(hover_frames floor)" "$(hover_frames welcome)" ""
echo
echo "floor: synaq-floor (one item, kk and ru, Noto Sans); kiosk: synaq-kiosk on a fresh demo"
echo "station, resumed on an item (welcome rows: a station with no attempt). The floor has one"
echo "screen, so both idle rows compare with the same floor figures. '-': no ratio (floor 0 or n/a)."
echo "First frames: $(tr '\n' ' ' <"$work/f1w")ms (floor); $(tr '\n' ' ' <"$work/k1w")ms (kiosk)."
if [ -n "$base" ]; then
    echo
    echo "tap to frame (the tap's work + its frame), the tap script $tap_runs times each,"
    echo "interleaved; base: $base"
    printf "%-52s %9s %9s %7s  %s\n" "figure" "base" "this" "t/b" "unit"
    printf "%-52s %9s %9s %7s  %s\n" "------" "----" "----" "---" "----"
    row "tap to frame, all taps: median ($(wc -l <"$work/tb.this") taps)" \
        "$(stat 1 1 "$work/tb.base" 0.5)" "$(stat 1 1 "$work/tb.this" 0.5)" "ms"
    row "tap to frame, all taps: p99" "$(stat 1 1 "$work/tb.base" 0.99)" "$(stat 1 1 "$work/tb.this" 0.99)" "ms"
    row "tap to frame, moves only (prev, next): median" \
        "$(stat 1 1 "$work/tb.base.moves" 0.5)" "$(stat 1 1 "$work/tb.this.moves" 0.5)" "ms"
    row "tap to frame, moves only (prev, next): p99" \
        "$(stat 1 1 "$work/tb.base.moves" 0.99)" "$(stat 1 1 "$work/tb.this.moves" 0.99)" "ms"
    row "fsync + fdatasync calls for the 306 taps (strace)" "${syncs[base]}" "${syncs[this]}" ""
fi
if [ "$hour_ok" = 1 ]; then
    hrow() { # hrow LABEL START END UNIT
        local a b r
        a=$(fmt "$2"); b=$(fmt "$3")
        r=$(awk -v a="$2" -v b="$3" 'BEGIN{ if (a+0<=0) print "-"; else printf "%.2f\n", b/a }')
        printf "%-52s %9s %9s %7s  %s\n" "$1" "$a" "$b" "$r" "$4"
    }
    col() { awk "{print \$$1}" "$2"; } # col N FILE
    medf() { col "$1" "$2" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
    sumf() { col "$1" "$2" | awk '{s+=$1} END{print s+0}'; }
    lastf() { col "$1" "$2" | tail -n 1; }
    echo
    echo "kiosk on a timed item for $hour_min minutes of simulated time (a frame a second, an"
    echo "option tapped each minute; the first and last 10 frames paced a real second apart):"
    printf "%-52s %9s %9s %7s  %s\n" "figure" "start" "end" "e/s" "unit"
    printf "%-52s %9s %9s %7s  %s\n" "------" "-----" "---" "---" "----"
    hrow "resident memory (RSS, after the paced frames)" \
        "$(awk -v x="$(lastf 4 "$work/fh.start")" 'BEGIN{print x/1024}')" \
        "$(awk -v x="$(lastf 4 "$work/fh.end")" 'BEGIN{print x/1024}')" "MB"
    hrow "frame, paced 1 s apart: median of 10" "$(medf 1 "$work/fh.start")" "$(medf 1 "$work/fh.end")" "ms"
    hrow "  CPU of the frame: median" "$(medf 2 "$work/fh.start")" "$(medf 2 "$work/fh.end")" "ms"
    hrow "  of which the clear: median" "$(medf 6 "$work/fh.start")" "$(medf 6 "$work/fh.end")" "ms"
    hrow "frame, back to back: median (first/last minute)" "$(medf 1 "$work/fh.min1")" "$(medf 1 "$work/fh.minN")" "ms"
    hrow "  CPU of the frame: median" "$(medf 2 "$work/fh.min1")" "$(medf 2 "$work/fh.minN")" "ms"
    hrow "texts rendered in that minute" "$(sumf 3 "$work/fh.min1")" "$(sumf 3 "$work/fh.minN")" ""
fi

if [ "$lesson_ok" = 1 ]; then
    q() { awk "{print \$$1}" "$2" | sort -g | awk -v q="$3" '{a[NR]=$1}
        END{if(!NR){print "nan"; exit} k=int(q*NR+0.999999); if(k<1)k=1; if(k>NR)k=NR; print a[k]}'; }
    echo
    echo "kiosk turning lesson pages: $(wc -l <"$work/fl") turns (tap \"next\" to the frame shown), each"
    echo "a first view of a page of a $lesson_pages-page lesson bundle (bench_lessons; kk, 1280x800):"
    printf "%-52s %9s %9s %9s  %s\n" "figure" "median" "p99" "max" "unit"
    printf "%-52s %9s %9s %9s  %s\n" "------" "------" "---" "---" "----"
    printf "%-52s %9s %9s %9s  %s\n" "CPU per page turn (tap's work + its frame)" \
        "$(fmt "$(q 1 "$work/fl" 0.5)")" "$(fmt "$(q 1 "$work/fl" 0.99)")" "$(fmt "$(q 1 "$work/fl" 1)")" "ms"
    printf "%-52s %9s %9s %9s  %s\n" "tap to frame, wall" \
        "$(fmt "$(q 2 "$work/fl" 0.5)")" "$(fmt "$(q 2 "$work/fl" 0.99)")" "$(fmt "$(q 2 "$work/fl" 1)")" "ms"
    printf "%-52s %9s %9s %9s  %s\n" "texts rendered per turn" \
        "$(q 3 "$work/fl" 0.5)" "$(q 3 "$work/fl" 0.99)" "$(q 3 "$work/fl" 1)" ""
fi
