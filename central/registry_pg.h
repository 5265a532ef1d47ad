/*
 * registry_pg.h - the station registry's PostgreSQL engine
 * (registry_pg.c), called by registry.c when the registry's path is a
 * PostgreSQL URL (cstore_is_url): the same calls, the same rules and
 * messages as the SQLite engine's, on tables beside the result store's
 * in the same database. Strings and keys passed in are borrowed for the
 * call; the handle is the caller's (regpg_close).
 */
#ifndef SYNAQ_CENTRAL_REGISTRY_PG_H
#define SYNAQ_CENTRAL_REGISTRY_PG_H

#include <stdbool.h>
#include <stdio.h>
#include "registry_types.h"
#include "synaq/keys.h"

typedef struct regpg regpg;

/* Opens the registry in the database at url, whose store the caller
 * opened first (that makes or upgrades the tables); SQ_ENOTFOUND when
 * they are not there. readonly only names the connection a reader. */
sq_status regpg_open(const char *url, bool readonly, regpg **out, sq_err *err);
void regpg_close(regpg *g);
int regpg_station_state(regpg *g, const char *station_id);
sq_status regpg_add(regpg *g, const sq_cert *c, bool replace, const char *by, sq_err *err);
sq_status regpg_revoke(regpg *g, const char *station_id, const char *by, sq_err *err);
sq_status regpg_station_key(regpg *g, const char *station_id, uint8_t sign_pk[32], sq_err *err);
sq_status regpg_station_keys_all(regpg *g, const char *station_id, uint8_t (*keys)[32],
                                 size_t max, size_t *n, sq_err *err);
sq_status regpg_each(regpg *g, registry_station_fn fn, void *ctx, sq_err *err);
sq_status regpg_print(regpg *g, FILE *out, sq_err *err);
sq_status regpg_print_audit(regpg *g, FILE *out, sq_err *err);

/* For registry_copy: every row of one table (REGISTRY_T_*), in its
 * order; and the rows of a copy, loaded in one transaction that
 * regpg_load_begin opens (SQ_ESTATE when any table holds a row) and
 * regpg_load_end commits or rolls back. */
sq_status regpg_each_row(regpg *g, int table, registry_row_fn fn, void *ctx, sq_err *err);
sq_status regpg_load_begin(regpg *g, sq_err *err);
sq_status regpg_load_row(regpg *g, int table, const registry_row *row, sq_err *err);
sq_status regpg_load_end(regpg *g, bool commit, sq_err *err);

#endif
