/*
 * fuzz_batch.c - libFuzzer target: a batch past its signature, through the
 * public API only. The fuzzer plays a station whose signing key it knows
 * (a fixed seed), so sq_batch_verify gets as far as a real station's batch
 * would. The first input byte picks the mode:
 *
 *   even: the rest is a batch without its signature; it is signed as is.
 *         Reaches the inflate with hostile compressed data and sizes (the
 *         id check then stops it: the id cannot match by chance).
 *   odd:  the rest is read as str(station) svarint(created) varint(count)
 *         and then the plain content (varint seq, bytes sealed result...);
 *         the fuzzer deflates it, computes the right id and builds the
 *         batch as sq_batch_export does. Reaches the record parser.
 *
 * A verified batch must hand out exactly count records, inside the
 * content, with rising sequence numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "batch_int.h"
#include "codec_int.h"
#include "synaq/batch.h"
#include "synaq/result.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES], sign_sk[crypto_sign_SECRETKEYBYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sq_err err;
    uint8_t seed[crypto_sign_SEEDBYTES];
    if (sq_init(&err) != SQ_OK) {
        fprintf(stderr, "fuzz_batch: %s\n", err.msg);
        abort();
    }
    memset(seed, 0x5a, sizeof seed);
    crypto_sign_seed_keypair(sign_pk, sign_sk, seed);
    return 0;
}

static void broken(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_batch: invariant broken: %s (%s)\n", what, msg ? msg : "");
    abort();
}

/* Builds a batch around plain content; false when the input cannot make one. */
static bool build(sq_rd *in, sq_buf *out)
{
    char station[SQ_STATION_ID_MAX + 1];
    uint8_t id[16], *z = NULL;
    size_t zlen = 0;
    if (!sqi_rd_str(in, station, SQ_STATION_ID_MAX))
        return false;
    int64_t created = sqi_rd_svarint(in);
    uint64_t count = sqi_rd_varint(in);
    if (in->failed)
        return false;
    const uint8_t *plain = in->p + in->pos;
    size_t plain_len = in->len - in->pos;
    if (sqi_z_deflate(plain, plain_len, &z, &zlen, NULL) != SQ_OK)
        return false;
    sqi_batch_id(station, plain, plain_len, id);
    sqi_buf_put(out, "SQBATCH1", 8);
    sqi_buf_u8(out, 1);
    sqi_buf_put(out, id, 16);
    sqi_buf_str(out, station);
    sqi_buf_svarint(out, created);
    sqi_buf_varint(out, count);
    sqi_buf_varint(out, plain_len);
    sqi_buf_bytes(out, z, zlen);
    free(z);
    return !out->failed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sq_rd in;
    sq_buf b;
    sq_batch *batch = NULL;
    sq_err err;
    if (size < 1)
        return 0;
    sqi_rd_init(&in, data + 1, size - 1);
    sqi_buf_init(&b, SQ_BATCH_MAX_FILE + 1);
    if (data[0] & 1) {
        if (!build(&in, &b))
            goto out;
    } else {
        sqi_buf_put(&b, data + 1, size - 1);
    }
    uint8_t sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, b.p ? b.p : (const uint8_t *)"", b.len, sign_sk);
    sqi_buf_put(&b, sig, sizeof sig);
    if (b.failed)
        goto out;

    memset(&err, 0, sizeof err);
    if (sq_batch_parse(b.p, b.len, &batch, &err) != SQ_OK)
        goto out;
    memset(&err, 0, sizeof err);
    sq_status st = sq_batch_verify(batch, sign_pk, &err);
    if (st != SQ_OK) {
        if (st == SQ_EAUTH)
            broken("a batch signed with the station's key does not verify", err.msg);
        if (sq_batch_count(batch) != 0)
            broken("a batch that failed to verify reports results", err.msg);
        goto out;
    }
    /* Verify twice: the second call must agree and leak nothing. */
    if (sq_batch_verify(batch, sign_pk, &err) != SQ_OK)
        broken("a verified batch fails its second verify", err.msg);
    size_t n = sq_batch_count(batch);
    if (n == 0)
        broken("a verified batch holds no results", NULL);
    int64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t seq;
        const uint8_t *sealed;
        size_t len;
        sq_batch_result(batch, i, &seq, &sealed, &len);
        if (seq <= prev || (len && !sealed) || len > SQ_RESULT_MAX)
            broken("a verified batch hands out a bad record", NULL);
        prev = seq;
        /* Touch every byte: ASan reports a record outside the content. */
        volatile uint8_t sink = 0;
        for (size_t k = 0; k < len; k++)
            sink ^= sealed[k];
        (void)sink;
    }
out:
    sq_batch_free(batch);
    sqi_buf_free(&b);
    return 0;
}
