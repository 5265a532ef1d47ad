#!/usr/bin/env bash
# One kiosk a store (issue 16, item 5). Kiosk A starts an attempt, answers
# item 1, moves to item 2 and waits there (a file it waits for stands for
# the trainee reading). Kiosk B, started on the same station meanwhile,
# must stop at once with status 4 and say which kiosk holds the store,
# before opening a window (no shot) or touching the attempt: A's attempt
# afterwards is where A left it, and A goes on. B is tried twice: with
# the station's home, and with --db naming the same store from another
# folder's point of view. A kiosk killed with SIGKILL leaves no stale
# lock: the next one starts and resumes the attempt.
#   twice.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/twice-*.png
home=$work/st/station
make_station "$work/st"
id=${trainees[0]}

# bg NAME HOME SCRIPT: kiosk NAME in the background, as the process $!
# itself (so that its pid is the one the lock names, and a kill reaches it).
bg() {
  exec "${SYNAQ_UI_KIOSK:-$bin/kiosk/synaq-kiosk}" --home "$2" --size 800x480 --software \
    --script "$3" --screenshots "$out" >"$work/$1.out" 2>"$work/$1.err"
}

# wait_for NAME: until kiosk NAME has printed its first STATE line (it is
# in the attempt and holds the lock), or it stopped.
wait_for() {
  local i
  for i in $(seq 1200); do
    grep -q '^STATE ' "$work/$1.out" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# ---- A holds the store; B is refused ----
{
  printf 'tap lang-kk\nkeys %s\ntap continue\ntap exam:election-basics\ntap start\n' "$id"
  printf 'expect-screen item\ntap option-1\ntap next\nstate\n'
  printf 'wait-file %s\nexpect-screen item\nstate\n' "$work/b-done"
} >"$work/a.txt"
bg twice-a "$home" "$work/a.txt" &
a_pid=$!
if wait_for twice-a $a_pid; then ok; else
  bad "kiosk A did not reach its attempt"; sed 's/^/    /' "$work/twice-a.err" >&2
fi
before=$(state_of twice-a)

printf 'tap lang-ru\nkeys %s\ntap continue\nscreenshot twice-b\n' "${trainees[1]}" >"$work/b.txt"
for how in home db; do
  status=0
  if [ $how = home ]; then
    kiosk twice-b-$how "$home" 800x480 "$work/b.txt" || status=$?
  else
    mkdir -p "$work/other"
    kiosk twice-b-$how "$work/other" 800x480 "$work/b.txt" --db "$home/station.db" \
      --keys "$home/station.key" || status=$?
  fi
  if [ $status = 4 ]; then ok; else bad "kiosk B ($how): status $status, not 4"; fi
  if grep -q "another synaq-kiosk (pid $a_pid) is running on the store $home/station.db" \
    "$work/twice-b-$how.err"; then ok; else
    bad "kiosk B ($how) did not say which kiosk holds the store:"
    sed 's/^/    /' "$work/twice-b-$how.err" >&2
  fi
  if [ ! -s "$work/twice-b-$how.out" ] && [ ! -e "$out/twice-b.png" ]; then ok; else
    bad "kiosk B ($how) ran its script"
  fi
done

touch "$work/b-done"
status=0
wait $a_pid || status=$?
if [ $status = 0 ]; then ok; else bad "kiosk A: status $status"; sed 's/^/    /' "$work/twice-a.err" >&2; fi
after=$(state_of twice-a)
# Item 1 answered, on item 2, and the same after B as before it.
if grep -q ' pos=1 .*answers=[^:]*:[1-9a-f][0-9a-f]*,' <<<"$before"; then ok; else
  bad "kiosk A before B: $before"
fi
if [ "$(shown "$before")" = "$(shown "$after")" ]; then ok; else
  bad "kiosk B changed A's attempt: $(shown "$before") -> $(shown "$after")"
fi

# ---- a killed kiosk leaves no lock behind ----
printf 'expect-screen item\nstate\nwait-file %s\n' "$work/never" >"$work/k.txt"
bg twice-killed "$home" "$work/k.txt" &
k_pid=$!
if wait_for twice-killed $k_pid; then ok; else bad "the kiosk to kill did not start"; fi
{ kill -9 $k_pid; wait $k_pid; } 2>/dev/null || true
printf 'expect-screen item\nstate\nscreenshot twice-after-kill\nexpect-fits\n' >"$work/c.txt"
if run twice-c "$home" 800x480 "$work/c.txt"; then
  if [ "$(shown "$(state_of twice-c)")" = "$(shown "$after")" ]; then ok; else
    bad "after the kill: $(shown "$(state_of twice-c)"), not $(shown "$after")"
  fi
fi

finish
