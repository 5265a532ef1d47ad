/*
 * fuzz_stick.c - libFuzzer target: what a USB stick hands a station before
 * anything on it is trusted. The first input byte picks the mode:
 *
 *   0: the rest is central's acknowledgement without its signature; it is
 *      signed with central's key (a fixed seed), so sq_batch_ack_open gets past
 *      the signature to the decoder. A decoded one must hold C strings of
 *      the sizes sq_ack promises.
 *   1: the rest is a central.pub file (sqi_central_pub_parse).
 *   2: the rest is an enrolment certificate without its signature, signed
 *      the same way (sqi_cert_decode). A decoded one must name a station id a
 *      stick's folder may carry: not empty, not starting with a dot, no
 *      slash.
 *   3: the rest is a file or folder name from a stick (sqi_stickfs_printable). What
 *      comes out must be well-formed UTF-8 without control characters, and
 *      fit its buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keys_int.h"
#include "stickfs_int.h"
#include "../utf8check.h"
#include "synaq/batch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t central_pk[crypto_sign_PUBLICKEYBYTES], central_sk[crypto_sign_SECRETKEYBYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sq_err err;
    uint8_t seed[crypto_sign_SEEDBYTES];
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_stick: %s\n", err.msg);
        abort();
    }
    memset(seed, 0xc3, sizeof seed);
    crypto_sign_seed_keypair(central_pk, central_sk, seed);
    return 0;
}

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_stick: invariant broken: %s\n", what);
    abort();
}

/* The input with central's signature after it. Caller frees. */
static uint8_t *signed_copy(const uint8_t *p, size_t n, size_t *len)
{
    uint8_t *b = malloc(n + 64);
    if (!b)
        return NULL;
    memcpy(b, p, n);
    crypto_sign_detached(b + n, NULL, p, n, central_sk);
    *len = n + 64;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1, len = 0;
    sq_err e;
    switch (data[0] % 4) {
    case 0: {
        uint8_t *b = signed_copy(p, n, &len);
        sq_ack *a = NULL;
        if (b && sq_batch_ack_open(b, len, central_pk, &a, &e) == SQ_OK) {
            if (strlen(a->station_id) >= sizeof a->station_id ||
                strlen(a->batch_id) >= sizeof a->batch_id || (a->n && !a->seqs))
                broken("a decoded acknowledgement is out of its bounds");
        }
        sq_batch_ack_free(a);
        free(b);
        break;
    }
    case 1: {
        uint8_t s[32], r[32];
        (void)sqi_central_pub_parse(p, n, "central.pub", s, r, &e);
        break;
    }
    case 2: {
        uint8_t *b = signed_copy(p, n, &len);
        sq_cert c;
        if (b && sqi_cert_decode(b, len, central_pk, &c, &e) == SQ_OK) {
            if (!c.station_id[0] || c.station_id[0] == '.' || strchr(c.station_id, '/'))
                broken("a certificate names a station id no stick folder may carry");
        }
        free(b);
        break;
    }
    default: {
        char name[512], out[256];
        size_t k = n < sizeof name - 1 ? n : sizeof name - 1;
        memcpy(name, p, k);
        name[k] = 0;
        memset(out, 0x55, sizeof out);
        sqi_stickfs_printable(name, out, sizeof out);
        if (!memchr(out, 0, sizeof out) || !utf8_check(out, strlen(out), true))
            broken("a name from a stick came out unprintable");
        break;
    }
    }
    return 0;
}
