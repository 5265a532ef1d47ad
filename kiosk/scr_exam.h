/*
 * scr_exam.h - the trainee's screens (scr_exam.c): welcome, identification,
 * the roster, exam choice, the exam's second factor (check), instructions,
 * items, the picture viewer, the question grid, review, result, the
 * error screen; their overlays and the attempt's timers. They touch
 * exam_state and the shared fields of struct app (app.h), nothing of the
 * technician's.
 */
#ifndef SYNAQ_KIOSK_SCR_EXAM_H
#define SYNAQ_KIOSK_SCR_EXAM_H

#include "app.h"

/* One pass of the screen on show, when it is the trainee's (false:
 * another's). */
bool exam_screen(app *a);
/* The trainee's overlays (submit confirmation, time warnings); false when
 * the overlay on show is another's. */
bool exam_overlay(app *a);
/* The attempt's timers: elapsed time saved every few seconds, the 5- and
 * 1-minute warnings, the attempt finished at zero. Milliseconds until the
 * next is due (-1: no attempt). */
int exam_tick(app *a, int64_t now);
/* Prefetch: while the trainee reads, what the next tap is likely to show
 * (from an item: the next, the one before, the grid; and so on) is laid
 * out and rendered into the text cache, its picture decoded, a slice at a
 * time. exam_prefetch_pending says whether work is left for the screen on
 * show (it starts over when what the targets show changes); exam_prefetch
 * does one slice (one text rendered or one picture decoded, and the
 * layouts around it) and returns whether more is left. */
bool exam_prefetch_pending(app *a);
bool exam_prefetch(app *a);
/* A drag on the item or the roster scrolls it (dy); in the picture
 * viewer it moves the picture (dx, dy), within the view. */
void exam_drag(app *a, int dx, int dy);
/* A pinch in the picture viewer zooms around x, y by scale, within the
 * limits (the fit, and max_zoom); elsewhere nothing. */
void exam_pinch(app *a, int x, int y, float scale);
/* Typed text and keys on the identification screen: true if taken. */
bool exam_type(app *a, const char *text);
bool exam_key(app *a, int key);

#endif
