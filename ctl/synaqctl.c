/*
 * synaqctl - the technician's command line on a station: make the station's
 * keys, enrol it, import exam bundles, list exams, take an exam without the
 * kiosk (answers from a script or standard input; the time runs and ends
 * as on the kiosk), and export results.
 * It uses only libsynaq's public API, like any other program would.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <unistd.h>
#include <sodium.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <jansson.h>

#include "synaq/attempt.h"
#include "synaq/bundle.h"
#include "synaq/keys.h"
#include "synaq/batch.h"
#include "synaq/result.h"
#include "synaq/station.h"
#include "synaq/catalog.h"
#include "synaq/identity.h"
#include "synaq/import.h"
#include "synaq/chain.h"
#include "synaq/store.h"
#include "synaq/tech.h"
#include "synaq/usb.h"
#include "update.h"

typedef struct {
    sq_station_paths paths; /* the station's files (station.h) */
    char *passphrase; /* guarded memory; NULL: none given (asked for when needed) */
    bool no_passphrase; /* init, enroll-usb: plain keys, on purpose */
} station_opts;

static int usage(FILE *f);

static int fail(const sq_err *e)
{
    fprintf(stderr, "synaqctl: %s\n", e->msg);
    return 1;
}

/* Every action of the technician goes into the store's audit log. */
static void audit(sq_store *s, const char *action, sq_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void audit(sq_store *s, const char *action, sq_status st, const char *fmt, ...)
{
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    sq_err e;
    if (s && sq_tech_auditf(s, "synaqctl", action, st, &e, "%s", detail))
        fprintf(stderr, "synaqctl: the audit log could not be written: %s\n", e.msg);
}

/* Asks for the passphrase on the terminal, without echo. Guarded memory,
 * NULL when there is no terminal or nothing was typed. */
static char *ask_passphrase(const char *prompt)
{
    if (!isatty(STDIN_FILENO))
        return NULL;
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return NULL;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    char *buf = sodium_malloc(SQ_UNLOCK_MAX + 1);
    if (!buf)
        return NULL;
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    bool got = fgets(buf, SQ_UNLOCK_MAX + 1, stdin) != NULL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    if (got)
        buf[strcspn(buf, "\r\n")] = 0;
    if (!got || !buf[0]) {
        sodium_free(buf);
        return NULL;
    }
    return buf;
}

/* The passphrase of a wrapped key file that none was given for: asked on
 * the terminal. */
static void need_passphrase(station_opts *o)
{
    if (o->passphrase || sq_station_keys_wrapped(o->paths.keys) != 1)
        return;
    char prompt[4200];
    snprintf(prompt, sizeof prompt, "passphrase of %s: ", o->paths.keys);
    o->passphrase = ask_passphrase(prompt);
}

/* A passphrase for new keys: the one given, or asked for twice on the
 * terminal; none only with --no-passphrase. 0: fine; else the status. */
static int new_passphrase(station_opts *o, const char *cmd)
{
    if (o->passphrase || o->no_passphrase)
        return 0;
    char *a = ask_passphrase("passphrase for the station's keys (at least 8 characters): ");
    char *b = a ? ask_passphrase("the same again: ") : NULL;
    int rc = 0;
    if (!a) {
        fprintf(stderr,
                "synaqctl %s: no passphrase: the station's keys would lie on its disk in the "
                "clear, and whoever takes the disk would read its exams and trainees. Give one "
                "(--passphrase-file FILE, the systemd credential synaq-passphrase, or "
                "$SYNAQ_PASSPHRASE; or type it when asked), or --no-passphrase for a test "
                "station\n",
                cmd);
        rc = 1;
    } else if (!b || strcmp(a, b) != 0) {
        fprintf(stderr, "synaqctl %s: the two passphrases differ\n", cmd);
        rc = 1;
    } else if (strlen(a) < 8) {
        fprintf(stderr, "synaqctl %s: a passphrase of at least 8 characters, please\n", cmd);
        rc = 1;
    } else {
        o->passphrase = a;
        a = NULL;
    }
    sq_passphrase_free(a);
    sq_passphrase_free(b);
    return rc;
}

static int open_keys(station_opts *o, sq_station_keys **k)
{
    sq_err e;
    need_passphrase(o);
    if (sq_station_keys_open(o->paths.keys, o->passphrase, k, &e))
        return fail(&e);
    return 0;
}

/* ---- the test clock ----
 *
 * SYNAQ_TEST_CLOCK=FILE: the store's clock is read from FILE ("MONO_MS
 * WALL_S") at every reading, so that a test moves time by rewriting the
 * file (atomically: a temp file renamed) instead of sleeping: a headless
 * attempt's time running out (tests/security/take_timeout.sh). It gives
 * nothing to whoever sets it: running synaqctl on a store takes the
 * station's key file, and with that the store is theirs anyway. */

typedef struct {
    const char *path;
    int64_t mono_ms, wall_s; /* the last reading that worked */
} file_clock;

static void file_clock_read(file_clock *c)
{
    FILE *f = fopen(c->path, "r");
    long long m, w;
    if (f && fscanf(f, "%lld %lld", &m, &w) == 2) {
        c->mono_ms = m;
        c->wall_s = w;
    }
    if (f)
        fclose(f);
}

static int64_t file_clock_mono(void *ctx)
{
    file_clock_read(ctx);
    return ((file_clock *)ctx)->mono_ms;
}

static int64_t file_clock_wall(void *ctx)
{
    file_clock_read(ctx);
    return ((file_clock *)ctx)->wall_s;
}

static file_clock test_clock_state;
static const sq_clock test_clock = {file_clock_mono, file_clock_wall, &test_clock_state};

/* The store's clock: the system's, or the test clock's file when set. */
static const sq_clock *store_clock(void)
{
    const char *path = getenv("SYNAQ_TEST_CLOCK");
    if (!path || !*path)
        return NULL;
    test_clock_state.path = path;
    test_clock_state.mono_ms = -1;
    file_clock_read(&test_clock_state);
    if (test_clock_state.mono_ms < 0) {
        fprintf(stderr, "synaqctl: SYNAQ_TEST_CLOCK=%s holds no \"MONO_MS WALL_S\"\n", path);
        exit(1);
    }
    return &test_clock;
}

/* Opens the station (keys and store): 0 with all three set, or 1 having
 * said why not (not set up, not enrolled, locked, damaged). */
static int open_station(station_opts *o, sq_station **st, sq_station_keys **k, sq_store **s)
{
    sq_err e;
    sq_station_state state;
    need_passphrase(o);
    if (sq_station_open(&o->paths, o->passphrase, store_clock(), &state, st, &e))
        return fail(&e);
    if (state != SQ_STATION_OPEN) {
        fail(&e);
        if (state == SQ_STATION_NO_KEYS)
            fputs("synaqctl: set the station up first: synaqctl init, or enroll-usb\n", stderr);
        return 1;
    }
    *k = sq_station_get_keys(*st);
    *s = sq_station_get_store(*st);
    /* A change to the store found by this open is said at once, whatever
     * the command; what was on record before, only by status. */
    const sq_integrity_report *r = sq_chain_last(*s);
    if (r->found.flags && r->recorded)
        fprintf(stderr, "synaqctl: warning: %s (put on record: audit line %lld)\n", r->text,
                (long long)r->on_record_n);
    return 0;
}

static int cmd_init(station_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {{"central", 1, 0, 'c'},
                                       {"label", 1, 0, 'l'},
                                       {"request", 1, 0, 'r'},
                                       {"no-passphrase", 0, 0, 'n'},
                                       {0, 0, 0, 0}};
    const char *central = NULL, *label = "", *request = NULL;
    char req_buf[4096];
    int c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'c')
            central = optarg;
        else if (c == 'l')
            label = optarg;
        else if (c == 'r')
            request = optarg;
        else if (c == 'n')
            o->no_passphrase = true;
        else
            return usage(stderr);
    }
    if (!central) {
        fputs("synaqctl init: --central central.pub is required: the public keys of central "
              "this station will trust\n",
              stderr);
        return 2;
    }
    if (!request) {
        snprintf(req_buf, sizeof req_buf, "%s/enrol.req", o->paths.home);
        request = req_buf;
    }
    if (access(o->paths.keys, F_OK) != 0 && new_passphrase(o, "init"))
        return 1;
    mkdir(o->paths.home, 0700);
    sq_err e;
    sq_station_keys *k = NULL;
    if (sq_station_keys_create(o->paths.keys, central, o->passphrase, &e) ||
        sq_station_keys_open(o->paths.keys, o->passphrase, &k, &e))
        return fail(&e);
    if (sq_station_request_write(k, label, request, &e)) {
        sq_station_keys_close(k);
        return fail(&e);
    }
    char fp[SQ_FINGERPRINT_LEN + 1], cfp[SQ_FINGERPRINT_LEN + 1];
    sq_fingerprint(sq_station_keys_sign_pk(k), fp);
    sq_central_fingerprint(sq_station_keys_central_sign_pk(k),
                           sq_station_keys_central_results_pk(k), cfp);
    printf("station keys written to %s%s\n", o->paths.keys,
           o->passphrase ? " (passphrase-protected)"
                         : " IN THE CLEAR (--no-passphrase: a test station only)");
    printf("station key fingerprint: %s\n", fp);
    printf("trusting central keys:   %s (compare it with the one central's keygen printed)\n", cfp);
    printf("enrolment request: %s (take it to central: synaq-central enroll)\n", request);
    sq_station_keys_close(k);
    return 0;
}

static int cmd_enroll(station_opts *o, int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    sq_err e;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    if (open_keys(o, &k))
        return 1;
    sq_status rc = sq_station_keys_enroll(k, argv[1], &e);
    sq_station_keys_close(k);
    if (rc)
        return fail(&e);
    /* Enrolled: the station opens whole now, its store made. */
    if (open_station(o, &st, &k, &s))
        return 1;
    const sq_cert *c = sq_station_keys_cert(k);
    printf("enrolled as station '%s' of district '%s'; store %s ready\n", c->station_id,
           c->district, o->paths.db);
    audit(s, "enroll", SQ_OK, "enrolled as '%s' (%s)", c->station_id, c->district);
    sq_station_close(st);
    return 0;
}

static int cmd_import(station_opts *o, int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    int rc = 0;
    if (open_station(o, &st, &k, &s))
        return 1;
    for (int i = 1; i < argc; i++) {
        sq_err e;
        sq_import_report r;
        if (sq_import_file(s, argv[i], NULL, &r, &e)) {
            rc = fail(&e);
            audit(s, "import", e.code, "%s", e.msg);
            continue;
        }
        audit(s, "import", SQ_OK, "%s: bundle %s, %d new exam(s)", argv[i], r.bundle_id,
              r.exams_new);
        if (r.exams_new)
            printf("%s: bundle %s imported: %d exam(s), %d item(s)%s\n", argv[i], r.bundle_id,
                   r.exams_new, r.items, r.exams_same ? "; others already installed" : "");
        else
            printf("%s: bundle %s: already installed, nothing to do\n", argv[i], r.bundle_id);
        if (r.exams_pruned)
            printf("%s: %d old exam version(s) pruned (see the audit log)\n", argv[i],
                   r.exams_pruned);
    }
    sq_station_close(st);
    return rc;
}

static const char *title_of(const sq_exam_info *x)
{
    for (int l = 0; l < 3; l++)
        if (x->title[l][0])
            return x->title[l];
    return "";
}

static int cmd_exams(station_opts *o, int argc, char **argv)
{
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    sq_err e;
    sq_exam_info *list = NULL;
    size_t n = 0;
    if (open_station(o, &st, &k, &s))
        return 1;
    int rc = 0;
    if (sq_catalog_exams(s, &list, &n, &e)) {
        rc = fail(&e);
    } else {
        if (n == 0)
            puts("no exams installed");
        for (size_t i = 0; i < n; i++) {
            const sq_exam_info *x = &list[i];
            printf("%s v%lld: %s\n  %d items, %s, pass mark %d%%, attempts %s%s\n", x->id,
                   (long long)x->version, title_of(x), x->n_items,
                   x->time_limit_s ? "timed" : "no time limit", x->pass_percent,
                   x->attempts_allowed ? "limited" : "unlimited",
                   x->has_roster ? (x->roster_list ? ", roster" : ", roster (not listed)") : "");
            if (x->identity != SQ_IDENTITY_NONE)
                printf("  identity check: %s\n", sq_identity_name(x->identity));
            if (x->time_limit_s)
                printf("  time limit %d min\n", x->time_limit_s / 60);
        }
    }
    sq_free(list);
    sq_station_close(st);
    return rc;
}

static void print_time(const char *label, int64_t wall_s)
{
    char t[40] = "never";
    time_t w = (time_t)wall_s;
    struct tm tm;
    if (wall_s && gmtime_r(&w, &tm))
        strftime(t, sizeof t, "%Y-%m-%d %H:%M:%S UTC", &tm);
    printf("%s%s", label, t);
}

/* The check of the store's records (sq_chain_check), in plain words:
 * what this check found, and the newest finding on record (by any
 * process; what it set right no longer shows now). */
static void print_records(const sq_integrity_report *r)
{
    static const char lead[] = "the store was changed without the station's key: ";
    const char *now = r->text, *then = r->on_record_text;
    if (strncmp(now, lead, strlen(lead)) == 0)
        now += strlen(lead);
    if (strncmp(then, lead, strlen(lead)) == 0)
        then += strlen(lead);
    if (!r->found.flags && !r->on_record_n) {
        printf("records:  checked, none changed (%lld audit lines, %lld sent-log entries, "
               "results 1 to %lld)\n",
               (long long)r->audit_rows, (long long)r->sent_entries, (long long)r->last_seq);
        return;
    }
    printf("records:  CHANGED WITHOUT THE STATION'S KEY: %s\n",
           r->found.flags ? now : "nothing of it shows now");
    if (r->on_record_n) {
        print_time("          found ", r->on_record_wall_s);
        printf(", on record in the audit log (line %lld)", (long long)r->on_record_n);
        if (strcmp(now, then) != 0)
            printf(": %s", then);
        printf("\n");
    }
}

static int cmd_status(station_opts *o, int argc, char **argv)
{
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    sq_err e;
    sq_tech_status t;
    if (open_station(o, &st, &k, &s))
        return 1;
    int rc = 0;
    if (sq_tech_status_get(s, k, o->paths.home, &t, &e)) {
        rc = fail(&e);
    } else {
        printf("station:  %s (%s)\nsoftware: synaq %s\nexams:   ", t.station_id, t.district,
               t.software);
        /* "id:version id:version" as "id v3 id v2". */
        for (const char *p = t.content; *p;) {
            size_t n = strcspn(p, " "), c = strcspn(p, ":");
            printf(" %.*s v%.*s", (int)c, p, c < n ? (int)(n - c - 1) : 0, c < n ? p + c + 1 : "");
            p += n;
            p += *p == ' ';
        }
        printf("%s\n", t.content[0] ? "" : " none");
        printf("results:  %lld pending, %lld recorded in all (with practice answers)\n",
               (long long)t.pending, (long long)t.last_seq);
        if (t.pending_practice)
            printf("practice: %lld answers pending (sent with the results; not results)\n",
                   (long long)t.pending_practice);
        if (t.pending)
            printf("          the oldest pending is %lld h old; %lld carried out on a stick, "
                   "awaiting acknowledgement\n",
                   (long long)(t.oldest_pending_s / 3600), (long long)t.exported);
        print_records(&t.integrity);
        if (!t.sync_known) {
            printf("sync:     never ran (no %s/sync-status.json)\n", o->paths.home);
        } else {
            print_time("sync:     last success ", t.sync_last_success_s);
            printf("\n");
            if (t.sync_last_error[0]) {
                print_time("          last error ", t.sync_last_error_s);
                printf(": %s\n", t.sync_last_error);
            }
        }
        if (t.disk_free_bytes >= 0)
            printf("disk:     %lld MiB free\n", (long long)(t.disk_free_bytes >> 20));
        print_time("clock:    ", t.wall_s);
        printf("\n");
    }
    sq_station_close(st);
    return rc;
}

/* Parses "A", "B,C", "-" (skip) with an optional trailing "!" (flag). */
static int parse_answer(const char *line, int n_options, uint32_t *sel, int *flag, int *skip)
{
    *sel = 0;
    *flag = 0;
    *skip = 0;
    for (const char *p = line; *p; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '\t' || ch == ',' || ch == '\r' || ch == '\n')
            continue;
        if (ch == '!') {
            *flag = 1;
        } else if (ch == '-') {
            *skip = 1;
        } else {
            if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 'a' + 'A');
            if (ch < 'A' || ch - 'A' >= n_options)
                return -1;
            *sel |= 1u << (ch - 'A');
        }
    }
    return (*sel || *skip || *flag) ? 0 : -1;
}

/* ---- a headless attempt ---- */

/* The elapsed time is committed this often while waiting for an answer,
 * as the kiosk does (APP_SAVE_MS). */
#define TAKE_SAVE_MS 3000

/* The signal that asked take to stop; 0: none. Only set here: the loop
 * does the work. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

/* Answers a line at a time from a file, a pipe or a terminal, waiting no
 * longer than asked: stdio cannot wait with a deadline. */
typedef struct {
    int fd;
    char buf[1024];
    size_t len;
    bool eof;
} line_reader;

/* 1: a line in out (with its newline, if any, cut at cap); 0: the end;
 * -1: nothing within wait_ms (-1: no limit), or a signal; -2: an error
 * (errno). */
static int read_line(line_reader *r, char *out, size_t cap, int wait_ms)
{
    for (;;) {
        char *nl = memchr(r->buf, '\n', r->len);
        if (nl || r->eof || r->len == sizeof r->buf) {
            if (!nl && r->len == 0)
                return 0;
            size_t n = nl ? (size_t)(nl - r->buf) + 1 : r->len;
            size_t keep = n < cap ? n : cap - 1;
            memcpy(out, r->buf, keep);
            out[keep] = 0;
            memmove(r->buf, r->buf + n, r->len - n);
            r->len -= n;
            return 1;
        }
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        int ready = poll(&p, 1, wait_ms);
        if (ready == 0 || (ready < 0 && errno == EINTR))
            return -1;
        if (ready < 0)
            return -2;
        ssize_t got = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            return -1;
        if (got < 0)
            return -2;
        if (got == 0)
            r->eof = true;
        r->len += (size_t)got;
    }
}

/* Commits the time and leaves the attempt open at pos; when that finds
 * the time ran out meanwhile, *time_up instead (it must end now). */
static int leave_open(sq_attempt *a, int pos, const char *why, bool *time_up)
{
    sq_err e;
    if (sq_attempt_tick(a, &e))
        return fail(&e);
    int64_t left = sq_attempt_time_left_ms(a);
    if (left == 0) {
        *time_up = true;
        return 0;
    }
    printf("\n%s at item %d", why, pos + 1);
    if (left != INT64_MAX)
        printf(" with %lld:%02lld left", (long long)(left / 60000), (long long)(left / 1000 % 60));
    printf("\n");
    return 0;
}

static int cmd_take(station_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {{"exam", 1, 0, 'x'},    {"trainee", 1, 0, 't'},
                                       {"name", 1, 0, 'n'},    {"lang", 1, 0, 'l'},
                                       {"answers", 1, 0, 'a'}, {"leave-open", 0, 0, 'o'},
                                       {"check", 1, 0, 'c'},   {0, 0, 0, 0}};
    const char *exam = NULL, *trainee = NULL, *name = NULL, *answers = "-", *check = NULL;
    int lang = 1, leave_open_flag = 0, c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'x': exam = optarg; break;
        case 't': trainee = optarg; break;
        case 'n': name = optarg; break;
        case 'a': answers = optarg; break;
        case 'o': leave_open_flag = 1; break;
        case 'c': check = optarg; break;
        case 'l':
            lang = !strcmp(optarg, "kk") ? 0 : !strcmp(optarg, "ru") ? 1 : !strcmp(optarg, "en") ? 2 : -1;
            if (lang < 0) {
                fputs("synaqctl take: --lang is kk, ru or en\n", stderr);
                return 2;
            }
            break;
        default: return usage(stderr);
        }
    }
    if (!exam || !trainee) {
        fputs("synaqctl take: --exam and --trainee are required\n", stderr);
        return 2;
    }
    line_reader in = {.fd = strcmp(answers, "-") == 0 ? STDIN_FILENO
                                                      : open(answers, O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) {
        fprintf(stderr, "synaqctl: cannot read %s: %s\n", answers, strerror(errno));
        return 1;
    }
    /* Ctrl-C, a hang-up or a TERM while waiting for an answer: the time
     * is committed and the attempt left open (see below), not lost. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    sq_attempt *a = NULL;
    sq_err e;
    int rc = 1;
    bool time_up = false;
    if (open_station(o, &st, &k, &s))
        goto out;
    /* The exam's second factor, as the kiosk asks for it: before a new
     * attempt and before one left open is resumed. */
    sq_identity_kind kind = SQ_IDENTITY_NONE;
    int64_t wait = 0;
    if (sq_identity_of(s, exam, &kind, NULL, &e)) {
        fail(&e);
        goto out;
    }
    if (kind != SQ_IDENTITY_NONE && !check) {
        fprintf(stderr, "synaqctl take: exam '%s' asks for the trainee's %s: give it with --check\n",
                exam,
                kind == SQ_IDENTITY_CODE         ? "invitation code"
                : kind == SQ_IDENTITY_BIRTH_DATE ? "date of birth (DD.MM.YYYY)"
                                                 : "proctor PIN");
        rc = 2;
        goto out;
    }
    if (kind != SQ_IDENTITY_NONE && sq_identity_check(s, "synaqctl", exam, trainee, check, &wait, &e)) {
        fail(&e);
        goto out;
    }
    if (sq_attempt_resume(s, exam, trainee, &a, &e) == SQ_OK) {
        printf("resuming attempt %s at item %d\n", sq_attempt_id(a), sq_attempt_current(a) + 1);
    } else if (e.code != SQ_ENOTFOUND) {
        fail(&e);
        goto out;
    } else if (sq_attempt_start(s, exam, trainee, name, &a, &e)) {
        fail(&e);
        goto out;
    } else {
        printf("attempt %s: %d items\n", sq_attempt_id(a), sq_attempt_count(a));
    }
    char line[256];
    /* Resumed with no time left (the program stopped right at zero): it
     * ends now, as on the kiosk. */
    time_up = sq_attempt_time_left_ms(a) == 0;
    for (int pos = sq_attempt_current(a); !time_up && pos < sq_attempt_count(a);) {
        sq_item_view v;
        if (sq_attempt_goto(a, pos, &e) || sq_attempt_item(a, pos, lang, &v, &e)) {
            fail(&e);
            goto out;
        }
        int64_t left = sq_attempt_time_left_ms(a);
        printf("\n[%d/%d] %s", pos + 1, sq_attempt_count(a), v.text);
        if (left != INT64_MAX)
            printf("   (%lld:%02lld left)", (long long)(left / 60000), (long long)(left / 1000 % 60));
        printf("\n");
        for (int i = 0; i < v.n_options; i++)
            printf("  %c) %s\n", 'A' + i, v.options[i]);
        if (in.fd == STDIN_FILENO)
            printf("answer> ");
        fflush(stdout);
        /* Waiting for the answer, the time runs as on the kiosk: committed
         * every few seconds (a stop gives back at most that), and at zero
         * the attempt ends, answer or not. */
        int got = -1;
        for (;;) {
            left = sq_attempt_time_left_ms(a);
            if (left == 0 || stop_signal)
                break;
            int wait_ms = left == INT64_MAX ? -1 : left < TAKE_SAVE_MS ? (int)left : TAKE_SAVE_MS;
            if ((got = read_line(&in, line, sizeof line, wait_ms)) != -1)
                break;
            if (left != INT64_MAX && sq_attempt_tick(a, &e)) {
                fail(&e);
                goto out;
            }
        }
        if (left == 0) {
            time_up = true;
            break;
        }
        if (stop_signal) {
            if ((rc = leave_open(a, pos, "stopped", &time_up)))
                goto out;
            if (time_up)
                break;
            rc = 128 + stop_signal;
            goto out;
        }
        if (got == -2) {
            fprintf(stderr, "synaqctl: reading %s: %s\n", answers, strerror(errno));
            goto out;
        }
        if (got == 0) {
            if (leave_open_flag) {
                if ((rc = leave_open(a, pos, "left open", &time_up)) || !time_up)
                    goto out;
                break;
            }
            printf("\n(no more answers)\n");
            break;
        }
        /* An answer that came after the time ran out does not count. */
        if (sq_attempt_time_left_ms(a) == 0) {
            printf("  the time is up: '%.*s' was not recorded\n", (int)strcspn(line, "\r\n"),
                   line);
            time_up = true;
            break;
        }
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0)
            continue;
        uint32_t sel;
        int flag, skip;
        if (parse_answer(line, v.n_options, &sel, &flag, &skip) != 0) {
            fprintf(stderr, "synaqctl: '%.*s' is not an answer to item %d: give letters A to %c, "
                            "or - to skip\n",
                    (int)strcspn(line, "\r\n"), line, pos + 1, 'A' + v.n_options - 1);
            if (in.fd != STDIN_FILENO)
                goto out;
            continue;
        }
        if (flag && sq_attempt_flag(a, pos, true, &e)) {
            fail(&e);
            goto out;
        }
        if (sel && sq_attempt_answer(a, pos, sel, &e)) {
            if (sq_attempt_time_left_ms(a) == 0) {
                time_up = true;
                break;
            }
            fail(&e);
            if (e.code != SQ_EINVAL)
                goto out;
            continue;
        }
        if (sel) {
            printf("  -> ");
            for (int i = 0; i < v.n_options; i++)
                if (sel & (1u << i))
                    printf("%c", 'A' + i);
            printf("\n");
        }
        pos++;
    }
    if (time_up)
        printf("\nthe time is up: the attempt ends here and is submitted as it stands\n");
    sq_outcome r;
    if (sq_attempt_finish(a, &r, &e)) {
        fail(&e);
        goto out;
    }
    printf("\nsubmitted: result #%lld sealed for central\n", (long long)r.seq);
    if (r.show_score)
        printf("score %lld.%03lld of %lld points, %d%%: %s%s\n", (long long)(r.points_milli / 1000),
               (long long)(r.points_milli % 1000), (long long)(r.max_milli / 1000), r.percent,
               r.passed ? "passed" : "not passed", r.timed_out ? " (time ran out)" : "");
    rc = 0;
out:
    if (in.fd != STDIN_FILENO)
        close(in.fd);
    sq_attempt_free(a);
    sq_station_close(st);
    return rc;
}

static int cmd_export(station_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"out", 1, 0, 'o'}, {"max", 1, 0, 'm'}, {"after", 1, 0, 'a'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int max = 50, c;
    long long after = 0;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'm')
            max = atoi(optarg);
        else if (c == 'a')
            after = atoll(optarg);
        else
            return usage(stderr);
    }
    if (!out || max <= 0 || max > SQ_BATCH_MAX_RESULTS) {
        fprintf(stderr, "synaqctl export: --out FILE is required; --max is 1..%d\n",
                SQ_BATCH_MAX_RESULTS);
        return 2;
    }
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    sq_err e;
    int n = 0, rc = 0;
    if (open_station(o, &st, &k, &s))
        return 1;
    if (sq_batch_export(s, after, max, out, &n, &e))
        rc = fail(&e);
    else if (n == 0)
        puts("no pending results: nothing written");
    else
        printf("%d result(s) written to %s\n", n, out);
    audit(s, "export", rc ? e.code : SQ_OK, "%s: %d result(s)", out, rc ? 0 : n);
    sq_station_close(st);
    return rc;
}

/* ---- USB sticks ---- */

static const char *usb_roots(void)
{
    const char *r = getenv("SYNAQ_USB_ROOTS");
    return r && *r ? r : SQ_USB_ROOTS;
}

/* The stick named on the command line, or the only one plugged in. */
static const char *pick_stick(int argc, char **argv, char *buf, size_t cap)
{
    if (argc >= 2)
        return argv[1];
    sq_usb_stick sticks[SQ_USB_MAX_STICKS];
    size_t n = 0;
    sq_err e;
    if (sq_usb_find(usb_roots(), sticks, SQ_USB_MAX_STICKS, &n, &e)) {
        fail(&e);
        return NULL;
    }
    if (n == 1) {
        snprintf(buf, cap, "%s", sticks[0].path);
        printf("using the stick at %s\n", buf);
        return buf;
    }
    if (n == 0)
        fprintf(stderr, "synaqctl: no stick found under %s; plug one in, or name its folder\n",
                usb_roots());
    else {
        fprintf(stderr, "synaqctl: %zu sticks are plugged in; name one:\n", n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  %s\n", sticks[i].path);
    }
    return NULL;
}

/* Prints a report's notes: problems to stderr, the rest to stdout. */
static void print_notes(const sq_usb_report *r)
{
    for (int i = 0; i < r->n_notes; i++) {
        const sq_usb_note *n = &r->notes[i];
        bool problem = n->code != SQ_OK && n->code != SQ_EEXIST && n->code != SQ_EWRONGSTATION;
        fprintf(problem ? stderr : stdout, "%s%s\n", problem ? "synaqctl: " : "  ", n->text);
    }
    if (r->n_notes == SQ_USB_MAX_NOTES)
        fprintf(stderr, "synaqctl: (more files than notes shown)\n");
}

static const char *const kind_names[SQ_USB_KINDS] = {
    "bundle", "central keys", "enrolment request", "certificate", "batch", "acknowledgement"};

static int cmd_sticks(station_opts *o, int argc, char **argv)
{
    sq_usb_stick sticks[SQ_USB_MAX_STICKS];
    size_t n = 0;
    sq_err e;
    if (sq_usb_find(usb_roots(), sticks, SQ_USB_MAX_STICKS, &n, &e))
        return fail(&e);
    if (n == 0) {
        printf("no stick found under %s\n", usb_roots());
        return 0;
    }
    /* This station's own folders, when it is enrolled. */
    char id[SQ_STATION_ID_MAX + 1] = "";
    sq_station_keys *k = NULL;
    if (sq_station_keys_open(o->paths.keys, o->passphrase, &k, NULL) == SQ_OK &&
        sq_station_keys_cert(k))
        snprintf(id, sizeof id, "%s", sq_station_keys_cert(k)->station_id);
    sq_station_keys_close(k);
    for (size_t i = 0; i < n; i++) {
        sq_usb_list l;
        printf("%s%s\n", sticks[i].path, sticks[i].mounted ? "" : " (a folder, not a mount)");
        if (sq_usb_files(sticks[i].path, id[0] ? id : NULL, &l, &e)) {
            printf("  cannot be read: %s\n", e.msg);
            continue;
        }
        if (l.n == 0)
            printf("  nothing of Synaq's\n");
        for (size_t j = 0; j < l.n; j++) {
            const sq_usb_file *f = &l.files[j];
            printf("  %-17s %s, %lld bytes%s%s\n", kind_names[f->kind], f->name,
                   (long long)f->size_bytes, f->problem ? ": skipped: " : "", f->why);
        }
        sq_usb_list_free(&l);
    }
    return 0;
}

static void print_progress(void *ctx, int64_t done, int64_t total)
{
    int *last = ctx;
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    if (pct / 10 != *last / 10 && isatty(STDOUT_FILENO)) {
        printf("\r%3d%%", pct);
        fflush(stdout);
    }
    *last = pct;
}

/* A stick the helper mounted read-only is asked to be writable for the
 * writing commands (sq_usb_writable, units/README.md "Sticks"); the
 * request goes back when they are done. SYNAQ_STICK_STATE names the
 * helper's state folder (the tests'). */
#define STICK_RW_TIMEOUT_MS 20000
static sq_status stick_writable(const char *home, const char *stick, char *req_dir, size_t cap,
                                bool *asked, sq_err *e)
{
    snprintf(req_dir, cap, "%s/%s", home, SQ_STICK_REQUESTS);
    const char *state = getenv("SYNAQ_STICK_STATE");
    return sq_usb_writable(stick, req_dir, state && *state ? state : NULL, STICK_RW_TIMEOUT_MS,
                           NULL, asked, e);
}

/* The stick commands: import-usb (every bundle on the stick), export-usb
 * (pending results to STICK/synaq/STATION/outgoing, marking nothing sent:
 * they stay pending until acknowledged) and read-acks (what central's
 * acknowledgements name is marked sent; forged ones and ones for other
 * stations are refused). Each goes into the audit log. */
static int cmd_usb(station_opts *o, int argc, char **argv, sq_usb_action act)
{
    char buf[1100];
    const char *stick = pick_stick(argc, argv, buf, sizeof buf);
    if (!stick)
        return 1;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *station = NULL;
    if (open_station(o, &station, &k, &s))
        return 1;
    sq_usb_report r;
    sq_err e;
    int last = -1;
    sq_progress pr = {print_progress, &last};
    char req_dir[4200];
    bool asked = false;
    sq_status st = SQ_OK;
    memset(&r, 0, sizeof r);
    if (act == SQ_USB_EXPORT)
        st = stick_writable(o->paths.home, stick, req_dir, sizeof req_dir, &asked, &e);
    if (!st)
        st = act == SQ_USB_IMPORT   ? sq_usb_import(s, stick, &pr, &r, &e)
             : act == SQ_USB_EXPORT ? sq_usb_export(s, k, stick, &pr, &r, &e)
                                    : sq_usb_read_acks(s, k, stick, &r, &e);
    if (asked)
        sq_usb_writable_done(stick, req_dir);
    if (act != SQ_USB_ACKS && isatty(STDOUT_FILENO))
        printf("\r    \r");
    print_notes(&r);
    if (st)
        fail(&e);
    switch (act) {
    case SQ_USB_IMPORT:
        printf("%d bundle(s) imported (%d exam(s), %d item(s)); %d installed already; "
               "%d for other stations; %d skipped\n",
               r.done, r.exams, r.items, r.same, r.others, r.skipped);
        break;
    case SQ_USB_EXPORT:
        if (!st && r.results == 0)
            puts("no pending results: nothing to export");
        else if (!st)
            printf("%d result(s) in %d batch(es) written to %s\n"
                   "it is safe to remove the stick; the results stay pending until central's\n"
                   "acknowledgements come back (synaqctl read-acks STICK)\n",
                   r.results, r.done, r.dir);
        break;
    case SQ_USB_ACKS:
        if (r.files == 0 && !st)
            printf("no acknowledgements for station '%s' on %s\n",
                   sq_station_keys_cert(k)->station_id, stick);
        else
            printf("%d acknowledgement(s) read, %d result(s) newly marked sent\n", r.files,
                   r.results);
        break;
    }
    char detail[400];
    sq_status outcome = sq_usb_summary(act, stick, st, &e, &r, detail, sizeof detail);
    audit(s, sq_usb_action_name(act), outcome, "%s", detail);
    sq_station_close(station);
    return st || r.skipped ? 1 : 0;
}

/* Enrolment by stick, one step a run (see sq_usb_enrol). */
static int cmd_enroll_usb(station_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"label", 1, 0, 'l'}, {"no-passphrase", 0, 0, 'n'}, {0, 0, 0, 0}};
    const char *label = "";
    int c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'l')
            label = optarg;
        else if (c == 'n')
            o->no_passphrase = true;
        else
            return usage(stderr);
    }
    char buf[1100];
    const char *stick = pick_stick(argc - optind + 1, argv + optind - 1, buf, sizeof buf);
    if (!stick)
        return 1;
    if (access(o->paths.keys, F_OK) != 0 ? new_passphrase(o, "enroll-usb")
                                   : (need_passphrase(o), 0))
        return 1;
    mkdir(o->paths.home, 0700);
    sq_enrol_report r;
    sq_err e;
    char req_dir[4200];
    bool asked = false;
    sq_status wst = stick_writable(o->paths.home, stick, req_dir, sizeof req_dir, &asked, &e);
    if (!wst)
        wst = sq_usb_enrol(o->paths.keys, o->passphrase, stick, label, &r, &e);
    if (asked)
        sq_usb_writable_done(stick, req_dir);
    if (wst)
        return fail(&e);
    if (r.keys_made)
        printf("station keys written to %s%s\n", o->paths.keys,
               o->passphrase ? " (passphrase-protected)"
                             : " IN THE CLEAR (--no-passphrase: a test station only)");
    printf("station key fingerprint: %s\n", r.station_fp);
    printf("trusting central keys:   %s (compare it with the one central's keygen printed)\n",
           r.central_fp);
    if (r.step == SQ_ENROL_REQUESTED) {
        printf("enrolment request written to %s\n"
               "take the stick to central (synaq-central enroll-usb STICK --station-id ID "
               "--district NAME),\nthen run this again with the stick back\n",
               r.request);
        return 0;
    }
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    if (open_station(o, &st, &k, &s))
        return 1;
    printf("enrolled as station '%s' of district '%s'; store %s ready\n", r.cert.station_id,
           r.cert.district, o->paths.db);
    audit(s, "enroll-usb", SQ_OK, "enrolled as '%s' (%s) from %s", r.cert.station_id,
          r.cert.district, stick);
    sq_station_close(st);
    return 0;
}

/* ---- the technician PIN and the audit log ---- */

static int cmd_set_pin(station_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {{"pin-file", 1, 0, 'f'}, {0, 0, 0, 0}};
    const char *file = NULL;
    int c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'f')
            file = optarg;
        else
            return usage(stderr);
    }
    char pin[64] = "";
    FILE *in = file ? fopen(file, "r") : stdin;
    if (!in) {
        fprintf(stderr, "synaqctl: cannot read %s: %s\n", file, strerror(errno));
        return 1;
    }
    if (!file && isatty(STDIN_FILENO))
        printf("new technician PIN (%d to %d digits): ", SQ_PIN_MIN, SQ_PIN_MAX);
    fflush(stdout);
    if (!fgets(pin, sizeof pin, in))
        pin[0] = 0;
    if (file)
        fclose(in);
    pin[strcspn(pin, "\r\n")] = 0;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    sq_err e;
    if (open_station(o, &st, &k, &s))
        return 1;
    int rc = 0;
    if (sq_tech_pin_set(s, "synaqctl", pin, &e))
        rc = fail(&e);
    else
        puts("technician PIN set; the kiosk's technician mode opens with it");
    sodium_memzero(pin, sizeof pin);
    sq_station_close(st);
    return rc;
}

/* Software updates: ctl/update.c, on the open station. */
static int cmd_update(station_opts *o, int argc, char **argv)
{
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    if (open_station(o, &st, &k, &s))
        return 1;
    int rc = update_main(argc, argv, &o->paths, k, s);
    sq_station_close(st);
    return rc;
}

static int cmd_audit(station_opts *o, int argc, char **argv)
{
    int max = argc >= 2 ? atoi(argv[1]) : 50;
    if (max <= 0)
        return usage(stderr);
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_station *st = NULL;
    sq_err e;
    sq_audit_entry *list = NULL;
    size_t n = 0;
    if (open_station(o, &st, &k, &s))
        return 1;
    int rc = 0;
    if (sq_tech_audit_list(s, max, &list, &n, &e)) {
        rc = fail(&e);
    } else {
        if (n == 0)
            puts("the audit log is empty");
        /* Oldest first, as a log reads. */
        for (size_t i = n; i-- > 0;) {
            char t[40] = "?";
            time_t w = (time_t)list[i].wall_s;
            struct tm tm;
            if (gmtime_r(&w, &tm))
                strftime(t, sizeof t, "%Y-%m-%d %H:%M:%S", &tm);
            printf("%5lld  %s  %-9s %-11s %-9s %s\n", (long long)list[i].n, t, list[i].actor,
                   list[i].action, list[i].outcome, list[i].detail);
        }
    }
    sq_free(list);
    sq_station_close(st);
    return rc;
}

/* Hands the passphrase to synaq-syncd, which waits for it when it was
 * started without one (station.h). */
static int cmd_unlock(station_opts *o, int argc, char **argv)
{
    if (argc != 1)
        return usage(stderr);
    need_passphrase(o);
    if (!o->passphrase) {
        fputs("synaqctl unlock: no passphrase given (--passphrase-file FILE, or type it on a "
              "terminal)\n",
              stderr);
        return 1;
    }
    sq_err e;
    if (sq_station_unlock_send(o->paths.home, o->passphrase, 30000, &e))
        return fail(&e);
    printf("synaq-syncd is unlocked\n");
    return 0;
}

/* ---- the commands ---- */

typedef int (*command_fn)(station_opts *o, int argc, char **argv);

static int cmd_import_usb(station_opts *o, int argc, char **argv)
{
    return cmd_usb(o, argc, argv, SQ_USB_IMPORT);
}

static int cmd_export_usb(station_opts *o, int argc, char **argv)
{
    return cmd_usb(o, argc, argv, SQ_USB_EXPORT);
}

static int cmd_read_acks(station_opts *o, int argc, char **argv)
{
    return cmd_usb(o, argc, argv, SQ_USB_ACKS);
}

static int cmd_help(station_opts *o, int argc, char **argv)
{
    return usage(stdout);
}

/* Every command: its name, what runs it, and its lines of the usage (the
 * arguments, then what it does). */
static const struct {
    const char *name;
    command_fn fn;
    const char *args, *what;
} commands[] = {
    {"init", cmd_init, "--central central.pub [--label TEXT] [--request FILE] [--no-passphrase]",
     "make this station's keys, protected by the passphrase, and its enrolment\n"
     "request (--no-passphrase: keys in the clear, for a test station only)"},
    {"enroll", cmd_enroll, "CERT", "install the certificate central issued"},
    {"unlock", cmd_unlock, "", "hand the passphrase to synaq-syncd, waiting for it at start"},
    {"import", cmd_import, "BUNDLE...",
     "verify and import exam bundles (all of each or nothing)"},
    {"exams", cmd_exams, "", "list the installed exams"},
    {"status", cmd_status, "", "station, exams and results waiting to be sent"},
    {"take", cmd_take,
     "--exam ID --trainee ID [--name NAME] [--lang kk|ru|en] [--answers FILE|-] [--leave-open]\n"
     "       [--check CODE|DD.MM.YYYY|PIN]",
     "take (or resume) an exam; one answer a line: A, B,C, or - to skip; a trailing !\n"
     "flags the item. The time runs as on the kiosk: at zero the attempt ends and is\n"
     "submitted, answer or not; Ctrl-C leaves it open with the time used kept. An exam\n"
     "with an identity check needs --check: the code, date of birth or proctor PIN"},
    {"export", cmd_export, "--out FILE [--max N] [--after SEQ]",
     "write pending results as one batch file (N: 1..500, 50)"},
    {"sticks", cmd_sticks, "", "the USB sticks plugged in, and what is on them"},
    {"import-usb", cmd_import_usb, "[STICK]", "verify and import every bundle on the stick"},
    {"export-usb", cmd_export_usb, "[STICK]",
     "pending results to STICK/synaq/STATION/outgoing, for central's 'synaq-central\n"
     "ingest'; they stay pending until acknowledged"},
    {"read-acks", cmd_read_acks, "[STICK]",
     "mark sent what central's acknowledgements on the stick name"},
    {"enroll-usb", cmd_enroll_usb, "[--label TEXT] [--no-passphrase] [STICK]",
     "enrolment by stick: makes the keys (trusting the stick's synaq/central.pub) and\n"
     "writes the request to the stick; run again when central's certificate is on it,\n"
     "to install it"},
    {"set-pin", cmd_set_pin, "[--pin-file FILE]",
     "set the kiosk's technician PIN (4 to 12 digits, from stdin)"},
    {"audit", cmd_audit, "[N]",
     "the last N lines of the station's audit log (default 50)"},
    {"update", cmd_update, "stage FILE | stage-usb [STICK] | apply FILE | apply-pending | status",
     "signed software updates from central: stage (stage-usb: every synaq/updates/*.squ\n"
     "on the stick) puts a checked update in the pending\n"
     "folder (HOME/updates) for synaq-update.service; apply and apply-pending (as root)\n"
     "check it again and install it with dpkg when no attempt is open (else status 75,\n"
     "it waits); status says the last one. $SYNAQ_DPKG: the dpkg command, for tests"},
    {"help", cmd_help, "", "this text"},
};

static int usage(FILE *f)
{
    fputs("usage: synaqctl [--home DIR] [--db FILE] [--keys FILE] [--passphrase-file FILE] "
          "COMMAND ...\n\ncommands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(f, "  %s%s%s\n", commands[i].name, commands[i].args[0] ? " " : "",
                commands[i].args);
        for (const char *w = commands[i].what; *w;) {
            size_t n = strcspn(w, "\n");
            fprintf(f, "      %.*s\n", (int)n, w);
            w += n + (w[n] == '\n');
        }
    }
    fprintf(f, "\n"
          "The station's files default to $SYNAQ_HOME (or /var/lib/synaq): station.db and\n"
          "station.key. The key passphrase comes from --passphrase-file, the systemd\n"
          "credential synaq-passphrase, or $SYNAQ_PASSPHRASE; on a terminal it is asked for.\n"
          "Without STICK, the only stick plugged in under $SYNAQ_USB_ROOTS (default %s).\n"
          "For tests: $SYNAQ_TEST_CLOCK=FILE reads the store's clock from FILE (\"MONO_MS "
          "WALL_S\").\n",
          SQ_USB_ROOTS);
    return f == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"home", 1, 0, 'H'},
                                       {"db", 1, 0, 'd'},
                                       {"keys", 1, 0, 'k'},
                                       {"passphrase-file", 1, 0, 'p'},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    station_opts o = {0};
    const char *pass_file = NULL, *home = NULL, *db = NULL, *keys = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'H': home = optarg; break;
        case 'd': db = optarg; break;
        case 'k': keys = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind >= argc)
        return usage(stderr);
    sq_err e;
    if (sq_station_paths_init(&o.paths, home, db, keys, &e))
        return fail(&e);
    if (sq_init(&e) || sq_harden_process(&e) || sq_passphrase_load(pass_file, &o.passphrase, &e))
        return fail(&e);
    const char *cmd = argv[optind];
    int rc = -1;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name)) {
            rc = commands[i].fn(&o, argc - optind, argv + optind);
            break;
        }
    if (rc < 0) {
        fprintf(stderr, "synaqctl: unknown command '%s'\n", cmd);
        rc = usage(stderr);
    }
    sq_passphrase_free(o.passphrase);
    return rc;
}
