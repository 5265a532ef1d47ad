#!/usr/bin/env bash
# Item 3 of the trust issue, the disk part: a station's disk taken away,
# set up the shipped way (its keys under a passphrase; exams installed, a
# trainee's attempt in progress and a result waiting, syncd's files), gives
# away nothing: no question text, answer, name or IIN in any file, and the
# key file does not open without the passphrase, so nothing can be
# decrypted. The same station set up with --no-passphrase (a test station)
# gives everything to a short script: the control that shows the test can
# tell the difference.
#   stolen_disk.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh" stolen "$1" "$2"

demo=$src/assets/demo/election-basics.yaml
question=$(grep -m1 -o 'kk: "[^"]\{30,\}' "$demo" | sed 's/^kk: "//' | cut -c1-30)
[ -n "$question" ] && ok || bad "no question text found in the demo exam"
iin=850312400217
name="Айгүл Сәрсенова"
grep -q "$iin.*$name" "$demo" && ok || bad "the demo roster has no $iin, $name"

# make_station DIR PASSPHRASE-OR-EMPTY
make_station() {
  local d=$1 pass=$2
  mkdir -p "$d"
  local c=("$bin/central/synaq-central" --home "$d/central")
  local s=("$bin/ctl/synaqctl" --home "$d/station")
  if [ -n "$pass" ]; then
    printf '%s\n' "$pass" >"$d/pw"
    s+=(--passphrase-file "$d/pw")
  fi
  "${c[@]}" keygen >/dev/null
  if [ -n "$pass" ]; then "${s[@]}" init --central "$d/central/keys/central.pub" >/dev/null
  else "${s[@]}" init --no-passphrase --central "$d/central/keys/central.pub" >/dev/null; fi
  "${c[@]}" enroll "$d/station/enrol.req" --station-id disk-1 --district Алматы >/dev/null
  "${s[@]}" enroll "$d/central/certs/disk-1.cert" >/dev/null
  "${c[@]}" bundle build "$demo" --stations "$d/central/certs/disk-1.cert" -o "$d/b.sqb" >/dev/null
  "${s[@]}" import "$d/b.sqb" >/dev/null
  # One result waiting, one attempt left open half way.
  printf 'A\n%.0s' {1..20} | "${s[@]}" take --exam election-basics --trainee "$iin" --lang kk --answers - >/dev/null
  printf 'A\nB\n' | "${s[@]}" take --exam election-basics --trainee 880101300123 --lang ru \
    --answers - --leave-open >/dev/null
  printf 'central_url = http://127.0.0.1:9\n' >"$d/station/sync.conf"
  "$bin/sync/synaq-syncd" --home "$d/station" ${pass:+--passphrase-file "$d/pw"} --once 2>/dev/null || true
  # The disk: everything in the station's folder, the passphrase not.
  cp -a "$d/station" "$d/disk"
}

# what_leaks DISK: the secrets found in the files, one word each.
what_leaks() {
  local found=""
  grep -rqaF "$question" "$1" && found+="question "
  grep -rqaF "$iin" "$1" && found+="iin "
  grep -rqaF "$name" "$1" && found+="name "
  echo "$found"
}

# The shipped way.
make_station "$work/locked" "a long station passphrase"
disk=$work/locked/disk
[ -z "$(what_leaks "$disk")" ] && ok || bad "in the clear on a locked station's disk: $(what_leaks "$disk")"
status=0
out=$(env -u SYNAQ_PASSPHRASE "$bin/ctl/synaqctl" --home "$disk" exams </dev/null 2>&1) || status=$?
[ $status = 1 ] && grep -q "protected by a passphrase" <<<"$out" && ok || bad "the stolen key file opened: $status: $out"
status=0
printf 'guess\n' >"$work/guess"
out=$("$bin/ctl/synaqctl" --home "$disk" --passphrase-file "$work/guess" exams 2>&1) || status=$?
[ $status = 1 ] && grep -q "wrong passphrase" <<<"$out" && ok || bad "a guessed passphrase: $status: $out"

# The control: a test station without a passphrase gives it all away to
# the station's own tool, run on the copy.
make_station "$work/plain" ""
disk=$work/plain/disk
[ -z "$(what_leaks "$disk")" ] && ok || bad "in the clear even in the files of a plain station: $(what_leaks "$disk")"
out=$("$bin/ctl/synaqctl" --home "$disk" exams 2>&1) && grep -q "election-basics" <<<"$out" && ok ||
  bad "the control failed: a plain station's copy did not open: $out"
finish
