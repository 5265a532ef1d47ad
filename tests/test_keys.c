/*
 * test_keys.c - central's keys, station key files (plain and passphrase-
 * wrapped) and enrolment. Every refusal is checked for its status, a key
 * phrase of its message and, where a file is involved, that no file was
 * changed or created. Damaged key files are made by truncating them at
 * every length and flipping every byte.
 *
 * Station key file layout (keys.c): "SYNAQKEY" u8(1) u8(wrapped)
 * [salt 16, u64 ops, u64 mem, nonce 24] u32(len) secret u32(len) cert,
 * secret = sign_sk 64, box_pk 32, box_sk 32, storage 32, central_sign_pk
 * 32, central_results_pk 32 (224 bytes); plain, followed by a BLAKE2b-128
 * checksum (240); wrapped, sealed with its tag (240).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "check.h"
#include "fixture.h"

#define PLAIN_HEAD 10
#define WRAPPED_HEAD 66
#define SECRET_LEN 224
#define PLAIN_CHECK 16
#define PLAIN_LEN (SECRET_LEN + PLAIN_CHECK)
#define WRAPPED_LEN (SECRET_LEN + 16)

static fixture f;
static char scratch[400];
static const char *const PASS = "technician passphrase 7";

/* ---- small helpers ---- */

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static int mode_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

/* Whether the file at path holds exactly buf. */
static bool same_bytes(const char *path, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    uint8_t *now = fx_read(path, &n);
    bool same = now && n == len && memcmp(now, buf, len) == 0;
    free(now);
    return same;
}

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", f.dir, name);
}

/* The temp name sqi_file_write_atomic uses for path in this process: making a
 * folder there makes the next atomic write of path fail. */
static void tmp_name_of(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s.tmp-%ld", path, (long)getpid());
}

/* Opens a key file from bytes: writes them to scratch first. */
static sq_status open_bytes(const uint8_t *buf, size_t len, const char *pass, sq_station_keys **k,
                            sq_err *e)
{
    unlink(scratch);
    if (fx_write(scratch, buf, len)) {
        e->code = SQ_EIO;
        snprintf(e->msg, sizeof e->msg, "test: cannot write %s", scratch);
        return SQ_EIO;
    }
    return sq_station_keys_open(scratch, pass, k, e);
}

/* ---- central ---- */

static void test_central_keygen(void)
{
    sq_err e = {0};
    char dir[400], sign[440], res[440], pub[440];
    path_in(dir, sizeof dir, "central2");
    snprintf(sign, sizeof sign, "%s/sign.key", dir);
    snprintf(res, sizeof res, "%s/results.key", dir);
    snprintf(pub, sizeof pub, "%s/central.pub", dir);
    CHECK_OK(sq_central_keygen(dir, &e), &e);
    CHECK_INT(0700, mode_of(dir));
    CHECK_INT(0600, mode_of(sign));
    CHECK_INT(0600, mode_of(res));
    CHECK(exists(pub));

    size_t ls, lr, lp;
    uint8_t *bs = fx_read(sign, &ls), *br = fx_read(res, &lr), *bp = fx_read(pub, &lp);
    CHECK(bs && br && bp);
    if (!bs || !br || !bp)
        goto out;
    CHECK_ERR(SQ_EEXIST, "refusing to overwrite", sq_central_keygen(dir, &e), &e);
    CHECK(same_bytes(sign, bs, ls));
    CHECK(same_bytes(res, br, lr));
    CHECK(same_bytes(pub, bp, lp));

    /* Any one of the three is enough to refuse, and nothing is added. */
    char dir3[400], sign3[440], res3[440], pub3[440];
    path_in(dir3, sizeof dir3, "central3");
    snprintf(sign3, sizeof sign3, "%s/sign.key", dir3);
    snprintf(res3, sizeof res3, "%s/results.key", dir3);
    snprintf(pub3, sizeof pub3, "%s/central.pub", dir3);
    mkdir(dir3, 0700);
    fx_write(pub3, bp, lp);
    CHECK_ERR(SQ_EEXIST, "refusing to overwrite", sq_central_keygen(dir3, &e), &e);
    CHECK(!exists(sign3) && !exists(res3));
    CHECK(same_bytes(pub3, bp, lp));

    /* Both key pairs load, and agree with central.pub. */
    sq_central_keys *k = NULL;
    uint8_t spk[32], rpk[32];
    CHECK_OK(sq_central_open(dir, SQ_CENTRAL_SIGN | SQ_CENTRAL_RESULTS, &k, &e), &e);
    CHECK_OK(sq_central_pub_load(pub, spk, rpk, &e), &e);
    if (k) {
        CHECK(memcmp(spk, sq_central_sign_pk(k), 32) == 0);
        CHECK(memcmp(rpk, sq_central_results_pk(k), 32) == 0);
    }
    sq_central_close(k);
    /* Only the results key: the signing public key comes from central.pub. */
    k = NULL;
    CHECK_OK(sq_central_open(dir, SQ_CENTRAL_RESULTS, &k, &e), &e);
    if (k)
        CHECK(memcmp(spk, sq_central_sign_pk(k), 32) == 0);
    sq_central_close(k);
out:
    free(bs);
    free(br);
    free(bp);
}

/* A keygen that fails half-way (the results key cannot be written) must
 * not leave a half-made key folder behind that refuses every retry. */
static void test_central_keygen_fails_cleanly(void)
{
    sq_err e = {0};
    char dir[400], sign[440], res[440], pub[440], obstacle[480];
    path_in(dir, sizeof dir, "central-half");
    snprintf(sign, sizeof sign, "%s/sign.key", dir);
    snprintf(res, sizeof res, "%s/results.key", dir);
    snprintf(pub, sizeof pub, "%s/central.pub", dir);
    tmp_name_of(res, obstacle, sizeof obstacle);
    mkdir(dir, 0700);
    mkdir(obstacle, 0700);
    sq_status st = sq_central_keygen(dir, &e);
    CHECK(st != SQ_OK);
    rmdir(obstacle);
    if (exists(sign) || exists(res) || exists(pub))
        fprintf(stderr, "keygen failed half-way (%s) and left: %s%s%s\n", e.msg,
                exists(sign) ? "sign.key " : "", exists(res) ? "results.key " : "",
                exists(pub) ? "central.pub" : "");
    CHECK(!exists(sign) && !exists(res) && !exists(pub));
    /* Once the obstacle is gone, a retry must work. */
    CHECK_OK(sq_central_keygen(dir, &e), &e);
}

static void test_central_open_errors(void)
{
    sq_err e = {0};
    sq_central_keys *k = NULL;
    char dir[400], sign[440], res[440];
    path_in(dir, sizeof dir, "no-such-folder");
    CHECK_ERR(SQ_EIO, "cannot open", sq_central_open(dir, SQ_CENTRAL_SIGN, &k, &e), &e);
    CHECK(k == NULL);
    CHECK(!exists(dir));

    /* Damaged copies of f's central keys in a folder of their own. */
    path_in(dir, sizeof dir, "central-damaged");
    mkdir(dir, 0700);
    snprintf(sign, sizeof sign, "%s/sign.key", dir);
    snprintf(res, sizeof res, "%s/results.key", dir);
    char good_sign[400], good_res[400];
    snprintf(good_sign, sizeof good_sign, "%s/sign.key", f.central_dir);
    snprintf(good_res, sizeof good_res, "%s/results.key", f.central_dir);
    size_t ls, lr;
    uint8_t *gs = fx_read(good_sign, &ls), *gr = fx_read(good_res, &lr);
    CHECK(gs && gr);
    if (!gs || !gr) {
        free(gs);
        free(gr);
        return;
    }
    /* The real central.pub beside them: what the damaged secrets are
     * checked against. */
    {
        char good_pub[400], pub0[440];
        snprintf(good_pub, sizeof good_pub, "%s/central.pub", f.central_dir);
        snprintf(pub0, sizeof pub0, "%s/central.pub", dir);
        size_t lp;
        uint8_t *gp = fx_read(good_pub, &lp);
        CHECK(gp != NULL);
        if (gp)
            fx_write(pub0, gp, lp);
        free(gp);
    }
    const char *garbage = "this is not a key at all\n";
    fx_write(sign, garbage, strlen(garbage));
    CHECK_ERR(SQ_ECORRUPT, "is not a synaq-central-sign 1 file",
              sq_central_open(dir, SQ_CENTRAL_SIGN, &k, &e), &e);
    CHECK(same_bytes(sign, (const uint8_t *)garbage, strlen(garbage)));
    /* Right magic, hex cut short. */
    fx_write(sign, gs, ls - 10);
    CHECK_ERR(SQ_ECORRUPT, "damaged", sq_central_open(dir, SQ_CENTRAL_SIGN, &k, &e), &e);
    /* Right magic and length, not hex. */
    uint8_t *bad = malloc(ls);
    memcpy(bad, gs, ls);
    bad[30] = 'z';
    fx_write(sign, bad, ls);
    CHECK_ERR(SQ_ECORRUPT, "damaged", sq_central_open(dir, SQ_CENTRAL_SIGN, &k, &e), &e);
    /* Empty. */
    fx_write(sign, "", 0);
    CHECK_ERR(SQ_ECORRUPT, "not a synaq-central-sign 1 file",
              sq_central_open(dir, SQ_CENTRAL_SIGN, &k, &e), &e);
    /* A folder where the file should be. */
    unlink(sign);
    mkdir(sign, 0700);
    CHECK_ERR(SQ_EIO, "not a regular file", sq_central_open(dir, SQ_CENTRAL_SIGN, &k, &e), &e);
    rmdir(sign);

    /* Still valid hex, one digit changed: in the seed half and in the
     * public half. The loaded key would make signatures that do not check
     * out against central.pub, so it must be refused as damaged. */
    size_t hex0 = strlen("synaq-central-sign 1\n");
    size_t where[] = {hex0 + 3, hex0 + 64 + 5};
    for (size_t i = 0; i < 2; i++) {
        memcpy(bad, gs, ls);
        bad[where[i]] = bad[where[i]] == '0' ? '1' : '0';
        fx_write(sign, bad, ls);
        k = NULL;
        sq_status st = sq_central_open(dir, SQ_CENTRAL_SIGN, &k, &e);
        if (st == SQ_OK)
            fprintf(stderr, "sign.key with hex digit %zu changed loads (%s half)\n",
                    where[i] - hex0, i == 0 ? "seed" : "public");
        CHECK_INT(SQ_ECORRUPT, st);
        sq_central_close(k);
        k = NULL;
    }

    /* results.key: a changed digit is caught (public and secret halves are
     * checked against each other). */
    free(bad);
    bad = malloc(lr);
    memcpy(bad, gr, lr);
    size_t rhex0 = strlen("synaq-central-results 1\n");
    bad[rhex0 + 70] = bad[rhex0 + 70] == '0' ? '1' : '0';
    fx_write(res, bad, lr);
    CHECK_ERR(SQ_ECORRUPT, "damaged", sq_central_open(dir, SQ_CENTRAL_RESULTS, &k, &e), &e);
    fx_write(res, gr, lr - 5);
    CHECK_ERR(SQ_ECORRUPT, "damaged", sq_central_open(dir, SQ_CENTRAL_RESULTS, &k, &e), &e);

    /* central.pub: garbage. */
    char pub[440];
    uint8_t a[32], b[32];
    snprintf(pub, sizeof pub, "%s/central.pub", dir);
    fx_write(pub, garbage, strlen(garbage));
    CHECK_ERR(SQ_ECORRUPT, "not a synaq-central-pub 2 file", sq_central_pub_load(pub, a, b, &e),
              &e);
    const char *half = "synaq-central-pub 2\nsign 00\nresults 11\n";
    fx_write(pub, half, strlen(half));
    CHECK_ERR(SQ_ECORRUPT, "expected 'sign HEX'", sq_central_pub_load(pub, a, b, &e), &e);
    free(bad);
    free(gs);
    free(gr);
}

/* ---- station key files ---- */

static void test_station_create_open(void)
{
    sq_err e = {0};
    sq_station_keys *k = NULL;
    char plain[400], wrapped[400];
    path_in(plain, sizeof plain, "plain.key");
    path_in(wrapped, sizeof wrapped, "wrapped.key");

    CHECK_OK(sq_station_keys_create(plain, f.central_pub, NULL, &e), &e);
    CHECK_INT(0600, mode_of(plain));
    CHECK_INT(0, sq_station_keys_wrapped(plain));
    size_t len;
    uint8_t *before = fx_read(plain, &len);
    CHECK(before != NULL);
    CHECK_ERR(SQ_EEXIST, "refusing to overwrite",
              sq_station_keys_create(plain, f.central_pub, NULL, &e), &e);
    CHECK_ERR(SQ_EEXIST, "refusing to overwrite",
              sq_station_keys_create(plain, f.central_pub, PASS, &e), &e);
    if (before)
        CHECK(same_bytes(plain, before, len));
    free(before);

    CHECK_OK(sq_station_keys_open(plain, NULL, &k, &e), &e);
    if (k) {
        CHECK(sq_station_keys_cert(k) == NULL);
        uint8_t spk[32], rpk[32];
        CHECK_OK(sq_central_pub_load(f.central_pub, spk, rpk, &e), &e);
        CHECK(memcmp(spk, sq_station_keys_central_sign_pk(k), 32) == 0);
        CHECK(memcmp(rpk, sq_station_keys_central_results_pk(k), 32) == 0);
    }
    sq_station_keys_close(k);
    k = NULL;
    /* A passphrase given to a plain file is not needed and does no harm. */
    CHECK_OK(sq_station_keys_open(plain, "anything", &k, &e), &e);
    sq_station_keys_close(k);
    k = NULL;

    /* No central.pub: nothing is created. */
    char nopub[400], nokey[400];
    path_in(nopub, sizeof nopub, "missing.pub");
    path_in(nokey, sizeof nokey, "nopub.key");
    CHECK_ERR(SQ_EIO, "cannot open", sq_station_keys_create(nokey, nopub, NULL, &e), &e);
    CHECK(!exists(nokey));

    /* Wrapped with a passphrase. */
    CHECK_OK(sq_station_keys_create(wrapped, f.central_pub, PASS, &e), &e);
    CHECK_INT(0600, mode_of(wrapped));
    CHECK_INT(1, sq_station_keys_wrapped(wrapped));
    CHECK_OK(sq_station_keys_open(wrapped, PASS, &k, &e), &e);
    sq_station_keys_close(k);
    k = NULL;
    CHECK_ERR(SQ_EAUTH, "wrong passphrase", sq_station_keys_open(wrapped, "wrong", &k, &e), &e);
    CHECK(k == NULL);
    CHECK_ERR(SQ_EAUTH, "protected by a passphrase", sq_station_keys_open(wrapped, NULL, &k, &e),
              &e);
    CHECK_ERR(SQ_EAUTH, "protected by a passphrase", sq_station_keys_open(wrapped, "", &k, &e), &e);
    CHECK(k == NULL);

    /* Files that cannot be read. */
    char missing[400], folder[400];
    path_in(missing, sizeof missing, "no-such.key");
    path_in(folder, sizeof folder, "folder.key");
    mkdir(folder, 0700);
    CHECK_ERR(SQ_EIO, "cannot open", sq_station_keys_open(missing, NULL, &k, &e), &e);
    CHECK(!exists(missing));
    CHECK_ERR(SQ_EIO, "not a regular file", sq_station_keys_open(folder, NULL, &k, &e), &e);
    CHECK(k == NULL);
    CHECK(sq_station_keys_wrapped(missing) < 0);
    CHECK(sq_station_keys_wrapped(folder) < 0);
    const char *garbage = "SYNAQ? no, a shopping list\n";
    fx_write(scratch, garbage, strlen(garbage));
    CHECK(sq_station_keys_wrapped(scratch) < 0);
    CHECK_ERR(SQ_ECORRUPT, "not a Synaq station key file",
              sq_station_keys_open(scratch, NULL, &k, &e), &e);
    CHECK(same_bytes(scratch, (const uint8_t *)garbage, strlen(garbage)));
    /* A folder is not overwritten by create either. */
    CHECK_ERR(SQ_EEXIST, "refusing to overwrite",
              sq_station_keys_create(folder, f.central_pub, NULL, &e), &e);
}

/* Every truncation of a key file is refused as damaged (or, for the
 * passphrase, as not opening), never loaded, never a crash. */
static void truncate_all(const char *path, const char *pass, const char *what)
{
    size_t len;
    uint8_t *good = fx_read(path, &len);
    CHECK(good != NULL);
    if (!good)
        return;
    int wrong = 0;
    for (size_t n = 0; n < len; n++) {
        sq_err e = {0};
        sq_station_keys *k = NULL;
        sq_status st = open_bytes(good, n, pass, &k, &e);
        if (st != SQ_ECORRUPT && st != SQ_EAUTH && wrong++ < 5)
            fprintf(stderr, "%s truncated to %zu: %d %s\n", what, n, st, st ? e.msg : "loaded");
        sq_station_keys_close(k);
    }
    CHECK_INT(0, wrong);
    /* One byte too many is damage too. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, good, len);
    longer[len] = 0;
    sq_err e = {0};
    sq_station_keys *k = NULL;
    CHECK_ERR(SQ_ECORRUPT, "damaged", open_bytes(longer, len + 1, pass, &k, &e), &e);
    sq_station_keys_close(k);
    free(longer);
    free(good);
}

/* A plain key file of an enrolled station with every byte flipped: every
 * one is refused, the secret's too (the checksum after it), central's
 * results key and the storage key among them, which nothing else in the
 * file could check. The store is not touched. */
static void test_plain_flips(const char *path)
{
    size_t len;
    uint8_t *good = fx_read(path, &len);
    CHECK(good != NULL && len > PLAIN_HEAD + 4 + PLAIN_LEN + 4);
    if (!good || len <= PLAIN_HEAD + 4 + PLAIN_LEN + 4)
        return;
    uint32_t slen;
    memcpy(&slen, good + PLAIN_HEAD, 4);
    CHECK_INT(PLAIN_LEN, slen);
    uint8_t *bad = malloc(len);
    int loaded = 0, wrong_status = 0;
    uint8_t digest0[32], digest1[32];
    fx_digest(f.db_path, digest0);
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, good, len);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        sq_err e = {0};
        sq_station_keys *k = NULL;
        sq_status st = open_bytes(bad, len, NULL, &k, &e);
        if (st != SQ_OK && st != SQ_ECORRUPT && st != SQ_EAUTH && wrong_status++ < 5)
            fprintf(stderr, "flip at %zu: unexpected status %d: %s\n", i, st, e.msg);
        if (st == SQ_OK && loaded++ < 5)
            fprintf(stderr, "plain key file with byte %zu flipped loads\n", i);
        sq_station_keys_close(k);
    }
    fx_digest(f.db_path, digest1);
    CHECK_INT(0, wrong_status);
    CHECK_INT(0, loaded);
    CHECK(memcmp(digest0, digest1, 32) == 0);
    /* Damage in central's results key, in particular, says what it is. */
    {
        memcpy(bad, good, len);
        bad[PLAIN_HEAD + 4 + 200] ^= 1;
        sq_err e = {0};
        sq_station_keys *k = NULL;
        CHECK_ERR(SQ_ECORRUPT, "checksum", open_bytes(bad, len, NULL, &k, &e), &e);
        sq_station_keys_close(k);
    }
    free(bad);
    free(good);
}

/* A plain key file of the first builds (the secret without its checksum)
 * still opens, the same keys; writing the file (here: installing the
 * certificate again) adds the checksum. */
static void test_plain_legacy(const char *path)
{
    size_t len;
    uint8_t *good = fx_read(path, &len);
    CHECK(good != NULL && len > PLAIN_HEAD + 4 + PLAIN_LEN + 4);
    if (!good || len <= PLAIN_HEAD + 4 + PLAIN_LEN + 4)
        return;
    size_t olen = len - PLAIN_CHECK;
    uint8_t *old = malloc(len);
    size_t s_end = PLAIN_HEAD + 4 + SECRET_LEN;
    memcpy(old, good, s_end);
    memcpy(old + s_end, good + s_end + PLAIN_CHECK, len - s_end - PLAIN_CHECK);
    uint32_t slen = SECRET_LEN;
    memcpy(old + PLAIN_HEAD, &slen, 4);
    char legacy[500], cert[500];
    path_in(legacy, sizeof legacy, "legacy.key");
    path_in(cert, sizeof cert, "legacy.cert");
    CHECK_INT(0, fx_write(legacy, old, olen));
    sq_err e = {0};
    sq_station_keys *k = NULL, *k2 = NULL;
    CHECK_OK(sq_station_keys_open(legacy, NULL, &k, &e), &e);
    CHECK_OK(sq_station_keys_open(path, NULL, &k2, &e), &e);
    if (k && k2) {
        CHECK(memcmp(sq_station_keys_sign_pk(k), sq_station_keys_sign_pk(k2), 32) == 0);
        CHECK_STR(sq_station_keys_cert(k2)->station_id, sq_station_keys_cert(k)->station_id);
        /* Flipping central's results key in the legacy form is not found
         * by a checksum there is none of; the certificate, which names
         * the results key central signed for, finds it. */
        old[s_end - 1] ^= 1;
        sq_station_keys *k3 = NULL;
        CHECK_ERR(SQ_ECORRUPT, "certificate names other keys", open_bytes(old, olen, NULL, &k3, &e),
                  &e);
        sq_station_keys_close(k3);
        CHECK_INT(0, fx_write(cert, good + s_end + PLAIN_CHECK + 4,
                              len - s_end - PLAIN_CHECK - 4));
        CHECK_OK(sq_station_keys_enroll(k, cert, &e), &e);
        size_t nlen;
        uint8_t *now = fx_read(legacy, &nlen);
        CHECK_INT((long long)len, (long long)nlen);
        CHECK(now && nlen == len && memcmp(now, good, len) == 0);
        free(now);
    }
    sq_station_keys_close(k);
    sq_station_keys_close(k2);
    free(old);
    free(good);
}

/* Reads a wrapped key file, opens its secret with PASS and wraps it again
 * with the cheapest Argon2id cost the format allows, so that every byte
 * can be flipped in reasonable time. Writes the result to out. */
static int rewrap_cheap(const char *path, const char *out)
{
    size_t len;
    int rc = -1;
    uint8_t *buf = fx_read(path, &len), key[32], secret[SECRET_LEN];
    if (!buf || len < WRAPPED_HEAD + 4 + WRAPPED_LEN + 4 || buf[9] != 1)
        goto out;
    uint64_t ops, mem;
    memcpy(&ops, buf + 26, 8);
    memcpy(&mem, buf + 34, 8);
    unsigned long long mlen, clen;
    if (crypto_pwhash(key, 32, PASS, strlen(PASS), buf + 10, ops, (size_t)mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0 ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(secret, &mlen, NULL, buf + WRAPPED_HEAD + 4,
                                                   WRAPPED_LEN, buf, WRAPPED_HEAD, buf + 42,
                                                   key) != 0)
        goto out;
    ops = crypto_pwhash_OPSLIMIT_MIN;
    mem = crypto_pwhash_MEMLIMIT_MIN;
    memcpy(buf + 26, &ops, 8);
    memcpy(buf + 34, &mem, 8);
    if (crypto_pwhash(key, 32, PASS, strlen(PASS), buf + 10, ops, (size_t)mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        goto out;
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + WRAPPED_HEAD + 4, &clen, secret, SECRET_LEN,
                                               buf, WRAPPED_HEAD, NULL, buf + 42, key);
    rc = clen == WRAPPED_LEN ? fx_write(out, buf, len) : -1;
out:
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(key, sizeof key);
    free(buf);
    return rc;
}

static void test_wrapped_damage(void)
{
    sq_err e = {0};
    sq_station_keys *k = NULL;
    char path[400], req[400], cert[400], cheap[400];
    path_in(path, sizeof path, "wrapped-enrolled.key");
    path_in(req, sizeof req, "wrapped.req");
    path_in(cert, sizeof cert, "wrapped.cert");
    path_in(cheap, sizeof cheap, "cheap.key");
    CHECK_OK(sq_station_keys_create(path, f.central_pub, PASS, &e), &e);
    CHECK_OK(sq_station_keys_open(path, PASS, &k, &e), &e);
    if (!k)
        return;
    CHECK_OK(sq_station_request_write(k, "wrapped station", req, &e), &e);
    CHECK_OK(sq_central_enroll(f.central, req, "st-wrapped", "Шымкент", cert, NULL, &e), &e);
    CHECK_OK(sq_station_keys_enroll(k, cert, &e), &e);
    sq_station_keys_close(k);
    k = NULL;
    /* Enrolment rewrote the file without the passphrase: still wrapped,
     * still 0600, the certificate in it. */
    CHECK_INT(1, sq_station_keys_wrapped(path));
    CHECK_INT(0600, mode_of(path));
    CHECK_ERR(SQ_EAUTH, "protected by a passphrase", sq_station_keys_open(path, NULL, &k, &e), &e);
    CHECK_OK(sq_station_keys_open(path, PASS, &k, &e), &e);
    if (k) {
        CHECK(sq_station_keys_cert(k) != NULL);
        if (sq_station_keys_cert(k))
            CHECK_STR("st-wrapped", sq_station_keys_cert(k)->station_id);
    }
    sq_station_keys_close(k);
    k = NULL;

    truncate_all(path, PASS, "wrapped key file");

    /* A few flips through the real Argon2id cost: ciphertext first byte,
     * middle, tag; salt and nonce (associated data). */
    size_t len;
    uint8_t *good = fx_read(path, &len);
    CHECK(good != NULL);
    if (!good)
        return;
    uint8_t *bad = malloc(len);
    const size_t c0 = WRAPPED_HEAD + 4, c1 = c0 + WRAPPED_LEN;
    size_t sample[] = {c0, c0 + 100, c1 - 1, 10, 42};
    for (size_t j = 0; j < sizeof sample / sizeof sample[0]; j++) {
        memcpy(bad, good, len);
        bad[sample[j]] ^= 0x20;
        k = NULL;
        CHECK_ERR(SQ_EAUTH, "wrong passphrase", open_bytes(bad, len, PASS, &k, &e), &e);
        sq_station_keys_close(k);
    }

    /* Every byte, on a copy wrapped at the lowest cost the format allows. */
    CHECK_INT(0, rewrap_cheap(path, cheap));
    k = NULL;
    CHECK_OK(sq_station_keys_open(cheap, PASS, &k, &e), &e);
    sq_station_keys_close(k);
    free(good);
    good = fx_read(cheap, &len);
    if (!good) {
        free(bad);
        return;
    }
    int wrong = 0;
    for (size_t i = 0; i < len; i++) {
        /* ops and mem are tried below with chosen values: a flipped bit
         * there may ask for half a gigabyte (allowed, but slow). */
        if (i >= 26 && i < 42)
            continue;
        memcpy(bad, good, len);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        k = NULL;
        sq_status st = open_bytes(bad, len, PASS, &k, &e);
        bool ok;
        if (i >= c0 && i < c1)
            ok = st == SQ_EAUTH && strstr(e.msg, "wrong passphrase");
        else
            ok = st == SQ_EAUTH || st == SQ_ECORRUPT;
        if (!ok && wrong++ < 5)
            fprintf(stderr, "wrapped key file, flip at %zu: %d %s\n", i, st, st ? e.msg : "loaded");
        sq_station_keys_close(k);
    }
    CHECK_INT(0, wrong);
    /* Costs out of bounds are damage, refused before any work. */
    struct {
        uint64_t ops, mem;
    } cost[] = {{0, 8192},      {17, 8192}, {UINT64_MAX, 8192},
                {1, 0},         {1, 4096},  {1, ((uint64_t)1 << 30) + 1},
                {1, UINT64_MAX}};
    for (size_t j = 0; j < sizeof cost / sizeof cost[0]; j++) {
        memcpy(bad, good, len);
        memcpy(bad + 26, &cost[j].ops, 8);
        memcpy(bad + 34, &cost[j].mem, 8);
        k = NULL;
        CHECK_ERR(SQ_ECORRUPT, "damaged", open_bytes(bad, len, PASS, &k, &e), &e);
        sq_station_keys_close(k);
    }
    /* A cost in bounds but not the one the secret was wrapped with: the
     * header is associated data. */
    memcpy(bad, good, len);
    uint64_t ops2 = 2;
    memcpy(bad + 26, &ops2, 8);
    k = NULL;
    CHECK_ERR(SQ_EAUTH, "wrong passphrase", open_bytes(bad, len, PASS, &k, &e), &e);
    sq_station_keys_close(k);
    free(bad);
    free(good);
}

/* ---- enrolment ---- */

static void test_enrolment(void)
{
    sq_err e = {0};
    sq_station_keys *k = NULL, *k2 = NULL;
    sq_cert c, loaded;
    char key[400], req[400], cert[400], cert_b[400], cert_other[400];
    path_in(key, sizeof key, "enrol.key");
    path_in(req, sizeof req, "enrol.req");
    path_in(cert, sizeof cert, "enrol.cert");
    path_in(cert_b, sizeof cert_b, "enrol-b.cert");
    path_in(cert_other, sizeof cert_other, "enrol-other.cert");
    CHECK_OK(sq_station_keys_create(key, f.central_pub, NULL, &e), &e);
    CHECK_OK(sq_station_keys_open(key, NULL, &k, &e), &e);
    if (!k)
        return;
    CHECK_OK(sq_station_request_write(k, "Школа №12, каб. 3", req, &e), &e);
    size_t key_len;
    uint8_t *key_before = fx_read(key, &key_len);

    /* Central refuses bad station ids and districts, writing nothing. */
    char id65[66], id64[65];
    memset(id65, 'a', 65);
    id65[65] = 0;
    memset(id64, 'b', 64);
    id64[64] = 0;
    const char *bad_ids[] = {"a b", "", id65, "st/1", "st\n1", "Сынақ", "st:1", ".", "..", ".hidden"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        CHECK_ERR(SQ_EINVAL, "is not 1 to 64",
                  sq_central_enroll(f.central, req, bad_ids[i], "Алматы", cert, NULL, &e), &e);
        CHECK(!exists(cert));
    }
    CHECK_ERR(SQ_EINVAL, "is not 1 to 64",
              sq_central_enroll(f.central, req, NULL, "Алматы", cert, NULL, &e), &e);
    CHECK_ERR(SQ_EINVAL, "district",
              sq_central_enroll(f.central, req, "st-100", "", cert, NULL, &e), &e);
    CHECK(!exists(cert));
    /* Strings in certificates are UTF-8 (a district typed in a terminal
     * with another encoding is not): a certificate that no station would
     * accept must not be written. */
    CHECK_ERR(SQ_EINVAL, "district",
              sq_central_enroll(f.central, req, "st-100", "\xc0\xe9\xe4\xe0", cert, NULL, &e), &e);
    if (exists(cert))
        fprintf(stderr, "a certificate with a district that is not UTF-8 was written\n");
    CHECK(!exists(cert));
    unlink(cert);
    /* The same for the label of a request. */
    char badlabel[400];
    path_in(badlabel, sizeof badlabel, "badlabel.req");
    CHECK_ERR(SQ_EINVAL, "label", sq_station_request_write(k, "\xc0\xe9", badlabel, &e), &e);
    CHECK(!exists(badlabel));
    /* The longest id is fine. */
    char cert64[400];
    path_in(cert64, sizeof cert64, "enrol-64.cert");
    CHECK_OK(sq_central_enroll(f.central, req, id64, "Алматы", cert64, &c, &e), &e);
    CHECK_STR(id64, c.station_id);

    /* A central that only loaded its results key cannot sign. */
    sq_central_keys *ronly = NULL;
    CHECK_OK(sq_central_open(f.central_dir, SQ_CENTRAL_RESULTS, &ronly, &e), &e);
    if (ronly)
        CHECK_ERR(SQ_ESTATE, "signing key is not loaded",
                  sq_central_enroll(ronly, req, "st-100", "Алматы", cert, NULL, &e), &e);
    sq_central_close(ronly);
    CHECK(!exists(cert));

    /* Requests that are garbage, missing, or badly signed. */
    char badreq[400];
    path_in(badreq, sizeof badreq, "bad.req");
    const char *garbage = "SQENROL? shopping list: bread, milk, eggs, tea, sugar, salt, onions, "
                          "carrots, rice, flour, butter";
    fx_write(badreq, garbage, strlen(garbage));
    CHECK_ERR(SQ_ECORRUPT, "not a Synaq enrolment request",
              sq_central_enroll(f.central, badreq, "st-100", "Алматы", cert, NULL, &e), &e);
    CHECK(!exists(cert));
    path_in(badreq, sizeof badreq, "no-such.req");
    CHECK_ERR(SQ_EIO, "cannot open",
              sq_central_enroll(f.central, badreq, "st-100", "Алматы", cert, NULL, &e), &e);
    CHECK(!exists(cert));
    path_in(badreq, sizeof badreq, "bad.req");
    size_t rlen;
    uint8_t *rgood = fx_read(req, &rlen), *rbad = rgood ? malloc(rlen) : NULL;
    if (rbad) {
        memcpy(rbad, rgood, rlen);
        rbad[rlen - 1] ^= 0x01; /* the signature */
        fx_write(badreq, rbad, rlen);
        CHECK_ERR(SQ_EAUTH, "not signed by the key it carries",
                  sq_central_enroll(f.central, badreq, "st-100", "Алматы", cert, NULL, &e), &e);
        CHECK(!exists(cert));
        /* Every byte flipped: refused, no certificate written. */
        int wrong = 0;
        for (size_t i = 0; i < rlen; i++) {
            memcpy(rbad, rgood, rlen);
            rbad[i] ^= (uint8_t)(1u << (i % 8));
            fx_write(badreq, rbad, rlen);
            sq_status st = sq_central_enroll(f.central, badreq, "st-100", "Алматы", cert, NULL, &e);
            if ((st != SQ_ECORRUPT && st != SQ_EAUTH) || exists(cert)) {
                if (wrong++ < 5)
                    fprintf(stderr, "request flip at %zu: %d %s\n", i, st, st ? e.msg : "");
                unlink(cert);
            }
        }
        CHECK_INT(0, wrong);
        wrong = 0;
        for (size_t n = 0; n < rlen; n++) {
            fx_write(badreq, rgood, n);
            sq_status st = sq_central_enroll(f.central, badreq, "st-100", "Алматы", cert, NULL, &e);
            if ((st != SQ_ECORRUPT && st != SQ_EAUTH) || exists(cert)) {
                if (wrong++ < 5)
                    fprintf(stderr, "request truncated to %zu: %d %s\n", n, st, st ? e.msg : "");
                unlink(cert);
            }
        }
        CHECK_INT(0, wrong);
    }
    free(rbad);
    free(rgood);

    /* The good request. */
    CHECK_OK(sq_central_enroll(f.central, req, "st-100", "Алматы облысы", cert, &c, &e), &e);
    CHECK_STR("st-100", c.station_id);
    CHECK_STR("Алматы облысы", c.district);
    CHECK_STR("Школа №12, каб. 3", c.label);
    CHECK(memcmp(c.sign_pk, sq_station_keys_sign_pk(k), 32) == 0);
    CHECK(memcmp(c.central_pk, sq_central_sign_pk(f.central), 32) == 0);
    /* Central does not overwrite a certificate file. */
    size_t clen;
    uint8_t *cgood = fx_read(cert, &clen);
    CHECK_ERR(SQ_EEXIST, "refusing to overwrite",
              sq_central_enroll(f.central, req, "st-999", "Алматы", cert, NULL, &e), &e);
    if (cgood)
        CHECK(same_bytes(cert, cgood, clen));
    CHECK_OK(sq_cert_load(cert, sq_central_sign_pk(f.central), &loaded, &e), &e);
    CHECK_STR("st-100", loaded.station_id);

    /* Before the station installs it: refusals that change nothing. */
    char badcert[400];
    path_in(badcert, sizeof badcert, "bad.cert");
    /* The certificate of another station (f's own). */
    CHECK_ERR(SQ_EWRONGSTATION, "certificate of another station (st-001)",
              sq_station_keys_enroll(k, f.cert_path, &e), &e);
    CHECK(sq_station_keys_cert(k) == NULL);
    if (key_before)
        CHECK(same_bytes(key, key_before, key_len));
    /* A certificate of these keys, signed by another central. */
    char other_dir[400];
    sq_central_keys *other = NULL;
    path_in(other_dir, sizeof other_dir, "central-other");
    CHECK_OK(sq_central_keygen(other_dir, &e), &e);
    CHECK_OK(sq_central_open(other_dir, SQ_CENTRAL_SIGN, &other, &e), &e);
    if (other) {
        CHECK_OK(sq_central_enroll(other, req, "st-100", "Алматы облысы", cert_other, NULL, &e),
                 &e);
        CHECK_ERR(SQ_EAUTH, "certificate signature does not match central key",
                  sq_station_keys_enroll(k, cert_other, &e), &e);
        CHECK(sq_station_keys_cert(k) == NULL);
        if (key_before)
            CHECK(same_bytes(key, key_before, key_len));
        CHECK_ERR(SQ_EAUTH, "signature does not match",
                  sq_cert_load(cert_other, sq_central_sign_pk(f.central), &loaded, &e), &e);
        /* For display, any central's key is accepted. */
        CHECK_OK(sq_cert_load(cert_other, NULL, &loaded, &e), &e);
    }
    sq_central_close(other);
    /* Corrupted certificates: every byte flipped, every truncation. */
    if (cgood) {
        uint8_t *cbad = malloc(clen + 1);
        int wrong = 0;
        for (size_t i = 0; i < clen; i++) {
            memcpy(cbad, cgood, clen);
            cbad[i] ^= (uint8_t)(1u << (i % 8));
            fx_write(badcert, cbad, clen);
            sq_status st = sq_station_keys_enroll(k, badcert, &e);
            if ((st != SQ_ECORRUPT && st != SQ_EAUTH) && wrong++ < 5)
                fprintf(stderr, "certificate flip at %zu: %d %s\n", i, st, st ? e.msg : "");
        }
        for (size_t n = 0; n < clen; n++) {
            fx_write(badcert, cgood, n);
            sq_status st = sq_station_keys_enroll(k, badcert, &e);
            if ((st != SQ_ECORRUPT && st != SQ_EAUTH) && wrong++ < 5)
                fprintf(stderr, "certificate truncated to %zu: %d %s\n", n, st, st ? e.msg : "");
        }
        memcpy(cbad, cgood, clen);
        cbad[clen] = 0;
        fx_write(badcert, cbad, clen + 1);
        CHECK_ERR(SQ_ECORRUPT, "certificate is damaged", sq_station_keys_enroll(k, badcert, &e),
                  &e);
        CHECK_INT(0, wrong);
        cbad[20] ^= 0x10;
        fx_write(badcert, cbad, clen);
        CHECK(sq_station_keys_enroll(k, badcert, &e) != SQ_OK);
        CHECK(strstr(e.msg, badcert) != NULL);
        free(cbad);
        CHECK(sq_station_keys_cert(k) == NULL);
        if (key_before)
            CHECK(same_bytes(key, key_before, key_len));
    }
    CHECK_ERR(SQ_EIO, "cannot open", sq_station_keys_enroll(k, "/nonexistent/x.cert", &e), &e);

    /* The key file cannot be rewritten: the keys in memory stay as they
     * were (not enrolled), the file too. */
    char obstacle[480];
    tmp_name_of(key, obstacle, sizeof obstacle);
    mkdir(obstacle, 0700);
    CHECK(sq_station_keys_enroll(k, cert, &e) != SQ_OK);
    rmdir(obstacle);
    CHECK(sq_station_keys_cert(k) == NULL);
    if (key_before)
        CHECK(same_bytes(key, key_before, key_len));

    /* Installing it. */
    CHECK_OK(sq_station_keys_enroll(k, cert, &e), &e);
    const sq_cert *ic = sq_station_keys_cert(k);
    CHECK(ic != NULL);
    if (ic) {
        CHECK_STR("st-100", ic->station_id);
        CHECK_STR("Алматы облысы", ic->district);
    }
    CHECK_INT(0600, mode_of(key));
    /* Twice with the same certificate is fine. */
    CHECK_OK(sq_station_keys_enroll(k, cert, &e), &e);
    /* The key file now carries it. */
    CHECK_OK(sq_station_keys_open(key, NULL, &k2, &e), &e);
    if (k2) {
        ic = sq_station_keys_cert(k2);
        CHECK(ic != NULL);
        if (ic) {
            CHECK_STR("st-100", ic->station_id);
            CHECK_STR("Алматы облысы", ic->district);
            CHECK(memcmp(ic->sign_pk, sq_station_keys_sign_pk(k2), 32) == 0);
        }
        CHECK(memcmp(sq_station_keys_sign_pk(k), sq_station_keys_sign_pk(k2), 32) == 0);
    }
    sq_station_keys_close(k2);
    k2 = NULL;
    /* Enrolled as st-100, a certificate naming the same keys st-101 is
     * refused, and the file keeps st-100. */
    size_t enrolled_len;
    uint8_t *enrolled = fx_read(key, &enrolled_len);
    CHECK_OK(sq_central_enroll(f.central, req, "st-101", "Алматы облысы", cert_b, NULL, &e), &e);
    CHECK_ERR(SQ_EEXIST, "enrolled as 'st-100' already", sq_station_keys_enroll(k, cert_b, &e), &e);
    if (enrolled)
        CHECK(same_bytes(key, enrolled, enrolled_len));
    ic = sq_station_keys_cert(k);
    if (ic)
        CHECK_STR("st-100", ic->station_id);

    sq_station_keys_close(k);
    /* The enrolled plain key file, damaged every way. */
    truncate_all(key, NULL, "plain key file");
    free(enrolled);
    free(cgood);
    free(key_before);
}

int main(void)
{
    if (fx_setup(&f, "st-001"))
        return 1;
    snprintf(scratch, sizeof scratch, "%s/scratch", f.dir);
    test_central_keygen();
    test_central_keygen_fails_cleanly();
    test_central_open_errors();
    test_station_create_open();
    test_wrapped_damage();
    test_enrolment();
    /* The fixture's enrolled plain key file: its storage key opens f's store. */
    test_plain_flips(f.keys_path);
    test_plain_legacy(f.keys_path);
    fx_teardown(&f);
    return check_report("test_keys");
}
