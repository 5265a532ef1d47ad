/*
 * synaq-kiosk - the touchscreen exam station. Opens the station's store,
 * the window and the fonts, and runs the screens of app.c: waiting for
 * input with a deadline (the next timer), drawing only when something
 * changed. With --script it runs a test script instead of waiting for a
 * person: taps on named widgets, typed text, simulated time, checks of
 * what is on the screen, and PNG screenshots.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "plat.h"
#include "synaq/keys.h"
#include "synaq/station.h"
#include "synaq/store.h"

#ifndef SYNAQ_ASSETS_DIR
#define SYNAQ_ASSETS_DIR "/usr/share/synaq/assets"
#endif
#ifndef SYNAQ_FONTS_LIST
#define SYNAQ_FONTS_LIST "/usr/share/synaq/fonts/fonts.list"
#endif

#define MIN_W 800
#define MIN_H 480

typedef struct {
    const char *home, *db, *keys, *assets, *fonts, *script, *shots, *pass_file, *usb_roots;
    char *passphrase; /* guarded memory; NULL: none given */
    int width, height;
    bool software, windowed, trace;
} options;

/* The status the kiosk ends with when the technician left it: the
 * systemd unit does not restart it then (RestartPreventExitStatus). */
#define EXIT_LEFT 3

/* ---- the simulated clock of scripts ---- */

typedef struct {
    int64_t mono_ms, wall_s, wall_ms;
} sim_clock;

static int64_t sim_mono(void *ctx)
{
    return ((sim_clock *)ctx)->mono_ms;
}

static int64_t sim_wall(void *ctx)
{
    sim_clock *c = ctx;
    return c->wall_s + c->wall_ms / 1000;
}

static void sim_advance(sim_clock *c, int64_t ms)
{
    c->mono_ms += ms;
    c->wall_ms += ms;
}

/* Simulated time passes, in steps no longer than the timers ask. */
static void sim_wait(app *a, sim_clock *clk, int64_t ms)
{
    while (ms > 0) {
        int next = app_tick(a);
        int64_t step = next > 0 && next < ms ? next : ms;
        if (step > 1000)
            step = 1000;
        sim_advance(clk, step);
        ms -= step;
    }
    app_tick(a);
}

/* ---- drawing and input ---- */

static void draw(app *a)
{
    plat_clear(a->u.p, a->u.th.bg);
    app_frame(a, UI_DRAW);
    plat_present(a->u.p);
    a->dirty = false;
}

/* Scripts may ask for a shot of the progress bar of the next long
 * action, once it is half way. */
static char progress_shot[4200];

static void redraw(app *a)
{
    draw(a);
    if (progress_shot[0] && a->busy_total > 0 && a->busy_done * 2 >= a->busy_total) {
        char err[512];
        if (plat_screenshot(a->u.p, progress_shot, err, sizeof err))
            fprintf(stderr, "synaq-kiosk: %s\n", err);
        progress_shot[0] = 0;
    }
}

static void tap(app *a, int x, int y)
{
    app_touched(a);
    a->u.tapped = true;
    a->u.tap_x = x;
    a->u.tap_y = y;
    app_frame(a, UI_HIT);
    a->u.tapped = false;
    a->dirty = true;
}

/* Prints what the item screen shows, for the power-cut tests: every
 * answer on screen, the position and the time left. */
static void trace_state(app *a, const char *tag)
{
    printf("%s screen=%s", tag, app_screen_name(a));
    if (a->att) {
        sq_err e;
        printf(" attempt=%s pos=%d left_ms=%lld answers=", sq_attempt_id(a->att), a->pos,
               (long long)sq_attempt_time_left_ms(a->att));
        for (int i = 0; i < sq_attempt_count(a->att); i++) {
            sq_item_view v;
            if (sq_attempt_item(a->att, i, a->lang, &v, &e) == SQ_OK)
                printf("%s%s:%x", i ? "," : "", v.item_id, v.selected);
        }
    }
    printf("\n");
    fflush(stdout);
}

/* ---- scripts ---- */

static int script_fail(const char *file, int line, const char *what, app *a)
{
    fprintf(stderr, "%s:%d: %s (screen %s)\n", file, line, what, app_screen_name(a));
    fprintf(stderr, "visible texts:\n%s", a->u.texts);
    return 1;
}

static int run_script(app *a, sim_clock *clk, const options *o)
{
    FILE *f = fopen(o->script, "r");
    if (!f) {
        fprintf(stderr, "synaq-kiosk: cannot read script %s: %s\n", o->script, strerror(errno));
        return 2;
    }
    char line[1024];
    int n = 0, rc = 0;
    draw(a);
    while (!rc && fgets(line, sizeof line, f)) {
        n++;
        line[strcspn(line, "\r\n")] = 0;
        char *cmd = line + strspn(line, " \t");
        if (!*cmd || *cmd == '#')
            continue;
        char *arg = strchr(cmd, ' ');
        if (arg)
            *arg++ = 0;
        else
            arg = cmd + strlen(cmd);
        char msg[1200];
        if (!strcmp(cmd, "tap")) {
            int x, y;
            if (sscanf(arg, "%d %d", &x, &y) == 2) {
                tap(a, x, y);
            } else {
                const ui_widget *w = ui_find(&a->u, arg);
                if (!w) {
                    snprintf(msg, sizeof msg, "no widget '%s' on the screen", arg);
                    rc = script_fail(o->script, n, msg, a);
                    break;
                }
                tap(a, w->r.x + w->r.w / 2, w->r.y + w->r.h / 2);
            }
        } else if (!strcmp(cmd, "drag")) {
            int x1, y1, x2, y2;
            if (sscanf(arg, "%d %d %d %d", &x1, &y1, &x2, &y2) != 4) {
                rc = script_fail(o->script, n, "drag X1 Y1 X2 Y2", a);
                break;
            }
            app_touched(a);
            app_drag(a, y2 - y1);
        } else if (!strcmp(cmd, "hold")) {
            /* A finger held down at X Y for S seconds of simulated time. */
            int x, y;
            double secs;
            if (sscanf(arg, "%d %d %lf", &x, &y, &secs) != 3) {
                rc = script_fail(o->script, n, "hold X Y SECONDS", a);
                break;
            }
            app_touched(a);
            app_press(a, x, y);
            sim_wait(a, clk, (int64_t)(secs * 1000));
            if (!app_release(a))
                tap(a, x, y);
        } else if (!strcmp(cmd, "progress-shot")) {
            snprintf(progress_shot, sizeof progress_shot, "%s/%s.png", o->shots ? o->shots : ".",
                     arg);
        } else if (!strcmp(cmd, "expect-left")) {
            if (!a->quit)
                rc = script_fail(o->script, n, "expected the kiosk to have been left", a);
        } else if (!strcmp(cmd, "type")) {
            app_touched(a);
            app_type(a, arg);
        } else if (!strcmp(cmd, "keys")) {
            /* Taps on the on-screen keyboard, one character at a time. */
            for (const char *p = arg; *p && !rc;) {
                size_t len = 1;
                while (p[len] && ((unsigned char)p[len] & 0xc0) == 0x80)
                    len++;
                char name[40];
                if (*p == ' ')
                    snprintf(name, sizeof name, "key:space");
                else
                    snprintf(name, sizeof name, "key:%.*s", (int)len, p);
                const ui_widget *w = ui_find(&a->u, name);
                if (!w) {
                    snprintf(msg, sizeof msg, "no key '%s' on the keyboard", name);
                    rc = script_fail(o->script, n, msg, a);
                    break;
                }
                tap(a, w->r.x + w->r.w / 2, w->r.y + w->r.h / 2);
                draw(a);
                p += len;
            }
        } else if (!strcmp(cmd, "key")) {
            app_touched(a);
            app_key(a, !strcmp(arg, "enter") ? PLAT_KEY_ENTER : PLAT_KEY_BACKSPACE);
        } else if (!strcmp(cmd, "wait")) {
            sim_wait(a, clk, (int64_t)(atof(arg) * 1000));
        } else if (!strcmp(cmd, "wait-real")) {
            /* Simulated time that passes at the real pace, then one frame:
             * a station's frame a second, for benchmarks. */
            double secs = atof(arg);
            if (secs > 0) {
                struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
                nanosleep(&ts, NULL);
                sim_wait(a, clk, (int64_t)(secs * 1000));
            }
        } else if (!strcmp(cmd, "sleep-real")) {
            struct timespec ts = {0, (long)(atof(arg) * 1e6)};
            nanosleep(&ts, NULL);
        } else if (!strcmp(cmd, "expect-screen")) {
            if (strcmp(app_screen_name(a), arg) != 0) {
                snprintf(msg, sizeof msg, "expected screen '%s'", arg);
                rc = script_fail(o->script, n, msg, a);
            }
        } else if (!strcmp(cmd, "expect-text") || !strcmp(cmd, "expect-no-text")) {
            bool want = !strcmp(cmd, "expect-text");
            if (ui_shows(&a->u, arg) != want) {
                snprintf(msg, sizeof msg, "expected %s'%s' on the screen", want ? "" : "no ", arg);
                rc = script_fail(o->script, n, msg, a);
            }
        } else if (!strcmp(cmd, "expect-widget")) {
            if (!ui_find(&a->u, arg)) {
                snprintf(msg, sizeof msg, "expected widget '%s'", arg);
                rc = script_fail(o->script, n, msg, a);
            }
        } else if (!strcmp(cmd, "expect-fits")) {
            if (a->u.overflow)
                rc = script_fail(o->script, n, "some text does not fit its box", a);
            else if (plat_missing_glyphs(a->u.p))
                rc = script_fail(o->script, n, "some character has no glyph in the fonts", a);
        } else if (!strcmp(cmd, "screenshot")) {
            char path[4096], err[512];
            snprintf(path, sizeof path, "%s/%s.png", o->shots ? o->shots : ".", arg);
            draw(a);
            if (plat_screenshot(a->u.p, path, err, sizeof err))
                rc = script_fail(o->script, n, err, a);
        } else if (!strcmp(cmd, "state")) {
            trace_state(a, "STATE");
        } else if (!strcmp(cmd, "print")) {
            printf("screen %s\n%s", app_screen_name(a), a->u.texts);
            for (int i = 0; i < a->u.n_widgets; i++)
                printf("  [%s] %d,%d %dx%d\n", a->u.widgets[i].name, a->u.widgets[i].r.x,
                       a->u.widgets[i].r.y, a->u.widgets[i].r.w, a->u.widgets[i].r.h);
        } else if (!strcmp(cmd, "exit")) {
            break;
        } else {
            snprintf(msg, sizeof msg, "unknown script command '%s'", cmd);
            rc = script_fail(o->script, n, msg, a);
        }
        if (!rc) {
            draw(a);
            if (o->trace && a->scr == SCR_ITEM)
                trace_state(a, "SHOWN");
        }
        /* Leaving the kiosk ends the script too, unless it checks it. */
        if (!rc && a->quit && strcmp(cmd, "expect-left") != 0) {
            char next[64];
            long pos = ftell(f);
            bool checks = fgets(next, sizeof next, f) && !strncmp(next, "expect-left", 11);
            fseek(f, pos, SEEK_SET);
            if (!checks)
                break;
        }
    }
    fclose(f);
    if (!rc && a->quit) {
        fprintf(stderr, "synaq-kiosk: the technician left the kiosk\n");
        return EXIT_LEFT;
    }
    return rc;
}

/* ---- the real loop ---- */

static int run_loop(app *a, const options *o)
{
    int drag_threshold = a->u.unit / 4;
    bool down = false, dragging = false;
    int down_x = 0, down_y = 0, last_y = 0;
    for (;;) {
        int next = app_tick(a);
        if (a->quit) {
            fprintf(stderr, "synaq-kiosk: the technician left the kiosk\n");
            return EXIT_LEFT;
        }
        if (a->dirty)
            draw(a);
        plat_event ev;
        if (!plat_wait(a->u.p, next, &ev))
            continue;
        switch (ev.type) {
        case PLAT_QUIT:
            app_stop(a);
            return 0;
        case PLAT_DOWN:
            down = true;
            dragging = false;
            down_x = ev.x;
            down_y = last_y = ev.y;
            app_touched(a);
            app_press(a, ev.x, ev.y);
            break;
        case PLAT_MOVE:
            if (!down)
                break;
            if (!dragging && abs(ev.y - down_y) + abs(ev.x - down_x) > drag_threshold) {
                dragging = true;
                app_release(a);
            }
            if (dragging) {
                app_drag(a, ev.y - last_y);
                last_y = ev.y;
            }
            break;
        case PLAT_UP:
            /* A long press that opened technician mode taps nothing. */
            if (!app_release(a) && down && !dragging)
                tap(a, ev.x, ev.y);
            down = dragging = false;
            app_touched(a);
            break;
        case PLAT_TEXT:
            app_touched(a);
            app_type(a, ev.text);
            break;
        case PLAT_KEY:
            app_touched(a);
            app_key(a, ev.key);
            break;
        case PLAT_RESIZE:
            ui_layout(&a->u, a->text_step);
            a->dirty = true;
            break;
        case PLAT_EXPOSE:
            a->dirty = true;
            break;
        default:
            break;
        }
        if (o->trace && a->dirty && a->scr == SCR_ITEM) {
            draw(a);
            trace_state(a, "SHOWN");
        }
    }
}

static void usage(FILE *f)
{
    fputs("usage: synaq-kiosk [--home DIR] [--db FILE] [--keys FILE] [--passphrase-file FILE]\n"
          "                   [--assets DIR] [--fonts FILE] [--size WxH] [--software]\n"
          "                   [--windowed] [--script FILE [--screenshots DIR]] [--trace]\n"
          "                   [--usb-roots DIR:DIR...]\n"
          "The station's store and keys default to $SYNAQ_HOME (or /var/lib/synaq).\n"
          "USB sticks are looked for under $SYNAQ_USB_ROOTS (or " SQ_USB_ROOTS ").\n"
          "The kiosk has no way out for a trainee; it stops on SIGTERM, or when the\n"
          "technician leaves it (status 3). Technician mode: hold the top left corner\n"
          "of the welcome screen for 3 seconds, then the PIN (synaqctl set-pin).\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"home", 1, 0, 'H'},    {"db", 1, 0, 'd'},         {"keys", 1, 0, 'k'},
        {"assets", 1, 0, 'a'},  {"fonts", 1, 0, 'f'},      {"size", 1, 0, 's'},
        {"software", 0, 0, 'S'}, {"windowed", 0, 0, 'w'},  {"script", 1, 0, 'x'},
        {"screenshots", 1, 0, 'o'}, {"passphrase-file", 1, 0, 'p'}, {"trace", 0, 0, 't'},
        {"usb-roots", 1, 0, 'u'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    options o = {0};
    o.assets = SYNAQ_ASSETS_DIR;
    o.fonts = SYNAQ_FONTS_LIST;
    o.usb_roots = getenv("SYNAQ_USB_ROOTS") && *getenv("SYNAQ_USB_ROOTS")
                      ? getenv("SYNAQ_USB_ROOTS")
                      : SQ_USB_ROOTS;
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'H': o.home = optarg; break;
        case 'd': o.db = optarg; break;
        case 'k': o.keys = optarg; break;
        case 'a': o.assets = optarg; break;
        case 'f': o.fonts = optarg; break;
        case 'S': o.software = true; break;
        case 'w': o.windowed = true; break;
        case 'x': o.script = optarg; break;
        case 'o': o.shots = optarg; break;
        case 't': o.trace = true; break;
        case 'u': o.usb_roots = optarg; break;
        case 's':
            if (sscanf(optarg, "%dx%d", &o.width, &o.height) != 2) {
                usage(stderr);
                return 2;
            }
            break;
        case 'p': o.pass_file = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    sq_err e;
    sq_station_paths paths;
    if (sq_station_paths_init(&paths, o.home, o.db, o.keys, &e)) {
        fprintf(stderr, "synaq-kiosk: %s\n", e.msg);
        return 2;
    }
    o.home = paths.home;
    o.db = paths.db;
    o.keys = paths.keys;

    sim_clock sim = {1000, (int64_t)time(NULL), 0};
    sq_clock sim_c = {sim_mono, sim_wall, &sim};
    const sq_clock *clock = o.script ? &sim_c : sq_clock_system();
    if (sq_init(&e) || sq_harden_process(&e) ||
        sq_passphrase_load(o.pass_file, &o.passphrase, &e)) {
        fprintf(stderr, "synaq-kiosk: %s\n", e.msg);
        return 1;
    }
    /* The window first: whatever fails next, the screen can say so. */
    plat *p = NULL;
    char err[600] = "";
    plat_config pc = {o.width, o.height, o.software, o.windowed, o.fonts};
    int prc = plat_open(&pc, &p, err, sizeof err);
    if (!p) {
        fprintf(stderr, "synaq-kiosk: %s\n", err);
        return 1;
    }
    i18n *t = NULL;
    char terr[600], dir[4096];
    snprintf(dir, sizeof dir, "%s/i18n", o.assets);
    if (i18n_load(dir, &t, terr, sizeof terr) != 0)
        fprintf(stderr, "synaq-kiosk: %s\n", terr);
    sq_station *st = NULL;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    char station[128] = "";
    const char *store_err = NULL;
    char store_msg[600] = "";
    /* No key file yet, or keys without a certificate: the set-up screen.
     * Keys protected by a passphrase none (or a wrong one) was given for:
     * the station is locked until the technician unlocks it. */
    bool setup = false;
    const char *locked = NULL;
    sq_station_state state = SQ_STATION_OPEN;
    if (sq_station_open(&paths, o.passphrase, clock, &state, &st, &e)) {
        snprintf(store_msg, sizeof store_msg, "%s", e.msg);
        store_err = store_msg;
    } else if (state == SQ_STATION_NO_KEYS || state == SQ_STATION_NOT_ENROLLED) {
        setup = true;
    } else if (state == SQ_STATION_LOCKED) {
        locked = o.passphrase ? "unlock.given_wrong" : "";
        fprintf(stderr, "synaq-kiosk: the station is locked: %s\n", e.msg);
    } else {
        k = sq_station_get_keys(st);
        s = sq_station_get_store(st);
        const sq_cert *cert = sq_station_keys_cert(k);
        snprintf(station, sizeof station, "%s · %s", cert->station_id, cert->district);
    }
    app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    app_station where = {o.home, o.keys, o.db, o.passphrase, o.usb_roots};
    app_init(a, p, t, s, k, &where, clock, setup ? "" : station);
    a->redraw = redraw;
    int w, h;
    plat_size(p, &w, &h);
    if (prc != 0)
        app_error(a, "error.font", err);
    else if (!t)
        app_error(a, "error.generic", terr);
    else if (locked)
        unlock_open(a, *locked ? locked : NULL);
    else if (store_err)
        app_error(a, "error.store", store_err);
    else if (setup)
        app_setup(a);
    else if (w < MIN_W || h < MIN_H) {
        char m[128];
        snprintf(m, sizeof m, "the screen is %dx%d; the least is %dx%d", w, h, MIN_W, MIN_H);
        app_error(a, "error.screen", m);
    }
    int rc = o.script ? run_script(a, &sim, &o) : run_loop(a, &o);
    app_free(a);
    free(a);
    sq_station_close(st);
    sq_passphrase_free(o.passphrase);
    i18n_free(t);
    plat_close(p);
    return rc;
}
