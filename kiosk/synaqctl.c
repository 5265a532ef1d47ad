/*
 * synaqctl - the technician's command line on a station: make the station's
 * keys, enrol it, import exam bundles, list exams, take an exam without the
 * kiosk (answers from a script or standard input), and export results.
 * It uses only libsynaq's public API, like any other program would.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sodium.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>

#include "synaq/attempt.h"
#include "synaq/bundle.h"
#include "synaq/keys.h"
#include "synaq/result.h"
#include "synaq/store.h"

typedef struct {
    const char *home, *db, *keys, *passphrase;
    char db_buf[4096], keys_buf[4096];
} station_opts;

static int usage(FILE *f)
{
    fputs("usage: synaqctl [--home DIR] [--db FILE] [--keys FILE] [--passphrase-file FILE] "
          "COMMAND ...\n"
          "\n"
          "commands:\n"
          "  init --central central.pub [--label TEXT] [--request FILE] [--passphrase]\n"
          "                     make this station's keys and its enrolment request\n"
          "  enroll CERT        install the certificate central issued\n"
          "  import BUNDLE...   verify and import exam bundles (all of each or nothing)\n"
          "  exams              list the installed exams\n"
          "  status             station, exams and results waiting to be sent\n"
          "  take --exam ID --trainee ID [--name NAME] [--lang kk|ru|en]\n"
          "       [--answers FILE|-] [--leave-open]\n"
          "                     take (or resume) an exam; one answer a line: A, B,C, or -\n"
          "                     to skip; a trailing ! flags the item\n"
          "  export --out FILE [--max N] [--after SEQ]\n"
          "                     write pending results as one batch file\n"
          "  export-usb STICK   pending results to STICK/synaq/STATION/outgoing, for central's\n"
          "                     'synaq-central ingest'; they stay pending until acknowledged\n"
          "  read-acks STICK    mark sent what central's acknowledgements on STICK name\n"
          "\n"
          "The station's files default to $SYNAQ_HOME (or /var/lib/synaq): station.db and\n"
          "station.key. The key passphrase comes from --passphrase-file or $SYNAQ_PASSPHRASE.\n",
          f);
    return f == stderr ? 2 : 0;
}

static int fail(const sq_err *e)
{
    fprintf(stderr, "synaqctl: %s\n", e->msg);
    return 1;
}

static char *read_passphrase_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "synaqctl: cannot read passphrase file %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char buf[1024];
    char *p = fgets(buf, sizeof buf, f) ? strdup(buf) : strdup("");
    fclose(f);
    if (p)
        p[strcspn(p, "\r\n")] = 0;
    return p;
}

static int open_keys(const station_opts *o, sq_station_keys **k)
{
    sq_err e;
    if (sq_station_keys_open(o->keys, o->passphrase, k, &e))
        return fail(&e);
    return 0;
}

static int open_station(const station_opts *o, sq_station_keys **k, sq_store **s)
{
    sq_err e;
    if (open_keys(o, k))
        return 1;
    if (sq_store_open(o->db, *k, NULL, s, &e)) {
        sq_station_keys_close(*k);
        *k = NULL;
        return fail(&e);
    }
    return 0;
}

static int cmd_init(const station_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {{"central", 1, 0, 'c'}, {"label", 1, 0, 'l'},
                                       {"request", 1, 0, 'r'}, {0, 0, 0, 0}};
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
        snprintf(req_buf, sizeof req_buf, "%s/enrol.req", o->home);
        request = req_buf;
    }
    mkdir(o->home, 0700);
    sq_err e;
    sq_station_keys *k = NULL;
    if (sq_station_keys_create(o->keys, central, o->passphrase, &e) ||
        sq_station_keys_open(o->keys, o->passphrase, &k, &e))
        return fail(&e);
    if (sq_station_request_write(k, label, request, &e)) {
        sq_station_keys_close(k);
        return fail(&e);
    }
    char fp[SQ_FINGERPRINT_LEN + 1], cfp[SQ_FINGERPRINT_LEN + 1];
    sq_fingerprint(sq_station_keys_sign_pk(k), fp);
    sq_fingerprint(sq_station_keys_central_sign_pk(k), cfp);
    printf("station keys written to %s%s\n", o->keys, o->passphrase ? " (passphrase-protected)" : "");
    printf("station key fingerprint: %s\n", fp);
    printf("trusting central key:    %s\n", cfp);
    printf("enrolment request: %s (take it to central: synaq-central enroll)\n", request);
    sq_station_keys_close(k);
    return 0;
}

static int cmd_enroll(const station_opts *o, int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    sq_err e;
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    if (open_keys(o, &k))
        return 1;
    if (sq_station_keys_enroll(k, argv[1], &e)) {
        sq_station_keys_close(k);
        return fail(&e);
    }
    const sq_cert *c = sq_station_keys_cert(k);
    if (sq_store_open(o->db, k, NULL, &s, &e)) {
        sq_station_keys_close(k);
        return fail(&e);
    }
    printf("enrolled as station '%s' of district '%s'; store %s ready\n", c->station_id,
           c->district, o->db);
    sq_store_close(s);
    sq_station_keys_close(k);
    return 0;
}

static int cmd_import(const station_opts *o, int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    int rc = 0;
    if (open_station(o, &k, &s))
        return 1;
    for (int i = 1; i < argc; i++) {
        sq_err e;
        sq_import_report r;
        if (sq_store_import(s, argv[i], &r, &e)) {
            rc = fail(&e);
            continue;
        }
        if (r.exams_new)
            printf("%s: bundle %s imported: %d exam(s), %d item(s)%s\n", argv[i], r.bundle_id,
                   r.exams_new, r.items, r.exams_same ? "; others already installed" : "");
        else
            printf("%s: bundle %s: already installed, nothing to do\n", argv[i], r.bundle_id);
    }
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}

static const char *title_of(const sq_exam_info *x)
{
    for (int l = 0; l < 3; l++)
        if (x->title[l][0])
            return x->title[l];
    return "";
}

static int cmd_exams(const station_opts *o, int argc, char **argv)
{
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_err e;
    sq_exam_info *list = NULL;
    size_t n = 0;
    if (open_station(o, &k, &s))
        return 1;
    int rc = 0;
    if (sq_store_exams(s, &list, &n, &e)) {
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
                   x->has_roster ? ", roster" : "");
            if (x->time_limit_s)
                printf("  time limit %d min\n", x->time_limit_s / 60);
        }
    }
    sq_free(list);
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}

static int cmd_status(const station_opts *o, int argc, char **argv)
{
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_err e;
    if (open_station(o, &k, &s))
        return 1;
    const sq_cert *c = sq_station_keys_cert(k);
    int64_t pending = 0, last = 0;
    int rc = 0;
    sq_exam_info *list = NULL;
    size_t n = 0;
    if (sq_store_result_counts(s, &pending, &last, &e) || sq_store_exams(s, &list, &n, &e)) {
        rc = fail(&e);
    } else {
        printf("station:  %s (%s)\nsoftware: synaq %s\nexams:   ", c->station_id, c->district,
               sq_version());
        for (size_t i = 0; i < n; i++)
            printf(" %s v%lld", list[i].id, (long long)list[i].version);
        printf("%s\nresults:  %lld pending, %lld recorded in all\n", n ? "" : " none",
               (long long)pending, (long long)last);
        /* What synaq-syncd last said of itself. */
        char path[4200];
        snprintf(path, sizeof path, "%s/sync-status.json", o->home);
        json_t *j = json_load_file(path, 0, NULL);
        if (!j) {
            printf("sync:     never ran (no %s)\n", path);
        } else {
            time_t ok = (time_t)json_integer_value(json_object_get(j, "last_success"));
            time_t bad = (time_t)json_integer_value(json_object_get(j, "last_error_wall"));
            const char *why = json_string_value(json_object_get(j, "last_error"));
            char t1[40] = "never", t2[40] = "";
            struct tm tm;
            if (ok && gmtime_r(&ok, &tm))
                strftime(t1, sizeof t1, "%Y-%m-%d %H:%M:%S UTC", &tm);
            if (bad && gmtime_r(&bad, &tm))
                strftime(t2, sizeof t2, "%Y-%m-%d %H:%M:%S UTC", &tm);
            printf("sync:     last success %s\n", t1);
            if (why && *why)
                printf("          last error %s: %s\n", t2, why);
            json_decref(j);
        }
    }
    sq_free(list);
    sq_store_close(s);
    sq_station_keys_close(k);
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

static int cmd_take(const station_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {{"exam", 1, 0, 'x'},    {"trainee", 1, 0, 't'},
                                       {"name", 1, 0, 'n'},    {"lang", 1, 0, 'l'},
                                       {"answers", 1, 0, 'a'}, {"leave-open", 0, 0, 'o'},
                                       {0, 0, 0, 0}};
    const char *exam = NULL, *trainee = NULL, *name = NULL, *answers = "-";
    int lang = 1, leave_open = 0, c;
    optind = 0; /* glibc: 0 also resets the scanning mode of main's "+" */
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'x': exam = optarg; break;
        case 't': trainee = optarg; break;
        case 'n': name = optarg; break;
        case 'a': answers = optarg; break;
        case 'o': leave_open = 1; break;
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
    FILE *in = strcmp(answers, "-") == 0 ? stdin : fopen(answers, "r");
    if (!in) {
        fprintf(stderr, "synaqctl: cannot read %s: %s\n", answers, strerror(errno));
        return 1;
    }
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_attempt *a = NULL;
    sq_err e;
    int rc = 1;
    if (open_station(o, &k, &s))
        goto out;
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
    for (int pos = sq_attempt_current(a); pos < sq_attempt_count(a);) {
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
        if (in == stdin)
            printf("answer> ");
        fflush(stdout);
        if (!fgets(line, sizeof line, in)) {
            if (leave_open) {
                printf("\nleft open at item %d\n", pos + 1);
                rc = 0;
                goto out;
            }
            printf("\n(no more answers)\n");
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
            if (in != stdin)
                goto out;
            continue;
        }
        if (flag && sq_attempt_flag(a, pos, true, &e)) {
            fail(&e);
            goto out;
        }
        if (sel && sq_attempt_answer(a, pos, sel, &e)) {
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
    if (in != stdin)
        fclose(in);
    sq_attempt_free(a);
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}

static int cmd_export(const station_opts *o, int argc, char **argv)
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
    if (!out || max <= 0) {
        fputs("synaqctl export: --out FILE is required; --max is a positive number\n", stderr);
        return 2;
    }
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_err e;
    int n = 0, rc = 0;
    if (open_station(o, &k, &s))
        return 1;
    if (sq_store_export_batch(s, after, max, out, &n, &e))
        rc = fail(&e);
    else if (n == 0)
        puts("no pending results: nothing written");
    else
        printf("%d result(s) written to %s\n", n, out);
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}

/* ---- results carried by hand ---- */

/* mkdir that tolerates what is there; a read-only or full stick says so. */
static int make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "synaqctl: cannot create %s: %s%s\n", path, strerror(errno),
            errno == EROFS ? " (the stick is read-only)" : errno == ENOSPC ? " (the stick is full)" : "");
    return -1;
}

/* Writes the pending results to STICK/synaq/STATION/outgoing as batches in
 * the network format, with a manifest of checksums; marks nothing: the
 * results stay pending until an acknowledgement comes back. */
static int cmd_export_usb(const station_opts *o, int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_err e;
    int rc = 1, batches = 0, results = 0;
    char dir[4200], out_dir[4400], names[256][96];
    char *manifest = NULL;
    size_t mlen = 0;
    if (open_station(o, &k, &s))
        return 1;
    const char *id = sq_station_keys_cert(k)->station_id;
    snprintf(dir, sizeof dir, "%s/synaq", argv[1]);
    snprintf(out_dir, sizeof out_dir, "%s/synaq/%s", argv[1], id);
    if (make_dir(dir) || make_dir(out_dir))
        goto out;
    snprintf(out_dir, sizeof out_dir, "%s/synaq/%s/outgoing", argv[1], id);
    if (make_dir(out_dir))
        goto out;
    int64_t after = 0;
    for (;;) {
        uint8_t *buf = NULL;
        size_t len = 0;
        int count = 0;
        if (sq_store_batch_mem(s, after, 50, &buf, &len, &count, &e)) {
            fprintf(stderr, "synaqctl: %s\n", e.msg);
            goto undo;
        }
        if (count == 0)
            break;
        sq_batch *b = NULL;
        if (sq_batch_parse(buf, len, &b, &e) ||
            sq_batch_verify(b, sq_station_keys_sign_pk(k), &e) || batches == 256) {
            fprintf(stderr, "synaqctl: %s\n", batches == 256 ? "too many batches" : e.msg);
            sq_batch_free(b);
            sq_free(buf);
            goto undo;
        }
        int64_t first, last;
        const uint8_t *sealed;
        size_t slen;
        sq_batch_result(b, 0, &first, &sealed, &slen);
        sq_batch_result(b, sq_batch_count(b) - 1, &last, &sealed, &slen);
        snprintf(names[batches], sizeof names[0], "%012lld-%s.sqbatch", (long long)first,
                 sq_batch_id(b));
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", out_dir, names[batches]);
        uint8_t h[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256(h, buf, len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        sq_status w = sq_write_file(path, buf, len, 0644, &e);
        sq_batch_free(b);
        sq_free(buf);
        if (w) {
            fprintf(stderr, "synaqctl: %s%s; nothing was exported\n", e.msg,
                    w == SQ_EFULL ? " (the stick is full)" : "");
            goto undo;
        }
        batches++;
        results += count;
        after = last;
        char line[256];
        int n = snprintf(line, sizeof line, "%s  %s\n", hex, names[batches - 1]);
        char *nm = realloc(manifest, mlen + (size_t)n + 1);
        if (!nm)
            goto undo;
        manifest = nm;
        memcpy(manifest + mlen, line, (size_t)n + 1);
        mlen += (size_t)n;
    }
    if (batches == 0) {
        puts("no pending results: nothing to export");
        rc = 0;
        goto out;
    }
    char mpath[4600];
    snprintf(mpath, sizeof mpath, "%s/MANIFEST.sha256", out_dir);
    if (sq_write_file(mpath, manifest, mlen, 0644, &e)) {
        fprintf(stderr, "synaqctl: %s; nothing was exported\n", e.msg);
        goto undo;
    }
    printf("%d result(s) in %d batch(es) written to %s\n"
           "it is safe to remove the stick; the results stay pending until central's\n"
           "acknowledgements come back (synaqctl read-acks STICK)\n",
           results, batches, out_dir);
    rc = 0;
    goto out;
undo:
    /* A half export helps nobody: take back the files of this run. */
    for (int i = 0; i < batches; i++) {
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", out_dir, names[i]);
        unlink(path);
    }
out:
    free(manifest);
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
}

/* Reads central's acknowledgements from STICK/synaq/STATION/acks and marks
 * those results sent; forged ones and ones for other stations are refused. */
static int cmd_read_acks(const station_opts *o, int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    sq_station_keys *k = NULL;
    sq_store *s = NULL;
    sq_err e;
    int rc = 0, files = 0, marked_all = 0;
    if (open_station(o, &k, &s))
        return 1;
    const char *id = sq_station_keys_cert(k)->station_id;
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/synaq/%s/acks", argv[1], id);
    DIR *d = opendir(dir);
    if (!d) {
        printf("no acknowledgements for station '%s' in %s\n", id, argv[1]);
        goto out;
    }
    struct dirent *f;
    while ((f = readdir(d))) {
        size_t nl = strlen(f->d_name);
        if (nl < 5 || strcmp(f->d_name + nl - 4, ".ack") != 0)
            continue;
        char path[4700];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, f->d_name);
        if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (4 << 20)) {
            fprintf(stderr, "synaqctl: %s: not a regular file of a sensible size; skipped\n", path);
            rc = 1;
            continue;
        }
        FILE *fp = fopen(path, "rb");
        uint8_t *buf = malloc((size_t)sb.st_size + 1);
        size_t len = fp && buf ? fread(buf, 1, (size_t)sb.st_size, fp) : 0;
        if (fp)
            fclose(fp);
        sq_ack *a = NULL;
        files++;
        if (!buf || sq_ack_open(buf, len, sq_station_keys_central_sign_pk(k), &a, &e)) {
            fprintf(stderr, "synaqctl: %s: %s; refused\n", path, buf ? e.msg : "out of memory");
            rc = 1;
        } else if (strcmp(a->station_id, id) != 0) {
            fprintf(stderr, "synaqctl: %s: meant for station '%s', not '%s'; refused\n", path,
                    a->station_id, id);
            rc = 1;
        } else {
            int marked = 0;
            if (sq_store_mark_sent(s, a->seqs, a->n, &marked, &e)) {
                fprintf(stderr, "synaqctl: %s\n", e.msg);
                rc = 1;
            }
            marked_all += marked;
        }
        sq_ack_free(a);
        free(buf);
    }
    closedir(d);
    printf("%d acknowledgement(s) read, %d result(s) newly marked sent\n", files, marked_all);
out:
    sq_store_close(s);
    sq_station_keys_close(k);
    return rc;
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
    char *pass_alloc = NULL;
    o.home = getenv("SYNAQ_HOME") ? getenv("SYNAQ_HOME") : "/var/lib/synaq";
    o.passphrase = getenv("SYNAQ_PASSPHRASE");
    int c;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'H': o.home = optarg; break;
        case 'd': o.db = optarg; break;
        case 'k': o.keys = optarg; break;
        case 'p':
            free(pass_alloc);
            pass_alloc = read_passphrase_file(optarg);
            if (!pass_alloc)
                return 1;
            o.passphrase = pass_alloc;
            break;
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind >= argc)
        return usage(stderr);
    if (!o.db) {
        snprintf(o.db_buf, sizeof o.db_buf, "%s/station.db", o.home);
        o.db = o.db_buf;
    }
    if (!o.keys) {
        snprintf(o.keys_buf, sizeof o.keys_buf, "%s/station.key", o.home);
        o.keys = o.keys_buf;
    }
    if (o.passphrase && !*o.passphrase)
        o.passphrase = NULL;
    sq_err e;
    if (sq_init(&e))
        return fail(&e);
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    int rc;
    if (!strcmp(cmd, "init"))
        rc = cmd_init(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "enroll"))
        rc = cmd_enroll(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "import"))
        rc = cmd_import(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "exams"))
        rc = cmd_exams(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "status"))
        rc = cmd_status(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "take"))
        rc = cmd_take(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "export"))
        rc = cmd_export(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "export-usb"))
        rc = cmd_export_usb(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "read-acks"))
        rc = cmd_read_acks(&o, sub_argc, sub_argv);
    else if (!strcmp(cmd, "help"))
        rc = usage(stdout);
    else {
        fprintf(stderr, "synaqctl: unknown command '%s'\n", cmd);
        rc = usage(stderr);
    }
    free(pass_alloc);
    return rc;
}
