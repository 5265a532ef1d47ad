#!/usr/bin/env bash
# The console's exports (CSV), the Overview's chart of results per day and
# the printable report, against a real reports.db: fixture.sh's central,
# 230 results carried on a stick from st-a (more than one page of the
# streamed export) and 6 from st-b under hostile trainee names, opened
# with open-results --into. Checked with curl: the results export against
# `open-results`'s CSV for the same rows; its filter and order; the
# formula guard and RFC 4180 quoting of hostile names; item analysis, the
# distractor table, a trainee's history and the fleet as CSV; every
# export in the audit log; a district account kept to its district (403,
# nothing exported, the refusal audited); the chart's bars against
# sqlite3 and their links; the report's numbers, its escaping and its
# district rule; the databases unchanged.
#   export.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
command -v python3 >/dev/null || { echo "python3 is needed to read CSV" >&2; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-export-XXXXXX")
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
"$bin/tests/sync/mkresults" --home "$work/st-a" --count 230 --tag many --name "Ерлан Қасым"
n=0
for name in '=HYPERLINK("http://x.example/","y")' '+cmd|calc' '-1+1' '@SUM(A1:A9)' \
  '<script>alert(1)</script>' "$(printf '\tTab')"; do
  n=$((n + 1))
  "$bin/tests/sync/mkresults" --home "$work/st-b" --count 1 --tag "evil$n" --name "$name"
done
mkdir -p "$work/stick2"
ctl st-a export-usb "$work/stick2" >/dev/null
ctl st-b export-usb "$work/stick2" >/dev/null
central ingest "$work/stick2" >/dev/null
central open-results --into "$rdb" >/dev/null
central open-results --received -o "$work/open.csv" >/dev/null

. "$src/tests/console/web.sh"
q() { sqlite3 -readonly -cmd ".timeout 10000" "$rdb" "$1"; }
audit_n() { sqlite3 -readonly -cmd ".timeout 10000" "$home/console.db" "SELECT count(*) FROM audit"; }
last_audit() { sqlite3 -readonly -cmd ".timeout 10000" "$home/console.db" "SELECT actor || ' ' || action || ' ' || outcome || ' ' || detail FROM audit ORDER BY n DESC LIMIT 1"; }
dbs() { for f in "$rdb" "$home/results.db" "$home/central.db"; do sqlite3 -readonly -cmd ".timeout 10000" "$f" .dump; done | sha256sum; }
# Rows of a CSV file (the BOM and the header left out).
csv_rows() { python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1],encoding="utf-8-sig",newline=""))); print(len(r)-1)' "$1"; }
login alice
alice=$sess
login dina
dina=$sess
before=$(dbs)
total=$(q "SELECT count(*) FROM attempts")
[ "$total" -ge 236 ] && ok || bad "reports.db holds $total attempts"

# ---- the results export against open-results ----
a0=$(audit_n)
get "$alice" "/export/results"
same "export status" 200 "$code"
same "export type" "text/csv; charset=utf-8" "$(header Content-Type)"
header Content-Disposition | grep -q 'attachment; filename="synaq-results.csv"' && ok || bad "no attachment name"
[ "$(head -c 3 "$work/b" | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok || bad "no BOM"
header Content-Security-Policy | grep -q "default-src 'none'" && ok || bad "an export without the CSP"
cp "$work/b" "$work/all.csv"
same "rows exported" "$total" "$(csv_rows "$work/all.csv")"
same "audit lines after an export" "$((a0 + 1))" "$(audit_n)"
same "the export's audit line" "web:alice export ok results" "$(last_audit)"
# The same rows as open-results, column by column (its first 17 are ours;
# our text cells carry the formula guard, open-results' do not).
python3 - "$work/all.csv" "$work/open.csv" <<'PY' && ok || bad "the export differs from open-results"
import csv, sys
def rows(p, bom):
    with open(p, encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]
eh, er = rows(sys.argv[1], True)
oh, orows = rows(sys.argv[2], False)
assert eh[:17] == oh[:17], (eh[:17], oh[:17])
def unguard(v):
    return v[1:] if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@", "\t", "\r") else v
ex = {(r[0], r[1]): [unguard(v) for v in r[:17]] for r in er}
op = {(r[0], r[1]): r[:17] for r in orows}
assert len(ex) == len(er), "a row twice"
assert set(ex) == set(op), (len(ex), len(op), sorted(set(ex) ^ set(op))[:5])
# Points as numbers: 2.5 here, 2.500 there.
for k in ex:
    a, b = ex[k], op[k]
    assert a[:10] + a[12:] == b[:10] + b[12:], (k, a, b)
    assert all(float(a[i]) == float(b[i]) for i in (10, 11)), (k, a, b)
PY
# Numbers bare, '.' before decimals; yes/no as text.
python3 - "$work/all.csv" <<'PY' && ok || bad "numbers in the export"
import csv, sys, re
raw = open(sys.argv[1], "rb").read().decode("utf-8")
r = list(csv.reader(raw.lstrip("\ufeff").splitlines()))
h = r[0]
for row in r[1:]:
    for col in ("seq", "version", "elapsed_s", "percent", "answered", "items", "right"):
        assert re.fullmatch(r"-?[0-9]+", row[h.index(col)]), (col, row)
    for col in ("points", "max_points"):
        assert re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", row[h.index(col)]), (col, row)
for line in raw.split("\r\n")[1:]:
    assert not re.search(r'(^|,)"[0-9.]+"(,|$)', line), line
assert raw.endswith("\r\n")
PY

# ---- hostile names: guarded, quoted as RFC 4180 says, not HTML-escaped ----
g() { grep -c -F -- "$1" "$work/all.csv" || true; }
same "=HYPERLINK guarded and quoted" 1 "$(g ",\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"y\"\")\",")"
same "+cmd guarded" 1 "$(g ",'+cmd|calc,")"
same "-1+1 guarded" 1 "$(g ",'-1+1,")"
same "@SUM guarded" 1 "$(g ",'@SUM(A1:A9),")"
same "a tab guarded" 1 "$(g ",'$(printf '\t')Tab,")"
same "markup as it is" 1 "$(g ',<script>alert(1)</script>,')"
grep -q '&lt;' "$work/all.csv" && bad "HTML escaping in a CSV" || ok
python3 - "$work/all.csv" <<'PY' && ok || bad "a cell a spreadsheet would run"
import csv, sys
for row in list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))[1:]:
    for v in row[2:6] + row[17:18]:
        assert v[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
PY

# ---- the filter and the order of the Results ----
get "$alice" "/export/results?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0&sort=name&dir=asc"
same "filtered export" 200 "$code"
cp "$work/b" "$work/astana.csv"
same "rows of Астана" "$(q "SELECT count(*) FROM attempts WHERE district = 'Астана'")" "$(csv_rows "$work/astana.csv")"
same "in the name's order" "$(q "SELECT station_id || ',' || seq FROM attempts WHERE district = 'Астана' ORDER BY trainee_name, id" | tr '\n' ' ')" \
  "$(python3 -c 'import csv,sys; print(" ".join(r[0]+","+r[1] for r in list(csv.reader(open(sys.argv[1],encoding="utf-8-sig",newline="")))[1:]), end=" ")' "$work/astana.csv")"
same "its audit line" "web:alice export ok results district=Астана" "$(last_audit)"
get "$alice" "/export/results?passed=1&exam=chaos&version=1"
cp "$work/b" "$work/p.csv"
same "passed rows" "$(q "SELECT count(*) FROM attempts WHERE passed = 1 AND exam_id = 'chaos' AND exam_version = 1")" "$(csv_rows "$work/p.csv")"
a1=$(audit_n)
for bad_q in "passed=2" "version=x&exam=chaos" "from=2026-13-01" "sort=evil"; do
  get "$alice" "/export/results?$bad_q"
  same "bad filter $bad_q" 400 "$code"
done
get "$alice" "/export/nothing"
same "an unknown export" 404 "$code"
get "" "/export/results"
same "an export without a session" 303 "$code"
same "no audit line for a bad or unknown export" "$a1" "$(audit_n)"
# The page's link carries its filter.
get "$alice" "/results?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0&sort=name&dir=asc&lang=en"
body_has 'id="export-results" href="/export/results?district=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0&amp;sort=name&amp;dir=asc"' && ok || bad "the Results' export link"

# ---- item analysis and the distractor table ----
get "$alice" "/export/items?exam=chaos&version=1"
same "items export" 200 "$code"
cp "$work/b" "$work/items.csv"
same "its audit line" "web:alice export ok items exam=chaos version=1" "$(last_audit)"
python3 - "$work/items.csv" "$(q "SELECT count(*) FROM attempts WHERE exam_id='chaos' AND exam_version=1")" \
  "$(q "SELECT count(DISTINCT x.item_id) FROM answers x JOIN attempts a ON a.id = x.attempt WHERE a.exam_id='chaos' AND a.exam_version=1")" <<'PY' && ok || bad "the items export"
import csv, sys
r = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert r[0] == ["figure", "value"], r[0]
fig = {}
i = 1
while r[i]:
    fig[r[i][0]] = r[i][1]; i += 1
assert fig["attempts"] == sys.argv[2], fig
for k in ("mean", "median", "sd", "cic_percent", "standard_error"):
    assert k in fig
    float(fig[k]) if fig[k] else None
assert r[i + 1][0] == "item" and r[i + 1][2] == "facility_percent", r[i + 1]
items = r[i + 2:]
assert len(items) == int(sys.argv[3]), (len(items), sys.argv[3])
for row in items:
    assert 0 <= float(row[2]) <= 100, row
    assert row[9] in ("yes", "no")
PY
# The items page's facility of each item is the export's, to its 2 decimals.
get "$alice" "/items?exam=chaos&version=1&lang=en"
page_fac=$(grep -o 'data-label="Facility index">[0-9.]* %' "$work/b" | grep -o '[0-9.]*' | tr '\n' ' ')
csv_fac=$(python3 -c '
import csv,sys
r=list(csv.reader(open(sys.argv[1],encoding="utf-8-sig",newline="")))
i=r.index([])
print(" ".join("%.2f"%float(x[2]) for x in r[i+2:]), end=" ")' "$work/items.csv")
same "facility, page and export" "$page_fac" "$csv_fac"
body_has 'id="export-items" href="/export/items?exam=chaos&amp;version=1"' && ok || bad "the items page's export link"
body_has 'id="report-link" href="/report?exam=chaos&amp;version=1"' && ok || bad "the items page's report link"
get "$alice" "/export/distractors?exam=chaos&version=1"
same "distractors export" 200 "$code"
cp "$work/b" "$work/d.csv"
# Each item's options and unanswered add up to the attempts that saw it.
python3 - "$work/d.csv" "$work/items.csv" <<'PY' && ok || bad "the distractor export"
import csv, sys
d = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert d[0][:3] == ["item", "option", "all"], d[0]
it = list(csv.reader(open(sys.argv[2], encoding="utf-8-sig", newline="")))
i = it.index([])
seen = {row[0]: int(row[1]) for row in it[i + 2:]}
tot = {}
for row in d[1:]:
    tot[row[0]] = tot.get(row[0], 0) + int(row[2])
assert tot and all(tot[k] == seen[k] for k in tot), (tot, seen)
PY
get "$alice" "/export/items?exam=nothing&version=1"
same "items of no attempt" 404 "$code"

# ---- a trainee's history, the fleet ----
tid=$(q "SELECT trainee_id FROM attempts WHERE district = 'Астана' ORDER BY id LIMIT 1")
get "$alice" "/export/trainee/$tid"
same "history export" 200 "$code"
cp "$work/b" "$work/t.csv"
same "history rows" "$(q "SELECT count(*) FROM attempts WHERE trainee_id = '$tid'")" "$(csv_rows "$work/t.csv")"
get "$alice" "/export/trainee/nobody"
same "history of no one" 404 "$code"
get "$alice" "/export/fleet"
same "fleet export" 200 "$code"
cp "$work/b" "$work/fleet.csv"
same "fleet rows" "$(sqlite3 -readonly -cmd ".timeout 10000" "$home/central.db" "SELECT count(*) FROM stations" 2>/dev/null || echo 4)" "$(csv_rows "$work/fleet.csv")"
grep -qF '<script>alert(1)</script>' "$work/fleet.csv" && ok || bad "a station label in the fleet export"
grep -qF '"""><img src=x onerror=alert(1)>"' "$work/fleet.csv" && ok || bad "a quoted label in the fleet export"
same "its audit line" "web:alice export ok fleet show=all" "$(last_audit)"

# ---- a district account: its own district only, refusals audited ----
get "$dina" "/export/results"
same "dina's export" 200 "$code"
cp "$work/b" "$work/dina.csv"
same "dina's rows" "$(q "SELECT count(*) FROM attempts WHERE district = 'Алматы'")" "$(csv_rows "$work/dina.csv")"
python3 -c 'import csv,sys; assert all(r[17]=="Алматы" for r in list(csv.reader(open(sys.argv[1],encoding="utf-8-sig",newline="")))[1:])' "$work/dina.csv" && ok || bad "another district in dina's export"
same "dina's audit line" "web:dina export ok results district=Алматы" "$(last_audit)"
astana=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0
for u in "/export/results?district=$astana" "/export/results?station=st-b" "/export/fleet?district=$astana" \
  "/export/items?exam=chaos&version=1&district=$astana" "/export/distractors?exam=chaos&version=1&district=$astana" \
  "/export/trainee/$tid" "/report?exam=chaos&version=1&district=$astana"; do
  n0=$(audit_n)
  get "$dina" "$u"
  same "dina asking for $u" 403 "$code"
  case "$(header Content-Type)" in text/csv*) bad "CSV sent for $u" ;; *) ok ;; esac
  body_has 'Астана' && head -c 3 "$work/b" | grep -q $'\xef\xbb\xbf' && bad "rows of another district for $u" || ok
  case "$u" in
  /report*) same "no audit line for a refused page" "$n0" "$(audit_n)" ;;
  *)
    same "a refused export audited ($u)" "$((n0 + 1))" "$(audit_n)"
    last_audit | grep -q '^web:dina export refused ' && ok || bad "the refusal's audit line: $(last_audit)"
    ;;
  esac
done

# ---- the Overview's results per day ----
# mkresults finished its attempts by the machine's clock: the console's
# day is moved to the last of them (and everyone logs in again).
NOW=$(q "SELECT max(finished_wall) FROM attempts")
echo "$NOW" >"$clock"
login alice
alice=$sess
login dina
dina=$sess
get "$alice" "/overview?lang=en"
same "overview" 200 "$code"
body_has '<svg class="chart"' && ok || bad "no chart on the Overview"
same "bars" 30 "$(grep -o '<rect class="bar"' "$work/b" | wc -l)"
same "the chart's table" 30 "$(grep -o '<tr><td>[0-9]* [A-Z][a-z][a-z]</td><td class="num">' "$work/b" | wc -l)"
body_has '<title id="days-title">Results per day</title>' && ok || bad "the chart's title"
# Each day's number against sqlite3 (finished, the station's clock, UTC here).
for d in 0 1 2 3 10 29; do
  day=$(date -u -d "@$((NOW - d * 86400))" +%Y-%m-%d)
  label=$(date -u -d "@$((NOW - d * 86400))" '+%-d %b')
  want=$(q "SELECT count(*) FROM attempts WHERE date(finished_wall, 'unixepoch') = '$day'")
  got=$(grep -o "<title>$label: [0-9]* results</title>" "$work/b" | grep -o ': [0-9]*' | tr -dc 0-9)
  same "the bar of $day" "$want" "$got"
  body_has "<a href=\"/results?from=$day&amp;to=$day\">" && ok || bad "no link for $day"
done
today=$(date -u -d "@$NOW" +%Y-%m-%d)
want=$(q "SELECT count(*) FROM attempts WHERE date(finished_wall, 'unixepoch') = '$today'")
[ "$want" -gt 0 ] && ok || bad "nothing finished on the chart's last day"
get "$alice" "/results?from=$today&to=$today&lang=en"
same "the bar's link leads to its rows" "Results found: $want" "$(sed -n 's/.*id="count">\(Results found: [0-9]*\)<.*/\1/p' "$work/b")"
get "$dina" "/overview?lang=ru"
body_has '<title id="days-title">Результаты по дням</title>' && ok || bad "the chart in Russian"
body_has 'href="/results?district=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B&amp;from=' && ok || bad "dina's bars keep her district"
dina_bars=$(grep -o '<title>[^<]*: результатов — [0-9]*</title>' "$work/b" | grep -o '[0-9]*</title>' | tr -dc '0-9\n' | paste -sd+ | bc)
same "dina's chart counts her district" "$(q "SELECT count(*) FROM attempts WHERE district = 'Алматы' AND finished_wall >= $((NOW - NOW % 86400 - 29 * 86400)) AND finished_wall < $((NOW - NOW % 86400 + 86400))")" "$dina_bars"
get "$alice" "/overview?lang=kk"
body_has 'Күндер бойынша нәтижелер' && ok || bad "the chart in Kazakh"
# A range of days asked for: its bars, and a range that is not one.
d1=$(date -u -d "@$((NOW - 6 * 86400))" +%Y-%m-%d)
d2=$(date -u -d "@$NOW" +%Y-%m-%d)
get "$alice" "/overview?from=$d1&to=$d2&lang=en"
same "a range's bars" 7 "$(grep -o '<rect class="bar"' "$work/b" | wc -l)"
range_sum=$(grep -o '<title>[0-9]* [A-Z][a-z][a-z]: [0-9]* results</title>' "$work/b" | sed 's/.*: \([0-9]*\) results.*/\1/' | paste -sd+ | bc)
same "a range's numbers" "$(q "SELECT count(*) FROM attempts WHERE date(finished_wall, 'unixepoch') BETWEEN '$d1' AND '$d2'")" "$range_sum"
body_has "value=\"$d1\"" && ok || bad "the range's form keeps its days"
for r in "from=$d2&to=$d1" "from=2026-13-01&to=2026-12-01" "from=$d1" "from=2020-01-01&to=2026-01-01" "from=x'--&to=1"; do
  get "$alice" "/overview?$r"
  [ "$code" = 200 ] && body_has 'id="chart-bad"' && ! body_has '<rect class="bar"' && ok || bad "the range $r: $code"
done
get "$alice" "/report.css"
same "the report's style sheet" 200 "$code"
body_has '@page{size:A4' && ok || bad "no A4 print rule"

# ---- the printable report ----
get "$alice" "/report?exam=chaos&version=1&lang=en"
same "report" 200 "$code"
same "report attempts" "$(q "SELECT count(*) FROM attempts WHERE exam_id='chaos' AND exam_version=1")" "$(sed -n 's/.*id="r-attempts">\([0-9]*\)<.*/\1/p' "$work/b")"
same "report passed" "$(q "SELECT count(*) FROM attempts WHERE exam_id='chaos' AND exam_version=1 AND passed=1")" "$(sed -n 's/.*id="r-passed">\([0-9]*\)<.*/\1/p' "$work/b")"
body_has '<link rel="stylesheet" href="/report.css">' && ok || bad "the report without its style sheet"
body_has 'id="scores"' && body_has 'id="days"' && body_has 'id="items"' && ok || bad "a part of the report missing"
bins=$(grep -o '<title>[0-9]*–[0-9]* %: [0-9]* attempts</title>' "$work/b" | sed 's/.*: \([0-9]*\) attempts.*/\1/' | paste -sd+ | bc)
same "the score spread adds up" "$(q "SELECT count(*) FROM attempts WHERE exam_id='chaos' AND exam_version=1")" "$bins"
same "the bins" "$(q "SELECT b || ':' || count(*) FROM (SELECT min(percent / 10, 9) AS b FROM attempts WHERE exam_id='chaos' AND exam_version=1) GROUP BY b" | tr '\n' ' ')" \
  "$(grep -o '<title>[0-9]*–[0-9]* %: [0-9]* attempts</title>' "$work/b" | sed 's/<title>\([0-9]*\)–.*: \([0-9]*\) attempts.*/\1 \2/' | awk '$2 > 0 {printf "%d:%d ", $1/10, $2}')"
get "$alice" "/report?exam=%3Cscript%3Ex&version=1&district=%22%3E%3Cimg%20src%3Dx%3E"
same "report of a hostile exam" 200 "$code"
body_has '&lt;script&gt;x' && body_has '&quot;&gt;&lt;img src=x&gt;' && ok || bad "hostile values in the report"
grep -qF '<script>x' "$work/b" && bad "a raw exam id in the report" || ok
grep -qF '"><img src=x>' "$work/b" && bad "a raw district in the report" || ok
get "$alice" "/report?exam=chaos"
same "a report without a version" 400 "$code"
get "$dina" "/report?exam=chaos&version=1&lang=kk"
same "dina's report" 200 "$code"
same "dina's report counts her district" "$(q "SELECT count(*) FROM attempts WHERE exam_id='chaos' AND exam_version=1 AND district='Алматы'")" "$(sed -n 's/.*id="r-attempts">\([0-9]*\)<.*/\1/p' "$work/b")"
get "$alice" "/results?exam=chaos&version=1&lang=en"
body_has 'id="report-link" href="/report?exam=chaos&amp;version=1"' && ok || bad "the Results' report link"

same "databases unchanged by the console" "$before" "$(dbs)"
echo "export: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
