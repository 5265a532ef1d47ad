/*
 * accounts_chain.c - the console's audit chain (accounts_chain.h): the
 * MACs of a line and of the head, and the audit key's file. A line's MAC:
 * BLAKE2b-256 keyed(audit key, "SQCAUD01" || mac of line n-1 (zeros
 * before line 1) || n || wall || actor || action || outcome || detail),
 * integers as 8 bytes little-endian, strings 4-byte length-prefixed. The
 * head's MAC: keyed(audit key, "SQCHEAD1" || n || mac).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "accounts_chain.h"

#define MAC_LEN ACCOUNTS_MAC_LEN

static sq_status seterr(sq_err *err, sq_status st, const char *fmt, const char *arg)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, fmt, arg ? arg : "");
        err->code = st;
    }
    return st;
}

sq_status accounts_key_load(uint8_t **key, const char *path, bool create, sq_err *err)
{
    uint8_t *k = *key = sodium_malloc(ACCOUNTS_KEY_LEN);
    if (!k)
        return seterr(err, SQ_ENOMEM, "out of memory%s", NULL);
    if (create && access(path, F_OK) != 0) {
        randombytes_buf(k, ACCOUNTS_KEY_LEN);
        sq_err e;
        if (sq_write_file(path, k, ACCOUNTS_KEY_LEN, 0600, &e))
            return seterr(err, e.code, "console accounts: cannot write the audit key: %s", e.msg);
        return SQ_OK;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return seterr(err, SQ_EAUTH,
                      "console accounts: the audit key %s is missing: without it the audit log "
                      "cannot be checked or continued",
                      path);
    ssize_t n = read(fd, k, ACCOUNTS_KEY_LEN);
    char extra;
    ssize_t more = read(fd, &extra, 1);
    close(fd);
    if (n != ACCOUNTS_KEY_LEN || more != 0)
        return seterr(err, SQ_ECORRUPT, "console accounts: %s is not a 32-byte audit key", path);
    return SQ_OK;
}

static void put_i64(crypto_generichash_state *h, int64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)v >> (8 * i));
    crypto_generichash_update(h, b, 8);
}

static void put_str(crypto_generichash_state *h, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    uint8_t b[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    crypto_generichash_update(h, b, 4);
    crypto_generichash_update(h, (const uint8_t *)(s ? s : ""), n);
}

void accounts_line_mac(const uint8_t *key, const uint8_t prev[MAC_LEN], int64_t n,
                       const accounts_audit *l, uint8_t out[MAC_LEN])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, ACCOUNTS_KEY_LEN, MAC_LEN);
    crypto_generichash_update(&h, (const uint8_t *)"SQCAUD01", 8);
    crypto_generichash_update(&h, prev, MAC_LEN);
    put_i64(&h, n);
    put_i64(&h, l->wall_s);
    put_str(&h, l->actor);
    put_str(&h, l->action);
    put_str(&h, l->outcome);
    put_str(&h, l->detail);
    crypto_generichash_final(&h, out, MAC_LEN);
}

static void head_mac(const uint8_t *key, int64_t n, const uint8_t mac[MAC_LEN],
                     uint8_t out[MAC_LEN])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, ACCOUNTS_KEY_LEN, MAC_LEN);
    crypto_generichash_update(&h, (const uint8_t *)"SQCHEAD1", 8);
    put_i64(&h, n);
    crypto_generichash_update(&h, mac, MAC_LEN);
    crypto_generichash_final(&h, out, MAC_LEN);
}

void accounts_head_make(const uint8_t *key, int64_t n, const uint8_t mac[MAC_LEN],
                        uint8_t out[ACCOUNTS_HEAD_LEN])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(out + 8, mac, MAC_LEN);
    head_mac(key, n, mac, out + 8 + MAC_LEN);
}

sq_status accounts_head_read(const uint8_t *key, const uint8_t *v, size_t len, int64_t *n,
                             uint8_t mac[MAC_LEN], sq_err *err)
{
    uint8_t want[MAC_LEN];
    if (len != ACCOUNTS_HEAD_LEN || !v)
        return seterr(err, SQ_ECORRUPT, "console audit: the head is damaged%s", NULL);
    int64_t hn = 0;
    for (int i = 0; i < 8; i++)
        hn |= (int64_t)v[i] << (8 * i);
    head_mac(key, hn, v + 8, want);
    if (sodium_memcmp(want, v + 8 + MAC_LEN, MAC_LEN) != 0)
        return seterr(err, SQ_ECORRUPT,
                      "console audit: the head does not check out with the audit key%s", NULL);
    *n = hn;
    memcpy(mac, v + 8, MAC_LEN);
    return SQ_OK;
}

