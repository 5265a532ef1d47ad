#!/usr/bin/env bash
# package_units: the systemd units as the packages install them.
#  - `systemd-analyze verify` has nothing to say about any of them (the
#    programs' paths are pointed at the unpacked package, the only change);
#  - each has the hardening units/README.md promises, line by line;
#  - `systemd-analyze security --offline=yes` rates each "OK" or better
#    (exposure below 5.0); every unit's score is printed. A copy of the
#    kiosk's unit stripped of its hardening is rated worse, and refused:
#    the judge can fail.
#   units.sh OUT SOURCE_DIR VERSION
set -euo pipefail
out=$1 version=$3
. "$(dirname "$0")/lib.sh"
need systemd-analyze
debs "$out" "$version"
root=$work/root
mkdir -p "$root"
dpkg-deb -x "$station_deb" "$root"
dpkg-deb -x "$central_deb" "$root"
units=(synaq-kiosk synaq-syncd synaq-central-receiver synaq-central-console)

# value UNIT KEY: the unit's last KEY= line's value ("" if it has none).
value() { sed -n "s/^$2=//p" "$root/lib/systemd/system/$1.service" | tail -1; }
has() { grep -qx "$2" "$root/lib/systemd/system/$1.service"; }

for u in "${units[@]}"; do
  f=$root/lib/systemd/system/$u.service
  check "$u: no unit file" test -f "$f"
  # verify: ExecStart must name an executable; point /usr/bin at the
  # unpacked package (and cage at this machine's, if it has one).
  sed "s|/usr/bin/synaq|$root/usr/bin/synaq|" "$f" >"$work/$u.service"
  if msgs=$(cd "$work" && systemd-analyze verify --man=no "./$u.service" 2>&1) && [ -z "$msgs" ]; then
    ok
  elif [ "$u" = synaq-kiosk ] && ! [ -x /usr/bin/cage ] && [ "$msgs" = "$u.service: Command /usr/bin/cage is not executable: No such file or directory" ]; then
    ok
  else
    bad "systemd-analyze verify $u: $msgs"
  fi
  # The programs are in the packages where ExecStart says.
  exe=$(value "$u" ExecStart | awk '{print $1}')
  [ "$u" = synaq-kiosk ] && exe=$(value "$u" ExecStart | awk '{print $4}')
  check "$u: $exe is not in the packages" test -x "$root$exe"
  for line in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
              CapabilityBoundingSet= SystemCallFilter=@system-service LimitCORE=0; do
    check "$u: lacks $line" has "$u" "$line"
  done
  check "$u: no RestrictAddressFamilies" test -n "$(value "$u" RestrictAddressFamilies)"
  check "$u: no MemoryMax" grep -qE '^MemoryMax=[0-9]+[KMG]$' "$f"
  check "$u: runs as root" test -n "$(value "$u" User)" -a "$(value "$u" User)" != root
  home=/var/lib/synaq
  [[ $u == synaq-central* ]] && home=/var/lib/synaq-central
  check "$u: $home not writable" has "$u" "ReadWritePaths=$home"
done
# The kiosk: no network, cage on tty1 in a PAM session, restarted when it fails.
for line in PrivateNetwork=yes TTYPath=/dev/tty1 Conflicts=getty@tty1.service \
            PAMName=synaq-kiosk Restart=on-failure RestartPreventExitStatus=3 \
            User=synaq-kiosk SupplementaryGroups=synaq; do
  check "synaq-kiosk: lacks $line" has synaq-kiosk "$line"
done
check "synaq-kiosk: not under cage" grep -q '^ExecStart=/usr/bin/cage -d -- /usr/bin/synaq-kiosk' \
  "$root/lib/systemd/system/synaq-kiosk.service"
check "synaq-kiosk: cage may switch consoles (-s)" bash -c "! grep -q '^ExecStart=.*cage.* -s' '$root/lib/systemd/system/synaq-kiosk.service'"
check "synaq-kiosk: AF_INET allowed" bash -c "! grep -q '^RestrictAddressFamilies=.*AF_INET' '$root/lib/systemd/system/synaq-kiosk.service'"
check "synaq-syncd: not user synaq" has synaq-syncd User=synaq

# security: the score of each unit, OK or better.
# judge FILE: prints "NAME: EXPOSURE LEVEL"; true when the level is OK or better.
judge() {
  local line level
  line=$(systemd-analyze security --offline=yes --no-pager "$1" 2>&1 |
    sed -n 's/.*Overall exposure level for \(.*\): \([0-9.]*\) \([A-Z]*\).*/\1: \2 \3/p')
  echo "  ${line:-no score for $1}"
  level=${line##* }
  case $level in PERFECT | SAFE | OK) return 0 ;; *) return 1 ;; esac
}
echo "systemd-analyze security --offline=yes (target: OK or better):"
for u in "${units[@]}"; do
  check "$u: rated worse than OK" judge "$work/$u.service"
done
# synaq-update (root, for dpkg; units/README.md, "Updates"): its three
# units verify, the service's hardening that still lets dpkg work, and
# its score.
sed "s|/usr/bin/synaq|$root/usr/bin/synaq|" "$root/lib/systemd/system/synaq-update.service" \
  >"$work/synaq-update.service"
for f in synaq-update.path synaq-update.timer; do
  check "no $f" cp "$root/lib/systemd/system/$f" "$work/$f"
done
if msgs=$(cd "$work" && systemd-analyze verify --man=no ./synaq-update.service ./synaq-update.path \
  ./synaq-update.timer 2>&1) && [ -z "$msgs" ]; then ok; else bad "systemd-analyze verify synaq-update: $msgs"; fi
for line in NoNewPrivileges=yes ProtectHome=yes PrivateTmp=yes PrivateNetwork=yes \
            IPAddressDeny=any RestrictAddressFamilies=AF_UNIX LimitCORE=0 Type=oneshot \
            SuccessExitStatus=75 "ExecStart=/usr/bin/synaqctl update apply-pending"; do
  check "synaq-update: lacks $line" grep -qx "$line" "$root/lib/systemd/system/synaq-update.service"
done
check "synaq-update: rated worse than OK" judge "$work/synaq-update.service"
# The control: the kiosk's unit without its hardening lines.
mkdir -p "$work/bare"
grep -vE '^(NoNewPrivileges|CapabilityBoundingSet|AmbientCapabilities|Protect[A-Za-z]*|Private[A-Za-z]*|Restrict[A-Za-z]*|SystemCall[A-Za-z]*|LockPersonality|RemoveIPC|KeyringMode|IPAddressDeny|ReadWritePaths)=' \
  "$work/synaq-kiosk.service" >"$work/bare/synaq-kiosk.service"
echo "the control, the kiosk's unit with no hardening:"
if judge "$work/bare/synaq-kiosk.service"; then bad "an unhardened unit passed the judge"; else ok; fi
finish
