#!/usr/bin/env bash
# `synaq-central user`: accounts added, listed, disabled, their passwords
# changed, each change in the console's audit log; bad input refused with
# a clear message and nothing changed; the audit chain finds a line
# altered behind its back (with the triggers dropped) and a line cut off.
#   user.sh BUILD_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-user-XXXXXX")
trap 'rm -rf "$work"' EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
central() { "$bin/central/synaq-central" --home "$work/c" "$@"; }
expect() { # PHRASE STATUS CMD... (stdin passed on)
  local phrase=$1 want=$2 out status=0
  shift 2
  out=$("$@" 2>&1) || status=$?
  if [ "$status" = "$want" ] && grep -qF -- "$phrase" <<<"$out"; then ok; else
    bad "expected status $want and '$phrase' from: $* (status $status): $out"
  fi
}
snapshot() { sqlite3 -readonly -cmd ".timeout 10000" "$work/c/console.db" "SELECT * FROM users; SELECT n, detail, hex(mac) FROM audit;" | sha256sum; }

expect "user alice added (admin)" 0 central user add alice --role admin <<<"correct horse battery"
expect "note: no station is enrolled in district 'Алматы'" 0 \
  central user add dina --role district --district "Алматы" <<<"district password 1"
[ "$(stat -c %a "$work/c/console.db")" = 600 ] && ok || bad "console.db is not 0600"
[ "$(stat -c %a "$work/c/console.key")" = 600 ] && ok || bad "console.key is not 0600"
before=$(snapshot)
expect "a password needs at least 10 characters" 1 central user add bob --role staff <<<"short"
expect "a user 'alice' exists already" 1 central user add alice --role staff <<<"another password"
expect "--district NAME with district" 2 central user add bob --role district <<<"another password"
expect "--district NAME with district" 2 central user add bob --role staff --district X <<<"another password"
expect "--role admin, staff or district" 2 central user add bob --role root <<<"another password"
expect "is not a user name" 2 central user add "Bob;drop" --role staff <<<"another password"
expect "no password given" 1 central user add bob --role staff </dev/null
expect "no user 'nobody'" 1 central user disable nobody
[ "$(snapshot)" = "$before" ] && ok || bad "a refused command changed console.db"
# The hash is Argon2id, never the password.
grep -qa "correct horse" "$work/c/console.db" && bad "password in the clear" || ok
sqlite3 -readonly -cmd ".timeout 10000" "$work/c/console.db" "SELECT pwhash FROM users WHERE name='alice'" | grep -q '^\$argon2id\$' && ok || bad "not an Argon2id hash"

expect "user dina disabled" 0 central user disable dina
expect "password of alice changed" 0 central user passwd alice <<<"a brand new password"
out=$(central user list)
grep -qE "^dina +district +disabled +Алматы" <<<"$out" && ok || bad "list: $out"
grep -qE "^alice +admin +active" <<<"$out" && ok || bad "list: $out"
expect "audit chain checked: 4 line(s), intact" 0 central user audit
out=$(central user audit)
grep -qP "^4\t.*\tcli:[^\t]+\tpasswd\tok\tuser alice$" <<<"$out" && ok || bad "audit: $out"

# Tampering: the triggers refuse; without them the chain shows it.
sqlite3 "$work/c/console.db" "UPDATE audit SET detail='x' WHERE n=2" 2>/dev/null && bad "update allowed" || ok
cp "$work/c/console.db" "$work/keep.db"
sqlite3 "$work/c/console.db" "DROP TRIGGER audit_no_update; UPDATE audit SET detail='user eve' WHERE n=2"
expect "line 2 was changed" 1 central user audit
# Staff work goes on (as on a station, a finding does not stop it) and the
# finding stays.
expect "user alice disabled" 0 central user disable alice
expect "line 2 was changed" 1 central user audit
cp "$work/keep.db" "$work/c/console.db"
sqlite3 "$work/c/console.db" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n=4"
expect "the head names line 4 but the log ends at line 3" 1 central user audit
# A log cut off at its end is not continued silently.
expect "the log's end does not match its head" 1 central user disable alice
cp "$work/keep.db" "$work/c/console.db"
expect "intact" 0 central user audit
# Without the audit key the log is neither checked nor continued.
mv "$work/c/console.key" "$work/key"
expect "the audit key" 1 central user disable alice
mv "$work/key" "$work/c/console.key"

echo "user: $passes passed, $fails failed"
[ $fails = 0 ]
