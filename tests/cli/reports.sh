#!/usr/bin/env bash
# open-results --into: what the receiver stored, checked and opened into
# reports.db (central/README.md, "Where opened results live"), on either
# result store (SQLite here; PostgreSQL under tests/pg/with-pg.sh, which
# sets SYNAQ_CENTRAL_DB). Two stations of two districts; results carried
# on sticks and ingested; opened rows against what was made (attempts,
# items, districts, a hostile trainee name kept as it is); a second run
# adds nothing, a third only what is new; a result whose sealed bytes were
# damaged and results whose station key no longer matches are reported
# by id, not imported, while the rest goes on; refused with the file
# unchanged: a reports.db of another central, a SQLite file of another
# program, a file that is not SQLite, a second writer.
#   reports.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
. "$src/tests/pg/store.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-reports-XXXXXX")
holder=""
cleanup() {
  [ -z "$holder" ] || kill "$holder" 2>/dev/null || true
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
ctl() { local h=$1; shift; "$bin/ctl/synaqctl" --home "$work/$h" "$@"; }
rdb=$work/reports.db
q() { sqlite3 -readonly -cmd ".timeout 10000" "$rdb" "$1"; }
round=0
carry() { # STATION: its pending results exported to a new stick and ingested
  round=$((round + 1))
  mkdir -p "$work/stick$round"
  ctl "$1" export-usb "$work/stick$round" >/dev/null
  central ingest "$work/stick$round" >/dev/null
}

central keygen >/dev/null
station() { # ID DISTRICT
  ctl "$1" init --no-passphrase --central "$work/central/keys/central.pub" --label "$1" >/dev/null
  central enroll "$work/$1/enrol.req" --station-id "$1" --district "$2" >/dev/null
  ctl "$1" enroll "$work/central/certs/$1.cert" >/dev/null
}
station st-1 "Алматы"
station st-2 "Астана"
central bundle build "$src/tests/sync/chaos-exam.yaml" --stations "$work/central/certs/st-1.cert" \
  "$work/central/certs/st-2.cert" -o "$work/chaos.sqb" >/dev/null
ctl st-1 import "$work/chaos.sqb" >/dev/null
ctl st-2 import "$work/chaos.sqb" >/dev/null

# Nothing received yet: an empty reports.db, ready for the console.
# (On PostgreSQL the enrolments made the store's tables: the registry is
# in the database; it holds no result.)
if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
  expect "opened 0 new result(s)" 0 central open-results --into "$rdb"
else
  expect "nothing received yet" 0 central open-results --into "$rdb"
fi
same "attempts in an empty reports.db" 0 "$(q 'SELECT count(*) FROM attempts')"
same "application_id" 1399935600 "$(q 'PRAGMA application_id')"
[ "$(stat -c %a "$rdb")" = 600 ] && ok || bad "reports.db mode $(stat -c %a "$rdb")"

hostile='<script>alert(1)</script> "Әсел" & Co'
"$bin/tests/sync/mkresults" --home "$work/st-1" --count 3 --tag one --name "$hostile"
"$bin/tests/sync/mkresults" --home "$work/st-2" --count 2 --tag two --name "Ерлан Қасым" --answer 2
carry st-1
carry st-2
expect "opened 5 new result(s) into $rdb, 0 refused; it holds 5 in all" 0 \
  central open-results --into "$rdb"
same "attempts" 5 "$(q 'SELECT count(*) FROM attempts')"
same "districts" "Алматы|3
Астана|2" "$(q 'SELECT district, count(*) FROM attempts GROUP BY district ORDER BY district')"
same "the hostile name kept as it is" 3 \
  "$(sqlite3 -readonly -cmd ".timeout 10000" "$rdb" "SELECT count(*) FROM attempts WHERE trainee_name = '$(sed "s/'/''/g" <<<"$hostile")'")"
same "items: two per attempt" 10 "$(q 'SELECT count(*) FROM answers')"
same "items answered: the first of each" "5|0" \
  "$(q 'SELECT sum(answered), sum(answered AND pos <> 0) FROM answers')"
same "exam and version" "chaos|1|5" "$(q 'SELECT exam_id, exam_version, count(*) FROM attempts GROUP BY 1, 2')"
same "n_items and n_answered agree with the item rows" 0 \
  "$(q 'SELECT count(*) FROM attempts a WHERE n_items <> (SELECT count(*) FROM answers WHERE attempt = a.id) OR n_answered <> (SELECT sum(answered) FROM answers WHERE attempt = a.id) OR n_right <> (SELECT sum(is_right) FROM answers WHERE attempt = a.id)')"
same "percent agrees with the points" 0 \
  "$(q 'SELECT count(*) FROM attempts WHERE max_milli > 0 AND percent <> points_milli * 100 / max_milli')"
# The opened rows against the CSV the older command prints of the same store.
central open-results --received -o "$work/all.csv"
same "trainees as in open-results --received" \
  "$(tail -n +2 "$work/all.csv" | grep -o 'one-[0-9]*-[0-9]*\|two-[0-9]*-[0-9]*' | sort | tr '\n' ' ')" \
  "$(q 'SELECT trainee_id FROM attempts ORDER BY trainee_id' | tr '\n' ' ')"
same "positions" "st-1|3
st-2|2" "$(q 'SELECT station_id, seq FROM positions ORDER BY 1')"

# A second run: nothing new, nothing changed.
before=$(q 'SELECT * FROM attempts; SELECT * FROM answers; SELECT * FROM positions' | sha256sum)
expect "opened 0 new result(s) into $rdb, 0 refused; it holds 5 in all" 0 \
  central open-results --into "$rdb"
same "a second run changed nothing" "$before" \
  "$(q 'SELECT * FROM attempts; SELECT * FROM answers; SELECT * FROM positions' | sha256sum)"

# Only what is new.
"$bin/tests/sync/mkresults" --home "$work/st-1" --count 2 --tag three
carry st-1
expect "opened 2 new result(s) into $rdb, 0 refused; it holds 7 in all" 0 \
  central open-results --into "$rdb"
same "position of st-1" 5 "$(q "SELECT seq FROM positions WHERE station_id = 'st-1'")"

# Bad results: st-2's 3rd result damaged in the store (it will not
# open), its 4th good; st-1's 6th signed by a key that is not the one
# enrolled (the registry's key replaced behind central's back).
"$bin/tests/sync/mkresults" --home "$work/st-2" --count 2 --tag four
"$bin/tests/sync/mkresults" --home "$work/st-1" --count 1 --tag five
carry st-2
carry st-1
if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
  psql -X -q -v ON_ERROR_STOP=1 "$SYNAQ_CENTRAL_DB" -c \
    "UPDATE results SET sealed = overlay(sealed placing '\\x00000000'::bytea from 40) WHERE station_id = 'st-2' AND seq = 3"
else
  sqlite3 "$work/central/results.db" \
    "UPDATE results SET sealed = substr(sealed, 1, 40) || zeroblob(4) || substr(sealed, 45) WHERE station_id = 'st-2' AND seq = 3"
fi
# st-1's key in the registry (central.db, or the database's on
# PostgreSQL) made another, so its results are not signed by it.
if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
  good_pk=$(psql -X -At "$SYNAQ_CENTRAL_DB" -c "SELECT encode(sign_pk, 'hex') FROM stations WHERE station_id = 'st-1'")
  psql -X -q -v ON_ERROR_STOP=1 "$SYNAQ_CENTRAL_DB" -c \
    "UPDATE station_keys SET sign_pk = decode(md5('x') || md5('y'), 'hex') WHERE station_id = 'st-1';
     UPDATE stations SET sign_pk = decode(md5('x') || md5('y'), 'hex') WHERE station_id = 'st-1'"
else
  cp "$work/central/central.db" "$work/central.db.good"
  sqlite3 "$work/central/central.db" "UPDATE station_keys SET sign_pk = randomblob(32) WHERE station_id = 'st-1';
    UPDATE stations SET sign_pk = randomblob(32) WHERE station_id = 'st-1'"
fi
out=$(central open-results --into "$rdb" 2>&1) && st=0 || st=$?
same "status with refused results" 1 "$st"
grep -qF "record #3 of 'st-2' not imported" <<<"$out" && ok || bad "st-2 #3 not reported: $out"
grep -qF "record #6 of 'st-1' not imported" <<<"$out" && ok || bad "st-1 #6 not reported: $out"
grep -qF "opened 1 new result(s) into $rdb, 2 refused; it holds 8 in all (2 refused in all)" <<<"$out" \
  && ok || bad "the summary: $out"
grep -qF "not signed by the station key" <<<"$(q "SELECT reason FROM refused WHERE station_id = 'st-1'")" && ok ||
  bad "st-1's refusal does not name the key: $(q 'SELECT * FROM refused')"
same "the good one after the bad one" "four" \
  "$(q "SELECT substr(trainee_id, 1, 4) FROM attempts WHERE station_id = 'st-2' AND seq = 4")"
same "nothing of the refused imported" 0 \
  "$(q "SELECT count(*) FROM attempts WHERE (station_id = 'st-2' AND seq = 3) OR (station_id = 'st-1' AND seq = 6)")"
# Reported once: a run after them tries them no more.
expect "opened 0 new result(s) into $rdb, 0 refused; it holds 8 in all (2 refused in all)" 0 \
  central open-results --into "$rdb"
if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
  psql -X -q -v ON_ERROR_STOP=1 "$SYNAQ_CENTRAL_DB" -c \
    "UPDATE station_keys SET sign_pk = decode('$good_pk', 'hex') WHERE station_id = 'st-1';
     UPDATE stations SET sign_pk = decode('$good_pk', 'hex') WHERE station_id = 'st-1'"
else
  cp "$work/central.db.good" "$work/central/central.db"
fi

# A reports.db of schema 1 (before the report's indexes, item analysis's
# rows and practice) is brought up to the current schema (4) by the next
# open-results --into, its rows as they were, item_grid made from the
# answers.
rows_before=$(q "SELECT count(*) FROM attempts")
grid_before=$(q "SELECT group_concat(attempt || ':' || hex(cells)) FROM (SELECT * FROM item_grid ORDER BY attempt)")
[ -n "$grid_before" ] && ok || bad "no item_grid rows written by the import"
sqlite3 "$rdb" "DROP INDEX attempts_exam_score; DROP INDEX attempts_district_exam_score;
  DROP TABLE item_grid; DROP TABLE practice; PRAGMA user_version = 1;"
expect "it holds 8 in all" 0 central open-results --into "$rdb"
same "schema after the upgrade" 4 "$(q 'PRAGMA user_version')"
same "item_grid made again by the upgrade" "$grid_before" \
  "$(q "SELECT group_concat(attempt || ':' || hex(cells)) FROM (SELECT * FROM item_grid ORDER BY attempt)")"
same "the report's indexes after the upgrade" 2 \
  "$(q "SELECT count(*) FROM sqlite_master WHERE name IN ('attempts_exam_score', 'attempts_district_exam_score')")"
same "rows after the upgrade" "$rows_before" "$(q "SELECT count(*) FROM attempts")"

# Refused, the file unchanged.
unchanged() { # FILE SUM WHAT
  if [ "$(sha256sum <"$1")" = "$2" ]; then ok; else bad "$3 changed $1"; fi
}
sum=$(sha256sum <"$rdb")
"$bin/central/synaq-central" --home "$work/other" keygen >/dev/null
# (On PostgreSQL the other home reads the database's registry.)
[ -n "${SYNAQ_CENTRAL_DB:-}" ] || cp "$work/central/central.db" "$work/other/central.db"
expect "holds results opened by another central" 1 \
  "$bin/central/synaq-central" --home "$work/other" open-results --into "$rdb"
unchanged "$rdb" "$sum" "another central"
sqlite3 "$work/foreign.db" "CREATE TABLE notes(x); INSERT INTO notes VALUES('mine')"
fsum=$(sha256sum <"$work/foreign.db")
expect "a SQLite database of another program, not a reports.db" 1 \
  central open-results --into "$work/foreign.db"
unchanged "$work/foreign.db" "$fsum" "a foreign SQLite file"
[ ! -e "$work/foreign.db-wal" ] && ok || bad "a WAL file was made beside the foreign file"
printf 'just some text, not a database at all\n%.0s' $(seq 10) >"$work/text.db"
tsum=$(sha256sum <"$work/text.db")
expect "not even a SQLite database" 1 central open-results --into "$work/text.db"
unchanged "$work/text.db" "$tsum" "a text file"
expect "cannot open" 1 central open-results --into "$work/no/such/dir/reports.db"
# A second writer.
flock "$rdb" sleep 30 &
holder=$!
for _ in $(seq 50); do flock -n "$rdb" true 2>/dev/null || break; sleep 0.1; done
expect "is being written by another process" 1 central open-results --into "$rdb"
kill "$holder"; wait "$holder" 2>/dev/null || true; holder=""
unchanged "$rdb" "$sum" "a second writer"
expect "usage" 2 central open-results --into "$rdb" --received

echo "reports: $passes passed, $fails failed"
[ $fails -eq 0 ]
