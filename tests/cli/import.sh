#!/usr/bin/env bash
# synaq-central import with the real binaries in a temp folder: a bank of
# Moodle GIFT files in kk, ru and en (one with a BOM and CRLF) merged into
# one source, checked by bundle check, built into a bundle and imported by
# a station; an Aiken file; and the command line's answers to bad input,
# each leaving the output file as it was.
#   import.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
data=$src/tests/data/moodle
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-import-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
station() { "$bin/ctl/synaqctl" --home "$work/station" "$@"; }
# expect_status N PHRASE CMD...: the command ends with status N saying PHRASE.
expect_status() {
  local want=$1 phrase=$2; shift 2
  local out status=0
  out=$("$@" 2>&1) || status=$?
  if [ $status -ne "$want" ] || ! grep -qF -- "$phrase" <<<"$out"; then
    bad "expected status $want with '$phrase' from: $* (status $status): $out"
  else ok; fi
}

# The three languages of one bank, merged by title.
expect_status 0 "bank.yaml: exam 'elections', 4 items per attempt, checked" \
  central import gift --lang kk "$data/bank.kk.gift" --lang ru "$data/bank.ru.gift" \
  --lang en "$data/bank.en.gift" --id elections --title "Сайлау / Выборы / Elections" \
  --pass-mark 80 --time-limit 20 --review-after mistakes -o bank.yaml
expect_status 0 "bank.kk.gift:14: skipped: an essay question ({})" \
  central import gift --lang kk "$data/bank.kk.gift" -o kk.yaml
grep -q '^pass_mark: 80$' bank.yaml && ok || bad "pass_mark not written: $(cat bank.yaml)"
grep -qF 'ru: Голосование является тайным.' bank.yaml && ok || bad "ru text missing"
grep -qF 'en: May observers {registered} stay at the precinct?' bank.yaml && ok ||
  bad "escaped braces not kept"
grep -qF "kk: 'Дұрыс: өкілеттік мерзімі бес жыл.'" bank.yaml && ok || bad "per-answer feedback"
grep -qF 'Ашық дауыс беру арқылы' bank.yaml && ok || bad "kk option"
! grep -q '<b>' bank.yaml && ok || bad "html tags left in"
[ ! -e bank.yaml.import-check.yaml ] && ok || bad "the check's temp file was left"
expect_status 0 "elections v1: 4 items per attempt, checked" central bundle check bank.yaml
# Stdout without -o: the same source.
central import gift --lang kk "$data/bank.kk.gift" --lang ru "$data/bank.ru.gift" \
  --lang en "$data/bank.en.gift" --id elections --title "Сайлау / Выборы / Elections" \
  --pass-mark 80 --time-limit 20 --review-after mistakes > stdout.yaml 2>/dev/null
cmp -s stdout.yaml bank.yaml && ok || bad "stdout and -o differ"

# Into a bundle, and a station takes it in (its own check of the document).
expect_status 0 "central keys written" central keygen
expect_status 0 "IN THE CLEAR" station init --no-passphrase --central central/keys/central.pub
expect_status 0 "enrolled" central enroll station/enrol.req --station-id imp-001 --district Астана
expect_status 0 "enrolled as station 'imp-001'" station enroll central/certs/imp-001.cert
expect_status 0 "built for 1 station" central bundle build bank.yaml \
  --stations central/certs/imp-001.cert -o bank.sqb
expect_status 0 "imported: 1 exam(s), 4 item(s)" station import bank.sqb

# Aiken, and a blueprint from --per-topic (GIFT categories).
expect_status 0 "aiken.yaml: exam 'bank', 2 items per attempt, checked" \
  central import aiken --lang kk "$data/bank.aiken.txt" -o aiken.yaml
expect_status 0 "topics.yaml: exam 'bank', 2 items per attempt, checked" \
  central import gift --lang en "$data/bank.en.gift" --per-topic 1 -o topics.yaml

# Bad input: a clear error, status 1 or 2, and the output left as it was.
cp bank.yaml before.yaml
printf '::a:: Q {\n=a\n~b\n' > unclosed.gift
expect_status 1 "unclosed.gift:1: Could not find {...} around answers" \
  central import gift --lang ru unclosed.gift -o bank.yaml
expect_status 1 "bank.kk.gift:14: an essay question ({}) cannot be given in Synaq (--strict" \
  central import gift --strict --lang kk "$data/bank.kk.gift" -o bank.yaml
sed '/~На 7 лет/d' "$data/bank.ru.gift" > short.ru.gift
expect_status 1 "short.ru.gift:6: question 'law-01' has a different option count: 2 answers here, 3 at" \
  central import gift --lang kk "$data/bank.kk.gift" --lang ru short.ru.gift -o bank.yaml
sed '/^::law-02::/d' "$data/bank.ru.gift" > missing.ru.gift
expect_status 1 "missing title: question 'law-02' is not in the ru file(s)" \
  central import gift --lang kk "$data/bank.kk.gift" --lang ru missing.ru.gift -o bank.yaml
expect_status 2 "say the language of" central import gift "$data/bank.kk.gift" -o bank.yaml
expect_status 2 "--lang must be kk, ru or en" central import gift --lang de x.gift
expect_status 2 "--pass-mark must be a whole number 0..100" \
  central import gift --pass-mark 120 --lang kk "$data/bank.kk.gift"
expect_status 1 "the exam id 'Bad Id' is not valid" \
  central import gift --id "Bad Id" --lang kk "$data/bank.kk.gift" -o bank.yaml
expect_status 1 "items per topic, but topic" \
  central import gift --per-topic 3 --lang kk "$data/bank.kk.gift" -o bank.yaml
expect_status 1 "missing.gift" central import gift --lang kk missing.gift -o bank.yaml
expect_status 2 "import gift|aiken" central import qti x
cmp -s before.yaml bank.yaml && ok || bad "a failed import changed the output file"

echo "cli import: $passes passed, $fails failed"
[ $fails -eq 0 ]
