/*
 * idhash.c - who may sit, the document's side (idhash_int.h): the kinds of
 * identity check, the forms of what is typed (dates, PINs, codes), the
 * per-exam keys and keyed hashes, and the sealing of central's form of an
 * exam into the bundle's. Below source.c, exam.c, bundle.c and catalog.c,
 * which all need it; identity.c (the station's check, central's codes)
 * sits above them.
 *
 * Keys. The secret of keys.c (sqi_central_identity_secret) yields two keys
 * per exam, each a keyed BLAKE2b of a purpose and the exam id: the code key
 * (central only: a trainee's code is 8 digits of a keyed hash of their id)
 * and the identity key (in the bundle: a station hashes what is typed with
 * it and compares). Per exam, so the hashes of one exam say nothing about
 * another's. Whoever opens a bundle could still try every code or date
 * against its hashes; that is what the bundle's encryption to enrolled
 * stations and the store's sealing are for, and at the kiosk the slowed
 * tries are. The proctor's PIN is few digits for many stations, so it is
 * Argon2id like the technician's.
 *
 * Load: central hashes a roster of up to some 10^5 trainees once per build.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "idhash_int.h"
#include "keys_int.h"
#include "util_int.h"

static const char *const kind_names[] = {"none", "code", "birth_date", "proctor"};
#define N_KINDS ((int)(sizeof kind_names / sizeof *kind_names))

const char *sqi_identity_kind_name(int kind)
{
    return kind >= 0 && kind < N_KINDS ? kind_names[kind] : "?";
}

int sqi_identity_kind_parse(const char *s)
{
    for (int i = 0; s && i < N_KINDS; i++)
        if (strcmp(s, kind_names[i]) == 0)
            return i;
    return -1;
}

int sqi_identity_kind_of(const json_t *exam)
{
    int k = sqi_identity_kind_parse(json_string_value(json_object_get(exam, "identity")));
    return k < 0 ? SQI_ID_NONE : k;
}

bool sqi_identity_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

bool sqi_identity_date_norm(const char *in, char out[11])
{
    int d, m, y;
    size_t n = in ? strlen(in) : 0;
    if (n != 10)
        return false;
    if (in[2] == '.' && in[5] == '.' && sqi_identity_digits(in, 2) &&
        sqi_identity_digits(in + 3, 2) && sqi_identity_digits(in + 6, 4)) {
        d = atoi(in);
        m = atoi(in + 3);
        y = atoi(in + 6);
    } else if (in[4] == '-' && in[7] == '-' && sqi_identity_digits(in, 4) &&
               sqi_identity_digits(in + 5, 2) && sqi_identity_digits(in + 8, 2)) {
        y = atoi(in);
        m = atoi(in + 5);
        d = atoi(in + 8);
    } else {
        return false;
    }
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > days[m - 1] + (m == 2 && leap))
        return false;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return true;
}

bool sqi_identity_pin_ok(const char *pin)
{
    size_t n = pin ? strlen(pin) : 0;
    return n >= SQI_IDENTITY_PIN_MIN && n <= SQI_IDENTITY_PIN_MAX && sqi_identity_digits(pin, n);
}

/* A key of exam_id for purpose ("code", "hash") from central's secret. */
sq_status sqi_identity_exam_key(const sq_central_keys *k, const char *purpose, const char *exam_id,
                                uint8_t out[32], sq_err *err)
{
    uint8_t secret[32];
    crypto_generichash_state h;
    sq_status st = sqi_central_identity_secret(k, secret, err);
    if (st)
        return st;
    crypto_generichash_init(&h, secret, sizeof secret, 32);
    crypto_generichash_update(&h, (const uint8_t *)purpose, strlen(purpose) + 1);
    crypto_generichash_update(&h, (const uint8_t *)exam_id, strlen(exam_id));
    crypto_generichash_final(&h, out, 32);
    sodium_memzero(secret, sizeof secret);
    return SQ_OK;
}

/* What a roster entry's "secret" is: kind, id and answer, each ended by a
 * NUL so that no two triples run together alike. */
void sqi_identity_secret(const uint8_t key[32], int kind, const char *id, const char *answer,
                         uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, 32, 32);
    crypto_generichash_update(&h, (const uint8_t *)kind_names[kind], strlen(kind_names[kind]) + 1);
    crypto_generichash_update(&h, (const uint8_t *)id, strlen(id) + 1);
    crypto_generichash_update(&h, (const uint8_t *)answer, strlen(answer) + 1);
    crypto_generichash_final(&h, out, 32);
}

void sqi_identity_code(const uint8_t code_key[32], const char *id, char out[SQI_ID_CODE_DIGITS + 1])
{
    uint8_t h[8];
    uint64_t v = 0;
    crypto_generichash(h, sizeof h, (const uint8_t *)id, strlen(id), code_key, 32);
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    /* 2^64 is about 1.8e11 times 10^8: the bias of the modulo is nil. */
    snprintf(out, SQI_ID_CODE_DIGITS + 1, "%08llu", (unsigned long long)(v % 100000000u));
}

static json_t *b64_of(const uint8_t *p, size_t n)
{
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    if (n > 32)
        return NULL;
    sodium_bin2base64(b64, sizeof b64, p, n, sodium_base64_VARIANT_ORIGINAL);
    return json_string(b64);
}

sq_status sqi_identity_seal(json_t *exam, const sq_central_keys *k, sq_err *err)
{
    int kind = sqi_identity_kind_of(exam);
    const char *exam_id = json_string_value(json_object_get(exam, "id"));
    json_t *roster = json_object_get(exam, "roster"), *e;
    uint8_t code_key[32], id_key[32], h[32];
    size_t i;
    sq_status st = SQ_OK;

    if (kind == SQI_ID_CODE || kind == SQI_ID_BIRTH_DATE) {
        if ((st = sqi_identity_exam_key(k, "code", exam_id, code_key, err)) ||
            (st = sqi_identity_exam_key(k, "hash", exam_id, id_key, err)))
            goto out;
        if (json_object_set_new(exam, "identity_key", b64_of(id_key, 32)))
            goto oom;
        json_array_foreach(roster, i, e)
        {
            const char *id = json_string_value(json_object_get(e, "id"));
            char code[SQI_ID_CODE_DIGITS + 1];
            const char *answer = code;
            if (kind == SQI_ID_CODE)
                sqi_identity_code(code_key, id, code);
            else
                answer = json_string_value(json_object_get(e, "birth_date"));
            if (!answer) {
                st = sqi_seterr(err, SQ_EINVAL, "exam '%s': trainee '%s' has no birth_date",
                                exam_id, id);
                goto out;
            }
            sqi_identity_secret(id_key, kind, id, answer, h);
            sodium_memzero(code, sizeof code);
            if (json_object_set_new(e, "secret", b64_of(h, 32)))
                goto oom;
        }
    }
    /* Dates of birth travel only as hashes, and only when they are the check. */
    json_array_foreach(roster, i, e) json_object_del(e, "birth_date");
    if (kind == SQI_ID_PROCTOR) {
        const char *pin = json_string_value(json_object_get(exam, "proctor_pin"));
        char hash[crypto_pwhash_STRBYTES];
        if (!sqi_identity_pin_ok(pin)) {
            st = sqi_seterr(err, SQ_EINVAL, "exam '%s': no proctor_pin of 4 to 12 digits", exam_id);
            goto out;
        }
        if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            goto oom;
        if (json_object_set_new(exam, "proctor_hash", json_string(hash)))
            goto oom;
    }
    json_object_del(exam, "proctor_pin");
    goto out;
oom:
    st = sqi_seterr(err, SQ_ENOMEM, "out of memory sealing the identity checks of '%s'", exam_id);
out:
    sodium_memzero(code_key, sizeof code_key);
    sodium_memzero(id_key, sizeof id_key);
    return st;
}

bool sqi_identity_sealed(const json_t *exam, const char **why)
{
    int kind = sqi_identity_kind_of(exam);
    const json_t *roster = json_object_get(exam, "roster"), *e;
    size_t i;

    if (json_object_get(exam, "proctor_pin")) {
        *why = "carries the proctor's PIN in the clear";
        return false;
    }
    json_array_foreach(roster, i, e) if (json_object_get(e, "birth_date"))
    {
        *why = "carries dates of birth in the clear";
        return false;
    }
    if ((kind == SQI_ID_CODE || kind == SQI_ID_BIRTH_DATE) &&
        !json_object_get(exam, "identity_key")) {
        *why = "has no identity key for its check";
        return false;
    }
    if (kind == SQI_ID_PROCTOR && !json_object_get(exam, "proctor_hash")) {
        *why = "has no proctor PIN hash";
        return false;
    }
    return true;
}
