/*
 * bench_core.c - bench_core: what libsynaq's heavy paths cost on this
 * machine, each beside a floor that says what the cost could be at best.
 *
 *   a. importing a 10,000-item bundle into a fresh station store, against
 *      inserting the same item texts into a plain SQLite table (WAL,
 *      synchronous=FULL, one transaction);
 *   b. results sealed and signed per second: whole attempts of a 50-item
 *      exam (start, 50 answers, finish: 52 durable commits), against the
 *      pure crypto of a result (serialise, sign, seal) without the store;
 *   c. the size of a sealed 50-item result, and of a batch of them;
 *   d. what the store's own records cost: a line of the audit log, a
 *      result marked sent (one at a time, and a whole batch at once),
 *      opening the store with them in it (which checks their MAC chains)
 *      and the check alone, against the floor commit and a keyed BLAKE2b
 *      of one such record.
 *
 * Everything runs in a temp folder on real SQLite files, which is removed
 * at the end (SYNAQ_KEEP_BENCH_FILES=1 keeps it). Timings are printed,
 * never judged: the exit status is 1 only when something fails to work.
 * The world is set up through the public API, like any program would;
 * the internal header is used only to split the import into its parts
 * (sqi_bundle_open), to get the item texts the store writes (sqi_exam_set_json)
 * and to serialise a result without the store (sqi_result_encode).
 *
 * Load: about 30 s on 2 cores with the defaults; --items and --seconds
 * make it shorter.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "synaq/attempt.h"
#include "synaq/bundle.h"
#include "synaq/examset.h"
#include "synaq/keys.h"
#include "synaq/batch.h"
#include "synaq/result.h"
#include "synaq/import.h"
#include "synaq/chain.h"
#include "synaq/store.h"
#include "synaq/tech.h"
#include "bundle_int.h"
#include "examset_int.h"
#include "codec_int.h"
#include "exam_int.h"
#include "keys_int.h"
#include "result_int.h"
#include "db_int.h"
#include "util_int.h"
#include "bank.h"

#define MAX_RUNS 9
#define TRAINEE_NAME "Айгүл Сәрсенова"

typedef struct {
    long items; /* bank size */
    int topics;
    int draw;       /* items per attempt */
    int runs;       /* runs of each import and floor, for the median */
    double seconds; /* time spent on whole attempts */
    int batch_max;  /* results per batch */
    int audit_rows; /* lines appended to the audit log in d. */
} options;

/* The world: central and one enrolled station, in a temp folder. */
typedef struct {
    char dir[256];
    char central_dir[300], central_pub[320], keys_path[300], cert_path[300], req_path[300];
    char source[300], bundle[300], batch[300];
    sq_central_keys *central;
    sq_station_keys *keys;
} world;

/* ---- small helpers ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n values (n >= 1); v is left unchanged. */
static double median(const double *v, size_t n)
{
    double *c = malloc(n * sizeof *c);
    if (!c)
        return v[0];
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

/* The p-th percentile (0..100) by nearest rank; sorts v. */
static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)(p / 100.0 * (double)n + 0.5);
    return v[k == 0 ? 0 : k > n ? n - 1 : k - 1];
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static int failed(const char *what, const sq_err *e)
{
    fprintf(stderr, "bench_core: %s: %s\n", what, e->msg);
    return 1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

/* Removes a store file and what SQLite and the store keep beside it. */
static void remove_store(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-lock", "-journal"};
    char p[400];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        remove(p);
    }
}

/* One line of the table: what, value, unit, and a note. */
static void row(const char *what, double value, int decimals, const char *unit, const char *note)
{
    printf("  %-50s %12.*f  %-10s %s\n", what, decimals, value, unit, note ? note : "");
}

static void heading(const char *title)
{
    printf("\n%s\n", title);
}

/* ---- the world ---- */

static int world_setup(world *w)
{
    sq_err e;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(w->dir, sizeof w->dir, "%s/synaq-bench-XXXXXX", tmp);
    if (!mkdtemp(w->dir)) {
        fprintf(stderr, "bench_core: cannot make a temp folder under %s: %s\n", tmp,
                strerror(errno));
        w->dir[0] = 0;
        return 1;
    }
    snprintf(w->central_dir, sizeof w->central_dir, "%s/central", w->dir);
    snprintf(w->central_pub, sizeof w->central_pub, "%s/central.pub", w->central_dir);
    snprintf(w->keys_path, sizeof w->keys_path, "%s/station.key", w->dir);
    snprintf(w->cert_path, sizeof w->cert_path, "%s/station.cert", w->dir);
    snprintf(w->req_path, sizeof w->req_path, "%s/station.req", w->dir);
    snprintf(w->source, sizeof w->source, "%s/bank.yaml", w->dir);
    snprintf(w->bundle, sizeof w->bundle, "%s/bank.bundle", w->dir);
    snprintf(w->batch, sizeof w->batch, "%s/results.batch", w->dir);
    if (sq_central_keygen(w->central_dir, &e) ||
        sq_central_open(w->central_dir, SQ_CENTRAL_SIGN | SQ_CENTRAL_RESULTS, &w->central, &e))
        return failed("central keys", &e);
    if (sq_station_keys_create(w->keys_path, w->central_pub, NULL, &e) ||
        sq_station_keys_open(w->keys_path, NULL, &w->keys, &e) ||
        sq_station_request_write(w->keys, "bench station", w->req_path, &e) ||
        sq_central_enroll(w->central, w->req_path, "bench-01", "Bench district", w->cert_path, NULL,
                          &e) ||
        sq_station_keys_enroll(w->keys, w->cert_path, &e))
        return failed("station enrolment", &e);
    return 0;
}

static void world_teardown(world *w)
{
    sq_station_keys_close(w->keys);
    sq_central_close(w->central);
    if (w->dir[0] && !getenv("SYNAQ_KEEP_BENCH_FILES"))
        nftw(w->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    else if (w->dir[0])
        fprintf(stderr, "bench_core: files kept in %s\n", w->dir);
}

/* ---- the bank and its bundle ---- */

static int make_bundle(world *w, const options *o, sq_exam_set **set_out)
{
    sq_err e;
    bank_opts bo = {.items = o->items,
                    .topics = o->topics,
                    .langs = BANK_KK | BANK_RU | BANK_EN,
                    .seed = 1,
                    .draw = o->draw,
                    .exam_id = "bench-bank"};
    const char *why = bank_opts_problem(&bo);
    if (why) {
        fprintf(stderr, "bench_core: %s\n", why);
        return 1;
    }
    double t0 = now_s();
    FILE *f = fopen(w->source, "w");
    if (!f || bank_write(f, &bo) != 0 || fclose(f) != 0) {
        fprintf(stderr, "bench_core: writing the bank %s failed: %s\n", w->source, strerror(errno));
        return 1;
    }
    double t1 = now_s();
    sq_exam_set *set = sq_exam_set_new();
    if (!set || sq_exam_set_load(set, w->source, &e)) {
        sq_exam_set_free(set);
        return failed("loading the bank", &e);
    }
    double t2 = now_s();
    const char *certs[1] = {w->cert_path};
    if (sq_bundle_build(set, w->central, certs, 1, w->bundle, &e)) {
        sq_exam_set_free(set);
        return failed("building the bundle", &e);
    }
    double t3 = now_s();
    char note[96];
    heading("0. the bank (synaq-gen-bank's generator, seed 1) and its bundle");
    snprintf(note, sizeof note, "%.2f MB of YAML", (double)file_size(w->source) / 1e6);
    row("write the bank source", (t1 - t0) * 1e3, 0, "ms", note);
    snprintf(note, sizeof note, "%ld items, %zu per attempt", o->items, sq_exam_set_items(set, 0));
    row("load and check the source (bundle check)", (t2 - t1) * 1e3, 0, "ms", note);
    snprintf(note, sizeof note, "%.2f MB, for 1 station", (double)file_size(w->bundle) / 1e6);
    row("build the bundle (compress, encrypt, sign)", (t3 - t2) * 1e3, 0, "ms", note);
    *set_out = set;
    return 0;
}

/* ---- a. import against the floor ---- */

/* The item documents exactly as the store seals them (store.c,
 * install_exam): the item without its image, with has_image. */
static char **item_texts(const sq_exam_set *set, size_t *n, size_t *total_bytes)
{
    const json_t *items = json_object_get(json_array_get(sqi_exam_set_json(set), 0), "items");
    size_t count = json_array_size(items);
    char **texts = calloc(count + 1, sizeof *texts);
    *total_bytes = 0;
    if (!texts)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        const json_t *e = json_array_get(items, i);
        json_t *item = json_deep_copy(e);
        if (!item)
            goto fail;
        json_object_del(item, "image");
        json_object_set_new(item, "has_image", json_boolean(json_object_get(e, "image")));
        texts[i] = json_dumps(item, JSON_COMPACT);
        json_decref(item);
        if (!texts[i])
            goto fail;
        *total_bytes += strlen(texts[i]);
    }
    *n = count;
    return texts;
fail:
    for (size_t i = 0; i < count; i++)
        free(texts[i]);
    free(texts);
    return NULL;
}

/* How floor_insert shapes its work. */
enum {
    FLOOR_AEAD = 1, /* seal each body first, as the store seals a column */
    FLOOR_ROWID = 2 /* an ordinary rowid table instead of the store's WITHOUT ROWID */
};

/* The floor: n rows into a table shaped like the store's items table in a
 * new plain SQLite file, WAL and synchronous=FULL like the store, in one
 * transaction. With FLOOR_AEAD each body is first sealed the way the store
 * seals a column (XChaCha20-Poly1305, the row's identity as associated
 * data). Returns the seconds from BEGIN to the end of COMMIT, or -1; the
 * file's size goes to *bytes. */
static double floor_insert(const char *path, char **texts, size_t n, int how, long long *bytes)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    double t0 = 0, t1 = -1;
    uint8_t key[32], *sealed = NULL;
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const size_t ab = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    size_t cap = 0;
    randombytes_buf(key, sizeof key);
    for (size_t i = 0; i < n; i++)
        cap = strlen(texts[i]) > cap ? strlen(texts[i]) : cap;
    sealed = malloc(cap + nb + ab);
    if (!sealed ||
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_exec(db,
                     how & FLOOR_ROWID
                         ? "CREATE TABLE items(exam INTEGER NOT NULL, idx INTEGER NOT NULL,"
                           " topic TEXT, body BLOB NOT NULL, PRIMARY KEY(exam, idx))"
                         : "CREATE TABLE items(exam INTEGER NOT NULL, idx INTEGER NOT NULL,"
                           " topic TEXT, body BLOB NOT NULL, PRIMARY KEY(exam, idx)) WITHOUT ROWID",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    t0 = now_s();
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO items(exam, idx, topic, body) VALUES (1, ?, ?, ?)", -1,
                           &q, NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        char topic[16];
        size_t len = strlen(texts[i]);
        snprintf(topic, sizeof topic, "t%03zu", i % 20 + 1);
        sqlite3_bind_int64(q, 1, (sqlite3_int64)i);
        sqlite3_bind_text(q, 2, topic, -1, SQLITE_TRANSIENT);
        if (how & FLOOR_AEAD) {
            char ad[96];
            unsigned long long clen;
            int ad_len = snprintf(ad, sizeof ad, "items|body|bench-bank/1/%zu", i);
            randombytes_buf(sealed, nb);
            crypto_aead_xchacha20poly1305_ietf_encrypt(
                sealed + nb, &clen, (const uint8_t *)texts[i], len, (const uint8_t *)ad,
                (size_t)ad_len, NULL, sealed, key);
            sqlite3_bind_blob(q, 3, sealed, (int)(nb + clen), SQLITE_STATIC);
        } else {
            sqlite3_bind_blob(q, 3, texts[i], (int)len, SQLITE_STATIC);
        }
        if (sqlite3_step(q) != SQLITE_DONE)
            goto out;
        sqlite3_reset(q);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    t1 = now_s();
out:
    if (t1 < 0)
        fprintf(stderr, "bench_core: floor insert into %s failed: %s\n", path,
                db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_finalize(q);
    sqlite3_close(db);
    free(sealed);
    *bytes = file_size(path);
    remove_store(path);
    return t1 < 0 ? -1 : t1 - t0;
}

static void print_runs(char *note, size_t cap, const double *v, int n)
{
    size_t len = (size_t)snprintf(note, cap, "runs:");
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(note + len, cap - len, " %.0f", v[i] * 1e3);
}

/* Imports the bundle into o->runs fresh stores; leaves the first one at
 * store_path for the attempts. */
static int bench_import(world *w, const options *o, const sq_exam_set *set, const char *store_path)
{
    sq_err e;
    double imp[MAX_RUNS], opn[MAX_RUNS], cls[MAX_RUNS];
    double flo[MAX_RUNS], flo_aead[MAX_RUNS], flo_rowid[MAX_RUNS];
    long long store_bytes = 0, floor_bytes = 0, aead_bytes = 0, rowid_bytes = 0;
    size_t n_texts = 0, text_bytes = 0;
    char path[400], note[160];
    int rc = 1;
    char **texts = item_texts(set, &n_texts, &text_bytes);
    uint8_t *bundle = NULL;
    size_t bundle_len = 0;
    if (!texts || n_texts != (size_t)o->items) {
        fprintf(stderr, "bench_core: cannot get the item texts of the bank\n");
        goto out;
    }
    for (int r = 0; r < o->runs; r++) {
        sq_store *s = NULL;
        sq_import_report rep;
        if (r == 0)
            snprintf(path, sizeof path, "%s", store_path);
        else
            snprintf(path, sizeof path, "%s/import-%d.db", w->dir, r);
        if (sq_store_open(path, w->keys, NULL, &s, &e)) {
            failed("opening a fresh store", &e);
            goto out;
        }
        double t0 = now_s();
        sq_status st = sq_import_file(s, w->bundle, NULL, &rep, &e);
        double t1 = now_s();
        sq_store_close(s);
        cls[r] = now_s() - t1;
        imp[r] = t1 - t0;
        if (st) {
            failed("importing the bundle", &e);
            goto out;
        }
        if (rep.items != o->items || rep.exams_new != 1) {
            fprintf(stderr, "bench_core: the import wrote %d items of %ld\n", rep.items, o->items);
            goto out;
        }
        if (r == 0)
            store_bytes = file_size(path);
        else
            remove_store(path);
    }

    /* The part of the import before any row is written: signature,
     * decryption, inflating, parsing and checking the exams. */
    if (sqi_file_read(w->bundle, SQ_BUNDLE_MAX_FILE, &bundle, &bundle_len, &e)) {
        failed("reading the bundle", &e);
        goto out;
    }
    const sq_cert *cert = sq_station_keys_cert(w->keys);
    for (int r = 0; r < o->runs; r++) {
        bundle_header h;
        json_t *exams = NULL;
        double t0 = now_s();
        sq_status st = sqi_bundle_open(bundle, bundle_len, sq_station_keys_central_sign_pk(w->keys),
                                   cert->station_id, sqi_station_keys_box_pk(w->keys),
                                   sqi_station_keys_box_sk(w->keys), &h, &exams, &e);
        opn[r] = now_s() - t0;
        json_decref(exams);
        if (st) {
            failed("opening the bundle", &e);
            goto out;
        }
    }

    for (int r = 0; r < o->runs; r++) {
        snprintf(path, sizeof path, "%s/floor-%d.db", w->dir, r);
        flo[r] = floor_insert(path, texts, n_texts, 0, &floor_bytes);
        snprintf(path, sizeof path, "%s/floor-aead-%d.db", w->dir, r);
        flo_aead[r] = floor_insert(path, texts, n_texts, FLOOR_AEAD, &aead_bytes);
        snprintf(path, sizeof path, "%s/floor-rowid-%d.db", w->dir, r);
        flo_rowid[r] = floor_insert(path, texts, n_texts, FLOOR_ROWID, &rowid_bytes);
        if (flo[r] < 0 || flo_aead[r] < 0 || flo_rowid[r] < 0)
            goto out;
    }

    double m_imp = median(imp, (size_t)o->runs), m_open = median(opn, (size_t)o->runs);
    double m_floor = median(flo, (size_t)o->runs), m_aead = median(flo_aead, (size_t)o->runs);
    char what[96];
    snprintf(what, sizeof what, "a. import of the %ld-item bundle into a new store", o->items);
    heading(what);
    print_runs(note, sizeof note, imp, o->runs);
    snprintf(what, sizeof what, "import, wall time (median of %d)", o->runs);
    row(what, m_imp * 1e3, 0, "ms", note);
    row("  of which open: verify, decrypt, parse, check", m_open * 1e3, 0, "ms",
        "sqi_bundle_open alone (median): inflate, JSON too");
    row("  of which install (seal items, insert, commit)", (m_imp - m_open) * 1e3, 0, "ms",
        "the difference");
    row("store close after import (checkpoint)", median(cls, (size_t)o->runs) * 1e3, 0, "ms",
        "not in the import time");
    snprintf(note, sizeof note, "%zu rows, %.2f MB of item JSON; %s", n_texts,
             (double)text_bytes / 1e6, "WAL, synchronous=FULL, 1 tx");
    row("floor: the same rows into plain SQLite", m_floor * 1e3, 0, "ms", note);
    row("  floor with XChaCha20-Poly1305 per row", m_aead * 1e3, 0, "ms", "what field AEAD adds");
    row("  floor in a rowid table (not WITHOUT ROWID)", median(flo_rowid, (size_t)o->runs) * 1e3, 0,
        "ms", "what the table shape costs");
    row("ratio import / floor", m_imp / m_floor, 1, "x", NULL);
    row("ratio import / floor with AEAD", m_imp / m_aead, 1, "x", NULL);
    snprintf(note, sizeof note, "floor %.1f, with AEAD %.1f, rowid table %.1f MB",
             (double)floor_bytes / 1e6, (double)aead_bytes / 1e6, (double)rowid_bytes / 1e6);
    row("store file after import", (double)store_bytes / 1e6, 1, "MB", note);
    rc = 0;
out:
    if (texts)
        for (size_t i = 0; i < n_texts; i++)
            free(texts[i]);
    free(texts);
    free(bundle);
    return rc;
}

/* ---- b. results per second ---- */

typedef struct {
    double *v;
    size_t n, cap;
} samples;

static int samples_add(samples *s, double x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        double *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

/* The floor of one answer: a one-row write committed durably in a plain
 * SQLite file (WAL, synchronous=FULL). Its commits are taken between the
 * attempts, so that both see the disk in the same mood. Its WAL is grown
 * first and checkpointed, so that commits overwrite blocks the file has,
 * as the store's do once its WAL has wrapped: a commit that grows a file
 * costs the file system a journal commit more. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *q;
    int n;
} commit_floor;

static int commit_floor_open(commit_floor *f, const char *path)
{
    memset(f, 0, sizeof *f);
    if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(f->db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                     "CREATE TABLE answers(pos INTEGER PRIMARY KEY, value BLOB);"
                     "INSERT INTO answers VALUES (-1, zeroblob(4 << 20));"
                     "DELETE FROM answers; PRAGMA wal_checkpoint(PASSIVE)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO answers(pos, value) VALUES (?, ?)", -1,
                           &f->q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_core: the commit floor in %s failed: %s\n", path,
                f->db ? sqlite3_errmsg(f->db) : "out of memory");
        return -1;
    }
    return 0;
}

/* One durable commit of one row; its seconds, or -1. */
static double commit_floor_once(commit_floor *f)
{
    uint8_t value[40];
    randombytes_buf(value, sizeof value);
    double t0 = now_s();
    if (sqlite3_exec(f->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int(f->q, 1, f->n++ % 50);
    sqlite3_bind_blob(f->q, 2, value, sizeof value, SQLITE_STATIC);
    int rc = sqlite3_step(f->q);
    sqlite3_reset(f->q);
    if (rc != SQLITE_DONE || sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    return now_s() - t0;
fail:
    fprintf(stderr, "bench_core: a commit of the floor failed: %s\n", sqlite3_errmsg(f->db));
    return -1;
}

static void commit_floor_close(commit_floor *f, const char *path)
{
    sqlite3_finalize(f->q);
    sqlite3_close(f->db);
    remove_store(path);
}

/* Whole attempts in a loop for o->seconds: start, show and answer every
 * item, finish. Then the floor of a commit. */
static int bench_attempts(world *w, sq_store *s, const options *o, int *n_done,
                          int *items_per_attempt)
{
    sq_err e;
    samples t_start = {0}, t_answer = {0}, t_finish = {0}, t_floor = {0};
    int n = 0, rc = 1, per = 0;
    long commits = 0;
    char path[400];
    commit_floor cf;
    snprintf(path, sizeof path, "%s/floor-commit.db", w->dir);
    if (commit_floor_open(&cf, path))
        goto out;
    /* total: the time spent in attempts alone, without the floor's. */
    double t_begin = now_s(), total = 0;
    while (n < 3 || (now_s() - t_begin < o->seconds && n < 100000)) {
        char trainee[32];
        sq_attempt *a = NULL;
        sq_outcome out;
        snprintf(trainee, sizeof trainee, "9%011d", n + 1);
        double t0 = now_s();
        if (sq_attempt_start(s, "bench-bank", trainee, TRAINEE_NAME, &a, &e)) {
            failed("starting an attempt", &e);
            goto out;
        }
        double t1 = now_s();
        per = sq_attempt_count(a);
        for (int pos = 0; pos < per; pos++) {
            sq_item_view v;
            if (sq_attempt_item(a, pos, pos % 3, &v, &e)) {
                failed("showing an item", &e);
                sq_attempt_free(a);
                goto out;
            }
            uint32_t pick = 1u << (pos % v.n_options);
            if (v.type == SQ_ITEM_MULTIPLE)
                pick |= 1u;
            double ta = now_s();
            if (sq_attempt_answer(a, pos, pick, &e)) {
                failed("answering", &e);
                sq_attempt_free(a);
                goto out;
            }
            if (samples_add(&t_answer, now_s() - ta))
                goto out;
        }
        double t2 = now_s();
        sq_status st = sq_attempt_finish(a, &out, &e);
        double t3 = now_s();
        sq_attempt_free(a);
        if (st) {
            failed("finishing an attempt", &e);
            goto out;
        }
        if (out.seq != n + 1) {
            fprintf(stderr, "bench_core: result %d got sequence number %lld\n", n + 1,
                    (long long)out.seq);
            goto out;
        }
        if (samples_add(&t_start, t1 - t0) || samples_add(&t_finish, t3 - t2))
            goto out;
        total += t3 - t0;
        commits += per + 2;
        n++;
        for (int k = 0; k < 8; k++) {
            double t = commit_floor_once(&cf);
            if (t < 0 || samples_add(&t_floor, t))
                goto out;
        }
    }
    double floor_s = median(t_floor.v, t_floor.n);
    char what[96], note[128];
    snprintf(what, sizeof what, "b. results sealed and signed per second (%d-item attempts)", per);
    heading(what);
    snprintf(note, sizeof note, "%d attempts in %.1f s, %d durable commits each", n, total,
             per + 2);
    row("whole attempts: start + answers + finish", n / total, 2, "results/s", note);
    row("  start an attempt (draw, open 50 items), median", median(t_start.v, t_start.n) * 1e3, 2,
        "ms", NULL);
    snprintf(note, sizeof note, "p99 %.2f ms, %zu answers",
             percentile(t_answer.v, t_answer.n, 99) * 1e3, t_answer.n);
    row("  answer one item (one commit), median", median(t_answer.v, t_answer.n) * 1e3, 2, "ms",
        note);
    row("  finish (score, sign, seal, store), median", median(t_finish.v, t_finish.n) * 1e3, 2,
        "ms", NULL);
    row("  durable commits per second", (double)commits / total, 0, "commits/s", NULL);
    snprintf(note, sizeof note, "WAL, synchronous=FULL; %zu commits between the attempts",
             t_floor.n);
    row("floor: one-row commit in plain SQLite, median", floor_s * 1e3, 2, "ms", note);
    row("ratio answer / floor commit", median(t_answer.v, t_answer.n) / floor_s, 1, "x", NULL);
    snprintf(note, sizeof note, "ratio whole attempts / floor: %.1f x",
             1.0 / ((double)(per + 2) * floor_s) / ((double)n / total));
    row("floor: (items + 2) plain commits per result", 1.0 / ((double)(per + 2) * floor_s), 2,
        "results/s", note);
    *n_done = n;
    *items_per_attempt = per;
    rc = 0;
out:
    commit_floor_close(&cf, path);
    free(t_start.v);
    free(t_answer.v);
    free(t_finish.v);
    free(t_floor.v);
    return rc;
}

/* The crypto of a result without the store: serialise r, sign, seal; then
 * what central does with it (open, verify, decode). Checks that the
 * sealed size is the store's. */
static int bench_crypto(world *w, const sq_result *r, size_t store_sealed_len)
{
    const uint8_t *sign_sk = sqi_station_keys_sign_sk(w->keys);
    const uint8_t *results_pk = sq_central_results_pk(w->central);
    const double budget_s = 1.0;
    size_t ser_len = 0, sealed_len = 0;
    long n = 0, n_enc = 0, n_open = 0;
    double t0 = now_s(), t = t0;
    uint8_t *keep = NULL;
    int rc = 1;
    sq_err e;

    /* Serialise + sign + seal, as sq_attempt_finish does. */
    while (t - t0 < budget_s) {
        for (int k = 0; k < 64; k++, n++) {
            sq_buf ser;
            sqi_buf_init(&ser, SQ_RESULT_MAX);
            sqi_result_encode(r, &ser);
            size_t signed_len = ser.len + crypto_sign_BYTES;
            sealed_len = signed_len + crypto_box_SEALBYTES;
            uint8_t *signed_msg = malloc(signed_len), *sealed = malloc(sealed_len);
            if (ser.failed || !signed_msg || !sealed) {
                fprintf(stderr, "bench_core: serialising a result failed\n");
                free(signed_msg);
                free(sealed);
                sqi_buf_free(&ser);
                goto out;
            }
            crypto_sign(signed_msg, NULL, ser.p, ser.len, sign_sk);
            crypto_box_seal(sealed, signed_msg, signed_len, results_pk);
            ser_len = ser.len;
            sodium_memzero(signed_msg, signed_len);
            free(signed_msg);
            sqi_buf_free(&ser);
            free(keep);
            keep = sealed;
        }
        t = now_s();
    }
    double rate = (double)n / (t - t0);

    /* Serialising alone. */
    t0 = t = now_s();
    while (t - t0 < budget_s / 4) {
        for (int k = 0; k < 256; k++, n_enc++) {
            sq_buf ser;
            sqi_buf_init(&ser, SQ_RESULT_MAX);
            sqi_result_encode(r, &ser);
            sqi_buf_free(&ser);
        }
        t = now_s();
    }
    double enc_rate = (double)n_enc / (t - t0);

    /* Central's side: open the sealed box, check the signature, decode. */
    t0 = t = now_s();
    while (t - t0 < budget_s / 2) {
        for (int k = 0; k < 64; k++, n_open++) {
            sq_result *back = NULL;
            if (sq_result_open(keep, sealed_len, results_pk, sq_central_results_sk(w->central),
                               sq_station_keys_sign_pk(w->keys), &back, &e)) {
                failed("opening a sealed result", &e);
                goto out;
            }
            sq_result_free(back);
        }
        t = now_s();
    }
    double open_rate = (double)n_open / (t - t0);

    char note[128];
    snprintf(note, sizeof note, "%.1f us each; %zu-byte serialisation", 1e6 / rate, ser_len);
    row("pure crypto: serialise + sign + seal", rate, 0, "results/s", note);
    snprintf(note, sizeof note, "%.1f us each", 1e6 / enc_rate);
    row("  of which serialise (sqi_result_encode)", enc_rate, 0, "results/s", note);
    snprintf(note, sizeof note, "%.1f us each", 1e6 / open_rate);
    row("central: open + verify + decode", open_rate, 0, "results/s", note);
    if (sealed_len != store_sealed_len) {
        fprintf(stderr, "bench_core: a result sealed here has %zu bytes, the store's %zu\n",
                sealed_len, store_sealed_len);
        goto out;
    }
    rc = 0;
out:
    free(keep);
    return rc;
}

/* ---- c. sizes ---- */

/* Reads the sealed results from the closed store: count, sizes, and the
 * first one (caller frees *first). */
static int sealed_sizes(const char *store_path, int *count, double *avg, int *min, int *max,
                        uint8_t **first, size_t *first_len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int rc = 1;
    *first = NULL;
    if (sqlite3_open_v2(store_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT count(*), avg(length(sealed)), min(length(sealed)),"
                           " max(length(sealed)), (SELECT sealed FROM results ORDER BY seq"
                           " LIMIT 1) FROM results",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        fprintf(stderr, "bench_core: reading results from %s failed: %s\n", store_path,
                db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    *count = sqlite3_column_int(q, 0);
    *avg = sqlite3_column_double(q, 1);
    *min = sqlite3_column_int(q, 2);
    *max = sqlite3_column_int(q, 3);
    *first_len = (size_t)sqlite3_column_bytes(q, 4);
    *first = malloc(*first_len + 1);
    if (!*first || *count < 1)
        goto out;
    memcpy(*first, sqlite3_column_blob(q, 4), *first_len);
    rc = 0;
out:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rc;
}

/* Exports a batch from the open store and checks it as central would. */
static int export_batch(world *w, sq_store *s, int max_results, int *count, long long *bytes)
{
    sq_err e;
    sq_batch *b = NULL;
    uint8_t *raw = NULL;
    size_t len = 0;
    int rc = 1;
    if (sq_batch_export(s, 0, max_results, w->batch, count, &e))
        return failed("exporting a batch", &e);
    if (sqi_file_read(w->batch, SQ_BATCH_MAX_FILE, &raw, &len, &e) ||
        sq_batch_parse(raw, len, &b, &e) ||
        sq_batch_verify(b, sq_station_keys_sign_pk(w->keys), &e)) {
        failed("checking the exported batch", &e);
        goto out;
    }
    if (sq_batch_count(b) != (size_t)*count) {
        fprintf(stderr, "bench_core: the batch holds %zu results, not %d\n", sq_batch_count(b),
                *count);
        goto out;
    }
    *bytes = (long long)len;
    rc = 0;
out:
    sq_batch_free(b);
    free(raw);
    return rc;
}

/* ---- d. the store's own records ---- */

/* Lines of the audit log appended one durable commit each; the results
 * marked sent, the first half one at a time (as acknowledgements of
 * single results come back) and the rest in one call (a batch's); then
 * the store closed and opened again with all of it in it. Each beside the
 * floor commit, and beside one keyed BLAKE2b of a record of that size
 * (what a MAC over it costs at least). */
static int bench_records(world *w, sq_store **sp, const char *store_path, int n_results,
                         const options *o)
{
    sq_err e;
    samples t_audit = {0}, t_mark1 = {0}, t_open = {0}, t_check = {0}, t_floor = {0},
            t_floor_mark = {0};
    double t_batch = 0;
    int rc = 1, batch_n = 0;
    int64_t *seqs = NULL;
    char path[400], note[160];
    commit_floor cf;
    snprintf(path, sizeof path, "%s/floor-records.db", w->dir);
    if (commit_floor_open(&cf, path))
        return 1;
    for (int i = 0; i < o->audit_rows; i++) {
        double t0 = now_s();
        if (sq_tech_auditf(*sp, "bench", "export-usb", SQ_OK, &e,
                           "%d result(s) in %d batch(es) to /media/bench/USB-%04d", i % 50 + 1,
                           i % 3 + 1, i)) {
            failed("appending to the audit log", &e);
            goto out;
        }
        double t = commit_floor_once(&cf);
        if (samples_add(&t_audit, now_s() - t0) || t < 0 || samples_add(&t_floor, t))
            goto out;
    }
    seqs = calloc((size_t)n_results + 1, sizeof *seqs);
    if (!seqs)
        goto out;
    int half = n_results / 2;
    for (int i = 1; i <= half; i++) {
        int64_t seq = i;
        int marked = 0;
        double t0 = now_s();
        if (sq_batch_mark_sent(*sp, &seq, 1, &marked, &e)) {
            failed("marking a result sent", &e);
            goto out;
        }
        if (samples_add(&t_mark1, now_s() - t0) || marked != 1) {
            fprintf(stderr, "bench_core: result %d was not marked sent\n", i);
            goto out;
        }
        double t = commit_floor_once(&cf);
        if (t < 0 || samples_add(&t_floor_mark, t))
            goto out;
    }
    for (int i = half + 1; i <= n_results; i++)
        seqs[batch_n++] = i;
    if (batch_n > 0) {
        int marked = 0;
        double t0 = now_s();
        if (sq_batch_mark_sent(*sp, seqs, (size_t)batch_n, &marked, &e)) {
            failed("marking a batch sent", &e);
            goto out;
        }
        t_batch = now_s() - t0;
        if (marked != batch_n) {
            fprintf(stderr, "bench_core: %d of %d results marked sent\n", marked, batch_n);
            goto out;
        }
    }
    for (int i = 0; i < 5; i++) {
        sq_store_close(*sp);
        *sp = NULL;
        double t0 = now_s();
        if (sq_store_open(store_path, w->keys, NULL, sp, &e)) {
            failed("opening the store again", &e);
            goto out;
        }
        if (samples_add(&t_open, now_s() - t0))
            goto out;
    }
    /* The same check on demand, on the open handle (what the technician's
     * status costs beyond reading). */
    for (int i = 0; i < 5; i++) {
        sq_integrity_report r;
        double t0 = now_s();
        if (sq_chain_check(*sp, &r, &e)) {
            failed("checking the store's records", &e);
            goto out;
        }
        if (samples_add(&t_check, now_s() - t0))
            goto out;
        if (r.found.flags) {
            fprintf(stderr, "bench_core: the check found %s\n", r.text);
            goto out;
        }
    }
    /* The least a MAC over a record costs: one keyed BLAKE2b of a line's
     * bytes (about what the audit row above holds), no store. */
    uint8_t key[32], mac[32], rec[120];
    randombytes_buf(key, sizeof key);
    memset(rec, 'a', sizeof rec);
    long n_mac = 0;
    double t0 = now_s(), t_mac;
    do {
        for (int k = 0; k < 1000; k++, n_mac++) {
            crypto_generichash(mac, sizeof mac, rec, sizeof rec, key, sizeof key);
            rec[0] = mac[0];
        }
        t_mac = now_s() - t0;
    } while (t_mac < 0.2);

    double floor_s = median(t_floor.v, t_floor.n);
    heading("d. the store's own records (audit log, sent marks)");
    snprintf(note, sizeof note, "p99 %.2f ms, %zu lines, each one commit",
             percentile(t_audit.v, t_audit.n, 99) * 1e3, t_audit.n);
    row("append one line to the audit log, median", median(t_audit.v, t_audit.n) * 1e3, 2, "ms",
        note);
    if (t_mark1.n) {
        snprintf(note, sizeof note, "%zu results, one call each", t_mark1.n);
        row("mark one result sent, median", median(t_mark1.v, t_mark1.n) * 1e3, 2, "ms", note);
    }
    if (batch_n) {
        snprintf(note, sizeof note, "%.3f ms per result", t_batch * 1e3 / batch_n);
        char what[96];
        snprintf(what, sizeof what, "mark a batch of %d results sent (one call)", batch_n);
        row(what, t_batch * 1e3, 2, "ms", note);
    }
    snprintf(note, sizeof note, "%d audit lines, %d results in it; median of %zu",
             o->audit_rows, n_results, t_open.n);
    row("open the store (close, then open)", median(t_open.v, t_open.n) * 1e3, 2, "ms", note);
    snprintf(note, sizeof note, "%d audit lines, %d results; median of %zu", o->audit_rows,
             n_results, t_check.n);
    double check_s = median(t_check.v, t_check.n);
    row("check the records on demand (sq_chain_check)", check_s * 1e3, 2, "ms", note);
    row("  per line or result checked", check_s / (o->audit_rows + n_results) * 1e6, 2, "us",
        NULL);
    snprintf(note, sizeof note, "%zu commits between the lines", t_floor.n);
    row("floor: one-row commit in plain SQLite, median", floor_s * 1e3, 2, "ms", note);
    row("ratio audit line / floor commit", median(t_audit.v, t_audit.n) / floor_s, 2, "x", NULL);
    if (t_mark1.n) {
        double floor_mark_s = median(t_floor_mark.v, t_floor_mark.n);
        snprintf(note, sizeof note, "floor %.2f ms, one commit after each mark", floor_mark_s * 1e3);
        row("ratio mark one sent / floor commit", median(t_mark1.v, t_mark1.n) / floor_mark_s, 2,
            "x", note);
    }
    row("floor: keyed BLAKE2b-256 of a 120-byte record", t_mac / (double)n_mac * 1e6, 3, "us",
        NULL);
    rc = 0;
out:
    commit_floor_close(&cf, path);
    free(seqs);
    free(t_audit.v);
    free(t_mark1.v);
    free(t_open.v);
    free(t_check.v);
    free(t_floor.v);
    free(t_floor_mark.v);
    return rc;
}

/* ---- main ---- */

static int usage(FILE *f)
{
    fputs("usage: bench_core [--items N] [--seconds S] [--runs R]\n"
          "  --items N    items in the bank to import (default 10000)\n"
          "  --seconds S  time spent on whole attempts (default 8)\n"
          "  --runs R     imports and floors per median, 1..9 (default 3)\n"
          "Temp files go under $TMPDIR (default /tmp); SYNAQ_KEEP_BENCH_FILES=1 keeps them.\n",
          f);
    return f == stdout ? 0 : 2;
}

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i += 2) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            exit(usage(stdout));
        if (!val)
            return -1;
        errno = 0;
        if (!strcmp(argv[i], "--items")) {
            o->items = strtol(val, &end, 10);
            if (o->items < 1 || o->items > BANK_MAX_ITEMS)
                return -1;
        } else if (!strcmp(argv[i], "--seconds")) {
            o->seconds = strtod(val, &end);
            if (!(o->seconds >= 0 && o->seconds <= 3600))
                return -1;
        } else if (!strcmp(argv[i], "--runs")) {
            o->runs = (int)strtol(val, &end, 10);
            if (o->runs < 1 || o->runs > MAX_RUNS)
                return -1;
        } else {
            return -1;
        }
        if (errno || !end || *end)
            return -1;
    }
    if (o->draw > o->items)
        o->draw = (int)o->items;
    if (o->topics > o->items)
        o->topics = (int)o->items;
    return 0;
}

int main(int argc, char **argv)
{
    options o = {
        .items = 10000, .topics = 20, .draw = 50, .runs = 3, .seconds = 8, .batch_max = 50,
        .audit_rows = 300};
    world w;
    sq_err e;
    sq_exam_set *set = NULL;
    sq_store *s = NULL;
    sq_result *res = NULL;
    uint8_t *first = NULL;
    size_t first_len = 0;
    char store_path[400], note[160];
    int rc = 1, n_results = 0, per = 0;

    memset(&w, 0, sizeof w);
    if (parse_args(argc, argv, &o))
        return usage(stderr);
    if (sq_init(&e))
        return failed("init", &e);
    double t_all = now_s();
    printf("bench_core: libsynaq %s, SQLite %s, libsodium %s, %ld CPUs\n", sq_version(),
           sqlite3_libversion(), sodium_version_string(), sysconf(_SC_NPROCESSORS_ONLN));
    if (world_setup(&w))
        goto out;
    printf("temp folder %s: every store and fsync below happens there\n", w.dir);
    struct statfs fs;
    if (statfs(w.dir, &fs) == 0 && fs.f_type == 0x01021994) /* TMPFS_MAGIC */
        printf("note: that is tmpfs, where fsync costs nothing: set TMPDIR to a folder on the "
               "disk to measure\n");
    snprintf(store_path, sizeof store_path, "%s/station.db", w.dir);
    if (make_bundle(&w, &o, &set) || bench_import(&w, &o, set, store_path))
        goto out;

    if (sq_store_open(store_path, w.keys, NULL, &s, &e)) {
        failed("opening the store", &e);
        goto out;
    }
    if (bench_attempts(&w, s, &o, &n_results, &per))
        goto out;
    int batch_count = 0;
    long long batch_bytes = 0;
    if (export_batch(&w, s, o.batch_max, &batch_count, &batch_bytes))
        goto out;
    sq_store_close(s);
    s = NULL;

    int count = 0, min = 0, max = 0;
    double avg = 0;
    if (sealed_sizes(store_path, &count, &avg, &min, &max, &first, &first_len))
        goto out;
    if (count != n_results) {
        fprintf(stderr, "bench_core: the store holds %d results, not %d\n", count, n_results);
        goto out;
    }
    if (sq_result_open(first, first_len, sq_central_results_pk(w.central),
                       sq_central_results_sk(w.central), sq_station_keys_sign_pk(w.keys), &res,
                       &e)) {
        failed("opening a stored result at central", &e);
        goto out;
    }
    if (res->n_items != per) {
        fprintf(stderr, "bench_core: a result holds %d items, not %d\n", res->n_items, per);
        goto out;
    }
    if (bench_crypto(&w, res, first_len))
        goto out;

    char what[96];
    snprintf(what, sizeof what, "c. size of a sealed %d-item result", per);
    heading(what);
    snprintf(note, sizeof note, "min %d, max %d over %d results; results.sealed", min, max, count);
    row("sealed result in the store", avg, 0, "bytes", note);
    snprintf(note, sizeof note, "%d results, zlib, signed", batch_count);
    row("batch file", (double)batch_bytes, 0, "bytes", note);
    row("  per result in the batch", (double)batch_bytes / batch_count, 0, "bytes",
        "sealed boxes do not compress");
    if (sq_store_open(store_path, w.keys, NULL, &s, &e)) {
        failed("opening the store", &e);
        goto out;
    }
    if (bench_records(&w, &s, store_path, n_results, &o))
        goto out;
    printf("\ntotal run time %.1f s\n", now_s() - t_all);
    rc = 0;
out:
    sq_result_free(res);
    free(first);
    sq_store_close(s);
    sq_exam_set_free(set);
    world_teardown(&w);
    return rc;
}
