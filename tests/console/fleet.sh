#!/usr/bin/env bash
# The Fleet page and a station's heartbeat history (issue 9), the console
# started for real on 127.0.0.1 against fixture.sh's central with more
# heartbeats sent by st-a to the real receiver, and a fifth station whose
# district and label are hostile. Checked: the order by "needs attention"
# (revoked, silent, clock skew, low disk, many waiting, oldest waiting),
# each column against what the stores hold, the stick shown as a stick and
# not as a heartbeat, the history paged forwards and back with the stick's
# row where its time falls, the pending chart, bad page numbers and
# cursors (400, 404), a district account kept to its district (403, no row
# shown), hostile names as text, and results.db and central.db unchanged.
# Time is the console's --clock-file.
#   fleet.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-fleet-XXXXXX")
console_pid=""
serve_pid=""
cleanup() {
  [ -z "$console_pid" ] || kill "$console_pid" 2>/dev/null || true
  [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

NOW=1767268800 # 2026-01-01 12:00 UTC
export TZ=UTC
"$src/tests/console/fixture.sh" "$bin" "$work" "$NOW"
home=$work/central
central() { "$bin/central/synaq-central" --home "$home" "$@"; }
ctl() { local h=$1; shift; "$bin/ctl/synaqctl" --home "$work/$h" "$@"; }
r=$home/results.db

# st-e: a district and a label that are markup.
evil_d='"><img src=x onerror=alert(2)>'
ctl st-e init --no-passphrase --central "$home/keys/central.pub" --label '<script>alert(3)</script>' >/dev/null
central enroll "$work/st-e/enrol.req" --station-id st-e --district "$evil_d" >/dev/null
ctl st-e enroll "$home/certs/st-e.cert" >/dev/null

# st-a sends two more heartbeats (alone) to the real receiver.
central serve --listen 127.0.0.1:0 >"$work/serve2.out" 2>"$work/serve2.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve2.out" 2>/dev/null && break; sleep 0.1; done
sport=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/serve2.out")
for n in 2 3; do
  "$bin/tests/security/mkupload" --home "$work/st-a" --counter $n -o "$work/hb$n.up" >/dev/null
  code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$work/hb$n.up" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$sport/v1/upload")
  [ "$code" = 200 ] && ok || bad "heartbeat $n refused by the receiver: $code"
done
kill $serve_pid
wait $serve_pid 2>/dev/null || true
serve_pid=""
[ "$(sqlite3 "$r" "SELECT count(*) FROM heartbeats WHERE station_id = 'st-a'")" = 3 ] && ok ||
  bad "the receiver did not keep st-a's 3 heartbeats"
# What the receiver stored of the station's own report, before the test
# moves the times: software and content are the station's.
soft=$(sqlite3 "$r" "SELECT software FROM heartbeat_latest WHERE station_id = 'st-a'")
content=$(sqlite3 "$r" "SELECT content FROM heartbeat_latest WHERE station_id = 'st-a'")
[ -n "$soft" ] && [ -n "$content" ] && ok || bad "no software or content in st-a's heartbeat"

# The history: 57 more heartbeats of st-a (60 in all), one an hour
# before the three real ones; pending grows by one each; the newest says
# its clock is 10 minutes ahead and 2.5 GiB free. The stick carried st-b
# in 3 days before NOW (fixture); st-a was also carried in by stick 30 h
# before NOW, which falls inside its first page of history.
sqlite3 "$r" "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 57)
  INSERT INTO heartbeats(station_id, received_wall, software, content, pending, oldest_pending_s,
    disk_free_bytes, station_wall_s, last_seq, counter, integrity)
  SELECT 'st-a', 0, software, content, 0, 0, disk_free_bytes, 0, last_seq, 0, 0
  FROM heartbeats, k WHERE station_id = 'st-a' AND id = (SELECT min(id) FROM heartbeats WHERE station_id = 'st-a');
  UPDATE heartbeats SET received_wall = $NOW - 3600 * (SELECT count(*) FROM heartbeats h
      WHERE h.station_id = 'st-a' AND h.id > heartbeats.id) - 600,
    pending = (SELECT count(*) FROM heartbeats h WHERE h.station_id = 'st-a' AND h.id < heartbeats.id) + 1,
    station_wall_s = 0 WHERE station_id = 'st-a';
  UPDATE heartbeats SET station_wall_s = received_wall + 600, disk_free_bytes = 2684354560,
    oldest_pending_s = 7200
    WHERE id = (SELECT max(id) FROM heartbeats WHERE station_id = 'st-a');
  UPDATE heartbeat_latest SET received_wall = $NOW - 600, pending = 60, oldest_pending_s = 7200,
    station_wall_s = $NOW, disk_free_bytes = 2684354560,
    heartbeat_id = (SELECT max(id) FROM heartbeats WHERE station_id = 'st-a') WHERE station_id = 'st-a';
  INSERT INTO stick_latest(station_id, received_wall, batch_id) VALUES ('st-a', $NOW - 30 * 3600, 'x');"
# st-c: heard 2 h ago by network with little disk (100 MiB) and a result
# waiting for 4 days; st-e never heard from (new).
sqlite3 "$r" "INSERT INTO heartbeats(station_id, received_wall, software, content, pending,
    oldest_pending_s, disk_free_bytes, station_wall_s, last_seq, counter, integrity)
  VALUES ('st-c', $NOW - 7200, '0.9', '', 1, 4 * 86400 - 7200, 104857600, $NOW - 7200 - 30, 1, 1, 0);
  INSERT INTO heartbeat_latest(station_id, heartbeat_id, received_wall, software, content, pending,
    oldest_pending_s, disk_free_bytes, station_wall_s, last_seq, counter, integrity)
  SELECT station_id, id, received_wall, software, content, pending, oldest_pending_s,
    disk_free_bytes, station_wall_s, last_seq, counter, integrity FROM heartbeats WHERE station_id = 'st-c';"
sqlite3 "$home/central.db" "UPDATE stations SET issued_wall = $NOW - 86400 WHERE station_id = 'st-e'"
results_sum=$(sha256sum <"$r")
central_sum=$(sha256sum <"$home/central.db")

. "$src/tests/console/web.sh"
# The station ids of the fleet table's rows, in order.
rows() { grep -o '<a href="/station/[^"]*">' "$work/b" | sed 's|<a href="/station/\([^"]*\)">|\1|' | tr '\n' ' '; }
# The text of station $1's row cell labelled $2 (tags stripped, <br> as " / ").
cell() {
  sed 's/<tr/\n&/g' "$work/b" | grep "href=\"/station/$1\"" |
    grep -o "<td[^>]*data-label=\"$2\">.*" | sed 's|</td>.*||; s|<br>| / |g; s|<[^>]*>||g; s|^[^>]*>||'
}
# The history table's rows: "when|how|pending".
hist() {
  sed -n '/<table id="history"/,/<\/table>/p' "$work/b" | sed 's/<tr/\n&/g' | grep '^<tr' | grep -v '<th' |
    sed 's|<td[^>]*>|\||g; s|<[^>]*>||g' | cut -d'|' -f2-4
}

login sam "sam password 1"
sam=$sess
[ -n "$sam" ] || { echo "sam did not log in: $code" >&2; exit 1; }

# 1. The fleet: every station, those needing attention first.
get "$sam" "/fleet?lang=en"
[ "$code" = 200 ] && ok || bad "the fleet page: $code"
body_has '<a href="/fleet">Fleet</a>' && ok || bad "no Fleet link in the bar"
[ "$(rows)" = "st-d st-b st-a st-c st-e " ] && ok || bad "fleet order: $(rows)"
[ "$(cell st-d Attention)" = "revoked" ] && ok || bad "st-d: $(cell st-d Attention)"
[ "$(cell st-b Attention)" = "silent" ] && ok || bad "st-b: $(cell st-b Attention)"
[ "$(cell st-a Attention)" = "clock off / many results waiting" ] && ok || bad "st-a: $(cell st-a Attention)"
[ "$(cell st-c Attention)" = "low disk / a result waiting long" ] && ok || bad "st-c: $(cell st-c Attention)"
[ "$(cell st-e Attention)" = "not heard from yet" ] && ok || bad "st-e: $(cell st-e Attention)"
[ "$(cell st-a Software)" = "$soft" ] && ok || bad "st-a software: $(cell st-a Software) (sent: $soft)"
[ "$(cell st-a 'Exams installed')" = "$(echo "$content" | sed 's/ / \/ /g')" ] && ok ||
  bad "st-a content: $(cell st-a 'Exams installed') (sent: $content)"
[ "$(cell st-a 'Last heard')" = "2026-01-01 11:50" ] && ok || bad "st-a last heard: $(cell st-a 'Last heard')"
[ "$(cell st-a Waiting)" = "60" ] && ok || bad "st-a waiting: $(cell st-a Waiting)"
# Oldest waiting: 7200 s when sent, 600 s before NOW: 2 h.
[ "$(cell st-a 'Oldest waiting')" = "2 h" ] && ok || bad "st-a oldest: $(cell st-a 'Oldest waiting')"
[ "$(cell st-a 'Free disk')" = "2.5 GB" ] && ok || bad "st-a disk: $(cell st-a 'Free disk')"
[ "$(cell st-a 'Clock skew')" = "+10 min" ] && ok || bad "st-a skew: $(cell st-a 'Clock skew')"
[ "$(cell st-c 'Clock skew')" = "−30 s" ] && ok || bad "st-c skew: $(cell st-c 'Clock skew')"
[ "$(cell st-c 'Free disk')" = "100 MB" ] && ok || bad "st-c disk: $(cell st-c 'Free disk')"
[ "$(cell st-c 'Oldest waiting')" = "4 d" ] && ok || bad "st-c oldest: $(cell st-c 'Oldest waiting')"
# st-b came only by stick: never heard, its upload shown as a stick's.
[ "$(cell st-b 'Last heard')" = "never" ] && ok || bad "st-b heard: $(cell st-b 'Last heard')"
[ "$(cell st-b 'Last upload')" = "2025-12-29 12:00 / carried by stick" ] && ok ||
  bad "st-b upload: $(cell st-b 'Last upload')"
[ "$(cell st-b 'Clock skew')" = "-" ] && [ "$(cell st-b 'Free disk')" = "-" ] && ok ||
  bad "st-b skew/disk: $(cell st-b 'Clock skew') $(cell st-b 'Free disk')"
# (Numbers and their units are held together by a no-break space.)
# Hostile labels and districts as text.
grep -q '<script\|<img' "$work/b" && bad "markup from a station in the fleet page" || ok
body_has '&lt;script&gt;alert(3)&lt;/script&gt;' && body_has '&quot;&gt;&lt;img src=x onerror=alert(2)&gt;' &&
  ok || bad "hostile label or district not shown as text"
for lang in kk ru; do
  get "$sam" "/fleet?lang=$lang"
  [ "$code" = 200 ] && [ "$(rows)" = "st-d st-b st-a st-c st-e " ] && ok || bad "fleet in $lang: $code"
  grep -q '"fleetx\.\|"fleet\.' "$work/b" && bad "a catalogue key shown in $lang" || ok
done
# A staff account may ask for one district.
get "$sam" "/fleet?lang=en&district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0" # Астана
[ "$code" = 200 ] && [ "$(rows)" = "st-b " ] && ok || bad "sam's fleet of Астана: $code $(rows)"
# Pages: one here; a page past the end 404, not a number 400.
get "$sam" "/fleet?page=1"
[ "$code" = 200 ] && ok || bad "page 1: $code"
for p in 2 99999999999999; do
  get "$sam" "/fleet?page=$p"
  [ "$code" = 404 ] && [ "$(rows)" = "" ] && ok || bad "page $p: $code"
done
for p in 0 -1 x 1e3 99999999999999999999999 "1%27%20OR%201=1"; do
  get "$sam" "/fleet?page=$p"
  [ "$code" = 400 ] && [ "$(rows)" = "" ] && ok || bad "page '$p': $code"
done
get "$sam" "/fleet?district=$(printf 'x%.0s' $(seq 300))"
[ "$code" = 400 ] && ok || bad "a 300-byte district: $code"

# 2. A station's heartbeat history: 60 heartbeats, 50 a page, newest
# first; the stick's row (30 h before NOW) between the heartbeats of 29
# and 31 h before the newest's hour.
get "$sam" "/station/st-a?lang=en"
[ "$code" = 200 ] && ok || bad "st-a's page: $code"
body_has '<p class="scope" id="history-kept">60 heartbeats kept' && ok || bad "history count"
[ "$(hist | wc -l)" = 51 ] && ok || bad "first page rows: $(hist | wc -l)"
[ "$(hist | head -1)" = "2026-01-01 11:50|by network|60" ] && ok || bad "newest row: $(hist | head -1)"
hist | grep -n "by stick" | grep -q "^31:2025-12-31 06:00|carried by stick|-$" && ok ||
  bad "the stick row: $(hist | grep -n 'by stick')"
[ "$(hist | tail -1)" = "2025-12-30 10:50|by network|11" ] && ok || bad "last row of page 1: $(hist | tail -1)"
grep -q '<svg id="pending-chart"' "$work/b" && grep -q '<polyline' "$work/b" && ok || bad "no pending chart"
pts=$(sed -n 's/.*<polyline[^>]*points="\([^"]*\)".*/\1/p' "$work/b" | wc -w)
[ "$pts" = 60 ] && ok || bad "chart points: $pts"
grep -q 'id="f-skew">+10 min<' "$work/b" && grep -q 'id="f-disk">2.5 GB<' "$work/b" && ok ||
  bad "station facts (skew, disk)"
older=$(sed -n 's/.*<a rel="next" href="\/station\/st-a?before=\([0-9]*\)#history-title">.*/\1/p' "$work/b")
[ -n "$older" ] && ok || bad "no link to older heartbeats"
get "$sam" "/station/st-a?lang=en&before=$older"
[ "$code" = 200 ] && [ "$(hist | wc -l)" = 10 ] && ok || bad "page 2: $code $(hist | wc -l)"
[ "$(hist | head -1)" = "2025-12-30 09:50|by network|10" ] && [ "$(hist | tail -1)" = "2025-12-30 00:50|by network|1" ] &&
  ok || bad "page 2 rows: $(hist | head -1) .. $(hist | tail -1)"
grep -q 'rel="next"' "$work/b" && bad "a next link on the last page" || ok
newer=$(sed -n 's/.*<a rel="prev" href="\/station\/st-a?after=\([0-9]*\)#history-title">.*/\1/p' "$work/b")
get "$sam" "/station/st-a?lang=en&after=$newer"
[ "$code" = 200 ] && [ "$(hist | wc -l)" = 51 ] && [ "$(hist | head -1)" = "2026-01-01 11:50|by network|60" ] &&
  ok || bad "back to page 1: $code $(hist | head -1)"
# st-b: no heartbeat, its stick carry-in alone; st-e: nothing at all.
get "$sam" "/station/st-b?lang=en"
[ "$code" = 200 ] && [ "$(hist)" = "2025-12-29 12:00|carried by stick|-" ] && ok || bad "st-b history: $(hist)"
grep -q 'pending-chart' "$work/b" && bad "a chart without heartbeats" || ok
get "$sam" "/station/st-e?lang=en"
[ "$code" = 200 ] && body_has 'id="history-empty"' && ok || bad "st-e history: $code"
grep -q '<script\|<img' "$work/b" && bad "markup from a station on its page" || ok
# Bad cursors.
for q in "before=999999" "after=999999" "before=1&after=2"; do
  get "$sam" "/station/st-a?$q"
  case $q in *"&"*) want=400 ;; *) want=404 ;; esac
  [ "$code" = $want ] && [ "$(hist)" = "" ] && ok || bad "st-a?$q: $code"
done
# Another station's heartbeat as st-a's cursor: not there.
cid=$(sqlite3 "$r" "SELECT id FROM heartbeats WHERE station_id = 'st-c'")
get "$sam" "/station/st-a?before=$cid"
[ "$code" = 404 ] && ok || bad "st-c's heartbeat as st-a's cursor: $code"
for q in "before=0" "before=-3" "before=x" "after=1e2" "before=1%20OR%201=1"; do
  get "$sam" "/station/st-a?$q"
  [ "$code" = 400 ] && [ "$(hist)" = "" ] && ok || bad "st-a?$q: $code"
done

# 3. A district account: its own district's stations and history only.
login dina "dina password 1"
dina=$sess
get "$dina" "/fleet?lang=en"
[ "$code" = 200 ] && [ "$(rows)" = "st-d st-a st-c " ] && ok || bad "dina's fleet: $code $(rows)"
get "$dina" "/fleet?lang=en&district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0"
[ "$code" = 403 ] && [ "$(rows)" = "" ] && ! body_has "st-b" && ok || bad "dina asking for Астана's fleet: $code"
for u in "/station/st-b" "/station/st-b?before=1" "/station/st-e" "/fleet?district=x&page=1"; do
  get "$dina" "$u"
  [ "$code" = 403 ] && [ "$(hist)" = "" ] && ! body_has 'id="history' && ok || bad "dina: $u: $code"
done
get "$dina" "/station/st-a?lang=en"
[ "$code" = 200 ] && [ "$(hist | wc -l)" = 51 ] && ok || bad "dina's own station: $code"
login asel "asel password 1"
get "$sess" "/fleet?lang=en"
[ "$code" = 200 ] && [ "$(rows)" = "st-b " ] && ok || bad "asel's fleet: $code $(rows)"
# Not logged in: to the login page, nothing shown.
req "$base/fleet"
[ "$code" = 303 ] && [ "$(rows)" = "" ] && ok || bad "fleet without a session: $code"

[ "$(sha256sum <"$r")" = "$results_sum" ] && ok || bad "results.db changed"
[ "$(sha256sum <"$home/central.db")" = "$central_sum" ] && ok || bad "central.db changed"

# 4. Pages of 100: 200 more stations (written while the console runs;
# it reads the files afresh for each page), 205 in all.
sqlite3 "$home/central.db" "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 200)
  INSERT INTO stations(station_id, district, label, sign_pk, box_pk, issued_wall, revoked)
  SELECT printf('zz-%03d', i), 'Шымкент', 'x', x'00', x'00', $NOW - 86400, 0 FROM k;"
get "$sam" "/fleet?lang=en"
[ "$code" = 200 ] && [ "$(rows | wc -w)" = 100 ] && [ "$(rows | cut -d' ' -f1-5)" = "st-d st-b st-a st-c st-e" ] &&
  ok || bad "page 1 of 3: $code $(rows | wc -w)"
grep -q '<nav class="pages" id="fleet-pages"><strong>1</strong><a href="/fleet?page=2">2</a><a href="/fleet?page=3">3</a></nav>' "$work/b" &&
  ok || bad "page links: $(grep -o '<nav class="pages".*</nav>' "$work/b")"
get "$sam" "/fleet?page=3"
[ "$code" = 200 ] && [ "$(rows)" = "zz-196 zz-197 zz-198 zz-199 zz-200 " ] && ok || bad "page 3: $code $(rows)"
get "$sam" "/fleet?page=4"
[ "$code" = 404 ] && ok || bad "page 4 of 3: $code"
get "$sam" "/fleet?district=%D0%A8%D1%8B%D0%BC%D0%BA%D0%B5%D0%BD%D1%82&page=2" # Шымкент
[ "$code" = 200 ] && [ "$(rows | wc -w)" = 100 ] &&
  grep -q '<a href="/fleet?district=%D0%A8%D1%8B%D0%BC%D0%BA%D0%B5%D0%BD%D1%82&amp;page=1">1</a><strong>2</strong>' "$work/b" &&
  ok || bad "a district's page 2: $code $(rows | wc -w)"

echo "console_fleet: $passes passed, $fails failed"
[ "$fails" = 0 ]
