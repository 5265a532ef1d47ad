#!/usr/bin/env bash
# The walk (walk.sh) on synaq-kiosk-headless, the kiosk with no SDL
# (kiosk/plat_headless.c): kk, ru and en at 800x480, the same script and
# checks as on SDL, the shots into OUTDIR (default
# BUILD_DIR/tests/ui-shots-headless). Then: every shot the walk names is a
# PNG of 800x480, and the program links no SDL.
#   headless.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
bin=$(cd "${1:?usage: $(basename "$0") BUILD_DIR [OUTDIR [SOURCE_DIR]]}" && pwd)
out=${2:-$bin/tests/ui-shots-headless}
here=$(cd "$(dirname "$0")" && pwd)
kiosk=$bin/kiosk/synaq-kiosk-headless
fails=0
SYNAQ_UI_KIOSK=$kiosk SYNAQ_UI_SIZES=800x480 SYNAQ_UI_LANGS="kk ru en" \
  "$here/walk.sh" "$bin" "$out" "${3:-$(cd "$here/../.." && pwd)}" || fails=$((fails + 1))

# The shots: each a PNG (signature, then IHDR) of 800 x 480.
shots=0
for l in kk ru en; do
  for s in welcome identify exams info item-01 item-03 grid review idle warn5 warn1 confirm \
    result; do
    f=$out/$l-800x480-$s.png
    head=$(od -An -tx1 -N24 "$f" 2>/dev/null | tr -d ' \n' || true)
    if [ "$head" = "89504e470d0a1a0a0000000d4948445200000320000001e0" ]; then
      shots=$((shots + 1))
    else
      echo "FAIL: $f is not an 800x480 PNG (${head:-missing})" >&2
      fails=$((fails + 1))
    fi
  done
done
# No SDL in the headless kiosk, by what it links (ldd), when ldd is there.
if command -v ldd >/dev/null; then
  if ldd "$kiosk" | grep -i sdl >&2; then
    echo "FAIL: $kiosk links SDL" >&2
    fails=$((fails + 1))
  fi
fi
echo "headless: $shots shots checked, $fails failed"
[ "$fails" -eq 0 ]
