/*
 * fleetsrc_pg.h - the console's reading side on PostgreSQL
 * (fleetsrc_pg.c): the calls of stats.h and fleet.h that stats.c and
 * fleet.c hand over for a handle opened on a postgresql:// URL
 * (stats_int.h). Nothing outside them includes this.
 */
#ifndef SYNAQ_CONSOLE_FLEETSRC_PG_H
#define SYNAQ_CONSOLE_FLEETSRC_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <synaq/synaq.h>

#include "fleet_types.h"
#include "stats_types.h"

typedef struct fleetsrc_pg fleetsrc_pg;

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
                           fleet_beat_page *pg, sq_err *err) SQ_MUST_CHECK;

#endif
