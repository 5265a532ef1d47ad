/*
 * plat.h - the kiosk's platform layer: the only code that talks to SDL.
 * Screens describe what to draw through these calls and receive input as
 * plat_event values; nothing above this layer knows about SDL.
 *
 * Memory: the platform owns every texture and font; callers pass strings
 * that are borrowed for the call. Rendered text is cached (bounded in
 * bytes, least recently drawn evicted), so a steady screen allocates
 * nothing per frame; digits are rendered one by one, so a clock that
 * changes every second does not either. Text can be rendered into the
 * cache ahead of the frame that draws it (plat_text_prefetch), while the
 * kiosk waits for input.
 */
#ifndef SYNAQ_KIOSK_PLAT_H
#define SYNAQ_KIOSK_PLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct plat plat;

typedef struct {
    uint8_t r, g, b, a;
} plat_color;

typedef enum {
    PLAT_NONE = 0,
    PLAT_DOWN,   /* finger or mouse button down at x, y */
    PLAT_MOVE,   /* moved while down */
    PLAT_UP,     /* released at x, y */
    PLAT_TEXT,   /* text typed on a physical keyboard (UTF-8 in text) */
    PLAT_KEY,    /* a special key (key) */
    PLAT_RESIZE, /* the window changed size */
    PLAT_EXPOSE, /* the window must be drawn again */
    PLAT_QUIT,   /* the system asked the kiosk to stop (a signal) */
    PLAT_PINCH,  /* two fingers moved: x, y their midpoint, scale the ratio
                    of their distance now to their distance at the last
                    PLAT_PINCH (or when the second finger came down) */
    PLAT_WAKE    /* another thread called plat_wake: look again */
} plat_event_type;

/* PLAT_KEY_BACK: Escape, or a keyboard's or remote's "back" key. */
enum { PLAT_KEY_BACKSPACE = 1, PLAT_KEY_ENTER, PLAT_KEY_OTHER, PLAT_KEY_BACK };

/* While two fingers touch the screen, the platform reports PLAT_PINCH
 * events and no PLAT_MOVE; when the second finger comes down, the first
 * finger's press is taken back as a PLAT_UP with cancel set (no tap). */
typedef struct {
    plat_event_type type;
    int x, y;
    int key;
    float scale; /* PLAT_PINCH */
    bool cancel; /* PLAT_UP: the press became a gesture; it taps nothing */
    char text[32];
} plat_event;

typedef struct {
    int width, height;       /* 0, 0: the whole screen */
    bool software;           /* force SDL's software renderer */
    bool windowed;           /* a normal window (development), not a kiosk */
    const char *fonts_list;  /* fonts/fonts.list: role and path per line */
    /* The program's argv, borrowed for the process's life: when another
     * X client destroys the window or the X connection breaks, the kiosk
     * starts again in place with it (the attempt resumes from the store).
     * NULL: it stops instead (status 1). */
    char *const *restart_argv;
} plat_config;

/* Opens the window, the renderer (hardware, else software) and the fonts.
 * On failure err says why; *out may then still be a usable platform that
 * can show the error (fonts missing): check plat_can_draw_text. */
int plat_open(const plat_config *cfg, plat **out, char *err, size_t err_len);
void plat_close(plat *p);
bool plat_can_draw_text(const plat *p);
void plat_size(const plat *p, int *w, int *h);
/* Pixels per millimetre, as well as the display reports it (0: unknown). */
float plat_px_per_mm(const plat *p);

/* Waits up to timeout_ms (-1: forever) for an event. 1: *ev filled;
 * 0: the time passed. Blocks the thread: no CPU while nothing happens. */
int plat_wait(plat *p, int timeout_ms, plat_event *ev);
/* From any thread: plat_wait returns PLAT_WAKE soon, so the loop looks at
 * what that thread changed (a long action's progress, scr_tech.c). */
void plat_wake(plat *p);

/* Drawing. Coordinates in pixels from the top left. */
void plat_clear(plat *p, plat_color c);
void plat_fill(plat *p, int x, int y, int w, int h, plat_color c);
void plat_outline(plat *p, int x, int y, int w, int h, int thickness, plat_color c);
/* Clips drawing to a rectangle; w = 0 lifts the clip. */
void plat_clip(plat *p, int x, int y, int w, int h);
/* Text: one line, no wrapping (the UI layer wraps). The width is that of
 * the text as plat_text draws it: each run of one font, and each digit,
 * measured apart and summed. Text the clip hides (above or below it) is
 * not drawn at all. bold is the text's style: PLAT_BOLD, PLAT_ITALIC, both
 * or neither (true is PLAT_BOLD); italic is drawn with the italic faces of
 * the font list, or, when it has none, the upright ones slanted. */
enum { PLAT_BOLD = 1, PLAT_ITALIC = 2 };
int plat_text_width(plat *p, int px, int bold, const char *s, size_t len);
int plat_line_height(plat *p, int px);
void plat_text(plat *p, int x, int y, int px, int bold, plat_color c, const char *s, size_t len);
/* Renders text into the cache without drawing it, for a frame to come:
 * the texts plat_text would draw with the same arguments (none when the
 * clip hides y, as plat_text). At most *budget texts are rendered, each
 * taking one from it. Room is made only by evicting texts neither drawn
 * since the last plat_clear (on screen) nor prefetched since: prefetch
 * never evicts what is on screen or what it brought in itself.
 * PLAT_PREFETCH_DONE: all of it is in the cache now; PLAT_PREFETCH_MORE:
 * the budget ran out first; PLAT_PREFETCH_FULL: no room without evicting
 * those (or it cannot be rendered): prefetching more is useless. */
enum { PLAT_PREFETCH_DONE = 0, PLAT_PREFETCH_MORE, PLAT_PREFETCH_FULL };
int plat_text_prefetch(plat *p, int y, int px, int bold, plat_color c, const char *s, size_t len,
                       int *budget);
/* What the text cache holds now: the bytes of its textures, and how many
 * (for tests and benchmarks); and the bound on those bytes. */
void plat_text_cache(const plat *p, size_t *bytes, int *entries);
size_t plat_text_cache_bound(void);
/* Texts rendered so far: by plat_text (drawn), by plat_text_prefetch, and
 * by plat_text since the last plat_clear (the frame on its way or last
 * presented); and the images decoded (plat_image_load). For tests and
 * benchmarks. */
typedef struct {
    uint64_t drawn, prefetched, images;
    int frame;
} plat_renders;
void plat_text_renders(const plat *p, plat_renders *out);
/* Whether any text measured, drawn or prefetched so far had a character
 * no font could show. */
bool plat_missing_glyphs(const plat *p);
/* Whether some font of the chain shows code point cp (at size px). */
bool plat_has_glyph(plat *p, int px, uint32_t cp);

/* Images (PNG, JPEG) from memory: a handle > 0, or 0 if it cannot be read. */
int plat_image_load(plat *p, const uint8_t *data, size_t len, int *w, int *h);
void plat_image_free(plat *p, int handle);
void plat_image(plat *p, int handle, int x, int y, int w, int h);

void plat_present(plat *p);
/* Writes what was last drawn as a PNG file. */
int plat_screenshot(plat *p, const char *path, char *err, size_t err_len);

#endif
