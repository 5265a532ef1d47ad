#!/usr/bin/env bash
# package_root: a fresh Debian 12 root made with mmdebstrap from the
# Debian mirror, with both packages installed by apt (dependencies from
# the mirror, maintainer scripts run for real, chrooted). Then: the users
# and the group, the state folders' owners and modes, the units enabled;
# synaqctl --help and a headless exam as the user synaq, inside the root;
# `dpkg --remove` keeps the store, the keys and the configuration;
# reinstalling finds them untouched; `dpkg --purge` deletes them.
# Skipped (77) without mmdebstrap, as non-root, or when the mirror does
# not answer. Needs the network to deb.debian.org: the one test that does.
#   root.sh OUT SOURCE_DIR VERSION
set -euo pipefail
out=$1 src=$2 version=$3
. "$(dirname "$0")/lib.sh"
need mmdebstrap curl
[ "$(id -u)" -eq 0 ] || { echo "skipped: mmdebstrap --mode=root needs root"; exit 77; }
debs "$out" "$version"
mirror=${SYNAQ_DEBIAN_MIRROR:-http://deb.debian.org/debian}
timeout 20 curl -fsI "$mirror/dists/bookworm/Release" >/dev/null 2>&1 ||
  { echo "skipped: the Debian mirror $mirror does not answer"; exit 77; }
chmod 755 "$work"
cp "$station_deb" "$central_deb" "$work/"
st=$work/$(basename "$station_deb") ce=$work/$(basename "$central_deb")
R=$work/root
if ! nice mmdebstrap --variant=apt --mode=root \
     --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
     --include="$st" --include="$ce" bookworm "$R" "$mirror" >"$work/mm.log" 2>&1; then
  tail -20 "$work/mm.log" >&2
  bad "mmdebstrap with the packages failed"
  finish
  exit 1
fi
ok
in_root() { chroot "$R" "$@"; }
# Users, groups, folders.
check "no user synaq" in_root getent passwd synaq
check "no user synaq-kiosk" in_root getent passwd synaq-kiosk
check "no user synaq-central" in_root getent passwd synaq-central
check "synaq-kiosk is not in the group synaq" grep -qE '^synaq:x:[0-9]+:(.*,)?synaq-kiosk(,|$)' "$R/etc/group"
check "/var/lib/synaq: $(in_root stat -c '%U:%G %a' /var/lib/synaq)" \
  test "$(in_root stat -c '%U:%G %a' /var/lib/synaq)" = "synaq:synaq 2770"
check "/var/lib/synaq-central: $(in_root stat -c '%U:%G %a' /var/lib/synaq-central)" \
  test "$(in_root stat -c '%U:%G %a' /var/lib/synaq-central)" = "synaq-central:synaq-central 750"
for u in synaq-kiosk synaq-syncd synaq-central-receiver synaq-central-console; do
  check "$u not enabled" bash -c "ls '$R'/etc/systemd/system/*.wants/$u.service >/dev/null 2>&1"
done

# The programs, inside the root, as the station's user.
as_synaq() { chroot --userspec=synaq:synaq "$R" env SYNAQ_PASSPHRASE="a packaged station" "$@"; }
check "synaqctl --help" bash -c "chroot '$R' synaqctl --help | grep -q 'usage: synaqctl'"
in_root env SYNAQ_CENTRAL_HOME=/root/central synaq-central keygen >/dev/null
cp "$R/root/central/keys/central.pub" "$R/tmp/central.pub"
chmod 644 "$R/tmp/central.pub"
check "synaqctl init as synaq" as_synaq synaqctl init --central /tmp/central.pub --label Root
in_root env SYNAQ_CENTRAL_HOME=/root/central synaq-central enroll /var/lib/synaq/enrol.req \
  --station-id root-001 --district Алматы >/dev/null
cp "$R/root/central/certs/root-001.cert" "$R/tmp/"
chmod 644 "$R/tmp/root-001.cert"
check "synaqctl enroll as synaq" as_synaq synaqctl enroll /tmp/root-001.cert
cp "$src/assets/demo/election-basics.yaml" "$R/tmp/exam.yaml"
mkdir -p "$R/tmp/images"
cp "$src/assets/demo/images/"*.png "$R/tmp/images/"
in_root env SYNAQ_CENTRAL_HOME=/root/central synaq-central bundle build /tmp/exam.yaml \
  --stations /tmp/root-001.cert -o /tmp/demo.sqb >/dev/null
chmod 644 "$R/tmp/demo.sqb"
check "import as synaq" as_synaq synaqctl import /tmp/demo.sqb
printf 'A\nB\nA\n' >"$R/tmp/answers"
chmod 644 "$R/tmp/answers"
o=$(as_synaq synaqctl take --exam election-basics --trainee 850312400217 --lang kk --answers /tmp/answers 2>&1 || true)
check "headless exam in the root: $o" grep -q "sealed for central" <<<"$o"
check "no result pending" bash -c "chroot --userspec=synaq:synaq '$R' env SYNAQ_PASSPHRASE='a packaged station' synaqctl status | grep -q '1 pending'"
check "store not the group's: $(stat -c %a "$R/var/lib/synaq/station.db")" test "$(stat -c %a "$R/var/lib/synaq/station.db")" = 660
echo "sync.conf written by the technician" >"$R/var/lib/synaq/sync.conf"
echo "SYNAQ_KIOSK_OPTIONS=--size 800x480" >>"$R/etc/synaq/station.conf"
keep=$(cd "$R" && sha256sum var/lib/synaq/station.db var/lib/synaq/station.key var/lib/synaq/sync.conf etc/synaq/station.conf)

# remove: programs gone, data and configuration kept; reinstall: the same.
in_root dpkg --remove synaq-station >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; bad "dpkg --remove"; }
check "remove left synaqctl" test ! -e "$R/usr/bin/synaqctl"
check "remove changed the store, keys or config" test "$(cd "$R" && sha256sum var/lib/synaq/station.db var/lib/synaq/station.key var/lib/synaq/sync.conf etc/synaq/station.conf 2>&1)" = "$keep"
cp "$st" "$R/tmp/"
in_root dpkg -i "/tmp/$(basename "$st")" >"$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log" >&2; bad "reinstall"; }
check "reinstall changed the store, keys or config" test "$(cd "$R" && sha256sum var/lib/synaq/station.db var/lib/synaq/station.key var/lib/synaq/sync.conf etc/synaq/station.conf 2>&1)" = "$keep"
check "reinstall: the station lost its result" bash -c "chroot --userspec=synaq:synaq '$R' env SYNAQ_PASSPHRASE='a packaged station' synaqctl status | grep -q '1 pending'"
# purge: everything of the station gone.
in_root dpkg --purge synaq-station >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; bad "dpkg --purge"; }
check "purge left /var/lib/synaq" test ! -e "$R/var/lib/synaq"
check "purge left /etc/synaq/station.conf" test ! -e "$R/etc/synaq/station.conf"
check "purge took central's home" test -d "$R/var/lib/synaq-central"
in_root dpkg --purge synaq-central >"$work/purge2.log" 2>&1 || { cat "$work/purge2.log" >&2; bad "dpkg --purge central"; }
check "purge left /var/lib/synaq-central" test ! -e "$R/var/lib/synaq-central"
check "purge left /etc/synaq" test ! -e "$R/etc/synaq"
finish
