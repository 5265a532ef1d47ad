/*
 * ui.h - an immediate-mode widget layer over plat.h. Each frame the
 * current screen runs twice: a hit pass, where widgets answer whether the
 * last tap fell on them, and a draw pass. Widgets register their names and
 * the texts they show, so scripts can tap "next" and check what is on the
 * screen. A third kind of pass, the prefetch pass, draws nothing: a screen
 * that may come next runs it while the kiosk waits, and the texts it would
 * draw go into the platform's text cache. No allocation: every table is
 * fixed in struct ui.
 */
#ifndef SYNAQ_KIOSK_UI_H
#define SYNAQ_KIOSK_UI_H

#include "plat.h"

typedef struct {
    int x, y, w, h;
} ui_rect;

/* UI_PREFETCH: a draw pass that draws nothing and registers nothing; each
 * text it would draw is rendered into the platform's cache
 * (plat_text_prefetch), within the pass's budget (ui_begin_prefetch). */
typedef enum { UI_HIT, UI_DRAW, UI_PREFETCH } ui_pass;

typedef enum {
    BTN_NORMAL,
    BTN_PRIMARY,
    BTN_SELECTED,
    BTN_ON,       /* a switch that is on, in a bar of the accent colour */
    BTN_QUIET,
    BTN_DISABLED
} ui_button_kind;

enum { ALIGN_LEFT, ALIGN_CENTER };

typedef struct {
    plat_color bg, panel, fg, muted, accent, accent_fg, button, button_fg, selected, selected_fg,
        border, warn, good, bad, flag, shade;
} ui_theme;

#define UI_MAX_WIDGETS 400
#define UI_TEXT_BYTES 65536

typedef struct {
    char name[48];
    ui_rect r;
} ui_widget;

typedef struct ui {
    plat *p;
    ui_pass pass;
    int w, h;
    int px;        /* body text size in pixels */
    int unit;      /* the least touch target, about 9 mm */
    int gap;       /* spacing */
    ui_theme th;
    /* Input for the hit pass: a tap (down and up without a drag). */
    bool tapped;
    int tap_x, tap_y;
    /* Registries, filled in the draw pass, read by scripts. */
    int n_widgets;
    ui_widget widgets[UI_MAX_WIDGETS];
    size_t text_len;
    char texts[UI_TEXT_BYTES];
    bool overflow; /* some text did not fit its box this frame */
    /* The prefetch pass: renders left to it, and how it went
     * (PLAT_PREFETCH_*: the worst of its texts). */
    int prefetch_budget;
    int prefetch_status;
} ui;

void ui_init(ui *u, plat *p, bool contrast, int text_step);
/* Sizes from the screen: call after a resize. */
void ui_layout(ui *u, int text_step);
void ui_set_contrast(ui *u, bool on);
void ui_begin(ui *u, ui_pass pass);
/* Begins a prefetch pass that may render up to budget new texts; after
 * the screen's pass, u->prefetch_status says whether all its texts are in
 * the cache (PLAT_PREFETCH_DONE), some were left for another pass (MORE),
 * or no more fit (FULL). The registries keep the last draw pass's. */
void ui_begin_prefetch(ui *u, int budget);

/* Draws in the draw pass; nothing in the hit pass. */
void ui_fill(ui *u, ui_rect r, plat_color c);
void ui_outline(ui *u, ui_rect r, int t, plat_color c);

/* Wrapped text in r (r.h is the limit: beyond it the text is clipped and
 * the overflow noted, unless r.h is 0 = unlimited). Returns the height.
 * Drawn in the draw pass, rendered into the cache in the prefetch pass. */
int ui_text(ui *u, ui_rect r, const char *s, int px, bool bold, plat_color c, int align);
int ui_text_height(ui *u, int w, const char *s, int px, bool bold);
/* The text's single-line width. */
int ui_text_width(ui *u, const char *s, int px, bool bold);
/* Where the line of s[0..n) that starts at pos ends when wrapped at width
 * w: after the last whole word (with the spaces before it) that fits; pos
 * when not even the first word fits (ui_text then breaks inside it). The
 * wrapping of ui_text, for tests. *char_w16 carries a guess of a
 * character's width from line to line (1/16 px; 0 at a text's start); it
 * changes how many widths are measured, never the result. */
size_t ui_line_end(ui *u, const char *s, size_t n, size_t pos, int w, int px, bool bold,
                   int *char_w16);

/* A circle of radius r around (cx, cy): its ring, and filled inside when
 * filled. */
void ui_disc(ui *u, int cx, int cy, int r, int t, plat_color c, bool filled);

/* A button; true in the hit pass when the tap fell on it. The prefetch
 * pass renders its label. */
bool ui_button(ui *u, const char *name, ui_rect r, const char *label, ui_button_kind kind);
/* A named tappable area with no drawing of its own. */
bool ui_area(ui *u, const char *name, ui_rect r);

/* Text drawn by other means (plat_text, a styled run at a time), noted
 * in the draw pass as ui_text notes its own, for scripts. */
void ui_remember(ui *u, const char *s);

/* Scripts: the widget of that name in the last draw pass, or NULL. */
const ui_widget *ui_find(const ui *u, const char *name);
/* Whether the visible texts of the last draw pass contain s. */
bool ui_shows(const ui *u, const char *s);

static inline ui_rect ui_r(int x, int y, int w, int h)
{
    ui_rect r = {x, y, w, h};
    return r;
}

#endif
