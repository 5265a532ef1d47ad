#!/usr/bin/env bash
# Practice records from a station to central's reports (sync/PROTOCOL.md,
# "Practice records"), on either result store (SQLite here; PostgreSQL
# under tests/pg/with-pg.sh as cli_practice_pg). A station with results
# only (as every build before practice made) syncs and opens as before;
# then results and practice answers of one trainee: the receiver on
# 127.0.0.1 stores both, the station marks both sent by the signed
# acknowledgement, and the same batches carried again on a stick store
# nothing twice; open-results --into puts results in attempts and practice
# in its own table (the name from the trainee's results), pass counts and
# item rows untouched; the CSVs keep them apart; a stick export carries
# practice too; a practice record altered in the store is refused by its
# signature with nothing opened, an altered batch file with nothing
# stored; a reports.db of schema 3 in which an older build refused a
# practice record is brought to 4 and the record opened.
#   practice.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
. "$src/tests/pg/store.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-practice-XXXXXX")
serve_pid=""
cleanup() {
  [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect() { # PHRASE STATUS CMD...
  local phrase=$1 want=$2 out status=0
  shift 2
  out=$("$@" 2>&1) || status=$?
  if [ "$status" = "$want" ] && grep -qF -- "$phrase" <<<"$out"; then ok; else
    bad "expected status $want and '$phrase' from: $* (status $status): $out"
  fi
}
same() { # WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
ctl() { "$bin/ctl/synaqctl" --home "$work/station" "$@"; }
sdb() { sqlite3 -readonly -cmd ".timeout 10000" "$work/station/station.db" "$1"; }
held() { store_sql "$work/central/results.db" "SELECT count(*) FROM results" 2>/dev/null || echo 0; }
rdb=$work/reports.db
q() { sqlite3 -readonly -cmd ".timeout 10000" "$rdb" "$1"; }
mk() { "$bin/tests/sync/mkresults" --home "$work/station" "$@"; }

cat >"$work/drill.yaml" <<'YAML'
exam: drill
version: 1
title: {kk: Жаттығу, ru: Тренировка, en: Drill}
pass_mark: 50
attempts: 0
shuffle_options: no
topics:
  law: {kk: Заң, ru: Закон, en: Law}
practice:
  tries: 1
  mastery: {streak: 2}
items:
  - id: d1
    topic: law
    type: truefalse
    answer: yes
    text: {kk: Бұл дұрыс па?, ru: Это верно?, en: Is this true?}
  - id: d2
    topic: law
    type: single
    text: {kk: Қайсысы?, ru: Который?, en: Which?}
    options:
      - {kk: Бірінші, ru: Первый, en: First, correct: yes}
      - {kk: Екінші, ru: Второй, en: Second}
YAML
"$src/tests/ui/station.sh" "$bin" "$work" "$work/drill.yaml"
trainee=850312400217

# 1. Results only, as a station without practice sends them: carried on
# a stick, stored, opened; no practice anywhere.
mk --count 2 --exam drill --trainee "$trainee" --name "Ерлан Қасым"
mkdir -p "$work/stick0"
expect "2 result(s) in 1 batch(es) written" 0 ctl export-usb "$work/stick0"
expect "1 batch file(s) read, 2 result(s) newly stored" 0 central ingest "$work/stick0"
expect "2 result(s) newly marked sent" 0 ctl read-acks "$work/stick0"
expect "opened 0 new practice record(s) into $rdb; it holds 0 in all" 0 central open-results --into "$rdb"
same "attempts from a station without practice" 2 "$(q 'SELECT count(*) FROM attempts')"
same "both passed (option 1 is right on either item)" 2 "$(q 'SELECT count(*) FROM attempts WHERE passed')"

# 2. Results and practice: 3 attempts, then 5 practice answers (option 1:
# right on d1 and d2 alike), numbered on in the one sequence.
mk --count 3 --exam drill --trainee "$trainee" --name "Ерлан Қасым"
mk --count 0 --practice 5 --exam drill --trainee "$trainee" --answer 1
same "records waiting: results and practice" "0|3
1|5" "$(sdb 'SELECT kind, count(*) FROM results WHERE sent_wall IS NULL GROUP BY kind')"
same "the one sequence" "1-10" "$(sdb 'SELECT min(seq) || "-" || max(seq) FROM results')"
same "the heartbeat counts both" "8" "$(sdb 'SELECT count(*) FROM results WHERE sent_wall IS NULL')"
# The technician reads them apart: 3 results, 5 practice answers.
expect "results:  3 pending" 0 ctl status
expect "practice: 5 answers pending (sent with the results; not results)" 0 ctl status
# A copy on a stick first (carried again below, after the network).
mkdir -p "$work/stick1"
expect "8 result(s) in 1 batch(es) written" 0 ctl export-usb "$work/stick1"

# 3. By network to the receiver on 127.0.0.1 (which holds a SQLite
# store for itself while it runs: stopped before ingest and opening).
serve_start() {
  : >"$work/serve.out"
  "$bin/central/synaq-central" --home "$work/central" serve --listen 127.0.0.1:0 \
    >"$work/serve.out" 2>>"$work/serve.log" &
  serve_pid=$!
  for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
  [ -n "$port" ] || { bad "receiver did not start: $(cat "$work/serve.log")"; exit 1; }
  printf 'central_url = http://127.0.0.1:%s\ninterval_s = 3600\nbatch_results = 500\n' "$port" \
    >"$work/station/sync.conf"
}
serve_stop() {
  kill "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=""
}
serve_start
"$bin/sync/synaq-syncd" --home "$work/station" --once 2>"$work/syncd.log" && ok ||
  bad "sync round failed: $(cat "$work/syncd.log")"
serve_stop
same "held at central" 10 "$(held)"
same "nothing waiting on the station" 0 "$(sdb 'SELECT count(*) FROM results WHERE sent_wall IS NULL')"
same "practice rows marked sent" "5|5" "$(sdb 'SELECT count(*), count(sent_wall) FROM practice')"
# Sent only by a checked acknowledgement: every mark is in the sent log.
expect "0 pending" 0 ctl status

# Exactly once: the same batch carried on the stick stores nothing more.
sum=$(store_digest "$work/central/results.db" results)
expect "1 batch file(s) read, 0 result(s) newly stored" 0 central ingest "$work/stick1"
same "held after the stick too" 10 "$(held)"
same "the store after the stick" "$sum" "$(store_digest "$work/central/results.db" results)"
expect "0 result(s) newly marked sent" 0 ctl read-acks "$work/stick1"

# 4. Opened apart.
expect "opened 3 new result(s) into $rdb, 0 refused; it holds 5 in all" 0 \
  central open-results --into "$rdb"
expect "opened 0 new practice record(s) into $rdb; it holds 5 in all" 0 \
  central open-results --into "$rdb"
same "attempts: results only" 5 "$(q 'SELECT count(*) FROM attempts')"
same "pass count: results only" 5 "$(q 'SELECT count(*) FROM attempts WHERE passed')"
same "item rows: results only" 10 "$(q 'SELECT count(*) FROM answers')"
same "practice rows" 5 "$(q 'SELECT count(*) FROM practice')"
same "practice: station, district, trainee, name from the results, exam, topic" \
  "ui-001|Алматы|$trainee|Ерлан Қасым|drill|1|law|5" \
  "$(q 'SELECT station_id, district, trainee_id, trainee_name, exam_id, exam_version, topic, count(*) FROM practice GROUP BY 1, 2, 3, 4, 5, 6, 7')"
same "practice: first tries, all right, the items" "1|5|d1 d2" \
  "$(q "SELECT min(try_no), sum(is_right), (SELECT group_concat(i, ' ') FROM (SELECT DISTINCT item_id AS i FROM practice ORDER BY 1)) FROM practice")"
same "practice: central's numbers" "6 7 8 9 10" "$(q 'SELECT group_concat(seq, " ") FROM (SELECT seq FROM practice ORDER BY seq)')"
same "no attempt under a practice number" 0 "$(q 'SELECT count(*) FROM attempts WHERE seq > 5')"
same "practice times are the station's" 0 "$(q 'SELECT count(*) FROM practice WHERE created_wall < 1700000000')"

central open-results --received -o "$work/results.csv" --practice "$work/practice.csv" 2>"$work/open.err" &&
  ok || bad "open-results --practice: $(cat "$work/open.err")"
same "results CSV: results only" 5 "$(tail -n +2 "$work/results.csv" | wc -l)"
same "practice CSV: practice only" 5 "$(tail -n +2 "$work/practice.csv" | wc -l)"
head -1 "$work/practice.csv" | grep -q '^station,seq,record,trainee_id,trainee_name,exam,version,topic,item,try,right,selected,created$' &&
  ok || bad "practice CSV header: $(head -1 "$work/practice.csv")"
grep -q ",law,d[12],1,yes,1,20" "$work/practice.csv" && ok || bad "practice CSV rows: $(cat "$work/practice.csv")"
expect "5 practice record(s) not shown (not results); --practice CSV writes them" 0 \
  central open-results --received -o "$work/results2.csv"
cmp -s "$work/results.csv" "$work/results2.csv" && ok || bad "the results CSV changed with --practice"
expect "usage" 2 central open-results --into "$rdb" --practice "$work/p.csv"
expect "needs a file of its own" 2 central open-results --received -o "$work/x.csv" --practice "$work/x.csv"

# 5. A stick carries practice too.
mk --count 1 --exam drill --trainee "$trainee" --name "Ерлан Қасым"
mk --count 0 --practice 2 --exam drill --trainee "$trainee" --answer 2
mkdir -p "$work/stick2"
expect "3 result(s) in 1 batch(es) written" 0 ctl export-usb "$work/stick2"
batch=$(ls "$work/stick2/synaq/ui-001/outgoing/"*.sqbatch)
# Altered on the stick: refused, nothing stored.
cp "$batch" "$work/good.sqbatch"
printf '\x01' | dd of="$batch" bs=1 seek=120 conv=notrunc status=none
sum=$(store_digest "$work/central/results.db" results)
expect "skipped" 1 central ingest "$work/stick2"
same "nothing stored of an altered batch" "$sum" "$(store_digest "$work/central/results.db" results)"
cp "$work/good.sqbatch" "$batch"
expect "1 batch file(s) read, 3 result(s) newly stored" 0 central ingest "$work/stick2"
expect "3 result(s) newly marked sent" 0 ctl read-acks "$work/stick2"
same "practice sent after the stick" "7|7" "$(sdb 'SELECT count(*), count(sent_wall) FROM practice')"
expect "opened 2 new practice record(s) into $rdb; it holds 7 in all" 0 central open-results --into "$rdb"
same "attempts after the stick" 6 "$(q 'SELECT count(*) FROM attempts')"
same "option 2 is wrong on both items" 0 "$(q 'SELECT sum(is_right) FROM practice WHERE seq > 11')"

# 6. A practice record altered in central's store: refused by its
# signature, reported by number, nothing opened of it.
mk --count 0 --practice 1 --exam drill --trainee "$trainee"
serve_start
"$bin/sync/synaq-syncd" --home "$work/station" --once 2>"$work/syncd2.log" && ok ||
  bad "second sync round failed: $(cat "$work/syncd2.log")"
serve_stop
same "held with the last one" 14 "$(held)"
if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
  store_write "" "UPDATE results SET sealed = overlay(sealed placing '\\x00000000'::bytea from 40) WHERE station_id = 'ui-001' AND seq = 14"
else
  store_write "$work/central/results.db" \
    "UPDATE results SET sealed = substr(sealed, 1, 40) || zeroblob(4) || substr(sealed, 45) WHERE station_id = 'ui-001' AND seq = 14"
fi
out=$(central open-results --into "$rdb" 2>&1) && st=0 || st=$?
same "status with a refused record" 1 "$st"
grep -qF "record #14 of 'ui-001' not imported: sealed record does not open" <<<"$out" && ok ||
  bad "the altered record was not reported: $out"
same "nothing opened of it" 0 "$(q 'SELECT (SELECT count(*) FROM practice WHERE seq = 14) + (SELECT count(*) FROM attempts WHERE seq = 14)')"
same "refused on record" 1 "$(q "SELECT count(*) FROM refused WHERE station_id = 'ui-001' AND seq = 14")"

# 7. A reports.db of schema 3, where an older build refused practice
# records as "not a Synaq result": brought to 4, and they are opened.
sqlite3 "$rdb" "INSERT INTO refused(station_id, seq, reason)
    SELECT station_id, seq, 'not a Synaq result' FROM practice;
  DROP TABLE practice; PRAGMA user_version = 3;"
out=$(central open-results --into "$rdb" 2>&1) || true
grep -qF "opened 7 new practice record(s) into $rdb; it holds 7 in all" <<<"$out" && ok ||
  bad "the upgrade did not open the refused practice records: $out"
same "schema after the upgrade" 4 "$(q 'PRAGMA user_version')"
same "refused after the upgrade: the altered one only" "14" "$(q 'SELECT group_concat(seq) FROM refused')"
same "attempts after the upgrade" 6 "$(q 'SELECT count(*) FROM attempts')"

echo "practice: $passes passed, $fails failed"
[ $fails -eq 0 ]
