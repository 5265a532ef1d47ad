/*
 * app.c - the kiosk's state (see app.h): made, changed between screens
 * and freed here; and the pieces every screen draws with (header, message
 * box, dialog). No screen lives here: the trainee's are scr_exam.c's, the
 * technician's scr_tech.c's and unlock.c's, and screens.c dispatches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "app.h"
#include "synaq/station.h"

#define NOTE_SESSION "kiosk.session"

const char *app_t(app *a, const char *key)
{
    return i18n_get(a->t, a->lang, key);
}

int64_t app_now_ms(app *a)
{
    return a->clock->mono_ms(a->clock->ctx);
}

void app_go(app *a, app_screen s)
{
    a->scr = s;
    a->exam.scroll = 0;
    a->msg = NULL;
    a->dirty = true;
}

void app_practice_close(app *a)
{
    if (a->exam.prac_img.handle)
        plat_image_free(a->u.p, a->exam.prac_img.handle);
    a->exam.prac_img = (app_image){0, 0, 0, 0};
    sq_practice_free(a->exam.prac);
    a->exam.prac = NULL;
    sq_practice_feedback_clear(&a->exam.prac_fb);
    a->exam.prac_fb_on = false;
    a->exam.prac_sel = 0;
    a->exam.prac_done = 0;
    a->exam.prac_any_of = NULL;
    for (int i = 0; i < APP_MAX_EXAMS; i++) {
        sq_practice_topics_free(a->exam.ptopics[i], a->exam.n_ptopics[i]);
        a->exam.ptopics[i] = NULL;
        a->exam.n_ptopics[i] = 0;
    }
}

const char *app_screen_name(const app *a)
{
    static const char *const names[] = {
        "welcome", "identify", "roster",  "exams",  "info",  "item",   "grid",
        "review",  "result",   "answers", "error",  "check", "viewer", "practice",
        "practice-item", "learn", "lesson", "pin",
        "tech",    "touch",    "glyphs",  "newpin", "setup", "unlock", "setpass"};
    _Static_assert(sizeof names / sizeof names[0] == SCR_SETPASS + 1, "a name per screen");
    if (a->ov == OV_CONFIRM)
        return "confirm";
    if (a->ov == OV_WARN5)
        return "warn5";
    if (a->ov == OV_WARN1)
        return "warn1";
    if (a->ov == OV_IDLE)
        return "idle";
    if (a->ov == OV_TECH_DONE)
        return "tech-done";
    if (a->ov == OV_LEAVE)
        return "leave";
    return names[a->scr];
}

void app_log_err(const char *what, const sq_err *e)
{
    fprintf(stderr, "synaq-kiosk: %s: %s\n", what, e->msg);
}

void app_error(app *a, const char *key, const char *detail)
{
    a->error_key = key;
    snprintf(a->error_detail, sizeof a->error_detail, "%s", detail ? detail : "");
    if (detail && *detail)
        fprintf(stderr, "synaq-kiosk: %s\n", detail);
    a->ov = OV_NONE;
    app_go(a, SCR_ERROR);
}

/* ---- the session: which attempt is on screen ---- */

void app_session_save(app *a)
{
    char note[512];
    sq_err e;
    snprintf(note, sizeof note, "%s\n%s\n%d", a->exam.id, sq_attempt_exam_id(a->exam.att), a->lang);
    if (sq_store_note_set(a->store, NOTE_SESSION, note, &e))
        app_log_err("saving the session", &e);
}

static void session_clear(app *a)
{
    sq_err e;
    if (a->store && sq_store_note_set(a->store, NOTE_SESSION, NULL, &e))
        app_log_err("clearing the session", &e);
}

void app_drop_images(app *a)
{
    for (int i = 0; i < APP_IMAGES; i++) {
        if (a->exam.images[i].handle)
            plat_image_free(a->u.p, a->exam.images[i].handle);
        a->exam.images[i] = (app_image){-1, 0, 0, 0};
    }
}

static void end_attempt(app *a)
{
    app_drop_images(a);
    sq_attempt_free(a->exam.att);
    a->exam.att = NULL;
}

void app_attempt_closed(app *a)
{
    end_attempt(a);
    session_clear(a);
}

/* Back to the welcome screen; an attempt in progress stays open. */
void app_to_welcome(app *a)
{
    if (a->exam.att) {
        sq_err e;
        if (sq_attempt_tick(a->exam.att, &e))
            app_log_err("saving the time", &e);
    }
    end_attempt(a);
    session_clear(a);
    /* The review of the last attempt, and practice, go with its trainee. */
    app_practice_close(a);
    sq_review_free(a->exam.review);
    a->exam.review = NULL;
    a->exam.review_pos = 0;
    a->exam.id[0] = a->exam.name[0] = 0;
    a->exam.field = 0;
    memset(a->exam.check, 0, sizeof a->exam.check);
    memset(a->exam.verified, 0, sizeof a->exam.verified);
    a->exam.check_wait_until_ms = 0;
    a->ov = OV_NONE;
    /* Leaving technician mode leaves no PIN behind. */
    memset(a->tech.pin, 0, sizeof a->tech.pin);
    memset(a->tech.pin_first, 0, sizeof a->tech.pin_first);
    sq_free(a->exam.exams);
    a->exam.exams = NULL;
    a->exam.n_exams = 0;
    sq_free(a->exam.desc);
    a->exam.desc = NULL;
    a->exam.desc_asked = -1;
    sq_free(a->exam.people);
    a->exam.people = NULL;
    a->exam.n_people = 0;
    a->exam.events_day[0] = 0; /* welcome reads the events again */
    /* Text size and contrast were the last person's: the next one, and
     * the technician, start from the station's defaults. */
    if (a->text_step != 0 || a->contrast) {
        a->text_step = 0;
        a->contrast = false;
        ui_set_contrast(&a->u, false);
        ui_layout(&a->u, 0);
    }
    app_go(a, SCR_WELCOME);
}

void app_enter_attempt(app *a)
{
    a->exam.pos = sq_attempt_current(a->exam.att);
    int64_t left = sq_attempt_time_left_ms(a->exam.att);
    a->exam.left_expired = left == 0 && sq_attempt_clock_running(a->exam.att);
    a->exam.warned5 = false;
    a->exam.warned1 = false;
    /* Resumed with less than a minute left: the 5-minute warning is moot. */
    if (left < 60000)
        a->exam.warned5 = true;
    a->exam.last_save_ms = app_now_ms(a);
    app_drop_images(a);
    a->exam.prefetch_key = 0;
    app_session_save(a);
    app_go(a, SCR_ITEM);
}

static void resume_session(app *a)
{
    char note[512], id[65] = "", exam[64] = "";
    int lang = LANG_RU;
    sq_err e;
    if (sq_store_note_get(a->store, NOTE_SESSION, note, sizeof note, &e))
        return;
    if (sscanf(note, "%64[^\n]\n%63[^\n]\n%d", id, exam, &lang) < 2) {
        session_clear(a);
        return;
    }
    if (sq_attempt_resume(a->store, exam, id, &a->exam.att, &e)) {
        app_log_err("resuming the attempt on screen", &e);
        session_clear(a);
        return;
    }
    snprintf(a->exam.id, sizeof a->exam.id, "%s", id);
    a->lang = lang >= 0 && lang < N_LANGS ? lang : LANG_RU;
    app_enter_attempt(a);
}

void app_init(app *a, plat *p, i18n *t, sq_store *store, sq_station_keys *keys,
              const app_station *where, const sq_clock *clock, const char *station)
{
    memset(a, 0, sizeof *a);
    ui_init(&a->u, p, false, 0);
    a->t = t;
    a->store = store;
    a->keys = keys;
    if (where)
        a->where = *where;
    a->clock = clock;
    a->lang = LANG_KK;
    for (int i = 0; i < APP_IMAGES; i++)
        a->exam.images[i].pos = -1;
    a->exam.desc_asked = -1;
    a->tmp = malloc(APP_TMP);
    snprintf(a->station, sizeof a->station, "%s", station ? station : "");
    a->last_input_ms = app_now_ms(a);
    a->dirty = true;
    if (!store) {
        app_error(a, "error.store", NULL);
        return;
    }
    app_go(a, SCR_WELCOME);
    resume_session(a);
}

void app_attach(app *a, sq_station_keys *k, sq_store *s)
{
    a->keys = k;
    a->store = s;
    a->owns_station = true;
    a->ov = OV_NONE;
    app_go(a, SCR_WELCOME);
    resume_session(a);
}

void app_stop(app *a)
{
    sq_err e;
    if (a->exam.att && sq_attempt_tick(a->exam.att, &e))
        app_log_err("saving the time", &e);
}

void app_free(app *a)
{
    if (a->learn_free)
        a->learn_free(a);
    end_attempt(a);
    app_practice_close(a);
    sq_review_free(a->exam.review);
    a->exam.review = NULL;
    sq_free(a->exam.people);
    sq_free(a->exam.events);
    sq_free(a->exam.exams);
    sq_free(a->exam.desc);
    a->exam.desc = NULL;
    sq_usb_list_free(&a->tech.files);
    if (a->tech.pass_entry)
        sodium_free(a->tech.pass_entry);
    if (a->tech.pass_first)
        sodium_free(a->tech.pass_first);
    sq_passphrase_free(a->tech.pass_owned);
    a->tech.pass_entry = a->tech.pass_first = a->tech.pass_owned = NULL;
    if (a->owns_station) {
        sq_store_close(a->store);
        sq_station_keys_close(a->keys);
        a->store = NULL;
        a->keys = NULL;
        a->owns_station = false;
    }
    free(a->tmp);
}

/* ---- the station's passphrase: typed into guarded memory ---- */

static char *guarded(void)
{
    char *p = sodium_malloc(SQ_UNLOCK_MAX + 1);
    if (p)
        memset(p, 0, SQ_UNLOCK_MAX + 1);
    return p;
}

void app_pass_wipe(char *p)
{
    if (p)
        sodium_memzero(p, SQ_UNLOCK_MAX + 1);
}

/* Makes the buffers on first use; false when out of memory. */
static bool pass_buffers(app *a)
{
    if (!a->tech.pass_entry)
        a->tech.pass_entry = guarded();
    if (!a->tech.pass_first)
        a->tech.pass_first = guarded();
    return a->tech.pass_entry && a->tech.pass_first;
}

void app_unlock_open(app *a, const char *why_key)
{
    if (!pass_buffers(a)) {
        app_error(a, "error.generic", "out of memory");
        return;
    }
    app_pass_wipe(a->tech.pass_entry);
    a->ov = OV_NONE;
    a->kbd = KBD_EN;
    a->tech.pass_lower = true;
    a->tech.pass_show = false;
    app_go(a, SCR_UNLOCK);
    a->msg = why_key;
}

void app_setpass_open(app *a)
{
    if (!pass_buffers(a)) {
        app_error(a, "error.generic", "out of memory");
        return;
    }
    app_pass_wipe(a->tech.pass_entry);
    app_pass_wipe(a->tech.pass_first);
    a->ov = OV_NONE;
    a->kbd = KBD_EN;
    a->tech.pass_lower = true;
    a->tech.pass_show = false;
    a->tech.pass_step = 0;
    app_go(a, SCR_SETPASS);
}

/* ---- common pieces ---- */

/* The header bar: a title on the left; returns its height. */
bool app_screen_fits(int w, int h, char *why, size_t cap)
{
    /* The long side takes the keyboard's width in landscape and its rows'
     * height in portrait; the short side of a portrait screen must still
     * hold the widest row of letters at a finger's width. */
    enum { LAND_W = 800, LAND_H = 480, PORT_W = 600, PORT_H = 800 };
    bool wide = w >= h;
    int least_w = wide ? LAND_W : PORT_W, least_h = wide ? LAND_H : PORT_H;
    if (w >= least_w && h >= least_h)
        return true;
    if (why && cap)
        snprintf(why, cap,
                 "the screen is %dx%d (%s); the least is %dx%d in landscape, %dx%d in portrait", w,
                 h, wide ? "landscape" : "portrait", LAND_W, LAND_H, PORT_W, PORT_H);
    return false;
}

int app_header(app *a, const char *title, const char *right)
{
    ui *u = &a->u;
    int h = u->unit;
    ui_fill(u, ui_r(0, 0, u->w, h), u->th.accent);
    int rw = right ? ui_text_width(u, right, u->px, true) + 2 * u->gap : 0;
    int th = ui_text_height(u, u->w - rw - 2 * u->gap, title, u->px, true);
    ui_text(u, ui_r(u->gap, (h - th) / 2, u->w - rw - 2 * u->gap, h), title, u->px, true,
            u->th.accent_fg, ALIGN_LEFT);
    if (right)
        ui_text(u, ui_r(u->w - rw, (h - plat_line_height(u->p, u->px)) / 2, rw - u->gap, h),
                right, u->px, true, u->th.accent_fg, ALIGN_LEFT);
    return h;
}

int app_text_tools(app *a, int x, int ty, int bw)
{
    ui *u = &a->u;
    x -= bw * 3 / 2;
    if (ui_button(u, "contrast", ui_r(x + 2, ty + 2, bw * 3 / 2 - 4, u->unit - 4),
                  app_t(a, "item.contrast"), a->contrast ? BTN_ON : BTN_NORMAL)) {
        a->contrast = !a->contrast;
        ui_set_contrast(u, a->contrast);
    }
    x -= bw;
    if (ui_button(u, "text-larger", ui_r(x + 2, ty + 2, bw - 4, u->unit - 4),
                  app_t(a, "item.text_larger"), a->text_step < 4 ? BTN_NORMAL : BTN_DISABLED)) {
        a->text_step++;
        ui_layout(u, a->text_step);
    }
    x -= bw;
    if (ui_button(u, "text-smaller", ui_r(x + 2, ty + 2, bw - 4, u->unit - 4),
                  app_t(a, "item.text_smaller"), a->text_step > -2 ? BTN_NORMAL : BTN_DISABLED)) {
        a->text_step--;
        ui_layout(u, a->text_step);
    }
    return x;
}

void app_message_box(app *a, ui_rect r, const char *text, plat_color c)
{
    ui *u = &a->u;
    int th = ui_text_height(u, r.w - 2 * u->gap, text, u->px, false);
    ui_rect box = ui_r(r.x, r.y, r.w, th + 2 * u->gap);
    ui_fill(u, box, u->th.panel);
    ui_outline(u, box, 2, c);
    ui_text(u, ui_r(r.x + u->gap, r.y + u->gap, r.w - 2 * u->gap, th), text, u->px, false, c,
            ALIGN_LEFT);
}

/* ---- overlays ---- */

ui_rect app_dialog(app *a, const char *title, const char *text, int buttons)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.shade);
    int w = u->w - 4 * u->gap;
    if (w > u->unit * 10)
        w = u->unit * 10;
    int tw = w - 4 * u->gap;
    int text_h = *text ? ui_text_height(u, tw, text, u->px, false) : 0;
    int h = ui_text_height(u, tw, title, u->px * 6 / 5, true) + text_h +
            buttons * (u->unit + u->gap) + 4 * u->gap;
    ui_rect r = ui_r((u->w - w) / 2, (u->h - h) / 2, w, h);
    ui_fill(u, r, u->th.panel);
    ui_outline(u, r, 2, u->th.accent);
    int y = r.y + 2 * u->gap;
    y += ui_text(u, ui_r(r.x + 2 * u->gap, y, tw, 0), title, u->px * 6 / 5, true, u->th.fg,
                 ALIGN_CENTER);
    if (*text)
        y += ui_text(u, ui_r(r.x + 2 * u->gap, y, tw, 0), text, u->px, false, u->th.fg,
                     ALIGN_CENTER);
    y += u->gap;
    return ui_r(r.x + 2 * u->gap, y, tw, r.y + r.h - y);
}


ui_rect app_keypad_rect(app *a, bool wide, int y, int ty, int footer)
{
    const ui *u = &a->u;
    if (wide) {
        int ph = u->h - y - footer - u->gap, pw = ph * 3 / 4;
        if (pw > u->w / 2 - 2 * u->gap)
            pw = u->w / 2 - 2 * u->gap;
        return ui_r(u->w / 2 + (u->w / 2 - pw) / 2, y, pw, ph);
    }
    int ph = u->h - ty - footer - u->gap, pw = u->w - 4 * u->gap;
    if (ph > pw * 4 / 3)
        ph = pw * 4 / 3;
    if (ph > 4 * u->unit * 2)
        ph = 4 * u->unit * 2;
    return ui_r(2 * u->gap, ty, pw, ph);
}

bool app_keypad(app *a, ui_rect r, const char *prefix, char *buf, size_t cap, size_t max,
                bool enabled)
{
    ui *u = &a->u;
    static const char *const keys[12] = {"1", "2", "3", "4", "5", "6",
                                         "7", "8", "9", "clear", "0", "back"};
    int kw = r.w / 3, kh = r.h / 4;
    bool changed = false;
    for (int i = 0; i < 12; i++) {
        char name[40];
        snprintf(name, sizeof name, "%s:%s", prefix, keys[i]);
        const char *label = i == 9 ? app_t(a, "kbd.clear") : i == 11 ? app_t(a, "kbd.backspace")
                                                                     : keys[i];
        ui_rect k = ui_r(r.x + (i % 3) * kw + 3, r.y + (i / 3) * kh + 3, kw - 6, kh - 6);
        if (!ui_button(u, name, k, label, enabled ? BTN_NORMAL : BTN_DISABLED))
            continue;
        size_t n = strlen(buf);
        if (i == 9)
            buf[0] = 0;
        else if (i == 11 && n)
            buf[n - 1] = 0;
        else if (i != 11 && n + 1 < cap && n < max) {
            buf[n] = keys[i][0];
            buf[n + 1] = 0;
        }
        changed = true;
    }
    return changed;
}
