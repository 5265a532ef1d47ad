/*
 * scr_tech.h - the technician's screens (scr_tech.c): the PIN, the
 * station's status with the USB actions, the touch and screen tests, the
 * PIN change, and the set-up of a station not enrolled yet; their
 * overlays, timers and the long actions tapped. They touch tech_state and
 * the shared fields of struct app (app.h), nothing of the trainee's.
 */
#ifndef SYNAQ_KIOSK_SCR_TECH_H
#define SYNAQ_KIOSK_SCR_TECH_H

#include "app.h"

/* After the long press: the PIN. */
void tech_open(app *a);
/* The set-up screen: the station is not enrolled (no keys, or no
 * certificate yet). */
void tech_setup_open(app *a);
/* Whether s is one of the technician's screens (the passphrase's too). */
bool tech_is_screen(app_screen s);
/* One pass of the screen on show, when it is one of these (false:
 * another's). */
bool tech_screen(app *a);
/* The technician's overlays (an action's outcome, leaving the kiosk);
 * false when the overlay on show is another's. */
bool tech_overlay(app *a);
/* Its timers (sticks looked for, the PIN's wait): ms until the next is
 * due (-1: none). */
int tech_tick(app *a, int64_t now);
/* After a hit pass: the long action tapped (import, export, reading
 * acknowledgements) starts on a worker thread; the busy dialog draws its
 * progress, and tech_tick ends it (the outcome dialog) once it is done.
 * While one runs the UI thread does not touch the store. */
void tech_run_pending(app *a);
/* Whether a long action is under way. */
bool tech_busy(app *a);
/* Waits, at most ms of real time, for the action's next progress report
 * or its end: true when there is one a frame has not shown yet. */
bool tech_job_wait(app *a, int ms);
/* Asks the action under way to stop, waits for it, and shows its outcome
 * (when the kiosk stops with one under way). */
void tech_job_stop(app *a);
/* Typed text and keys on the PIN screens: true if taken. */
bool tech_type(app *a, const char *text);
bool tech_key(app *a, int key);
/* Technician mode closed for want of a touch: it goes into the log. */
void tech_idle_close(app *a);
/* The header of the technician's screens: a title and the languages. */
int tech_header(app *a, const char *title);

#endif
