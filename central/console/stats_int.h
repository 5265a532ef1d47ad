/*
 * stats_int.h - private to the console's reading side (stats.h, fleet.h):
 * the two engines behind one handle. stats_open picks one from the store
 * it is given, as cstore_front.c does: a postgresql:// URL reads central's
 * PostgreSQL database (fleetsrc_pg.c: the registry's stations and the
 * store's heartbeats, batches, results, stick carry-ins, all in one
 * database), anything else SQLite's central.db and results.db
 * (stats.c, fleet.c). Every public call of stats.h and fleet.h goes to
 * the handle's engine (the Fleet's engine functions: fleet_int.h); what
 * follows the reading (the attention bits, the order, the history's pages
 * and the stick's row) is the same code for both, so both show the same
 * pages with the same numbers.
 */
#ifndef SYNAQ_CONSOLE_STATS_INT_H
#define SYNAQ_CONSOLE_STATS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleetsrc_pg.h"
#include "stats.h"

/* SQLite: the files a handle reads (NULL for a PostgreSQL handle). */
const char *stats_central_path(const stats *s);
const char *stats_results_path(const stats *s);

/* The handle of a stats opened on a URL; NULL for SQLite. */
fleetsrc_pg *stats_pg(const stats *s);

#endif
