/*
 * identity.c - the second factor of a trainee's identity (synaq/identity.h):
 * at central, the codes and the keyed hashes a bundle carries instead of
 * codes, dates of birth and the proctor's PIN; at the station, the check of
 * what is typed, its count of wrong tries and its audit line.
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
 * Load: central hashes a roster of up to some 10^5 trainees once per build;
 * the station checks one answer per trainee and exam.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "catalog_int.h"
#include "chain_int.h"
#include "db_int.h"
#include "examset_int.h"
#include "identity_int.h"
#include "keys_int.h"
#include "util_int.h"
#include "synaq/tech.h"

static const char *const kind_names[] = {"none", "code", "birth_date", "proctor"};
#define N_KINDS ((int)(sizeof kind_names / sizeof *kind_names))

const char *sq_identity_name(int kind)
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

sq_identity_kind sqi_identity_kind_of(const json_t *exam)
{
    int k = sqi_identity_kind_parse(json_string_value(json_object_get(exam, "identity")));
    return k < 0 ? SQ_IDENTITY_NONE : (sq_identity_kind)k;
}

static bool digits(const char *s, size_t n)
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
    if (in[2] == '.' && in[5] == '.' && digits(in, 2) && digits(in + 3, 2) && digits(in + 6, 4)) {
        d = atoi(in);
        m = atoi(in + 3);
        y = atoi(in + 6);
    } else if (in[4] == '-' && in[7] == '-' && digits(in, 4) && digits(in + 5, 2) &&
               digits(in + 8, 2)) {
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
    return n >= SQI_IDENTITY_PIN_MIN && n <= SQI_IDENTITY_PIN_MAX && digits(pin, n);
}

/* A key of exam_id for purpose ("code", "hash") from central's secret. */
static sq_status exam_key(const sq_central_keys *k, const char *purpose, const char *exam_id,
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
static void secret_of(const uint8_t key[32], int kind, const char *id, const char *answer,
                      uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, 32, 32);
    crypto_generichash_update(&h, (const uint8_t *)kind_names[kind], strlen(kind_names[kind]) + 1);
    crypto_generichash_update(&h, (const uint8_t *)id, strlen(id) + 1);
    crypto_generichash_update(&h, (const uint8_t *)answer, strlen(answer) + 1);
    crypto_generichash_final(&h, out, 32);
}

static void code_of(const uint8_t code_key[32], const char *id, char out[SQ_IDENTITY_CODE_DIGITS + 1])
{
    uint8_t h[8];
    uint64_t v = 0;
    crypto_generichash(h, sizeof h, (const uint8_t *)id, strlen(id), code_key, 32);
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    /* 2^64 is about 1.8e11 times 10^8: the bias of the modulo is nil. */
    snprintf(out, SQ_IDENTITY_CODE_DIGITS + 1, "%08llu", (unsigned long long)(v % 100000000u));
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
    sq_identity_kind kind = sqi_identity_kind_of(exam);
    const char *exam_id = json_string_value(json_object_get(exam, "id"));
    json_t *roster = json_object_get(exam, "roster"), *e;
    uint8_t code_key[32], id_key[32], h[32];
    size_t i;
    sq_status st = SQ_OK;

    if (kind == SQ_IDENTITY_CODE || kind == SQ_IDENTITY_BIRTH_DATE) {
        if ((st = exam_key(k, "code", exam_id, code_key, err)) ||
            (st = exam_key(k, "hash", exam_id, id_key, err)))
            goto out;
        if (json_object_set_new(exam, "identity_key", b64_of(id_key, 32)))
            goto oom;
        json_array_foreach(roster, i, e)
        {
            const char *id = json_string_value(json_object_get(e, "id"));
            char code[SQ_IDENTITY_CODE_DIGITS + 1];
            const char *answer = code;
            if (kind == SQ_IDENTITY_CODE)
                code_of(code_key, id, code);
            else
                answer = json_string_value(json_object_get(e, "birth_date"));
            if (!answer) {
                st = sqi_seterr(err, SQ_EINVAL, "exam '%s': trainee '%s' has no birth_date", exam_id,
                               id);
                goto out;
            }
            secret_of(id_key, kind, id, answer, h);
            sodium_memzero(code, sizeof code);
            if (json_object_set_new(e, "secret", b64_of(h, 32)))
                goto oom;
        }
    }
    /* Dates of birth travel only as hashes, and only when they are the check. */
    json_array_foreach(roster, i, e)
        json_object_del(e, "birth_date");
    if (kind == SQ_IDENTITY_PROCTOR) {
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
    sq_identity_kind kind = sqi_identity_kind_of(exam);
    const json_t *roster = json_object_get(exam, "roster"), *e;
    size_t i;

    if (json_object_get(exam, "proctor_pin")) {
        *why = "carries the proctor's PIN in the clear";
        return false;
    }
    json_array_foreach(roster, i, e)
        if (json_object_get(e, "birth_date")) {
            *why = "carries dates of birth in the clear";
            return false;
        }
    if ((kind == SQ_IDENTITY_CODE || kind == SQ_IDENTITY_BIRTH_DATE) &&
        !json_object_get(exam, "identity_key")) {
        *why = "has no identity key for its check";
        return false;
    }
    if (kind == SQ_IDENTITY_PROCTOR && !json_object_get(exam, "proctor_hash")) {
        *why = "has no proctor PIN hash";
        return false;
    }
    return true;
}

/* ---------- central ---------- */

sq_identity_kind sq_exam_set_identity(const sq_exam_set *set, size_t i)
{
    return sqi_identity_kind_of(json_array_get(sqi_exam_set_json(set), i));
}

sq_status sq_exam_set_codes(const sq_exam_set *set, size_t i, const sq_central_keys *central,
                            sq_roster_code **out, size_t *n, sq_err *err)
{
    const json_t *exam = json_array_get(sqi_exam_set_json(set), i), *roster, *e;
    const char *exam_id = json_string_value(json_object_get(exam, "id"));
    uint8_t code_key[32];
    size_t k;
    sq_status st;

    *out = NULL;
    *n = 0;
    if (!exam)
        return sqi_seterr(err, SQ_EINVAL, "the set has no exam %zu", i);
    if (sqi_identity_kind_of(exam) != SQ_IDENTITY_CODE)
        return sqi_seterr(err, SQ_EINVAL,
                         "exam '%s' has 'identity: %s', not 'identity: code': it has no codes "
                         "to print",
                         exam_id, sq_identity_name(sqi_identity_kind_of(exam)));
    roster = json_object_get(exam, "roster");
    if ((st = exam_key(central, "code", exam_id, code_key, err)))
        return st;
    sq_roster_code *list = calloc(json_array_size(roster) + 1, sizeof *list);
    if (!list) {
        sodium_memzero(code_key, sizeof code_key);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    json_array_foreach(roster, k, e)
    {
        sq_roster_code *c = &list[k];
        snprintf(c->id, sizeof c->id, "%s", json_string_value(json_object_get(e, "id")) ?: "");
        snprintf(c->name, sizeof c->name, "%s", json_string_value(json_object_get(e, "name")) ?: "");
        snprintf(c->district, sizeof c->district, "%s",
                 json_string_value(json_object_get(e, "district")) ?: "");
        code_of(code_key, c->id, c->code);
    }
    sodium_memzero(code_key, sizeof code_key);
    *out = list;
    *n = json_array_size(roster);
    return SQ_OK;
}

/* ---------- the station ---------- */

sq_status sq_identity_of(sq_store *s, const char *exam_id, sq_identity_kind *kind,
                         bool *roster_list, sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    json_t *meta = NULL;
    sq_status st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err);
    if (st || (st = sqi_catalog_exam_meta(s, row, exam_id, version, &meta, err)))
        return st;
    if (kind)
        *kind = sqi_identity_kind_of(meta);
    if (roster_list)
        *roster_list = !json_is_false(json_object_get(meta, "roster_list"));
    json_decref(meta);
    return SQ_OK;
}

/* The meta keys counting wrong tries at one thing: a trainee, or an
 * exam's proctor PIN (whoever types it). By keyed hash: the store keeps
 * no trainee id in the clear. */
static void count_keys(sq_store *s, sq_identity_kind kind, const char *exam_id,
                       const char *trainee_id, char fails[64], char until[64], char tag[9])
{
    uint8_t h[32];
    char hex[33], what[160];
    if (kind == SQ_IDENTITY_PROCTOR) {
        snprintf(what, sizeof what, "\x01proctor\x01%s", exam_id);
        sqi_db_trainee_hash(s, what, h);
    } else {
        sqi_db_trainee_hash(s, trainee_id, h);
    }
    sqi_hex_encode(h, 16, hex);
    snprintf(fails, 64, "id_fails_%s", hex);
    snprintf(until, 64, "id_until_%s", hex);
    /* The trainee as the log names them: the same tag for the same person
     * on this station, no id. */
    sqi_db_trainee_hash(s, trainee_id, h);
    sqi_hex_encode(h, 4, tag);
}

/* The wait left now; as tech.c's: a wait further off than the schedule
 * allows (the monotonic clock restarted at a reboot) becomes a full one
 * from now, stored. */
static sq_status wait_left(sq_store *s, const char *k_fails, const char *k_until, int64_t *fails,
                           int64_t *left, sq_err *err)
{
    int64_t until = 0, now = sqi_db_mono_ms(s), full;
    sq_status st = sqi_db_meta_int(s, k_fails, fails, err);
    if (st || (st = sqi_db_meta_int(s, k_until, &until, err)))
        return st;
    full = sq_tech_pin_delay_ms((int)*fails);
    if (until - now > full) {
        until = now + full;
        if ((st = sqi_db_begin(s, err)))
            return st;
        st = sqi_db_meta_put(s, k_until, NULL, 0, until, err);
        if ((st = sqi_db_end(s, st, err)))
            return st;
    }
    *left = until > now ? until - now : 0;
    return SQ_OK;
}

/* Compares answer with what the exam (meta) and the trainee's roster entry
 * (person) carry: SQ_OK, SQ_EAUTH or SQ_EINVAL (not of the kind's form). */
static sq_status compare(sq_identity_kind kind, const json_t *meta, const json_t *person,
                         const char *trainee_id, const char *answer)
{
    if (kind == SQ_IDENTITY_PROCTOR) {
        const char *hash = json_string_value(json_object_get(meta, "proctor_hash"));
        if (!sqi_identity_pin_ok(answer))
            return SQ_EINVAL;
        /* Slow on purpose (Argon2id); done outside the write lock. */
        return hash && crypto_pwhash_str_verify(hash, answer, strlen(answer)) == 0 ? SQ_OK
                                                                                  : SQ_EAUTH;
    }
    char norm[11];
    const char *a = answer;
    if (kind == SQ_IDENTITY_BIRTH_DATE) {
        if (!sqi_identity_date_norm(answer, norm))
            return SQ_EINVAL;
        a = norm;
    } else if (!answer || strlen(answer) != SQ_IDENTITY_CODE_DIGITS ||
               !digits(answer, SQ_IDENTITY_CODE_DIGITS)) {
        return SQ_EINVAL;
    }
    const char *kb = json_string_value(json_object_get(meta, "identity_key"));
    const char *sb = json_string_value(json_object_get(person, "secret"));
    uint8_t key[32], want[32], got[32];
    size_t kn = 0, sn = 0;
    if (!kb || !sb ||
        sodium_base642bin(key, sizeof key, kb, strlen(kb), NULL, &kn, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        sodium_base642bin(want, sizeof want, sb, strlen(sb), NULL, &sn, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        kn != 32 || sn != 32)
        return SQ_EAUTH;
    secret_of(key, kind, trainee_id, a, got);
    sodium_memzero(key, sizeof key);
    return sodium_memcmp(got, want, 32) == 0 ? SQ_OK : SQ_EAUTH;
}

sq_status sq_identity_check(sq_store *s, const char *actor, const char *exam_id,
                            const char *trainee_id, const char *answer, int64_t *wait_ms,
                            sq_err *err)
{
    sqlite3_int64 row;
    int64_t version, fails = 0, left = 0;
    int n_roster;
    json_t *meta = NULL, *person = NULL;
    char k_fails[64], k_until[64], tag[9], detail[240];
    sq_identity_kind kind;
    sq_status res, st;

    if (wait_ms)
        *wait_ms = 0;
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to 64 printable characters");
    st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err);
    if (st || (st = sqi_catalog_exam_meta(s, row, exam_id, version, &meta, err)))
        return st;
    kind = sqi_identity_kind_of(meta);
    if (kind == SQ_IDENTITY_NONE)
        goto out;
    if (kind != SQ_IDENTITY_PROCTOR &&
        (st = sqi_catalog_roster_entry(s, row, exam_id, version, trainee_id, &person, err)))
        goto out;
    count_keys(s, kind, exam_id, trainee_id, k_fails, k_until, tag);
    if ((st = wait_left(s, k_fails, k_until, &fails, &left, err)))
        goto out;
    res = left > 0 ? SQ_EBUSY : compare(kind, meta, person, trainee_id, answer);
    const char *what = kind == SQ_IDENTITY_CODE         ? "code"
                       : kind == SQ_IDENTITY_BIRTH_DATE ? "date of birth"
                                                        : "proctor PIN";

    /* Counted, and logged, in one transaction. */
    if ((st = sqi_db_begin(s, err)))
        goto out;
    int64_t wait = 0;
    if (res == SQ_OK || res == SQ_EAUTH) {
        /* Counted from what is stored now, not from what was read. */
        if ((st = sqi_db_meta_int(s, k_fails, &fails, err)))
            goto end;
        fails = res == SQ_OK ? 0 : fails + 1;
        wait = sq_tech_pin_delay_ms((int)fails);
        if ((st = sqi_db_meta_put(s, k_fails, NULL, 0, fails, err)) ||
            (st = sqi_db_meta_put(s, k_until, NULL, 0, wait ? sqi_db_mono_ms(s) + wait : 0, err)))
            goto end;
    }
    if (res == SQ_OK)
        snprintf(detail, sizeof detail, "exam '%.63s', trainee %s: %s right", exam_id, tag, what);
    else if (res == SQ_EAUTH)
        snprintf(detail, sizeof detail,
                 "exam '%.63s', trainee %s: wrong %s, %lld in a row; next try in %lld s", exam_id,
                 tag, what, (long long)fails, (long long)wait / 1000);
    else if (res == SQ_EBUSY)
        snprintf(detail, sizeof detail,
                 "exam '%.63s', trainee %s: refused unchecked, %lld s of the wait left", exam_id,
                 tag, (long long)(left + 999) / 1000);
    else
        snprintf(detail, sizeof detail, "exam '%.63s', trainee %s: the %s typed is not one",
                 exam_id, tag, what);
    st = sqi_chain_audit_append(s, actor ? actor : "?", "identity", sq_status_name(res), detail,
                                strlen(detail), err);
end:
    st = sqi_db_end(s, st, err);
    if (st)
        goto out;
    if (res == SQ_EAUTH) {
        left = wait;
        st = sqi_seterr(err, SQ_EAUTH, "wrong %s for exam '%s'", what, exam_id);
    } else if (res == SQ_EBUSY) {
        st = sqi_seterr(err, SQ_EBUSY, "too many wrong tries: wait %lld s before the next",
                        (long long)(left + 999) / 1000);
    } else if (res == SQ_EINVAL) {
        st = sqi_seterr(err, SQ_EINVAL,
                        kind == SQ_IDENTITY_BIRTH_DATE ? "a date of birth is DD.MM.YYYY"
                        : kind == SQ_IDENTITY_CODE     ? "a code is 8 digits"
                                                       : "a proctor PIN is 4 to 12 digits");
    }
    if (wait_ms && (res == SQ_EAUTH || res == SQ_EBUSY))
        *wait_ms = left;
out:
    json_decref(person);
    json_decref(meta);
    return st;
}
