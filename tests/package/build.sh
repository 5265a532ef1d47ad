#!/usr/bin/env bash
# package_build: `dpkg-buildpackage -us -uc -b` on a clean copy of the
# source tree (what git tracks, with what is not committed yet), as a
# fresh machine would; then what each package holds, its version (the
# one of debian/changelog, which CMake reads too), its dependencies, its
# conffiles and maintainer scripts. The .debs stay in OUT/debs for the
# other package tests.
#   build.sh SOURCE_DIR OUT VERSION
set -euo pipefail
src=$1 out=$2 version=$3
. "$(dirname "$0")/lib.sh"
need dpkg-buildpackage dh fakeroot

# The tree, as git sees it (build folders are ignored).
mkdir -p "$work/synaq"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
     xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' _ ) |
    (cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$work/synaq"
else
  (cd "$src" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$work/synaq"
fi
log=$out/dpkg-buildpackage.log
if (cd "$work/synaq" && nice dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$log" 2>&1; then
  ok
else
  tail -30 "$log" >&2
  bad "dpkg-buildpackage failed (the whole log: $log)"
  finish
  exit 1
fi
if grep -n "warning:" "$log" >&2; then bad "compiler warnings in the package build"; else ok; fi
rm -rf "$out/debs"
mkdir -p "$out/debs"
mv "$work"/*.deb "$work"/*.changes "$out/debs/"
debs "$out" "$version"

# Version: one place.
check "changelog version" test "$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)" = "$version"
for d in "$station_deb" "$central_deb"; do
  check "version of $d" test "$(dpkg-deb -f "$d" Version)" = "$version"
done

# Contents.
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
contents "$station_deb" >"$work/station.list"
contents "$central_deb" >"$work/central.list"
for f in /usr/bin/synaq-kiosk /usr/bin/synaqctl /usr/bin/synaq-syncd \
         /usr/share/synaq/assets/i18n/kk.json /usr/share/synaq/assets/i18n/ru.json \
         /usr/share/synaq/assets/i18n/en.json /usr/share/synaq/fonts/fonts.list \
         /lib/systemd/system/synaq-kiosk.service /lib/systemd/system/synaq-syncd.service \
         /lib/udev/rules.d/99-synaq-usb.rules /etc/synaq/station.conf /etc/pam.d/synaq-kiosk; do
  check "synaq-station lacks $f" grep -qxF "$f" "$work/station.list"
done
for f in /usr/bin/synaq-central /usr/share/synaq/assets/i18n/console/kk.json \
         /lib/systemd/system/synaq-central-receiver.service \
         /lib/systemd/system/synaq-central-console.service /etc/synaq/central.conf; do
  check "synaq-central lacks $f" grep -qxF "$f" "$work/central.list"
done
# Each program in one package only; no test program or benchmark in either.
check "synaq-central in the station package" bash -c "! grep -q 'synaq-central\$' '$work/station.list'"
check "station programs in the central package" \
  bash -c "! grep -qE 'synaq-kiosk|synaqctl|synaq-syncd' '$work/central.list'"
check "a test program packaged" bash -c "! grep -qE '/test_|bench_|headless' '$work/station.list' '$work/central.list'"

# The installed programs look for their files under /usr, never in the
# build tree they came from.
mkdir -p "$work/root"
dpkg-deb -x "$station_deb" "$work/root"
check "the kiosk names /usr/share/synaq/assets" grep -q /usr/share/synaq/assets "$work/root/usr/bin/synaq-kiosk"
check "the kiosk names a path of the build tree" bash -c "! grep -q '$work' '$work/root/usr/bin/synaq-kiosk'"

# Dependencies: what the units and the font list need at run time.
dep=$(dpkg-deb -f "$station_deb" Depends)
for p in cage xwayland adduser libpam-systemd fonts-noto-core fonts-dejavu-core libsdl2-2.0-0; do
  check "synaq-station does not depend on $p" grep -qE "(^|, )$p( |,|$)" <<<"$dep"
done
check "synaq-central does not depend on adduser" grep -q adduser <<<"$(dpkg-deb -f "$central_deb" Depends)"

# Conffiles and maintainer scripts.
dpkg-deb -e "$station_deb" "$work/st.ctl"
dpkg-deb -e "$central_deb" "$work/ce.ctl"
for f in /etc/synaq/station.conf /etc/pam.d/synaq-kiosk; do
  check "$f not a conffile" grep -qxF "$f" "$work/st.ctl/conffiles"
done
check "central.conf not a conffile" grep -qxF /etc/synaq/central.conf "$work/ce.ctl/conffiles"
check "station postinst makes the users" grep -q "adduser --system --group --quiet --home /var/lib/synaq " "$work/st.ctl/postinst"
check "station postinst enables the units" grep -q "deb-systemd-helper enable 'synaq-kiosk.service'" "$work/st.ctl/postinst"
check "station postinst starts units (it must not, mid-exam)" bash -c "! grep -q 'deb-systemd-invoke.*start' '$work/st.ctl/postinst'"
check "station postrm purges the store" grep -q "rm -rf /var/lib/synaq$" "$work/st.ctl/postrm"
check "central postrm purges its home" grep -q "rm -rf /var/lib/synaq-central$" "$work/ce.ctl/postrm"
# Only purge deletes: the rm lines sit under "purge)".
for s in "$work/st.ctl/postrm" "$work/ce.ctl/postrm"; do
  check "$s deletes outside purge" test "$(awk '/^ *purge\)/{p=1} /;;/{p=0} p && /rm -rf/' "$s" | wc -l)" = \
    "$(grep -c 'rm -rf' "$s")"
done
finish
