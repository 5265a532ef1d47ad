# Shared by the security scripts: a work folder cleaned up at exit, counting
# checks, and servers started on a free port of 127.0.0.1.
#   . lib.sh NAME BUILD_DIR SOURCE_DIR
sec_name=$1
bin=$2
src=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-sec-$sec_name-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
skips=0
skip() { echo "SKIP: $*"; skips=$((skips + 1)); }
# The summary; status 1 if anything failed, 77 (skipped) if nothing
# failed but checks were not made.
finish() {
  echo "$sec_name: $passes passed, $fails failed, $skips skipped"
  [ "$fails" = 0 ] || return 1
  [ "$skips" = 0 ] || exit 77
}

# start_server LOG CMD...: runs a server that prints "listening on
# 127.0.0.1:PORT"; sets $port; the pid is the last of ${pids[@]}.
start_server() {
  local log=$1; shift
  "$@" >"$log.out" 2>"$log" &
  pids+=($!)
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$log.out" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { bad "server did not start: $*: $(cat "$log")"; exit 1; }
}
stop_last() {
  local p=${pids[-1]}
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
# wait_for SECONDS COMMAND...: until the command succeeds, at most SECONDS.
wait_for() {
  local n=$(($1 * 10)); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
