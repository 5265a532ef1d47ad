#!/usr/bin/env bash
# The time limit on the kiosk, in each language: a 3-item exam of 6
# minutes, taken by a trainee who is not on a roster (so the name is typed
# on the letter keys). The 5-minute warning comes at 1:00 and not before,
# the 1-minute one at 5:00, and at 6:00 the attempt ends by itself on the
# result screen with result.timeout; the station then holds 1 result to
# send. In en the 1-minute warning is left open when the time runs out.
# Then the running clock (the exam's default, issue 16 item 2), in each
# language at each size: the instructions say that leaving does not stop
# the time; the trainee starts, walks away (welcome after 3.5 minutes),
# comes back 3 minutes later and resumes: the attempt ends at once with
# result.timeout_away, and one more result waits to be sent.
# Shots: OUTDIR/timeout-<lang>-<size>-<screen>.png,
# OUTDIR/timeout-away-<lang>-<size>-{info,result}.png.
#   timeout.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/timeout-*.png
cat >"$work/six.yaml" <<'EOF'
exam: six-minutes
version: 1
title: {kk: "Алты минуттық тест", ru: "Тест на шесть минут", en: "A six-minute test"}
time_limit: 6
show_score: yes
pass_mark: 50
shuffle_items: no
items:
  - id: one
    type: truefalse
    answer: yes
    text: {kk: "Бірінші сұрақ.", ru: "Первый вопрос.", en: "The first question."}
  - id: two
    type: single
    text: {kk: "Екінші сұрақ.", ru: "Второй вопрос.", en: "The second question."}
    options:
      - {kk: "Иә", ru: "Да", en: "Yes", correct: yes}
      - {kk: "Жоқ", ru: "Нет", en: "No"}
  - id: three
    type: truefalse
    answer: no
    text: {kk: "Үшінші сұрақ.", ru: "Третий вопрос.", en: "The third question."}
EOF

# A name on the language's own keyboard.
declare -A names=([kk]="ӘЛИЯ ҚҰЛ" [ru]="ЖЕНЯ ЁЖ" [en]="ALI KIM")
declare -A sizes=([kk]=800x480 [ru]=1080x1920 [en]=1280x800)

for l in kk ru en; do
  size=${sizes[$l]} p="timeout-$l-$size" home=$work/$l
  make_station "$home" "$work/six.yaml"
  {
    printf 'tap lang-%s\nkeys 770202300111\ntap continue\n' "$l"
    # No roster: the kiosk asks for the name and shows the letter keys.
    printf 'expect-screen identify\nexpect-text %s\nexpect-widget key:%s\n' \
      "$(msg "$l" id.need_name)" "${names[$l]:0:1}"
    printf 'screenshot %s-identify-need-name\nexpect-fits\nprint\n' "$p"
    printf 'keys %s\nexpect-text %s|\nscreenshot %s-identify-name\nexpect-fits\n' \
      "${names[$l]}" "${names[$l]}" "$p"
    printf 'tap continue\nexpect-screen exams\nexpect-text %s\nexpect-text %s\n' \
      "${names[$l]}" "$(msg "$l" exams.minutes n 6)"
    printf 'tap exam:six-minutes\nexpect-screen info\nexpect-text %s\ntap start\n' \
      "$(msg "$l" info.duration n 6)"
    printf 'expect-screen item\nexpect-text %s\ntap option-1\n' \
      "$(msg "$l" item.time_left time 6:00)"
    # Not a second early: 5:01 left, then 4:59.
    printf 'wait 59\nexpect-screen item\nexpect-text %s\n' "$(msg "$l" item.time_left time 5:01)"
    printf 'wait 2\nexpect-screen warn5\nexpect-text %s\n' "$(msg "$l" warn.5min)"
    printf 'screenshot %s-warn5\nexpect-fits\ntap warn-ok\nexpect-screen item\n' "$p"
    printf 'tap next\ntap option-2\n'
    # To 1:02 left (a tap keeps the idle warning away), then 0:59.
    printf 'wait 150\ntap 4 4\nwait 87\nexpect-screen item\nexpect-text %s\n' \
      "$(msg "$l" item.time_left time 1:02)"
    printf 'wait 3\nexpect-screen warn1\nexpect-text %s\n' "$(msg "$l" warn.1min)"
    printf 'screenshot %s-warn1\nexpect-fits\n' "$p"
    if [ "$l" != en ]; then
      printf 'tap warn-ok\nexpect-screen item\n'
    fi
    printf 'wait 58\nexpect-screen %s\nexpect-text %s\nstate\n' \
      "$([ "$l" = en ] && echo warn1 || echo item)" "$(msg "$l" item.time_left time 0:01)"
    printf 'wait 2\nexpect-screen result\nexpect-text %s\n' "$(msg "$l" result.timeout)"
    printf 'expect-text %s\nscreenshot %s-result\nexpect-fits\nstate\n' "$(msg "$l" result.submitted)" "$p"
    printf 'tap done\nexpect-screen welcome\n'
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || continue
  # Before the end: items one and two answered; after: no attempt open.
  if state_of "$p" | grep -q 'screen=result$' &&
    grep '^STATE ' "$work/$p.out" | head -1 | grep -q 'answers=one:1,two:2,three:0$'; then ok; else
    bad "$p: states: $(grep '^STATE ' "$work/$p.out")"
  fi
  status=$("$bin/ctl/synaqctl" --home "$home/station" status)
  if grep -q 'results: *1 pending' <<<"$status"; then ok; else bad "$p: status: $status"; fi
done

# The running clock runs out while the trainee is away.
for l in kk ru en; do
  home=$work/away-$l
  make_station "$home" "$work/six.yaml"
  n=0
  for size in 800x480 1080x1920 1280x800; do
    p="timeout-away-$l-$size"
    n=$((n + 1))
    identify() {
      printf 'tap lang-%s\nkeys 770202300222\ntap continue\nkeys %s\ntap continue\n' "$l" \
        "${names[$l]}"
      printf 'expect-screen exams\n'
    }
    {
      identify
      printf 'tap exam:six-minutes\nexpect-screen info\nexpect-text %s\n' \
        "$(msg "$l" info.clock_running)"
      printf 'screenshot %s-info\nexpect-fits\ntap start\nexpect-screen item\ntap option-1\n' "$p"
      printf 'wait 210\nexpect-screen welcome\nwait 180\n'
      identify
      printf 'expect-text %s\ntap exam:six-minutes\nwait 1\n' "$(msg "$l" exams.resume)"
      printf 'expect-screen result\nexpect-text %s\n' "$(msg "$l" result.timeout_away)"
      printf 'screenshot %s-result\nexpect-fits\ntap done\nexpect-screen welcome\n' "$p"
    } >"$work/$p.txt"
    run "$p" "$home/station" "$size" "$work/$p.txt" || continue
    status=$("$bin/ctl/synaqctl" --home "$home/station" status)
    if grep -q "results: *$n pending" <<<"$status"; then ok; else bad "$p: status: $status"; fi
  done
done

echo "screenshots: $out/timeout-*.png"
finish
