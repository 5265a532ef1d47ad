/*
 * app.h - the kiosk's state, the bottom of its layers:
 *     app (this: state and shared helpers)
 *   < scr_exam (the trainee's screens), scr_tech and unlock (the
 *     technician's)
 *   < screens (one frame, overlays, timers, keys and typed text, to the
 *     screen on show)
 *   < script (the test-script runner) < main (options, the station, the
 *     loop).
 * Each layer calls only those below it. The state is what every screen
 * shares (struct app) with each side's own: exam_state (the trainee's)
 * and tech_state (the technician's); a screen touches its side's state
 * and the shared fields. Time comes only from the store's clock, so tests
 * drive the kiosk in simulated time.
 *
 * Memory: app owns its state (app_free); the store and keys are borrowed
 * from main, unless the kiosk opened them itself (unlock, set-up).
 */
#ifndef SYNAQ_KIOSK_APP_H
#define SYNAQ_KIOSK_APP_H

#include "synaq/attempt.h"
#include "synaq/catalog.h"
#include "synaq/event.h"
#include "synaq/practice.h"
#include "synaq/tech.h"
#include "synaq/usb.h"
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
    SCR_ANSWERS,
    SCR_ERROR,
    SCR_CHECK,      /* the exam's second factor: code, date of birth, proctor PIN */
    SCR_VIEWER,     /* the item's picture, full screen, to zoom and pan */
    SCR_PRACTICE,   /* practice: the exams' topics and progress (scr_practice.c) */
    SCR_PRACTICE_ITEM, /* practice: an item, then its feedback */
    SCR_LEARN,      /* the lessons' topics (scr_learn.c) */
    SCR_LESSON,     /* a page of a lesson (scr_learn.c) */
    /* the technician's (tech.c) */
    SCR_PIN,
    SCR_TECH,
    SCR_TOUCH,
    SCR_GLYPHS,
    SCR_NEWPIN,
    SCR_SETUP,
    /* the station's passphrase (unlock.c) */
    SCR_UNLOCK,
    SCR_SETPASS
} app_screen;

typedef enum {
    OV_NONE,
    OV_CONFIRM,
    OV_WARN5,
    OV_WARN1,
    OV_IDLE,
    OV_TECH_DONE,   /* the outcome of a technician's action */
    OV_LEAVE        /* leave the kiosk? */
} app_overlay;

#define APP_MAX_EXAMS 32
#define APP_IDLE_MS (3 * 60 * 1000)     /* no touch for this long: a warning */
#define APP_IDLE_GRACE_MS (30 * 1000)   /* then back to welcome after this */
#define APP_SAVE_MS 3000                /* elapsed time committed this often */
#define APP_HOLD_MS 3000                /* the technician's long press in the corner */
#define APP_STICK_POLL_MS 2000          /* sticks looked for this often, in technician mode */
#define APP_TOUCH_TARGETS 9
#define APP_MAX_GLYPHS 512
#define APP_TMP 8192                    /* bytes of app.tmp, the screens' scratch text */
#define APP_IMAGES 3                    /* pictures kept: the item's, and the items' next to it */
#define APP_DOUBLE_TAP_MS 400           /* a second tap this soon after the first is a double tap */
#define APP_ZOOM_MIN_MAX 4.0            /* zoom reaches at least 4x the fit, */
#define APP_ZOOM_NATIVE_MAX 2.0         /* and at least 2 screen pixels a picture's pixel */

/* Where the station keeps its things, for the technician's screens. */
typedef struct {
    const char *home;          /* the station's folder (sync-status.json) */
    const char *keys_path;     /* the key file (set-up writes it) */
    const char *db_path;
    const char *passphrase;    /* of the key file; NULL: none */
    const char *usb_roots;     /* where sticks are mounted (SQ_USB_ROOTS) */
} app_station;

typedef struct app app;

/* An item's picture, decoded (plat_image_load). */
typedef struct {
    int pos;    /* the item's position in the attempt; -1: an empty slot */
    int handle; /* the platform's; 0: it cannot be shown */
    int w, h;
} app_image;

/* The picture viewer (SCR_VIEWER, scr_exam.c): the item's picture on the
 * whole screen. zoom is relative to the fit (1: the whole picture shows;
 * at most max_zoom), and (cx, cy) is the picture's point, in its own
 * pixels, at the middle of the view; both kept within limits by every
 * change, so the picture never leaves the view. area and fit are those
 * of the last pass (for drags and pinches between passes). */
typedef struct {
    double zoom, max_zoom, cx, cy, fit;
    int img_w, img_h;
    ui_rect area;
    int back_scroll;           /* the item screen's scroll, given back */
    bool tap_armed;            /* a first tap on the picture, for a double tap */
    int64_t tap_ms;
    int tap_x, tap_y;
} viewer_state;

/* The trainee's side (scr_exam.c): who is identified, the exams open to
 * them, the attempt on screen. */
typedef struct {
    /* identification */
    char id[65], name[128];
    int field;                 /* 0: id, 1: name */
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
    /* The second factor (SCR_CHECK) of exams[check_exam]: what is typed
     * (digits only), the wait after wrong tries, and the exams whose check
     * was passed in this session (a new id forgets them). */
    char check[16];
    int check_exam;
    int64_t check_wait_until_ms;
    bool verified[APP_MAX_EXAMS];
    /* the chosen exam's description, for the instructions screen: in
     * desc_lang (-1: none), asked for in desc_asked (-1: not loaded) */
    char *desc;
    int desc_lang, desc_asked;
    /* the attempt */
    sq_attempt *att;
    int pos;
    int scroll, content_h;
    ui_rect scroll_area;

    bool warned5, warned1;
    int64_t last_save_ms;
    /* the pictures of the item on screen and, decoded ahead by prefetch,
     * of the items next to it */
    app_image images[APP_IMAGES];
    viewer_state viewer;
    /* prefetch (scr_exam.c): the state of the screens it works for, and
     * how far it got */
    uint64_t prefetch_key;
    int prefetch_step;
    sq_outcome outcome;
    bool timed_out;
    /* The attempt came back with no time left: on a running clock, the
     * time ran out while it was left (the result screen says so). */
    bool left_expired;
    /* after submission, what the exam lets the trainee review (NULL:
     * nothing), and the item of it on screen; freed with the session */
    sq_review *review;
    int review_pos;
    /* practice (scr_practice.c): each exam's topics with the trainee's
     * progress (n_ptopics 0: no practice), the practice on screen, the
     * options chosen, the feedback of the last answer (shown while
     * prac_fb_on) and how many items were answered */
    sq_practice_topic *ptopics[APP_MAX_EXAMS];
    size_t n_ptopics[APP_MAX_EXAMS];
    sq_practice *prac;
    int prac_exam;
    char prac_topic[64];
    uint32_t prac_sel;
    sq_practice_feedback prac_fb;
    bool prac_fb_on;
    int prac_done;
    /* the picture of the practice item on screen: pos is its place in the
     * practice plus 1 (0: none loaded) */
    app_image prac_img;
    /* the second factor (SCR_CHECK) was asked for practice, not the exam:
     * once passed, practice at prac_exam on prac_topic opens */
    bool check_for_practice;
    /* whether an exam of this list (exams) can be practised, found once */
    const sq_exam_info *prac_any_of;
    bool prac_any;
    /* The training events open today, for welcome (scr_exam.c): read
     * again when the day changes or the kiosk comes back to welcome. */
    sq_event_info *events;
    size_t n_events;
    char events_day[SQ_EVENT_DAY];
    /* Why the exam tapped does not open by its events (its day filled
     * in), shown in place of msg's text while msg is "event.refused". */
    char event_msg[320];
    /* Each exam's event of the trainee open today (its id; "" none). */
    char event_of[APP_MAX_EXAMS][64];
} exam_state;

/* The technician's side (scr_tech.c, unlock.c). */
typedef struct {
    char pin[SQ_PIN_MAX + 1], pin_first[SQ_PIN_MAX + 1];
    int64_t pin_wait_until_ms; /* the keypad is shut until then (0: open) */
    sq_tech_status status;
    bool status_ok;
    sq_usb_stick sticks[SQ_USB_MAX_STICKS];
    size_t n_sticks;
    /* what synaq-stick-mount decided for each stick (sq_usb_mount_notes) */
    sq_usb_mount_note mounts[SQ_USB_MAX_MOUNT_NOTES];
    size_t n_mounts;
    int stick;                 /* the chosen one */
    sq_usb_list files;         /* what is on it */
    int64_t last_poll_ms;
    const char *done_title;    /* the outcome dialog: a catalogue key */
    char done_text[2048];
    bool touched[APP_TOUCH_TARGETS];
    int taps_x[16], taps_y[16], n_taps;
    uint32_t glyphs[APP_MAX_GLYPHS];
    int n_glyphs;
    /* a long action under way on a worker thread (scr_tech.c): the
     * progress bar, drawn from the job's last report; while job is set
     * the UI thread leaves the store alone */
    bool busy;
    const char *busy_key;
    int64_t busy_done, busy_total;
    bool busy_stopping;        /* Cancel tapped: stops between files */
    uint64_t busy_drawn;       /* the job's progress reports the last frame drew */
    struct tech_job *job;
    bool lockstep;             /* scripts: the job waits for a frame to show each report */
    int pending;               /* an action tapped, run once the hit pass is over */
    /* set-up (a station not enrolled yet) */
    sq_enrol_report enrol;
    bool enrol_done;
    /* the station's passphrase (unlock.c); buffers in guarded memory */
    char *pass_entry;          /* what is typed */
    char *pass_first;          /* a new one, the first time it was typed */
    char *pass_owned;          /* the one in use since unlock or set-up */
    int pass_step;             /* choosing: 0 first, 1 again */
    bool pass_show;            /* the technician asked to see what is typed */
    bool pass_lower;           /* small letters on the keys */
    int pass_fails;
    int64_t pass_wait_until_ms;
} tech_state;

/* The kiosk: what every screen shares, and each side's state. */
struct app {
    ui u;
    i18n *t;
    sq_store *store;           /* NULL: the error screen, or set-up */
    sq_station_keys *keys;     /* borrowed; NULL before set-up made them */
    app_station where;
    const sq_clock *clock;
    char station[128];
    app_screen scr;
    app_overlay ov;
    int lang;
    /* The trainee's text size and contrast, for their session only
     * (app_to_welcome puts the defaults back: 0, off). */
    int text_step;
    bool contrast;
    bool dirty;                /* the screen must be drawn again */
    kbd_layout kbd;            /* the on-screen keyboard's layout */
    const char *msg;           /* catalogue key of a message to show, or NULL */
    int64_t shown_s;           /* a countdown on screen, in seconds */
    int64_t last_input_ms;     /* idle */
    /* error */
    const char *error_key;
    char error_detail[300];
    char *tmp;                 /* scratch text, APP_TMP bytes */
    /* a finger (or the mouse) on the screen, for screens_event: down
     * where, moved past the drag threshold, the last point of a drag */
    bool ptr_down, ptr_dragging;
    int ptr_down_x, ptr_down_y, ptr_last_x, ptr_last_y;
    /* the technician's long press */
    bool pressing, press_used;
    int press_x, press_y;
    int64_t press_ms;
    bool quit;                 /* the technician left the kiosk */
    bool owns_station;         /* keys and store opened here (set-up): closed here */
    exam_state exam;
    tech_state tech;
    /* The lessons' side (scr_learn.c, its own state; NULL until the
     * first Learn), and what frees it at app_free. */
    struct learn_state *learn;
    void (*learn_free)(app *a);
};

/* Starts on the welcome screen (or the error screen when store is NULL),
 * or straight back in the attempt that was on screen when the kiosk last
 * stopped. */
void app_init(app *a, plat *p, i18n *t, sq_store *store, sq_station_keys *keys,
              const app_station *where, const sq_clock *clock, const char *station);
/* Frees the state; keys and store too when the kiosk opened them. */
void app_free(app *a);
/* Before the kiosk stops on a signal: commits the elapsed time of the
 * attempt on screen, which stays open and comes back at the next start. */
void app_stop(app *a);
/* Keys and store opened (after unlock): the kiosk's from now on, closed
 * by app_free; then the welcome screen, or back in the attempt that was
 * on screen. */
void app_attach(app *a, sq_station_keys *k, sq_store *s);

/* Whether the screens fit a screen of w x h px. The least is 800x480 in
 * landscape (w >= h) and 600x800 in portrait (a 600x1024 tablet): under
 * that the keyboard's keys would be narrower or shorter than a finger
 * (48 px). false with a sentence in why (cap bytes; may be NULL). */
bool app_screen_fits(int w, int h, char *why, size_t cap);

/* ---- moving between screens ---- */

void app_go(app *a, app_screen s);
/* Shows the error screen with a catalogue key and a detail for the log. */
void app_error(app *a, const char *key, const char *detail);
/* Back to the welcome screen: the attempt on screen stays open (its time
 * saved), the trainee and the technician's PIN are forgotten. */
void app_to_welcome(app *a);
/* The attempt in a->exam.att goes on screen (and is noted as the one
 * there, so that a restart comes back to it). */
void app_enter_attempt(app *a);
/* Notes the attempt on screen and its language, so that a restart comes
 * back to it as it was. */
void app_session_save(app *a);
/* The attempt on screen was finished: the kiosk lets go of it, and of
 * the note that brings it back after a restart. */
void app_attempt_closed(app *a);
/* The attempt's pictures are let go (its end, or another attempt). */
void app_drop_images(app *a);
/* The station locked: its key file is protected and no passphrase (or a
 * wrong one) was given; why_key, a catalogue key, says which (NULL:
 * none). The technician unlocks it there (unlock.c). */
void app_unlock_open(app *a, const char *why_key);
/* Choosing the station's passphrase, at set-up (unlock.c). */
void app_setpass_open(app *a);
/* Wipes a passphrase buffer (SQ_UNLOCK_MAX + 1 bytes; NULL: nothing). */
void app_pass_wipe(char *p);
/* Practice is let go: the one on screen, its feedback, the topics
 * listed (the trainee leaves, or the kiosk stops). */
void app_practice_close(app *a);
/* The current screen's name, for scripts ("welcome", "item", ...). */
const char *app_screen_name(const app *a);

/* ---- shared by the screens ---- */

const char *app_t(app *a, const char *key);
int64_t app_now_ms(app *a);
void app_log_err(const char *what, const sq_err *e);
/* The header bar: a title on the left; returns its height. */
int app_header(app *a, const char *title, const char *right);
/* The bar's contrast, larger and smaller text buttons (item, lesson and
 * practice screens alike), drawn right to left from x on the row at ty,
 * each bw wide (contrast one and a half); returns where they start. */
int app_text_tools(app *a, int x, int ty, int bw);
void app_message_box(app *a, ui_rect r, const char *text, plat_color c);
/* A keypad of digits, clear and backspace in r (widgets "PREFIX:0".."9",
 * "PREFIX:clear", "PREFIX:back"), editing buf (cap bytes, at most max
 * digits); disabled keys take no taps. Returns true when a key was tapped. */
bool app_keypad(app *a, ui_rect r, const char *prefix, char *buf, size_t cap, size_t max,
                bool enabled);
/* Where a keypad goes on a screen whose content starts at y and whose
 * texts end at ty, above a footer of that height: on a wide screen the
 * right half, from y; else under the texts, the full width. */
ui_rect app_keypad_rect(app *a, bool wide, int y, int ty, int footer);
/* A modal dialog's box with room for `buttons` rows; returns the room. */
ui_rect app_dialog(app *a, const char *title, const char *text, int buttons);

#endif
