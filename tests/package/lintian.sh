#!/usr/bin/env bash
# package_lintian: lintian on the two built packages (with the overrides
# of debian/*.lintian-overrides, each explained there) prints nothing: no
# error, no warning, no pedantic note. The verdict is printed either way.
#   lintian.sh OUT SOURCE_DIR VERSION
set -euo pipefail
out=$1 version=$3
. "$(dirname "$0")/lib.sh"
need lintian
debs "$out" "$version"
# lintian warns about running as root; the packages are what it judges.
report=$(lintian --pedantic --info "$station_deb" "$central_deb" 2>&1 |
  grep -v "running with root privileges is not recommended" || true)
overridden=$(lintian --pedantic --show-overrides "$station_deb" "$central_deb" 2>&1 | grep -c '^O:' || true)
echo "lintian: ${overridden} tag(s) overridden (debian/*.lintian-overrides)"
if [ -n "$report" ]; then
  echo "$report"
  bad "lintian has findings"
else
  echo "lintian: clean"
  ok
fi
# The check can fail: the same packages without their overrides have
# findings (the maintainer address and the manual pages).
mkdir -p "$work/x"
dpkg-deb -R "$station_deb" "$work/x/st"
rm -rf "$work/x/st/usr/share/lintian"
dpkg-deb -b "$work/x/st" "$work/x/st.deb" >/dev/null
bare=$(lintian "$work/x/st.deb" 2>&1 || true)
if grep -q "no-manual-page" <<<"$bare"; then ok; else
  bad "lintian without the overrides found nothing: the check above cannot fail"; fi
finish
