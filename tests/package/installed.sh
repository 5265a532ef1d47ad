#!/usr/bin/env bash
# package_installed: the two packages unpacked into a temp root (dpkg-deb
# -x: files only, no maintainer scripts, no dependencies installed - this
# machine's libraries stand in for them), and their programs run from
# there: --help, a central made, a station set up and enrolled, the demo
# exam bundled, imported and taken headless, the result carried back and
# opened at central; the installed kiosk on its installed catalogues and
# font list (SDL's dummy driver, a script), in kk, ru and en. No program
# of the build tree runs here.
#   installed.sh OUT SOURCE_DIR VERSION
set -euo pipefail
out=$1 src=$2 version=$3
. "$(dirname "$0")/lib.sh"
debs "$out" "$version"
root=$work/root
mkdir -p "$root"
dpkg-deb -x "$station_deb" "$root"
dpkg-deb -x "$central_deb" "$root"
bin=$root/usr/bin

# expect_out PHRASE CMD...: CMD succeeds and says PHRASE.
expect_out() {
  local phrase=$1 o
  shift
  if o=$("$@" 2>&1) && grep -qF -- "$phrase" <<<"$o"; then ok; else bad "expected '$phrase' from $*: $o"; fi
}
expect_out "usage: synaqctl" "$bin/synaqctl" --help
expect_out "usage: synaq-syncd" "$bin/synaq-syncd" --help
expect_out "enroll" "$bin/synaq-central" --help
expect_out "synaq-kiosk" "$bin/synaq-kiosk" --help

cd "$work"
central() { "$bin/synaq-central" --home "$work/central" "$@"; }
station() { SYNAQ_PASSPHRASE="installed station" "$bin/synaqctl" --home "$work/station" "$@"; }
expect_out "central keys written" central keygen
expect_out "passphrase-protected" station init --central central/keys/central.pub --label "Packaged"
expect_out "pkg-001" central enroll station/enrol.req --station-id pkg-001 --district Алматы
expect_out "enrolled as station 'pkg-001'" station enroll central/certs/pkg-001.cert
expect_out "built for 1 station" central bundle build "$src/assets/demo/election-basics.yaml" \
  --stations central/certs/pkg-001.cert -o demo.sqb
expect_out "imported: 1 exam(s)" station import demo.sqb
expect_out "software: synaq $version" station status
printf 'A\nB\n-\nA\nB\nA\nA\nB\n' >answers
expect_out "sealed for central" station take --exam election-basics --trainee 850312400217 \
  --lang kk --answers answers
expect_out "1 pending" station status
expect_out "1 result(s) written" station export --out r.sqbatch
csv=$(central open-results r.sqbatch 2>&1 || true)
check "no CSV row for the packaged station: $csv" \
  grep -q "^pkg-001,1,[0-9a-f]\{32\},850312400217,Айгүл Сәрсенова,election-basics,1," <<<"$csv"

# The installed kiosk, on the installed catalogues and font list: the
# welcome screen in the three languages, then the set-up check of a
# station with no keys is passed by (the store above has keys).
if [ -e /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ]; then
  {
    echo "expect-screen welcome"
    for l in kk ru en; do
      title=$(jq -r '.["welcome.title"]' "$root/usr/share/synaq/assets/i18n/$l.json")
      echo "expect-text $title"
    done
    echo "screenshot installed-welcome"
    echo "expect-fits"
  } >kiosk.script
  mkdir -p shots
  if o=$(SDL_VIDEODRIVER=dummy SYNAQ_PASSPHRASE="installed station" "$bin/synaq-kiosk" \
           --home "$work/station" --assets "$root/usr/share/synaq/assets" \
           --fonts "$root/usr/share/synaq/fonts/fonts.list" --size 1280x800 --software \
           --script kiosk.script --screenshots shots 2>&1); then ok; else bad "installed kiosk: $o"; fi
  check "installed kiosk: no screenshot" test -s shots/installed-welcome.png
  mkdir -p "$out/installed-shots" && cp shots/*.png "$out/installed-shots/" 2>/dev/null || true
else
  bad "fonts-noto-core is not installed (a dependency of synaq-station)"
fi
# A kiosk pointed at no catalogues says so and stops (status 1).
if o=$(SDL_VIDEODRIVER=dummy "$bin/synaq-kiosk" --home "$work/station" --assets "$work/none" \
         --script kiosk.script 2>&1); then bad "kiosk ran without catalogues"; else
  check "no message about the missing catalogues: $o" grep -q "$work/none" <<<"$o"; fi
finish
