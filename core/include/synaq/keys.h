/*
 * keys.h - key pairs of central and of stations, and enrolment.
 *
 * Central holds a signing key pair (Ed25519: bundles and enrolment
 * certificates) and a results key pair (X25519: results are sealed to it).
 * It keeps them in a key folder: sign.key, results.key (secret, mode 0600)
 * and central.pub (both public keys, to be installed on every station).
 *
 * A station makes its own key pairs (signing, box for receiving bundle
 * keys, storage key for its database) in one key file apart from its
 * database, optionally wrapped with a technician passphrase (Argon2id +
 * XChaCha20-Poly1305). It writes an enrolment request; central answers
 * with a certificate (station id, district, the station's public keys),
 * signed by central; the station installs it into its key file.
 */
#ifndef SYNAQ_KEYS_H
#define SYNAQ_KEYS_H

#include "synaq.h"

#define SQ_STATION_ID_MAX 64
#define SQ_FINGERPRINT_LEN 16 /* hex characters shown to people */

typedef struct sq_central_keys sq_central_keys;
typedef struct sq_station_keys sq_station_keys;

/* What sq_central_open should load. */
enum { SQ_CENTRAL_SIGN = 1, SQ_CENTRAL_RESULTS = 2 };

/* Makes both central key pairs in dir (created if missing, mode 0700).
 * Refuses with SQ_EEXIST if any of the three files is already there. */
sq_status sq_central_keygen(const char *dir, sq_err *err) SQ_MUST_CHECK;

/* Loads the secret keys named by want (SQ_CENTRAL_SIGN | SQ_CENTRAL_RESULTS).
 * Caller owns *out; free with sq_central_close. */
sq_status sq_central_open(const char *dir, int want, sq_central_keys **out,
                          sq_err *err) SQ_MUST_CHECK;
void sq_central_close(sq_central_keys *k);

/* The public keys as raw bytes (32 each). Borrowed from k. */
const uint8_t *sq_central_sign_pk(const sq_central_keys *k);
const uint8_t *sq_central_results_pk(const sq_central_keys *k);
/* Opens a result sealed to central (see result.h). */
const uint8_t *sq_central_results_sk(const sq_central_keys *k);
/* Signs msg; sig must hold 64 bytes. */
void sq_central_sign(const sq_central_keys *k, const uint8_t *msg, size_t len, uint8_t *sig);

/* An enrolment certificate, decoded and verified against central's key. */
typedef struct {
    char station_id[SQ_STATION_ID_MAX + 1];
    char district[128];
    char label[128];         /* what the station called itself in its request */
    uint8_t sign_pk[32];     /* the station's Ed25519 key */
    uint8_t box_pk[32];      /* the station's X25519 key for bundle keys */
    uint8_t central_pk[32];  /* central's signing key that signed this */
    int64_t issued_wall_s;
} sq_cert;

/* Turns the request file into a certificate signed by central and writes
 * it to cert_path (refusing to overwrite). Fills *cert when non-NULL.
 * station_id: 1..64 of [A-Za-z0-9._-], not starting with a dot. */
sq_status sq_central_enroll(const sq_central_keys *k, const char *request_path,
                            const char *station_id, const char *district,
                            const char *cert_path, sq_cert *cert, sq_err *err) SQ_MUST_CHECK;

/* Reads a certificate file and checks its signature against central_pk
 * (32 bytes; NULL accepts any central key, for display only). */
sq_status sq_cert_load(const char *path, const uint8_t *central_pk, sq_cert *out,
                       sq_err *err) SQ_MUST_CHECK;

/* Reads central.pub: both public keys, 32 bytes each. */
sq_status sq_central_pub_load(const char *path, uint8_t sign_pk[32], uint8_t results_pk[32],
                              sq_err *err) SQ_MUST_CHECK;

/* Short hex fingerprint of a public key, for people to compare.
 * out must hold SQ_FINGERPRINT_LEN + 1 bytes. */
void sq_fingerprint(const uint8_t pk[32], char *out);

/* Creates a station key file at path (refusing to overwrite), trusting the
 * central keys in central_pub_path. passphrase NULL or "" leaves the file
 * unwrapped (still mode 0600), its secret followed by a checksum. */
sq_status sq_station_keys_create(const char *path, const char *central_pub_path,
                                 const char *passphrase, sq_err *err) SQ_MUST_CHECK;

/* Loads a station key file. SQ_EAUTH on a wrong or missing passphrase;
 * SQ_ECORRUPT for a damaged file (any byte: the secret is checked by its
 * seal when wrapped, by its checksum when not).
 * Caller owns *out; free with sq_station_keys_close (wipes the secrets). */
sq_status sq_station_keys_open(const char *path, const char *passphrase,
                               sq_station_keys **out, sq_err *err) SQ_MUST_CHECK;
void sq_station_keys_close(sq_station_keys *k);

/* Whether the key file asks for a passphrase (1), not (0), or cannot be
 * read (negative). */
int sq_station_keys_wrapped(const char *path);

/* Writes the enrolment request (public keys and label, self-signed). */
sq_status sq_station_request_write(const sq_station_keys *k, const char *label,
                                   const char *out_path, sq_err *err) SQ_MUST_CHECK;

/* Installs a certificate: checks central's signature (against the trusted
 * central key) and that it names this station's own keys, then rewrites
 * the key file atomically with the certificate in it. */
sq_status sq_station_keys_enroll(sq_station_keys *k, const char *cert_path,
                                 sq_err *err) SQ_MUST_CHECK;

/* The installed certificate, or NULL before enrolment. Borrowed from k. */
const sq_cert *sq_station_keys_cert(const sq_station_keys *k);
/* The station's signing public key (32 bytes). Borrowed from k. */
const uint8_t *sq_station_keys_sign_pk(const sq_station_keys *k);
/* Central's keys that this station trusts (32 bytes each). Borrowed. */
const uint8_t *sq_station_keys_central_sign_pk(const sq_station_keys *k);
const uint8_t *sq_station_keys_central_results_pk(const sq_station_keys *k);

#endif
