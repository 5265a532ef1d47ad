/*
 * codec.c - the byte-level building blocks of every Synaq file format: a
 * growable buffer with a hard upper bound, a reader that never reads past
 * its end, and zlib with an inflate that stops at a declared size.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "codec_int.h"
#include "util_int.h"

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

void sqi_buf_init(sq_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max ? max : BUF_DEFAULT_MAX;
}

void sqi_buf_free(sq_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void sqi_buf_put(sq_buf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (n > b->max - b->len) {
        b->failed = true;
        return;
    }
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n)
            ncap *= 2;
        if (ncap > b->max)
            ncap = b->max;
        uint8_t *np = realloc(b->p, ncap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

void sqi_buf_u8(sq_buf *b, uint8_t v)
{
    sqi_buf_put(b, &v, 1);
}

void sqi_buf_u32(sq_buf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    sqi_buf_put(b, t, 4);
}

void sqi_buf_u64(sq_buf *b, uint64_t v)
{
    sqi_buf_u32(b, (uint32_t)v);
    sqi_buf_u32(b, (uint32_t)(v >> 32));
}

void sqi_buf_varint(sq_buf *b, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    do {
        t[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            t[n] |= 0x80;
        n++;
    } while (v);
    sqi_buf_put(b, t, n);
}

void sqi_buf_svarint(sq_buf *b, int64_t v)
{
    sqi_buf_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void sqi_buf_str(sq_buf *b, const char *s)
{
    sqi_buf_bytes(b, s, s ? strlen(s) : 0);
}

void sqi_buf_bytes(sq_buf *b, const void *p, size_t n)
{
    sqi_buf_varint(b, n);
    sqi_buf_put(b, p, n);
}

void sqi_rd_init(sq_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->failed = false;
}

const uint8_t *sqi_rd_take(sq_rd *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t sqi_rd_u8(sq_rd *r)
{
    const uint8_t *p = sqi_rd_take(r, 1);
    return p ? p[0] : 0;
}

uint32_t sqi_rd_u32(sq_rd *r)
{
    const uint8_t *p = sqi_rd_take(r, 4);
    if (!p)
        return 0;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t sqi_rd_u64(sq_rd *r)
{
    uint64_t lo = sqi_rd_u32(r);
    uint64_t hi = sqi_rd_u32(r);
    return lo | hi << 32;
}

uint64_t sqi_rd_varint(sq_rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        const uint8_t *p = sqi_rd_take(r, 1);
        if (!p)
            return 0;
        /* The tenth byte may carry only the top bit of a 64-bit value. */
        if (shift == 63 && (p[0] & 0xfe)) {
            r->failed = true;
            return 0;
        }
        v |= (uint64_t)(p[0] & 0x7f) << shift;
        if (!(p[0] & 0x80))
            return v;
    }
    r->failed = true;
    return 0;
}

int64_t sqi_rd_i63(sq_rd *r)
{
    uint64_t v = sqi_rd_varint(r);
    if (v > INT64_MAX)
        r->failed = true;
    return (int64_t)v;
}

int64_t sqi_rd_svarint(sq_rd *r)
{
    uint64_t u = sqi_rd_varint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

const uint8_t *sqi_rd_bytes(sq_rd *r, size_t max, size_t *n)
{
    uint64_t len = sqi_rd_varint(r);
    if (r->failed || len > max) {
        r->failed = true;
        *n = 0;
        return NULL;
    }
    const uint8_t *p = sqi_rd_take(r, (size_t)len);
    *n = p ? (size_t)len : 0;
    return p;
}

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint32_t cp;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

bool sqi_rd_str(sq_rd *r, char *out, size_t max)
{
    size_t n;
    const uint8_t *p = sqi_rd_bytes(r, max, &n);
    if (!p || !utf8_valid(p, n)) {
        r->failed = true;
        out[0] = 0;
        return false;
    }
    memcpy(out, p, n);
    out[n] = 0;
    return true;
}

char *sqi_rd_strdup(sq_rd *r, size_t max)
{
    size_t n;
    const uint8_t *p = sqi_rd_bytes(r, max, &n);
    if (!p || !utf8_valid(p, n)) {
        r->failed = true;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        r->failed = true;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

sq_status sqi_z_deflate(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, sq_err *err)
{
    uLongf cap = compressBound((uLong)len);
    uint8_t *p = malloc(cap ? cap : 1);
    if (!p)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory compressing %zu bytes", len);
    if (compress2(p, &cap, in, (uLong)len, 9) != Z_OK) {
        free(p);
        return sqi_seterr(err, SQ_EIO, "zlib failed to compress %zu bytes", len);
    }
    *out = p;
    *out_len = cap;
    return SQ_OK;
}

sq_status sqi_z_inflate(const uint8_t *in, size_t len, size_t expect_len, size_t max_len,
                    uint8_t **out, sq_err *err)
{
    if (expect_len > max_len)
        return sqi_seterr(err, SQ_ETOOBIG,
                         "declared size %zu bytes is above the limit of %zu bytes", expect_len,
                         max_len);
    sq_status st = SQ_OK;
    /* One byte of slack: data that would inflate past the declared size
     * is noticed as soon as it tries, and never allocated for. */
    uint8_t *p = malloc(expect_len + 1);
    if (!p)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory for %zu bytes", expect_len);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        free(p);
        return sqi_seterr(err, SQ_ENOMEM, "zlib failed to start");
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = p;
    zs.avail_out = (uInt)(expect_len + 1);
    int zr = inflate(&zs, Z_FINISH);
    if (zr != Z_STREAM_END) {
        if (zs.total_out > expect_len)
            st = sqi_seterr(err, SQ_ETOOBIG, "compressed data inflates past its declared %zu bytes",
                           expect_len);
        else
            st = sqi_seterr(err, SQ_ECORRUPT, "compressed data is damaged (zlib: %s)",
                           zs.msg ? zs.msg : "truncated");
    } else if (zs.total_out != expect_len) {
        st = sqi_seterr(err, SQ_ECORRUPT, "compressed data inflates to %lu bytes, not %zu",
                       zs.total_out, expect_len);
    } else if (zs.avail_in != 0) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%u bytes of garbage after the compressed data",
                       zs.avail_in);
    }
    inflateEnd(&zs);
    if (st) {
        free(p);
        return st;
    }
    *out = p;
    return SQ_OK;
}
