#!/usr/bin/env bash
# Trust item 9: a headless attempt (synaqctl take) must end at zero as the
# kiosk does, and never give time back. A 1-minute exam of 3 items, one
# attempt per trainee, on a paused clock (a running clock gives back even
# less: test_attempt); the store's clock is a file (SYNAQ_TEST_CLOCK) that
# the test rewrites to let time pass, answers come through a FIFO:
#   1. T-1 answers item 1; 40 s pass at item 2; take is stopped (TERM):
#      it keeps the time used and leaves the attempt open with 0:20 left;
#   2. resumed after 10 minutes off: 0:20 left, not a full minute (the
#      time off is not counted, and none is given back); 21 s pass with no
#      answer: take ends the attempt by itself, submitted as timed out;
#   3. taken again: nothing left to resume, and no second attempt;
#   4. T-2's answer to item 2 comes 61 s late: not recorded, the attempt
#      ends there;
#   5. T-3's attempt is left open, then its stored time is set to the
#      limit with the shell (as a stop right at zero would leave it):
#      resumed, it is submitted at once, no item shown;
# and at central, from the exported batch: each result timed out at
# exactly 60 s, with the answers given in time and no others.
#   take_timeout.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-take-XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

cat >"$work/short.yaml" <<'EOF'
exam: short
version: 1
title: {kk: Қысқа сынақ, ru: Короткий тест, en: A short test}
time_limit: 1
pass_mark: 50
attempts: 1
show_score: yes
shuffle_items: no
clock: paused
items:
  - id: s1
    type: truefalse
    answer: yes
    text: {kk: Бірінші, ru: Первый, en: The first}
  - id: s2
    type: truefalse
    answer: yes
    text: {kk: Екінші, ru: Второй, en: The second}
  - id: s3
    type: truefalse
    answer: yes
    text: {kk: Үшінші, ru: Третий, en: The third}
EOF
"$src/tests/ui/station.sh" "$bin" "$work/w" "$work/short.yaml"
db=$work/w/station/station.db
export SYNAQ_TEST_CLOCK=$work/clock
ctl() { "$bin/ctl/synaqctl" --home "$work/w/station" "$@"; }
# now MONO_MS WALL_S: the store's clock, written whole.
now() {
  printf '%s %s\n' "$1" "$2" >"$work/clock.tmp"
  mv "$work/clock.tmp" "$work/clock"
}
# wait_for FILE TEXT: until FILE holds TEXT (at most 10 s).
wait_for() {
  local i
  for i in $(seq 1 100); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# ended PID: until the process ends (at most 15 s); its status in $status.
ended() {
  local i
  for i in $(seq 1 150); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  status=0
  if kill -0 "$1" 2>/dev/null; then
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    status=timeout
    return 1
  fi
  wait "$1" || status=$?
}
# start NAME TRAINEE: take in the background, answers through fd 3.
start() {
  rm -f "$work/$1.fifo"
  mkfifo "$work/$1.fifo"
  exec 3<>"$work/$1.fifo"
  # The binary itself, not ctl: $! must be synaqctl, not a subshell.
  "$bin/ctl/synaqctl" --home "$work/w/station" take --exam short --trainee "$2" --lang en \
    --answers "$work/$1.fifo" >"$work/$1.out" 2>&1 &
  pid=$!
  pids+=("$pid")
}
expect_in() { # FILE TEXT WHAT
  if grep -qF -- "$2" "$1"; then ok; else
    bad "$3: no '$2' in: $(cat "$1")"
  fi
}

# 1. Stopped while the time runs: the time used is kept.
now 1000 1790000000
start one T-1
echo A >&3
wait_for "$work/one.out" "[2/3]" && ok || bad "1: item 2 never came: $(cat "$work/one.out")"
now 41000 1790000040
kill -TERM "$pid"
ended "$pid" || true
[ "$status" = 143 ] && ok || bad "1: take ended with $status, not 143 (TERM)"
expect_in "$work/one.out" "stopped at item 2 with 0:20 left" 1
exec 3>&-

# 2. Resumed after ten minutes off: 0:20 left, not 1:00; then the time
# runs out with nobody answering, and take ends it.
now 5000 1790000640
start two T-1
wait_for "$work/two.out" "[2/3]" && ok || bad "2: item 2 never came: $(cat "$work/two.out")"
expect_in "$work/two.out" "resuming attempt" 2
expect_in "$work/two.out" "(0:20 left)" 2
now 26000 1790000661
ended "$pid" || true
[ "$status" = 0 ] && ok || bad "2: take ended with $status, not 0: $(cat "$work/two.out")"
expect_in "$work/two.out" "the time is up: the attempt ends here" 2
expect_in "$work/two.out" "submitted: result #1 sealed for central" 2
expect_in "$work/two.out" "(time ran out)" 2
exec 3>&-

# 3. Nothing to resume, and no second attempt.
out=$(ctl take --exam short --trainee T-1 --answers /dev/null 2>&1) && st=0 || st=$?
if [ "$st" = 1 ] && grep -qF "has used all 1 attempts" <<<"$out"; then ok; else
  bad "3: a second take ($st): $out"
fi

# 4. An answer that comes after the time ran out does not count.
now 100000 1790001000
start four T-2
echo A >&3
wait_for "$work/four.out" "[2/3]" && ok || bad "4: item 2 never came: $(cat "$work/four.out")"
now 161000 1790001061
echo B >&3
ended "$pid" || true
[ "$status" = 0 ] && ok || bad "4: take ended with $status: $(cat "$work/four.out")"
expect_in "$work/four.out" "the time is up: 'B' was not recorded" 4
expect_in "$work/four.out" "submitted: result #2" 4
exec 3>&-

# 5. Left open right at zero (its time at the limit in the store): the
# resume ends it at once.
now 200000 1790002000
printf 'A\n' >"$work/five.txt"
out=$(ctl take --exam short --trainee T-3 --lang en --answers "$work/five.txt" --leave-open 2>&1) ||
  bad "5: take --leave-open: $out"
grep -qF "left open at item 2 with 1:00 left" <<<"$out" && ok || bad "5: $out"
sqlite3 "$db" "UPDATE attempts SET elapsed_ms = 60000 WHERE state = 0"
now 300000 1790003000
out=$(ctl take --exam short --trainee T-3 --lang en --answers /dev/null 2>&1) ||
  bad "5: the resume failed: $out"
if grep -qF "the time is up: the attempt ends here" <<<"$out" &&
  grep -qF "submitted: result #3" <<<"$out" && ! grep -qF "[2/3]" <<<"$out"; then ok; else
  bad "5: the resume at zero: $out"
fi

# At central: timed out, 60 s each, only the answers given in time.
ctl export --out "$work/r.sqbatch" >/dev/null
csv=$("$bin/central/synaq-central" --home "$work/w/central" open-results "$work/r.sqbatch")
# station,seq,...,elapsed_s(10),points,max,percent,passed,timed_out(15),answered(16),items(17)
got=$(awk -F, 'NR > 1 { print $2, $10, $15, $16, $17 }' <<<"$csv")
want="1 60 yes 1 3
2 60 yes 1 3
3 60 yes 1 3"
[ "$got" = "$want" ] && ok || bad "central's CSV (seq elapsed_s timed_out answered items): $got
$csv"

echo "take_timeout: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
