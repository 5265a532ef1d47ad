/*
 * ui.c - see ui.h. Text is wrapped greedily at spaces (and inside a word
 * only when the word alone is wider than the box); measuring goes through
 * the platform's width cache, so a steady screen costs lookups, not
 * rendering.
 */
#include <stdio.h>
#include <string.h>

#include "ui.h"

static const ui_theme calm = {
    .bg = {0xf3, 0xf5, 0xf7, 255},      .panel = {0xff, 0xff, 0xff, 255},
    .fg = {0x1b, 0x1f, 0x24, 255},      .muted = {0x55, 0x5f, 0x6b, 255},
    .accent = {0x0a, 0x5f, 0x7a, 255},  .accent_fg = {0xff, 0xff, 0xff, 255},
    .button = {0xe3, 0xe8, 0xee, 255},  .button_fg = {0x1b, 0x1f, 0x24, 255},
    .selected = {0x0a, 0x5f, 0x7a, 255}, .selected_fg = {0xff, 0xff, 0xff, 255},
    .border = {0xb8, 0xc2, 0xcc, 255},  .warn = {0xb4, 0x5b, 0x00, 255},
    .good = {0x1e, 0x7b, 0x34, 255},    .bad = {0xb0, 0x1e, 0x2d, 255},
    .flag = {0xd9, 0x8c, 0x00, 255},    .shade = {0x10, 0x18, 0x20, 170},
};

static const ui_theme contrast = {
    .bg = {0, 0, 0, 255},            .panel = {0, 0, 0, 255},
    .fg = {255, 255, 255, 255},      .muted = {230, 230, 230, 255},
    .accent = {255, 230, 0, 255},    .accent_fg = {0, 0, 0, 255},
    .button = {0, 0, 0, 255},        .button_fg = {255, 255, 255, 255},
    .selected = {255, 230, 0, 255},  .selected_fg = {0, 0, 0, 255},
    .border = {255, 255, 255, 255},  .warn = {255, 200, 0, 255},
    .good = {120, 255, 120, 255},    .bad = {255, 120, 120, 255},
    .flag = {255, 200, 0, 255},      .shade = {0, 0, 0, 200},
};

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void ui_layout(ui *u, int text_step)
{
    plat_size(u->p, &u->w, &u->h);
    int m = u->w < u->h ? u->w : u->h;
    /* About 9 mm: from the display's density when it says, else from the
     * screen size (a 10-inch 1280x800 panel is some 6 px/mm). */
    float ppm = plat_px_per_mm(u->p);
    u->unit = ppm > 0 ? (int)(9 * ppm) : 0;
    u->unit = clamp(u->unit > m / 10 ? u->unit : m / 10, 48, 110);
    int base = clamp(m / 30, 18, 40);
    u->px = clamp(base + text_step * base / 6, 14, 64);
    u->gap = clamp(m / 60, 6, 24);
}

void ui_init(ui *u, plat *p, bool high_contrast, int text_step)
{
    memset(u, 0, sizeof *u);
    u->p = p;
    u->th = high_contrast ? contrast : calm;
    ui_layout(u, text_step);
}

void ui_set_contrast(ui *u, bool on)
{
    u->th = on ? contrast : calm;
}

void ui_begin(ui *u, ui_pass pass)
{
    u->pass = pass;
    if (pass == UI_DRAW) {
        u->n_widgets = 0;
        u->text_len = 0;
        u->texts[0] = 0;
        u->overflow = false;
    }
}

void ui_begin_prefetch(ui *u, int budget)
{
    ui_begin(u, UI_PREFETCH);
    u->prefetch_budget = budget;
    u->prefetch_status = PLAT_PREFETCH_DONE;
}

void ui_fill(ui *u, ui_rect r, plat_color c)
{
    if (u->pass == UI_DRAW)
        plat_fill(u->p, r.x, r.y, r.w, r.h, c);
}

void ui_outline(ui *u, ui_rect r, int t, plat_color c)
{
    if (u->pass == UI_DRAW)
        plat_outline(u->p, r.x, r.y, r.w, r.h, t, c);
}

int ui_text_width(ui *u, const char *s, int px, bool bold)
{
    return plat_text_width(u->p, px, bold, s, strlen(s));
}

static void remember_text(ui *u, const char *s, size_t n)
{
    if (u->pass != UI_DRAW || u->text_len + n + 2 > sizeof u->texts)
        return;
    memcpy(u->texts + u->text_len, s, n);
    u->text_len += n;
    u->texts[u->text_len++] = '\n';
    u->texts[u->text_len] = 0;
}

/* Length of the longest prefix of s[0..n) that fits in width w, at a
 * UTF-8 boundary (at least one character). */
static size_t fit_chars(ui *u, const char *s, size_t n, int w, int px, bool bold)
{
    size_t lo = 0, i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && ((unsigned char)s[j] & 0xc0) == 0x80)
            j++;
        if (lo > 0 && plat_text_width(u->p, px, bold, s, j) > w)
            break;
        lo = j;
        i = j;
    }
    return lo;
}

/* Whether another word (or the spaces that end a line) follows e on its
 * line, and where it ends. A line's candidate ends are these, in turn
 * from its start: each word with the spaces before it. */
static bool has_word_after(const char *s, size_t n, size_t e)
{
    return e < n && s[e] != '\n';
}

static size_t word_end_after(const char *s, size_t n, size_t e)
{
    while (e < n && s[e] == ' ')
        e++;
    while (e < n && s[e] != ' ' && s[e] != '\n')
        e++;
    return e;
}

/* The candidate end before e on the line that starts at pos, or pos when
 * e is the first. */
static size_t word_end_before(const char *s, size_t pos, size_t e)
{
    while (e > pos && s[e - 1] != ' ')
        e--;
    while (e > pos && s[e - 1] == ' ')
        e--;
    return e;
}

static size_t count_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

size_t ui_line_end(ui *u, const char *s, size_t n, size_t pos, int w, int px, bool bold,
                   int *char_w16)
{
    if (!has_word_after(s, n, pos))
        return pos;
    /* The line is the longest run of whole words from pos whose width, as
     * drawn, is at most w. Widths only grow as words are added, so the
     * end is the candidate that fits followed by one that does not. The
     * text's own width per character (a guess for the first line) says
     * where to look; then each step measures a whole candidate line, two
     * measurements when the guess was right, where measuring every word's
     * growing prefix cost a line as many measurements as it has words.
     * (Widths of words summed with spaces are not the width of the line:
     * SDL_ttf places glyphs at fractional positions, so whole-line widths
     * differ from such sums by several pixels; see tests/kiosk.) */
    if (*char_w16 <= 0)
        *char_w16 = px * 8; /* half the size, in sixteenths of a pixel */
    size_t budget = w > 0 ? (size_t)w * 16 / (size_t)*char_w16 : 0;
    size_t e = word_end_after(s, n, pos), chars = count_chars(s + pos, e - pos);
    while (has_word_after(s, n, e)) {
        size_t e2 = word_end_after(s, n, e), c2 = chars + count_chars(s + e, e2 - e);
        if (c2 > budget)
            break;
        e = e2;
        chars = c2;
    }
    int width = plat_text_width(u->p, px, bold, s + pos, e - pos);
    if (chars > 0 && width > 0)
        *char_w16 = (int)((size_t)width * 16 / chars) + 1;
    if (width <= w) {
        while (has_word_after(s, n, e)) {
            size_t e2 = word_end_after(s, n, e);
            if (plat_text_width(u->p, px, bold, s + pos, e2 - pos) > w)
                break;
            e = e2;
        }
        return e;
    }
    for (;;) {
        e = word_end_before(s, pos, e);
        if (e == pos || plat_text_width(u->p, px, bold, s + pos, e - pos) <= w)
            return e;
    }
}

/* Lays out the text line by line; draws when draw is set (renders into
 * the cache in the prefetch pass). Returns the height, and notes the
 * overflow of a word that did not fit whole. */
static int layout(ui *u, ui_rect r, const char *s, int px, bool bold, plat_color c, int align,
                  bool draw)
{
    int lh = plat_line_height(u->p, px);
    int y = r.y;
    size_t n = strlen(s), pos = 0;
    int char_w16 = 0;
    while (pos <= n) {
        /* One line: as many words as fit. */
        size_t best = ui_line_end(u, s, n, pos, r.w, px, bold, &char_w16);
        size_t next;
        if (best == pos && pos < n && s[pos] != '\n') {
            /* A single word wider than the box: break inside it, and say so. */
            best = pos + fit_chars(u, s + pos, n - pos, r.w, px, bold);
            next = best;
            if (draw && u->pass == UI_DRAW)
                u->overflow = true;
        } else {
            next = best;
            while (next < n && s[next] == ' ')
                next++;
            if (next < n && s[next] == '\n')
                next++;
        }
        size_t len = best - pos;
        if (draw && len > 0 && (r.h == 0 || y + lh <= r.y + r.h + lh / 4)) {
            int x = r.x;
            if (align == ALIGN_CENTER)
                x += (r.w - plat_text_width(u->p, px, bold, s + pos, len)) / 2;
            if (u->pass == UI_PREFETCH) {
                int st = plat_text_prefetch(u->p, y, px, bold, c, s + pos, len,
                                            &u->prefetch_budget);
                if (st > u->prefetch_status)
                    u->prefetch_status = st;
            } else {
                plat_text(u->p, x, y, px, bold, c, s + pos, len);
            }
        }
        y += lh;
        if (next >= n)
            break;
        pos = next;
    }
    return y - r.y;
}

int ui_text_height(ui *u, int w, const char *s, int px, bool bold)
{
    plat_color none = {0, 0, 0, 0};
    return layout(u, ui_r(0, 0, w, 0), s, px, bold, none, ALIGN_LEFT, false);
}

int ui_text(ui *u, ui_rect r, const char *s, int px, bool bold, plat_color c, int align)
{
    if (u->pass == UI_HIT)
        return ui_text_height(u, r.w, s, px, bold);
    if (u->pass == UI_PREFETCH)
        return layout(u, r, s, px, bold, c, align, true);
    remember_text(u, s, strlen(s));
    int h = layout(u, r, s, px, bold, c, align, true);
    if (r.h > 0 && h > r.h + plat_line_height(u->p, px) / 4)
        u->overflow = true;
    return h;
}

static void register_widget(ui *u, const char *name, ui_rect r)
{
    if (u->pass != UI_DRAW || !name || u->n_widgets == UI_MAX_WIDGETS)
        return;
    ui_widget *w = &u->widgets[u->n_widgets++];
    snprintf(w->name, sizeof w->name, "%s", name);
    w->r = r;
}

static bool inside(ui_rect r, int x, int y)
{
    return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

bool ui_area(ui *u, const char *name, ui_rect r)
{
    register_widget(u, name, r);
    return u->pass == UI_HIT && u->tapped && inside(r, u->tap_x, u->tap_y);
}

/* The width of the widest word of s (bold). */
static int widest_word(ui *u, const char *s, int px)
{
    int w = 0;
    while (*s) {
        while (*s == ' ' || *s == '\n')
            s++;
        size_t n = strcspn(s, " \n");
        if (n) {
            int ww = plat_text_width(u->p, px, true, s, n);
            if (ww > w)
                w = ww;
        }
        s += n;
    }
    return w;
}

void ui_disc(ui *u, int cx, int cy, int r, int t, plat_color c, bool filled)
{
    if (u->pass != UI_DRAW || r <= 0)
        return;
    /* Row by row: a ring of thickness t, and a dot inside when filled. */
    int inner = r - t, dot = r / 2;
    for (int dy = -r; dy <= r; dy++) {
        int xo = 0, xi = -1, xd = -1;
        while ((xo + 1) * (xo + 1) + dy * dy <= r * r)
            xo++;
        if (dy * dy <= inner * inner) {
            xi = 0;
            while ((xi + 1) * (xi + 1) + dy * dy <= inner * inner)
                xi++;
        }
        if (filled && dy * dy <= dot * dot) {
            xd = 0;
            while ((xd + 1) * (xd + 1) + dy * dy <= dot * dot)
                xd++;
        }
        if (xi < 0) {
            plat_fill(u->p, cx - xo, cy + dy, 2 * xo + 1, 1, c);
        } else {
            plat_fill(u->p, cx - xo, cy + dy, xo - xi, 1, c);
            plat_fill(u->p, cx + xi + 1, cy + dy, xo - xi, 1, c);
        }
        if (xd >= 0)
            plat_fill(u->p, cx - xd, cy + dy, 2 * xd + 1, 1, c);
    }
}

bool ui_button(ui *u, const char *name, ui_rect r, const char *label, ui_button_kind kind)
{
    if (u->pass != UI_HIT) {
        plat_color bg = u->th.button, fg = u->th.button_fg;
        if (kind == BTN_PRIMARY) {
            bg = u->th.accent;
            fg = u->th.accent_fg;
        } else if (kind == BTN_SELECTED) {
            bg = u->th.selected;
            fg = u->th.selected_fg;
        } else if (kind == BTN_ON) {
            bg = u->th.accent_fg;
            fg = u->th.accent;
        } else if (kind == BTN_QUIET) {
            bg = u->th.bg;
            fg = u->th.accent;
        } else if (kind == BTN_DISABLED) {
            fg = u->th.muted;
        }
        ui_fill(u, r, bg);
        ui_outline(u, r, kind == BTN_SELECTED ? 3 : 1,
                   kind == BTN_SELECTED ? u->th.selected : u->th.border);
        /* The label shrinks until every word fits whole and the lines fit
         * the height: a word is never broken while a smaller size would do. */
        int px = u->px, pad = u->gap;
        while (px > 12 && (widest_word(u, label, px) > r.w - 2 * pad ||
                           ui_text_height(u, r.w - 2 * pad, label, px, true) > r.h - pad / 2))
            px--;
        int th = ui_text_height(u, r.w - 2 * pad, label, px, true);
        ui_text(u, ui_r(r.x + pad, r.y + (r.h - th) / 2, r.w - 2 * pad, r.h), label, px, true,
                fg, ALIGN_CENTER);
    }
    if (kind == BTN_DISABLED) {
        register_widget(u, name, r);
        return false;
    }
    return ui_area(u, name, r);
}

const ui_widget *ui_find(const ui *u, const char *name)
{
    for (int i = 0; i < u->n_widgets; i++)
        if (strcmp(u->widgets[i].name, name) == 0)
            return &u->widgets[i];
    return NULL;
}

bool ui_shows(const ui *u, const char *s)
{
    return strstr(u->texts, s) != NULL;
}

void ui_remember(ui *u, const char *s)
{
    remember_text(u, s, strlen(s));
}
