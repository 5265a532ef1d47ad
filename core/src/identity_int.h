/*
 * identity_int.h - libsynaq's private: the identity fields of the canonical
 * exam document (identity.c), for source.c, exam.c and bundle.c.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 *
 * The document has two forms. Central's, made from a source:
 *   "identity": "birth_date", "roster_list": false, "proctor_pin": "4821",
 *   roster entries with "birth_date": "1988-01-31"
 * and the bundle's, which a station imports (sqi_identity_seal made it):
 *   "identity_key": base64 of 32 bytes, roster entries with "secret":
 *   base64 of BLAKE2b-256 keyed with identity_key over kind, id and answer;
 *   "proctor_hash": an Argon2id string; no birth date, no PIN, no code.
 * "identity" and "roster_list" are optional in both (none, true).
 */
#ifndef SYNAQ_IDENTITY_INT_H
#define SYNAQ_IDENTITY_INT_H

#include <stdbool.h>
#include <jansson.h>
#include "synaq/identity.h"

#define SQI_IDENTITY_PIN_MIN 4
#define SQI_IDENTITY_PIN_MAX 12

/* The kind named s ("none", "code", ...), or -1. */
int sqi_identity_kind_parse(const char *s);
/* The kind of a document (its "identity", none when absent or unknown). */
sq_identity_kind sqi_identity_kind_of(const json_t *exam);
/* A date of birth as DD.MM.YYYY or YYYY-MM-DD, a real day of 1900..2099,
 * into out as YYYY-MM-DD. false: not one. */
bool sqi_identity_date_norm(const char *in, char out[11]);
/* 4..12 digits. */
bool sqi_identity_pin_ok(const char *pin);
/* Turns central's form of exam (changed in place; its roster must not be
 * shared with another document) into the bundle's, with keys derived from
 * central's signing key. */
sq_status sqi_identity_seal(json_t *exam, const sq_central_keys *k, sq_err *err);
/* Whether exam is in the bundle's form; *why says what is not. */
bool sqi_identity_sealed(const json_t *exam, const char **why);

#endif
