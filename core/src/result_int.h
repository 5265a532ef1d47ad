/*
 * result_int.h - libsynaq's private: the result serialisation and sealing (result.c).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_RESULT_INT_H
#define SYNAQ_RESULT_INT_H

#include "synaq/result.h"
#include "codec_int.h"

/* Serialises r: format 2, or format 1 when r->format is 1 (without the
 * clock rule and the counted times). */
void sqi_result_encode(const sq_result *r, sq_buf *b);
/* Sign, then seal: r serialised, signed with the station's key and sealed
 * to central's results key. Caller owns *out (free()). SQ_ETOOBIG above
 * SQ_RESULT_MAX. */
sq_status sqi_result_seal(const sq_result *r, const uint8_t station_sign_sk[64],
                      const uint8_t central_results_pk[32], uint8_t **out, size_t *out_len,
                      sq_err *err);

/* A practice record: serialised ("SQP" format 1), signed and sealed as a
 * result is. Caller owns *out (free()). */
void sqi_practice_rec_encode(const sq_practice_rec *p, sq_buf *b);
sq_status sqi_practice_rec_seal(const sq_practice_rec *p, const uint8_t station_sign_sk[64],
                                const uint8_t central_results_pk[32], uint8_t **out,
                                size_t *out_len, sq_err *err);

#endif
