#!/usr/bin/env bash
# Training events (issue 11), in kk, ru and en at 1280x800, 800x480 and
# 1080x1920, on a simulated wall clock that starts on 12.03.2090 09:00
# (TZ=UTC: the station's local date): welcome lists the event open today
# (its names, its days), not the one of April; a trainee of the April
# event is refused with the day it opens; a trainee of the open event
# sees it on the exam's button and the exam opens; the wall clock moved
# on by hand to April: refused ("the clock has been changed") and on
# record in the store's audit log. Shots:
# OUTDIR/events-<lang>-<size>-{welcome,not-yet,exams,clock}.png
#   events.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export TZ=UTC

rm -f "$out"/events-*.png
# Far ahead of any day the station is made on: the bundle's import time
# (the real clock) must come before the simulated one.
wall=3793166400 # 2090-03-12 09:00 UTC
cat >"$work/events.yaml" <<'YAML'
exam: event-demo
version: 1
title: {kk: "Сайлау негіздері", ru: "Основы выборов", en: "Election basics"}
pass_mark: 50
topics:
  law: {kk: "Сайлау құқығы", ru: "Избирательное право", en: "Electoral law"}
items:
  - {id: q1, topic: law, type: truefalse, answer: yes, text: {kk: "Дауыс беру жасырын.", ru: "Голосование тайное.", en: "The vote is secret."}}
roster:
  - {id: "850312400217", name: Айгүл Сәрсенова}
  - {id: "880101300123", name: Ерлан Қасымов}
events:
  - id: spring-2090
    name:
      kk: "Учаскелік комиссия мүшелерінің көктемгі оқуы"
      ru: "Весеннее обучение членов участковых комиссий"
      en: "Spring training of precinct commission members"
    from: 2090-03-10
    to: 2090-03-20
    roster: ["850312400217"]
  - id: april-2090
    name: {kk: "Сәуір семинары", ru: "Апрельский семинар", en: "April seminar"}
    from: 2090-04-12
    to: 2090-04-20
    roster: ["880101300123"]
YAML

declare -A spring=([kk]="Учаскелік комиссия мүшелерінің көктемгі оқуы" [ru]="Весеннее обучение членов участковых комиссий" [en]="Spring training of precinct commission members")

events_walk() {
  local l=$1 size=$2 p="events-$1-$2" home=$work/$1-$2
  make_station "$home" "$work/events.yaml"
  {
    # Welcome: today's event in its three names, April's not.
    printf 'expect-screen welcome\nexpect-text %s\n' "$(msg "$l" welcome.events)"
    printf 'expect-text %s\nexpect-text 10.03.2090 – 20.03.2090\n' "${spring[$l]}"
    printf 'expect-no-text Apr\nscreenshot %s-welcome\nexpect-fits\n' "$p"
    # April's trainee: the day it opens.
    printf 'tap lang-%s\nkeys 880101300123\ntap continue\nexpect-screen exams\n' "$l"
    printf 'expect-no-text %s\n' "${spring[$l]}"
    printf 'tap exam:event-demo\nexpect-screen exams\nexpect-text %s\n' "$(msg "$l" event.not_yet day 12.04.2090)"
    printf 'screenshot %s-not-yet\nexpect-fits\ntap back\nexpect-screen welcome\n' "$p"
    # The spring trainee: the event on the button, and the exam opens.
    printf 'tap lang-%s\nkeys 850312400217\ntap continue\nexpect-screen exams\n' "$l"
    printf 'expect-text %s\n' "$(msg "$l" exams.event name "${spring[$l]}" from 10.03.2090 to 20.03.2090)"
    printf 'screenshot %s-exams\nexpect-fits\ntap exam:event-demo\nexpect-screen info\n' "$p"
    printf 'tap back\nexpect-screen exams\ntap back\nexpect-screen welcome\n'
    # The date set by hand to April: refused, not opened.
    printf 'wall-jump 2678400\ntap lang-%s\nkeys 880101300123\ntap continue\n' "$l"
    printf 'expect-screen exams\ntap exam:event-demo\nexpect-screen exams\n'
    printf 'expect-text %s\nscreenshot %s-clock\nexpect-fits\n' "$(msg "$l" event.clock)" "$p"
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" --wall "$wall" || return 0
  # On record: the refusal, in the station's chained audit log.
  local n
  n=$(sqlite3 -cmd '.timeout 10000' "file:$home/station/station.db?mode=ro" \
    "SELECT count(*) FROM audit WHERE actor = 'kiosk' AND action = 'event-clock'")
  if [ "$n" = 1 ]; then ok; else bad "$p: $n event-clock lines in the audit log, not 1"; fi
}

sizes=(1280x800 800x480 1080x1920)
langs=(kk ru en)
each_lang_size events_walk
echo "screenshots: $out/events-*.png"
finish
