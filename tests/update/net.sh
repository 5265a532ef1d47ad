#!/usr/bin/env bash
# Updates by network (issue 12): central's receiver lists the update files
# of its bundles folder (DIR/all/*.squ, DIR/ID/*.squ) at GET /v1/updates,
# and synaq-syncd --once downloads each, checks it against the listed
# hash and central's signature, and stages it in HOME/updates for
# synaq-update.service (it installs nothing itself). A forged update (another
# central's key) is refused, never staged, and set aside after 3 tries; a
# second round fetches nothing again. A real receiver on 127.0.0.1.
#   net.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
command -v dpkg-deb >/dev/null || { echo "SKIP: no dpkg-deb"; exit 77; }
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-update-net-XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$src/tests/ui/station.sh" "$bin" "$work/w"
st=$work/w/station
central() { "$bin/central/synaq-central" --home "$work/w/central" "$@"; }
d=$work/pkg
mkdir -p "$d/DEBIAN"
printf 'Package: synaq-test-dummy\nVersion: 1.1\nArchitecture: all\nMaintainer: Synaq tests <tests@synaq.invalid>\nDescription: a dummy package\n' >"$d/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -b "$d" "$work/dummy_1.1.deb" >/dev/null
mkdir -p "$work/served/all" "$work/served/ui-001"
central update build --deb "$work/dummy_1.1.deb" -o "$work/served/ui-001/synaq-update-1.1.squ" >/dev/null
"$bin/central/synaq-central" --home "$work/other" keygen >/dev/null
"$bin/central/synaq-central" --home "$work/other" update build --deb "$work/dummy_1.1.deb" \
  -o "$work/served/all/forged.squ" >/dev/null

central serve --listen 127.0.0.1:0 --bundles "$work/served" >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out" 2>/dev/null)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { bad "the receiver did not start: $(cat "$work/serve.log")"; exit 1; }
printf 'central_url = http://127.0.0.1:%s\nretry_min_s = 1\nretry_max_s = 2\n' "$port" >"$st/sync.conf"

# The listing: both files, with size and hash; bundles are listed apart.
curl -s "http://127.0.0.1:$port/v1/updates?station=ui-001" >"$work/list.json"
python3 - "$work/list.json" "$work/served" <<'EOF' && ok || bad "the listing: $(cat "$work/list.json")"
import hashlib, json, os, sys
j = json.load(open(sys.argv[1]))
names = sorted(u["name"] for u in j["updates"])
assert names == ["forged.squ", "synaq-update-1.1.squ"], names
for u in j["updates"]:
    sub = "all" if u["name"] == "forged.squ" else "ui-001"
    b = open(os.path.join(sys.argv[2], sub, u["name"]), "rb").read()
    assert u["size"] == len(b) and u["sha256"] == hashlib.sha256(b).hexdigest(), u
    assert u["url"] == "/v1/updates/%s?station=ui-001" % u["name"], u
EOF
curl -s "http://127.0.0.1:$port/v1/bundles?station=ui-001" | grep -q '"bundles":\[\]' && ok ||
  bad "updates listed as bundles"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/updates/..%2Fx.squ?station=ui-001")
[ "$code" = 404 ] && ok || bad "a name with a slash answered $code"

for round in 1 2 3; do
  "$bin/sync/synaq-syncd" --home "$st" --once 2>"$work/syncd-$round.log" && ok ||
    bad "round $round: syncd failed: $(cat "$work/syncd-$round.log")"
done
staged=$(ls -A "$st/updates" | tr '\n' ' ')
[ "$staged" = "synaq-update-1.1.squ " ] && ok || bad "the pending folder holds '$staged'"
cmp -s "$st/updates/synaq-update-1.1.squ" "$work/served/ui-001/synaq-update-1.1.squ" && ok ||
  bad "the staged update is not central's"
grep -q "update synaq-update-1.1.squ (1.1) staged" "$work/syncd-1.log" && ok ||
  bad "round 1 did not say it staged: $(cat "$work/syncd-1.log")"
grep -q "update forged.squ: .*not signed by the central this station trusts" "$work/syncd-1.log" && ok ||
  bad "round 1 did not refuse the forged one: $(cat "$work/syncd-1.log")"
# Staged once: the later rounds do not fetch it again.
grep -q "synaq-update-1.1.squ" "$work/syncd-2.log" && bad "round 2 fetched the staged update again" || ok
grep -q "forged.squ set aside after 3 tries" "$work/syncd-3.log" && ok ||
  bad "the forged update was not set aside: $(cat "$work/syncd-3.log")"
grep -q '"bundles_set_aside".*forged.squ' "$st/sync-status.json" && ok ||
  bad "sync-status.json does not list it: $(cat "$st/sync-status.json")"

echo "update net: $passes passed, $fails failed"
[ "$fails" = 0 ]
