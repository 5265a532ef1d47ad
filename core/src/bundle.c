/*
 * bundle.c - building and opening exam bundles (format: synaq/bundle.h).
 *
 *   "SQBUNDLE" u8(format=1)
 *   header:  str(bundle id) svarint(created) varint(n exams) {str(id) varint(version)}
 *            varint(plain len) varint(cipher len) nonce[24]
 *            varint(n recipients) {str(station id) sealed content key[80]}
 *   payload: XChaCha20-Poly1305(zlib(JSON {"format":1,"exams":[...]})),
 *            associated data: every byte before the payload
 *   sig[64]: Ed25519 of central over every byte before it
 *
 * Opening checks, in this order, and stops at the first failure: the size
 * cap, the magic, central's signature, the header's structure, the declared
 * sizes against the caps, this station among the recipients, the content
 * key, the AEAD, the inflate (bounded by the declared size), the JSON, and
 * every exam by the source rules. Nothing is parsed before the signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "bundle_int.h"
#include "examset_int.h"
#include "codec_int.h"
#include "exam_int.h"
#include "idhash_int.h"
#include "util_int.h"
#include "synaq/bundle.h"

#define MAGIC "SQBUNDLE"
#define SEALED_KEY_LEN (crypto_aead_xchacha20poly1305_ietf_KEYBYTES + crypto_box_SEALBYTES)
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

typedef struct {
    bundle_header h;
    uint64_t plain_len, cipher_len;
    const uint8_t *nonce;
    uint64_t n_recipients;
    const uint8_t *recipients; /* start of the recipient list */
    size_t recipients_len;
    size_t header_len; /* bytes from the start of the file to the payload */
} parsed;

static sq_status parse(const uint8_t *buf, size_t len, parsed *p, sq_err *err)
{
    sq_rd r;
    memset(p, 0, sizeof *p);
    sqi_rd_init(&r, buf, len);
    const uint8_t *magic = sqi_rd_take(&r, 8);
    if (!magic || memcmp(magic, MAGIC, 8) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq bundle");
    if (sqi_rd_u8(&r) != 1)
        return sqi_seterr(err, SQ_ECORRUPT, "bundle of an unknown format version");
    sqi_rd_str(&r, p->h.bundle_id, sizeof p->h.bundle_id - 1);
    p->h.created_wall_s = sqi_rd_svarint(&r);
    uint64_t n = sqi_rd_varint(&r);
    if (r.failed || n == 0 || n > sizeof p->h.exams / sizeof p->h.exams[0])
        return sqi_seterr(err, SQ_ECORRUPT, "bundle header is damaged");
    p->h.n_exams = (size_t)n;
    for (size_t i = 0; i < n; i++) {
        sqi_rd_str(&r, p->h.exams[i].id, sizeof p->h.exams[i].id - 1);
        uint64_t v = sqi_rd_varint(&r);
        if (v == 0 || v > ((uint64_t)1 << 53))
            r.failed = true;
        p->h.exams[i].version = (int64_t)v;
    }
    p->plain_len = sqi_rd_varint(&r);
    p->cipher_len = sqi_rd_varint(&r);
    p->nonce = sqi_rd_take(&r, NONCE_LEN);
    p->n_recipients = sqi_rd_varint(&r);
    if (r.failed || p->n_recipients > SQ_BUNDLE_MAX_RECIPIENTS)
        return sqi_seterr(err, SQ_ECORRUPT, "bundle header is damaged");
    p->recipients = r.p + r.pos;
    for (uint64_t i = 0; i < p->n_recipients && !r.failed; i++) {
        size_t idn;
        sqi_rd_bytes(&r, SQ_STATION_ID_MAX, &idn);
        sqi_rd_take(&r, SEALED_KEY_LEN);
    }
    if (r.failed)
        return sqi_seterr(err, SQ_ECORRUPT, "bundle header is damaged");
    p->recipients_len = (size_t)(r.p + r.pos - p->recipients);
    p->header_len = r.pos;
    if (p->cipher_len != len - r.pos ||
        p->cipher_len < crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return sqi_seterr(err, SQ_ECORRUPT,
                         "bundle payload is %zu bytes where its header says %llu", len - r.pos,
                         (unsigned long long)p->cipher_len);
    if (p->plain_len > SQ_BUNDLE_MAX_PLAIN)
        return sqi_seterr(err, SQ_ETOOBIG,
                         "bundle declares %llu bytes of content, above the limit of %u bytes",
                         (unsigned long long)p->plain_len, SQ_BUNDLE_MAX_PLAIN);
    return SQ_OK;
}

sq_status sqi_bundle_parse_header(const uint8_t *buf, size_t len, bundle_header *hdr,
                              size_t *header_len, sq_err *err)
{
    parsed p;
    sq_status st = parse(buf, len, &p, err);
    if (st == SQ_OK) {
        *hdr = p.h;
        *header_len = p.header_len;
    }
    return st;
}

sq_status sqi_bundle_payload_decode(const uint8_t *plain, size_t len, json_t **exams, sq_err *err)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)plain, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return sqi_seterr(err, SQ_ECORRUPT, "bundle content is not valid JSON: %s", je.text);
    sq_status st = SQ_OK;
    json_t *list = json_object_get(doc, "exams");
    json_t *fmt = json_object_get(doc, "format");
    if (!json_is_integer(fmt) || json_integer_value(fmt) != 1 || !json_is_array(list) ||
        json_array_size(list) == 0) {
        st = sqi_seterr(err, SQ_ECORRUPT, "bundle content is not a list of exams");
        goto out;
    }
    /* The header holds at most 64 exams; refusing more here also keeps the
     * duplicate check below from growing quadratically. */
    if (json_array_size(list) > sizeof(((bundle_header *)0)->exams) /
                                    sizeof(((bundle_header *)0)->exams[0])) {
        st = sqi_seterr(err, SQ_ECORRUPT, "bundle content holds too many exams");
        goto out;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        if ((st = sqi_exam_check(e, NULL, NULL, err)))
            goto out;
        /* Central never sends codes, dates of birth or PINs in the clear. */
        const char *why = NULL;
        if (!sqi_identity_sealed(e, &why)) {
            st = sqi_seterr(err, SQ_ECORRUPT, "bundle: exam '%s' %s",
                            json_string_value(json_object_get(e, "id")), why);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(e, "id"),
                           json_object_get(json_array_get(list, j), "id"))) {
                st = sqi_seterr(err, SQ_ECORRUPT, "bundle carries exam '%s' twice",
                               json_string_value(json_object_get(e, "id")));
                goto out;
            }
    }
    *exams = json_incref(list);
out:
    json_decref(doc);
    return st;
}

sq_status sqi_bundle_open(const uint8_t *buf, size_t len, const uint8_t central_pk[32],
                      const char *station_id, const uint8_t box_pk[32], const uint8_t box_sk[32],
                      bundle_header *hdr, json_t **exams, sq_err *err)
{
    sq_status st;
    uint8_t *key = NULL, *plain = NULL, *zplain = NULL;
    json_t *list = NULL;
    parsed p;
    if (len > SQ_BUNDLE_MAX_FILE)
        return sqi_seterr(err, SQ_ETOOBIG, "bundle is %zu bytes, above the limit of %u", len,
                         SQ_BUNDLE_MAX_FILE);
    if (len < 9 + 64 || memcmp(buf, MAGIC, 8) != 0)
        return sqi_seterr(err, SQ_ECORRUPT, "not a Synaq bundle");
    if (crypto_sign_verify_detached(buf + len - 64, buf, len - 64, central_pk) != 0) {
        char fp[SQ_FINGERPRINT_LEN + 1];
        sq_fingerprint(central_pk, fp);
        return sqi_seterr(err, SQ_EAUTH,
                         "bundle signature does not match central key %s: the file was "
                         "altered, damaged or signed by someone else",
                         fp);
    }
    if ((st = parse(buf, len - 64, &p, err)))
        return st;

    /* Find this station among the recipients. */
    sq_rd r;
    const uint8_t *sealed = NULL;
    char names[256] = "";
    sqi_rd_init(&r, p.recipients, p.recipients_len);
    for (uint64_t i = 0; i < p.n_recipients; i++) {
        char id[SQ_STATION_ID_MAX + 1];
        sqi_rd_str(&r, id, SQ_STATION_ID_MAX);
        const uint8_t *k = sqi_rd_take(&r, SEALED_KEY_LEN);
        if (r.failed)
            break;
        if (strcmp(id, station_id) == 0) {
            sealed = k;
            break;
        }
        if (i < 5 && strlen(names) + strlen(id) + 3 < sizeof names)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                     names[0] ? ", " : "", id);
    }
    if (!sealed)
        return sqi_seterr(err, SQ_EWRONGSTATION,
                         "bundle '%s' is meant for other stations (%s%s), not for '%s'",
                         p.h.bundle_id, names, p.n_recipients > 5 ? ", ..." : "", station_id);
    key = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (!key)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    if (crypto_box_seal_open(key, sealed, SEALED_KEY_LEN, box_pk, box_sk) != 0) {
        st = sqi_seterr(err, SQ_EAUTH,
                       "bundle '%s' names this station, but its content key does not open "
                       "with this station's key (was the station re-initialised?)",
                       p.h.bundle_id);
        goto out;
    }
    size_t zlen = p.cipher_len - crypto_aead_xchacha20poly1305_ietf_ABYTES;
    zplain = malloc(zlen ? zlen : 1);
    if (!zplain) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory for a %zu byte bundle", len);
        goto out;
    }
    unsigned long long got;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(zplain, &got, NULL, buf + p.header_len,
                                                   p.cipher_len, buf, p.header_len, p.nonce,
                                                   key) != 0) {
        st = sqi_seterr(err, SQ_EAUTH, "bundle content does not decrypt: it was altered");
        goto out;
    }
    if ((st = sqi_z_inflate(zplain, (size_t)got, (size_t)p.plain_len, SQ_BUNDLE_MAX_PLAIN, &plain,
                        err))) {
        sqi_prefixerr(err, "bundle '%s'", p.h.bundle_id);
        goto out;
    }
    if ((st = sqi_bundle_payload_decode(plain, (size_t)p.plain_len, &list, err)))
        goto out;
    /* The signed header and the payload must agree on what is inside. */
    if (json_array_size(list) != p.h.n_exams) {
        st = sqi_seterr(err, SQ_ECORRUPT, "bundle header and content disagree");
        goto out;
    }
    for (size_t i = 0; i < p.h.n_exams; i++) {
        json_t *e = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(e, "id")), p.h.exams[i].id) != 0 ||
            json_integer_value(json_object_get(e, "version")) != p.h.exams[i].version) {
            st = sqi_seterr(err, SQ_ECORRUPT, "bundle header and content disagree");
            goto out;
        }
    }
    *hdr = p.h;
    *exams = list;
    list = NULL;
out:
    json_decref(list);
    free(plain);
    free(zplain);
    sodium_free(key);
    return st;
}

sq_status sq_bundle_build(const sq_exam_set *set, const sq_central_keys *central,
                          const char *const *cert_paths, size_t n_certs, const char *out_path,
                          sq_err *err)
{
    sq_status st = SQ_OK;
    const json_t *list = sqi_exam_set_json(set);
    json_t *sealed_list = NULL;
    char *json = NULL;
    uint8_t *z = NULL, *cipher = NULL;
    size_t zlen = 0;
    uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], nonce[NONCE_LEN];
    sq_buf b;
    sqi_buf_init(&b, SQ_BUNDLE_MAX_FILE);
    if (!list || json_array_size(list) == 0)
        return sqi_seterr(err, SQ_EINVAL, "no exams to bundle");
    if (json_array_size(list) > sizeof(((bundle_header *)0)->exams) / sizeof(((bundle_header *)0)->exams[0]))
        return sqi_seterr(err, SQ_EINVAL, "too many exams in one bundle");
    if (n_certs == 0)
        return sqi_seterr(err, SQ_EINVAL, "a bundle needs at least one station certificate");

    /* Each exam as stations get it: its identity checks hashed
     * (identity.c). A shallow copy with a roster of its own, so the set
     * stays as loaded and the items are not copied. */
    sealed_list = json_array();
    if (!sealed_list) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    size_t k;
    json_t *x;
    json_array_foreach(list, k, x)
    {
        json_t *c = json_copy(x);
        /* Appended first: the list owns it from here, whatever fails. */
        if (!c || json_array_append_new(sealed_list, c) ||
            json_object_set_new(c, "roster", json_deep_copy(json_object_get(x, "roster")))) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
        if ((st = sqi_identity_seal(c, central, err)))
            goto out;
    }
    json_t *doc = json_pack("{s:i, s:O}", "format", 1, "exams", sealed_list);
    json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!json) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    size_t plain_len = strlen(json);
    if (plain_len > SQ_BUNDLE_MAX_PLAIN) {
        st = sqi_seterr(err, SQ_ETOOBIG, "exams are %zu bytes, above the limit of %u", plain_len,
                       SQ_BUNDLE_MAX_PLAIN);
        goto out;
    }
    if ((st = sqi_z_deflate((const uint8_t *)json, plain_len, &z, &zlen, err)))
        goto out;
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    randombytes_buf(nonce, sizeof nonce);

    /* The id says what is inside and is unique per build. */
    uint8_t rnd[4];
    char rhex[9], bid[80];
    randombytes_buf(rnd, sizeof rnd);
    sqi_hex_encode(rnd, sizeof rnd, rhex);
    json_t *first = json_array_get(list, 0);
    snprintf(bid, sizeof bid, "%.40s.v%lld%s-%s", json_string_value(json_object_get(first, "id")),
             (long long)json_integer_value(json_object_get(first, "version")),
             json_array_size(list) > 1 ? "+" : "", rhex);

    sqi_buf_put(&b, MAGIC, 8);
    sqi_buf_u8(&b, 1);
    sqi_buf_str(&b, bid);
    sqi_buf_svarint(&b, (int64_t)time(NULL));
    sqi_buf_varint(&b, json_array_size(list));
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        sqi_buf_str(&b, json_string_value(json_object_get(e, "id")));
        sqi_buf_varint(&b, (uint64_t)json_integer_value(json_object_get(e, "version")));
    }
    sqi_buf_varint(&b, plain_len);
    sqi_buf_varint(&b, zlen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    sqi_buf_put(&b, nonce, sizeof nonce);
    sqi_buf_varint(&b, n_certs);
    for (size_t c = 0; c < n_certs; c++) {
        sq_cert cert;
        if ((st = sq_cert_load(cert_paths[c], sq_central_sign_pk(central), &cert, err)))
            goto out;
        for (size_t d = 0; d < c; d++) {
            sq_cert prev;
            if (sq_cert_load(cert_paths[d], NULL, &prev, NULL) == SQ_OK &&
                strcmp(prev.station_id, cert.station_id) == 0) {
                st = sqi_seterr(err, SQ_EINVAL, "station '%s' is named twice (%s and %s)",
                               cert.station_id, cert_paths[d], cert_paths[c]);
                goto out;
            }
        }
        uint8_t sealed[SEALED_KEY_LEN];
        crypto_box_seal(sealed, key, sizeof key, cert.box_pk);
        sqi_buf_str(&b, cert.station_id);
        sqi_buf_put(&b, sealed, sizeof sealed);
    }
    if (b.failed) {
        st = sqi_seterr(err, SQ_ETOOBIG, "bundle too large");
        goto out;
    }
    size_t header_len = b.len;
    cipher = malloc(zlen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    if (!cipher) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(cipher, &clen, z, zlen, b.p, header_len, NULL,
                                               nonce, key);
    sqi_buf_put(&b, cipher, (size_t)clen);
    uint8_t sig[64];
    if (b.failed) {
        st = sqi_seterr(err, SQ_ETOOBIG, "bundle too large");
        goto out;
    }
    sq_central_sign(central, b.p, b.len, sig);
    sqi_buf_put(&b, sig, sizeof sig);
    if (b.failed) {
        st = sqi_seterr(err, SQ_ETOOBIG, "bundle too large");
        goto out;
    }
    st = sqi_file_write_atomic(out_path, b.p, b.len, 0644, false, err);
out:
    sodium_memzero(key, sizeof key);
    json_decref(sealed_list);
    sqi_buf_free(&b);
    free(cipher);
    free(z);
    free(json);
    return st;
}
