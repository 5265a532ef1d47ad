/*
 * scr_learn.c - the trainee's study material (scr_learn.h). The topics
 * of the trainee's exams that have lessons (sq_lesson_topics), then a
 * page at a time: its markup parsed (sq_lesson_parse) and laid out word
 * by word, each run in its style (bold, italic: the fonts' italic faces,
 * or the upright slanted where the font list has none), headings larger, lists with
 * bullets and numbers, pictures scaled to the width (a placeholder,
 * logged, when one cannot be shown). A page longer than the screen
 * scrolls (drag, fling); nothing is cut. Where the trainee is (page and
 * scroll) is kept in the store, sealed per trainee, when they leave the
 * page, and the topic opens there next time.
 *
 * Memory: the state (struct learn_state) is made at the first Learn and
 * freed by app_free (a->learn_free); the page on screen, its pictures and
 * the topics are let go when the trainee leaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scr_learn.h"
#include "synaq/lesson.h"
#include "viewer.h"

typedef struct {
    int handle; /* the platform's; 0: it cannot be shown */
    int w, h;
} learn_image;

struct learn_state {
    /* the topics of the trainee's exams, and for whom they were listed */
    sq_lesson_topic *topics;
    size_t n_topics;
    int *reached; /* each topic's page reached (0-based) */
    char for_id[65];
    const void *for_exams;
    bool listed; /* the list above is for_id's (maybe empty) */
    /* the page on screen */
    int topic, page;
    sq_lesson_page *parsed;
    learn_image *images; /* one a block (pictures only) */
    int lang, text_lang;
    bool failed; /* the page cannot be shown (logged) */
    int scroll, content_h, want_scroll;
    ui_rect area;
    /* the topics list's scroll */
    int list_scroll, list_h;
    ui_rect list_area;
    /* a picture of the page on the whole screen (its block; -1: none),
     * in the item's picture viewer (viewer.h) */
    int viewing;
    viewer_state view;
    /* the finger's speed and the fling (px a ms; + scrolls down) */
    double vel;
    int64_t drag_ms, fling_ms;
    bool flinging;
};

static void page_drop(app *a)
{
    struct learn_state *l = a->learn;
    if (!l)
        return;
    if (l->parsed && l->images)
        for (size_t i = 0; i < l->parsed->n; i++)
            if (l->images[i].handle)
                plat_image_free(a->u.p, l->images[i].handle);
    free(l->images);
    l->images = NULL;
    sq_lesson_page_free(l->parsed);
    l->parsed = NULL;
    l->flinging = false;
    l->viewing = -1;
}

static void topics_drop(struct learn_state *l)
{
    sq_free(l->topics);
    l->topics = NULL;
    free(l->reached);
    l->reached = NULL;
    l->n_topics = 0;
    l->for_id[0] = 0;
    l->for_exams = NULL;
    l->listed = false;
}

static void learn_free(app *a)
{
    if (!a->learn)
        return;
    page_drop(a);
    topics_drop(a->learn);
    free(a->learn);
    a->learn = NULL;
}

static struct learn_state *state(app *a)
{
    if (!a->learn) {
        a->learn = calloc(1, sizeof *a->learn);
        if (a->learn) {
            a->learn_free = learn_free;
            a->learn->topic = -1;
            a->learn->viewing = -1;
        }
    }
    return a->learn;
}

/* The topics of the exams open to the trainee, listed once per trainee. */
static void topics_load(app *a)
{
    struct learn_state *l = state(a);
    if (!l || !a->store)
        return;
    if (l->listed && l->for_exams == a->exam.exams && strcmp(l->for_id, a->exam.id) == 0)
        return;
    topics_drop(l);
    /* Listed once for this trainee, whatever comes of it: a store that
     * fails is logged once, not at every frame. */
    snprintf(l->for_id, sizeof l->for_id, "%s", a->exam.id);
    l->for_exams = a->exam.exams;
    l->listed = true;
    sq_lesson_topic *all = NULL;
    size_t n = 0, k = 0;
    sq_err e;
    if (sq_lesson_topics(a->store, &all, &n, &e)) {
        app_log_err("listing lessons", &e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool mine = false;
        for (size_t j = 0; j < a->exam.n_exams && !mine; j++)
            mine = a->exam.eligible[j] && strcmp(a->exam.exams[j].id, all[i].exam_id) == 0;
        if (mine)
            all[k++] = all[i];
    }
    l->topics = all;
    l->n_topics = k;
    l->reached = calloc(k ? k : 1, sizeof *l->reached);
    if (!l->reached)
        l->n_topics = 0;
    for (size_t i = 0; i < k && l->reached && a->exam.id[0]; i++) {
        int scroll;
        if (sq_lesson_mark_get(a->store, a->exam.id, all[i].exam_id, all[i].topic, &l->reached[i],
                               &scroll, &e))
            app_log_err("reading the page reached", &e);
        if (l->reached[i] >= all[i].n_pages)
            l->reached[i] = 0;
    }
}

int learn_available(app *a)
{
    topics_load(a);
    return a->learn ? (int)a->learn->n_topics : 0;
}

void learn_open(app *a)
{
    topics_load(a);
    if (a->learn)
        a->learn->list_scroll = 0;
    app_go(a, SCR_LEARN);
}

/* Keeps where the trainee is on the page on screen. */
static void mark_save(app *a)
{
    struct learn_state *l = a->learn;
    if (!l || l->topic < 0 || (size_t)l->topic >= l->n_topics || !a->exam.id[0] || !a->store)
        return;
    sq_err e;
    const sq_lesson_topic *t = &l->topics[l->topic];
    if (sq_lesson_mark_set(a->store, a->exam.id, t->exam_id, t->topic, l->page,
                           l->scroll > 0 ? l->scroll : 0, &e))
        app_log_err("keeping the page reached", &e);
    else if (l->reached)
        l->reached[l->topic] = l->page;
}

void learn_leave(app *a)
{
    if (!a->learn)
        return;
    if (a->scr == SCR_LESSON)
        mark_save(a);
    page_drop(a);
    topics_drop(a->learn);
    a->learn->topic = -1;
}

/* Loads page of topic in the trainee's language; its pictures decoded. */
static void page_load(app *a, int topic, int page, int scroll)
{
    struct learn_state *l = a->learn;
    const sq_lesson_topic *t = &l->topics[topic];
    char *text = NULL;
    sq_err e;
    int line = 0;

    page_drop(a);
    l->topic = topic;
    l->page = page;
    l->lang = a->lang;
    l->failed = false;
    l->scroll = 0;
    l->want_scroll = scroll;
    l->vel = 0;
    if (sq_lesson_page_text(a->store, t->exam_id, t->topic, page, a->lang, &text, &l->text_lang,
                            &e)) {
        app_log_err("reading a lesson page", &e);
        l->failed = true;
        return;
    }
    if (sq_lesson_parse(text, strlen(text), &l->parsed, &line, &e)) {
        fprintf(stderr, "synaq-kiosk: lesson '%s' page %d, line %d: %s\n", t->topic, page + 1, line,
                e.msg);
        l->failed = true;
        sq_free(text);
        return;
    }
    sq_free(text);
    l->images = calloc(l->parsed->n ? l->parsed->n : 1, sizeof *l->images);
    for (size_t i = 0; l->images && i < l->parsed->n; i++) {
        const sq_lesson_block *b = &l->parsed->blocks[i];
        uint8_t *data = NULL;
        size_t len = 0;
        if (b->kind != SQ_LESSON_IMAGE)
            continue;
        if (sq_lesson_image(a->store, t->exam_id, b->image, &data, &len, &e)) {
            fprintf(stderr, "synaq-kiosk: lesson '%s' page %d: picture '%s': %s\n", t->topic,
                    page + 1, b->image, e.msg);
            continue;
        }
        l->images[i].handle = plat_image_load(a->u.p, data, len, &l->images[i].w, &l->images[i].h);
        if (!l->images[i].handle)
            fprintf(stderr,
                    "synaq-kiosk: lesson '%s' page %d: picture '%s' cannot be decoded; "
                    "a placeholder shows\n",
                    t->topic, page + 1, b->image);
        sq_free(data);
    }
}

static void page_go(app *a, int topic, int page, int scroll)
{
    if (a->scr == SCR_LESSON)
        mark_save(a);
    page_load(a, topic, page, scroll);
    a->scr = SCR_LESSON;
    a->msg = NULL;
    a->dirty = true;
}

static const char *topic_title(app *a, const sq_lesson_topic *t)
{
    if (t->title[a->lang][0])
        return t->title[a->lang];
    for (int i = 0; i < 3; i++)
        if (t->title[i][0])
            return t->title[i];
    return t->topic;
}

/* ---- the topics ---- */

static void scr_learn(app *a)
{
    ui *u = &a->u;
    struct learn_state *l = state(a);
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    const char *who = a->exam.name[0] ? a->exam.name : a->exam.id;
    int top = app_header(a, app_t(a, "learn.title"), who);
    int fh = u->unit + 2 * u->gap;
    ui_rect area = ui_r(0, top, u->w, u->h - top - fh);
    if (!l)
        return;
    l->list_area = area;
    if (u->pass != UI_HIT)
        plat_clip(u->p, area.x, area.y, area.w, area.h);
    int y = area.y + u->gap - l->list_scroll;
    for (size_t i = 0; i < l->n_topics; i++) {
        const sq_lesson_topic *t = &l->topics[i];
        char n[16], k[16], l2[160], name[48];
        snprintf(n, sizeof n, "%d", t->n_pages);
        snprintf(k, sizeof k, "%d", l->reached[i] + 1);
        if (l->reached[i] > 0)
            i18n_fmt(a->t, a->lang, "learn.pages_reached", l2, sizeof l2, "n", n, "k", k, NULL);
        else
            i18n_fmt(a->t, a->lang, "learn.pages", l2, sizeof l2, "n", n, NULL);
        snprintf(a->tmp, APP_TMP, "%s\n%s", topic_title(a, t), l2);
        int th = ui_text_height(u, u->w - 4 * u->gap, a->tmp, u->px, true);
        ui_rect r = ui_r(u->gap, y, u->w - 2 * u->gap, th + 2 * u->gap);
        snprintf(name, sizeof name, "topic:%.40s", t->topic);
        /* Only the part in the list's area takes taps. */
        bool inside = r.y >= area.y - r.h / 2 && r.y + r.h / 2 <= area.y + area.h;
        if (ui_button(u, inside ? name : "topic-hidden", r, a->tmp,
                      l->reached[i] > 0 ? BTN_SELECTED : BTN_NORMAL) &&
            inside) {
            int scroll = 0, page = 0;
            sq_err e;
            if (a->exam.id[0] &&
                sq_lesson_mark_get(a->store, a->exam.id, t->exam_id, t->topic, &page, &scroll, &e))
                app_log_err("reading the page reached", &e);
            if (page >= t->n_pages)
                page = scroll = 0;
            if (u->pass != UI_HIT)
                plat_clip(u->p, 0, 0, 0, 0);
            page_go(a, (int)i, page, scroll);
            return;
        }
        y += r.h + u->gap;
    }
    if (l->n_topics == 0)
        app_message_box(a, ui_r(u->gap, y, u->w - 2 * u->gap, 0), app_t(a, "learn.none"),
                        u->th.muted);
    l->list_h = y + l->list_scroll - area.y;
    if (u->pass != UI_HIT)
        plat_clip(u->p, 0, 0, 0, 0);
    if (ui_button(u, "back",
                  ui_r(u->gap, u->h - u->unit - u->gap, (u->w - 3 * u->gap) / 2, u->unit),
                  app_t(a, "id.back"), BTN_NORMAL))
        app_go(a, SCR_EXAMS);
}

/* ---- a page ---- */

/* Lays out one block's runs at (x, y) in width w, word by word, drawing
 * in the draw pass; returns its height. A word wider than the line is
 * broken between characters: nothing is cut. */
static int flow(app *a, const sq_lesson_block *b, int x, int y, int w, int px, bool bold_all,
                plat_color fg)
{
    ui *u = &a->u;
    plat *p = u->p;
    int lh = plat_line_height(p, px), cx = 0, cy = 0;
    bool space = false, draw = u->pass == UI_DRAW;
    int sw[4];
    for (int st = 0; st < 4; st++)
        sw[st] = plat_text_width(p, px, st, " ", 1);
    for (size_t r = 0; r < b->n_runs; r++) {
        const sq_lesson_run *run = &b->runs[r];
        /* The run's style: bold and italic faces (plat.h), in the
         * block's colour. */
        int bold = (bold_all || (run->style & SQ_LESSON_BOLD) ? PLAT_BOLD : 0) |
                   (run->style & SQ_LESSON_ITALIC ? PLAT_ITALIC : 0);
        plat_color c = fg;
        const char *s = b->text + run->start;
        size_t n = run->len, i = 0;
        while (i < n) {
            if (s[i] == ' ') {
                space = true;
                i++;
                continue;
            }
            size_t j = i;
            while (j < n && s[j] != ' ')
                j++;
            int ww = plat_text_width(p, px, bold, s + i, j - i);
            int gap = space && cx > 0 ? sw[bold] : 0;
            if (cx > 0 && cx + gap + ww > w) {
                cy += lh;
                cx = gap = 0;
            }
            while (ww > w - cx && i < j) {
                /* Too wide for a line of its own: as many characters as fit. */
                size_t k = i, fit = i;
                while (k < j) {
                    size_t m = k + 1;
                    while (m < j && ((unsigned char)s[m] & 0xc0) == 0x80)
                        m++;
                    if (fit > i && plat_text_width(p, px, bold, s + i, m - i) > w - cx)
                        break;
                    fit = k = m;
                }
                if (draw)
                    plat_text(p, x + cx, y + cy, px, bold, c, s + i, fit - i);
                i = fit;
                cy += lh;
                cx = 0;
                ww = plat_text_width(p, px, bold, s + i, j - i);
            }
            if (i < j) {
                if (draw)
                    plat_text(p, x + cx + gap, y + cy, px, bold, c, s + i, j - i);
                cx += gap + ww;
            }
            space = false;
            i = j;
        }
    }
    return cy + lh;
}

/* The page's blocks from y (scrolled); returns the height of them all. */
static int page_blocks(app *a, int x, int y, int w)
{
    ui *u = &a->u;
    struct learn_state *l = a->learn;
    int y0 = y, px = u->px;
    for (size_t i = 0; i < l->parsed->n; i++) {
        const sq_lesson_block *b = &l->parsed->blocks[i];
        int h = 0, top = y;
        switch (b->kind) {
        case SQ_LESSON_H1:
            y += i ? u->gap : 0;
            h = flow(a, b, x, y, w, px * 3 / 2, true, u->th.fg);
            y += h + u->gap;
            break;
        case SQ_LESSON_H2:
            y += i ? u->gap / 2 : 0;
            h = flow(a, b, x, y, w, px * 6 / 5, true, u->th.fg);
            y += h + u->gap / 2;
            break;
        case SQ_LESSON_PARA:
            h = flow(a, b, x, y, w, px, false, u->th.fg);
            y += h + u->gap;
            break;
        case SQ_LESSON_BULLET:
        case SQ_LESSON_NUMBER: {
            int ind = px * 2;
            char mark[16];
            if (b->kind == SQ_LESSON_BULLET)
                snprintf(mark, sizeof mark, "•");
            else
                snprintf(mark, sizeof mark, "%d.", b->number);
            if (u->pass == UI_DRAW)
                plat_text(u->p, x + px / 2, y, px, b->kind == SQ_LESSON_NUMBER, u->th.accent, mark,
                          strlen(mark));
            h = flow(a, b, x + ind, y, w - ind, px, false, u->th.fg);
            y += h + u->gap / 2;
            bool last = i + 1 == l->parsed->n || l->parsed->blocks[i + 1].kind != b->kind;
            y += last ? u->gap / 2 : 0;
            break;
        }
        case SQ_LESSON_IMAGE: {
            const learn_image *im = l->images ? &l->images[i] : NULL;
            char name[32];
            snprintf(name, sizeof name, "picture-%zu", i);
            if (im && im->handle && im->w > 0 && im->h > 0) {
                int iw = im->w * 2 < w ? im->w * 2 : w;
                int ih = (int)((long long)im->h * iw / im->w);
                int maxh = l->area.h - 2 * u->gap;
                if (ih > maxh && maxh > 0) {
                    iw = (int)((long long)iw * maxh / ih);
                    ih = maxh;
                }
                ui_rect pic = ui_r(x + (w - iw) / 2, y, iw > 0 ? iw : 1, ih > 0 ? ih : 1);
                if (u->pass == UI_DRAW)
                    plat_image(u->p, im->handle, pic.x, pic.y, pic.w, pic.h);
                /* A tap on its part in view opens it on the whole screen. */
                bool seen = pic.y < l->area.y + l->area.h && pic.y + pic.h > l->area.y;
                if (seen && ui_area(u, name, pic) && u->tap_y >= l->area.y &&
                    u->tap_y < l->area.y + l->area.h) {
                    l->viewing = (int)i;
                    viewer_reset(&l->view);
                    a->dirty = true;
                }
                y += pic.h + u->gap / 2;
            } else {
                /* A placeholder: the box, the words that it cannot be shown. */
                const char *miss = app_t(a, "learn.picture_missing");
                int th = ui_text_height(u, w - 2 * u->gap, miss, px, true);
                ui_rect box = ui_r(x, y, w, th + 2 * u->gap);
                ui_fill(u, box, u->th.panel);
                ui_outline(u, box, 2, u->th.muted);
                ui_text(u, ui_r(x + u->gap, y + u->gap, w - 2 * u->gap, 0), miss, px, true,
                        u->th.muted, ALIGN_LEFT);
                y += box.h + u->gap / 2;
            }
            /* Its description under it. */
            y += ui_text(u, ui_r(x, y, w, 0), b->text, px * 4 / 5, false, u->th.muted,
                         ALIGN_CENTER) +
                 u->gap;
            break;
        }
        }
        /* What shows of the page, for scripts. */
        if (u->pass == UI_DRAW && b->kind != SQ_LESSON_IMAGE && y > l->area.y &&
            top < l->area.y + l->area.h)
            ui_remember(u, b->text);
    }
    return y - y0;
}

/* The bar: the topic, the page, and text size and contrast. */
static int page_bar(app *a, const char *title)
{
    ui *u = &a->u;
    int bw = u->unit * 5 / 4;
    int tools_w = bw * 2 + bw * 3 / 2;
    bool two_rows = tools_w > u->w / 2;
    int h = two_rows ? 2 * u->unit : u->unit;
    ui_fill(u, ui_r(0, 0, u->w, h), u->th.accent);
    int ty = two_rows ? u->unit : 0, x = u->w;
    x = app_text_tools(a, x, ty, bw);
    int tw = (two_rows ? u->w : x) - 2 * u->gap, px = u->px;
    while (px > 12 && ui_text_height(u, tw, title, px, true) > u->unit)
        px--;
    int th = ui_text_height(u, tw, title, px, true);
    ui_text(u, ui_r(u->gap, (u->unit - th) / 2, tw, u->unit), title, px, true, u->th.accent_fg,
            ALIGN_LEFT);
    return h;
}

static void clamp_scroll(struct learn_state *l)
{
    int max = l->content_h - l->area.h;
    if (l->scroll > max)
        l->scroll = max;
    if (l->scroll < 0)
        l->scroll = 0;
}

/* A picture of the page on the whole screen, in the item's viewer
 * (viewer.h: double tap and pinch to zoom, a drag to move it), with its
 * words in the bar; back to the page as it was. */
static void scr_picture(app *a)
{
    ui *u = &a->u;
    struct learn_state *l = a->learn;
    const learn_image *im = &l->images[l->viewing];
    ui_rect area, status;
    if (viewer_frame(a, "learn.picture_back", &area, &status)) {
        l->viewing = -1;
        a->dirty = true;
        return;
    }
    const char *words = l->parsed->blocks[l->viewing].text;
    int px = u->px;
    while (px > 12 && ui_text_height(u, status.w, words, px, false) > status.h)
        px--;
    int th = ui_text_height(u, status.w, words, px, false);
    if (th <= status.h)
        ui_text(u, ui_r(status.x, status.y + (status.h - th) / 2, status.w, th), words, px, false,
                u->th.accent_fg, ALIGN_LEFT);
    viewer_picture(a, &l->view, area, im->handle, im->w, im->h);
}

static void scr_lesson(app *a)
{
    ui *u = &a->u;
    struct learn_state *l = a->learn;
    if (!l || l->topic < 0 || (size_t)l->topic >= l->n_topics) {
        app_go(a, SCR_LEARN);
        return;
    }
    const sq_lesson_topic *t = &l->topics[l->topic];
    if (l->viewing >= 0 && l->parsed && l->images && (size_t)l->viewing < l->parsed->n &&
        l->images[l->viewing].handle) {
        scr_picture(a);
        return;
    }
    l->viewing = -1;
    /* The trainee's language changed since the page was read. */
    if (l->lang != a->lang && !l->failed)
        page_load(a, l->topic, l->page, l->scroll);
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    char pg[96], n[16], k[16];
    snprintf(k, sizeof k, "%d", l->page + 1);
    snprintf(n, sizeof n, "%d", t->n_pages);
    i18n_fmt(a->t, a->lang, "learn.page", pg, sizeof pg, "n", k, "total", n, NULL);
    snprintf(a->tmp, APP_TMP, "%s · %s", topic_title(a, t), pg);
    int top = page_bar(a, a->tmp);
    int fh = u->unit + 2 * u->gap;
    l->area = ui_r(0, top, u->w, u->h - top - fh);
    int pad = 2 * u->gap, w = u->w - 2 * pad - u->gap;
    if (u->pass != UI_HIT)
        plat_clip(u->p, l->area.x, l->area.y, l->area.w, l->area.h);
    if (l->want_scroll >= 0 || u->pass == UI_DRAW) {
        /* The height first (no drawing), so a scroll kept from before is
         * put back within the page as it lays out now. */
        ui_pass pass = u->pass;
        bool tapped = u->tapped;
        u->pass = UI_HIT;
        u->tapped = false;
        int h = u->gap;
        if (l->text_lang != a->lang && l->text_lang >= 0)
            h += u->px * 2;
        if (l->parsed)
            h += page_blocks(a, pad, 0, w);
        u->pass = pass;
        u->tapped = tapped;
        l->content_h = h + u->gap;
        if (l->want_scroll >= 0) {
            l->scroll = l->want_scroll;
            l->want_scroll = -1;
        }
        clamp_scroll(l);
    }
    int y = l->area.y + u->gap - l->scroll;
    if (l->text_lang != a->lang && l->text_lang >= 0) {
        char note[256];
        static const char *const lang_keys[] = {"lang.kk", "lang.ru", "lang.en"};
        i18n_fmt(a->t, a->lang, "learn.fallback_lang", note, sizeof note, "lang",
                 app_t(a, lang_keys[l->text_lang]), NULL);
        ui_text(u, ui_r(pad, y, w, 0), note, u->px * 4 / 5, false, u->th.warn, ALIGN_LEFT);
        y += u->px * 2;
    }
    if (l->parsed)
        page_blocks(a, pad, y, w);
    else
        app_message_box(a, ui_r(pad, y, w, 0), app_t(a, "learn.page_failed"), u->th.bad);
    if (u->pass != UI_HIT)
        plat_clip(u->p, 0, 0, 0, 0);
    /* Where in the page: a bar on the right while it scrolls. */
    if (l->content_h > l->area.h && u->pass == UI_DRAW) {
        int bh = l->area.h * l->area.h / l->content_h;
        int by = l->area.y + (l->area.h - bh) * l->scroll / (l->content_h - l->area.h);
        ui_fill(u, ui_r(u->w - u->gap, l->area.y, u->gap / 2 + 1, l->area.h), u->th.border);
        ui_fill(u, ui_r(u->w - u->gap, by, u->gap / 2 + 1, bh > 8 ? bh : 8), u->th.accent);
    }

    int bw = (u->w - 4 * u->gap) / 3, by = u->h - u->unit - u->gap;
    if (ui_button(u, "back", ui_r(u->gap, by, bw, u->unit), app_t(a, "learn.topics"), BTN_NORMAL)) {
        mark_save(a);
        page_drop(a);
        app_go(a, SCR_LEARN);
        return;
    }
    if (ui_button(u, "prev", ui_r(2 * u->gap + bw, by, bw, u->unit), app_t(a, "item.prev"),
                  l->page > 0 ? BTN_NORMAL : BTN_DISABLED) &&
        l->page > 0) {
        page_go(a, l->topic, l->page - 1, 0);
        return;
    }
    if (ui_button(u, "next", ui_r(3 * u->gap + 2 * bw, by, bw, u->unit), app_t(a, "item.next"),
                  l->page + 1 < t->n_pages ? BTN_PRIMARY : BTN_DISABLED) &&
        l->page + 1 < t->n_pages)
        page_go(a, l->topic, l->page + 1, 0);
}

/* ---- dispatch, input and timers ---- */

bool learn_screen(app *a)
{
    switch (a->scr) {
    case SCR_LEARN:
        scr_learn(a);
        return true;
    case SCR_LESSON:
        scr_lesson(a);
        return true;
    default:
        return false;
    }
}

bool learn_drag(app *a, int dx, int dy)
{
    struct learn_state *l = a->learn;
    if ((a->scr != SCR_LEARN && a->scr != SCR_LESSON) || !l)
        return false;
    if (a->ov != OV_NONE)
        return true;
    int64_t now = app_now_ms(a);
    if (a->scr == SCR_LEARN) {
        int max = l->list_h - l->list_area.h;
        l->list_scroll -= dy;
        if (l->list_scroll > max)
            l->list_scroll = max;
        if (l->list_scroll < 0)
            l->list_scroll = 0;
        a->dirty = true;
        return true;
    }
    if (l->viewing >= 0) {
        viewer_drag(&l->view, dx, dy);
        a->dirty = true;
        return true;
    }
    /* The finger's speed, smoothed over its last moves. */
    int64_t dt = now - l->drag_ms;
    double v = -(double)dy / (double)(dt > 0 ? dt : 16);
    l->vel = dt > 0 && dt < 100 ? 0.5 * l->vel + 0.5 * v : v;
    l->drag_ms = now;
    l->flinging = false;
    l->scroll -= dy;
    clamp_scroll(l);
    a->dirty = true;
    return true;
}

void learn_drag_end(app *a)
{
    struct learn_state *l = a->learn;
    if (a->scr != SCR_LESSON || !l || l->viewing >= 0)
        return;
    /* A finger that stopped before it lifted does not fling. */
    int64_t now = app_now_ms(a);
    if (now - l->drag_ms < 100 && (l->vel > 0.3 || l->vel < -0.3)) {
        if (l->vel > 8)
            l->vel = 8;
        if (l->vel < -8)
            l->vel = -8;
        l->flinging = true;
        l->fling_ms = now;
    }
}

int learn_tick(app *a, int64_t now)
{
    struct learn_state *l = a->learn;
    if (!l || !l->flinging)
        return -1;
    if (a->scr != SCR_LESSON || a->ov != OV_NONE) {
        l->flinging = false;
        return -1;
    }
    int64_t dt = now - l->fling_ms;
    if (dt <= 0)
        return 16;
    if (dt > 100)
        dt = 100;
    l->fling_ms = now;
    int before = l->scroll;
    l->scroll += (int)(l->vel * (double)dt);
    clamp_scroll(l);
    /* It slows by about a quarter every 50 ms. */
    l->vel *= 1.0 - 0.005 * (double)dt;
    a->dirty = true;
    if (l->scroll == before || (l->vel < 0.05 && l->vel > -0.05)) {
        l->flinging = false;
        return -1;
    }
    return 16;
}

bool learn_pinch(app *a, int x, int y, float scale)
{
    struct learn_state *l = a->learn;
    if (a->scr != SCR_LESSON || !l || l->viewing < 0)
        return false;
    if (a->ov == OV_NONE && viewer_pinch(&l->view, x, y, scale))
        a->dirty = true;
    return true;
}
