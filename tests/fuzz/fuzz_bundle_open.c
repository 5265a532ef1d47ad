/*
 * fuzz_bundle_open.c - libFuzzer target: sqi_bundle_open end to end. The
 * fuzzer plays central and one station ("st-01") whose keys it knows
 * (fixed seeds), so every step after the signature is reachable: the
 * recipient list, the content key, the AEAD, the bounded inflate, the
 * payload and the header-content agreement. The first input byte picks
 * the mode (modulo 3):
 *
 *   0: the rest is a bundle without its signature; it is signed as is.
 *   1: the rest is read as bytes(bundle id) svarint(created) u8(n)
 *      n * {bytes(exam id) varint(version)} u8(decoys)
 *      decoys * bytes(station id), then the plain payload JSON; the
 *      fuzzer deflates, encrypts and signs it as sq_bundle_build does.
 *   2: the same header fields, then varint(declared plain length; above
 *      1 MiB it becomes "just above the cap"), then the rest as the
 *      compressed stream itself (hostile zlib).
 *
 * In modes 1 and 2 the bundle is honestly built for st-01, so an
 * authentication failure is a bug; an accepted bundle must carry in its
 * payload exactly the exams its header names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bundle_int.h"
#include "codec_int.h"
#include "synaq/bundle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STATION "st-01"

static uint8_t central_pk[crypto_sign_PUBLICKEYBYTES], central_sk[crypto_sign_SECRETKEYBYTES];
static uint8_t box_pk[crypto_box_PUBLICKEYBYTES], box_sk[crypto_box_SECRETKEYBYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sq_err err;
    uint8_t seed[32];
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_bundle_open: %s\n", err.msg);
        abort();
    }
    memset(seed, 0x11, sizeof seed);
    crypto_sign_seed_keypair(central_pk, central_sk, seed);
    memset(seed, 0x22, sizeof seed);
    crypto_box_seed_keypair(box_pk, box_sk, seed);
    return 0;
}

static void broken(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_bundle_open: invariant broken: %s (%s)\n", what, msg ? msg : "");
    abort();
}

/* Builds an honest bundle for STATION from the structured input. */
static bool build(sq_rd *in, int mode, sq_buf *b)
{
    uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    uint8_t sealed[crypto_aead_xchacha20poly1305_ietf_KEYBYTES + crypto_box_SEALBYTES];
    uint8_t *z = NULL, *cipher = NULL;
    size_t zlen, n;
    const uint8_t *p;
    bool ok = false;

    /* sqi_rd_bytes leaves n set when it fails for want of bytes: stop first. */
    p = sqi_rd_bytes(in, 100, &n);
    if (in->failed)
        return false;
    sqi_buf_put(b, "SQBUNDLE", 8);
    sqi_buf_u8(b, 1);
    sqi_buf_bytes(b, p, n);
    sqi_buf_svarint(b, sqi_rd_svarint(in));
    unsigned n_exams = sqi_rd_u8(in);
    sqi_buf_varint(b, n_exams);
    for (unsigned i = 0; i < n_exams && !in->failed; i++) {
        p = sqi_rd_bytes(in, 80, &n);
        if (in->failed)
            return false;
        sqi_buf_bytes(b, p, n);
        sqi_buf_varint(b, sqi_rd_varint(in));
    }
    unsigned n_decoys = sqi_rd_u8(in) % 4;
    const uint8_t *decoy[4];
    size_t decoy_len[4];
    for (unsigned i = 0; i < n_decoys; i++) {
        decoy[i] = sqi_rd_bytes(in, 70, &decoy_len[i]);
        if (in->failed)
            return false;
        /* A decoy named like the station would hold a key that does not open. */
        if (decoy_len[i] == strlen(STATION) && memcmp(decoy[i], STATION, decoy_len[i]) == 0)
            return false;
    }
    uint64_t plain_len = 0;
    /* Sizes above 1 MiB all stand for "above the cap": one that is allowed
     * (up to 512 MiB) would be allocated for in full, on every run. */
    if (mode == 2 && (plain_len = sqi_rd_varint(in)) > (1u << 20))
        plain_len = (uint64_t)SQ_BUNDLE_MAX_PLAIN + 1;
    if (in->failed)
        return false;
    const uint8_t *rest = in->p + in->pos;
    size_t rest_len = in->len - in->pos;
    if (mode == 1) {
        if (sqi_z_deflate(rest, rest_len, &z, &zlen, NULL) != SQ_OK)
            return false;
        plain_len = rest_len;
    } else {
        z = malloc(rest_len ? rest_len : 1);
        if (!z)
            return false;
        memcpy(z, rest, rest_len);
        zlen = rest_len;
    }
    sqi_buf_varint(b, plain_len);
    sqi_buf_varint(b, zlen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    memset(nonce, 0x33, sizeof nonce);
    sqi_buf_put(b, nonce, sizeof nonce);
    sqi_buf_varint(b, n_decoys + 1);
    memset(sealed, 0x44, sizeof sealed);
    for (unsigned i = 0; i < n_decoys; i++) {
        sqi_buf_bytes(b, decoy[i], decoy_len[i]);
        sqi_buf_put(b, sealed, sizeof sealed);
    }
    memset(key, 0x55, sizeof key);
    crypto_box_seal(sealed, key, sizeof key, box_pk);
    sqi_buf_str(b, STATION);
    sqi_buf_put(b, sealed, sizeof sealed);
    if (b->failed)
        goto out;
    size_t header_len = b->len;
    cipher = malloc(zlen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    if (!cipher)
        goto out;
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(cipher, &clen, z, zlen, b->p, header_len, NULL,
                                               nonce, key);
    sqi_buf_put(b, cipher, (size_t)clen);
    ok = !b->failed;
out:
    free(cipher);
    free(z);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sq_rd in;
    sq_buf b;
    sq_err err;
    bundle_header hdr;
    json_t *exams = NULL;
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    sqi_rd_init(&in, data + 1, size - 1);
    sqi_buf_init(&b, SQ_BUNDLE_MAX_FILE);
    if (mode == 0)
        sqi_buf_put(&b, data + 1, size - 1);
    else if (!build(&in, mode, &b))
        goto out;
    uint8_t sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, b.p ? b.p : (const uint8_t *)"", b.len, central_sk);
    sqi_buf_put(&b, sig, sizeof sig);
    if (b.failed)
        goto out;

    memset(&err, 0, sizeof err);
    sq_status st = sqi_bundle_open(b.p, b.len, central_pk, STATION, box_pk, box_sk, &hdr, &exams, &err);
    if (st != SQ_OK) {
        if (exams)
            broken("a refused bundle left *exams set", err.msg);
        if (err.code != st || err.msg[0] == '\0' || !memchr(err.msg, 0, sizeof err.msg))
            broken("a failure did not fill its error", err.msg);
        if (mode != 0 && st == SQ_EAUTH)
            broken("an honestly built bundle fails to authenticate", err.msg);
        goto out;
    }
    if (json_array_size(exams) != hdr.n_exams || hdr.n_exams == 0)
        broken("an accepted bundle's header and payload disagree on the count", NULL);
    for (size_t i = 0; i < hdr.n_exams; i++) {
        const json_t *e = json_array_get(exams, i);
        if (strcmp(json_string_value(json_object_get(e, "id")), hdr.exams[i].id) != 0 ||
            json_integer_value(json_object_get(e, "version")) != hdr.exams[i].version)
            broken("an accepted bundle's header and payload disagree on an exam", NULL);
    }
out:
    json_decref(exams);
    sqi_buf_free(&b);
    return 0;
}
