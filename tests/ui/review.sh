#!/usr/bin/env bash
# The review after submission (issue 16, item 10), in kk, ru and en at
# 1280x800, 800x480 and 1080x1920: an exam with review_after: mistakes and
# explanations; item 1 answered right, item 2 wrong, item 3 (multiple
# choice) left unanswered. No explanation shows while the attempt is open;
# after submitting, the result offers "see my mistakes (2)", and the review
# shows exactly items 2 and 3, each with the answer given, the right one
# and item 2's explanation, and not item 1. Shots:
# OUTDIR/review-<lang>-<size>-{item2,result,answers-1,answers-2}.png
# (and answers-1-scrolled at 800x480, after "more below").
#   review.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/review-*.png
cat >"$work/review.yaml" <<'EOF'
exam: review-demo
version: 1
title: {kk: "Қателерді талдау", ru: "Разбор ошибок", en: "Review of mistakes"}
review_after: mistakes
pass_mark: 50
shuffle_items: no
shuffle_options: no
items:
  - id: age
    type: single
    text:
      kk: "Қазақстанда сайлауда дауыс беру құқығы қай жастан басталады?"
      ru: "С какого возраста в Казахстане есть право голосовать на выборах?"
      en: "From what age may a citizen of Kazakhstan vote in elections?"
    options:
      - {kk: "18 жастан", ru: "С 18 лет", en: "From 18", correct: yes}
      - {kk: "16 жастан", ru: "С 16 лет", en: "From 16"}
      - {kk: "21 жастан", ru: "С 21 года", en: "From 21"}
    explanation:
      kk: "Конституция бойынша сайлауға 18 жасқа толған азаматтар қатысады."
      ru: "По Конституции в выборах участвуют граждане, достигшие 18 лет."
      en: "Under the Constitution, citizens who have reached 18 take part in elections."
  - id: secret
    type: single
    text:
      kk: "Дауыс беру қалай өтеді?"
      ru: "Как проходит голосование?"
      en: "How is the vote held?"
    options:
      # The trainee chooses this one: long, so that in bold (as a chosen
      # option is drawn on the review) it takes more lines than in
      # regular type somewhere among the 9 languages and sizes; the box
      # must be measured in bold (expect-fits failed before).
      - kk: "Ашық, учаскедегі сайлаушылардың жалпы жиналысында қол көтеру арқылы: учаскелік комиссияның төрағасы көтерілген қолдарды қатар-қатарымен санайды, сандарды қатысушылардың бәрі қол қоятын журналға жазады және жиналыс жабылмай тұрып жеңімпазды дауыстап жариялайды, сонда санауды кейін ешкім даулай алмайды"
        ru: "Открыто, поднятием рук на общем собрании избирателей участка: председатель участковой комиссии подсчитывает поднятые руки ряд за рядом, записывает числа в журнал, который подписывают все присутствующие, и вслух объявляет победителя до закрытия собрания, чтобы потом никто не мог оспорить подсчёт"
        en: "In the open, by a show of hands at a general meeting of the precinct's voters: the chair of the precinct commission counts the raised hands row by row, writes the numbers in a register that everyone present signs, and announces the winner aloud before the meeting closes, so that nobody can dispute the count later"
      - {kk: "Жасырын, бюллетень арқылы", ru: "Тайно, бюллетенями", en: "In secret, by ballot", correct: yes}
    explanation:
      kk: "Сайлау жалпыға бірдей, тең және төте сайлау құқығы негізінде жасырын дауыс беру арқылы өтеді. Сайлаушы бюллетеньді кабинада өзі толтырады: оны ешкім көрмейді және оған ешкім ықпал ете алмайды."
      ru: "Выборы проходят на основе всеобщего, равного и прямого избирательного права при тайном голосовании. Избиратель заполняет бюллетень сам в кабине: никто его не видит и не может на него повлиять."
      en: "Elections are held on universal, equal and direct suffrage by secret ballot. The voter fills in the ballot alone in the booth: nobody sees it, and nobody may influence it."
  - id: bodies
    type: multiple
    text:
      kk: "Қандай сайлау комиссиялары бар?"
      ru: "Какие избирательные комиссии существуют?"
      en: "Which election commissions exist?"
    options:
      - {kk: "Орталық сайлау комиссиясы", ru: "Центральная избирательная комиссия", en: "The Central Election Commission", correct: yes}
      - {kk: "Учаскелік сайлау комиссиялары", ru: "Участковые избирательные комиссии", en: "Precinct election commissions", correct: yes}
      - {kk: "Ауылдық ақсақалдар кеңесі", ru: "Сельский совет старейшин", en: "A village council of elders"}
EOF

declare -A names=([kk]="ӘЛИЯ ҚҰЛ" [ru]="ЖЕНЯ ЁЖ" [en]="ALI KIM")
# The first words of item 2's explanation and of item 1's question.
declare -A expl2=([kk]="Сайлау жалпыға бірдей" [ru]="Выборы проходят на основе" [en]="Elections are held on")
# The last words of the long option chosen on item 2 (cut at 512 bytes
# on the review before).
declare -A tail2=([kk]="ешкім даулай алмайды" [ru]="мог оспорить подсчёт" [en]="dispute the count later")
declare -A text1=([kk]="Қазақстанда сайлауда" [ru]="С какого возраста" [en]="From what age")

review_walk() {
  local l=$1 size=$2 p="review-$1-$2" home=$work/$1-$2
  make_station "$home" "$work/review.yaml"
  {
    printf 'tap lang-%s\nkeys 770202300111\ntap continue\n' "$l"
    printf 'keys %s\ntap continue\nexpect-screen exams\n' "${names[$l]}"
    printf 'tap exam:review-demo\ntap start\nexpect-screen item\n'
    # Item 1 right, item 2 wrong, item 3 not answered; no explanation yet.
    printf 'tap option-1\ntap next\ntap option-1\nexpect-no-text %s\n' "${expl2[$l]}"
    printf 'screenshot %s-item2\nexpect-fits\ntap next\n' "$p"
    printf 'tap review\ntap submit\ntap confirm-yes\nexpect-screen result\n'
    printf 'expect-text %s\nexpect-widget answers\n' "$(msg "$l" result.see_mistakes n 2)"
    printf 'screenshot %s-result\nexpect-fits\n' "$p"
    # The first mistake: item 2, answered A, right B, with its explanation.
    printf 'tap answers\nexpect-screen answers\nexpect-text %s\n' "$(msg "$l" item.progress n 1 total 2)"
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" answers.question n 2)" "$(msg "$l" answers.wrong)"
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" answers.yours list A)" "$(msg "$l" answers.correct list B)"
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" answers.explanation)" "${expl2[$l]}"
    printf 'expect-no-text %s\nexpect-text %s\n' "${text1[$l]}" "${tail2[$l]}"
    printf 'screenshot %s-answers-1\nexpect-fits\n' "$p"
    # On the small screen the explanation runs below the fold: "more
    # below" scrolls to it.
    if [ "$size" = 800x480 ]; then
      printf 'expect-widget more-below\ntap more-below\nscreenshot %s-answers-1-scrolled\nexpect-fits\n' "$p"
    fi
    # The second: item 3, not answered, right A and B, no explanation.
    printf 'tap answers-next\nexpect-text %s\n' "$(msg "$l" item.progress n 2 total 2)"
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" answers.question n 3)" "$(msg "$l" answers.unanswered)"
    printf 'expect-text %s\n' "$(msg "$l" answers.yours list "$(msg "$l" answers.none)")"
    printf 'expect-text %s\nexpect-no-text %s\n' "$(msg "$l" answers.correct list "A, B")" "$(msg "$l" answers.explanation)"
    printf 'screenshot %s-answers-2\nexpect-fits\n' "$p"
    printf 'tap answers-back\nexpect-screen result\ntap done\nexpect-screen welcome\n'
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || return 0
}

sizes=(1280x800 800x480 1080x1920)
langs=(kk ru en)
each_lang_size review_walk
echo "screenshots: $out/review-*.png"
finish
