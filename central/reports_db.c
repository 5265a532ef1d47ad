/*
 * reports_db.c - the writing side of reports.db (reports_db.h): its
 * schema, the checks that refuse a file that is not this central's
 * reports.db before anything is written, and the rows of an opened
 * result. The console's reading side is console/reports.c; both agree on
 * the schema below (REPORTS_DB_SCHEMA).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "reports_db.h"

struct reports_db {
    sqlite3 *db;
    int lock_fd;
    bool in_tx;
    char path[1024];
    sqlite3_stmt *q_pos, *q_holds, *q_attempt, *q_answer, *q_event, *q_refuse, *q_setpos,
        *q_grid, *q_practice;
    uint8_t *cells; /* an attempt's item_grid blob being made */
    size_t cells_len, cells_cap;
};

#define SCORE_INDEXES                                                                              \
    "CREATE INDEX IF NOT EXISTS attempts_exam_score ON attempts(exam_id, exam_version, percent,"  \
    " passed);"                                                                                    \
    "CREATE INDEX IF NOT EXISTS attempts_district_exam_score ON attempts(district, exam_id,"      \
    " exam_version, percent, passed);"

/* Schema 3: item analysis's rows (reports_db.h, "item_grid"). */
#define ITEM_GRID                                                                                  \
    "CREATE TABLE item_grid(exam_id TEXT NOT NULL, exam_version INTEGER NOT NULL,"                \
    " district TEXT NOT NULL, attempt INTEGER NOT NULL, n_cells INTEGER NOT NULL,"                \
    " cells BLOB NOT NULL, PRIMARY KEY(exam_id, exam_version, district, attempt)) WITHOUT ROWID;"

/* Schema 4: practice records (sync/PROTOCOL.md, "Practice records"), one
 * row an answer, apart from attempts: nothing that counts attempts, passes
 * or items reads them. The training-event report counts distinct
 * trainee_id per exam_id and dates (practice_exam); a trainee's history
 * reads practice_trainee. */
#define PRACTICE_TABLE                                                                             \
    "CREATE TABLE IF NOT EXISTS practice(id INTEGER PRIMARY KEY, station_id TEXT NOT NULL,"      \
    " seq INTEGER NOT NULL, record_id TEXT NOT NULL, district TEXT NOT NULL,"                     \
    " trainee_id TEXT NOT NULL, trainee_name TEXT NOT NULL, exam_id TEXT NOT NULL,"               \
    " exam_version INTEGER NOT NULL, topic TEXT NOT NULL, item_id TEXT NOT NULL,"                 \
    " try_no INTEGER NOT NULL, is_right INTEGER NOT NULL, selected INTEGER NOT NULL,"             \
    " created_wall INTEGER NOT NULL, received_wall INTEGER NOT NULL, batch_id TEXT,"              \
    " UNIQUE(station_id, seq));"                                                                   \
    "CREATE INDEX IF NOT EXISTS practice_exam ON practice(exam_id, created_wall, trainee_id);"    \
    "CREATE INDEX IF NOT EXISTS practice_trainee ON practice(trainee_id, created_wall);"

/* 3 -> 4 beside the table: what an older build refused as "not a Synaq
 * result" (a practice record it could not read) is looked at again. */
#define PRACTICE_UPGRADE                                                                           \
    PRACTICE_TABLE                                                                                 \
    "UPDATE positions SET seq = (SELECT min(f.seq) - 1 FROM refused f"                            \
    " WHERE f.station_id = positions.station_id AND f.reason LIKE '%not a Synaq result%')"        \
    " WHERE station_id IN (SELECT station_id FROM refused"                                        \
    " WHERE reason LIKE '%not a Synaq result%');"                                                  \
    "DELETE FROM refused WHERE reason LIKE '%not a Synaq result%';"

/* The schema (REPORTS_DB_SCHEMA 4). Times are central's or the station's
 * wall clock in seconds, as named. Each index serves a filter of the
 * Results page together with its default order (newest first); the rowid
 * (id) ends every index, which the pages' keyset pagination uses. */
static const char schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE positions(station_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE refused(station_id TEXT NOT NULL, seq INTEGER NOT NULL, reason TEXT NOT NULL,"
    " PRIMARY KEY(station_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE attempts(id INTEGER PRIMARY KEY, station_id TEXT NOT NULL,"
    " seq INTEGER NOT NULL, attempt_id TEXT NOT NULL, district TEXT NOT NULL,"
    " trainee_id TEXT NOT NULL, trainee_name TEXT NOT NULL, exam_id TEXT NOT NULL,"
    " exam_version INTEGER NOT NULL, started_wall INTEGER NOT NULL,"
    " finished_wall INTEGER NOT NULL, elapsed_ms INTEGER NOT NULL,"
    " time_limit_s INTEGER NOT NULL, points_milli INTEGER NOT NULL,"
    " max_milli INTEGER NOT NULL, percent INTEGER NOT NULL, passed INTEGER NOT NULL,"
    " timed_out INTEGER NOT NULL, clock INTEGER NOT NULL, power_grace_s INTEGER NOT NULL,"
    " n_items INTEGER NOT NULL, n_answered INTEGER NOT NULL, n_right INTEGER NOT NULL,"
    " received_wall INTEGER NOT NULL, batch_id TEXT, UNIQUE(station_id, seq));"
    "CREATE INDEX attempts_finished ON attempts(finished_wall);"
    "CREATE INDEX attempts_received ON attempts(received_wall);"
    "CREATE INDEX attempts_district ON attempts(district, finished_wall);"
    /* A district account's Results are always filtered by its district:
     * its outcome filter and its order by name need the district first
     * (without them, 1.7 s and 5.6 s at 10^6 rows; bench/bench_reports). */
    "CREATE INDEX attempts_district_passed ON attempts(district, passed, finished_wall);"
    "CREATE INDEX attempts_district_name ON attempts(district, trainee_name);"
    "CREATE INDEX attempts_district_exam ON attempts(district, exam_id, exam_version,"
    " finished_wall);"
    "CREATE INDEX attempts_station ON attempts(station_id, finished_wall);"
    "CREATE INDEX attempts_exam ON attempts(exam_id, exam_version, finished_wall);"
    "CREATE INDEX attempts_trainee ON attempts(trainee_id, finished_wall);"
    "CREATE INDEX attempts_name ON attempts(trainee_name);"
    "CREATE INDEX attempts_passed ON attempts(passed, finished_wall);"
    "CREATE INDEX attempts_percent ON attempts(percent);"
    /* Schema 2: the printable report's spread of scores and pass count of
     * an exam version (and a district's) read from the index alone (310
     * ms at 10^6 results without them, 10 ms with; bench/bench_export). */
    SCORE_INDEXES
    "CREATE TABLE answers(attempt INTEGER NOT NULL, pos INTEGER NOT NULL,"
    " item_id TEXT NOT NULL, n_options INTEGER NOT NULL, selected INTEGER NOT NULL,"
    " answered INTEGER NOT NULL, flagged INTEGER NOT NULL, is_right INTEGER NOT NULL,"
    " points_milli INTEGER NOT NULL, max_milli INTEGER NOT NULL,"
    " answered_ms INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
    " PRIMARY KEY(attempt, pos)) WITHOUT ROWID;"
    "CREATE TABLE clock_events(attempt INTEGER NOT NULL, pos INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, wall_before INTEGER NOT NULL, wall_after INTEGER NOT NULL,"
    " mono_delta_ms INTEGER NOT NULL, counted_ms INTEGER NOT NULL,"
    " PRIMARY KEY(attempt, pos)) WITHOUT ROWID;" ITEM_GRID PRACTICE_TABLE;

static sq_status seterr(sq_err *err, sq_status st, const char *fmt, const char *a, const char *b)
{
    if (err) {
        char m[sizeof err->msg];
        snprintf(m, sizeof m, fmt, a ? a : "", b ? b : "");
        snprintf(err->msg, sizeof err->msg, "%s", m);
        err->code = st;
    }
    return st;
}

static sq_status dberr(reports_db *r, const char *what, sq_err *err)
{
    int code = sqlite3_errcode(r->db);
    sq_status st = code == SQLITE_FULL ? SQ_EFULL : code == SQLITE_NOMEM ? SQ_ENOMEM : SQ_EIO;
    if (err) {
        snprintf(err->msg, sizeof err->msg, "%s: %s: %s", r->path, what, sqlite3_errmsg(r->db));
        err->code = st;
    }
    return st;
}

/* ---- item_grid's cells ---- */

/* Room for n more bytes of cells. */
static bool cells_reserve(reports_db *r, size_t n)
{
    if (r->cells_cap - r->cells_len >= n)
        return true;
    size_t nc = r->cells_cap ? r->cells_cap : 512;
    while (nc - r->cells_len < n)
        nc *= 2;
    uint8_t *b = realloc(r->cells, nc);
    if (!b)
        return false;
    r->cells = b;
    r->cells_cap = nc;
    return true;
}

static bool cells_put(reports_db *r, uint64_t v)
{
    if (!cells_reserve(r, 10))
        return false;
    do {
        r->cells[r->cells_len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return true;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* One cell (reports_db.h, "item_grid"). */
static bool cells_add(reports_db *r, int pos, const char *item_id, int n_options,
                      uint64_t selected, int64_t points_milli, int64_t max_milli)
{
    size_t len = item_id ? strlen(item_id) : 0;
    if (!cells_put(r, (uint64_t)pos) || !cells_put(r, len))
        return false;
    if (!cells_reserve(r, len))
        return false;
    if (len)
        memcpy(r->cells + r->cells_len, item_id, len);
    r->cells_len += len;
    return cells_put(r, (uint64_t)(n_options < 0 ? 0 : n_options)) && cells_put(r, selected) &&
           cells_put(r, zigzag(points_milli)) && cells_put(r, zigzag(max_milli));
}

/* Stores the cells made for attempt id. */
static sq_status grid_store(reports_db *r, const char *exam_id, int64_t version,
                            const char *district, int64_t id, int n_cells, sq_err *err)
{
    sqlite3_stmt *q = r->q_grid;
    sqlite3_bind_text(q, 1, exam_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, version);
    sqlite3_bind_text(q, 3, district, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, id);
    sqlite3_bind_int(q, 5, n_cells);
    sqlite3_bind_blob(q, 6, r->cells_len ? (const void *)r->cells : (const void *)"", (int)r->cells_len,
                      SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sq_status st = rc == SQLITE_DONE ? SQ_OK : dberr(r, "storing an attempt's item grid", err);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

/* 2 -> 3: item_grid made from the answers already held, in one pass over
 * the attempts in rowid order (each one's answers are next in their
 * primary key). Inside the upgrade's transaction. */
static sq_status grid_backfill(reports_db *r, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_status st = SQ_OK;
    if (sqlite3_exec(r->db, ITEM_GRID, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "INSERT INTO item_grid(exam_id, exam_version, district, attempt, n_cells,"
                           " cells) VALUES(?,?,?,?,?,?)",
                           -1, &r->q_grid, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "SELECT a.id, a.exam_id, a.exam_version, a.district, x.pos, x.item_id,"
                           " x.n_options, x.selected, x.points_milli, x.max_milli FROM attempts a"
                           " JOIN answers x ON x.attempt = a.id ORDER BY a.id, x.pos",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "making the item grid", err);
    int64_t last = -1, version = 0;
    int n = 0;
    char exam[256] = "", district[256] = "";
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id != last) {
            if (last >= 0 && (st = grid_store(r, exam, version, district, last, n, err)))
                break;
            last = id;
            n = 0;
            r->cells_len = 0;
            const char *e = (const char *)sqlite3_column_text(q, 1);
            const char *d = (const char *)sqlite3_column_text(q, 3);
            snprintf(exam, sizeof exam, "%s", e ? e : "");
            snprintf(district, sizeof district, "%s", d ? d : "");
            version = sqlite3_column_int64(q, 2);
        }
        if (!cells_add(r, sqlite3_column_int(q, 4), (const char *)sqlite3_column_text(q, 5),
                       sqlite3_column_int(q, 6), (uint64_t)sqlite3_column_int64(q, 7),
                       sqlite3_column_int64(q, 8), sqlite3_column_int64(q, 9))) {
            st = seterr(err, SQ_ENOMEM, "out of memory%s%s", NULL, NULL);
            break;
        }
        n++;
    }
    if (!st && rc != SQLITE_DONE)
        st = dberr(r, "making the item grid", err);
    if (!st && last >= 0)
        st = grid_store(r, exam, version, district, last, n, err);
    sqlite3_finalize(q);
    sqlite3_finalize(r->q_grid);
    r->q_grid = NULL;
    return st;
}

/* Reads the SQLite header of a file that exists and is not empty, so that
 * a file of another program is refused before SQLite could write to it
 * (setting WAL mode, say). */
static sq_status check_header(reports_db *r, off_t size, bool *ours, sq_err *err)
{
    uint8_t h[100];
    *ours = false;
    if (size < 100 || pread(r->lock_fd, h, sizeof h, 0) != (ssize_t)sizeof h ||
        memcmp(h, "SQLite format 3", 16) != 0)
        return seterr(err, SQ_ECORRUPT,
                      "%s is not a reports.db (not even a SQLite database); refusing to touch "
                      "it%s",
                      r->path, "");
    uint32_t app = (uint32_t)h[68] << 24 | (uint32_t)h[69] << 16 | (uint32_t)h[70] << 8 | h[71];
    if (app != REPORTS_DB_APP_ID)
        return seterr(err, SQ_ECORRUPT,
                      "%s is a SQLite database of another program, not a reports.db; refusing "
                      "to touch it%s",
                      r->path, "");
    *ours = true;
    return SQ_OK;
}

static sq_status prepare(reports_db *r, sqlite3_stmt **q, const char *sql, sq_err *err)
{
    if (sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
        return dberr(r, "preparing a statement", err);
    return SQ_OK;
}

sq_status reports_db_open(const char *path, const char *central_fp, reports_db **out, sq_err *err)
{
    *out = NULL;
    reports_db *r = calloc(1, sizeof *r);
    sq_status st = SQ_OK;
    sqlite3_stmt *q = NULL;
    bool fresh = false, ours = false;
    if (!r)
        return seterr(err, SQ_ENOMEM, "out of memory%s%s", NULL, NULL);
    r->lock_fd = -1;
    snprintf(r->path, sizeof r->path, "%s", path);
    /* The writer's lock is a flock on the file itself, held for the
     * handle's life: SQLite's own locks are POSIX ones, which flock does
     * not touch, and the descriptor stays open until after SQLite closed
     * (closing any descriptor of the file would drop SQLite's locks). */
    r->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (r->lock_fd < 0) {
        st = seterr(err, SQ_EIO, "cannot open %s: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        st = seterr(err, SQ_EBUSY,
                    "%s is being written by another process (is another open-results --into "
                    "running?)%s",
                    path, "");
        goto fail;
    }
    struct stat sb;
    if (fstat(r->lock_fd, &sb) != 0) {
        st = seterr(err, SQ_EIO, "cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = seterr(err, SQ_ECORRUPT, "%s is not a regular file%s", path, "");
        goto fail;
    }
    fresh = sb.st_size == 0;
    if (!fresh && (st = check_header(r, sb.st_size, &ours, err)))
        goto fail;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        st = dberr(r, "opening", err);
        goto fail;
    }
    sqlite3_busy_timeout(r->db, 5000);
    if (!fresh) {
        /* Ours by its header: its schema version and its central. */
        int version = 0;
        if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_ROW) {
            st = dberr(r, "reading its schema version", err);
            goto fail;
        }
        version = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        q = NULL;
        if (version > REPORTS_DB_SCHEMA) {
            char v[32];
            snprintf(v, sizeof v, "%d", version);
            st = seterr(err, SQ_ESTATE,
                        "%s is of schema version %s, newer than this build knows; use a newer "
                        "synaq-central",
                        path, v);
            goto fail;
        }
        if (sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key = 'central'", -1, &q,
                               NULL) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_ROW) {
            st = seterr(err, SQ_ECORRUPT,
                        "%s is marked as a reports.db but has no central's "
                        "fingerprint in it; refusing to touch it%s",
                        path, "");
            goto fail;
        }
        const char *fp = (const char *)sqlite3_column_text(q, 0);
        if (!fp || strcmp(fp, central_fp) != 0) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m,
                     "%s holds results opened by another central (keys %s), not this one "
                     "(keys %s); refusing to mix them",
                     path, fp ? fp : "?", central_fp);
            st = SQ_EWRONGSTATION;
            if (err) {
                snprintf(err->msg, sizeof err->msg, "%s", m);
                err->code = st;
            }
            goto fail;
        }
        sqlite3_finalize(q);
        q = NULL;
        /* 1 -> 2: the report's indexes; 2 -> 3: item analysis's rows;
         * 3 -> 4: the practice table, and the records an older build
         * refused because it could not read a practice record ("not a
         * Synaq result") looked at again: their refusal goes, and their
         * station's position moves back before the first of them. Made
         * once, in one transaction, by the first writer of this build
         * (the console reads an older file as it is). */
        if (version < REPORTS_DB_SCHEMA) {
            char up[64];
            snprintf(up, sizeof up, "PRAGMA user_version=%d; COMMIT;", REPORTS_DB_SCHEMA);
            if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
                st = dberr(r, "upgrading the schema", err);
                goto fail;
            }
            if ((version < 2 && sqlite3_exec(r->db, SCORE_INDEXES, NULL, NULL, NULL) != SQLITE_OK &&
                 (st = dberr(r, "upgrading the schema", err))) ||
                (version < 3 && (st = grid_backfill(r, err))) ||
                (version < 4 && sqlite3_exec(r->db, PRACTICE_UPGRADE, NULL, NULL, NULL) != SQLITE_OK &&
                 (st = dberr(r, "upgrading the schema", err))) ||
                (sqlite3_exec(r->db, up, NULL, NULL, NULL) != SQLITE_OK &&
                 (st = dberr(r, "upgrading the schema", err)))) {
                sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
                goto fail;
            }
        }
    }
    if (sqlite3_exec(r->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     NULL) != SQLITE_OK) {
        st = dberr(r, "setting WAL mode", err);
        goto fail;
    }
    if (fresh) {
        char head[160];
        snprintf(head, sizeof head, "BEGIN; PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 REPORTS_DB_APP_ID, REPORTS_DB_SCHEMA);
        if (sqlite3_exec(r->db, head, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(r->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(r->db, "INSERT INTO meta(key, value) VALUES('central', ?)", -1, &q,
                               NULL) != SQLITE_OK ||
            sqlite3_bind_text(q, 1, central_fp, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_DONE ||
            sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            st = dberr(r, "making the schema", err);
            sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
        sqlite3_finalize(q);
        q = NULL;
    }
    if ((st = prepare(r, &r->q_pos, "SELECT seq FROM positions WHERE station_id = ?", err)) ||
        (st = prepare(r, &r->q_holds,
                      "SELECT 1 FROM attempts WHERE station_id = ?1 AND seq = ?2 UNION ALL "
                      "SELECT 1 FROM practice WHERE station_id = ?1 AND seq = ?2 UNION ALL "
                      "SELECT 1 FROM refused WHERE station_id = ?1 AND seq = ?2",
                      err)) ||
        (st = prepare(r, &r->q_attempt,
                      "INSERT INTO attempts(station_id, seq, attempt_id, district, trainee_id,"
                      " trainee_name, exam_id, exam_version, started_wall, finished_wall,"
                      " elapsed_ms, time_limit_s, points_milli, max_milli, percent, passed,"
                      " timed_out, clock, power_grace_s, n_items, n_answered, n_right,"
                      " received_wall, batch_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                      "?,?,?,?,?)",
                      err)) ||
        (st = prepare(r, &r->q_answer,
                      "INSERT INTO answers(attempt, pos, item_id, n_options, selected, answered,"
                      " flagged, is_right, points_milli, max_milli, answered_ms, time_ms)"
                      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                      err)) ||
        (st = prepare(r, &r->q_event,
                      "INSERT INTO clock_events(attempt, pos, kind, wall_before, wall_after,"
                      " mono_delta_ms, counted_ms) VALUES(?,?,?,?,?,?,?)",
                      err)) ||
        (st = prepare(r, &r->q_refuse,
                      "INSERT OR IGNORE INTO refused(station_id, seq, reason) VALUES(?,?,?)",
                      err)) ||
        (st = prepare(r, &r->q_practice,
                      "INSERT INTO practice(station_id, seq, record_id, district, trainee_id,"
                      " trainee_name, exam_id, exam_version, topic, item_id, try_no, is_right,"
                      " selected, created_wall, received_wall, batch_id)"
                      " VALUES(?1,?2,?3,?4,?5,"
                      " coalesce(nullif(?6, ''), (SELECT a.trainee_name FROM attempts a"
                      "  WHERE a.trainee_id = ?5 ORDER BY a.finished_wall DESC LIMIT 1), ''),"
                      " ?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
                      err)) ||
        (st = prepare(r, &r->q_setpos,
                      "INSERT INTO positions(station_id, seq) VALUES(?1, ?2) ON CONFLICT"
                      "(station_id) DO UPDATE SET seq = max(seq, ?2)",
                      err)) ||
        (st = prepare(r, &r->q_grid,
                      "INSERT INTO item_grid(exam_id, exam_version, district, attempt, n_cells,"
                      " cells) VALUES(?,?,?,?,?,?)",
                      err)))
        goto fail;
    *out = r;
    return SQ_OK;
fail:
    sqlite3_finalize(q);
    reports_db_close(r);
    return st;
}

void reports_db_close(reports_db *r)
{
    if (!r)
        return;
    if (r->db && r->in_tx)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(r->q_pos);
    sqlite3_finalize(r->q_holds);
    sqlite3_finalize(r->q_attempt);
    sqlite3_finalize(r->q_answer);
    sqlite3_finalize(r->q_event);
    sqlite3_finalize(r->q_refuse);
    sqlite3_finalize(r->q_setpos);
    sqlite3_finalize(r->q_grid);
    sqlite3_finalize(r->q_practice);
    sqlite3_close(r->db);
    free(r->cells);
    if (r->lock_fd >= 0)
        close(r->lock_fd); /* after SQLite: releases the flock */
    free(r);
}

/* Runs a prepared statement to its end and resets it. */
static sq_status step_done(reports_db *r, sqlite3_stmt *q, const char *what, sq_err *err)
{
    int rc = sqlite3_step(q);
    sq_status st = rc == SQLITE_DONE ? SQ_OK : dberr(r, what, err);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

sq_status reports_db_position(reports_db *r, const char *station_id, int64_t *seq, sq_err *err)
{
    *seq = 0;
    sqlite3_bind_text(r->q_pos, 1, station_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(r->q_pos);
    if (rc == SQLITE_ROW)
        *seq = sqlite3_column_int64(r->q_pos, 0);
    sqlite3_reset(r->q_pos);
    sqlite3_clear_bindings(r->q_pos);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return dberr(r, "reading the import's position", err);
    return SQ_OK;
}

sq_status reports_db_holds(reports_db *r, const char *station_id, int64_t seq, bool *held,
                           sq_err *err)
{
    sqlite3_bind_text(r->q_holds, 1, station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(r->q_holds, 2, seq);
    int rc = sqlite3_step(r->q_holds);
    *held = rc == SQLITE_ROW;
    sqlite3_reset(r->q_holds);
    sqlite3_clear_bindings(r->q_holds);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return dberr(r, "reading what was imported", err);
    return SQ_OK;
}

sq_status reports_db_begin(reports_db *r, sq_err *err)
{
    if (r->in_tx)
        return seterr(err, SQ_ESTATE, "reports.db: a transaction is open already%s%s", NULL, NULL);
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return dberr(r, "starting a transaction", err);
    r->in_tx = true;
    return SQ_OK;
}

sq_status reports_db_commit(reports_db *r, sq_err *err)
{
    if (!r->in_tx)
        return seterr(err, SQ_ESTATE, "reports.db: no transaction to commit%s%s", NULL, NULL);
    if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sq_status st = dberr(r, "committing", err);
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        r->in_tx = false;
        return st;
    }
    r->in_tx = false;
    return SQ_OK;
}

static bool item_right(const sq_result_item *it)
{
    return it->answered && it->max_milli > 0 && it->points_milli >= it->max_milli;
}

sq_status reports_db_put(reports_db *r, const sq_result *res, const char *district,
                         int64_t received_wall_s, const char *batch_id, sq_err *err)
{
    if (!r->in_tx)
        return seterr(err, SQ_ESTATE, "reports.db: put outside a transaction%s%s", NULL, NULL);
    int n_answered = 0, n_right = 0;
    for (int i = 0; i < res->n_items; i++) {
        n_answered += res->items[i].answered;
        n_right += item_right(&res->items[i]);
    }
    sqlite3_stmt *q = r->q_attempt;
    int k = 1;
    sqlite3_bind_text(q, k++, res->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, k++, res->seq);
    sqlite3_bind_text(q, k++, res->attempt_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, district ? district : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, res->trainee_id ? res->trainee_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, res->trainee_name ? res->trainee_name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, res->exam_id ? res->exam_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, k++, res->exam_version);
    sqlite3_bind_int64(q, k++, res->started_wall_s);
    sqlite3_bind_int64(q, k++, res->finished_wall_s);
    sqlite3_bind_int64(q, k++, res->elapsed_ms);
    sqlite3_bind_int64(q, k++, res->time_limit_s);
    sqlite3_bind_int64(q, k++, res->points_milli);
    sqlite3_bind_int64(q, k++, res->max_milli);
    sqlite3_bind_int(q, k++, res->percent);
    sqlite3_bind_int(q, k++, res->passed);
    sqlite3_bind_int(q, k++, res->timed_out);
    sqlite3_bind_int(q, k++, res->clock);
    sqlite3_bind_int64(q, k++, res->power_grace_s);
    sqlite3_bind_int(q, k++, res->n_items);
    sqlite3_bind_int(q, k++, n_answered);
    sqlite3_bind_int(q, k++, n_right);
    sqlite3_bind_int64(q, k++, received_wall_s);
    if (batch_id)
        sqlite3_bind_text(q, k++, batch_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, k++);
    sq_status st = step_done(r, q, "storing an attempt", err);
    if (st)
        return st;
    int64_t id = sqlite3_last_insert_rowid(r->db);
    /* Time taken per item: from the answer before it in time (the first:
     * from the start), so answers given in another order than the items'
     * still add up to the time of the answers. An item never answered
     * took no counted time. */
    int64_t *took = NULL;
    if (res->n_items > 0 && !(took = calloc((size_t)res->n_items, sizeof *took)))
        return seterr(err, SQ_ENOMEM, "out of memory%s%s", NULL, NULL);
    int *order = res->n_items > 0 ? calloc((size_t)res->n_items, sizeof *order) : NULL;
    if (res->n_items > 0 && !order) {
        free(took);
        return seterr(err, SQ_ENOMEM, "out of memory%s%s", NULL, NULL);
    }
    int n_order = 0;
    for (int i = 0; i < res->n_items; i++)
        if (res->items[i].answered)
            order[n_order++] = i;
    /* Insertion sort by answer time: stable, and items are few. */
    for (int i = 1; i < n_order; i++) {
        int v = order[i], j = i;
        while (j > 0 && res->items[order[j - 1]].answered_ms > res->items[v].answered_ms) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    int64_t prev_ms = 0;
    for (int i = 0; i < n_order; i++) {
        int64_t t = res->items[order[i]].answered_ms;
        took[order[i]] = t > prev_ms ? t - prev_ms : 0;
        if (t > prev_ms)
            prev_ms = t;
    }
    free(order);
    r->cells_len = 0;
    for (int i = 0; i < res->n_items; i++) {
        const sq_result_item *it = &res->items[i];
        if (!cells_add(r, i, it->item_id, it->n_options, it->selected, it->points_milli,
                       it->max_milli)) {
            free(took);
            return seterr(err, SQ_ENOMEM, "out of memory%s%s", NULL, NULL);
        }
        q = r->q_answer;
        k = 1;
        sqlite3_bind_int64(q, k++, id);
        sqlite3_bind_int(q, k++, i);
        sqlite3_bind_text(q, k++, it->item_id ? it->item_id : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(q, k++, it->n_options);
        sqlite3_bind_int64(q, k++, it->selected);
        sqlite3_bind_int(q, k++, it->answered);
        sqlite3_bind_int(q, k++, it->flagged);
        sqlite3_bind_int(q, k++, item_right(it));
        sqlite3_bind_int64(q, k++, it->points_milli);
        sqlite3_bind_int64(q, k++, it->max_milli);
        sqlite3_bind_int64(q, k++, it->answered_ms);
        sqlite3_bind_int64(q, k++, took[i]);
        if ((st = step_done(r, q, "storing an item's answer", err))) {
            free(took);
            return st;
        }
    }
    free(took);
    /* An attempt without items has nothing for item analysis. */
    if (res->n_items > 0 &&
        (st = grid_store(r, res->exam_id ? res->exam_id : "", res->exam_version,
                         district ? district : "", id, res->n_items, err)))
        return st;
    for (int i = 0; i < res->n_events; i++) {
        const sq_clock_event *ev = &res->events[i];
        q = r->q_event;
        k = 1;
        sqlite3_bind_int64(q, k++, id);
        sqlite3_bind_int(q, k++, i);
        sqlite3_bind_int(q, k++, ev->kind);
        sqlite3_bind_int64(q, k++, ev->wall_before_s);
        sqlite3_bind_int64(q, k++, ev->wall_after_s);
        sqlite3_bind_int64(q, k++, ev->mono_delta_ms);
        sqlite3_bind_int64(q, k++, ev->counted_ms);
        if ((st = step_done(r, q, "storing a clock event", err)))
            return st;
    }
    return SQ_OK;
}

sq_status reports_db_put_practice(reports_db *r, const sq_practice_rec *p, const char *district,
                                  int64_t received_wall_s, const char *batch_id, sq_err *err)
{
    if (!r->in_tx)
        return seterr(err, SQ_ESTATE, "reports.db: put outside a transaction%s%s", NULL, NULL);
    sqlite3_stmt *q = r->q_practice;
    int k = 1;
    sqlite3_bind_text(q, k++, p->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, k++, p->seq);
    sqlite3_bind_text(q, k++, p->record_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, district ? district : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, p->trainee_id ? p->trainee_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, p->trainee_name ? p->trainee_name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, p->exam_id ? p->exam_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, k++, p->exam_version);
    sqlite3_bind_text(q, k++, p->topic ? p->topic : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, k++, p->item_id ? p->item_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(q, k++, p->try_no);
    sqlite3_bind_int(q, k++, p->right);
    sqlite3_bind_int64(q, k++, p->selected);
    sqlite3_bind_int64(q, k++, p->created_wall_s);
    sqlite3_bind_int64(q, k++, received_wall_s);
    if (batch_id)
        sqlite3_bind_text(q, k++, batch_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, k++);
    return step_done(r, q, "storing a practice record", err);
}

sq_status reports_db_refuse(reports_db *r, const char *station_id, int64_t seq, const char *reason,
                            sq_err *err)
{
    if (!r->in_tx)
        return seterr(err, SQ_ESTATE, "reports.db: refuse outside a transaction%s%s", NULL, NULL);
    sqlite3_bind_text(r->q_refuse, 1, station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(r->q_refuse, 2, seq);
    sqlite3_bind_text(r->q_refuse, 3, reason, -1, SQLITE_STATIC);
    return step_done(r, r->q_refuse, "recording a refused result", err);
}

sq_status reports_db_set_position(reports_db *r, const char *station_id, int64_t seq, sq_err *err)
{
    if (!r->in_tx)
        return seterr(err, SQ_ESTATE, "reports.db: position outside a transaction%s%s", NULL, NULL);
    sqlite3_bind_text(r->q_setpos, 1, station_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(r->q_setpos, 2, seq);
    return step_done(r, r->q_setpos, "recording the import's position", err);
}

sq_status reports_db_counts(reports_db *r, int64_t *attempts, int64_t *refused, sq_err *err)
{
    return reports_db_counts_all(r, attempts, NULL, refused, err);
}

sq_status reports_db_counts_all(reports_db *r, int64_t *attempts, int64_t *practice,
                                int64_t *refused, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT (SELECT count(*) FROM attempts), (SELECT count(*) FROM refused),"
                           " (SELECT count(*) FROM practice)",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return dberr(r, "counting", err);
    }
    if (attempts)
        *attempts = sqlite3_column_int64(q, 0);
    if (refused)
        *refused = sqlite3_column_int64(q, 1);
    if (practice)
        *practice = sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);
    return SQ_OK;
}
