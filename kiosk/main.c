/*
 * synaq-kiosk - the touchscreen exam station. Reads its options, opens
 * the station's store, the window and the fonts, and runs the screens
 * (screens.h): waiting for input with a deadline (the next timer),
 * drawing only when something changed. With --script it runs a test
 * script instead of waiting for a person (script.h).
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "plat.h"
#include "screens.h"
#include "script.h"
#include "scr_tech.h"
#include "synaq/keys.h"
#include "synaq/station.h"
#include "synaq/store.h"

#ifndef SYNAQ_ASSETS_DIR
#define SYNAQ_ASSETS_DIR "/usr/share/synaq/assets"
#endif
#ifndef SYNAQ_FONTS_LIST
#define SYNAQ_FONTS_LIST "/usr/share/synaq/fonts/fonts.list"
#endif

typedef struct {
    const char *home, *db, *keys, *assets, *fonts, *script, *shots, *pass_file, *usb_roots;
    char *passphrase; /* guarded memory; NULL: none given */
    int width, height;
    bool software, windowed, trace;
} options;

/* The status the kiosk ends with when the technician left it: the
 * systemd unit does not restart it then (RestartPreventExitStatus). */
#define EXIT_LEFT SCRIPT_LEFT

/* ---- the heap ---- */

/* Rendered text (kiosk/plat_sdl.c keeps up to 8 MiB of it) and pictures
 * grow the heap a texture at a time, and every page of it is a page fault the
 * first time it is written: a new item's texts fault in some hundreds of
 * pages in the frame that draws them (16 us each on a virtual machine,
 * where most of such a frame's time went). The heap's next HEAP_THP bytes
 * are asked for as transparent huge pages instead: one fault maps 2 MiB.
 * Nothing is touched here: a page costs memory only once written, and
 * memory grows by 2 MiB steps as the cache fills, up to its bound. Large
 * blocks come from the heap too (not a mapping each, faulted in anew and
 * given back at free), and what is freed is kept for the next texts. If
 * the kernel has no huge pages (or none to spare), this changes nothing. */
#define HEAP_THP (30u << 20)

static void heap_setup(void)
{
    /* 32 MiB: the most glibc takes for a 64-bit heap (a picture is 4 MiB) */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    char *b = malloc(HEAP_THP);
    if (!b)
        return;
    uintptr_t huge = 2u << 20;
    uintptr_t lo = ((uintptr_t)b + huge - 1) & ~(huge - 1);
    uintptr_t hi = ((uintptr_t)b + HEAP_THP) & ~(huge - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    free(b); /* back to the top of the heap, kept (M_TRIM_THRESHOLD) */
}

/* ---- the real loop ---- */

static int run_loop(app *a, const options *o)
{
    for (;;) {
        int next = screens_tick(a);
        if (a->quit) {
            fprintf(stderr, "synaq-kiosk: the technician left the kiosk\n");
            return EXIT_LEFT;
        }
        if (a->dirty)
            screens_draw(a);
        /* Prefetch (screens.h) while no input comes: a slice whenever a
         * poll finds no event, so a tap waits for one slice at most. With
         * nothing to prefetch, the wait blocks until the next timer. */
        bool more = screens_prefetch_pending(a);
        plat_event ev;
        if (!plat_wait(a->u.p, more ? 0 : next, &ev)) {
            if (more)
                screens_prefetch(a);
            continue;
        }
        /* Presses, drags, taps, pinches, text and keys: the screens'. */
        if (!screens_event(a, &ev)) {
            switch (ev.type) {
            case PLAT_QUIT:
                app_stop(a);
                return 0;
            case PLAT_RESIZE:
                ui_layout(&a->u, a->text_step);
                a->dirty = true;
                break;
            case PLAT_EXPOSE:
                a->dirty = true;
                break;
            case PLAT_WAKE:
                /* A long action moved on: screens_tick looks at it. */
                break;
            default:
                break;
            }
        }
        if (o->trace && a->dirty && a->scr == SCR_ITEM) {
            screens_draw(a);
            script_trace(a, "SHOWN");
        }
    }
}

static void usage(FILE *f)
{
    fputs("usage: synaq-kiosk [--home DIR] [--db FILE] [--keys FILE] [--passphrase-file FILE]\n"
          "                   [--assets DIR] [--fonts FILE] [--size WxH] [--software]\n"
          "                   [--windowed] [--script FILE [--screenshots DIR]] [--trace]\n"
          "                   [--usb-roots DIR:DIR...] [--wall EPOCH_SECONDS]\n"
          "The station's store and keys default to $SYNAQ_HOME (or /var/lib/synaq).\n"
          "USB sticks are looked for under $SYNAQ_USB_ROOTS (or " SQ_USB_ROOTS ").\n"
          "The kiosk has no way out for a trainee; it stops on SIGTERM, or when the\n"
          "technician leaves it (status 3). One kiosk a store: a second one on the same\n"
          "store stops at once (status 4). Technician mode: hold the top left corner\n"
          "of the welcome screen for 3 seconds, then the PIN (synaqctl set-pin).\n"
          "--wall: with --script, where the simulated wall clock starts (default: now).\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"home", 1, 0, 'H'},    {"db", 1, 0, 'd'},         {"keys", 1, 0, 'k'},
        {"assets", 1, 0, 'a'},  {"fonts", 1, 0, 'f'},      {"size", 1, 0, 's'},
        {"software", 0, 0, 'S'}, {"windowed", 0, 0, 'w'},  {"script", 1, 0, 'x'},
        {"screenshots", 1, 0, 'o'}, {"passphrase-file", 1, 0, 'p'}, {"trace", 0, 0, 't'},
        {"usb-roots", 1, 0, 'u'}, {"wall", 1, 0, 'W'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    heap_setup();
    options o = {0};
    o.assets = SYNAQ_ASSETS_DIR;
    o.fonts = SYNAQ_FONTS_LIST;
    o.usb_roots = getenv("SYNAQ_USB_ROOTS") && *getenv("SYNAQ_USB_ROOTS")
                      ? getenv("SYNAQ_USB_ROOTS")
                      : SQ_USB_ROOTS;
    int c;
    long long wall_start = 0; /* --wall: the simulated wall clock's start */
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
        case 'W':
            if (sscanf(optarg, "%lld", &wall_start) != 1 || wall_start <= 0) {
                usage(stderr);
                return 2;
            }
            break;
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
    /* One kiosk a store, before any window: a second one would move the
     * first's attempt under the trainee's finger. */
    int kiosk_lock = -1;
    if (sq_station_kiosk_lock(&paths, &kiosk_lock, &e)) {
        fprintf(stderr, "synaq-kiosk: %s\n", e.msg);
        return e.code == SQ_EBUSY ? 4 : 1;
    }

    sim_clock sim = {1000, wall_start > 0 ? (int64_t)wall_start : (int64_t)time(NULL), 0};
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
    plat_config pc = {o.width, o.height, o.software, o.windowed, o.fonts, argv};
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
    int w, h;
    plat_size(p, &w, &h);
    if (prc != 0)
        app_error(a, "error.font", err);
    else if (!t)
        app_error(a, "error.generic", terr);
    else if (locked)
        app_unlock_open(a, *locked ? locked : NULL);
    else if (store_err)
        app_error(a, "error.store", store_err);
    else if (setup)
        tech_setup_open(a);
    else {
        char m[160];
        if (!app_screen_fits(w, h, m, sizeof m))
            app_error(a, "error.screen", m);
    }
    script_options so = {o.script, o.shots, o.trace};
    int rc = o.script ? script_run(a, &sim, &so) : run_loop(a, &o);
    /* An import or export still under way stops between files. */
    tech_job_stop(a);
    app_free(a);
    free(a);
    sq_station_close(st);
    sq_station_kiosk_unlock(kiosk_lock);
    sq_passphrase_free(o.passphrase);
    i18n_free(t);
    plat_close(p);
    return rc;
}
