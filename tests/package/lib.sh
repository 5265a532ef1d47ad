# lib.sh - shared by the package tests (sourced): pass/fail counting, a
# temp folder removed on exit, and the two built packages.
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...: passes when the command succeeds
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}
finish() {
  echo "$(basename "$0"): $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-pkg-XXXXXX")
trap 'rm -rf "$work"' EXIT
# need TOOL...: skip (77) when a tool is missing (scripts/setup installs them).
need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "skipped: $t is not installed (scripts/setup)"; exit 77; }
  done
}
# debs OUT VERSION: sets station_deb and central_deb, or fails the test.
debs() {
  station_deb=$1/debs/synaq-station_$2_amd64.deb
  central_deb=$1/debs/synaq-central_$2_amd64.deb
  [ -f "$station_deb" ] && [ -f "$central_deb" ] ||
    { echo "FAIL: no packages in $1/debs (package_build failed?)" >&2; exit 1; }
}
