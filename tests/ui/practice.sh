#!/usr/bin/env bash
# Practice (issue 11), in kk, ru and en at 1280x800, 800x480 and
# 1080x1920: an exam that requires practice (requires_practice) with two
# topics, "law" (rule all, one single-choice item, two tries) and "day"
# (rule streak 1, one true/false item). The exam is refused until both are
# mastered (the message says why); Practice lists the topics with their
# progress; a wrong first answer says "try again" and what the chosen
# option says, without the right answer or the explanation; the second try,
# right, shows them; a round wrong twice marks the right answer; both
# topics mastered, the exam opens. Shots:
# OUTDIR/practice-<lang>-<size>-{exams,topics,retry,right,wrong,mastered}.png
#   practice.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/practice-*.png
cat >"$work/practice.yaml" <<'YAML'
exam: practice-demo
version: 1
title: {kk: "Сайлау негіздері: жаттығу", ru: "Основы выборов: тренировка", en: "Election basics: practice"}
pass_mark: 50
shuffle_items: no
shuffle_options: no
topics:
  law: {kk: "Сайлау құқығы", ru: "Избирательное право", en: "Electoral law"}
  day: {kk: "Сайлау күні", ru: "День выборов", en: "Election day"}
practice:
  tries: 2
  mastery: {streak: 1}
  topics:
    law: all
requires_practice: yes
items:
  - id: age
    topic: law
    type: single
    text:
      kk: "Қазақстанда сайлауда дауыс беру құқығы қай жастан басталады?"
      ru: "С какого возраста в Казахстане есть право голосовать на выборах?"
      en: "From what age may a citizen of Kazakhstan vote in elections?"
    options:
      - {kk: "18 жастан", ru: "С 18 лет", en: "From 18", correct: yes}
      - kk: "16 жастан"
        ru: "С 16 лет"
        en: "From 16"
        feedback: {kk: "Жоқ: 16 жаста әлі ерте.", ru: "Нет: в 16 лет ещё рано.", en: "No: 16 is too young."}
      - {kk: "21 жастан", ru: "С 21 года", en: "From 21", feedback: {kk: "Жоқ: 21 жас тым кеш.", ru: "Нет: 21 год — слишком поздно.", en: "No: 21 is too late."}}
    explanation:
      kk: "Конституция бойынша сайлауға 18 жасқа толған азаматтар қатысады."
      ru: "По Конституции в выборах участвуют граждане, достигшие 18 лет."
      en: "Under the Constitution, citizens who have reached 18 take part in elections."
  - id: secret
    topic: day
    type: truefalse
    answer: yes
    text:
      kk: "Дауыс беру жасырын өтеді."
      ru: "Голосование проходит тайно."
      en: "The vote is secret."
    explanation:
      kk: "Сайлаушы бюллетеньді кабинада өзі толтырады."
      ru: "Избиратель заполняет бюллетень сам в кабине."
      en: "The voter fills in the ballot alone in the booth."
YAML

declare -A names=([kk]="ӘЛИЯ ҚҰЛ" [ru]="ЖЕНЯ ЁЖ" [en]="ALI KIM")
declare -A expl=([kk]="Конституция бойынша" [ru]="По Конституции" [en]="Under the Constitution")
declare -A fb16=([kk]="16 жаста әлі ерте" [ru]="в 16 лет ещё рано" [en]="16 is too young")
declare -A fb21=([kk]="21 жас тым кеш" [ru]="слишком поздно" [en]="21 is too late")

practice_walk() {
  local l=$1 size=$2 p="practice-$1-$2" home=$work/$1-$2
  make_station "$home" "$work/practice.yaml"
  {
    printf 'tap lang-%s\nkeys 770202300111\ntap continue\n' "$l"
    printf 'keys %s\ntap continue\nexpect-screen exams\n' "${names[$l]}"
    # The exam is shut until practice: the reason, on the same screen.
    printf 'expect-widget practice\ntap exam:practice-demo\nexpect-screen exams\n'
    printf 'expect-text %s\nscreenshot %s-exams\nexpect-fits\n' "$(msg "$l" practice.required)" "$p"
    # The topics, nothing practised yet.
    printf 'tap practice\nexpect-screen practice\n'
    printf 'expect-text %s\n' "$(msg "$l" practice.rule_all n 0 total 1)"
    printf 'expect-text %s\n' "$(msg "$l" practice.rule_streak n 0 goal 1)"
    printf 'expect-no-text %s\nscreenshot %s-topics\nexpect-fits\n' "$(msg "$l" practice.mastered)" "$p"
    # Law: wrong (B) at the first try: try again, what B says, no answer yet.
    printf 'tap practice:practice-demo:law\nexpect-screen practice-item\n'
    printf 'tap option-2\ntap practice-check\nexpect-text %s\n' "$(msg "$l" practice.wrong_retry)"
    printf 'expect-text %s\nexpect-no-text %s\n' "${fb16[$l]}" "${expl[$l]}"
    printf 'expect-no-text %s\n' "$(msg "$l" answers.tag_right)"
    printf 'screenshot %s-retry\nexpect-fits\n' "$p"
    # The second try, right (A): the right answer marked, the explanation.
    printf 'tap practice-retry\ntap option-1\ntap practice-check\n'
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" practice.right)" "${expl[$l]}"
    printf 'expect-text %s\nscreenshot %s-right\nexpect-fits\n' "$(msg "$l" answers.tag_right)" "$p"
    # The next round (the topic's one item again): wrong twice.
    printf 'tap practice-next\ntap option-3\ntap practice-check\nexpect-text %s\n' "${fb21[$l]}"
    printf 'tap practice-retry\ntap option-2\ntap practice-check\n'
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" practice.wrong)" "${expl[$l]}"
    printf 'expect-text %s\nscreenshot %s-wrong\nexpect-fits\n' "$(msg "$l" answers.tag_right)" "$p"
    # On the small screen the explanation runs below the fold.
    if [ "$size" = 800x480 ]; then
      printf 'expect-widget more-below\ntap more-below\nscreenshot %s-wrong-scrolled\nexpect-fits\n' "$p"
    fi
    # Law is not mastered (a second try does not count); first try right now.
    printf 'tap practice-back\nexpect-screen practice\nexpect-no-text %s\n' "$(msg "$l" practice.mastered)"
    printf 'tap practice:practice-demo:law\ntap option-1\ntap practice-check\nexpect-text %s\n' "$(msg "$l" practice.right)"
    printf 'tap practice-back\nexpect-text %s\n' "$(msg "$l" practice.rule_all n 1 total 1)"
    # Day: true at the first try.
    printf 'tap practice:practice-demo:day\ntap option-1\ntap practice-check\nexpect-text %s\n' "$(msg "$l" practice.right)"
    printf 'tap practice-back\nexpect-text %s\n' "$(msg "$l" practice.rule_streak n 1 goal 1)"
    printf 'expect-text %s\nscreenshot %s-mastered\nexpect-fits\n' "$(msg "$l" practice.mastered)" "$p"
    # Both mastered: the exam opens.
    printf 'tap practice-back\nexpect-screen exams\ntap exam:practice-demo\nexpect-screen info\n'
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || return 0
}

# An exam with a proctor's PIN and no topics: practice on its whole bank
# asks for the PIN first, as the exam does (practice is the trainee's
# mastery); a wrong PIN keeps it shut.
cat >"$work/pin.yaml" <<'YAML'
exam: pin-drill
version: 1
title: {kk: "PIN жаттығу", ru: "Тренировка с PIN", en: "PIN drill"}
pass_mark: 50
identity: proctor
proctor_pin: "4821"
practice:
  mastery: all
items:
  - {id: one, type: truefalse, answer: yes, text: {kk: "Иә", ru: "Да", en: "Yes"}}
YAML
pin_walk() {
  local p=practice-pin home=$work/pin
  make_station "$home" "$work/pin.yaml"
  {
    printf 'tap lang-en
keys 770202300111
tap continue
keys ALI KIM
tap continue
'
    printf 'expect-screen exams
tap practice
expect-screen practice
'
    printf 'tap practice:pin-drill:all
expect-screen check
'
    printf 'tap digit:1
tap digit:1
tap digit:1
tap digit:1
tap continue
'
    printf 'expect-screen check
expect-text %s
' "$(msg en check.wrong_pin)"
    printf 'tap digit:4
tap digit:8
tap digit:2
tap digit:1
tap continue
'
    printf 'expect-screen practice-item
tap option-1
tap practice-check
'
    printf 'expect-text %s
tap practice-back
' "$(msg en practice.right)"
    printf 'expect-text %s
' "$(msg en practice.mastered)"
  } >"$work/$p.txt"
  run "$p" "$home/station" 1280x800 "$work/$p.txt" || return 0
}
pin_walk

sizes=(1280x800 800x480 1080x1920)
langs=(kk ru en)
each_lang_size practice_walk
echo "screenshots: $out/practice-*.png"
finish
