/*
 * test_results_key.c - item 1 of the trust issue: central's results key is
 * pinned. A station must not end up sealing results to a key that is not
 * central's: a swapped or damaged `results` line of central.pub, a
 * central.pub of the first builds' format, or a station set up with
 * another results key than the one central signs for in its certificate,
 * are each refused with a clear message, and nothing is left behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "check.h"
#include "fixture.h"
#include "keys_int.h"
#include "synaq/usb.h"

static fixture f;

static int exists(const char *p)
{
    return access(p, F_OK) == 0;
}

/* Writes central.pub text with the sign, results and binding lines given
 * (hex), and a correct checksum over them, so only the signature can tell. */
static void write_pub(const char *path, const char *sign_hex, const char *res_hex,
                      const char *bind_hex)
{
    char text[1024], check[33];
    int n = snprintf(text, sizeof text, "synaq-central-pub 2\nsign %s\nresults %s\nbinding %s\n",
                     sign_hex, res_hex, bind_hex);
    uint8_t h[16];
    crypto_generichash(h, sizeof h, (const uint8_t *)text, (size_t)n, NULL, 0);
    sodium_bin2hex(check, sizeof check, h, sizeof h);
    snprintf(text + n, sizeof text - (size_t)n, "check %s\n", check);
    fx_write(path, text, strlen(text));
}

/* Pulls the hex of a line "WORD HEX" out of central.pub's text. */
static void line_hex(const char *text, const char *word, char *out, size_t cap)
{
    char key[32];
    snprintf(key, sizeof key, "\n%s ", word);
    const char *p = strstr(text, key);
    out[0] = 0;
    if (!p)
        return;
    p += strlen(key);
    size_t n = strcspn(p, "\n");
    snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), p);
}

/* central.pub: a swapped results line, one damaged byte anywhere, the old
 * format, each refused. */
static void test_central_pub(void)
{
    sq_err e = {0};
    size_t len;
    char *good = (char *)fx_read(f.central_pub, &len);
    CHECK(good != NULL);
    if (!good)
        return;
    char *text = calloc(1, len + 1);
    memcpy(text, good, len);
    char sign_hex[65], res_hex[65], bind_hex[129], path[512];
    line_hex(text, "sign", sign_hex, sizeof sign_hex);
    line_hex(text, "results", res_hex, sizeof res_hex);
    line_hex(text, "binding", bind_hex, sizeof bind_hex);
    CHECK_INT(64, strlen(sign_hex));
    CHECK_INT(64, strlen(res_hex));
    CHECK_INT(128, strlen(bind_hex));
    snprintf(path, sizeof path, "%s/swapped.pub", f.dir);
    uint8_t s[32], r[32];

    /* The results line swapped for an attacker's key, checksum made good:
     * the signing key did not sign it. */
    uint8_t apk[32], ask[32];
    char ahex[65];
    crypto_box_keypair(apk, ask);
    sodium_bin2hex(ahex, sizeof ahex, apk, 32);
    write_pub(path, sign_hex, ahex, bind_hex);
    CHECK_ERR(SQ_EAUTH, "results key is not signed by the signing key", sq_central_pub_load(path, s, r, &e),
              &e);
    /* The same swap without mending the checksum: damaged. */
    char *swapped = strdup(text);
    memcpy(strstr(swapped, res_hex), ahex, 64);
    fx_write(path, swapped, len);
    CHECK_ERR(SQ_ECORRUPT, "checksum", sq_central_pub_load(path, s, r, &e), &e);
    free(swapped);

    /* One hex digit changed, or any byte flipped: never accepted. */
    int accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            char *bad = malloc(len);
            memcpy(bad, good, len);
            bad[i] ^= (char)(1 << bit);
            fx_write(path, bad, len);
            free(bad);
            if (sq_central_pub_load(path, s, r, &e) == SQ_OK) {
                if (!accepted)
                    fprintf(stderr, "central.pub with byte %zu bit %d flipped is accepted\n", i,
                            bit);
                accepted++;
            }
        }
    }
    CHECK_INT(0, accepted);

    /* The first builds' format: no binding, no checksum, refused with
     * what to do. */
    char v1[400];
    snprintf(v1, sizeof v1, "synaq-central-pub 1\nsign %s\nresults %s\n", sign_hex, res_hex);
    fx_write(path, v1, strlen(v1));
    CHECK_ERR(SQ_ECORRUPT, "synaq-central keygen --upgrade", sq_central_pub_load(path, s, r, &e),
              &e);
    /* ... and synaqctl init refuses it without making keys. */
    char keys[512];
    snprintf(keys, sizeof keys, "%s/v1-station.key", f.dir);
    CHECK_ERR(SQ_ECORRUPT, "first builds", sq_station_keys_create(keys, path, NULL, &e), &e);
    CHECK(!exists(keys));
    /* A swapped central.pub makes no keys either. */
    write_pub(path, sign_hex, ahex, bind_hex);
    CHECK_ERR(SQ_EAUTH, "not signed", sq_station_keys_create(keys, path, NULL, &e), &e);
    CHECK(!exists(keys));
    free(text);
    free(good);
}

/* The fingerprint a technician compares covers both keys. */
static void test_fingerprint(void)
{
    uint8_t s[32], r[32], r2[32], sk[32];
    char a[SQ_FINGERPRINT_LEN + 1], b[SQ_FINGERPRINT_LEN + 1], c[SQ_FINGERPRINT_LEN + 1];
    sq_err e = {0};
    CHECK_OK(sq_central_pub_load(f.central_pub, s, r, &e), &e);
    crypto_box_keypair(r2, sk);
    sq_central_fingerprint(s, r, a);
    sq_central_fingerprint(s, r2, b);
    CHECK(strcmp(a, b) != 0);
    /* Not the signing key's own fingerprint either (that is what stations
     * showed before, and it says nothing of the results key). */
    sq_fingerprint(s, c);
    CHECK(strcmp(a, c) != 0);
    CHECK_INT(SQ_FINGERPRINT_LEN, strlen(a));
}

/* A station that trusts central's signing key but another results key
 * (set up from a central.pub whose results line was swapped before this
 * build): central's certificate names its real results key, and the
 * station refuses to install it. */
static void test_certificate_names_results_key(void)
{
    sq_err e = {0};
    char keys[512], req[512], cert[512];
    snprintf(keys, sizeof keys, "%s/misled.key", f.dir);
    snprintf(req, sizeof req, "%s/misled.req", f.dir);
    snprintf(cert, sizeof cert, "%s/misled.cert", f.dir);
    uint8_t apk[32], ask[32];
    crypto_box_keypair(apk, ask);
    CHECK_OK(sqi_station_keys_create_for(keys, sq_central_sign_pk(f.central), apk, NULL, &e), &e);
    sq_station_keys *k = NULL;
    CHECK_OK(sq_station_keys_open(keys, NULL, &k, &e), &e);
    if (!k)
        return;
    CHECK_OK(sq_station_request_write(k, "misled", req, &e), &e);
    sq_cert c;
    CHECK_OK(sq_central_enroll(f.central, req, "misled-1", "Алматы", cert, &c, &e), &e);
    CHECK(c.names_results_pk);
    CHECK(memcmp(c.central_results_pk, sq_central_results_pk(f.central), 32) == 0);
    size_t before_len, after_len;
    uint8_t *before = fx_read(keys, &before_len);
    CHECK_ERR(SQ_EAUTH, "another results key", sq_station_keys_enroll(k, cert, &e), &e);
    CHECK(sq_station_keys_cert(k) == NULL);
    uint8_t *after = fx_read(keys, &after_len);
    CHECK(before && after && before_len == after_len && !memcmp(before, after, before_len));
    free(before);
    free(after);
    sq_station_keys_close(k);

    /* A properly set up station installs the same kind of certificate. */
    const sq_cert *mine = sq_station_keys_cert(f.keys);
    CHECK(mine && mine->names_results_pk);
    if (mine)
        CHECK(memcmp(mine->central_results_pk, sq_station_keys_central_results_pk(f.keys), 32) ==
              0);
}

/* By stick: a central.pub with a swapped results line makes no keys. */
static void test_stick(void)
{
    sq_err e = {0};
    char stick[512], sdir[600], pub[700], keys[512];
    snprintf(stick, sizeof stick, "%s/stick", f.dir);
    snprintf(sdir, sizeof sdir, "%s/synaq", stick);
    snprintf(pub, sizeof pub, "%s/central.pub", sdir);
    snprintf(keys, sizeof keys, "%s/stick-station.key", f.dir);
    mkdir(stick, 0755);
    mkdir(sdir, 0755);
    size_t len;
    char *good = (char *)fx_read(f.central_pub, &len);
    if (!good)
        return;
    char *text = calloc(1, len + 1);
    memcpy(text, good, len);
    char sign_hex[65], bind_hex[129], ahex[65];
    line_hex(text, "sign", sign_hex, sizeof sign_hex);
    line_hex(text, "binding", bind_hex, sizeof bind_hex);
    uint8_t apk[32], ask[32];
    crypto_box_keypair(apk, ask);
    sodium_bin2hex(ahex, sizeof ahex, apk, 32);
    write_pub(pub, sign_hex, ahex, bind_hex);
    sq_enrol_report rep;
    CHECK_ERR(SQ_EAUTH, "not signed", sq_usb_enrol(keys, NULL, stick, "kiosk", &rep, &e), &e);
    CHECK(!exists(keys));
    /* The real one works. */
    fx_write(pub, good, len);
    CHECK_OK(sq_usb_enrol(keys, NULL, stick, "kiosk", &rep, &e), &e);
    char fp[SQ_FINGERPRINT_LEN + 1];
    sq_central_fingerprint(sq_central_sign_pk(f.central), sq_central_results_pk(f.central), fp);
    CHECK_STR(fp, rep.central_fp);
    free(text);
    free(good);
}

int main(void)
{
    sq_err e;
    if (sq_init(&e) || fx_setup(&f, "st-001")) {
        fprintf(stderr, "set-up failed\n");
        return 1;
    }
    test_central_pub();
    test_fingerprint();
    test_certificate_names_results_key();
    test_stick();
    fx_teardown(&f);
    return check_report("security_results_key");
}
