#!/usr/bin/env bash
# selftest.sh - the throwaway cluster itself (CTest pg_harness, label pg):
# run under with-pg.sh, it checks that the server listens on its socket only,
# runs as a user other than root, lives outside the system's cluster, takes
# the password user with the right password and refuses a wrong one; and
# that with-pg.sh removed it afterwards. Run it without arguments: it calls
# itself under with-pg.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${SYNAQ_TEST_DB_URL:-}" ]; then
  out=$(mktemp)
  PGTMP_SELFTEST_OUT=$out "$here/with-pg.sh" "$0"
  rc=$?
  d=$(cat "$out"); rm -f "$out"
  [ $rc -eq 0 ] || exit $rc
  if [ -z "$d" ] || [ -e "$d" ]; then echo "pg_harness: the cluster was left behind: $d" >&2; exit 1; fi
  exit 0
fi
fails=0
ok() { :; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
q() { psql -X -At "$SYNAQ_TEST_DB_URL" -c "$1" 2>&1; }

[ "$(q "SHOW listen_addresses")" = "" ] && ok || bad "listen_addresses is '$(q "SHOW listen_addresses")'"
dd=$(q "SHOW data_directory")
case $dd in /var/lib/postgresql/*) bad "the system cluster: $dd" ;; */synaq-pg.*/data) ok ;; *) bad "data in $dd" ;; esac
owner=$(stat -c %U "$dd")
[ "$owner" != root ] && ok || bad "the cluster belongs to root"
[ "$(q "SHOW fsync")" = on ] && ok || bad "fsync is off"
[ "$(psql -X -At "$(cat "$SYNAQ_TEST_PG/url_pw")" -c "SELECT current_user" 2>&1)" = synaq_pw ] && ok ||
  bad "the password user with the right password was refused"
wrong=$(sed 's/password=right-password/password=wrong/' "$SYNAQ_TEST_PG/url_pw")
out=$(psql -X -At "$wrong" -c "SELECT 1" 2>&1) && bad "a wrong password was let in"
case $out in *"password authentication failed"*) ok ;; *) bad "wrong password: $out" ;; esac
other=$("$here/pgtmp.sh" url "$SYNAQ_TEST_PG" second)
[ "$(psql -X -At "$other" -c "SELECT current_database()")" = second ] && ok || bad "pgtmp.sh url"
echo "$dd" >"${PGTMP_SELFTEST_OUT:-/dev/null}"
[ $fails -eq 0 ] && echo "pg_harness: ok" || echo "pg_harness: $fails failure(s)"
[ $fails -eq 0 ]
