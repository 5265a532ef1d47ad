/*
 * codec_int.h - libsynaq's private: bounded buffers and readers, zlib (codec.c).
 * Included only by the library's files that need it, its unit tests and
 * fuzzers; never installed, never by the tools.
 */
#ifndef SYNAQ_CODEC_INT_H
#define SYNAQ_CODEC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "synaq/synaq.h"

typedef struct {
    uint8_t *p;
    size_t len, cap, max; /* max: hard upper bound; 0 means 64 MiB */
    bool failed;          /* an append hit the bound or out of memory */
} sq_buf;

void sqi_buf_init(sq_buf *b, size_t max);
void sqi_buf_free(sq_buf *b);
void sqi_buf_put(sq_buf *b, const void *p, size_t n);
void sqi_buf_u8(sq_buf *b, uint8_t v);
void sqi_buf_u32(sq_buf *b, uint32_t v); /* little-endian */
void sqi_buf_u64(sq_buf *b, uint64_t v); /* little-endian */
void sqi_buf_varint(sq_buf *b, uint64_t v);
void sqi_buf_svarint(sq_buf *b, int64_t v); /* zigzag */
void sqi_buf_str(sq_buf *b, const char *s); /* varint length, bytes */
void sqi_buf_bytes(sq_buf *b, const void *p, size_t n); /* varint length, bytes */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    bool failed; /* a read ran past the end or met a malformed value */
} sq_rd;

void sqi_rd_init(sq_rd *r, const uint8_t *p, size_t len);
uint8_t sqi_rd_u8(sq_rd *r);
uint32_t sqi_rd_u32(sq_rd *r);
uint64_t sqi_rd_u64(sq_rd *r);
uint64_t sqi_rd_varint(sq_rd *r);
int64_t sqi_rd_svarint(sq_rd *r);
/* A varint that must fit in 63 bits (failed otherwise). */
int64_t sqi_rd_i63(sq_rd *r);
/* Borrowed pointer to n bytes, or NULL (and failed) past the end. */
const uint8_t *sqi_rd_take(sq_rd *r, size_t n);
/* A length-prefixed byte string of at most max bytes, borrowed. */
const uint8_t *sqi_rd_bytes(sq_rd *r, size_t max, size_t *n);
/* A length-prefixed string of at most max bytes copied NUL-terminated into
 * out (which holds max + 1); fails on embedded NUL or bad UTF-8. */
bool sqi_rd_str(sq_rd *r, char *out, size_t max);
/* The same, malloc'ed (NULL on failure). */
char *sqi_rd_strdup(sq_rd *r, size_t max);


/* Compresses in into a new buffer. Caller owns *out (free()). */
sq_status sqi_z_deflate(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, sq_err *err);
/* Inflates exactly expect_len bytes (at most max_len), refusing anything
 * else: a bomb stops at the bound. Caller owns *out (free()). */
sq_status sqi_z_inflate(const uint8_t *in, size_t len, size_t expect_len, size_t max_len,
                    uint8_t **out, sq_err *err);

#endif
