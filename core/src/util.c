/*
 * util.c - status names, error messages, library start-up and the system
 * clock. Everything here is small and shared by the rest of libsynaq.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "util_int.h"

const char *sq_status_name(sq_status st)
{
    static const char *const names[] = {
        [SQ_OK] = "ok",           [SQ_EINVAL] = "invalid",     [SQ_EIO] = "i/o",
        [SQ_ECORRUPT] = "corrupt", [SQ_EAUTH] = "auth",         [SQ_ENOTFOUND] = "not found",
        [SQ_EFULL] = "full",      [SQ_ENOMEM] = "no memory",   [SQ_EEXIST] = "exists",
        [SQ_ESTALE] = "stale",    [SQ_EREADONLY] = "read-only", [SQ_ETOOBIG] = "too big",
        [SQ_EWRONGSTATION] = "wrong station", [SQ_EBUSY] = "busy", [SQ_ESTATE] = "state",
        [SQ_ENET] = "network",
    };
    if ((unsigned)st < sizeof names / sizeof names[0] && names[st])
        return names[st];
    return "unknown";
}

sq_status sqi_seterr(sq_err *err, sq_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = st;
    }
    return st;
}

sq_status sqi_prefixerr(sq_err *err, const char *fmt, ...)
{
    if (!err)
        return SQ_EINVAL;
    char prefix[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

sq_status sq_init(sq_err *err)
{
    if (sodium_init() < 0)
        return sqi_seterr(err, SQ_EIO, "libsodium failed to initialise");
    return SQ_OK;
}

const char *sq_version(void)
{
    return SYNAQ_VERSION;
}

static int64_t sys_mono_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t sys_wall_s(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

const sq_clock *sq_clock_system(void)
{
    static const sq_clock c = {sys_mono_ms, sys_wall_s, NULL};
    return &c;
}

size_t sq_utf8_prefix(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

void sq_free(void *p)
{
    free(p);
}

void sqi_hex_encode(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

size_t sq_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0)
        return 0;
    size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
               : (*p & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || n > len)
        return 0;
    uint32_t c = n == 1 ? *p : *p & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3fu);
    }
    /* No overlong forms, no surrogates, nothing above U+10FFFF. */
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < least[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}
