/*
 * multi.c - several uploads in one request (multi.h).
 */
#include <string.h>

#include "synaq/multi.h"
#include "util_int.h"

bool sq_multi_is(const uint8_t *body, size_t len)
{
    return body && len >= SQ_MULTI_MAGIC_LEN && !memcmp(body, SQ_MULTI_MAGIC, SQ_MULTI_MAGIC_LEN);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

sq_status sq_multi_split(const uint8_t *body, size_t len, sq_multi_part *parts, size_t max,
                         size_t *n, sq_err *err)
{
    *n = 0;
    if (!sq_multi_is(body, len))
        return sqi_seterr(err, SQ_EINVAL, "not a request of several uploads (no %s)",
                       SQ_MULTI_MAGIC);
    size_t at = SQ_MULTI_MAGIC_LEN;
    while (at < len) {
        if (len - at < 4)
            return sqi_seterr(err, SQ_EINVAL,
                           "a request of several uploads that does not frame them (%zu found, "
                           "then %zu bytes that are no length)",
                           *n, len - at);
        uint32_t l = get_u32(body + at);
        if (l == 0 || l > len - at - 4)
            return sqi_seterr(err, SQ_EINVAL,
                           "a request of several uploads that does not frame them (%zu found, "
                           "then a length of %u with %zu bytes left)",
                           *n, (unsigned)l, len - at - 4);
        if (*n == max)
            return sqi_seterr(err, SQ_EINVAL,
                           "a request of several uploads that does not frame them "
                              "(more than %zu uploads)",
                              max);
        parts[*n] = (sq_multi_part){.off = at + 4, .len = l};
        (*n)++;
        at += 4 + (size_t)l;
    }
    if (*n == 0)
        return sqi_seterr(err, SQ_EINVAL, "a request of several uploads that does not frame them (none in it)");
    return SQ_OK;
}

void sq_multi_start(uint8_t *buf, size_t cap, size_t *len)
{
    *len = 0;
    if (cap >= SQ_MULTI_MAGIC_LEN) {
        memcpy(buf, SQ_MULTI_MAGIC, SQ_MULTI_MAGIC_LEN);
        *len = SQ_MULTI_MAGIC_LEN;
    }
}

bool sq_multi_put(uint8_t *buf, size_t cap, size_t *len, const uint8_t *up, size_t up_len)
{
    if (*len < SQ_MULTI_MAGIC_LEN || up_len == 0 || up_len > UINT32_MAX || *len > cap ||
        cap - *len < 4 || cap - *len - 4 < up_len)
        return false;
    uint8_t *p = buf + *len;
    p[0] = (uint8_t)(up_len >> 24);
    p[1] = (uint8_t)(up_len >> 16);
    p[2] = (uint8_t)(up_len >> 8);
    p[3] = (uint8_t)up_len;
    memcpy(p + 4, up, up_len);
    *len += 4 + up_len;
    return true;
}
