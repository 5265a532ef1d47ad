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
/* Opens an existing registry for reading only: the receiver, which must
 * not write or checkpoint central.db while enroll and revoke do (one
 * writing process per file, DESIGN.md). Caller owns *out. */
sq_status registry_open_readonly(const char *path, registry **out, sq_err *err);
/* Marks the station revoked: registry_station_key refuses it from then on.
 * SQ_ENOTFOUND for an id never enrolled. */
sq_status registry_revoke(registry *r, const char *station_id, sq_err *err);
/* Prints the stations, one a line. */
sq_status registry_print(registry *r, FILE *out, sq_err *err);

#endif
