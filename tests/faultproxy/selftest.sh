#!/usr/bin/env bash
# Self-test of synaq-faultproxy: a test server and client (synaq-faultproxy-peer,
# in C) on each side of the proxy, one check per fault and profile. Timing
# checks are lower bounds (at least the added delay), upper bounds only loose:
# the machine may be small and busy.
#   selftest.sh PROXY PEER
# shellcheck disable=SC2015  # ok() never fails, so "A && ok || bad" is an if-else.
set -uo pipefail
proxy=$1
peer=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-faultproxy-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${FAULTPROXY_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# wait_port FILE: the PORT of the first "listening on 127.0.0.1:PORT" in FILE.
wait_port() {
  local line
  for _ in $(seq 200); do
    line=$(grep -m1 '^listening on 127.0.0.1:' "$1" 2>/dev/null) && { echo "${line##*:}"; return 0; }
    sleep 0.05
  done
  return 1
}
# wait_line FILE TEXT: waits up to 5 s for a line holding TEXT.
wait_line() {
  for _ in $(seq 100); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# field NAME LINE: the value of NAME=VALUE in a key=value line.
field() {
  local kv
  for kv in $2; do [[ $kv == "$1="* ]] && { echo "${kv#*=}"; return; }; done
}
# check DESC LINE NAME=VALUE...: every field of LINE has the value given.
check() {
  local desc=$1 line=$2 kv fail=0; shift 2
  for kv in "$@"; do
    [ "$(field "${kv%%=*}" "$line")" = "${kv#*=}" ] || fail=1
  done
  if [ $fail -eq 0 ]; then ok; else bad "$desc: want $*, got: $line"; fi
}
# at_least DESC VALUE MIN / at_most DESC VALUE MAX
at_least() { if [ "$2" -ge "$3" ] 2>/dev/null; then ok; else bad "$1: $2 < $3"; fi; }
at_most() { if [ "$2" -le "$3" ] 2>/dev/null; then ok; else bad "$1: $2 > $3"; fi; }
has() { if grep -qF -- "$3" "$2"; then ok; else bad "$1: no '$3' in $2"; fi; }
hasnt() { if grep -qF -- "$3" "$2"; then bad "$1: '$3' in $2"; else ok; fi; }

"$peer" serve >"$work/server.log" 2>&1 &
pids+=("$!")
sport=$(wait_port "$work/server.log") || { echo "FAIL: the test server did not start" >&2; exit 1; }

pport=
ppid=
pname=
# start_proxy NAME ARGS...: a proxy to the test server; its port in $pport.
start_proxy() {
  pname=$1
  shift
  "$proxy" --listen 127.0.0.1:0 --target "127.0.0.1:$sport" --log "$@" \
    >"$work/$pname.out" 2>"$work/$pname.err" &
  ppid=$!
  pids+=("$ppid")
  pport=$(wait_port "$work/$pname.out") || { bad "$pname: the proxy did not start: $(cat "$work/$pname.err")"; return 1; }
}
# stop_proxy: SIGTERM; it must exit 0 within 5 s.
stop_proxy() {
  local status=0
  kill -TERM "$ppid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$ppid" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$ppid" 2>/dev/null; then
    bad "$pname: still running 5 s after SIGTERM"
    kill -KILL "$ppid"
  fi
  wait "$ppid" || status=$?
  if [ $status -eq 0 ]; then ok; else bad "$pname: exit status $status after SIGTERM: $(tail -3 "$work/$pname.err")"; fi
}
req() { "$peer" request --to "127.0.0.1:$pport" "$@"; }
accepts() { grep -c '^accept ' "$work/server.log"; }

# --- Refusals: only 127.0.0.1, and bad arguments (status 2, never a proxy).
for args in "--target 10.0.0.1:80" "--target 127.0.0.2:80" "--target localhost:80" \
  "--target 127.0.0.1:$sport --listen 0.0.0.0:0" "--target 127.0.0.1:0" \
  "--target 127.0.0.1:$sport --profile lte" "--target 127.0.0.1:$sport --fault reset-up" \
  "--target 127.0.0.1:$sport --fault explode" "--target 127.0.0.1:$sport --time-scale 0" \
  "--target 127.0.0.1:$sport --window-up-ms 1000" "--target 127.0.0.1:$sport --profile window --window-down-ms 0" \
  "--target 127.0.0.1:$sport --window-mode sideways" "--target 127.0.0.1:$sport --drop-ms 0"; do
  status=0
  # shellcheck disable=SC2086
  timeout 5 "$proxy" $args >"$work/refuse.out" 2>"$work/refuse.err" || status=$?
  if [ $status -eq 2 ] && [ ! -s "$work/refuse.out" ]; then ok; else bad "refusal of '$args': status $status"; fi
done
msg=$(timeout 5 "$proxy" --target 10.0.0.1:80 2>&1)
grep -q "refusing a non-loopback address" <<<"$msg" && ok || bad "no 'non-loopback' message: $msg"

# --- clean: bytes pass unchanged both ways; the log line.
start_proxy clean --profile clean
r=$(req --path /bytes/200000)
check "clean download" "$r" status=200 end=complete pattern=ok body=200000
r=$(req --method POST --path "/v1/upload?t=clean" --body 300000)
check "clean upload" "$r" status=200 end=complete
has "clean upload reached the server" "$work/server.log" "path=/v1/upload?t=clean len=300000 pattern=ok"
r=$(req --path "/v1/health?t=base")
check "clean small" "$r" status=200 end=complete
at_most "clean: time to first byte (ms)" "$(field first_ms "$r")" 350
stop_proxy
has "clean: log line" "$work/clean.err" "fault=none up=300"
has "clean: log end" "$work/clean.err" "end=closed"

# --- edge at time-scale 2: one-way delay >= 370/2 ms, so a round trip >= 370 ms.
start_proxy edge2 --profile edge --time-scale 2
r=$(req --path "/v1/health?t=edge")
check "edge small" "$r" status=200 end=complete
at_least "edge/2: time to first byte (ms)" "$(field first_ms "$r")" 370
stop_proxy

# --- latency set by hand: 150 ms each way, no jitter.
start_proxy lat --latency 150 --jitter 0
r=$(req --path "/v1/health?t=lat")
check "latency 150" "$r" status=200 end=complete
at_least "--latency 150: time to first byte (ms)" "$(field first_ms "$r")" 300
stop_proxy

# --- loss: every segment lost once (100 %) costs >= 200 ms each way.
start_proxy loss --loss 100
r=$(req --path "/v1/health?t=loss")
check "loss 100" "$r" status=200 end=complete
at_least "--loss 100: time to first byte (ms)" "$(field first_ms "$r")" 400
stop_proxy
has "loss: counted" "$work/loss.err" "losses=2"

# --- edge at time-scale 4: 960 kbit/s down, 800 kbit/s up.
# 120000 bytes down take >= 1000 ms; 100000 bytes up take >= 1000 ms.
start_proxy edge4 --profile edge --time-scale 4
r=$(req --path /bytes/120000)
check "edge download" "$r" status=200 end=complete pattern=ok
at_least "edge/4: 120000 bytes down (ms)" "$(field total_ms "$r")" 950
at_most "edge/4: 120000 bytes down (ms)" "$(field total_ms "$r")" 5000
r=$(req --method POST --path "/v1/upload?t=edgeup" --body 100000)
check "edge upload" "$r" status=200 end=complete
at_least "edge/4: 100000 bytes up, first byte (ms)" "$(field first_ms "$r")" 950
at_most "edge/4: 100000 bytes up (ms)" "$(field total_ms "$r")" 5000
has "edge upload reached the server" "$work/server.log" "path=/v1/upload?t=edgeup len=100000 pattern=ok"
stop_proxy

# --- 2g at time-scale 10: 180 kbit/s up, 400 down, 5 % resent by the radio.
# 30000 bytes up take >= 1333 ms; 60000 bytes down >= 1200 ms.
start_proxy 2g --profile 2g --time-scale 10 --seed 5
r=$(req --method POST --path "/v1/upload?t=2g" --body 30000)
check "2g upload" "$r" status=200 end=complete
at_least "2g/10: 30000 bytes up (ms)" "$(field total_ms "$r")" 1300
has "2g upload intact" "$work/server.log" "path=/v1/upload?t=2g len=30000 pattern=ok"
r=$(req --path /bytes/60000)
check "2g download" "$r" status=200 end=complete pattern=ok
at_least "2g/10: 60000 bytes down (ms)" "$(field total_ms "$r")" 1150
at_least "2g/10: round trip >= 70 ms (one way 35..45)" "$(field first_ms "$r")" 70
stop_proxy
has "2g: losses counted" "$work/2g.err" "losses="
has "2g: asymmetric" "$work/2g.err" "up=18 down=40"
has "2g: always up, no drops unless asked" "$work/2g.err" "window=0/0 mode=reset drop-every=0"

# --- windows: the link is up, then down (open connections cut, new ones
# refused), then up again. A clean link capped at 400 kbit/s down, up
# 2000 ms, down 2500 ms.
start_proxy win --window-up-ms 2000 --window-down-ms 2500 --down 400
r=$(req --path "/v1/health?t=win1")
check "window 1: a request" "$r" status=200 end=complete
r=$(req --path /bytes/400000 --timeout 20000)
check "window 1: a long download cut when the link goes" "$r" end=reset
at_least "window 1: bytes before the cut" "$(field recv "$r")" 1
at_most "window 1: bytes before the cut" "$(field recv "$r")" 399999
wait_line "$work/win.err" "link=down window=1 cause=window" && ok || bad "window: never went down"
has "window: the download was cut" "$work/win.err" "end=link-down"
n0=$(accepts)
r=$(req --path "/v1/health?t=windown")
check "window down: refused" "$r" status=0 recv=0
[ "$(accepts)" = "$n0" ] && ok || bad "window down: the server saw a connection"
wait_line "$work/win.err" "link=up window=2" && ok || bad "window: never came back up"
r=$(req --path "/v1/health?t=win2")
check "window 2: a request" "$r" status=200 end=complete
stop_proxy
first=$(grep -m1 'link=down' "$work/win.err")
check "window: the first down cut the download" "$first" window=1 cut=1

# --- the window profile, compressed: 180 s up, 1200 s down at time-scale 600
# is 300 ms up, 2 s down.
start_proxy window --profile window --time-scale 600
has "window profile: figures" "$work/window.err" "window=180000/1200000 mode=reset"
wait_line "$work/window.err" "link=down window=1" && ok || bad "window profile: never went down"
wait_line "$work/window.err" "link=up window=2" && ok || bad "window profile: never came back up"
stop_proxy

# --- blackhole: while down, a new connection gets nothing (no answer, no
# reset, the server never sees it) until the link is back, then a reset.
start_proxy hole --window-up-ms 3000 --window-down-ms 2500 --window-mode blackhole
wait_line "$work/hole.err" "link=down window=1" && ok || bad "blackhole: never went down"
n0=$(accepts)
r=$(req --path "/v1/health?t=hole" --timeout 10000)
check "blackhole: nothing, then cut" "$r" status=0 recv=0 end=reset
[ "$(accepts)" = "$n0" ] && ok || bad "blackhole: the server saw a connection"
wait_line "$work/hole.err" "link=up window=2 cause=window drops=0 cut=1" && ok ||
  bad "blackhole: not cut when the link came back: $(grep link= "$work/hole.err")"
r=$(req --path "/v1/health?t=hole2")
check "blackhole: up again" "$r" status=200 end=complete
stop_proxy

# --- drops: short downs at random (seeded), about 800 ms apart, 300 ms each.
start_proxy drops --drop-every-ms 800 --drop-ms 300 --seed 3
wait_line "$work/drops.err" "link=up window=1 cause=drop drops=2" && ok || bad "drops: no second drop"
has "drops: down" "$work/drops.err" "link=down window=1 cause=drop drops=1"
r=$(req --path "/v1/health?t=drops" --timeout 10000)
[ -n "$(field status "$r")" ] && ok || bad "drops: no answer line: $r"
stop_proxy

# --- reset-after-request: the server has the whole request (and answered),
# the client gets a reset and not one byte.
for prof in clean edge; do
  start_proxy "rar-$prof" --profile "$prof" --time-scale 4 --fault reset-after-request
  r=$(req --method POST --path "/v1/upload?t=rar-$prof" --body 5000)
  check "reset-after-request ($prof): client" "$r" end=reset recv=0 status=0
  has "reset-after-request ($prof): server has the request" "$work/server.log" \
    "path=/v1/upload?t=rar-$prof len=5000 pattern=ok"
  stop_proxy
  has "reset-after-request ($prof): log" "$work/rar-$prof.err" "down=0"
  has "reset-after-request ($prof): log end" "$work/rar-$prof.err" "end=reset-after-request"
done

# --- reset-up:1000: the server gets exactly 1000 bytes, then a reset.
start_proxy rup --fault reset-up:1000
r=$(req --method POST --path "/v1/upload?t=rup" --body 5000)
check "reset-up: client" "$r" end=reset status=0
wait_line "$work/server.log" "path=/v1/upload?t=rup recv=" && ok || bad "reset-up: the server did not close"
has "reset-up: server got 1000 bytes then a reset" "$work/server.log" "path=/v1/upload?t=rup recv=1000 sent=0 end=reset"
hasnt "reset-up: no complete request" "$work/server.log" "path=/v1/upload?t=rup len="
stop_proxy
has "reset-up: log" "$work/rup.err" "up=1000 down=0"

# --- reset-down:500: the client gets exactly 500 bytes, then a reset.
start_proxy rdown --fault reset-down:500
r=$(req --path "/bytes/10000")
check "reset-down: client" "$r" end=reset recv=500 http=1
stop_proxy

# --- Answers of the proxy's own: nothing reaches the server.
n0=$(accepts)
start_proxy h503 --fault http503:7
r=$(req --method POST --path "/v1/upload?t=503" --body 4000)
check "http503" "$r" status=503 retry_after=7 end=complete
stop_proxy
start_proxy h500 --fault http500 --profile edge --time-scale 4
r=$(req --method POST --path "/v1/upload?t=500" --body 4000)
check "http500" "$r" status=500 end=complete
at_least "http500 on edge/4: the answer is delayed too (ms)" "$(field first_ms "$r")" 185
stop_proxy
start_proxy portal --fault portal
r=$(req --method POST --path "/v1/upload?t=portal" --body 4000)
check "portal" "$r" status=200 ctype=text/html html=1 end=complete
r=$(req --path "/v1/health?t=portal")
check "portal (GET)" "$r" status=200 ctype=text/html html=1 end=complete
stop_proxy
has "portal: log" "$work/portal.err" "fault=portal up=4"
[ "$(accepts)" = "$n0" ] && ok || bad "own answers: the server saw a connection"

# --- garbage: random bytes instead of the answer; the server got the request.
start_proxy garbage --fault garbage
r=$(req --path "/bytes/3000?t=garbage")
check "garbage" "$r" http=0 status=0 end=eof
at_least "garbage: bytes received" "$(field recv "$r")" 3000
has "garbage: server had the request" "$work/server.log" "path=/bytes/3000?t=garbage len=0"
stop_proxy

# --- corrupt: still HTTP, the body has flipped bits.
start_proxy corrupt --fault corrupt
r=$(req --path "/bytes/5000")
check "corrupt" "$r" http=1 status=200 end=complete body=5000 pattern=bad
stop_proxy
has "corrupt: log" "$work/corrupt.err" "corrupted=1"

# --- stall: nothing moves for MS.
start_proxy stall --fault stall:1000@0
r=$(req --path "/v1/health?t=stall")
check "stall at 0" "$r" status=200 end=complete
at_least "stall:1000@0: time to first byte (ms)" "$(field first_ms "$r")" 1000
stop_proxy
start_proxy stall2 --fault stall:800@3000
r=$(req --path "/bytes/20000")
check "stall mid-answer" "$r" status=200 end=complete pattern=ok
at_least "stall:800@3000: total (ms)" "$(field total_ms "$r")" 800
stop_proxy
has "stall: log" "$work/stall2.err" "stalled=1"

# --- Many stations at once: 10 on edge/4 (up and down), 16 on a clean link.
start_proxy many --profile edge --time-scale 4
for i in $(seq 10); do
  req --method POST --path "/v1/upload?t=many$i" --body 20000 >"$work/many-up-$i" &
  req --path /bytes/20000 >"$work/many-down-$i" &
done
wait_clients() { for f in "$@"; do for _ in $(seq 600); do [ -s "$f" ] && break; sleep 0.05; done; done; }
wait_clients "$work"/many-up-* "$work"/many-down-*
for i in $(seq 10); do
  check "many: upload $i" "$(cat "$work/many-up-$i")" status=200 end=complete
  check "many: download $i" "$(cat "$work/many-down-$i")" status=200 end=complete pattern=ok
  has "many: upload $i intact" "$work/server.log" "path=/v1/upload?t=many$i len=20000 pattern=ok"
done
stop_proxy
start_proxy many2 --profile clean
for i in $(seq 16); do req --path /bytes/100000 >"$work/many2-$i" & done
wait_clients "$work"/many2-*
for i in $(seq 16); do check "many clean: $i" "$(cat "$work/many2-$i")" status=200 pattern=ok; done
stop_proxy

# --- Misbehaving ends: clients that reset mid-answer or leave early, a target
# that is not there; the proxy carries on.
start_proxy rude --profile edge --time-scale 4
for _ in 1 2 3; do req --path /bytes/1000000 --abort-ms 150 >/dev/null; done
req --method POST --path /v1/upload --body 100000 --abort-ms 0 >/dev/null
r=$(req --path /bytes/1000)
check "after rude clients" "$r" status=200 end=complete pattern=ok
stop_proxy
start_proxy rude2 --fault portal
req --method POST --path /v1/upload --body 100000 --abort-ms 0 >/dev/null
r=$(req --path /v1/health)
check "portal after a rude client" "$r" status=200 html=1
stop_proxy
nowhere=$("$peer" freeport)
"$proxy" --target "127.0.0.1:$nowhere" --log >"$work/nowhere.out" 2>"$work/nowhere.err" &
ppid=$!
pids+=("$ppid")
pname=nowhere
pport=$(wait_port "$work/nowhere.out") || bad "nowhere: did not start"
r=$(req --path /v1/health)
[ "$(field status "$r")" = 0 ] && [ "$(field recv "$r")" = 0 ] && ok || bad "target down: got $r"
r=$(req --path /v1/health)
[ "$(field status "$r")" = 0 ] && ok || bad "target down (2nd): got $r"
stop_proxy
has "target down: log" "$work/nowhere.err" "end=connect-failed"

# --- several targets: connections go to each in turn (round robin).
"$peer" serve >"$work/server2.log" 2>&1 &
pids+=("$!")
sport2=$(wait_port "$work/server2.log") || bad "the second test server did not start"
before=$(accepts)
start_proxy rr --target "127.0.0.1:$sport2"
for i in 1 2 3 4; do
  r=$(req --path "/v1/health?t=rr$i")
  check "round robin $i" "$r" status=200 end=complete
done
stop_proxy
[ "$(($(accepts) - before))" = 2 ] && ok || bad "round robin: first target took $(($(accepts) - before)) of 4"
[ "$(grep -c '^accept ' "$work/server2.log")" = 2 ] && ok || bad "round robin: second target took $(grep -c '^accept ' "$work/server2.log") of 4"
has "round robin: 2nd target got rr2" "$work/server2.log" "t=rr2"
status=0
timeout 5 "$proxy" $(for i in $(seq 9); do echo --target 127.0.0.1:$sport; done) >"$work/refuse.out" 2>"$work/refuse.err" || status=$?
[ $status -eq 2 ] && grep -q "at most 8 --target" "$work/refuse.err" && ok || bad "9 targets: status $status: $(cat "$work/refuse.err")"

# --- chaos: one fault per connection, drawn from the seed: the same seed
# gives the same faults; the proxy survives all of them.
for run in 1 2; do
  start_proxy "chaos$run" --profile chaos --seed 7 --time-scale 10
  for i in $(seq 20); do req --path /bytes/2000 --timeout 10000 >>"$work/chaos$run.clients"; done
  r=$(req --path /bytes/10 --timeout 10000)
  kill -0 "$ppid" 2>/dev/null && ok || bad "chaos: the proxy died"
  stop_proxy
  grep -o 'conn=[0-9]* fault=[^ ]*' "$work/chaos$run.err" | sort >"$work/chaos$run.faults"
done
[ "$(wc -l <"$work/chaos1.faults")" = 21 ] && ok || bad "chaos: want 21 log lines, got $(wc -l <"$work/chaos1.faults")"
cmp -s "$work/chaos1.faults" "$work/chaos2.faults" && ok || bad "chaos: the same seed gave other faults"
kinds=$(sed 's/.*fault=//; s/:.*//' "$work/chaos1.faults" | sort -u | wc -l)
at_least "chaos: kinds of fault in 21 connections" "$kinds" 4
grep -q 'fault=none' "$work/chaos1.faults" && ok || bad "chaos: never 'none'"

echo "faultproxy self-test: $passes passed, $fails failed"
[ $fails -eq 0 ]
