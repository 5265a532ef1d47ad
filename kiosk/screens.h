/*
 * screens.h - one frame of the kiosk and what happens to it (screens.c):
 * a pass (hit test or draw) of the screen on show and its overlay, taps,
 * presses, drags, typed text and keys handed to the screen they belong
 * to, and the timers of all of them. main.c's loop and script.c's runner
 * drive the kiosk through these alone.
 */
#ifndef SYNAQ_KIOSK_SCREENS_H
#define SYNAQ_KIOSK_SCREENS_H

#include "app.h"

/* One pass of the current screen (hit test or draw), its overlay on top;
 * after a hit pass, the long action it tapped runs. */
void screens_frame(app *a, ui_pass pass);
/* A whole frame drawn and shown. */
void screens_draw(app *a);
/* A tap at x, y: the hit pass that acts on it. */
void screens_tap(app *a, int x, int y);
/* Any input: the idle timer starts again. */
void screens_touched(app *a);
/* A finger down and up (or the start of a drag): the technician's long
 * press in the top left corner of the welcome screen opens technician
 * mode. screens_release returns true when the press was that gesture, so
 * that lifting the finger taps nothing. */
void screens_press(app *a, int x, int y);
bool screens_release(app *a);
/* Input outside widgets: drags (dx, dy: how far the finger moved since
 * the last), pinches (scale: the fingers' distance now over before,
 * around x, y), typed text, special keys. */
void screens_drag(app *a, int dx, int dy);
/* The finger that dragged came up: a fast drag goes on as a fling. */
void screens_drag_end(app *a);
void screens_pinch(app *a, int x, int y, float scale);
void screens_type(app *a, const char *text);
void screens_key(app *a, int key);
/* An input event from the platform (plat_wait) as a person made it: a
 * press, the move that becomes a drag (past a quarter of a touch target),
 * the release that is a tap (none after a drag, a pinch or the long
 * press), a pinch, typed text, a key. The finger's state between events
 * is kept in a (ptr_*). Other events (resize, expose, quit) are the
 * loop's: false for those, true when taken. */
bool screens_event(app *a, const plat_event *ev);
/* Timers: clock tick, saving elapsed time, warnings, time-out, idle, the
 * long press, the technician's. Returns milliseconds until the next one
 * is due (-1: none). */
int screens_tick(app *a);
/* Work for the time the kiosk waits for input, once the screen on show is
 * drawn: prefetch (scr_exam.h). screens_prefetch_pending says whether
 * there is any; screens_prefetch does one bounded slice of it and returns
 * whether more is left. A loop that polls for input between slices keeps
 * a tap from waiting longer than one slice; with none left, it waits as
 * before (no wake-up of its own). */
bool screens_prefetch_pending(app *a);
bool screens_prefetch(app *a);

#endif
