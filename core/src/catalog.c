/*
 * catalog.c - what a station offers (synaq/catalog.h): the installed exams,
 * whether a trainee may take one and how many attempts are left, the
 * rosters, an attempt left open. Read-only queries on the store; attempt.c
 * asks the same questions before it starts an attempt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "catalog_int.h"
#include "exam_int.h"
#include "idhash_int.h"
#include "db_int.h"
#include "util_int.h"
#include "synaq/catalog.h"

#define TRAINEE_ID_MAX 64

bool sqi_catalog_trainee_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > TRAINEE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return false;
    return true;
}

sq_status sqi_catalog_exam_meta(sq_store *s, sqlite3_int64 row, const char *exam_id,
                                int64_t version, json_t **out, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, "SELECT meta FROM exams WHERE id = ?", &q, err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, row);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? sqi_seterr(err, SQ_ENOTFOUND, "exam row %lld is gone", (long long)row)
                               : sqi_db_sqlerr(s, rc, "reading an exam", err);
        sqlite3_finalize(q);
        return st;
    }
    char rowkey[STORE_ROWKEY];
    uint8_t *plain = NULL;
    size_t n;
    sqi_rowkey_exam(rowkey, exam_id, version);
    st = sqi_db_open_field(s, "exams", "meta", rowkey, sqlite3_column_blob(q, 0),
                          (size_t)sqlite3_column_bytes(q, 0), &plain, &n, err);
    sqlite3_finalize(q);
    if (st)
        return st;
    json_error_t je;
    *out = json_loadb((const char *)plain, n, 0, &je);
    free(plain);
    if (!*out)
        return sqi_seterr(err, SQ_ECORRUPT, "store: exam '%s' is damaged", exam_id);
    return SQ_OK;
}

/* Finds the active version of exam_id. */
sq_status sqi_catalog_find_exam(sq_store *s, const char *exam_id, sqlite3_int64 *row, int64_t *version,
                           int *n_roster, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(
        s, "SELECT id, version, n_roster FROM exams WHERE exam_id = ? AND active = 1", &q, err);
    if (st)
        return st;
    sqlite3_bind_text(q, 1, exam_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *row = sqlite3_column_int64(q, 0);
        *version = sqlite3_column_int64(q, 1);
        *n_roster = sqlite3_column_int(q, 2);
    } else if (rc == SQLITE_DONE) {
        st = sqi_seterr(err, SQ_ENOTFOUND, "no exam '%s' is installed on this station", exam_id);
    } else {
        st = sqi_db_sqlerr(s, rc, "looking up an exam", err);
    }
    sqlite3_finalize(q);
    return st;
}

/* Roster look-up: SQ_OK and the entry, or SQ_ENOTFOUND. */
sq_status sqi_catalog_roster_entry(sq_store *s, sqlite3_int64 row, const char *exam_id,
                                   int64_t version, const char *trainee_id, json_t **out,
                                   sq_err *err)
{
    uint8_t h[32];
    char rowkey[STORE_ROWKEY];
    sqi_db_trainee_hash(s, trainee_id, h);
    sqlite3_stmt *q;
    *out = NULL;
    sq_status st = sqi_db_prepare(s, "SELECT person FROM roster WHERE exam = ? AND trainee = ?", &q,
                                 err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, row);
    sqlite3_bind_blob(q, 2, h, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        st = sqi_seterr(err, SQ_ENOTFOUND, "trainee '%s' is not on the roster of exam '%s'",
                       trainee_id, exam_id);
    } else if (rc != SQLITE_ROW) {
        st = sqi_db_sqlerr(s, rc, "reading the roster", err);
    } else {
        uint8_t *plain = NULL;
        size_t n;
        sqi_rowkey_person(rowkey, exam_id, version, h);
        st = sqi_db_open_field(s, "roster", "person", rowkey, sqlite3_column_blob(q, 0),
                              (size_t)sqlite3_column_bytes(q, 0), &plain, &n, err);
        if (!st && !(*out = json_loadb((const char *)plain, n, 0, NULL)))
            st = sqi_seterr(err, SQ_ECORRUPT, "store: the roster of exam '%s' is damaged", exam_id);
        if (plain)
            sodium_memzero(plain, n);
        free(plain);
    }
    sqlite3_finalize(q);
    return st;
}

/* Roster look-up: SQ_OK and the name, or SQ_ENOTFOUND. */
sq_status sqi_catalog_roster_find(sq_store *s, sqlite3_int64 row, const char *exam_id, int64_t version,
                             const char *trainee_id, char *name, size_t name_len, sq_err *err)
{
    json_t *p = NULL;
    sq_status st = sqi_catalog_roster_entry(s, row, exam_id, version, trainee_id, &p, err);
    if (!st && name)
        snprintf(name, name_len, "%s", json_string_value(json_object_get(p, "name")) ?: "");
    json_decref(p);
    return st;
}

/* Finished attempts of trainee on exam_id (any version). */
sq_status sqi_catalog_attempts_used(sq_store *s, const uint8_t h[32], const char *exam_id, int *used,
                               int *open, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s,
                                 "SELECT sum(a.state = 1), sum(a.state = 0) FROM attempts a"
                                 " JOIN exams e ON e.id = a.exam"
                                 " WHERE a.trainee = ? AND e.exam_id = ?",
                                 &q, err);
    if (st)
        return st;
    sqlite3_bind_blob(q, 1, h, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, exam_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *used = sqlite3_column_int(q, 0);
        *open = sqlite3_column_int(q, 1);
    } else {
        st = sqi_db_sqlerr(s, rc, "counting attempts", err);
    }
    sqlite3_finalize(q);
    return st;
}


sq_status sq_catalog_exams(sq_store *s, sq_exam_info **out, size_t *n, sq_err *err)
{
    sqlite3_stmt *q;
    sq_exam_info *list = NULL;
    size_t count = 0, cap = 0;
    sq_status st = sqi_db_prepare(s,
                                 "SELECT id, exam_id, version, n_items, n_roster FROM exams"
                                 " WHERE active = 1 ORDER BY exam_id",
                                 &q, err);
    if (st)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            sq_exam_info *nl = realloc(list, cap * sizeof *nl);
            if (!nl) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                goto out;
            }
            list = nl;
        }
        sq_exam_info *e = &list[count];
        memset(e, 0, sizeof *e);
        snprintf(e->id, sizeof e->id, "%s", (const char *)sqlite3_column_text(q, 1));
        e->version = sqlite3_column_int64(q, 2);
        e->n_items = sqlite3_column_int(q, 3);
        e->has_roster = sqlite3_column_int(q, 4) > 0;
        json_t *meta = NULL;
        if ((st = sqi_catalog_exam_meta(s, sqlite3_column_int64(q, 0), e->id, e->version, &meta, err)))
            goto out;
        for (int l = 0; l < SQ_NLANGS; l++) {
            json_t *t = json_object_get(json_object_get(meta, "title"), sqi_lang_codes[l]);
            snprintf(e->title[l], sizeof e->title[l], "%s", json_is_string(t) ? json_string_value(t) : "");
        }
        e->time_limit_s = (int)json_integer_value(json_object_get(meta, "time_limit_s"));
        e->pass_percent = (int)json_integer_value(json_object_get(meta, "pass_percent"));
        e->attempts_allowed = (int)json_integer_value(json_object_get(meta, "attempts"));
        e->show_score = json_is_true(json_object_get(meta, "show_score"));
        /* No "clock" (older bundles): running, the default. */
        const char *clock = json_string_value(json_object_get(meta, "clock"));
        e->clock_running = !clock || strcmp(clock, "paused") != 0;
        e->identity = (int)sqi_identity_kind_of(meta);
        e->roster_list = !json_is_false(json_object_get(meta, "roster_list"));
        json_decref(meta);
        count++;
    }
    if (rc != SQLITE_DONE) {
        st = sqi_db_sqlerr(s, rc, "listing exams", err);
        goto out;
    }
    *out = list;
    *n = count;
    list = NULL;
out:
    free(list);
    sqlite3_finalize(q);
    return st;
}

sq_status sq_catalog_exam_description(sq_store *s, const char *exam_id, int lang, char **out,
                                      int *text_lang, sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    json_t *meta = NULL;
    *out = NULL;
    *text_lang = -1;
    if (lang < 0 || lang >= SQ_NLANGS)
        return sqi_seterr(err, SQ_EINVAL, "language %d is not one of kk, ru, en", lang);
    sq_status st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err);
    if (st || (st = sqi_catalog_exam_meta(s, row, exam_id, version, &meta, err)))
        return st;
    const json_t *d = json_object_get(meta, "description");
    int order[SQ_NLANGS + 1] = {lang, 0, 1, 2};
    for (int i = 0; i <= SQ_NLANGS && *text_lang < 0; i++) {
        const json_t *t = json_object_get(d, sqi_lang_codes[order[i]]);
        if (json_is_string(t) && json_string_length(t) > 0) {
            if (!(*out = strdup(json_string_value(t))))
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            else
                *text_lang = order[i];
        }
    }
    json_decref(meta);
    return st;
}

sq_status sq_catalog_trainee_check(sq_store *s, const char *exam_id, const char *trainee_id,
                                 int *attempts_left, char *name, size_t name_len, sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster, used = 0, open = 0;
    json_t *meta = NULL;
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to %d printable characters",
                         TRAINEE_ID_MAX);
    if (name && name_len)
        name[0] = 0;
    sq_status st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err);
    if (st)
        return st;
    if (n_roster > 0 &&
        (st = sqi_catalog_roster_find(s, row, exam_id, version, trainee_id, name, name_len, err)))
        return st;
    uint8_t h[32];
    sqi_db_trainee_hash(s, trainee_id, h);
    if ((st = sqi_catalog_attempts_used(s, h, exam_id, &used, &open, err)) ||
        (st = sqi_catalog_exam_meta(s, row, exam_id, version, &meta, err)))
        return st;
    int allowed = (int)json_integer_value(json_object_get(meta, "attempts"));
    json_decref(meta);
    int left = allowed == 0 ? -1 : allowed - used;
    if (attempts_left)
        *attempts_left = left < -1 ? 0 : left;
    if (allowed > 0 && left <= 0 && open == 0)
        return sqi_seterr(err, SQ_ESTATE, "trainee '%s' has used all %d attempts at exam '%s'",
                         trainee_id, allowed, exam_id);
    return SQ_OK;
}

sq_status sq_catalog_open_attempt(sq_store *s, const char *exam_id, const char *trainee_id,
                                    bool *open, sq_err *err)
{
    int used = 0, n_open = 0;
    uint8_t h[32];
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to %d printable characters",
                         TRAINEE_ID_MAX);
    sqi_db_trainee_hash(s, trainee_id, h);
    sq_status st = sqi_catalog_attempts_used(s, h, exam_id, &used, &n_open, err);
    if (!st)
        *open = n_open > 0;
    return st;
}

static int person_cmp(const void *x, const void *y)
{
    return strcmp(((const sq_person *)x)->name, ((const sq_person *)y)->name);
}

sq_status sq_catalog_roster(sq_store *s, const char *exam_id, sq_person **out, size_t *n,
                          sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    sqlite3_stmt *q = NULL;
    sq_person *list = NULL;
    size_t count = 0;
    *out = NULL;
    *n = 0;
    sq_status st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err);
    if (st || n_roster == 0)
        return st;
    list = calloc((size_t)n_roster, sizeof *list);
    if (!list)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    if ((st = sqi_db_prepare(s, "SELECT trainee, person FROM roster WHERE exam = ?", &q, err)))
        goto out;
    sqlite3_bind_int64(q, 1, row);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && count < (size_t)n_roster) {
        char rowkey[STORE_ROWKEY];
        uint8_t *plain = NULL;
        size_t len;
        if (sqlite3_column_bytes(q, 0) != 32) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: the roster of exam '%s' is damaged", exam_id);
            goto out;
        }
        sqi_rowkey_person(rowkey, exam_id, version, sqlite3_column_blob(q, 0));
        if ((st = sqi_db_open_field(s, "roster", "person", rowkey, sqlite3_column_blob(q, 1),
                                   (size_t)sqlite3_column_bytes(q, 1), &plain, &len, err)))
            goto out;
        json_t *p = json_loadb((const char *)plain, len, 0, NULL);
        sodium_memzero(plain, len);
        free(plain);
        if (!p) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: the roster of exam '%s' is damaged", exam_id);
            goto out;
        }
        sq_person *e = &list[count++];
        snprintf(e->id, sizeof e->id, "%s", json_string_value(json_object_get(p, "id")) ?: "");
        snprintf(e->name, sizeof e->name, "%s", json_string_value(json_object_get(p, "name")) ?: "");
        snprintf(e->district, sizeof e->district, "%s",
                 json_string_value(json_object_get(p, "district")) ?: "");
        json_decref(p);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        st = sqi_db_sqlerr(s, rc, "reading the roster", err);
        goto out;
    }
    qsort(list, count, sizeof *list, person_cmp);
    *out = list;
    *n = count;
    list = NULL;
out:
    sqlite3_finalize(q);
    if (list) {
        sodium_memzero(list, (size_t)n_roster * sizeof *list);
        free(list);
    }
    return st;
}


sq_status sqi_catalog_item_body(sq_store *s, sqlite3_stmt *q, sqlite3_int64 row,
                                const char *exam_id, int64_t version, int idx, json_t **out,
                                sq_err *err)
{
    *out = NULL;
    sqlite3_bind_int64(q, 1, row);
    sqlite3_bind_int(q, 2, idx);
    int rc = sqlite3_step(q);
    sq_status st = SQ_OK;
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? sqi_seterr(err, SQ_ECORRUPT, "store: item %d of exam '%s' is missing",
                                           idx, exam_id)
                               : sqi_db_sqlerr(s, rc, "reading an item", err);
        sqlite3_reset(q);
        return st;
    }
    char rowkey[STORE_ROWKEY];
    uint8_t *plain = NULL;
    size_t n;
    sqi_rowkey_item(rowkey, exam_id, version, idx);
    st = sqi_db_open_field(s, "items", "body", rowkey, sqlite3_column_blob(q, 0),
                           (size_t)sqlite3_column_bytes(q, 0), &plain, &n, err);
    sqlite3_reset(q);
    if (st)
        return st;
    *out = json_loadb((const char *)plain, n, 0, NULL);
    sodium_memzero(plain, n);
    free(plain);
    if (!*out)
        return sqi_seterr(err, SQ_ECORRUPT, "store: item %d of exam '%s' is damaged", idx,
                          exam_id);
    return SQ_OK;
}
