/*
 * cstore_int.h - private to central's result store: the table of a
 * backend's functions that cstore_front.c (the front) calls. cstore_sqlite.c and
 * cstore_pg.c each fill one; nothing outside the cstore files includes
 * this, as SQLite keeps btreeInt.h to btree.c.
 *
 * A backend's handle begins with struct cstore (its ops), so the front can
 * call through any handle. The front checks nothing a backend must check
 * itself: each keeps its own mutex and its own messages; the contract of
 * every call is cstore.h's.
 */
#ifndef SYNAQ_CENTRAL_CSTORE_INT_H
#define SYNAQ_CENTRAL_CSTORE_INT_H

#include "cstore.h"

/* The store's tables as the copy sees them (cstore_copy.c): the columns
 * of each in a fixed order, each column's kind (i: integer, t: text, b:
 * bytes) and the order its rows are walked in (by their keys, text by
 * bytes, as both engines sort it). The same on both engines, so that a
 * walk of either reads the same rows in the same order. */
enum {
    CSTORE_T_BATCHES,
    CSTORE_T_RESULTS,
    CSTORE_T_PROGRESS,
    CSTORE_T_HEARTBEATS,
    CSTORE_T_HB_LATEST,
    CSTORE_T_STICK_LATEST,
    CSTORE_N_TABLES
};
#define CSTORE_MAX_COLUMNS 12

typedef struct {
    const char *name;
    const char *columns; /* comma-separated, for SELECT and INSERT */
    const char *kinds;   /* one letter per column */
    const char *order;   /* ORDER BY */
} cstore_table_spec;

/* Defined in cstore_tables.c. */
extern const cstore_table_spec cstore_tables[CSTORE_N_TABLES];

/* One value of a row: i for kind i; p and len for t and b (borrowed for
 * the call it is handed to; text is not NUL-terminated there). */
typedef struct {
    int64_t i;
    const uint8_t *p;
    size_t len;
} cstore_value;

/* Called for each row of a walk; non-zero stops it (SQ_OK). */
typedef int (*cstore_row_fn)(void *ctx, int table, const cstore_value *vals);

typedef struct cstore_ops {
    const char *engine; /* "sqlite", "postgresql" */
    void (*close)(cstore *cs);
    sq_status (*put_upload)(cstore *cs, const cstore_upload *up, cstore_ack *ack, sq_err *err);
    sq_status (*highest)(cstore *cs, const char *station_id, int64_t *highest, sq_err *err);
    sq_status (*heartbeat_latest)(cstore *cs, const char *station_id, sq_heartbeat *hb,
                                  int64_t *received_wall_s, sq_err *err);
    sq_status (*each_heartbeat)(cstore *cs, const char *station_id, cstore_heartbeat_fn fn,
                                void *ctx, sq_err *err);
    sq_status (*each_result)(cstore *cs, const char *station_id, int64_t after_seq,
                             cstore_result_fn fn, void *ctx, sq_err *err);
    sq_status (*batch_known)(cstore *cs, const char *batch_id, bool *known, uint8_t *sha256,
                             sq_err *err);
    sq_status (*stick_latest)(cstore *cs, const char *station_id, int64_t *received_wall_s,
                              sq_err *err);

    /* ---- the copy (cstore_copy.c); one thread, while nothing else
     * writes ---- */
    /* Every row of the table, in cstore_tables[table].order; inside a
     * load, on the load's connection (its own rows included). */
    sq_status (*each_row)(cstore *cs, int table, cstore_row_fn fn, void *ctx, sq_err *err);
    /* Begins the one transaction of a load, with the tables locked
     * against other writers; SQ_ESTATE when any table holds a row. */
    sq_status (*load_begin)(cstore *cs, sq_err *err);
    /* Adds one row to the table (tables in order, each one's rows
     * together). */
    sq_status (*load_row)(cstore *cs, int table, const cstore_value *vals, sq_err *err);
    /* Every row is in: ends what load_row left open (a COPY), so that
     * each_row reads them back. */
    sq_status (*load_done)(cstore *cs, sq_err *err);
    /* Commits the load (commit) or rolls it back; the load is over either
     * way. */
    sq_status (*load_end)(cstore *cs, bool commit, sq_err *err);
    /* Names the database the handle is on, the same for two handles on
     * one store (SQLite: the file's device and inode; PostgreSQL: the
     * cluster's system identifier and the database). */
    sq_status (*identity)(cstore *cs, char *out, size_t cap, sq_err *err);
    /* Holds the store still as a copy's source, until read_end: every
     * each_row reads one snapshot and no one writes meanwhile; refused
     * (SQ_EBUSY) while a receiver is connected to it. NULL where opening
     * the handle already keeps writers out (SQLite: its writer lock). */
    sq_status (*read_begin)(cstore *cs, sq_err *err);
    void (*read_end)(cstore *cs);
} cstore_ops;

struct cstore {
    const cstore_ops *ops;
    /* The heartbeat history's cap (cstore_set_heartbeat_cap), set by the
     * front after a backend opened; the backends read it. */
    int64_t hb_keep, hb_days;
};

/* The statement that cuts a station's heartbeat history to the cap, the
 * same SQL on both engines; parameters: 1 the station, 2 keep, 3 now
 * (central's clock, s), 4 days. Of the rows older than the station's
 * keep newest, it keeps the first of each day of the last days days. */
#define CSTORE_HB_PRUNE_SQL(P1, P2, P3, P4)                                                        \
    "DELETE FROM heartbeats WHERE station_id = " P1 " AND id < (SELECT h.id FROM heartbeats h"     \
    " WHERE h.station_id = " P1 " ORDER BY h.id DESC LIMIT 1 OFFSET " P2 " - 1)"                   \
    " AND (received_wall < " P3 " - " P4 " * 86400 OR id NOT IN (SELECT min(d.id)"                 \
    " FROM heartbeats d WHERE d.station_id = " P1 " GROUP BY d.received_wall / 86400))"

/* The backends' openers, with cstore_open's contract. path is a file name
 * for SQLite, a libpq URL (postgresql://...) for PostgreSQL. */
sq_status cstore_sqlite_open(const char *path, int flags, cstore **out, sq_err *err) SQ_MUST_CHECK;
sq_status cstore_pg_open(const char *url, int flags, cstore **out, sq_err *err) SQ_MUST_CHECK;
/* cstore_where for a URL (cstore_pg.c: only URLs carry passwords). */
void cstore_pg_where(const char *url, char *out, size_t cap);
/* The application_name of this process's PostgreSQL connections (the
 * fallback: a URL may set its own): CSTORE_PG_APP_WRITER "PID" for one
 * that writes, "synaq-central r PID" for one that only reads. The
 * registry's connections say the same; migrate-store refuses a source
 * that a writer is connected to. */
#define CSTORE_PG_APP_WRITER "synaq-central w "
void cstore_pg_app_name(bool readonly, char *out, size_t cap);

#endif
