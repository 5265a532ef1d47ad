/*
 * scr_exam.c - the trainee's screens (scr_exam.h): welcome, identification,
 * the roster, exam choice, the exam's second factor (check), instructions,
 * items and the full-screen viewer of their pictures, the question grid,
 * review, result and the error screen, with their overlays (submit confirmation,
 * time warnings) and the attempt's timers. Each screen is a function that
 * lays out its widgets for the current pass; a tap seen in the hit pass
 * changes the state, and the draw pass that follows shows it.
 *
 * Durability: an answer is committed (answer_tapped) before the screen
 * shows it selected, so what the trainee saw survives a power cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scr_exam.h"
#include "scr_learn.h"
#include "scr_practice.h"
#include "viewer.h"
#include "synaq/identity.h"

static const char *exam_title(app *a, const sq_exam_info *x)
{
    if (x->title[a->lang][0])
        return x->title[a->lang];
    for (int l = 0; l < N_LANGS; l++)
        if (x->title[l][0])
            return x->title[l];
    return x->id;
}

static void load_exams(app *a);

/* ---- training events (synaq/event.h) ---- */

/* The events open today, read again when the day changed or the kiosk
 * came back to welcome (app_to_welcome forgets the day read). */
static void load_events(app *a)
{
    char today[SQ_EVENT_DAY];
    sq_err e;
    if (!a->store)
        return;
    sq_event_today(a->store, today);
    if (strcmp(today, a->exam.events_day) == 0)
        return;
    sq_free(a->exam.events);
    a->exam.events = NULL;
    a->exam.n_events = 0;
    if (sq_event_list(a->store, today, &a->exam.events, &a->exam.n_events, &e))
        app_log_err("listing the training events", &e);
    snprintf(a->exam.events_day, sizeof a->exam.events_day, "%s", today);
}

/* "YYYY-MM-DD" as people here write it: DD.MM.YYYY. */
static const char *day_shown(const char *day, char out[16])
{
    snprintf(out, 16, "%.2s.%.2s.%.4s", day + 8, day + 5, day);
    return out;
}

/* An event's name in lang, else in the first language it has. */
static const char *event_name(const sq_event_info *ev, int lang)
{
    if (ev->name[lang][0])
        return ev->name[lang];
    for (int l = 0; l < N_LANGS; l++)
        if (ev->name[l][0])
            return ev->name[l];
    return ev->id;
}

/* Welcome's list of the events open today, from y down: a heading in the
 * three languages, then each event by its names (each language it has)
 * and its days, as many as fit; the rest counted. */
static void welcome_events(app *a, int y)
{
    ui *u = &a->u;
    char from[16], to[16], more[32];
    int w = u->w - 2 * u->gap, bottom = u->h - u->gap;
    load_events(a);
    if (a->exam.n_events == 0)
        return;
    snprintf(a->tmp, APP_TMP, "%s · %s · %s", i18n_get(a->t, LANG_KK, "welcome.events"),
             i18n_get(a->t, LANG_RU, "welcome.events"), i18n_get(a->t, LANG_EN, "welcome.events"));
    int h = ui_text_height(u, w, a->tmp, u->px, true);
    if (y + h > bottom)
        return;
    y += ui_text(u, ui_r(u->gap, y, w, 0), a->tmp, u->px, true, u->th.accent, ALIGN_CENTER);
    for (size_t i = 0; i < a->exam.n_events; i++) {
        const sq_event_info *ev = &a->exam.events[i];
        size_t len = 0;
        a->tmp[0] = 0;
        for (int l = 0; l < N_LANGS; l++) {
            bool again = false;
            for (int k = 0; k < l; k++)
                again |= ev->name[k][0] && strcmp(ev->name[k], ev->name[l]) == 0;
            if (ev->name[l][0] && !again && len < APP_TMP)
                len += (size_t)snprintf(a->tmp + len, APP_TMP - len, "%s%s", len ? " / " : "",
                                        ev->name[l]);
        }
        if (len < APP_TMP)
            snprintf(a->tmp + len, APP_TMP - len, "%s%s – %s", len ? "\n" : "",
                     day_shown(ev->from, from), day_shown(ev->to, to));
        int line = plat_line_height(u->p, u->px);
        h = ui_text_height(u, w, a->tmp, u->px, false);
        /* Room for this one, and for the count of the rest when more follow. */
        if (y + u->gap + h + (i + 1 < a->exam.n_events ? line : 0) > bottom) {
            snprintf(more, sizeof more, "+%zu", a->exam.n_events - i);
            ui_text(u, ui_r(u->gap, y, w, 0), more, u->px, false, u->th.muted, ALIGN_CENTER);
            return;
        }
        y += u->gap;
        y += ui_text(u, ui_r(u->gap, y, w, 0), a->tmp, u->px, false, u->th.fg, ALIGN_CENTER);
    }
}

/* The trainee's event of exam i open today, for the exam list; NULL
 * when none (load_exams found it). */
static const sq_event_info *exam_event_today(app *a, size_t i)
{
    load_events(a);
    for (size_t k = 0; a->exam.event_of[i][0] && k < a->exam.n_events; k++)
        if (strcmp(a->exam.events[k].exam_id, a->exam.exams[i].id) == 0 &&
            strcmp(a->exam.events[k].id, a->exam.event_of[i]) == 0)
            return &a->exam.events[k];
    return NULL;
}

/* Whether the exam may start by its events; when not, why, with its day,
 * in msg (and the refusal of a moved clock is on record: event.c). */
static bool event_allows(app *a, const sq_exam_info *x)
{
    sq_event_verdict v;
    char day[SQ_EVENT_DAY], shown[16];
    sq_err e;
    if (sq_event_gate(a->store, x->id, a->exam.id, &v, day, &e)) {
        app_log_err("checking the training events", &e);
        a->msg = "error.generic";
        a->dirty = true;
        return false;
    }
    if (v == SQ_EVENT_NONE || v == SQ_EVENT_OPEN)
        return true;
    static const char *const keys[] = {
        [SQ_EVENT_NOT_YET] = "event.not_yet", [SQ_EVENT_CLOSED] = "event.closed",
        [SQ_EVENT_NOT_INVITED] = "event.not_invited", [SQ_EVENT_CLOCK] = "event.clock"};
    i18n_fmt(a->t, a->lang, keys[v], a->exam.event_msg, sizeof a->exam.event_msg, "day",
             day[0] ? day_shown(day, shown) : "", NULL);
    a->msg = "event.refused";
    a->dirty = true;
    return false;
}

/* ---- welcome ---- */

static void scr_welcome(app *a)
{
    ui *u = &a->u;
    static const char *const names[] = {"lang-kk", "lang-ru", "lang-en"};
    char line[256];
    i18n_fmt(a->t, a->lang, "welcome.station", line, sizeof line, "station", a->station, NULL);
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = u->h / 10;
    /* A greeting in all three languages: nobody has chosen one yet. */
    for (int l = 0; l < N_LANGS; l++) {
        const char *w = i18n_get(a->t, l, "welcome.title");
        y += ui_text(u, ui_r(u->gap, y, u->w - 2 * u->gap, 0), w, u->px * 3 / 2, true,
                     l == 0 ? u->th.accent : u->th.fg, ALIGN_CENTER);
    }
    y += u->gap;
    y += ui_text(u, ui_r(u->gap, y, u->w - 2 * u->gap, 0), line, u->px, false, u->th.muted,
                 ALIGN_CENTER);
    y += 2 * u->gap;
    bool wide = u->w > u->h;
    int bw = wide ? (u->w - 4 * u->gap) / 3 : u->w - 4 * u->gap;
    if (wide && bw > u->unit * 5)
        bw = u->unit * 5;
    int bh = u->unit * 3 / 2;
    int total = wide ? 3 * bw + 2 * u->gap : bw;
    int x0 = (u->w - total) / 2;
    for (int l = 0; l < N_LANGS; l++) {
        ui_rect r = wide ? ui_r(x0 + l * (bw + u->gap), y, bw, bh)
                         : ui_r(x0, y + l * (bh + u->gap), bw, bh);
        if (ui_button(u, names[l], r, i18n_get(a->t, l, "lang.name"), BTN_PRIMARY)) {
            a->lang = l;
            a->kbd = KBD_DIGITS;
            a->exam.field = 0;
            load_exams(a);
            a->exam.any_roster = false;
            for (size_t i = 0; i < a->exam.n_exams; i++)
                a->exam.any_roster |=
                    a->exam.exams[i].has_roster != 0 && a->exam.exams[i].roster_list != 0;
            if (a->scr != SCR_ERROR)
                app_go(a, SCR_IDENTIFY);
        }
    }
    int ly = wide ? y + bh + 2 * u->gap : y + 3 * (bh + u->gap) + u->gap;
    ui_text(u, ui_r(u->gap, ly, u->w - 2 * u->gap, 0), i18n_get(a->t, LANG_KK, "welcome.choose_language"),
            u->px, false, u->th.muted, ALIGN_CENTER);
    ly += plat_line_height(u->p, u->px);
    ly += ui_text(u, ui_r(u->gap, ly, u->w - 2 * u->gap, 0), i18n_get(a->t, LANG_RU, "welcome.choose_language"),
                  u->px, false, u->th.muted, ALIGN_CENTER);
    welcome_events(a, ly + 2 * u->gap);
}

/* ---- identification ---- */

static void load_exams(app *a)
{
    sq_err e;
    a->exam.prac_any_of = NULL; /* practice_any looks again */
    sq_free(a->exam.exams);
    a->exam.exams = NULL;
    a->exam.n_exams = 0;
    if (sq_catalog_exams(a->store, &a->exam.exams, &a->exam.n_exams, &e)) {
        app_error(a, "error.store", e.msg);
        return;
    }
    if (a->exam.n_exams > APP_MAX_EXAMS)
        a->exam.n_exams = APP_MAX_EXAMS;
    /* The checks passed were the id's that was typed then. */
    memset(a->exam.verified, 0, sizeof a->exam.verified);
    for (size_t i = 0; i < a->exam.n_exams; i++) {
        char name[128] = "";
        bool open = false;
        sq_status st = sq_catalog_trainee_check(a->store, a->exam.exams[i].id, a->exam.id, &a->exam.left[i], name,
                                              sizeof name, &e);
        if (sq_catalog_open_attempt(a->store, a->exam.exams[i].id, a->exam.id, &open, &e))
            open = false;
        a->exam.open[i] = open;
        a->exam.eligible[i] = st == SQ_OK || (st == SQ_ESTATE && open);
        if (st == SQ_ESTATE)
            a->exam.left[i] = 0;
        if (name[0] && !a->exam.name[0])
            snprintf(a->exam.name, sizeof a->exam.name, "%s", name);
        if (sq_event_trainee_today(a->store, a->exam.exams[i].id, a->exam.id, a->exam.event_of[i],
                                   &e))
            a->exam.event_of[i][0] = 0;
    }
}

static void identify_continue(app *a)
{
    if (!a->exam.id[0]) {
        a->msg = "id.empty";
        return;
    }
    load_exams(a);
    if (a->scr == SCR_ERROR)
        return;
    int n = 0;
    bool need_name = false;
    for (size_t i = 0; i < a->exam.n_exams; i++)
        if (a->exam.eligible[i]) {
            n++;
            need_name |= !a->exam.exams[i].has_roster;
        }
    if (n == 0) {
        a->msg = a->exam.n_exams ? "id.unknown" : "welcome.no_exams";
        return;
    }
    if (need_name && !a->exam.name[0]) {
        a->exam.field = 1;
        a->kbd = kbd_for_lang(a->lang);
        a->msg = "id.need_name";
        return;
    }
    app_go(a, SCR_EXAMS);
}

static void field_box(app *a, const char *name, ui_rect r, const char *label, const char *value,
                      bool active)
{
    ui *u = &a->u;
    int lh = plat_line_height(u->p, u->px);
    ui_text(u, ui_r(r.x, r.y, r.w, lh), label, u->px, false, u->th.muted, ALIGN_LEFT);
    ui_rect box = ui_r(r.x, r.y + lh, r.w, r.h - lh);
    if (ui_area(u, name, box)) {
        a->exam.field = name[6] == 'n' ? 1 : 0;
        a->kbd = a->exam.field ? kbd_for_lang(a->lang) : KBD_DIGITS;
    }
    ui_fill(u, box, u->th.panel);
    ui_outline(u, box, active ? 3 : 1, active ? u->th.accent : u->th.border);
    snprintf(a->tmp, APP_TMP, "%s%s", value, active ? "|" : "");
    ui_text(u, ui_r(box.x + u->gap, box.y + (box.h - lh) / 2, box.w - 2 * u->gap, lh), a->tmp,
            u->px, true, u->th.fg, ALIGN_LEFT);
}

static void scr_identify(app *a)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = app_header(a, app_t(a, "id.title"), NULL) + u->gap;
    if (a->exam.any_roster) {
        /* In the header bar, where it costs the keyboard no room. */
        const char *l = app_t(a, "id.from_list");
        int bw = ui_text_width(u, l, u->px, true) + 4 * u->gap;
        if (bw > u->w / 2)
            bw = u->w / 2;
        if (ui_button(u, "from-list", ui_r(u->w - bw - 4, 4, bw, u->unit - 8), l, BTN_NORMAL))
            app_go(a, SCR_ROSTER);
    }
    int lh = plat_line_height(u->p, u->px);
    int fh = lh + u->unit;
    bool wide = u->w > u->h;
    int fw = wide ? (u->w - 3 * u->gap) / 2 : u->w - 2 * u->gap;
    field_box(a, "field:id", ui_r(u->gap, y, fw, fh), app_t(a, "id.prompt"), a->exam.id, a->exam.field == 0);
    int ny = wide ? y : y + fh + u->gap;
    int nx = wide ? 2 * u->gap + fw : u->gap;
    field_box(a, "field:name", ui_r(nx, ny, fw, fh), app_t(a, "id.name_prompt"), a->exam.name,
              a->exam.field == 1);
    y = ny + fh + u->gap;
    int footer = u->unit + u->gap;
    /* The messages have a place of their own, as tall as the tallest of
     * them in this language, so that the keyboard below never moves under
     * a finger when one comes or goes. */
    static const char *const msgs[] = {"id.empty", "id.unknown", "welcome.no_exams",
                                       "id.need_name"};
    int mh = 0;
    for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++) {
        int h = ui_text_height(u, u->w - 4 * u->gap, app_t(a, msgs[i]), u->px, false);
        if (h > mh)
            mh = h;
    }
    mh += 2 * u->gap;
    if (a->msg)
        app_message_box(a, ui_r(u->gap, y, u->w - 2 * u->gap, mh), app_t(a, a->msg), u->th.bad);
    y += mh + u->gap;
    int kh = u->h - y - footer - u->gap;
    /* A short landscape screen (800x480) would squeeze the keys under a
     * finger's size: there "back" and "continue" go in a column right of
     * the keyboard, which then reaches down to the bottom. The keyboard's
     * tallest layout has ID_KBD_ROWS rows of keys drawn 4 px inside their
     * row, and its widest row ID_KBD_COLS keys. */
    enum { ID_KBD_ROWS = 5, ID_KBD_COLS = 11, FINGER_PX = 48 };
    int side = 0;
    if (wide && kh / ID_KBD_ROWS - 4 < FINGER_PX) {
        int tw = ui_text_width(u, app_t(a, "id.back"), u->px, true);
        int tc = ui_text_width(u, app_t(a, "id.continue"), u->px, true);
        int most = u->w - 3 * u->gap - ID_KBD_COLS * (FINGER_PX + 4);
        side = (tw > tc ? tw : tc) + 4 * u->gap;
        if (side < 2 * u->unit)
            side = 2 * u->unit;
        if (side > most)
            side = most;
        kh = u->h - y - u->gap;
    }
    if (kh > u->unit * 6)
        kh = u->unit * 6;
    int kw = u->w - 2 * u->gap - (side ? side + u->gap : 0);
    bool changed = a->exam.field == 0 ? kbd_run(u, a->t, a->lang, ui_r(u->gap, y, kw, kh),
                                           &a->kbd, a->exam.id, sizeof a->exam.id, 32)
                                 : kbd_run(u, a->t, a->lang, ui_r(u->gap, y, kw, kh),
                                           &a->kbd, a->exam.name, sizeof a->exam.name, 80);
    if (changed)
        a->msg = NULL;
    ui_rect back, cont;
    if (side) {
        int sx = u->w - u->gap - side;
        back = ui_r(sx, y, side, u->unit);
        cont = ui_r(sx, y + kh - u->unit, side, u->unit);
    } else {
        int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
        back = ui_r(u->gap, fy, bw, u->unit);
        cont = ui_r(2 * u->gap + bw, fy, bw, u->unit);
    }
    if (ui_button(u, "back", back, app_t(a, "id.back"), BTN_NORMAL))
        app_to_welcome(a);
    if (ui_button(u, "continue", cont, app_t(a, "id.continue"), BTN_PRIMARY))
        identify_continue(a);
}

/* ---- the roster: find one's name ---- */

static void load_people(app *a)
{
    sq_err e;
    sq_free(a->exam.people);
    a->exam.people = NULL;
    a->exam.n_people = 0;
    for (size_t i = 0; i < a->exam.n_exams; i++) {
        sq_person *list = NULL;
        size_t n = 0;
        /* An exam whose source turned the list off shows nobody's name. */
        if (!a->exam.exams[i].has_roster || !a->exam.exams[i].roster_list)
            continue;
        if (sq_catalog_roster(a->store, a->exam.exams[i].id, &list, &n, &e)) {
            app_log_err("reading a roster", &e);
            continue;
        }
        sq_person *all = realloc(a->exam.people, (a->exam.n_people + n) * sizeof *all);
        if (!all) {
            sq_free(list);
            break;
        }
        a->exam.people = all;
        /* One person on several rosters appears once. */
        for (size_t k = 0; k < n; k++) {
            bool seen = false;
            for (size_t j = 0; j < a->exam.n_people && !seen; j++)
                seen = strcmp(a->exam.people[j].id, list[k].id) == 0;
            if (!seen)
                a->exam.people[a->exam.n_people++] = list[k];
        }
        sq_free(list);
    }
}

static void scr_roster(app *a)
{
    ui *u = &a->u;
    if (!a->exam.people)
        load_people(a);
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int top = app_header(a, app_t(a, "roster.title"), NULL);
    int fh = u->unit + 2 * u->gap;
    ui_rect area = ui_r(0, top, u->w, u->h - top - fh);
    a->exam.scroll_area = area;
    if (u->pass == UI_DRAW)
        plat_clip(u->p, area.x, area.y, area.w, area.h);
    int y = area.y + u->gap - a->exam.scroll;
    bool wide = u->w > u->h;
    int cols = wide ? 2 : 1, bw = (u->w - (cols + 1) * u->gap) / cols;
    for (size_t i = 0; i < a->exam.n_people; i++) {
        const sq_person *p = &a->exam.people[i];
        char name[32];
        snprintf(a->tmp, APP_TMP, "%s\n%s", p->name, p->district);
        snprintf(name, sizeof name, "person-%zu", i + 1);
        int bh = ui_text_height(u, bw - 2 * u->gap, a->tmp, u->px, true) + 2 * u->gap;
        if (bh < u->unit)
            bh = u->unit;
        ui_rect r = ui_r(u->gap + (int)(i % (size_t)cols) * (bw + u->gap), y, bw, bh);
        bool visible = r.y + r.h > area.y && r.y < area.y + area.h;
        if (visible && ui_button(u, name, r, a->tmp, BTN_NORMAL)) {
            snprintf(a->exam.id, sizeof a->exam.id, "%s", p->id);
            snprintf(a->exam.name, sizeof a->exam.name, "%s", p->name);
            app_go(a, SCR_IDENTIFY);
            identify_continue(a);
            break;
        }
        if ((i + 1) % (size_t)cols == 0 || i + 1 == a->exam.n_people)
            y += bh + u->gap;
    }
    a->exam.content_h = y + a->exam.scroll - area.y;
    if (a->exam.scroll > a->exam.content_h - area.h)
        a->exam.scroll = a->exam.content_h - area.h > 0 ? a->exam.content_h - area.h : 0;
    if (u->pass == UI_DRAW)
        plat_clip(u->p, 0, 0, 0, 0);
    int fy = u->h - u->unit - u->gap;
    if (ui_button(u, "back", ui_r(u->gap, fy, (u->w - 3 * u->gap) / 2, u->unit), app_t(a, "id.back"),
                  BTN_NORMAL))
        app_go(a, SCR_IDENTIFY);
}

/* ---- the second factor: code, date of birth or the proctor's PIN ---- */

static void start_or_resume(app *a, int i);

static void check_open(app *a, int i)
{
    a->exam.check_for_practice = false;
    a->exam.check_exam = i;
    memset(a->exam.check, 0, sizeof a->exam.check);
    a->exam.check_wait_until_ms = 0;
    app_go(a, SCR_CHECK);
}

/* What is typed as the trainee reads it: a date with its dots, as far as
 * it goes (3101 -> 31.01.), a PIN as dots. */
static void check_shown(const app *a, int kind, char *out, size_t cap)
{
    const char *d = a->exam.check;
    size_t n = strlen(d), o = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && o + 4 < cap; i++) {
        if (kind == SQ_IDENTITY_PROCTOR) {
            o += (size_t)snprintf(out + o, cap - o, "●");
            continue;
        }
        out[o++] = d[i];
        if (kind == SQ_IDENTITY_BIRTH_DATE && (i == 1 || i == 3))
            out[o++] = '.';
        out[o] = 0;
    }
}

static void check_submit(app *a)
{
    const sq_exam_info *x = &a->exam.exams[a->exam.check_exam];
    char answer[24];
    const char *d = a->exam.check;
    int64_t wait = 0;
    sq_err e;
    if (!d[0])
        return;
    if (x->identity == SQ_IDENTITY_BIRTH_DATE && strlen(d) == 8)
        snprintf(answer, sizeof answer, "%.2s.%.2s.%.4s", d, d + 2, d + 4);
    else
        snprintf(answer, sizeof answer, "%s", d);
    sq_status st = sq_identity_check(a->store, "kiosk", x->id, a->exam.id, answer, &wait, &e);
    memset(answer, 0, sizeof answer);
    memset(a->exam.check, 0, sizeof a->exam.check);
    a->dirty = true;
    switch (st) {
    case SQ_OK:
        a->exam.verified[a->exam.check_exam] = true;
        a->msg = NULL;
        if (a->exam.check_for_practice) {
            /* Practice under someone else's id is no practice of theirs. */
            a->exam.check_for_practice = false;
            practice_resume(a);
            return;
        }
        start_or_resume(a, a->exam.check_exam);
        return;
    case SQ_EAUTH:
        a->msg = x->identity == SQ_IDENTITY_CODE         ? "check.wrong_code"
                 : x->identity == SQ_IDENTITY_BIRTH_DATE ? "check.wrong_date"
                                                         : "check.wrong_pin";
        break;
    case SQ_EBUSY:
        a->msg = "check.wait";
        break;
    case SQ_EINVAL:
        a->msg = x->identity == SQ_IDENTITY_CODE         ? "check.bad_code"
                 : x->identity == SQ_IDENTITY_BIRTH_DATE ? "check.bad_date"
                                                         : "check.bad_pin";
        break;
    default:
        app_log_err("checking who is at the screen", &e);
        a->msg = "error.generic";
    }
    a->exam.check_wait_until_ms = wait > 0 ? app_now_ms(a) + wait : 0;
}

static void scr_check(app *a)
{
    ui *u = &a->u;
    const sq_exam_info *x = &a->exam.exams[a->exam.check_exam];
    int kind = x->identity;
    static const char *const prompts[] = {"", "check.code", "check.birth_date", "check.proctor"};
    /* Every message this screen can show: its place is as tall as the
     * tallest, so the keypad never moves under a finger. */
    static const char *const msgs[] = {"check.wrong_code", "check.wrong_date", "check.wrong_pin",
                                       "check.bad_code",   "check.bad_date",   "check.bad_pin",
                                       "error.generic"};
    int64_t left = a->exam.check_wait_until_ms - app_now_ms(a);
    bool waiting = left > 0;
    char msg[600] = "", n[16], shown[64];
    if (waiting) {
        snprintf(n, sizeof n, "%lld", (long long)(left + 999) / 1000);
        /* The wrong answer's own words first, then how long to wait. */
        if (a->msg && strcmp(a->msg, "check.wait") != 0)
            snprintf(msg, sizeof msg, "%s ", app_t(a, a->msg));
        size_t o = strlen(msg);
        i18n_fmt(a->t, a->lang, "check.wait", msg + o, sizeof msg - o, "n", n, NULL);
    } else if (a->msg && strcmp(a->msg, "check.wait") != 0) {
        snprintf(msg, sizeof msg, "%s", app_t(a, a->msg));
    }

    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    const char *who = a->exam.name[0] ? a->exam.name : a->exam.id;
    int y = app_header(a, app_t(a, "check.title"), who) + u->gap;
    int footer = u->unit + 2 * u->gap;
    bool wide = u->w > u->h;
    int tw = wide ? u->w / 2 - 3 * u->gap : u->w - 4 * u->gap;
    int ty = y;
    ty += ui_text(u, ui_r(2 * u->gap, ty, tw, 0), exam_title(a, x), u->px, true, u->th.muted,
                  ALIGN_LEFT);
    ty += ui_text(u, ui_r(2 * u->gap, ty, tw, 0), app_t(a, prompts[kind]), u->px, true, u->th.fg,
                  ALIGN_LEFT) +
          u->gap;
    /* The field: what is typed, or a faint DD.MM.YYYY before a date. */
    int dh = u->unit;
    check_shown(a, kind, shown, sizeof shown);
    bool hint = !shown[0] && kind == SQ_IDENTITY_BIRTH_DATE;
    ui_fill(u, ui_r(2 * u->gap, ty, tw, dh), u->th.panel);
    ui_outline(u, ui_r(2 * u->gap, ty, tw, dh), 2, u->th.accent);
    ui_text(u, ui_r(3 * u->gap, ty + (dh - plat_line_height(u->p, u->px * 3 / 2)) / 2,
                    tw - 2 * u->gap, dh),
            hint ? app_t(a, "check.date_hint") : shown, u->px * 3 / 2, true,
            hint ? u->th.muted : u->th.fg, ALIGN_CENTER);
    ty += dh + u->gap;
    int mh = 0;
    for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++) {
        char longest[600];
        /* With the wait after it, the longest a message gets. */
        snprintf(longest, sizeof longest, "%s ", app_t(a, msgs[i]));
        size_t o = strlen(longest);
        i18n_fmt(a->t, a->lang, "check.wait", longest + o, sizeof longest - o, "n", "3600", NULL);
        int h = ui_text_height(u, tw - 2 * u->gap, longest, u->px, false);
        if (h > mh)
            mh = h;
    }
    mh += 2 * u->gap;
    if (msg[0])
        app_message_box(a, ui_r(2 * u->gap, ty, tw, mh), msg, u->th.bad);
    ty += mh + u->gap;
    ui_rect pad = app_keypad_rect(a, wide, y, ty, footer);
    size_t max = kind == SQ_IDENTITY_PROCTOR ? 12 : 8;
    if (app_keypad(a, pad, "digit", a->exam.check, sizeof a->exam.check, max, !waiting)) {
        /* A new answer: the last one's words go, the wait's stay. */
        if (!waiting)
            a->msg = NULL;
        a->dirty = true;
    }
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    if (ui_button(u, "back", ui_r(u->gap, fy, bw, u->unit), app_t(a, "id.back"), BTN_NORMAL)) {
        memset(a->exam.check, 0, sizeof a->exam.check);
        app_go(a, SCR_EXAMS);
        return;
    }
    if (ui_button(u, "continue", ui_r(2 * u->gap + bw, fy, bw, u->unit), app_t(a, "id.continue"),
                  !waiting && a->exam.check[0] ? BTN_PRIMARY : BTN_DISABLED) &&
        !waiting && a->exam.check[0])
        check_submit(a);
}

/* ---- exam choice ---- */

static void start_or_resume(app *a, int i)
{
    sq_err e;
    a->exam.chosen = i;
    /* The exam's second factor first, for a new attempt and for one left
     * open alike: an open attempt is no proof of who is at the screen. */
    if (a->exam.exams[i].identity != SQ_IDENTITY_NONE && !a->exam.verified[i]) {
        check_open(a, i);
        return;
    }
    if (a->exam.open[i]) {
        if (sq_attempt_resume(a->store, a->exam.exams[i].id, a->exam.id, &a->exam.att, &e)) {
            app_log_err("resuming", &e);
            a->msg = "error.generic";
            return;
        }
        app_enter_attempt(a);
        return;
    }
    /* requires_practice: every topic mastered first (scr_practice.c). */
    if (sq_practice_required_met(a->store, a->exam.exams[i].id, a->exam.id, &e) == SQ_ESTATE) {
        a->msg = "practice.required";
        a->dirty = true;
        return;
    }
    /* An exam in training events: one of the trainee's open today. */
    if (!event_allows(a, &a->exam.exams[i]))
        return;
    sq_free(a->exam.desc);
    a->exam.desc = NULL;
    a->exam.desc_asked = -1;
    app_go(a, SCR_INFO);
}

static void scr_exams(app *a)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    const char *who = a->exam.name[0] ? a->exam.name : a->exam.id;
    int y = app_header(a, app_t(a, "exams.title"), who) + u->gap;
    int n = 0;
    for (size_t i = 0; i < a->exam.n_exams; i++) {
        if (!a->exam.eligible[i])
            continue;
        const sq_exam_info *x = &a->exam.exams[i];
        char l1[96], l2[96], l3[128], name[32];
        snprintf(l1, sizeof l1, "%s", "");
        i18n_fmt(a->t, a->lang, "exams.items", l1, sizeof l1, "n",
                 (snprintf(l3, sizeof l3, "%d", x->n_items), l3), NULL);
        if (x->time_limit_s)
            i18n_fmt(a->t, a->lang, "exams.minutes", l2, sizeof l2, "n",
                     (snprintf(l3, sizeof l3, "%d", x->time_limit_s / 60), l3), NULL);
        else
            snprintf(l2, sizeof l2, "%s", app_t(a, "info.no_limit"));
        char count[16];
        snprintf(count, sizeof count, "%d", a->exam.left[i]);
        const char *att = a->exam.open[i]       ? app_t(a, "exams.resume")
                          : a->exam.left[i] < 0 ? app_t(a, "exams.attempts_unlimited")
                                           : i18n_fmt(a->t, a->lang, "exams.attempts_left", l3,
                                                      sizeof l3, "n", count, NULL);
        snprintf(a->tmp, APP_TMP, "%s\n%s · %s · %s", exam_title(a, x), l1, l2, att);
        const sq_event_info *ev = exam_event_today(a, i);
        if (ev) {
            char from[16], to[16], evl[400];
            size_t len = strlen(a->tmp);
            i18n_fmt(a->t, a->lang, "exams.event", evl, sizeof evl, "name", event_name(ev, a->lang),
                     "from", day_shown(ev->from, from), "to", day_shown(ev->to, to), NULL);
            snprintf(a->tmp + len, APP_TMP - len, "\n%s", evl);
        }
        int th = ui_text_height(u, u->w - 4 * u->gap, a->tmp, u->px, true);
        ui_rect r = ui_r(u->gap, y, u->w - 2 * u->gap, th + 2 * u->gap);
        snprintf(name, sizeof name, "exam:%s", x->id);
        if (ui_button(u, name, r, a->tmp, a->exam.open[i] ? BTN_SELECTED : BTN_NORMAL))
            start_or_resume(a, (int)i);
        y += r.h + u->gap;
        n++;
    }
    if (n == 0)
        app_message_box(a, ui_r(u->gap, y, u->w - 2 * u->gap, 0), app_t(a, "exams.none"), u->th.muted);
    if (a->msg)
        app_message_box(a, ui_r(u->gap, y + u->unit, u->w - 2 * u->gap, 0),
                        strcmp(a->msg, "event.refused") == 0 && a->exam.event_msg[0]
                            ? a->exam.event_msg
                            : app_t(a, a->msg),
                        u->th.bad);
    /* The footer: back, then the study material (scr_learn.c) and
     * practice (scr_practice.c) when the exams listed have them, in equal
     * parts (back keeps half the width when it is alone). */
    bool learn = learn_available(a) > 0, practice = practice_any(a);
    int parts = 1 + (int)learn + (int)practice;
    if (parts < 2)
        parts = 2;
    int bw = (u->w - (parts + 1) * u->gap) / parts, fy = u->h - u->unit - u->gap;
    if (ui_button(u, "back", ui_r(u->gap, fy, bw, u->unit), app_t(a, "id.back"), BTN_NORMAL)) {
        app_to_welcome(a);
        return;
    }
    int fx = 2 * u->gap + bw;
    if (learn) {
        if (ui_button(u, "learn", ui_r(fx, fy, bw, u->unit), app_t(a, "exams.learn"), BTN_NORMAL)) {
            learn_open(a);
            return;
        }
        fx += bw + u->gap;
    }
    if (practice &&
        ui_button(u, "practice", ui_r(fx, fy, bw, u->unit), app_t(a, "practice.button"), BTN_PRIMARY))
        practice_open(a);
}

/* ---- instructions ---- */

static void scr_info(app *a)
{
    ui *u = &a->u;
    const sq_exam_info *x = &a->exam.exams[a->exam.chosen];
    /* The description, in the screen's language when the exam has it. */
    if (a->exam.desc_asked != a->lang) {
        sq_err e;
        sq_free(a->exam.desc);
        a->exam.desc = NULL;
        a->exam.desc_asked = a->lang;
        if (sq_catalog_exam_description(a->store, x->id, a->lang, &a->exam.desc, &a->exam.desc_lang,
                                        &e))
            app_log_err("reading the exam's description", &e);
    }
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int top = app_header(a, exam_title(a, x), NULL);
    char n1[16], n2[16], n3[16], line[256];
    snprintf(n1, sizeof n1, "%d", x->time_limit_s / 60);
    snprintf(n2, sizeof n2, "%d", x->n_items);
    snprintf(n3, sizeof n3, "%d", x->pass_percent);
    a->tmp[0] = 0;
    if (x->time_limit_s)
        i18n_fmt(a->t, a->lang, "info.duration", line, sizeof line, "n", n1, NULL);
    else
        snprintf(line, sizeof line, "%s", app_t(a, "info.no_limit"));
    size_t o = (size_t)snprintf(a->tmp, APP_TMP, "%s\n", line);
    i18n_fmt(a->t, a->lang, "info.items", line, sizeof line, "n", n2, NULL);
    o += (size_t)snprintf(a->tmp + o, APP_TMP - o, "%s\n", line);
    i18n_fmt(a->t, a->lang, "info.pass", line, sizeof line, "n", n3, NULL);
    o += (size_t)snprintf(a->tmp + o, APP_TMP - o, "%s\n", line);
    if (a->exam.left[a->exam.chosen] > 0) {
        snprintf(n1, sizeof n1, "%d", a->exam.left[a->exam.chosen] - 1);
        i18n_fmt(a->t, a->lang, "info.attempts", line, sizeof line, "n", n1, NULL);
        o += (size_t)snprintf(a->tmp + o, APP_TMP - o, "%s\n", line);
    }
    /* The description, the facts and how it goes scroll between the
     * header and the footer (a description may be long). */
    int footer = u->unit + 2 * u->gap;
    int reserved = a->msg ? 3 * u->unit : 0;
    ui_rect area = ui_r(0, top, u->w, u->h - top - footer - reserved);
    a->exam.scroll_area = area;
    if (u->pass == UI_DRAW)
        plat_clip(u->p, area.x, area.y, area.w, area.h);
    int pad = 2 * u->gap, w = u->w - 2 * pad;
    int y = area.y + u->gap - a->exam.scroll;
    if (a->exam.desc) {
        if (a->exam.desc_lang != a->lang) {
            static const char *const lang_keys[] = {"lang.kk", "lang.ru", "lang.en"};
            char note[256];
            i18n_fmt(a->t, a->lang, "info.description_lang", note, sizeof note, "lang",
                     app_t(a, lang_keys[a->exam.desc_lang]), NULL);
            y += ui_text(u, ui_r(pad, y, w, 0), note, u->px * 9 / 10, false, u->th.muted,
                         ALIGN_LEFT);
        }
        y += ui_text(u, ui_r(pad, y, w, 0), a->exam.desc, u->px, false, u->th.fg, ALIGN_LEFT) +
             u->gap;
    }
    y += ui_text(u, ui_r(pad, y, w, 0), a->tmp, u->px * 6 / 5, true, u->th.fg, ALIGN_LEFT) + u->gap;
    y += ui_text(u, ui_r(pad, y, w, 0), app_t(a, "info.how"), u->px, false, u->th.muted, ALIGN_LEFT);
    /* A running clock with a limit: the trainee should know that leaving
     * does not stop it. */
    if (x->time_limit_s && x->clock_running)
        y += u->gap + ui_text(u, ui_r(pad, y + u->gap, w, 0), app_t(a, "info.clock_running"),
                              u->px, true, u->th.fg, ALIGN_LEFT);
    a->exam.content_h = y + a->exam.scroll - area.y + u->gap;
    if (a->exam.scroll > a->exam.content_h - area.h)
        a->exam.scroll = a->exam.content_h - area.h > 0 ? a->exam.content_h - area.h : 0;
    if (u->pass == UI_DRAW) {
        plat_clip(u->p, 0, 0, 0, 0);
        /* A hint that there is more below (as on an item). */
        if (a->exam.content_h > area.h)
            ui_fill(u, ui_r(u->w - u->gap, area.y + area.h * a->exam.scroll / a->exam.content_h,
                            u->gap / 2, area.h * area.h / a->exam.content_h),
                    u->th.muted);
    }
    if (a->msg)
        app_message_box(a, ui_r(u->gap, u->h - footer - 3 * u->unit, u->w - 2 * u->gap, 0),
                    app_t(a, a->msg), u->th.bad);
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    if (ui_button(u, "back", ui_r(u->gap, fy, bw, u->unit), app_t(a, "id.back"), BTN_NORMAL))
        app_go(a, SCR_EXAMS);
    if (ui_button(u, "start", ui_r(2 * u->gap + bw, fy, bw, u->unit), app_t(a, "info.start"),
                  BTN_PRIMARY)) {
        sq_err e;
        if (sq_attempt_start(a->store, x->id, a->exam.id, a->exam.name[0] ? a->exam.name : NULL, &a->exam.att, &e)) {
            app_log_err("starting", &e);
            a->msg = "error.generic";
            return;
        }
        app_enter_attempt(a);
    }
}

/* ---- items ---- */

static void fmt_time(int64_t ms, char *out, size_t n)
{
    int64_t s = (ms + 999) / 1000;
    if (s >= 3600)
        snprintf(out, n, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    else
        snprintf(out, n, "%d:%02d", (int)(s / 60), (int)(s % 60));
}

static void finish(app *a, bool timed_out)
{
    sq_err e;
    if (sq_attempt_finish(a->exam.att, &a->exam.outcome, &e)) {
        app_log_err("submitting", &e);
        app_error(a, "error.generic", e.msg);
        return;
    }
    a->exam.timed_out = timed_out || a->exam.outcome.timed_out;
    /* The review is taken before the attempt is freed; without it the
     * result still stands, only the review is not offered. */
    sq_review_free(a->exam.review);
    a->exam.review = NULL;
    a->exam.review_pos = 0;
    if (a->exam.outcome.review >= SQ_REVIEW_MISTAKES &&
        sq_attempt_review(a->exam.att, a->lang, &a->exam.review, &e))
        app_log_err("preparing the review", &e);
    app_attempt_closed(a);
    a->ov = OV_NONE;
    app_go(a, SCR_RESULT);
}

static void move_to(app *a, int pos)
{
    sq_err e;
    if (pos < 0 || pos >= sq_attempt_count(a->exam.att))
        return;
    if (sq_attempt_goto(a->exam.att, pos, &e)) {
        app_log_err("moving", &e);
        return;
    }
    a->exam.pos = pos;
    a->exam.scroll = 0;
    a->exam.last_save_ms = app_now_ms(a);
    a->dirty = true;
}

/* Progress (title) and the time left, in the accent bar's colours, in r:
 * on one line if they fit, else two, smaller until they fit r's height;
 * the time turns warm in its last 5 minutes (not in contrast). */
static void bar_status(app *a, const char *title, ui_rect r)
{
    ui *u = &a->u;
    char tl[32], left[64];
    int64_t ms = sq_attempt_time_left_ms(a->exam.att);
    if (ms != INT64_MAX) {
        fmt_time(ms, tl, sizeof tl);
        i18n_fmt(a->t, a->lang, "item.time_left", left, sizeof left, "time", tl, NULL);
    } else {
        left[0] = 0;
    }
    snprintf(a->tmp, APP_TMP, "%s   %s", title, left);
    int px = u->px;
    if (ui_text_width(u, a->tmp, px, true) > r.w)
        snprintf(a->tmp, APP_TMP, "%s\n%s", title, left);
    while (px > 12 && ui_text_height(u, r.w, a->tmp, px, true) > r.h)
        px--;
    int th = ui_text_height(u, r.w, a->tmp, px, true);
    /* In contrast the bar is yellow, as the theme's warning colour is:
     * the time stays black there, readable, rather than warm. */
    plat_color tc =
        ms < 5 * 60000 && !a->contrast ? (plat_color){255, 226, 160, 255} : u->th.accent_fg;
    ui_text(u, ui_r(r.x, r.y + (r.h - th) / 2, r.w, r.h), a->tmp, px, true, tc, ALIGN_LEFT);
}

/* The top bar of the item screens: progress, time, text size, contrast,
 * language. Returns its height. */
static int item_bar(app *a, const char *title)
{
    ui *u = &a->u;
    /* Tools: A-, A+, contrast, the languages of the content. On a narrow
     * (portrait) screen they get a row of their own under the progress. */
    unsigned langs = sq_attempt_langs(a->exam.att);
    int n_langs = __builtin_popcount(langs) >= 2 ? __builtin_popcount(langs) : 0;
    int bw = u->unit * 5 / 4;
    int tools_w = bw * (2 + n_langs) + bw * 3 / 2;
    bool two_rows = tools_w > u->w / 2;
    int h = two_rows ? 2 * u->unit : u->unit;
    ui_fill(u, ui_r(0, 0, u->w, h), u->th.accent);
    int ty = two_rows ? u->unit : 0, x = u->w;
    if (two_rows && tools_w < u->w)
        x = tools_w + (u->w - tools_w) / 2;
    static const char *const lnames[] = {"content-kk", "content-ru", "content-en"};
    static const char *const lshort[] = {"ҚАЗ", "РУС", "ENG"};
    for (int l = N_LANGS - 1; l >= 0 && n_langs; l--) {
        if (!(langs & (1u << l)))
            continue;
        x -= bw;
        if (ui_button(u, lnames[l], ui_r(x + 2, ty + 2, bw - 4, u->unit - 4), lshort[l],
                      l == a->lang ? BTN_ON : BTN_NORMAL)) {
            a->lang = l;
            app_session_save(a);
        }
    }
    x = app_text_tools(a, x, ty, bw);
    bar_status(a, title, ui_r(u->gap, 0, (two_rows ? u->w : x) - 2 * u->gap, u->unit));
    return h;
}

/* A tap on option i of the item on screen: the selection it makes is
 * committed (sq_attempt_answer, one transaction) before the draw pass
 * that follows shows it, so what the trainee saw selected survives a
 * power cut. A failed write leaves the item as it was on screen too. */
static void answer_tapped(app *a, const sq_item_view *v, int i)
{
    sq_err e;
    bool sel = (v->selected >> i) & 1;
    uint32_t want = v->type == SQ_ITEM_MULTIPLE ? v->selected ^ (1u << i)
                    : sel                       ? 0
                                                : 1u << i;
    if (sq_attempt_answer(a->exam.att, a->exam.pos, want, &e))
        app_log_err("saving the answer", &e);
    a->exam.last_save_ms = app_now_ms(a);
    a->dirty = true;
}

/* The picture of item pos: decoded once, and kept while that item or one
 * next to it is on screen (prefetch decodes those of the neighbours). */
static const app_image *item_image(app *a, int pos, const char *item_id)
{
    app_image *slot = NULL;
    for (int i = 0; i < APP_IMAGES; i++)
        if (a->exam.images[i].pos == pos)
            return &a->exam.images[i];
    /* A free slot, else one of an item that is no longer next to the one
     * on screen; there is one while pos is that item or its neighbour. */
    for (int i = 0; i < APP_IMAGES && !slot; i++)
        if (a->exam.images[i].pos < 0 || abs(a->exam.images[i].pos - a->exam.pos) > 1)
            slot = &a->exam.images[i];
    if (!slot)
        slot = &a->exam.images[0];
    if (slot->handle)
        plat_image_free(a->u.p, slot->handle);
    *slot = (app_image){pos, 0, 0, 0};
    sq_err e;
    uint8_t *data = NULL;
    size_t len = 0;
    if (sq_attempt_image(a->exam.att, pos, &data, &len, NULL, 0, &e) == SQ_OK)
        slot->handle = plat_image_load(a->u.p, data, len, &slot->w, &slot->h);
    else
        app_log_err("reading an image", &e);
    sq_free(data);
    if (!slot->handle)
        fprintf(stderr, "synaq-kiosk: item %s: the image cannot be shown\n", item_id);
    return slot;
}

/* Cuts r to the part of it inside area (vertically); false when none. */
static bool visible_part(ui_rect *r, ui_rect area)
{
    if (r->y < area.y) {
        r->h -= area.y - r->y;
        r->y = area.y;
    }
    if (r->y + r->h > area.y + area.h)
        r->h = area.y + area.h - r->y;
    return r->h > 0;
}

/* ---- the picture viewer ---- */

/* The item's picture in the viewer (viewer.h), with the question's
 * number and the time left in its bar. The picture is the item's decoded
 * one (item_image): the viewer adds no texture. */

static void viewer_open(app *a)
{
    int scroll = a->exam.scroll;
    viewer_reset(&a->exam.viewer);
    a->exam.viewer.back_scroll = scroll;
    app_go(a, SCR_VIEWER);
}

/* Back to the item, where it was scrolled to. */
static void viewer_back(app *a)
{
    int scroll = a->exam.viewer.back_scroll;
    app_go(a, SCR_ITEM);
    a->exam.scroll = scroll;
}

/* The cue under a picture of the item, at y in a column of width w from
 * x: a magnifier and "tap to enlarge", centred. Returns its box. */
static ui_rect picture_cue(app *a, int y, int x, int w)
{
    ui *u = &a->u;
    const char *label = app_t(a, "item.enlarge");
    int px = u->px * 9 / 10, lh = plat_line_height(u->p, px);
    int icon = lh, bw = icon + u->gap + ui_text_width(u, label, px, false) + 2 * u->gap;
    if (bw > w)
        bw = w;
    int th = ui_text_height(u, bw - icon - 3 * u->gap, label, px, false);
    int h = (th > icon ? th : icon) + u->gap;
    ui_rect r = ui_r(x + (w - bw) / 2, y, bw, h);
    if (u->pass == UI_HIT)
        return r;
    /* The magnifier: a ring and its handle, drawn, not a glyph. */
    int t = icon / 8 > 2 ? icon / 8 : 2, rr = icon * 3 / 10;
    int cx = r.x + u->gap + rr + t, cy = r.y + (h - icon) / 2 + rr + t;
    if (u->pass == UI_DRAW) {
        ui_disc(u, cx, cy, rr, t, u->th.accent, false);
        for (int d = rr * 7 / 10; d <= rr * 7 / 10 + icon / 3; d++)
            ui_fill(u, ui_r(cx + d - t / 2, cy + d - t / 2, t + 1, t + 1), u->th.accent);
    }
    ui_text(u, ui_r(r.x + u->gap + icon + u->gap, r.y + (h - th) / 2, bw - icon - 3 * u->gap, th),
            label, px, false, u->th.accent, ALIGN_LEFT);
    return r;
}

static void scr_viewer(app *a)
{
    ui *u = &a->u;
    viewer_state *v = &a->exam.viewer;
    sq_err e;
    sq_item_view iv;
    if (sq_attempt_item(a->exam.att, a->exam.pos, a->lang, &iv, &e)) {
        app_error(a, "error.generic", e.msg);
        return;
    }
    ui_rect area, status;
    if (viewer_frame(a, "viewer.back", &area, &status)) {
        viewer_back(a);
        return;
    }
    char prog[32], cnt[16], tot[16];
    snprintf(cnt, sizeof cnt, "%d", a->exam.pos + 1);
    snprintf(tot, sizeof tot, "%d", sq_attempt_count(a->exam.att));
    i18n_fmt(a->t, a->lang, "item.progress", prog, sizeof prog, "n", cnt, "total", tot, NULL);
    bar_status(a, prog, status);
    const app_image *im = iv.has_image ? item_image(a, a->exam.pos, iv.item_id) : NULL;
    if (!im || !im->handle || im->w <= 0 || im->h <= 0 || area.h <= 0) {
        ui_text(u, ui_r(2 * u->gap, area.y + u->gap, u->w - 4 * u->gap, 0),
                app_t(a, "item.image_missing"), u->px, false, u->th.muted, ALIGN_CENTER);
        return;
    }
    viewer_picture(a, v, area, im->handle, im->w, im->h);
}

/* ---- the item ---- */

/* One pass of the item screen showing item pos scrolled by scroll: the
 * hit and draw passes show the trainee's (a->exam.pos), the prefetch pass
 * one that may come next, from the top, and changes nothing. */
static void item_pass(app *a, int pos, int scroll)
{
    ui *u = &a->u;
    bool ahead = u->pass == UI_PREFETCH;
    sq_err e;
    sq_item_view v;
    int n = sq_attempt_count(a->exam.att);
    if (sq_attempt_item(a->exam.att, pos, a->lang, &v, &e)) {
        if (!ahead)
            app_error(a, "error.generic", e.msg);
        return;
    }
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    char prog[32], cnt[16], tot[16];
    snprintf(cnt, sizeof cnt, "%d", pos + 1);
    snprintf(tot, sizeof tot, "%d", n);
    i18n_fmt(a->t, a->lang, "item.progress", prog, sizeof prog, "n", cnt, "total", tot, NULL);
    int top = item_bar(a, prog);
    int fh = u->unit + 2 * u->gap;
    /* Between the content and the footer, a strip of its own for "more
     * below": it never covers an option, and the content's height does
     * not depend on whether it shows. */
    int sh = u->unit * 3 / 4;
    ui_rect area = ui_r(0, top, u->w, u->h - top - fh - sh);
    ui_rect strip = ui_r(0, area.y + area.h, u->w, sh);
    if (!ahead)
        a->exam.scroll_area = area;

    /* The scrolling content: text, image, hint, options. */
    int pad = 2 * u->gap, w = u->w - 2 * pad;
    int tpx = u->px * 11 / 10;
    /* The clip also says which lines are rendered: prefetch sets it too. */
    if (u->pass != UI_HIT)
        plat_clip(u->p, area.x, area.y, area.w, area.h);
    int y = area.y + u->gap - scroll;
    if (v.text_lang != a->lang && v.text_lang >= 0) {
        char note[256];
        static const char *const lang_keys[] = {"lang.kk", "lang.ru", "lang.en"};
        i18n_fmt(a->t, a->lang, "item.fallback_lang", note, sizeof note, "lang",
                 app_t(a, lang_keys[v.text_lang]), NULL);
        y += ui_text(u, ui_r(pad, y, w, 0), note, u->px * 4 / 5, false, u->th.warn, ALIGN_LEFT);
    }
    y += ui_text(u, ui_r(pad, y, w, 0), v.text, tpx, true, u->th.fg, ALIGN_LEFT) + u->gap;
    if (v.has_image) {
        const app_image *im = item_image(a, pos, v.item_id);
        if (im->handle && im->w > 0) {
            int iw = im->w, ih = im->h, maxh = area.h * 2 / 5;
            if (iw > w) {
                ih = ih * w / iw;
                iw = w;
            }
            if (ih > maxh) {
                iw = iw * maxh / ih;
                ih = maxh;
            }
            if (iw < 1)
                iw = 1;
            if (ih < 1)
                ih = 1;
            ui_rect pic = ui_r(pad + (w - iw) / 2, y, iw, ih);
            if (u->pass == UI_DRAW)
                plat_image(u->p, im->handle, pic.x, pic.y, pic.w, pic.h);
            y += ih + u->gap / 2;
            /* The cue under it: a magnifier and "tap to enlarge". The
             * picture and the cue both open the viewer. */
            ui_rect cue = picture_cue(a, y, pad, w);
            if ((visible_part(&pic, area) && ui_area(u, "picture", pic) && !ahead) ||
                (visible_part(&cue, area) && ui_area(u, "enlarge", cue) && !ahead))
                viewer_open(a);
            y += cue.h + u->gap;
        } else {
            y += ui_text(u, ui_r(pad, y, w, 0), app_t(a, "item.image_missing"), u->px, false,
                         u->th.muted, ALIGN_LEFT) + u->gap;
        }
    }
    y += ui_text(u, ui_r(pad, y, w, 0),
                 app_t(a, v.type == SQ_ITEM_MULTIPLE ? "item.choose_many" : "item.choose_one"),
                 u->px * 9 / 10, false, u->th.muted, ALIGN_LEFT) + u->gap / 2;
    int mark = u->unit / 3;
    for (int i = 0; i < v.n_options; i++) {
        bool sel = (v.selected >> i) & 1;
        char label[16], name[16];
        snprintf(label, sizeof label, "%c", 'A' + i);
        snprintf(name, sizeof name, "option-%d", i + 1);
        int tw = w - mark - 4 * u->gap;
        int th = ui_text_height(u, tw, v.options[i], u->px, false);
        int oh = th + 2 * u->gap < u->unit ? u->unit : th + 2 * u->gap;
        ui_rect r = ui_r(pad, y, w, oh);
        /* Only the visible part of an option takes taps. */
        ui_rect hit = r;
        if (visible_part(&hit, area) && ui_area(u, name, hit)) {
            answer_tapped(a, &v, i);
        }
        if (u->pass != UI_HIT) {
            ui_fill(u, r, sel ? u->th.selected : u->th.panel);
            ui_outline(u, r, sel ? 3 : 1, sel ? u->th.selected : u->th.border);
            plat_color fg = sel ? u->th.selected_fg : u->th.fg;
            /* The mark: a square for "many", a circle for "one". */
            int mx = r.x + u->gap, my = r.y + (oh - mark) / 2;
            if (v.type == SQ_ITEM_MULTIPLE) {
                ui_outline(u, ui_r(mx, my, mark, mark), 2, fg);
                if (sel)
                    ui_fill(u, ui_r(mx + mark / 4, my + mark / 4, mark - mark / 2,
                                    mark - mark / 2), fg);
            } else {
                ui_disc(u, mx + mark / 2, my + mark / 2, mark / 2, 2, fg, sel);
            }
            ui_text(u, ui_r(mx + mark + u->gap, r.y + (oh - th) / 2, tw, th), v.options[i],
                    u->px, false, fg, ALIGN_LEFT);
            (void)label;
        }
        y += oh + u->gap;
    }
    if (!ahead) {
        a->exam.content_h = y + a->exam.scroll - area.y;
        /* Text size or language may have shortened the item: stay within it. */
        if (a->exam.scroll > a->exam.content_h - area.h)
            a->exam.scroll = a->exam.content_h - area.h > 0 ? a->exam.content_h - area.h : 0;
    }
    /* What is still below the fold, after this pass's layout. */
    int below = y - (area.y + area.h);
    if (u->pass != UI_HIT)
        plat_clip(u->p, 0, 0, 0, 0);
    if (u->pass == UI_DRAW && below > 0)
        /* The scroll bar. */
        ui_fill(u, ui_r(u->w - u->gap, area.y + area.h * a->exam.scroll / a->exam.content_h, u->gap / 2,
                        area.h * area.h / a->exam.content_h),
                u->th.muted);
    /* The strip: "more below" while there is more (a tap scrolls down by
     * most of a screen); empty at the end. */
    ui_fill(u, strip, u->th.bg);
    if (below > 0) {
        const char *lbl = app_t(a, "item.more_below");
        int bw2 = ui_text_width(u, lbl, u->px, true) + 6 * u->gap;
        if (bw2 > u->w - 4 * u->gap)
            bw2 = u->w - 4 * u->gap;
        if (ui_button(u, "more-below", ui_r((u->w - bw2) / 2, strip.y + 2, bw2, strip.h - 4), lbl,
                      BTN_QUIET) &&
            !ahead) {
            int max = a->exam.content_h - area.h;
            a->exam.scroll += area.h * 3 / 4;
            if (a->exam.scroll > max)
                a->exam.scroll = max > 0 ? max : 0;
            a->dirty = true;
        }
    }

    /* The footer: back, flag, all questions, next or finish. */
    int fy = u->h - u->unit - u->gap, bw = (u->w - 5 * u->gap) / 4;
    ui_fill(u, ui_r(0, u->h - fh, u->w, fh), u->th.panel);
    if (ui_button(u, "prev", ui_r(u->gap, fy, bw, u->unit), app_t(a, "item.prev"),
                  pos > 0 ? BTN_NORMAL : BTN_DISABLED))
        move_to(a, a->exam.pos - 1);
    if (ui_button(u, "flag", ui_r(2 * u->gap + bw, fy, bw, u->unit),
                  app_t(a, v.flagged ? "item.flagged" : "item.flag"),
                  v.flagged ? BTN_SELECTED : BTN_NORMAL)) {
        if (sq_attempt_flag(a->exam.att, a->exam.pos, !v.flagged, &e))
            app_log_err("flagging", &e);
        a->dirty = true;
    }
    if (ui_button(u, "grid", ui_r(3 * u->gap + 2 * bw, fy, bw, u->unit), app_t(a, "item.grid"),
                  BTN_NORMAL))
        app_go(a, SCR_GRID);
    bool last = pos == n - 1;
    if (ui_button(u, last ? "review" : "next", ui_r(4 * u->gap + 3 * bw, fy, bw, u->unit),
                  app_t(a, last ? "item.review" : "item.next"), BTN_PRIMARY)) {
        if (last) {
            app_go(a, SCR_REVIEW);
        } else {
            move_to(a, a->exam.pos + 1);
        }
    }
}

static void scr_item(app *a)
{
    item_pass(a, a->exam.pos, a->exam.scroll);
}

/* ---- the grid of questions ---- */

static void scr_grid(app *a)
{
    ui *u = &a->u;
    sq_err e;
    int n = sq_attempt_count(a->exam.att);
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = item_bar(a, app_t(a, "grid.title")) + u->gap;
    int cell = u->unit * 5 / 4;
    int cols = (u->w - u->gap) / (cell + u->gap);
    if (cols < 1)
        cols = 1;
    int x0 = (u->w - cols * (cell + u->gap) + u->gap) / 2;
    for (int i = 0; i < n; i++) {
        sq_item_view v;
        if (sq_attempt_item(a->exam.att, i, a->lang, &v, &e))
            continue;
        char label[16], name[16];
        snprintf(label, sizeof label, "%d", i + 1);
        snprintf(name, sizeof name, "goto-%d", i + 1);
        ui_rect r = ui_r(x0 + (i % cols) * (cell + u->gap), y + (i / cols) * (cell + u->gap),
                         cell, cell);
        if (ui_button(u, name, r, label, v.answered ? BTN_SELECTED : BTN_NORMAL)) {
            move_to(a, i);
            app_go(a, SCR_ITEM);
        }
        if (v.flagged)
            ui_fill(u, ui_r(r.x + r.w - r.w / 4 - 3, r.y + 3, r.w / 4, r.h / 4), u->th.flag);
        if (i == a->exam.pos)
            ui_outline(u, ui_r(r.x - 3, r.y - 3, r.w + 6, r.h + 6), 2, u->th.accent);
    }
    /* The legend. */
    int ly = y + ((n + cols - 1) / cols) * (cell + u->gap) + u->gap;
    int lh = plat_line_height(u->p, u->px);
    int sq = lh * 2 / 3, x = u->gap;
    const struct {
        const char *key;
        plat_color c;
    } leg[] = {{"grid.answered", u->th.selected}, {"grid.unanswered", u->th.button},
               {"grid.flagged", u->th.flag}};
    for (int i = 0; i < 3; i++) {
        const char *s = app_t(a, leg[i].key);
        int tw = ui_text_width(u, s, u->px, false);
        if (x + sq + u->gap + tw > u->w) {
            x = u->gap;
            ly += lh;
        }
        ui_fill(u, ui_r(x, ly + (lh - sq) / 2, sq, sq), leg[i].c);
        ui_outline(u, ui_r(x, ly + (lh - sq) / 2, sq, sq), 1, u->th.border);
        ui_text(u, ui_r(x + sq + u->gap / 2, ly, tw + 2, lh), s, u->px, false, u->th.fg, ALIGN_LEFT);
        x += sq + u->gap + tw + 2 * u->gap;
    }
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    if (ui_button(u, "close", ui_r(u->gap, fy, bw, u->unit), app_t(a, "grid.close"), BTN_NORMAL))
        app_go(a, SCR_ITEM);
    if (ui_button(u, "review", ui_r(2 * u->gap + bw, fy, bw, u->unit), app_t(a, "item.review"),
                  BTN_PRIMARY))
        app_go(a, SCR_REVIEW);
}

/* ---- review ---- */

static void scr_review(app *a)
{
    ui *u = &a->u;
    sq_err e;
    int n = sq_attempt_count(a->exam.att), answered, flagged;
    sq_attempt_progress(a->exam.att, &answered, &flagged);
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = item_bar(a, app_t(a, "review.title")) + u->gap;
    char s1[16], s2[16], s3[16], line[512];
    snprintf(s1, sizeof s1, "%d", answered);
    snprintf(s2, sizeof s2, "%d", n);
    snprintf(s3, sizeof s3, "%d", flagged);
    i18n_fmt(a->t, a->lang, "review.summary", line, sizeof line, "answered", s1, "total", s2,
             "flagged", s3, NULL);
    y += ui_text(u, ui_r(2 * u->gap, y, u->w - 4 * u->gap, 0), line, u->px * 6 / 5, true,
                 u->th.fg, ALIGN_LEFT) + u->gap;
    if (answered == n) {
        y += ui_text(u, ui_r(2 * u->gap, y, u->w - 4 * u->gap, 0), app_t(a, "review.all_answered"),
                     u->px, false, u->th.good, ALIGN_LEFT) + u->gap;
    }
    /* Unanswered and flagged questions, each a button to go back to it. */
    if (answered < n) {
        char list[512] = "";
        size_t o = 0;
        for (int i = 0; i < n && o + 8 < sizeof list; i++) {
            sq_item_view v;
            if (sq_attempt_item(a->exam.att, i, a->lang, &v, &e) == SQ_OK && !v.answered)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%d", o ? ", " : "", i + 1);
        }
        i18n_fmt(a->t, a->lang, "review.unanswered", line, sizeof line, "list", list, NULL);
        y += ui_text(u, ui_r(2 * u->gap, y, u->w - 4 * u->gap, 0), line, u->px, false, u->th.bad,
                     ALIGN_LEFT) + u->gap;
    }
    int cell = u->unit * 5 / 4, x = 2 * u->gap;
    for (int i = 0; i < n; i++) {
        sq_item_view v;
        if (sq_attempt_item(a->exam.att, i, a->lang, &v, &e) || (v.answered && !v.flagged))
            continue;
        char label[16], name[16];
        snprintf(label, sizeof label, "%d", i + 1);
        snprintf(name, sizeof name, "goto-%d", i + 1);
        if (x + cell > u->w - u->gap) {
            x = 2 * u->gap;
            y += cell + u->gap;
        }
        ui_rect r = ui_r(x, y, cell, cell);
        if (ui_button(u, name, r, label, v.answered ? BTN_SELECTED : BTN_NORMAL)) {
            move_to(a, i);
            app_go(a, SCR_ITEM);
        }
        if (v.flagged)
            ui_fill(u, ui_r(r.x + r.w - r.w / 4 - 3, r.y + 3, r.w / 4, r.h / 4), u->th.flag);
        x += cell + u->gap;
    }
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    if (ui_button(u, "back", ui_r(u->gap, fy, bw, u->unit), app_t(a, "review.back"), BTN_NORMAL))
        app_go(a, SCR_ITEM);
    if (ui_button(u, "submit", ui_r(2 * u->gap + bw, fy, bw, u->unit), app_t(a, "review.submit"),
                  BTN_PRIMARY)) {
        a->ov = OV_CONFIRM;
        a->dirty = true;
    }
}

/* ---- result ---- */

static void scr_result(app *a)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = app_header(a, app_t(a, "result.title"), NULL) + 2 * u->gap;
    int w = u->w - 4 * u->gap;
    if (a->exam.timed_out)
        y += ui_text(u, ui_r(2 * u->gap, y, w, 0),
                     app_t(a, a->exam.left_expired ? "result.timeout_away" : "result.timeout"),
                     u->px, false, u->th.warn, ALIGN_CENTER) + u->gap;
    if (a->exam.outcome.show_score) {
        char p[32], m[32], pc[16], line[256];
        snprintf(p, sizeof p, "%lld", (long long)(a->exam.outcome.points_milli / 1000));
        if (a->exam.outcome.points_milli % 1000)
            snprintf(p, sizeof p, "%.1f", a->exam.outcome.points_milli / 1000.0);
        snprintf(m, sizeof m, "%lld", (long long)(a->exam.outcome.max_milli / 1000));
        snprintf(pc, sizeof pc, "%d", a->exam.outcome.percent);
        const char *verdict = app_t(a, a->exam.outcome.passed ? "result.passed" : "result.failed");
        y += ui_text(u, ui_r(2 * u->gap, y, w, 0), verdict, u->px * 2, true,
                     a->exam.outcome.passed ? u->th.good : u->th.bad, ALIGN_CENTER) + u->gap;
        i18n_fmt(a->t, a->lang, "result.score", line, sizeof line, "points", p, "max", m,
                 "percent", pc, NULL);
        y += ui_text(u, ui_r(2 * u->gap, y, w, 0), line, u->px * 6 / 5, false, u->th.fg,
                     ALIGN_CENTER) + u->gap;
    }
    y += ui_text(u, ui_r(2 * u->gap, y, w, 0), app_t(a, "result.submitted"), u->px, false,
                 u->th.muted, ALIGN_CENTER) + u->gap;
    const sq_review *rv = a->exam.review;
    int bw = u->w * 2 / 3;
    if (rv && rv->n > 0) {
        char n[16], label[128];
        snprintf(n, sizeof n, "%d", rv->n);
        i18n_fmt(a->t, a->lang,
                 rv->mode == SQ_REVIEW_FULL ? "result.see_answers" : "result.see_mistakes", label,
                 sizeof label, "n", n, NULL);
        if (ui_button(u, "answers",
                      ui_r((u->w - bw) / 2, u->h - 2 * u->unit - 3 * u->gap, bw, u->unit), label,
                      BTN_NORMAL)) {
            a->exam.review_pos = 0;
            a->exam.scroll = 0;
            app_go(a, SCR_ANSWERS);
        }
    } else if (rv && rv->mode == SQ_REVIEW_MISTAKES) {
        ui_text(u, ui_r(2 * u->gap, y, w, 0), app_t(a, "result.no_mistakes"), u->px, false,
                u->th.good, ALIGN_CENTER);
    }
    if (ui_button(u, "done", ui_r((u->w - bw) / 2, u->h - u->unit - 2 * u->gap, bw, u->unit),
                  app_t(a, "result.done"), BTN_PRIMARY))
        app_to_welcome(a);
}

/* ---- the review after submission ---- */

/* "A, C" for the options in bits, or the word for none. */
static void option_letters(app *a, uint32_t bits, int n, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (int k = 0; k < n && o + 4 < size; k++)
        if (bits & (1u << k))
            o += (size_t)snprintf(out + o, size - o, "%s%c", o ? ", " : "", 'A' + k);
    if (o == 0)
        snprintf(out, size, "%s", app_t(a, "answers.none"));
}

/* One item of the review a page, scrolled like the item screen: the
 * question, its options marked right and chosen (in words as well as
 * colours), the trainee's answer and the right one, the explanation. */
static void scr_answers(app *a)
{
    ui *u = &a->u;
    const sq_review *rv = a->exam.review;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    if (!rv || rv->n == 0) { /* nothing to review: only the way back */
        app_header(a, app_t(a, "result.title"), NULL);
        if (ui_button(u, "answers-back",
                      ui_r(u->gap, u->h - u->unit - u->gap, u->w - 2 * u->gap, u->unit),
                      app_t(a, "answers.back"), BTN_PRIMARY))
            app_go(a, SCR_RESULT);
        return;
    }
    if (a->exam.review_pos < 0 || a->exam.review_pos >= rv->n)
        a->exam.review_pos = 0;
    const sq_review_item *it = &rv->items[a->exam.review_pos];
    char prog[32], cnt[16], tot[16], line[512], list[64];
    snprintf(cnt, sizeof cnt, "%d", a->exam.review_pos + 1);
    snprintf(tot, sizeof tot, "%d", rv->n);
    i18n_fmt(a->t, a->lang, "item.progress", prog, sizeof prog, "n", cnt, "total", tot, NULL);
    int top = app_header(
        a, app_t(a, rv->mode == SQ_REVIEW_FULL ? "answers.title_all" : "answers.title_mistakes"),
        prog);
    int fh = u->unit + 2 * u->gap, sh = u->unit * 3 / 4;
    /* As on the item screen, a strip of its own says "more below". */
    ui_rect area = ui_r(0, top, u->w, u->h - top - fh - sh);
    ui_rect strip = ui_r(0, area.y + area.h, u->w, sh);
    a->exam.scroll_area = area;
    int pad = 2 * u->gap, w = u->w - 2 * pad;
    if (u->pass != UI_HIT)
        plat_clip(u->p, area.x, area.y, area.w, area.h);
    int y = area.y + u->gap - a->exam.scroll;

    /* Which question, and how it went. */
    snprintf(cnt, sizeof cnt, "%d", it->pos + 1);
    i18n_fmt(a->t, a->lang, "answers.question", line, sizeof line, "n", cnt, NULL);
    y += ui_text(u, ui_r(pad, y, w, 0), line, u->px, true, u->th.muted, ALIGN_LEFT);
    plat_color vc = u->th.bad;
    if (it->right) {
        snprintf(line, sizeof line, "%s", app_t(a, "answers.right"));
        vc = u->th.good;
    } else if (it->points_milli > 0) {
        char p[32], m[32];
        snprintf(p, sizeof p, "%.1f", it->points_milli / 1000.0);
        snprintf(m, sizeof m, "%lld", (long long)(it->max_milli / 1000));
        i18n_fmt(a->t, a->lang, "answers.partly", line, sizeof line, "points", p, "max", m, NULL);
        vc = u->th.warn;
    } else {
        snprintf(line, sizeof line, "%s",
                 app_t(a, it->selected ? "answers.wrong" : "answers.unanswered"));
    }
    y += ui_text(u, ui_r(pad, y, w, 0), line, u->px, true, vc, ALIGN_LEFT) + u->gap / 2;
    y += ui_text(u, ui_r(pad, y, w, 0), it->text, u->px * 11 / 10, true, u->th.fg, ALIGN_LEFT) +
         u->gap;

    /* The options, as they were shown: a right one outlined in the good
     * colour, a wrong choice in the bad one, each also said in words. */
    for (int k = 0; k < it->n_options; k++) {
        bool right = (it->correct >> k) & 1, chosen = (it->selected >> k) & 1;
        char tag[160] = "";
        if (right && chosen)
            snprintf(tag, sizeof tag, "%s · %s", app_t(a, "answers.tag_yours"),
                     app_t(a, "answers.tag_right"));
        else if (right || chosen)
            snprintf(tag, sizeof tag, "%s",
                     app_t(a, right ? "answers.tag_right" : "answers.tag_yours"));
        /* The letter, then the option's text with a hanging indent: the
         * text is the source's, of any length, so it is never copied into
         * a buffer of ours (a long Russian option was cut at 512 bytes). */
        char letter[8];
        snprintf(letter, sizeof letter, "%c.", 'A' + k);
        int tw = w - 2 * u->gap;
        int lw = ui_text_width(u, "M.  ", u->px, true);
        /* Measured as drawn: a chosen option is in bold, which is wider. */
        int th = ui_text_height(u, tw - lw, it->options[k], u->px, chosen);
        int gh = tag[0] ? ui_text_height(u, tw, tag, u->px * 4 / 5, true) : 0;
        ui_rect r = ui_r(pad, y, w, th + gh + 2 * u->gap);
        plat_color edge = right ? u->th.good : chosen ? u->th.bad : u->th.border;
        if (u->pass != UI_HIT) {
            ui_fill(u, r, u->th.panel);
            ui_outline(u, r, right || chosen ? 3 : 1, edge);
        }
        ui_text(u, ui_r(r.x + u->gap, r.y + u->gap, lw, 0), letter, u->px, chosen, u->th.fg,
                ALIGN_LEFT);
        ui_text(u, ui_r(r.x + u->gap + lw, r.y + u->gap, tw - lw, th), it->options[k], u->px,
                chosen, u->th.fg, ALIGN_LEFT);
        if (tag[0])
            ui_text(u, ui_r(r.x + u->gap, r.y + u->gap + th, tw, gh), tag, u->px * 4 / 5, true,
                    right ? u->th.good : u->th.bad, ALIGN_LEFT);
        y += r.h + u->gap / 2;
    }
    y += u->gap / 2;
    option_letters(a, it->selected, it->n_options, list, sizeof list);
    i18n_fmt(a->t, a->lang, "answers.yours", line, sizeof line, "list", list, NULL);
    y += ui_text(u, ui_r(pad, y, w, 0), line, u->px, false, it->right ? u->th.good : u->th.bad,
                 ALIGN_LEFT);
    option_letters(a, it->correct, it->n_options, list, sizeof list);
    i18n_fmt(a->t, a->lang, "answers.correct", line, sizeof line, "list", list, NULL);
    y += ui_text(u, ui_r(pad, y, w, 0), line, u->px, true, u->th.good, ALIGN_LEFT) + u->gap;
    if (it->explanation) {
        y += ui_text(u, ui_r(pad, y, w, 0), app_t(a, "answers.explanation"), u->px, true,
                     u->th.fg, ALIGN_LEFT);
        y += ui_text(u, ui_r(pad, y, w, 0), it->explanation, u->px, false, u->th.fg,
                     ALIGN_LEFT) + u->gap;
    }
    a->exam.content_h = y + a->exam.scroll - area.y;
    if (a->exam.scroll > a->exam.content_h - area.h)
        a->exam.scroll = a->exam.content_h - area.h > 0 ? a->exam.content_h - area.h : 0;
    if (u->pass != UI_HIT)
        plat_clip(u->p, 0, 0, 0, 0);
    int below = y - (area.y + area.h);
    if (u->pass == UI_DRAW && below > 0)
        ui_fill(u, ui_r(u->w - u->gap, area.y + area.h * a->exam.scroll / a->exam.content_h,
                        u->gap / 2, area.h * area.h / a->exam.content_h),
                u->th.muted);
    ui_fill(u, strip, u->th.bg);
    if (below > 0) {
        const char *lbl = app_t(a, "item.more_below");
        int bw2 = ui_text_width(u, lbl, u->px, true) + 6 * u->gap;
        if (bw2 > u->w - 4 * u->gap)
            bw2 = u->w - 4 * u->gap;
        if (ui_button(u, "more-below", ui_r((u->w - bw2) / 2, strip.y + 2, bw2, strip.h - 4),
                      lbl, BTN_QUIET)) {
            int max = a->exam.content_h - area.h;
            a->exam.scroll += area.h * 3 / 4;
            if (a->exam.scroll > max)
                a->exam.scroll = max > 0 ? max : 0;
            a->dirty = true;
        }
    }

    /* The footer: the one before, the result, the next. */
    int fy = u->h - u->unit - u->gap, bw = (u->w - 4 * u->gap) / 3;
    ui_fill(u, ui_r(0, u->h - fh, u->w, fh), u->th.panel);
    if (ui_button(u, "answers-prev", ui_r(u->gap, fy, bw, u->unit), app_t(a, "item.prev"),
                  a->exam.review_pos > 0 ? BTN_NORMAL : BTN_DISABLED)) {
        a->exam.review_pos--;
        a->exam.scroll = 0;
        a->dirty = true;
    }
    if (ui_button(u, "answers-back", ui_r(2 * u->gap + bw, fy, bw, u->unit),
                  app_t(a, "answers.back"), BTN_NORMAL))
        app_go(a, SCR_RESULT);
    if (ui_button(u, "answers-next", ui_r(3 * u->gap + 2 * bw, fy, bw, u->unit),
                  app_t(a, "item.next"),
                  a->exam.review_pos + 1 < rv->n ? BTN_PRIMARY : BTN_DISABLED)) {
        a->exam.review_pos++;
        a->exam.scroll = 0;
        a->dirty = true;
    }
}

/* ---- error ---- */

static void scr_error(app *a)
{
    ui *u = &a->u;
    if (!plat_can_draw_text(u->p)) {
        /* No font opens at all: an unmistakable sign instead of words. */
        plat_color white = {255, 255, 255, 255};
        int bw = u->w / 24, bh = u->h / 3;
        ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bad);
        ui_fill(u, ui_r((u->w - bw) / 2, u->h / 5, bw, bh), white);
        ui_fill(u, ui_r((u->w - bw) / 2, u->h / 5 + bh + bw, bw, bw), white);
        return;
    }
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = u->h / 6;
    for (int l = 0; l < N_LANGS; l++) {
        y += ui_text(u, ui_r(2 * u->gap, y, u->w - 4 * u->gap, 0),
                     i18n_get(a->t, l, "error.title"), u->px, true, u->th.bad, ALIGN_CENTER);
        y += ui_text(u, ui_r(2 * u->gap, y, u->w - 4 * u->gap, 0),
                     i18n_get(a->t, l, a->error_key ? a->error_key : "error.generic"), u->px,
                     false, u->th.fg, ALIGN_CENTER) + u->gap;
    }
    if (a->error_detail[0])
        ui_text(u, ui_r(2 * u->gap, y + u->gap, u->w - 4 * u->gap, 0), a->error_detail,
                u->px * 3 / 4, false, u->th.muted, ALIGN_CENTER);
}


/* ---- overlays ---- */

bool exam_overlay(app *a)
{
    ui *u = &a->u;
    switch (a->ov) {
    case OV_CONFIRM: {
        ui_rect r = app_dialog(a, app_t(a, "confirm.title"), app_t(a, "confirm.text"), 1);
        int bw = (r.w - u->gap) / 2;
        if (ui_button(u, "confirm-no", ui_r(r.x, r.y, bw, u->unit), app_t(a, "confirm.no"),
                      BTN_NORMAL)) {
            a->ov = OV_NONE;
            a->dirty = true;
        }
        if (ui_button(u, "confirm-yes", ui_r(r.x + bw + u->gap, r.y, bw, u->unit),
                      app_t(a, "confirm.yes"), BTN_PRIMARY))
            finish(a, false);
        return true;
    }
    case OV_WARN5:
    case OV_WARN1: {
        ui_rect r = app_dialog(a, app_t(a, a->ov == OV_WARN5 ? "warn.5min" : "warn.1min"), "", 1);
        if (ui_button(u, "warn-ok", ui_r(r.x + r.w / 4, r.y, r.w / 2, u->unit), app_t(a, "warn.ok"),
                      BTN_PRIMARY)) {
            a->ov = OV_NONE;
            a->dirty = true;
        }
        return true;
    }
    default:
        return false;
    }
}

/* ---- prefetch ---- */

/* While the trainee reads, the kiosk renders into the text cache what the
 * next tap is likely to show, so that the frame after it finds its texts
 * there. The first view of an item otherwise hints glyphs seen for the
 * first time, fills new textures and decodes the picture, some times the
 * work of a frame drawn from the cache. The targets, likeliest first: from
 * an item, the next, the one before, the grid, and the review from the
 * last item; from the grid, the item it closes to and the review; from the
 * review, the item it goes back to. A target is two steps: its picture,
 * decoded (an item's texts are placed below it), then its texts, one at a
 * time. Nothing here reads a clock: prefetch runs when the loop has
 * nothing else to do (screens.h). */

#define PREFETCH_TEXTS 1   /* texts rendered a slice: a tap waits for one at most */
#define PREFETCH_TARGETS 4

typedef enum { PF_ITEM, PF_GRID, PF_REVIEW } pf_kind;

typedef struct {
    pf_kind kind;
    int pos;
    int scroll; /* PF_ITEM: scrolled by */
} pf_target;

static int prefetch_targets(app *a, pf_target *t)
{
    int n = 0, count = sq_attempt_count(a->exam.att), pos = a->exam.pos;
    switch (a->scr) {
    case SCR_ITEM:
        if (pos + 1 < count)
            t[n++] = (pf_target){PF_ITEM, pos + 1, 0};
        if (pos > 0)
            t[n++] = (pf_target){PF_ITEM, pos - 1, 0};
        t[n++] = (pf_target){PF_GRID, pos, 0};
        if (pos == count - 1)
            t[n++] = (pf_target){PF_REVIEW, pos, 0};
        break;
    case SCR_GRID:
        t[n++] = (pf_target){PF_ITEM, pos, 0};
        t[n++] = (pf_target){PF_REVIEW, pos, 0};
        break;
    case SCR_REVIEW:
        t[n++] = (pf_target){PF_ITEM, pos, 0};
        break;
    case SCR_VIEWER:
        /* Back to the item, where it was scrolled. */
        t[n++] = (pf_target){PF_ITEM, pos, a->exam.viewer.back_scroll};
        break;
    default:
        break;
    }
    return n;
}

/* What the targets' texts depend on: when it changes, prefetch starts
 * over (texts already in the cache cost a look-up). The clock is not in
 * it: its digits are drawn one by one from the cache. */
static uint64_t prefetch_key(app *a)
{
    int answered = 0, flagged = 0;
    sq_attempt_progress(a->exam.att, &answered, &flagged);
    int64_t left = sq_attempt_time_left_ms(a->exam.att);
    int64_t k[] = {a->scr, a->exam.pos, a->lang, a->text_step, a->contrast, a->u.w, a->u.h,
                   answered, left < 5 * 60000};
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        h = (h ^ (uint64_t)k[i]) * 0x100000001b3ull;
    return h | 1; /* 0: a new attempt (app_enter_attempt) */
}

bool exam_prefetch_pending(app *a)
{
    if (!a->exam.att)
        return false;
    uint64_t key = prefetch_key(a);
    if (key != a->exam.prefetch_key) {
        a->exam.prefetch_key = key;
        a->exam.prefetch_step = 0;
    }
    pf_target t[PREFETCH_TARGETS];
    return a->exam.prefetch_step < 2 * prefetch_targets(a, t);
}

bool exam_prefetch(app *a)
{
    if (!exam_prefetch_pending(a))
        return false;
    ui *u = &a->u;
    pf_target t[PREFETCH_TARGETS];
    int steps = 2 * prefetch_targets(a, t);
    int *step = &a->exam.prefetch_step;
    while (*step < steps) {
        const pf_target *g = &t[*step / 2];
        if (*step % 2 == 0) {
            (*step)++;
            sq_item_view v;
            sq_err e;
            bool held = false;
            if (g->kind != PF_ITEM || sq_attempt_item(a->exam.att, g->pos, a->lang, &v, &e) ||
                !v.has_image)
                continue;
            for (int i = 0; i < APP_IMAGES; i++)
                held |= a->exam.images[i].pos == g->pos;
            if (held)
                continue;
            item_image(a, g->pos, v.item_id);
            return *step < steps;
        }
        ui_pass was = u->pass;
        ui_begin_prefetch(u, PREFETCH_TEXTS);
        if (g->kind == PF_ITEM)
            item_pass(a, g->pos, g->scroll);
        else if (g->kind == PF_GRID)
            scr_grid(a);
        else
            scr_review(a);
        u->pass = was;
        bool worked = u->prefetch_budget < PREFETCH_TEXTS;
        if (u->prefetch_status == PLAT_PREFETCH_FULL) {
            /* No room left but what is on screen or already prefetched. */
            *step = steps;
            return false;
        }
        if (u->prefetch_status == PLAT_PREFETCH_DONE)
            (*step)++;
        if (worked)
            return *step < steps;
    }
    return false;
}

/* ---- dispatch, input and timers ---- */

bool exam_screen(app *a)
{
    switch (a->scr) {
    case SCR_WELCOME: scr_welcome(a); return true;
    case SCR_IDENTIFY: scr_identify(a); return true;
    case SCR_ROSTER: scr_roster(a); return true;
    case SCR_EXAMS: scr_exams(a); return true;
    case SCR_INFO: scr_info(a); return true;
    case SCR_ITEM: scr_item(a); return true;
    case SCR_GRID: scr_grid(a); return true;
    case SCR_REVIEW: scr_review(a); return true;
    case SCR_RESULT: scr_result(a); return true;
    case SCR_ANSWERS: scr_answers(a); return true;
    case SCR_ERROR: scr_error(a); return true;
    case SCR_CHECK: scr_check(a); return true;
    case SCR_VIEWER: scr_viewer(a); return true;
    default: return false;
    }
}

void exam_pinch(app *a, int x, int y, float scale)
{
    if (a->scr != SCR_VIEWER || a->ov != OV_NONE)
        return;
    if (viewer_pinch(&a->exam.viewer, x, y, scale))
        a->dirty = true;
}

void exam_drag(app *a, int dx, int dy)
{
    if (a->scr == SCR_VIEWER) {
        if (a->ov != OV_NONE)
            return;
        viewer_drag(&a->exam.viewer, dx, dy);
        a->dirty = true;
        return;
    }
    if (a->scr != SCR_ITEM && a->scr != SCR_ROSTER && a->scr != SCR_INFO &&
        a->scr != SCR_ANSWERS)
        return;
    int max = a->exam.content_h - a->exam.scroll_area.h;
    a->exam.scroll -= dy;
    if (a->exam.scroll > max)
        a->exam.scroll = max;
    if (a->exam.scroll < 0)
        a->exam.scroll = 0;
    a->dirty = true;
}

/* A physical keyboard's digits on the check screen (a proctor's USB
 * keypad): as taps on the keypad. */
static bool check_type(app *a, const char *text)
{
    size_t max = a->exam.exams[a->exam.check_exam].identity == SQ_IDENTITY_PROCTOR ? 12 : 8;
    if (a->exam.check_wait_until_ms > app_now_ms(a))
        return true;
    for (; *text; text++) {
        size_t n = strlen(a->exam.check);
        if (*text >= '0' && *text <= '9' && n < max && n + 1 < sizeof a->exam.check) {
            a->exam.check[n] = *text;
            a->exam.check[n + 1] = 0;
            a->msg = NULL;
        }
    }
    a->dirty = true;
    return true;
}

bool exam_type(app *a, const char *text)
{
    if (a->scr == SCR_CHECK)
        return check_type(a, text);
    if (a->scr != SCR_IDENTIFY)
        return false;
    if (a->exam.field == 0)
        kbd_append(a->exam.id, sizeof a->exam.id, 32, text);
    else
        kbd_append(a->exam.name, sizeof a->exam.name, 80, text);
    a->msg = NULL;
    a->dirty = true;
    return true;
}

bool exam_key(app *a, int key)
{
    if (a->scr == SCR_VIEWER) {
        if (key == PLAT_KEY_BACK && a->ov == OV_NONE)
            viewer_back(a);
        return true;
    }
    if (a->scr == SCR_CHECK) {
        if (key == PLAT_KEY_BACKSPACE)
            kbd_backspace(a->exam.check);
        else if (key == PLAT_KEY_ENTER && a->exam.check_wait_until_ms <= app_now_ms(a))
            check_submit(a);
        a->dirty = true;
        return true;
    }
    if (a->scr != SCR_IDENTIFY)
        return false;
    if (key == PLAT_KEY_BACKSPACE)
        kbd_backspace(a->exam.field == 0 ? a->exam.id : a->exam.name);
    else if (key == PLAT_KEY_ENTER)
        identify_continue(a);
    a->dirty = true;
    return true;
}

/* The wait on the check screen: its countdown changes every second, and
 * its end opens the keypad again. */
static int check_tick(app *a, int64_t now)
{
    if (a->scr != SCR_CHECK || !a->exam.check_wait_until_ms)
        return -1;
    int64_t left = a->exam.check_wait_until_ms - now;
    if (left <= 0) {
        a->exam.check_wait_until_ms = 0;
        a->dirty = true;
        return -1;
    }
    int64_t shown = (left + 999) / 1000;
    if (shown != a->shown_s) {
        a->shown_s = shown;
        a->dirty = true;
    }
    return (int)(left % 1000 ? left % 1000 : 1000);
}

int exam_tick(app *a, int64_t now)
{
    if (!a->exam.att)
        return check_tick(a, now);
    sq_err e;
    int64_t left = sq_attempt_time_left_ms(a->exam.att);
    if (left == 0) {
        finish(a, true);
        return -1;
    }
    if (now - a->exam.last_save_ms >= APP_SAVE_MS) {
        if (sq_attempt_tick(a->exam.att, &e))
            app_log_err("saving the time", &e);
        a->exam.last_save_ms = now;
    }
    if (left == INT64_MAX)
        return (int)(APP_SAVE_MS - (now - a->exam.last_save_ms));
    if (!a->exam.warned1 && left <= 60000) {
        a->exam.warned1 = a->exam.warned5 = true;
        a->ov = OV_WARN1;
        a->dirty = true;
    } else if (!a->exam.warned5 && left <= 5 * 60000) {
        a->exam.warned5 = true;
        a->ov = OV_WARN5;
        a->dirty = true;
    }
    /* Draw when the second on screen changes, not on every wake-up; the
     * save rides on these ticks rather than waking us itself. */
    int64_t shown = (left + 999) / 1000;
    if (shown != a->shown_s) {
        a->shown_s = shown;
        a->dirty = true;
    }
    return (int)(left % 1000 ? left % 1000 : 1000);
}
