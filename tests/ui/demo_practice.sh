#!/usr/bin/env bash
# The demo's second exam, assets/demo/voting-day.yaml (requires_practice),
# beside election-basics as scripts/demo installs them, in kk, ru and en
# at the three sizes: before practice a tap on it keeps the exams screen
# and says why (practice.required); one right answer in practice is not
# yet mastery (two in a row), and the exam stays shut; the second makes
# the topic mastered, and the exam opens on its instructions. The main
# demo exam opens all along.
# Shots: OUTDIR/demo-practice-<lang>-<size>-{refused,feedback,still,mastered,opened}.png
#   demo_practice.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/demo-practice-*.png
make_station "$work/st" "$src/assets/demo/election-basics.yaml" "$src/assets/demo/voting-day.yaml"
home=$work/st/station
langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)

# One practice item of voting-day answered right (its options are not
# shuffled: the first is right), its feedback shown.
practise_one() { # SHOT
  printf 'tap practice\nexpect-screen practice\ndrag 10 2000 10 10\n'
  printf 'tap practice:voting-day:voting\nexpect-screen practice-item\n'
  printf 'tap option-1\ntap practice-check\nexpect-text %s\n' "$(msg "$l" practice.right)"
  [ -z "$1" ] || printf 'screenshot %s\nexpect-fits\n' "$1"
  printf 'tap practice-back\nexpect-screen practice\n'
}

one() {
  local l=$1 size=$2 p=demo-practice-$1-$2
  cp -a "$home" "$work/$p.home"
  {
    printf 'tap lang-%s\nkeys 850312400217\ntap continue\nexpect-screen exams\n' "$l"
    printf 'expect-widget exam:election-basics\nexpect-widget exam:voting-day\n'
    # Shut before practice, with the reason on the same screen.
    printf 'tap exam:voting-day\nexpect-screen exams\nexpect-text %s\n' "$(msg "$l" practice.required)"
    printf 'screenshot %s-refused\nexpect-fits\n' "$p"
    # One right answer: the streak is 1 of 2, the exam still shut.
    practise_one "$p-feedback"
    printf 'expect-text %s\n' "$(msg "$l" practice.rule_streak n 1 goal 2)"
    printf 'tap practice-back\nexpect-screen exams\ntap exam:voting-day\nexpect-screen exams\n'
    printf 'expect-text %s\nscreenshot %s-still\n' "$(msg "$l" practice.required)" "$p"
    # The second in a row: mastered, and the exam opens.
    practise_one ""
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" practice.rule_streak n 2 goal 2)" \
      "$(msg "$l" practice.mastered)"
    printf 'drag 10 2000 10 10\nscreenshot %s-mastered\nexpect-fits\n' "$p"
    printf 'tap practice-back\nexpect-screen exams\nexpect-no-text %s\n' "$(msg "$l" practice.required)"
    printf 'tap exam:voting-day\nexpect-screen info\nexpect-widget start\n'
    printf 'screenshot %s-opened\nexpect-fits\n' "$p"
  } >"$work/$p.txt"
  run "$p" "$work/$p.home" "$size" "$work/$p.txt" || return 0
  local s
  for s in refused feedback still mastered opened; do
    [ -s "$out/$p-$s.png" ] || { bad "$p: no shot $s"; return 0; }
  done
  ok
}
each_lang_size one
finish
