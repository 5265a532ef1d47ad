#!/usr/bin/env bash
# Makes an enrolled station with exams installed, for the kiosk's tests:
#   station.sh BUILD_DIR DIR [SOURCE.yaml...]
# DIR gets central/ (keys, registry), station/ (station.db, station.key,
# no passphrase) and bundle.sqb. Without sources, the demo exam is used.
set -euo pipefail
bin=$1
dir=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
sources=("$@")
[ ${#sources[@]} -gt 0 ] || sources=("$top/assets/demo/election-basics.yaml")
central() { "$bin/central/synaq-central" --home "$dir/central" "$@"; }
station() { "$bin/ctl/synaqctl" --home "$dir/station" "$@"; }
mkdir -p "$dir"
central keygen >/dev/null
station init --no-passphrase --central "$dir/central/keys/central.pub" --label "UI test" >/dev/null
central enroll "$dir/station/enrol.req" --station-id ui-001 --district "Алматы" >/dev/null
station enroll "$dir/central/certs/ui-001.cert" >/dev/null
central bundle build "${sources[@]}" --stations "$dir/central/certs/ui-001.cert" \
  -o "$dir/bundle.sqb" >/dev/null
station import "$dir/bundle.sqb" >/dev/null
