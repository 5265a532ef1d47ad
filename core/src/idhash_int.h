/*
 * idhash_int.h - libsynaq's private: the identity fields of the canonical
 * exam document and their hashes (idhash.c), for source.c, exam.c,
 * bundle.c, catalog.c and identity.c.
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
#ifndef SYNAQ_IDHASH_INT_H
#define SYNAQ_IDHASH_INT_H

#include <stdbool.h>
#include <jansson.h>
#include "synaq/keys.h"

/* The kinds, as synaq/identity.h's sq_identity_kind (identity.c checks
 * that they agree; this header cannot include it: identity.c is above). */
enum { SQI_ID_NONE, SQI_ID_CODE, SQI_ID_BIRTH_DATE, SQI_ID_PROCTOR };
#define SQI_ID_CODE_DIGITS 8

#define SQI_IDENTITY_PIN_MIN 4
#define SQI_IDENTITY_PIN_MAX 12

/* "none", "code", ... ("?" for no kind). */
const char *sqi_identity_kind_name(int kind);
/* The kind named s ("none", "code", ...), or -1. */
int sqi_identity_kind_parse(const char *s);
/* The kind of a document (its "identity", none when absent or unknown). */
int sqi_identity_kind_of(const json_t *exam);
/* A date of birth as DD.MM.YYYY or YYYY-MM-DD, a real day of 1900..2099,
 * into out as YYYY-MM-DD. false: not one. */
bool sqi_identity_date_norm(const char *in, char out[11]);
/* 4..12 digits. */
bool sqi_identity_pin_ok(const char *pin);
/* n bytes of s are all ASCII digits. */
bool sqi_identity_digits(const char *s, size_t n);
/* The key of exam_id for purpose ("code": central's only; "hash": the
 * bundle's identity_key) from central's secret. SQ_ESTATE without sign.key. */
sq_status sqi_identity_exam_key(const sq_central_keys *k, const char *purpose, const char *exam_id,
                                uint8_t out[32], sq_err *err);
/* A roster entry's "secret": BLAKE2b-256 keyed with the identity key over
 * the kind's name, the id and the answer, each ended by a NUL. */
void sqi_identity_secret(const uint8_t key[32], int kind, const char *id, const char *answer,
                         uint8_t out[32]);
/* A trainee's invitation code: 8 digits of a hash keyed with the code key. */
void sqi_identity_code(const uint8_t code_key[32], const char *id,
                       char out[SQI_ID_CODE_DIGITS + 1]);
/* Turns central's form of exam (changed in place; its roster must not be
 * shared with another document) into the bundle's, with keys derived from
 * central's signing key. */
sq_status sqi_identity_seal(json_t *exam, const sq_central_keys *k, sq_err *err);
/* Whether exam is in the bundle's form; *why says what is not. */
bool sqi_identity_sealed(const json_t *exam, const char **why);

#endif
