#!/usr/bin/env bash
# Backups of central's home and their restore (synaq-central backup and
# restore), the real binaries in a temp folder:
#
#   backup.sh BUILD_DIR SOURCE_DIR            CTest cli_backup (SQLite)
#   with-pg.sh backup.sh BUILD_DIR SOURCE_DIR CTest cli_backup_pg
#
# A stick of results is ingested (and ingested again, which answers what a
# re-ingest at that moment answers); the home is backed up while a
# receiver runs on it (SQLite's online backup API), with a console account
# so console.db and console.key are in it. Restored into a new home (the
# result store under PostgreSQL: pg_dump -Fc of it, pg_restore into a new
# database), the same stick ingested there gives byte-identical
# acknowledgements and stores nothing new; the keys keep mode 0600. Every
# refusal leaves things as they were: backup into a folder that exists, of
# a folder that is not central's home; restore of a damaged file, without
# a MANIFEST, with a path of ".." or an absolute one in it, and into a home
# that holds central's files already.
set -euo pipefail
bin=$1
src=$2
. "$src/tests/pg/store.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-backup-XXXXXX")
serve_pid=""
cleanup() {
  [ -z "$serve_pid" ] || kill -9 "$serve_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect() { # PHRASE STATUS CMD...
  local phrase=$1 want=$2 out status=0
  shift 2
  out=$("$@" 2>&1) || status=$?
  if [ "$status" = "$want" ] && grep -qF -- "$phrase" <<<"$out"; then ok; else
    bad "expected status $want and '$phrase' from: $* (status $status): $out"
  fi
}
central_bin=$bin/central/synaq-central
pg=${SYNAQ_CENTRAL_DB:-}
# A tree's every file name, mode and bytes: "nothing changed" is an equal
# digest before and after (a missing tree digests as "none").
tree() {
  [ -e "$1" ] || { echo none; return; }
  (cd "$1" && find . -print0 | sort -z | xargs -0 stat -c '%n %a %s %F' &&
    find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
}

# ---- the home, with results from a stick ----
"$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
home=$work/central
printf 'a long enough password\n' | "$central_bin" --home "$home" user add chief --role admin >/dev/null
"$bin/tests/sync/mkresults" --home "$work/station" --count 70 --tag bk >/dev/null
stick=$work/stick
mkdir -p "$stick"
"$bin/ctl/synaqctl" --home "$work/station" export-usb "$stick" >/dev/null
expect "2 batch file(s) read, 70 result(s) newly stored" 0 "$central_bin" --home "$home" ingest "$stick"
# Ingested again: what central answers of this stick from the state the
# backup is made of.
expect "2 batch file(s) read, 0 result(s) newly stored" 0 "$central_bin" --home "$home" ingest "$stick"
cp -r "$stick/synaq/ui-001/acks" "$work/acks-before"
[ "$(ls "$work/acks-before" | wc -l)" = 2 ] && ok || bad "acknowledgements: $(ls "$work/acks-before")"

# ---- the backup, with a receiver running ----
"$central_bin" --home "$home" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$work/serve.out" && ok || bad "the receiver did not start: $(cat "$work/serve.log")"
expect "backup written to $work/bk" 0 "$central_bin" --home "$home" backup "$work/bk"
kill "$serve_pid"
wait "$serve_pid" || true
serve_pid=""
[ -f "$work/bk/MANIFEST" ] && ok || bad "no MANIFEST"
(cd "$work/bk" && sha256sum --quiet -c MANIFEST) && ok || bad "sha256sum -c MANIFEST fails"
# On PostgreSQL the station registry and the staff accounts are in the
# database (pg_dump takes them), not central.db and console.db; the
# accounts' audit key stays a file.
want="certs/ui-001.cert console.key keys/ack.key keys/central.pub keys/results.key keys/sign.key"
[ -z "$pg" ] && want="$want central.db results.db console.db"
[ "$(awk '{print $2}' "$work/bk/MANIFEST" | sort | tr '\n' ' ')" = "$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ')" ] &&
  ok || bad "the MANIFEST names: $(awk '{print $2}' "$work/bk/MANIFEST" | tr '\n' ' ')"
dbs=""
[ -z "$pg" ] && dbs="console.db central.db results.db"
for db in $dbs; do
  [ "$(sqlite3 -readonly -cmd ".timeout 10000" "$work/bk/$db" "PRAGMA quick_check")" = ok ] && ok || bad "$db in the backup is not ok"
done
[ "$(stat -c %a "$work/bk/keys/sign.key")/$(stat -c %a "$work/bk/keys/ack.key")/$(stat -c %a "$work/bk/console.key")" = 600/600/600 ] &&
  ok || bad "secret keys in the backup are not 0600"
ls "$work" | grep -q "bk.partial" && bad "a partial folder was left" || ok
if [ -n "$pg" ]; then
  grep -q "pg_dump -Fc" <("$central_bin" --home "$home" backup "$work/bk-pg-note") && ok ||
    bad "backup does not say to use pg_dump for a PostgreSQL store"
  pg_dump -Fc -f "$work/results.pgdump" "$pg" && ok || bad "pg_dump failed"
fi

# ---- backup refusals, nothing changed ----
before=$(tree "$work/bk")
expect "$work/bk exists; a backup goes into a new folder" 1 "$central_bin" --home "$home" backup "$work/bk"
[ "$(tree "$work/bk")" = "$before" ] && ok || bad "a refused backup changed the folder"
mkdir -p "$work/not-home"
expect "holds no keys/ folder: not central's home" 1 "$central_bin" --home "$work/not-home" backup "$work/bk2"
[ ! -e "$work/bk2" ] && ! ls "$work" | grep -q "bk2.partial" && ok || bad "a refused backup left files"

# ---- restore into a new home ----
new=$work/restored
n_files=9
[ -n "$pg" ] && n_files=6
expect "restored $n_files file(s)" 0 "$central_bin" --home "$new" restore "$work/bk"
[ "$(stat -c %a "$new/keys/sign.key")/$(stat -c %a "$new/keys/results.key")/$(stat -c %a "$new/keys/ack.key")/$(stat -c %a "$new/console.key")" = 600/600/600/600 ] &&
  ok || bad "keys restored with modes $(stat -c '%n %a' "$new"/keys/* "$new/console.key")"
[ "$(stat -c %a "$new")/$(stat -c %a "$new/keys")" = 700/700 ] && ok || bad "the home or keys/ is not 0700"
for f in $(awk '{print $2}' "$work/bk/MANIFEST"); do
  cmp -s "$work/bk/$f" "$new/$f" || bad "$f restored differs"
done
ok
db_new=()
if [ -n "$pg" ]; then
  newdb=$("$src/tests/pg/pgtmp.sh" url "$SYNAQ_TEST_PG" restored)
  pg_restore --no-owner -d "$newdb" "$work/results.pgdump" && ok || bad "pg_restore failed"
  db_new=(--db "$newdb")
  [ "$(psql -X -At "$newdb" -c "SELECT count(*) FROM results")" = 70 ] && ok || bad "the restored database"
fi
# The same stick again: the same acknowledgements, byte for byte.
rm -rf "$stick/synaq/ui-001/acks"
expect "2 batch file(s) read, 0 result(s) newly stored" 0 \
  "$central_bin" --home "$new" ingest "${db_new[@]}" "$stick"
for a in "$work/acks-before"/*; do
  cmp -s "$a" "$stick/synaq/ui-001/acks/$(basename "$a")" && ok ||
    bad "acknowledgement $(basename "$a") differs after the restore"
done
[ "$(ls "$stick/synaq/ui-001/acks" | wc -l)" = 2 ] && ok || bad "acknowledgements after restore: $(ls "$stick/synaq/ui-001/acks")"
# The restored home opens what it holds, and the station takes its word.
"$central_bin" --home "$new" open-results --received "${db_new[@]}" -o "$work/restored.csv" 2>"$work/open.err" ||
  bad "open-results in the restored home: $(cat "$work/open.err")"
[ "$(($(wc -l <"$work/restored.csv") - 1))" = 70 ] && ok || bad "the restored home opens $(wc -l <"$work/restored.csv") lines"
expect "70 result(s) newly marked sent" 0 "$bin/ctl/synaqctl" --home "$work/station" read-acks "$stick"

# ---- restore refusals, nothing changed ----
# refused NAME PHRASE BACKUP HOME: status 1, the phrase, HOME as it was.
refused() {
  local before
  before=$(tree "$4")
  expect "$2" 1 "$central_bin" --home "$4" restore "$3"
  [ "$(tree "$4")" = "$before" ] && ok || bad "$1: the home changed"
}
mkdir -p "$work/b" "$work/h"
cp -a "$work/bk" "$work/b/damaged"
printf '\x01' | dd of="$work/b/damaged/keys/ack.key" bs=1 seek=40 conv=notrunc status=none
refused damaged "keys/ack.key does not match its SHA-256 in the MANIFEST: the backup is damaged" \
  "$work/b/damaged" "$work/h/h1"
cp -a "$work/bk" "$work/b/damaged-db"
# A database of the home: the registry (on PostgreSQL, where the backup
# holds no database, a file of the home: the audit key).
regdb=central.db
[ -n "$pg" ] && regdb=console.key
printf '\x5a' | dd of="$work/b/damaged-db/$regdb" bs=1 seek=20 conv=notrunc status=none
refused damaged_db "$regdb does not match its SHA-256" "$work/b/damaged-db" "$work/h/h1"
cp -a "$work/bk" "$work/b/nomanifest"
rm "$work/b/nomanifest/MANIFEST"
refused no_manifest "MANIFEST is missing" "$work/b/nomanifest" "$work/h/h2"
# A path that climbs out: its file is there, with the right SHA-256, so
# only the path is wrong. Restored, it would land at $work/h/evil.
cp -a "$work/bk" "$work/b/dotdot"
echo "evil" >"$work/b/evil"
echo "$(sha256sum <"$work/b/evil" | cut -c1-64)  ../evil" >>"$work/b/dotdot/MANIFEST"
refused dotdot "the path '../evil' has a '.' or '..' part" "$work/b/dotdot" "$work/h/h3"
[ ! -e "$work/h/evil" ] && ok || bad "a file was written outside the home"
cp -a "$work/bk" "$work/b/absolute"
echo "$(sha256sum <"$work/b/evil" | cut -c1-64)  $work/h/abs-evil" >>"$work/b/absolute/MANIFEST"
refused absolute "is absolute" "$work/b/absolute" "$work/h/h4"
[ ! -e "$work/h/abs-evil" ] && ok || bad "a file was written at an absolute path"
# A home that holds central's files: the original, and the restored one.
refused home_in_use "already holds central's files (keys)" "$work/bk" "$home"
refused home_restored "already holds central's files" "$work/bk" "$new"
# A home with only a registry (or the accounts) left in it is central's too.
mkdir -p "$work/h/h5" && cp "$home/$regdb" "$work/h/h5/"
refused partial_home "already holds central's files ($regdb)" "$work/bk" "$work/h/h5"
[ -z "$(ls "$work/h" | grep -v h5)" ] && ok || bad "refused restores left: $(ls "$work/h")"

echo "backup: $passes passed, $fails failed"
[ $fails = 0 ] || exit 1
