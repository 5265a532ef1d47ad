#!/usr/bin/env bash
# The staff console, started for real on 127.0.0.1 against a fixture
# central (fixture.sh) and driven with curl: logins (right, wrong with
# growing waits per account and per address, during a wait, a disabled
# account), sessions (forged, malformed, expired, ended by a new
# password), CSRF (missing, wrong, the login form's), a district account
# asking for another district's pages, path traversal, hostile station
# labels shown as text, the Overview's numbers against what the fixture
# made, the plain-HTTP rule. Each refused case checks its status and that
# console.db (accounts and audit log) did not change. Time is the
# console's --clock-file: nothing here waits on the wall clock.
#   console.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-console-XXXXXX")
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
check() { # WHAT CONDITION-STATUS
  if [ "$2" = 0 ]; then ok; else bad "$1"; fi
}

NOW=1767268800 # 2026-01-01 12:00 UTC
export TZ=UTC
"$src/tests/console/fixture.sh" "$bin" "$work" "$NOW"
home=$work/central
clock=$work/clock
results_sum=$(sha256sum <"$home/results.db")
central_sum=$(sha256sum <"$home/central.db")
echo "$NOW" >"$clock"
central() { "$bin/central/synaq-central" --home "$home" "$@"; }

"$bin/central/synaq-central" --home "$home" console --listen 127.0.0.1:0 --clock-file "$clock" --assets "$src/assets" \
  >"$work/console.out" 2>"$work/console.log" &
console_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/console.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's|^console listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$work/console.out")
[ -n "$port" ] || { echo "the console did not start: $(cat "$work/console.log")" >&2; exit 1; }
base=http://127.0.0.1:$port

# What a refusal must leave as it was: the accounts and the audit log.
state() { sqlite3 -readonly -cmd ".timeout 10000" "$home/console.db" "SELECT * FROM users; SELECT n, actor, action, outcome, detail FROM audit;" | sha256sum; }
audit_n() { sqlite3 -readonly -cmd ".timeout 10000" "$home/console.db" "SELECT count(*) FROM audit"; }
last_audit() { sqlite3 -readonly -cmd ".timeout 10000" "$home/console.db" "SELECT actor || ' ' || action || ' ' || outcome || ' ' || detail FROM audit ORDER BY n DESC LIMIT 1"; }

# req [curl args...]: the status in $code, headers in $work/h, body in $work/b.
req() {
  code=$(curl -s --path-as-is -D "$work/h" -o "$work/b" -w '%{http_code}' "$@") || code=000
}
header() { sed -n "s/^$1: \(.*\)\r$/\1/Ip" "$work/h" | head -1; }
body_has() { grep -qF -- "$1" "$work/b"; }
# The value of the element with id $1 (the Overview's numbers).
num() { sed -n "s/.*id=\"$1\">\(<a [^>]*>\)\{0,1\}\([^<]*\)<.*/\2/p" "$work/b"; }
# The station ids of the rows of the stations table, in order.
rows() { grep -o '<a href="/station/[^"]*">' "$work/b" | sed 's|<a href="/station/\([^"]*\)">|\1|' | tr '\n' ' '; }

# A login form: its token (in the field and the pre-login cookie).
form_token() {
  req "$base/login?lang=en"
  pre=$(header Set-Cookie | sed -n 's/^__Host-synaq-login=\([0-9a-f]*\);.*/\1/p')
}
# login USER PASSWORD: the status in $code, the session in $sess.
login() {
  form_token
  req -H "Cookie: __Host-synaq-login=$pre" --data-urlencode "csrf=$pre" \
    --data-urlencode "user=$1" --data-urlencode "password=$2" --data lang=en "$base/login"
  sess=$(header Set-Cookie | sed -n 's/^__Host-synaq=\([0-9a-f]*\);.*/\1/p')
}
get() { req -H "Cookie: __Host-synaq=$1" "$base$2"; }
csrf_of_page() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$work/b" | head -1; }

# 1. No session: to the login page. The login page over plain HTTP says so.
req "$base/overview"
[ "$code" = 303 ] && [ "$(header Location)" = /login ] && ok || bad "no session: $code $(header Location)"
form_token
[ "$code" = 200 ] && [ ${#pre} = 64 ] && ok || bad "login form: $code, token '$pre'"
body_has "This connection is not encrypted (plain HTTP)." && ok || bad "no plain-HTTP note"
header Set-Cookie | grep -q "; Path=/; Secure; HttpOnly; SameSite=Strict" && ok || bad "pre-login cookie: $(header Set-Cookie)"

# 2. A right login: a __Host- session cookie, an audit line.
n0=$(audit_n)
login alice "alice password 1"
[ "$code" = 303 ] && [ "$(header Location)" = "/overview?lang=en" ] && ok || bad "login: $code $(header Location)"
header Set-Cookie | grep -qE '^__Host-synaq=[0-9a-f]{64}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200$' \
  && ok || bad "session cookie: $(grep -i '^Set-Cookie' "$work/h")"
grep -i '^Set-Cookie: __Host-synaq=' "$work/h" | grep -qi domain && bad "a __Host- cookie with Domain" || ok
[ "$(audit_n)" = $((n0 + 1)) ] && ok || bad "login not audited"
last_audit | grep -q "^web:alice login ok from 127.0.0.1$" && ok || bad "audit: $(last_audit)"
alice=$sess
# The token is kept as a hash only: not in console.db, not in the log.
grep -qa "$alice" "$home/console.db" "$work/console.log" && bad "session token stored" || ok

# 3. The Overview: the fixture's numbers, hostile labels as text.
get "$alice" "/overview?lang=en"
[ "$code" = 200 ] && ok || bad "overview: $code"
for kv in n-today=2 n-week=4 n-all=5 n-stations=3 n-silent=1 n-revoked=1 n-waiting=3 \
  n-stations-waiting=1 "oldest=60 min"; do
  [ "$(num "${kv%%=*}")" = "${kv#*=}" ] && ok || bad "overview ${kv%%=*}: '$(num "${kv%%=*}")', expected '${kv#*=}'"
done
body_has "All districts" && ok || bad "scope"
body_has '&lt;script&gt;alert(1)&lt;/script&gt;' && ok || bad "label of st-a not escaped as text"
body_has '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;' && ok || bad "label of st-b not escaped as text"
grep -qiE '<script|<img|onerror=alert\(1\)>' "$work/b" && bad "hostile markup in the page" || ok
header Content-Security-Policy | grep -q "default-src 'none'; style-src 'self'" && ok || bad "CSP: $(header Content-Security-Policy)"
# st-b is silent (a stick is not a heartbeat), st-c new, st-d revoked.
grep -o '<tr>.*' "$work/b" | sed 's/<tr>/\n&/g' | grep 'st-b<' | grep -q '>silent<' && ok || bad "st-b not silent"
sed 's/<tr>/\n&/g' "$work/b" | grep 'st-c<' | grep -q '>not heard from yet<' && ok || bad "st-c not new"
sed 's/<tr>/\n&/g' "$work/b" | grep 'st-d<' | grep -q '>revoked<' && ok || bad "st-d not revoked"
# In Kazakh and Russian too, labels still escaped.
get "$alice" "/overview?lang=kk"
body_has "Барлық аудандар" && body_has '&lt;script&gt;' && ok || bad "kk overview"
get "$alice" "/overview?lang=ru"
body_has "Все районы" && [ "$(num n-all)" = 5 ] && ok || bad "ru overview"
get "$alice" "/station/st-a"
[ "$code" = 200 ] && body_has '&lt;script&gt;alert(1)&lt;/script&gt;' && ! grep -q '<script' "$work/b" && ok || bad "station page: $code"
# Heard by network and carried by stick, apart: st-a only by network,
# st-b only by stick (3 days ago), in every language.
get "$alice" "/station/st-a?lang=en"
body_has '<dt>Last carried in by stick</dt><dd>never</dd>' && ! body_has '<dt>Last heard</dt><dd>never</dd>' && ok ||
  bad "st-a's page: $(grep -o '<dl class="facts".*</dl>' "$work/b")"
get "$alice" "/station/st-b?lang=en"
body_has '<dt>Last heard</dt><dd>never</dd>' && grep -qE '<dt>Last carried in by stick</dt><dd>[0-9]{4}-[0-9]{2}-[0-9]{2}' "$work/b" && ok ||
  bad "st-b's page: $(grep -o '<dl class="facts".*</dl>' "$work/b")"
get "$alice" "/station/st-b?lang=ru"
grep -qE '<dt>Последняя доставка на флешке</dt><dd>[0-9]{4}-' "$work/b" && ok || bad "st-b's page in Russian"
get "$alice" "/station/st-b?lang=kk"
grep -qE '<dt>Флешкамен соңғы жеткізу</dt><dd>[0-9]{4}-' "$work/b" && ok || bad "st-b's page in Kazakh"
# Every station number links to the stations behind it.
get "$alice" "/overview?lang=en"
[ "$(rows)" = "st-b st-a st-c st-d " ] && ok || bad "stations, attention first: $(rows)"
grep -q 'id="n-silent"><a href="/overview?show=silent#fleet">1</a>' "$work/b" && ok || bad "silent number not a link"
for kv in "silent=st-b " "waiting=st-a " "revoked=st-d " "all=st-b st-a st-c st-d "; do
  get "$alice" "/overview?lang=en&show=${kv%%=*}"
  [ "$code" = 200 ] && [ "$(rows)" = "${kv#*=}" ] && ok || bad "show=${kv%%=*}: $code '$(rows)'"
done
get "$alice" "/overview?lang=en&show=silent"
body_has "Only stations silent for over 7 days." && grep -q 'href="/overview?show=silent&amp;lang=kk"' "$work/b" && ok ||
  bad "the silent list's words or language links"
get "$alice" "/overview?show=%27%3Cscript%3E"
[ "$code" = 400 ] && ! body_has "<script" && ok || bad "a bad show=: $code"
get "$alice" "/overview?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0" # Астана
[ "$code" = 200 ] && [ "$(num n-all)" = 2 ] && [ "$(num n-silent)" = 1 ] && ok || bad "staff filtered to Астана: $code $(num n-all)"

# 4. Wrong passwords: growing waits per account, told in Retry-After; during
# a wait not even the right password is checked (and nothing is written).
s0=$(state)
login alice "wrong one 1"
[ "$code" = 403 ] && body_has "Wrong user name or password." && [ -z "$(header Retry-After)" ] && ok || bad "wrong 1: $code $(header Retry-After)"
last_audit | grep -q "^web:alice login refused from 127.0.0.1: wrong password$" && ok || bad "audit: $(last_audit)"
# A NUL in a name does not cut it short into another.
form_token
req -H "Cookie: __Host-synaq-login=$pre" --data "csrf=$pre&user=alice%00x&password=wrong%20one%202&lang=en" "$base/login"
[ "$code" = 403 ] && ok || bad "a NUL in the name: $code"
last_audit | grep -q "^web:? login refused from 127.0.0.1: unknown user$" && ok || bad "NUL name audited as: $(last_audit)"
login alice "wrong one 2"
[ "$code" = 403 ] && [ -z "$(header Retry-After)" ] && ok || bad "wrong 2: $code"
login alice "wrong one 3" # the third: the next try waits 15 s
[ "$code" = 403 ] && [ "$(header Retry-After)" = 15 ] && body_has "Try again in 15 s." && ok || bad "wrong 3: $code '$(header Retry-After)'"
n1=$(audit_n)
s1=$(state)
login alice "alice password 1"
[ "$code" = 429 ] && [ "$(header Retry-After)" = 15 ] && [ -z "$sess" ] && ok || bad "during the wait: $code '$(header Retry-After)'"
[ "$(state)" = "$s1" ] && ok || bad "a try during the wait changed console.db"
echo $((NOW + 10)) >"$clock"
login alice "alice password 1"
[ "$code" = 429 ] && [ "$(header Retry-After)" = 5 ] && ok || bad "5 s left: $code '$(header Retry-After)'"
echo $((NOW + 15)) >"$clock"
login alice "wrong one 4"
[ "$code" = 403 ] && [ "$(header Retry-After)" = 30 ] && ok || bad "wrong 4: $code '$(header Retry-After)'"
echo $((NOW + 45)) >"$clock"
login alice "wrong one 5"
[ "$code" = 403 ] && [ "$(header Retry-After)" = 60 ] && ok || bad "wrong 5: $code '$(header Retry-After)'"
[ "$(audit_n)" = $((n1 + 2)) ] && ok || bad "failed logins not audited one each"
echo $((NOW + 105)) >"$clock"
login alice "alice password 1"
[ "$code" = 303 ] && [ -n "$sess" ] && ok || bad "right password after the wait: $code"
login alice "wrong one 6" # the count began again
[ "$code" = 403 ] && [ -z "$(header Retry-After)" ] && ok || bad "count not reset: $code '$(header Retry-After)'"
login alice "alice password 1" # and the address's count begins again
# Unknown names count for the address: the tenth failure from it makes
# everyone from it wait.
t=$((NOW + 200))
echo $t >"$clock"
for i in $(seq 9); do login "nobody$i" "whatever password"; done
[ "$code" = 403 ] && [ -z "$(header Retry-After)" ] && ok || bad "9th unknown name: $code '$(header Retry-After)'"
last_audit | grep -q "^web:? login refused from 127.0.0.1: unknown user$" && ok || bad "audit: $(last_audit)"
login "nobody10" "whatever password"
[ "$code" = 403 ] && [ "$(header Retry-After)" = 15 ] && ok || bad "10th unknown name: $code '$(header Retry-After)'"
s1=$(state)
login sam "sam password 1"
[ "$code" = 429 ] && [ "$(header Retry-After)" = 15 ] && ok || bad "address wait for sam: $code"
[ "$(state)" = "$s1" ] && ok || bad "the address wait changed console.db"
echo $((t + 15)) >"$clock"
login sam "sam password 1"
[ "$code" = 303 ] && ok || bad "sam after the address wait: $code"
sam=$sess

# 5. Forged, malformed and expired sessions: to the login page, nothing written.
s1=$(state)
get "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" /overview
[ "$code" = 303 ] && [ "$(header Location)" = "/login?ended=1&lang=kk" ] && ! body_has "n-all" && ok || bad "forged session: $code $(header Location)"
get "abc'; DROP TABLE users; --" /overview
[ "$code" = 303 ] && ok || bad "malformed session: $code"
get "${alice^^}" /overview # the same token in capitals is another token
[ "$code" = 303 ] && ok || bad "token in capitals: $code"
req -X POST -H "Cookie: __Host-synaq=0000000000000000000000000000000000000000000000000000000000000000" \
  --data "csrf=x" "$base/logout"
[ "$code" = 403 ] && ok || bad "forged session logout: $code"
[ "$(state)" = "$s1" ] && ok || bad "a forged session changed console.db"
echo $((t + 15 + 1700)) >"$clock" # sam idle 28 min: still in
get "$sam" /overview
[ "$code" = 200 ] && ok || bad "sam after 28 min: $code"
echo $((t + 15 + 1700 + 1801)) >"$clock" # then idle 30 min and a second
get "$sam" /overview
[ "$code" = 303 ] && [ "${code}$(header Location)" = "303/login?ended=1&lang=kk" ] && ok || bad "idle session: $code $(header Location)"
header Set-Cookie | grep -q '^__Host-synaq=; .*Max-Age=0' && ok || bad "ended session cookie not cleared"
get "$sam" /overview # ended for good, not back to life
[ "$code" = 303 ] && ok || bad "ended session came back: $code"
[ "$(state)" = "$s1" ] && ok || bad "expiry changed console.db"
t=$((t + 15 + 1700 + 1801))
# The whole life of a session: 12 h, however busy.
login sam "sam password 1"
sam=$sess
for i in $(seq 28); do # a request every 25 min
  echo $((t + i * 1500)) >"$clock"
  get "$sam" /overview
  [ "$code" = 200 ] || break
done
[ "$code" = 200 ] && ok || bad "a busy session ended early at $i: $code"
echo $((t + 12 * 3600 + 1)) >"$clock"
get "$sam" /overview
[ "$code" = 303 ] && ok || bad "a 12 h session: $code"
t=$((t + 12 * 3600 + 1))

# 6. CSRF: logout without the token, with another's, then with its own.
login alice "alice password 1"
alice=$sess
get "$alice" /overview
mine=$(csrf_of_page)
s1=$(state)
req -H "Cookie: __Host-synaq=$alice" --data "" "$base/logout"
[ "$code" = 403 ] && body_has "not sent from this console" && ok || bad "logout without a token: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$(printf '%064d' 7)" "$base/logout"
[ "$code" = 403 ] && ok || bad "logout with a wrong token: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=${mine:0:63}" "$base/logout"
[ "$code" = 403 ] && ok || bad "logout with a cut token: $code"
get "$alice" /overview
[ "$code" = 200 ] && ok || bad "session gone after refused logouts: $code"
[ "$(state)" = "$s1" ] && ok || bad "refused logouts changed console.db"
# The login form: its token must match its cookie.
form_token
s1=$(state)
req -H "Cookie: __Host-synaq-login=$pre" --data-urlencode "user=alice" \
  --data-urlencode "password=alice password 1" "$base/login"
[ "$code" = 403 ] && [ -z "$(header Set-Cookie)" ] && ok || bad "login without a token: $code"
req --data-urlencode "csrf=$pre" --data-urlencode "user=alice" \
  --data-urlencode "password=alice password 1" "$base/login"
[ "$code" = 403 ] && ok || bad "login token without its cookie: $code"
req -H "Cookie: __Host-synaq-login=$pre" --data "csrf=$(printf '%064d' 1)" \
  --data-urlencode "user=alice" --data-urlencode "password=alice password 1" "$base/login"
[ "$code" = 403 ] && ok || bad "login with another token: $code"
[ "$(state)" = "$s1" ] && ok || bad "refused logins changed console.db"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$mine" "$base/logout"
[ "$code" = 303 ] && [ "$(header Location)" = "/login?bye=1&lang=en" ] && ok || bad "logout: $code $(header Location)"
last_audit | grep -q "^web:alice logout ok" && ok || bad "logout not audited: $(last_audit)"
get "$alice" /overview
[ "$code" = 303 ] && ok || bad "session alive after logout: $code"

# 7. Districts: dina (Алматы) sees Алматы only; asel (Астана) Астана only.
# The next day at noon: nothing today; st-a's 2 and st-b's 2 in the week.
echo $((NOW + 86400)) >"$clock"
login dina "dina password 1"
dina=$sess
get "$dina" "/overview?lang=ru"
[ "$code" = 200 ] && body_has "Район: Алматы" && ok || bad "dina overview: $code"
for kv in n-today=0 n-week=2 n-all=3 n-stations=2 n-silent=0 n-revoked=1 n-waiting=3 "oldest=25 ч"; do
  [ "$(num "${kv%%=*}")" = "${kv#*=}" ] && ok || bad "dina ${kv%%=*}: '$(num "${kv%%=*}")', expected '${kv#*=}'"
done
body_has "st-b" && bad "dina sees st-b of Астана" || ok
get "$dina" "/overview?show=silent"
[ "$code" = 200 ] && [ "$(rows)" = "" ] && body_has 'id="fleet-empty"' && ok || bad "dina's silent list: $code '$(rows)'"
get "$dina" "/overview?show=revoked"
[ "$(rows)" = "st-d " ] && ok || bad "dina's revoked list: '$(rows)'"
s1=$(state)
get "$dina" "/overview?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0"
[ "$code" = 403 ] && ! body_has "n-all" && ok || bad "dina asking for Астана: $code"
get "$dina" "/overview?district=X%0Asynaq-central%20console:%20login%20ok%1B%5B2J"
[ "$code" = 403 ] && ok || bad "dina asking for a district with a line break: $code"
grep -q "^synaq-central console: login ok" "$work/console.log" && bad "a forged line in the console's log" || ok
grep -qP '\x1b' "$work/console.log" && bad "a terminal escape in the console's log" || ok
get "$dina" "/station/st-b"
[ "$code" = 403 ] && ! body_has "onerror" && ok || bad "dina asking for st-b: $code"
get "$dina" "/station/st-a"
[ "$code" = 200 ] && ok || bad "dina's own station: $code"
[ "$(state)" = "$s1" ] && ok || bad "dina's refused pages changed console.db"
login asel "asel password 1"
get "$sess" "/station/st-a"
[ "$code" = 403 ] && ok || bad "asel asking for st-a: $code"
get "$sess" "/overview?district=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B" # Алматы
[ "$code" = 403 ] && ok || bad "asel asking for Алматы: $code"
get "$sess" "/overview"
[ "$code" = 200 ] && [ "$(num n-all)" = 2 ] && [ "$(num n-silent)" = 1 ] && ok || bad "asel overview: $code"
s1=$(state)

# 8. Path traversal, odd URLs and methods: refused, nothing read or written.
for p in "/../../../../etc/passwd" "/station/../../../etc/passwd" "/station/..%2F..%2F..%2Fetc%2Fpasswd" \
  "/%2e%2e/%2e%2e/etc/passwd" "/style.css/../console.db" "/console.db" "/station/" \
  "/station/st-a/../../console.key" "/overview/../console.db" "/.%2e/console.key"; do
  get "$dina" "$p"
  case $code in 303 | 400 | 403 | 404) ok ;; *) bad "$p: $code" ;; esac
  grep -qaE "root:|SQLite format" "$work/b" && bad "$p: a file came back" || ok
done
get "$dina" "/station/no-such"
[ "$code" = 404 ] && ok || bad "unknown station: $code"
req -X PUT -H "Cookie: __Host-synaq=$dina" "$base/overview"
[ "$code" = 405 ] && ok || bad "PUT: $code"
req -X DELETE "$base/login"
[ "$code" = 405 ] && ok || bad "DELETE: $code"
head -c 20000 /dev/zero | tr '\0' a >"$work/big"
req -H "Cookie: __Host-synaq=$dina" --data-binary "@$work/big" "$base/logout"
[ "$code" = 413 ] && ok || bad "a 20 kB form: $code"
req -H "Cookie: __Host-synaq=$dina" -H "Transfer-Encoding: chunked" --data-binary "@$work/big" "$base/logout"
[ "$code" = 403 ] && ok || bad "a 20 kB form in chunks: $code"
[ "$(state)" = "$s1" ] && ok || bad "odd URLs changed console.db"

# 9. An account disabled (and a password changed) while the console runs:
# its sessions end at once.
central user disable dina >/dev/null
get "$dina" /overview
[ "$code" = 303 ] && ok || bad "disabled dina still in: $code"
login dina "dina password 1"
[ "$code" = 403 ] && [ -z "$sess" ] && ok || bad "disabled dina logged in: $code"
last_audit | grep -q "^web:dina login refused from 127.0.0.1: account disabled$" && ok || bad "audit: $(last_audit)"
login sam "sam password 1"
sam=$sess
central user passwd sam <<<"sam password 2" >/dev/null
get "$sam" /overview
[ "$code" = 303 ] && ok || bad "session after a new password: $code"
login sam "sam password 2"
[ "$code" = 303 ] && ok || bad "sam's new password: $code"
# No login the audit log does not hold: with console.db held by another
# writer (past the 5 s the console waits), the right password gets 500.
# The holder keeps the lock until the test has its answer: it says when
# it holds it (a file), and lets go when told (another file).
rm -f "$work/held" "$work/release"
flock "$home/console.db-lock" sh -c 'touch "$1/held"; while [ ! -e "$1/release" ]; do sleep 0.05; done' sh "$work" &
holder=$!
for _ in $(seq 600); do [ -e "$work/held" ] && break; sleep 0.05; done
[ -e "$work/held" ] && ok || bad "the lock holder never held console.db-lock"
login sam "sam password 2"
[ "$code" = 500 ] && [ -z "$sess" ] && ok || bad "login with the audit log locked: $code"
touch "$work/release"
wait $holder
central user audit >"$work/audit.txt" && ok || bad "audit chain: $(tail -1 "$work/audit.txt")"
grep -q "intact" "$work/audit.txt" && ok || bad "audit chain not intact"

# 9b. The accounts page: admins only; a form per account with its CSRF
# token; no admin disables themself.
login asel "asel password 1"
asel=$sess
login sam "sam password 2"
sam=$sess
login alice "alice password 1"
alice=$sess
get "$alice" "/users?lang=en"
[ "$code" = 200 ] && body_has ">Accounts<" && ok || bad "admin's accounts page: $code"
for u in alice asel dina sam; do grep -q "<td data-label=\"User name\">$u</td>" "$work/b" && ok || bad "no row for $u"; done
grep -o '<tr>.*' "$work/b" | sed 's/<tr>/\n&/g' | grep '>alice<' | grep -q '<form' && bad "a form to disable oneself" || ok
sed 's/<tr>/\n&/g' "$work/b" | grep '>dina<' | grep -q 'name="do" value="enable"' && ok || bad "dina (disabled) has no enable form"
admin_csrf=$(csrf_of_page)
get "$alice" /overview
grep -q 'href="/users"' "$work/b" && ok || bad "no accounts link for an admin"
s1=$(state)
for who_ in "$sam" "$asel"; do
  get "$who_" /users
  [ "$code" = 403 ] && ! body_has "data-label" && ok || bad "a non-admin's accounts page: $code"
  grep -q 'href="/users"' "$work/b" && bad "an accounts link for a non-admin" || ok
  get "$who_" /overview
  req -H "Cookie: __Host-synaq=$who_" --data "csrf=$(csrf_of_page)&user=dina&do=enable" "$base/users/state"
  [ "$code" = 403 ] && ok || bad "a non-admin enabling dina: $code"
done
req -H "Cookie: __Host-synaq=$alice" --data "user=asel&do=disable" "$base/users/state"
[ "$code" = 403 ] && ok || bad "disable without a token: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$(printf '%064d' 3)&user=asel&do=disable" "$base/users/state"
[ "$code" = 403 ] && ok || bad "disable with a wrong token: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$admin_csrf&user=..%2Fasel&do=disable" "$base/users/state"
[ "$code" = 400 ] && ok || bad "disable a bad name: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$admin_csrf&user=asel&do=delete" "$base/users/state"
[ "$code" = 400 ] && ok || bad "an unknown action: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$admin_csrf&user=nobody&do=disable" "$base/users/state"
[ "$code" = 404 ] && ok || bad "disable an unknown account: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$admin_csrf&user=alice&do=disable" "$base/users/state"
[ "$code" = 400 ] && body_has "cannot disable your own account" && ok || bad "disable oneself: $code"
[ "$(state)" = "$s1" ] && ok || bad "refused account changes changed console.db"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$admin_csrf&user=asel&do=disable" "$base/users/state"
[ "$code" = 303 ] && [ "$(header Location)" = "/users?done=disable&user=asel" ] && ok || bad "disable asel: $code $(header Location)"
last_audit | grep -q "^web:alice disable ok user asel$" && ok || bad "audit: $(last_audit)"
get "$asel" /overview
[ "$code" = 303 ] && ok || bad "asel's session after being disabled: $code"
req -H "Cookie: __Host-synaq=$alice" --data "csrf=$admin_csrf&user=dina&do=enable" "$base/users/state"
[ "$code" = 303 ] && ok || bad "enable dina: $code"
login dina "dina password 1"
[ "$code" = 303 ] && ok || bad "dina enabled again: $code"
central user list | grep -qE "^asel +district +disabled" && ok || bad "asel not disabled in the list"

# 10. Plain HTTP elsewhere than loopback: refused without --insecure-http,
# said loudly with it.
out=$(central console --listen 0.0.0.0:0 --assets "$src/assets" 2>&1) && bad "plain HTTP on 0.0.0.0 started" ||
  { grep -q "refusing plain HTTP on 0.0.0.0:0" <<<"$out" && ok || bad "plain HTTP: $out"; }
"$bin/central/synaq-central" --home "$home" console --listen 0.0.0.0:0 --insecure-http --assets "$src/assets" >"$work/i.out" 2>"$work/i.log" &
ipid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/i.out" 2>/dev/null && break; sleep 0.1; done
kill $ipid
wait $ipid 2>/dev/null || true
grep -q "WARNING: --insecure-http: plain HTTP on 0.0.0.0:0" "$work/i.log" && ok || bad "no loud warning: $(cat "$work/i.log")"
out=$("$bin/central/synaq-central" --home "$work/empty" console --listen 127.0.0.1:0 --assets "$src/assets" 2>&1) &&
  bad "a console without accounts started" || { grep -q "synaq-central user add NAME --role admin" <<<"$out" && ok || bad "no accounts: $out"; }

# 11. A central with nothing enrolled and nothing received yet: zeros and
# "No stations", then a station enrolled while the console runs is seen at
# the next page (central.db appears under it).
e=$work/fresh
"$bin/central/synaq-central" --home "$e" user add root1 --role admin <<<"root1 password 1" >/dev/null
"$bin/central/synaq-central" --home "$e" console --listen 127.0.0.1:0 --clock-file "$clock" \
  --assets "$src/assets" >"$work/fresh.out" 2>"$work/fresh.log" &
fresh_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/fresh.out" 2>/dev/null && break; sleep 0.1; done
main_base=$base
base=http://127.0.0.1:$(sed -n 's|^console listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$work/fresh.out")
login root1 "root1 password 1"
get "$sess" "/overview?lang=en"
[ "$code" = 200 ] && [ "$(num n-all)" = 0 ] && [ "$(num n-stations)" = 0 ] && body_has "No stations are enrolled." &&
  ok || bad "empty central: $code $(num n-all)"
"$bin/central/synaq-central" --home "$e" keygen >/dev/null
"$bin/ctl/synaqctl" --home "$work/fresh-st" init --no-passphrase --central "$e/keys/central.pub" --label "New one" >/dev/null
"$bin/central/synaq-central" --home "$e" enroll "$work/fresh-st/enrol.req" --station-id st-new --district "Шымкент" >/dev/null
get "$sess" "/overview?lang=en"
[ "$code" = 200 ] && [ "$(num n-stations)" = 1 ] && body_has "st-new" && ok || bad "a station enrolled meanwhile: $code $(num n-stations)"
[ -e "$e/results.db" ] && bad "the console made results.db" || ok
kill $fresh_pid
wait $fresh_pid || bad "the second console did not stop cleanly"
base=$main_base

# The console stops cleanly on SIGTERM and leaves the audit chain whole.
kill "$console_pid"
wait "$console_pid" && ok || bad "the console did not stop cleanly"
console_pid=""
central user audit >/dev/null && ok || bad "audit chain after stop"
# It never wrote the receiver's files.
[ "$(sha256sum <"$home/results.db")" = "$results_sum" ] && ok || bad "results.db changed"
[ "$(sha256sum <"$home/central.db")" = "$central_sum" ] && ok || bad "central.db changed"

echo "console: $passes passed, $fails failed"
[ $fails = 0 ]
