/*
 * test_faults.c - the fault walk, after SQLite's fault simulation. Each
 * operation that writes (an import from a stick, a tapped answer, a
 * submitted attempt, an export to a stick, reading central's
 * acknowledgements, the same pruning an old exam version, a renumbering
 * by a conflict) is run from the same
 * snapshot again and again, the Nth write or fsync failing in the Nth run
 * (N = 1, 2, ... until the operation no longer meets a failure): the
 * store's writes and syncs through a SQLite VFS shim, the library's own
 * (key files, sticks) through its hook (sqi_fault, util_int.h). Three
 * kinds of failure: one write failing (EIO) then the disk well again; the
 * disk failing from the Nth write on (EIO); the disk full from there on
 * (ENOSPC).
 *
 * After each failure:
 *   - the operation said so (a status, a message), or if it went through,
 *     its whole effect is there;
 *   - what the operation changes is either all there or not at all, read
 *     by a connection of its own: the store never holds half an import, a
 *     result without its closed attempt, a stick never holds a batch that
 *     does not verify or a manifest naming a missing file;
 *   - the store's records (sq_chain_check) hold, on the same handle;
 *   - the same handles, the disk well again, do the operation (as the
 *     kiosk would on the next tap), and its effect is the whole one;
 *   - closed and reopened, the store opens, its records hold and were
 *     never found altered, PRAGMA integrity_check and foreign_key_check
 *     are clean, and the effect is still the whole one.
 * It prints how many failure points it walked and how many broke one of
 * these.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "check.h"
#include "fixture.h"
#include "util_int.h"
#include "synaq/usb.h"

static fixture f;
static char snap_path[400], stick[400], bundle_path[400];

/* ---- the SQLite shim: every write, truncation and sync of the store's
 * files asks the hook first ---- */

typedef struct {
    sqlite3_file base;
    sqlite3_file *real; /* the unix VFS's file, right after this struct */
} shim_file;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;

static int fault_code(int io_code)
{
    return sqi_fault.err == ENOSPC ? SQLITE_FULL : io_code;
}

#define REAL(f) (((shim_file *)(f))->real)

static int shim_close(sqlite3_file *fl)
{
    return REAL(fl)->pMethods->xClose(REAL(fl));
}
static int shim_read(sqlite3_file *fl, void *p, int n, sqlite3_int64 off)
{
    return REAL(fl)->pMethods->xRead(REAL(fl), p, n, off);
}
static int shim_write(sqlite3_file *fl, const void *p, int n, sqlite3_int64 off)
{
    if (sqi_fault_now()) {
        sqi_fault.site = "SQLite xWrite";
        return fault_code(SQLITE_IOERR_WRITE);
    }
    return REAL(fl)->pMethods->xWrite(REAL(fl), p, n, off);
}
static int shim_truncate(sqlite3_file *fl, sqlite3_int64 size)
{
    if (sqi_fault_now()) {
        sqi_fault.site = "SQLite xTruncate";
        return fault_code(SQLITE_IOERR_TRUNCATE);
    }
    return REAL(fl)->pMethods->xTruncate(REAL(fl), size);
}
static long shim_syncs; /* every xSync asked for, failed or not */
static int shim_sync(sqlite3_file *fl, int flags)
{
    shim_syncs++;
    if (sqi_fault_now()) {
        sqi_fault.site = "SQLite xSync";
        return SQLITE_IOERR_FSYNC;
    }
    return REAL(fl)->pMethods->xSync(REAL(fl), flags);
}
static int shim_size(sqlite3_file *fl, sqlite3_int64 *size)
{
    return REAL(fl)->pMethods->xFileSize(REAL(fl), size);
}
static int shim_lock(sqlite3_file *fl, int l)
{
    return REAL(fl)->pMethods->xLock(REAL(fl), l);
}
static int shim_unlock(sqlite3_file *fl, int l)
{
    return REAL(fl)->pMethods->xUnlock(REAL(fl), l);
}
static int shim_reserved(sqlite3_file *fl, int *out)
{
    return REAL(fl)->pMethods->xCheckReservedLock(REAL(fl), out);
}
static int shim_control(sqlite3_file *fl, int op, void *arg)
{
    return REAL(fl)->pMethods->xFileControl(REAL(fl), op, arg);
}
static int shim_sector(sqlite3_file *fl)
{
    return REAL(fl)->pMethods->xSectorSize(REAL(fl));
}
static int shim_device(sqlite3_file *fl)
{
    return REAL(fl)->pMethods->xDeviceCharacteristics(REAL(fl));
}
static int shim_shm_map(sqlite3_file *fl, int pg, int sz, int extend, void volatile **pp)
{
    return REAL(fl)->pMethods->xShmMap(REAL(fl), pg, sz, extend, pp);
}
static int shim_shm_lock(sqlite3_file *fl, int offset, int n, int flags)
{
    return REAL(fl)->pMethods->xShmLock(REAL(fl), offset, n, flags);
}
static void shim_shm_barrier(sqlite3_file *fl)
{
    REAL(fl)->pMethods->xShmBarrier(REAL(fl));
}
static int shim_shm_unmap(sqlite3_file *fl, int del)
{
    return REAL(fl)->pMethods->xShmUnmap(REAL(fl), del);
}
static int shim_fetch(sqlite3_file *fl, sqlite3_int64 off, int n, void **pp)
{
    return REAL(fl)->pMethods->xFetch(REAL(fl), off, n, pp);
}
static int shim_unfetch(sqlite3_file *fl, sqlite3_int64 off, void *p)
{
    return REAL(fl)->pMethods->xUnfetch(REAL(fl), off, p);
}

static const sqlite3_io_methods shim_methods = {
    3,           shim_close,  shim_read,     shim_write,     shim_truncate,  shim_sync,
    shim_size,   shim_lock,   shim_unlock,   shim_reserved,  shim_control,   shim_sector,
    shim_device, shim_shm_map, shim_shm_lock, shim_shm_barrier, shim_shm_unmap, shim_fetch,
    shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *fl, int flags,
                     int *out_flags)
{
    (void)vfs;
    shim_file *sf = (shim_file *)fl;
    sf->real = (sqlite3_file *)(sf + 1);
    sf->base.pMethods = NULL;
    int rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out_flags);
    if (sf->real->pMethods) {
        if (sf->real->pMethods->iVersion < 3) {
            fprintf(stderr, "test_faults: the unix VFS gives io methods of version %d\n",
                    sf->real->pMethods->iVersion);
            abort();
        }
        sf->base.pMethods = &shim_methods;
    }
    return rc;
}

static int shim_install(void)
{
    sqlite3_initialize();
    real_vfs = sqlite3_vfs_find("unix");
    if (!real_vfs)
        return -1;
    shim_vfs = *real_vfs;
    shim_vfs.zName = "synaq-faults";
    shim_vfs.szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile;
    shim_vfs.xOpen = shim_open;
    shim_vfs.pNext = NULL;
    return sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* ---- small helpers ---- */

static void pathf(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pathf(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

static int copy_file(const char *from, const char *to)
{
    size_t len = 0;
    uint8_t *buf = fx_read(from, &len);
    int rc = buf ? fx_write(to, buf, len) : -1;
    free(buf);
    return rc;
}

static void remove_store_files(void)
{
    char p[420];
    unlink(f.db_path);
    pathf(p, sizeof p, "%s-wal", f.db_path);
    unlink(p);
    pathf(p, sizeof p, "%s-shm", f.db_path);
    unlink(p);
}

/* The store closed, its one file kept as the snapshot every run of an
 * operation starts from. */
static int take_snapshot(void)
{
    sq_store_close(f.store);
    f.store = NULL;
    char p[420];
    pathf(p, sizeof p, "%s-wal", f.db_path);
    if (access(p, F_OK) == 0) {
        fprintf(stderr, "test_faults: the store left its WAL at close\n");
        return -1;
    }
    return copy_file(f.db_path, snap_path);
}

static int restore_snapshot(void)
{
    sq_store_close(f.store);
    f.store = NULL;
    remove_store_files();
    if (copy_file(snap_path, f.db_path))
        return -1;
    return fx_reopen(&f);
}

/* One text of a query's rows (columns joined by ',', rows by ';'). */
static void query_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *q = NULL;
    size_t len = strlen(out);
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(out + len, cap - len, "[%s: %s]", sql, sqlite3_errmsg(db));
        return;
    }
    int row = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(q); c++) {
            const char *t = (const char *)sqlite3_column_text(q, c);
            len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s",
                                    c ? "," : row ? ";" : "", t ? t : "null");
            if (len >= cap)
                len = cap - 1;
        }
        row++;
    }
    sqlite3_finalize(q);
}

/* What the store holds, by a connection of its own (the plain unix VFS,
 * read-only): the rows of sql, as text. */
static void store_text(const char *sql, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    out[0] = 0;
    if (sqlite3_open_v2(f.db_path, &db, SQLITE_OPEN_READONLY, "unix") != SQLITE_OK) {
        snprintf(out, cap, "[cannot open the store: %s]", db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return;
    }
    query_text(db, sql, out, cap);
    sqlite3_close(db);
}

/* ---- the stick's state: what an export leaves ---- */

typedef struct {
    int batches, batches_bad, results, temps, others;
    int named, named_results; /* batches the manifest names, and their results */
    int uncovered;            /* batches it does not name holding a result no named one has */
    bool manifest, manifest_ok;
} stick_state;

#define LOOK_MAX 16
typedef struct {
    char name[300];
    int n;
    int64_t seqs[64];
    bool named;
} look_batch;

/* What an export left in dir: the batches that verify, the manifest's
 * word on them. A batch the manifest does not name whose results are all
 * in named ones is an older export's, left behind when the stick could
 * not confirm the new manifest: harmless (central stores each result
 * once), so it is not counted. */
static void stick_look(const char *dir, stick_state *ss)
{
    memset(ss, 0, sizeof *ss);
    look_batch lb[LOOK_MAX];
    int nb = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[1400];
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, ".."))
            continue;
        size_t n = strlen(nm);
        pathf(p, sizeof p, "%s/%s", dir, nm);
        if (nm[0] == '.') {
            ss->temps++;
        } else if (n > 8 && !strcmp(nm + n - 8, ".sqbatch")) {
            size_t len = 0;
            uint8_t *buf = fx_read(p, &len);
            sq_batch *b = NULL;
            sq_err e;
            if (buf && !sq_batch_parse(buf, len, &b, &e) &&
                !sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e) && nb < LOOK_MAX) {
                look_batch *x = &lb[nb++];
                snprintf(x->name, sizeof x->name, "%s", nm);
                x->n = (int)sq_batch_count(b);
                x->named = false;
                for (int i = 0; i < x->n && i < 64; i++) {
                    const uint8_t *sealed;
                    size_t sl;
                    sq_batch_result(b, (size_t)i, &x->seqs[i], &sealed, &sl);
                }
                ss->batches++;
                ss->results += x->n;
            } else {
                ss->batches_bad++;
            }
            sq_batch_free(b);
            free(buf);
        } else if (!strcmp(nm, "MANIFEST.sha256")) {
            ss->manifest = true;
        } else {
            ss->others++;
        }
    }
    closedir(d);
    if (ss->manifest) {
        /* Every line names a batch here whose hash it gives. */
        pathf(p, sizeof p, "%s/MANIFEST.sha256", dir);
        size_t len = 0;
        char *m = (char *)fx_read(p, &len);
        char *text = malloc(len + 1);
        if (m)
            memcpy(text, m, len);
        text[m ? len : 0] = 0;
        free(m);
        bool ok = m != NULL;
        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char hex[65], name[300];
            if (sscanf(line, "%64s  %299s", hex, name) != 2) {
                ok = false;
                continue;
            }
            char fp[1800];
            pathf(fp, sizeof fp, "%s/%s", dir, name);
            size_t fl = 0;
            uint8_t *fb = fx_read(fp, &fl);
            uint8_t h[32];
            char hh[65];
            look_batch *x = NULL;
            for (int i = 0; i < nb && !x; i++)
                if (!strcmp(lb[i].name, name))
                    x = &lb[i];
            if (!fb || !x) {
                ok = false;
                free(fb);
                continue;
            }
            crypto_hash_sha256(h, fb, fl);
            sodium_bin2hex(hh, sizeof hh, h, sizeof h);
            free(fb);
            ok = ok && strcmp(hh, hex) == 0;
            x->named = true;
            ss->named++;
            ss->named_results += x->n;
        }
        free(text);
        ss->manifest_ok = ok && ss->batches_bad == 0;
    }
    for (int i = 0; i < nb; i++) {
        if (lb[i].named)
            continue;
        bool covered = ss->manifest_ok;
        for (int k = 0; k < lb[i].n && covered; k++) {
            bool in = false;
            for (int j = 0; j < nb && !in; j++)
                for (int q = 0; lb[j].named && q < lb[j].n && !in; q++)
                    in = lb[j].seqs[q] == lb[i].seqs[k];
            covered = in;
        }
        ss->uncovered += !covered;
    }
}

/* ---- the operations ---- */

static sq_attempt *att; /* answer and submit: the attempt the kiosk holds */

typedef struct {
    const char *name;
    int (*setup)(void);   /* once: the store (and stick) before the operation */
    int (*arm)(void);     /* each run, the snapshot restored: handles, stick */
    sq_status (*run)(sq_err *e);
    void (*disarm)(void); /* handles freed */
    void (*state)(char *out, size_t cap); /* what the operation changes */
    /* Reopened: what the library reads back is the whole effect (may be
     * NULL; false with why). */
    bool (*verify)(char *why, size_t cap);
} fault_op;

static int import_exam(const char *id, int n_items)
{
    sq_err e;
    char *yaml = fx_exam_yaml(id, 1, n_items, 0);
    char path[400];
    pathf(path, sizeof path, "%s/%s.sqb", f.dir, id);
    int rc = fx_bundle(&f, yaml, path, NULL, 0);
    free(yaml);
    if (!rc && sq_import_file(f.store, path, NULL, NULL, &e)) {
        fprintf(stderr, "import %s: %s\n", id, e.msg);
        rc = -1;
    }
    return rc;
}

static int finish_attempts(int n)
{
    static int trainees;
    sq_err e;
    for (int i = 0; i < n; i++) {
        char trainee[32];
        sq_attempt *a = NULL;
        sq_outcome o;
        snprintf(trainee, sizeof trainee, "T-%d", ++trainees);
        if (sq_attempt_start(f.store, "small", trainee, "Сынақ Тест", &a, &e) ||
            sq_attempt_answer(a, 0, 1u, &e) || sq_attempt_finish(a, &o, &e)) {
            fprintf(stderr, "finish_attempts: %s\n", e.msg);
            sq_attempt_free(a);
            return -1;
        }
        sq_attempt_free(a);
    }
    return 0;
}

/* import: a bundle of 60 items on a stick, into a store holding another
 * exam already. */
static int import_setup(void)
{
    pathf(bundle_path, sizeof bundle_path, "%s/big.sqb", f.dir);
    char *yaml = fx_exam_yaml("big", 1, 60, 30);
    int rc = fx_bundle(&f, yaml, bundle_path, NULL, 0);
    free(yaml);
    return rc;
}
static int import_arm(void)
{
    char p[500];
    rm_tree(stick);
    mkdirs(stick);
    pathf(p, sizeof p, "%s/big.sqb", stick);
    return copy_file(bundle_path, p);
}
static sq_status import_run(sq_err *e)
{
    sq_usb_report r;
    return sq_usb_import(f.store, stick, NULL, &r, e);
}
static void import_state(char *out, size_t cap)
{
    store_text("SELECT (SELECT count(*) FROM exams), (SELECT count(*) FROM items),"
               " (SELECT group_concat(exam_id || ':' || n_items) FROM exams),"
               " (SELECT count(*) FROM bundles)",
               out, cap);
}

/* answer: a tap on item 3 of an attempt in progress. */
static int answer_setup(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    int rc = 0;
    if (sq_attempt_start(f.store, "small", "T-answer", "Жауап Берер", &a, &e) ||
        sq_attempt_answer(a, 0, 2u, &e)) {
        fprintf(stderr, "answer_setup: %s\n", e.msg);
        rc = -1;
    }
    sq_attempt_free(a);
    return rc;
}
static int attempt_arm(void)
{
    sq_err e;
    if (sq_attempt_resume(f.store, "small", "T-answer", &att, &e)) {
        fprintf(stderr, "attempt_arm: %s\n", e.msg);
        return -1;
    }
    return 0;
}
static sq_status answer_run(sq_err *e)
{
    return sq_attempt_answer(att, 3, 4u, e);
}
static void attempt_disarm(void)
{
    sq_attempt_free(att);
    att = NULL;
}
/* The answers are sealed (a new nonce each time): which positions have
 * one is what compares; verify reads them back. */
static void answer_state(char *out, size_t cap)
{
    store_text("SELECT pos, value IS NOT NULL, flagged FROM answers ORDER BY pos", out, cap);
}
static bool answer_verify(char *why, size_t cap)
{
    sq_err e;
    sq_attempt *a = NULL;
    sq_item_view v0, v3;
    bool ok = false;
    if (sq_attempt_resume(f.store, "small", "T-answer", &a, &e) ||
        sq_attempt_item(a, 0, SQ_LANG_KK, &v0, &e) || sq_attempt_item(a, 3, SQ_LANG_KK, &v3, &e))
        snprintf(why, cap, "the attempt: %s", e.msg);
    else if (v0.selected != 2u || v3.selected != 4u)
        snprintf(why, cap, "items 0 and 3 show %u and %u, not 2 and 4", v0.selected,
                 v3.selected);
    else
        ok = true;
    sq_attempt_free(a);
    return ok;
}

/* submit: the attempt with two answers, finished. */
static int submit_setup(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    int rc = 0;
    if (sq_attempt_start(f.store, "small", "T-answer", "Жауап Берер", &a, &e) ||
        sq_attempt_answer(a, 0, 2u, &e) || sq_attempt_answer(a, 1, 1u, &e)) {
        fprintf(stderr, "submit_setup: %s\n", e.msg);
        rc = -1;
    }
    sq_attempt_free(a);
    return rc;
}
static sq_status submit_run(sq_err *e)
{
    sq_outcome o;
    return sq_attempt_finish(att, &o, e);
}
static void submit_state(char *out, size_t cap)
{
    store_text("SELECT (SELECT group_concat(state || ':' || ifnull(result_seq, '-')) FROM attempts),"
               " (SELECT group_concat(seq) FROM results),"
               " (SELECT value FROM meta WHERE key = 'last_seq')",
               out, cap);
}

/* export: three pending results onto an empty stick. */
static char outgoing[600];
static int export_setup(void)
{
    pathf(outgoing, sizeof outgoing, "%s/synaq/st-001/outgoing", stick);
    return finish_attempts(3);
}
static int export_arm(void)
{
    rm_tree(stick);
    mkdirs(stick);
    return 0;
}
static sq_status export_run(sq_err *e)
{
    sq_usb_report r;
    return sq_usb_export(f.store, f.keys, stick, NULL, &r, e);
}
static void export_state(char *out, size_t cap)
{
    stick_state ss;
    char rows[200];
    stick_look(outgoing, &ss);
    store_text("SELECT count(*) FROM results WHERE exported_wall IS NOT NULL", rows, sizeof rows);
    snprintf(out, cap, "manifest %s naming %d batches (%d results); %d not named and not "
             "covered, %d bad, temps %d, others %d; noted %s",
             !ss.manifest ? "none" : ss.manifest_ok ? "ok" : "WRONG", ss.named, ss.named_results,
             ss.uncovered, ss.batches_bad, ss.temps, ss.others, rows);
}

/* export again: two more results onto a stick that holds an earlier
 * export of three (its batch and manifest kept aside, put back for each
 * run): the new batch replaces the old one, or the old export stays as
 * it was. */
static char kept[600];
static int copy_dir(const char *from, const char *to)
{
    DIR *d = opendir(from);
    if (!d)
        return -1;
    mkdirs(to);
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        char a[1400], b[1400];
        if (de->d_name[0] == '.')
            continue;
        pathf(a, sizeof a, "%s/%s", from, de->d_name);
        pathf(b, sizeof b, "%s/%s", to, de->d_name);
        rc |= copy_file(a, b);
    }
    closedir(d);
    return rc;
}
static int export_again_setup(void)
{
    sq_err e;
    sq_usb_report r;
    pathf(kept, sizeof kept, "%s/kept-export", f.dir);
    rm_tree(stick);
    mkdirs(stick);
    if (finish_attempts(3) || sq_usb_export(f.store, f.keys, stick, NULL, &r, &e) ||
        copy_dir(outgoing, kept) || finish_attempts(2)) {
        fprintf(stderr, "export_again_setup: %s\n", e.msg);
        return -1;
    }
    return 0;
}
static int export_again_arm(void)
{
    rm_tree(stick);
    return copy_dir(kept, outgoing);
}

/* acks and renumber: three results exported; central's word on the
 * batch on the stick (stored; or a conflict under #1, central holding up
 * to #5). */
static uint8_t *ack_bytes[2];
static size_t ack_len[2];
static int acks_setup_kind(int kind)
{
    sq_err e;
    sq_usb_report r;
    sq_free(ack_bytes[kind]);
    ack_bytes[kind] = NULL;
    rm_tree(stick);
    mkdirs(stick);
    if (finish_attempts(3) || sq_usb_export(f.store, f.keys, stick, NULL, &r, &e)) {
        fprintf(stderr, "acks_setup: %s\n", e.msg);
        return -1;
    }
    DIR *d = opendir(outgoing);
    struct dirent *de;
    char batch[1400] = "";
    while (d && (de = readdir(d)))
        if (strstr(de->d_name, ".sqbatch") && de->d_name[0] != '.')
            pathf(batch, sizeof batch, "%s/%s", outgoing, de->d_name);
    if (d)
        closedir(d);
    size_t len = 0;
    uint8_t *buf = batch[0] ? fx_read(batch, &len) : NULL;
    sq_batch *b = NULL;
    int rc = -1;
    if (!buf || sq_batch_parse(buf, len, &b, &e) ||
        sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e)) {
        fprintf(stderr, "acks_setup: no batch on the stick\n");
        goto out;
    }
    sq_ack a;
    memset(&a, 0, sizeof a);
    int64_t seqs[8];
    snprintf(a.station_id, sizeof a.station_id, "%s", sq_batch_station_id(b));
    snprintf(a.batch_id, sizeof a.batch_id, "%s", sq_batch_id(b));
    crypto_hash_sha256(a.sha256, buf, len);
    a.kind = kind;
    if (kind == SQ_ACK_STORED) {
        a.n = sq_batch_count(b);
        a.seqs = seqs;
        for (size_t i = 0; i < a.n && i < 8; i++) {
            const uint8_t *sealed;
            size_t sl;
            sq_batch_result(b, i, &seqs[i], &sealed, &sl);
        }
        a.highest = a.held_max = seqs[a.n - 1];
    } else {
        a.conflict_seq = 1;
        a.held_max = 5;
    }
    rc = sq_batch_ack_build(f.central, &a, &ack_bytes[kind], &ack_len[kind], &e) ? -1 : 0;
    if (rc)
        fprintf(stderr, "acks_setup: %s\n", e.msg);
out:
    sq_batch_free(b);
    free(buf);
    return rc;
}
static int acks_setup(void)
{
    return acks_setup_kind(SQ_ACK_STORED);
}
static int renumber_setup(void)
{
    return acks_setup_kind(SQ_ACK_CONFLICT);
}
static int acks_arm_kind(int kind)
{
    char dir[600], p[700];
    rm_tree(stick);
    pathf(dir, sizeof dir, "%s/synaq/st-001/acks", stick);
    mkdirs(dir);
    pathf(p, sizeof p, "%s/central.ack", dir);
    return fx_write(p, ack_bytes[kind], ack_len[kind]);
}
static int acks_arm(void)
{
    return acks_arm_kind(SQ_ACK_STORED);
}
static int renumber_arm(void)
{
    return acks_arm_kind(SQ_ACK_CONFLICT);
}
static sq_status acks_run(sq_err *e)
{
    sq_usb_report r;
    sq_status st = sq_usb_read_acks(f.store, f.keys, stick, &r, e);
    if (getenv("FAULTS_DEBUG"))
        fprintf(stderr, "acks: %d files, %d done, %d results, %d skipped, %d renumbered: %s\n",
                r.files, r.done, r.results, r.skipped, r.renumbered,
                r.n_notes ? r.notes[0].text : "");
    /* A refused file is a note, not a failure: say it as one here. */
    if (!st && r.skipped)
        st = sqi_seterr(e, r.notes[0].code, "%s", r.notes[0].text);
    return st;
}
static void acks_state(char *out, size_t cap)
{
    store_text("SELECT (SELECT group_concat(seq) FROM results WHERE sent_wall IS NOT NULL),"
               " (SELECT count(*) FROM sent_log),"
               " (SELECT group_concat(from_seq || '>' || wire_base) FROM seq_map)",
               out, cap);
}

/* acks that prune: a newer version of the exam came after the results
 * were exported, so the old one stays for them; their acknowledgement
 * marks them sent and prunes it, in one transaction. */
static int acks_prune_setup(void)
{
    if (acks_setup_kind(SQ_ACK_STORED))
        return -1;
    sq_err e;
    char *yaml = fx_exam_yaml("small", 2, 6, 0);
    char path[400];
    pathf(path, sizeof path, "%s/small-2.sqb", f.dir);
    int rc = fx_bundle(&f, yaml, path, NULL, 0);
    free(yaml);
    if (!rc && sq_import_file(f.store, path, NULL, NULL, &e)) {
        fprintf(stderr, "acks_prune_setup: %s\n", e.msg);
        rc = -1;
    }
    return rc;
}
static void acks_prune_state(char *out, size_t cap)
{
    store_text("SELECT (SELECT group_concat(seq) FROM results WHERE sent_wall IS NOT NULL),"
               " (SELECT count(*) FROM sent_log),"
               " (SELECT group_concat(e.version || ':' || (SELECT count(*) FROM items i"
               "   WHERE i.exam = e.id)) FROM exams e WHERE e.exam_id = 'small'),"
               " (SELECT count(*) FROM audit WHERE action = 'prune')",
               out, cap);
}

static const fault_op ops[] = {
    {"import", import_setup, import_arm, import_run, NULL, import_state, NULL},
    {"answer", answer_setup, attempt_arm, answer_run, attempt_disarm, answer_state,
     answer_verify},
    {"submit", submit_setup, attempt_arm, submit_run, attempt_disarm, submit_state, NULL},
    {"export", export_setup, export_arm, export_run, NULL, export_state, NULL},
    {"export again", export_again_setup, export_again_arm, export_run, NULL, export_state, NULL},
    {"acks", acks_setup, acks_arm, acks_run, NULL, acks_state, NULL},
    {"renumber", renumber_setup, renumber_arm, acks_run, NULL, acks_state, NULL},
    {"acks prune", acks_prune_setup, acks_arm, acks_run, NULL, acks_prune_state, NULL},
};

typedef struct {
    const char *name;
    bool persist;
    int err;
} fault_kind;

static const fault_kind kinds[] = {
    {"one write fails", false, EIO},
    {"the disk fails", true, EIO},
    {"the disk is full", true, ENOSPC},
};

/* ---- the walk ---- */

static int points_walked, points_bad, points_absorbed;

/* A failure point broke something: say what, once per point. */
static bool point_bad;
static void bad(const fault_op *op, const fault_kind *k, long n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(const fault_op *op, const fault_kind *k, long n, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s, %s at call %ld (%s): ", op->name, k->name, n,
            sqi_fault.site ? sqi_fault.site : "?");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    check_count++;
    check_failures++;
    point_bad = true;
}

static bool store_clean(const fault_op *op, const fault_kind *k, long n, const char *when)
{
    sq_err e;
    sq_integrity_report rep;
    if (sq_chain_check(f.store, &rep, &e)) {
        bad(op, k, n, "%s: the records cannot be checked: %s", when, e.msg);
        return false;
    }
    if (rep.found.flags || rep.on_record_n) {
        bad(op, k, n, "%s: the records were found altered: %s", when,
            rep.found.flags ? rep.text : rep.on_record_text);
        return false;
    }
    return true;
}

static void integrity(const fault_op *op, const fault_kind *k, long n)
{
    char out[400];
    store_text("PRAGMA integrity_check", out, sizeof out);
    if (strcmp(out, "ok") != 0)
        bad(op, k, n, "integrity_check: %s", out);
    store_text("PRAGMA foreign_key_check", out, sizeof out);
    if (out[0])
        bad(op, k, n, "foreign_key_check: %s", out);
}

/* The operation without a failure, from the snapshot: the effect it has
 * and how many writes and syncs it makes. */
static long reference(const fault_op *op, char *before, char *after, size_t cap)
{
    sq_err e;
    if (restore_snapshot() || op->arm())
        return -1;
    op->state(before, cap);
    sqi_fault = (struct sqi_fault_state){.countdown = 1L << 40};
    sq_status st = op->run(&e);
    long calls = (1L << 40) - sqi_fault.countdown;
    sqi_fault = (struct sqi_fault_state){0};
    if (op->disarm)
        op->disarm();
    if (st) {
        fprintf(stderr, "%s: fails with no fault: %s\n", op->name, e.msg);
        return -1;
    }
    op->state(after, cap);
    if (!strcmp(before, after)) {
        fprintf(stderr, "%s: changes nothing that the test looks at (%s)\n", op->name, after);
        return -1;
    }
    return calls;
}

/* One failure point: true when the operation met no failure (the walk's
 * end). */
static bool walk_point(const fault_op *op, const fault_kind *k, long n, const char *before,
                       const char *after)
{
    sq_err e;
    char now[1000];
    memset(&e, 0, sizeof e);
    point_bad = false;
    if (restore_snapshot() || op->arm()) {
        bad(op, k, n, "could not set up the run");
        return true;
    }
    sqi_fault = (struct sqi_fault_state){.countdown = n, .persist = k->persist, .err = k->err};
    sq_status st = op->run(&e);
    long hits = sqi_fault.hits;
    const char *site = sqi_fault.site;
    sqi_fault = (struct sqi_fault_state){0};
    sqi_fault.site = site;
    if (hits == 0) {
        /* No failure met: the operation is whole. */
        if (st)
            bad(op, k, n, "fails with no fault: %s", e.msg);
        if (op->disarm)
            op->disarm();
        return true;
    }
    points_walked++;
    op->state(now, sizeof now);
    if (st == SQ_OK) {
        /* It went through: its whole effect must be there. */
        points_absorbed++;
        printf("  %-12s %-18s call %ld (%s) failed and the operation went through\n", op->name,
               k->name, n, site ? site : "?");
        if (strcmp(now, after) != 0)
            bad(op, k, n, "said yes but holds '%s', not '%s'", now, after);
    } else {
        if (!e.msg[0])
            bad(op, k, n, "failed (%d) with no message", (int)st);
        if (strcmp(now, before) != 0 && strcmp(now, after) != 0)
            bad(op, k, n, "failed (%s) and left '%s': neither '%s' nor '%s'", e.msg, now,
                before, after);
    }
    store_clean(op, k, n, "on the same handle");
    /* The disk well again, the same handles do it (a second tap). */
    if (st) {
        sq_err e2;
        sq_status st2 = op->run(&e2);
        op->state(now, sizeof now);
        if (st2)
            bad(op, k, n, "does not go through once the disk is well: %s", e2.msg);
        else if (strcmp(now, after) != 0)
            bad(op, k, n, "again, holds '%s', not '%s'", now, after);
    }
    if (op->disarm)
        op->disarm();
    if (fx_reopen(&f)) {
        bad(op, k, n, "the store does not open again");
        return false;
    }
    store_clean(op, k, n, "reopened");
    integrity(op, k, n);
    op->state(now, sizeof now);
    if (strcmp(now, after) != 0)
        bad(op, k, n, "reopened, holds '%s', not '%s'", now, after);
    char why[400];
    if (op->verify && !op->verify(why, sizeof why))
        bad(op, k, n, "reopened, %s", why);
    if (point_bad)
        points_bad++;
    return false;
}

static void walk(const fault_op *op)
{
    /* A store of its own for each operation: a fresh fixture. */
    if (f.dir[0])
        fx_teardown(&f);
    if (fx_setup(&f, "st-001") || import_exam("small", 6)) {
        CHECK(!"the fixture");
        return;
    }
    pathf(snap_path, sizeof snap_path, "%s/snapshot.db", f.dir);
    pathf(stick, sizeof stick, "%s/stick", f.dir);
    pathf(outgoing, sizeof outgoing, "%s/synaq/st-001/outgoing", stick);
    if (op->setup() || take_snapshot()) {
        fprintf(stderr, "%s: set-up failed\n", op->name);
        CHECK(!"set-up");
        return;
    }
    char before[1000], after[1000];
    long calls = reference(op, before, after, sizeof before);
    CHECK(calls > 0);
    if (calls <= 0)
        return;
    for (size_t ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++) {
        int walked0 = points_walked, bad0 = points_bad;
        long n = 1;
        while (!walk_point(op, &kinds[ki], n, before, after) && n < calls + 64)
            n++;
        CHECK(n >= calls); /* every write and sync of the reference was failed once */
        printf("  %-12s %-18s %3d failure points, %d broke something\n", op->name,
               kinds[ki].name, points_walked - walked0, points_bad - bad0);
    }
    printf("  %-12s %ld writes and syncs; before '%s', after '%s'\n", op->name, calls, before,
           after);
}

/* ---- what a tap costs in fsyncs ---- */

/* Moving between items commits without an fsync (losing it in a power cut
 * only reopens an earlier item); an answer, a flag and the submission
 * each wait for one, also right after a move. Counted at the VFS: every
 * xSync of the store's files. */
static void test_syncs_per_tap(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    sq_outcome o;
    if (f.dir[0])
        fx_teardown(&f);
    if (fx_setup(&f, "st-001") || import_exam("small", 6)) {
        CHECK(!"the fixture");
        return;
    }
    CHECK_OK(sq_attempt_start(f.store, "small", "T-sync", "Синх Тест", &a, &e), &e);
    if (!a)
        return;
    long n0 = shim_syncs;
    CHECK_OK(sq_attempt_goto(a, 2, &e), &e);
    CHECK_OK(sq_attempt_goto(a, 3, &e), &e);
    CHECK_INT(0, shim_syncs - n0);
    CHECK_INT(3, sq_attempt_current(a));
    n0 = shim_syncs;
    CHECK_OK(sq_attempt_answer(a, 3, 1u, &e), &e);
    CHECK(shim_syncs - n0 >= 1);
    n0 = shim_syncs;
    CHECK_OK(sq_attempt_goto(a, 4, &e), &e);
    CHECK_INT(0, shim_syncs - n0);
    n0 = shim_syncs;
    CHECK_OK(sq_attempt_flag(a, 4, true, &e), &e);
    CHECK(shim_syncs - n0 >= 1);
    n0 = shim_syncs;
    CHECK_OK(sq_attempt_goto(a, 5, &e), &e);
    CHECK_INT(0, shim_syncs - n0);
    n0 = shim_syncs;
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    CHECK(shim_syncs - n0 >= 1);
    sq_attempt_free(a);
    /* The light moves were committed all the same: on another handle
     * (a restart) the store is whole. */
    CHECK_INT(0, fx_reopen(&f));
    sq_integrity_report ir;
    CHECK_OK(sq_chain_check(f.store, &ir, &e), &e);
    CHECK_INT(0, ir.found.flags);
}

/* A kill -9 right after a move: the attempt resumes at that item or an
 * earlier one, with every answer given. */
static void test_kill_after_goto(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    int fds[2];
    if (f.dir[0])
        fx_teardown(&f);
    if (fx_setup(&f, "st-001") || import_exam("small", 6) || pipe(fds) != 0) {
        CHECK(!"the fixture");
        return;
    }
    CHECK_OK(sq_attempt_start(f.store, "small", "T-kill", "Өлтіру Тест", &a, &e), &e);
    if (!a)
        return;
    for (int pos = 0; pos < 3; pos++) {
        CHECK_OK(sq_attempt_goto(a, pos, &e), &e);
        CHECK_OK(sq_attempt_answer(a, pos, 1u << pos, &e), &e);
    }
    sq_attempt_free(a);
    a = NULL;
    sq_store_close(f.store);
    f.store = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* The kiosk: resumes, answers item 4, moves on to 5, says so
         * and waits for the end. */
        close(fds[0]);
        if (fx_reopen(&f) || sq_attempt_resume(f.store, "small", "T-kill", &a, &e) ||
            sq_attempt_goto(a, 3, &e) || sq_attempt_answer(a, 3, 8u, &e) ||
            sq_attempt_goto(a, 5, &e))
            _exit(3);
        if (write(fds[1], "m", 1) != 1)
            _exit(4);
        for (;;)
            pause();
    }
    close(fds[1]);
    char c = 0;
    CHECK(pid > 0);
    CHECK_INT(1, pid > 0 ? read(fds[0], &c, 1) : -1);
    close(fds[0]);
    int status = 0;
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    }
    CHECK_INT(0, fx_reopen(&f));
    CHECK_OK(sq_attempt_resume(f.store, "small", "T-kill", &a, &e), &e);
    if (!a)
        return;
    CHECK(sq_attempt_current(a) <= 5);
    for (int pos = 0; pos < 4; pos++) {
        sq_item_view v;
        CHECK_OK(sq_attempt_item(a, pos, SQ_LANG_KK, &v, &e), &e);
        CHECK(v.answered);
        CHECK_INT(pos < 3 ? 1u << pos : 8u, v.selected);
    }
    sq_attempt_free(a);
}

int main(void)
{
    if (shim_install()) {
        fprintf(stderr, "test_faults: cannot register the SQLite shim\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        walk(&ops[i]);
    test_syncs_per_tap();
    test_kill_after_goto();
    fx_teardown(&f);
    for (size_t i = 0; i < 2; i++)
        sq_free(ack_bytes[i]);
    printf("faults: %d failure points walked, %d broke something, %d went through anyway\n",
           points_walked, points_bad, points_absorbed);
    return check_report("faults");
}
