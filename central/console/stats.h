/*
 * stats.h - what the console shows of central's stores, read only: the
 * station registry (central.db) and what the receiver stored
 * (results.db), or both in central's PostgreSQL database. Its own reading
 * module, not the receiver's store interface (cstore.h), which has no
 * queries for reports; on SQLite it opens both files read-only, so it
 * never writes or checkpoints them (DESIGN.md: one writer per file; the
 * receiver is results.db's, enroll and revoke central.db's); on
 * PostgreSQL its session is read-only. The engines: stats_int.h.
 *
 * Sealed results are only counted here, never opened: that needs
 * results.key (see central/README.md, "Console").
 *
 * A handle may be shared by threads (a mutex); each call reads in one
 * read transaction, so its numbers agree with each other.
 */
#ifndef SYNAQ_CENTRAL_STATS_H
#define SYNAQ_CENTRAL_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include "synaq/synaq.h"
#include "stats_types.h"

typedef struct stats stats;

/* Opens central's stores read-only: store is the result store as the
 * commands have it (--db). A postgresql:// URL: central's PostgreSQL
 * database, registry and store in one (stats_int.h; SQ_ENET, SQ_EAUTH,
 * SQ_ESTATE for a newer schema, as cstore_open). Else SQLite: HOME/
 * central.db and store (NULL or "": HOME/results.db). Either file may be
 * missing (nothing enrolled, nothing received): the numbers are then 0,
 * and a file that appears later is read from then on. SQ_ECORRUPT for a
 * file that is not what it should be. Caller owns *out (stats_close). */
sq_status stats_open(const char *home, const char *store, stats **out, sq_err *err) SQ_MUST_CHECK;
void stats_close(stats *s); /* NULL is a no-op */


/* The numbers for one district's stations (district NULL: every one). */
sq_status stats_overview_get(stats *s, const char *district, const stats_when *w, stats_overview *o,
                             sq_err *err) SQ_MUST_CHECK;


/* Calls fn for each station of the district (NULL: all) that show
 * selects, those needing attention first (silent, then most results
 * waiting), at most limit of them. *st is borrowed for the call; fn
 * returning non-zero stops. */
sq_status stats_stations(stats *s, const char *district, stats_show show, const stats_when *w,
                         int limit, stats_station_fn fn, void *ctx, sq_err *err) SQ_MUST_CHECK;
/* One station; SQ_ENOTFOUND for an id not enrolled. */
sq_status stats_station_get(stats *s, const char *id, const stats_when *w, stats_station *st,
                            sq_err *err) SQ_MUST_CHECK;

/* How many stations (revoked ones too) were enrolled in the district. */
sq_status stats_district_stations(stats *s, const char *district, int64_t *n,
                                  sq_err *err) SQ_MUST_CHECK;

#endif
