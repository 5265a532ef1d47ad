#!/usr/bin/env bash
# Signed software updates, end to end (issue 12): central builds updates of
# a dummy package (synaq-test-dummy, real .debs made here with dpkg-deb),
# the station checks and installs them with real dpkg into a throwaway
# root ($SYNAQ_DPKG="dpkg --root=DIR"; maintainer scripts run chrooted
# there, so the root gets /bin/sh, sleep and their libraries). Each bad
# update is checked for its clear error AND for nothing changed (what
# dpkg says is installed, the version the station recorded, the packages
# left in root's work folder):
#   1. a forged update (signed by another central's key) and a manifest
#      changed after signing: refused;
#   2. a package swapped for other bytes (same length): refused by SHA-256;
#   3. a truncated update: refused;
#   4. a good update: installed, its version recorded, in the audit log;
#   5. a downgrade: refused; applied when the signed manifest allows it;
#   6. an update arriving while an attempt is open: deferred (status 75),
#      applied by apply-pending once the attempt is submitted;
#   7. synaqctl and dpkg killed (SIGKILL) while the package's postinst
#      runs: the state says "installing"; a rerun completes it;
#   8. a package whose preinst fails: dpkg keeps the old version, the
#      state and the audit log say it failed, the recorded version stays;
#   9. the root's pin: a station whose key file trusts another central
#      than the pinned one is refused;
#  10. from a stick (synaq/updates/*.squ): the good update staged, a
#      forged one and a symbolic link refused, then installed by
#      apply-pending;
#  11. an attempt begun while dpkg runs: installed, but the station's
#      programs are not restarted under the trainee.
# Needs root (dpkg --root); skipped (77) without it.
#   update.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (dpkg into a throwaway root)"; exit 77; fi
for t in dpkg dpkg-deb dpkg-query; do
  command -v "$t" >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-update-XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect_in() { # FILE TEXT WHAT
  if grep -qF -- "$2" "$1"; then ok; else bad "$3: no '$2' in: $(cat "$1")"; fi
}

"$src/tests/ui/station.sh" "$bin" "$work/w"
central() { "$bin/central/synaq-central" --home "$work/w/central" "$@"; }
ctl() { "$bin/ctl/synaqctl" --home "$work/w/station" "$@"; }

# The throwaway dpkg root.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/tmp"
touch "$root/var/lib/dpkg/status"
for b in /bin/sh /bin/sleep; do
  mkdir -p "$root$(dirname "$b")"
  cp -L "$b" "$root$b"
done
for l in $(ldd /bin/sh /bin/sleep | grep -o '/[^ ]*' | sort -u); do
  [ -f "$l" ] || continue
  mkdir -p "$root$(dirname "$l")"
  cp -L "$l" "$root$l"
done
export SYNAQ_DPKG="dpkg --root=$root"
export SYNAQ_UPDATE_STATE=$work/state
export SYNAQ_UPDATE_PENDING=$work/w/station/updates
# After an update went in, the station's programs are restarted: here, a
# file is touched instead.
export SYNAQ_UPDATE_RESTART="touch $work/restarted"

# mkdeb VERSION: synaq-test-dummy VERSION. Its postinst waits while
# /hold exists in the root (test 7: it writes /waiting, then polls for
# /go); its preinst fails while /fail-preinst exists (test 8).
mkdeb() {
  local v=$1 d=$work/pkg-$1
  mkdir -p "$d/DEBIAN" "$d/usr/share/synaq-test-dummy"
  cat >"$d/DEBIAN/control" <<EOF
Package: synaq-test-dummy
Version: $v
Architecture: all
Maintainer: Synaq tests <tests@synaq.invalid>
Description: a dummy package for Synaq's update tests
EOF
  cat >"$d/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -e /hold ]; then
  echo waiting >/waiting
  while [ ! -e /go ]; do sleep 0.05; done
fi
exit 0
EOF
  cat >"$d/DEBIAN/preinst" <<'EOF'
#!/bin/sh
if [ -e /fail-preinst ]; then echo "preinst: told to fail" >&2; exit 1; fi
exit 0
EOF
  chmod 755 "$d/DEBIAN/postinst" "$d/DEBIAN/preinst"
  echo "$v" >"$d/usr/share/synaq-test-dummy/version"
  dpkg-deb --root-owner-group -Zgzip -b "$d" "$work/dummy_$v.deb" >/dev/null
}
for v in 1.0 1.1 1.2 1.3 1.4 1.5 1.6; do mkdeb "$v"; done

installed() { dpkg-query --root="$root" -W -f '${Version} ${db:Status-Abbrev}' synaq-test-dummy 2>/dev/null || true; }
shipped() { cat "$root/usr/share/synaq-test-dummy/version" 2>/dev/null || echo none; }
recorded() { ctl update status | sed -n 's/^update applied: //p'; }
# unchanged WHAT VERSION RECORDED: dpkg has VERSION fully installed, its
# files are there, the station recorded RECORDED, root's work folder is empty.
unchanged() {
  local got
  got=$(installed)
  [ "$got" = "$2 ii " ] && ok || bad "$1: dpkg says '$got', not '$2 ii '"
  [ "$(shipped)" = "$2" ] && ok || bad "$1: the package's file says $(shipped), not $2"
  [ "$(recorded)" = "$3" ] && ok || bad "$1: the station recorded '$(recorded)', not '$3'"
  [ -z "$(ls -A "$work/state/work" 2>/dev/null)" ] && ok ||
    bad "$1: packages left in root's work folder: $(ls "$work/state/work")"
}
build() { # OUT VERSION [--allow-downgrade]
  local out=$1 v=$2; shift 2
  central update build --deb "$work/dummy_$v.deb" "$@" -o "$out" >"$work/build.out" 2>&1 ||
    { bad "building $out: $(cat "$work/build.out")"; return 0; }
}
# apply NAME FILE: synaqctl update apply; its status in $status, output in NAME.out.
apply() {
  status=0
  ctl update apply "$2" >"$work/$1.out" 2>&1 || status=$?
}

# The station runs 1.0, installed by hand (as the packages' first install).
dpkg --root="$root" -i "$work/dummy_1.0.deb" >/dev/null
[ "$(installed)" = "1.0 ii " ] && ok || bad "0: 1.0 did not install: $(installed)"

build "$work/u11.squ" 1.1
expect_in "$work/build.out" "synaq-test-dummy 1.1" "0: build"
central update show "$work/u11.squ" >"$work/show.out" 2>&1 && ok || bad "0: show: $(cat "$work/show.out")"
expect_in "$work/show.out" "update 1.1, 1 package(s)" "0: show"

# 1. Forged: another central's keys sign an update of the same packages.
"$bin/central/synaq-central" --home "$work/other" keygen >/dev/null
"$bin/central/synaq-central" --home "$work/other" update build --deb "$work/dummy_1.1.deb" \
  -o "$work/forged.squ" >/dev/null
apply forged "$work/forged.squ"
[ ! -e "$work/restarted" ] && ok || bad "1: programs restarted after a refusal"
[ "$status" = 1 ] && ok || bad "1: a forged update: status $status: $(cat "$work/forged.out")"
expect_in "$work/forged.out" "is not signed by the central this station trusts: refused" 1
# The first apply pinned the station's central key for root.
expect_in "$work/forged.out" "pinned in $work/state/central.pin" 1
unchanged "1 forged" 1.0 none
# ... and a manifest changed after signing (allow_downgrade turned on).
python3 - "$work/u11.squ" "$work/edited.squ" <<'EOF'
import sys
b = open(sys.argv[1], 'rb').read()
assert b'"allow_downgrade":false' in b
open(sys.argv[2], 'wb').write(b.replace(b'"allow_downgrade":false', b'"allow_downgrade":true ', 1))
EOF
apply edited "$work/edited.squ"
[ "$status" = 1 ] && ok || bad "1: an edited manifest: status $status"
expect_in "$work/edited.out" "is not signed by the central this station trusts" "1 edited"
unchanged "1 edited" 1.0 none

# 2. The package swapped for other bytes of the same length (the last
# byte of the file, inside the package, changed).
cp "$work/u11.squ" "$work/swapped.squ"
python3 - "$work/swapped.squ" <<'EOF'
import sys
f = open(sys.argv[1], 'r+b'); f.seek(-1, 2); c = f.read(1); f.seek(-1, 2)
f.write(bytes([c[0] ^ 0x55])); f.close()
EOF
apply swapped "$work/swapped.squ"
[ "$status" = 1 ] && ok || bad "2: a swapped package: status $status: $(cat "$work/swapped.out")"
expect_in "$work/swapped.out" "package synaq-test-dummy 1.1 in $work/swapped.squ is not the one central signed" 2
unchanged 2 1.0 none

# 3. Truncated (a download cut short): 100 bytes missing.
head -c $(($(stat -c %s "$work/u11.squ") - 100)) "$work/u11.squ" >"$work/cut.squ"
apply cut "$work/cut.squ"
[ "$status" = 1 ] && ok || bad "3: a truncated update: status $status"
expect_in "$work/cut.out" "cut short" 3
unchanged 3 1.0 none

# 4. The good one.
apply good "$work/u11.squ"
[ "$status" = 0 ] && ok || bad "4: the good update: status $status: $(cat "$work/good.out")"
expect_in "$work/good.out" "update 1.1 applied" 4
unchanged 4 1.1 1.1
[ -e "$work/restarted" ] && ok || bad "4: the station's programs were not restarted"
rm -f "$work/restarted"
ctl audit >"$work/audit4.out"
expect_in "$work/audit4.out" "1.1 applied (1 package(s))" "4 audit"
expect_in "$work/audit4.out" "is not signed by the central this station trusts" "4 audit of 1"

# 5. A downgrade: refused; applied when the signed manifest allows it.
build "$work/u10.squ" 1.0
apply down "$work/u10.squ"
[ "$status" = 1 ] && ok || bad "5: a downgrade: status $status: $(cat "$work/down.out")"
expect_in "$work/down.out" "package synaq-test-dummy 1.0 is older than the 1.1 installed" 5
unchanged 5 1.1 1.1
build "$work/u10d.squ" 1.0 --allow-downgrade
apply downok "$work/u10d.squ"
[ "$status" = 0 ] && ok || bad "5: an allowed downgrade: status $status: $(cat "$work/downok.out")"
unchanged "5 allowed" 1.0 1.0

# 6. An update arriving while an attempt is open: staged by the station's
# user, deferred by apply-pending, applied after the attempt is submitted.
ctl take --exam election-basics --trainee 850312400217 --lang en --answers /dev/null --leave-open \
  >"$work/take1.out" 2>&1 && ok || bad "6: leaving an attempt open: $(cat "$work/take1.out")"
build "$work/u12.squ" 1.2
ctl update stage "$work/u12.squ" >"$work/stage.out" 2>&1 && ok || bad "6: stage: $(cat "$work/stage.out")"
pending=$SYNAQ_UPDATE_PENDING/synaq-update-1.2.squ
[ -f "$pending" ] && ok || bad "6: nothing in the pending folder: $(ls -A "$SYNAQ_UPDATE_PENDING")"
ctl update stage "$work/forged.squ" >"$work/stage2.out" 2>&1 && bad "6: a forged update staged" || ok
expect_in "$work/stage2.out" "not signed by the central this station trusts" "6 stage forged"
status=0
ctl update apply-pending >"$work/defer.out" 2>&1 || status=$?
[ "$status" = 75 ] && ok || bad "6: apply-pending with an attempt open: status $status: $(cat "$work/defer.out")"
expect_in "$work/defer.out" "1.2 deferred: 1 attempt(s) in progress on this station" 6
unchanged "6 deferred" 1.0 1.0
[ -f "$pending" ] && ok || bad "6: the deferred update left the pending folder"
ctl update status >"$work/status6.out"
expect_in "$work/status6.out" "last update: deferred 1.2" 6
# Deferred again: one audit line for the deferral, not one per try.
ctl update apply-pending >/dev/null 2>&1 || true
n=$(ctl audit 200 | grep -c "1.2 deferred" || true)
[ "$n" = 1 ] && ok || bad "6: the deferral logged $n times"
for _ in $(seq 1 40); do echo A; done >"$work/answers"
ctl take --exam election-basics --trainee 850312400217 --lang en --answers "$work/answers" \
  >"$work/take2.out" 2>&1 && ok || bad "6: finishing the attempt: $(tail -3 "$work/take2.out")"
status=0
ctl update apply-pending >"$work/pend.out" 2>&1 || status=$?
[ "$status" = 0 ] && ok || bad "6: apply-pending after the attempt: status $status: $(cat "$work/pend.out")"
unchanged "6 applied" 1.2 1.2
[ ! -e "$pending" ] && ok || bad "6: the applied update is still pending"

# 7. Killed (SIGKILL, as a power cut) while the package's postinst runs.
build "$work/u13.squ" 1.3
touch "$root/hold"
"$bin/ctl/synaqctl" --home "$work/w/station" update apply "$work/u13.squ" >"$work/kill.out" 2>&1 &
ctlpid=$!
pids+=("$ctlpid")
for _ in $(seq 1 300); do [ -e "$root/waiting" ] && break; sleep 0.1; done
[ -e "$root/waiting" ] && ok || bad "7: the postinst never started: $(cat "$work/kill.out")"
tree() { local c; for c in $(ps -o pid= --ppid "$1"); do tree "$c"; echo "$c"; done; }
victims=$(tree "$ctlpid")
[ -n "$victims" ] && ok || bad "7: no dpkg under synaqctl"
kill -9 "$ctlpid" $victims 2>/dev/null || true
wait "$ctlpid" 2>/dev/null || true
for _ in $(seq 1 100); do
  alive=0
  for p in $victims; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
got=$(installed)
case "$got" in "1.3 ii ") bad "7: dpkg finished though killed" ;; *) ok ;; esac
ctl update status >"$work/status7.out"
expect_in "$work/status7.out" "last update: installing 1.3" 7
expect_in "$work/status7.out" "update applied: 1.2" 7
rm -f "$root/hold" "$root/waiting"
apply rerun "$work/u13.squ"
[ "$status" = 0 ] && ok || bad "7: the rerun: status $status: $(cat "$work/rerun.out")"
expect_in "$work/rerun.out" "the installation before this one did not finish (installing 1.3)" 7
expect_in "$work/rerun.out" "package synaq-test-dummy is half installed" 7
unchanged "7 rerun" 1.3 1.3

rm -f "$work/restarted"
# 8. The new package's preinst fails: dpkg keeps the old version.
build "$work/u14.squ" 1.4
touch "$root/fail-preinst"
apply failed "$work/u14.squ"
rm -f "$root/fail-preinst"
[ "$status" = 1 ] && ok || bad "8: a failing install: status $status: $(cat "$work/failed.out")"
expect_in "$work/failed.out" "1.4 failed: dpkg -i exited with 1" 8
unchanged 8 1.3 1.3
[ ! -e "$work/restarted" ] && ok || bad "8: programs restarted after a failed install"
ctl update status >"$work/status8.out"
expect_in "$work/status8.out" "last update: failed 1.4" 8
ctl audit >"$work/audit8.out"
expect_in "$work/audit8.out" "1.4 failed" "8 audit"

# ... and pending: tried again at each trigger, set aside after 3 failures.
touch "$root/fail-preinst"
ctl update stage "$work/u14.squ" >/dev/null
for try in 1 2 3; do
  status=0
  ctl update apply-pending >"$work/failp-$try.out" 2>&1 || status=$?
  [ "$status" = 1 ] && ok || bad "8: pending try $try: status $status: $(cat "$work/failp-$try.out")"
done
rm -f "$root/fail-preinst"
[ -e "$SYNAQ_UPDATE_PENDING/synaq-update-1.4.squ" ] && bad "8: still pending after 3 failures" || ok
[ -e "$SYNAQ_UPDATE_PENDING/refused/synaq-update-1.4.squ" ] && ok || bad "8: not set aside"
grep -q "set aside" "$work/failp-2.out" && bad "8: set aside after 2 failures" || ok
unchanged "8 pending" 1.3 1.3

# 9. Root's pin: a station whose key file trusts another central.
build "$work/u15.squ" 1.5
echo 0000000000000000000000000000000000000000000000000000000000000000 >"$work/state/central.pin"
apply pin "$work/u15.squ"
[ "$status" = 1 ] && ok || bad "9: another pinned key: status $status: $(cat "$work/pin.out")"
expect_in "$work/pin.out" "trusts another central" 9
unchanged 9 1.3 1.3

# 10. From a stick: the good update staged, a forged one and a link on
# the stick refused and not staged; apply-pending installs the good one.
rm -f "$work/state/central.pin"
mkdir -p "$work/stick/synaq/updates"
cp "$work/u15.squ" "$work/stick/synaq/updates/a-good.squ"
cp "$work/forged.squ" "$work/stick/synaq/updates/b-forged.squ"
ln -s "$work/u15.squ" "$work/stick/synaq/updates/c-link.squ"
status=0
ctl update stage-usb "$work/stick" >"$work/usb.out" 2>&1 || status=$?
[ "$status" = 1 ] && ok || bad "10: stage-usb with refusals: status $status: $(cat "$work/usb.out")"
expect_in "$work/usb.out" "1 update(s) staged (1.5), 2 refused" 10
staged=$(cd "$SYNAQ_UPDATE_PENDING" && ls -A | grep -v '^refused$' | tr '\n' ' ')
[ "$staged" = "synaq-update-1.5.squ " ] && ok || bad "10: the pending folder holds '$staged'"
ctl audit >"$work/audit10.out"
expect_in "$work/audit10.out" "update-stage" "10 audit"
unchanged "10 staged" 1.3 1.3
status=0
ctl update apply-pending >"$work/usbapply.out" 2>&1 || status=$?
[ "$status" = 0 ] && ok || bad "10: apply-pending: status $status: $(cat "$work/usbapply.out")"
unchanged "10 applied" 1.5 1.5
# A link in the pending folder (its users could plant one to a file of
# root's): refused and set aside, not followed.
ln -s /etc/shadow "$SYNAQ_UPDATE_PENDING/z-link.squ"
status=0
ctl update apply-pending >"$work/plink.out" 2>&1 || status=$?
[ "$status" = 1 ] && ok || bad "10: a link in the pending folder: status $status: $(cat "$work/plink.out")"
expect_in "$work/plink.out" "z-link.squ is a symbolic link: refused" 10
[ -L "$SYNAQ_UPDATE_PENDING/refused/z-link.squ" ] && ok || bad "10: the link was not set aside"
unchanged "10 link" 1.5 1.5
# A stick without updates says so.
mkdir -p "$work/stick2/synaq"
ctl update stage-usb "$work/stick2" >"$work/usb2.out" 2>&1 && bad "10: an empty stick staged" || ok
expect_in "$work/usb2.out" "no software update on $work/stick2" 10

# 11. An attempt begun while dpkg runs (the postinst held): the update goes
# in, but the station's programs are not restarted under the trainee.
build "$work/u16.squ" 1.6
rm -f "$work/restarted" "$root/go" "$root/waiting"
touch "$root/hold"
"$bin/ctl/synaqctl" --home "$work/w/station" update apply "$work/u16.squ" >"$work/mid.out" 2>&1 &
midpid=$!
pids+=("$midpid")
for _ in $(seq 1 300); do [ -e "$root/waiting" ] && break; sleep 0.1; done
[ -e "$root/waiting" ] && ok || bad "11: the postinst never started: $(cat "$work/mid.out")"
ctl take --exam election-basics --trainee 880101300123 --lang en --answers /dev/null --leave-open \
  >"$work/take11.out" 2>&1 && ok || bad "11: an attempt during the install: $(cat "$work/take11.out")"
touch "$root/go"
status=0
wait "$midpid" || status=$?
[ "$status" = 0 ] && ok || bad "11: the install: status $status: $(cat "$work/mid.out")"
grep -qF "an attempt began during the installation: the station's programs are not restarted now" \
  "$work/mid.out" && ok || bad "11: not said: $(cat "$work/mid.out")"
[ ! -e "$work/restarted" ] && ok || bad "11: the programs were restarted under an open attempt"
rm -f "$root/hold" "$root/go" "$root/waiting"
unchanged 11 1.6 1.6

echo "update: $passes passed, $fails failed"
[ "$fails" = 0 ]
