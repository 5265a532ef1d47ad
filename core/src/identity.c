/*
 * identity.c - the second factor of a trainee's identity (synaq/identity.h):
 * at central, the invitation codes; at the station, the check of what is
 * typed, its count of wrong tries and its audit line. The hashes, keys and
 * forms are idhash.c's.
 *
 * Load: the station checks one answer per trainee and exam; central makes
 * the codes of a roster of up to some 10^5 trainees at once.
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
#include "idhash_int.h"
#include "util_int.h"
#include "synaq/identity.h"
#include "synaq/tech.h"

_Static_assert((int)SQ_IDENTITY_NONE == (int)SQI_ID_NONE &&
                   (int)SQ_IDENTITY_CODE == (int)SQI_ID_CODE &&
                   (int)SQ_IDENTITY_BIRTH_DATE == (int)SQI_ID_BIRTH_DATE &&
                   (int)SQ_IDENTITY_PROCTOR == (int)SQI_ID_PROCTOR &&
                   SQ_IDENTITY_CODE_DIGITS == SQI_ID_CODE_DIGITS,
               "identity.h and idhash_int.h name the kinds alike");

const char *sq_identity_name(int kind)
{
    return sqi_identity_kind_name(kind);
}

/* ---------- central ---------- */

sq_identity_kind sq_exam_set_identity(const sq_exam_set *set, size_t i)
{
    return (sq_identity_kind)sqi_identity_kind_of(json_array_get(sqi_exam_set_json(set), i));
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
    if ((st = sqi_identity_exam_key(central, "code", exam_id, code_key, err)))
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
        snprintf(c->name, sizeof c->name, "%s",
                 json_string_value(json_object_get(e, "name")) ?: "");
        snprintf(c->district, sizeof c->district, "%s",
                 json_string_value(json_object_get(e, "district")) ?: "");
        sqi_identity_code(code_key, c->id, c->code);
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
        *kind = (sq_identity_kind)sqi_identity_kind_of(meta);
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
               !sqi_identity_digits(answer, SQ_IDENTITY_CODE_DIGITS)) {
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
    sqi_identity_secret(key, kind, trainee_id, a, got);
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
    kind = (sq_identity_kind)sqi_identity_kind_of(meta);
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
