/*
 * keys_int.h - libsynaq's private: the secrets and buffer forms of keys.c the rest of the
 * library needs.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_KEYS_INT_H
#define SYNAQ_KEYS_INT_H

#include <stdbool.h>
#include "synaq/keys.h"

const uint8_t *sqi_station_keys_sign_sk(const sq_station_keys *k);   /* 64 bytes */
const uint8_t *sqi_station_keys_box_pk(const sq_station_keys *k);    /* 32 bytes */
const uint8_t *sqi_station_keys_box_sk(const sq_station_keys *k);    /* 32 bytes */
const uint8_t *sqi_station_keys_storage_key(const sq_station_keys *k); /* 32 bytes */
/* Buffer forms of the key calls, for files read from a stick (usb.c);
 * name is the file's name in messages. */
sq_status sqi_central_pub_parse(const uint8_t *buf, size_t len, const char *name, uint8_t sign_pk[32],
                            uint8_t results_pk[32], sq_err *err);
sq_status sqi_central_enroll_buf(const sq_central_keys *k, const uint8_t *req, size_t req_len,
                             const char *name, const char *station_id, const char *district,
                             const char *cert_path, sq_cert *cert, sq_err *err);
sq_status sqi_station_keys_create_for(const char *path, const uint8_t central_sign_pk[32],
                                  const uint8_t central_results_pk[32], const char *passphrase,
                                  sq_err *err);
sq_status sqi_station_keys_enroll_buf(sq_station_keys *k, const uint8_t *buf, size_t len,
                                  const char *name, sq_err *err);
/* Delegations (keys.c): central's signing key vouching for another key,
 * for one purpose only (today: signing acknowledgements). */
#define SQ_DELEGATION_MAX 160
enum { DELEG_ACK = 1 };
/* Checks a delegation against central's signing key and its purpose;
 * fills pk (32) with the key it vouches for. SQ_EAUTH when forged. */
sq_status sqi_delegation_check(const uint8_t *d, size_t len, const uint8_t central_sign_pk[32],
                           int purpose, uint8_t pk[32], sq_err *err);
/* How k signs acknowledgements: with the ack key and its delegation when
 * loaded, else with the signing key itself (*deleg_len 0). SQ_ESTATE when
 * neither is loaded. Everything borrowed from k. */
sq_status sqi_central_ack_signer(const sq_central_keys *k, const uint8_t **sk, const uint8_t **deleg,
                             size_t *deleg_len, sq_err *err);
/* The secret trainees' identity checks are derived from (identity.c):
 * a keyed hash of the signing key's seed, so it exists wherever bundles
 * can be signed and nowhere else. SQ_ESTATE when sign.key is not loaded. */
sq_status sqi_central_identity_secret(const sq_central_keys *k, uint8_t out[32], sq_err *err);
/* Encodes / decodes the certificate wire format (keys.c). */
sq_status sqi_cert_decode(const uint8_t *buf, size_t len, const uint8_t *central_pk, sq_cert *out,
                      sq_err *err);

#endif
