/*
 * keys.c - key pairs of central and of stations, enrolment requests and
 * certificates, and the station key file (optionally passphrase-wrapped).
 *
 * Formats (all little-endian, strings as varint length + UTF-8):
 *   central.pub   text: "synaq-central-pub 2\nsign HEX\nresults HEX\n"
 *                 "binding HEX\ncheck HEX\n": binding is the signing key's
 *                 Ed25519 signature of BINDING_CTX || results pk (so the
 *                 results line cannot be swapped alone), check the
 *                 BLAKE2b-128 of every byte before the check line (so a
 *                 damaged file says "damaged", not "forged"). Version 1
 *                 (sign and results lines only) is refused.
 *   sign.key      text: "synaq-central-sign 1\nHEX(64-byte Ed25519 secret)\n"
 *   results.key   text: "synaq-central-results 1\nHEX(pk 32)HEX(sk 32)\n"
 *   ack.key       text: "synaq-central-ack 1\nHEX(64-byte Ed25519 secret) HEX(delegation)\n"
 *   delegation    "SQDLG01" u8(1) u8(purpose: 1 acknowledgements) pk[32]
 *                 svarint(issued) sig[64] (central's signing key)
 *   request       "SQENROL1" u8(1) str(label) pk_sign[32] pk_box[32]
 *                 svarint(created) sig[64] (station's own key: proof of possession)
 *   certificate   "SQCERT01" u8(2) str(id) str(district) str(label) pk_sign[32]
 *                 pk_box[32] central_pk[32] central_results_pk[32]
 *                 svarint(issued) sig[64] (central); version 1 (the first
 *                 builds) lacks central_results_pk and is read, not made
 *   station key   "SYNAQKEY" u8(1) u8(wrapped) [salt[16] u64(ops) u64(mem)
 *                 nonce[24]] u32(len) secret u32(len) certificate
 *   where secret = sign_sk[64] box_pk[32] box_sk[32] storage[32]
 *                  central_sign_pk[32] central_results_pk[32], and when
 *   wrapped, XChaCha20-Poly1305 of it under Argon2id(passphrase, salt) with
 *   everything before the secret's length as associated data; when plain,
 *   secret followed by BLAKE2b-128(everything before the secret's length,
 *   secret), so that damage to the parts of the secret nothing else can
 *   check (central's results key above all: results sealed to a damaged
 *   one are lost) is found when the file is opened. (Plain files of the
 *   first builds, without the checksum, are read, and get it when the
 *   file is next written.)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "codec_int.h"
#include "keys_int.h"
#include "util_int.h"

#define KEYFILE_MAX 65536
#define SECRET_LEN (64 + 32 + 32 + 32 + 32 + 32)
#define PW_SALT 16
#define PW_NONCE 24
/* Bounds on what a key file may ask of us, so a damaged file cannot make
 * us spend minutes or gigabytes. */
#define PW_MAX_OPS 16
#define PW_MAX_MEM ((uint64_t)1 << 30)

#define BINDING_CTX "SYNAQ central results key 1"
#define FP_CTX "SYNAQ central keys 1"
#define PUB_CHECK 16

struct sq_central_keys {
    int have;
    uint8_t sign_pk[32], sign_sk[64];
    uint8_t results_pk[32], results_sk[32];
    uint8_t ack_sk[64];
    uint8_t deleg[SQ_DELEGATION_MAX];
    size_t deleg_len;
};

struct secret {
    uint8_t sign_sk[64];
    uint8_t box_pk[32], box_sk[32];
    uint8_t storage[32];
    uint8_t central_sign_pk[32], central_results_pk[32];
};

struct sq_station_keys {
    char path[4096];
    struct secret sec;
    int wrapped;
    /* The key file's wrapped secret kept as it is, so that installing a
     * certificate can rewrite the file without asking for the passphrase. */
    uint8_t head[8 + 2 + PW_SALT + 16 + PW_NONCE];
    size_t head_len;
    uint8_t wsecret[SECRET_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES];
    size_t wsecret_len;
    int has_cert;
    sq_cert cert;
    uint8_t cert_raw[1024];
    size_t cert_len;
};

void sq_fingerprint(const uint8_t pk[32], char *out)
{
    uint8_t h[SQ_FINGERPRINT_LEN / 2];
    crypto_generichash(h, sizeof h, pk, 32, NULL, 0);
    sqi_hex_encode(h, sizeof h, out);
}

void sq_central_fingerprint(const uint8_t sign_pk[32], const uint8_t results_pk[32], char *out)
{
    uint8_t h[SQ_FINGERPRINT_LEN / 2];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const uint8_t *)FP_CTX, sizeof FP_CTX);
    crypto_generichash_update(&st, sign_pk, 32);
    crypto_generichash_update(&st, results_pk, 32);
    crypto_generichash_final(&st, h, sizeof h);
    sqi_hex_encode(h, sizeof h, out);
}

static bool hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t n)
{
    size_t got;
    if (hex_len != 2 * n)
        return false;
    return sodium_hex2bin(out, n, hex, hex_len, NULL, &got, NULL) == 0 && got == n;
}

bool sq_station_id_valid(const char *id)
{
    size_t n = strlen(id);
    /* Not "." or "..", nor hidden: the id names folders on USB sticks. */
    if (n == 0 || n > SQ_STATION_ID_MAX || id[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
            return false;
    return true;
}

/* ---- central ---- */

static sq_status write_text(const char *path, const char *text, int mode, bool no_clobber,
                            sq_err *err)
{
    return sqi_file_write_atomic(path, (const uint8_t *)text, strlen(text), mode, no_clobber, err);
}

/* The message the signing key signs to vouch for the results key. */
static void binding_msg(const uint8_t results_pk[32], uint8_t out[sizeof BINDING_CTX + 32])
{
    memcpy(out, BINDING_CTX, sizeof BINDING_CTX);
    memcpy(out + sizeof BINDING_CTX, results_pk, 32);
}

/* central.pub's text for k's public keys (k->sign_sk must be loaded). */
static void pub_text(const sq_central_keys *k, char *text, size_t cap)
{
    uint8_t msg[sizeof BINDING_CTX + 32], sig[64], check[PUB_CHECK];
    char hs[65], hr[65], hb[129], hc[2 * PUB_CHECK + 1];
    binding_msg(k->results_pk, msg);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, k->sign_sk);
    sqi_hex_encode(k->sign_pk, 32, hs);
    sqi_hex_encode(k->results_pk, 32, hr);
    sqi_hex_encode(sig, 64, hb);
    int n = snprintf(text, cap, "synaq-central-pub 2\nsign %s\nresults %s\nbinding %s\n", hs, hr,
                     hb);
    crypto_generichash(check, sizeof check, (const uint8_t *)text, (size_t)n, NULL, 0);
    sqi_hex_encode(check, sizeof check, hc);
    snprintf(text + n, cap - (size_t)n, "check %s\n", hc);
}

/* Makes an ack key pair and its delegation by k's signing key, as the
 * text of ack.key. */
static void ack_key_text(const sq_central_keys *k, char *text, size_t cap)
{
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    sq_buf d;
    sqi_buf_init(&d, SQ_DELEGATION_MAX);
    sqi_buf_put(&d, "SQDLG01", 7);
    sqi_buf_u8(&d, 1);
    sqi_buf_u8(&d, DELEG_ACK);
    sqi_buf_put(&d, pk, 32);
    sqi_buf_svarint(&d, (int64_t)time(NULL));
    uint8_t sig[64];
    crypto_sign_detached(sig, NULL, d.p, d.len, k->sign_sk);
    sqi_buf_put(&d, sig, 64);
    char hsk[129], hd[2 * SQ_DELEGATION_MAX + 1];
    sqi_hex_encode(sk, 64, hsk);
    sqi_hex_encode(d.p, d.len, hd);
    snprintf(text, cap, "synaq-central-ack 1\n%s %s\n", hsk, hd);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(hsk, sizeof hsk);
    sqi_buf_free(&d);
}

sq_status sqi_delegation_check(const uint8_t *d, size_t len, const uint8_t central_sign_pk[32],
                           int purpose, uint8_t pk[32], sq_err *err)
{
    sq_rd r;
    if (len < 7 + 64 || len > SQ_DELEGATION_MAX || memcmp(d, "SQDLG01", 7) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq key delegation");
    if (crypto_sign_verify_detached(d + len - 64, d, len - 64, central_sign_pk) != 0)
        return sqi_seterr(err, SQ_EAUTH, "key delegation is not signed by the central this "
                                        "station trusts");
    sqi_rd_init(&r, d + 7, len - 7 - 64);
    int version = sqi_rd_u8(&r), what = sqi_rd_u8(&r);
    const uint8_t *p = sqi_rd_take(&r, 32);
    sqi_rd_svarint(&r);
    if (r.failed || r.pos != r.len || version != 1 || !p)
        return sqi_seterr(err, SQ_ECORRUPT, "key delegation is damaged");
    if (what != purpose)
        return sqi_seterr(err, SQ_EAUTH, "key delegation is for another purpose");
    memcpy(pk, p, 32);
    return SQ_OK;
}

sq_status sq_central_keygen(const char *dir, sq_err *err)
{
    char p_sign[4096], p_res[4096], p_pub[4096], p_ack[4096];
    snprintf(p_sign, sizeof p_sign, "%s/sign.key", dir);
    snprintf(p_res, sizeof p_res, "%s/results.key", dir);
    snprintf(p_pub, sizeof p_pub, "%s/central.pub", dir);
    snprintf(p_ack, sizeof p_ack, "%s/ack.key", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return sqi_seterr(err, SQ_EIO, "cannot create key folder %s: %s", dir, strerror(errno));
    const char *paths[] = {p_sign, p_res, p_ack, p_pub};
    for (int i = 0; i < 4; i++)
        if (access(paths[i], F_OK) == 0)
            return sqi_seterr(err, SQ_EEXIST,
                             "%s exists already; refusing to overwrite central's keys",
                             paths[i]);

    sq_status st;
    struct sq_central_keys *k = sodium_malloc(sizeof *k);
    char *text = sodium_malloc(1024);
    if (!k || !text) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    crypto_sign_keypair(k->sign_pk, k->sign_sk);
    crypto_box_keypair(k->results_pk, k->results_sk);
    char h1[2 * 64 + 1], h2[2 * 32 + 1];

    sqi_hex_encode(k->sign_sk, 64, h1);
    snprintf(text, 1024, "synaq-central-sign 1\n%s\n", h1);
    if ((st = write_text(p_sign, text, 0600, true, err)))
        goto out;
    sqi_hex_encode(k->results_pk, 32, h1);
    sqi_hex_encode(k->results_sk, 32, h2);
    snprintf(text, 1024, "synaq-central-results 1\n%s%s\n", h1, h2);
    if ((st = write_text(p_res, text, 0600, true, err)))
        goto out;
    ack_key_text(k, text, 1024);
    if ((st = write_text(p_ack, text, 0600, true, err)))
        goto out;
    pub_text(k, text, 1024);
    st = write_text(p_pub, text, 0644, true, err);
    sodium_memzero(h1, sizeof h1);
    sodium_memzero(h2, sizeof h2);
out:
    /* Half a key folder would refuse every retry: take back what we wrote
     * (we checked above that none of them was there before). */
    if (st != SQ_OK && st != SQ_EEXIST)
        for (int i = 0; i < 4; i++)
            unlink(paths[i]);
    sodium_free(text);
    sodium_free(k);
    return st;
}

/* Parses a small text key file's bytes (name for messages): the first
 * line must be `magic`, the second (and only other) line is returned in
 * line (NUL-terminated). */
static sq_status keytext_parse(const uint8_t *buf, size_t len, const char *name,
                               const char *magic, char *line, size_t line_cap, sq_err *err)
{
    size_t mlen = strlen(magic);
    if (len < mlen + 1 || memcmp(buf, magic, mlen) != 0 || buf[mlen] != '\n')
        return sqi_seterr(err, SQ_ECORRUPT, "%s is not a %s file", name, magic);
    size_t n = len - mlen - 1;
    const uint8_t *p = buf + mlen + 1;
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n >= line_cap || memchr(p, 0, n))
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged", name);
    memcpy(line, p, n);
    line[n] = 0;
    return SQ_OK;
}

/* The same, from a file. */
static sq_status read_keytext(const char *path, const char *magic, char *line, size_t line_cap,
                              sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sqi_file_read(path, 4096, &buf, &len, err);
    if (st)
        return st;
    st = keytext_parse(buf, len, path, magic, line, line_cap, err);
    sodium_memzero(buf, len);
    free(buf);
    return st;
}

/* Takes the line "WORD HEX\n" of n bytes at *p (advancing it). */
static bool pub_line(const char **p, const char *end, const char *word, uint8_t *out, size_t n)
{
    size_t wl = strlen(word);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl || (size_t)(nl - *p) < wl + 1 || memcmp(*p, word, wl) != 0 || (*p)[wl] != ' ' ||
        !hex_decode(*p + wl + 1, (size_t)(nl - *p) - wl - 1, out, n))
        return false;
    *p = nl + 1;
    return true;
}

sq_status sqi_central_pub_parse(const uint8_t *buf, size_t len, const char *name, uint8_t sign_pk[32],
                            uint8_t results_pk[32], sq_err *err)
{
    static const char magic[] = "synaq-central-pub 2\n", old[] = "synaq-central-pub 1\n";
    if (len >= sizeof old - 1 && memcmp(buf, old, sizeof old - 1) == 0)
        return sqi_seterr(err, SQ_ECORRUPT,
                         "%s is of the first builds' format, which does not bind central's "
                         "results key to its signing key; at central, run "
                         "'synaq-central keygen --upgrade' and use the central.pub it writes",
                         name);
    if (len < sizeof magic - 1 || len > 1024 || memcmp(buf, magic, sizeof magic - 1) != 0 ||
        memchr(buf, 0, len))
        return sqi_seterr(err, SQ_ECORRUPT, "%s is not a synaq-central-pub 2 file", name);
    const char *p = (const char *)buf + sizeof magic - 1, *end = (const char *)buf + len;
    uint8_t bind[64], check[PUB_CHECK], want[PUB_CHECK];
    if (!pub_line(&p, end, "sign", sign_pk, 32) || !pub_line(&p, end, "results", results_pk, 32) ||
        !pub_line(&p, end, "binding", bind, 64))
        return sqi_seterr(err, SQ_ECORRUPT,
                         "%s is damaged: expected 'sign HEX', 'results HEX', 'binding HEX' and "
                         "'check HEX'",
                         name);
    size_t covered = (size_t)(p - (const char *)buf);
    if (!pub_line(&p, end, "check", check, PUB_CHECK) || p != end)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged: its last line must be 'check HEX'",
                         name);
    crypto_generichash(want, sizeof want, buf, covered, NULL, 0);
    if (sodium_memcmp(want, check, PUB_CHECK) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged (its checksum does not match)", name);
    uint8_t msg[sizeof BINDING_CTX + 32];
    binding_msg(results_pk, msg);
    if (crypto_sign_verify_detached(bind, msg, sizeof msg, sign_pk) != 0)
        return sqi_seterr(err, SQ_EAUTH,
                         "%s: its results key is not signed by the signing key beside it (the "
                         "file was altered)",
                         name);
    return SQ_OK;
}

sq_status sq_central_pub_load(const char *path, uint8_t sign_pk[32], uint8_t results_pk[32],
                              sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sqi_file_read(path, 4096, &buf, &len, err);
    if (st)
        return st;
    st = sqi_central_pub_parse(buf, len, path, sign_pk, results_pk, err);
    free(buf);
    return st;
}

/* Reads sign.key into k. */
static sq_status load_sign(const char *dir, sq_central_keys *k, char *line, sq_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sign.key", dir);
    sq_status st = read_keytext(path, "synaq-central-sign 1", line, 512, err);
    if (st)
        return st;
    uint8_t seed[32], check_pk[32], check_sk[64];
    bool ok = hex_decode(line, strlen(line), k->sign_sk, 64);
    if (ok) {
        /* The secret key carries its public half: both must agree, or
         * every signature made with it is worthless. */
        crypto_sign_ed25519_sk_to_seed(seed, k->sign_sk);
        crypto_sign_seed_keypair(check_pk, check_sk, seed);
        ok = sodium_memcmp(check_pk, k->sign_sk + 32, 32) == 0;
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(check_sk, sizeof check_sk);
    }
    if (!ok)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged", path);
    crypto_sign_ed25519_sk_to_pk(k->sign_pk, k->sign_sk);
    return SQ_OK;
}

/* Reads results.key into k. */
static sq_status load_results(const char *dir, sq_central_keys *k, char *line, sq_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/results.key", dir);
    sq_status st = read_keytext(path, "synaq-central-results 1", line, 512, err);
    if (st)
        return st;
    uint8_t check[32];
    if (strlen(line) != 128 || !hex_decode(line, 64, k->results_pk, 32) ||
        !hex_decode(line + 64, 64, k->results_sk, 32) ||
        crypto_scalarmult_base(check, k->results_sk) != 0 ||
        sodium_memcmp(check, k->results_pk, 32) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged", path);
    return SQ_OK;
}

/* Reads ack.key into k and checks its delegation against k->sign_pk. */
static sq_status load_ack(const char *dir, sq_central_keys *k, char *line, sq_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ack.key", dir);
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return sqi_seterr(err, SQ_ENOTFOUND,
                         "%s is missing: central's key folder is of an earlier build; where "
                         "sign.key is, run 'synaq-central keygen --upgrade' and copy ack.key "
                         "here",
                         path);
    sq_status st = read_keytext(path, "synaq-central-ack 1", line, 1024, err);
    if (st)
        return st;
    const char *sp = strchr(line, ' ');
    uint8_t pk[32], seed[32], check_pk[32], check_sk[64];
    size_t dhex = sp ? strlen(sp + 1) : 0;
    bool ok = sp && sp - line == 128 && hex_decode(line, 128, k->ack_sk, 64) && dhex % 2 == 0 &&
              dhex / 2 <= sizeof k->deleg && hex_decode(sp + 1, dhex, k->deleg, dhex / 2);
    if (ok) {
        crypto_sign_ed25519_sk_to_seed(seed, k->ack_sk);
        crypto_sign_seed_keypair(check_pk, check_sk, seed);
        ok = sodium_memcmp(check_pk, k->ack_sk + 32, 32) == 0;
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(check_sk, sizeof check_sk);
    }
    if (!ok)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged", path);
    k->deleg_len = dhex / 2;
    if ((st = sqi_delegation_check(k->deleg, k->deleg_len, k->sign_pk, DELEG_ACK, pk, err))) {
        sqi_prefixerr(err, "%s", path);
        return st;
    }
    if (sodium_memcmp(pk, k->ack_sk + 32, 32) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "%s is damaged (its delegation names another key)",
                         path);
    return SQ_OK;
}

sq_status sq_central_open(const char *dir, int want, sq_central_keys **out, sq_err *err)
{
    sq_status st = SQ_OK;
    char path[4096], *line = NULL;
    struct sq_central_keys *k = sodium_malloc(sizeof *k);
    line = sodium_malloc(1024);
    if (!k || !line) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    memset(k, 0, sizeof *k);
    /* central.pub first: every use needs a public half from it, and the
     * secrets loaded must agree with it. */
    uint8_t s[32], r[32];
    snprintf(path, sizeof path, "%s/central.pub", dir);
    if ((st = sq_central_pub_load(path, s, r, err)))
        goto out;
    memcpy(k->sign_pk, s, 32);
    memcpy(k->results_pk, r, 32);
    if ((want & SQ_CENTRAL_SIGN) && (st = load_sign(dir, k, line, err)))
        goto out;
    if ((want & SQ_CENTRAL_RESULTS) && (st = load_results(dir, k, line, err)))
        goto out;
    if (memcmp(k->sign_pk, s, 32) != 0 || memcmp(k->results_pk, r, 32) != 0) {
        st = sqi_seterr(err, SQ_ECORRUPT,
                       "%s does not match the secret keys beside it; run 'synaq-central keygen "
                       "--upgrade' to write it again from them",
                       path);
        goto out;
    }
    if ((want & SQ_CENTRAL_ACK) && (st = load_ack(dir, k, line, err)))
        goto out;
    k->have = want;
    *out = k;
    k = NULL;
out:
    sodium_free(line);
    sodium_free(k);
    return st;
}

sq_status sq_central_keys_upgrade(const char *dir, bool new_ack_key, char *what, size_t what_len,
                                  sq_err *err)
{
    sq_status st = SQ_OK;
    char path[4096], *line = sodium_malloc(1024), *text = sodium_malloc(1024);
    struct sq_central_keys *k = sodium_malloc(sizeof *k);
    size_t o = 0;
    what[0] = 0;
    if (!k || !line || !text) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    memset(k, 0, sizeof *k);
    if ((st = load_sign(dir, k, line, err)) || (st = load_results(dir, k, line, err)))
        goto out;
    pub_text(k, text, 1024);
    snprintf(path, sizeof path, "%s/central.pub", dir);
    uint8_t *old = NULL, old_s[32], old_r[32];
    size_t old_len = 0;
    /* A central.pub that is whole and names these keys stays as it is. */
    bool same = sqi_file_read(path, 4096, &old, &old_len, NULL) == SQ_OK &&
                sqi_central_pub_parse(old, old_len, path, old_s, old_r, NULL) == SQ_OK &&
                memcmp(old_s, k->sign_pk, 32) == 0 && memcmp(old_r, k->results_pk, 32) == 0;
    free(old);
    if (!same) {
        if ((st = write_text(path, text, 0644, false, err)))
            goto out;
        o += (size_t)snprintf(what + o, what_len - o, "central.pub written; ");
    }
    snprintf(path, sizeof path, "%s/ack.key", dir);
    bool have_ack = access(path, F_OK) == 0;
    if (!have_ack || new_ack_key) {
        ack_key_text(k, text, 1024);
        if ((st = write_text(path, text, 0600, false, err)))
            goto out;
        o += (size_t)snprintf(what + o, what_len - o, "%s; ",
                              have_ack ? "a new ack key written" : "ack key made");
    }
    if (o == 0)
        snprintf(what, what_len, "nothing to do: the key folder is up to date");
    else if (o >= 2)
        what[o - 2] = 0;
out:
    sodium_free(text);
    sodium_free(line);
    sodium_free(k);
    return st;
}

void sq_central_close(sq_central_keys *k)
{
    if (k)
        sodium_free(k);
}

sq_status sqi_central_identity_secret(const sq_central_keys *k, uint8_t out[32], sq_err *err)
{
    static const char ctx[] = "SYNAQ identity secret 1";
    if (!k || !(k->have & SQ_CENTRAL_SIGN))
        return sqi_seterr(err, SQ_ESTATE, "identity checks need central's signing key (sign.key)");
    /* The first 32 bytes of an Ed25519 secret key are its seed; a keyed
     * BLAKE2b with a context of its own never yields anything the
     * signature scheme uses. */
    crypto_generichash(out, 32, (const uint8_t *)ctx, sizeof ctx - 1, k->sign_sk, 32);
    return SQ_OK;
}

const uint8_t *sq_central_sign_pk(const sq_central_keys *k)
{
    return k->sign_pk;
}

const uint8_t *sq_central_results_pk(const sq_central_keys *k)
{
    return k->results_pk;
}

const uint8_t *sq_central_results_sk(const sq_central_keys *k)
{
    return k->results_sk;
}

void sq_central_sign(const sq_central_keys *k, const uint8_t *msg, size_t len, uint8_t *sig)
{
    crypto_sign_detached(sig, NULL, msg, len, k->sign_sk);
}

sq_status sqi_central_ack_signer(const sq_central_keys *k, const uint8_t **sk, const uint8_t **deleg,
                             size_t *deleg_len, sq_err *err)
{
    if (k->have & SQ_CENTRAL_ACK) {
        *sk = k->ack_sk;
        *deleg = k->deleg;
        *deleg_len = k->deleg_len;
        return SQ_OK;
    }
    if (k->have & SQ_CENTRAL_SIGN) {
        *sk = k->sign_sk;
        *deleg = NULL;
        *deleg_len = 0;
        return SQ_OK;
    }
    return sqi_seterr(err, SQ_ESTATE, "neither the ack key nor the signing key is loaded");
}

/* ---- requests and certificates ---- */

typedef struct {
    char label[128];
    uint8_t sign_pk[32], box_pk[32];
    int64_t created;
} request;

static sq_status request_decode(const uint8_t *buf, size_t len, request *rq, sq_err *err)
{
    sq_rd r;
    if (len < 8 + 1 + 64 || memcmp(buf, "SQENROL1", 8) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq enrolment request");
    sqi_rd_init(&r, buf + 8, len - 8 - 64);
    if (sqi_rd_u8(&r) != 1)
        return sqi_seterr(err, SQ_ECORRUPT, "enrolment request of an unknown version");
    sqi_rd_str(&r, rq->label, sizeof rq->label - 1);
    const uint8_t *s = sqi_rd_take(&r, 32), *b = sqi_rd_take(&r, 32);
    rq->created = sqi_rd_svarint(&r);
    if (r.failed || r.pos != r.len)
        return sqi_seterr(err, SQ_ECORRUPT, "enrolment request is damaged");
    memcpy(rq->sign_pk, s, 32);
    memcpy(rq->box_pk, b, 32);
    if (crypto_sign_verify_detached(buf + len - 64, buf, len - 64, rq->sign_pk) != 0)
        return sqi_seterr(err, SQ_EAUTH, "enrolment request is not signed by the key it carries");
    return SQ_OK;
}

sq_status sqi_cert_decode(const uint8_t *buf, size_t len, const uint8_t *central_pk, sq_cert *c,
                      sq_err *err)
{
    sq_rd r;
    memset(c, 0, sizeof *c);
    if (len < 8 + 1 + 64 || memcmp(buf, "SQCERT01", 8) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq enrolment certificate");
    sqi_rd_init(&r, buf + 8, len - 8 - 64);
    int version = sqi_rd_u8(&r);
    if (version != 1 && version != 2)
        return sqi_seterr(err, SQ_ECORRUPT, "certificate of an unknown version");
    sqi_rd_str(&r, c->station_id, SQ_STATION_ID_MAX);
    sqi_rd_str(&r, c->district, sizeof c->district - 1);
    sqi_rd_str(&r, c->label, sizeof c->label - 1);
    const uint8_t *s = sqi_rd_take(&r, 32), *b = sqi_rd_take(&r, 32), *cp = sqi_rd_take(&r, 32);
    const uint8_t *rp = version >= 2 ? sqi_rd_take(&r, 32) : NULL;
    c->issued_wall_s = sqi_rd_svarint(&r);
    if (r.failed || r.pos != r.len || !sq_station_id_valid(c->station_id))
        return sqi_seterr(err, SQ_ECORRUPT, "certificate is damaged");
    memcpy(c->sign_pk, s, 32);
    memcpy(c->box_pk, b, 32);
    memcpy(c->central_pk, cp, 32);
    if (rp) {
        memcpy(c->central_results_pk, rp, 32);
        c->names_results_pk = true;
    }
    const uint8_t *check = central_pk ? central_pk : c->central_pk;
    if (crypto_sign_verify_detached(buf + len - 64, buf, len - 64, check) != 0) {
        char fp[SQ_FINGERPRINT_LEN + 1];
        sq_fingerprint(check, fp);
        return sqi_seterr(err, SQ_EAUTH, "certificate signature does not match central key %s",
                         fp);
    }
    return SQ_OK;
}

sq_status sq_cert_load(const char *path, const uint8_t *central_pk, sq_cert *out, sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sqi_file_read(path, 4096, &buf, &len, err);
    if (st)
        return st;
    st = sqi_cert_decode(buf, len, central_pk, out, err);
    if (st)
        sqi_prefixerr(err, "%s", path);
    free(buf);
    return st;
}

sq_status sq_central_enroll(const sq_central_keys *k, const char *request_path,
                            const char *station_id, const char *district, const char *cert_path,
                            sq_cert *cert, sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sqi_file_read(request_path, 4096, &buf, &len, err);
    if (st)
        return st;
    st = sqi_central_enroll_buf(k, buf, len, request_path, station_id, district, cert_path, cert, err);
    free(buf);
    return st;
}

sq_status sqi_central_enroll_buf(const sq_central_keys *k, const uint8_t *req, size_t req_len,
                             const char *name, const char *station_id, const char *district,
                             const char *cert_path, sq_cert *cert, sq_err *err)
{
    if (!(k->have & SQ_CENTRAL_SIGN))
        return sqi_seterr(err, SQ_ESTATE, "central's signing key is not loaded");
    if (!station_id || !sq_station_id_valid(station_id))
        return sqi_seterr(err, SQ_EINVAL,
                         "station id '%s' is not 1 to %d of letters, digits, '.', '_', '-' (not starting with '.')",
                         station_id ? station_id : "", SQ_STATION_ID_MAX);
    if (!district || strlen(district) == 0 || strlen(district) >= 128)
        return sqi_seterr(err, SQ_EINVAL, "district must be 1 to 127 bytes");
    request rq;
    sq_buf b;
    sqi_buf_init(&b, 4096);
    sq_status st;
    if ((st = request_decode(req, req_len, &rq, err))) {
        sqi_prefixerr(err, "%s", name);
        goto out;
    }
    sqi_buf_put(&b, "SQCERT01", 8);
    sqi_buf_u8(&b, 2);
    sqi_buf_str(&b, station_id);
    sqi_buf_str(&b, district);
    sqi_buf_str(&b, rq.label);
    sqi_buf_put(&b, rq.sign_pk, 32);
    sqi_buf_put(&b, rq.box_pk, 32);
    sqi_buf_put(&b, k->sign_pk, 32);
    /* The results key the station must seal to, under central's
     * signature: a station that was given a swapped one finds out here. */
    sqi_buf_put(&b, k->results_pk, 32);
    sqi_buf_svarint(&b, (int64_t)time(NULL));
    uint8_t sig[64];
    if (b.failed) {
        st = sqi_seterr(err, SQ_ENOMEM, "certificate too large");
        goto out;
    }
    sq_central_sign(k, b.p, b.len, sig);
    sqi_buf_put(&b, sig, 64);
    /* Read it back as a station will before writing it: a district that is
     * not UTF-8 would make a certificate that no station accepts. */
    sq_cert check;
    if (sqi_cert_decode(b.p, b.len, k->sign_pk, &check, NULL) != SQ_OK) {
        st = sqi_seterr(err, SQ_EINVAL, "district must be UTF-8 text");
        goto out;
    }
    if ((st = sqi_file_write_atomic(cert_path, b.p, b.len, 0644, true, err)))
        goto out;
    if (cert)
        *cert = check;
out:
    sqi_buf_free(&b);
    return st;
}

/* ---- station key file ---- */

static sq_status derive_wrap_key(uint8_t key[32], const char *passphrase, const uint8_t *salt,
                                 uint64_t ops, uint64_t mem, sq_err *err)
{
    if (crypto_pwhash(key, 32, passphrase, strlen(passphrase), salt, ops, (size_t)mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return sqi_seterr(err, SQ_ENOMEM, "not enough memory to derive the key from the passphrase");
    return SQ_OK;
}

#define PLAIN_CHECK 16

/* The checksum of a plain secret: BLAKE2b-128 of the head and the secret. */
static void plain_check(const uint8_t *head, size_t head_len, const uint8_t *secret,
                        uint8_t out[PLAIN_CHECK])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, PLAIN_CHECK);
    crypto_generichash_update(&h, head, head_len);
    crypto_generichash_update(&h, secret, SECRET_LEN);
    crypto_generichash_final(&h, out, PLAIN_CHECK);
}

/* Serialises k (head, wrapped secret, certificate) and writes it. */
static sq_status keyfile_write(const sq_station_keys *k, bool no_clobber, sq_err *err)
{
    sq_buf b;
    sqi_buf_init(&b, KEYFILE_MAX);
    sqi_buf_put(&b, k->head, k->head_len);
    sqi_buf_u32(&b, (uint32_t)k->wsecret_len);
    sqi_buf_put(&b, k->wsecret, k->wsecret_len);
    sqi_buf_u32(&b, (uint32_t)k->cert_len);
    sqi_buf_put(&b, k->cert_raw, k->cert_len);
    sq_status st = b.failed ? sqi_seterr(err, SQ_ENOMEM, "key file too large")
                            : sqi_file_write_atomic(k->path, b.p, b.len, 0600, no_clobber, err);
    sodium_memzero(b.p, b.len);
    sqi_buf_free(&b);
    return st;
}

sq_status sq_station_keys_create(const char *path, const char *central_pub_path,
                                 const char *passphrase, sq_err *err)
{
    uint8_t sign_pk[32], results_pk[32];
    if (access(path, F_OK) == 0)
        return sqi_seterr(err, SQ_EEXIST, "%s exists already; refusing to overwrite a station key",
                         path);
    sq_status st = sq_central_pub_load(central_pub_path, sign_pk, results_pk, err);
    if (st)
        return st;
    return sqi_station_keys_create_for(path, sign_pk, results_pk, passphrase, err);
}

sq_status sqi_station_keys_create_for(const char *path, const uint8_t central_sign_pk[32],
                                  const uint8_t central_results_pk[32], const char *passphrase,
                                  sq_err *err)
{
    sq_status st = SQ_OK;
    if (strlen(path) >= sizeof(((sq_station_keys *)0)->path))
        return sqi_seterr(err, SQ_EINVAL, "key file path too long");
    if (access(path, F_OK) == 0)
        return sqi_seterr(err, SQ_EEXIST, "%s exists already; refusing to overwrite a station key",
                         path);
    sq_station_keys *k = sodium_malloc(sizeof *k);
    uint8_t *wkey = sodium_malloc(32);
    if (!k || !wkey) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    memset(k, 0, sizeof *k);
    snprintf(k->path, sizeof k->path, "%s", path);
    memcpy(k->sec.central_sign_pk, central_sign_pk, 32);
    memcpy(k->sec.central_results_pk, central_results_pk, 32);
    uint8_t sign_pk[32];
    crypto_sign_keypair(sign_pk, k->sec.sign_sk);
    crypto_box_keypair(k->sec.box_pk, k->sec.box_sk);
    randombytes_buf(k->sec.storage, 32);

    sq_buf h;
    sqi_buf_init(&h, sizeof k->head);
    sqi_buf_put(&h, "SYNAQKEY", 8);
    sqi_buf_u8(&h, 1);
    k->wrapped = passphrase && *passphrase;
    sqi_buf_u8(&h, (uint8_t)k->wrapped);
    if (k->wrapped) {
        uint8_t salt[PW_SALT], nonce[PW_NONCE];
        uint64_t ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        uint64_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        randombytes_buf(salt, sizeof salt);
        randombytes_buf(nonce, sizeof nonce);
        sqi_buf_put(&h, salt, sizeof salt);
        sqi_buf_u64(&h, ops);
        sqi_buf_u64(&h, mem);
        sqi_buf_put(&h, nonce, sizeof nonce);
        if ((st = derive_wrap_key(wkey, passphrase, salt, ops, mem, err))) {
            sqi_buf_free(&h);
            goto out;
        }
        unsigned long long clen;
        crypto_aead_xchacha20poly1305_ietf_encrypt(k->wsecret, &clen, (const uint8_t *)&k->sec,
                                                   SECRET_LEN, h.p, h.len, NULL, nonce, wkey);
        k->wsecret_len = (size_t)clen;
    } else {
        memcpy(k->wsecret, &k->sec, SECRET_LEN);
        plain_check(h.p, h.len, k->wsecret, k->wsecret + SECRET_LEN);
        k->wsecret_len = SECRET_LEN + PLAIN_CHECK;
    }
    memcpy(k->head, h.p, h.len);
    k->head_len = h.len;
    sqi_buf_free(&h);
    st = keyfile_write(k, true, err);
out:
    sodium_free(wkey);
    sodium_free(k);
    return st;
}

int sq_station_keys_wrapped(const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (sqi_file_read(path, KEYFILE_MAX, &buf, &len, NULL))
        return -1;
    int w = len >= 10 && memcmp(buf, "SYNAQKEY", 8) == 0 ? buf[9] != 0 : -1;
    sodium_memzero(buf, len);
    free(buf);
    return w;
}

sq_status sq_station_keys_open(const char *path, const char *passphrase, sq_station_keys **out,
                               sq_err *err)
{
    sq_status st;
    uint8_t *buf = NULL, *wkey = NULL;
    size_t len = 0;
    sq_rd r;
    sq_station_keys *k = sodium_malloc(sizeof *k);
    wkey = sodium_malloc(32);
    if (!k || !wkey) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    memset(k, 0, sizeof *k);
    if (strlen(path) >= sizeof k->path) {
        st = sqi_seterr(err, SQ_EINVAL, "key file path too long");
        goto out;
    }
    snprintf(k->path, sizeof k->path, "%s", path);
    if ((st = sqi_file_read(path, KEYFILE_MAX, &buf, &len, err)))
        goto out;
    sqi_rd_init(&r, buf, len);
    const uint8_t *magic = sqi_rd_take(&r, 8);
    if (!magic || memcmp(magic, "SYNAQKEY", 8) != 0) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s is not a Synaq station key file", path);
        goto out;
    }
    if (sqi_rd_u8(&r) != 1) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s: key file of an unknown version", path);
        goto out;
    }
    k->wrapped = sqi_rd_u8(&r);
    const uint8_t *salt = NULL, *nonce = NULL;
    uint64_t ops = 0, mem = 0;
    if (k->wrapped) {
        salt = sqi_rd_take(&r, PW_SALT);
        ops = sqi_rd_u64(&r);
        mem = sqi_rd_u64(&r);
        nonce = sqi_rd_take(&r, PW_NONCE);
    }
    if (r.failed || r.pos > sizeof k->head || k->wrapped > 1) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s: key file is damaged", path);
        goto out;
    }
    memcpy(k->head, buf, r.pos);
    k->head_len = r.pos;
    uint32_t slen = sqi_rd_u32(&r);
    const uint8_t *sec = slen <= sizeof k->wsecret ? sqi_rd_take(&r, slen) : NULL;
    uint32_t clen = sqi_rd_u32(&r);
    const uint8_t *cert = clen <= sizeof k->cert_raw ? sqi_rd_take(&r, clen) : NULL;
    if (r.failed || !sec || !cert || r.pos != len) {
        st = sqi_seterr(err, SQ_ECORRUPT, "%s: key file is damaged (truncated or altered)", path);
        goto out;
    }
    memcpy(k->wsecret, sec, slen);
    k->wsecret_len = slen;
    if (k->wrapped) {
        if (!passphrase || !*passphrase) {
            st = sqi_seterr(err, SQ_EAUTH, "%s is protected by a passphrase; none was given",
                           path);
            goto out;
        }
        if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > PW_MAX_OPS ||
            mem < crypto_pwhash_MEMLIMIT_MIN || mem > PW_MAX_MEM ||
            slen != SECRET_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
            st = sqi_seterr(err, SQ_ECORRUPT, "%s: key file is damaged", path);
            goto out;
        }
        if ((st = derive_wrap_key(wkey, passphrase, salt, ops, mem, err)))
            goto out;
        unsigned long long mlen;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)&k->sec, &mlen, NULL, sec, slen,
                                                       k->head, k->head_len, nonce, wkey) != 0) {
            st = sqi_seterr(err, SQ_EAUTH, "wrong passphrase for %s (or the file was altered)",
                           path);
            goto out;
        }
    } else {
        uint8_t check[PLAIN_CHECK];
        if (slen != SECRET_LEN + PLAIN_CHECK && slen != SECRET_LEN) {
            st = sqi_seterr(err, SQ_ECORRUPT, "%s: key file is damaged", path);
            goto out;
        }
        plain_check(k->head, k->head_len, sec, check);
        if (slen == SECRET_LEN + PLAIN_CHECK &&
            sodium_memcmp(check, sec + SECRET_LEN, PLAIN_CHECK) != 0) {
            st = sqi_seterr(err, SQ_ECORRUPT,
                           "%s: key file is damaged (its checksum does not match)", path);
            goto out;
        }
        memcpy(&k->sec, sec, SECRET_LEN);
        /* A file of the first builds: the checksum goes in when the file
         * is next written. */
        memcpy(k->wsecret + SECRET_LEN, check, PLAIN_CHECK);
        k->wsecret_len = SECRET_LEN + PLAIN_CHECK;
    }
    /* A plain secret is not authenticated: check what can be checked, so
     * that a damaged file is refused here and not after a day of results
     * signed with a broken key. */
    {
        uint8_t seed[32], pk[32], sk[64], box[32];
        crypto_sign_ed25519_sk_to_seed(seed, k->sec.sign_sk);
        crypto_sign_seed_keypair(pk, sk, seed);
        bool ok = sodium_memcmp(pk, k->sec.sign_sk + 32, 32) == 0 &&
                  crypto_scalarmult_base(box, k->sec.box_sk) == 0 &&
                  sodium_memcmp(box, k->sec.box_pk, 32) == 0;
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(sk, sizeof sk);
        if (!ok) {
            st = sqi_seterr(err, SQ_ECORRUPT, "%s: key file is damaged (its key pairs do not match)",
                           path);
            goto out;
        }
    }
    if (clen > 0) {
        if ((st = sqi_cert_decode(cert, clen, k->sec.central_sign_pk, &k->cert, err))) {
            sqi_prefixerr(err, "%s: installed certificate", path);
            goto out;
        }
        if (memcmp(k->cert.sign_pk, k->sec.sign_sk + 32, 32) != 0 ||
            memcmp(k->cert.box_pk, k->sec.box_pk, 32) != 0 ||
            (k->cert.names_results_pk &&
             memcmp(k->cert.central_results_pk, k->sec.central_results_pk, 32) != 0)) {
            st = sqi_seterr(err, SQ_ECORRUPT,
                           "%s: key file is damaged (its certificate names other keys)", path);
            goto out;
        }
        memcpy(k->cert_raw, cert, clen);
        k->cert_len = clen;
        k->has_cert = 1;
    }
    *out = k;
    k = NULL;
out:
    if (buf) {
        sodium_memzero(buf, len);
        free(buf);
    }
    sodium_free(wkey);
    sodium_free(k);
    return st;
}

void sq_station_keys_close(sq_station_keys *k)
{
    if (k)
        sodium_free(k);
}

sq_status sq_station_request_write(const sq_station_keys *k, const char *label,
                                   const char *out_path, sq_err *err)
{
    if (!label)
        label = "";
    if (strlen(label) >= 128)
        return sqi_seterr(err, SQ_EINVAL, "station label must be under 128 bytes");
    sq_buf b;
    sqi_buf_init(&b, 4096);
    sqi_buf_put(&b, "SQENROL1", 8);
    sqi_buf_u8(&b, 1);
    sqi_buf_str(&b, label);
    sqi_buf_put(&b, sq_station_keys_sign_pk(k), 32);
    sqi_buf_put(&b, k->sec.box_pk, 32);
    sqi_buf_svarint(&b, (int64_t)time(NULL));
    uint8_t sig[64];
    crypto_sign_detached(sig, NULL, b.p, b.len, k->sec.sign_sk);
    sqi_buf_put(&b, sig, 64);
    request rq;
    sq_status st = b.failed ? sqi_seterr(err, SQ_ENOMEM, "request too large")
                   : request_decode(b.p, b.len, &rq, NULL) != SQ_OK
                       ? sqi_seterr(err, SQ_EINVAL, "station label must be UTF-8 text")
                       : sqi_file_write_atomic(out_path, b.p, b.len, 0644, false, err);
    sqi_buf_free(&b);
    return st;
}

sq_status sq_station_keys_enroll(sq_station_keys *k, const char *cert_path, sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sqi_file_read(cert_path, sizeof k->cert_raw, &buf, &len, err);
    if (st)
        return st;
    st = sqi_station_keys_enroll_buf(k, buf, len, cert_path, err);
    free(buf);
    return st;
}

sq_status sqi_station_keys_enroll_buf(sq_station_keys *k, const uint8_t *buf, size_t len,
                                  const char *cert_path, sq_err *err)
{
    sq_cert c;
    sq_status st;
    if (len > sizeof k->cert_raw)
        return sqi_seterr(err, SQ_ETOOBIG, "%s is too large for a certificate", cert_path);
    if ((st = sqi_cert_decode(buf, len, k->sec.central_sign_pk, &c, err))) {
        sqi_prefixerr(err, "%s", cert_path);
        goto out;
    }
    if (memcmp(c.sign_pk, sq_station_keys_sign_pk(k), 32) != 0 ||
        memcmp(c.box_pk, k->sec.box_pk, 32) != 0) {
        st = sqi_seterr(err, SQ_EWRONGSTATION,
                       "%s is the certificate of another station (%s), not of this one",
                       cert_path, c.station_id);
        goto out;
    }
    if (!c.names_results_pk) {
        st = sqi_seterr(err, SQ_EAUTH,
                       "%s is a certificate of the first builds, which does not confirm "
                       "central's results key; ask central for a new one",
                       cert_path);
        goto out;
    }
    if (sodium_memcmp(c.central_results_pk, k->sec.central_results_pk, 32) != 0) {
        /* Results sealed to the key this station trusts would be readable
         * by whoever swapped it and unopenable at central. */
        char have[SQ_FINGERPRINT_LEN + 1], want[SQ_FINGERPRINT_LEN + 1];
        sq_central_fingerprint(k->sec.central_sign_pk, k->sec.central_results_pk, have);
        sq_central_fingerprint(k->sec.central_sign_pk, c.central_results_pk, want);
        st = sqi_seterr(err, SQ_EAUTH,
                       "%s: central signed for another results key than the one this station "
                       "trusts (central keys %s here, %s at central): the central.pub this "
                       "station was set up with is not central's; set the station up again "
                       "with central's own central.pub",
                       cert_path, have, want);
        goto out;
    }
    if (k->has_cert && strcmp(k->cert.station_id, c.station_id) != 0) {
        st = sqi_seterr(err, SQ_EEXIST,
                       "this station is enrolled as '%s' already; the certificate says '%s'",
                       k->cert.station_id, c.station_id);
        goto out;
    }
    sq_station_keys old = *k;
    memcpy(k->cert_raw, buf, len);
    k->cert_len = len;
    k->cert = c;
    k->has_cert = 1;
    if ((st = keyfile_write(k, false, err))) {
        *k = old;
        sodium_memzero(&old, sizeof old);
        goto out;
    }
    sodium_memzero(&old, sizeof old);
out:
    return st;
}

const sq_cert *sq_station_keys_cert(const sq_station_keys *k)
{
    return k->has_cert ? &k->cert : NULL;
}

const uint8_t *sq_station_keys_sign_pk(const sq_station_keys *k)
{
    /* An Ed25519 secret key in libsodium's layout ends with its public key. */
    return k->sec.sign_sk + 32;
}

const uint8_t *sq_station_keys_central_sign_pk(const sq_station_keys *k)
{
    return k->sec.central_sign_pk;
}

const uint8_t *sq_station_keys_central_results_pk(const sq_station_keys *k)
{
    return k->sec.central_results_pk;
}

const uint8_t *sqi_station_keys_sign_sk(const sq_station_keys *k)
{
    return k->sec.sign_sk;
}

const uint8_t *sqi_station_keys_box_pk(const sq_station_keys *k)
{
    return k->sec.box_pk;
}

const uint8_t *sqi_station_keys_box_sk(const sq_station_keys *k)
{
    return k->sec.box_sk;
}

const uint8_t *sqi_station_keys_storage_key(const sq_station_keys *k)
{
    return k->sec.storage;
}
