#!/usr/bin/env bash
# The store's records changed behind the station's back, as the technician
# sees it, in each language (kk, ru, en) at each size (1280x800, 800x480,
# 1080x1920): on a fresh station three results are taken headless and two
# exports logged; then, with the sqlite3 shell and no key, results 2 and 3
# are marked sent and the second audit line (the import) is deleted (its
# trigger dropped first). The kiosk's open finds it and puts it on record; technician mode
# shows, in the screen's language, that 2 results were marked sent without
# a record and go out again and that the audit log was altered from line 2,
# and when it went on record. Afterwards the store holds one "integrity"
# line, the 3 results are pending again, and synaqctl status says the same.
# Then, in kk and ru on the smallest screen, the longest report: sent
# marks set, an unsent result deleted and last_seq lowered to hide it, an
# audit line edited and the last one cut.
# Shots: OUTDIR/records-<lang>-<size>-tech.png, records-<lang>-800x480-
# many.png, each followed by
# expect-fits (no text overflows, no character lacks a glyph).
#   records.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

langs=(kk ru en)
sizes=(1280x800 800x480 1080x1920)
chaos=$src/tests/sync/chaos-exam.yaml
pin=2468
rm -f "$out"/records-*.png

ctl() { "$bin/ctl/synaqctl" --home "$1/station" "${@:2}"; }
sql() { sqlite3 "$1" "$2"; }

records() {
  local l=$1 size=$2 p="records-$1-$2" home=$work/$1-$2 db changed suffix next
  make_station "$home" "$chaos"
  db=$home/station/station.db
  echo $pin | ctl "$home" set-pin >/dev/null
  for t in 1 2 3; do
    printf 'A\nA\n' | ctl "$home" take --exam chaos --trainee "T-$t" --answers - >/dev/null
  done
  ctl "$home" export --out "$home/a.batch" >/dev/null
  ctl "$home" export --out "$home/b.batch" >/dev/null
  # The attack: no key, only the file and the shell.
  sql "$db" "UPDATE results SET sent_wall = 1790000000 WHERE seq IN (2, 3);
             DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n = 2;"
  [ "$(sql "$db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")" = 1 ] && ok ||
    bad "$p: the attack did not take"
  # The line that puts it on record comes after the last one.
  next=$(($(sql "$db" "SELECT max(n) FROM audit") + 1))

  changed=$(msg "$l" tech.records_changed what \
    "$(msg "$l" tech.records_sent_marks n 2); $(msg "$l" tech.records_audit n 2)")
  # When it went on record is the kiosk's clock: look at the rest.
  suffix=$(msg "$l" tech.records_on_record n "$next")
  suffix=${suffix#*\{when\}}
  {
    printf 'hold 10 10 3.2\nexpect-screen pin\n'
    for d in $(grep -o . <<<"$pin"); do printf 'tap pin:%s\n' "$d"; done
    printf 'tap pin-ok\nexpect-screen tech\ntap tech-lang-%s\n' "$l"
    printf 'expect-text %s\n' "$changed" "$suffix" \
      "$(msg "$l" tech.pending_oldest n 3 age "$(msg "$l" tech.age_min n 0)")"
    printf 'screenshot %s-tech\nexpect-fits\n' "$p"
    printf 'tap tech-close\nexpect-screen welcome\n'
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || return 0

  # On record once, pending again.
  [ "$(sql "$db" "SELECT group_concat(n, ' ') FROM audit WHERE action = 'integrity'")" = "$next" ] && ok ||
    bad "$p: integrity lines: $(sql "$db" "SELECT n, detail FROM audit WHERE action = 'integrity'")"
  [ "$(sql "$db" "SELECT count(*) FROM results WHERE sent_wall IS NULL")" = 3 ] && ok ||
    bad "$p: the results marked sent by the attack are not pending again"
  local status_out
  status_out=$(ctl "$home" status 2>&1)
  if grep -qF "records:  CHANGED WITHOUT THE STATION'S KEY: audit log altered from line 2" <<<"$status_out" &&
    grep -qF "on record in the audit log (line $next): " <<<"$status_out" &&
    grep -qF "2 result(s) marked sent with no record of it, pending again: 2, 3" <<<"$status_out"; then ok; else
    bad "$p: synaqctl status: $status_out"
  fi
  [ "$(sql "$db" "SELECT count(*) FROM audit WHERE action = 'integrity'")" = 1 ] && ok ||
    bad "$p: status put the finding on record again"
}

# many LANG: every kind of change a station can show at once but two.
many() {
  local l=$1 size=800x480 p="records-$1-800x480-many" home=$work/many-$1 db changed suffix next
  make_station "$home" "$chaos"
  db=$home/station/station.db
  echo $pin | ctl "$home" set-pin >/dev/null
  for t in 1 2 3 4; do
    printf 'A\nA\n' | ctl "$home" take --exam chaos --trainee "T-$t" --answers - >/dev/null
  done
  ctl "$home" export --out "$home/a.batch" >/dev/null
  next=$(($(sql "$db" "SELECT max(n) FROM audit") + 1))
  sql "$db" "UPDATE results SET sent_wall = 1790000000 WHERE seq IN (1, 2);
             DROP TRIGGER results_keep_pending; DELETE FROM results WHERE seq = 4;
             UPDATE meta SET value = 3 WHERE key = 'last_seq';
             DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'nothing' WHERE n = 2;
             DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n = $((next - 1));"
  changed=$(msg "$l" tech.records_changed what \
    "$(msg "$l" tech.records_sent_marks n 2); $(msg "$l" tech.records_gone n 1 first 4 unsent 1); $(msg "$l" tech.records_last_seq); $(msg "$l" tech.records_audit n 2); $(msg "$l" tech.records_audit_tail n 1)")
  suffix=$(msg "$l" tech.records_on_record n "$next")
  suffix=${suffix#*\{when\}}
  {
    printf 'hold 10 10 3.2\nexpect-screen pin\n'
    for d in $(grep -o . <<<"$pin"); do printf 'tap pin:%s\n' "$d"; done
    printf 'tap pin-ok\nexpect-screen tech\ntap tech-lang-%s\n' "$l"
    printf 'expect-text %s\n' "$changed" "$suffix"
    printf 'screenshot %s\nexpect-fits\n' "$p"
  } >"$work/$p.txt"
  run "$p" "$home/station" "$size" "$work/$p.txt" || return 0
  [ "$(sql "$db" "SELECT value FROM meta WHERE key = 'last_seq'")" = 4 ] && ok ||
    bad "$p: last_seq was not set back"
}

each_lang_size records
many kk
many ru
finish
