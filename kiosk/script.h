/*
 * script.h - the kiosk's test scripts (script.c): instead of a person,
 * a file of commands drives the screens, one a line, in simulated time:
 *   tap NAME | tap X Y, drag X1 Y1 X2 Y2, pinch X Y SCALE (two fingers
 *   around X Y, their distance times SCALE), hold X Y SECONDS, type TEXT,
 *   keys TEXT (taps on the on-screen keyboard), key enter|backspace|back,
 *   wait SECONDS (simulated), wait-real SECONDS, sleep-real MS, wait-file PATH,
 *   wall-jump SECONDS (the wall clock alone moves: a date set by hand),
 *   expect-screen NAME, expect-text TEXT, expect-no-text TEXT,
 *   expect-widget NAME, expect-fits, expect-left, screenshot NAME,
 *   progress-shot NAME, start NAME, wait-progress PERCENT, wait-done,
 *   state, print, cache, exit; '#' starts a comment.
 * A frame is drawn after each command. A long action of the technician
 * (import, export: on a worker thread, scr_tech.h) runs in lockstep with
 * the frames: at each progress report it waits until a frame has shown
 * it and the runner has looked again, so every run stops at the same
 * points. One a tap started is over before the next command; one "start"
 * started runs on while the next commands tap and check, until
 * "wait-done"; "wait-progress" draws frames until one shows PERCENT, and
 * prints PROGRESS frames=N changes=K percent=P (frames drawn since the
 * start, and how often the percent shown changed). Real time bounds
 * these waits only (120 s, 300 s); no "wait" of simulated time while an
 * action runs (the store reads the same clock). Each wait (of simulated time, also
 * within hold and wait-real) first lets the kiosk prefetch to the end, as
 * it does while it waits for a person (screens.h); cache prints the text
 * cache and the texts rendered (drawn, prefetched, in the last frame) and
 * the pictures decoded.
 */
#ifndef SYNAQ_KIOSK_SCRIPT_H
#define SYNAQ_KIOSK_SCRIPT_H

#include "app.h"

/* The simulated clock scripts run on (a sq_clock's context). */
typedef struct {
    int64_t mono_ms, wall_s, wall_ms;
} sim_clock;
int64_t sim_mono(void *ctx);
int64_t sim_wall(void *ctx);

typedef struct {
    const char *path;   /* the script */
    const char *shots;  /* where screenshots go (NULL: the working folder) */
    bool trace;         /* print the item screen's state after each change */
} script_options;

/* The status of a script that ended with the technician leaving the
 * kiosk (the kiosk's own status then). */
#define SCRIPT_LEFT 3

/* Runs the script: 0 when every check held, 1 at the first that did not
 * (said on stderr, with the texts on screen), 2 when it cannot be read,
 * SCRIPT_LEFT when the technician left the kiosk. */
int script_run(app *a, sim_clock *clk, const script_options *o);
/* Draws, and takes the progress shot a script asked for (the frames drawn
 * while a long action runs). */
void script_redraw(app *a);
/* Prints what the item screen shows (every answer, the position, the
 * time left) as one line starting with tag: for the power-cut tests. */
void script_trace(app *a, const char *tag);

#endif
