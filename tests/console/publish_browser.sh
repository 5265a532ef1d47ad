#!/usr/bin/env bash
# The Publish pages in a real browser (Debian's headless Chromium through
# cdpshot, as browser.sh): a source with an error and a good one are
# uploaded and one bundle is built (with curl, as staff), then Chromium
# logs in as the admin and screenshots the Publish page (the bundle
# built), the bad source's check (its file:line error) and the good
# one's (the build form, a hostile station label among the stations) in
# kk, ru and en at 1366x768 and 390x844. Checked: each page logged in at
# its URL, nothing wider than the window, the PNGs of the right width.
# The shots stay in BUILD_DIR/tests/console/shots-publish for people to
# look at. Run in a network namespace of its own when it can.
#   publish_browser.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
chromium=${SYNAQ_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "SKIP: no $chromium (scripts/setup installs it)"; exit 77; }
if [ -z "${SYNAQ_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  exec unshare -n env SYNAQ_NETNS=1 "$0" "$@"
fi
[ -n "${SYNAQ_NETNS:-}" ] && ip link set lo up 2>/dev/null || true
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-pubshot-XXXXXX")
shots=$bin/tests/console/shots-publish
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

NOW=1767268800
export TZ=UTC
"$src/tests/console/fixture.sh" "$bin" "$work" "$NOW"
home=$work/central
central() { "$bin/central/synaq-central" --home "$home" "$@"; }
. "$src/tests/console/web.sh"
login sam
get "$sess" "/publish"
csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$work/b" | head -1 | sed 's/.*value="\([0-9a-f]*\)"/\1/')
up() { req -H "Cookie: __Host-synaq=$sess" -F "csrf=$csrf" -F "source=@$1" "$base/publish/upload"; loc=$(header Location); }
cp "$src/tests/data/source/bad/no-correct.yaml" "$work/Сынақ-емтихан.yaml"
up "$work/Сынақ-емтихан.yaml"
bad_id=${loc##*/}
up "$src/tests/sync/chaos-exam.yaml"
good_id=${loc##*/}
req -H "Cookie: __Host-synaq=$sess" --data-urlencode "csrf=$csrf" --data-urlencode "id=$good_id" \
  --data-urlencode "district=Алматы" "$base/publish/build"
[ "$code" = 303 ] && [ -n "$bad_id" ] && [ -n "$good_id" ] && ok || bad "could not stage and build: $code"

rm -rf "$shots"
mkdir -p "$shots"
status=0
"$bin/tests/console/cdpshot" --chromium "$chromium" --base "$base" \
  --user alice --password "alice password 1" \
  --pages "/publish,/publish/source/$bad_id,/publish/source/$good_id" \
  --out "$work" >"$work/cdp.out" 2>"$work/cdp.err" || status=$?
[ $status = 77 ] && { cat "$work/cdp.out"; exit 77; }
[ $status = 0 ] && ok || bad "cdpshot: $(cat "$work/cdp.err")"
n=0
while read -r _ file url sw iw h; do
  n=$((n + 1))
  sw=${sw#scroll_width=}
  iw=${iw#inner_width=}
  name=$(basename "$file")
  cp "$file" "$shots/$name"
  case $name:$url in
    login-*:url=$base/login\?lang=en) ok ;;
    publish-*:url=$base/publish\?lang=*) ok ;;
    publish_source_$bad_id-*:url=$base/publish/source/$bad_id\?lang=*) ok ;;
    publish_source_$good_id-*:url=$base/publish/source/$good_id\?lang=*) ok ;;
    *) bad "$name: at $url" ;;
  esac
  [ "$sw" -le "$iw" ] && ok || bad "$name: the page is $sw px wide in a $iw px window (cut off)"
  want_w=${name##*-}
  want_w=${want_w%%x*}
  [ "$(identify -format %w "$file")" = "$want_w" ] && ok || bad "$name: $(identify -format %wx%h "$file")"
done < <(grep '^shot ' "$work/cdp.out")
[ $n = 19 ] && ok || bad "$n screenshots, expected 19: $(cat "$work/cdp.out" "$work/cdp.err")"
echo "screenshots in $shots"
echo "publish_browser: $passes passed, $fails failed"
[ $fails = 0 ]
