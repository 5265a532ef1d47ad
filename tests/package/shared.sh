#!/usr/bin/env bash
# package_shared: a station's home shared by two users through a group,
# as the packages set it up (/var/lib/synaq: owner synaq, group synaq,
# mode 2770; synaq-kiosk in the group). Two made-up users stand in for
# them (numeric ids, run with setpriv, so nothing is added to this
# machine's user list): A (the sync daemon's user) sets the station up
# and imports the demo exam; B (the kiosk's user, A's group as a
# supplementary group) takes an exam in the same store; A exports the
# result. Every file of the home is the group's, rw for it. The control:
# the same in a home without the setgid bit - B is refused with a clear
# message, and the store is unchanged.
#   shared.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
src=$2
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root (to run as two users)"; exit 77; }
need setpriv
gid=47100 uid_a=47101 uid_b=47102
chmod 755 "$work"
as_a() { setpriv --reuid=$uid_a --regid=$gid --clear-groups --inh-caps=-all env SYNAQ_PASSPHRASE="shared home" "$@"; }
as_b() { setpriv --reuid=$uid_b --regid=$uid_b --groups=$gid --inh-caps=-all env SYNAQ_PASSPHRASE="shared home" "$@"; }
expect_out() {
  local phrase=$1 o
  shift
  if o=$("$@" 2>&1) && grep -qF -- "$phrase" <<<"$o"; then ok; else bad "expected '$phrase' from $*: $o"; fi
}
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
cd "$work"
expect_out "central keys written" central keygen
chmod -R a+rX "$work/central"

printf 'A\nB\n-\nA\nB\nA\nA\nB\n' >answers
chmod 644 answers

# setup HOME MODE: A makes the station in HOME (mode MODE), enrolled, the
# demo exam imported.
setup() {
  mkdir "$1"
  chown $uid_a:$gid "$1"
  chmod "$2" "$1"
  expect_out "passphrase-protected" as_a "$bin/ctl/synaqctl" --home "$1" init \
    --central central/keys/central.pub --label "Shared"
  local id
  id=$(basename "$1")
  expect_out "$id" central enroll "$1/enrol.req" --station-id "$id" --district Алматы
  chmod a+r "central/certs/$id.cert"
  expect_out "enrolled as station '$id'" as_a "$bin/ctl/synaqctl" --home "$1" enroll \
    "central/certs/$id.cert"
  expect_out "built for 1 station" central bundle build "$src/assets/demo/election-basics.yaml" \
    --stations "central/certs/$id.cert" -o "$id.sqb"
  chmod a+r "$id.sqb"
  expect_out "imported: 1 exam(s)" as_a "$bin/ctl/synaqctl" --home "$1" import "$id.sqb"
}

setup "$work/shared-1" 2770
expect_out "sealed for central" as_b "$bin/ctl/synaqctl" --home "$work/shared-1" take \
  --exam election-basics --trainee 850312400217 --lang ru --answers answers
expect_out "1 pending" as_a "$bin/ctl/synaqctl" --home "$work/shared-1" status
expect_out "1 result(s) written" as_a "$bin/ctl/synaqctl" --home "$work/shared-1" export \
  --out "$work/shared-1/r.sqbatch"
# Every file the two made: the group's, and rw for it; the store, its
# lock, SQLite's files and the key file 0660 exactly (nothing for others).
while read -r mode group name; do
  check "$name: group $group, not $gid" test "$group" = $gid
  check "$name: mode $mode, not rw for the group" test $((0$mode & 060)) = $((060))
  case $name in
    station.db* | station.key) check "$name: mode $mode, not 660" test "$mode" = 660 ;;
  esac
done < <(find "$work/shared-1" -mindepth 1 -type f -printf '%m %G %f\n')
check "no store in the shared home" test -s "$work/shared-1/station.db"
check "no key file in the shared home" test -s "$work/shared-1/station.key"

# The control: no setgid bit - private files, as before; B cannot use them.
setup "$work/private-1" 0770
m=$(stat -c %a "$work/private-1/station.db")
check "station.db in a private home: mode $m, group-writable" test $((0$m & 020)) = 0
before=$(sha256sum "$work/private-1/station.db" "$work/private-1/station.key")
if o=$(as_b "$bin/ctl/synaqctl" --home "$work/private-1" take --exam election-basics \
         --trainee 850312400217 --lang ru --answers answers 2>&1); then
  bad "B took an exam in A's private store"
else
  check "no clear message for B: $o" grep -qE "Permission denied|cannot (open|read)" <<<"$o"
fi
check "the private store changed" test "$(sha256sum "$work/private-1/station.db" "$work/private-1/station.key")" = "$before"
finish
