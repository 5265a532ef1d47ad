/*
 * bundle_int.h - libsynaq's private: opening bundles (bundle.c), for import.c and the fuzzers.
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_BUNDLE_INT_H
#define SYNAQ_BUNDLE_INT_H

#include <jansson.h>
#include "synaq/synaq.h"

/* What a bundle header says, after its signature checked out. */
typedef struct {
    char bundle_id[80];
    int64_t created_wall_s;
    size_t n_exams;
    struct { char id[64]; int64_t version; } exams[64];
} bundle_header;

/* Checks the signature of central_pk over buf, then the header, then that
 * station_id is a recipient, opens the content key with the box keys,
 * decrypts, inflates (bounded) and parses the payload; every exam in it is
 * checked with sqi_exam_check. Caller owns *exams (a JSON array). */
sq_status sqi_bundle_open(const uint8_t *buf, size_t len, const uint8_t central_pk[32],
                      const char *station_id, const uint8_t box_pk[32], const uint8_t box_sk[32],
                      bundle_header *hdr, json_t **exams, sq_err *err);
/* The steps after the signature, for the fuzzers: parses the header of a
 * (signature-stripped) bundle. */
sq_status sqi_bundle_parse_header(const uint8_t *buf, size_t len, bundle_header *hdr,
                              size_t *header_len, sq_err *err);
/* Parses and checks a decrypted, inflated payload. */
sq_status sqi_bundle_payload_decode(const uint8_t *plain, size_t len, json_t **exams, sq_err *err);

#endif
