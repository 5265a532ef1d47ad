#!/usr/bin/env bash
# End to end with the real binaries in a temp folder: central keys, a
# station enrolled (passphrase-protected), the demo exam bundled and
# imported, an exam taken headless and resumed, the result exported and
# opened at central; and the command line's answers to bad input.
#   chain.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-cli-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
station() { SYNAQ_PASSPHRASE="correct horse" "$bin/ctl/synaqctl" --home "$work/station" "$@"; }
# expect_fail PHRASE CMD...: the command fails (status 1) saying PHRASE.
expect_fail() {
  local phrase=$1; shift
  local out status=0
  out=$("$@" 2>&1) || status=$?
  if [ $status -ne 1 ] || ! grep -qF -- "$phrase" <<<"$out"; then
    bad "expected failure with '$phrase' from: $* (status $status): $out"
  else ok; fi
}
expect_out() {
  local phrase=$1; shift
  local out
  if ! out=$("$@" 2>&1) || ! grep -qF -- "$phrase" <<<"$out"; then
    bad "expected '$phrase' from: $*: $out"
  else ok; fi
}

expect_out "central keys written" central keygen
expect_fail "refusing to overwrite" central keygen
[ "$(stat -c %a central/keys/sign.key)" = 600 ] && ok || bad "sign.key mode"
expect_out "passphrase-protected" station init --central central/keys/central.pub --label "Test"
expect_fail "refusing to overwrite" station init --central central/keys/central.pub
# No passphrase, and no terminal to ask it on: no keys in the clear unless
# asked for by name.
expect_fail "would lie on its disk in the clear" env -u SYNAQ_PASSPHRASE "$bin/ctl/synaqctl" \
  --home plain init --central central/keys/central.pub
[ ! -e plain/station.key ] && ok || bad "keys were made without a passphrase"
expect_out "IN THE CLEAR" env -u SYNAQ_PASSPHRASE "$bin/ctl/synaqctl" --home plain init \
  --no-passphrase --central central/keys/central.pub
expect_fail "not enrolled yet" station exams
expect_out "enrolled" central enroll station/enrol.req --station-id cli-001 --district "Қостанай"
expect_fail "enrolled already" central enroll station/enrol.req --station-id cli-001 --district X
expect_fail "wrong passphrase" env SYNAQ_PASSPHRASE=nope "$bin/ctl/synaqctl" --home station status
expect_out "enrolled as station 'cli-001'" station enroll central/certs/cli-001.cert
expect_out "cli-001" central stations

# Sources: a good one, and a bad one that names file and line.
cat > bad.yaml <<'YAML'
exam: broken
version: 1
title: {ru: Сломанный}
items:
  - id: a
    type: single
    text: {ru: Вопрос}
    options:
      - {ru: Один}
      - {ru: Два}
pass_mark: 50
YAML
expect_fail "bad.yaml:8: item 'a': no option is marked correct" central bundle check bad.yaml
# The clock rule: a bad value is named with its line, and nothing is built.
sed 's/^version: 1$/version: 1\nclock: sometimes/' "$src/assets/demo/election-basics.yaml" \
  >clock.yaml
expect_fail "clock.yaml:6: 'clock' must be running or paused" central bundle check \
  clock.yaml
sed 's/^version: 1$/version: 1\npower_grace: 10 minutes/' "$src/assets/demo/election-basics.yaml" \
  >grace.yaml
expect_fail "grace.yaml:6: 'power_grace' must be a time of 0 to 24 hours" central bundle build \
  grace.yaml --stations central/certs/cli-001.cert -o grace.sqb
[ ! -e grace.sqb ] && ok || bad "a bundle was written from a bad source"
# pass_mark is required: without it nobody could fail. Refused with the
# file and the line of the source's map, by check and by build, and no
# bundle is written.
grep -v '^pass_mark:' "$src/assets/demo/election-basics.yaml" >nopass.yaml
line=$(grep -n '^exam:' nopass.yaml | cut -d: -f1)
expect_fail "nopass.yaml:$line: missing required key 'pass_mark'" central bundle check nopass.yaml
expect_fail "nopass.yaml:$line: missing required key 'pass_mark'" central bundle build \
  nopass.yaml --stations central/certs/cli-001.cert -o nopass.sqb
[ ! -e nopass.sqb ] && ok || bad "a bundle was written from a source without pass_mark"
expect_out "election-basics v1: 20 items per attempt, checked" \
  central bundle check "$src/assets/demo/election-basics.yaml"
expect_out "built for 1 station" central bundle build "$src/assets/demo/election-basics.yaml" \
  --stations central/certs/cli-001.cert -o demo.sqb

# Import: a tampered copy first (refused, nothing imported), then the real one.
cp demo.sqb tampered.sqb
printf '\x00' | dd of=tampered.sqb bs=1 seek=200 conv=notrunc status=none
expect_fail "signature does not match" station import tampered.sqb
expect_out "no exams installed" station exams
echo "not a bundle" > junk.sqb
expect_fail "not a Synaq bundle" station import junk.sqb
expect_out "imported: 1 exam(s), 32 item(s)" station import demo.sqb
expect_out "already installed, nothing to do" station import demo.sqb
expect_out "election-basics v1" station exams

# Take the exam: 5 answers, leave it open, resume and finish.
printf 'A\nB\n-\nA !\nB\n' > part1
printf 'A\nA\nB\n' > part2
expect_out "left open at item 6" station take --exam election-basics --trainee 850312400217 \
  --lang ru --answers part1 --leave-open
expect_out "resuming attempt" station take --exam election-basics --trainee 850312400217 \
  --answers part2
expect_fail "not on the roster" station take --exam election-basics --trainee 000000000000 \
  --answers part2
expect_out "1 pending" station status
expect_out "1 result(s) written" station export --out r.sqbatch
out=$(central open-results r.sqbatch)
grep -q "^cli-001,1,[0-9a-f]\{32\},850312400217,Айгүл Сәрсенова,election-basics,1," <<<"$out" && ok ||
  bad "CSV row: $out"
# A batch altered in one byte is refused at central.
cp r.sqbatch r2.sqbatch
size=$(stat -c %s r2.sqbatch)
printf '\x01' | dd of=r2.sqbatch bs=1 seek=$((size - 70)) conv=notrunc status=none
expect_fail "not signed by station" central open-results r2.sqbatch

# Nothing readable in the station's files.
for s in "Айгүл Сәрсенова" "Нұрлан Жұмабеков" "избирательн" "сайлау комиссиясы" "ballot"; do
  if grep -a -q "$s" station/station.db station/station.db-wal 2>/dev/null; then
    bad "'$s' found in the clear in the station's database"
  else ok; fi
done
# The key file holds the passphrase-wrapped secret: no station id in the
# clear beyond the certificate, and the check itself works:
grep -a -q "cli-001" station/station.key && ok || bad "grep cannot see the certificate"

echo "cli chain: $passes passed, $fails failed"
[ $fails -eq 0 ]
