#!/usr/bin/env bash
# A 5 MB bundle to a station on 2G that comes and goes (the fault proxy's
# window profile, time-scale 100: 40 kbit/s down is 500 KB/s, windows of
# 1.8 s up and 3 s down): syncd resumes it by Range window after window
# (the part file only grows, every request after the first starts where
# the part ended, the bytes carried are about the bundle's size, not
# several times it), checks the listed sha256 and imports it. Then a part
# file whose bytes were changed between windows: the download finishes,
# the sha256 check fails, nothing is imported, the part is removed and the
# try counted; the next rounds fetch it again from the start and import it.
#   bundle2g.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-bundle2g-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "FAIL: $*" >&2; echo "bundle 2g: $passes passed, $((fails + 1)) failed"; exit 1; }

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
exams() { "$bin/ctl/synaqctl" --home "$st" exams; }

# A real bundle of about 5 MB: items with images of random (incompressible)
# bytes behind a PNG signature, up to the 1 MiB an image may have.
# make_bundle NAME IMAGES
make_bundle() {
  local name=$1 n=$2 k
  {
    printf 'exam: %s\nversion: 1\ntitle: {en: %s}\npass_mark: 50\nitems:\n' "$name" "$name"
    for k in $(seq 1 "$n"); do
      { printf '\x89PNG\r\n\x1a\n'; head -c 1040000 /dev/urandom; } >"$work/$name-$k.png"
      printf '  - id: %s%d\n    type: truefalse\n    answer: yes\n    image: %s-%d.png\n    text: {en: Is it %d?}\n' \
        "$name" "$k" "$name" "$k" "$k"
    done
  } >"$work/$name.yaml"
  central bundle build "$work/$name.yaml" --stations "$work/central/certs/ui-001.cert" \
    -o "$work/$name.sqb" >/dev/null
}
mkdir -p "$work/bundles/ui-001"
make_bundle big 5
size=$(stat -c %s "$work/big.sqb")
sha=$(sha256sum "$work/big.sqb" | cut -d' ' -f1)
[ "$size" -ge 5000000 ] && ok || bad "the bundle is only $size bytes"
cp "$work/big.sqb" "$work/bundles/ui-001/big.sqb"

central serve --listen 127.0.0.1:0 --bundles "$work/bundles" >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
[ -n "$port" ] || die "the receiver did not start: $(cat "$work/serve.log")"
"$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 --target "127.0.0.1:$port" \
  --profile window --window-down-ms 300000 --time-scale 100 --seed 13 --log \
  >"$work/proxy.out" 2>"$work/proxy.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q listening "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
pport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/proxy.out")
[ -n "$pport" ] || die "the proxy did not start: $(cat "$work/proxy.log")"
cat >"$st/sync.conf" <<CONF
central_url = http://127.0.0.1:$pport
interval_s = 3600
retry_min_s = 1
retry_max_s = 1
connect_timeout_s = 5
probe_timeout_s = 5
low_speed_bytes = 10
low_speed_s = 5
CONF

# 1. The daemon over the windows. Each time the link goes down, the part's
# size then, while there is one (the bytes written so far; one a line).
part=$st/bundles/$sha.part
"$bin/sync/synaq-syncd" --home "$st" 2>"$work/syncd.log" &
syncd_pid=$!
pids+=("$syncd_pid")
downs=0
: >"$work/sizes"
for _ in $(seq 1 1800); do
  grep -q "bundle big.sqb imported" "$work/syncd.log" && break
  d=$(grep -c 'link=down' "$work/proxy.log" || true)
  if [ "$d" -gt "$downs" ]; then
    downs=$d
    if [ -e "$part" ]; then
      now_size=$(stat -c %s "$part")
      prev_size=$(tail -1 "$work/sizes")
      [ "$now_size" -ge "${prev_size:-0}" ] ||
        die "the part shrank from $prev_size to $now_size bytes: the download started over"
      echo "$now_size" >>"$work/sizes"
    fi
  fi
  sleep 0.1
done
grep -q "bundle big.sqb imported" "$work/syncd.log" ||
  die "not imported after 180 s: $(tail -5 "$work/syncd.log"); part $(stat -c %s "$part" 2>/dev/null)"
kill -TERM "$syncd_pid"
wait "$syncd_pid" || bad "syncd exited $? on SIGTERM"
exams | grep -q "^big v1" && ok || bad "big is not installed: $(exams)"
[ "$(sha256sum "$st/bundles/$sha.sqb" | cut -d' ' -f1)" = "$sha" ] && ok || bad "the kept bundle is not the listed one"
[ ! -e "$part" ] && ok || bad "the part file is left"

# It took several windows, and the part only grew.
grows=$(awk 'NR > 1 && $1 > prev { n++ } { prev = $1 } END { print n + 0 }' "$work/sizes")
shrinks=$(awk 'NR > 1 && $1 < prev { n++ } { prev = $1 } END { print n + 0 }' "$work/sizes")
[ "$grows" -ge 2 ] && ok || bad "the part grew across only $grows window(s): $(tr '\n' ' ' <"$work/sizes")"
[ "$shrinks" = 0 ] && ok || bad "the part shrank between windows: $(tr '\n' ' ' <"$work/sizes")"
cuts=$(grep 'link=down' "$work/proxy.log" | grep -vc 'cut=0' || true)
[ "$cuts" -ge 2 ] && ok || bad "only $cuts window(s) cut a connection: $(grep link= "$work/proxy.log")"

# Every request after the first asked for the rest (Range), each from
# further on; central sent 206 with the range.
grep -o 'GET /v1/bundles/big.sqb [0-9]*.*' "$work/serve.log" >"$work/gets" || true
gets=$(wc -l <"$work/gets")
[ "$gets" -ge 3 ] && ok || bad "the bundle came in $gets request(s); want several: $(cat "$work/gets")"
head -1 "$work/gets" | grep -q ' 200 ' && ok || bad "the first request was not for the whole: $(head -1 "$work/gets")"
sed -n 's/.* 206 .*bytes \([0-9]*\)-.*/\1/p' "$work/gets" >"$work/starts"
[ "$(wc -l <"$work/starts")" = "$((gets - 1))" ] && ok || bad "not every later request was a 206 range: $(cat "$work/gets")"
awk 'NR == 1 && $1 <= 0 { bad = 1 } NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' \
  "$work/starts" && ok || bad "the ranges do not go forward: $(tr '\n' ' ' <"$work/starts")"
# The bytes that crossed the link down (all connections): the bundle once
# and a little (answers, headers, bytes lost in a cut), not a restart.
carried=$(sed -n 's/.*conn=.* down=\([0-9]*\) .*/\1/p' "$work/proxy.log" | awk '{ s += $1 } END { print s + 0 }')
[ "$carried" -ge "$size" ] && [ "$carried" -le $((size + size / 10)) ] && ok ||
  bad "$carried bytes went down for a bundle of $size"
echo "bundle 2g: $size bytes in $gets requests over $downs windows down, $carried bytes down the link"

# 2. A part file changed between windows. A smaller bundle (2 MB: still
# more than one 1.8 s window carries), fetched by single rounds (--once).
make_bundle second 2
sha2=$(sha256sum "$work/second.sqb" | cut -d' ' -f1)
size2=$(stat -c %s "$work/second.sqb")
cp "$work/second.sqb" "$work/bundles/ui-001/second.sqb"
part2=$st/bundles/$sha2.part
once() { "$bin/sync/synaq-syncd" --home "$st" --once 2>>"$work/once.log"; }
# A part cut by a window, with at least 64 KiB in it.
for _ in $(seq 1 100); do
  once || true
  p=$(stat -c %s "$part2" 2>/dev/null || echo 0)
  [ "$p" -ge 65536 ] && [ "$p" -lt "$size2" ] && break
  sleep 0.1
done
[ "$p" -ge 65536 ] && [ "$p" -lt "$size2" ] || die "no part file cut by a window: $p of $size2 bytes"
printf 'these bytes are not the bundle' | dd of="$part2" bs=1 seek=40000 conv=notrunc status=none
# The next rounds finish the download; the hash check fails.
for _ in $(seq 1 100); do
  grep -q "bundle second.sqb: downloaded bytes do not match the listed sha256" "$work/once.log" && break
  once || true
  sleep 0.1
done
grep -q "bundle second.sqb: downloaded bytes do not match the listed sha256" "$work/once.log" && ok ||
  die "the changed part was not caught: $(tail -5 "$work/once.log")"
exams | grep -q "^second" && bad "a bundle that failed its sha256 was imported" || ok
[ ! -e "$part2" ] && ok || bad "the bad part file is left ($(stat -c %s "$part2") bytes)"
[ "$(cat "$st/bundles/$sha2.tries" 2>/dev/null)" = 1 ] && ok || bad "the try is not counted: $(ls "$st/bundles")"
[ ! -e "$st/bundles/$sha2.sqb" ] && [ ! -e "$st/bundles/$sha2.aside" ] && ok || bad "marked done or aside: $(ls "$st/bundles")"
# Fetched again from the start (its first request after the failure is for
# the whole), and imported.
n_before=$(grep -c 'GET /v1/bundles/second.sqb' "$work/serve.log")
for _ in $(seq 1 100); do
  exams | grep -q "^second v1" && break
  once || true
  sleep 0.1
done
exams | grep -q "^second v1" && ok || bad "not imported after the failed try: $(tail -5 "$work/once.log")"
grep 'GET /v1/bundles/second.sqb' "$work/serve.log" | sed -n "$((n_before + 1))p" | grep -q ' 200 ' && ok ||
  bad "the retry did not start from 0: $(grep 'GET /v1/bundles/second.sqb' "$work/serve.log" | sed -n "$((n_before + 1))p")"
[ "$(sha256sum "$st/bundles/$sha2.sqb" 2>/dev/null | cut -d' ' -f1)" = "$sha2" ] && ok || bad "second: the kept bundle is not the listed one"
[ ! -e "$st/bundles/$sha2.tries" ] && ok || bad "the tries are not cleared after the import"

# 3. An answer that is not the bundle leaves nothing in the part: central
# lists a bundle, then no longer has it when the station asks (404). Its
# body must not become the start of the part (the next round would resume
# after it and the hash would fail). A link of 1 s each way gives the test
# 2 s to remove the file between the listing and the request; tried until
# central has answered 404 at least once.
"$bin/tests/faultproxy/synaq-faultproxy" --listen 127.0.0.1:0 --target "127.0.0.1:$port" \
  --latency 1000 --jitter 0 >"$work/proxy3.out" 2>"$work/proxy3.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q listening "$work/proxy3.out" 2>/dev/null && break; sleep 0.1; done
pport3=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/proxy3.out")
[ -n "$pport3" ] || die "the third proxy did not start: $(cat "$work/proxy3.log")"
sed -i "s|^central_url = .*|central_url = http://127.0.0.1:$pport3|" "$st/sync.conf"
make_bundle third 1
sha3=$(sha256sum "$work/third.sqb" | cut -d' ' -f1)
part3=$st/bundles/$sha3.part
for _ in $(seq 1 5); do
  cp "$work/third.sqb" "$work/bundles/ui-001/third.sqb"
  lists=$(grep -c 'GET /v1/bundles 200' "$work/serve.log" || true)
  "$bin/sync/synaq-syncd" --home "$st" --once 2>>"$work/once3.log" &
  once_pid=$!
  for _ in $(seq 1 200); do
    [ "$(grep -c 'GET /v1/bundles 200' "$work/serve.log" || true)" -gt "$lists" ] && break
    sleep 0.05
  done
  rm -f "$work/bundles/ui-001/third.sqb"
  wait "$once_pid" || true
  grep -q 'GET /v1/bundles/third.sqb 404' "$work/serve.log" && break
done
grep -q 'GET /v1/bundles/third.sqb 404' "$work/serve.log" ||
  die "central never answered 404 for the bundle taken away: $(grep third "$work/serve.log")"
grep -q "downloading third.sqb: refused (HTTP 404)" "$work/once3.log" && ok ||
  bad "the 404 is not reported: $(tail -3 "$work/once3.log")"
[ ! -s "$part3" ] && ok || bad "the 404's body went into the part: $(head -c 200 "$part3")"
cp "$work/third.sqb" "$work/bundles/ui-001/third.sqb"
for _ in $(seq 1 20); do
  exams | grep -q "^third v1" && break
  "$bin/sync/synaq-syncd" --home "$st" --once 2>>"$work/once3.log" || true
done
exams | grep -q "^third v1" && ok || bad "third not imported after the 404: $(tail -5 "$work/once3.log")"
grep -q "third.sqb: downloaded bytes do not match" "$work/once3.log" &&
  bad "the download after the 404 failed its hash: $(grep third "$work/once3.log")" || ok
[ ! -e "$st/bundles/$sha3.tries" ] && ok || bad "the 404 counted as a try"

echo "bundle 2g: $passes passed, $fails failed"
[ $fails = 0 ]
