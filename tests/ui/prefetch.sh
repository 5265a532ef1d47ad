#!/usr/bin/env bash
# Prefetch: while a trainee reads (a script's wait), the kiosk renders into
# its text cache what the next tap will show, and decodes its picture; the
# frame after the tap then renders nothing (kiosk/scr_exam.c, "prefetch").
# On every item of an exam of 32 (the demo's, in file order, no time
# limit, so that a wait changes nothing on screen), kk at 1280x800 and ru
# at 1080x1920, checked with the script's cache line (texts drawn,
# prefetched, drawn by the last frame, pictures decoded):
#  - a wait on an item prefetches texts; the frame after "next", "prev",
#    the grid, its "close", the review and its "back" renders none, and
#    the item with the picture decodes nothing;
#  - the same tap with no wait before it renders text (the check can fail);
#  - the frame after each wait renders nothing: prefetch evicted nothing
#    on screen; the cache stays within its bound, at the largest text too;
#  - each item and screen shot after prefetch is, byte for byte, the shot
#    of the same screen rendered in its own frame (a run with no wait).
# Shots: OUTDIR/prefetch-<lang>-<size>-<a|b>-<screen>.png.
#   prefetch.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/prefetch-*.png
# The demo's items in file order, every one in the attempt, no clock.
sed -e 's/^time_limit: .*/time_limit: 0/' -e 's/^shuffle_items: .*/shuffle_items: no/' \
  -e '/^blueprint:/,/^$/d' "$src/assets/demo/election-basics.yaml" >"$work/prefetch.yaml"
cp -r "$src/assets/demo/images" "$work/"
make_station "$work/st" "$work/prefetch.yaml"
n_items=32

# cache_field NAME I FIELD: FIELD of the Ith cache line of run NAME.
cache_field() {
  grep '^CACHE ' "$work/$1.out" | sed -n "$2p" | tr ' ' '\n' | sed -n "s/^$3=//p"
}

for case in kk:1280x800 ru:1080x1920; do
  l=${case%%:*} size=${case##*:} p=prefetch-${case%%:*}-${case##*:}
  # The attempt, started once; each run below starts from a copy of it.
  rm -rf "$work/$p-0"
  cp -a "$work/st/station" "$work/$p-0"
  printf 'tap lang-%s\nkeys %s\ntap continue\ntap exam:election-basics\ntap start\nstate\n' \
    "$l" "${trainees[0]}" >"$work/$p-start.txt"
  run "$p-start" "$work/$p-0" "$size" "$work/$p-start.txt" || continue
  image=$(state_of "$p-start" | sed 's/.*answers=//' | tr ',' '\n' | grep -n '^vote-01:' |
    cut -d: -f1)
  [ -n "$image" ] || { bad "$p: no item vote-01 (the picture) in the attempt"; continue; }

  # a: a wait before every tap; b: the same taps and shots, no wait.
  for run in a b; do
    w() { [ $run = a ] && printf 'wait 2\ncache\n' || true; }
    {
      printf 'expect-screen item\ncache\n'
      for i in $(seq 2 $n_items); do
        w
        printf 'cache\ntap next\ncache\nscreenshot %s-%s-%02d\n' "$p" $run "$i"
      done
      for t in prev grid close next review back; do
        w
        printf 'cache\ntap %s\ncache\nscreenshot %s-%s-%s\n' $t "$p" $run $t
      done
      # The largest text: more than the cache holds for all the targets.
      printf 'tap text-larger\ntap text-larger\ntap text-larger\ntap text-larger\n'
      for t in prev prev next; do
        w
        printf 'cache\ntap %s\ncache\n' $t
      done
      printf 'screenshot %s-%s-largest\n' "$p" $run
    } >"$work/$p-$run.txt"
    rm -rf "$work/$p-$run"
    cp -a "$work/$p-0" "$work/$p-$run"
    run "$p-$run" "$work/$p-$run" "$size" "$work/$p-$run.txt" || continue 2
  done

  # Run a's cache lines come in threes: after the wait (the frame that
  # follows it), before the tap, after it.
  lines=$(grep -c '^CACHE ' "$work/$p-a.out")
  bound=$(cache_field "$p-a" 1 bound)
  over="" redrawn="" rendered="" decoded="" grew=""
  for ((k = 2; k <= lines; k += 3)); do
    [ "$(cache_field "$p-a" $k frame)" = 0 ] || redrawn+=" $k"
    [ "$(cache_field "$p-a" $((k + 2)) frame)" = 0 ] || rendered+=" $k"
    [ "$(cache_field "$p-a" $((k + 1)) images)" = "$(cache_field "$p-a" $((k + 2)) images)" ] ||
      decoded+=" $k"
    [ "$(cache_field "$p-a" $k bytes)" -le "$bound" ] || over+=" $k"
  done
  # The largest text's three taps (the last 9 lines) may not all fit:
  # only the frames after the waits and the bound are checked there.
  rendered=$(for k in $rendered; do [ "$k" -ge $((lines - 8)) ] || echo "$k"; done | xargs)
  if [ -z "$redrawn" ]; then ok; else
    bad "$p: the frame after a wait rendered text (cache lines$redrawn): prefetch evicted"
  fi
  if [ -z "$rendered" ]; then ok; else
    bad "$p: a tap after a wait rendered text in its frame (cache lines$rendered)"
  fi
  if [ -z "$decoded" ]; then ok; else bad "$p: a tap after a wait decoded a picture$decoded"; fi
  if [ -z "$over" ]; then ok; else bad "$p: the cache went past its bound (lines$over)"; fi
  pf=$(cache_field "$p-a" "$lines" prefetched)
  if [ "$pf" -gt 0 ] && [ "$(cache_field "$p-a" 1 prefetched)" = 0 ]; then ok; else
    bad "$p: the waits prefetched $pf texts"
  fi
  # Run b: the frame after each tap to an item not shown before renders
  # text, and the picture is decoded in the frame that shows it.
  for ((i = 2; i <= n_items; i++)); do
    k=$((2 * i - 1))
    [ "$(cache_field "$p-b" $k frame)" != 0 ] || grew+=" $i"
  done
  if [ -z "$grew" ]; then ok; else bad "$p: with no wait, items$grew rendered no text"; fi
  k=$((2 * image - 1))
  if [ "$(cache_field "$p-b" $k images)" -gt "$(cache_field "$p-b" $((k - 1)) images)" ]; then
    ok
  else bad "$p: with no wait, the picture (item $image) was not decoded by its frame"; fi
  if [ "$(cache_field "$p-b" "$(grep -c '^CACHE ' "$work/$p-b.out")" prefetched)" = 0 ]; then ok
  else bad "$p: run b prefetched, with no wait"; fi
  # The same screens, prefetched or not.
  for f in "$out/$p-a-"*.png; do
    g=${f/-a-/-b-}
    if cmp -s "$f" "$g"; then ok; else bad "$p: $(basename "$f") and $(basename "$g") differ"; fi
  done
done

finish
