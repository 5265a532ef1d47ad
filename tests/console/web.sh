# web.sh - sourced by the console's end-to-end scripts (results.sh,
# export.sh, fleet.sh), which define central(), $work, $src and $NOW
# first. It starts `central console` on 127.0.0.1 (its clock from
# $work/clock, set to $NOW) and sets console_pid and base; then gives the
# scripts their HTTP helpers:
#   req CURL_ARGS...   the answer's status in $code, head in $work/h,
#                      body in $work/b
#   header NAME        a header of the last answer
#   body_has TEXT      whether the last body holds TEXT
#   login USER [PASSWORD]   a session in $sess (the password defaults to
#                      "USER password 1", the fixtures'); stops the script
#                      when it cannot log in
#   get SESSION PATH   a page as that session
clock=$work/clock
echo "$NOW" >"$clock"
central console --listen 127.0.0.1:0 --clock-file "$clock" --assets "$src/assets" \
  >"$work/console.out" 2>"$work/console.log" &
console_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/console.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's|^console listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$work/console.out")
[ -n "$port" ] || { echo "the console did not start: $(cat "$work/console.log")" >&2; exit 1; }
base=http://127.0.0.1:$port

req() { code=$(curl -s --path-as-is -D "$work/h" -o "$work/b" -w '%{http_code}' "$@") || code=000; }
header() { sed -n "s/^$1: \(.*\)\r$/\1/Ip" "$work/h" | head -1; }
body_has() { grep -qF -- "$1" "$work/b"; }
login() {
  req "$base/login?lang=en"
  local pre
  pre=$(header Set-Cookie | sed -n 's/^__Host-synaq-login=\([0-9a-f]*\);.*/\1/p')
  req -H "Cookie: __Host-synaq-login=$pre" --data-urlencode "csrf=$pre" \
    --data-urlencode "user=$1" --data-urlencode "password=${2:-$1 password 1}" --data lang=en \
    "$base/login"
  sess=$(header Set-Cookie | sed -n 's/^__Host-synaq=\([0-9a-f]*\);.*/\1/p')
  [ -n "$sess" ] || { echo "cannot log in as $1: $code" >&2; exit 1; }
}
get() { req -H "Cookie: __Host-synaq=$1" "$base$2"; }
