#!/usr/bin/env bash
# Learn (issue 11): the demo exam's lessons, in kk, ru and en at the three
# sizes. After identification the exams screen offers Learn; the topics
# list every topic of the demo; a topic opens at its first page, rendered
# from the markup (heading, paragraphs, numbered list, the plan of the
# polling station scaled to the width); a tap on the plan shows it on the
# whole screen in the item's picture viewer, a double tap zooms it, a drag
# moves it, a pinch zooms it further, back to the page; a drag scrolls the long page to
# its end (its first paragraph gone, its last one shown), a fling from the
# top goes on after the finger lifts; the largest text and contrast fit.
# The place is kept per trainee: back to the topics and in again, the
# page opens where it was left (scrolled to the end); on page 2, the
# topics say "stopped at page 2"; after the trainee leaves, another
# trainee starts at page 1 of the topic; the first one, back, at page 2;
# left idle on page 1 scrolled to its end, back in there. Then a picture
# that cannot be decoded (a placeholder, logged), and a page far too long
# for any screen at 800x480 with the largest text (nothing cut).
# Shots: OUTDIR/learn-<lang>-<size>-<case>.png.
#   learn.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/learn-*.png
make_station "$work/st" >/dev/null
home=$work/st/station
langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)

# The first and last paragraphs of the voting lesson's first page, and
# the topic titles, as the markup gives them (emphasis marks taken out).
first_par() {
  case $1 in
  kk) printf 'Дауыс беру сағат 7-ден 20-ға дейін жергілікті уақыт бойынша өтеді.' ;;
  ru) printf 'Голосование проводится с 7 до 20 часов по местному времени.' ;;
  en) printf 'Voting runs from 7 a.m. to 8 p.m. local time.' ;;
  esac
}
last_par() {
  case $1 in
  kk) printf 'Комиссия мүшелері сайлаушыға рәсімді түсіндіре алады' ;;
  ru) printf 'Члены комиссии могут объяснить избирателю порядок' ;;
  en) printf 'Commission members may explain the procedure to the voter' ;;
  esac
}
topic_title() { # LANG TOPIC
  sed -n "/^topics:/,/^[a-z]/p" "$src/assets/demo/election-basics.yaml" |
    sed -n "/^  $2:/,/^  [a-z]/p" | sed -n "s/^    $1: \"\\(.*\\)\"\$/\\1/p"
}

one() {
  local l=$1 size=$2 p=learn-$1-$2
  local a=${trainees[0]} b=${trainees[1]} w=${2%x*} h=${2#*x}
  cp -a "$home" "$work/$p.home"
  {
    printf 'tap lang-%s\nkeys %s\ntap continue\nexpect-screen exams\n' "$l" "$a"
    printf 'expect-text %s\nexpect-widget learn\nscreenshot %s-exams\nexpect-fits\n' \
      "$(msg "$l" exams.learn)" "$p"
    printf 'tap learn\nexpect-screen learn\nexpect-text %s\n' "$(msg "$l" learn.title)"
    for t in law commissions training voting; do
      printf 'expect-text %s\nexpect-widget topic:%s\n' "$(topic_title "$l" $t)" $t
    done
    printf 'expect-text %s\nscreenshot %s-topics\nexpect-fits\n' "$(msg "$l" learn.pages n 2)" "$p"
    # The law's first page, at its end: its italic (*ерікті*) in the
    # italic face.
    printf 'tap topic:law\nexpect-screen lesson\ndrag 10 20000 10 10\n'
    printf 'screenshot %s-italic\nexpect-fits\ntap back\nexpect-screen learn\n' "$p"
    # The first page, from its top.
    printf 'tap topic:voting\nexpect-screen lesson\nexpect-text %s\n' "$(msg "$l" learn.page n 1 total 2)"
    printf 'expect-text %s\nexpect-widget next\n' "$(first_par "$l")"
    printf 'screenshot %s-page1\nexpect-fits\n' "$p"
    # Its picture on the whole screen, in the item's viewer: a double tap
    # zooms in, a drag moves it, a pinch zooms out, back to the page as
    # it was.
    printf 'tap picture-2\nexpect-screen lesson\nexpect-text %s\nexpect-text %s\n' \
      "$(msg "$l" learn.picture_back)" "$(msg "$l" viewer.hint)"
    printf 'expect-widget viewer-picture\n'
    printf 'expect-no-text %s\nscreenshot %s-picture\nexpect-fits\n' "$(first_par "$l")" "$p"
    printf 'tap %d %d\ntap %d %d\nscreenshot %s-picture-zoom\ndrag 10 300 10 100\n' \
      $((w / 2)) $((h / 3)) $((w / 2)) $((h / 3)) "$p"
    printf 'pinch %d %d 3\nscreenshot %s-picture-pinch\n' $((w / 2)) $((h / 2)) "$p"
    printf 'tap viewer-back\nexpect-text %s\nexpect-widget next\n' "$(first_par "$l")"
    # A fling from the top: the page goes on after the finger lifts.
    printf 'fling 10 600 10 300\nwait 3\nexpect-no-text %s\n' "$(first_par "$l")"
    printf 'screenshot %s-flung\n' "$p"
    # Back to the top by a drag, then to the end by another.
    printf 'drag 10 10 10 20000\nexpect-text %s\n' "$(first_par "$l")"
    printf 'drag 10 20000 10 10\nexpect-no-text %s\nexpect-text %s\n' "$(first_par "$l")" "$(last_par "$l")"
    printf 'screenshot %s-page1-end\nexpect-fits\n' "$p"
    # Out and in again: where it was left.
    printf 'tap back\nexpect-screen learn\ntap topic:voting\nexpect-screen lesson\n'
    printf 'expect-no-text %s\nexpect-text %s\n' "$(first_par "$l")" "$(last_par "$l")"
    # The largest text and contrast.
    printf 'tap text-larger\ntap text-larger\ntap text-larger\ntap text-larger\ntap contrast\n'
    printf 'drag 10 10 10 20000\nscreenshot %s-large\nexpect-fits\n' "$p"
    printf 'tap contrast\ntap text-smaller\ntap text-smaller\ntap text-smaller\ntap text-smaller\n'
    # Page 2, with the ballot box; the topics say where the trainee stopped.
    printf 'tap next\nexpect-screen lesson\nexpect-text %s\n' "$(msg "$l" learn.page n 2 total 2)"
    printf 'screenshot %s-page2\nexpect-fits\n' "$p"
    printf 'tap back\nexpect-screen learn\nexpect-text %s\n' "$(msg "$l" learn.pages_reached n 2 k 2)"
    printf 'screenshot %s-reached\nexpect-fits\n' "$p"
    # The trainee leaves; another comes: their own place, page 1.
    printf 'tap back\nexpect-screen exams\ntap back\nexpect-screen welcome\n'
    printf 'tap lang-%s\nkeys %s\ntap continue\nexpect-screen exams\ntap learn\n' "$l" "$b"
    printf 'expect-screen learn\nexpect-no-text %s\n' "$(msg "$l" learn.pages_reached n 2 k 2)"
    printf 'tap topic:voting\nexpect-text %s\nexpect-text %s\n' "$(msg "$l" learn.page n 1 total 2)" \
      "$(first_par "$l")"
    printf 'tap back\ntap back\ntap back\nexpect-screen welcome\n'
    # The first trainee again: page 2.
    printf 'tap lang-%s\nkeys %s\ntap continue\nexpect-screen exams\ntap learn\n' "$l" "$a"
    printf 'expect-text %s\ntap topic:voting\nexpect-text %s\n' \
      "$(msg "$l" learn.pages_reached n 2 k 2)" "$(msg "$l" learn.page n 2 total 2)"
    # Left on page 1 scrolled to its end, idle until the kiosk goes back to
    # welcome: the place is kept all the same.
    printf 'tap prev\nexpect-text %s\ndrag 10 20000 10 10\nwait 240\nexpect-screen welcome\n' \
      "$(msg "$l" learn.page n 1 total 2)"
    printf 'tap lang-%s\nkeys %s\ntap continue\ntap learn\ntap topic:voting\n' "$l" "$a"
    printf 'expect-text %s\nexpect-no-text %s\nexpect-text %s\n' "$(msg "$l" learn.page n 1 total 2)" \
      "$(first_par "$l")" "$(last_par "$l")"
  } >"$work/$p.txt"
  run "$p" "$work/$p.home" "$size" "$work/$p.txt" || return 0
  local s
  for s in exams topics italic page1 picture picture-zoom picture-pinch flung page1-end large page2 reached; do
    [ -s "$out/$p-$s.png" ] || { bad "$p: no shot $s"; return 0; }
  done
  # The double tap zoomed the picture in, and the pinch further.
  if ! cmp -s "$out/$p-picture.png" "$out/$p-picture-zoom.png" &&
    ! cmp -s "$out/$p-picture-zoom.png" "$out/$p-picture-pinch.png"; then ok
  else bad "$p: the picture at the fit, double-tapped and pinched is drawn the same"; fi
  ok
}
each_lang_size one
# A picture that passes the checks (a PNG's first bytes) but cannot be
# decoded: the page shows the placeholder and the kiosk's log says so.
mkdir -p "$work/broken/images"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' >"$work/broken/images/cut.png"
cat >"$work/broken/broken.yaml" <<EOF
exam: broken
version: 1
title: {en: "A lesson with a broken picture"}
pass_mark: 50
roster:
  - {id: "${trainees[0]}", name: "$trainee_name"}
topics:
  one: {en: "The only topic"}
items:
  - id: q1
    topic: one
    type: truefalse
    answer: yes
    text: {en: "A question."}
lessons:
  one:
    - en: |
        # A page with a picture

        ![A picture cut short](images/cut.png)

        The text after it is shown.
EOF
make_station "$work/broken/st" "$work/broken/broken.yaml" >/dev/null
{
  printf 'tap lang-en\nkeys %s\ntap continue\ntap learn\ntap topic:one\nexpect-screen lesson\n' \
    "${trainees[0]}"
  printf 'expect-text %s\nexpect-text The text after it is shown.\n' "$(msg en learn.picture_missing)"
  printf 'screenshot learn-broken\nexpect-fits\n'
} >"$work/broken.txt"
if run broken "$work/broken/st/station" 1280x800 "$work/broken.txt"; then
  grep -q "picture 'images/cut.png' cannot be decoded" "$work/broken.err" && ok ||
    bad "broken: the kiosk's log does not say the picture cannot be decoded"
fi

# A page far too long for any screen, at 800x480 with the largest text:
# a heading longer than a line, 40 paragraphs, a word of 180 letters with
# no space to break at, the tall plan of a polling station. Nothing is
# cut: the heading wraps, the word is broken between letters, the picture
# is scaled to the view; the page scrolls from its first paragraph to its
# last, and every text fits its box.
mkdir -p "$work/long/images"
cp "$src/assets/demo/images/polling-station.png" "$work/long/images/"
word=$(for _ in $(seq 20); do printf 'ӘҒҚҢӨҰҮҺІ'; done)
{
  cat <<EOF
exam: long
version: 1
title: {kk: "Ұзын бет"}
pass_mark: 50
roster:
  - {id: "${trainees[0]}", name: "$trainee_name"}
topics:
  one: {kk: "Жалғыз тақырып"}
items:
  - {id: q1, topic: one, type: truefalse, answer: yes, text: {kk: "Сұрақ."}}
lessons:
  one:
    - kk: |
        # Өте ұзын тақырып: сайлау комиссиясының мүшесі дауыс беру күні не істейтіні туралы толық әңгіме

        Бірінші абзац.

EOF
  for i in $(seq 2 40); do
    printf '        %d-абзац: учаскелік комиссия *дауыс беру* күні сайлаушыларды **жеке басын** куәландыратын құжат бойынша тіркейді.\n\n' "$i"
    if [ "$i" = 12 ]; then
      printf '        %s\n\n        ![Учаскенің жоспары](images/polling-station.png)\n\n' "$word"
    fi
  done
  printf '        Соңғы абзац: бет осында аяқталады.\n'
} >"$work/long/long.yaml"
make_station "$work/long/st" "$work/long/long.yaml" >/dev/null
{
  printf 'tap lang-kk\nkeys %s\ntap continue\ntap learn\ntap topic:one\nexpect-screen lesson\n' \
    "${trainees[0]}"
  printf 'tap text-larger\n%.0s' 1 2 3 4
  printf 'expect-text Бірінші абзац.\nexpect-fits\nscreenshot learn-long-top\n'
  printf 'drag 10 400 10 -1350\nexpect-fits\nscreenshot learn-long-middle\n'
  printf 'drag 10 20000 10 10\nexpect-no-text Бірінші абзац.\n'
  printf 'expect-text Соңғы абзац: бет осында аяқталады.\nexpect-fits\nscreenshot learn-long-end\n'
} >"$work/long.txt"
run long "$work/long/st/station" 800x480 "$work/long.txt" || true
finish
