#!/usr/bin/env bash
# migrate.sh - moving a pilot's result store to PostgreSQL (CTest
# pg_migrate, label pg), the real binaries against a throwaway cluster:
#
#   with-pg.sh migrate.sh BUILD_DIR SOURCE_DIR
#
# A pilot on SQLite: a receiver fed by two real stations (synaq-syncd, in
# batches of 10) and a stick (ingest). Then `synaq-central migrate-store
# --to URL`:
# - refused, with status 1, a clear message and nothing changed (neither
#   the database nor the pilot's results.db): the source in use (its
#   receiver running), a missing source, the same store as source and
#   target (by name and by another path to it), a wrong password (never
#   shown), a target of a newer schema;
# - then copied: `open-results --received` gives the same CSV from both
#   stores; a second run is refused (the target holds rows) and changes
#   nothing;
# - a receiver started on PostgreSQL goes on with the next batches: the
#   stations' acknowledgements leave nothing pending, every result is held
#   once, each station's highest is its last seq, and a new heartbeat is
#   kept beside the copied ones;
# - and back: PostgreSQL -> a new SQLite file, the same CSV again.
set -euo pipefail
. "$2/tests/security/lib.sh" pg-migrate "$1" "$2"
here=$(cd "$(dirname "$0")" && pwd)
url=${SYNAQ_TEST_DB_URL:?run under with-pg.sh}
url_pw=$(cat "$SYNAQ_TEST_PG/url_pw")
# The pilot runs on SQLite: no synaq-central here takes the cluster
# unless told with --db or --to.
unset SYNAQ_CENTRAL_DB
central_bin=$bin/central/synaq-central
home=$work/central
central() { "$central_bin" --home "$home" "$@"; }
q() { psql -X -At -v ON_ERROR_STOP=1 "$url" -c "$1"; }
lite() { sqlite3 -readonly -cmd ".timeout 10000" "$home/results.db" "$1"; }
# Every row of every table of the public schema (of URL, default the
# target): "nothing changed" is an equal digest before and after.
digest() {
  psql -X -At "${1:-$url}" -c "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '')
    FROM pg_tables WHERE schemaname = 'public'" | tr ',' '\n' | while read -r t; do
    [ -n "$t" ] || continue
    echo "$t $(psql -X -At "${1:-$url}" -c "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"$t\" x")"
  done | md5sum
}
lite_digest() { sqlite3 -readonly -cmd ".timeout 10000" "$home/results.db" .dump | md5sum; }
# refused NAME PATTERN ARGS...: migrate-store ARGS exits 1 with PATTERN in
# its message, and neither the target database nor results.db changed.
refused() {
  local name=$1 pattern=$2 before lbefore rc=0
  shift 2
  before=$(digest)
  lbefore=$(lite_digest)
  central migrate-store "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  [ $rc = 1 ] && ok || bad "$name: exit status $rc, not 1: $(cat "$work/$name.err")"
  grep -q -- "$pattern" "$work/$name.err" && ok || bad "$name: no '$pattern' in: $(cat "$work/$name.err")"
  [ "$(digest)" = "$before" ] && ok || bad "$name: the database changed"
  [ "$(lite_digest)" = "$lbefore" ] && ok || bad "$name: results.db changed"
}
post_sync() { # STATION_HOME PORT
  # One batch of 10 a request (the shape of a pilot's store this test
  # moves), not several uploads in one.
  printf 'central_url = http://127.0.0.1:%s\nfetch_bundles = no\nbatch_results = 10\nupload_multi = no\n' "$2" >"$1/sync.conf"
  "$bin/sync/synaq-syncd" --home "$1" --once 2>>"$work/syncd.log" || bad "syncd: $(tail -5 "$work/syncd.log")"
}
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$1/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }

# ---- the pilot: two stations, a receiver on SQLite, a stick ----
"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st1=$work/station st2=$work/station2
"$bin/ctl/synaqctl" --home "$st2" init --no-passphrase --central "$home/keys/central.pub" >/dev/null
central enroll "$st2/enrol.req" --station-id ast-002 --district Астана >/dev/null
"$bin/ctl/synaqctl" --home "$st2" enroll "$home/certs/ast-002.cert" >/dev/null
central bundle build "$src/tests/sync/chaos-exam.yaml" --stations "$home/certs/ast-002.cert" \
  -o "$work/bundle2.sqb" >/dev/null
"$bin/ctl/synaqctl" --home "$st2" import "$work/bundle2.sqb" >/dev/null
start_server "$work/pilot.log" "$central_bin" --home "$home" serve --listen 127.0.0.1:0
"$bin/tests/sync/mkresults" --home "$st1" --count 25 --tag pilot1 >/dev/null
"$bin/tests/sync/mkresults" --home "$st2" --count 12 --tag pilot2 >/dev/null
post_sync "$st1" "$port"
post_sync "$st2" "$port"
"$bin/tests/sync/mkresults" --home "$st1" --count 5 --tag pilot3 >/dev/null
post_sync "$st1" "$port"
[ "$(pending "$st1")/$(pending "$st2")" = 0/0 ] && ok || bad "the pilot left results pending"
[ "$(lite "SELECT count(*) FROM results")" = 42 ] && ok || bad "pilot holds $(lite "SELECT count(*) FROM results")"

# The source in use: refused while the receiver holds results.db.
refused in_use "held by another process" --to "$url"
[ "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] && ok ||
  bad "tables made in the target though the source was in use"
stop_last

# Results carried by hand, ingested while the receiver is stopped.
"$bin/tests/sync/mkresults" --home "$st2" --count 7 --tag stick >/dev/null
mkdir -p "$work/stick"
"$bin/ctl/synaqctl" --home "$st2" export-usb "$work/stick" >/dev/null
central ingest "$work/stick" >/dev/null
"$bin/ctl/synaqctl" --home "$st2" read-acks "$work/stick" >/dev/null
[ "$(lite "SELECT count(*) FROM results")" = 49 ] && ok || bad "after the stick: $(lite "SELECT count(*) FROM results")"

# ---- refusals, nothing changed ----
refused missing "the source $work/nowhere.db: No such file or directory" --from "$work/nowhere.db" --to "$url"
[ ! -e "$work/nowhere.db" ] && ok || bad "a missing source was made"
refused same "the source and the target are the same store" --to "$home/results.db"
refused same_path "the source and the target are the same store" --from "$home/results.db" --to "$home/../central/results.db"
refused same_url "the source and the target are the same store" --from "$url" --to "$url"
wrong=${url_pw/password=right-password/password=wrong-secret}
refused wrong_password "refused the credentials" --to "$wrong"
grep -q "wrong-secret" "$work/wrong_password.err" && bad "the password was shown" || ok
grep -q "password=\*\*\*" "$work/wrong_password.err" && ok || bad "no hidden password in the message"
newer=$("$here/pgtmp.sh" url "$SYNAQ_TEST_PG" newer)
psql -X -q -v ON_ERROR_STOP=1 "$newer" -f "$here/schema-v1.sql" >/dev/null
psql -X -q "$newer" -c "UPDATE cstore_schema SET version = 99"
before_newer=$(digest "$newer")
refused newer_schema "schema version 99, newer than this build knows" --to "$newer"
[ "$(digest "$newer")" = "$before_newer" ] && ok || bad "the newer database changed"
# A SQLite target that cannot be made is not left behind half made.
refused no_dir "the target: cannot open $work/no/such/dir/results.db-lock" --to "$work/no/such/dir/results.db"
[ ! -e "$work/no/such/dir" ] && ok || bad "a folder was made"

# ---- the copy ----
rc=0
central migrate-store --to "$url" >"$work/migrate.out" 2>"$work/migrate.err" || rc=$?
[ $rc = 0 ] && ok || bad "migrate-store: status $rc: $(cat "$work/migrate.err")"
grep -q "batches 7, results 49, progress 2, heartbeats 6, heartbeat_latest 2, stick_latest 1; sha256 [0-9a-f]\{64\}" \
  "$work/migrate.out" && ok || bad "migrate-store's summary: $(cat "$work/migrate.out")"
grep -q "read back from the target: the same rows and the same SHA-256" "$work/migrate.out" && ok ||
  bad "migrate-store did not say it read back: $(cat "$work/migrate.out")"
[ "$(q "SELECT count(*) FROM results")" = 49 ] && ok || bad "PostgreSQL holds $(q "SELECT count(*) FROM results")"
central open-results --received -o "$work/sqlite.csv" 2>"$work/open1.err" || bad "open-results (SQLite): $(cat "$work/open1.err")"
central open-results --received --db "$url" -o "$work/pg.csv" 2>"$work/open2.err" || bad "open-results (PostgreSQL): $(cat "$work/open2.err")"
[ "$(($(wc -l <"$work/sqlite.csv") - 1))" = 49 ] && ok || bad "the SQLite CSV has $(wc -l <"$work/sqlite.csv") lines"
cmp -s "$work/sqlite.csv" "$work/pg.csv" && ok || bad "the CSVs differ: $(diff "$work/sqlite.csv" "$work/pg.csv" | head -5)"
# A second run: refused, nothing changed.
refused second_run "holds rows already (batches 7, results 49" --to "$url"
grep -q "has it run already" "$work/second_run.err" && ok || bad "second run: $(cat "$work/second_run.err")"

# ---- a receiver on PostgreSQL goes on ----
hb_before=$(q "SELECT count(*) FROM heartbeats")
start_server "$work/pg.log" "$central_bin" --home "$home" serve --listen 127.0.0.1:0 --db "$url"
"$bin/tests/sync/mkresults" --home "$st1" --count 11 --tag after1 >/dev/null
"$bin/tests/sync/mkresults" --home "$st2" --count 4 --tag after2 >/dev/null
post_sync "$st1" "$port"
post_sync "$st2" "$port"
# While that receiver runs, PostgreSQL as a source is refused: what it
# stored after the copy would be left behind. A reader (the console,
# open-results) does not count. The cluster listens on a Unix socket:
# the receiver connects "from this machine".
central open-results --received --db "$url" -o /dev/null 2>/dev/null || bad "open-results while the receiver runs"
refused busy_source "is in use: .* of a receiver or another synaq-central that writes (from this machine)" \
  --from "$url" --to "$work/busy.db"
grep -q "stop them first; nothing was copied" "$work/busy_source.err" && ok || bad "busy source: $(cat "$work/busy_source.err")"
[ ! -e "$work/busy.db" ] && ok || bad "busy source: the target file was left behind"
stop_last
[ "$(pending "$st1")/$(pending "$st2")" = 0/0 ] && ok ||
  bad "after the move: $(pending "$st1")/$(pending "$st2") pending (acknowledgements missing)"
[ "$(q "SELECT count(*) FROM results")" = 64 ] && ok || bad "PostgreSQL holds $(q "SELECT count(*) FROM results"), expected 64"
[ "$(q "SELECT count(DISTINCT (station_id, seq)) FROM results")" = 64 ] && ok || bad "a result held twice"
[ "$(q "SELECT string_agg(station_id || ':' || highest, ',' ORDER BY station_id) FROM progress")" = "ast-002:23,ui-001:41" ] &&
  ok || bad "progress: $(q "SELECT string_agg(station_id || ':' || highest, ',' ORDER BY station_id) FROM progress")"
[ "$(q "SELECT string_agg(station_id || ':' || max, ',' ORDER BY station_id) FROM (SELECT station_id, max(seq) FROM results GROUP BY station_id) m")" = "ast-002:23,ui-001:41" ] &&
  ok || bad "results' highest seqs"
[ "$(q "SELECT count(*) FROM heartbeats")" -gt "$hb_before" ] && ok || bad "no new heartbeat kept"
[ "$(q "SELECT count(*) FROM heartbeat_latest l JOIN heartbeats h ON h.id = l.heartbeat_id AND h.counter = l.counter")" = 2 ] &&
  ok || bad "heartbeat_latest does not point at its heartbeats"
# The pilot's file is as the copy left it.
[ "$(lite "SELECT count(*) FROM results")" = 49 ] && ok || bad "the pilot's file changed"

# ---- and back: PostgreSQL -> a new SQLite file ----
rc=0
central migrate-store --from "$url" --to "$work/back.db" >"$work/back.out" 2>"$work/back.err" || rc=$?
[ $rc = 0 ] && grep -q "results 64," "$work/back.out" && ok || bad "back: status $rc: $(cat "$work/back.out" "$work/back.err")"
central open-results --received --db "$url" -o "$work/pg2.csv" 2>/dev/null || bad "open-results (PostgreSQL, after)"
central open-results --received --db "$work/back.db" -o "$work/back.csv" 2>/dev/null || bad "open-results (back.db)"
[ "$(($(wc -l <"$work/pg2.csv") - 1))" = 64 ] && cmp -s "$work/pg2.csv" "$work/back.csv" && ok ||
  bad "the CSV of back.db differs from PostgreSQL's"
finish
