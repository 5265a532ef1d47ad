#!/usr/bin/env bash
# Draws images/polling-station.png: the plan of a polling station, from
# the entrance to the exit, with its places labelled in Kazakh and
# Russian. It is tall on purpose (640x1600): on an item its labels are
# too small to read, and the kiosk's picture viewer makes them readable
# (issue 16, item 8). Needs ImageMagick's convert and the Noto Sans fonts
# of fonts/fonts.list (Debian: imagemagick, fonts-noto-core).
#
#   images/make-polling-station.sh            # writes polling-station.png beside this file
#   images/make-polling-station.sh out.png
#
# The same ImageMagick and fonts give the same bytes each time (no dates
# or times are written into the file).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/polling-station.png"}
font=/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf
bold=/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf
for f in "$font" "$bold"; do
  [ -r "$f" ] || { echo "make-polling-station: no font $f (fonts-noto-core)" >&2; exit 1; }
done
command -v convert >/dev/null || { echo "make-polling-station: no convert (imagemagick)" >&2; exit 1; }

W=640
H=1600
args=(-size ${W}x${H} xc:'#f4f1e8' -stroke '#3a4a5a' -strokewidth 4 -fill none
      -draw "rectangle 20,110 620,1560")

# A place of the plan: a box from y to y+h, its number, and two label lines
# (Kazakh, Russian) in the box.
n=0
place() {
  local y=$1 h=$2 colour=$3 kk=$4 ru=$5
  n=$((n + 1))
  args+=(-stroke '#3a4a5a' -strokewidth 2 -fill "$colour"
         -draw "roundrectangle 40,$y 600,$((y + h)) 14,14"
         -stroke none -fill '#3a4a5a' -draw "circle 78,$((y + 36)) 78,$((y + 12))"
         -font "$bold" -pointsize 26 -fill white -gravity NorthWest
         -annotate +70+$((y + 17)) "$n"
         -font "$bold" -pointsize 20 -fill '#1d2733' -annotate +122+$((y + 15)) "$kk"
         -font "$font" -pointsize 20 -fill '#1d2733' -annotate +122+$((y + 45)) "$ru")
}
# An arrow down between two places, the way a voter walks.
arrow() {
  local y=$1
  args+=(-stroke '#b0452c' -strokewidth 6 -draw "line 320,$y 320,$((y + 34))"
         -stroke none -fill '#b0452c'
         -draw "polygon 304,$((y + 30)) 336,$((y + 30)) 320,$((y + 50))")
}

args+=(-stroke none -font "$bold" -pointsize 30 -fill '#1d2733' -gravity North
       -annotate +0+22 "Сайлау учаскесінің жоспары"
       -font "$font" -pointsize 26 -annotate +0+64 "План избирательного участка"
       -gravity NorthWest)

y=140
place $y 100 '#dfe8f1' "Кіреберіс" "Вход"; arrow $((y + 108)); y=$((y + 170))
place $y 150 '#e7f0dc' "Сайлаушыларды тіркеу үстелдері" "Столы регистрации избирателей"
args+=(-font "$font" -pointsize 20 -fill '#4a5866'
       -annotate +122+$((y + 84)) "Құжат көрсетіліп, бюллетень беріледі"
       -annotate +122+$((y + 112)) "Предъявляют документ, получают бюллетень")
arrow $((y + 158)); y=$((y + 220))
place $y 200 '#f6e6cf' "Жасырын дауыс беруге арналған кабиналар" "Кабины для тайного голосования"
for x in 130 270 410; do
  args+=(-stroke '#3a4a5a' -strokewidth 2 -fill '#fffaf0'
         -draw "rectangle $x,$((y + 88)) $((x + 100)),$((y + 180))"
         -stroke none -fill '#b98a4a' -draw "rectangle $((x + 10)),$((y + 88)) $((x + 90)),$((y + 100))")
done
arrow $((y + 208)); y=$((y + 270))
place $y 240 '#e9dff1' "Дауыс беруге арналған жәшіктер" "Ящики для голосования"
args+=(-stroke '#3a4a5a' -strokewidth 2 -fill '#ffffff'
       -draw "rectangle 140,$((y + 85)) 280,$((y + 165))"
       -draw "rectangle 380,$((y + 100)) 490,$((y + 165))"
       -stroke none -fill '#3a4a5a'
       -draw "rectangle 180,$((y + 85)) 240,$((y + 91))"
       -draw "rectangle 410,$((y + 100)) 460,$((y + 106))"
       -font "$font" -pointsize 18 -fill '#4a5866'
       -annotate +150+$((y + 172)) "тұрақты"
       -annotate +150+$((y + 198)) "стационарный"
       -annotate +380+$((y + 172)) "жылжымалы"
       -annotate +380+$((y + 198)) "переносной")
arrow $((y + 248)); y=$((y + 310))
place $y 100 '#dfe8f1' "Шығу" "Выход"
y=$((y + 130))
place $y 110 '#f1e1dc' "Комиссия төрағасының үстелі" "Стол председателя комиссии"
y=$((y + 130))
place $y 140 '#e3ece9' "Бақылаушылар мен БАҚ өкілдерінің орны" "Места наблюдателей и представителей СМИ"
args+=(-font "$font" -pointsize 20 -fill '#4a5866'
       -annotate +122+$((y + 84)) "Барлық кезең көрініп тұруы тиіс"
       -annotate +122+$((y + 110)) "Все этапы должны быть им видны")

convert "${args[@]}" -strip -define png:exclude-chunks=date,time -depth 8 "$out"
echo "$out"
