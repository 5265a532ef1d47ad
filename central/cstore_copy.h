/*
 * cstore_copy.h - moving central's result store from one engine to
 * another (a pilot's results.db into PostgreSQL, or back): a summary of a
 * store that both engines compute alike, and a copy into an empty store
 * checked against it. `synaq-central migrate-store` is its one user.
 *
 * Its own module beside cstore.h because it is no part of the receiver's
 * work: it walks every table of a store through the backends' copy
 * functions (cstore_int.h) in one thread, once, while no receiver runs.
 *
 * The summary: the rows of each table, and a SHA-256 over every row of
 * every table, tables in a fixed order, rows by their keys (text by
 * bytes), each value as a kind letter and its bytes (integers as 8 bytes
 * big-endian, text and bytes after their length as 8 bytes big-endian).
 * Nothing of the engine is in it, so equal summaries mean equal stores.
 */
#ifndef SYNAQ_CENTRAL_CSTORE_COPY_H
#define SYNAQ_CENTRAL_CSTORE_COPY_H

#include "cstore.h"

/* The tables, in the summary's order: batches, results, progress,
 * heartbeats, heartbeat_latest. */
#define CSTORE_COPY_TABLES 6

typedef struct {
    int64_t rows[CSTORE_COPY_TABLES];
    uint8_t sha256[32];
} cstore_summary;

/* The name of table i (0 <= i < CSTORE_COPY_TABLES), a static string. */
const char *cstore_copy_table(int i);

/* Reads every row of cs into *out. */
sq_status cstore_summarise(cstore *cs, cstore_summary *out, sq_err *err) SQ_MUST_CHECK;

bool cstore_summary_equal(const cstore_summary *a, const cstore_summary *b);

/* "batches 3, results 120, progress 1, heartbeats 4, heartbeat_latest 1;
 * sha256 <64 hex>", at most cap bytes, NUL-terminated. */
void cstore_summary_text(const cstore_summary *s, char *out, size_t cap);

/* Copies every row of from into to, which must hold none, in one
 * transaction of to's: loaded, read back and summarised inside it, and
 * committed only when the read-back summary equals from's (then *out,
 * when non-NULL, gets it). Refused, with to unchanged: SQ_EINVAL when the
 * two are one store; SQ_ESTATE when to holds any row; SQ_ECORRUPT when
 * the read-back differs (what differs is in the message). Nothing may
 * write to either meanwhile (a SQLite store's writer lock, held by its
 * writable handle, keeps receivers out; stop PostgreSQL's receivers:
 * to's tables are locked for the copy, from's are not). Both handles are
 * borrowed. */
sq_status cstore_copy(cstore *from, cstore *to, cstore_summary *out, sq_err *err) SQ_MUST_CHECK;

#endif
