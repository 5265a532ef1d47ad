/*
 * test_screens.c - the kiosk's screens on the headless platform
 * (kiosk/plat_headless.c), with a real station in a temp folder (the
 * fixture's keys, store and fake clock): taps on named widgets, the state
 * they change, what reaches the store and when, the timers in simulated
 * time, and the layout of every screen in kk, ru and en on 800x480.
 *
 * Each scenario makes its own station, so none depends on another or on
 * their order; time is the fixture's fake clock, never the wall clock.
 * Glyphs are fixed-width here (px * 3 / 5), so the layout checks test the
 * screens' layout logic on a model of the fonts, not the real fonts'
 * metrics (tests/ui does that, with SDL).
 *   test_screens I18N_DIR     (assets/i18n; SYNAQ_SCREENS_SHOTS=DIR keeps
 *                              a PNG of each screen the layout check draws)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "check.h"
#include "fixture.h"
#include "app.h"
#include "plat_headless.h"
#include "screens.h"
#include "scr_tech.h"
#include "synaq/tech.h"
#include "synaq/identity.h"

static i18n *cat;
static fixture f;
static char usb_dir[400];

#define TRAINEE "900101300123"
/* The picture of the viewer's tests: taller than any screen. */
#define TALL_PNG "tall.png"
#define TALL_W 600
#define TALL_H 1500
#define PIN "2468"

/* Lines added to the exam source of the next kiosk_open ("clock: paused"). */
static const char *exam_extra = "";

/* ---- a kiosk on the fixture's station ---- */

typedef struct {
    plat *p;
    app *a;
} kiosk;

/* A fresh station with the exam of the source yaml and, if asked, the
 * technician's PIN (hashing it costs a tenth of a second), and a kiosk on
 * it at w x h on the welcome screen. 0, or -1 (said). */
static int kiosk_open_exam(kiosk *k, int w, int h, const char *yaml, bool pin)
{
    char err[256], bundle[400];
    sq_err e;
    sq_import_report r;
    memset(k, 0, sizeof *k);
    if (fx_setup(&f, "kiosk-01"))
        return -1;
    snprintf(bundle, sizeof bundle, "%s/demo.sqb", f.dir);
    /* A tall picture for exams that name it (the headless platform reads
     * only a PNG's header for its size). */
    char png[400];
    snprintf(png, sizeof png, "%s/" TALL_PNG, f.dir);
    static const uint8_t tall[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                     'I', 'H', 'D', 'R', 0, 0, TALL_W >> 8, TALL_W & 0xff, 0, 0,
                                     TALL_H >> 8, TALL_H & 0xff, 8, 6, 0, 0, 0, 0, 0, 0, 0};
    if (fx_write(png, tall, sizeof tall))
        return -1;
    int rc = fx_bundle(&f, yaml, bundle, NULL, 0);
    if (rc || sq_import_file(f.store, bundle, NULL, &r, &e) ||
        (pin && sq_tech_pin_set(f.store, "test", PIN, &e))) {
        fprintf(stderr, "kiosk_open: the station: %s\n", rc ? "bundle" : e.msg);
        return -1;
    }
    snprintf(usb_dir, sizeof usb_dir, "%s/usb", f.dir);
    mkdir(usb_dir, 0700);
    plat_config pc = {w, h, false, false, NULL, NULL};
    if (plat_open(&pc, &k->p, err, sizeof err)) {
        fprintf(stderr, "kiosk_open: %s\n", err);
        return -1;
    }
    k->a = calloc(1, sizeof *k->a);
    if (!k->a)
        return -1;
    app_station where = {f.dir, f.keys_path, f.db_path, NULL, usb_dir};
    app_init(k->a, k->p, cat, f.store, f.keys, &where, &f.clock, "kiosk-01 · Test district");
    screens_draw(k->a);
    return 0;
}

/* One exam of n items (limit minutes): the items, then exam_extra (a
 * test's setting of the whole file), then extra (this kiosk's: identity,
 * roster). */
static int kiosk_open_with(kiosk *k, int w, int h, int n_items, int limit_min, bool pin,
                           const char *extra)
{
    char *items = fx_exam_yaml("demo", 1, n_items, limit_min);
    if (!items)
        return -1;
    size_t len = strlen(items) + strlen(exam_extra) + (extra ? strlen(extra) : 0) + 1;
    char *full = malloc(len);
    if (!full) {
        free(items);
        return -1;
    }
    snprintf(full, len, "%s%s%s", items, exam_extra, extra ? extra : "");
    free(items);
    int rc = kiosk_open_exam(k, w, h, full, pin);
    free(full);
    return rc;
}

static int kiosk_open(kiosk *k, int w, int h, int n_items, int limit_min, bool pin)
{
    return kiosk_open_with(k, w, h, n_items, limit_min, pin, NULL);
}

static void kiosk_close(kiosk *k)
{
    if (k->a)
        app_free(k->a);
    free(k->a);
    plat_close(k->p);
    fx_teardown(&f);
}

/* ---- driving it as a person would ---- */

static void fail(int line, app *a, const char *what, const char *arg)
{
    check_failures++;
    fprintf(stderr, "%s:%d: %s '%s' (screen %s); visible texts:\n%s", __FILE__, line, what, arg,
            app_screen_name(a), a->u.texts);
}

/* Taps the widget of that name in the last frame (the hit pass acts on
 * it); then draws, unless only the hit pass is wanted. */
static bool tap_at(app *a, const char *name, bool draw, int line)
{
    check_count++;
    const ui_widget *w = ui_find(&a->u, name);
    if (!w) {
        fail(line, a, "no widget", name);
        return false;
    }
    ui_rect r = w->r;
    screens_tap(a, r.x + r.w / 2, r.y + r.h / 2);
    if (draw)
        screens_draw(a);
    return true;
}
#define TAP(a, name) tap_at(a, name, true, __LINE__)
#define TAP_ONLY(a, name) tap_at(a, name, false, __LINE__)

/* Taps on the on-screen keyboard, a character at a time. */
static void keys_at(app *a, const char *s, int line)
{
    while (*s) {
        size_t len = 1;
        char name[40];
        while (s[len] && ((unsigned char)s[len] & 0xc0) == 0x80)
            len++;
        snprintf(name, sizeof name, *s == ' ' ? "key:space" : "key:%.*s", (int)len, s);
        if (!tap_at(a, name, true, line))
            return;
        s += len;
    }
}
#define KEYS(a, s) keys_at(a, s, __LINE__)

#define SHOWS(a, text)                                                                             \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!ui_shows(&(a)->u, (text)))                                                            \
            fail(__LINE__, (a), "expected on the screen:", (text));                                \
    } while (0)
#define SHOWS_NOT(a, text)                                                                         \
    do {                                                                                           \
        check_count++;                                                                             \
        if (ui_shows(&(a)->u, (text)))                                                             \
            fail(__LINE__, (a), "expected not on the screen:", (text));                            \
    } while (0)
#define SCREEN(a, name) CHECK_STR(name, app_screen_name(a))

/* Simulated time passes, in steps no longer than the timers ask (as the
 * script runner's wait), and the screen is drawn if it changed. */
static void advance(app *a, int64_t ms)
{
    while (ms > 0) {
        int next = screens_tick(a);
        int64_t step = next > 0 && next < ms ? next : ms;
        if (step > 1000)
            step = 1000;
        int64_t before = f.fc.mono_ms;
        f.fc.mono_ms += step;
        f.fc.wall_s += f.fc.mono_ms / 1000 - before / 1000;
        ms -= step;
    }
    screens_tick(a);
    if (a->dirty)
        screens_draw(a);
}

static const char *t(app *a, const char *key)
{
    return i18n_get(cat, a->lang, key);
}

static bool same_color(plat_color x, plat_color y)
{
    return x.r == y.r && x.g == y.g && x.b == y.b;
}

/* The colour inside a widget's box, at its right end (clear of its
 * label and outline), as the last frame shown painted it. */
static plat_color widget_color(kiosk *k, const char *name)
{
    const ui_widget *w = ui_find(&k->a->u, name);
    plat_color none = {1, 2, 3, 0};
    if (!w)
        return none;
    return plat_headless_pixel(k->p, w->r.x + w->r.w - 6, w->r.y + w->r.h / 2);
}

/* What another handle on the store sees of the trainee's attempt in
 * progress, as a second process (or the kiosk after a power cut) would. */
typedef struct {
    bool found;
    int current;
    uint32_t selected;
    bool flagged;
    char id[33];
} seen;

static seen store_sees(const char *trainee, int pos)
{
    seen s = {0};
    sq_err e;
    sq_store *other = NULL;
    sq_attempt *att = NULL;
    sq_item_view v;
    if (sq_store_open(f.db_path, f.keys, &f.clock, &other, &e) == SQ_OK &&
        sq_attempt_resume(other, "demo", trainee, &att, &e) == SQ_OK &&
        sq_attempt_item(att, pos, SQ_LANG_EN, &v, &e) == SQ_OK) {
        s.found = true;
        s.current = sq_attempt_current(att);
        s.selected = v.selected;
        s.flagged = v.flagged;
        snprintf(s.id, sizeof s.id, "%s", sq_attempt_id(att));
    }
    sq_attempt_free(att);
    sq_store_close(other);
    return s;
}

static int64_t pending_results(void)
{
    int64_t pending = -1, last = 0;
    sq_err e;
    if (sq_batch_counts(f.store, &pending, &last, &e))
        return -1;
    return pending;
}

/* From welcome to the first item: language, ID on the keys, the name
 * typed (the exam has no roster), the exam, its instructions, start. */
/* Welcome to the exam list as the test trainee in lang (the name typed
 * when the kiosk asks for it). */
static void identify_as_trainee(app *a, const char *lang)
{
    char name[16];
    snprintf(name, sizeof name, "lang-%s", lang);
    TAP(a, name);
    KEYS(a, TRAINEE);
    TAP(a, "continue");
    if (!strcmp(app_screen_name(a), "identify")) {
        screens_type(a, "Test Trainee");
        screens_draw(a);
        TAP(a, "continue");
    }
}

static void start_exam(app *a, const char *lang)
{
    identify_as_trainee(a, lang);
    TAP(a, "exam:demo");
    TAP(a, "start");
    SCREEN(a, "item");
}

/* ---- the headless platform itself ---- */

/* Reads back a PNG written by plat_screenshot: its size and the pixel at
 * x, y (RGB, no filters, as plat_headless writes them). */
static int png_pixel(const char *path, int *w, int *h, int x, int y, uint8_t rgb[3])
{
    size_t len = 0;
    uint8_t *b = fx_read(path, &len), *z = NULL, *raw = NULL;
    int rc = -1;
    size_t zlen = 0;
    if (!b || len < 33 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0)
        goto out;
    *w = (int)((uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19]);
    *h = (int)((uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23]);
    z = malloc(len);
    for (size_t o = 8; z && o + 12 <= len;) {
        size_t n = (size_t)b[o] << 24 | (size_t)b[o + 1] << 16 | (size_t)b[o + 2] << 8 | b[o + 3];
        if (o + 12 + n > len)
            goto out;
        /* Every chunk's CRC, of its type and data. */
        uLong crc = crc32(0, b + o + 4, (uInt)(4 + n));
        const uint8_t *c = b + o + 8 + n;
        if (crc != ((uLong)c[0] << 24 | (uLong)c[1] << 16 | (uLong)c[2] << 8 | c[3]))
            goto out;
        if (!memcmp(b + o + 4, "IDAT", 4)) {
            memcpy(z + zlen, b + o + 8, n);
            zlen += n;
        }
        o += 12 + n;
    }
    uLongf raw_len = (uLongf)((size_t)*w * 3 + 1) * (uLongf)*h;
    raw = malloc(raw_len);
    if (!raw || uncompress(raw, &raw_len, z, zlen) != Z_OK ||
        raw_len != (uLongf)((size_t)*w * 3 + 1) * (uLongf)*h)
        goto out;
    const uint8_t *row = raw + (size_t)y * ((size_t)*w * 3 + 1);
    if (row[0] != 0)
        goto out;
    memcpy(rgb, row + 1 + (size_t)x * 3, 3);
    rc = 0;
out:
    free(b);
    free(z);
    free(raw);
    return rc;
}

static void test_plat(void)
{
    char err[256], path[400];
    plat *p = NULL;
    plat_event ev;
    plat_headless_log log;
    plat_color red = {200, 0, 0, 255}, shade = {0, 0, 0, 128}, white = {255, 255, 255, 255};
    int w, h;
    plat_config dflt = {0, 0, false, false, NULL, NULL};
    CHECK_INT(0, plat_open(&dflt, &p, err, sizeof err));
    plat_size(p, &w, &h);
    CHECK_INT(1280, w);
    CHECK_INT(800, h);
    /* Widths count code points: 5 Cyrillic letters (10 bytes) at 20 px. */
    CHECK_INT(5 * 12, plat_text_width(p, 20, false, "Сынақ", strlen("Сынақ")));
    CHECK_INT(3 * 12, plat_text_width(p, 20, true, "a b", 3));
    CHECK_INT(25, plat_line_height(p, 20));
    CHECK(plat_has_glyph(p, 20, 0x04d9) && plat_has_glyph(p, 20, 0x20b8));
    CHECK(!plat_has_glyph(p, 20, 0x1f600));
    size_t bytes = 1;
    int entries = 1;
    plat_text_cache(p, &bytes, &entries);
    CHECK_INT(0, bytes);
    CHECK_INT(0, entries);

    /* Input: in order; the queue bounded; empty, a quit. */
    plat_event down = {.type = PLAT_DOWN, .x = 10, .y = 20}, up = {.type = PLAT_UP, .x = 11};
    CHECK_INT(0, plat_headless_push(p, &down));
    CHECK_INT(0, plat_headless_push(p, &up));
    CHECK_INT(1, plat_wait(p, -1, &ev));
    CHECK_INT(PLAT_DOWN, ev.type);
    CHECK_INT(20, ev.y);
    CHECK_INT(1, plat_wait(p, 100, &ev));
    CHECK_INT(PLAT_UP, ev.type);
    CHECK_INT(1, plat_wait(p, 100, &ev));
    CHECK_INT(PLAT_QUIT, ev.type);
    int pushed = 0;
    while (plat_headless_push(p, &down) == 0 && pushed <= PLAT_HEADLESS_QUEUE)
        pushed++;
    CHECK_INT(PLAT_HEADLESS_QUEUE, pushed);
    CHECK_INT(-1, plat_headless_resize(p, 800, 480)); /* no room for its event */
    while (plat_headless_queued(p))
        plat_wait(p, 0, &ev);

    /* The log: a frame shows once presented; clipped text is not drawn. */
    plat_clear(p, white);
    plat_fill(p, 10, 10, 100, 50, red);
    plat_outline(p, 200, 10, 100, 50, 3, red);
    plat_text(p, 20, 100, 20, true, red, "Сәлем ✓ 😀", strlen("Сәлем ✓ 😀"));
    plat_clip(p, 0, 0, 400, 300);
    plat_text(p, 0, 700, 20, false, red, "hidden", 6);
    plat_fill(p, 350, 250, 100, 100, shade);
    plat_clip(p, 0, 0, 0, 0);
    plat_headless_frame(p, &log);
    CHECK_INT(0, log.n_ops); /* not presented yet */
    plat_present(p);
    plat_headless_frame(p, &log);
    CHECK_INT(1, log.frames);
    CHECK_INT(0, log.dropped);
    CHECK_INT(7, log.n_ops); /* clear, fill, outline, text, clip, fill, clip */
    CHECK_INT(PLAT_OP_CLEAR, log.ops[0].kind);
    CHECK_INT(PLAT_OP_OUTLINE, log.ops[2].kind);
    CHECK_INT(3, log.ops[2].t);
    CHECK_INT(PLAT_OP_TEXT, log.ops[3].kind);
    CHECK_STR("Сәлем ✓ 😀", log.ops[3].text);
    CHECK_INT(9 * 12, log.ops[3].w);
    CHECK_INT(400, log.ops[5].clip_w);
    CHECK(plat_headless_find_text(p, "✓") == &log.ops[3]);
    CHECK(plat_headless_find_text(p, "hidden") == NULL);
    /* ✓ (U+2713, dingbats) and the emoji are outside the set. */
    CHECK(plat_missing_glyphs(p));
    CHECK(same_color(red, plat_headless_pixel(p, 10, 10)));
    CHECK(same_color(white, plat_headless_pixel(p, 110, 10)));
    CHECK(same_color(red, plat_headless_pixel(p, 201, 11)));
    CHECK(same_color(white, plat_headless_pixel(p, 250, 35)));
    plat_color half = plat_headless_pixel(p, 360, 260); /* the shade over white */
    CHECK_INT(255 * 127 / 255, half.r);
    CHECK(same_color(white, plat_headless_pixel(p, 420, 260))); /* clipped away */
    /* The first glyph's box, and none for the space after "Сәлем". */
    CHECK(same_color(red, plat_headless_pixel(p, 20 + 6, 100 + 12)));
    CHECK(same_color(white, plat_headless_pixel(p, 20 + 5 * 12 + 6, 100 + 12)));

    /* The shot: a real PNG of the same pixels. */
    snprintf(path, sizeof path, "%s/shot.png", f.dir);
    CHECK_INT(0, plat_screenshot(p, path, err, sizeof err));
    uint8_t rgb[3] = {0, 0, 0};
    int pw = 0, ph = 0;
    CHECK_INT(0, png_pixel(path, &pw, &ph, 360, 260, rgb));
    CHECK_INT(1280, pw);
    CHECK_INT(800, ph);
    CHECK_INT(half.r, rgb[0]);
    CHECK_INT(0, png_pixel(path, &pw, &ph, 10, 10, rgb));
    CHECK_INT(200, rgb[0]);
    snprintf(path, sizeof path, "%s/no/such/folder/shot.png", f.dir);
    CHECK_INT(-1, plat_screenshot(p, path, err, sizeof err));
    CHECK_CONTAINS("no/such/folder/shot.png", err);

    /* Images: a PNG's size from its header; anything else, none. */
    static const uint8_t png[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    1,    0xe0, 0, 0, 1, 0x40};
    static const uint8_t jpeg[64] = {0xff, 0xd8, 0xff, 0xe0};
    int iw = 0, ih = 0;
    int img = plat_image_load(p, png, sizeof png, &iw, &ih);
    CHECK(img > 0);
    CHECK_INT(480, iw);
    CHECK_INT(320, ih);
    CHECK_INT(0, plat_image_load(p, jpeg, sizeof jpeg, &iw, &ih));
    CHECK_INT(0, plat_image_load(p, png, 20, &iw, &ih));
    plat_clear(p, white);
    plat_image(p, img, 5, 6, 48, 32);
    plat_image_free(p, img);
    plat_image(p, img, 5, 6, 48, 32); /* freed: nothing */
    plat_present(p);
    plat_headless_frame(p, &log);
    CHECK_INT(2, log.n_ops);
    CHECK_INT(PLAT_OP_IMAGE, log.ops[1].kind);
    CHECK_INT(img, log.ops[1].image);

    /* A resize: the size and an event. */
    CHECK_INT(0, plat_headless_resize(p, 800, 480));
    plat_size(p, &w, &h);
    CHECK_INT(800, w);
    CHECK_INT(480, h);
    CHECK_INT(1, plat_wait(p, 0, &ev));
    CHECK_INT(PLAT_RESIZE, ev.type);
    plat_close(p);
}

/* ---- the trainee: tap, state, store ---- */

static void keys_fit_finger(app *a, int line);

static void test_walk(void)
{
    kiosk k;
    if (kiosk_open(&k, 1280, 800, 4, 20, false)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    SCREEN(a, "welcome");
    for (int l = 0; l < N_LANGS; l++)
        SHOWS(a, i18n_get(cat, l, "welcome.title"));
    SHOWS(a, "kiosk-01 · Test district");
    TAP(a, "lang-en");
    SCREEN(a, "identify");
    CHECK_INT(LANG_EN, a->lang);
    /* No ID; then the ID on the keys, with a slip taken back. */
    TAP(a, "continue");
    SCREEN(a, "identify");
    SHOWS(a, t(a, "id.empty"));
    KEYS(a, TRAINEE "7");
    TAP(a, "key:backspace");
    CHECK_STR(TRAINEE, a->exam.id);
    SHOWS(a, TRAINEE "|");
    SHOWS_NOT(a, t(a, "id.empty"));
    /* No roster: the name is asked for, typed on a keyboard. */
    TAP(a, "continue");
    SCREEN(a, "identify");
    SHOWS(a, t(a, "id.need_name"));
    CHECK_INT(1, a->exam.field);
    keys_fit_finger(a, __LINE__);
    screens_type(a, "Test Trainee");
    screens_draw(a);
    TAP(a, "continue");
    SCREEN(a, "exams");
    SHOWS(a, "Test Trainee");
    TAP(a, "exam:demo");
    SCREEN(a, "info");
    TAP(a, "back");
    SCREEN(a, "exams");
    TAP(a, "exam:demo");
    TAP(a, "start");
    SCREEN(a, "item");
    CHECK(a->exam.att != NULL);
    CHECK_INT(4, a->exam.att ? sq_attempt_count(a->exam.att) : 0);
    SHOWS(a, "1 / 4");

    /* A tap on an option: in the store before the draw that shows it. */
    CHECK(same_color(a->u.th.panel, widget_color(&k, "option-2")));
    TAP_ONLY(a, "option-2");
    seen s = store_sees(TRAINEE, 0);
    CHECK(s.found);
    CHECK_INT(2, s.selected);
    CHECK(same_color(a->u.th.panel, widget_color(&k, "option-2"))); /* not drawn yet */
    screens_draw(a);
    CHECK(same_color(a->u.th.selected, widget_color(&k, "option-2")));
    CHECK(same_color(a->u.th.panel, widget_color(&k, "option-1")));
    /* One choice: another option replaces it; the same again clears it. */
    TAP(a, "option-3");
    CHECK_INT(4, store_sees(TRAINEE, 0).selected);
    TAP(a, "option-3");
    CHECK_INT(0, store_sees(TRAINEE, 0).selected);
    TAP(a, "option-2");
    CHECK_INT(2, store_sees(TRAINEE, 0).selected);

    /* Flag, move on: both committed. */
    TAP(a, "flag");
    SHOWS(a, t(a, "item.flagged"));
    CHECK(store_sees(TRAINEE, 0).flagged);
    CHECK(same_color(a->u.th.selected, widget_color(&k, "flag")));
    TAP(a, "next");
    SHOWS(a, "2 / 4");
    CHECK_INT(1, store_sees(TRAINEE, 1).current);
    CHECK_INT(0, store_sees(TRAINEE, 1).selected);
    CHECK(!ui_find(&a->u, "review")); /* not on the last item yet */

    /* The grid: answered items look selected, a jump to item 3. */
    TAP(a, "grid");
    SCREEN(a, "grid");
    CHECK(same_color(a->u.th.selected, widget_color(&k, "goto-1")));
    CHECK(same_color(a->u.th.button, widget_color(&k, "goto-2")));
    TAP(a, "goto-3");
    SCREEN(a, "item");
    SHOWS(a, "3 / 4");
    CHECK_INT(2, store_sees(TRAINEE, 2).current);
    TAP(a, "option-1");
    CHECK_INT(1, store_sees(TRAINEE, 2).selected);

    /* The review: 2 of 4 answered, 1 flagged; buttons for items 2 and 4
     * (unanswered) and 1 (flagged), none for 3. */
    TAP(a, "grid");
    TAP(a, "review");
    SCREEN(a, "review");
    char line[256];
    i18n_fmt(cat, a->lang, "review.summary", line, sizeof line, "answered", "2", "total", "4",
             "flagged", "1", NULL);
    SHOWS(a, line);
    i18n_fmt(cat, a->lang, "review.unanswered", line, sizeof line, "list", "2, 4", NULL);
    SHOWS(a, line);
    CHECK(ui_find(&a->u, "goto-1") && ui_find(&a->u, "goto-2") && ui_find(&a->u, "goto-4"));
    CHECK(!ui_find(&a->u, "goto-3"));
    TAP(a, "goto-4");
    SHOWS(a, "4 / 4");
    TAP(a, "option-4");
    CHECK(ui_find(&a->u, "review") && !ui_find(&a->u, "next"));
    TAP(a, "review");

    /* Submit: "no" keeps the attempt open; "yes" makes the result. */
    TAP(a, "submit");
    SCREEN(a, "confirm");
    TAP(a, "confirm-no");
    SCREEN(a, "review");
    CHECK_INT(0, pending_results());
    CHECK(store_sees(TRAINEE, 0).found);
    TAP(a, "submit");
    TAP(a, "confirm-yes");
    SCREEN(a, "result");
    SHOWS(a, t(a, "result.submitted"));
    SHOWS(a, t(a, a->exam.outcome.passed ? "result.passed" : "result.failed"));
    CHECK_INT(4000, a->exam.outcome.max_milli);
    CHECK(a->exam.att == NULL);
    CHECK_INT(1, pending_results());
    CHECK(!store_sees(TRAINEE, 0).found); /* no attempt open any more */
    TAP(a, "done");
    SCREEN(a, "welcome");
    CHECK_STR("", a->exam.id);
    kiosk_close(&k);
}

/* The review after submission (issue 16, item 10): an exam of 4 items
 * (the first option right, shown in order, each with an explanation)
 * under review_after MODE; items 1 and 4 answered right, 2 wrong, 3 not
 * at all. */
static char *review_exam(const char *mode)
{
    size_t cap = 4096, n;
    char *y = malloc(cap);
    if (!y)
        return NULL;
    n = (size_t)snprintf(y, cap,
                         "exam: demo\nversion: 1\ntitle: {kk: Сынақ, ru: Тест, en: Test}\n"
                         "pass_mark: 50\nshuffle_items: no\nshuffle_options: no\n%s%s%sitems:\n",
                         mode ? "review_after: " : "", mode ? mode : "", mode ? "\n" : "");
    for (int i = 1; i <= 4; i++)
        n += (size_t)snprintf(y + n, cap - n,
                              "  - id: q%d\n    type: single\n"
                              "    text: {en: Question text %d?}\n"
                              "    options:\n      - {en: Right %d, correct: yes}\n"
                              "      - {en: Wrong %d}\n      - {en: Other %d}\n"
                              "    explanation: {en: Because of rule %d., kk: Ереже %d бойынша.}\n",
                              i, i, i, i, i, i, i);
    return y;
}

/* From the first item: the answers above, submitted; on the result. */
static void answer_and_submit(app *a)
{
    TAP(a, "option-1");
    TAP(a, "next");
    TAP(a, "option-2");
    /* Never before submission: not on the item, and not from the library. */
    SHOWS_NOT(a, "Because of rule 2.");
    sq_review *early = NULL;
    sq_err e;
    CHECK_INT(SQ_ESTATE, sq_attempt_review(a->exam.att, LANG_EN, &early, &e));
    CHECK(early == NULL);
    TAP(a, "next");
    TAP(a, "next");
    TAP(a, "option-1");
    TAP(a, "review");
    TAP(a, "submit");
    TAP(a, "confirm-yes");
    SCREEN(a, "result");
}

static void test_review_after(void)
{
    kiosk k;
    char line[128];
    char *yaml;

    /* mistakes: exactly items 2 and 3, with the answers and item 2's
     * explanation; nothing of items 1 and 4. */
    yaml = review_exam("mistakes");
    if (!yaml || kiosk_open_exam(&k, 1280, 800, yaml, false)) {
        CHECK(!"the station");
        free(yaml);
        kiosk_close(&k);
        return;
    }
    free(yaml);
    app *a = k.a;
    start_exam(a, "en");
    answer_and_submit(a);
    CHECK_INT(SQ_REVIEW_MISTAKES, a->exam.outcome.review);
    CHECK_INT(2, a->exam.outcome.n_wrong);
    CHECK(a->exam.review != NULL);
    if (a->exam.review) {
        CHECK_INT(2, a->exam.review->n);
        CHECK_INT(1, a->exam.review->items[0].pos);
        CHECK_INT(2, a->exam.review->items[1].pos);
        CHECK_INT(2, a->exam.review->items[0].selected);
        CHECK_INT(1, a->exam.review->items[0].correct);
        CHECK_INT(0, a->exam.review->items[1].selected);
    }
    i18n_fmt(cat, a->lang, "result.see_mistakes", line, sizeof line, "n", "2", NULL);
    SHOWS(a, line);
    TAP(a, "answers");
    SCREEN(a, "answers");
    i18n_fmt(cat, a->lang, "answers.question", line, sizeof line, "n", "2", NULL);
    SHOWS(a, line);
    SHOWS(a, "Question text 2?");
    SHOWS(a, t(a, "answers.wrong"));
    i18n_fmt(cat, a->lang, "answers.yours", line, sizeof line, "list", "B", NULL);
    SHOWS(a, line);
    i18n_fmt(cat, a->lang, "answers.correct", line, sizeof line, "list", "A", NULL);
    SHOWS(a, line);
    SHOWS(a, "Because of rule 2.");
    SHOWS_NOT(a, "Question text 1?");
    TAP(a, "answers-next");
    i18n_fmt(cat, a->lang, "answers.question", line, sizeof line, "n", "3", NULL);
    SHOWS(a, line);
    SHOWS(a, t(a, "answers.unanswered"));
    SHOWS(a, "Because of rule 3.");
    /* The last mistake: next leads nowhere; items 1 and 4 never show. */
    TAP(a, "answers-next");
    SHOWS(a, line);
    SHOWS_NOT(a, "Question text 4?");
    TAP(a, "answers-prev");
    SHOWS(a, "Question text 2?");
    TAP(a, "answers-back");
    SCREEN(a, "result");
    TAP(a, "done");
    SCREEN(a, "welcome");
    /* Nothing of it is left for the next trainee. */
    CHECK(a->exam.review == NULL);
    kiosk_close(&k);

    /* none: the result says it is submitted, no score, no review. */
    yaml = review_exam("none");
    if (!yaml || kiosk_open_exam(&k, 1280, 800, yaml, false)) {
        CHECK(!"the station");
        free(yaml);
        kiosk_close(&k);
        return;
    }
    free(yaml);
    a = k.a;
    start_exam(a, "en");
    answer_and_submit(a);
    CHECK_INT(SQ_REVIEW_NONE, a->exam.outcome.review);
    CHECK(a->exam.review == NULL);
    CHECK(!ui_find(&a->u, "answers"));
    SHOWS(a, t(a, "result.submitted"));
    SHOWS_NOT(a, t(a, "result.passed"));
    SHOWS_NOT(a, t(a, "result.failed"));
    SHOWS_NOT(a, "Because of rule 2.");
    kiosk_close(&k);

    /* No review_after: the score, as before, and no review. */
    yaml = review_exam(NULL);
    if (!yaml || kiosk_open_exam(&k, 1280, 800, yaml, false)) {
        CHECK(!"the station");
        free(yaml);
        kiosk_close(&k);
        return;
    }
    free(yaml);
    a = k.a;
    start_exam(a, "en");
    answer_and_submit(a);
    CHECK_INT(SQ_REVIEW_SCORE, a->exam.outcome.review);
    CHECK(a->exam.review == NULL);
    CHECK(!ui_find(&a->u, "answers"));
    SHOWS(a, t(a, "result.passed"));
    kiosk_close(&k);

    /* full: every item, the right ones too. */
    yaml = review_exam("full");
    if (!yaml || kiosk_open_exam(&k, 1280, 800, yaml, false)) {
        CHECK(!"the station");
        free(yaml);
        kiosk_close(&k);
        return;
    }
    free(yaml);
    a = k.a;
    start_exam(a, "en");
    answer_and_submit(a);
    CHECK_INT(4, a->exam.review ? a->exam.review->n : -1);
    SHOWS(a, t(a, "result.see_answers"));
    TAP(a, "answers");
    SHOWS(a, "Question text 1?");
    SHOWS(a, t(a, "answers.right"));
    SHOWS(a, "Because of rule 1.");
    kiosk_close(&k);
}

/* The attempt's timers on a 6-minute exam: the warnings at 5 and 1 minute
 * left and not a millisecond before, the end at zero. */
static void test_timers(void)
{
    kiosk k;
    if (kiosk_open(&k, 800, 480, 3, 6, false)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    start_exam(a, "ru");
    TAP(a, "option-1");
    advance(a, 59999);
    SCREEN(a, "item");
    advance(a, 1);
    SCREEN(a, "warn5");
    SHOWS(a, t(a, "warn.5min"));
    TAP(a, "warn-ok");
    SCREEN(a, "item");
    /* A touch now and then keeps the idle warning away. */
    advance(a, 150000);
    screens_touched(a);
    advance(a, 89999);
    SCREEN(a, "item");
    advance(a, 1);
    SCREEN(a, "warn1");
    SHOWS(a, t(a, "warn.1min"));
    TAP(a, "warn-ok");
    advance(a, 59000);
    SCREEN(a, "item");
    char left[64];
    i18n_fmt(cat, a->lang, "item.time_left", left, sizeof left, "time", "0:01", NULL);
    SHOWS(a, left);
    CHECK_INT(0, pending_results());
    advance(a, 1000);
    SCREEN(a, "result");
    SHOWS(a, t(a, "result.timeout"));
    CHECK(a->exam.timed_out);
    CHECK_INT(1, pending_results());
    CHECK(!store_sees(TRAINEE, 0).found);
    kiosk_close(&k);
}

/* Idle: the warning with its countdown, back to welcome with nothing of
 * the trainee left, and the same attempt back for the same trainee. */
static void test_idle(void)
{
    kiosk k;
    if (kiosk_open(&k, 800, 480, 3, 30, false)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    /* On the identification screen: 3 minutes, then 30 s. */
    TAP(a, "lang-kk");
    KEYS(a, "4711");
    advance(a, APP_IDLE_MS - 1);
    SCREEN(a, "identify");
    advance(a, 1);
    SCREEN(a, "idle");
    char text[512];
    i18n_fmt(cat, a->lang, "idle.text", text, sizeof text, "n", "30", NULL);
    SHOWS(a, text);
    advance(a, 10000);
    i18n_fmt(cat, a->lang, "idle.text", text, sizeof text, "n", "20", NULL);
    SHOWS(a, text);
    advance(a, APP_IDLE_GRACE_MS - 10000);
    SCREEN(a, "welcome");
    CHECK_STR("", a->exam.id);
    TAP(a, "lang-kk");
    SHOWS_NOT(a, "4711");
    TAP(a, "back");

    /* Welcome itself never times out. */
    advance(a, 2 * APP_IDLE_MS);
    SCREEN(a, "welcome");

    /* On an item: "continue" closes the warning and taps nothing under it. */
    start_exam(a, "en");
    TAP(a, "option-2");
    TAP(a, "next");
    advance(a, APP_IDLE_MS);
    SCREEN(a, "idle");
    const ui_widget *cont = ui_find(&a->u, "idle-continue");
    bool over_option = false;
    for (int i = 1; cont && i <= 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "option-%d", i);
        const ui_widget *o = ui_find(&a->u, name);
        int cx = cont->r.x + cont->r.w / 2, cy = cont->r.y + cont->r.h / 2;
        over_option |=
            o && cx >= o->r.x && cx < o->r.x + o->r.w && cy >= o->r.y && cy < o->r.y + o->r.h;
    }
    CHECK(over_option); /* else the check below proves nothing */
    seen before = store_sees(TRAINEE, 1);
    TAP(a, "idle-continue");
    SCREEN(a, "item");
    seen after = store_sees(TRAINEE, 1);
    CHECK_INT(before.selected, after.selected);
    CHECK_INT(0, after.selected);
    /* Left alone: the warning, then welcome; the attempt stays open. */
    advance(a, APP_IDLE_MS + APP_IDLE_GRACE_MS);
    SCREEN(a, "welcome");
    CHECK(a->exam.att == NULL);
    SHOWS_NOT(a, "Test Trainee");
    seen open = store_sees(TRAINEE, 0);
    CHECK(open.found);
    CHECK_INT(2, open.selected);
    /* The same trainee is offered to continue it, and gets it back. */
    identify_as_trainee(a, "en");
    SCREEN(a, "exams");
    SHOWS(a, t(a, "exams.resume"));
    TAP(a, "exam:demo");
    SCREEN(a, "item");
    SHOWS(a, "2 / 3");
    CHECK_STR(open.id, a->exam.att ? sq_attempt_id(a->exam.att) : "");
    kiosk_close(&k);
}

/* The exam's clock while the trainee is away (issue 16, item 2). Running
 * (the default): a trainee leaves an item, the kiosk goes back to welcome
 * after its idle time, and the clock goes on; back after the limit, the
 * resume ends the attempt at once, and the result screen says that the
 * time ran out while the exam was left. Paused: the same walk comes back
 * to the item with the time it had. */
static void idle_clock(bool paused)
{
    kiosk k;
    exam_extra = paused ? "clock: paused\n" : "";
    int rc = kiosk_open(&k, 800, 480, 3, 5, false);
    exam_extra = "";
    if (rc) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    identify_as_trainee(a, "kk");
    TAP(a, "exam:demo");
    SCREEN(a, "info");
    if (paused)
        SHOWS_NOT(a, t(a, "info.clock_running"));
    else
        SHOWS(a, t(a, "info.clock_running"));
    TAP(a, "start");
    SCREEN(a, "item");
    TAP(a, "option-1");
    /* Walks away: the warning, then welcome after 3.5 minutes. */
    advance(a, APP_IDLE_MS + APP_IDLE_GRACE_MS);
    SCREEN(a, "welcome");
    CHECK(a->exam.att == NULL);
    CHECK_INT(0, pending_results());
    /* Back 2 minutes later: 5.5 minutes since the start. */
    advance(a, 120000);
    SCREEN(a, "welcome");
    identify_as_trainee(a, "kk");
    SCREEN(a, "exams");
    SHOWS(a, t(a, "exams.resume"));
    TAP(a, "exam:demo");
    advance(a, 0);
    if (paused) {
        /* 1.5 minutes left: the idle time did not count (the 5-minute
         * warning is over the item). */
        CHECK_INT(SCR_ITEM, a->scr);
        SCREEN(a, "warn5");
        CHECK_INT(90000, sq_attempt_time_left_ms(a->exam.att));
        CHECK_INT(0, pending_results());
        kiosk_close(&k);
        return;
    }
    SCREEN(a, "result");
    SHOWS(a, t(a, "result.timeout_away"));
    SHOWS_NOT(a, t(a, "result.timeout"));
    CHECK(a->exam.timed_out);
    CHECK(a->exam.outcome.timed_out);
    CHECK_INT(1, pending_results());
    CHECK(!store_sees(TRAINEE, 0).found);
    kiosk_close(&k);
}

static void test_idle_clock(void)
{
    idle_clock(false);
    idle_clock(true);
}

/* ---- the keyboard stays put (issue 16, item 6) ---- */

/* Taps text at the places its keys had in an earlier frame (rects), as a
 * finger that learned the keyboard does, drawing after each tap. */
static void type_at(app *a, const ui_rect *rects, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        screens_tap(a, rects[i].x + rects[i].w / 2, rects[i].y + rects[i].h / 2);
        screens_draw(a);
    }
}

static bool key_rects(app *a, const char *const *keys, size_t n, ui_rect *out, int line)
{
    for (size_t i = 0; i < n; i++) {
        char name[40];
        snprintf(name, sizeof name, "key:%s", keys[i]);
        const ui_widget *w = ui_find(&a->u, name);
        check_count++;
        if (!w) {
            fail(line, a, "no widget", name);
            return false;
        }
        out[i] = w->r;
    }
    return true;
}

/* Every key of the on-screen keyboard on show is at least 48 px each way
 * (a finger), and inside the screen. */
static void keys_fit_finger(app *a, int line)
{
    int n = 0;
    for (int i = 0; i < a->u.n_widgets; i++) {
        const ui_widget *w = &a->u.widgets[i];
        if (strncmp(w->name, "key:", 4) != 0)
            continue;
        n++;
        check_count++;
        if (w->r.w < 48 || w->r.h < 48 || w->r.x < 0 || w->r.y < 0 ||
            w->r.x + w->r.w > a->u.w || w->r.y + w->r.h > a->u.h) {
            char what[160];
            snprintf(what, sizeof what, "%s is %dx%d at %d,%d on %dx%d", w->name, w->r.w, w->r.h,
                     w->r.x, w->r.y, a->u.w, a->u.h);
            fail(line, a, "a key smaller than 48 px or off the screen:", what);
            return;
        }
    }
    check_count++;
    if (n < 10)
        fail(line, a, "too few keys on show", "");
}

/* The least screen, by orientation: 800x480 landscape, 600x800 portrait
 * (a 600x1024 tablet passes; 480 wide does not). */
static void test_screen_fits(void)
{
    static const struct {
        int w, h;
        bool fits;
        const char *phrase;
    } cases[] = {
        {800, 480, true, NULL},
        {1280, 800, true, NULL},
        {1024, 600, true, NULL},
        {600, 1024, true, NULL},
        {600, 800, true, NULL},
        {1080, 1920, true, NULL},
        {799, 480, false, "the screen is 799x480 (landscape); the least is 800x480 in landscape"},
        {800, 479, false, "the screen is 800x479 (landscape)"},
        {640, 400, false, "the screen is 640x400 (landscape)"},
        {480, 800, false, "the screen is 480x800 (portrait); the least is 800x480 in landscape, "
                          "600x800 in portrait"},
        {599, 1024, false, "the screen is 599x1024 (portrait)"},
        {600, 799, false, "the screen is 600x799 (portrait)"},
        {0, 0, false, "the screen is 0x0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char why[160] = "";
        bool fits = app_screen_fits(cases[i].w, cases[i].h, why, sizeof why);
        CHECK_INT(cases[i].fits, fits);
        if (cases[i].phrase) {
            check_count++;
            if (!strstr(why, cases[i].phrase)) {
                check_failures++;
                fprintf(stderr, "%s:%d: %dx%d: expected \"%s\" in \"%s\"\n", __FILE__, __LINE__,
                        cases[i].w, cases[i].h, cases[i].phrase, why);
            }
        }
    }
    CHECK(!app_screen_fits(10, 10, NULL, 0));
}

static void test_keyboard_steady(int lang, int w, int h)
{
    static const char *const codes[] = {"lang-kk", "lang-ru", "lang-en"};
    kiosk k;
    if (kiosk_open(&k, w, h, 3, 30, false)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    TAP(a, codes[lang]);
    SCREEN(a, "identify");
    /* The ID's keys where they are with no message. */
    static const char *const digits[] = {"9", "0", "0", "1", "0", "1", "3", "0", "0", "1", "2", "3"};
    enum { N_DIGITS = sizeof digits / sizeof *digits };
    ui_rect at[N_DIGITS];
    if (!key_rects(a, digits, N_DIGITS, at, __LINE__)) {
        kiosk_close(&k);
        return;
    }
    /* "Continue" with no ID: a message comes; typing makes it go. While
     * it shows, every key of the keyboard is still a finger's size. */
    TAP(a, "continue");
    SHOWS(a, t(a, "id.empty"));
    keys_fit_finger(a, __LINE__);
    type_at(a, at, N_DIGITS);
    CHECK_STR(TRAINEE, a->exam.id);
    SHOWS_NOT(a, t(a, "id.empty"));
    /* The name's keys, with no message (the name field chosen; an empty
     * name shows capitals, the next letters small, on the same keys). */
    TAP(a, "field:name");
    static const char *const cyrillic[] = {"Т", "Е", "С", "Т"};
    static const char *const latin[] = {"T", "E", "S", "T"};
    const char *const *letters = lang == 2 ? latin : cyrillic;
    enum { N_LETTERS = 4 };
    ui_rect lat[N_LETTERS];
    if (!key_rects(a, letters, N_LETTERS, lat, __LINE__)) {
        kiosk_close(&k);
        return;
    }
    TAP(a, "field:id");
    /* No roster: "continue" asks for the name, in its message. */
    TAP(a, "continue");
    SCREEN(a, "identify");
    SHOWS(a, t(a, "id.need_name"));
    CHECK_INT(1, a->exam.field);
    keys_fit_finger(a, __LINE__);
    type_at(a, lat, N_LETTERS);
    /* (Capitals or small after the first: the keyboard's shift rule.) */
    check_count++;
    if (strcmp(a->exam.name, lang == 2 ? "TEST" : "ТЕСТ") != 0 &&
        strcmp(a->exam.name, lang == 2 ? "Test" : "Тест") != 0)
        fail(__LINE__, a, "the name typed is not TEST / ТЕСТ:", a->exam.name);
    kiosk_close(&k);
}

/* ---- who may sit (issue 16, item 1) ---- */

static void fits_at(kiosk *k, const char *what, int line);
#define FITS(k, what) fits_at(k, what, __LINE__)

#define OTHER "800202400456"
#define ROSTER                                                                                     \
    "roster:\n  - {id: \"" TRAINEE "\", name: Айгүл Сәрсенова, district: Алматы, "             \
    "birth_date: 31.01.1988}\n  - {id: \"" OTHER "\", name: Болат Ахметов, district: Алматы, "  \
    "birth_date: 1977-12-02}\n"

/* The invitation code of trainee id, as central prints it. */
static void code_of(const char *extra, const char *id, char out[16])
{
    char path[400];
    sq_err e;
    sq_roster_code *c = NULL;
    size_t n = 0;
    out[0] = 0;
    char *items = fx_exam_yaml("demo", 1, 3, 30);
    snprintf(path, sizeof path, "%s/codes.yaml", f.dir);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fprintf(fp, "%s%s", items, extra);
        fclose(fp);
    }
    free(items);
    sq_exam_set *set = sq_exam_set_new();
    if (sq_exam_set_load(set, path, &e) == SQ_OK &&
        sq_exam_set_codes(set, 0, f.central, &c, &n, &e) == SQ_OK)
        for (size_t i = 0; i < n; i++)
            if (!strcmp(c[i].id, id))
                snprintf(out, 16, "%s", c[i].code);
    CHECK(out[0] != 0);
    sq_free(c);
    sq_exam_set_free(set);
}

static void digits_at(app *a, const char *d, int line)
{
    for (; *d; d++) {
        char name[16];
        snprintf(name, sizeof name, "digit:%c", *d);
        if (!tap_at(a, name, true, line))
            return;
    }
}
#define DIGITS(a, d) digits_at(a, d, __LINE__)

static bool attempt_open(const char *trainee)
{
    bool open = true;
    sq_err e;
    if (sq_catalog_open_attempt(f.store, "demo", trainee, &open, &e))
        return true;
    return open;
}

static sq_audit_entry newest_audit(void)
{
    sq_audit_entry *l = NULL, out = {0};
    size_t n = 0;
    sq_err e;
    if (sq_tech_audit_list(f.store, 1, &l, &n, &e) == SQ_OK && n == 1)
        out = l[0];
    sq_free(l);
    return out;
}

static bool same_rect(ui_rect x, ui_rect y)
{
    return x.x == y.x && x.y == y.y && x.w == y.w && x.h == y.h;
}

/* An exam with codes and no list: the right code opens it, a wrong one is
 * refused and starts nothing, and another person's open attempt is not
 * resumed without the code either; wrong tries wait, and the keypad does
 * not move when the message comes. */
static void test_identity_code(void)
{
    static const char extra[] = "identity: code\nroster_list: no\n" ROSTER;
    char code[16], other_code[16];
    kiosk k;
    if (kiosk_open_with(&k, 800, 480, 3, 30, false, extra)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    code_of(extra, TRAINEE, code);
    code_of(extra, OTHER, other_code);
    TAP(a, "lang-en");
    SCREEN(a, "identify");
    /* roster_list: no - the names are not offered. */
    CHECK(ui_find(&a->u, "from-list") == NULL);
    KEYS(a, TRAINEE);
    TAP(a, "continue");
    SCREEN(a, "exams");
    TAP(a, "exam:demo");
    SCREEN(a, "check");
    SHOWS(a, t(a, "check.code"));
    FITS(&k, "check-code");
    const ui_widget *w5 = ui_find(&a->u, "digit:5");
    ui_rect at5 = w5 ? w5->r : ui_r(0, 0, 0, 0);

    /* Another's code: refused, said, logged, nothing started. */
    DIGITS(a, other_code);
    TAP(a, "continue");
    SCREEN(a, "check");
    SHOWS(a, t(a, "check.wrong_code"));
    CHECK(!attempt_open(TRAINEE));
    CHECK(a->exam.att == NULL);
    sq_audit_entry l = newest_audit();
    CHECK_STR("identity", l.action);
    CHECK_STR("auth", l.outcome);
    w5 = ui_find(&a->u, "digit:5");
    CHECK(w5 && same_rect(at5, w5->r));
    /* Too few digits: its own words, not counted. */
    DIGITS(a, "123");
    SHOWS_NOT(a, t(a, "check.wrong_code"));
    TAP(a, "continue");
    SHOWS(a, t(a, "check.bad_code"));
    CHECK_STR("invalid", newest_audit().outcome);

    /* The right one: the instructions, then the attempt. */
    DIGITS(a, code);
    TAP(a, "continue");
    SCREEN(a, "info");
    CHECK_STR("ok", newest_audit().outcome);
    /* Back to the list and in again: not asked twice in one session. */
    TAP(a, "back");
    TAP(a, "exam:demo");
    SCREEN(a, "info");
    TAP(a, "start");
    SCREEN(a, "item");
    TAP(a, "option-1");
    CHECK(attempt_open(TRAINEE));

    /* The trainee walks away; the attempt stays open. Someone else types
     * their id: the open attempt asks for the code as well. */
    advance(a, APP_IDLE_MS + APP_IDLE_GRACE_MS + 1000);
    SCREEN(a, "welcome");
    TAP(a, "lang-ru");
    KEYS(a, TRAINEE);
    TAP(a, "continue");
    SCREEN(a, "exams");
    SHOWS(a, t(a, "exams.resume"));
    TAP(a, "exam:demo");
    SCREEN(a, "check");
    CHECK(a->exam.att == NULL);
    for (int i = 0; i < 3; i++) {
        DIGITS(a, other_code);
        TAP(a, "continue");
        SCREEN(a, "check");
        CHECK(a->exam.att == NULL);
    }
    /* The third wrong one: a wait, said, with the keypad shut. */
    SHOWS(a, t(a, "check.wrong_code"));
    check_count++;
    if (!strstr(a->u.texts, "15"))
        fail(__LINE__, a, "the wait is not shown:", "15");
    DIGITS(a, "1");
    CHECK_STR("", a->exam.check);
    FITS(&k, "check-wait");
    /* During the wait even the right code goes unchecked. */
    screens_type(a, code);
    CHECK_STR("", a->exam.check);
    advance(a, 15000);
    DIGITS(a, code);
    TAP(a, "continue");
    /* Right: the attempt where it was left. */
    SCREEN(a, "item");
    CHECK(a->exam.att != NULL);
    kiosk_close(&k);
}

/* A date of birth on the digits keypad, shown with its dots; and the
 * proctor's PIN, shown as dots; the check screen fits in every language. */
static void test_identity_date_and_pin(void)
{
    kiosk k;
    if (kiosk_open_with(&k, 800, 480, 3, 30, false, "identity: birth_date\n" ROSTER)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    TAP(a, "lang-kk");
    /* The list is on by default: a name tapped, then the date. */
    TAP(a, "from-list");
    SCREEN(a, "roster");
    SHOWS(a, "Айгүл Сәрсенова");
    TAP(a, "person-2"); /* sorted by name: Айгүл, then Болат */
    SCREEN(a, "exams");
    TAP(a, "exam:demo");
    SCREEN(a, "check");
    FITS(&k, "check-date-empty");
    SHOWS(a, t(a, "check.date_hint"));
    CHECK_STR(OTHER, a->exam.id);
    /* Aigul's date is not Bolat's. */
    DIGITS(a, "31011988");
    TAP(a, "continue");
    SCREEN(a, "check");
    SHOWS(a, t(a, "check.wrong_date"));
    CHECK(!attempt_open(OTHER));
    DIGITS(a, "0212");
    SHOWS(a, "02.12.");
    DIGITS(a, "1977");
    SHOWS(a, "02.12.1977");
    TAP(a, "continue");
    SCREEN(a, "info");
    /* Not a day at all: its own words. */
    TAP(a, "back");
    for (int l = 0; l < N_LANGS; l++) {
        app_to_welcome(a);
        screens_draw(a);
        static const char *const langs[] = {"lang-kk", "lang-ru", "lang-en"};
        TAP(a, langs[l]);
        KEYS(a, OTHER);
        TAP(a, "continue");
        TAP(a, "exam:demo");
        SCREEN(a, "check");
        DIGITS(a, "31021977");
        TAP(a, "continue");
        SHOWS(a, t(a, "check.bad_date"));
        FITS(&k, "check-date-bad");
    }
    kiosk_close(&k);

    if (kiosk_open_with(&k, 800, 480, 3, 30, false, "identity: proctor\nproctor_pin: \"4821\"\n")) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    a = k.a;
    TAP(a, "lang-ru");
    KEYS(a, TRAINEE);
    TAP(a, "continue");
    screens_type(a, "Тест");
    screens_draw(a);
    TAP(a, "continue");
    TAP(a, "exam:demo");
    SCREEN(a, "check");
    SHOWS(a, t(a, "check.proctor"));
    DIGITS(a, "4812");
    SHOWS(a, "●●●●");
    SHOWS_NOT(a, "4812");
    TAP(a, "continue");
    SHOWS(a, t(a, "check.wrong_pin"));
    CHECK(!attempt_open(TRAINEE));
    DIGITS(a, "4821");
    TAP(a, "continue");
    SCREEN(a, "info");
    TAP(a, "start");
    SCREEN(a, "item");
    kiosk_close(&k);
}

/* ---- settings are one session's (issue 16, item 4) ---- */

static void test_settings(void)
{
    kiosk k;
    if (kiosk_open(&k, 800, 480, 3, 30, true)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    int px0 = a->u.px;
    plat_color bg0 = a->u.th.bg;
    /* A trainee makes the text larger twice and turns contrast on. */
    start_exam(a, "kk");
    TAP(a, "text-larger");
    TAP(a, "text-larger");
    TAP(a, "contrast");
    CHECK(a->u.px > px0);
    CHECK(!same_color(bg0, a->u.th.bg));
    int px2 = a->u.px;
    /* Their own session keeps it, from item to item. */
    TAP(a, "next");
    CHECK_INT(px2, a->u.px);
    CHECK_INT(2, a->text_step);
    CHECK(a->contrast);
    /* They walk away: the kiosk goes back to welcome, at the defaults. */
    advance(a, APP_IDLE_MS + APP_IDLE_GRACE_MS);
    SCREEN(a, "welcome");
    CHECK_INT(0, a->text_step);
    CHECK(!a->contrast);
    CHECK_INT(px0, a->u.px);
    CHECK(same_color(bg0, a->u.th.bg));
    /* Their next session (they come back to the open attempt) is at the
     * defaults, contrast off. */
    identify_as_trainee(a, "ru");
    TAP(a, "exam:demo");
    SCREEN(a, "item");
    CHECK_INT(px0, a->u.px);
    CHECK(same_color(bg0, a->u.th.bg));
    CHECK(!same_color(widget_color(&k, "contrast"), a->u.th.selected));
    /* The same after a submitted attempt: their larger text and contrast
     * on the review and the result (their session), the defaults after. */
    TAP(a, "text-larger");
    TAP(a, "contrast");
    int px1 = a->u.px;
    CHECK(px1 > px0);
    TAP(a, "grid");
    TAP(a, "review");
    TAP(a, "submit");
    TAP(a, "confirm-yes");
    SCREEN(a, "result");
    CHECK_INT(px1, a->u.px);
    CHECK(!same_color(bg0, a->u.th.bg));
    TAP(a, "done");
    SCREEN(a, "welcome");
    CHECK_INT(px0, a->u.px);
    CHECK(same_color(bg0, a->u.th.bg));
    /* And the technician, after a trainee's larger text: the defaults. */
    start_exam(a, "en");
    TAP(a, "text-larger");
    TAP(a, "text-larger");
    TAP(a, "text-larger");
    advance(a, APP_IDLE_MS + APP_IDLE_GRACE_MS);
    SCREEN(a, "welcome");
    screens_touched(a); /* as the loop does for a finger going down */
    screens_press(a, 5, 5);
    advance(a, APP_HOLD_MS);
    SCREEN(a, "pin");
    CHECK(screens_release(a));
    CHECK_INT(px0, a->u.px);
    CHECK(same_color(bg0, a->u.th.bg));
    kiosk_close(&k);
}

/* ---- the technician ---- */

static void pin_keys(app *a, const char *digits)
{
    for (const char *d = digits; *d; d++) {
        char name[16];
        snprintf(name, sizeof name, "pin:%c", *d);
        TAP(a, name);
    }
}

static void test_tech(void)
{
    kiosk k;
    if (kiosk_open(&k, 1280, 800, 3, 30, true)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    int w, h;
    plat_size(k.p, &w, &h);
    /* A short press in the corner, and a long one away from it: nothing. */
    screens_press(a, 5, 5);
    advance(a, APP_HOLD_MS - 1000);
    CHECK(!screens_release(a));
    SCREEN(a, "welcome");
    screens_press(a, w / 2, h / 2);
    advance(a, 2 * APP_HOLD_MS);
    CHECK(!screens_release(a));
    SCREEN(a, "welcome");
    /* The long press: the PIN screen at 3 s, and lifting taps nothing. */
    screens_press(a, 5, 5);
    advance(a, APP_HOLD_MS - 1);
    SCREEN(a, "welcome");
    advance(a, 1);
    SCREEN(a, "pin");
    CHECK(screens_release(a));
    SHOWS(a, t(a, "tech.pin_prompt"));
    /* A wrong PIN: said, forgotten, counted. */
    pin_keys(a, "1357");
    SHOWS(a, "●●●●");
    TAP(a, "pin-ok");
    SCREEN(a, "pin");
    SHOWS(a, t(a, "tech.pin_wrong"));
    CHECK_STR("", a->tech.pin);
    int fails = 0;
    sq_err e;
    CHECK_OK(sq_tech_pin_state(f.store, NULL, &fails, NULL, &e), &e);
    CHECK_INT(1, fails);
    /* Cancel forgets it all; two more wrong ones shut the keypad 15 s. */
    TAP(a, "pin-cancel");
    SCREEN(a, "welcome");
    screens_press(a, 5, 5);
    advance(a, APP_HOLD_MS);
    screens_release(a);
    SCREEN(a, "pin");
    for (int i = 0; i < 2; i++) {
        pin_keys(a, "0000");
        TAP(a, "pin-ok");
    }
    SHOWS(a, t(a, "tech.pin_wrong"));
    char wait[256];
    i18n_fmt(cat, a->lang, "tech.pin_wait", wait, sizeof wait, "n", "15", NULL);
    SHOWS(a, wait);
    pin_keys(a, "2");
    CHECK_STR("", a->tech.pin); /* the keys are shut */
    screens_type(a, "2468");
    CHECK_STR("", a->tech.pin);
    advance(a, SQ_PIN_FIRST_WAIT_MS - 1000);
    i18n_fmt(cat, a->lang, "tech.pin_wait", wait, sizeof wait, "n", "1", NULL);
    SHOWS(a, wait);
    advance(a, 1000);
    SHOWS_NOT(a, wait);
    /* The right PIN, on a keyboard this time: technician mode. */
    screens_type(a, PIN);
    screens_key(a, PLAT_KEY_ENTER);
    screens_draw(a);
    SCREEN(a, "tech");
    SHOWS(a, t(a, "tech.title"));
    CHECK_OK(sq_tech_pin_state(f.store, NULL, &fails, NULL, &e), &e);
    CHECK_INT(0, fails);
    /* No stick: its actions cannot be tapped. */
    TAP(a, "tech-import");
    SCREEN(a, "tech");
    TAP(a, "tech-close");
    SCREEN(a, "welcome");
    CHECK_STR("", a->tech.pin);
    kiosk_close(&k);
}

/* ---- every screen, every language, the small screen ---- */

static const char *shots_dir;

/* ---- the picture viewer (issue 16, item 8) ---- */

/* An exam of n items (limit minutes) whose item 2 has the tall picture. */
static int kiosk_open_picture(kiosk *k, int w, int h, int n_items, int limit_min)
{
    char *items = fx_exam_yaml("demo", 1, n_items, limit_min);
    if (!items)
        return -1;
    const char *at = strstr(items, "  - id: q1\n    type: single\n");
    size_t cut = at ? (size_t)(at - items) + strlen("  - id: q1\n    type: single\n") : 0;
    const char *img = "    image: " TALL_PNG "\n";
    size_t len = strlen(items) + strlen(img) + 1;
    char *full = at ? malloc(len) : NULL;
    if (!full) {
        free(items);
        return -1;
    }
    snprintf(full, len, "%.*s%s%s", (int)cut, items, img, items + cut);
    /* Items in their order: the picture is item 2. */
    char *shuffle = strstr(full, "items:\n");
    size_t slen = strlen(full) + 32;
    char *ordered = shuffle ? malloc(slen) : NULL;
    if (!ordered) {
        free(full);
        return -1;
    }
    snprintf(ordered, slen, "%.*sshuffle_items: no\n%s", (int)(shuffle - full), full, shuffle);
    free(full);
    full = ordered;
    free(items);
    int rc = kiosk_open_exam(k, w, h, full, false);
    free(full);
    return rc;
}

/* Events queued on the headless platform, handed to the screens as
 * main's loop does (screens_event), then a frame if one is due. */
static void pump(app *a)
{
    plat_event ev;
    while (plat_headless_queued(a->u.p) > 0 && plat_wait(a->u.p, 0, &ev) == 1)
        screens_event(a, &ev);
    if (a->dirty)
        screens_draw(a);
}

static void push(app *a, plat_event_type type, int x, int y)
{
    plat_event ev = {.type = type, .x = x, .y = y};
    check_count++;
    if (plat_headless_push(a->u.p, &ev)) {
        check_failures++;
        fprintf(stderr, "%s: the event queue is full\n", __FILE__);
    }
}

/* A drag by dx, dy from x, y, as a finger makes it. */
static void drag(app *a, int x, int y, int dx, int dy)
{
    push(a, PLAT_DOWN, x, y);
    push(a, PLAT_MOVE, x + dx / 2, y + dy / 2);
    push(a, PLAT_MOVE, x + dx, y + dy);
    push(a, PLAT_UP, x + dx, y + dy);
    pump(a);
}

/* The picture as the last frame drew it (false: none drawn). */
static bool picture_drawn(kiosk *k, plat_op *out)
{
    plat_headless_log log;
    plat_headless_frame(k->p, &log);
    for (int i = 0; i < log.n_ops; i++)
        if (log.ops[i].kind == PLAT_OP_IMAGE) {
            *out = log.ops[i];
            return true;
        }
    return false;
}

#define NEAR(expected, actual, slack)                                                              \
    do {                                                                                           \
        double e_ = (expected), a_ = (actual);                                                     \
        check_count++;                                                                             \
        if (e_ - a_ > (slack) || a_ - e_ > (slack)) {                                              \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: expected %s = %g, got %g\n", __FILE__, __LINE__, #actual, e_,  \
                    a_);                                                                           \
        }                                                                                          \
    } while (0)

/* A tap at x, y, through the events (down, up), at the clock's time. */
static void tap_xy(app *a, int x, int y)
{
    push(a, PLAT_DOWN, x, y);
    push(a, PLAT_UP, x, y);
    pump(a);
}

/* The viewer: opened from the picture and from its cue, fitted, double
 * taps (2x, 4x, the fit) around the tapped point, pinches within the
 * limits, drags clamped, back to the same item, scroll and answer. */
static void test_viewer(void)
{
    kiosk k;
    if (kiosk_open_picture(&k, 800, 480, 3, 20)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    plat_op im;
    start_exam(a, "en");
    /* Item 1 has no picture: no cue. */
    SHOWS_NOT(a, t(a, "item.enlarge"));
    CHECK(ui_find(&a->u, "picture") == NULL);
    TAP(a, "next");
    SHOWS(a, "2 / 3");
    SHOWS(a, t(a, "item.enlarge"));
    CHECK(ui_find(&a->u, "picture") != NULL);
    CHECK(ui_find(&a->u, "enlarge") != NULL);
    /* On the item the picture is small: 2/5 of the item's area high. */
    CHECK(picture_drawn(&k, &im));
    CHECK(im.h <= a->exam.scroll_area.h * 2 / 5);
    /* An answer, and the item scrolled a little: both must come back. */
    TAP(a, "option-2");
    screens_drag(a, 0, -40);
    screens_draw(a);
    int scroll = a->exam.scroll;
    CHECK(scroll > 0);
    plat_renders before;
    plat_text_renders(k.p, &before);

    /* The cue opens the viewer; the picture fits the view, centred. */
    TAP(a, "enlarge");
    SCREEN(a, "viewer");
    SHOWS(a, t(a, "viewer.back"));
    SHOWS(a, t(a, "viewer.hint"));
    SHOWS(a, "2 / 3");
    char left[64];
    i18n_fmt(cat, a->lang, "item.time_left", left, sizeof left, "time", "20:00", NULL);
    SHOWS(a, left);
    viewer_state *v = &a->exam.viewer;
    ui_rect area = v->area;
    CHECK(picture_drawn(&k, &im));
    NEAR(area.h, im.h, 1);
    NEAR(area.h * (double)TALL_W / TALL_H, im.w, 1);
    NEAR(area.x + area.w / 2.0, im.x + im.w / 2.0, 1);
    NEAR(1.0, v->zoom, 1e-9);
    /* The zoom's limit: 2 screen pixels a picture's pixel (more than 4x
     * the fit here). */
    NEAR(2.0, v->fit * v->max_zoom, 1e-9);
    CHECK(v->max_zoom >= 4.0);

    /* A single tap does nothing; a double tap zooms in around its point:
     * the picture's point under the finger stays there. */
    int tx = area.x + area.w / 2 + 20, ty = area.y + area.h / 2 - 30;
    double fx = (tx - im.x) / (double)im.w, fy = (ty - im.y) / (double)im.h;
    tap_xy(a, tx, ty);
    NEAR(1.0, v->zoom, 1e-9);
    tap_xy(a, tx, ty);
    NEAR(2.0, v->zoom, 1e-9);
    CHECK(picture_drawn(&k, &im));
    NEAR(2 * area.h, im.h, 2);
    /* Still narrower than the view: it stays in the middle across. */
    CHECK(im.w < area.w);
    NEAR(area.x + area.w / 2.0, im.x + im.w / 2.0, 1);
    NEAR(ty, im.y + fy * im.h, 1.5);
    (void)fx;
    tap_xy(a, tx, ty);
    tap_xy(a, tx, ty);
    NEAR(4.0, v->zoom, 1e-9);
    CHECK(picture_drawn(&k, &im));
    NEAR(ty, im.y + fy * im.h, 1.5);
    tap_xy(a, tx, ty);
    tap_xy(a, tx, ty);
    NEAR(1.0, v->zoom, 1e-9);
    CHECK(picture_drawn(&k, &im));
    NEAR(area.h, im.h, 1);
    /* Two taps too far apart in time, or in place, are no double tap. */
    tap_xy(a, tx, ty);
    advance(a, APP_DOUBLE_TAP_MS + 1);
    tap_xy(a, tx, ty);
    NEAR(1.0, v->zoom, 1e-9);
    advance(a, APP_DOUBLE_TAP_MS + 1);
    tap_xy(a, tx, ty);
    tap_xy(a, tx + 2 * a->u.unit, ty);
    NEAR(1.0, v->zoom, 1e-9);
    advance(a, APP_DOUBLE_TAP_MS + 1);

    /* At the fit a drag moves nothing. */
    plat_op fitted;
    CHECK(picture_drawn(&k, &fitted));
    drag(a, tx, ty, 120, 90);
    CHECK(picture_drawn(&k, &im));
    CHECK_INT(fitted.x, im.x);
    CHECK_INT(fitted.y, im.y);

    /* Pinches, as the platform reports two fingers: 1.5x, then far past
     * the limit (stops at 2 screen pixels a picture's pixel), then far
     * below the fit (stops at the fit). The finger's first press taps
     * nothing (a tap just before it would make it a double tap). */
    tap_xy(a, tx, ty);
    CHECK_INT(0, plat_headless_pinch(k.p, tx, ty, 1.5f, 6));
    pump(a);
    NEAR(1.5, v->zoom, 1e-4);
    CHECK(picture_drawn(&k, &im));
    NEAR(ty, im.y + fy * im.h, 1.5);
    CHECK_INT(0, plat_headless_pinch(k.p, tx, ty, 100.0f, 10));
    pump(a);
    NEAR(v->max_zoom, v->zoom, 1e-9);
    CHECK(picture_drawn(&k, &im));
    NEAR(2 * TALL_W, im.w, 1);
    NEAR(2 * TALL_H, im.h, 1);
    /* Drags: the picture never leaves the view, nor leaves a gap. */
    drag(a, tx, ty, 5000, 5000);
    CHECK(picture_drawn(&k, &im));
    CHECK_INT(area.x, im.x);
    CHECK_INT(area.y, im.y);
    drag(a, tx, ty, -5000, -5000);
    CHECK(picture_drawn(&k, &im));
    NEAR(area.x + area.w, im.x + im.w, 1);
    NEAR(area.y + area.h, im.y + im.h, 1);
    /* A drag of 30 px moves it 30 px (after the double tap's time, so
     * that the tap below would be a first one). */
    advance(a, APP_DOUBLE_TAP_MS + 1);
    drag(a, tx, ty, 30, 25);
    plat_op moved;
    CHECK(picture_drawn(&k, &moved));
    CHECK_INT(im.x + 30, moved.x);
    CHECK_INT(im.y + 25, moved.y);
    /* A drag's release taps nothing: one tap after it is no double tap. */
    tap_xy(a, tx, ty);
    NEAR(v->max_zoom, v->zoom, 1e-9);
    CHECK_INT(0, plat_headless_pinch(k.p, tx, ty, 0.05f, 10));
    pump(a);
    NEAR(1.0, v->zoom, 1e-9);
    CHECK(picture_drawn(&k, &im));
    CHECK_INT(fitted.x, im.x);
    CHECK_INT(fitted.y, im.y);
    CHECK_INT(fitted.h, im.h);
    /* A scale no fingers make changes nothing. */
    screens_pinch(a, tx, ty, 0.0f);
    screens_pinch(a, tx, ty, -2.0f);
    NEAR(1.0, v->zoom, 1e-9);
    /* Nor can a bad pinch be queued. */
    int queued = plat_headless_queued(k.p);
    CHECK_INT(-1, plat_headless_pinch(k.p, tx, ty, 0.0f, 3));
    CHECK_INT(-1, plat_headless_pinch(k.p, tx, ty, 2.0f, 0));
    CHECK_INT(queued, plat_headless_queued(k.p));

    /* The viewer decoded nothing: it draws the item's picture. */
    plat_renders after;
    plat_text_renders(k.p, &after);
    CHECK_INT((int)before.images, (int)after.images);

    /* Back: the same item, scrolled as it was, the answer as it was. */
    TAP(a, "viewer-back");
    SCREEN(a, "item");
    CHECK_INT(1, a->exam.pos);
    CHECK_INT(scroll, a->exam.scroll);
    SHOWS(a, "2 / 3");
    CHECK_INT(2, (int)store_sees(TRAINEE, 1).selected);
    /* The picture itself opens it too; the back key comes back. Escape
     * elsewhere does nothing. */
    screens_key(a, PLAT_KEY_BACK);
    screens_draw(a);
    SCREEN(a, "item");
    TAP(a, "picture");
    SCREEN(a, "viewer");
    NEAR(1.0, v->zoom, 1e-9);
    plat_event esc = {.type = PLAT_KEY, .key = PLAT_KEY_BACK};
    CHECK_INT(0, plat_headless_push(k.p, &esc));
    pump(a);
    SCREEN(a, "item");
    CHECK_INT(scroll, a->exam.scroll);
    CHECK_INT(2, (int)store_sees(TRAINEE, 1).selected);
    plat_text_renders(k.p, &after);
    CHECK_INT((int)before.images, (int)after.images);
    kiosk_close(&k);
}

/* The exam's clock runs in the viewer: its time shown, the warnings over
 * it, and at zero the attempt ends as on the item. */
static void test_viewer_timeout(void)
{
    kiosk k;
    if (kiosk_open_picture(&k, 800, 480, 3, 6)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    start_exam(a, "kk");
    TAP(a, "next");
    TAP(a, "option-1");
    TAP(a, "picture");
    SCREEN(a, "viewer");
    advance(a, 59999);
    SCREEN(a, "viewer");
    char left[64];
    i18n_fmt(cat, a->lang, "item.time_left", left, sizeof left, "time", "5:01", NULL);
    SHOWS(a, left);
    advance(a, 1);
    SCREEN(a, "warn5");
    TAP(a, "warn-ok");
    SCREEN(a, "viewer");
    /* A touch now and then keeps the idle warning away. */
    advance(a, 150000);
    screens_touched(a);
    advance(a, 89999);
    SCREEN(a, "viewer");
    advance(a, 1);
    SCREEN(a, "warn1");
    TAP(a, "warn-ok");
    SCREEN(a, "viewer");
    advance(a, 59000);
    i18n_fmt(cat, a->lang, "item.time_left", left, sizeof left, "time", "0:01", NULL);
    SHOWS(a, left);
    /* The time, warm in its last minutes, stays readable in contrast
     * (the bar is yellow there, as the warning colour was). */
    const plat_op *op = plat_headless_find_text(k.p, left);
    CHECK(op && !same_color(op->c, a->u.th.accent));
    a->contrast = true;
    ui_set_contrast(&a->u, true);
    screens_draw(a);
    op = plat_headless_find_text(k.p, left);
    CHECK(op && same_color(op->c, a->u.th.accent_fg));
    CHECK_INT(0, pending_results());
    advance(a, 1000);
    SCREEN(a, "result");
    SHOWS(a, t(a, "result.timeout"));
    CHECK(a->exam.timed_out);
    CHECK_INT(1, pending_results());
    CHECK(!store_sees(TRAINEE, 0).found);
    CHECK(a->exam.att == NULL);
    kiosk_close(&k);
}

/* Idle in the viewer: as on the item, the warning, "continue" back to the
 * viewer (zoom kept, nothing tapped under it), then welcome; the attempt
 * comes back on its item with its answer. */
static void test_viewer_idle(void)
{
    kiosk k;
    if (kiosk_open_picture(&k, 1280, 800, 3, 30)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    start_exam(a, "ru");
    TAP(a, "next");
    TAP(a, "option-1");
    TAP(a, "picture");
    SCREEN(a, "viewer");
    viewer_state *v = &a->exam.viewer;
    int cx = v->area.x + v->area.w / 2, cy = v->area.y + v->area.h / 2;
    tap_xy(a, cx, cy);
    tap_xy(a, cx, cy);
    NEAR(2.0, v->zoom, 1e-9);
    advance(a, APP_IDLE_MS);
    SCREEN(a, "idle");
    /* The continue button lies over the picture: its tap must not count
     * as a tap on the picture (two of them would zoom). */
    const ui_widget *cont = ui_find(&a->u, "idle-continue");
    CHECK(cont && cont->r.y > v->area.y && cont->r.y + cont->r.h < v->area.y + v->area.h);
    TAP(a, "idle-continue");
    SCREEN(a, "viewer");
    NEAR(2.0, v->zoom, 1e-9);
    CHECK(!v->tap_armed);
    advance(a, APP_IDLE_MS + APP_IDLE_GRACE_MS);
    SCREEN(a, "welcome");
    CHECK(a->exam.att == NULL);
    seen open = store_sees(TRAINEE, 1);
    CHECK(open.found);
    CHECK_INT(1, (int)open.selected);
    identify_as_trainee(a, "ru");
    TAP(a, "exam:demo");
    SCREEN(a, "item");
    SHOWS(a, "2 / 3");
    kiosk_close(&k);
}

/* The viewer and the item's cue fit, in kk, ru and en, at every text
 * size, in contrast too, landscape and portrait. */
static void test_layout_viewer(int w, int h)
{
    static const char *const codes[] = {"kk", "ru", "en"};
    for (int l = 0; l < N_LANGS; l++) {
        kiosk k;
        if (kiosk_open_picture(&k, w, h, 3, 20)) {
            CHECK(!"the station");
            kiosk_close(&k);
            return;
        }
        app *a = k.a;
        start_exam(a, codes[l]);
        TAP(a, "next");
        for (int step = -2; step <= 4; step++) {
            a->text_step = step;
            ui_layout(&a->u, step);
            a->contrast = step == 4;
            ui_set_contrast(&a->u, a->contrast);
            screens_draw(a);
            char what[32];
            snprintf(what, sizeof what, "item-picture-%+d", step);
            if (a->scr != SCR_ITEM)
                TAP(a, "viewer-back");
            FITS(&k, what);
            SHOWS(a, t(a, "item.enlarge"));
            TAP(a, "enlarge");
            SCREEN(a, "viewer");
            snprintf(what, sizeof what, "viewer%+d", step);
            FITS(&k, what);
            SHOWS(a, t(a, "viewer.back"));
            SHOWS(a, t(a, "viewer.hint"));
            /* The back button is a whole touch target, on the screen. */
            const ui_widget *b = ui_find(&a->u, "viewer-back");
            CHECK(b && b->r.h >= a->u.unit && b->r.x >= 0 && b->r.x + b->r.w <= w);
        }
        kiosk_close(&k);
    }
}

/* The screen drawn fits: no text overflows its box, every character has
 * a glyph, no line runs off the screen's sides. */
static void fits_at(kiosk *k, const char *what, int line)
{
    app *a = k->a;
    int w, h;
    screens_draw(a);
    plat_size(k->p, &w, &h);
    const char *lang = i18n_code(a->lang);
    check_count += 3;
    if (a->u.overflow) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s %dx%d %s: some text does not fit its box; visible texts:\n%s",
                __FILE__, line, lang, w, h, what, a->u.texts);
    }
    if (plat_missing_glyphs(k->p)) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s %s: a character has no glyph\n", __FILE__, line, lang, what);
    }
    plat_headless_log log;
    plat_headless_frame(k->p, &log);
    for (int i = 0; i < log.n_ops; i++) {
        const plat_op *o = &log.ops[i];
        if (o->kind == PLAT_OP_TEXT && (o->x < 0 || o->x + o->w > w)) {
            check_failures++;
            fprintf(stderr, "%s:%d: %s %s: \"%s\" runs off the screen (x %d to %d of %d)\n",
                    __FILE__, line, lang, what, o->text, o->x, o->x + o->w, w);
            break;
        }
    }
    if (log.dropped) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s %s: %d ops past the log's bound\n", __FILE__, line, lang, what,
                log.dropped);
    }
    if (shots_dir) {
        char path[600], err[256];
        snprintf(path, sizeof path, "%s/screens-%s-%dx%d-%s.png", shots_dir, lang, w, h, what);
        if (plat_screenshot(k->p, path, err, sizeof err))
            fprintf(stderr, "%s\n", err);
    }
}
#define FITS(k, what) fits_at(k, what, __LINE__)

/* The trainee's screens in one language: each walk chooses it on the
 * welcome screen, as a trainee does. */
static void test_layout_trainee(int lang, int w, int h)
{
    static const char *const codes[] = {"kk", "ru", "en"};
    static const char *const names[] = {"ҒАЛЫМ ҚАЙРАТ", "ИВАН ПЕТРОВ", "TEST TRAINEE"};
    char name[32];
    kiosk k;
    if (kiosk_open(&k, w, h, 3, 6, false)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    FITS(&k, "welcome");
    snprintf(name, sizeof name, "lang-%s", codes[lang]);
    TAP(a, name);
    FITS(&k, "identify");
    TAP(a, "continue");
    FITS(&k, "identify-empty");
    KEYS(a, TRAINEE);
    TAP(a, "continue");
    FITS(&k, "identify-name");
    KEYS(a, names[lang]);
    TAP(a, "continue");
    SCREEN(a, "exams");
    FITS(&k, "exams");
    TAP(a, "exam:demo");
    FITS(&k, "info");
    TAP(a, "start");
    FITS(&k, "item");
    TAP(a, "option-1");
    TAP(a, "flag");
    FITS(&k, "item-flagged");
    for (int i = 0; i < 4; i++)
        TAP(a, "text-larger");
    FITS(&k, "item-largest");
    for (int i = 0; i < 6; i++)
        TAP(a, "text-smaller");
    FITS(&k, "item-smallest");
    for (int i = 0; i < 2; i++)
        TAP(a, "text-larger");
    CHECK_INT(0, a->text_step);
    TAP(a, "contrast");
    FITS(&k, "item-contrast");
    TAP(a, "contrast");
    TAP(a, "grid");
    FITS(&k, "grid");
    TAP(a, "review");
    FITS(&k, "review-partial");
    TAP(a, "submit");
    FITS(&k, "confirm");
    TAP(a, "confirm-no");
    TAP(a, "back");
    advance(a, 60000);
    FITS(&k, "warn5");
    TAP(a, "warn-ok");
    advance(a, APP_IDLE_MS);
    FITS(&k, "idle");
    TAP(a, "idle-continue");
    advance(a, 60000);
    FITS(&k, "warn1");
    TAP(a, "warn-ok");
    FITS(&k, "item-lowtime");
    advance(a, 60000);
    SCREEN(a, "result");
    FITS(&k, "result-timeout");
    TAP(a, "done");
    SCREEN(a, "welcome");
    /* The second attempt is left, and its running clock runs out. */
    identify_as_trainee(a, codes[lang]);
    TAP(a, "exam:demo");
    TAP(a, "start");
    advance(a, APP_IDLE_MS + APP_IDLE_GRACE_MS);
    SCREEN(a, "welcome");
    advance(a, 3 * 60000);
    identify_as_trainee(a, codes[lang]);
    TAP(a, "exam:demo");
    advance(a, 0);
    SCREEN(a, "result");
    FITS(&k, "result-timeout-away");
    kiosk_close(&k);
}

/* The result with its review offered, and the review, fit in lang. */
static void test_layout_answers(int lang, int w, int h)
{
    static const char *const codes[] = {"kk", "ru", "en"};
    char *yaml = review_exam("mistakes");
    kiosk k;
    if (!yaml || kiosk_open_exam(&k, w, h, yaml, false)) {
        CHECK(!"the station");
        free(yaml);
        kiosk_close(&k);
        return;
    }
    free(yaml);
    start_exam(k.a, codes[lang]);
    answer_and_submit(k.a);
    FITS(&k, "result-review");
    TAP(k.a, "answers");
    FITS(&k, "answers");
    TAP(k.a, "answers-next");
    FITS(&k, "answers-last");
    kiosk_close(&k);
}

/* The screen on show fits in each language: the technician's header
 * buttons switch it, or, where there are none (or a dialog is over
 * them), the language is set as they would. */
static void fits_langs_at(kiosk *k, const char *what, int line)
{
    static const char *const names[] = {"tech-lang-kk", "tech-lang-ru", "tech-lang-en"};
    app *a = k->a;
    int was = a->lang;
    for (int l = 0; l < N_LANGS; l++) {
        screens_draw(a);
        if (a->ov == OV_NONE && ui_find(&a->u, names[l])) {
            tap_at(a, names[l], false, line);
            CHECK_INT(l, a->lang);
        } else {
            a->lang = l;
        }
        fits_at(k, what, line);
    }
    a->lang = was;
    screens_draw(a);
}
#define FITS_LANGS(k, what) fits_langs_at(k, what, __LINE__)

/* The technician's screens (and the passphrase's, the error screen), in
 * the three languages on one kiosk: the PIN is hashed with Argon2 on
 * every check, so the walk through them is made once. */
static void test_layout_tech(int w, int h)
{
    kiosk k;
    if (kiosk_open(&k, w, h, 3, 30, true)) {
        CHECK(!"the station");
        kiosk_close(&k);
        return;
    }
    app *a = k.a;
    screens_press(a, 5, 5);
    advance(a, APP_HOLD_MS);
    screens_release(a);
    SCREEN(a, "pin");
    FITS_LANGS(&k, "pin");
    pin_keys(a, "1111");
    TAP(a, "pin-ok");
    FITS_LANGS(&k, "pin-wrong");
    for (int i = 0; i < 2; i++) {
        pin_keys(a, "1111");
        TAP(a, "pin-ok");
    }
    FITS_LANGS(&k, "pin-wait");
    advance(a, SQ_PIN_FIRST_WAIT_MS);
    pin_keys(a, PIN);
    TAP(a, "pin-ok");
    SCREEN(a, "tech");
    FITS_LANGS(&k, "tech");
    TAP(a, "tech-touch");
    SCREEN(a, "touch");
    FITS_LANGS(&k, "touch");
    TAP(a, "done");
    TAP(a, "tech-screen");
    SCREEN(a, "glyphs");
    FITS_LANGS(&k, "glyphs");
    TAP(a, "done");
    TAP(a, "tech-pin");
    SCREEN(a, "newpin");
    FITS_LANGS(&k, "newpin");
    TAP(a, "pin-cancel");
    TAP(a, "tech-leave");
    SCREEN(a, "leave");
    FITS_LANGS(&k, "leave");
    TAP(a, "leave-no");
    SCREEN(a, "tech");
    tech_setup_open(a);
    SCREEN(a, "setup");
    FITS_LANGS(&k, "setup");
    app_unlock_open(a, NULL);
    SCREEN(a, "unlock");
    FITS_LANGS(&k, "unlock");
    app_setpass_open(a);
    SCREEN(a, "setpass");
    FITS_LANGS(&k, "setpass");
    app_error(a, "error.store", "the store /var/lib/synaq/station.db cannot be opened");
    SCREEN(a, "error");
    FITS_LANGS(&k, "error");
    kiosk_close(&k);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_screens I18N_DIR\n");
        return 2;
    }
    shots_dir = getenv("SYNAQ_SCREENS_SHOTS");
    char err[512];
    if (i18n_load(argv[1], &cat, err, sizeof err)) {
        fprintf(stderr, "test_screens: %s\n", err);
        return 1;
    }
    /* The platform alone, in a temp folder of its own. */
    if (fx_setup(&f, "plat-01") == 0)
        test_plat();
    else
        CHECK(!"the fixture");
    fx_teardown(&f);
    test_walk();
    test_review_after();
    test_timers();
    test_idle();
    test_idle_clock();
    test_settings();
    test_screen_fits();
    for (int l = 0; l < N_LANGS; l++) {
        test_keyboard_steady(l, 800, 480);
        test_keyboard_steady(l, 600, 1024);
    }
    test_keyboard_steady(1, 1080, 1920);
    test_tech();
    test_identity_code();
    test_identity_date_and_pin();
    test_viewer();
    test_viewer_timeout();
    test_viewer_idle();
    test_layout_viewer(800, 480);
    test_layout_viewer(1280, 800);
    test_layout_viewer(1080, 1920);
    for (int l = 0; l < N_LANGS; l++) {
        test_layout_trainee(l, 800, 480);
        test_layout_answers(l, 800, 480);
        test_layout_trainee(l, 600, 1024);
        test_layout_answers(l, 600, 1024);
    }
    test_layout_tech(800, 480);
    test_layout_tech(600, 1024);
    i18n_free(cat);
    return check_report("test_screens");
}
