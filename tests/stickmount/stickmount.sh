#!/usr/bin/env bash
# Sticks as root's helper mounts them (units/synaq-stick-mount; units/README.md,
# "Sticks"), with loop devices standing in for them: every shape of stick
# (FAT32, exFAT on the whole disk, NTFS, four partitions of which the third
# is the first Synaq mounts, no file system, ext4 only) gets the state the
# technician screen shows, and a mounted one the flags ro, nosuid, nodev,
# noexec in /proc/self/mountinfo; read-write only while asked for (a file
# run from it still refused). Then synaqctl: an import from the read-only
# stick (the stick's image unchanged, byte for byte), an export through the
# read-write request (this script answering it as synaq-stick-rw.path
# would), and a stick pulled out mid-export (its FUSE driver killed and the
# loop device detached; SYNAQ_TEST_STICK_DELAY_MS slows each file): a clear
# error, the store's results still pending, the store whole, and the stick's
# earlier export intact. Bad input to the helper: names that are not a
# disk's, a stick not mounted. Needs root, loop devices, sfdisk and the
# mkfs tools (dosfstools, exfatprogs, ntfs-3g): skipped (77) without them.
#   stickmount.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
helper=$src/units/synaq-stick-mount

skip_all() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip_all "needs root (loop devices and mounts)"
[ -e /dev/loop-control ] || skip_all "no loop device support (/dev/loop-control)"
for t in losetup sfdisk partx blkid mkfs.ext4 sqlite3; do
  command -v "$t" >/dev/null || skip_all "$t is not installed"
done
probe_loop=$(mktemp "${TMPDIR:-/tmp}/synaq-loopprobe-XXXXXX")
truncate -s 1M "$probe_loop"
if ! l=$(losetup -f --show "$probe_loop" 2>/dev/null); then
  rm -f "$probe_loop"
  skip_all "cannot attach a loop device here"
fi
losetup -d "$l"
rm -f "$probe_loop"

work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-stickmount-XXXXXX")
export SYNAQ_STICK_MEDIA=$work/media SYNAQ_STICK_STATE=$work/state \
  SYNAQ_STICK_REQUESTS=$work/station/stick-rw SYNAQ_STICK_GROUP=synaq-no-such-group
mkdir -p "$SYNAQ_STICK_MEDIA"
loops=()
nodes=()
bg=()
cleanup() {
  local p m
  for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
  for m in $(awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  for p in "${loops[@]}"; do losetup -d "$p" 2>/dev/null; done
  for p in "${nodes[@]}"; do rm -f "$p"; done
  rm -rf "$work"
}
trap cleanup EXIT

passes=0
fails=0
skips=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; skips=$((skips + 1)); }
ctl() { "$bin/ctl/synaqctl" --home "$work/station" "$@"; }
central() { "$bin/central/synaq-central" --home "$work/central" "$@"; }
pending() { sqlite3 -readonly -cmd ".timeout 10000" "$work/station/station.db" "SELECT count(*) FROM results WHERE sent_wall IS NULL"; }
state() { sed -n "s/^$2=//p" "$SYNAQ_STICK_STATE/$1" 2>/dev/null; }
mp() { echo "$SYNAQ_STICK_MEDIA/synaq-$1"; }
flags() { awk -v mp="$(mp "$1")" '$5 == mp { print $6 }' /proc/self/mountinfo; }
has_flags() { # DISK FLAG...
  local f
  f=",$(flags "$1"),"
  shift
  for x in "$@"; do case $f in *",$x,"*) ;; *) return 1 ;; esac; done
}
expect_state() { # DISK WHAT key=value...
  local disk=$1 what=$2 kv
  shift 2
  for kv in "$@"; do
    [ "$(state "$disk" "${kv%%=*}")" = "${kv#*=}" ] && ok ||
      bad "$what: ${kv%%=*} is '$(state "$disk" "${kv%%=*}")', expected '${kv#*=}' ($(tr '\n' ' ' <"$SYNAQ_STICK_STATE/$disk" 2>/dev/null))"
  done
}
# poll CMD...: true once CMD succeeds, within 30 s (200 tries of 0.15 s).
poll() {
  local i
  for ((i = 0; i < 200; i++)); do
    "$@" && return 0
    sleep 0.15
  done
  return 1
}

have_mkfs() {
  case $1 in
  vfat) command -v mkfs.vfat >/dev/null ;;
  exfat) command -v mkfs.exfat >/dev/null ;;
  ntfs) command -v mkfs.ntfs >/dev/null ;;
  *) true ;;
  esac
}
mkfs_one() { # DEVICE FS
  case $2 in
  vfat) mkfs.vfat -F 32 "$1" >/dev/null 2>&1 ;;
  exfat) mkfs.exfat "$1" >/dev/null 2>&1 ;;
  ntfs) mkfs.ntfs -Q -q "$1" >/dev/null 2>&1 ;;
  ext4) mkfs.ext4 -q -F "$1" >/dev/null 2>&1 ;;
  none) true ;;
  esac
}

# mkstick NAME SIZE_MB TABLE FS...: an image with the sfdisk TABLE ("" for
# none: FS on the whole disk), attached to a loop device with its
# partitions (their nodes made when no udev makes them); sets disk.
disk=
mkstick() {
  local name=$1 size=$2 table=$3 img=$work/$1.img loop i d mm
  shift 3
  truncate -s "${size}M" "$img"
  if [ -n "$table" ]; then
    printf '%s' "$table" | sfdisk -q "$img" >/dev/null 2>&1 || { bad "$name: sfdisk"; return 1; }
  fi
  loop=$(losetup -f --show -P "$img") || { bad "$name: losetup"; return 1; }
  loops+=("$loop")
  disk=${loop#/dev/}
  if [ -n "$table" ]; then
    ls -d /sys/class/block/"$disk"/"$disk"p1 >/dev/null 2>&1 || partx -a "$loop" 2>/dev/null
    for d in /sys/class/block/"$disk"/"$disk"p*; do
      [ -f "$d/dev" ] || continue
      if [ ! -b "/dev/${d##*/}" ]; then
        mm=$(cat "$d/dev")
        mknod "/dev/${d##*/}" b "${mm%%:*}" "${mm##*:}" && nodes+=("/dev/${d##*/}")
      fi
    done
    i=0
    for fs in "$@"; do
      i=$((i + 1))
      mkfs_one "/dev/${disk}p$i" "$fs" || { bad "$name: mkfs $fs on partition $i"; return 1; }
    done
  else
    mkfs_one "$loop" "${1:-none}" || { bad "$name: mkfs ${1:-none}"; return 1; }
  fi
}
unstick() { # DISK: pulled out
  "$helper" remove "$1" 2>>"$work/helper.log"
  [ -z "$(flags "$1")" ] && [ ! -e "$(mp "$1")" ] && [ ! -e "$SYNAQ_STICK_STATE/$1" ] && ok ||
    bad "$1: still there after remove: $(flags "$1")"
  losetup -d "/dev/$1" 2>/dev/null
}
# A driver for FS, as the helper would pick it (kernel, else FUSE).
can_mount() {
  case $1 in
  vfat) grep -qw vfat /proc/filesystems || modprobe -q vfat 2>/dev/null || command -v fusefat >/dev/null ;;
  exfat) grep -qw exfat /proc/filesystems || modprobe -q exfat 2>/dev/null || [ -x /sbin/mount.exfat-fuse ] ;;
  ntfs) [ -x /sbin/mount.ntfs-3g ] || [ -x /usr/sbin/mount.ntfs-3g ] ;;
  esac
}
kernel_vfat() { grep -qw vfat /proc/filesystems || modprobe -q vfat 2>/dev/null; }

# ---- bad input to the helper ----
for name in "../etc" "-o" "sdb/../x" "" "SDB" "a"; do
  out=$("$helper" add "$name" 2>&1)
  [ $? = 2 ] && grep -q "not a disk's name" <<<"$out" && ok || bad "add '$name' was taken: $out"
done
[ -z "$(ls -A "$SYNAQ_STICK_MEDIA")" ] && ok || bad "bad names made folders: $(ls "$SYNAQ_STICK_MEDIA")"
out=$("$helper" rw loop99 2>&1) && bad "rw of a stick never mounted: $out" ||
  grep -q "not a stick mounted here" <<<"$out" && ok || bad "rw of a stick never mounted said: $out"
out=$("$helper" 2>&1)
[ $? = 2 ] && ok || bad "no command: $out"

# ---- FAT32 in one partition ----
if ! have_mkfs vfat; then skip "FAT32: mkfs.vfat (dosfstools) is not installed"
elif ! can_mount vfat; then skip "FAT32: no vfat driver here (kernel or fusefat)"
elif mkstick fat 48 $'label: dos\n,,c\n' vfat; then
  "$helper" add "$disk" 2>>"$work/helper.log"
  expect_state "$disk" FAT32 state=mounted fs=vfat partitions=1 partition=1 mode=ro device="${disk}p1"
  has_flags "$disk" ro nosuid nodev noexec && ok || bad "FAT32 flags: $(flags "$disk")"
  touch "$(mp "$disk")/x" 2>/dev/null && bad "FAT32: written while read-only" || ok
  mkdir -p "$SYNAQ_STICK_REQUESTS" && touch "$SYNAQ_STICK_REQUESTS/synaq-$disk"
  "$helper" requests 2>>"$work/helper.log"
  if kernel_vfat; then
    expect_state "$disk" "FAT32 asked rw" mode=rw
    has_flags "$disk" rw nosuid nodev noexec && ok || bad "FAT32 rw flags: $(flags "$disk")"
  else
    # fusefat only reads: the request is refused, the stick stays ro.
    expect_state "$disk" "FAT32 asked rw (fusefat)" mode=ro refused=rw
    has_flags "$disk" ro nosuid nodev noexec && ok || bad "FAT32 flags after refusal: $(flags "$disk")"
  fi
  rm -f "$SYNAQ_STICK_REQUESTS/synaq-$disk"
  "$helper" requests 2>>"$work/helper.log"
  expect_state "$disk" "FAT32 request gone" mode=ro
  unstick "$disk"
fi

# ---- NTFS in a GPT partition ----
if ! have_mkfs ntfs; then skip "NTFS: mkfs.ntfs (ntfs-3g) is not installed"
elif ! can_mount ntfs; then skip "NTFS: ntfs-3g is not installed"
elif mkstick ntfs 48 $'label: gpt\n,,\n' ntfs; then
  "$helper" add "$disk" 2>>"$work/helper.log"
  expect_state "$disk" NTFS state=mounted fs=ntfs partitions=1 partition=1 mode=ro
  has_flags "$disk" ro nosuid nodev noexec && ok || bad "NTFS flags: $(flags "$disk")"
  unstick "$disk"
fi

# ---- four partitions: empty, ext4, exFAT, FAT32: the exFAT one ----
if ! have_mkfs exfat || ! have_mkfs vfat; then skip "four partitions: mkfs.exfat or mkfs.vfat missing"
elif ! can_mount exfat; then skip "four partitions: no exFAT driver here"
elif mkstick parts 160 $'label: dos\n,30M,83\n,30M,83\n,40M,7\n,,c\n' none ext4 exfat vfat; then
  "$helper" add "$disk" 2>>"$work/helper.log"
  expect_state "$disk" "four partitions" state=mounted fs=exfat partitions=4 partition=3 \
    device="${disk}p3" mode=ro
  has_flags "$disk" ro nosuid nodev noexec && ok || bad "four partitions flags: $(flags "$disk")"
  unstick "$disk"
fi

# ---- no file system; ext4 only ----
if mkstick blank 8 ""; then
  "$helper" add "$disk" 2>>"$work/helper.log"
  expect_state "$disk" "no file system" state=nofs partitions=0
  [ -z "$(flags "$disk")" ] && [ ! -e "$(mp "$disk")" ] && ok || bad "a blank stick was mounted"
  unstick "$disk"
fi
if mkstick ext 16 $'label: dos\n,,83\n' ext4; then
  "$helper" add "$disk" 2>>"$work/helper.log"
  expect_state "$disk" "ext4" state=unsupported fs=ext4 partitions=1
  [ -z "$(flags "$disk")" ] && ok || bad "an ext4 stick was mounted"
  unstick "$disk"
fi

# ---- exFAT on the whole disk: synaqctl's import, export, pull-out ----
if ! have_mkfs exfat; then skip "exFAT: mkfs.exfat (exfatprogs) is not installed"
elif ! can_mount exfat; then skip "exFAT: no exFAT driver here (kernel or exfat-fuse)"
elif mkstick ex 64 "" exfat; then
  ex=$disk
  m=$(mp "$ex")
  "$helper" add "$ex" 2>>"$work/helper.log"
  expect_state "$ex" "exFAT" state=mounted fs=exfat partitions=0 partition=0 mode=ro
  has_flags "$ex" ro nosuid nodev noexec && ok || bad "exFAT flags: $(flags "$ex")"

  "$src/tests/ui/station.sh" "$bin" "$work" "$src/tests/sync/chaos-exam.yaml"
  # The technician fills the stick elsewhere: here, rw by hand.
  "$helper" rw "$ex" 2>>"$work/helper.log"
  has_flags "$ex" rw nosuid nodev noexec && ok || bad "exFAT rw flags: $(flags "$ex")"
  central bundle build "$src/assets/demo/election-basics.yaml" \
    --stations "$work/central/certs/ui-001.cert" -o "$m/demo.sqb" >/dev/null || bad "bundle"
  printf '#!/bin/sh\necho ran\n' >"$m/run.sh" && chmod 755 "$m/run.sh"
  out=$("$m/run.sh" 2>&1) && bad "a program ran from the stick: $out" || ok
  "$helper" ro "$ex" 2>>"$work/helper.log"
  has_flags "$ex" ro nosuid nodev noexec && ok || bad "exFAT ro again: $(flags "$ex")"

  # Import from the read-only stick: the stick unchanged, byte for byte.
  before=$(sha256sum <"$work/ex.img")
  out=$(ctl import-usb "$m" 2>&1) && grep -q "1 bundle(s) imported" <<<"$out" && ok ||
    bad "import from the read-only stick: $out"
  [ "$(sha256sum <"$work/ex.img")" = "$before" ] && ok || bad "the import changed the stick"

  # Export: synaqctl asks for rw; this script answers as the path unit.
  "$bin/tests/sync/mkresults" --home "$work/station" --count 120 --tag stick >/dev/null
  ctl export-usb "$m" >"$work/export.out" 2>&1 &
  pid=$!
  bg+=("$pid")
  poll test -f "$SYNAQ_STICK_REQUESTS/synaq-$ex" && ok || bad "export asked for nothing"
  "$helper" requests 2>>"$work/helper.log"
  wait "$pid"
  status=$?
  [ $status = 0 ] && grep -q "120 result(s) in 3 batch(es) written" "$work/export.out" && ok ||
    bad "export through the rw request (status $status): $(cat "$work/export.out")"
  [ ! -e "$SYNAQ_STICK_REQUESTS/synaq-$ex" ] && ok || bad "the request was left behind"
  "$helper" requests 2>>"$work/helper.log"
  expect_state "$ex" "after the export" mode=ro
  has_flags "$ex" ro nosuid nodev noexec && ok || bad "after the export: $(flags "$ex")"
  (cd "$m/synaq/ui-001/outgoing" && sha256sum --quiet -c MANIFEST.sha256) && ok ||
    bad "the export's manifest does not match"
  [ "$(pending)" = 120 ] && ok || bad "export marked results sent: $(pending) pending"

  # Export to a read-only stick nobody answers for: refused, clearly.
  mkdir -p "$work/plain"
  # (a stick not mounted by the helper, read-only: no request is made)
  if mount -t tmpfs -o ro,size=1m tmpfs "$work/plain" 2>/dev/null; then
    out=$(ctl export-usb "$work/plain" 2>&1) && bad "export to a read-only folder: $out" ||
      grep -q "the stick is read-only" <<<"$out" && ok || bad "read-only folder said: $out"
    umount "$work/plain"
  fi

  # Pulled out mid-export: 120 more results, each file slowed down.
  "$bin/tests/sync/mkresults" --home "$work/station" --count 120 --tag stick2 >/dev/null
  SYNAQ_TEST_STICK_DELAY_MS=400 "$bin/ctl/synaqctl" --home "$work/station" export-usb "$m" \
    >"$work/pull.out" 2>&1 &
  pid=$!
  bg+=("$pid")
  poll test -f "$SYNAQ_STICK_REQUESTS/synaq-$ex" || bad "the second export asked for nothing"
  "$helper" requests 2>>"$work/helper.log"
  # Once a batch of this run is on the stick (the old export had 3).
  batches() { [ "$(ls "$m/synaq/ui-001/outgoing" 2>/dev/null | grep -c '\.sqbatch$')" -gt 3 ]; }
  if poll batches; then
    ok
    # Out it comes: the stick's driver dies with it, then the device.
    fuse=$(pgrep -f "^[^ ]*exfat[^ ]* /dev/$ex $m" | head -n 1)
    if [ -n "$fuse" ]; then kill -9 "$fuse"; else umount -l "$m"; fi
    losetup -d "/dev/$ex"
    wait "$pid"
    status=$?
    [ $status != 0 ] && ok || bad "an export to a stick pulled out succeeded: $(cat "$work/pull.out")"
    grep -qiE "cannot (create|write|sync)|removed|gone|not connected|input/output" "$work/pull.out" && ok ||
      bad "pulled out: no clear error: $(cat "$work/pull.out")"
    [ "$(pending)" = 240 ] && ok || bad "pulled out: $(pending) pending (expected 240)"
    ic=$(sqlite3 -readonly "$work/station/station.db" "PRAGMA integrity_check")
    [ "$ic" = ok ] && ok || bad "the store after the pull-out: $ic"
    "$helper" remove "$ex" 2>>"$work/helper.log"
    [ -z "$(flags "$ex")" ] && [ ! -e "$SYNAQ_STICK_STATE/$ex" ] && ok || bad "pulled out: still mounted"
    # Plugged in again: the earlier export is still whole on it.
    loop=$(losetup -f --show "$work/ex.img") && loops+=("$loop")
    "$helper" add "${loop#/dev/}" 2>>"$work/helper.log"
    m2=$(mp "${loop#/dev/}")
    (cd "$m2/synaq/ui-001/outgoing" && sha256sum --quiet -c MANIFEST.sha256) && ok ||
      bad "the earlier export was damaged by the pull-out"
    # And the next export, once it is back, goes through.
    ctl export-usb "$m2" >"$work/again.out" 2>&1 &
    pid=$!
    bg+=("$pid")
    poll test -f "$SYNAQ_STICK_REQUESTS/synaq-${loop#/dev/}" || bad "the third export asked for nothing"
    "$helper" requests 2>>"$work/helper.log"
    wait "$pid" && grep -q "240 result(s) in 5 batch(es) written" "$work/again.out" && ok ||
      bad "the export after the pull-out: $(cat "$work/again.out")"
    "$helper" requests 2>>"$work/helper.log"
    unstick "${loop#/dev/}"
  else
    bad "the slowed export wrote no batch: $(cat "$work/pull.out")"
    wait "$pid"
  fi
fi

[ "$fails" = 0 ] || { echo "--- the helper's log:"; grep -v '^FUSE exfat' "$work/helper.log" | tail -n 40; }
echo "stickmount: $passes passed, $fails failed, $skips skipped"
[ "$fails" = 0 ]
