#!/usr/bin/env bash
# The whole demo exam, on the kiosk's screens, in each language (kk, ru,
# en) at each size (1280x800, 800x480, 1080x1920), each on a fresh
# station: welcome, identification on the on-screen keys, exam choice,
# instructions, all 20 items (answered, one flagged, prev/next, the grid
# and a jump), review, the submit confirmation, the result, the first
# mistake with its explanation, back to welcome; and the overlays (idle, time warnings) on the way. Every
# screen and overlay is shot as OUTDIR/<lang>-<size>-<screen>.png, and
# each shot is followed by expect-fits (no text overflows its box, no
# character lacks a glyph). Every item gets expect-fits; items 1, 3, 12,
# 20 and the one with the picture get a shot (all 20 with
# SYNAQ_UI_ALL_ITEMS=1).
#   walk.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]    (OUTDIR: BUILD_DIR/tests/ui-shots)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# SYNAQ_UI_LANGS and SYNAQ_UI_SIZES (words) narrow the walks (headless.sh).
read -ra langs <<<"${SYNAQ_UI_LANGS:-kk ru en}"
read -ra sizes <<<"${SYNAQ_UI_SIZES:-1280x800 800x480 1080x1920}"
demo=$src/assets/demo/election-basics.yaml
n_items=20
# The demo's multiple-choice items: there, option-1 and option-2 are both
# selected at the end; elsewhere the second tap replaced the first.
multiple=$(awk '/^  - id:/ {id=$3} /^    type: multiple/ {print id}' "$demo")

# The walk is two kiosk runs: the first goes from welcome through every
# item and stops; the kiosk starts again in the attempt on screen, and
# the second (written once the first has said where the item with the
# picture is) shows that item, the time warnings, and submits.

# Script helpers; p (LANG-SIZE) and l (LANG) are set by the caller.
shot() { printf 'screenshot %s-%s\nexpect-fits\n' "$p" "$1"; }
# progress N: the item bar shows "N / 20" (and not "1N / 20").
progress() {
  printf 'expect-screen item\nexpect-text %s\n' "$(msg "$l" item.progress n "$1" total $n_items)"
  [ "$1" -ge 10 ] || printf 'expect-no-text %s\n' "$(msg "$l" item.progress n "1$1" total $n_items)"
}
# keep_awake SECONDS: simulated time with a tap on a bare part of the
# item bar every 150 s, so the idle warning stays away.
keep_awake() {
  local left=$1
  while [ "$left" -gt 150 ]; do
    printf 'wait 150\ntap 4 4\n'
    left=$((left - 150))
  done
  printf 'wait %s\n' "$left"
}

# walk_script1: welcome to the last item, on stdout.
walk_script1() {
  local i other flagged
  flagged=$(msg "$l" item.flagged)
  other=$([ "$l" = ru ] && echo en || echo ru)
  printf '# walk %s, part 1\nexpect-screen welcome\n' "$p"
  printf 'expect-text %s\n' "$(msg kk welcome.title)" "$(msg ru welcome.title)" \
    "$(msg en welcome.title)" ui-001
  shot welcome
  printf 'tap lang-%s\nexpect-screen identify\nexpect-text %s\n' "$l" "$(msg "$l" id.title)"
  shot identify
  # Continue with no ID, then with an ID on nobody's list.
  printf 'tap continue\nexpect-screen identify\nexpect-text %s\nexpect-fits\n' "$(msg "$l" id.empty)"
  printf 'keys 12345\ntap continue\nexpect-screen identify\nexpect-text %s\n' \
    "$(msg "$l" id.unknown)"
  shot identify-unknown
  # The real ID, with a slip corrected by the backspace key.
  printf 'tap key:clear\nkeys %s7\ntap key:backspace\n' "${trainees[0]}"
  printf 'expect-text %s|\nexpect-no-text %s7\n' "${trainees[0]}" "${trainees[0]}"
  shot identify-typed
  printf 'tap continue\nexpect-screen exams\n'
  printf 'expect-text %s\n' "$(msg "$l" exams.title)" "$trainee_name" \
    "$(msg "$l" exams.attempts_left n 3)"
  shot exams
  printf 'tap exam:election-basics\nexpect-screen info\nexpect-text %s\n' "$(msg "$l" info.pass n 70)"
  # The exam's description, in the screen's language (issue 16, item 7).
  printf 'expect-text %s\n' "$(sed -n '/^description:/,/^[a-z_]*:/p' "$src/assets/demo/election-basics.yaml" |
    sed -n "s/^  $l: \"\(.*\)\"\$/\1/p")"
  shot info
  # Back and forth once, then start.
  printf 'tap back\nexpect-screen exams\ntap exam:election-basics\nexpect-screen info\ntap start\n'
  for i in $(seq 1 $n_items); do
    progress "$i"
    printf 'expect-no-text %s\ntap option-1\ntap option-2\n' "$(msg "$l" item.image_missing)"
    case $i in
    3)
      printf 'tap flag\nexpect-text %s\n' "$flagged"
      ;;
    5)
      printf 'tap prev\n'
      progress 4
      printf 'tap next\n'
      progress 5
      ;;
    12)
      # Idle: the warning, and a tap on its "continue" must only close
      # it (the STATE before and after are compared).
      printf 'state\nwait 181\nexpect-screen idle\nexpect-text %s\n' "$(msg "$l" idle.title)"
      shot idle
      printf 'tap idle-continue\nstate\n'
      progress 12
      ;;
    esac
    case $i in
    1 | 3 | 12 | "$n_items") shot "item-$(printf %02d "$i")" ;;
    *)
      if [ "${SYNAQ_UI_ALL_ITEMS:-0}" = 1 ]; then
        shot "item-$(printf %02d "$i")"
      else
        printf 'expect-fits\n'
      fi
      ;;
    esac
    case $i in
    6)
      printf 'tap contrast\n'
      shot item-contrast
      printf 'tap contrast\n'
      ;;
    7)
      # A+ to the largest text, the end of the item, then A- to the
      # smallest, and back to the middle.
      printf 'tap text-larger\n%.0s' 1 2 3 4
      shot item-largest
      printf 'drag 400 400 400 -4000\n'
      shot item-largest-end
      printf 'tap text-smaller\n%.0s' 1 2 3 4 5 6
      shot item-smallest
      printf 'tap text-larger\n%.0s' 1 2
      ;;
    8)
      printf 'tap content-%s\nexpect-screen item\n' "$other"
      shot "item-in-$other"
      printf 'tap content-%s\n' "$l"
      ;;
    10)
      # The grid half answered, a jump to the flagged item, the review
      # with unanswered items, and a jump from there to item 11.
      printf 'tap grid\nexpect-screen grid\n'
      shot grid
      printf 'tap goto-3\n'
      progress 3
      printf 'expect-text %s\ntap grid\ntap review\nexpect-screen review\n' "$flagged"
      shot review-partial
      printf 'tap goto-11\n'
      continue
      ;;
    esac
    [ "$i" -eq $n_items ] || printf 'tap next\n'
  done
  printf 'state\n'
}

# walk_script2 IMAGE_POS: from the last item (the kiosk resumes there) to
# the result and back to welcome, on stdout.
walk_script2() {
  local pos=$1
  printf '# walk %s, part 2\n' "$p"
  progress $n_items
  if [ -n "$pos" ]; then
    printf 'tap grid\ntap goto-%s\n' "$pos"
    progress "$pos"
    printf 'expect-no-text %s\n' "$(msg "$l" item.image_missing)"
    shot item-image
    printf 'tap grid\ntap goto-%s\n' $n_items
  fi
  # The time warnings, 5 and 1 minutes before the end (of 20 minutes).
  keep_awake 750
  printf 'expect-screen warn5\n'
  shot warn5
  printf 'tap warn-ok\nexpect-screen item\n'
  keep_awake 240
  printf 'expect-screen warn1\n'
  shot warn1
  printf 'tap warn-ok\nexpect-screen item\n'
  shot item-lowtime
  printf 'tap grid\nexpect-screen grid\nexpect-fits\ntap close\n'
  progress $n_items
  printf 'state\ntap review\nexpect-screen review\nexpect-text %s\n' "$(msg "$l" review.all_answered)"
  shot review
  printf 'tap submit\nexpect-screen confirm\n'
  shot confirm
  printf 'tap confirm-no\nexpect-screen review\ntap submit\ntap confirm-yes\n'
  printf 'expect-screen result\nexpect-text %s\n' "$(msg "$l" result.submitted)"
  shot result
  # The demo says review_after: mistakes and every item has an
  # explanation: the first mistake (option 1 everywhere on shuffled
  # options leaves some; all 20 right has a chance far below 10^-9) shows
  # the answer given, the right one and why.
  printf 'expect-widget answers\ntap answers\nexpect-screen answers\n'
  printf 'expect-text %s\n' "$(msg "$l" answers.explanation)"
  shot answers
  printf 'tap answers-back\nexpect-screen result\n'
  printf 'tap done\nexpect-screen welcome\n'
}

# item_pos NAME ID: where the last STATE of a run has item ID (1-based),
# or nothing.
item_pos() {
  state_of "$1" | sed 's/.*answers=//' | tr ',' '\n' | grep -n "^$2:" | cut -d: -f1 || true
}

# check_idle NAME: the tap on the idle warning's "continue" only closed
# the warning: the two STATE lines around it are the same. (Whether an
# option lies under the button depends on the item drawn; idle.sh checks
# this on an item where one always does.)
check_idle() {
  local before after
  before=$(grep '^STATE ' "$work/$1.out" | sed -n 1p)
  after=$(grep '^STATE ' "$work/$1.out" | sed -n 2p)
  if [ "$(shown "$before")" != "$(shown "$after")" ]; then
    bad_known idle-tap-through "$1: the tap on the idle warning's 'continue' went through" \
      "to the item under it and changed the answers: before ${before##*answers=}," \
      "after ${after##*answers=}"
  else ok; fi
}

# check_answers NAME1 NAME2: at the end all 20 items are answered, with
# option 1 and 2 on multiple-choice items and one option elsewhere; item
# 12 as it was after the idle warning (check_idle compares it to before).
check_answers() {
  local id sel n=0 wrong="" want before
  before=$(grep "^STATE " "$work/$1.out" | sed -n 2p | sed 's/.*answers=//' | cut -d, -f12)
  for a in $(state_of "$2" | sed 's/.*answers=//' | tr ',' ' '); do
    id=${a%%:*} sel=${a##*:}
    n=$((n + 1))
    if [ $n -eq 12 ]; then
      want=${before##*:}
    elif grep -qx "$id" <<<"$multiple"; then
      want=3
    else
      want=2
    fi
    [ "$sel" = "$want" ] || wrong+=" $id:$sel(want $want)"
  done
  if [ $n -ne $n_items ] || [ -n "$wrong" ]; then
    bad "$2: $n items, answers not as tapped:$wrong"
  else ok; fi
}

# image_try HOME: when the walk did not draw vote-01, other attempts
# (other trainees, 3 attempts each) are started until one does, and that
# item is shot as LANG-SIZE-item-image.png.
image_try() {
  local home=$1 t s=$work/$p-try.txt pos
  for t in "${trainees[@]:1}"; do
    for _ in 1 2 3; do
      printf 'tap lang-%s\nkeys %s\ntap continue\ntap exam:election-basics\ntap start\nstate\n' \
        "$l" "$t" >"$s"
      run "$p-try" "$home" "$size" "$s" || return 0
      pos=$(item_pos "$p-try" vote-01)
      if [ -n "$pos" ]; then
        # The kiosk starts again in the attempt on screen.
        {
          printf 'tap grid\ntap goto-%s\n' "$pos"
          progress "$pos"
          printf 'expect-no-text %s\n' "$(msg "$l" item.image_missing)"
          shot item-image
        } >"$s"
        run "$p-image" "$home" "$size" "$s"
        return 0
      fi
      printf 'tap grid\ntap review\ntap submit\ntap confirm-yes\ntap done\nexpect-screen welcome\n' >"$s"
      run "$p-try" "$home" "$size" "$s" || return 0
    done
  done
  bad "$p: no attempt drew vote-01, the item with the picture"
}

# walk LANG SIZE: one walk on a fresh station, and its checks.
walk() {
  local l=$1 size=$2 p="$1-$2" home=$work/$1-$2 pos status
  rm -f "$out/$p"-*.png
  make_station "$home"
  walk_script1 >"$work/walk1-$p.txt"
  run "walk1-$p" "$home/station" "$size" "$work/walk1-$p.txt" || return 0
  check_idle "walk1-$p"
  pos=$(item_pos "walk1-$p" vote-01)
  walk_script2 "$pos" >"$work/walk2-$p.txt"
  run "walk2-$p" "$home/station" "$size" "$work/walk2-$p.txt" || return 0
  check_answers "walk1-$p" "walk2-$p"
  status=$("$bin/ctl/synaqctl" --home "$home/station" status)
  if grep -q 'results: *1 pending' <<<"$status"; then ok; else bad "walk $p: status: $status"; fi
  [ -n "$pos" ] || image_try "$home/station"
}

# The nine walks, two at a time.
each_lang_size walk
echo "screenshots: $out"
finish
