#!/usr/bin/env bash
# central.sh - central's receivers on a PostgreSQL result store (CTest
# pg_central, label pg), the real binaries against a throwaway cluster:
#
#   with-pg.sh central.sh BUILD_DIR SOURCE_DIR
#
# - the server out of reach, a wrong password, a database of a newer schema
#   and one that is not Synaq's: each refused at start with a clear message
#   and exit status 1, no password shown, and the database unchanged;
# - two receivers (two `synaq-central serve`) on one database, each round's
#   same batch posted to both at once: both acknowledge it (signed, the
#   same SHA-256 and highest), exactly one stores it, nothing is held
#   twice (read with psql);
# - the server lost while a receiver runs: 503 with Retry-After, nothing
#   stored; back again: the receiver reconnects and stores;
# - a database of the first schema with data in it (schema-v1.sql)
#   upgraded at start, its data kept;
# - open-results --received --db reads what the receivers stored.
set -euo pipefail
. "$2/tests/security/lib.sh" pg-central "$1" "$2"
here=$(cd "$(dirname "$0")" && pwd)
url=${SYNAQ_TEST_DB_URL:?run under with-pg.sh}
url_pw=$(cat "$SYNAQ_TEST_PG/url_pw")
central_bin=$bin/central/synaq-central

q() { psql -X -At -v ON_ERROR_STOP=1 "$url" -c "$1"; }
# Every row of every table of the public schema: "nothing changed" is an
# equal digest before and after.
digest() {
  psql -X -At "${1:-$url}" -c "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '')
    FROM pg_tables WHERE schemaname = 'public'" | tr ',' '\n' | while read -r t; do
    [ -n "$t" ] || continue
    echo "$t $(psql -X -At "${1:-$url}" -c "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"$t\" x")"
  done | md5sum
}
# serve_fails NAME URL PATTERN: the receiver refuses to start on URL with
# status 1 and PATTERN in its message; the database is unchanged.
serve_fails() {
  local name=$1 u=$2 pattern=$3 before rc=0
  before=$(digest)
  timeout 30 "$central_bin" --home "$work/central" serve --listen 127.0.0.1:0 --db "$u" \
    >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  [ $rc = 1 ] && ok || bad "$name: exit status $rc, not 1"
  grep -q -- "$pattern" "$work/$name.err" && ok || bad "$name: no '$pattern' in: $(cat "$work/$name.err")"
  [ "$(digest)" = "$before" ] && ok || bad "$name: the database changed"
}

# Enrolled as the password user, the role the receivers use: the
# enrolment makes the store's tables (the station registry is in the
# database), owned by that role.
SYNAQ_CENTRAL_DB=$url_pw "$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
[ "$(q "SELECT count(*) FROM stations WHERE station_id = 'ui-001'")" = 1 ] && ok ||
  bad "the enrolment is not in the database's registry"
[ ! -e "$work/central/central.db" ] && ok || bad "a central.db was made beside a PostgreSQL store"

# ---- refused at start, nothing changed ----
serve_fails unreachable "postgresql:///synaq?host=$work/nowhere&port=5999&user=synaq" \
  "cannot connect to postgresql:///synaq?host=$work/nowhere"
wrong=${url_pw/password=right-password/password=wrong-secret}
serve_fails wrong_password "$wrong" "refused the credentials"
grep -q "password authentication failed" "$work/wrong_password.err" && ok ||
  bad "wrong password: libpq's reason missing: $(cat "$work/wrong_password.err")"
grep -q "wrong-secret" "$work/wrong_password.err" && bad "the password was shown" || ok
grep -q "password=\*\*\*" "$work/wrong_password.err" && ok || bad "no hidden password in the message"
# ingest says the same, and writes nothing beside the stick.
mkdir -p "$work/stick/synaq"
rc=0
"$central_bin" --home "$work/central" ingest --db "$wrong" "$work/stick" 2>"$work/ingest.err" || rc=$?
[ $rc = 1 ] && grep -q "refused the credentials" "$work/ingest.err" && ok ||
  bad "ingest with a wrong password: $rc: $(cat "$work/ingest.err")"
# A database with a table of ours under another owner's meaning.
other=$("$here/pgtmp.sh" url "$SYNAQ_TEST_PG" notours)
psql -X -q "$other" -c "CREATE TABLE results(x int)"
before_other=$(digest "$other")
rc=0
"$central_bin" --home "$work/central" serve --listen 127.0.0.1:0 --db "$other" \
  >/dev/null 2>"$work/notours.err" || rc=$?
[ $rc = 1 ] && grep -q "not Synaq's result store" "$work/notours.err" && ok ||
  bad "a foreign database: $rc: $(cat "$work/notours.err")"
[ "$(digest "$other")" = "$before_other" ] && ok || bad "the foreign database changed"

# ---- two receivers, one database, the same batches at once ----
# One with the password user (scram), one as the superuser: both store
# into the tables the first made.
start_server "$work/a.log" "$central_bin" --home "$work/central" serve --listen 127.0.0.1:0 --db "$url_pw"
port_a=$port pid_a=${pids[-1]}
start_server "$work/b.log" "$central_bin" --home "$work/central" serve --listen 127.0.0.1:0 --db "$url"
port_b=$port pid_b=${pids[-1]}
grep -q "result store: postgresql:///synaq?.*password=\*\*\* (postgresql)" "$work/a.log" && ok ||
  bad "receiver a's log does not name its store: $(cat "$work/a.log")"
post_to() { # PORT FILE OUT: prints the HTTP status
  curl -s -o "$3" -D "$3.h" -w '%{http_code}' --data-binary "@$2" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$1/v1/upload"
}
rounds=6
for r in $(seq 1 $rounds); do
  "$bin/tests/sync/mkresults" --home "$st" --count 3 --tag "r$r" >/dev/null
  "$bin/tests/security/mkupload" --home "$st" --counter "$r" --batch -o "$work/up$r" >/dev/null
  post_to "$port_a" "$work/up$r" "$work/a$r.json" >"$work/a$r.code" &
  pa=$!
  post_to "$port_b" "$work/up$r" "$work/b$r.json" >"$work/b$r.code" &
  pb=$!
  wait $pa $pb || true
  ca=$(cat "$work/a$r.code") cb=$(cat "$work/b$r.code")
  [ "$ca/$cb" = 200/200 ] && ok || bad "round $r: answers $ca/$cb: $(cat "$work/a$r.json" "$work/b$r.json")"
  da=$(jq -r .duplicate "$work/a$r.json") db=$(jq -r .duplicate "$work/b$r.json")
  case "$da/$db" in false/true | true/false) ok ;; *) bad "round $r: duplicate $da/$db (one must store)" ;; esac
  [ "$(jq -r .sha256 "$work/a$r.json")" = "$(jq -r .sha256 "$work/b$r.json")" ] && ok ||
    bad "round $r: the two acknowledgements name different batches"
  [ "$(jq -r .highest "$work/a$r.json")/$(jq -r .highest "$work/b$r.json")" = "$((3 * r))/$((3 * r))" ] &&
    ok || bad "round $r: highest $(jq -r .highest "$work/a$r.json")/$(jq -r .highest "$work/b$r.json")"
  [ "$(jq -r '.signed | type' "$work/a$r.json")/$(jq -r '.signed | type' "$work/b$r.json")" = string/string ] &&
    ok || bad "round $r: an acknowledgement is not signed"
done
[ "$(q "SELECT count(*) FROM results")" = $((3 * rounds)) ] && ok ||
  bad "results held: $(q "SELECT count(*) FROM results"), expected $((3 * rounds))"
[ "$(q "SELECT count(DISTINCT seq) FROM results WHERE station_id = 'ui-001'")" = $((3 * rounds)) ] && ok ||
  bad "results held twice or missing"
[ "$(q "SELECT count(*) FROM batches")" = "$rounds" ] && ok || bad "batches: $(q "SELECT count(*) FROM batches")"
[ "$(q "SELECT highest FROM progress WHERE station_id = 'ui-001'")" = $((3 * rounds)) ] && ok ||
  bad "progress: $(q "SELECT highest FROM progress WHERE station_id = 'ui-001'")"
[ "$(q "SELECT counter FROM heartbeat_latest WHERE station_id = 'ui-001'")" = "$rounds" ] && ok ||
  bad "latest heartbeat counter: $(q "SELECT counter FROM heartbeat_latest")"
# Each heartbeat kept once, though both receivers were given it.
[ "$(q "SELECT count(*) FROM heartbeats")" = "$rounds" ] && ok ||
  bad "heartbeats kept: $(q "SELECT count(*) FROM heartbeats"), expected $rounds"

# ---- the server lost while receivers run ----
"$bin/tests/sync/mkresults" --home "$st" --count 2 --tag lost >/dev/null
"$bin/tests/security/mkupload" --home "$st" --counter 100 --batch -o "$work/uplost" >/dev/null
"$here/pgtmp.sh" down "$SYNAQ_TEST_PG"
code=$(post_to "$port_a" "$work/uplost" "$work/lost.json")
[ "$code" = 503 ] && ok || bad "server down: answer $code, not 503: $(cat "$work/lost.json")"
grep -qi "^Retry-After:" "$work/lost.json.h" && ok || bad "server down: no Retry-After"
grep -q '"signed"' "$work/lost.json" && bad "server down: something was acknowledged" || ok
"$here/pgtmp.sh" up "$SYNAQ_TEST_PG"
[ "$(q "SELECT count(*) FROM results")" = $((3 * rounds)) ] && ok || bad "stored while the server was down"
code=$(post_to "$port_a" "$work/uplost" "$work/back.json")
[ "$code" = 200 ] && [ "$(jq -r .duplicate "$work/back.json")" = false ] && ok ||
  bad "server back: answer $code: $(cat "$work/back.json")"
[ "$(q "SELECT count(*) FROM results")" = $((3 * rounds + 2)) ] && ok || bad "not stored once the server was back"
for p in $pid_a $pid_b; do
  kill "$p"
  wait "$p" && ok || bad "a receiver did not stop cleanly"
done

# ---- what the receivers stored, opened where the results key is ----
"$central_bin" --home "$work/central" open-results --received --db "$url" -o "$work/results.csv" \
  2>"$work/open.err" || bad "open-results --received --db: $(cat "$work/open.err")"
rows=$(($(wc -l <"$work/results.csv") - 1))
[ "$rows" = $((3 * rounds + 2)) ] && ok || bad "open-results: $rows rows, expected $((3 * rounds + 2))"

# ---- a newer schema, refused; the database unchanged ----
q "UPDATE cstore_schema SET version = 99" >/dev/null
serve_fails newer "$url" "schema version 99, newer than this build knows"
rc=0
"$central_bin" --home "$work/central" --db "$url" open-results --received -o "$work/newer.csv" \
  2>"$work/newer-open.err" || rc=$?
[ $rc = 1 ] && grep -q "newer than this build knows" "$work/newer-open.err" && ok ||
  bad "open-results on a newer schema: $rc: $(cat "$work/newer-open.err")"
q "UPDATE cstore_schema SET version = 5" >/dev/null

# ---- the first schema, with data, upgraded at start ----
v1=$("$here/pgtmp.sh" url "$SYNAQ_TEST_PG" v1)
psql -X -q -v ON_ERROR_STOP=1 "$v1" -f "$here/schema-v1.sql" >/dev/null
start_server "$work/v1.log" "$central_bin" --home "$work/central" serve --listen 127.0.0.1:0 --db "$v1"
qv() { psql -X -At "$v1" -c "$1"; }
[ "$(qv "SELECT version FROM cstore_schema")" = 5 ] && ok || bad "v1 not upgraded: $(qv "SELECT version FROM cstore_schema")"
# Schema 4 brought the station registry's tables, empty: the station is
# enrolled there as in the first database (its rows copied).
[ "$(qv "SELECT count(*) FROM stations")" = 0 ] && ok || bad "v1's new registry is not empty"
pg_dump --data-only -t stations -t station_keys "$url" | psql -X -q -v ON_ERROR_STOP=1 "$v1" >/dev/null &&
  ok || bad "copying the registry into v1"
[ "$(qv "SELECT string_agg(seq || ':' || encode(sealed, 'hex'), ',' ORDER BY seq) FROM results WHERE station_id = 'old-001'")" = "1:deadbeef01,2:deadbeef02" ] &&
  ok || bad "v1's results changed in the upgrade"
[ "$(qv "SELECT software || '/' || counter || '/' || integrity FROM heartbeat_latest WHERE station_id = 'old-001'")" = "0.0.9/0/0" ] &&
  ok || bad "v1's heartbeat: $(qv "SELECT * FROM heartbeat_latest")"
code=$(post_to "$port" "$work/up1" "$work/v1.json")
[ "$code" = 200 ] && [ "$(qv "SELECT count(*) FROM results WHERE station_id = 'ui-001'")" = 3 ] && ok ||
  bad "the upgraded store does not take an upload: $code $(cat "$work/v1.json")"
stop_last
finish
