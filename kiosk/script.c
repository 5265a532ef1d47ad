/*
 * script.c - the kiosk's test scripts (script.h): taps on named widgets,
 * typed text, simulated time, checks of what is on the screen, and PNG
 * screenshots, one command a line, driving the screens as a person would
 * (screens.h) on whatever platform the kiosk runs (plat.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "script.h"
#include "screens.h"
#include "scr_tech.h"

/* ---- the simulated clock ---- */

int64_t sim_mono(void *ctx)
{
    return ((sim_clock *)ctx)->mono_ms;
}

int64_t sim_wall(void *ctx)
{
    sim_clock *c = ctx;
    return c->wall_s + c->wall_ms / 1000;
}

static void sim_advance(sim_clock *c, int64_t ms)
{
    c->mono_ms += ms;
    c->wall_ms += ms;
}

/* Simulated time passes, in steps no longer than the timers ask. First
 * the kiosk does, to the end, what it does while it waits for input
 * (prefetch): a person waiting that long gives it the time, and a script
 * sees the same every run. */
static void sim_wait(app *a, sim_clock *clk, int64_t ms)
{
    while (ms > 0 && screens_prefetch(a))
        ;
    while (ms > 0) {
        int next = screens_tick(a);
        int64_t step = next > 0 && next < ms ? next : ms;
        if (step > 1000)
            step = 1000;
        sim_advance(clk, step);
        ms -= step;
    }
    screens_tick(a);
}

/* ---- drawing ---- */

/* Scripts may ask for a shot of the progress bar of the next long
 * action, once it is half way. */
static char progress_shot[4200];

void script_redraw(app *a)
{
    screens_draw(a);
    if (progress_shot[0] && a->tech.busy_total > 0 && a->tech.busy_done * 2 >= a->tech.busy_total) {
        char err[512];
        if (plat_screenshot(a->u.p, progress_shot, err, sizeof err))
            fprintf(stderr, "synaq-kiosk: %s\n", err);
        progress_shot[0] = 0;
    }
}

/* Prints what the item screen shows, for the power-cut tests: every
 * answer on screen, the position and the time left. */
void script_trace(app *a, const char *tag)
{
    printf("%s screen=%s", tag, app_screen_name(a));
    if (a->exam.att) {
        sq_err e;
        printf(" attempt=%s pos=%d left_ms=%lld answers=", sq_attempt_id(a->exam.att), a->exam.pos,
               (long long)sq_attempt_time_left_ms(a->exam.att));
        for (int i = 0; i < sq_attempt_count(a->exam.att); i++) {
            sq_item_view v;
            if (sq_attempt_item(a->exam.att, i, a->lang, &v, &e) == SQ_OK)
                printf("%s%s:%x", i ? "," : "", v.item_id, v.selected);
        }
    }
    printf("\n");
    fflush(stdout);
}

/* ---- a long action under way (import, export: scr_tech.c) ---- */

/* The real time since t0, in ms. */
static int64_t real_ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The percent the busy dialog showed in the last frame. */
static int shown_percent(const app *a)
{
    if (a->tech.busy_total <= 0)
        return 0;
    int64_t p = a->tech.busy_done * 100 / a->tech.busy_total;
    return p > 100 ? 100 : (int)p;
}

/* Frames drawn while an action runs (scripts run it in lockstep: it waits
 * at each progress report for a frame to show it), at least one every
 * BUSY_FRAME_MS of real time, counted in *frames and, where the percent
 * shown changed, *changes; until the action is over, or (until_pct >= 0)
 * a frame showed until_pct percent or more. False after max_ms of real
 * time, or when the action ended before until_pct. */
#define BUSY_FRAME_MS 20
static bool busy_frames(app *a, int until_pct, int64_t max_ms, int *frames, int *changes)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int last = -1;
    for (;;) {
        screens_tick(a); /* ends the action once it is over */
        if (!tech_busy(a))
            return until_pct < 0;
        script_redraw(a);
        (*frames)++;
        int pct = shown_percent(a);
        if (last >= 0 && pct != last)
            (*changes)++;
        last = pct;
        if (until_pct >= 0 && pct >= until_pct)
            return true;
        if (real_ms_since(&t0) > max_ms)
            return false;
        tech_job_wait(a, BUSY_FRAME_MS);
    }
}

/* ---- scripts ---- */

static int script_fail(const char *file, int line, const char *what, app *a)
{
    fprintf(stderr, "%s:%d: %s (screen %s)\n", file, line, what, app_screen_name(a));
    fprintf(stderr, "visible texts:\n%s", a->u.texts);
    return 1;
}

int script_run(app *a, sim_clock *clk, const script_options *o)
{
    FILE *f = fopen(o->path, "r");
    if (!f) {
        fprintf(stderr, "synaq-kiosk: cannot read script %s: %s\n", o->path, strerror(errno));
        return 2;
    }
    char line[1024];
    int n = 0, rc = 0;
    /* A long action started with "start" runs on until "wait-done"; one
     * started by a tap is over before the next command. */
    bool started = false;
    int frames = 0, changes = 0;
    a->tech.lockstep = true;
    screens_draw(a);
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
                screens_tap(a, x, y);
            } else {
                const ui_widget *w = ui_find(&a->u, arg);
                if (!w) {
                    snprintf(msg, sizeof msg, "no widget '%s' on the screen", arg);
                    rc = script_fail(o->path, n, msg, a);
                    break;
                }
                screens_tap(a, w->r.x + w->r.w / 2, w->r.y + w->r.h / 2);
            }
        } else if (!strcmp(cmd, "drag")) {
            int x1, y1, x2, y2;
            if (sscanf(arg, "%d %d %d %d", &x1, &y1, &x2, &y2) != 4) {
                rc = script_fail(o->path, n, "drag X1 Y1 X2 Y2", a);
                break;
            }
            screens_touched(a);
            screens_drag(a, x2 - x1, y2 - y1);
        } else if (!strcmp(cmd, "fling")) {
            /* A quick drag from X1 Y1 to X2 Y2 in 4 moves 16 ms apart,
             * and the finger lifted: what follows is the screen's own. */
            int x1, y1, x2, y2;
            if (sscanf(arg, "%d %d %d %d", &x1, &y1, &x2, &y2) != 4) {
                rc = script_fail(o->path, n, "fling X1 Y1 X2 Y2", a);
                break;
            }
            screens_touched(a);
            for (int i = 0; i < 4; i++) {
                sim_advance(clk, 16);
                screens_drag(a, (x2 - x1) / 4, (y2 - y1) / 4);
            }
            screens_drag_end(a);
        } else if (!strcmp(cmd, "pinch")) {
            /* Two fingers around X Y, their distance times SCALE. */
            int x, y;
            double scale;
            if (sscanf(arg, "%d %d %lf", &x, &y, &scale) != 3 || !(scale > 0)) {
                rc = script_fail(o->path, n, "pinch X Y SCALE (SCALE > 0)", a);
                break;
            }
            screens_touched(a);
            screens_pinch(a, x, y, (float)scale);
        } else if (!strcmp(cmd, "hold")) {
            /* A finger held down at X Y for S seconds of simulated time. */
            int x, y;
            double secs;
            if (sscanf(arg, "%d %d %lf", &x, &y, &secs) != 3) {
                rc = script_fail(o->path, n, "hold X Y SECONDS", a);
                break;
            }
            screens_touched(a);
            screens_press(a, x, y);
            sim_wait(a, clk, (int64_t)(secs * 1000));
            if (!screens_release(a))
                screens_tap(a, x, y);
        } else if (!strcmp(cmd, "start")) {
            /* A tap on a widget that starts a long action, which goes on
             * while the next commands run (taps, checks, shots). */
            const ui_widget *w = ui_find(&a->u, arg);
            if (!w) {
                snprintf(msg, sizeof msg, "no widget '%s' on the screen", arg);
                rc = script_fail(o->path, n, msg, a);
                break;
            }
            screens_tap(a, w->r.x + w->r.w / 2, w->r.y + w->r.h / 2);
            started = tech_busy(a);
            frames = changes = 0;
            if (!started)
                rc = script_fail(o->path, n, "the tap started no long action", a);
        } else if (!strcmp(cmd, "wait-progress")) {
            /* Frames while the action runs, until one shows PERCENT or
             * more; then a line: the frames drawn since "start", and how
             * often the percent shown changed between them. */
            if (!busy_frames(a, atoi(arg), 120000, &frames, &changes)) {
                snprintf(msg, sizeof msg, "no frame showed %s%% while the action ran", arg);
                rc = script_fail(o->path, n, msg, a);
            }
            printf("PROGRESS frames=%d changes=%d percent=%d\n", frames, changes,
                   shown_percent(a));
            fflush(stdout);
        } else if (!strcmp(cmd, "wait-done")) {
            /* Frames until the action started is over. */
            if (!busy_frames(a, -1, 300000, &frames, &changes))
                rc = script_fail(o->path, n, "the action did not end within 300 s", a);
            printf("DONE frames=%d changes=%d\n", frames, changes);
            fflush(stdout);
            started = false;
        } else if (!strcmp(cmd, "progress-shot")) {
            snprintf(progress_shot, sizeof progress_shot, "%s/%s.png", o->shots ? o->shots : ".",
                     arg);
        } else if (!strcmp(cmd, "expect-left")) {
            if (!a->quit)
                rc = script_fail(o->path, n, "expected the kiosk to have been left", a);
        } else if (!strcmp(cmd, "type")) {
            screens_touched(a);
            screens_type(a, arg);
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
                    rc = script_fail(o->path, n, msg, a);
                    break;
                }
                screens_tap(a, w->r.x + w->r.w / 2, w->r.y + w->r.h / 2);
                screens_draw(a);
                p += len;
            }
        } else if (!strcmp(cmd, "key")) {
            int key = !strcmp(arg, "enter")       ? PLAT_KEY_ENTER
                      : !strcmp(arg, "backspace") ? PLAT_KEY_BACKSPACE
                      : !strcmp(arg, "back")      ? PLAT_KEY_BACK
                                                  : 0;
            if (!key) {
                rc = script_fail(o->path, n, "key enter|backspace|back", a);
                break;
            }
            screens_touched(a);
            screens_key(a, key);
        } else if (!strcmp(cmd, "wait")) {
            sim_wait(a, clk, (int64_t)(atof(arg) * 1000));
        } else if (!strcmp(cmd, "wall-jump")) {
            /* The wall clock alone moves (a date set by hand), by seconds. */
            clk->wall_s += (int64_t)atoll(arg);
            a->dirty = true;
        } else if (!strcmp(cmd, "wait-real")) {
            /* Simulated time that passes at the real pace, then one frame:
             * a station's frame a second, for benchmarks. */
            double secs = atof(arg);
            if (secs > 0) {
                struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
                nanosleep(&ts, NULL);
                sim_wait(a, clk, (int64_t)(secs * 1000));
            }
        } else if (!strcmp(cmd, "wait-file")) {
            /* Another process's turn (tests of two kiosks): polls, in real
             * time, until the file exists; fails after 120 s. No frame, no
             * simulated time. */
            int polls = 0;
            while (access(arg, F_OK) != 0 && polls++ < 120 * 20) {
                struct timespec ts = {0, 50 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            if (access(arg, F_OK) != 0) {
                snprintf(msg, sizeof msg, "no file '%s' after 120 s", arg);
                rc = script_fail(o->path, n, msg, a);
            }
        } else if (!strcmp(cmd, "sleep-real")) {
            struct timespec ts = {0, (long)(atof(arg) * 1e6)};
            nanosleep(&ts, NULL);
        } else if (!strcmp(cmd, "expect-screen")) {
            if (strcmp(app_screen_name(a), arg) != 0) {
                snprintf(msg, sizeof msg, "expected screen '%s'", arg);
                rc = script_fail(o->path, n, msg, a);
            }
        } else if (!strcmp(cmd, "expect-text") || !strcmp(cmd, "expect-no-text")) {
            bool want = !strcmp(cmd, "expect-text");
            if (ui_shows(&a->u, arg) != want) {
                snprintf(msg, sizeof msg, "expected %s'%s' on the screen", want ? "" : "no ", arg);
                rc = script_fail(o->path, n, msg, a);
            }
        } else if (!strcmp(cmd, "expect-widget")) {
            if (!ui_find(&a->u, arg)) {
                snprintf(msg, sizeof msg, "expected widget '%s'", arg);
                rc = script_fail(o->path, n, msg, a);
            }
        } else if (!strcmp(cmd, "expect-fits")) {
            if (a->u.overflow)
                rc = script_fail(o->path, n, "some text does not fit its box", a);
            else if (plat_missing_glyphs(a->u.p))
                rc = script_fail(o->path, n, "some character has no glyph in the fonts", a);
        } else if (!strcmp(cmd, "screenshot")) {
            char path[4096], err[512];
            snprintf(path, sizeof path, "%s/%s.png", o->shots ? o->shots : ".", arg);
            screens_draw(a);
            if (plat_screenshot(a->u.p, path, err, sizeof err))
                rc = script_fail(o->path, n, err, a);
        } else if (!strcmp(cmd, "state")) {
            script_trace(a, "STATE");
        } else if (!strcmp(cmd, "cache")) {
            /* The text cache, and the texts rendered: drawn, prefetched,
             * and drawn by the last frame (the previous command's); the
             * pictures decoded. */
            size_t bytes;
            int entries;
            plat_renders r;
            plat_text_cache(a->u.p, &bytes, &entries);
            plat_text_renders(a->u.p, &r);
            printf("CACHE entries=%d bytes=%zu bound=%zu drawn=%llu prefetched=%llu frame=%d "
                   "images=%llu\n",
                   entries, bytes, plat_text_cache_bound(), (unsigned long long)r.drawn,
                   (unsigned long long)r.prefetched, r.frame, (unsigned long long)r.images);
            fflush(stdout);
        } else if (!strcmp(cmd, "print")) {
            printf("screen %s\n%s", app_screen_name(a), a->u.texts);
            for (int i = 0; i < a->u.n_widgets; i++)
                printf("  [%s] %d,%d %dx%d\n", a->u.widgets[i].name, a->u.widgets[i].r.x,
                       a->u.widgets[i].r.y, a->u.widgets[i].r.w, a->u.widgets[i].r.h);
        } else if (!strcmp(cmd, "exit")) {
            break;
        } else {
            snprintf(msg, sizeof msg, "unknown script command '%s'", cmd);
            rc = script_fail(o->path, n, msg, a);
        }
        /* An action a tap started is over before the next command. */
        if (!rc && !started && tech_busy(a) &&
            !busy_frames(a, -1, 300000, &frames, &changes))
            rc = script_fail(o->path, n, "the action did not end within 300 s", a);
        if (!rc) {
            screens_draw(a);
            if (o->trace && a->scr == SCR_ITEM)
                script_trace(a, "SHOWN");
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
        return SCRIPT_LEFT;
    }
    return rc;
}

