/*
 * scr_tech.c - the technician's screens of the kiosk (scr_tech.h).
 *
 * Technician mode opens with a long press (APP_HOLD_MS) in the top left
 * corner of the welcome screen and the technician PIN; wrong PINs slow
 * down the next tries (sq_tech_pin_check), and every try is in the audit
 * log. The technician screen shows the station's status and the USB
 * sticks found under the mount folders (looked for every
 * APP_STICK_POLL_MS while it is open, never otherwise), with the actions:
 * import from USB, export to USB, read acknowledgements, the touch and
 * screen tests, the PIN change, and leaving the kiosk. Every action goes
 * into the audit log with its outcome.
 *
 * A station that is not enrolled yet shows the set-up screen instead of
 * the welcome screen: enrolment by stick (sq_usb_enrol), then the choice
 * of the technician PIN.
 *
 * The long actions (import, export, reading acknowledgements) run one at
 * a time on a worker thread of their own (below, "the long actions"), while
 * the UI thread goes on drawing their progress bar and answering the
 * Cancel button of an import or export.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scr_tech.h"
#include "synaq/update.h"

bool tech_is_screen(app_screen s)
{
    return s >= SCR_PIN;
}

/* ---- small helpers ---- */

static void audit(app *a, const char *action, sq_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void audit(app *a, const char *action, sq_status st, const char *fmt, ...)
{
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    sq_err e;
    if (a->store && sq_tech_auditf(a->store, "kiosk", action, st, &e, "%s", detail))
        app_log_err("writing the audit log", &e);
    fprintf(stderr, "synaq-kiosk: technician: %s: %s: %s\n", action, sq_status_name(st), detail);
}

static void audit_usb(app *a, sq_usb_action act, const char *stick, sq_status st,
                      const sq_err *why, const sq_usb_report *r)
{
    char detail[400];
    sq_status outcome = sq_usb_summary(act, stick, st, why, r, detail, sizeof detail);
    audit(a, sq_usb_action_name(act), outcome, "%s", detail);
}

static void num(char *out, size_t n, long long v)
{
    snprintf(out, n, "%lld", v);
}

/* A moment of the station's clock, the same in every language. */
static void fmt_when(int64_t wall_s, char *out, size_t n)
{
    time_t t = (time_t)wall_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(out, n, "?");
}

/* The bytes of the sync error shown on the technician screen, at most. */
#define SYNC_ERROR_SHOWN 160

/* An age: minutes, hours or days. */
static void fmt_age(app *a, int64_t s, char *out, size_t n)
{
    char v[32];
    const char *key = s < 3600 ? "tech.age_min" : s < 2 * 86400 ? "tech.age_h" : "tech.age_d";
    num(v, sizeof v, s < 3600 ? s / 60 : s < 2 * 86400 ? s / 3600 : s / 86400);
    i18n_fmt(a->t, a->lang, key, out, n, "n", v, NULL);
}

static void fmt_size(app *a, int64_t bytes, char *out, size_t n)
{
    char v[32];
    if (bytes >= (int64_t)10 << 30)
        snprintf(v, sizeof v, "%lld", (long long)(bytes >> 30));
    else if (bytes >= (int64_t)1 << 30)
        snprintf(v, sizeof v, "%.1f", (double)bytes / (1 << 30));
    else
        snprintf(v, sizeof v, "%lld", (long long)(bytes >> 20));
    i18n_fmt(a->t, a->lang, bytes >= (int64_t)1 << 30 ? "tech.gb" : "tech.mb", out, n, "n", v,
             NULL);
}

/* Appends a line to a->tech.done_text. */
static void done_line(app *a, const char *line)
{
    size_t o = strlen(a->tech.done_text);
    snprintf(a->tech.done_text + o, sizeof a->tech.done_text - o, "%s%s", o ? "\n" : "", line);
}

static void done_fmt(app *a, const char *key, ...)
{
    /* i18n_fmt takes its pairs as varargs: at most three here. */
    va_list ap;
    va_start(ap, key);
    const char *n1 = va_arg(ap, const char *), *v1 = n1 ? va_arg(ap, const char *) : NULL;
    const char *n2 = n1 ? va_arg(ap, const char *) : NULL, *v2 = n2 ? va_arg(ap, const char *) : NULL;
    const char *n3 = n2 ? va_arg(ap, const char *) : NULL, *v3 = n3 ? va_arg(ap, const char *) : NULL;
    va_end(ap);
    char line[600];
    i18n_fmt(a->t, a->lang, key, line, sizeof line, n1, v1, n2, v2, n3, v3, NULL);
    done_line(a, line);
}

static void show_done(app *a, const char *title_key)
{
    a->tech.done_title = title_key;
    a->ov = OV_TECH_DONE;
    a->dirty = true;
}

/* The header of the technician's screens: a title, and the languages
 * to switch to (the technician's own, whatever the last trainee chose). */
int tech_header(app *a, const char *title)
{
    ui *u = &a->u;
    static const char *const names[] = {"tech-lang-kk", "tech-lang-ru", "tech-lang-en"};
    static const char *const labels[] = {"ҚАЗ", "РУС", "ENG"};
    int bw = u->unit * 5 / 4;
    int h = app_header(a, title, NULL);
    for (int l = 0; l < N_LANGS; l++) {
        ui_rect r = ui_r(u->w - (N_LANGS - l) * bw + 2, 2, bw - 4, h - 4);
        if (ui_button(u, names[l], r, labels[l], l == a->lang ? BTN_ON : BTN_NORMAL)) {
            a->lang = l;
            a->dirty = true;
        }
    }
    return h;
}

/* ---- sticks and status ---- */

static void load_files(app *a)
{
    sq_err e;
    sq_usb_list_free(&a->tech.files);
    if (a->tech.n_sticks == 0)
        return;
    const sq_cert *c = a->keys ? sq_station_keys_cert(a->keys) : NULL;
    if (sq_usb_files(a->tech.sticks[a->tech.stick].path, c ? c->station_id : NULL, &a->tech.files, &e))
        app_log_err("looking at the stick", &e);
}

/* The mount helper's state folder (units/README.md, "Sticks"):
 * $SYNAQ_STICK_STATE, or SQ_STICK_STATE_DIR. */
static const char *stick_state_dir(void)
{
    const char *d = getenv("SYNAQ_STICK_STATE");
    return d && *d ? d : SQ_STICK_STATE_DIR;
}

/* Looks for sticks; reloads what is on the chosen one when the set
 * changed (or always, with force). */
static void poll_sticks(app *a, bool force)
{
    sq_usb_stick now[SQ_USB_MAX_STICKS];
    size_t n = 0;
    sq_err e;
    a->tech.last_poll_ms = app_now_ms(a);
    if (sq_usb_find(a->where.usb_roots, now, SQ_USB_MAX_STICKS, &n, &e)) {
        app_log_err("looking for sticks", &e);
        n = 0;
    }
    /* What the mount helper said of each stick: one it would not mount
     * shows only there. */
    sq_usb_mount_note notes[SQ_USB_MAX_MOUNT_NOTES];
    size_t nn = 0;
    if (sq_usb_mount_notes(stick_state_dir(), notes, SQ_USB_MAX_MOUNT_NOTES, &nn, &e)) {
        app_log_err("reading the sticks' states", &e);
        nn = 0;
    }
    bool same = n == a->tech.n_sticks && nn == a->tech.n_mounts &&
                memcmp(notes, a->tech.mounts, nn * sizeof *notes) == 0;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(now[i].path, a->tech.sticks[i].path) == 0;
    memcpy(a->tech.mounts, notes, nn * sizeof *notes);
    a->tech.n_mounts = nn;
    if (same && !force)
        return;
    memcpy(a->tech.sticks, now, n * sizeof *now);
    a->tech.n_sticks = n;
    if ((size_t)a->tech.stick >= n)
        a->tech.stick = 0;
    load_files(a);
    a->dirty = true;
}

static void load_status(app *a)
{
    sq_err e;
    a->tech.status_ok = a->store && sq_tech_status_get(a->store, a->keys, a->where.home, &a->tech.status,
                                                  &e) == SQ_OK;
    if (a->store && !a->tech.status_ok)
        app_log_err("reading the station's status", &e);
}

static void enter_tech(app *a)
{
    memset(a->tech.pin, 0, sizeof a->tech.pin);
    memset(a->tech.pin_first, 0, sizeof a->tech.pin_first);
    load_status(a);
    poll_sticks(a, true);
    app_go(a, SCR_TECH);
}

/* ---- the long actions, on a worker thread ---- */

/*
 * An import, export or reading of acknowledgements runs on a thread of
 * its own (job_main) while the UI thread goes on drawing frames and
 * answering taps. The store keeps one writer: the worker borrows the
 * kiosk's store handle, and while a job is out (a->tech.job) the UI
 * thread leaves the store alone — no audit line, no status read, no
 * stick polling; the screens only draw what they had, and technician
 * mode does not close for want of a touch. It takes the store back when
 * it joins the worker (job_poll), and only then writes the audit line and
 * reads the status again.
 *
 * What crosses between the threads is under the job's mutex: the last
 * progress report (done, total, and how many reports so far), how many a
 * frame has shown, whether to stop, whether the worker is finished. The
 * report and the status are read after the join. Cancel asks to stop;
 * the import and the export look between files (sq_usb_*_stoppable),
 * so a bundle is installed whole or not at all, and a stopped export
 * takes back its files. In lockstep (the test scripts, for runs that are
 * the same every time) the worker waits at each report until a frame has
 * shown it and the UI thread has looked again (job_poll): a script's
 * commands between two looks (a tap on Cancel, checks, shots) all come
 * at the same point of the work.
 */
typedef struct tech_job {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int action;                 /* 1 import, 2 export, 3 acknowledgements */
    sq_store *store;
    const sq_station_keys *keys;
    char stick[sizeof ((sq_usb_stick *)0)->path];
    char req_dir[1100];         /* where an export asks for a writable stick */
    bool lockstep;
    plat *wake;                 /* woken at each new percent and at the end */
    int woken_pct;              /* the worker's own */
    /* under mu */
    int64_t done, total;
    uint64_t reports, shown;    /* progress reports made; the last one a frame showed */
    bool stop, quit, finished;  /* quit: the kiosk stops, lockstep or not */
    /* the worker's; the UI thread reads them once it has joined */
    sq_status st;
    sq_err err;
    sq_usb_report rep;
    /* an import's software updates, staged by the worker after it */
    char pending[1100];         /* where they go; "" none */
    sq_update_stage_report ur;
    sq_status ust;              /* SQ_ENOTFOUND: none looked at or found */
    sq_err uerr;
} tech_job;

static void job_progress(void *ctx, int64_t done, int64_t total)
{
    tech_job *j = ctx;
    /* The bar moves by whole percents: the UI loop is woken for those. */
    int pct = total > 0 ? (int)(done * 100 / total) : 0;
    if (pct != j->woken_pct) {
        j->woken_pct = pct;
        plat_wake(j->wake);
    }
    pthread_mutex_lock(&j->mu);
    j->done = done;
    j->total = total;
    j->reports++;
    pthread_cond_broadcast(&j->cv);
    while (j->lockstep && j->shown < j->reports && !j->quit)
        pthread_cond_wait(&j->cv, &j->mu);
    pthread_mutex_unlock(&j->mu);
}

static bool job_stop_asked(void *ctx)
{
    tech_job *j = ctx;
    pthread_mutex_lock(&j->mu);
    bool stop = j->stop;
    pthread_mutex_unlock(&j->mu);
    return stop;
}

/* How long an export waits for root's helper to make the stick writable. */
#define STICK_RW_TIMEOUT_MS 20000

static void *job_main(void *arg)
{
    tech_job *j = arg;
    sq_progress pr = {job_progress, j};
    sq_usb_stop stop = {job_stop_asked, j};
    j->ust = SQ_ENOTFOUND;
    if (j->action == 1) {
        j->st = sq_usb_import_stoppable(j->store, j->stick, &pr, &stop, &j->rep, &j->err);
        /* Software updates on the stick (synaq/updates/NAME.squ): checked
         * against central's key and handed to synaq-update.service, which
         * installs them when no attempt is open (units/README.md,
         * "Updates"); here, not on the UI thread: an update file is large. */
        if (!j->rep.stick_gone && !j->rep.cancelled && j->keys && j->pending[0] &&
            !job_stop_asked(j))
            j->ust = sq_update_stage_usb(j->stick, sq_station_keys_central_sign_pk(j->keys),
                                         j->pending, &j->ur, &j->uerr);
    } else if (j->action == 2) {
        /* A stick the helper mounted read-only is made writable for the
         * export only (sq_usb_writable); Cancel stops the wait. */
        bool asked = false;
        j->st = sq_usb_writable(j->stick, j->req_dir, stick_state_dir(), STICK_RW_TIMEOUT_MS,
                                &stop, &asked, &j->err);
        if (j->st && job_stop_asked(j)) {
            j->st = SQ_OK;
            j->rep.cancelled = true;
        } else if (j->st == SQ_EIO)
            j->rep.stick_gone = true;
        else if (!j->st)
            j->st = sq_usb_export_stoppable(j->store, j->keys, j->stick, &pr, &stop, &j->rep,
                                            &j->err);
        if (asked)
            sq_usb_writable_done(j->stick, j->req_dir);
    } else
        j->st = sq_usb_read_acks(j->store, j->keys, j->stick, &j->rep, &j->err);
    pthread_mutex_lock(&j->mu);
    j->finished = true;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    plat_wake(j->wake);
    return NULL;
}

static void job_free(tech_job *j)
{
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* The UI loop is woken (plat_wake) when the bar should move and when the
 * job ends; this is only a backstop, in ms. */
#define BUSY_POLL_MS 1000

static void act_finish(app *a, tech_job *j);
static const char *stick_path(app *a);

/* Starts action (1 import, 2 export, 3 acknowledgements) on the chosen
 * stick; the busy dialog shows from the next frame. */
static void job_start(app *a, int action, const char *key)
{
    const char *stick = stick_path(a);
    if (!stick)
        return; /* the buttons are off without a stick */
    tech_job *j = calloc(1, sizeof *j);
    if (!j) {
        a->tech.done_text[0] = 0;
        done_fmt(a, "tech.failed", "detail", "out of memory", NULL);
        show_done(a, "tech.title");
        return;
    }
    j->action = action;
    j->store = a->store;
    j->keys = a->keys;
    j->lockstep = a->tech.lockstep;
    j->wake = a->u.p;
    j->woken_pct = -1;
    snprintf(j->stick, sizeof j->stick, "%s", stick);
    snprintf(j->req_dir, sizeof j->req_dir, "%s/%s", a->where.home ? a->where.home : ".",
             SQ_STICK_REQUESTS);
    if (a->where.home) {
        const char *env = getenv("SYNAQ_UPDATE_PENDING");
        snprintf(j->pending, sizeof j->pending, "%s%s", env && *env ? env : a->where.home,
                 env && *env ? "" : "/updates");
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    a->tech.busy = true;
    a->tech.busy_key = key;
    a->tech.busy_done = 0;
    a->tech.busy_total = 0;
    a->tech.busy_stopping = false;
    a->tech.busy_drawn = 0;
    int rc = pthread_create(&j->thread, NULL, job_main, j);
    if (rc != 0) {
        /* No thread to be had: the action says so, as any failure. */
        j->st = SQ_ENOMEM;
        snprintf(j->err.msg, sizeof j->err.msg, "cannot start the action: %s", strerror(rc));
        j->err.code = SQ_ENOMEM;
        act_finish(a, j);
        job_free(j);
        return;
    }
    a->tech.job = j;
    a->dirty = true;
}

/* The UI thread's look at the job: the frame drawn since has shown the
 * report it drew (in lockstep the worker goes on from there); a report
 * not drawn yet asks for a frame; once the worker is finished, it is
 * joined and its outcome shown. True while it runs. */
static bool job_poll(app *a)
{
    tech_job *j = a->tech.job;
    if (!j)
        return false;
    pthread_mutex_lock(&j->mu);
    j->shown = a->tech.busy_drawn;
    pthread_cond_broadcast(&j->cv);
    bool finished = j->finished, news = j->reports != a->tech.busy_drawn;
    pthread_mutex_unlock(&j->mu);
    if (news)
        a->dirty = true;
    if (!finished)
        return true;
    pthread_join(j->thread, NULL);
    a->tech.job = NULL;
    act_finish(a, j);
    job_free(j);
    return false;
}

bool tech_busy(app *a)
{
    return a->tech.job != NULL;
}

bool tech_job_wait(app *a, int ms)
{
    tech_job *j = a->tech.job;
    if (!j)
        return false;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&j->mu);
    int rc = 0;
    /* Something to do: the end, a report not drawn, or (lockstep) a
     * worker waiting for the UI to say a frame showed its report. */
#define JOB_NEWS(j) ((j)->finished || (j)->reports != a->tech.busy_drawn || \
                     ((j)->lockstep && (j)->shown < (j)->reports))
    while (!JOB_NEWS(j) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&j->cv, &j->mu, &until);
    bool news = JOB_NEWS(j);
#undef JOB_NEWS
    pthread_mutex_unlock(&j->mu);
    return news;
}

void tech_job_stop(app *a)
{
    tech_job *j = a->tech.job;
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stop = j->quit = true;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    a->tech.job = NULL;
    act_finish(a, j);
    job_free(j);
}

/* The busy dialog: what is under way, the bar and the percent of the
 * job's last report (job_poll tells the worker it was shown), and Cancel for
 * an import or an export. A modal dialog: the screen under it gets no
 * taps (tech_screen). */
static void busy_draw(app *a)
{
    ui *u = &a->u;
    tech_job *j = a->tech.job;
    if (!a->tech.busy || !j)
        return;
    if (u->pass == UI_DRAW) {
        pthread_mutex_lock(&j->mu);
        a->tech.busy_done = j->done;
        a->tech.busy_total = j->total;
        a->tech.busy_drawn = j->reports;
        pthread_mutex_unlock(&j->mu);
    }
    bool can_stop = j->action != 3;
    const char *text = app_t(a, a->tech.busy_stopping ? "tech.stopping" : "tech.wait");
    ui_rect r = app_dialog(a, app_t(a, a->tech.busy_key), text, can_stop ? 2 : 1);
    int pct = a->tech.busy_total > 0 ? (int)(a->tech.busy_done * 100 / a->tech.busy_total) : 0;
    if (pct > 100)
        pct = 100;
    /* The first row: the bar, and the percent beside it; the second:
     * Cancel. */
    char p[16];
    snprintf(p, sizeof p, "%d%%", pct);
    int pw = ui_text_width(u, "100%", u->px, true) + u->gap;
    ui_rect bar = ui_r(r.x, r.y + u->unit / 4, r.w - pw, u->unit / 2);
    ui_fill(u, bar, u->th.button);
    ui_fill(u, ui_r(bar.x, bar.y, bar.w * pct / 100, bar.h), u->th.accent);
    ui_outline(u, bar, 1, u->th.border);
    ui_text(u, ui_r(bar.x + bar.w, r.y + (u->unit - plat_line_height(u->p, u->px)) / 2, pw, 0), p,
            u->px, true, u->th.fg, ALIGN_CENTER);
    if (!can_stop)
        return;
    ui_rect b = ui_r(r.x + r.w / 4, r.y + u->unit + u->gap, r.w / 2, u->unit);
    if (ui_button(u, "tech-cancel", b, app_t(a, "tech.cancel"),
                  a->tech.busy_stopping ? BTN_DISABLED : BTN_NORMAL)) {
        pthread_mutex_lock(&j->mu);
        j->stop = true;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        a->tech.busy_stopping = true;
        a->dirty = true;
    }
}

/* ---- what the notes of a report say, in the station's language ---- */

static const char *note_reason(sq_status code, bool ack)
{
    switch (code) {
    case SQ_OK: return "tech.note_ok";
    case SQ_EEXIST: return "tech.note_same";
    case SQ_EWRONGSTATION: return ack ? "tech.note_ack_other" : "tech.note_other";
    case SQ_ETOOBIG: return "tech.note_big";
    case SQ_EINVAL: return "tech.note_invalid";
    case SQ_EAUTH: return "tech.note_auth";
    case SQ_ECORRUPT: return "tech.note_corrupt";
    case SQ_ESTALE: return "tech.note_stale";
    case SQ_EIO: return "tech.note_io";
    default: return "tech.note_error";
    }
}

/* The notes worth a technician's eye, a line each (at most a few). */
static void done_notes(app *a, const sq_usb_report *r, bool ack, bool all)
{
    int shown = 0, more = 0;
    for (int i = 0; i < r->n_notes; i++) {
        const sq_usb_note *n = &r->notes[i];
        if (!all && (n->code == SQ_OK || n->code == SQ_EEXIST || n->code == SQ_EWRONGSTATION))
            continue;
        fprintf(stderr, "synaq-kiosk: %s\n", n->text);
        if (shown == 5) {
            more++;
            continue;
        }
        done_fmt(a, "tech.note", "file", n->file, "reason", app_t(a, note_reason(n->code, ack)),
                 NULL);
        shown++;
    }
    if (more) {
        char v[16];
        num(v, sizeof v, more);
        done_fmt(a, "tech.note_more", "n", v, NULL);
    }
}

/* ---- the actions ---- */

static const char *stick_path(app *a)
{
    return a->tech.n_sticks ? a->tech.sticks[a->tech.stick].path : NULL;
}

/* Whether the chosen stick brings central's public keys (set-up needs them
 * to make keys; without them it only says so). */
static bool stick_has_pub(app *a)
{
    return a->tech.n_sticks && a->tech.files.count[SQ_USB_CENTRAL_PUB] > 0;
}

/* The outcome of an import, once the worker is joined. */
static void import_done(app *a, const char *stick, sq_status st, const sq_err *e,
                        const sq_usb_report *r, const tech_job *j)
{
    a->tech.done_text[0] = 0;
    char v1[16], v2[16], v3[16];
    num(v1, sizeof v1, r->done);
    num(v2, sizeof v2, r->exams);
    num(v3, sizeof v3, r->items);
    if (r->done)
        done_fmt(a, "tech.import_done", "n", v1, "exams", v2, "items", v3, NULL);
    num(v1, sizeof v1, r->same);
    if (r->same)
        done_fmt(a, "tech.import_same", "n", v1, NULL);
    num(v1, sizeof v1, r->others);
    if (r->others)
        done_fmt(a, "tech.import_others", "n", v1, NULL);
    num(v1, sizeof v1, r->skipped);
    if (r->skipped)
        done_fmt(a, "tech.import_skipped", "n", v1, NULL);
    /* The software updates the worker staged after the import. */
    const sq_update_stage_report ur = j->ur;
    sq_status ust = j->ust;
    const sq_err ue = j->uerr;
    if (r->files == 0 && !st && !r->skipped && !r->cancelled && ur.found == 0)
        done_line(a, app_t(a, "tech.import_none"));
    if (ur.staged)
        done_fmt(a, "tech.update_staged", "version", ur.versions, NULL);
    num(v1, sizeof v1, ur.refused);
    if (ur.refused) {
        done_fmt(a, "tech.update_refused", "n", v1, NULL);
        fprintf(stderr, "synaq-kiosk: %s\n", ur.first_refusal);
    }
    done_notes(a, r, false, false);
    if (r->stick_gone)
        done_line(a, app_t(a, "tech.stick_gone"));
    else if (st)
        done_fmt(a, "tech.failed", "detail", e->msg, NULL);
    else if (ust && ust != SQ_ENOTFOUND)
        done_fmt(a, "tech.failed", "detail", ue.msg, NULL);
    else if (r->cancelled)
        done_line(a, app_t(a, "tech.import_cancelled"));
    audit_usb(a, SQ_USB_IMPORT, stick, st, e, r);
    if (ur.found)
        audit(a, "update-stage", ur.refused ? SQ_EAUTH : SQ_OK,
              "%s: %d update(s) staged (%s), %d refused%s%s", stick, ur.staged,
              ur.versions[0] ? ur.versions : "none", ur.refused, ur.refused ? ": " : "",
              ur.first_refusal);
    load_status(a);
    load_files(a);
    show_done(a, st || r->skipped || ur.refused ? "tech.import_title_problems"
                 : r->cancelled                   ? "tech.import_title_cancelled"
                                                  : "tech.import_title");
}

/* The outcome of an export, once the worker is joined. */
static void export_done(app *a, const char *stick, sq_status st, const sq_err *e,
                        const sq_usb_report *r)
{
    a->tech.done_text[0] = 0;
    char v1[16], v2[16];
    num(v1, sizeof v1, r->results);
    num(v2, sizeof v2, r->done);
    const char *title = "tech.export_title";
    if (st == SQ_EFULL)
        done_line(a, app_t(a, "tech.export_full"));
    else if (st == SQ_EREADONLY)
        done_line(a, app_t(a, "tech.export_readonly"));
    else if (r->stick_gone)
        done_line(a, app_t(a, "tech.stick_gone"));
    else if (st)
        done_fmt(a, "tech.failed", "detail", e->msg, NULL);
    else if (r->cancelled)
        done_line(a, app_t(a, "tech.export_cancelled"));
    else if (r->results == 0)
        done_line(a, app_t(a, "tech.export_none"));
    else {
        done_fmt(a, "tech.export_done", "n", v1, "files", v2, NULL);
        done_line(a, app_t(a, "tech.export_safe"));
    }
    if (st)
        title = "tech.export_title_failed";
    else if (r->cancelled)
        title = "tech.export_title_cancelled";
    audit_usb(a, SQ_USB_EXPORT, stick, st, e, r);
    load_status(a);
    load_files(a);
    show_done(a, title);
}

/* The outcome of reading acknowledgements, once the worker is joined. */
static void acks_done(app *a, const char *stick, sq_status st, const sq_err *e,
                      const sq_usb_report *r)
{
    a->tech.done_text[0] = 0;
    char v1[16], v2[16];
    num(v1, sizeof v1, r->done);
    num(v2, sizeof v2, r->results);
    if (r->files == 0 && !st && !r->skipped)
        done_line(a, app_t(a, "tech.acks_none"));
    else
        done_fmt(a, "tech.acks_done", "n", v1, "results", v2, NULL);
    num(v1, sizeof v1, r->skipped);
    if (r->skipped)
        done_fmt(a, "tech.acks_refused", "n", v1, NULL);
    done_notes(a, r, true, false);
    if (r->stick_gone)
        done_line(a, app_t(a, "tech.stick_gone"));
    else if (st)
        done_fmt(a, "tech.failed", "detail", e->msg, NULL);
    audit_usb(a, SQ_USB_ACKS, stick, st, e, r);
    load_status(a);
    show_done(a, st || r->skipped ? "tech.acks_title_problems" : "tech.acks_title");
}

/* On the UI thread, the store its own again: the outcome of a job. */
static void act_finish(app *a, tech_job *j)
{
    a->tech.busy = false;
    a->tech.busy_stopping = false;
    if (j->action == 1)
        import_done(a, j->stick, j->st, &j->err, &j->rep, j);
    else if (j->action == 2)
        export_done(a, j->stick, j->st, &j->err, &j->rep);
    else
        acks_done(a, j->stick, j->st, &j->err, &j->rep);
}

/* ---- the PIN keypad ---- */

/* Digits, clear and backspace in r; true when buf changed. */
/* The layout shared by the PIN screens: a prompt, the dots, a message,
 * the keypad and two buttons. Returns 1 for OK, -1 for cancel, 0 else. */
static int pin_pad(app *a, const char *title, const char *prompt, const char *msg,
                   bool msg_bad, bool enabled)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = tech_header(a, title) + u->gap;
    int footer = u->unit + 2 * u->gap;
    bool wide = u->w > u->h;
    /* Wide: texts on the left, keypad on the right; tall: one above the other. */
    int tw = wide ? u->w / 2 - 2 * u->gap : u->w - 4 * u->gap;
    int ty = y;
    ty += ui_text(u, ui_r(2 * u->gap, ty, tw, 0), prompt, u->px, true, u->th.fg, ALIGN_LEFT) +
          u->gap;
    char dots[3 * SQ_PIN_MAX + 1] = "";
    for (size_t i = 0; a->tech.pin[i]; i++)
        strcat(dots, "●");
    int dh = u->unit;
    ui_fill(u, ui_r(2 * u->gap, ty, tw, dh), u->th.panel);
    ui_outline(u, ui_r(2 * u->gap, ty, tw, dh), 2, u->th.accent);
    ui_text(u, ui_r(3 * u->gap, ty + (dh - plat_line_height(u->p, u->px * 3 / 2)) / 2,
                    tw - 2 * u->gap, dh),
            dots, u->px * 3 / 2, true, u->th.fg, ALIGN_CENTER);
    ty += dh + u->gap;
    if (msg && *msg) {
        int mh = ui_text_height(u, tw - 2 * u->gap, msg, u->px, false) + 2 * u->gap;
        app_message_box(a, ui_r(2 * u->gap, ty, tw, mh), msg, msg_bad ? u->th.bad : u->th.muted);
        ty += mh + u->gap;
    }
    ui_rect pad = app_keypad_rect(a, wide, y, ty, footer);
    if (app_keypad(a, pad, "pin", a->tech.pin, sizeof a->tech.pin, SQ_PIN_MAX, enabled))
        a->dirty = true;
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    if (ui_button(u, "pin-cancel", ui_r(u->gap, fy, bw, u->unit), app_t(a, "tech.cancel"),
                  BTN_NORMAL))
        return -1;
    if (ui_button(u, "pin-ok", ui_r(2 * u->gap + bw, fy, bw, u->unit), app_t(a, "tech.ok"),
                  enabled && a->tech.pin[0] ? BTN_PRIMARY : BTN_DISABLED))
        return 1;
    return 0;
}

/* ---- the PIN ---- */

void tech_open(app *a)
{
    bool set = false;
    int64_t wait = 0;
    sq_err e;
    if (!a->store)
        return;
    memset(a->tech.pin, 0, sizeof a->tech.pin);
    a->msg = NULL;
    a->tech.pin_wait_until_ms = 0;
    if (sq_tech_pin_state(a->store, &set, NULL, &wait, &e) == SQ_OK) {
        if (!set)
            a->msg = "tech.pin_unset";
        else if (wait > 0)
            a->tech.pin_wait_until_ms = app_now_ms(a) + wait;
    } else {
        app_log_err("reading the PIN's state", &e);
    }
    app_go(a, SCR_PIN);
    /* app_go forgot the message. */
    a->msg = set ? NULL : "tech.pin_unset";
}

static void pin_submit(app *a)
{
    int64_t wait = 0;
    sq_err e;
    sq_status st = sq_tech_pin_check(a->store, "kiosk", a->tech.pin, &wait, &e);
    memset(a->tech.pin, 0, sizeof a->tech.pin);
    a->dirty = true;
    switch (st) {
    case SQ_OK:
        enter_tech(a);
        return;
    case SQ_EAUTH:
    case SQ_EBUSY:
        a->msg = st == SQ_EAUTH ? "tech.pin_wrong" : "tech.pin_wait";
        a->tech.pin_wait_until_ms = wait > 0 ? app_now_ms(a) + wait : 0;
        return;
    case SQ_ENOTFOUND:
        a->msg = "tech.pin_unset";
        return;
    default:
        app_log_err("checking the PIN", &e);
        a->msg = "error.generic";
    }
}

static void scr_pin(app *a)
{
    ui *u = &a->u;
    int64_t left = a->tech.pin_wait_until_ms - app_now_ms(a);
    bool waiting = left > 0;
    char msg[512] = "";
    if (waiting) {
        char n[16];
        num(n, sizeof n, (left + 999) / 1000);
        /* The wrong PIN's own words first, then how long to wait. */
        if (a->msg && strcmp(a->msg, "tech.pin_wrong") == 0)
            snprintf(msg, sizeof msg, "%s ", app_t(a, "tech.pin_wrong"));
        size_t o = strlen(msg);
        i18n_fmt(a->t, a->lang, "tech.pin_wait", msg + o, sizeof msg - o, "n", n, NULL);
    } else if (a->msg) {
        snprintf(msg, sizeof msg, "%s", app_t(a, a->msg));
    }
    bool unset = a->msg && strcmp(a->msg, "tech.pin_unset") == 0;
    int r = pin_pad(a, app_t(a, "tech.title"), app_t(a, "tech.pin_prompt"), msg,
                    waiting || (a->msg && !unset), !waiting && !unset);
    (void)u;
    if (r < 0)
        app_to_welcome(a);
    else if (r > 0)
        pin_submit(a);
}

/* The characters the screens draw: those of the catalogues, and the
 * letters of the on-screen keyboard (all of Kazakh Cyrillic, which holds
 * Russian's, and Latin) and digits, which names and IDs are typed in. */
static void load_glyphs(app *a)
{
    static const char keyboard[] =
        "АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨПРСТУҰҮФХҺЦЧШЩЪЫІЬЭЮЯ"
        "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    int n = i18n_codepoints(a->t, a->tech.glyphs, APP_MAX_GLYPHS);
    for (const unsigned char *p = (const unsigned char *)keyboard; *p;) {
        uint32_t cp = *p;
        int len = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : 3;
        if (len > 1)
            cp &= 0x3f >> (len - 1);
        for (int i = 1; i < len; i++)
            cp = cp << 6 | (p[i] & 0x3f);
        p += len;
        bool seen = false;
        for (int i = 0; i < n && !seen; i++)
            seen = a->tech.glyphs[i] == cp;
        if (!seen && n < APP_MAX_GLYPHS)
            a->tech.glyphs[n++] = cp;
    }
    /* In order, so a gap in a script's letters is easy to spot. */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && a->tech.glyphs[j - 1] > a->tech.glyphs[j]; j--) {
            uint32_t t = a->tech.glyphs[j];
            a->tech.glyphs[j] = a->tech.glyphs[j - 1];
            a->tech.glyphs[j - 1] = t;
        }
    a->tech.n_glyphs = n;
}

/* ---- the technician screen ---- */

/* What the check of the store's records found (sq_chain_check), in
 * the screen's language, appended to out at *o: a line naming every kind
 * of change in the newest finding on record (any process may have made
 * it), one saying when it went on record; a change found now that could
 * not be put on record is named itself. */
static void records_text(app *a, const sq_integrity_report *r, char *out, size_t cap, size_t *o)
{
    const sq_integrity_finding *f = r->on_record_n ? &r->on_record : &r->found;
    char what[1600] = "", part[500], line[2000], n1[24], n2[24], n3[24], w[64];
    size_t wo = 0;
    if (!f->flags)
        return;
#define PART(...)                                                                                  \
    do {                                                                                           \
        i18n_fmt(a->t, a->lang, __VA_ARGS__, NULL);                                                \
        wo += (size_t)snprintf(what + wo, sizeof what > wo ? sizeof what - wo : 0, "%s%s",         \
                               wo ? "; " : "", part);                                              \
    } while (0)
#define LINE(...)                                                                                  \
    do {                                                                                           \
        i18n_fmt(a->t, a->lang, __VA_ARGS__, NULL);                                                \
        *o += (size_t)snprintf(out + *o, cap > *o ? cap - *o : 0, "%s%s", *o ? "\n" : "", line);  \
    } while (0)
    if (f->flags & SQ_INTEGRITY_SENT_MARKS) {
        num(n1, sizeof n1, f->unproven_sent);
        PART("tech.records_sent_marks", part, sizeof part, "n", n1);
    }
    if (f->flags & SQ_INTEGRITY_RESULTS_GONE) {
        num(n1, sizeof n1, f->results_gone);
        num(n2, sizeof n2, f->first_gone);
        num(n3, sizeof n3, f->results_gone_unsent);
        PART("tech.records_gone", part, sizeof part, "n", n1, "first", n2, "unsent", n3);
    }
    if (f->flags & SQ_INTEGRITY_LAST_SEQ)
        PART("tech.records_last_seq", part, sizeof part, "x", "");
    if (f->flags & SQ_INTEGRITY_AUDIT) {
        num(n1, sizeof n1, f->audit_first_bad);
        PART("tech.records_audit", part, sizeof part, "n", n1);
    }
    if (f->flags & SQ_INTEGRITY_AUDIT_TAIL) {
        num(n1, sizeof n1, f->audit_removed);
        PART("tech.records_audit_tail", part, sizeof part, "n", n1);
    }
    if (f->flags & SQ_INTEGRITY_SENT_LOG)
        PART("tech.records_sent_log", part, sizeof part, "x", "");
    if (f->flags & SQ_INTEGRITY_RESULTS_EXTRA) {
        num(n1, sizeof n1, f->results_extra);
        PART("tech.records_extra", part, sizeof part, "n", n1);
    }
    if (f->flags & SQ_INTEGRITY_HEAD)
        PART("tech.records_head", part, sizeof part, "x", "");
    LINE("tech.records_changed", line, sizeof line, "what", what);
    if (r->on_record_n) {
        num(n1, sizeof n1, r->on_record_n);
        fmt_when(r->on_record_wall_s, w, sizeof w);
        LINE("tech.records_on_record", line, sizeof line, "when", w, "n", n1);
    }
#undef PART
#undef LINE
}

static void status_text(app *a, char *out, size_t cap)
{
    const sq_tech_status *s = &a->tech.status;
    char line[700], v[64], w[64];
    size_t o = 0;
    out[0] = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        i18n_fmt(a->t, a->lang, __VA_ARGS__, NULL);                                                \
        o += (size_t)snprintf(out + o, cap > o ? cap - o : 0, "%s%s", o ? "\n" : "", line);        \
    } while (0)
    if (!a->tech.status_ok) {
        snprintf(out, cap, "%s", app_t(a, "tech.status_unknown"));
        return;
    }
    ADD("tech.station", line, sizeof line, "id", s->station_id, "district", s->district);
    ADD("tech.software", line, sizeof line, "version", s->software);
    /* "id:version id:version" as "id v3, id v2". */
    char exams[600] = "";
    size_t eo = 0;
    for (const char *p = s->content; *p && eo + 80 < sizeof exams;) {
        size_t n = strcspn(p, " ");
        const char *colon = memchr(p, ':', n);
        if (colon)
            eo += (size_t)snprintf(exams + eo, sizeof exams - eo, "%s%.*s v%.*s", eo ? ", " : "",
                                   (int)(colon - p), p, (int)(n - (size_t)(colon - p) - 1),
                                   colon + 1);
        p += n;
        p += *p == ' ';
    }
    ADD("tech.exams", line, sizeof line, "list", exams[0] ? exams : app_t(a, "tech.none"));
    num(v, sizeof v, s->pending);
    if (s->pending) {
        fmt_age(a, s->oldest_pending_s, w, sizeof w);
        ADD("tech.pending_oldest", line, sizeof line, "n", v, "age", w);
    } else {
        ADD("tech.pending", line, sizeof line, "n", v);
    }
    if (s->exported) {
        num(v, sizeof v, s->exported);
        ADD("tech.exported", line, sizeof line, "n", v);
    }
    if (s->pending_practice) {
        num(v, sizeof v, s->pending_practice);
        ADD("tech.pending_practice", line, sizeof line, "n", v);
    }
    records_text(a, &s->integrity, out, cap, &o);
    if (!s->sync_known || !s->sync_last_success_s) {
        ADD("tech.sync_never", line, sizeof line, "x", "");
    } else {
        fmt_when(s->sync_last_success_s, w, sizeof w);
        ADD("tech.sync", line, sizeof line, "when", w);
    }
    if (s->sync_known && s->sync_last_error[0]) {
        /* syncd's words, up to 511 bytes: the start says what failed, and
         * the whole would not fit a small screen (synaqctl status and
         * syncd's log have all of it). */
        char why[SYNC_ERROR_SHOWN + 4];
        size_t n = sq_utf8_prefix(s->sync_last_error, SYNC_ERROR_SHOWN);
        snprintf(why, sizeof why, "%.*s%s", (int)n, s->sync_last_error,
                 s->sync_last_error[n] ? "\xE2\x80\xA6" : "");
        fmt_when(s->sync_last_error_s, w, sizeof w);
        if (s->sync_last_error_kind[0]) {
            /* What kind of trouble, in the screen's language; syncd's
             * English sentence after it, for whoever is called. */
            char key[40];
            snprintf(key, sizeof key, "sync.kind.%s", s->sync_last_error_kind);
            ADD("tech.sync_error_kind", line, sizeof line, "when", w, "what", app_t(a, key),
                "error", why);
        } else {
            ADD("tech.sync_error", line, sizeof line, "when", w, "error", why);
        }
    }
    if (s->disk_free_bytes >= 0) {
        fmt_size(a, s->disk_free_bytes, w, sizeof w);
        ADD("tech.disk", line, sizeof line, "size", w);
    }
    fmt_when(s->wall_s, w, sizeof w);
    ADD("tech.clock", line, sizeof line, "when", w);
#undef ADD
}

/* The mount helper's word on the first stick it would not mount (after a
 * newline), appended to out: shown while no stick is found. */
static void unmounted_text(app *a, char *out, size_t cap)
{
    for (size_t i = 0; i < a->tech.n_mounts; i++) {
        const sq_usb_mount_note *m = &a->tech.mounts[i];
        const char *key = m->state == SQ_STICK_NOFS          ? "tech.stick_nofs"
                          : m->state == SQ_STICK_UNSUPPORTED ? "tech.stick_unsupported"
                          : m->state == SQ_STICK_FAILED      ? "tech.stick_failed"
                                                             : NULL;
        if (!key)
            continue;
        char line[400];
        i18n_fmt(a->t, a->lang, key, line, sizeof line, "disk", m->disk, "fs",
                 m->fs[0] ? m->fs : "?", NULL);
        size_t k = strlen(out);
        snprintf(out + k, cap - k, "%s%s", k ? "\n" : "", line);
        return; /* one: two would push the buttons off a small screen */
    }
}

/* Which partition of the chosen stick the helper mounted, when it has
 * several; "" otherwise. */
static void partition_text(app *a, char *out, size_t cap)
{
    out[0] = 0;
    const char *path = a->tech.sticks[a->tech.stick].path;
    for (size_t i = 0; i < a->tech.n_mounts; i++) {
        const sq_usb_mount_note *m = &a->tech.mounts[i];
        if (m->state != SQ_STICK_MOUNTED || m->partitions < 2 || strcmp(m->mount, path) != 0)
            continue;
        char n1[16], n2[16];
        num(n1, sizeof n1, m->partitions);
        num(n2, sizeof n2, m->partition);
        i18n_fmt(a->t, a->lang, "tech.stick_partition", out, cap, "n", n1, "used", n2, NULL);
    }
}

static void stick_text(app *a, char *out, size_t cap)
{
    char n1[16], n2[16], n3[16];
    if (a->tech.n_sticks == 0) {
        out[0] = 0;
        unmounted_text(a, out, cap);
        if (!out[0])
            snprintf(out, cap, "%s", app_t(a, "tech.no_stick"));
        return;
    }
    const sq_usb_list *l = &a->tech.files;
    char l1[300], l2[300], l3[200] = "";
    i18n_fmt(a->t, a->lang, "tech.stick", l1, sizeof l1, "name", a->tech.sticks[a->tech.stick].name, NULL);
    if (a->scr == SCR_SETUP) {
        /* What enrolment needs. */
        num(n2, sizeof n2, l->count[SQ_USB_REQUEST]);
        num(n3, sizeof n3, l->count[SQ_USB_CERT]);
        i18n_fmt(a->t, a->lang, "tech.stick_enrol", l2, sizeof l2, "pub",
                 app_t(a, l->count[SQ_USB_CENTRAL_PUB] ? "tech.yes" : "tech.no"), "requests", n2,
                 "certs", n3, NULL);
    } else {
        num(n1, sizeof n1, l->count[SQ_USB_BUNDLE]);
        num(n2, sizeof n2, l->count[SQ_USB_ACK]);
        num(n3, sizeof n3, l->count[SQ_USB_BATCH]);
        i18n_fmt(a->t, a->lang, "tech.stick_files", l2, sizeof l2, "bundles", n1, "acks", n2,
                 "batches", n3, NULL);
        /* Software updates the import hands to synaq-update.service. */
        if (l->count[SQ_USB_UPDATE]) {
            char up[120];
            num(n1, sizeof n1, l->count[SQ_USB_UPDATE]);
            i18n_fmt(a->t, a->lang, "tech.stick_updates", up, sizeof up, "n", n1, NULL);
            size_t k = strlen(l2);
            snprintf(l2 + k, sizeof l2 - k, " · %s", up);
        }
    }
    if (l->problems) {
        num(n1, sizeof n1, l->problems);
        i18n_fmt(a->t, a->lang, "tech.stick_problems", l3, sizeof l3, "n", n1, NULL);
    }
    char l4[300];
    partition_text(a, l4, sizeof l4);
    /* (Sticks the helper would not mount show only while no other is
     * there: the panel must leave the buttons room on a small screen.) */
    snprintf(out, cap, "%s\n%s%s%s%s%s", l1, l2, l3[0] ? "\n" : "", l3, l4[0] ? "\n" : "", l4);
}

/* The sticks as buttons (when there are several) and what is on the
 * chosen one, in r; returns the height used. */
static int stick_panel(app *a, ui_rect r)
{
    ui *u = &a->u;
    int y = r.y;
    if (a->tech.n_sticks > 1) {
        int n = (int)a->tech.n_sticks, bw = (r.w - (n - 1) * u->gap) / n;
        for (int i = 0; i < n; i++) {
            char name[16];
            snprintf(name, sizeof name, "stick-%d", i + 1);
            if (ui_button(u, name, ui_r(r.x + i * (bw + u->gap), y, bw, u->unit),
                          a->tech.sticks[i].name, i == a->tech.stick ? BTN_SELECTED : BTN_NORMAL)) {
                a->tech.stick = i;
                load_files(a);
                a->dirty = true;
            }
        }
        y += u->unit + u->gap;
    }
    char text[1600];
    stick_text(a, text, sizeof text);
    int th = ui_text_height(u, r.w - 2 * u->gap, text, u->px, false);
    ui_rect box = ui_r(r.x, y, r.w, th + 2 * u->gap);
    ui_fill(u, box, u->th.panel);
    ui_outline(u, box, 2, a->tech.n_sticks ? u->th.accent : u->th.border);
    ui_text(u, ui_r(box.x + u->gap, box.y + u->gap, box.w - 2 * u->gap, th), text, u->px, false,
            u->th.fg, ALIGN_LEFT);
    return y + box.h - r.y;
}

static void scr_tech(app *a)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int top = tech_header(a, app_t(a, "tech.title"));
    bool wide = u->w > u->h;
    int y = top + u->gap;
    char text[4096];
    status_text(a, text, sizeof text);
    /* The buttons: two columns of four. */
    static const struct {
        const char *name, *key;
    } acts[] = {{"tech-import", "tech.import"}, {"tech-export", "tech.export"},
                {"tech-acks", "tech.acks"},     {"tech-touch", "tech.touch"},
                {"tech-screen", "tech.screen"}, {"tech-pin", "tech.change_pin"},
                {"tech-leave", "tech.leave"},   {"tech-close", "tech.close"}};
    int bh = u->unit, rows = 4;
    ui_rect left, right;
    if (wide) {
        int lw = (u->w - 3 * u->gap) * 11 / 20;
        left = ui_r(u->gap, y, lw, u->h - y - u->gap);
        right = ui_r(2 * u->gap + lw, y, u->w - 3 * u->gap - lw, u->h - y - u->gap);
    } else {
        left = ui_r(u->gap, y, u->w - 2 * u->gap, 0);
        right = ui_r(u->gap, 0, u->w - 2 * u->gap, 0);
    }
    /* Status, shrunk a little where the screen is short. */
    int px = u->px;
    int room = wide ? left.h : u->h - y - rows * (bh + u->gap) - 4 * u->unit;
    while (px > 12 && ui_text_height(u, left.w - 2 * u->gap, text, px, false) + 2 * u->gap > room)
        px--;
    int sh = ui_text_height(u, left.w - 2 * u->gap, text, px, false) + 2 * u->gap;
    ui_fill(u, ui_r(left.x, left.y, left.w, sh), u->th.panel);
    ui_outline(u, ui_r(left.x, left.y, left.w, sh), 1, u->th.border);
    ui_text(u, ui_r(left.x + u->gap, left.y + u->gap, left.w - 2 * u->gap, sh), text, px, false,
            u->th.fg, ALIGN_LEFT);
    if (!wide)
        right.y = left.y + sh + u->gap;
    int py = right.y + stick_panel(a, right) + u->gap;
    /* The buttons take the rest of the column (up to 1.6 units tall),
     * at its foot. */
    int spare = u->h - py - rows * (bh + u->gap);
    if (spare > 0)
        bh += spare / rows < bh * 3 / 5 ? spare / rows : bh * 3 / 5;
    int by = u->h - rows * (bh + u->gap);
    if (by < py)
        by = py;
    int bw = (right.w - u->gap) / 2;
    bool stick = a->tech.n_sticks > 0;
    for (int i = 0; i < 8; i++) {
        ui_rect r = ui_r(right.x + (i % 2) * (bw + u->gap), by + (i / 2) * (bh + u->gap), bw, bh);
        bool needs_stick = i < 3;
        ui_button_kind kind = needs_stick && !stick ? BTN_DISABLED : i == 7 ? BTN_PRIMARY
                                                                           : BTN_NORMAL;
        if (!ui_button(u, acts[i].name, r, app_t(a, acts[i].key), kind))
            continue;
        switch (i) {
        case 0:
        case 1:
        case 2: a->tech.pending = i + 1; break;
        case 3:
            memset(a->tech.touched, 0, sizeof a->tech.touched);
            a->tech.n_taps = 0;
            app_go(a, SCR_TOUCH);
            break;
        case 4:
            load_glyphs(a);
            app_go(a, SCR_GLYPHS);
            break;
        case 5:
            memset(a->tech.pin, 0, sizeof a->tech.pin);
            memset(a->tech.pin_first, 0, sizeof a->tech.pin_first);
            app_go(a, SCR_NEWPIN);
            break;
        case 6:
            a->ov = OV_LEAVE;
            a->dirty = true;
            break;
        default:
            audit(a, "close", SQ_OK, "technician mode closed");
            app_to_welcome(a);
            break;
        }
        return;
    }
}

/* ---- the touch test ---- */

static void target_at(app *a, int i, int top, int *cx, int *cy)
{
    ui *u = &a->u;
    int m = u->unit, bottom = u->h - u->unit - 2 * u->gap;
    int xs[3] = {m, u->w / 2, u->w - m}, ys[3] = {top + m, (top + bottom) / 2, bottom - m};
    *cx = xs[i % 3];
    *cy = ys[i / 3];
}

static void scr_touch(app *a)
{
    ui *u = &a->u;
    if (u->pass == UI_HIT && u->tapped) {
        int k = a->tech.n_taps % 16;
        a->tech.taps_x[k] = u->tap_x;
        a->tech.taps_y[k] = u->tap_y;
        a->tech.n_taps++;
        a->dirty = true;
    }
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int top = app_header(a, app_t(a, "tech.touch_title"), NULL);
    int n = 0;
    for (int i = 0; i < APP_TOUCH_TARGETS; i++)
        n += a->tech.touched[i];
    char v1[16], v2[16], line[400];
    num(v1, sizeof v1, n);
    num(v2, sizeof v2, APP_TOUCH_TARGETS);
    i18n_fmt(a->t, a->lang, n == APP_TOUCH_TARGETS ? "tech.touch_all" : "tech.touch_text", line,
             sizeof line, "n", v1, "total", v2, NULL);
    int tw = u->w - 6 * u->unit;
    ui_text(u, ui_r((u->w - tw) / 2, top + 2 * u->unit, tw, 0), line, u->px, true,
            n == APP_TOUCH_TARGETS ? u->th.good : u->th.fg, ALIGN_CENTER);
    int r = u->unit / 2;
    for (int i = 0; i < APP_TOUCH_TARGETS; i++) {
        int cx, cy;
        char name[16];
        target_at(a, i, top, &cx, &cy);
        snprintf(name, sizeof name, "target-%d", i + 1);
        if (ui_area(u, name, ui_r(cx - r, cy - r, 2 * r, 2 * r))) {
            a->tech.touched[i] = true;
            a->dirty = true;
        }
        ui_disc(u, cx, cy, r, 4, a->tech.touched[i] ? u->th.good : u->th.accent, a->tech.touched[i]);
    }
    /* Where the last taps landed: small crosses. */
    for (int i = 0; i < a->tech.n_taps && i < 16; i++) {
        ui_fill(u, ui_r(a->tech.taps_x[i] - 8, a->tech.taps_y[i] - 1, 17, 3), u->th.bad);
        ui_fill(u, ui_r(a->tech.taps_x[i] - 1, a->tech.taps_y[i] - 8, 3, 17), u->th.bad);
    }
    int fy = u->h - u->unit - u->gap, bw = (u->w - 3 * u->gap) / 2;
    if (ui_button(u, "touch-again", ui_r(u->gap, fy, bw, u->unit), app_t(a, "tech.again"),
                  BTN_NORMAL)) {
        memset(a->tech.touched, 0, sizeof a->tech.touched);
        a->tech.n_taps = 0;
    }
    if (ui_button(u, "done", ui_r(2 * u->gap + bw, fy, bw, u->unit), app_t(a, "tech.done"),
                  BTN_PRIMARY)) {
        audit(a, "touch-test", n == APP_TOUCH_TARGETS ? SQ_OK : SQ_EINVAL,
              "%d of %d targets touched, %d tap(s)", n, APP_TOUCH_TARGETS, a->tech.n_taps);
        enter_tech(a);
    }
}

/* ---- the screen test: colours, and every character the screens use ---- */

static void scr_glyphs(app *a)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = app_header(a, app_t(a, "tech.screen_title"), NULL) + u->gap;
    /* Colour bars, then a grey ramp: dead pixels and colour faults show. */
    static const plat_color bars[] = {{0, 0, 0, 255},     {255, 255, 255, 255}, {255, 0, 0, 255},
                                      {0, 255, 0, 255},   {0, 0, 255, 255},     {255, 255, 0, 255},
                                      {0, 255, 255, 255}, {255, 0, 255, 255}};
    int bh = u->unit / 2, bw = (u->w - 2 * u->gap) / 8;
    for (int i = 0; i < 8; i++)
        ui_fill(u, ui_r(u->gap + i * bw, y, bw, bh), bars[i]);
    y += bh;
    int gw = (u->w - 2 * u->gap) / 16;
    for (int i = 0; i < 16; i++) {
        uint8_t g = (uint8_t)(i * 17);
        ui_fill(u, ui_r(u->gap + i * gw, y, gw, bh / 2), (plat_color){g, g, g, 255});
    }
    y += bh / 2 + u->gap;
    int missing = 0;
    char list[128] = "";
    for (int i = 0; i < a->tech.n_glyphs; i++)
        if (!plat_has_glyph(u->p, u->px, a->tech.glyphs[i])) {
            missing++;
            if (strlen(list) < sizeof list - 12)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%sU+%04X",
                         list[0] ? " " : "", a->tech.glyphs[i]);
        }
    char v1[16], v2[16], line[400];
    num(v1, sizeof v1, a->tech.n_glyphs);
    num(v2, sizeof v2, missing);
    if (missing)
        i18n_fmt(a->t, a->lang, "tech.glyphs_missing", line, sizeof line, "n", v2, "total", v1,
                 "list", list, NULL);
    else
        i18n_fmt(a->t, a->lang, "tech.glyphs_all", line, sizeof line, "n", v1, NULL);
    y += ui_text(u, ui_r(u->gap, y, u->w - 2 * u->gap, 0), line, u->px, true,
                 missing ? u->th.bad : u->th.good, ALIGN_LEFT) + u->gap / 2;
    /* The characters, as large as the room allows. */
    int footer = u->unit + 2 * u->gap, W = u->w - 2 * u->gap, H = u->h - y - footer;
    int cell = u->px * 2, cols = 1, rows = 1;
    for (; cell > 16; cell--) {
        cols = W / cell;
        rows = cols ? (a->tech.n_glyphs + cols - 1) / cols : 0;
        if (cols && rows * cell <= H)
            break;
    }
    int gpx = cell * 3 / 5;
    for (int i = 0; i < a->tech.n_glyphs && cols; i++) {
        char s[8];
        uint32_t c = a->tech.glyphs[i];
        int n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (n == 1)
            s[0] = (char)c;
        else {
            for (int k = n - 1; k > 0; k--, c >>= 6)
                s[k] = (char)(0x80 | (c & 0x3f));
            s[0] = (char)((n == 2 ? 0xc0 : n == 3 ? 0xe0 : 0xf0) | c);
        }
        s[n] = 0;
        ui_rect r = ui_r(u->gap + (i % cols) * cell, y + (i / cols) * cell, cell - 2, cell - 2);
        bool ok = plat_has_glyph(u->p, gpx, a->tech.glyphs[i]);
        ui_outline(u, r, ok ? 1 : 3, ok ? u->th.border : u->th.bad);
        if (ok)
            ui_text(u, ui_r(r.x, r.y + (r.h - plat_line_height(u->p, gpx)) / 2, r.w, r.h), s, gpx,
                    false, u->th.fg, ALIGN_CENTER);
    }
    int dw = u->w / 2;
    if (ui_button(u, "done", ui_r((u->w - dw) / 2, u->h - u->unit - u->gap, dw, u->unit),
                  app_t(a, "tech.done"), BTN_PRIMARY)) {
        audit(a, "screen-test", missing ? SQ_ENOTFOUND : SQ_OK,
              "%d characters of the catalogues, %d without a glyph%s%s", a->tech.n_glyphs, missing,
              missing ? ": " : "", list);
        enter_tech(a);
    }
}

/* ---- a new PIN (changed, or chosen at set-up) ---- */

static void newpin_answer(app *a, int r);

static void scr_newpin(app *a)
{
    bool second = a->tech.pin_first[0] != 0;
    char prompt[300];
    char lo[8], hi[8];
    num(lo, sizeof lo, SQ_PIN_MIN);
    num(hi, sizeof hi, SQ_PIN_MAX);
    i18n_fmt(a->t, a->lang, second ? "tech.newpin_again" : "tech.newpin_prompt", prompt,
             sizeof prompt, "min", lo, "max", hi, NULL);
    const char *msg = a->msg ? app_t(a, a->msg) : NULL;
    int r = pin_pad(a, app_t(a, "tech.change_pin"), prompt, msg, a->msg != NULL, true);
    newpin_answer(a, r);
}

/* What the new-PIN screen does with OK (1) or cancel (-1). */
static void newpin_answer(app *a, int r)
{
    bool second = a->tech.pin_first[0] != 0;
    if (r < 0) {
        memset(a->tech.pin_first, 0, sizeof a->tech.pin_first);
        memset(a->tech.pin, 0, sizeof a->tech.pin);
        if (a->tech.enrol_done) {
            /* At set-up a PIN is not optional: the station needs one. */
            a->msg = "tech.newpin_needed";
            return;
        }
        enter_tech(a);
        return;
    }
    if (r == 0)
        return;
    if (strlen(a->tech.pin) < SQ_PIN_MIN) {
        a->msg = "tech.newpin_short";
        memset(a->tech.pin, 0, sizeof a->tech.pin);
        return;
    }
    if (!second) {
        memcpy(a->tech.pin_first, a->tech.pin, sizeof a->tech.pin);
        memset(a->tech.pin, 0, sizeof a->tech.pin);
        a->msg = NULL;
        return;
    }
    bool same = strcmp(a->tech.pin, a->tech.pin_first) == 0;
    sq_err e;
    sq_status st = same ? sq_tech_pin_set(a->store, "kiosk", a->tech.pin, &e) : SQ_EINVAL;
    memset(a->tech.pin_first, 0, sizeof a->tech.pin_first);
    memset(a->tech.pin, 0, sizeof a->tech.pin);
    if (!same) {
        a->msg = "tech.newpin_differ";
        return;
    }
    bool setup = a->tech.enrol_done;
    a->tech.enrol_done = false;
    enter_tech(a);
    a->tech.done_text[0] = 0;
    if (st) {
        app_log_err("setting the PIN", &e);
        done_fmt(a, "tech.failed", "detail", e.msg, NULL);
        show_done(a, "tech.newpin_failed");
        return;
    }
    done_line(a, app_t(a, setup ? "tech.setup_ready" : "tech.newpin_done"));
    show_done(a, setup ? "tech.setup_done_title" : "tech.newpin_title");
}

/* ---- set-up: a station not enrolled yet ---- */

void tech_setup_open(app *a)
{
    a->ov = OV_NONE;
    a->tech.enrol_done = false;
    memset(&a->tech.enrol, 0, sizeof a->tech.enrol);
    /* Keys made already (the request went out before a restart): the
     * screen says what is next, with the fingerprints. */
    sq_station_keys *k = NULL;
    if (sq_station_keys_open(a->where.keys_path, a->where.passphrase, &k, NULL) == SQ_OK) {
        a->tech.enrol.step = SQ_ENROL_REQUESTED;
        sq_fingerprint(sq_station_keys_sign_pk(k), a->tech.enrol.station_fp);
        sq_central_fingerprint(sq_station_keys_central_sign_pk(k),
                              sq_station_keys_central_results_pk(k), a->tech.enrol.central_fp);
        sq_station_keys_close(k);
    }
    poll_sticks(a, true);
    app_go(a, SCR_SETUP);
}

static void setup_enrol(app *a)
{
    sq_err e;
    char label[128] = "";
    if (gethostname(label, sizeof label - 1) != 0)
        label[0] = 0;
    const char *stick = stick_path(a);
    a->tech.done_text[0] = 0;
    if (a->where.home)
        mkdir(a->where.home, 0700);
    /* The request (and the certificate's install) writes to the stick:
     * made writable for it, as for an export (here on the UI thread:
     * set-up has nothing else to draw meanwhile). */
    char req_dir[1100];
    snprintf(req_dir, sizeof req_dir, "%s/%s", a->where.home ? a->where.home : ".",
             SQ_STICK_REQUESTS);
    bool asked = false;
    sq_status st = sq_usb_writable(stick, req_dir, stick_state_dir(), STICK_RW_TIMEOUT_MS, NULL,
                                   &asked, &e);
    if (!st)
        st = sq_usb_enrol(a->where.keys_path, a->where.passphrase, stick, label, &a->tech.enrol,
                          &e);
    if (asked)
        sq_usb_writable_done(stick, req_dir);
    if (st) {
        fprintf(stderr, "synaq-kiosk: set-up: %s\n", e.msg);
        done_fmt(a, st == SQ_ENOTFOUND ? "tech.setup_no_pub" : "tech.failed", "detail", e.msg,
                 NULL);
        show_done(a, "tech.setup_failed");
        return;
    }
    if (a->tech.enrol.step == SQ_ENROL_REQUESTED) {
        fprintf(stderr, "synaq-kiosk: set-up: request written to %s\n", a->tech.enrol.request);
        done_fmt(a, "tech.setup_requested", "station", a->tech.enrol.station_fp, "central",
                 a->tech.enrol.central_fp, NULL);
        load_files(a);
        show_done(a, "tech.setup_requested_title");
        return;
    }
    /* Enrolled: the keys and the store are the kiosk's from now on. */
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    if (sq_station_keys_open(a->where.keys_path, a->where.passphrase, &k, &e) ||
        sq_store_open(a->where.db_path, k, a->clock, &s, &e)) {
        sq_station_keys_close(k);
        app_error(a, "error.store", e.msg);
        return;
    }
    a->keys = k;
    a->store = s;
    a->owns_station = true;
    const sq_cert *c = sq_station_keys_cert(k);
    snprintf(a->station, sizeof a->station, "%s · %s", c->station_id, c->district);
    audit(a, "enroll-usb", SQ_OK, "enrolled as '%s' (%s) from %s", c->station_id, c->district,
          stick);
    a->tech.enrol_done = true;
    memset(a->tech.pin, 0, sizeof a->tech.pin);
    memset(a->tech.pin_first, 0, sizeof a->tech.pin_first);
    app_go(a, SCR_NEWPIN);
}

static void scr_setup(app *a)
{
    ui *u = &a->u;
    ui_fill(u, ui_r(0, 0, u->w, u->h), u->th.bg);
    int y = tech_header(a, app_t(a, "tech.setup_title")) + u->gap;
    bool wide = u->w > u->h;
    int w = wide ? (u->w - 3 * u->gap) / 2 : u->w - 2 * u->gap;
    int footer = u->unit + 2 * u->gap;
    const char *how = app_t(a, a->tech.enrol.step == SQ_ENROL_REQUESTED && a->tech.enrol.station_fp[0]
                                   ? "tech.setup_text_back"
                                   : "tech.setup_text");
    int px = u->px;
    int room = wide ? u->h - y - footer : (u->h - y - footer) / 2;
    while (px > 12 && ui_text_height(u, w - 2 * u->gap, how, px, false) > room)
        px--;
    int th = ui_text(u, ui_r(u->gap + u->gap, y, w - 2 * u->gap, 0), how, px, false, u->th.fg,
                     ALIGN_LEFT);
    ui_rect right = wide ? ui_r(2 * u->gap + w, y, w, 0) : ui_r(u->gap, y + th + u->gap, w, 0);
    int ph = stick_panel(a, right);
    if (a->tech.enrol.station_fp[0]) {
        char line[400];
        i18n_fmt(a->t, a->lang, "tech.setup_fingerprints", line, sizeof line, "station",
                 a->tech.enrol.station_fp, "central", a->tech.enrol.central_fp, NULL);
        ui_text(u, ui_r(right.x, right.y + ph + u->gap, right.w, 0), line, u->px, false,
                u->th.muted, ALIGN_LEFT);
    }
    int bw = u->w / 2;
    if (ui_button(u, "setup-enrol", ui_r((u->w - bw) / 2, u->h - u->unit - u->gap, bw, u->unit),
                  app_t(a, "tech.setup_enrol"), a->tech.n_sticks ? BTN_PRIMARY : BTN_DISABLED)) {
        /* New keys need a passphrase first: none lies on the disk in the
         * clear (unless a stick without central's keys ends it early). */
        if (!a->where.passphrase && access(a->where.keys_path, F_OK) != 0 && stick_has_pub(a))
            app_setpass_open(a);
        else
            a->tech.pending = 4;
    }
}

/* ---- a keyboard, where one is plugged in ---- */

bool tech_type(app *a, const char *text)
{
    if (a->scr != SCR_PIN && a->scr != SCR_NEWPIN)
        return false;
    if (a->scr == SCR_PIN && a->tech.pin_wait_until_ms > app_now_ms(a))
        return true;
    /* Digits only: a PIN has nothing else. */
    for (const char *p = text; *p; p++) {
        size_t n = strlen(a->tech.pin);
        if (*p >= '0' && *p <= '9' && n < SQ_PIN_MAX) {
            a->tech.pin[n] = *p;
            a->tech.pin[n + 1] = 0;
        }
    }
    a->dirty = true;
    return true;
}

bool tech_key(app *a, int key)
{
    if (a->scr != SCR_PIN && a->scr != SCR_NEWPIN)
        return false;
    size_t n = strlen(a->tech.pin);
    if (key == PLAT_KEY_BACKSPACE && n)
        a->tech.pin[n - 1] = 0;
    else if (key == PLAT_KEY_ENTER && n && a->scr == SCR_NEWPIN)
        newpin_answer(a, 1);
    else if (key == PLAT_KEY_ENTER && n && a->tech.pin_wait_until_ms <= app_now_ms(a))
        pin_submit(a);
    a->dirty = true;
    return true;
}

/* ---- dispatch ---- */

bool tech_screen(app *a)
{
    /* The busy dialog is modal: the screen under it only draws. */
    bool tapped = a->u.tapped;
    if (a->tech.busy)
        a->u.tapped = false;
    switch (a->scr) {
    case SCR_PIN: scr_pin(a); break;
    case SCR_TECH: scr_tech(a); break;
    case SCR_TOUCH: scr_touch(a); break;
    case SCR_GLYPHS: scr_glyphs(a); break;
    case SCR_NEWPIN: scr_newpin(a); break;
    case SCR_SETUP: scr_setup(a); break;
    default: a->u.tapped = tapped; return false;
    }
    a->u.tapped = tapped;
    busy_draw(a);
    return true;
}

bool tech_overlay(app *a)
{
    ui *u = &a->u;
    if (a->ov == OV_TECH_DONE) {
        ui_rect r = app_dialog(a, app_t(a, a->tech.done_title ? a->tech.done_title : "tech.title"),
                               a->tech.done_text, 1);
        if (ui_button(u, "tech-ok", ui_r(r.x + r.w / 4, r.y, r.w / 2, u->unit), app_t(a, "tech.ok"),
                      BTN_PRIMARY)) {
            a->ov = OV_NONE;
            a->dirty = true;
        }
    } else if (a->ov == OV_LEAVE) {
        ui_rect r = app_dialog(a, app_t(a, "tech.leave_title"), app_t(a, "tech.leave_text"), 1);
        int bw = (r.w - u->gap) / 2;
        if (ui_button(u, "leave-no", ui_r(r.x, r.y, bw, u->unit), app_t(a, "tech.cancel"),
                      BTN_NORMAL)) {
            a->ov = OV_NONE;
            a->dirty = true;
        }
        if (ui_button(u, "leave-yes", ui_r(r.x + bw + u->gap, r.y, bw, u->unit),
                      app_t(a, "tech.leave_yes"), BTN_PRIMARY)) {
            audit(a, "leave", SQ_OK, "the technician left the kiosk");
            a->ov = OV_NONE;
            a->quit = true;
        }
    } else {
        return false;
    }
    return true;
}

void tech_run_pending(app *a)
{
    int p = a->tech.pending;
    a->tech.pending = 0;
    switch (p) {
    case 1: job_start(a, 1, "tech.importing"); break;
    case 2: job_start(a, 2, "tech.exporting"); break;
    case 3: job_start(a, 3, "tech.reading_acks"); break;
    case 4: setup_enrol(a); break;
    default: break;
    }
}

int tech_tick(app *a, int64_t now)
{
    int next = -1;
    /* A job out: its progress is looked at when the worker wakes the loop
     * (a frame drawn when it moved); nothing here touches the store, the
     * sticks are not polled, and the technician is not idle. */
    if (job_poll(a)) {
        a->last_input_ms = now;
        return BUSY_POLL_MS;
    }
    if (a->scr == SCR_TECH || a->scr == SCR_SETUP) {
        if (now - a->tech.last_poll_ms >= APP_STICK_POLL_MS)
            poll_sticks(a, false);
        next = (int)(APP_STICK_POLL_MS - (now - a->tech.last_poll_ms));
    }
    if (a->scr == SCR_PIN && a->tech.pin_wait_until_ms) {
        int64_t left = a->tech.pin_wait_until_ms - now;
        if (left <= 0) {
            a->tech.pin_wait_until_ms = 0;
            a->msg = NULL;
            a->dirty = true;
        } else {
            /* The countdown on screen changes every second. */
            int64_t shown = (left + 999) / 1000;
            if (shown != a->shown_s) {
                a->shown_s = shown;
                a->dirty = true;
            }
            int step = (int)(left % 1000 ? left % 1000 : 1000);
            if (next < 0 || step < next)
                next = step;
        }
    }
    return next;
}

void tech_idle_close(app *a)
{
    if (a->scr != SCR_SETUP)
        audit(a, "close", SQ_OK, "technician mode closed after %d s without a touch",
              (APP_IDLE_MS + APP_IDLE_GRACE_MS) / 1000);
}
