#!/usr/bin/env bash
# The console in a real browser: Debian's headless Chromium logs in
# through the login form over http://127.0.0.1 (so it must keep the
# __Host- session cookie itself), then screenshots the Overview, a
# station's page and the accounts page in kk, ru and en at 1366x768 and at
# a phone's 390x844 (cdpshot, DevTools over a
# pipe), and the login page once; then the Results pages (opened with
# open-results --into, one trainee with a long hostile name): the table,
# a filtered table, a trainee's history, an attempt in full, item
# analysis and the printable report (also printed to PDF by Chromium,
# and shot with print media at A4's width). Checked: the cookie as the browser holds it (Secure, HttpOnly,
# SameSite=Strict), each page logged in, nothing wider than the window
# (nothing cut off at the side), the PNGs of the right width. The shots
# stay in BUILD_DIR/tests/console/shots for people to look at.
# Run in a network namespace of its own when it can (unshare -n: only a
# loopback), so that Chromium reaches nothing beyond 127.0.0.1.
#   browser.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
chromium=${SYNAQ_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "SKIP: no $chromium (scripts/setup installs it)"; exit 77; }
if [ -z "${SYNAQ_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  exec unshare -n env SYNAQ_NETNS=1 "$0" "$@"
fi
[ -n "${SYNAQ_NETNS:-}" ] && ip link set lo up 2>/dev/null || true
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-browser-XXXXXX")
shots=$bin/tests/console/shots
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

NOW=1767268800
export TZ=UTC
"$src/tests/console/fixture.sh" "$bin" "$work" "$NOW"
# Results to open: one under a long name with markup in it, to see it
# wrap as text.
"$bin/tests/sync/mkresults" --home "$work/st-b" --count 1 --tag long \
  --name '<script>alert(1)</script> Жұмабекова-Сейітқалиева Гүлнәр Серікқызы'
# And 40 more, for the chart of results per day: mkresults finishes them
# by the machine's clock, so below every attempt after NOW is moved into
# the month before it, spread over its days.
"$bin/tests/sync/mkresults" --home "$work/st-a" --count 40 --tag spread --name "Әлия Нұрланқызы"
mkdir -p "$work/stick2"
"$bin/ctl/synaqctl" --home "$work/st-a" export-usb "$work/stick2" >/dev/null
"$bin/ctl/synaqctl" --home "$work/st-b" export-usb "$work/stick2" >/dev/null
"$bin/central/synaq-central" --home "$work/central" ingest "$work/stick2" >/dev/null
"$bin/central/synaq-central" --home "$work/central" open-results --into "$work/central/reports.db" >/dev/null
sqlite3 "$work/central/reports.db" "UPDATE attempts SET
  finished_wall = $NOW - 3600 - ((id * 7) % 30) * 86400 - (id % 3) * 86400 * (id % 2),
  started_wall = $NOW - 3600 - ((id * 7) % 30) * 86400 - (id % 3) * 86400 * (id % 2) - 600
  WHERE finished_wall > $NOW"
long=$(sqlite3 -readonly -cmd ".timeout 10000" "$work/central/reports.db" "SELECT id || ' ' || trainee_id FROM attempts WHERE trainee_id LIKE 'long-%'")
long_attempt=${long%% *}
long_trainee=${long#* }
# A history for st-a's page (the Fleet's heartbeat table and chart): 30
# heartbeats an hour apart (in the order of their ids, as the receiver
# stores them), results waiting rising and falling, 3.2 GB free, the
# newest with its clock 7 minutes ahead.
sqlite3 "$work/central/results.db" "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 29)
  INSERT INTO heartbeats(station_id, received_wall, software, content, pending, oldest_pending_s,
    disk_free_bytes, station_wall_s, last_seq, counter, integrity)
  SELECT 'st-a', 0, software, content, 0, 0, 0, 0, last_seq, 0, 0 FROM heartbeats, k
  WHERE station_id = 'st-a';
  UPDATE heartbeats SET received_wall = $NOW - 3600 - 3600 * (SELECT count(*) FROM heartbeats h
    WHERE h.station_id = 'st-a' AND h.id > heartbeats.id) WHERE station_id = 'st-a';
  UPDATE heartbeats SET pending = (id * 7) % 23, oldest_pending_s = 1800 * (1 + id % 5),
    disk_free_bytes = 3435973836 + id * 1000, station_wall_s = received_wall + (id % 3) * 20
    WHERE station_id = 'st-a';
  UPDATE heartbeat_latest SET heartbeat_id = (SELECT max(id) FROM heartbeats WHERE station_id = 'st-a'),
    received_wall = $NOW - 3600 WHERE station_id = 'st-a';
  UPDATE heartbeats SET station_wall_s = received_wall + 420
    WHERE id = (SELECT heartbeat_id FROM heartbeat_latest WHERE station_id = 'st-a');
  UPDATE heartbeat_latest SET (pending, oldest_pending_s, disk_free_bytes, station_wall_s) =
    (SELECT pending, oldest_pending_s, disk_free_bytes, station_wall_s FROM heartbeats
     WHERE id = heartbeat_latest.heartbeat_id) WHERE station_id = 'st-a';"
echo "$NOW" >"$work/clock"
"$bin/central/synaq-central" --home "$work/central" console --listen 127.0.0.1:0 \
  --clock-file "$work/clock" --assets "$src/assets" >"$work/console.out" 2>"$work/console.log" &
console_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/console.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's|^console listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$work/console.out")
[ -n "$port" ] || { echo "the console did not start: $(cat "$work/console.log")" >&2; exit 1; }

rm -rf "$shots"
mkdir -p "$shots"
status=0
"$bin/tests/console/cdpshot" --chromium "$chromium" --base "http://127.0.0.1:$port" \
  --user alice --password "alice password 1" --pages "/overview,/fleet,/overview?show=silent,/station/st-a,/users,/results,/results?station=st-b&sort=name&dir=asc,/trainee/$long_trainee,/attempt/$long_attempt,/items?exam=chaos&version=1,/report?exam=chaos&version=1" \
  --print "/report?exam=chaos&version=1" --out "$work" >"$work/cdp.out" 2>"$work/cdp.err" || status=$?
[ $status = 77 ] && { cat "$work/cdp.out"; exit 77; }
[ $status = 0 ] && ok || bad "cdpshot: $(cat "$work/cdp.err")"
grep -q "^cookie __Host-synaq secure=1 httpOnly=1 sameSite=Strict path=/ session=0$" "$work/cdp.out" &&
  ok || bad "the browser's session cookie: $(grep '^cookie' "$work/cdp.out")"
grep -q "login ok from 127.0.0.1" <(sqlite3 -readonly -cmd ".timeout 10000" "$work/central/console.db" "SELECT action || ' ' || outcome || ' ' || detail FROM audit") &&
  ok || bad "no login audited"
n=0
while read -r _ file url sw iw h; do
  n=$((n + 1))
  sw=${sw#scroll_width=}
  iw=${iw#inner_width=}
  name=$(basename "$file")
  cp "$file" "$shots/$name"
  case $name:$url in
    login-*:url=http://127.0.0.1:$port/login\?lang=en) ok ;;
    overview-*:url=http://127.0.0.1:$port/overview\?lang=*) ok ;;
    overview_show_silent-*:url=http://127.0.0.1:$port/overview\?show=silent\&lang=*) ok ;;
    fleet-*:url=http://127.0.0.1:$port/fleet\?lang=*) ok ;;
    station_st-a-*:url=http://127.0.0.1:$port/station/st-a\?lang=*) ok ;;
    users-*:url=http://127.0.0.1:$port/users\?lang=*) ok ;;
    results-*:url=http://127.0.0.1:$port/results\?lang=*) ok ;;
    results_station_st-b_sort_name_dir_asc-*:url=http://127.0.0.1:$port/results\?station=st-b\&sort=name\&dir=asc\&lang=*) ok ;;
    trainee_$long_trainee-*:url=http://127.0.0.1:$port/trainee/$long_trainee\?lang=*) ok ;;
    attempt_$long_attempt-*:url=http://127.0.0.1:$port/attempt/$long_attempt\?lang=*) ok ;;
    items_exam_chaos_version_1-*:url=http://127.0.0.1:$port/items\?exam=chaos\&version=1\&lang=*) ok ;;
    report_exam_chaos_version_1-*:url=http://127.0.0.1:$port/report\?exam=chaos\&version=1\&lang=*) ok ;;
    *) bad "$name: at $url" ;;
  esac
  [ "$sw" -le "$iw" ] && ok || bad "$name: the page is $sw px wide in a $iw px window (cut off)"
  want_w=${name##*-}
  want_w=${want_w%%x*}
  [ "$(identify -format %w "$file")" = "$want_w" ] && ok || bad "$name: $(identify -format %wx%h "$file")"
done < <(grep '^shot ' "$work/cdp.out")
[ $n = 70 ] && ok || bad "$n screenshots, expected 70: $(cat "$work/cdp.out" "$work/cdp.err")"
# The printed report: a PDF per language, the summary on a page of its
# own before item analysis (so at least two pages), A4 (595 x 842 pt).
n=0
while read -r _ file url bytes; do
  n=$((n + 1))
  cp "$file" "$shots/$(basename "$file")"
  [ "$(head -c 5 "$file")" = "%PDF-" ] && ok || bad "$file: not a PDF"
  pages=$(grep -a -c '/Type /Page$\|/Type /Page[^s]' "$file" || true)
  [ "$pages" -ge 2 ] && ok || bad "$file: $pages page(s)"
  grep -a -q '/MediaBox \[0 0 59[45]\.[0-9]* 84[12]\.[0-9]*\]' "$file" && ok || bad "$file: not A4: $(grep -a -o '/MediaBox \[[^]]*\]' "$file" | head -1)"
done < <(grep '^pdf ' "$work/cdp.out")
[ $n = 3 ] && ok || bad "$n PDFs, expected 3"
echo "screenshots in $shots"
echo "browser: $passes passed, $fails failed"
[ $fails = 0 ]
