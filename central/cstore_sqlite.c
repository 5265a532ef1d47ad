/*
 * cstore_sqlite.c - central's result store on SQLite (see cstore.h), the
 * default backend: results.db in central's home, WAL with
 * synchronous=FULL, written by one process (the receiver) under an
 * exclusive lock on "results.db-lock", and inside it by one thread at a
 * time under the handle's mutex. cstore_front.c picks it for any path that
 * is not a PostgreSQL URL.
 *
 * Load: at 10^4 stations a few results per station per hour, in batches
 * of a few dozen: a handful of small transactions a second, each one
 * fsync. The statements are prepared once per handle (the fsync is left).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "cstore_int.h"

/* "SQCR": marks the file as a Synaq central result store. */
#define CSTORE_APP_ID 0x53514352
#define CSTORE_SCHEMA 5

/* The statements of the store. Each is prepared once per handle, on its
 * first use, and finalized at close: prepared anew for every result they
 * were a third of the receiver's CPU. After each use a statement is reset
 * and its bindings cleared, so none holds a read transaction open, or a
 * pointer to the caller's bytes, between calls. */
#define HB_COLUMNS                                                                                 \
    "station_id, received_wall, software, content, pending, oldest_pending_s,"                     \
    " disk_free_bytes, station_wall_s, last_seq, counter, integrity"

enum {
    Q_BATCH_GET,
    Q_BATCH_SHA,
    Q_BATCH_PUT,
    Q_RESULT_GET,
    Q_RESULT_HAS,
    Q_RESULT_MAX,
    Q_RESULT_PUT,
    Q_RESULT_EACH,
    Q_PROGRESS_GET,
    Q_PROGRESS_PUT,
    Q_HB_COUNTER,
    Q_HB_PUT,
    Q_HB_LATEST_PUT,
    Q_HB_LATEST_GET,
    Q_HB_EACH,
    Q_HB_PRUNE,
    Q_STICK_PUT,
    Q_STICK_GET,
    Q_COUNT
};

static const char *const statement_sql[Q_COUNT] = {
    [Q_BATCH_GET] = "SELECT sha256, station_id FROM batches WHERE batch_id = ?",
    [Q_BATCH_SHA] = "SELECT sha256 FROM batches WHERE batch_id = ?",
    [Q_BATCH_PUT] = "INSERT INTO batches(batch_id, station_id, sha256, len_bytes, n_results,"
                    " received_wall) VALUES (?, ?, ?, ?, ?, ?)",
    [Q_RESULT_GET] = "SELECT sealed FROM results WHERE station_id = ? AND seq = ?",
    [Q_RESULT_HAS] = "SELECT 1 FROM results WHERE station_id = ? AND seq = ?",
    [Q_RESULT_MAX] = "SELECT max(seq) FROM results WHERE station_id = ?",
    /* Nothing when the seq is held already: the caller then compares. */
    [Q_RESULT_PUT] = "INSERT INTO results(station_id, seq, sealed, batch_id, received_wall)"
                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT(station_id, seq) DO NOTHING",
    [Q_RESULT_EACH] =
        "SELECT station_id, seq, sealed, batch_id, received_wall FROM results"
        " WHERE (?1 IS NULL OR station_id = ?1) AND seq > ?2 ORDER BY station_id, seq",
    [Q_PROGRESS_GET] = "SELECT highest FROM progress WHERE station_id = ?",
    [Q_PROGRESS_PUT] = "INSERT INTO progress(station_id, highest) VALUES (?, ?)"
                       " ON CONFLICT(station_id) DO UPDATE SET highest = excluded.highest",
    [Q_HB_COUNTER] = "SELECT counter FROM heartbeat_latest WHERE station_id = ?",
    [Q_HB_PUT] = "INSERT INTO heartbeats(station_id, received_wall, software, content, pending,"
                 " oldest_pending_s, disk_free_bytes, station_wall_s, last_seq, counter,"
                 " integrity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [Q_HB_LATEST_PUT] =
        "INSERT INTO heartbeat_latest(station_id, heartbeat_id, received_wall, software,"
        " content, pending, oldest_pending_s, disk_free_bytes, station_wall_s,"
        " last_seq, counter, integrity) SELECT station_id, id, received_wall, software,"
        " content, pending, oldest_pending_s, disk_free_bytes, station_wall_s,"
        " last_seq, counter, integrity FROM heartbeats WHERE id = ?1 AND true"
        " ON CONFLICT(station_id) DO UPDATE SET heartbeat_id = excluded.heartbeat_id,"
        " received_wall = excluded.received_wall, software = excluded.software,"
        " content = excluded.content, pending = excluded.pending,"
        " oldest_pending_s = excluded.oldest_pending_s,"
        " disk_free_bytes = excluded.disk_free_bytes,"
        " station_wall_s = excluded.station_wall_s, last_seq = excluded.last_seq,"
        " counter = excluded.counter, integrity = excluded.integrity",
    [Q_HB_LATEST_GET] = "SELECT " HB_COLUMNS " FROM heartbeat_latest WHERE station_id = ?",
    [Q_HB_EACH] = "SELECT " HB_COLUMNS " FROM heartbeats WHERE station_id = ? ORDER BY id",
    [Q_HB_PRUNE] = CSTORE_HB_PRUNE_SQL("?1", "?2", "?3", "?4"),
    /* The newest time a stick carried the station in, never moved back. */
    [Q_STICK_PUT] = "INSERT INTO stick_latest(station_id, received_wall, batch_id)"
                    " VALUES (?1, ?2, ?3) ON CONFLICT(station_id) DO UPDATE SET"
                    " received_wall = excluded.received_wall, batch_id = excluded.batch_id"
                    " WHERE excluded.received_wall >= stick_latest.received_wall",
    [Q_STICK_GET] = "SELECT received_wall FROM stick_latest WHERE station_id = ?",
};

/* An upload waiting in the group-commit queue (sl_put_upload). */
typedef struct put_wait {
    const cstore_upload *up;
    cstore_ack *ack;
    sq_err *err;
    sq_status st;
    bool done;
    struct put_wait *next;
} put_wait;

typedef struct sqlite_store {
    struct cstore base; /* first: the front calls through base.ops */
    sqlite3 *db;
    int lock_fd;
    bool readonly;
    pthread_mutex_t mu;
    sqlite3_stmt *stmt[Q_COUNT]; /* prepared on first use; NULL before */
    /* Group commit: uploads waiting for the next group, and whether a
     * group is being stored now (all under qmu). */
    pthread_mutex_t qmu;
    pthread_cond_t qdone;
    put_wait *qhead, **qtail;
    bool storing;
    /* A load's inserts (cstore_copy.c), one per table, prepared on the
     * table's first row and finalized by load_done / load_end. */
    sqlite3_stmt *load[CSTORE_N_TABLES];
} sqlite_store;

static const cstore_ops sqlite_ops;

static const char *schema =
    "CREATE TABLE IF NOT EXISTS batches(batch_id TEXT PRIMARY KEY, station_id TEXT NOT NULL,"
    " sha256 BLOB NOT NULL, len_bytes INTEGER NOT NULL, n_results INTEGER NOT NULL,"
    " received_wall INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS results(station_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    " sealed BLOB NOT NULL, batch_id TEXT NOT NULL, received_wall INTEGER NOT NULL,"
    " PRIMARY KEY(station_id, seq));"
    "CREATE TABLE IF NOT EXISTS progress(station_id TEXT PRIMARY KEY,"
    " highest INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS heartbeats(id INTEGER PRIMARY KEY, station_id TEXT NOT NULL,"
    " received_wall INTEGER NOT NULL, software TEXT NOT NULL, content TEXT NOT NULL,"
    " pending INTEGER NOT NULL, oldest_pending_s INTEGER NOT NULL,"
    " disk_free_bytes INTEGER NOT NULL, station_wall_s INTEGER NOT NULL,"
    " last_seq INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS heartbeats_station ON heartbeats(station_id, id);"
    /* The latest heartbeat per station, so fleet health reads one row per
     * station instead of scanning the history. */
    "CREATE TABLE IF NOT EXISTS heartbeat_latest(station_id TEXT PRIMARY KEY,"
    " heartbeat_id INTEGER NOT NULL, received_wall INTEGER NOT NULL, software TEXT NOT NULL,"
    " content TEXT NOT NULL, pending INTEGER NOT NULL, oldest_pending_s INTEGER NOT NULL,"
    " disk_free_bytes INTEGER NOT NULL, station_wall_s INTEGER NOT NULL,"
    " last_seq INTEGER NOT NULL);";

/* Each takes the schema from version i + 1 to i + 2 (the tables above are
 * version 1). */
static const char *const migrations[] = {
    /* 1 -> 2: heartbeats carry a counter that only grows (a replayed one
     * is refused) and what the station's store found of tampering. */
    "ALTER TABLE heartbeats ADD COLUMN counter INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE heartbeats ADD COLUMN integrity INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE heartbeat_latest ADD COLUMN counter INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE heartbeat_latest ADD COLUMN integrity INTEGER NOT NULL DEFAULT 0;",
    /* 2 -> 3: when a stick last carried each station in (ingest), apart
     * from its heartbeats, which only the network brings. */
    "CREATE TABLE stick_latest(station_id TEXT PRIMARY KEY, received_wall INTEGER NOT NULL,"
    " batch_id TEXT NOT NULL);",
    /* 3 -> 4: on PostgreSQL, the station registry's tables; here nothing
     * (the registry is central.db), so that the two keep one numbering. */
    "",
    /* 4 -> 5: the results per station, and per station and quarter of an
     * hour (central's clock), kept by triggers on every write, so that
     * the console's Overview counts all results from a row a station and
     * today's and the week's from the last days' quarters, instead of
     * every result (console/stats.c). On PostgreSQL also the console's
     * accounts and audit (here console.db). */
    "CREATE TABLE results_by_station(station_id TEXT PRIMARY KEY, n INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "INSERT INTO results_by_station SELECT station_id, count(*) FROM results GROUP BY 1;"
    "CREATE TABLE results_by_quarter(station_id TEXT NOT NULL, quarter INTEGER NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(quarter, station_id)) WITHOUT ROWID;"
    "INSERT INTO results_by_quarter SELECT station_id, received_wall / 900, count(*)"
    " FROM results GROUP BY 1, 2;"
    "CREATE TRIGGER results_by_quarter_add AFTER INSERT ON results BEGIN"
    " INSERT INTO results_by_quarter(station_id, quarter, n)"
    " VALUES (new.station_id, new.received_wall / 900, 1)"
    " ON CONFLICT (quarter, station_id) DO UPDATE SET n = n + 1;"
    " INSERT INTO results_by_station(station_id, n) VALUES (new.station_id, 1)"
    " ON CONFLICT (station_id) DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER results_by_quarter_move AFTER UPDATE OF station_id, received_wall ON results"
    " BEGIN UPDATE results_by_quarter SET n = n - 1"
    " WHERE station_id = old.station_id AND quarter = old.received_wall / 900;"
    " INSERT INTO results_by_quarter(station_id, quarter, n)"
    " VALUES (new.station_id, new.received_wall / 900, 1)"
    " ON CONFLICT (quarter, station_id) DO UPDATE SET n = n + 1;"
    " UPDATE results_by_station SET n = n - 1 WHERE station_id = old.station_id;"
    " INSERT INTO results_by_station(station_id, n) VALUES (new.station_id, 1)"
    " ON CONFLICT (station_id) DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER results_by_quarter_del AFTER DELETE ON results BEGIN"
    " UPDATE results_by_quarter SET n = n - 1"
    " WHERE station_id = old.station_id AND quarter = old.received_wall / 900;"
    " UPDATE results_by_station SET n = n - 1 WHERE station_id = old.station_id; END;",
};

static sq_status sqlerr(sqlite_store *cs, int rc, const char *what, sq_err *err)
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
        snprintf(err->msg, sizeof err->msg, "result store: %s: %s", what,
                 cs && cs->db ? sqlite3_errmsg(cs->db) : sqlite3_errstr(rc));
        err->code = st;
    }
    return st;
}

static sq_status seterr(sq_err *err, sq_status st, const char *msg)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, "%s", msg);
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

/* Takes the cross-process writer lock beside the database file. */
static sq_status take_lock(sqlite_store *cs, const char *path, sq_err *err)
{
    char lock_path[4200];
    snprintf(lock_path, sizeof lock_path, "%s-lock", path);
    cs->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (cs->lock_fd < 0) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "cannot open %s: %s", lock_path, strerror(errno));
            err->code = SQ_EIO;
        }
        return SQ_EIO;
    }
    if (flock(cs->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     "%s is held by another process (is a receiver running already?)", path);
            err->code = SQ_EBUSY;
        }
        return SQ_EBUSY;
    }
    return SQ_OK;
}

static void sl_close(cstore *base);

sq_status cstore_sqlite_open(const char *path, int flags, cstore **out, sq_err *err)
{
    sq_status st = SQ_OK;
    int rc;
    *out = NULL;
    sqlite_store *cs = calloc(1, sizeof *cs);
    if (!cs)
        return seterr(err, SQ_ENOMEM, "out of memory");
    cs->base.ops = &sqlite_ops;
    cs->lock_fd = -1;
    cs->readonly = (flags & CSTORE_READONLY) != 0;
    pthread_mutex_init(&cs->mu, NULL);
    pthread_mutex_init(&cs->qmu, NULL);
    pthread_cond_init(&cs->qdone, NULL);
    cs->qtail = &cs->qhead;
    if (!cs->readonly && (st = take_lock(cs, path, err)))
        goto fail;
    rc = sqlite3_open_v2(
        path, &cs->db,
        cs->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        st = sqlerr(cs, rc, "opening", err);
        goto fail;
    }
    sqlite3_busy_timeout(cs->db, 5000);
    int64_t app = pragma_int(cs->db, "PRAGMA application_id");
    int64_t tables = pragma_int(cs->db, "SELECT count(*) FROM sqlite_master");
    if (app < 0 || tables < 0) {
        st = seterr(err, SQ_ECORRUPT, "result store: the file is not a SQLite database");
        goto fail;
    }
    if (app != CSTORE_APP_ID && (app != 0 || tables > 0)) {
        st = seterr(err, SQ_ECORRUPT, "result store: the file is not Synaq's result store");
        goto fail;
    }
    if (cs->readonly) {
        if (app != CSTORE_APP_ID) {
            st = seterr(err, SQ_ENOTFOUND, "result store: nothing received yet");
            goto fail;
        }
        *out = &cs->base;
        return SQ_OK;
    }
    char *wal = NULL;
    {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(cs->db, "PRAGMA journal_mode = WAL", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            wal = sqlite3_mprintf("%s", sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    bool is_wal = wal && strcmp(wal, "wal") == 0;
    sqlite3_free(wal);
    if (!is_wal) {
        st = seterr(err, SQ_EIO, "result store: cannot switch the file to WAL mode");
        goto fail;
    }
    int64_t version = pragma_int(cs->db, "PRAGMA user_version");
    if (version > CSTORE_SCHEMA) {
        st = seterr(err, SQ_ESTATE,
                    "result store: the file is of a newer schema than this build knows; use "
                    "a newer synaq-central");
        goto fail;
    }
    if (app != CSTORE_APP_ID)
        version = 0; /* a new file */
    char sql[256];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
             CSTORE_APP_ID, CSTORE_SCHEMA);
    if ((rc = sqlite3_exec(cs->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(cs->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(cs->db, schema, NULL, NULL, NULL)) != SQLITE_OK) {
        st = sqlerr(cs, rc, "creating the tables", err);
        sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    /* A new file gets the version-1 tables above, then every migration,
     * like an old file does: one way to every schema. */
    for (int64_t v = version > 0 ? version : 1; v < CSTORE_SCHEMA; v++)
        if ((rc = sqlite3_exec(cs->db, migrations[v - 1], NULL, NULL, NULL)) != SQLITE_OK) {
            st = sqlerr(cs, rc, "upgrading the schema", err);
            sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
    if ((rc = sqlite3_exec(cs->db, sql, NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
        st = sqlerr(cs, rc, "creating the tables", err);
        sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    *out = &cs->base;
    return SQ_OK;
fail:
    sl_close(&cs->base);
    return st;
}

static void sl_close(cstore *base)
{
    sqlite_store *cs = (sqlite_store *)base;
    if (!cs)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(cs->stmt[i]);
    for (int i = 0; i < CSTORE_N_TABLES; i++)
        sqlite3_finalize(cs->load[i]);
    if (cs->db) {
        if (!sqlite3_get_autocommit(cs->db))
            sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL); /* a load left open */
        if (!cs->readonly)
            sqlite3_wal_checkpoint_v2(cs->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        sqlite3_close_v2(cs->db);
    }
    if (cs->lock_fd >= 0)
        close(cs->lock_fd); /* releases the flock */
    pthread_mutex_destroy(&cs->mu);
    pthread_mutex_destroy(&cs->qmu);
    pthread_cond_destroy(&cs->qdone);
    free(cs);
}

/* The handle's statement id, prepared the first time it is asked for. */
static int prep(sqlite_store *cs, int id, sqlite3_stmt **q)
{
    if (!cs->stmt[id]) {
        int rc = sqlite3_prepare_v3(cs->db, statement_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &cs->stmt[id], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    *q = cs->stmt[id];
    return SQLITE_OK;
}

/* Done with a statement until its next use. */
static void release(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

/* Whether (station, seq) is stored: 1 same bytes, 2 other bytes, 0 not. */
static int result_state(sqlite_store *cs, const char *station, const cstore_result *r, int *rc)
{
    sqlite3_stmt *q;
    int state = 0;
    if ((*rc = prep(cs, Q_RESULT_GET, &q)) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, r->seq);
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(q, 0);
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        state = n == r->len && (n == 0 || memcmp(b, r->sealed, n) == 0) ? 1 : 2;
        *rc = SQLITE_OK;
    } else if (s == SQLITE_DONE) {
        *rc = SQLITE_OK;
    } else {
        *rc = s;
        state = -1;
    }
    release(q);
    return state;
}

static int step_done(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    release(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The newest heartbeat counter held for the station (0: none). */
static int read_hb_counter(sqlite_store *cs, const char *station, int64_t *counter)
{
    sqlite3_stmt *q;
    int rc;
    *counter = 0;
    if ((rc = prep(cs, Q_HB_COUNTER, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *counter = sqlite3_column_int64(q, 0);
    release(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Stores the heartbeat when it is newer than the newest held; *held gets
 * the newest counter held after the call. */
static int put_heartbeat(sqlite_store *cs, const sq_heartbeat *hb, int64_t now, int64_t *held)
{
    sqlite3_stmt *q;
    int rc;
    if ((rc = read_hb_counter(cs, hb->station_id, held)) != SQLITE_OK)
        return rc;
    if (hb->counter <= *held)
        return SQLITE_OK; /* replayed, or overtaken by a newer one */
    if ((rc = prep(cs, Q_HB_PUT, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, hb->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_text(q, 3, hb->software, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, hb->content, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, hb->pending);
    sqlite3_bind_int64(q, 6, hb->oldest_pending_s);
    sqlite3_bind_int64(q, 7, hb->disk_free_bytes);
    sqlite3_bind_int64(q, 8, hb->station_wall_s);
    sqlite3_bind_int64(q, 9, hb->last_seq);
    sqlite3_bind_int64(q, 10, hb->counter);
    sqlite3_bind_int64(q, 11, hb->integrity);
    if ((rc = step_done(q)) != SQLITE_OK)
        return rc;
    int64_t id = sqlite3_last_insert_rowid(cs->db);
    if ((rc = prep(cs, Q_HB_LATEST_PUT, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    if ((rc = step_done(q)) != SQLITE_OK)
        return rc;
    *held = hb->counter;
    /* The history stays within its cap, whatever a station sends. */
    if ((rc = prep(cs, Q_HB_PRUNE, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, hb->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, cs->base.hb_keep);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int64(q, 4, cs->base.hb_days);
    return step_done(q);
}

/* Records that a stick carried the station in at now. */
static int put_stick(sqlite_store *cs, const cstore_upload *up)
{
    sqlite3_stmt *q;
    int rc;
    if ((rc = prep(cs, Q_STICK_PUT, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, up->hb->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, up->received_wall_s);
    sqlite3_bind_text(q, 3, up->batch_id ? up->batch_id : "", -1, SQLITE_STATIC);
    return step_done(q);
}

/* The highest seq held for the station (0: none). */
static int read_held_max(sqlite_store *cs, const char *station, int64_t *held_max)
{
    sqlite3_stmt *q;
    int rc;
    *held_max = 0;
    if ((rc = prep(cs, Q_RESULT_MAX, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *held_max = sqlite3_column_int64(q, 0);
    release(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int read_highest(sqlite_store *cs, const char *station, int64_t *highest)
{
    sqlite3_stmt *q;
    int rc;
    *highest = 0;
    if ((rc = prep(cs, Q_PROGRESS_GET, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *highest = sqlite3_column_int64(q, 0);
    release(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Moves the station's highest contiguous seq up over what is stored now. */
static int advance_highest(sqlite_store *cs, const char *station, int64_t *highest)
{
    sqlite3_stmt *q;
    int rc;
    int64_t h;
    if ((rc = read_highest(cs, station, &h)) != SQLITE_OK)
        return rc;
    int64_t start = h;
    if ((rc = prep(cs, Q_RESULT_HAS, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_STATIC);
    for (;;) {
        sqlite3_bind_int64(q, 2, h + 1);
        rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_ROW)
            break;
        h++;
    }
    release(q);
    if (rc != SQLITE_DONE)
        return rc;
    *highest = h;
    if (h == start)
        return SQLITE_OK;
    if ((rc = prep(cs, Q_PROGRESS_PUT, &q)) != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, station, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, h);
    return step_done(q);
}

/* What storing one upload inside the group's transaction came to. */
enum { PUT_STORED, PUT_REFUSED, PUT_FAILED };

/* Stores one upload inside the open transaction, under a savepoint of its
 * own: a refused upload (a conflict) is rolled back to it and leaves the
 * rest of the group alone. PUT_FAILED: a store error, *rc and *what say
 * which; the caller rolls the whole group back. */
static int put_one(sqlite_store *cs, const cstore_upload *up, cstore_ack *ack, int *rc,
                   const char **what)
{
    const char *station = up->hb->station_id;
    memset(ack, 0, sizeof *ack);
    *what = "starting a savepoint";
    if ((*rc = sqlite3_exec(cs->db, "SAVEPOINT upload", NULL, NULL, NULL)) != SQLITE_OK)
        return PUT_FAILED;
    *what = "reading batches";
    if (up->batch_id) {
        sqlite3_stmt *q;
        if ((*rc = prep(cs, Q_BATCH_GET, &q)) != SQLITE_OK)
            return PUT_FAILED;
        sqlite3_bind_text(q, 1, up->batch_id, -1, SQLITE_STATIC);
        *rc = sqlite3_step(q);
        if (*rc == SQLITE_ROW) {
            bool same = sqlite3_column_bytes(q, 0) == 32 &&
                        memcmp(sqlite3_column_blob(q, 0), up->batch_sha256, 32) == 0 &&
                        strcmp((const char *)sqlite3_column_text(q, 1), station) == 0;
            ack->outcome = same ? CSTORE_DUPLICATE : CSTORE_CONFLICT;
            *rc = SQLITE_OK;
        } else if (*rc == SQLITE_DONE) {
            *rc = SQLITE_OK;
        }
        release(q);
        if (*rc != SQLITE_OK)
            return PUT_FAILED;
        if (ack->outcome == CSTORE_CONFLICT)
            goto refuse;
    }
    if (up->batch_id && ack->outcome == CSTORE_NEW) {
        *what = "storing results";
        /* Each result is inserted unless its seq is held (one statement,
         * not a lookup and an insert); only a held one is then compared. */
        for (size_t i = 0; i < up->n_results; i++) {
            const cstore_result *r = &up->results[i];
            sqlite3_stmt *q;
            if ((*rc = prep(cs, Q_RESULT_PUT, &q)) != SQLITE_OK)
                return PUT_FAILED;
            sqlite3_bind_text(q, 1, station, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 2, r->seq);
            sqlite3_bind_blob(q, 3, r->sealed, (int)r->len, SQLITE_STATIC);
            sqlite3_bind_text(q, 4, up->batch_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 5, up->received_wall_s);
            if ((*rc = step_done(q)) != SQLITE_OK)
                return PUT_FAILED;
            if (sqlite3_changes(cs->db) == 1) {
                ack->n_new++;
                continue;
            }
            int state = result_state(cs, station, r, rc);
            if (state < 0)
                return PUT_FAILED;
            if (state != 1) {
                ack->outcome = CSTORE_CONFLICT;
                ack->conflict_seq = r->seq;
                goto refuse;
            }
            /* byte-identical, held already (from another batch) */
        }
        sqlite3_stmt *q;
        *what = "storing the batch";
        if ((*rc = prep(cs, Q_BATCH_PUT, &q)) != SQLITE_OK)
            return PUT_FAILED;
        sqlite3_bind_text(q, 1, up->batch_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, station, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 3, up->batch_sha256, 32, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, (int64_t)up->batch_len);
        sqlite3_bind_int64(q, 5, (int64_t)up->n_results);
        sqlite3_bind_int64(q, 6, up->received_wall_s);
        if ((*rc = step_done(q)) != SQLITE_OK)
            return PUT_FAILED;
    }
    *what = "storing the heartbeat";
    if (up->by_stick) {
        if ((*rc = put_stick(cs, up)) == SQLITE_OK)
            *rc = read_hb_counter(cs, station, &ack->hb_counter);
    } else
        *rc = put_heartbeat(cs, up->hb, up->received_wall_s, &ack->hb_counter);
    if (*rc != SQLITE_OK)
        return PUT_FAILED;
    *what = "counting results";
    if ((*rc = advance_highest(cs, station, &ack->highest)) != SQLITE_OK ||
        (*rc = read_held_max(cs, station, &ack->held_max)) != SQLITE_OK)
        return PUT_FAILED;
    *what = "releasing a savepoint";
    if ((*rc = sqlite3_exec(cs->db, "RELEASE upload", NULL, NULL, NULL)) != SQLITE_OK)
        return PUT_FAILED;
    return PUT_STORED;
refuse:
    /* Nothing of a refused upload is kept, its heartbeat neither. */
    *what = "rolling back a refused upload";
    if ((*rc = sqlite3_exec(cs->db, "ROLLBACK TO upload; RELEASE upload", NULL, NULL, NULL)) !=
        SQLITE_OK)
        return PUT_FAILED;
    ack->n_new = 0;
    *what = "reading progress";
    if ((*rc = read_highest(cs, station, &ack->highest)) != SQLITE_OK ||
        (*rc = read_held_max(cs, station, &ack->held_max)) != SQLITE_OK ||
        (*rc = read_hb_counter(cs, station, &ack->hb_counter)) != SQLITE_OK)
        return PUT_FAILED;
    return PUT_REFUSED;
}

/* Stores a group of uploads in one transaction, one commit (one fsync)
 * for all: each member gets its own acknowledgement, or, when the store
 * fails anywhere (disk full, I/O), every member gets the error and
 * nothing of the group is kept. Called with cs->mu held. */
static void put_group(sqlite_store *cs, put_wait *group)
{
    int rc;
    const char *what = "starting a transaction";
    put_wait *m;
    if ((rc = sqlite3_exec(cs->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
        goto fail;
    for (m = group; m; m = m->next)
        if (put_one(cs, m->up, m->ack, &rc, &what) == PUT_FAILED)
            goto fail;
    what = "committing";
    if ((rc = sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        goto fail;
    for (m = group; m; m = m->next)
        m->st = SQ_OK;
    return;
fail:;
    sq_err e;
    sq_status st = sqlerr(cs, rc, what, &e);
    if (!sqlite3_get_autocommit(cs->db))
        sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
    for (m = group; m; m = m->next) {
        memset(m->ack, 0, sizeof *m->ack);
        m->st = seterr(m->err, st, e.msg);
    }
}

/* Group commit: a caller queues its upload; the first caller to find no
 * group being stored takes the whole queue as a group and stores it in
 * one transaction, while later callers queue for the next group. With
 * many stations uploading at once one fsync serves many uploads, and
 * every caller still returns only after the commit that holds its upload. */
static sq_status sl_put_upload(cstore *base, const cstore_upload *up, cstore_ack *ack, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    memset(ack, 0, sizeof *ack);
    if (cs->readonly)
        return seterr(err, SQ_EREADONLY, "result store: opened read-only");
    put_wait me = {.up = up, .ack = ack, .err = err};
    pthread_mutex_lock(&cs->qmu);
    *cs->qtail = &me;
    cs->qtail = &me.next;
    while (!me.done) {
        if (cs->storing) {
            pthread_cond_wait(&cs->qdone, &cs->qmu);
            continue;
        }
        put_wait *group = cs->qhead;
        cs->qhead = NULL;
        cs->qtail = &cs->qhead;
        cs->storing = true;
        pthread_mutex_unlock(&cs->qmu);
        pthread_mutex_lock(&cs->mu);
        put_group(cs, group);
        pthread_mutex_unlock(&cs->mu);
        pthread_mutex_lock(&cs->qmu);
        for (put_wait *m = group; m; m = m->next)
            m->done = true; /* m->next is read before a member may return */
        cs->storing = false;
        pthread_cond_broadcast(&cs->qdone);
    }
    pthread_mutex_unlock(&cs->qmu);
    return me.st;
}

static sq_status sl_highest(cstore *base, const char *station_id, int64_t *highest, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    pthread_mutex_lock(&cs->mu);
    int rc = read_highest(cs, station_id, highest);
    pthread_mutex_unlock(&cs->mu);
    return rc == SQLITE_OK ? SQ_OK : sqlerr(cs, rc, "reading progress", err);
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

/* Columns: station_id, received_wall, software, content, pending,
 * oldest_pending_s, disk_free_bytes, station_wall_s, last_seq, counter,
 * integrity. */
static void row_heartbeat(sqlite3_stmt *q, sq_heartbeat *hb, int64_t *received)
{
    memset(hb, 0, sizeof *hb);
    copy_text(hb->station_id, sizeof hb->station_id, sqlite3_column_text(q, 0));
    *received = sqlite3_column_int64(q, 1);
    copy_text(hb->software, sizeof hb->software, sqlite3_column_text(q, 2));
    copy_text(hb->content, sizeof hb->content, sqlite3_column_text(q, 3));
    hb->pending = sqlite3_column_int64(q, 4);
    hb->oldest_pending_s = sqlite3_column_int64(q, 5);
    hb->disk_free_bytes = sqlite3_column_int64(q, 6);
    hb->station_wall_s = sqlite3_column_int64(q, 7);
    hb->last_seq = sqlite3_column_int64(q, 8);
    hb->counter = sqlite3_column_int64(q, 9);
    hb->integrity = (uint32_t)sqlite3_column_int64(q, 10);
}

static sq_status sl_heartbeat_latest(cstore *base, const char *station_id, sq_heartbeat *hb,
                                     int64_t *received_wall_s, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    sqlite3_stmt *q;
    sq_status st = SQ_OK;
    pthread_mutex_lock(&cs->mu);
    int rc = prep(cs, Q_HB_LATEST_GET, &q);
    if (rc != SQLITE_OK) {
        st = sqlerr(cs, rc, "reading heartbeats", err);
        goto out;
    }
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        row_heartbeat(q, hb, received_wall_s);
    } else if (rc == SQLITE_DONE) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "station '%s' has sent no heartbeat", station_id);
            err->code = SQ_ENOTFOUND;
        }
        st = SQ_ENOTFOUND;
    } else {
        st = sqlerr(cs, rc, "reading heartbeats", err);
    }
    release(q);
out:
    pthread_mutex_unlock(&cs->mu);
    return st;
}

static sq_status sl_stick_latest(cstore *base, const char *station_id, int64_t *received_wall_s,
                                 sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    sqlite3_stmt *q;
    sq_status st = SQ_OK;
    pthread_mutex_lock(&cs->mu);
    int rc = prep(cs, Q_STICK_GET, &q);
    if (rc != SQLITE_OK) {
        st = sqlerr(cs, rc, "reading when sticks came", err);
        goto out;
    }
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *received_wall_s = sqlite3_column_int64(q, 0);
    } else if (rc == SQLITE_DONE) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "station '%s' was never carried in by stick",
                     station_id);
            err->code = SQ_ENOTFOUND;
        }
        st = SQ_ENOTFOUND;
    } else {
        st = sqlerr(cs, rc, "reading when sticks came", err);
    }
    release(q);
out:
    pthread_mutex_unlock(&cs->mu);
    return st;
}

static sq_status sl_each_heartbeat(cstore *base, const char *station_id, cstore_heartbeat_fn fn,
                                   void *ctx, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    sqlite3_stmt *q;
    sq_status st = SQ_OK;
    pthread_mutex_lock(&cs->mu);
    int rc = prep(cs, Q_HB_EACH, &q);
    if (rc != SQLITE_OK) {
        st = sqlerr(cs, rc, "reading heartbeats", err);
        goto out;
    }
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sq_heartbeat hb;
        int64_t received;
        row_heartbeat(q, &hb, &received);
        if (fn(ctx, &hb, received)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        st = sqlerr(cs, rc, "reading heartbeats", err);
    release(q);
out:
    pthread_mutex_unlock(&cs->mu);
    return st;
}

static sq_status sl_each_result(cstore *base, const char *station_id, int64_t after_seq,
                                cstore_result_fn fn, void *ctx, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    sqlite3_stmt *q;
    sq_status st = SQ_OK;
    pthread_mutex_lock(&cs->mu);
    int rc = prep(cs, Q_RESULT_EACH, &q);
    if (rc != SQLITE_OK) {
        st = sqlerr(cs, rc, "reading results", err);
        goto out;
    }
    if (station_id)
        sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, after_seq);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (fn(ctx, (const char *)sqlite3_column_text(q, 0), sqlite3_column_int64(q, 1),
               sqlite3_column_blob(q, 2), (size_t)sqlite3_column_bytes(q, 2),
               (const char *)sqlite3_column_text(q, 3), sqlite3_column_int64(q, 4))) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        st = sqlerr(cs, rc, "reading results", err);
    release(q);
out:
    pthread_mutex_unlock(&cs->mu);
    return st;
}

static sq_status sl_batch_known(cstore *base, const char *batch_id, bool *known, uint8_t *sha256,
                                sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    sqlite3_stmt *q;
    sq_status st = SQ_OK;
    *known = false;
    pthread_mutex_lock(&cs->mu);
    int rc = prep(cs, Q_BATCH_SHA, &q);
    if (rc != SQLITE_OK) {
        st = sqlerr(cs, rc, "reading batches", err);
        goto out;
    }
    sqlite3_bind_text(q, 1, batch_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *known = true;
        if (sha256 && sqlite3_column_bytes(q, 0) == 32)
            memcpy(sha256, sqlite3_column_blob(q, 0), 32);
    } else if (rc != SQLITE_DONE) {
        st = sqlerr(cs, rc, "reading batches", err);
    }
    release(q);
out:
    pthread_mutex_unlock(&cs->mu);
    return st;
}

/* ---- the copy (cstore_copy.c) ---- */

static sq_status sl_each_row(cstore *base, int table, cstore_row_fn fn, void *ctx, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    const cstore_table_spec *t = &cstore_tables[table];
    sqlite3_stmt *q = NULL;
    sq_status st = SQ_OK;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", t->columns, t->name, t->order);
    pthread_mutex_lock(&cs->mu);
    int rc = sqlite3_prepare_v2(cs->db, sql, -1, &q, NULL);
    size_t ncol = strlen(t->kinds);
    while (q && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        cstore_value v[CSTORE_MAX_COLUMNS];
        memset(v, 0, sizeof v);
        for (size_t c = 0; c < ncol; c++) {
            if (t->kinds[c] == 'i') {
                v[c].i = sqlite3_column_int64(q, (int)c);
            } else {
                /* Asked for in the kind the column is read as: text or
                 * bytes (a conversion first, then the pointer). */
                v[c].p = t->kinds[c] == 't' ? sqlite3_column_text(q, (int)c)
                                            : sqlite3_column_blob(q, (int)c);
                v[c].len = (size_t)sqlite3_column_bytes(q, (int)c);
            }
        }
        if (fn(ctx, table, v)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        char what[64];
        snprintf(what, sizeof what, "reading %s", t->name);
        st = sqlerr(cs, rc, what, err);
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&cs->mu);
    return st;
}

static sq_status sl_load_begin(cstore *base, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    sq_status st = SQ_OK;
    if (cs->readonly)
        return seterr(err, SQ_EREADONLY, "result store: opened read-only");
    pthread_mutex_lock(&cs->mu);
    int rc = sqlite3_exec(cs->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st = sqlerr(cs, rc, "starting a transaction", err);
        goto out;
    }
    /* Inside the transaction: no row can arrive between the look and the
     * load. */
    char held[300] = "";
    size_t n = 0;
    for (int t = 0; t < CSTORE_N_TABLES; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", cstore_tables[t].name);
        int64_t rows = pragma_int(cs->db, sql);
        if (rows < 0) {
            st = sqlerr(cs, SQLITE_ERROR, "counting rows", err);
            break;
        }
        if (rows > 0 && n < sizeof held)
            n += (size_t)snprintf(held + n, sizeof held - n, "%s%s %lld", n ? ", " : "",
                                  cstore_tables[t].name, (long long)rows);
    }
    if (!st && held[0]) {
        st = SQ_ESTATE;
        if (err) {
            snprintf(err->msg, sizeof err->msg, "result store: %s holds rows already (%s)",
                     sqlite3_db_filename(cs->db, "main"), held);
            err->code = st;
        }
    }
    if (st)
        sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
out:
    pthread_mutex_unlock(&cs->mu);
    return st;
}

static sq_status sl_load_row(cstore *base, int table, const cstore_value *vals, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    const cstore_table_spec *t = &cstore_tables[table];
    size_t ncol = strlen(t->kinds);
    int rc = SQLITE_OK;
    pthread_mutex_lock(&cs->mu);
    if (!cs->load[table]) {
        char sql[512], marks[2 * CSTORE_MAX_COLUMNS + 1];
        size_t m = 0;
        for (size_t c = 0; c < ncol; c++) {
            if (c)
                marks[m++] = ',';
            marks[m++] = '?';
        }
        marks[m] = '\0';
        snprintf(sql, sizeof sql, "INSERT INTO %s(%s) VALUES (%s)", t->name, t->columns, marks);
        rc = sqlite3_prepare_v2(cs->db, sql, -1, &cs->load[table], NULL);
    }
    sqlite3_stmt *q = cs->load[table];
    for (size_t c = 0; rc == SQLITE_OK && c < ncol; c++) {
        int k = (int)c + 1;
        if (t->kinds[c] == 'i')
            rc = sqlite3_bind_int64(q, k, vals[c].i);
        else if (t->kinds[c] == 't')
            rc = sqlite3_bind_text(q, k, vals[c].p ? (const char *)vals[c].p : "", (int)vals[c].len,
                                   SQLITE_STATIC);
        else if (vals[c].len == 0)
            rc = sqlite3_bind_zeroblob(q, k, 0); /* a NULL pointer would bind NULL */
        else
            rc = sqlite3_bind_blob(q, k, vals[c].p, (int)vals[c].len, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK)
        rc = step_done(q);
    pthread_mutex_unlock(&cs->mu);
    if (rc != SQLITE_OK) {
        char what[64];
        snprintf(what, sizeof what, "loading %s", t->name);
        return sqlerr(cs, rc, what, err);
    }
    return SQ_OK;
}

static sq_status sl_load_done(cstore *base, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    (void)err;
    pthread_mutex_lock(&cs->mu);
    for (int t = 0; t < CSTORE_N_TABLES; t++) {
        sqlite3_finalize(cs->load[t]);
        cs->load[t] = NULL;
    }
    pthread_mutex_unlock(&cs->mu);
    return SQ_OK;
}

static sq_status sl_load_end(cstore *base, bool commit, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    sq_status st = sl_load_done(base, err);
    pthread_mutex_lock(&cs->mu);
    if (commit) {
        int rc = sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            st = sqlerr(cs, rc, "committing", err);
    }
    if (!sqlite3_get_autocommit(cs->db))
        sqlite3_exec(cs->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&cs->mu);
    return st;
}

static sq_status sl_identity(cstore *base, char *out, size_t cap, sq_err *err)
{
    sqlite_store *cs = (sqlite_store *)base;
    struct stat sb;
    const char *path = sqlite3_db_filename(cs->db, "main");
    if (!path || stat(path, &sb) != 0) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "result store: cannot stat %s: %s",
                     path ? path : "(no file)", strerror(errno));
            err->code = SQ_EIO;
        }
        return SQ_EIO;
    }
    snprintf(out, cap, "sqlite:%llu:%llu", (unsigned long long)sb.st_dev,
             (unsigned long long)sb.st_ino);
    return SQ_OK;
}

static const cstore_ops sqlite_ops = {
    .engine = "sqlite",
    .close = sl_close,
    .put_upload = sl_put_upload,
    .highest = sl_highest,
    .heartbeat_latest = sl_heartbeat_latest,
    .each_heartbeat = sl_each_heartbeat,
    .each_result = sl_each_result,
    .batch_known = sl_batch_known,
    .stick_latest = sl_stick_latest,
    .each_row = sl_each_row,
    .load_begin = sl_load_begin,
    .load_row = sl_load_row,
    .load_done = sl_load_done,
    .load_end = sl_load_end,
    .identity = sl_identity,
};
