/*
 * fuzz_multi.c - libFuzzer target: the framing of several uploads in one
 * request (synaq/multi.h), which the receiver splits before it reads any
 * upload. The input is the request body, with the magic put in front when
 * the first byte is odd (so most inputs reach the lengths).
 *
 * Invariants: a split that succeeds hands out 1 to SQ_MULTI_MAX parts,
 * each non-empty, in order, back to back from the magic to the very last
 * byte; building them again with sq_multi_start / sq_multi_put gives the
 * body byte for byte; a split that fails says "does not frame them" or
 * names the magic. A smaller max than the parts found is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synaq/multi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sq_multi_part parts[SQ_MULTI_MAX];
static uint8_t body[1 << 20], again[1 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0;
    if (size > 0 && (data[0] & 1)) {
        if (size - 1 + SQ_MULTI_MAGIC_LEN > sizeof body)
            return 0;
        memcpy(body, SQ_MULTI_MAGIC, SQ_MULTI_MAGIC_LEN);
        memcpy(body + SQ_MULTI_MAGIC_LEN, data + 1, size - 1);
        len = size - 1 + SQ_MULTI_MAGIC_LEN;
    } else {
        if (size > sizeof body)
            return 0;
        if (size)
            memcpy(body, data, size);
        len = size;
    }
    size_t n = 0;
    sq_err err;
    sq_status st = sq_multi_split(body, len, parts, SQ_MULTI_MAX, &n, &err);
    if (st != SQ_OK) {
        if (!strstr(err.msg, "does not frame them") && !strstr(err.msg, SQ_MULTI_MAGIC)) {
            fprintf(stderr, "fuzz_multi: unclear refusal: %s\n", err.msg);
            abort();
        }
        return 0;
    }
    if (n < 1 || n > SQ_MULTI_MAX || !sq_multi_is(body, len))
        abort();
    size_t at = SQ_MULTI_MAGIC_LEN, out = 0;
    sq_multi_start(again, sizeof again, &out);
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len == 0 || parts[i].off != at + 4 || parts[i].off + parts[i].len > len)
            abort();
        at = parts[i].off + parts[i].len;
        if (!sq_multi_put(again, sizeof again, &out, body + parts[i].off, parts[i].len))
            abort();
    }
    if (at != len || out != len || memcmp(again, body, len) != 0)
        abort();
    /* One part fewer room than found: refused. */
    size_t m = 0;
    if (sq_multi_split(body, len, parts, n - 1, &m, &err) == SQ_OK)
        abort();
    return 0;
}
