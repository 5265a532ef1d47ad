#!/usr/bin/env bash
# The picture viewer (issue 16, item 8), in kk, ru and en at the three
# sizes, on a 3-item exam of 6 minutes whose item 2 has the demo's tall
# plan of a polling station (assets/demo/images/polling-station.png):
# the item shows the cue "tap to enlarge"; a tap on the picture opens the
# viewer, fitted, with the back button, the hint and the time left; two
# double taps zoom to 2x and 4x around the middle (its labels readable in
# the shot), a drag moves it, a pinch zooms out to 2x; the back key brings
# the item back as it was (the shot byte-identical to the one before, the
# same STATE: position and answers); at the largest text and in contrast
# it fits too. Then the clock in the viewer: the 5- and 1-minute
# warnings over it, the time shown, and at 6:00 the attempt ends on the
# result screen with result.timeout, as on the item.
# Then the tap count of the whole demo exam when nobody opens a picture,
# in kk with the typed ID at each size (one trainee each): exactly 58
# taps (language, 12 digits, continue, the exam, start, 20 answers, 19
# next, finish, submit, yes) end on the result screen with every item
# answered, as before the viewer.
# Shots: OUTDIR/zoom-<lang>-<size>-<screen>.png.
#   zoom.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/zoom-*.png
mkdir -p "$work/images"
cp "$src/assets/demo/images/polling-station.png" "$work/images/"
cat >"$work/zoom.yaml" <<EOF
exam: zoom
version: 1
title: {kk: "Учаскенің жоспары", ru: "План участка", en: "The plan of a polling station"}
time_limit: 6
show_score: yes
pass_mark: 50
shuffle_items: no
roster:
  - {id: "${trainees[0]}", name: "$trainee_name", district: "Алматы"}
items:
  - id: one
    type: truefalse
    answer: yes
    text: {kk: "Бірінші сұрақ.", ru: "Первый вопрос.", en: "The first question."}
  - id: plan
    type: single
    image: images/polling-station.png
    text:
      kk: "Сайлаушы бюллетеньді қайда толтырады?"
      ru: "Где избиратель заполняет бюллетень?"
      en: "Where does the voter fill in the ballot?"
    options:
      - {kk: "Жасырын дауыс беруге арналған кабинада", ru: "В кабине для тайного голосования", en: "In a booth for secret voting", correct: yes}
      - {kk: "Комиссия үстелінде", ru: "За столом комиссии", en: "At the commission's table"}
      - {kk: "Дәлізде", ru: "В коридоре", en: "In the corridor"}
  - id: three
    type: truefalse
    answer: no
    text: {kk: "Үшінші сұрақ.", ru: "Третий вопрос.", en: "The third question."}
EOF

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)

viewer_run() {
  local l=$1 size=$2 p="zoom-$1-$2" home=$work/$1-$2
  local w=${size%x*} h=${size#*x}
  local cx=$((w / 2)) cy=$((h / 2))
  make_station "$home" "$work/zoom.yaml"
  {
    printf 'tap lang-%s\nkeys %s\ntap continue\nexpect-screen exams\n' "$l" "${trainees[0]}"
    printf 'tap exam:zoom\ntap start\nexpect-screen item\ntap option-1\ntap next\n'
    printf 'expect-screen item\nexpect-text %s\nexpect-widget picture\n' "$(msg "$l" item.enlarge)"
    # An answer and a little scroll, both to come back after the viewer.
    printf 'tap option-2\ndrag 10 300 10 260\nstate\n'
    printf 'screenshot %s-item\nexpect-fits\n' "$p"
    printf 'tap picture\nexpect-screen viewer\nexpect-text %s\nexpect-text %s\nexpect-text %s\n' \
      "$(msg "$l" viewer.back)" "$(msg "$l" viewer.hint)" "$(msg "$l" item.time_left time 6:00)"
    printf 'screenshot %s-fit\nexpect-fits\n' "$p"
    printf 'tap %d %d\ntap %d %d\nscreenshot %s-zoom2\nexpect-fits\n' $cx $cy $cx $cy "$p"
    printf 'tap %d %d\ntap %d %d\nscreenshot %s-zoom4\nexpect-fits\n' $cx $cy $cx $cy "$p"
    printf 'drag %d %d %d %d\nscreenshot %s-pan\n' $cx $cy $((cx + 200)) $((cy + 300)) "$p"
    printf 'pinch %d %d 0.5\nscreenshot %s-pinch\n' $cx $cy "$p"
    printf 'key back\nexpect-screen item\nstate\nscreenshot %s-item-back\n' "$p"
    # The largest text and contrast in the viewer.
    printf 'tap text-larger\n%.0s' 1 2 3 4
    printf 'tap picture\nexpect-screen viewer\nscreenshot %s-largest\nexpect-fits\n' "$p"
    printf 'tap viewer-back\nexpect-screen item\n'
    printf 'tap text-smaller\n%.0s' 1 2 3 4
    printf 'tap contrast\ntap picture\nexpect-screen viewer\nscreenshot %s-contrast\nexpect-fits\n' "$p"
    # The clock runs on in the viewer: its warnings over it, then the end.
    printf 'wait 60\nexpect-screen warn5\nscreenshot %s-warn5\ntap warn-ok\nexpect-screen viewer\n' "$p"
    printf 'wait 170\ndrag %d %d %d %d\nwait 70\nexpect-screen warn1\ntap warn-ok\n' $cx $cy $cx $cy
    printf 'wait 50\nexpect-screen viewer\nexpect-text %s\nscreenshot %s-lowtime\nexpect-fits\n' \
      "$(msg "$l" item.time_left time 0:10)" "$p"
    printf 'wait 10\nexpect-screen result\nexpect-text %s\nscreenshot %s-result\n' \
      "$(msg "$l" result.timeout)" "$p"
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || return 0
  local before after
  before=$(grep '^STATE ' "$work/$p.out" | sed -n 1p)
  after=$(grep '^STATE ' "$work/$p.out" | sed -n 2p)
  if [ -n "$before" ] && [ "$(shown "$before")" = "$(shown "$after")" ] &&
    grep -q ' pos=1 .*answers=one:[1-9a-f],plan:2,three:0$' <<<"$before"; then ok
  else bad "$p: the item after the viewer: '$before' then '$after'"; fi
  if cmp -s "$out/$p-item.png" "$out/$p-item-back.png"; then ok
  else bad "$p: the item after the viewer is not drawn as before it (scroll or answer changed)"; fi
  # Zoomed in, the picture is drawn otherwise; zoomed out again by the
  # pinch, like the double tap's 2x.
  if ! cmp -s "$out/$p-fit.png" "$out/$p-zoom2.png" && ! cmp -s "$out/$p-zoom2.png" "$out/$p-zoom4.png" &&
    ! cmp -s "$out/$p-zoom4.png" "$out/$p-pan.png"; then ok
  else bad "$p: the fit, 2x, 4x and the pan drew the same picture"; fi
  local status
  status=$("$bin/ctl/synaqctl" --home "$home/station" status)
  if grep -q 'results: *1 pending' <<<"$status"; then ok
  else bad "$p: the attempt that ran out in the viewer left no result to send: $status"; fi
}
each_lang_size viewer_run

# The whole demo exam with no picture opened: 58 taps.
taps_size() {
  local size=$1 i=$2 p="zoom-taps-$1-$2" home=$work/taps-$1-$2
  make_station "$home"
  {
    printf 'tap lang-kk\nkeys %s\ntap continue\nexpect-screen exams\n' "${trainees[$i]}"
    printf 'tap exam:election-basics\ntap start\n'
    for n in $(seq 1 20); do
      printf 'expect-screen item\ntap option-1\n'
      [ "$n" -eq 20 ] || printf 'tap next\n'
    done
    printf 'state\ntap review\nexpect-screen review\ntap submit\ntap confirm-yes\n'
    printf 'expect-screen result\n'
  } >"$work/$p.txt"
  local taps
  taps=$(($(grep -c '^tap ' "$work/$p.txt") + ${#trainees[$i]}))
  if [ "$taps" -eq 58 ]; then ok; else bad "$p: the script has $taps taps, not 58"; fi
  run "$p" "$home/station" "$size" "$work/$p.txt" || return 0
  local st
  st=$(state_of "$p")
  if [ "$(sed 's/.*answers=//' <<<"$st" | tr ',' '\n' | grep -c ':[1-9a-f][0-9a-f]*$')" -eq 20 ]; then ok
  else bad "$p: not every item answered: $st"; fi
  local pics
  pics=$(sed 's/.*answers=//' <<<"$st" | tr ',' '\n' | grep -o '^vote-0[14]' | tr '\n' ' ' || true)
  echo "$p: $taps taps to the result; items with a picture drawn: ${pics:-none}"
  [ -z "$pics" ] || pictured=$((pictured + 1))
}
pictured=0
i=0
for size in "${sizes[@]}"; do
  taps_size "$size" $i
  i=$((i + 1))
done
# The draw is random: when no walk met a picture, the other trainees walk
# too (two of the demo's 9 voting items have one; a draw takes 5).
while [ $pictured -eq 0 ] && [ $i -lt ${#trainees[@]} ]; do
  taps_size 800x480 $i
  i=$((i + 1))
done
[ $pictured -gt 0 ] || skip "no walk's draw had an item with a picture: the 58 taps were not tried past one"

finish
