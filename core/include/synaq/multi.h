/*
 * multi.h - several uploads in one request (sync/PROTOCOL.md, "Several
 * uploads in one request"): "SQMULTI1", then for each upload a u32
 * (big-endian) length, not 0, and that many bytes. synaq-syncd builds
 * it, the receiver splits it; nothing here reads an upload itself.
 * No allocation: the caller owns every buffer.
 */
#ifndef SYNAQ_MULTI_H
#define SYNAQ_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synaq.h"

#define SQ_MULTI_MAGIC "SQMULTI1"
#define SQ_MULTI_MAGIC_LEN 8
/* Uploads in one request, at most. */
#define SQ_MULTI_MAX 1024

/* Whether body starts as a request of several uploads. */
bool sq_multi_is(const uint8_t *body, size_t len);

/* One upload's place in a request: body + off, len bytes. */
typedef struct {
    size_t off, len;
} sq_multi_part;

/* Splits a request into its uploads, at most max of them (parts has room
 * for max). SQ_EINVAL when it does not frame them: no magic, a length of
 * 0 or past the end, bytes left over, no upload, or more than max; *n is
 * then how many framed before the fault (the message says so). */
sq_status sq_multi_split(const uint8_t *body, size_t len, sq_multi_part *parts, size_t max,
                         size_t *n, sq_err *err) SQ_MUST_CHECK;

/* Appends an upload to a request being built in buf (cap bytes, *len
 * used; a request starts with sq_multi_start). False, nothing written,
 * when it does not fit, or the upload is empty or longer than a u32. */
void sq_multi_start(uint8_t *buf, size_t cap, size_t *len);
bool sq_multi_put(uint8_t *buf, size_t cap, size_t *len, const uint8_t *up, size_t up_len);

#endif
