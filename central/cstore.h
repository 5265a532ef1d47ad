/*
 * cstore.h - central's result store: what the receiver keeps of the
 * uploads it acknowledged. Sealed results by (station, seq), batches by id
 * with the SHA-256 of their bytes, each station's latest heartbeat and the
 * history of them, and each station's highest contiguous sequence number.
 *
 * The interface says nothing of the engine; cstore_front.c picks one from
 * what cstore_open is given. A file name: SQLite (cstore_sqlite.c, the
 * default), results.db in central's home, apart from the station registry
 * (central.db), because DESIGN.md allows one writing process per database
 * file; a writable handle holds an exclusive lock on "<path>-lock" for its
 * lifetime, so a second writer process is refused (SQ_EBUSY). A URL
 * postgresql://... or postgres://... (libpq's syntax): PostgreSQL
 * (cstore_pg.c), where any number of receivers share one database and the
 * database itself enforces that a batch id and a (station, seq) are
 * stored once.
 *
 * A handle may be shared by threads. SQLite: every call holds the
 * handle's mutex (one writer at a time); PostgreSQL: each call takes one
 * of the handle's connections (up to 8, opened as needed), so calls
 * overlap. Commits are durable (SQLite: WAL, synchronous=FULL;
 * PostgreSQL: the server's commit) before a call returns.
 */
#ifndef SYNAQ_CENTRAL_CSTORE_H
#define SYNAQ_CENTRAL_CSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include "synaq/batch.h"
#include "synaq/result.h"

typedef struct cstore cstore;

/* Open for reading only (reports): no lock, no writes, no checkpoint. */
enum { CSTORE_READONLY = 1 };

/* Opens (creating or upgrading the schema, when writable) the store at
 * path, a file name or a PostgreSQL URL (cstore_is_url). SQ_EBUSY when
 * another process holds a SQLite file for writing; SQ_ECORRUPT for a file
 * or database that is not a result store; SQ_ESTATE for one of a newer
 * schema than this build knows; SQ_ENET when the server cannot be reached;
 * SQ_EAUTH when it refuses the credentials; SQ_ENOTFOUND when opened
 * read-only and nothing was ever stored. Messages never show a password.
 * Caller owns *out (cstore_close). */
sq_status cstore_open(const char *path, int flags, cstore **out, sq_err *err) SQ_MUST_CHECK;
/* Closes (checkpointing a writable SQLite store). NULL is a no-op. */
void cstore_close(cstore *cs);

/* How much heartbeat history a station can make central keep: its newest
 * keep heartbeats, and beyond those the first of each day (UTC, by
 * central's clock) of the last days days; older ones are deleted as new
 * ones come. The defaults: CSTORE_HB_KEEP, CSTORE_HB_DAYS. keep below 1 or
 * days below 0: SQ_EINVAL, nothing changed. Set before uploads start (not
 * synchronised with cstore_put_upload). */
#define CSTORE_HB_KEEP 100
#define CSTORE_HB_DAYS 366
sq_status cstore_set_heartbeat_cap(cstore *cs, int64_t keep, int64_t days,
                                   sq_err *err) SQ_MUST_CHECK;

/* Whether path names a PostgreSQL database (postgresql:// or postgres://,
 * any case) rather than a SQLite file. NULL: false. */
bool cstore_is_url(const char *path);

/* path as it may be shown in a message or a log: a URL's password (in
 * user:secret@ or password=secret) replaced by "***". Writes at most cap
 * bytes to out, NUL-terminated, cut when longer. */
void cstore_where(const char *path, char *out, size_t cap);

/* "sqlite" or "postgresql": the handle's engine (a static string). */
const char *cstore_engine(const cstore *cs);

/* One sealed result of a batch. The bytes are borrowed for the call. */
typedef struct {
    int64_t seq;
    const uint8_t *sealed;
    size_t len;
} cstore_result;

/* An upload that passed every check of sync/PROTOCOL.md. Everything is
 * borrowed for the call. */
typedef struct {
    const sq_heartbeat *hb;      /* hb->station_id names the station */
    int64_t received_wall_s;     /* central's clock */
    const char *batch_id;        /* 32 hex; NULL: a heartbeat alone */
    const uint8_t *batch_sha256; /* 32 bytes, of the batch's bytes */
    size_t batch_len;
    const cstore_result *results; /* n_results of them, seqs ascending */
    size_t n_results;
    /* Carried by hand (a stick): its heartbeat is not a live one and is
     * not stored; the station is recorded as last carried by stick at
     * received_wall_s instead (cstore_stick_latest). */
    bool by_stick;
} cstore_upload;

typedef enum {
    CSTORE_NEW = 0,   /* stored (results already held byte-identical skipped) */
    CSTORE_DUPLICATE, /* the batch id is known with the same bytes: nothing new */
    CSTORE_CONFLICT   /* a known batch id or (station, seq) with other bytes */
} cstore_outcome;

typedef struct {
    cstore_outcome outcome;
    size_t n_new;         /* results newly stored (0 unless CSTORE_NEW) */
    int64_t highest;      /* the station's highest contiguous seq after the call */
    int64_t held_max;     /* the highest seq held for the station after the call */
    int64_t conflict_seq; /* CONFLICT: the seq that differs; 0: the batch id */
    int64_t hb_counter;   /* the newest heartbeat counter held for the station */
} cstore_ack;

/* Stores an upload in one durable transaction: the batch by its id, each
 * result by (station, seq), the heartbeat (latest and history) when its
 * counter is above the newest held (an older one, replayed or overtaken,
 * is not stored, and the upload is still answered), the history then cut
 * to the cap (cstore_set_heartbeat_cap); by stick, no heartbeat but the
 * time it was carried in. On
 * CSTORE_CONFLICT nothing at all is stored (the status is still SQ_OK: the
 * call worked, the upload is refused). A duplicate still records the
 * heartbeat. SQ_EFULL / SQ_EIO when the disk fails; nothing stored. */
sq_status cstore_put_upload(cstore *cs, const cstore_upload *up, cstore_ack *ack,
                            sq_err *err) SQ_MUST_CHECK;

/* Highest N such that results 1..N of the station are all stored (0 for a
 * station never heard of). */
sq_status cstore_highest(cstore *cs, const char *station_id, int64_t *highest,
                         sq_err *err) SQ_MUST_CHECK;

/* The station's latest heartbeat and when central received it;
 * SQ_ENOTFOUND when it never sent one. */
sq_status cstore_heartbeat_latest(cstore *cs, const char *station_id, sq_heartbeat *hb,
                                  int64_t *received_wall_s, sq_err *err) SQ_MUST_CHECK;

/* When the station was last carried in by stick (ingest: the newest
 * received_wall_s of an upload with by_stick that was not refused);
 * SQ_ENOTFOUND when never. Apart from the heartbeat, which only the
 * network brings: the fleet tells "last heard by network" from "last
 * carried by stick". */
sq_status cstore_stick_latest(cstore *cs, const char *station_id, int64_t *received_wall_s,
                              sq_err *err) SQ_MUST_CHECK;

/* Calls fn for each heartbeat received from the station (oldest first). */
typedef int (*cstore_heartbeat_fn)(void *ctx, const sq_heartbeat *hb, int64_t received_wall_s);
sq_status cstore_each_heartbeat(cstore *cs, const char *station_id, cstore_heartbeat_fn fn,
                                void *ctx, sq_err *err) SQ_MUST_CHECK;

/* Calls fn for each stored result (station_id NULL: of every station), by
 * station then seq, with seq > after_seq. The bytes are borrowed for the
 * call of fn. fn returning non-zero stops the walk (SQ_OK). */
typedef int (*cstore_result_fn)(void *ctx, const char *station_id, int64_t seq,
                                const uint8_t *sealed, size_t len, const char *batch_id,
                                int64_t received_wall_s);
sq_status cstore_each_result(cstore *cs, const char *station_id, int64_t after_seq,
                             cstore_result_fn fn, void *ctx, sq_err *err) SQ_MUST_CHECK;

/* Whether the batch id is stored; fills sha256 (32 bytes) when non-NULL. */
sq_status cstore_batch_known(cstore *cs, const char *batch_id, bool *known, uint8_t *sha256,
                             sq_err *err) SQ_MUST_CHECK;

#endif
