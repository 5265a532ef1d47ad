/*
 * fleet_int.h - private to the Fleet (fleet.h): what each engine reads
 * for it (stats_int.h says how a handle picks its engine), before the
 * shared code in fleet.c adds the attention bits, the order and the
 * history's pages. SQLite: fleet.c; PostgreSQL: fleetsrc_pg.c.
 */
#ifndef SYNAQ_CONSOLE_FLEET_INT_H
#define SYNAQ_CONSOLE_FLEET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet.h"
#include "stats_int.h"

/* The stations of the district (NULL: all) or the one id (NULL: all), each
 * with what the store holds of it, before fleet_attention and the order
 * (fleet.c adds them). Caller frees *out. */
sq_status fleet_sqlite_rows(const stats *s, const char *district, const char *id, int64_t now,
                            fleet_station **out, size_t *n, sq_err *err) SQ_MUST_CHECK;
/* A page of the station's heartbeats (fleet_beat_page, fleet_types.h). */
sq_status fleet_sqlite_page(const stats *s, const char *station_id, int64_t cursor, bool after,
                            fleet_beat_page *p, sq_err *err) SQ_MUST_CHECK;


#endif
