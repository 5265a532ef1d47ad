#!/usr/bin/env bash
# Who may sit (issue 16, item 1), on the real kiosk: an exam with
# 'identity: code' and 'roster_list: no', its codes printed by
# `synaq-central roster codes`. In kk, ru and en at the three sizes: no
# list of names; the exam asks for the code before its instructions;
# another trainee's code is refused (said, nothing started, the station's
# audit log has it); three wrong ones shut the keypad for 15 s with the
# time counted down; then the right code opens the instructions, and an
# attempt left open asks for the code again before it is resumed. Also the
# date of birth (typed with its dots) and the proctor's PIN (dots), and
# `bundle check` naming file and line for bad values.
# Shots: OUTDIR/identity-<lang>-<size>-<screen>.png.
#   identity.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/identity-*.png
id=${trainees[0]} other=${trainees[1]}
cat >"$work/items.yaml" <<'EOF'
items:
  - id: one
    type: truefalse
    answer: yes
    text: {kk: "Бірінші сұрақ.", ru: "Первый вопрос.", en: "The first question."}
EOF
roster="roster:
  - {id: \"$id\", name: Айгүл Сәрсенова, district: Алматы, birth_date: 12.03.1985}
  - {id: \"$other\", name: Ерлан Омаров, district: Алматы, birth_date: 1988-01-01}"
{
  printf 'exam: who-code\nversion: 1\n'
  printf 'title: {kk: "Шақыру коды бар тест", ru: "Тест с кодом приглашения", en: "A test with invitation codes"}\n'
  printf 'identity: code\nroster_list: no\n'
  cat "$work/items.yaml"
  printf '%s\n' "$roster"
  printf 'pass_mark: 50\n'
} >"$work/code.yaml"
{
  printf 'exam: who-date\nversion: 1\ntitle: {kk: "Туған күн", ru: "Дата рождения", en: "Date of birth"}\n'
  printf 'identity: birth_date\n'
  cat "$work/items.yaml"
  printf '%s\n' "$roster"
  printf 'pass_mark: 50\n'
} >"$work/date.yaml"
{
  printf 'exam: who-pin\nversion: 1\ntitle: {kk: "Бақылаушы", ru: "Наблюдатель", en: "Proctor"}\n'
  printf 'identity: proctor\nproctor_pin: "4821"\n'
  cat "$work/items.yaml"
  printf 'pass_mark: 50\n'
} >"$work/pin.yaml"

# bundle check: the file and line of each bad value.
check_bad() {
  local name=$1 want=$2 got status=0
  got=$("$bin/central/synaq-central" --home "$work/chk" bundle check "$work/$name" 2>&1) || status=$?
  if [ $status -eq 1 ] && grep -qF "$work/$name:$want" <<<"$got"; then ok; else
    bad "bundle check $name: status $status, wanted '$work/$name:$want': $got"
  fi
}
sed 's/^identity: code$/identity: face/' "$work/code.yaml" >"$work/bad-kind.yaml"
check_bad bad-kind.yaml "4: 'identity' must be none, code, birth_date or proctor, not 'face'"
grep -v '^  - {id' "$work/code.yaml" | sed 's/^roster:$/roster: []/' >"$work/bad-nocodes.yaml"
check_bad bad-nocodes.yaml "4: identity 'code' needs a roster"
sed 's/birth_date: 12.03.1985/birth_date: 31.02.1985/' "$work/date.yaml" >"$work/bad-date.yaml"
check_bad bad-date.yaml "11: roster entry 1: 'birth_date' '31.02.1985' is not a date"

got=$("$bin/central/synaq-central" --home "$work/chk" bundle check "$work/code.yaml" "$work/pin.yaml")
if grep -q "who-code v1: 1 items per attempt, checked; identity: code" <<<"$got" &&
  grep -q "who-pin v1: 1 items per attempt, checked; identity: proctor" <<<"$got"; then ok; else
  bad "bundle check: $got"
fi

# One station of all three; the codes as central prints them.
make_station "$work/st" "$work/code.yaml" "$work/date.yaml" "$work/pin.yaml"
"$bin/central/synaq-central" --home "$work/st/central" roster codes "$work/code.yaml" \
  -o "$work/codes.csv" 2>/dev/null
if [ "$(stat -c %a "$work/codes.csv")" = 600 ]; then ok; else bad "codes.csv is not 0600"; fi
code=$(grep "^$id," "$work/codes.csv" | cut -d, -f4 | tr -d '\r')
other_code=$(grep "^$other," "$work/codes.csv" | cut -d, -f4 | tr -d '\r')
again=$("$bin/central/synaq-central" --home "$work/st/central" roster codes "$work/code.yaml")
if [[ "$code" =~ ^[0-9]{8}$ ]] && [ "$code" != "$other_code" ] && grep -q "^$id,.*,$code" <<<"$again"
then ok; else bad "codes: '$code' '$other_code'; again: $again"; fi
# An exam that asks for no code has none to print: said, no file made.
status=0
err=$("$bin/central/synaq-central" --home "$work/st/central" roster codes "$work/date.yaml" \
  -o "$work/none.csv" 2>&1) || status=$?
if [ $status -eq 1 ] && [ ! -e "$work/none.csv" ] &&
  grep -q "has 'identity: birth_date', not 'identity: code'" <<<"$err"; then ok; else
  bad "roster codes of a date exam: status $status: $err"
fi
# Neither the codes nor the dates are in the bundle's store.
if grep -a -q -e "$code" -e "1985-03-12" -e "4821" "$work/st/station/station.db"; then
  bad "a code, a date or the PIN is in station.db in the clear"
else ok; fi

# synaqctl take asks for the same check: without it, a usage error; a
# wrong one refused (nothing started); the right one takes the exam.
ctl() { "$bin/ctl/synaqctl" --home "$work/ctl/station" "$@"; }
cp -r "$work/st" "$work/ctl"
status=0
got=$(echo A | ctl take --exam who-code --trainee "$other" 2>&1) || status=$?
if [ $status -eq 2 ] && grep -q "asks for the trainee's invitation code: give it with --check" <<<"$got"
then ok; else bad "take without --check: status $status: $got"; fi
status=0
got=$(echo A | ctl take --exam who-code --trainee "$other" --check "$code" 2>&1) || status=$?
if [ $status -eq 1 ] && grep -q "wrong code for exam 'who-code'" <<<"$got" &&
  ctl status | grep -q 'results: *0 pending'; then ok; else
  bad "take with another's code: status $status: $got"
fi
if echo A | ctl take --exam who-code --trainee "$other" --check "$other_code" >/dev/null 2>&1 &&
  ctl status | grep -q 'results: *1 pending' && ctl exams | grep -q 'identity check: code'; then ok
else bad "take with the right code"; fi

digits() { local d=$1 i; for ((i = 0; i < ${#d}; i++)); do printf 'tap digit:%s\n' "${d:i:1}"; done; }

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)
one() {
  local l=$1 size=$2 p="identity-$1-$2" home=$work/$1-$2
  mkdir -p "$home"
  cp -r "$work/st/station" "$home/"
  {
    printf 'tap lang-%s\nexpect-screen identify\n' "$l"
    printf 'keys %s\ntap continue\nexpect-screen exams\n' "$id"
    printf 'tap exam:who-code\nexpect-screen check\nexpect-text %s\n' "$(msg "$l" check.code)"
    printf 'screenshot %s-code\nexpect-fits\n' "$p"
    digits "$other_code"
    printf 'tap continue\nexpect-screen check\nexpect-text %s\n' "$(msg "$l" check.wrong_code)"
    printf 'screenshot %s-wrong\nexpect-fits\n' "$p"
    digits "$other_code"
    printf 'tap continue\n'
    digits "$other_code"
    printf 'tap continue\nexpect-screen check\nexpect-text %s\n' "$(msg "$l" check.wait n 15)"
    printf 'screenshot %s-wait\nexpect-fits\n' "$p"
    printf 'wait 5\nexpect-text %s\n' "$(msg "$l" check.wait n 10)"
    printf 'wait 10\n'
    digits "$code"
    printf 'tap continue\nexpect-screen info\ntap start\nexpect-screen item\ntap option-1\nstate\n'
    # Left open; the id typed again (by anyone): the code first.
    printf 'wait 240\nexpect-screen welcome\ntap lang-%s\nkeys %s\ntap continue\n' "$l" "$id"
    printf 'expect-text %s\ntap exam:who-code\nexpect-screen check\n' "$(msg "$l" exams.resume)"
    digits "$other_code"
    printf 'tap continue\nexpect-screen check\nexpect-text %s\n' "$(msg "$l" check.wrong_code)"
    digits "$code"
    printf 'tap continue\nexpect-screen item\nstate\n'
    # The date of birth, typed with its dots.
    printf 'tap grid\ntap review\ntap submit\ntap confirm-yes\nexpect-screen result\ntap done\n'
    printf 'expect-screen welcome\n'
    printf 'tap lang-%s\nkeys %s\ntap continue\ntap exam:who-date\nexpect-screen check\n' "$l" "$id"
    printf 'expect-text %s\nexpect-text %s\n' "$(msg "$l" check.birth_date)" "$(msg "$l" check.date_hint)"
    printf 'screenshot %s-date-empty\nexpect-fits\n' "$p"
    digits 1203198
    printf 'expect-text 12.03.198\nscreenshot %s-date\nexpect-fits\n' "$p"
    printf 'tap digit:5\ntap continue\nexpect-screen info\ntap back\ntap back\n'
    # The proctor's PIN, as dots.
    printf 'expect-screen welcome\ntap lang-%s\nkeys %s\ntap continue\ntap exam:who-pin\n' "$l" "$id"
    printf 'expect-screen check\nexpect-text %s\n' "$(msg "$l" check.proctor)"
    digits 4812
    printf 'expect-text ●●●●\nexpect-no-text 4812\ntap continue\nexpect-text %s\n' "$(msg "$l" check.wrong_pin)"
    printf 'screenshot %s-proctor\nexpect-fits\n' "$p"
    digits 4821
    printf 'tap continue\nexpect-screen info\n'
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || return 0
  # The attempt came back with its answer; the refusals are on record.
  if [ "$(grep -c '^STATE ' "$work/$p.out")" = 2 ] &&
    [ "$(grep '^STATE ' "$work/$p.out" | sed -n 1p | grep -o 'answers=.*')" = \
      "$(grep '^STATE ' "$work/$p.out" | sed -n 2p | grep -o 'answers=.*')" ]; then ok; else
    bad "$p: states: $(grep '^STATE ' "$work/$p.out")"
  fi
  local log
  log=$("$bin/ctl/synaqctl" --home "$home/station" audit 2>&1)
  if [ "$(grep -c 'identity.*wrong code' <<<"$log")" = 4 ] &&
    grep -q 'identity.*wrong code, 3 in a row; next try in 15 s' <<<"$log" &&
    [ "$(grep -c 'identity.*wrong proctor PIN' <<<"$log")" = 1 ]; then ok; else
    bad "$p: audit log: $log"
  fi
  if grep -q "$id" <<<"$log"; then bad "$p: the audit log names the trainee id"; else ok; fi
}
each_lang_size one

echo "screenshots: $out/identity-*.png"
finish
