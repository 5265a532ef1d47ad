/*
 * bundle.h - signed, encrypted exam bundles.
 *
 * A bundle is one file carrying one or more exams from central to the
 * stations named at build time:
 *
 *   "SQBUNDLE" | u8 format | header | payload | Ed25519 signature (64)
 *
 * The header names the bundle, the exams and their versions, the sizes,
 * and for each recipient station its id and the content key sealed to the
 * station's box key. The payload is the exams (JSON) compressed with zlib
 * and encrypted with XChaCha20-Poly1305 under the content key, with the
 * header as associated data. The signature of central covers everything
 * before it, and is checked before any of the rest is parsed.
 * Import into a station store: sq_import_file (import.h).
 */
#ifndef SYNAQ_BUNDLE_H
#define SYNAQ_BUNDLE_H

#include "synaq.h"
#include "keys.h"
#include "examset.h"

/* Hard caps. A bundle file above SQ_BUNDLE_MAX_FILE is refused unread; a
 * payload declaring more than SQ_BUNDLE_MAX_PLAIN bytes once inflated is
 * refused before it is decrypted, and inflating stops at the declared size. */
#define SQ_BUNDLE_MAX_FILE (256u << 20)
#define SQ_BUNDLE_MAX_PLAIN (512u << 20)
#define SQ_BUNDLE_MAX_RECIPIENTS 100000u

/* Builds a bundle of every exam in set for the stations whose certificates
 * are given (each checked against central's key), and writes it to
 * out_path atomically (temp file, fsync, rename). */
sq_status sq_bundle_build(const sq_exam_set *set, const sq_central_keys *central,
                          const char *const *cert_paths, size_t n_certs,
                          const char *out_path, sq_err *err) SQ_MUST_CHECK;

#endif
