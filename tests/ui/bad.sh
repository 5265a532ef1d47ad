#!/usr/bin/env bash
# Bad input on the kiosk: each case must end on a clear message on the
# screen (and in the log), never a crash or a broken screen.
#   - an item text of some 5000 characters: it scrolls, and still fits;
#   - an item with no text in the chosen language: the fallback note;
#   - an image the decoder cannot read (a PNG or JPEG signature on a
#     corrupt body: the source checker looks at the signature only);
#   - a missing image and an exam with no items: the source checker
#     refuses them, so no bundle carries them (its messages are checked);
#   - a missing font, a corrupt font, a missing fallback font, a missing
#     font list: error screen;
#   - a screen smaller than 800x480 (landscape) or 600x800 (portrait):
#     error screen;
#   - no station at all: the set-up screen, which does nothing without
#     a stick; the store unavailable: a garbage, truncated, read-only or
#     schema-damaged station.db: error screen.
# Shots: OUTDIR/bad-<case>.png.
#   bad.sh BUILD_DIR [OUTDIR [SOURCE_DIR]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rm -f "$out"/bad-*.png
central=$bin/central/synaq-central
roster='roster:
  - {id: "770101300001", name: "Сынақ Бір"}
  - {id: "770101300002", name: "Сынақ Екі"}
  - {id: "770101300003", name: "Сынақ Үш"}
  - {id: "770101300004", name: "Сынақ Төрт"}
  - {id: "770101300005", name: "Сынақ Бес"}'

# ---- sources ----

# A long item: its text repeats a sentence to some 5000 characters, one
# option is a few hundred.
repeat() { local s="" i; for ((i = 0; i < $2; i++)); do s+="$1 "; done; printf '%s' "${s% }"; }
s_kk="Осы ұзақ сұрақты мұқият оқыңыз: онда сайлау учаскесі, оның комиссиясы, таңертең келетін сайлаушылар, санауды бақылайтын байқаушылар және күннің әр қадамының ережелері сипатталған."
s_ru="Внимательно прочитайте этот длинный вопрос: в нём описан избирательный участок, его комиссия, избиратели, которые приходят утром, наблюдатели за подсчётом и правила каждого шага этого дня."
s_en="Read this long question with care: it describes a polling station, its commission, the voters who come in the morning, the observers who watch the count, and the many rules that govern each step of the day."
cat >"$work/long.yaml" <<EOF
exam: long-text
version: 1
title: {kk: "Ұзақ мәтін", ru: "Длинный текст", en: "A long text"}
pass_mark: 50
time_limit: 0
shuffle_options: no
$roster
items:
  - id: long
    type: single
    text:
      kk: "$(repeat "$s_kk" 28)"
      ru: "$(repeat "$s_ru" 28)"
      en: "$(repeat "$s_en" 25)"
    options:
      - {kk: "Бірінші жауап", ru: "Первый ответ", en: "The first answer", correct: yes}
      - {kk: "$(repeat "$s_kk" 3)", ru: "$(repeat "$s_ru" 3)", en: "$(repeat "$s_en" 3)"}
      - {kk: "Үшінші жауап", ru: "Третий ответ", en: "The third answer"}
EOF

# Partly translated: the first item in kk and ru, the second in ru only;
# the exam's title in ru only.
# A description in Russian only, longer than any screen (issue 16, item 7).
desc_ru=$(for i in $(seq 40); do printf 'Абзац %d описания: этот тест проверяет знание порядка работы комиссии. ' "$i"; done)
cat >"$work/fallback.yaml" <<EOF
exam: ru-only
version: 1
title: {ru: "Только по-русски"}
pass_mark: 50
description: {ru: "$desc_ru"}
time_limit: 0
shuffle_items: no
$roster
items:
  - id: both
    type: truefalse
    answer: yes
    text: {kk: "Бұл сұрақ қазақ тілінде де бар.", ru: "Этот вопрос есть и на казахском."}
  - id: ru-only
    type: single
    text: {ru: "Этот вопрос есть только на русском. Какой ответ верный?"}
    options:
      - {ru: "Первый", correct: yes}
      - {ru: "Второй"}
EOF

# Images with a good signature and a corrupt body.
mkdir -p "$work/img"
{ printf '\211PNG\r\n\032\n'; head -c 3000 /dev/urandom; } >"$work/img/broken.png"
{ printf '\377\330\377\340'; head -c 3000 /dev/urandom; } >"$work/img/broken.jpg"
cat >"$work/img/image.yaml" <<EOF
exam: broken-image
version: 1
title: {kk: "Бүлінген сурет", ru: "Испорченное изображение", en: "A broken picture"}
pass_mark: 50
time_limit: 0
shuffle_items: no
$roster
items:
  - id: png
    type: truefalse
    answer: yes
    image: broken.png
    text: {kk: "Суретке қараңыз.", ru: "Посмотрите на изображение.", en: "Look at the picture."}
  - id: jpeg
    type: truefalse
    answer: no
    image: broken.jpg
    text: {kk: "Мына суретке қараңыз.", ru: "Посмотрите на это изображение.", en: "Look at this picture."}
EOF

make_station "$work/good" "$work/long.yaml" "$work/fallback.yaml" "$work/img/image.yaml"
home=$work/good/station

# identify LANG ID EXAM: welcome to the first item of EXAM, as script lines.
identify() {
  printf 'tap lang-%s\nkeys %s\ntap continue\nexpect-screen exams\ntap exam:%s\n' "$1" "$2" "$3"
  printf 'expect-screen info\ntap start\nexpect-screen item\n'
}
# The end of a case: idle until the kiosk is back on welcome, so the next
# run does not start in this attempt.
to_welcome() { printf 'wait 211\nexpect-screen welcome\n'; }
# block NAME N: the Nth "print" of a run (1-based).
block() { awk -v n="$2" '/^screen /{k++} k==n' "$work/$1.out"; }
differ() {
  if cmp -s "$out/$1.png" "$out/$2.png"; then bad "$1.png and $2.png are the same: $3"; else ok; fi
}

# ---- the long item, at each size ----

n=0
for case in en:800x480 kk:1280x800 ru:1080x1920; do
  l=${case%%:*} size=${case#*:} n=$((n + 1)) name=bad-long-$size
  {
    identify "$l" 77010130000$n long-text
    printf 'expect-fits\nprint\nscreenshot %s-top\n' "$name"
    # "More below" (issue 16, item 9): its own strip, a tap scrolls.
    printf 'expect-widget more-below\ntap more-below\nscreenshot %s-more\ndrag 400 200 400 100000\n' "$name"
    printf 'drag 400 500 400 200\nexpect-fits\nscreenshot %s-scrolled\n' "$name"
    printf 'drag 400 500 400 -100000\nexpect-fits\nprint\nscreenshot %s-end\n' "$name"
    printf 'tap option-3\nstate\n'
    # Smaller text while at the end: the item must stay in view.
    printf 'tap text-smaller\ntap text-smaller\nprint\nscreenshot %s-smaller\n' "$name"
    printf 'tap text-larger\ntap text-larger\n'
    to_welcome
  } >"$work/$name.txt"
  run "$name" "$home" "$size" "$work/$name.txt" || continue
  # At the top the options are below the fold; at the end they show.
  if block "$name" 1 | grep -q '\[option-'; then
    bad "$name: an option is in view at the top of a 5000-character item"
  else ok; fi
  if block "$name" 2 | grep -q '\[option-3\]'; then ok; else
    bad "$name: option-3 is not in view at the end of the item"
  fi
  differ "$name-top" "$name-more" "a tap on more-below did not scroll"
  differ "$name-top" "$name-scrolled" "a drag did not scroll"
  differ "$name-scrolled" "$name-end" "a drag to the end did not scroll"
  if state_of "$name" | grep -q 'answers=long:4$'; then ok; else
    bad "$name: option-3 after scrolling was not chosen: $(state_of "$name")"
  fi
  if block "$name" 3 | grep -q '\[option-'; then ok_known scroll-not-clamped; else
    bad_known scroll-not-clamped "$name: after A- at the end of a long item the item area is" \
      "empty (scrolled past the end; see $name-smaller.png)"
  fi
done

# ---- a long description, in another language than the screen's ----

note_desc=$(msg kk info.description_lang lang "$(msg kk lang.ru)")
for case in 4:800x480 5:1080x1920; do
  size=${case#*:} name=bad-desc-${case#*:}
  {
    printf 'tap lang-kk\nkeys 77010130000%s\ntap continue\nexpect-screen exams\ntap exam:ru-only\n' "${case%%:*}"
    printf 'expect-screen info\nexpect-text %s\nexpect-text Абзац 1 описания\nexpect-fits\n' "$note_desc"
    printf 'screenshot %s-top\ndrag 400 400 400 100\nexpect-fits\nscreenshot %s-scrolled\n' "$name" "$name"
    printf 'drag 400 400 400 -100000\nexpect-fits\nscreenshot %s-end\n' "$name"
    printf 'expect-text %s\ntap start\nexpect-screen item\n' "$(msg kk info.how)"
    to_welcome
  } >"$work/$name.txt"
  run "$name" "$home" "$size" "$work/$name.txt" || continue
  differ "$name-top" "$name-scrolled" "a drag did not scroll the description"
  differ "$name-scrolled" "$name-end" "a drag to the end did not scroll the description"
done

# ---- no text in the chosen language ----

note_ru=$(msg kk item.fallback_lang lang "$(msg kk lang.ru)")
{
  identify kk 770101300001 ru-only
  printf 'expect-no-text %s\nexpect-text %s\n' "$note_ru" "Бұл сұрақ қазақ тілінде де бар."
  printf 'tap option-1\ntap next\nexpect-text %s\nexpect-text %s\n' "$note_ru" "только на русском"
  printf 'screenshot bad-fallback-kk\nexpect-fits\n'
  to_welcome
  # The title in ru only is shown as it is.
  printf 'tap lang-en\nkeys 770101300002\ntap continue\nexpect-screen exams\n'
  printf 'expect-text Только по-русски\nscreenshot bad-fallback-exams-en\nexpect-fits\n'
  printf 'tap exam:ru-only\ntap start\nexpect-text %s\n' \
    "$(msg en item.fallback_lang lang "$(msg en lang.ru)")"
  printf 'screenshot bad-fallback-en\nexpect-fits\n'
  to_welcome
} >"$work/fallback.txt"
run fallback "$home" 800x480 "$work/fallback.txt" || true

# ---- images the decoder cannot read ----

{
  identify ru 770101300003 broken-image
  printf 'expect-text %s\nscreenshot bad-image-png\nexpect-fits\n' "$(msg ru item.image_missing)"
  printf 'tap option-1\ntap next\nexpect-text %s\nscreenshot bad-image-jpeg\nexpect-fits\n' \
    "$(msg ru item.image_missing)"
  # Back to the first: the note again, nothing else broken.
  printf 'tap prev\nexpect-text %s\nexpect-fits\nstate\n' "$(msg ru item.image_missing)"
  to_welcome
} >"$work/image.txt"
if run image "$home" 1280x800 "$work/image.txt"; then
  for id in png jpeg; do
    if grep -q "item $id: the image cannot be shown" "$work/image.err"; then ok; else
      bad "image: the log does not say that item $id's image cannot be shown"
    fi
  done
fi

# ---- what the source checker refuses ----

# expect_refused PHRASE SOURCE: bundle build fails, saying PHRASE.
expect_refused() {
  local phrase=$1 status=0 said
  said=$("$central" --home "$work/good/central" bundle build "$2" \
    --stations "$work/good/central/certs/ui-001.cert" -o "$work/refused.sqb" 2>&1) || status=$?
  if [ $status -ne 1 ] || ! grep -qF -- "$phrase" <<<"$said" || [ -e "$work/refused.sqb" ]; then
    bad "bundle build of $(basename "$2"): expected status 1 and '$phrase', got $status: $said"
  else ok; fi
}
# A missing image: refused with its file and line, so it never reaches a
# station (which checks every bundle's document again on import).
sed 's/image: broken.png/image: gone.png/' "$work/img/image.yaml" >"$work/img/missing.yaml"
line=$(grep -n 'image: gone.png' "$work/img/missing.yaml" | cut -d: -f1)
expect_refused "missing.yaml:$line: item 'png': image 'gone.png' cannot be read" "$work/img/missing.yaml"
printf 'exam: empty\nversion: 1\ntitle: {ru: "Пусто"}\nitems: []\npass_mark: 50\n' >"$work/empty.yaml"
expect_refused "empty.yaml:4: the exam has 0 items" "$work/empty.yaml"
printf 'exam: empty\nversion: 1\ntitle: {ru: "Пусто"}\n' >"$work/no-items.yaml"
expect_refused "missing required key 'items'" "$work/no-items.yaml"

# ---- error screens ----

# error_case NAME SIZE HOME KEY LOG_PHRASE [KIOSK ARGS...]: the kiosk
# starts on the error screen with KEY's text in kk, ru and en, and its
# log says LOG_PHRASE.
error_case() {
  local name=$1 size=$2 home=$3 key=$4 phrase=$5 l
  shift 5
  {
    printf 'expect-screen error\n'
    for l in kk ru en; do printf 'expect-text %s\nexpect-text %s\n' "$(msg $l error.title)" "$(msg $l "$key")"; done
    # Taps change nothing on the error screen.
    printf 'tap 400 240\ntap 10 10\nexpect-screen error\nscreenshot %s\nexpect-fits\n' "$name"
  } >"$work/$name.txt"
  run "$name" "$home" "$size" "$work/$name.txt" "$@" || return 0
  if grep -qF -- "$phrase" "$work/$name.err"; then ok; else
    bad "$name: the log does not say '$phrase': $(cat "$work/$name.err")"
  fi
}

# Fonts: a missing file, a garbage file, no list at all.
printf 'regular %s\nbold %s\n' /nonexistent/NoSuchFont.ttf /usr/share/fonts/truetype/noto/NotoSans-Bold.ttf \
  >"$work/missing-font.list"
head -c 20000 /dev/urandom >"$work/garbage.ttf"
printf 'regular /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf\nbold %s\n' "$work/garbage.ttf" \
  >"$work/garbage-font.list"
error_case bad-font-missing 800x480 "$home" error.font /nonexistent/NoSuchFont.ttf \
  --fonts "$work/missing-font.list"
error_case bad-font-corrupt 800x480 "$home" error.font "$work/garbage.ttf" \
  --fonts "$work/garbage-font.list"
printf 'regular /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf\nregular %s\n' \
  /nonexistent/NoSuchFallback.ttf >"$work/missing-fallback.list"
error_case bad-font-fallback 800x480 "$home" error.font /nonexistent/NoSuchFallback.ttf \
  --fonts "$work/missing-fallback.list"
# No font at all: nothing can be written, so the error screen is a sign
# (red, with an exclamation mark) and the log says why.
printf 'expect-screen error\ntap 400 240\nexpect-screen error\nscreenshot bad-font-no-list\n' \
  >"$work/bad-font-no-list.txt"
if run bad-font-no-list "$home" 800x480 "$work/bad-font-no-list.txt" --fonts "$work/no-such.list"; then
  if grep -qF "$work/no-such.list" "$work/bad-font-no-list.err"; then ok; else
    bad "bad-font-no-list: the log does not name the font list: $(cat "$work/bad-font-no-list.err")"
  fi
fi
# With no font the error screen has nothing to write with: it must still
# show something (a blank PNG is a few KB).
for name in bad-font-missing bad-font-corrupt bad-font-fallback; do
  [ -f "$out/$name.png" ] || continue
  if [ "$(stat -c %s "$out/$name.png")" -gt 8000 ]; then ok_known font-error-blank; else
    bad_known font-error-blank "$name: the error screen is blank: without a font the" \
      "message cannot be drawn ($out/$name.png)"
  fi
done

# A screen below the least size.
error_case bad-screen-640x400 640x400 "$home" error.screen \
  "the screen is 640x400 (landscape); the least is 800x480 in landscape, 600x800 in portrait"
error_case bad-screen-799x480 799x480 "$home" error.screen "the screen is 799x480 (landscape)"
# Portrait: a 600x1024 tablet is enough (tests/ui/portrait.sh), 480 wide is not.
error_case bad-screen-480x800 480x800 "$home" error.screen "the screen is 480x800 (portrait)"

# The store: no station at all, or a home that does not exist, is a new
# station: the set-up screen (setup.sh walks it), with its button shut
# while no stick is there. Then damaged copies of a good station.
setup_case() {
  local name=$1 size=$2 home=$3
  {
    printf 'expect-screen setup
expect-text %s
expect-widget setup-enrol
' "$(msg kk tech.setup_title)"
    printf 'tap setup-enrol
expect-screen setup
expect-text %s
' "$(msg kk tech.no_stick)"
    printf 'tap 400 240
wait 300
expect-screen setup
screenshot %s
expect-fits
' "$name"
  } >"$work/$name.txt"
  run "$name" "$home" "$size" "$work/$name.txt" --usb-roots "$work/no-media" || return 0
  [ ! -e "$home/station.key" ] && ok || bad "$name: a key file appeared without a stick"
}
mkdir -p "$work/empty"
setup_case bad-store-none 800x480 "$work/empty"
setup_case bad-store-no-home 800x480 "$work/nowhere"
damaged() {
  rm -rf "${work:?}/${1:?}"
  mkdir -p "$work/$1"
  cp "$home/station.key" "$home/station.db" "$work/$1/"
}
damaged garbage
head -c 20000 /dev/urandom >"$work/garbage/station.db"
error_case bad-store-garbage 800x480 "$work/garbage" error.store "station.db is damaged"
damaged truncated
truncate -s 8192 "$work/truncated/station.db"
error_case bad-store-truncated 800x480 "$work/truncated" error.store "station.db is damaged"
damaged readonly
chmod 444 "$work/readonly/station.db"
error_case bad-store-readonly 800x480 "$work/readonly" error.store "read-only"
# A table gone (needs the sqlite3 tool): the kiosk may open, but says so
# at the latest when it needs the table. ("type" and "key enter" do
# nothing on the error screen, so the script fits either moment.)
if command -v sqlite3 >/dev/null; then
  damaged schema
  sqlite3 "$work/schema/station.db" 'DROP TABLE exams'
  {
    printf 'expect-screen welcome\ntap lang-ru\ntype 850312400217\nkey enter\n'
    printf 'expect-screen error\nexpect-text %s\nscreenshot bad-store-schema\nexpect-fits\n' \
      "$(msg ru error.store)"
  } >"$work/schema.txt"
  run bad-store-schema "$work/schema" 800x480 "$work/schema.txt" || true
else
  skip "a damaged schema: no sqlite3 tool (scripts/setup installs it)"
fi

# ---- no display at all ----
# No X display, no Wayland compositor, no KMS device: SDL would fall back
# to a driver that draws nowhere, and the kiosk would run, showing
# nothing, for systemd to take as a working one. It must stop (status 1)
# and say why. (On a machine with a KMS device SDL could take the console,
# so the case is skipped there.)
if compgen -G '/dev/dri/card*' >/dev/null; then
  skip "no display: this machine has a KMS device, SDL could take its console"
else
  mkdir -p -m 700 "$work/xdg"
  # The kiosk's lock file (one kiosk a store) is taken before the window,
  # and its pid written: it is there after any earlier kiosk, and the one
  # file this run may touch.
  touch "$home/station.db-kiosk"
  before=$(cd "$home" && ls -la --time-style=+%s.%N . | grep -v ' station.db-kiosk$' &&
    sha256sum station.db station.key)
  rc=0
  # (A sanitizer build: SDL's libdbus allocation left at exit is not the
  # kiosk's leak; tests/kiosk/lsan.supp.)
  env -u SDL_VIDEODRIVER -u WAYLAND_DISPLAY DISPLAY=:9876 XDG_RUNTIME_DIR="$work/xdg" \
    LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$src/tests/kiosk/lsan.supp:print_suppressions=0" \
    timeout 60 "$bin/kiosk/synaq-kiosk" --home "$home" --software \
    >"$work/nodisplay.out" 2>"$work/nodisplay.err" || rc=$?
  if [ $rc = 1 ] && grep -q 'cannot start the display: no screen to draw on' "$work/nodisplay.err" &&
    grep -q 'DISPLAY is :9876' "$work/nodisplay.err"; then
    ok
  else
    bad "no display: status $rc (want 1), log: $(cat "$work/nodisplay.err")"
  fi
  # The station is as it was: nothing opened, nothing written.
  after=$(cd "$home" && ls -la --time-style=+%s.%N . | grep -v ' station.db-kiosk$' &&
    sha256sum station.db station.key)
  [ "$after" = "$before" ] && ok || bad "no display: the station changed:
$before
---
$after"
fi

echo "screenshots: $out/bad-*.png"
finish
