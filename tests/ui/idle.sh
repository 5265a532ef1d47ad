#!/usr/bin/env bash
# A trainee who walks away: on an item, after 3 minutes without a touch
# the idle warning counts down 30 s; "continue" brings the item back
# (and must not answer anything); idle again past 3.5 minutes the kiosk
# goes back to welcome, the attempt kept. The same trainee identifies
# again: the exam offers "continue where you stopped", and the attempt
# comes back with its two answers. Also: idle on the identification
# screen goes back to welcome and forgets the typed ID; the welcome
# screen itself never times out.
# Shots: OUTDIR/idle-<lang>-<size>-<screen>.png.
#   idle.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/idle-*.png
id=${trainees[1]}

# One run per language, each at its own size, on a fresh station.
declare -A sizes=([kk]=1280x800 [ru]=800x480 [en]=1080x1920)
for l in kk ru en; do
  size=${sizes[$l]} p="idle-$l-$size" home=$work/$l
  make_station "$home"
  {
    # The welcome screen waits for ever; identify does not.
    printf 'wait 600\nexpect-screen welcome\n'
    printf 'tap lang-%s\nkeys %s\nwait 179\nexpect-screen identify\n' "$l" "$id"
    printf 'wait 2\nexpect-screen idle\nwait 30\nexpect-screen welcome\n'
    printf 'tap lang-%s\nexpect-screen identify\nexpect-no-text %s\n' "$l" "$id"
    # Start, answer items 1 and 2, stay on item 2.
    printf 'keys %s\ntap continue\ntap exam:election-basics\ntap start\n' "$id"
    printf 'expect-screen item\ntap option-1\ntap next\ntap option-2\nstate\n'
    # 3 minutes: the warning, counting down.
    printf 'wait 179\nexpect-screen item\nwait 2\nexpect-screen idle\n'
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" idle.title)" "$(msg "$l" idle.text n 29)"
    printf 'wait 19\nexpect-text %s\nscreenshot %s-warning\nexpect-fits\n' "$(msg "$l" idle.text n 10)" "$p"
    printf 'tap idle-continue\nexpect-screen item\nstate\n'
    # Past 3.5 minutes: welcome, nothing of the trainee on screen.
    printf 'wait 181\nexpect-screen idle\nwait 30\nexpect-screen welcome\nexpect-no-text %s\n' "$id"
    printf 'screenshot %s-welcome\nexpect-fits\n' "$p"
    # Back: the exam offers to continue.
    printf 'tap lang-%s\nkeys %s\ntap continue\nexpect-screen exams\nexpect-text %s\n' \
      "$l" "$id" "$(msg "$l" exams.resume)"
    printf 'expect-widget exam:election-basics\nscreenshot %s-exams-resume\nexpect-fits\n' "$p"
    printf 'tap exam:election-basics\nexpect-screen item\nexpect-text %s\nstate\n' \
      "$(msg "$l" item.progress n 2 total 20)"
    printf 'screenshot %s-resumed\nexpect-fits\n' "$p"
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || continue
  states=$(grep '^STATE ' "$work/$p.out")
  first=$(sed -n 1p <<<"$states") warned=$(sed -n 2p <<<"$states") last=$(sed -n 3p <<<"$states")
  # Items 1 and 2 answered, the rest not; at position 2 (pos=1).
  if grep -q ' pos=1 .*answers=[^:]*:[1-9a-f][0-9a-f]*,[^:]*:[1-9a-f][0-9a-f]*,\([^,]*:0,\)*[^,]*:0$' <<<"$first"; then
    ok
  else bad "$p: after answering items 1 and 2: $first"; fi
  if [ "$(shown "$first")" = "$(shown "$warned")" ]; then ok; else
    bad_known idle-tap-through "$p: the tap on idle-continue changed the answers:" \
      "${first##*answers=} -> ${warned##*answers=}"
  fi
  # The resumed attempt is the same attempt, with what was on screen.
  if grep -q '^attempt=[0-9a-f]* pos=1 ' <<<"$(shown "$last")" &&
    [ "$(shown "$warned")" = "$(shown "$last")" ]; then ok; else
    bad "$p: resumed attempt differs: before '$warned', after '$last'"
  fi
done

# The tap on the warning's "continue", where an option surely lies under
# the button: an item of 12 options fills the screen at every size.
{
  printf 'exam: many-options\nversion: 1\ntitle: {en: "Many options"}\ntime_limit: 0\npass_mark: 50\nitems:\n'
  printf '  - id: many\n    type: multiple\n    text: {en: "Choose."}\n    options:\n'
  for i in $(seq 1 12); do printf '      - {en: "Option %s", correct: yes}\n' "$i"; done
} >"$work/many.yaml"
make_station "$work/many" "$work/many.yaml"
n=0
for size in 1280x800 800x480 1080x1920; do
  p=idle-tap-$size n=$((n + 1))
  {
    printf 'tap lang-en\nkeys 77030330022%s\ntap continue\nkeys ALI\ntap continue\n' $n
    printf 'tap exam:many-options\ntap start\nexpect-screen item\nstate\n'
    printf 'wait 181\nexpect-screen idle\ntap idle-continue\nexpect-screen item\nstate\n'
    printf 'wait 211\nexpect-screen welcome\n'
  } >"$work/$p.txt"
  run "$p" "$work/many/station" "$size" "$work/$p.txt" || continue
  first=$(grep '^STATE ' "$work/$p.out" | sed -n 1p) after=$(grep '^STATE ' "$work/$p.out" | sed -n 2p)
  if [ "$(shown "$first")" = "$(shown "$after")" ]; then ok_known idle-tap-through; else
    bad_known idle-tap-through "$p: the tap on the idle warning's 'continue' went through to" \
      "the option under it: answers ${first##*answers=} -> ${after##*answers=}"
  fi
done

echo "screenshots: $out/idle-*.png"
finish
