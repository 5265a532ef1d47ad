/*
 * accounts.c - accounts.h on SQLite: console.db and its audit key.
 *
 * Schema: users(name, role, district, disabled, pwhash, created, changed);
 * audit(n, wall, actor, action, outcome, detail, mac) with triggers that
 * refuse UPDATE and DELETE; meta('head') = n || mac || head MAC. A line's
 * MAC: BLAKE2b-256 keyed(audit key, "SQCAUD01" || mac of line n-1 (zeros
 * before line 1) || n || wall || actor || action || outcome || detail),
 * integers as 8 bytes little-endian, strings 4-byte length-prefixed. The
 * head's MAC: keyed(audit key, "SQCHEAD1" || n || mac).
 *
 * Writes: BEGIN IMMEDIATE under the flock of "<path>-lock" (one writing
 * process at a time), with automatic checkpoints off; each writer
 * checkpoints after its commit, still under the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "accounts.h"
#include "accounts_chain.h"
#include "accounts_pg.h"
#include "cstore.h"

#define APP_ID 0x53514341 /* "SQCA" */
#define SCHEMA 1
#define MAC_LEN ACCOUNTS_MAC_LEN
#define LOCK_WAIT_MS 5000

struct accounts {
    sqlite3 *db;
    int lock_fd;
    bool readonly;
    pthread_mutex_t mu;
    uint8_t *key; /* sodium_malloc'd, 32 bytes */
    accounts_pg *pg; /* a postgresql:// URL: every call goes there (accounts_pg.c) */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, role INTEGER NOT NULL,"
    " district TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, pwhash TEXT NOT NULL,"
    " created_wall INTEGER NOT NULL, changed_wall INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit(n INTEGER PRIMARY KEY, wall INTEGER NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,"
    " mac BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

static const char *const role_names[ACCOUNTS_NROLES] = {"admin", "staff", "district"};

const char *accounts_role_name(accounts_role r)
{
    return r >= 0 && r < ACCOUNTS_NROLES ? role_names[r] : "?";
}

int accounts_role_parse(const char *s)
{
    for (int i = 0; s && i < ACCOUNTS_NROLES; i++)
        if (strcmp(s, role_names[i]) == 0)
            return i;
    return -1;
}

bool accounts_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > ACCOUNTS_NAME_MAX || s[0] == '.' || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static sq_status seterr(sq_err *err, sq_status st, const char *fmt, const char *arg)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, fmt, arg ? arg : "");
        err->code = st;
    }
    return st;
}

static sq_status sqlerr(accounts *a, int rc, const char *what, sq_err *err)
{
    sq_status st = SQ_EIO;
    int prim = rc & 0xff;
    if (prim == SQLITE_FULL)
        st = SQ_EFULL;
    else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        st = SQ_EBUSY;
    else if (prim == SQLITE_NOMEM)
        st = SQ_ENOMEM;
    else if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        st = SQ_ECORRUPT;
    else if (prim == SQLITE_READONLY)
        st = SQ_EREADONLY;
    if (err) {
        snprintf(err->msg, sizeof err->msg, "console accounts: %s: %s", what,
                 a && a->db ? sqlite3_errmsg(a->db) : sqlite3_errstr(rc));
        err->code = st;
    }
    return st;
}

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* ---- the audit key ---- */

/* ---- the writer lock ---- */

/* Takes the cross-process writer lock, waiting at most LOCK_WAIT_MS: a
 * stuck peer becomes a message, not a hang. */
static sq_status lock_take(accounts *a, sq_err *err)
{
    for (int waited_ms = 0;; waited_ms += 10) {
        if (flock(a->lock_fd, LOCK_EX | LOCK_NB) == 0)
            return SQ_OK;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return seterr(err, SQ_EIO, "console accounts: cannot lock: %s", strerror(errno));
        if (waited_ms >= LOCK_WAIT_MS)
            return seterr(err, SQ_EBUSY,
                          "console accounts: another process held console.db for writing for "
                          "%s; try again",
                          "5 s");
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void lock_give(accounts *a)
{
    flock(a->lock_fd, LOCK_UN);
}

static sq_status begin(accounts *a, sq_err *err)
{
    if (a->readonly)
        return seterr(err, SQ_EREADONLY, "console accounts: opened read-only%s", NULL);
    sq_status st = lock_take(a, err);
    if (st)
        return st;
    int rc = sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        lock_give(a);
        return sqlerr(a, rc, "starting a write", err);
    }
    return SQ_OK;
}

/* Commits (or, st != SQ_OK, rolls back), checkpoints under the lock, and
 * gives the lock back. Returns st, or the commit's failure. */
static sq_status end(accounts *a, sq_status st, sq_err *err)
{
    if (st == SQ_OK) {
        int rc = sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            st = sqlerr(a, rc, "committing", err);
    }
    if (st != SQ_OK)
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    else
        sqlite3_wal_checkpoint_v2(a->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    lock_give(a);
    return st;
}

/* ---- open, close ---- */

sq_status accounts_open(const char *db_path, const char *key_path, bool readonly, accounts **out,
                        sq_err *err)
{
    sq_status st = SQ_OK;
    int rc;
    *out = NULL;
    accounts *a = calloc(1, sizeof *a);
    if (!a)
        return seterr(err, SQ_ENOMEM, "out of memory%s", NULL);
    a->lock_fd = -1;
    a->readonly = readonly;
    pthread_mutex_init(&a->mu, NULL);
    if (cstore_is_url(db_path)) {
        if ((st = accounts_pg_open(db_path, key_path, readonly, &a->pg, err)))
            goto fail;
        *out = a;
        return SQ_OK;
    }
    bool exists = access(db_path, F_OK) == 0;
    if (readonly && !exists) {
        st = seterr(err, SQ_ENOTFOUND, "console accounts: %s does not exist (no user added yet)",
                    db_path);
        goto fail;
    }
    if (!readonly) {
        char lock_path[4200];
        snprintf(lock_path, sizeof lock_path, "%s-lock", db_path);
        a->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (a->lock_fd < 0) {
            st = seterr(err, SQ_EIO, "console accounts: cannot open %s", lock_path);
            goto fail;
        }
    }
    if ((st = accounts_key_load(&a->key, key_path, !readonly && !exists, err)))
        goto fail;
    if (!exists) {
        /* Password hashes: readable by central's own user only (SQLite
         * gives its -wal and -shm files the database's mode). */
        int fd = open(db_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
    }
    rc = sqlite3_open_v2(
        db_path, &a->db,
        readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        st = sqlerr(a, rc, "opening", err);
        goto fail;
    }
    sqlite3_busy_timeout(a->db, LOCK_WAIT_MS);
    /* Checkpoints happen under the writer lock only (end, close), never
     * as a side effect of closing. */
    sqlite3_db_config(a->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    int64_t app = pragma_int(a->db, "PRAGMA application_id");
    int64_t tables = pragma_int(a->db, "SELECT count(*) FROM sqlite_master");
    if (app < 0 || tables < 0 || (app != APP_ID && (app != 0 || tables > 0)) ||
        (readonly && app != APP_ID)) {
        st = seterr(err, SQ_ECORRUPT, "console accounts: %s is not the console's store", db_path);
        goto fail;
    }
    if (pragma_int(a->db, "PRAGMA user_version") > SCHEMA) {
        st =
            seterr(err, SQ_ESTATE,
                   "console accounts: %s is of a newer schema; use a newer synaq-central", db_path);
        goto fail;
    }
    if (readonly) {
        *out = a;
        return SQ_OK;
    }
    if ((rc = sqlite3_exec(a->db,
                           "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                           " PRAGMA wal_autocheckpoint = 0;",
                           NULL, NULL, NULL)) != SQLITE_OK) {
        st = sqlerr(a, rc, "setting up", err);
        goto fail;
    }
    if (app != APP_ID) {
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;", APP_ID,
                 SCHEMA);
        if ((st = begin(a, err)))
            goto fail;
        rc = sqlite3_exec(a->db, schema, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(a->db, sql, NULL, NULL, NULL);
        if ((st = end(a, rc == SQLITE_OK ? SQ_OK : sqlerr(a, rc, "creating the tables", err), err)))
            goto fail;
    }
    *out = a;
    return SQ_OK;
fail:
    accounts_close(a);
    return st;
}

void accounts_close(accounts *a)
{
    if (!a)
        return;
    accounts_pg_close(a->pg);
    if (a->db) {
        if (!a->readonly && lock_take(a, NULL) == SQ_OK) {
            sqlite3_wal_checkpoint_v2(a->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
            sqlite3_close(a->db);
            a->db = NULL;
            lock_give(a);
        }
        sqlite3_close(a->db);
    }
    if (a->lock_fd >= 0)
        close(a->lock_fd);
    sodium_free(a->key);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* ---- the audit chain ---- */

/* The head: the last line's number and MAC. *n 0 when the log is empty.
 * SQ_ECORRUPT when the head does not check out. */
static sq_status head_get(accounts *a, int64_t *n, uint8_t mac[MAC_LEN], sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_status st = SQ_OK;
    *n = 0;
    memset(mac, 0, MAC_LEN);
    int rc = sqlite3_prepare_v2(a->db, "SELECT v FROM meta WHERE k = 'head'", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sqlerr(a, rc, "reading the audit head", err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const uint8_t *v = sqlite3_column_blob(q, 0);
        st = accounts_head_read(a->key, v, v ? (size_t)sqlite3_column_bytes(q, 0) : 0, n, mac, err);
    } else if (rc != SQLITE_DONE) {
        st = sqlerr(a, rc, "reading the audit head", err);
    } else if (pragma_int(a->db, "SELECT count(*) FROM audit") != 0) {
        st = seterr(err, SQ_ECORRUPT, "console audit: lines but no head%s", NULL);
    }
    sqlite3_finalize(q);
    return st;
}

/* Appends inside the caller's transaction. */
static sq_status append_in_tx(accounts *a, const accounts_audit *l, sq_err *err)
{
    int64_t n;
    uint8_t prev[MAC_LEN], mac[MAC_LEN], head[ACCOUNTS_HEAD_LEN];
    sq_status st = head_get(a, &n, prev, err);
    if (st)
        return st;
    /* The head must name the last line: a log cut off at its end, or a
     * line slipped in after it, is not continued silently. */
    if (pragma_int(a->db, "SELECT coalesce(max(n), 0) FROM audit") != n)
        return seterr(err, SQ_ECORRUPT,
                      "console audit: the log's end does not match its head (lines removed or "
                      "added%s); run `synaq-central user audit`",
                      NULL);
    n++;
    accounts_line_mac(a->key, prev, n, l, mac);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(a->db,
                                "INSERT INTO audit(n, wall, actor, action, outcome, detail, mac)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, n);
        sqlite3_bind_int64(q, 2, l->wall_s);
        sqlite3_bind_text(q, 3, l->actor ? l->actor : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, l->action ? l->action : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, l->outcome ? l->outcome : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, l->detail ? l->detail : "", -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 7, mac, MAC_LEN, SQLITE_STATIC);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(a->db);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK)
        return sqlerr(a, rc, "appending to the audit log", err);
    accounts_head_make(a->key, n, mac, head);
    rc = sqlite3_prepare_v2(a->db, "INSERT OR REPLACE INTO meta(k, v) VALUES ('head', ?)", -1, &q,
                            NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_blob(q, 1, head, sizeof head, SQLITE_STATIC);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(a->db);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_OK ? SQ_OK : sqlerr(a, rc, "moving the audit head", err);
}

sq_status accounts_audit_append(accounts *a, const accounts_audit *line, sq_err *err)
{
    if (a->pg)
        return accounts_pg_audit_append(a->pg, line, err);
    pthread_mutex_lock(&a->mu);
    sq_status st = begin(a, err);
    if (!st)
        st = end(a, append_in_tx(a, line, err), err);
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_audit_each(accounts *a, accounts_audit_fn fn, void *ctx, sq_err *err)
{
    if (a->pg)
        return accounts_pg_audit_each(a->pg, fn, ctx, err);
    sqlite3_stmt *q = NULL;
    pthread_mutex_lock(&a->mu);
    int rc = sqlite3_prepare_v2(a->db,
                                "SELECT n, wall, actor, action, outcome, detail FROM audit"
                                " ORDER BY n",
                                -1, &q, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        accounts_audit l = {sqlite3_column_int64(q, 1), (const char *)sqlite3_column_text(q, 2),
                            (const char *)sqlite3_column_text(q, 3),
                            (const char *)sqlite3_column_text(q, 4),
                            (const char *)sqlite3_column_text(q, 5)};
        if (fn(ctx, sqlite3_column_int64(q, 0), &l)) {
            rc = SQLITE_DONE;
            break;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    sq_status st = rc == SQLITE_DONE ? SQ_OK : sqlerr(a, rc, "reading the audit log", err);
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_audit_check(accounts *a, int64_t *lines, int64_t *first_bad, sq_err *err)
{
    if (a->pg)
        return accounts_pg_audit_check(a->pg, lines, first_bad, err);
    sqlite3_stmt *q = NULL;
    int64_t head_n, expect = 1, bad = 0;
    uint8_t head[MAC_LEN], prev[MAC_LEN] = {0};
    char why[200] = "";
    *lines = 0;
    *first_bad = 0;
    pthread_mutex_lock(&a->mu);
    /* One read transaction, so a line appended meanwhile is not half seen. */
    sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL);
    sq_status st = head_get(a, &head_n, head, err);
    int rc = SQLITE_OK;
    if (st)
        goto out;
    rc = sqlite3_prepare_v2(a->db,
                            "SELECT n, wall, actor, action, outcome, detail, mac FROM audit"
                            " ORDER BY n",
                            -1, &q, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(q, 0);
        accounts_audit l = {sqlite3_column_int64(q, 1), (const char *)sqlite3_column_text(q, 2),
                            (const char *)sqlite3_column_text(q, 3),
                            (const char *)sqlite3_column_text(q, 4),
                            (const char *)sqlite3_column_text(q, 5)};
        const void *m = sqlite3_column_blob(q, 6);
        uint8_t want[MAC_LEN];
        rc = SQLITE_OK;
        if (n != expect) {
            bad = expect;
            snprintf(why, sizeof why, "line %lld is missing (the next is %lld)", (long long)expect,
                     (long long)n);
            break;
        }
        accounts_line_mac(a->key, prev, n, &l, want);
        if (sqlite3_column_bytes(q, 6) != MAC_LEN || !m || sodium_memcmp(want, m, MAC_LEN)) {
            bad = n;
            snprintf(why, sizeof why, "line %lld was changed (or a line before it)", (long long)n);
            break;
        }
        memcpy(prev, want, MAC_LEN);
        (*lines)++;
        expect++;
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        st = sqlerr(a, rc, "reading the audit log", err);
        goto out;
    }
    if (!bad && (*lines != head_n || (head_n && sodium_memcmp(prev, head, MAC_LEN)))) {
        bad = *lines + 1;
        snprintf(why, sizeof why, "the head names line %lld but the log ends at line %lld",
                 (long long)head_n, (long long)*lines);
    }
    if (bad) {
        *first_bad = bad;
        st = seterr(err, SQ_ECORRUPT, "console audit: %s", why);
    }
out:
    sqlite3_finalize(q);
    sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
    pthread_mutex_unlock(&a->mu);
    return st;
}

/* ---- users ---- */

static void row_user(sqlite3_stmt *q, accounts_user *u)
{
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(q, 0));
    u->role = (accounts_role)sqlite3_column_int(q, 1);
    snprintf(u->district, sizeof u->district, "%s", (const char *)sqlite3_column_text(q, 2));
    u->disabled = sqlite3_column_int(q, 3) != 0;
    snprintf(u->pwhash, sizeof u->pwhash, "%s", (const char *)sqlite3_column_text(q, 4));
    u->created_wall_s = sqlite3_column_int64(q, 5);
    u->changed_wall_s = sqlite3_column_int64(q, 6);
}

#define USER_COLUMNS "name, role, district, disabled, pwhash, created_wall, changed_wall"

static sq_status get_locked(accounts *a, const char *name, accounts_user *u, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(a->db, "SELECT " USER_COLUMNS " FROM users WHERE name = ?", -1, &q,
                                NULL);
    sq_status st = SQ_OK;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
    }
    if (rc == SQLITE_ROW)
        row_user(q, u);
    else if (rc == SQLITE_DONE)
        st = seterr(err, SQ_ENOTFOUND, "no user '%s'", name);
    else
        st = sqlerr(a, rc, "reading a user", err);
    sqlite3_finalize(q);
    return st;
}

sq_status accounts_user_get(accounts *a, const char *name, accounts_user *u, sq_err *err)
{
    if (a->pg)
        return accounts_pg_user_get(a->pg, name, u, err);
    pthread_mutex_lock(&a->mu);
    sq_status st = get_locked(a, name, u, err);
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_user_add(accounts *a, const accounts_user *u, const accounts_audit *why,
                            sq_err *err)
{
    if (!accounts_name_valid(u->name) || u->role < 0 || u->role >= ACCOUNTS_NROLES ||
        (u->role == ACCOUNTS_DISTRICT) != (u->district[0] != 0) || !u->pwhash[0])
        return seterr(err, SQ_EINVAL, "console accounts: '%s' is not a valid account", u->name);
    if (a->pg)
        return accounts_pg_user_add(a->pg, u, why, err);
    pthread_mutex_lock(&a->mu);
    sq_status st = begin(a, err);
    if (st)
        goto out;
    accounts_user old;
    st = get_locked(a, u->name, &old, NULL);
    if (st == SQ_OK) {
        st = seterr(err, SQ_EEXIST, "a user '%s' exists already", u->name);
    } else if (st == SQ_ENOTFOUND) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(
            a->db, "INSERT INTO users(" USER_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &q,
            NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(q, 1, u->name, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 2, (int)u->role);
            sqlite3_bind_text(q, 3, u->district, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 4, u->disabled);
            sqlite3_bind_text(q, 5, u->pwhash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 6, u->created_wall_s);
            sqlite3_bind_int64(q, 7, u->changed_wall_s);
            rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(a->db);
        }
        sqlite3_finalize(q);
        st = rc == SQLITE_OK ? append_in_tx(a, why, err) : sqlerr(a, rc, "adding a user", err);
    }
    st = end(a, st, err);
out:
    pthread_mutex_unlock(&a->mu);
    return st;
}

/* UPDATE users SET <column> = value (text or int), changed = why's time. */
static sq_status update(accounts *a, const char *name, const char *sql, const char *text, int ival,
                        const accounts_audit *why, sq_err *err)
{
    pthread_mutex_lock(&a->mu);
    sq_status st = begin(a, err);
    if (st)
        goto out;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(a->db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) {
        if (text)
            sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int(q, 1, ival);
        sqlite3_bind_int64(q, 2, why->wall_s);
        sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(a->db);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK)
        st = sqlerr(a, rc, "changing a user", err);
    else if (sqlite3_changes(a->db) != 1)
        st = seterr(err, SQ_ENOTFOUND, "no user '%s'", name);
    else
        st = append_in_tx(a, why, err);
    st = end(a, st, err);
out:
    pthread_mutex_unlock(&a->mu);
    return st;
}

sq_status accounts_user_set_hash(accounts *a, const char *name, const char *pwhash,
                                 const accounts_audit *why, sq_err *err)
{
    if (a->pg)
        return accounts_pg_user_set_hash(a->pg, name, pwhash, why, err);
    return update(a, name, "UPDATE users SET pwhash = ?1, changed_wall = ?2 WHERE name = ?3",
                  pwhash, 0, why, err);
}

sq_status accounts_user_set_disabled(accounts *a, const char *name, bool disabled,
                                     const accounts_audit *why, sq_err *err)
{
    if (a->pg)
        return accounts_pg_user_set_disabled(a->pg, name, disabled, why, err);
    return update(a, name, "UPDATE users SET disabled = ?1, changed_wall = ?2 WHERE name = ?3",
                  NULL, disabled, why, err);
}

sq_status accounts_user_each(accounts *a, accounts_user_fn fn, void *ctx, sq_err *err)
{
    if (a->pg)
        return accounts_pg_user_each(a->pg, fn, ctx, err);
    sqlite3_stmt *q = NULL;
    pthread_mutex_lock(&a->mu);
    int rc =
        sqlite3_prepare_v2(a->db, "SELECT " USER_COLUMNS " FROM users ORDER BY name", -1, &q, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        accounts_user u;
        row_user(q, &u);
        if (fn(ctx, &u)) {
            rc = SQLITE_DONE;
            break;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    sq_status st = rc == SQLITE_DONE ? SQ_OK : sqlerr(a, rc, "reading the users", err);
    pthread_mutex_unlock(&a->mu);
    return st;
}

/* ---- the copy (migrate-store) ---- */

typedef struct {
    accounts_user *users;
    size_t n_users, cap_users;
    accounts_audit *lines;
    size_t n_lines, cap_lines;
    bool nomem;
} copy_buf;

static int copy_user(void *ctx, const accounts_user *u)
{
    copy_buf *b = ctx;
    if (b->n_users == b->cap_users) {
        size_t cap = b->cap_users ? 2 * b->cap_users : 16;
        accounts_user *v = realloc(b->users, cap * sizeof *v);
        if (!v) {
            b->nomem = true;
            return 1;
        }
        b->users = v;
        b->cap_users = cap;
    }
    b->users[b->n_users++] = *u;
    return 0;
}

static int copy_line(void *ctx, int64_t n, const accounts_audit *l)
{
    copy_buf *b = ctx;
    (void)n;
    if (b->n_lines == b->cap_lines) {
        size_t cap = b->cap_lines ? 2 * b->cap_lines : 64;
        accounts_audit *v = realloc(b->lines, cap * sizeof *v);
        if (!v) {
            b->nomem = true;
            return 1;
        }
        b->lines = v;
        b->cap_lines = cap;
    }
    accounts_audit *d = &b->lines[b->n_lines];
    d->wall_s = l->wall_s;
    d->actor = strdup(l->actor ? l->actor : "");
    d->action = strdup(l->action ? l->action : "");
    d->outcome = strdup(l->outcome ? l->outcome : "");
    d->detail = strdup(l->detail ? l->detail : "");
    b->n_lines++;
    if (!d->actor || !d->action || !d->outcome || !d->detail) {
        b->nomem = true;
        return 1;
    }
    return 0;
}

sq_status accounts_copy(accounts *from, accounts *to, int64_t *users, int64_t *lines, sq_err *err)
{
    copy_buf b = {0};
    int64_t checked = 0, bad = 0, got = 0;
    *users = *lines = 0;
    if (!to->pg)
        return seterr(err, SQ_EINVAL, "console accounts: copied into PostgreSQL only%s", NULL);
    sq_status st = accounts_audit_check(from, &checked, &bad, err);
    if (!st && !(st = accounts_user_each(from, copy_user, &b, err)) && !b.nomem)
        st = accounts_audit_each(from, copy_line, &b, err);
    if (!st && b.nomem)
        st = seterr(err, SQ_ENOMEM, "out of memory%s", NULL);
    if (!st && (int64_t)b.n_lines != checked)
        st = seterr(err, SQ_ECORRUPT, "console audit: the log changed while it was read%s", NULL);
    if (!st)
        st = accounts_pg_copy_in(to->pg, b.users, b.n_users, b.lines, b.n_lines, err);
    if (!st && !(st = accounts_audit_check(to, &got, &bad, err)) && got != checked)
        st = seterr(err, SQ_ECORRUPT, "console audit: the copy does not read back the same%s",
                    NULL);
    if (!st) {
        *users = (int64_t)b.n_users;
        *lines = got;
    }
    for (size_t i = 0; i < b.n_lines; i++) {
        free((char *)b.lines[i].actor);
        free((char *)b.lines[i].action);
        free((char *)b.lines[i].outcome);
        free((char *)b.lines[i].detail);
    }
    free(b.lines);
    if (b.users)
        sodium_memzero(b.users, b.cap_users * sizeof *b.users);
    free(b.users);
    return st;
}
