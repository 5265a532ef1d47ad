/*
 * registry.h - central's list of enrolled stations (SQLite, central.db in
 * central's home). Enrolment adds a station; batches and results are
 * checked against the signing key recorded here.
 */
#ifndef SYNAQ_CENTRAL_REGISTRY_H
#define SYNAQ_CENTRAL_REGISTRY_H

#include "synaq/keys.h"

typedef struct registry registry;

/* Opens (creating) path. Caller owns *out (registry_close). */
sq_status registry_open(const char *path, registry **out, sq_err *err);
void registry_close(registry *r);
/* Records an enrolled station; SQ_EEXIST if its id is taken by other keys. */
sq_status registry_add(registry *r, const sq_cert *c, sq_err *err);
/* The station's signing key; SQ_ENOTFOUND for an unknown or revoked one. */
sq_status registry_station_key(registry *r, const char *station_id, uint8_t sign_pk[32],
                               sq_err *err);
/* Prints the stations, one a line. */
sq_status registry_print(registry *r, FILE *out, sq_err *err);

#endif
