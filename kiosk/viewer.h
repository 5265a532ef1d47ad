/*
 * viewer.h - the picture viewer (viewer.c): a picture on the whole screen
 * between a bar (back, and the caller's words) and the hint, fitted whole
 * at first; a double tap zooms in around the tap (2x, 4x the fit, then
 * back to the fit), a pinch zooms anywhere from the fit to the limit
 * (viewer_state, app.h), a drag moves it, and it never leaves the view.
 * One viewer for the item's picture (scr_exam.c) and a lesson page's
 * (scr_learn.c): each keeps its own viewer_state and picture.
 * A layer above app.h, beside the screens that use it.
 */
#ifndef SYNAQ_KIOSK_VIEWER_H
#define SYNAQ_KIOSK_VIEWER_H

#include "app.h"

/* A new view: the fit, centred (the next viewer_picture lays it out). */
void viewer_reset(viewer_state *v);
/* One pass of the viewer's frame: the background, the bar with the back
 * button ("viewer-back", labelled by the message back_key) and the hint
 * ("viewer.hint") at the foot. True when back was tapped (then nothing
 * else is drawn); else *area is the view between bar and hint, and
 * *status the room in the bar beside the button for the caller's words. */
bool viewer_frame(app *a, const char *back_key, ui_rect *area, ui_rect *status);
/* The picture (handle, iw x ih pixels) in area: laid out, a tap on it
 * ("viewer-picture") taken as half of a double tap, drawn as zoomed. */
void viewer_picture(app *a, viewer_state *v, ui_rect area, int handle, int iw, int ih);
/* A drag moves the picture by dx, dy (screen pixels), within the view. */
void viewer_drag(viewer_state *v, int dx, int dy);
/* A pinch zooms by scale around x, y, within the limits; false for a
 * scale no fingers made (nothing changed). */
bool viewer_pinch(viewer_state *v, int x, int y, float scale);

#endif
