/*
 * app.h - the kiosk's screens and their state: welcome, identification,
 * exam choice, instructions, items, the question grid, review, result,
 * and the overlays (submit confirmation, time warnings, idle warning).
 * It draws through ui.h and talks to the store through libsynaq; it reads
 * time only from the store's clock, so tests drive it in simulated time.
 */
#ifndef SYNAQ_KIOSK_APP_H
#define SYNAQ_KIOSK_APP_H

#include "synaq/attempt.h"
#include "i18n.h"
#include "keyboard.h"
#include "ui.h"

typedef enum {
    SCR_WELCOME,
    SCR_IDENTIFY,
    SCR_ROSTER,
    SCR_EXAMS,
    SCR_INFO,
    SCR_ITEM,
    SCR_GRID,
    SCR_REVIEW,
    SCR_RESULT,
    SCR_ERROR
} app_screen;

typedef enum { OV_NONE, OV_CONFIRM, OV_WARN5, OV_WARN1, OV_IDLE } app_overlay;

#define APP_MAX_EXAMS 32
#define APP_IDLE_MS (3 * 60 * 1000)     /* no touch for this long: a warning */
#define APP_IDLE_GRACE_MS (30 * 1000)   /* then back to welcome after this */
#define APP_SAVE_MS 3000                /* elapsed time committed this often */

typedef struct {
    ui u;
    i18n *t;
    sq_store *store;           /* NULL: the error screen */
    const sq_clock *clock;
    char station[128];
    app_screen scr;
    app_overlay ov;
    int lang;
    int text_step;
    bool contrast;
    bool dirty;                /* the screen must be drawn again */
    /* identification */
    char id[65], name[128];
    int field;                 /* 0: id, 1: name */
    kbd_layout kbd;
    const char *msg;           /* catalogue key of a message to show, or NULL */
    /* the rosters of the installed exams, merged (loaded on demand) */
    sq_person *people;
    size_t n_people;
    bool any_roster;
    /* exams open to the trainee */
    sq_exam_info *exams;
    size_t n_exams;
    int left[APP_MAX_EXAMS];   /* attempts left; -1: no limit */
    bool open[APP_MAX_EXAMS];  /* an attempt in progress */
    bool eligible[APP_MAX_EXAMS];
    int chosen;
    /* the attempt */
    sq_attempt *att;
    int pos;
    int scroll, content_h;
    ui_rect scroll_area;
    bool warned5, warned1;
    int64_t last_save_ms;
    int64_t shown_s;           /* the time left the screen shows, in seconds */
    int image, image_pos, image_w, image_h;
    sq_outcome outcome;
    bool timed_out;
    /* idle */
    int64_t last_input_ms;
    /* error */
    const char *error_key;
    char error_detail[300];
    char *tmp;                 /* scratch text, APP_TMP bytes */
} app;

/* Starts on the welcome screen (or the error screen when store is NULL),
 * or straight back in the attempt that was on screen when the kiosk last
 * stopped. */
void app_init(app *a, plat *p, i18n *t, sq_store *store, const sq_clock *clock,
              const char *station);
void app_free(app *a);
/* Before the kiosk stops on a signal: commits the elapsed time of the
 * attempt on screen, which stays open and comes back at the next start. */
void app_stop(app *a);
/* Shows the error screen with a catalogue key and a detail for the log. */
void app_error(app *a, const char *key, const char *detail);
/* One pass of the current screen (hit test or draw). */
void app_frame(app *a, ui_pass pass);
/* Input outside widgets: drags and typed text. */
void app_drag(app *a, int dy);
void app_type(app *a, const char *text);
void app_key(app *a, int key);
void app_touched(app *a);
/* Timers: clock tick, saving elapsed time, warnings, time-out, idle.
 * Returns milliseconds until the next timer is due (-1: none). */
int app_tick(app *a);
/* The current screen's name, for scripts ("welcome", "item", ...). */
const char *app_screen_name(const app *a);

#endif
