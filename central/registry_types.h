/*
 * registry_types.h - the types the station registry's calls pass around
 * (registry.h), apart so that its engines (registry_pg.h) name them
 * without depending on the front that calls them. Nothing here owns
 * memory: every pointer is borrowed for the call it is passed to.
 */
#ifndef SYNAQ_CENTRAL_REGISTRY_TYPES_H
#define SYNAQ_CENTRAL_REGISTRY_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* A station, as registry_each walks them. */
typedef int (*registry_station_fn)(void *ctx, const char *station_id, const char *district,
                                   bool revoked);

/* The registry's tables, copied in this order. */
enum { REGISTRY_T_STATIONS, REGISTRY_T_KEYS, REGISTRY_T_AUDIT, REGISTRY_N_TABLES };
/* One row of one of them; what a table has not is NULL or 0. Borrowed
 * for the call it is passed to. */
typedef struct {
    const char *station_id;
    const char *district, *label;    /* stations */
    const uint8_t *sign_pk, *box_pk; /* stations, keys: 32 bytes each */
    int64_t issued_wall;             /* stations, keys */
    bool revoked;                    /* stations */
    bool has_revoked_wall;           /* keys: revoked_wall holds a time */
    int64_t revoked_wall;            /* keys */
    int64_t wall;                    /* audit */
    const char *action, *detail, *by; /* audit */
} registry_row;
typedef int (*registry_row_fn)(void *ctx, int table, const registry_row *row);

#endif
