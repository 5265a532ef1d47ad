#!/usr/bin/env bash
# Item 6 of the trust issue: stations know bundles by their content hash.
# A bundle republished under the same name arrives; one that cannot be
# delivered (meant for another station, damaged) is set aside after three
# tries with a clear status, and neither stops uploads nor makes every
# round a failure. And the old version, with an attempt on it in progress
# when the new one arrives, is pruned after that attempt's result is
# acknowledged (issue 13).
#   bundles.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh" bundles "$1" "$2"

"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
st=$work/station
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
"$bin/tests/sync/mkresults" --home "$st" --count 2 --tag b
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$st/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }
exam_yaml() { # VERSION
  cat <<YAML
exam: extra
version: $1
title: {en: Extra v$1}
pass_mark: 50
items:
  - id: x1
    type: truefalse
    answer: yes
    text: {en: Version $1?}
YAML
}
mkdir -p "$work/bundles/all"
exam_yaml 1 >"$work/x1.yaml"
central bundle build "$work/x1.yaml" --stations "$work/central/certs/ui-001.cert" \
  -o "$work/bundles/all/extra.sqb" >/dev/null
start_server "$work/serve.log" "$bin/central/synaq-central" --home "$work/central" serve \
  --listen 127.0.0.1:0 --bundles "$work/bundles"
printf 'central_url = http://127.0.0.1:%s\n' "$port" >"$st/sync.conf"
round() { "$bin/sync/synaq-syncd" --home "$st" --once 2>>"$work/syncd.log"; }
has_exam() { "$bin/ctl/synaqctl" --home "$st" exams | grep -q "^extra v$1"; }

round && ok || bad "first round failed: $(tail -5 "$work/syncd.log")"
has_exam 1 && ok || bad "extra v1 not imported"
[ "$(pending)" = 0 ] && ok || bad "results not sent: $(pending) pending"

# An attempt in progress on v1 when v2 arrives (issue 13): v1 stays for
# it; the attempt finishes on v1, its result is sealed and synced, and the
# acknowledgement takes v1's items out of the store (an audit line says so).
q() { sqlite3 -cmd ".timeout 10000" "$st/station.db" "$1"; }
items_of() { q "SELECT count(*) FROM items i JOIN exams e ON e.id = i.exam WHERE e.exam_id = 'extra' AND e.version = $1"; }
take() { "$bin/ctl/synaqctl" --home "$st" take --exam extra --trainee 991231300999 --name "Тест Сынақ" "$@"; }
take --answers /dev/null --leave-open >"$work/take1.log" 2>&1 && ok ||
  bad "take --leave-open on extra v1 failed: $(cat "$work/take1.log")"

# Republished under the same name: a new version, new bytes.
exam_yaml 2 >"$work/x2.yaml"
central bundle build "$work/x2.yaml" --stations "$work/central/certs/ui-001.cert" \
  -o "$work/bundles/all/extra.sqb.new" >/dev/null
mv "$work/bundles/all/extra.sqb.new" "$work/bundles/all/extra.sqb"
round && ok || bad "round after republishing failed: $(tail -5 "$work/syncd.log")"
has_exam 2 && ok || bad "extra v2, republished under the same name, did not arrive"
[ "$(items_of 1)" = 1 ] && ok || bad "extra v1 pruned under an attempt in progress: $(items_of 1) items"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'prune'")" = 0 ] && ok || bad "a prune line too early"
printf 'A\n' | take --answers - >"$work/take2.log" 2>&1 && ok ||
  bad "the attempt on extra v1 did not finish: $(cat "$work/take2.log")"
on_v=$(q "SELECT e.version FROM results r JOIN attempts a ON a.id = r.attempt JOIN exams e ON e.id = a.exam ORDER BY r.seq DESC LIMIT 1")
[ "$on_v" = 1 ] && ok || bad "the result is on version '$on_v', not 1"
[ "$(items_of 1)" = 1 ] && ok || bad "extra v1 pruned while its result is pending"
round && ok || bad "round after the attempt failed: $(tail -5 "$work/syncd.log")"
[ "$(pending)" = 0 ] && ok || bad "the result on v1 was not sent: $(pending) pending"
[ "$(items_of 1)" = 0 ] && ok || bad "extra v1 not pruned after its last result was acknowledged"
[ "$(items_of 2)" = 1 ] && ok || bad "extra v2 lost items: $(items_of 2)"
pruned=$(q "SELECT actor || ' ' || detail FROM audit WHERE action = 'prune'")
grep -q "^store exam 'extra' version 1 pruned" <<<"$pruned" && ok || bad "the audit log says: '$pruned'"

# A bundle for another station, and a damaged one: three tries, then set
# aside; the rounds succeed and results still go out.
mkdir -p "$work/other"
"$bin/ctl/synaqctl" --home "$work/other" init --no-passphrase --central "$work/central/keys/central.pub" >/dev/null
central enroll "$work/other/enrol.req" --station-id other-1 --district X >/dev/null
central bundle build "$work/x1.yaml" --stations "$work/central/certs/other-1.cert" \
  -o "$work/bundles/all/not-mine.sqb" >/dev/null
cp "$work/bundles/all/extra.sqb" "$work/bundles/all/damaged.sqb"
printf 'X' | dd of="$work/bundles/all/damaged.sqb" bs=1 seek=300 conv=notrunc 2>/dev/null
for i in 1 2 3 4; do
  "$bin/tests/sync/mkresults" --home "$st" --count 1 --tag "r$i"
  round && ok || bad "round $i failed: $(tail -5 "$work/syncd.log")"
  [ "$(pending)" = 0 ] && ok || bad "round $i: results not sent: $(pending) pending"
done
gets() { grep -c "GET /v1/bundles/$1" "$work/serve.log" || true; }
[ "$(gets not-mine.sqb)" = 3 ] && ok || bad "not-mine.sqb fetched $(gets not-mine.sqb) times, expected 3"
[ "$(gets damaged.sqb)" = 3 ] && ok || bad "damaged.sqb fetched $(gets damaged.sqb) times, expected 3"
[ "$(ls "$st"/bundles/*.aside 2>/dev/null | wc -l)" = 2 ] && ok || bad "expected 2 bundles set aside: $(ls "$st/bundles")"
python_free_json() { grep -o "\"name\":\"[^\"]*\"" "$st/sync-status.json" | sort | tr '\n' ' '; }
aside=$(python_free_json)
[ "$aside" = '"name":"damaged.sqb" "name":"not-mine.sqb" ' ] && ok || bad "status lists: $aside"
grep -q "another station\|not for this station\|meant for" "$st"/bundles/*.aside && ok ||
  bad "no reason for the other station's bundle: $(cat "$st"/bundles/*.aside)"
finish
