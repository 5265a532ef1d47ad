/*
 * registry.h - central's list of enrolled stations: SQLite (central.db in
 * central's home), or PostgreSQL when central's store is (registry_open
 * with the store's URL: the registry's tables sit beside the results', so
 * every receiver on every machine sees one registry). Enrolment adds a
 * station; batches and results are checked against the signing key
 * recorded here.
 *
 * Every key a station id was ever enrolled with stays in the registry
 * (its key history): revoking a station refuses its uploads from then on,
 * but the results it sent before stay openable, and a station id given
 * new keys on purpose (a replaced machine, `enroll --replace`) keeps the
 * old key's results openable too.
 */
#ifndef SYNAQ_CENTRAL_REGISTRY_H
#define SYNAQ_CENTRAL_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "registry_types.h"
#include "synaq/keys.h"

typedef struct registry registry;

#define REGISTRY_MAX_KEYS 16 /* keys a station id may have had, at most */

/* Opens (creating, migrating) path: a file, or a PostgreSQL URL
 * (cstore_is_url). Caller owns *out (registry_close). */
sq_status registry_open(const char *path, registry **out, sq_err *err);
void registry_close(registry *r);
/* Records an enrolled station. An id enrolled already (revoked or not)
 * is refused with SQ_EEXIST unless replace: then its current key is
 * revoked (from now on) and the certificate's keys become the current
 * ones. The same keys again, not revoked, are SQ_EEXIST too. Enrolment
 * and replacement each add a line to the registry's audit; a refusal
 * changes nothing. */
sq_status registry_add(registry *r, const sq_cert *c, bool replace, sq_err *err);
/* The station's current signing key; SQ_ENOTFOUND for an unknown or
 * revoked one. For accepting uploads. */
sq_status registry_station_key(registry *r, const char *station_id, uint8_t sign_pk[32],
                               sq_err *err);
/* Every signing key the station id was enrolled with, newest first,
 * revoked ones included (up to max): for opening what it sent while a key
 * was good. SQ_ENOTFOUND for an id never enrolled. */
sq_status registry_station_keys_all(registry *r, const char *station_id, uint8_t (*keys)[32],
                                    size_t max, size_t *n, sq_err *err);
/* Whether the id is enrolled (1: current, 2: revoked) or not (0); -1 on
 * a read error. */
int registry_station_state(registry *r, const char *station_id);
/* Opens an existing registry for reading only: the receiver, which must
 * not write or checkpoint central.db while enroll and revoke do (one
 * writing process per file, DESIGN.md). Caller owns *out. */
sq_status registry_open_readonly(const char *path, registry **out, sq_err *err);
/* Marks the station revoked: registry_station_key refuses it from then on;
 * its key stays in the history; a line goes to the audit. SQ_ENOTFOUND for
 * an id never enrolled. */
sq_status registry_revoke(registry *r, const char *station_id, sq_err *err);
/* Calls fn for each station (by district, then id); fn returning non-zero
 * stops the walk (SQ_OK). The strings are borrowed for the call. */
sq_status registry_each(registry *r, registry_station_fn fn, void *ctx, sq_err *err);
/* Prints the stations, one a line. */
sq_status registry_print(registry *r, FILE *out, sq_err *err);
/* Prints the registry's audit, oldest first: one line per enrolment,
 * replacement (--replace: which keys it revoked) and revocation, with its
 * time (UTC) and the login that did it. The lines are written in the same
 * transaction as the change they tell of, and cannot be changed or
 * removed through SQLite (triggers). */
sq_status registry_print_audit(registry *r, FILE *out, sq_err *err);

/* ---- moving a registry to another engine (migrate-store) ---- */

/* Copies every row of from into to, which must be empty (SQ_ESTATE
 * otherwise, nothing written), in one transaction of to's, then reads
 * to back: the same rows (a SHA-256 over them) or nothing is kept
 * (SQ_ECORRUPT). rows (may be NULL) gets the rows per table. */
sq_status registry_copy(registry *from, registry *to, int64_t rows[REGISTRY_N_TABLES],
                        sq_err *err);
/* A registry on PostgreSQL (url) that holds no station yet takes in the
 * stations of legacy_path (central.db of the SQLite days), once, with
 * their key history and audit: the step that moves a central's registry
 * into its database. *moved: the stations copied (0: nothing to do:
 * no such file, none in it, or the database has its own). */
sq_status registry_adopt(const char *url, const char *legacy_path, int64_t *moved, sq_err *err);
/* A SHA-256 over every row of the registry (the one registry_copy
 * compares), and the rows per table (may be NULL). */
sq_status registry_digest(registry *r, uint8_t sum[32], int64_t rows[REGISTRY_N_TABLES],
                          sq_err *err);
/* Whether the registry is on PostgreSQL. */
bool registry_is_pg(const registry *r);

#endif
