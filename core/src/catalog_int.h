/*
 * catalog_int.h - libsynaq's private: the catalogue's look-ups (catalog.c), for attempt.c.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_CATALOG_INT_H
#define SYNAQ_CATALOG_INT_H

#include <sqlite3.h>
#include <jansson.h>
#include "synaq/catalog.h"
#include "db_int.h"

/* A trainee id as a station accepts one: 1..64 bytes, no control characters. */
bool sqi_catalog_trainee_id_ok(const char *id);
/* The exam at row (exam_id, version: its identity), without its items and
 * roster (opened). Caller owns *out (json_decref). */
sq_status sqi_catalog_exam_meta(sq_store *s, sqlite3_int64 row, const char *exam_id, int64_t version,
                            json_t **out, sq_err *err);
/* The active version of exam_id: its row, version and roster size. */
sq_status sqi_catalog_find_exam(sq_store *s, const char *exam_id, sqlite3_int64 *row,
                            int64_t *version, int *n_roster, sq_err *err);
/* The trainee's name on the roster of the exam at row (SQ_ENOTFOUND: not
 * on it). */
sq_status sqi_catalog_roster_find(sq_store *s, sqlite3_int64 row, const char *exam_id,
                              int64_t version, const char *trainee_id, char *name, size_t name_len,
                              sq_err *err);
/* The same, the whole entry (id, name, district, secret). Caller owns
 * *out (json_decref). */
sq_status sqi_catalog_roster_entry(sq_store *s, sqlite3_int64 row, const char *exam_id,
                                   int64_t version, const char *trainee_id, json_t **out,
                                   sq_err *err);
/* Attempts the trainee (by keyed hash h) used at exam_id, and whether one
 * is open. */
sq_status sqi_catalog_attempts_used(sq_store *s, const uint8_t h[32], const char *exam_id, int *used,
                                int *open, sq_err *err);

/* Reads and opens the sealed body of item idx of the exam at row (id,
 * version), with q, "SELECT body FROM items WHERE exam = ? AND idx = ?",
 * prepared by the caller (reset here, not finalized). *out is the
 * caller's (json_decref). SQ_ECORRUPT for an item missing or damaged. */
sq_status sqi_catalog_item_body(sq_store *s, sqlite3_stmt *q, sqlite3_int64 row,
                                const char *exam_id, int64_t version, int idx, json_t **out,
                                sq_err *err);

#endif
