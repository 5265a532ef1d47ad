/*
 * stats_types.h - the types of the console's reading side (stats.h),
 * apart, so that its engines (stats.c's SQLite, fleetsrc_pg.c) share them
 * without depending on the front that calls them (as registry_types.h).
 */
#ifndef SYNAQ_CONSOLE_STATS_TYPES_H
#define SYNAQ_CONSOLE_STATS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

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

/* Called for each station of a walk; non-zero stops it. */
typedef int (*stats_station_fn)(void *ctx, const stats_station *st);

#endif
