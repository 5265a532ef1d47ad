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

/* The moments the numbers are counted from, all central's wall clock in
 * seconds (the caller's clock: tests inject it). */
typedef struct {
    int64_t now;
    int64_t day_start;      /* the start of today, in the console's time zone */
    int64_t silent_after_s; /* a station not heard from for longer is silent */
} stats_when;

/* The week: today and the six days before it (from a day's start, so that
 * the count comes from the stores' summary by quarter of an hour). */
#define STATS_WEEK_START(w) ((w)->day_start - 6 * 86400)

typedef struct {
    int64_t results_today, results_week, results_all; /* week: STATS_WEEK_START */
    int64_t stations;                                 /* enrolled, not revoked */
    int64_t revoked;
    int64_t silent;           /* not revoked, no live heartbeat for silent_after_s */
    int64_t waiting;          /* results waiting at stations, from their last heartbeat */
    int64_t stations_waiting; /* stations with results waiting */
    int64_t oldest_waiting_s; /* age of the oldest result waiting, now; 0: none */
} stats_overview;

/* The numbers for one district's stations (district NULL: every one). */
sq_status stats_overview_get(stats *s, const char *district, const stats_when *w, stats_overview *o,
                             sq_err *err) SQ_MUST_CHECK;

typedef struct {
    char id[65];
    char district[257];
    char label[257];
    bool revoked;
    bool silent;
    int64_t enrolled_wall;
    int64_t last_heartbeat;   /* central's clock; 0: never (a stick is not a heartbeat) */
    int64_t last_upload;      /* network or stick; 0: never */
    int64_t last_stick;       /* when a stick last carried it in (ingest); 0: never */
    int64_t pending;          /* from the last heartbeat */
    int64_t oldest_pending_s; /* its age now; 0: none */
    int64_t results;          /* results central holds from it */
    char software[32];
} stats_station;

/* Which stations a list shows: the rows behind the Overview's numbers. */
typedef enum {
    STATS_ALL = 0,
    STATS_SILENT,  /* the "silent" number */
    STATS_WAITING, /* not revoked, with results waiting */
    STATS_REVOKED
} stats_show;

/* Calls fn for each station of the district (NULL: all) that show
 * selects, those needing attention first (silent, then most results
 * waiting), at most limit of them. *st is borrowed for the call; fn
 * returning non-zero stops. */
typedef int (*stats_station_fn)(void *ctx, const stats_station *st);
sq_status stats_stations(stats *s, const char *district, stats_show show, const stats_when *w,
                         int limit, stats_station_fn fn, void *ctx, sq_err *err) SQ_MUST_CHECK;
/* One station; SQ_ENOTFOUND for an id not enrolled. */
sq_status stats_station_get(stats *s, const char *id, const stats_when *w, stats_station *st,
                            sq_err *err) SQ_MUST_CHECK;

/* How many stations (revoked ones too) were enrolled in the district. */
sq_status stats_district_stations(stats *s, const char *district, int64_t *n,
                                  sq_err *err) SQ_MUST_CHECK;

#endif
