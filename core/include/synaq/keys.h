/*
 * keys.h - key pairs of central and of stations, and enrolment.
 *
 * Central holds a signing key pair (Ed25519: bundles and enrolment
 * certificates) and a results key pair (X25519: results are sealed to it).
 * It keeps them in a key folder: sign.key, results.key (secret, mode 0600)
 * and central.pub (both public keys, to be installed on every station; the
 * results key in it is signed by the signing key, and the file carries a
 * checksum, so a swapped or damaged results line is refused).
 *
 * The receiver, which faces the internet, holds neither secret: it signs
 * its acknowledgements with an ack key (ack.key), itself signed by the
 * signing key for that one purpose (a delegation), so that sign.key can
 * stay offline and a stolen receiver cannot sign bundles.
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

#include <stdbool.h>
#include "synaq.h"

#define SQ_STATION_ID_MAX 64
#define SQ_FINGERPRINT_LEN 16 /* hex characters shown to people */

typedef struct sq_central_keys sq_central_keys;
typedef struct sq_station_keys sq_station_keys;

/* What sq_central_open should load. */
enum { SQ_CENTRAL_SIGN = 1, SQ_CENTRAL_RESULTS = 2, SQ_CENTRAL_ACK = 4 };

/* Makes central's key pairs in dir (created if missing, mode 0700):
 * sign.key, results.key, ack.key and central.pub. Refuses with SQ_EEXIST
 * if any of them is already there. */
sq_status sq_central_keygen(const char *dir, sq_err *err) SQ_MUST_CHECK;

/* Brings a key folder of an earlier build up to date from its secrets
 * (sign.key and results.key must be there): central.pub rewritten in the
 * current format (results key signed, checksum), and an ack key made if
 * there is none. With new_ack_key, the ack key is made anew even if there
 * is one (after a receiver machine was lost; stations keep accepting the
 * old one's signatures: see the README). *what gets a short account of
 * what was done (at least 128 bytes). */
sq_status sq_central_keys_upgrade(const char *dir, bool new_ack_key, char *what, size_t what_len,
                                  sq_err *err) SQ_MUST_CHECK;

/* Loads the secret keys named by want (SQ_CENTRAL_SIGN | SQ_CENTRAL_RESULTS
 * | SQ_CENTRAL_ACK), and central.pub for the public halves: it must be
 * there, whole, and agree with the secrets loaded. SQ_CENTRAL_ACK also
 * checks the ack key's delegation against the signing key.
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

/* The fingerprint of central's keys that technicians compare: it covers
 * everything a station trusts (the signing key and the results key).
 * out must hold SQ_FINGERPRINT_LEN + 1 bytes. */
void sq_central_fingerprint(const uint8_t sign_pk[32], const uint8_t results_pk[32], char *out);

/* An enrolment certificate, decoded and verified against central's key. */
typedef struct {
    char station_id[SQ_STATION_ID_MAX + 1];
    char district[128];
    char label[128];         /* what the station called itself in its request */
    uint8_t sign_pk[32];     /* the station's Ed25519 key */
    uint8_t box_pk[32];      /* the station's X25519 key for bundle keys */
    uint8_t central_pk[32];  /* central's signing key that signed this */
    /* The results key central says this station must seal to (format 2);
     * certificates of the first builds (format 1) do not name it. */
    bool names_results_pk;
    uint8_t central_results_pk[32];
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

/* Reads central.pub: both public keys, 32 bytes each. SQ_ECORRUPT for a
 * damaged file (its checksum) or one of the first builds' format (no
 * checksum, the results key not signed: refused, since a swapped results
 * line in it cannot be noticed); SQ_EAUTH when the results key is not
 * signed by the signing key beside it. */
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
 * central key), that it names this station's own keys, and that it names
 * the results key this station trusts (SQ_EAUTH otherwise: the central.pub
 * the station was given is not the one central signed for), then rewrites
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
