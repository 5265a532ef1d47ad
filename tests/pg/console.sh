#!/usr/bin/env bash
# console.sh - the staff console on PostgreSQL (CTest pg_console, label
# pg), the real binaries against a throwaway cluster:
#
#   with-pg.sh console.sh BUILD_DIR SOURCE_DIR
#
# tests/console/fixture.sh makes a central on SQLite (four stations: one
# heard by network with results waiting, one carried in by stick and
# silent, one new, one revoked); the console's pages are read there, then
# the store is moved into PostgreSQL (migrate-store, which carries the
# registry and the console's accounts and audit, each line with its MAC),
# and the same pages are read from a console on the database: the same
# bodies, byte for byte, once the per-session tokens are taken out. Then on
# PostgreSQL: the Overview's numbers, the silent station flagged in the
# Fleet, a station's history; `user list` and `user audit`; the audit
# append-only (UPDATE, DELETE, TRUNCATE refused by the database) and a line
# changed behind the triggers' back found by `user audit` (status 1) and
# at the console's start; and refused at start with status 1, a clear
# message, no password shown and nothing changed: a wrong password in the
# URL, the server out of reach, a database of a newer schema.
set -euo pipefail
bin=$1
src=$2
url=${SYNAQ_TEST_DB_URL:?run under with-pg.sh}
url_pw=$(cat "$SYNAQ_TEST_PG/url_pw")
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-pgconsole-XXXXXX")
console_pid=""
cleanup() {
  [ -z "$console_pid" ] || kill "$console_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
q() { psql -X -At -v ON_ERROR_STOP=1 "$url" -c "$1"; }

NOW=1767268800 # 2026-01-01 12:00 UTC
export TZ=UTC
unset SYNAQ_CENTRAL_DB
"$src/tests/console/fixture.sh" "$bin" "$work" "$NOW"
home=$work/central
sqlite_central() { "$bin/central/synaq-central" --home "$home" "$@"; }
pg_central() { "$bin/central/synaq-central" --home "$home" --db "$url" "$@"; }

# The pages both engines must show alike, as alice (admin) and dina
# (district Алматы). Session tokens, CSRF fields and the clock's
# "generated" lines are the only things that differ between two consoles.
pages="alice:/overview?lang=en alice:/overview?lang=ru&show=waiting alice:/overview?lang=kk&show=revoked
alice:/fleet?lang=en alice:/station/st-a?lang=en alice:/station/st-b?lang=ru alice:/export/fleet
dina:/overview?lang=en&show=silent dina:/fleet?lang=kk"
norm() { sed -E 's/[0-9a-f]{32,}/TOKEN/g' "$work/b"; }
read_pages() { # OUT_DIR
  mkdir -p "$1"
  login alice
  local a=$sess
  login dina
  local d=$sess i=0
  for p in $pages; do
    i=$((i + 1))
    if [ "${p%%:*}" = alice ]; then get "$a" "${p#*:}"; else get "$d" "${p#*:}"; fi
    [ "$code" = 200 ] && ok || bad "$1: ${p#*:}: $code"
    norm >"$1/$i"
  done
}
stop_console() {
  kill "$console_pid"
  wait "$console_pid" 2>/dev/null || true
  console_pid=""
  rm -f "$work/console.out"
}

# ---- the pages on SQLite ----
central() { sqlite_central "$@"; }
. "$src/tests/console/web.sh"
read_pages "$work/sqlite"
stop_console

# ---- the store into PostgreSQL, the accounts and audit with it ----
lines_before=$(sqlite3 -readonly "$home/console.db" "SELECT count(*) FROM audit")
sqlite_central migrate-store --to "$url" >"$work/migrate.out" 2>&1 || bad "migrate-store: $(cat "$work/migrate.out")"
[ "$(q "SELECT count(*) FROM stations")" = 4 ] && ok || bad "registry not in the database"
grep -q "console accounts: 4 account(s) and $lines_before audit line(s)" "$work/migrate.out" && ok ||
  bad "migrate-store's accounts: $(cat "$work/migrate.out")"
[ "$(q "SELECT string_agg(name || ' ' || role || ' ' || district || ' ' || pwhash, ',' ORDER BY name) FROM console_users")" = \
  "$(sqlite3 -readonly "$home/console.db" "SELECT group_concat(name || ' ' || role || ' ' || district || ' ' || pwhash, ',') FROM (SELECT * FROM users ORDER BY name)")" ] &&
  ok || bad "the accounts in the database differ from console.db's"
[ "$(q "SELECT string_agg(n || ' ' || encode(mac, 'hex'), ',' ORDER BY n) FROM console_audit")" = \
  "$(sqlite3 -readonly "$home/console.db" "SELECT group_concat(n || ' ' || lower(hex(mac)), ',') FROM (SELECT * FROM audit ORDER BY n)")" ] &&
  ok || bad "the audit lines' MACs differ from console.db's"
pg_central user list >"$work/list" && grep -q "^dina" "$work/list" && grep -q "Алматы" "$work/list" && ok ||
  bad "user list on PostgreSQL: $(cat "$work/list")"
pg_central user add zed --role staff <<<"zed password 1" >/dev/null && ok || bad "user add on PostgreSQL"
[ "$(q "SELECT count(*) FROM console_audit WHERE action = 'add' AND detail LIKE 'user zed%'")" = 1 ] && ok ||
  bad "user add not audited in the database"
# A second run is refused, nothing changed.
sum=$(q "SELECT count(*) FROM console_users")/$(q "SELECT count(*) FROM console_audit")
rc=0
sqlite_central migrate-store --to "$url" >"$work/migrate2.out" 2>&1 || rc=$?
[ $rc = 1 ] && [ "$(q "SELECT count(*) FROM console_users")/$(q "SELECT count(*) FROM console_audit")" = "$sum" ] &&
  ok || bad "a second migrate-store: $rc $(cat "$work/migrate2.out")"

# ---- the same pages on PostgreSQL ----
central() { pg_central "$@"; }
. "$src/tests/console/web.sh"
read_pages "$work/pg"
i=0
for p in $pages; do
  i=$((i + 1))
  cmp -s "$work/sqlite/$i" "$work/pg/$i" && ok ||
    bad "${p#*:} differs between SQLite and PostgreSQL: $(diff "$work/sqlite/$i" "$work/pg/$i" | head -5)"
done
# The numbers themselves (console.sh's on SQLite), on PostgreSQL.
num() { sed -n "s/.*id=\"$1\">\(<a [^>]*>\)\{0,1\}\([^<]*\)<.*/\2/p" "$work/b"; }
rows() { grep -o '<a href="/station/[^"]*">' "$work/b" | sed 's|<a href="/station/\([^"]*\)">|\1|' | tr '\n' ' '; }
login alice
alice=$sess
get "$alice" "/overview?lang=en"
for kv in n-today=2 n-week=4 n-all=5 n-stations=3 n-silent=1 n-revoked=1 n-waiting=3 \
  n-stations-waiting=1 "oldest=60 min"; do
  [ "$(num "${kv%%=*}")" = "${kv#*=}" ] && ok || bad "overview ${kv%%=*}: '$(num "${kv%%=*}")', expected '${kv#*=}'"
done
[ "$(rows)" = "st-b st-a st-c st-d " ] && ok || bad "stations, attention first: $(rows)"
get "$alice" "/fleet?lang=en"
grep -o '<tr[^>]*>.*' "$work/b" | sed 's/<tr/\n&/g' | grep 'st-b<' | grep -q 'class="flagged"' && ok ||
  bad "st-b (silent) not flagged in the Fleet"
body_has ">silent<" && ok || bad "the Fleet does not say silent"
get "$alice" "/station/st-a?lang=en"
body_has 'id="history"' && ok || bad "st-a's heartbeat history missing"
[ "$(grep -o '<tr><td[^>]*data-label="Received"' "$work/b" | wc -l)" = "$(q "SELECT count(*) FROM heartbeats WHERE station_id = 'st-a'")" ] &&
  ok || bad "st-a's history rows against the database"
get "$alice" "/station/st-a?before=999999"
[ "$code" = 404 ] && ok || bad "a cursor that is no heartbeat: $code"
[ "$(q "SELECT count(*) FROM console_audit WHERE action = 'login' AND detail LIKE '%127.0.0.1%'")" -ge 3 ] &&
  ok || bad "logins not audited in the database"
stop_console

# ---- the audit: append-only in the database, the chain checked ----
pg_central user audit >"$work/audit.out" && grep -q "intact" "$work/audit.out" && ok ||
  bad "user audit: $(cat "$work/audit.out")"
for sql in "UPDATE console_audit SET detail = 'x' WHERE n = 2" "DELETE FROM console_audit WHERE n = 2" \
  "TRUNCATE console_audit"; do
  psql -X -q "$url" -c "$sql" >/dev/null 2>"$work/psql.err" && bad "$sql allowed" ||
    { grep -q "append-only" "$work/psql.err" && ok || bad "$sql: $(cat "$work/psql.err")"; }
done
# A superuser can drop the triggers; the chain still tells.
q "ALTER TABLE console_audit DISABLE TRIGGER USER; UPDATE console_audit SET detail = 'user eve' WHERE n = 2;
   ALTER TABLE console_audit ENABLE TRIGGER USER" >/dev/null
rc=0
pg_central user audit >"$work/audit.out" 2>"$work/audit.err" || rc=$?
[ $rc = 1 ] && grep -q "line 2 was changed" "$work/audit.err" && ok ||
  bad "a changed line not found: $rc $(cat "$work/audit.err")"
rc=0
timeout 20 "$bin/central/synaq-central" --home "$home" --db "$url" console --listen 127.0.0.1:0 \
  --clock-file "$work/clock" --assets "$src/assets" >"$work/c2.out" 2>"$work/c2.err" &
c2=$!
for _ in $(seq 100); do grep -q "listening on" "$work/c2.out" 2>/dev/null && break; sleep 0.1; done
grep -q "WARNING: console audit: line 2 was changed" "$work/c2.err" && ok ||
  bad "the console did not warn of the changed line: $(cat "$work/c2.err")"
kill $c2 2>/dev/null || true
wait $c2 2>/dev/null || true

# ---- refused at start: status 1, a clear message, no password shown ----
# pg_dump's \restrict lines carry a random key: not data.
digest() { pg_dump --data-only "$url" | grep -v '^--\|^\\restrict\|^\\unrestrict' | md5sum; }
refused() { # NAME URL PATTERN: console and user list both refuse
  local rc=0
  timeout 30 "$bin/central/synaq-central" --home "$home" --db "$2" console --listen 127.0.0.1:0 \
    --assets "$src/assets" >"$work/$1.out" 2>"$work/$1.err" || rc=$?
  [ $rc = 1 ] && ok || bad "$1: the console's exit status $rc, not 1"
  grep -q -- "$3" "$work/$1.err" && ok || bad "$1: no '$3' in: $(cat "$work/$1.err")"
  grep -q "wrong-secret\|right-password" "$work/$1.err" && bad "$1: a password shown" || ok
  rc=0
  timeout 30 "$bin/central/synaq-central" --home "$home" --db "$2" user list \
    >"$work/$1.uout" 2>"$work/$1.uerr" || rc=$?
  [ $rc = 1 ] && grep -q -- "$3" "$work/$1.uerr" && ok || bad "$1: user list: $rc $(cat "$work/$1.uerr")"
}
before=$(digest)
refused wrong-password "${url_pw/password=right-password/password=wrong-secret}" "refused the credentials"
refused unreachable "postgresql:///synaq?host=$work/nowhere&port=5999&user=synaq" "cannot connect to"
q "UPDATE cstore_schema SET version = 99" >/dev/null
refused newer "$url" "schema version 99, newer than this build knows"
q "UPDATE cstore_schema SET version = 5" >/dev/null
[ "$(digest)" = "$before" ] && ok || bad "a refused start changed the database"

# A database without accounts: nobody could log in, so the console does
# not start (as without console.db on SQLite).
empty=$("$src/tests/pg/pgtmp.sh" url "$SYNAQ_TEST_PG" empty)
rc=0
timeout 30 "$bin/central/synaq-central" --home "$home" --db "$empty" console --listen 127.0.0.1:0 \
  --assets "$src/assets" >"$work/empty.out" 2>"$work/empty.err" || rc=$?
[ $rc = 1 ] && grep -q "no accounts yet" "$work/empty.err" && ok ||
  bad "the console on a database without accounts: $rc $(cat "$work/empty.err")"

echo "pg console: $passes passed, $fails failed"
[ "$fails" = 0 ]
