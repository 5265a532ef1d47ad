/*
 * scr_practice.c - the trainee's practice (scr_practice.h): topics with
 * progress, then items with immediate feedback. The item is drawn as on
 * the exam's item screen (text size, contrast), the feedback as on the
 * review after an exam (the right answer outlined in the good colour, a
 * wrong choice in the bad one, each also said in words).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scr_practice.h"
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

static void drop_image(app *a)
{
    if (a->exam.prac_img.handle)
        plat_image_free(a->u.p, a->exam.prac_img.handle);
    a->exam.prac_img = (app_image){0, 0, 0, 0};
}

/* The picture of the practice item on screen (v->pos): decoded once. */
static const app_image *item_image(app *a, const sq_item_view *v)
{
    if (a->exam.prac_img.pos == v->pos + 1)
        return &a->exam.prac_img;
    drop_image(a);
    a->exam.prac_img.pos = v->pos + 1;
    sq_err e;
    uint8_t *data = NULL;
    size_t len = 0;
    if (sq_practice_image(a->exam.prac, &data, &len, NULL, 0, &e) == SQ_OK)
        a->exam.prac_img.handle =
            plat_image_load(a->u.p, data, len, &a->exam.prac_img.w, &a->exam.prac_img.h);
    else
        app_log_err("reading an image", &e);
    sq_free(data);
    if (!a->exam.prac_img.handle)
        fprintf(stderr, "synaq-kiosk: item %s: the image cannot be shown\n", v->item_id);
    return &a->exam.prac_img;
}

/* Loads every listed exam's topics with the trainee's progress. */
static void load_topics(app *a)
{
    sq_err e;
    for (size_t i = 0; i < a->exam.n_exams && i < APP_MAX_EXAMS; i++) {
        sq_practice_topics_free(a->exam.ptopics[i], a->exam.n_ptopics[i]);
        a->exam.ptopics[i] = NULL;
        a->exam.n_ptopics[i] = 0;
        if (!a->exam.eligible[i])
            continue;
        if (sq_practice_topics(a->store, a->exam.exams[i].id, a->exam.id, a->lang,
                               &a->exam.ptopics[i], &a->exam.n_ptopics[i], &e))
            app_log_err("listing practice", &e);
    }
}

bool practice_any(app *a)
{
    if (a->exam.prac_any_of && a->exam.prac_any_of == a->exam.exams)
        return a->exam.prac_any;
    bool any = false;
    for (size_t i = 0; i < a->exam.n_exams && i < APP_MAX_EXAMS && !any; i++) {
        bool has = false;
        sq_err e;
        if (a->exam.eligible[i] &&
            sq_practice_info(a->store, a->exam.exams[i].id, &has, NULL, &e) == SQ_OK)
            any = has;
    }
    a->exam.prac_any_of = a->exam.exams;
    a->exam.prac_any = any;
    return any;
}

void practice_open(app *a)
{
    sq_practice_free(a->exam.prac);
    a->exam.prac = NULL;
    sq_practice_feedback_clear(&a->exam.prac_fb);
    a->exam.prac_fb_on = false;
    load_topics(a);
    app_go(a, SCR_PRACTICE);
}

/* "3 right of the last 5 (need 4) · mastered ✓" */
static void progress_line(app *a, const sq_practice_topic *t, char *out, size_t cap)
{
    char n[16], g[16], m[16], line[256];
    snprintf(n, sizeof n, "%d", t->progress);
    snprintf(g, sizeof g, "%d", t->goal);
    snprintf(m, sizeof m, "%d", t->n);
    if (t->kind == SQ_MASTERY_ALL)
        i18n_fmt(a->t, a->lang, "practice.rule_all", line, sizeof line, "n", n, "total", g, NULL);
    else if (t->kind == SQ_MASTERY_M_OF_N)
        i18n_fmt(a->t, a->lang, "practice.rule_m_of_n", line, sizeof line, "n", n, "last", m,
                 "m", g, NULL);
    else
        i18n_fmt(a->t, a->lang, "practice.rule_streak", line, sizeof line, "n", n, "goal", g,
                 NULL);
    if (t->mastered)
        snprintf(out, cap, "%s · %s", line, app_t(a, "practice.mastered"));
    else
        snprintf(out, cap, "%s", line);
}

static void start(app *a, int exam, const char *topic)
{
    sq_err e;
    /* The exam's second factor, as before the exam itself: practice
     * counts toward the trainee's mastery (requires_practice). */
    const sq_exam_info *x = &a->exam.exams[exam];
    if (x->identity != SQ_IDENTITY_NONE && !a->exam.verified[exam]) {
        a->exam.prac_exam = exam;
        snprintf(a->exam.prac_topic, sizeof a->exam.prac_topic, "%s", topic ? topic : "");
        a->exam.check_exam = exam;
        memset(a->exam.check, 0, sizeof a->exam.check);
        a->exam.check_wait_until_ms = 0;
        app_go(a, SCR_CHECK);
        a->exam.check_for_practice = true;
        return;
    }
    sq_practice_free(a->exam.prac);
    a->exam.prac = NULL;
    sq_practice_feedback_clear(&a->exam.prac_fb);
    a->exam.prac_fb_on = false;
    a->exam.prac_sel = 0;
    a->exam.prac_done = 0;
    drop_image(a);
    sq_status st = sq_practice_open(a->store, a->exam.exams[exam].id, a->exam.id, topic,
                                    &a->exam.prac, &e);
    if (st) {
        app_log_err("opening practice", &e);
        a->msg = st == SQ_ESTATE ? "practice.in_exam" : "error.generic";
        return;
    }
    a->exam.prac_exam = exam;
    snprintf(a->exam.prac_topic, sizeof a->exam.prac_topic, "%s", topic ? topic : "");
    app_go(a, SCR_PRACTICE_ITEM);
}

void practice_resume(app *a)
{
    char topic[64];
    snprintf(topic, sizeof topic, "%s", a->exam.prac_topic);
    if (a->exam.prac_exam < 0 || (size_t)a->exam.prac_exam >= a->exam.n_exams) {
        practice_open(a);
        return;
    }
    start(a, a->exam.prac_exam, topic[0] ? topic : NULL);
    if (a->scr != SCR_PRACTICE_ITEM) {
        /* It could not open: the topics, with the reason. */
        const char *msg = a->msg;
        practice_open(a);
        a->msg = msg;
    }
}

/* A scrolling area between the header and a footer of height fh, above
 * a strip of its own for "more below" (as on the item screen). */
static ui_rect scroll_area(app *a, int top, int fh)
{
    ui *u = &a->u;
    ui_rect area = ui_r(0, top, u->w, u->h - top - fh - u->unit * 3 / 4);
    a->exam.scroll_area = area;
    if (u->pass != UI_HIT)
        plat_clip(u->p, area.x, area.y, area.w, area.h);
    return area;
}

static void scroll_end(app *a, ui_rect area, int y)
{
    ui *u = &a->u;
    a->exam.content_h = y + a->exam.scroll - area.y;
    if (a->exam.scroll > a->exam.content_h - area.h)
        a->exam.scroll = a->exam.content_h - area.h > 0 ? a->exam.content_h - area.h : 0;
    if (u->pass != UI_HIT)
        plat_clip(u->p, 0, 0, 0, 0);
    int below = y - (area.y + area.h);
    if (u->pass == UI_DRAW && below > 0 && a->exam.content_h > 0)
        ui_fill(u, ui_r(u->w - u->gap, area.y + area.h * a->exam.scroll / a->exam.content_h,
                        u->gap / 2, area.h * area.h / a->exam.content_h),
                u->th.muted);
    /* The strip: "more below" while there is more (a tap scrolls down by
     * most of a screen). */
    ui_rect strip = ui_r(0, area.y + area.h, u->w, u->unit * 3 / 4);
    ui_fill(u, strip, u->th.bg);
    if (below > 0) {
        const char *lbl = app_t(a, "item.more_below");
        int bw = ui_text_width(u, lbl, u->px, true) + 6 * u->gap;
        if (bw > u->w - 4 * u->gap)
            bw = u->w - 4 * u->gap;
        if (ui_button(u, "more-below", ui_r((u->w - bw) / 2, strip.y + 2, bw, strip.h - 4), lbl,
                      BTN_QUIET)) {
            int max = a->exam.content_h - area.h;
            a->exam.scroll += area.h * 3 / 4;
            if (a->exam.scroll > max)
                a->exam.scroll = max > 0 ? max : 0;
            a->dirty = true;
        }
    }
}

/* Only the visible part of a widget takes taps. */
static bool visible(ui_rect *r, ui_rect area)
{
    int top = r->y > area.y ? r->y : area.y;
    int bot = r->y + r->h < area.y + area.h ? r->y + r->h : area.y + area.h;
    if (bot <= top)
        return false;
    r->y = top;
    r->h = bot - top;
    return true;
}

/* ---- the topics ---- */

static void scr_topics(app *a)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    const char *who = a->exam.name[0] ? a->exam.name : a->exam.id;
    int top = app_header(a, app_t(a, "practice.title"), who);
    int fh = u->unit + 2 * u->gap;
    ui_rect area = scroll_area(a, top, fh);
    int pad = u->gap, w = u->w - 2 * pad;
    int y = area.y + u->gap - a->exam.scroll;
    int listed = 0;
    for (size_t i = 0; i < a->exam.n_exams && i < APP_MAX_EXAMS; i++) {
        size_t nt = a->exam.n_ptopics[i];
        if (nt == 0)
            continue;
        listed++;
        y += ui_text(u, ui_r(pad, y, w, 0), exam_title(a, &a->exam.exams[i]), u->px, true,
                     u->th.muted, ALIGN_LEFT) + u->gap / 2;
        for (size_t k = 0; k <= nt; k++) {
            char name[160], line[320];
            const char *topic = NULL;
            if (k == nt) {
                /* The whole bank, when there is more than one topic. */
                if (nt < 2)
                    break;
                snprintf(a->tmp, APP_TMP, "%s", app_t(a, "practice.all_topics"));
                snprintf(name, sizeof name, "practice-all:%s", a->exam.exams[i].id);
            } else {
                const sq_practice_topic *t = &a->exam.ptopics[i][k];
                progress_line(a, t, line, sizeof line);
                snprintf(a->tmp, APP_TMP, "%s\n%s", t->title ? t->title : t->topic, line);
                snprintf(name, sizeof name, "practice:%s:%s", a->exam.exams[i].id,
                         t->topic[0] ? t->topic : "all");
                topic = t->topic;
            }
            int th = ui_text_height(u, w - 2 * u->gap, a->tmp, u->px, true);
            ui_rect r = ui_r(pad, y, w, th + 2 * u->gap < u->unit ? u->unit : th + 2 * u->gap);
            ui_rect hit = r;
            bool vis = visible(&hit, area);
            bool mastered = k < nt && a->exam.ptopics[i][k].mastered;
            if (ui_button(u, name, u->pass == UI_HIT ? hit : r, a->tmp, BTN_NORMAL) && vis) {
                start(a, (int)i, topic);
                return;
            }
            if (mastered && u->pass != UI_HIT)
                ui_outline(u, r, 3, u->th.good);
            y += r.h + u->gap / 2;
        }
        y += u->gap;
    }
    if (listed == 0)
        y += ui_text(u, ui_r(pad, y, w, 0), app_t(a, "practice.none"), u->px, false, u->th.muted,
                     ALIGN_LEFT);
    if (a->msg) {
        app_message_box(a, ui_r(pad, y, w, 0), app_t(a, a->msg), u->th.bad);
        y += ui_text_height(u, w - 2 * u->gap, app_t(a, a->msg), u->px, false) + 3 * u->gap;
    }
    scroll_end(a, area, y);
    int fy = u->h - u->unit - u->gap;
    ui_fill(u, ui_r(0, u->h - fh, u->w, fh), u->th.panel);
    if (ui_button(u, "practice-back", ui_r(u->gap, fy, (u->w - 3 * u->gap) / 2, u->unit),
                  app_t(a, "id.back"), BTN_NORMAL))
        app_go(a, SCR_EXAMS);
}

/* ---- an item ---- */

/* The bar: what is practised and how many answered; text size, contrast. */
static int item_bar(app *a)
{
    ui *u = &a->u;
    int bw = u->unit * 5 / 4, tools_w = bw * 2 + bw * 3 / 2;
    bool two_rows = tools_w > u->w / 2;
    int h = two_rows ? 2 * u->unit : u->unit, ty = two_rows ? u->unit : 0;
    ui_fill(u, ui_r(0, 0, u->w, h), u->th.accent);
    int x = two_rows ? u->w - (u->w - tools_w) / 2 : u->w;
    x = app_text_tools(a, x, ty, bw);
    /* "Practice: Law · Answered: 3" */
    const char *what = app_t(a, "practice.all_topics");
    int e = a->exam.prac_exam;
    for (size_t k = 0; e >= 0 && e < APP_MAX_EXAMS && k < a->exam.n_ptopics[e]; k++)
        if (a->exam.prac_topic[0] && !strcmp(a->exam.ptopics[e][k].topic, a->exam.prac_topic) &&
            a->exam.ptopics[e][k].title)
            what = a->exam.ptopics[e][k].title;
    char n[16], count[128];
    snprintf(n, sizeof n, "%d", a->exam.prac_done);
    i18n_fmt(a->t, a->lang, "practice.count", count, sizeof count, "n", n, NULL);
    snprintf(a->tmp, APP_TMP, "%s · %s\n%s", app_t(a, "practice.title"), what, count);
    ui_rect r = ui_r(u->gap, 0, (two_rows ? u->w : x) - 2 * u->gap, u->unit);
    int px = u->px;
    while (px > 12 && ui_text_height(u, r.w, a->tmp, px, true) > r.h)
        px--;
    int th = ui_text_height(u, r.w, a->tmp, px, true);
    ui_text(u, ui_r(r.x, r.y + (r.h - th) / 2, r.w, r.h), a->tmp, px, true, u->th.accent_fg,
            ALIGN_LEFT);
    return h;
}

static void check_answer(app *a)
{
    sq_err e;
    sq_practice_feedback_clear(&a->exam.prac_fb);
    if (sq_practice_answer(a->exam.prac, a->exam.prac_sel, a->lang, &a->exam.prac_fb, &e)) {
        app_log_err("answering in practice", &e);
        a->msg = "error.generic";
        return;
    }
    a->exam.prac_fb_on = true;
    if (a->exam.prac_fb.final)
        a->exam.prac_done++;
    a->dirty = true;
}

static void next_item(app *a)
{
    sq_err e;
    if (sq_practice_next(a->exam.prac, &e)) {
        app_error(a, "error.generic", e.msg);
        return;
    }
    sq_practice_feedback_clear(&a->exam.prac_fb);
    a->exam.prac_fb_on = false;
    a->exam.prac_sel = 0;
    a->exam.scroll = 0;
    drop_image(a);
    a->dirty = true;
}

static void scr_item(app *a)
{
    ui *u = &a->u;
    sq_err e;
    sq_item_view v;
    if (!a->exam.prac) {
        app_go(a, SCR_PRACTICE);
        return;
    }
    if (sq_practice_item(a->exam.prac, a->lang, &v, &e)) {
        app_error(a, "error.generic", e.msg);
        return;
    }
    const sq_practice_feedback *fb = a->exam.prac_fb_on ? &a->exam.prac_fb : NULL;
    bool locked = fb != NULL; /* options take no taps while the feedback shows */
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int top = item_bar(a);
    int fh = u->unit + 2 * u->gap;
    ui_rect area = scroll_area(a, top, fh);
    int pad = 2 * u->gap, w = u->w - 2 * pad;
    int y = area.y + u->gap - a->exam.scroll;

    /* The verdict first, where the eye is after the tap. */
    if (fb) {
        const char *key = fb->right ? "practice.right"
                          : fb->may_retry ? "practice.wrong_retry"
                                          : "practice.wrong";
        plat_color c = fb->right ? u->th.good : fb->may_retry ? u->th.warn : u->th.bad;
        int th = ui_text_height(u, w - 2 * u->gap, app_t(a, key), u->px * 11 / 10, true);
        ui_rect box = ui_r(pad, y, w, th + 2 * u->gap);
        if (u->pass != UI_HIT) {
            ui_fill(u, box, c);
            ui_text(u, ui_r(box.x + u->gap, box.y + u->gap, box.w - 2 * u->gap, th),
                    app_t(a, key), u->px * 11 / 10, true, u->th.bg, ALIGN_LEFT);
        }
        y += box.h + u->gap;
    }
    y += ui_text(u, ui_r(pad, y, w, 0), v.text, u->px * 11 / 10, true, u->th.fg, ALIGN_LEFT) +
         u->gap;
    if (v.has_image) {
        /* As on the item screen: the width, at most 2/5 of the area high. */
        const app_image *im = item_image(a, &v);
        if (im->handle && im->w > 0 && im->h > 0) {
            int iw = im->w, ih = im->h, maxh = area.h * 2 / 5;
            if (iw > w) {
                ih = ih * w / iw;
                iw = w;
            }
            if (ih > maxh) {
                iw = iw * maxh / ih;
                ih = maxh;
            }
            iw = iw < 1 ? 1 : iw;
            ih = ih < 1 ? 1 : ih;
            if (u->pass == UI_DRAW)
                plat_image(u->p, im->handle, pad + (w - iw) / 2, y, iw, ih);
            y += ih + u->gap;
        } else {
            y += ui_text(u, ui_r(pad, y, w, 0), app_t(a, "item.image_missing"), u->px, false,
                         u->th.muted, ALIGN_LEFT) + u->gap;
        }
    }
    if (!fb)
        y += ui_text(u, ui_r(pad, y, w, 0),
                     app_t(a, v.type == SQ_ITEM_MULTIPLE ? "item.choose_many" : "item.choose_one"),
                     u->px * 9 / 10, false, u->th.muted, ALIGN_LEFT) + u->gap / 2;
    int mark = u->unit / 3;
    for (int i = 0; i < v.n_options; i++) {
        bool sel = (a->exam.prac_sel >> i) & 1;
        bool right = fb && ((fb->correct >> i) & 1);
        bool chosen = fb && ((fb->selected >> i) & 1);
        char name[16], tag[160] = "";
        snprintf(name, sizeof name, "option-%d", i + 1);
        if (right && chosen)
            snprintf(tag, sizeof tag, "%s · %s", app_t(a, "answers.tag_yours"),
                     app_t(a, "answers.tag_right"));
        else if (right || chosen)
            snprintf(tag, sizeof tag, "%s",
                     app_t(a, right ? "answers.tag_right" : "answers.tag_yours"));
        int tw = w - mark - 4 * u->gap;
        int th = ui_text_height(u, tw, v.options[i], u->px, sel);
        int gh = tag[0] ? ui_text_height(u, tw, tag, u->px * 4 / 5, true) : 0;
        int oh = th + gh + 2 * u->gap < u->unit ? u->unit : th + gh + 2 * u->gap;
        ui_rect r = ui_r(pad, y, w, oh), hit = r;
        if (!locked && visible(&hit, area) && ui_area(u, name, hit)) {
            if (v.type == SQ_ITEM_MULTIPLE)
                a->exam.prac_sel ^= 1u << i;
            else
                a->exam.prac_sel = 1u << i;
            a->dirty = true;
        }
        if (u->pass != UI_HIT) {
            plat_color edge = right ? u->th.good : chosen && !fb->right ? u->th.bad
                              : sel ? u->th.selected : u->th.border;
            bool fill = sel && !fb;
            ui_fill(u, r, fill ? u->th.selected : u->th.panel);
            ui_outline(u, r, right || chosen || sel ? 3 : 1, edge);
            plat_color fg = fill ? u->th.selected_fg : u->th.fg;
            int mx = r.x + u->gap, my = r.y + u->gap + (th - mark) / 2;
            if (th < mark)
                my = r.y + (oh - mark) / 2;
            if (v.type == SQ_ITEM_MULTIPLE) {
                ui_outline(u, ui_r(mx, my, mark, mark), 2, fg);
                if (sel)
                    ui_fill(u, ui_r(mx + mark / 4, my + mark / 4, mark - mark / 2, mark - mark / 2),
                            fg);
            } else {
                ui_disc(u, mx + mark / 2, my + mark / 2, mark / 2, 2, fg, sel);
            }
            ui_text(u, ui_r(mx + mark + u->gap, r.y + u->gap, tw, th), v.options[i], u->px, sel,
                    fg, ALIGN_LEFT);
            if (tag[0])
                ui_text(u, ui_r(mx + mark + u->gap, r.y + u->gap + th, tw, gh), tag,
                        u->px * 4 / 5, true, right ? u->th.good : u->th.bad, ALIGN_LEFT);
        }
        y += oh + u->gap;
    }
    if (fb) {
        /* What the chosen options say, then (when the item is done) why
         * the right answer is right. */
        bool said = false;
        for (int i = 0; i < v.n_options; i++) {
            if (!fb->feedback[i])
                continue;
            if (!said)
                y += ui_text(u, ui_r(pad, y, w, 0), app_t(a, "practice.feedback"), u->px, true,
                             u->th.fg, ALIGN_LEFT);
            said = true;
            snprintf(a->tmp, APP_TMP, "%c. %s", 'A' + i, fb->feedback[i]);
            y += ui_text(u, ui_r(pad, y, w, 0), a->tmp, u->px, false, u->th.fg, ALIGN_LEFT);
        }
        if (said)
            y += u->gap;
        if (fb->explanation) {
            y += ui_text(u, ui_r(pad, y, w, 0), app_t(a, "answers.explanation"), u->px, true,
                         u->th.fg, ALIGN_LEFT);
            y += ui_text(u, ui_r(pad, y, w, 0), fb->explanation, u->px, false, u->th.fg,
                         ALIGN_LEFT) + u->gap;
        }
    }
    if (a->msg) {
        app_message_box(a, ui_r(pad, y, w, 0), app_t(a, a->msg), u->th.bad);
        y += ui_text_height(u, w - 2 * u->gap, app_t(a, a->msg), u->px, false) + 3 * u->gap;
    }
    scroll_end(a, area, y);

    /* The footer: back to the topics; check, try again or next. */
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    ui_fill(u, ui_r(0, u->h - fh, u->w, fh), u->th.panel);
    if (ui_button(u, "practice-back", ui_r(u->gap, fy, bw, u->unit), app_t(a, "id.back"),
                  BTN_NORMAL)) {
        practice_open(a);
        return;
    }
    ui_rect rr = ui_r(2 * u->gap + bw, fy, bw, u->unit);
    if (!fb) {
        if (ui_button(u, "practice-check", rr, app_t(a, "practice.check"),
                      a->exam.prac_sel ? BTN_PRIMARY : BTN_DISABLED) &&
            a->exam.prac_sel)
            check_answer(a);
    } else if (fb->may_retry) {
        if (ui_button(u, "practice-retry", rr, app_t(a, "practice.retry"), BTN_PRIMARY)) {
            sq_practice_feedback_clear(&a->exam.prac_fb);
            a->exam.prac_fb_on = false;
            a->exam.prac_sel = 0;
            a->dirty = true;
        }
    } else if (ui_button(u, "practice-next", rr, app_t(a, "item.next"), BTN_PRIMARY)) {
        next_item(a);
    }
}

bool practice_screen(app *a)
{
    switch (a->scr) {
    case SCR_PRACTICE: scr_topics(a); return true;
    case SCR_PRACTICE_ITEM: scr_item(a); return true;
    default: return false;
    }
}

void practice_drag(app *a, int dy)
{
    if ((a->scr != SCR_PRACTICE && a->scr != SCR_PRACTICE_ITEM) || a->ov != OV_NONE)
        return;
    int max = a->exam.content_h - a->exam.scroll_area.h;
    a->exam.scroll -= dy;
    if (a->exam.scroll > max)
        a->exam.scroll = max;
    if (a->exam.scroll < 0)
        a->exam.scroll = 0;
    a->dirty = true;
}
