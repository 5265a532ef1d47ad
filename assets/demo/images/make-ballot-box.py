#!/usr/bin/env python3
"""Draws images/ballot-box.png: a transparent ballot box with a ballot going
into the slot. Standard library only (zlib + struct write the PNG).

    python3 make-ballot-box.py            # writes ballot-box.png beside this file
    python3 make-ballot-box.py out.png

Shapes are filled at 3x the size and averaged down, which smooths the edges.
"""
import math
import os
import struct
import sys
import zlib

W, H = 480, 320          # size of the PNG
SS = 3                   # supersampling factor
CW, CH = W * SS, H * SS  # size of the canvas we draw on

canvas = bytearray(CW * CH * 3)


def hexrgb(s):
    s = s.lstrip('#')
    return tuple(int(s[i:i + 2], 16) for i in (0, 2, 4))


def fill_polygon(points, color, alpha=1.0):
    """Even-odd scanline fill; points in image units (480x320)."""
    r, g, b = hexrgb(color) if isinstance(color, str) else color
    pts = [(x * SS, y * SS) for x, y in points]
    ys = [p[1] for p in pts]
    y0 = max(0, int(math.floor(min(ys))))
    y1 = min(CH - 1, int(math.ceil(max(ys))))
    n = len(pts)
    for y in range(y0, y1 + 1):
        yc = y + 0.5
        xs = []
        for i in range(n):
            ax, ay = pts[i]
            bx, by = pts[(i + 1) % n]
            if (ay <= yc < by) or (by <= yc < ay):
                xs.append(ax + (yc - ay) * (bx - ax) / (by - ay))
        xs.sort()
        for i in range(0, len(xs) - 1, 2):
            xa = max(0, int(math.ceil(xs[i] - 0.5)))
            xb = min(CW - 1, int(math.floor(xs[i + 1] - 0.5)))
            if xb < xa:
                continue
            base = (y * CW + xa) * 3
            end = (y * CW + xb + 1) * 3
            if alpha >= 1.0:
                canvas[base:end] = bytes((r, g, b)) * (xb - xa + 1)
            else:
                for p in range(base, end, 3):
                    canvas[p] = int(canvas[p] * (1 - alpha) + r * alpha)
                    canvas[p + 1] = int(canvas[p + 1] * (1 - alpha) + g * alpha)
                    canvas[p + 2] = int(canvas[p + 2] * (1 - alpha) + b * alpha)


def fill_rect(x0, y0, x1, y1, color, alpha=1.0):
    fill_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], color, alpha)


def ellipse(cx, cy, rx, ry, color, alpha=1.0, steps=96):
    fill_polygon([(cx + rx * math.cos(2 * math.pi * i / steps),
                   cy + ry * math.sin(2 * math.pi * i / steps))
                  for i in range(steps)], color, alpha)


def line(x0, y0, x1, y1, width, color, alpha=1.0):
    """A thick segment with round ends."""
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * width / 2, dx / length * width / 2
    fill_polygon([(x0 + nx, y0 + ny), (x1 + nx, y1 + ny),
                  (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)], color, alpha)
    ellipse(x0, y0, width / 2, width / 2, color, alpha, 24)
    ellipse(x1, y1, width / 2, width / 2, color, alpha, 24)


def outline(points, width, color):
    for i in range(len(points)):
        ax, ay = points[i]
        bx, by = points[(i + 1) % len(points)]
        line(ax, ay, bx, by, width, color)


class Frame:
    """Local coordinates (u right, v down) rotated by deg around an origin."""

    def __init__(self, ox, oy, deg):
        self.ox, self.oy = ox, oy
        a = math.radians(deg)
        self.c, self.s = math.cos(a), math.sin(a)

    def p(self, u, v):
        return (self.ox + u * self.c - v * self.s, self.oy + u * self.s + v * self.c)

    def rect(self, u0, v0, u1, v1, color, alpha=1.0):
        fill_polygon([self.p(u0, v0), self.p(u1, v0), self.p(u1, v1), self.p(u0, v1)],
                     color, alpha)

    def line(self, u0, v0, u1, v1, width, color):
        (x0, y0), (x1, y1) = self.p(u0, v0), self.p(u1, v1)
        line(x0, y0, x1, y1, width, color)


def paper(frame, w, h, marked_row):
    """A ballot: w x h, its bottom centre at the frame's origin."""
    u0, v0 = -w / 2, -h
    frame.rect(u0 + 2, v0 + 3, w / 2 + 2, 3, '#9FB4BE')            # shadow
    frame.rect(u0, v0, w / 2, 0, '#FFFFFF')
    frame.rect(u0, v0, w / 2, v0 + h * 0.14, '#F2B705')             # header band
    rows = 4
    top = v0 + h * 0.24
    step = (h * 0.70) / rows
    box = min(step * 0.55, w * 0.16)
    for i in range(rows):
        vy = top + i * step
        bu = u0 + w * 0.12
        frame.rect(bu, vy, bu + box, vy + box, '#34495E')
        frame.rect(bu + 1.3, vy + 1.3, bu + box - 1.3, vy + box - 1.3, '#FFFFFF')
        frame.rect(bu + box + w * 0.1, vy + box * 0.25, w / 2 - w * 0.1,
                   vy + box * 0.25 + 2.2, '#B8C6CE')
        frame.rect(bu + box + w * 0.1, vy + box * 0.65, w / 2 - w * 0.3,
                   vy + box * 0.65 + 2.2, '#D5DEE3')
        if i == marked_row:
            frame.line(bu + box * 0.15, vy + box * 0.55, bu + box * 0.45, vy + box * 0.85,
                       3.2, '#0A7D3B')
            frame.line(bu + box * 0.45, vy + box * 0.85, bu + box * 1.05, vy - box * 0.15,
                       3.2, '#0A7D3B')


# --- background: a soft vertical gradient and a floor --------------------------
top_c, bot_c = hexrgb('#E3F3F9'), hexrgb('#FFFFFF')
for y in range(CH):
    t = y / (CH - 1)
    c = bytes(int(top_c[k] + (bot_c[k] - top_c[k]) * t) for k in range(3))
    canvas[y * CW * 3:(y + 1) * CW * 3] = c * CW
fill_rect(0, 262, 480, 320, '#EEF3F5')
line(0, 262, 480, 262, 1.5, '#D6E2E7')
ellipse(262, 290, 150, 16, '#C9D6DC')                                # shadow

# --- the box ---------------------------------------------------------------------
# front face 150..330 x 150..290; depth goes up and right by (40, -30)
DX, DY = 40, -30
front = [(150, 150), (330, 150), (330, 290), (150, 290)]
top = [(150, 150), (330, 150), (330 + DX, 150 + DY), (150 + DX, 150 + DY)]
side = [(330, 150), (330 + DX, 150 + DY), (330 + DX, 290 + DY), (330, 290)]
back_bottom = (150 + DX, 290 + DY)

# inside, seen through the walls: back wall, floor and ballots already cast
fill_polygon([(150 + DX, 150 + DY), (330 + DX, 150 + DY), (330 + DX, 290 + DY),
              (150 + DX, 290 + DY)], '#CFEAF4')
fill_polygon([(150, 290), (330, 290), (330 + DX, 290 + DY), (150 + DX, 290 + DY)],
             '#B9DDEB')
for (ox, oy, deg) in ((200, 284, -10), (268, 281, 8), (310, 283, -5), (236, 272, 16),
                      (292, 268, -18)):
    f = Frame(ox, oy, deg)
    f.rect(-28, -11, 28, 0, '#FFFFFF')
    f.rect(-28, -11, 28, -8, '#F2B705')
line(150 + DX, 150 + DY, back_bottom[0], back_bottom[1], 1.2, '#9CCBDD')
line(150, 290, back_bottom[0], back_bottom[1], 1.2, '#9CCBDD')
line(back_bottom[0], back_bottom[1], 330 + DX, 290 + DY, 1.2, '#9CCBDD')

# transparent walls
fill_polygon(side, '#5FB3D3', 0.55)
fill_polygon(front, '#8CCFE6', 0.45)
# glass highlights
fill_polygon([(162, 160), (178, 160), (162, 230)], '#FFFFFF', 0.55)
fill_polygon([(338, 152), (346, 146), (338, 200)], '#FFFFFF', 0.45)

# the lid
fill_polygon(top, '#1F6F93')
# the slot: a dark band in the middle of the lid, parallel to the front edge
k = DX / -DY
def on_lid(x, y):
    return (x + (150 - y) * k, y)
slot = [on_lid(196, 139), on_lid(304, 139), on_lid(304, 132), on_lid(196, 132)]
fill_polygon(slot, '#0B2E40')

# edges
outline(front, 2.4, '#14506B')
line(330, 150, 330 + DX, 150 + DY, 2.4, '#14506B')
line(330 + DX, 150 + DY, 330 + DX, 290 + DY, 2.4, '#14506B')
line(330 + DX, 290 + DY, 330, 290, 2.4, '#14506B')
line(150, 150, 150 + DX, 150 + DY, 2.4, '#14506B')
line(150 + DX, 150 + DY, 330 + DX, 150 + DY, 2.4, '#14506B')

# emblem on the front: a gold disc with a tick
ellipse(240, 222, 30, 30, '#F2B705')
ellipse(240, 222, 24, 24, '#FFD54A')
line(227, 223, 236, 233, 5, '#14506B')
line(236, 233, 254, 210, 5, '#14506B')

# the ballot going in: its bottom edge sits in the slot
sx, sy = on_lid(250, 135.5)
paper(Frame(sx, sy, -6), 78, 112, marked_row=1)
# the near lip of the slot covers the bottom of the ballot
fill_polygon([on_lid(194, 141), on_lid(306, 141), on_lid(306, 136.5), on_lid(194, 136.5)],
             '#1F6F93')
line(*on_lid(196, 137), *on_lid(304, 137), 1.4, '#0B2E40')

# --- downsample and write the PNG -------------------------------------------------
rows = []
prev = bytearray(W * 3)
for y in range(H):
    row = bytearray(W * 3)
    for x in range(W):
        r = g = b = 0
        for yy in range(y * SS, y * SS + SS):
            p = (yy * CW + x * SS) * 3
            for _ in range(SS):
                r += canvas[p]
                g += canvas[p + 1]
                b += canvas[p + 2]
                p += 3
        n = SS * SS
        row[x * 3] = (r + n // 2) // n
        row[x * 3 + 1] = (g + n // 2) // n
        row[x * 3 + 2] = (b + n // 2) // n
    # filter 2 (Up): flat shapes and the vertical gradient compress well
    rows.append(b'\x02' + bytes((row[i] - prev[i]) & 0xFF for i in range(W * 3)))
    prev = row


def chunk(kind, data):
    c = struct.pack('>I', len(data)) + kind + data
    return c + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


png = (b'\x89PNG\r\n\x1a\n'
       + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 2, 0, 0, 0))
       + chunk(b'IDAT', zlib.compress(b''.join(rows), 9))
       + chunk(b'IEND', b''))

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'ballot-box.png')
with open(out, 'wb') as f:
    f.write(png)
print('%s: %dx%d, %d bytes' % (out, W, H, len(png)))
