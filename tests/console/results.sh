#!/usr/bin/env bash
# The console's Results pages against a real reports.db: fixture.sh's
# central, 60 more results carried on a stick from st-a and 3 from st-b
# under hostile trainee names, opened with open-results --into while the
# console runs. Checked with curl: the page before anything was opened;
# counts per filter against sqlite3 on reports.db; every order's first
# page against the same ORDER BY in sqlite3; keyset pages forwards and
# back (no row twice, none left out); bad filters (400), a cursor that
# is not there (404), SQL in a filter (no rows); hostile names as text;
# a trainee's history; an attempt in full (its items, right or wrong);
# the Overview's numbers linking here; a district account limited to
# its district (403 for another's district, station, attempt and
# trainee), with every database unchanged by the console.
#   results.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-results-XXXXXX")
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
same() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }

NOW=1767268800 # 2026-01-01 12:00 UTC
export TZ=UTC
"$src/tests/console/fixture.sh" "$bin" "$work" "$NOW"
home=$work/central
rdb=$home/reports.db
central() { "$bin/central/synaq-central" --home "$home" "$@"; }
ctl() { local h=$1; shift; "$bin/ctl/synaqctl" --home "$work/$h" "$@"; }
hostile1='<script>alert(1)</script>'
hostile2='"><img src=x onerror=alert(1)>'
"$bin/tests/sync/mkresults" --home "$work/st-a" --count 60 --tag many --name "Ерлан Қасым"
"$bin/tests/sync/mkresults" --home "$work/st-b" --count 2 --tag evil --name "$hostile1" --answer 2
"$bin/tests/sync/mkresults" --home "$work/st-b" --count 1 --tag evil2 --name "$hostile2"
mkdir -p "$work/stick2"
ctl st-a export-usb "$work/stick2" >/dev/null
ctl st-b export-usb "$work/stick2" >/dev/null
central ingest "$work/stick2" >/dev/null

. "$src/tests/console/web.sh"
# The attempt ids of the rows of the page's results table, in order.
ids() { grep -o '<td class="nowrap" data-label="Finished"><a href="/attempt/[0-9]*"' "$work/b" | grep -o '[0-9]*' | tr '\n' ' '; }
count() { sed -n 's/.*id="count">Results found: \([0-9]*\)<.*/\1/p' "$work/b"; }
link() { sed -n "s/.*id=\"$1\" href=\"\([^\"]*\)\".*/\1/p" "$work/b" | sed 's/&amp;/\&/g'; }
q() { sqlite3 -readonly -cmd ".timeout 10000" "$rdb" "$1"; }
sq() { sed "s/'/''/g" <<<"$1"; }
login alice
alice=$sess
login dina
dina=$sess

# Nothing opened yet: the page says how to open them.
get "$alice" "/results?lang=en"
[ "$code" = 200 ] && body_has 'id="results-none"' && body_has "open-results --into" && ok ||
  bad "before reports.db: $code"
# An empty reports.db (the file made, nothing in it yet): the same.
: >"$rdb"
get "$alice" "/results?lang=en"
[ "$code" = 200 ] && body_has 'id="results-none"' && ok || bad "an empty reports.db: $code"
rm "$rdb"

central open-results --into "$rdb" >/dev/null
sums() { sha256sum "$rdb" "$home/results.db" "$home/central.db" | cut -c1-64 | tr '\n' ' '; }
before=$(sums)

total=$(q 'SELECT count(*) FROM attempts')
same "attempts opened" 68 "$total"
get "$alice" "/results?lang=en"
[ "$code" = 200 ] && ok || bad "results: $code"
same "count, no filter" "$total" "$(count)"
same "first page: the newest 50" "$(q 'SELECT id FROM attempts ORDER BY finished_wall DESC, id DESC LIMIT 50' | tr '\n' ' ')" "$(ids)"
body_has 'id="prev"' && bad "a previous page on the first" || ok

# Pages forwards and back: every row once.
next=$(link next)
[ -n "$next" ] && ok || bad "no next page"
get "$alice" "$next"
page2=$(ids)
same "second page" "$(q 'SELECT id FROM attempts ORDER BY finished_wall DESC, id DESC LIMIT 50 OFFSET 50' | tr '\n' ' ')" "$page2"
body_has 'id="next"' && bad "a next page after the last" || ok
prev=$(link prev)
get "$alice" "$prev"
same "back to the first page" "$(q 'SELECT id FROM attempts ORDER BY finished_wall DESC, id DESC LIMIT 50' | tr '\n' ' ')" "$(ids)"

# Every order, both ways, against sqlite3.
for o in "date desc finished_wall DESC, id DESC" "date asc finished_wall, id" \
  "name asc trainee_name, id" "name desc trainee_name DESC, id DESC" \
  "percent desc percent DESC, id DESC" "percent asc percent, id" \
  "station asc station_id, finished_wall, id" "station desc station_id DESC, finished_wall DESC, id DESC"; do
  set -- $o
  sort=$1 dir=$2
  shift 2
  get "$alice" "/results?sort=$sort&dir=$dir"
  same "order $sort $dir" "$(q "SELECT id FROM attempts ORDER BY $* LIMIT 50" | tr '\n' ' ')" "$(ids)"
  next=$(link next)
  get "$alice" "$next"
  same "order $sort $dir, page 2" "$(q "SELECT id FROM attempts ORDER BY $* LIMIT 50 OFFSET 50" | tr '\n' ' ')" "$(ids)"
done

# Filters, each against sqlite3.
check_filter() { # QUERY WHERE
  get "$alice" "/results?$1"
  [ "$code" = 200 ] || bad "filter $1: $code"
  same "count of $1" "$(q "SELECT count(*) FROM attempts WHERE $2")" "$(count)"
  same "rows of $1" "$(q "SELECT id FROM attempts WHERE $2 ORDER BY finished_wall DESC, id DESC LIMIT 50" | tr '\n' ' ')" "$(ids)"
}
some_trainee=$(q "SELECT trainee_id FROM attempts WHERE station_id = 'st-a' ORDER BY id LIMIT 1 OFFSET 10")
day=$(q "SELECT date(finished_wall, 'unixepoch') FROM attempts LIMIT 1")
check_filter "district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0" "district = 'Астана'"
check_filter "station=st-b" "station_id = 'st-b'"
check_filter "station=st-a&passed=1" "station_id = 'st-a' AND passed = 1"
check_filter "passed=0" "passed = 0"
check_filter "exam=chaos&version=1" "exam_id = 'chaos' AND exam_version = 1"
check_filter "exam=chaos&version=2" "0"
check_filter "trainee=$some_trainee" "trainee_id = '$some_trainee'"
check_filter "name=%D0%95%D1%80%D0%BB" "trainee_name LIKE 'Ерл%'"
check_filter "name=%3Cscript" "trainee_name LIKE '<script%'"
check_filter "from=$day&to=$day" "date(finished_wall, 'unixepoch') = '$day'"
check_filter "to=2000-01-01" "0"
check_filter "since=$((NOW - 7200))" "received_wall >= $((NOW - 7200))"
check_filter "station=%27%20OR%201%3D1%20--" "0"
check_filter "name=%25" "0"
body_has 'id="results-empty"' && ok || bad "no empty note for no rows"
# Filters are kept by the order links and the pages.
get "$alice" "/results?station=st-a&passed=0"
link next >/dev/null
grep -q 'href="/results?station=st-a&amp;passed=0&amp;sort=name&amp;dir=asc"' "$work/b" && ok ||
  bad "the order link lost the filters"

# Hostile names: text, never markup.
get "$alice" "/results?station=st-b"
body_has '&lt;script&gt;alert(1)&lt;/script&gt;' && ok || bad "name 1 not shown escaped"
body_has '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;' && ok || bad "name 2 not shown escaped"
grep -qF "$hostile1" "$work/b" && bad "a raw <script> in the page" || ok
grep -qF '<img' "$work/b" && bad "a raw <img in the page" || ok
header Content-Security-Policy | grep -q "default-src 'none'" && ok || bad "CSP: $(header Content-Security-Policy)"

# Bad filters and cursors: refused with a status, the page says why.
for bad_q in "version=abc" "version=0" "from=2026-13-01" "from=2026-02-31" "to=yesterday" \
  "passed=maybe" "sort=evil" "dir=up" "after=1&before=2" "after=-1" "since=soon" \
  "name=$(printf 'x%.0s' $(seq 300))"; do
  get "$alice" "/results?$bad_q"
  [ "$code" = 400 ] && body_has "A filter is not valid" && ok || bad "bad filter $bad_q: $code"
done
get "$alice" "/results?after=99999999999"
same "a cursor that is not there" 404 "$code"

# One trainee's history; one attempt in full.
evil_id=$(q "SELECT id FROM attempts WHERE trainee_name = '$(sq "$hostile1")' ORDER BY id LIMIT 1")
evil_trainee=$(q "SELECT trainee_id FROM attempts WHERE id = $evil_id")
get "$alice" "/trainee/$evil_trainee"
[ "$code" = 200 ] && body_has 'id="history"' && body_has '&lt;script&gt;alert(1)&lt;/script&gt;' &&
  ok || bad "trainee page: $code"
same "history rows" 1 "$(grep -o '<a href="/attempt/' "$work/b" | wc -l)"
get "$alice" "/attempt/$evil_id?lang=en"
[ "$code" = 200 ] && ok || bad "attempt page: $code"
same "items shown" 2 "$(grep -o '<td data-label="Item">' "$work/b" | wc -l)"
same "item ids, in the order shown" "$(q "SELECT (pos + 1) || '. ' || item_id FROM answers WHERE attempt = $evil_id ORDER BY pos" | tr '\n' ' ' | sed 's/ $//')" "$(grep -o '<td data-label="Item">[^<]*' "$work/b" | sed 's/.*">//' | tr '\n' ' ' | sed 's/ $//')"
same "right or wrong per item" \
  "$(q "SELECT CASE is_right WHEN 1 THEN 'right' ELSE 'wrong' END FROM answers WHERE attempt = $evil_id ORDER BY pos" | tr '\n' ' ')" \
  "$(grep -o 'data-label="Right or wrong"><span class="[a-z]*">[a-z]*' "$work/b" | sed 's/.*>//' | tr '\n' ' ')"
same "answers given" "$(q "SELECT CASE answered WHEN 0 THEN 'no answer' ELSE selected END FROM answers WHERE attempt = $evil_id ORDER BY pos" | sed 's/^1$/A/; s/^2$/B/' | tr '\n' ' ')" \
  "$(grep -o 'data-label="Answer given">[^<]*' "$work/b" | sed 's/.*>//' | tr '\n' ' ')"
body_has 'id="no-events"' && ok || bad "no note for an attempt without clock events"
body_has '&lt;script&gt;alert(1)&lt;/script&gt;' && ok || bad "name not escaped on the attempt page"
for p in /attempt/abc /attempt/0 /attempt/99999999 "/attempt/1%27" /trainee/nobody "/trainee/..%2F..%2Fetc"; do
  get "$alice" "$p"
  same "$p" 404 "$code"
done

# The Overview's numbers lead here.
get "$alice" "/overview?lang=en"
grep -q 'id="n-all"><a href="/results">' "$work/b" && ok || bad "n-all does not link to the results"
day_start=$((NOW - NOW % 86400))
grep -q "id=\"n-today\"><a href=\"/results?since=$day_start\">" "$work/b" && ok || bad "n-today link"
grep -q "id=\"n-week\"><a href=\"/results?since=$((NOW - 7 * 86400))\">" "$work/b" && ok || bad "n-week link"
get "$alice" "/overview?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0"
grep -q 'id="n-all"><a href="/results?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0">' "$work/b" && ok ||
  bad "a district's n-all link"

# A district account: its district only.
get "$dina" "/results?lang=en"
[ "$code" = 200 ] && ok || bad "dina's results: $code"
same "dina's count" "$(q "SELECT count(*) FROM attempts WHERE district = 'Алматы'")" "$(count)"
body_has 'name="district"' && bad "a district field for a district account" || ok
get "$dina" "/results?district=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B"
same "dina asking for her own district" 200 "$code"
b_attempt=$(q "SELECT id FROM attempts WHERE station_id = 'st-b' LIMIT 1")
b_trainee=$(q "SELECT trainee_id FROM attempts WHERE station_id = 'st-b' LIMIT 1")
for p in "/results?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0" "/results?station=st-b" \
  "/attempt/$b_attempt" "/trainee/$b_trainee"; do
  get "$dina" "$p"
  [ "$code" = 403 ] && body_has "You may not see this page." && ok || bad "dina got $p: $code"
done
body_has "$b_trainee" && bad "the 403 page shows the trainee" || ok
a_attempt=$(q "SELECT id FROM attempts WHERE station_id = 'st-a' LIMIT 1")
get "$dina" "/attempt/$a_attempt"
same "dina's own district's attempt" 200 "$code"

# Item analysis of the exam version (central/itemstats.c on reports.db).
get "$alice" "/results?exam=chaos&version=1"
grep -q 'id="items-link"><a href="/items?exam=chaos&amp;version=1">' "$work/b" && ok || bad "no link to item analysis"
get "$alice" "/items?exam=chaos&version=1&lang=en"
[ "$code" = 200 ] && ok || bad "items page: $code"
same "item analysis: attempts" "$(q "SELECT count(*) FROM attempts WHERE exam_id = 'chaos' AND exam_version = 1")" \
  "$(sed -n 's/.*id="t-n">\([0-9]*\)<.*/\1/p' "$work/b")"
for item in c1 c2; do
  same "facility of $item" \
    "$(q "SELECT count(*) || ' ' || printf('%.2f %%', 100.0 * avg(x.points_milli * 1.0 / x.max_milli)) FROM answers x JOIN attempts a ON a.id = x.attempt WHERE a.exam_id = 'chaos' AND x.item_id = '$item'")" \
    "$(grep -o "\">$item</a></td><td class=\"num\" data-label=\"Attempts\">[0-9]*</td><td class=\"num nowrap\" data-label=\"Facility index\">[^<]*" "$work/b" | sed 's/.*Attempts">\([0-9]*\)<.*Facility index">/\1 /')"
  # The distractor table: how often option A and no answer, over all attempts.
  table=$(sed -n "s/.*\">$item<\/h3>\(<table.*\)/\1/p" "$work/b" | sed 's|</table>.*||')
  same "option A of $item chosen" "$(q "SELECT count(*) FROM answers WHERE item_id = '$item' AND answered AND selected & 1")" \
    "$(grep -o '<td data-label="Option">A</td><td class="num nowrap" data-label="All attempts">[0-9]*' <<<"$table" | sed 's/.*">//')"
  same "$item left unanswered" "$(q "SELECT count(*) FROM answers WHERE item_id = '$item' AND NOT answered")" \
    "$(grep -o '<td data-label="Option">no answer</td><td class="num nowrap" data-label="All attempts">[0-9]*' <<<"$table" | sed 's/.*">//')"
done
same "flagged items: as many rows as the count says" "$(sed -n 's/.*id="flagged">Items flagged: \([0-9]*\)<.*/\1/p' "$work/b")" \
  "$(grep -o '<tr class="flagged">' "$work/b" | wc -l)"
get "$alice" "/items?exam=%3Cscript%3Ex&version=1"
[ "$code" = 200 ] && body_has 'id="items-none"' && body_has '&lt;script&gt;x' && ok || bad "items of no such exam: $code"
grep -qF '<script>x' "$work/b" && bad "a raw exam id in the items page" || ok
for bad_q in "" "exam=chaos" "exam=chaos&version=x" "exam=chaos&version=0"; do
  get "$alice" "/items?$bad_q"
  same "items with '$bad_q'" 400 "$code"
done
get "$dina" "/items?exam=chaos&version=1"
same "dina's item analysis: her district's attempts" "$(q "SELECT count(*) FROM attempts WHERE exam_id = 'chaos' AND district = 'Алматы'")" \
  "$(sed -n 's/.*id="t-n">\([0-9]*\)<.*/\1/p' "$work/b")"
get "$dina" "/items?exam=chaos&version=1&district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0"
same "dina asking for another district's item analysis" 403 "$code"

# Item analyses at once: at most two hold their grids at a time (web.c,
# ITEMS_AT_ONCE); the rest wait their turn. Four rounds of six at once,
# with the cases that end early (no such exam, a district, the CSV):
# every one answered, so no path keeps its place in the queue.
for round in 1 2 3 4; do
  pids=()
  for i in 1 2 3 4 5 6; do
    case $i in
      1|2) path="/items?exam=chaos&version=1" ;;
      3) path="/items?exam=nothing&version=1" ;;
      4) path="/items?exam=chaos&version=1&district=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B" ;;
      5) path="/export/items?exam=chaos&version=1" ;;
      6) path="/report?exam=chaos&version=1" ;;
    esac
    curl -s --max-time 60 -o /dev/null -w '%{http_code}\n' -H "Cookie: __Host-synaq=$alice" \
      "$base$path" >"$work/par-$round-$i" &
    pids+=($!)
  done
  wait "${pids[@]}" # (not a bare wait: the console runs in the background too)
done
same "item analyses at once: all answered" "24 x 200" \
  "$(cat "$work"/par-* | grep -c '^200$') x 200"

same "the databases after it all" "$before" "$(sums)"

# Opened again while the console runs: it reads what is new.
"$bin/tests/sync/mkresults" --home "$work/st-b" --count 1 --tag late
mkdir -p "$work/stick3"
ctl st-b export-usb "$work/stick3" >/dev/null
central ingest "$work/stick3" >/dev/null
central open-results --into "$rdb" >/dev/null
get "$alice" "/results"
same "after a second import" 69 "$(count)"

echo "results: $passes passed, $fails failed"
[ $fails -eq 0 ]
