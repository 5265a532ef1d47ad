/*
 * stats_int.h - private to the console's reading side (stats.h, fleet.h):
 * the two engines behind one handle. stats_open picks one from the store
 * it is given, as cstore_front.c does: a postgresql:// URL reads central's
 * PostgreSQL database (fleetsrc_pg.c: the registry's stations and the
 * store's heartbeats, batches, results, stick carry-ins, all in one
 * database), anything else SQLite's central.db and results.db
 * (stats.c, fleet.c). Every public call of stats.h and fleet.h goes to
 * the handle's engine; what follows the reading (the attention bits, the
 * order, the history's pages and the stick's row) is the same code for
 * both, so both show the same pages with the same numbers.
 */
#ifndef SYNAQ_CONSOLE_STATS_INT_H
#define SYNAQ_CONSOLE_STATS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet.h"
#include "stats.h"

/* SQLite: the files a handle reads (NULL for a PostgreSQL handle). */
const char *stats_central_path(const stats *s);
const char *stats_results_path(const stats *s);

/* The stations of the district (NULL: all) or the one id (NULL: all), each
 * with what the store holds of it, before fleet_attention and the order
 * (fleet.c adds them). Caller frees *out. */
sq_status fleet_sqlite_rows(const stats *s, const char *district, const char *id, int64_t now,
                            fleet_station **out, size_t *n, sq_err *err) SQ_MUST_CHECK;
/* A page of the station's heartbeats: those after cursor, oldest first
 * (after), else those before cursor (0: the newest), newest first; at
 * most FLEET_HISTORY_ROWS + 1 into got. *total: all the station's
 * heartbeats; chart: its newest FLEET_CHART_POINTS, oldest first.
 * SQ_ENOTFOUND when cursor is not one of the station's. */
typedef struct {
    fleet_beat got[FLEET_HISTORY_ROWS + 1];
    size_t n;
    int64_t total;
    int64_t chart_t[FLEET_CHART_POINTS], chart_pending[FLEET_CHART_POINTS];
    size_t chart_n;
} fleet_page;
sq_status fleet_sqlite_page(const stats *s, const char *station_id, int64_t cursor, bool after,
                            fleet_page *p, sq_err *err) SQ_MUST_CHECK;

/* ---- the PostgreSQL engine (fleetsrc_pg.c) ---- */

typedef struct fleetsrc_pg fleetsrc_pg;
/* The handle of a stats opened on a URL; NULL for SQLite. */
fleetsrc_pg *stats_pg(const stats *s);

/* Connects read-only (the schema must be this build's: SQ_ESTATE for a
 * newer one; SQ_ENET, SQ_EAUTH as cstore_open). Caller owns *out. */
sq_status fleetsrc_pg_open(const char *url, fleetsrc_pg **out, sq_err *err) SQ_MUST_CHECK;
void fleetsrc_pg_close(fleetsrc_pg *p);
/* stats.h's calls, with their contracts. */
sq_status fleetsrc_pg_overview(fleetsrc_pg *p, const char *district, const stats_when *w,
                               stats_overview *o, sq_err *err) SQ_MUST_CHECK;
sq_status fleetsrc_pg_stations(fleetsrc_pg *p, const char *district, const char *id,
                               stats_show show, const stats_when *w, int limit,
                               stats_station_fn fn, void *ctx, sq_err *err) SQ_MUST_CHECK;
sq_status fleetsrc_pg_district_stations(fleetsrc_pg *p, const char *district, int64_t *n,
                                        sq_err *err) SQ_MUST_CHECK;
/* fleet_sqlite_rows and fleet_sqlite_page on PostgreSQL. */
sq_status fleetsrc_pg_rows(fleetsrc_pg *p, const char *district, const char *id, int64_t now,
                           fleet_station **out, size_t *n, sq_err *err) SQ_MUST_CHECK;
sq_status fleetsrc_pg_page(fleetsrc_pg *p, const char *station_id, int64_t cursor, bool after,
                           fleet_page *pg, sq_err *err) SQ_MUST_CHECK;

#endif
