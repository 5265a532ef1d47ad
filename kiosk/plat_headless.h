/*
 * plat_headless.h - what the headless platform (plat_headless.c, a second
 * implementation of plat.h with no SDL) offers tests beyond plat.h: a
 * queue of input events they push, a log of what the last frame drew, and
 * a change of screen size. synaq-kiosk-headless and the kiosk's unit tests
 * (tests/kiosk/test_screens.c) link it instead of plat_sdl.c.
 *
 * Its model of a screen, so that layouts are exact and the same on every
 * machine: each code point of a text is px * 3 / 5 pixels wide (at least
 * 1), a line is px * 5 / 4 pixels high; no fonts are read. A code point
 * has a glyph when it is ASCII or in the blocks plat_headless.c lists (the
 * scripts and symbols of the kiosk's texts); drawing any other notes a
 * missing glyph. Images are not decoded: a PNG's size is read from its
 * header, anything else cannot be read (handle 0).
 *
 * Memory: the platform owns its queue and both logs, fixed in size at
 * plat_open; nothing is allocated per frame (a screenshot allocates its
 * pixels for the call). Ops and their texts are borrowed from the
 * platform, valid until the next plat_present or plat_close.
 */
#ifndef SYNAQ_KIOSK_PLAT_HEADLESS_H
#define SYNAQ_KIOSK_PLAT_HEADLESS_H

#include "plat.h"

/* Bounds: events queued, ops and text bytes kept per frame. */
#define PLAT_HEADLESS_QUEUE 256
#define PLAT_HEADLESS_OPS 16384
#define PLAT_HEADLESS_TEXT_BYTES (256 * 1024)

typedef enum {
    PLAT_OP_CLEAR,   /* the whole screen, clip ignored (as SDL's clear) */
    PLAT_OP_FILL,
    PLAT_OP_OUTLINE, /* thickness in t */
    PLAT_OP_TEXT,    /* x, y the top left; w the width as measured, h a line */
    PLAT_OP_IMAGE,   /* image: the handle */
    PLAT_OP_CLIP     /* the clip set (w = 0: lifted, then the whole screen) */
} plat_op_kind;

typedef struct {
    plat_op_kind kind;
    int x, y, w, h;
    plat_color c;
    int t;            /* OUTLINE: thickness */
    int px;           /* TEXT: size */
    bool bold;        /* TEXT */
    bool italic;      /* TEXT */
    const char *text; /* TEXT: NUL-terminated, borrowed (see above) */
    int image;        /* IMAGE: handle */
    int clip_x, clip_y, clip_w, clip_h; /* the clip in effect (the screen when none) */
} plat_op;

/* The last frame shown (the ops between a plat_clear and plat_present). */
typedef struct {
    const plat_op *ops; /* borrowed, valid until the next plat_present */
    int n_ops;
    int dropped;        /* ops past PLAT_HEADLESS_OPS or the text bytes: not kept */
    int frames;         /* plat_present calls so far */
} plat_headless_log;

/* Queues an event for plat_wait, which returns them in order. 0, or -1
 * when PLAT_HEADLESS_QUEUE events wait already (nothing queued). ev is
 * copied. With the queue empty, plat_wait returns PLAT_QUIT at once:
 * nothing else can ever arrive, and a loop should end, not spin. */
int plat_headless_push(plat *p, const plat_event *ev);
/* Queues what plat_sdl.c makes of two fingers pinching around x, y
 * (their distance times scale, in steps moves): the first finger's
 * PLAT_DOWN, its PLAT_UP with cancel set when the second comes down, and
 * steps PLAT_PINCH events whose scales multiply to scale. 0, or -1 (and
 * nothing queued) when they do not fit in the queue or the arguments are
 * no pinch (scale <= 0, steps < 1). */
int plat_headless_pinch(plat *p, int x, int y, float scale, int steps);
/* How many events wait. */
int plat_headless_queued(const plat *p);
/* The last frame shown; *out borrows from p. */
void plat_headless_frame(const plat *p, plat_headless_log *out);
/* The first text op of the last frame shown that contains s, or NULL. */
const plat_op *plat_headless_find_text(const plat *p, const char *s);
/* The colour of the pixel at x, y in the last frame shown, as
 * plat_screenshot paints it (text as one box per glyph). */
plat_color plat_headless_pixel(const plat *p, int x, int y);
/* The screen is now w x h (both > 0; else nothing changes and -1): the
 * size plat_size reports, and a PLAT_RESIZE event queued. The caller
 * lays the ui out again (ui_layout), as main does on that event. */
int plat_headless_resize(plat *p, int w, int h);

#endif
