/*
 * test_bundle.c - bundles: a good one imports; every bad one named in the
 * foundation issue is refused with a clear message and changes nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "../core/src/bundle_int.h"
#include "../core/src/codec_int.h"

static fixture f;
static char bundle_path[400], scratch[400];

/* Imports buf and checks the status, the phrase and that the store did
 * not change. */
static void refuse(const uint8_t *buf, size_t len, sq_status want, const char *phrase, int line)
{
    uint8_t before[32], after[32];
    sq_err e = {0};
    sq_import_report r;
    fx_digest(f.db_path, before);
    sq_status st = sq_import_mem(f.store, buf, len, NULL, &r, &e);
    fx_digest(f.db_path, after);
    check_count++;
    if (st != want || (phrase && !strstr(e.msg, phrase)) || memcmp(before, after, 32) != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: expected status %d with \"%s\", got %d: \"%s\"%s\n", __FILE__,
                line, want, phrase ? phrase : "", st, st ? e.msg : "",
                memcmp(before, after, 32) ? " and the store changed" : "");
    }
}

#define REFUSE(buf, len, st, phrase) refuse(buf, len, st, phrase, __LINE__)

static void test_good_import(void)
{
    sq_err e;
    sq_import_report r;
    char *yaml = fx_exam_yaml("basics", 2, 5, 10);
    CHECK_INT(0, fx_bundle(&f, yaml, bundle_path, NULL, 0));
    free(yaml);
    CHECK_OK(sq_import_file(f.store, bundle_path, NULL, &r, &e), &e);
    CHECK_INT(1, r.exams_new);
    CHECK_INT(5, r.items);
    sq_exam_info *list = NULL;
    size_t n = 0;
    CHECK_OK(sq_catalog_exams(f.store, &list, &n, &e), &e);
    CHECK_INT(1, n);
    if (n == 1) {
        CHECK_STR("basics", list[0].id);
        CHECK_INT(2, list[0].version);
        CHECK_STR("Сынақ", list[0].title[0]);
        CHECK_INT(600, list[0].time_limit_s);
    }
    sq_free(list);
    /* The same bundle twice: nothing happens. */
    uint8_t before[32], after[32];
    fx_digest(f.db_path, before);
    CHECK_OK(sq_import_file(f.store, bundle_path, NULL, &r, &e), &e);
    fx_digest(f.db_path, after);
    CHECK_INT(0, r.exams_new);
    CHECK_INT(1, r.exams_same);
    CHECK(memcmp(before, after, 32) == 0);
}

static void test_flips_and_truncations(void)
{
    size_t len;
    uint8_t *good = fx_read(bundle_path, &len);
    CHECK(good != NULL);
    if (!good)
        return;
    uint8_t *bad = malloc(len);
    /* Every single byte flipped, at every offset. */
    int wrong = 0;
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, good, len);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        sq_err e = {0};
        sq_import_report r;
        sq_status st = sq_import_mem(f.store, bad, len, NULL, &r, &e);
        /* Before the signature only the magic is looked at. */
        bool ok = i < 8 ? (st == SQ_ECORRUPT && strstr(e.msg, "not a Synaq bundle"))
                        : (st == SQ_EAUTH && strstr(e.msg, "signature does not match"));
        if (!ok && wrong++ < 5)
            fprintf(stderr, "flip at %zu: %d %s\n", i, st, e.msg);
    }
    CHECK_INT(0, wrong);
    /* Truncated at every length. */
    wrong = 0;
    for (size_t n = 0; n < len; n++) {
        sq_err e = {0};
        sq_import_report r;
        sq_status st = sq_import_mem(f.store, good, n, NULL, &r, &e);
        if ((st != SQ_EAUTH && st != SQ_ECORRUPT) && wrong++ < 5)
            fprintf(stderr, "truncated to %zu: %d %s\n", n, st, e.msg);
    }
    CHECK_INT(0, wrong);
    /* And a few of each through the full check of message and store. */
    memcpy(bad, good, len);
    bad[len / 2] ^= 0x40;
    REFUSE(bad, len, SQ_EAUTH, "bundle signature does not match central key");
    REFUSE(good, len - 1, SQ_EAUTH, "signature does not match");
    REFUSE(good, 20, SQ_ECORRUPT, "not a Synaq bundle");
    free(bad);
    free(good);
}

static void test_not_a_bundle(void)
{
    const char *text = "this is a shopping list, not an exam\n";
    REFUSE((const uint8_t *)text, strlen(text), SQ_ECORRUPT, "not a Synaq bundle");
    REFUSE((const uint8_t *)"", 0, SQ_ECORRUPT, "not a Synaq bundle");
    uint8_t zeros[4096] = {0};
    REFUSE(zeros, sizeof zeros, SQ_ECORRUPT, "not a Synaq bundle");
    sq_err e;
    sq_import_report r;
    CHECK_ERR(SQ_EIO, "cannot open", sq_import_file(f.store, "/nonexistent/b.sqb", NULL, &r, &e), &e);
}

static void test_other_central(void)
{
    /* A bundle signed by a central this station does not trust. */
    fixture g;
    char path[400];
    CHECK_INT(0, fx_setup(&g, "st-001"));
    char *yaml = fx_exam_yaml("forged", 1, 3, 0);
    snprintf(path, sizeof path, "%s/forged.sqb", g.dir);
    CHECK_INT(0, fx_bundle(&g, yaml, path, NULL, 0));
    free(yaml);
    size_t len;
    uint8_t *buf = fx_read(path, &len);
    if (buf)
        REFUSE(buf, len, SQ_EAUTH, "signature does not match central key");
    free(buf);
    fx_teardown(&g);
}

static void test_other_station(void)
{
    char keys[400], cert[400], path[400];
    CHECK_INT(0, fx_other_station(&f, "st-elsewhere", keys, cert));
    /* Built for st-elsewhere only: fixture's station is not a recipient. */
    sq_err e;
    char src[400];
    snprintf(src, sizeof src, "%s/elsewhere.yaml", f.dir);
    char *yaml = fx_exam_yaml("elsewhere", 1, 3, 0);
    fx_write(src, yaml, strlen(yaml));
    free(yaml);
    snprintf(path, sizeof path, "%s/elsewhere.sqb", f.dir);
    sq_exam_set *set = sq_exam_set_new();
    const char *certs[] = {cert};
    CHECK_OK(sq_exam_set_load(set, src, &e), &e);
    CHECK_OK(sq_bundle_build(set, f.central, certs, 1, path, &e), &e);
    sq_exam_set_free(set);
    size_t len;
    uint8_t *buf = fx_read(path, &len);
    if (buf)
        REFUSE(buf, len, SQ_EWRONGSTATION, "meant for other stations (st-elsewhere)");
    free(buf);
    /* Built for both: it opens here too. */
    snprintf(path, sizeof path, "%s/both.sqb", f.dir);
    yaml = fx_exam_yaml("both", 1, 3, 0);
    const char *extra[] = {cert};
    CHECK_INT(0, fx_bundle(&f, yaml, path, extra, 1));
    free(yaml);
    sq_import_report r;
    CHECK_OK(sq_import_file(f.store, path, NULL, &r, &e), &e);
    CHECK_INT(1, r.exams_new);
}

static void test_older_version(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/old.sqb", f.dir);
    char *yaml = fx_exam_yaml("basics", 1, 5, 10);
    CHECK_INT(0, fx_bundle(&f, yaml, path, NULL, 0));
    free(yaml);
    size_t len;
    uint8_t *buf = fx_read(path, &len);
    if (buf)
        REFUSE(buf, len, SQ_ESTALE, "older than the installed version 2");
    free(buf);
    /* A newer one replaces it. */
    sq_err e;
    sq_import_report r;
    snprintf(path, sizeof path, "%s/new.sqb", f.dir);
    yaml = fx_exam_yaml("basics", 3, 6, 10);
    CHECK_INT(0, fx_bundle(&f, yaml, path, NULL, 0));
    free(yaml);
    CHECK_OK(sq_import_file(f.store, path, NULL, &r, &e), &e);
    CHECK_INT(1, r.exams_new);
    sq_exam_info *list = NULL;
    size_t n = 0;
    CHECK_OK(sq_catalog_exams(f.store, &list, &n, &e), &e);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].id, "basics"))
            CHECK_INT(3, list[i].version);
    sq_free(list);
}

/* A bundle whose header declares an enormous content size: signed by the
 * real central (the worst case: a leaked signing key or a bug at central),
 * so that the size cap itself is what refuses it. */
static void test_bomb(void)
{
    size_t len;
    uint8_t *good = fx_read(bundle_path, &len);
    if (!good)
        return;
    bundle_header h;
    size_t header_len;
    sq_err e;
    CHECK_OK(sqi_bundle_parse_header(good, len - 64, &h, &header_len, &e), &e);
    /* Rebuild the header with plain_len replaced: find the varint after the
     * exam list by re-encoding the known prefix. */
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_buf_put(&b, "SQBUNDLE", 8);
    sqi_buf_u8(&b, 1);
    sqi_buf_str(&b, h.bundle_id);
    sqi_buf_svarint(&b, h.created_wall_s);
    sqi_buf_varint(&b, h.n_exams);
    for (size_t i = 0; i < h.n_exams; i++) {
        sqi_buf_str(&b, h.exams[i].id);
        sqi_buf_varint(&b, (uint64_t)h.exams[i].version);
    }
    size_t prefix = b.len;
    sq_rd r;
    sqi_rd_init(&r, good + prefix, len - prefix);
    sqi_rd_varint(&r); /* the true plain length */
    size_t rest = prefix + r.pos;
    sqi_buf_varint(&b, (uint64_t)1 << 40); /* a terabyte */
    sqi_buf_put(&b, good + rest, len - 64 - rest);
    uint8_t sig[64];
    sq_central_sign(f.central, b.p, b.len, sig);
    sqi_buf_put(&b, sig, 64);
    REFUSE(b.p, b.len, SQ_ETOOBIG, "above the limit");
    sqi_buf_free(&b);

    /* And a payload that inflates far beyond what it declares. */
    free(good);
}

/* A real deflate bomb inside a correctly signed, encrypted bundle: the
 * inflate stops at the declared size. Built by hand with the same steps
 * sq_bundle_build takes. */
static void test_inflate_bomb(void)
{
    size_t plain_len = (size_t)64 << 20; /* 64 MiB of zeros */
    uint8_t *zeros = calloc(1, plain_len);
    uint8_t *z = NULL;
    size_t zlen = 0;
    sq_err e;
    CHECK_OK(sqi_z_deflate(zeros, plain_len, &z, &zlen, &e), &e);
    free(zeros);
    sq_cert cert;
    CHECK_OK(sq_cert_load(f.cert_path, NULL, &cert, &e), &e);
    uint8_t key[32], nonce[24], sealed[80];
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    randombytes_buf(nonce, sizeof nonce);
    crypto_box_seal(sealed, key, 32, cert.box_pk);
    sq_buf b;
    sqi_buf_init(&b, 0);
    sqi_buf_put(&b, "SQBUNDLE", 8);
    sqi_buf_u8(&b, 1);
    sqi_buf_str(&b, "bomb");
    sqi_buf_svarint(&b, 0);
    sqi_buf_varint(&b, 1);
    sqi_buf_str(&b, "bomb");
    sqi_buf_varint(&b, 1);
    sqi_buf_varint(&b, 1000); /* declares 1000 bytes */
    sqi_buf_varint(&b, zlen + 16);
    sqi_buf_put(&b, nonce, 24);
    sqi_buf_varint(&b, 1);
    sqi_buf_str(&b, cert.station_id);
    sqi_buf_put(&b, sealed, 80);
    size_t hl = b.len;
    uint8_t *c = malloc(zlen + 16);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, z, zlen, b.p, hl, NULL, nonce, key);
    sqi_buf_put(&b, c, (size_t)clen);
    uint8_t sig[64];
    sq_central_sign(f.central, b.p, b.len, sig);
    sqi_buf_put(&b, sig, 64);
    REFUSE(b.p, b.len, SQ_ETOOBIG, "inflates past its declared 1000 bytes");
    sqi_buf_free(&b);
    free(c);
    free(z);
}

static void test_source_errors_build_nothing(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/never.sqb", f.dir);
    CHECK(fx_bundle(&f, "exam: x\nversion: 1\ntitle: {ru: Т}\nitems: [\n", path, NULL, 0) != 0);
    CHECK(access(path, F_OK) != 0);
}

int main(void)
{
    if (fx_setup(&f, "st-001"))
        return 1;
    snprintf(bundle_path, sizeof bundle_path, "%s/basics.sqb", f.dir);
    snprintf(scratch, sizeof scratch, "%s/scratch", f.dir);
    test_good_import();
    test_flips_and_truncations();
    test_not_a_bundle();
    test_other_central();
    test_other_station();
    test_older_version();
    test_bomb();
    test_inflate_bomb();
    test_source_errors_build_nothing();
    fx_teardown(&f);
    return check_report("test_bundle");
}
