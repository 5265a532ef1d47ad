#!/usr/bin/env bash
# Publishing content from the console (issue 9), the console started for
# real on 127.0.0.1 against fixture.sh's central and driven with curl: a
# good source uploaded as a .tar.gz of its folder (pictures and roster in
# a subfolder) is checked, built for the district Алматы and for a
# chosen station, placed in the receiver's bundles folder (HOME/bundles,
# the console's default), listed and served by the real receiver, fetched
# from it and imported by the station (its signature and encryption
# checked by synaqctl import), and downloaded from the console for a
# stick. A bad source shows its file:line error (escaped) and cannot be
# built. Refused, each with its status and nothing changed (the staging
# and bundle folders, nothing outside them): names that leave the folder
# (in the form's file name and in archives: "..", absolute, hidden, a
# link), an oversize upload and an archive that unpacks too large, a
# damaged archive, a wrong type, a missing or wrong CSRF token (also one
# sent after the file), a district account by URL (every publish URL),
# download names that leave the folder. Each step in the audit log.
#   publish.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
command -v python3 >/dev/null || { echo "SKIP: python3 makes the hostile archives" >&2; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/synaq-publish-XXXXXX")
console_pid=""
serve_pid=""
cleanup() {
  [ -z "$console_pid" ] || kill "$console_pid" 2>/dev/null || true
  [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
fails=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

NOW=1767268800 # 2026-01-01 12:00 UTC
export TZ=UTC
"$src/tests/console/fixture.sh" "$bin" "$work" "$NOW"
home=$work/central
served=$home/bundles
central() { "$bin/central/synaq-central" --home "$home" "$@"; }
ctl() { local h=$1; shift; "$bin/ctl/synaqctl" --home "$work/$h" "$@"; }
. "$src/tests/console/web.sh"
audit_has() { sqlite3 -readonly -cmd ".timeout 10000" "$home/console.db" "SELECT actor || ' ' || action || ' ' || outcome || ' ' || detail FROM audit" | grep -qE -- "$1"; }
last_audit() { sqlite3 -readonly -cmd ".timeout 10000" "$home/console.db" "SELECT actor || ' ' || action || ' ' || outcome || ' ' || detail FROM audit ORDER BY n DESC LIMIT 1"; }
# Everything publishing may write, and what it must never: the staging and
# bundle folders' files with their bytes, and the places a name that
# leaves the folder would reach.
state() {
  (cd "$work" && find central/publish central/bundles -type f -exec sha256sum {} + 2>/dev/null | sort
    ls -a "$home" "$home/publish" 2>/dev/null) | sha256sum
}
token() { grep -o 'name="csrf" value="[0-9a-f]*"' "$work/b" | head -1 | sed 's/.*value="\([0-9a-f]*\)"/\1/'; }
staged() { ls "$home/publish/staging" 2>/dev/null | wc -l; }
# POST /publish/upload as session $1 with the file $2 (curl -F's
# "@FILE;filename=NAME" allowed), the form's token $3 first.
upload() { req -H "Cookie: __Host-synaq=$1" -F "csrf=$3" -F "source=@$2" "$base/publish/upload"; }

login sam
sam=$sess
login dina
dina=$sess
get "$sam" "/publish?lang=en"
[ "$code" = 200 ] && body_has 'action="/publish/upload"' && body_has 'enctype="multipart/form-data"' &&
  body_has 'No bundle has been published' && body_has '<a href="/publish">Publish</a>' && ok ||
  bad "the Publish page: $code"
csrf=$(token)
[ ${#csrf} = 64 ] && ok || bad "no form token on the Publish page"
get "$dina" "/overview?lang=en"
! body_has 'href="/publish"' && ok || bad "a district account is shown the Publish link"

# 1. A good source: its folder as a .tar.gz (one folder at the top; the
# pictures and roster in files/).
mkdir -p "$work/src/exam7"
cp "$src/tests/data/source/good/full.yaml" "$work/src/exam7/"
cp -r "$src/tests/data/source/good/files" "$work/src/exam7/"
tar -C "$work/src" -czf "$work/exam7.tar.gz" exam7
exam=$(sed -n 's/^exam: *//p' "$work/src/exam7/full.yaml")
upload "$sam" "$work/exam7.tar.gz" "$csrf"
loc=$(header Location)
[ "$code" = 303 ] && [[ $loc =~ ^/publish/source/[0-9a-f]{32}$ ]] && ok || bad "good upload: $code '$loc'"
id=${loc##*/}
[ -f "$home/publish/staging/$id/src/full.yaml" ] && [ -f "$home/publish/staging/$id/src/files/q01.png" ] &&
  cmp -s "$home/publish/staging/$id/src/files/q01.png" "$src/tests/data/source/good/files/q01.png" && ok ||
  bad "the upload's files are not staged as they were"
cli=$(central bundle check "$work/src/exam7/full.yaml")
get "$sam" "$loc?lang=en"
items=$(echo "$cli" | sed -n 's/.*: \([0-9]*\) items per attempt.*/\1/p')
[ "$code" = 200 ] && body_has 'id="check-ok"' && body_has "full.yaml: $exam v7, $items items per attempt, checked" &&
  body_has 'action="/publish/build"' && ok || bad "the good source's check: $code ($cli)"
audit_has "^web:sam publish-upload ok upload $id: exam7.tar.gz, [0-9]+ bytes$" && ok || bad "upload not audited"
audit_has "^web:sam publish-check ok upload $id: $exam$" && ok || bad "check not audited: $(last_audit)"
# Every station of the districts offered, the revoked one not.
body_has 'value="st-a"' && body_has 'value="st-c"' && ! body_has 'value="st-d"' && body_has '&lt;script&gt;alert(1)&lt;/script&gt;' &&
  ! grep -q '<script' "$work/b" && ok || bad "the build form's stations"
for l in kk ru; do
  get "$sam" "$loc?lang=$l"
  [ "$code" = 200 ] && ! grep -q '"publish\.' "$work/b" && ! grep -qE '>publish\.[a-z_]+<' "$work/b" && ok || bad "the check page in $l"
done
get "$sam" "$loc?lang=ru"
body_has "Проверка пройдена." && ok || bad "ru check text"

# 2. Built for the district Алматы: st-a and st-c (st-d is revoked).
s0=$(state)
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" \
  --data-urlencode "district=Алматы" "$base/publish/build"
loc=$(header Location)
[ "$code" = 303 ] && [[ $loc =~ ^/publish\?built=[0-9]{8}-[0-9]{6}-.*\.sqb$ ]] && ok || bad "build: $code '$loc' $(cat "$work/b")"
name=${loc#*built=}
[ -f "$home/publish/bundles/$name" ] && [ -f "$served/st-a/$name" ] && [ -f "$served/st-c/$name" ] &&
  [ ! -e "$served/st-d/$name" ] && [ ! -e "$served/st-b/$name" ] && [ ! -e "$served/all" ] && ok ||
  bad "where the bundle was placed: $(cd "$home" && find publish/bundles bundles -type f)"
cmp -s "$home/publish/bundles/$name" "$served/st-a/$name" && ok || bad "the placed bundle differs"
audit_has "^web:sam publish-build ok bundle $name of upload $id for 2 station\(s\) of district Алматы$" && ok ||
  bad "build not audited: $(last_audit)"
get "$sam" "$loc&lang=en"
[ "$code" = 200 ] && body_has "Bundle $name is published" && body_has "href=\"/publish/download/$name\"" &&
  body_has "district Алматы (2 stations)" && ok || bad "the Publish page after the build"

# 3. The real receiver lists it for st-a (not for st-b) and serves it;
# the station imports it (central's signature, its own key).
central serve --listen 127.0.0.1:0 --bundles "$served" >"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
sport=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/serve.out")
[ -n "$sport" ] || { echo "the receiver did not start: $(cat "$work/serve.log")" >&2; exit 1; }
curl -s "http://127.0.0.1:$sport/v1/bundles?station=st-a" >"$work/list.json"
sha=$(sha256sum <"$served/st-a/$name" | cut -d' ' -f1)
python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["bundles"]; sys.exit(0 if [(b["name"],b["sha256"]) for b in l]==[(sys.argv[2],sys.argv[3])] else 1)' \
  "$work/list.json" "$name" "$sha" && ok || bad "the receiver's listing for st-a: $(cat "$work/list.json")"
curl -s "http://127.0.0.1:$sport/v1/bundles?station=st-b" | grep -qF "$name" && bad "listed for st-b" || ok
curl -s -o "$work/fetched.sqb" "http://127.0.0.1:$sport/v1/bundles/$name?station=st-a"
[ "$(sha256sum <"$work/fetched.sqb" | cut -d' ' -f1)" = "$sha" ] && ok || bad "the receiver served other bytes"
ctl st-a import "$work/fetched.sqb" >"$work/import.out" 2>&1 && ok || bad "st-a could not import it: $(cat "$work/import.out")"
ctl st-b import "$work/fetched.sqb" >/dev/null 2>&1 && bad "st-b imported a bundle not meant for it" || ok

# 4. For a chosen station (st-b), and the download link for a stick.
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" \
  --data "district=&station=st-b" "$base/publish/build"
name_b=$(header Location)
name_b=${name_b#*built=}
[ "$code" = 303 ] && [ -f "$served/st-b/$name_b" ] && [ ! -e "$served/st-a/$name_b" ] && ok || bad "build for st-b: $code"
ctl st-b import "$served/st-b/$name_b" >/dev/null 2>&1 && ok || bad "st-b could not import its bundle"
audit_has "^web:sam publish-build ok bundle $name_b of upload $id for 1 station\(s\)$" && ok || bad "the st-b build's audit"
get "$sam" "/publish/download/$name"
[ "$code" = 200 ] && cmp -s "$work/b" "$home/publish/bundles/$name" &&
  [ "$(header Content-Disposition)" = "attachment; filename=\"$name\"" ] && ok || bad "download: $code"
audit_has "^web:sam publish-download ok bundle $name$" && ok || bad "download not audited"
ctl st-c import "$work/b" >/dev/null 2>&1 && ok || bad "st-c could not import the downloaded bundle"
s1=$(state)
for p in "..%2F..%2Fkeys%2Fsign.key" "../../keys/sign.key" "%2e%2e%2fcentral.db" ".hidden.sqb" "x.json" "nope.sqb"; do
  get "$sam" "/publish/download/$p"
  [ "$code" = 404 ] && ! body_has "SQ" && ok || bad "download of '$p': $code"
done
[ "$(state)" = "$s1" ] && ok || bad "downloads changed something"

# 5. A bad source: its file:line error, escaped, as `bundle check` says
# it; no build form; a build of it refused (409), nothing placed.
cp "$src/tests/data/source/bad/no-correct.yaml" "$work/bad<b>.yaml"
want=$(central bundle check "$work/bad<b>.yaml" 2>&1 | sed "s|^synaq-central: $work/||") || true
upload "$sam" "$work/bad<b>.yaml" "$csrf"
bad_id=$(header Location)
bad_id=${bad_id##*/}
[ "$code" = 303 ] && ok || bad "a bad source's upload: $code"
get "$sam" "/publish/source/$bad_id?lang=en"
want_html=$(printf '%s' "$want" | sed "s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/'/\&#39;/g; s/\"/\&quot;/g")
[ "$code" = 200 ] && body_has 'id="check-failed"' && body_has "<code>$want_html</code>" && [[ $want == "bad<b>.yaml:10: "* ]] &&
  ! body_has '<b>' && ! body_has 'action="/publish/build"' && ok || bad "the bad source's page: '$want' / $(grep -o '<ul id="check">.*</ul>' "$work/b")"
audit_has "^web:sam publish-check errors upload $bad_id: bad<b>.yaml:10: " && ok || bad "the failed check's audit: $(last_audit)"
s2=$(state)
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$bad_id" \
  --data-urlencode "district=Алматы" "$base/publish/build"
[ "$code" = 409 ] && body_has "The source has errors and cannot be built" && [ "$(state)" = "$s2" ] && ok ||
  bad "building a bad source: $code"
[[ $(last_audit) == "web:sam publish-build refused upload $bad_id for 2 station(s) of district Алматы: the source has 1 error(s): nothing built" ]] &&
  ok || bad "the refused build's audit: $(last_audit)"

# 6. Refused uploads: each with its status, nothing kept anywhere.
n0=$(staged)
s3=$(state)
refused() { # WHAT STATUS TEXT
  [ "$code" = "$2" ] && body_has "$3" && [ "$(staged)" = "$n0" ] && [ "$(state)" = "$s3" ] && ok ||
    bad "$1: $code (expected $2) $(grep -o '<p class="msg bad"[^<]*' "$work/b")"
}
cp "$src/tests/sync/chaos-exam.yaml" "$work/chaos.yaml"
upload "$sam" "$work/chaos.yaml;filename=../../evil.yaml" "$csrf"
refused "a form file name with .." 400 "is refused: names must stay inside"
upload "$sam" "$work/chaos.yaml;filename=/tmp/evil.yaml" "$csrf"
refused "an absolute form file name" 400 "is refused"
upload "$sam" "$work/chaos.yaml;filename=.evil.yaml" "$csrf"
refused "a hidden form file name" 400 "is refused"
upload "$sam" "$work/chaos.yaml;filename=chaos.exe" "$csrf"
refused "a wrong type" 400 "is not a .yaml, .tar or .tar.gz file"
python3 - "$work" "$src/tests/sync/chaos-exam.yaml" <<'EOF'
import io, sys, tarfile
work, exam = sys.argv[1], sys.argv[2]
data = open(exam, 'rb').read()
def mk(path, members):
    with tarfile.open(path, 'w:gz' if path.endswith('gz') else 'w') as t:
        for name, kind in members:
            i = tarfile.TarInfo(name)
            if kind == 'link':
                i.type = tarfile.SYMTYPE
                i.linkname = '/etc/passwd'
                t.addfile(i)
            else:
                i.size = len(data)
                t.addfile(i, io.BytesIO(data))
mk(work + '/dotdot.tar', [('exam.yaml', 'f'), ('../evil.yaml', 'f')])
mk(work + '/deep.tar.gz', [('exam.yaml', 'f'), ('images/../../../evil.yaml', 'f')])
mk(work + '/abs.tar', [('exam.yaml', 'f'), ('/tmp/evil.yaml', 'f')])
mk(work + '/link.tar', [('exam.yaml', 'f'), ('images/pic.png', 'link')])
mk(work + '/twice.tar', [('exam.yaml', 'f'), ('exam.yaml', 'f')])
mk(work + '/nosource.tar', [('images/a.yaml', 'f'), ('notes.txt', 'f')])
mk(work + '/cyr.tar', [('экзамен.yaml', 'f')])
EOF
upload "$sam" "$work/dotdot.tar" "$csrf"
refused "an archive with ../" 400 "../evil.yaml"
upload "$sam" "$work/deep.tar.gz" "$csrf"
refused "an archive with a/../../" 400 "is refused"
upload "$sam" "$work/abs.tar" "$csrf"
refused "an archive with an absolute name" 400 "/tmp/evil.yaml"
upload "$sam" "$work/link.tar" "$csrf"
refused "an archive with a link" 400 "is not a file or a folder"
upload "$sam" "$work/twice.tar" "$csrf"
refused "an archive naming a file twice" 400 "is in the archive twice"
upload "$sam" "$work/nosource.tar" "$csrf"
refused "an archive with no source at its top" 400 "There is no exam source"
head -c 5000 /dev/urandom >"$work/junk.tar"
upload "$sam" "$work/junk.tar" "$csrf"
refused "a damaged archive" 400 "The archive is damaged"
[ ! -e "$work/evil.yaml" ] && [ ! -e /tmp/evil.yaml ] && [ ! -e "$home/publish/evil.yaml" ] && ok || bad "a name left the folder"
# Too large: the body (32 MiB), and an archive unpacking past 64 MiB.
head -c $((33 << 20)) /dev/zero >"$work/big.yaml"
upload "$sam" "$work/big.yaml" "$csrf"
refused "an oversize upload" 413 "larger than 32 MiB"
audit_has "^web:sam publish-upload refused big.yaml: the upload is larger than 32 MiB|^web:sam publish-upload refused larger than the limit" && ok || bad "oversize not audited: $(last_audit)"
# The same without a Content-Length (chunked): cut off as it comes.
req -H "Cookie: __Host-synaq=$sam" -H "Transfer-Encoding: chunked" -F "csrf=$csrf" -F "source=@$work/big.yaml" "$base/publish/upload"
refused "an oversize chunked upload" 413 "larger than 32 MiB"
[[ $(last_audit) == "web:sam publish-upload refused the upload is larger than 32 MiB" ]] && ok || bad "chunked oversize audit: $(last_audit)"
head -c $((70 << 20)) /dev/zero | gzip -1 >"$work/bomb.tar.gz"
upload "$sam" "$work/bomb.tar.gz" "$csrf"
refused "an archive unpacking too large" 413 "larger than 64 MiB unpacked"
# CSRF: none, a wrong one, and the right one after the file.
req -H "Cookie: __Host-synaq=$sam" -F "source=@$work/chaos.yaml" "$base/publish/upload"
refused "no CSRF token" 403 "not sent from this console"
upload "$sam" "$work/chaos.yaml" "$(printf '%064d' 0)"
refused "a wrong CSRF token" 403 "not sent from this console"
req -H "Cookie: __Host-synaq=$sam" -F "source=@$work/chaos.yaml" -F "csrf=$csrf" "$base/publish/upload"
refused "the token after the file" 403 "not sent from this console"
req -F "csrf=$csrf" -F "source=@$work/chaos.yaml" "$base/publish/upload?lang=en"
refused "no session" 403 "not sent from this console"
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "id=$id" --data-urlencode "district=Алматы" "$base/publish/build"
refused "a build without a token" 403 "not sent from this console"
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=../../keys" --data-urlencode "district=Алматы" "$base/publish/build"
refused "a build of a traversal id" 404 "There is no such page."
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" --data "district=&station=..%2Fst-a" "$base/publish/build"
refused "a build for a traversal station" 400 "is not enrolled or is revoked"
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" --data "district=&station=st-a&station=st-d" "$base/publish/build"
refused "a build for a revoked station" 400 "Station “st-d” is not enrolled or is revoked"
[[ $(last_audit) == "web:sam publish-build refused upload $id: station st-d is revoked" ]] && ok || bad "the revoked station's audit: $(last_audit)"
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" --data "district=&station=nobody" "$base/publish/build"
refused "a build for a station never enrolled" 400 "is not enrolled"
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" --data-urlencode "district=Нет такого" "$base/publish/build"
refused "a build for a district with no station" 400 "Choose a district or at least one station"
req -H "Cookie: __Host-synaq=$sam" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" --data "district=" "$base/publish/build"
refused "a build for no station" 400 "Choose a district or at least one station"
get "$sam" "/publish/source/..%2F..%2Fkeys"
refused "a source page of a traversal id" 404 "There is no such page."
# The district account, by URL: every publish page and action, 403.
for p in /publish "/publish/source/$id" "/publish/download/$name"; do
  get "$dina" "$p"
  refused "dina at $p" 403 "You may not see this page."
done
upload "$dina" "$work/chaos.yaml" "$csrf"
refused "dina uploading" 403 "You may not see this page."
audit_has "^web:dina publish-upload refused role district$" && ok || bad "dina's upload not audited"
req -H "Cookie: __Host-synaq=$dina" --data-urlencode "csrf=$csrf" --data-urlencode "id=$id" --data-urlencode "district=Алматы" "$base/publish/build"
refused "dina building" 403 "You may not see this page."

# 7. A Cyrillic file name (a pax header's path) is fine; the source in it
# is checked. A long name (GNU tar's own header for it) is kept whole.
long_dir=$(printf 'd%.0s' $(seq 60))
long_file=$(printf 'f%.0s' $(seq 60)).png
mkdir -p "$work/long/$long_dir"
cp "$work/chaos.yaml" "$work/long/"
cp "$src/tests/data/source/good/files/q01.png" "$work/long/$long_dir/$long_file"
tar -C "$work/long" --format=gnu -cf "$work/long.tar" chaos.yaml "$long_dir"
upload "$sam" "$work/long.tar" "$csrf"
long_id=$(header Location)
long_id=${long_id##*/}
[ "$code" = 303 ] && cmp -s "$home/publish/staging/$long_id/src/$long_dir/$long_file" "$work/long/$long_dir/$long_file" &&
  ok || bad "a long name in a GNU tar: $code"
upload "$sam" "$work/cyr.tar" "$csrf"
[ "$code" = 303 ] && ok || bad "a Cyrillic name: $code"
get "$sam" "$(header Location)?lang=kk"
body_has "экзамен.yaml: chaos v1" && body_has "Тексеруден өтті." && ok || bad "the Cyrillic source's check in kk"

echo "publish: $passes passed, $fails failed"
[ $fails = 0 ]
