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
} cstore_ops;

struct cstore {
    const cstore_ops *ops;
};

/* The backends' openers, with cstore_open's contract. path is a file name
 * for SQLite, a libpq URL (postgresql://...) for PostgreSQL. */
sq_status cstore_sqlite_open(const char *path, int flags, cstore **out, sq_err *err) SQ_MUST_CHECK;
sq_status cstore_pg_open(const char *url, int flags, cstore **out, sq_err *err) SQ_MUST_CHECK;
/* cstore_where for a URL (cstore_pg.c: only URLs carry passwords). */
void cstore_pg_where(const char *url, char *out, size_t cap);

#endif
