#!/usr/bin/env bash
# synaq-central events-report (issue 11) on a hand-made case, through the
# real path: a station takes the exam (synaqctl take), its results go out
# on a stick, central ingests them and opens them into reports.db
# (open-results --into); practice rows are put into reports.db's table
# practice of the agreed shape (the practice sync fills it). The report's
# sources hold two events of the exam: "wide" (every day of 2026-2099,
# roster A B C D) and "past" (2020, roster A B). Checked: invited, came,
# practised, passed for each, as a table and --csv; a reports.db without
# the practice table (practised 0, said); refusals (no reports.db, a bad
# source, a file that is not a reports.db) with nothing written.
#   events.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-events-XXXXXX")
trap 'rm -rf "$work"' EXIT
export TZ=UTC
unset SYNAQ_CENTRAL_DB
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
expect() { # PHRASE STATUS CMD...
  local phrase=$1 want=$2 out status=0
  shift 2
  out=$("$@" 2>&1) || status=$?
  if [ "$status" = "$want" ] && grep -qF -- "$phrase" <<<"$out"; then ok; else
    bad "expected status $want and '$phrase' from: $* (status $status): $out"
  fi
}
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
ctl() { "$bin/ctl/synaqctl" --home "$work/st" "$@"; }
rdb=$work/reports.db

head() {
  cat <<'YAML'
exam: ev-report
version: 1
title: {en: Events report}
pass_mark: 50
items:
  - {id: q1, type: truefalse, answer: yes, text: {en: "The vote is secret."}}
roster:
  - {id: A, name: Айгүл}
  - {id: B, name: Ерлан}
  - {id: C, name: Дана}
  - {id: D, name: Олжас}
  - {id: E, name: Гүлнар}
events:
  - id: wide
    name: {en: Wide, ru: Широкое}
    from: 2026-01-01
    to: 2099-12-31
    roster: [A, B, C, D]
YAML
}
head >"$work/station.yaml"
{ head; cat <<'YAML'
  - id: past
    name: {en: "=Past, 2020"}
    from: 2020-01-01
    to: 2020-12-31
    roster: [A, B]
YAML
} >"$work/report.yaml"

central keygen >/dev/null
ctl init --no-passphrase --central "$work/central/keys/central.pub" --label st >/dev/null
central enroll "$work/st/enrol.req" --station-id st-1 --district "Алматы" >/dev/null
ctl enroll "$work/central/certs/st-1.cert" >/dev/null
central bundle build "$work/station.yaml" --stations "$work/central/certs/st-1.cert" \
  -o "$work/b.sqb" >/dev/null
ctl import "$work/b.sqb" >/dev/null
# A passes (true), B fails (false) twice; E is on no event: refused.
echo A >"$work/right"
echo B >"$work/wrong"
ctl take --exam ev-report --trainee A --answers "$work/right" >/dev/null
ctl take --exam ev-report --trainee B --answers "$work/wrong" >/dev/null
ctl take --exam ev-report --trainee B --answers "$work/wrong" >/dev/null
expect "training events' trainees only" 1 ctl take --exam ev-report --trainee E --answers "$work/right"
mkdir -p "$work/stick"
ctl export-usb "$work/stick" >/dev/null
central ingest "$work/stick" >/dev/null
expect "opened 3 new result(s)" 0 central open-results --into "$rdb"

# Refusals, nothing written.
expect "usage" 2 central events-report "$work/report.yaml"
expect "cannot open" 1 central events-report --reports "$work/none.db" "$work/report.yaml"
[ ! -e "$work/none.db" ] && ok || bad "events-report made $work/none.db"
printf 'exam: x\n' >"$work/broken.yaml"
expect "broken.yaml:" 1 central events-report --reports "$rdb" "$work/broken.yaml"
sqlite3 "$work/other.db" 'CREATE TABLE notes(x)'
expect "is not a reports.db" 1 central events-report --reports "$work/other.db" "$work/report.yaml"
sum=$(sha256sum <"$rdb")

# Without practice records: results only.
out=$(central events-report --reports "$rdb" "$work/report.yaml")
grep -qF "practice data is absent" <<<"$out" && bad "practice said absent from a file that has its table: $out" || ok
same "wide, no practice" "ev-report wide 2026-01-01 2099-12-31 4 2 0 1" \
  "$(awk '$2 == "wide" {print $1, $2, $3, $4, $5, $6, $7, $8}' <<<"$out")"
same "past, no practice" "2 0 0 0" "$(awk '$2 == "past" {print $5, $6, $7, $8}' <<<"$out")"
# A reports.db of an older build (schema 3: no practice table): said.
cp "$rdb" "$work/old-reports.db"
sqlite3 "$work/old-reports.db" "DROP TABLE practice; PRAGMA user_version = 3;"
out=$(central events-report --reports "$work/old-reports.db" "$work/report.yaml")
grep -qF "practice data is absent" <<<"$out" && ok || bad "no word of the absent practice data: $out"
same "wide, an old file" "4 2 0 1" "$(awk '$2 == "wide" {print $5, $6, $7, $8}' <<<"$out")"

# Practice rows of the agreed shape: C and A within the wide days, B in
# 2019 (before both), A in 2020 (the past event), D at another exam.
w2027=$(date -u -d 2027-05-05 +%s)
w2019=$(date -u -d 2019-05-05 +%s)
w2020=$(date -u -d 2020-05-05 +%s)
sqlite3 "$rdb" "INSERT INTO practice(station_id, seq, record_id, district, trainee_id,
  trainee_name, exam_id, exam_version, topic, item_id, try_no, is_right, selected, created_wall,
  received_wall) VALUES
  ('st-1',100,'r0','Алматы','C','Дана','ev-report',1,'','q1',1,1,1,$w2027,$w2027),
  ('st-1',101,'r1','Алматы','C','Дана','ev-report',1,'','q1',2,0,1,$w2027,$w2027),
  ('st-1',102,'r2','Алматы','A','Айгүл','ev-report',1,'','q1',1,1,1,$w2027,$w2027),
  ('st-1',103,'r3','Алматы','B','Ерлан','ev-report',1,'','q1',1,1,1,$w2019,$w2019),
  ('st-1',104,'r4','Алматы','A','Айгүл','ev-report',1,'','q1',1,1,1,$w2020,$w2020),
  ('st-1',105,'r5','Алматы','E','Гүлнар','ev-report',1,'','q1',1,1,1,$w2027,$w2027),
  ('st-1',106,'r6','Алматы','D','Олжас','other',1,'','q1',1,1,1,$w2027,$w2027);"
sum=$(sha256sum <"$rdb")
out=$(central events-report --reports "$rdb" "$work/report.yaml")
grep -qF "practice data is absent" <<<"$out" && bad "practice said absent: $out" || ok
# wide: invited 4 (A-D); came A B C; practised A C; passed A.
same "wide" "4 3 2 1" "$(awk '$2 == "wide" {print $5, $6, $7, $8}' <<<"$out")"
# past: invited 2 (A B); came and practised A (2020); passed none.
same "past" "2 1 1 0" "$(awk '$2 == "past" {print $5, $6, $7, $8}' <<<"$out")"
central events-report --reports "$rdb" --csv -o "$work/ev.csv" "$work/report.yaml"
same "csv" 'exam,event,name,from,to,invited,came,practised,passed
ev-report,wide,Wide,2026-01-01,2099-12-31,4,3,2,1
ev-report,past,"'"'"'=Past, 2020",2020-01-01,2020-12-31,2,1,1,0' "$(cat "$work/ev.csv")"
same "reports.db untouched" "$sum" "$(sha256sum <"$rdb")"

echo "events: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
