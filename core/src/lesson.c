/*
 * lesson.c - study material at a station (synaq/lesson.h): the pages
 * kept sealed in the store like items (import.c installs them through
 * sqi_lesson_install), their pictures sealed with their names, and the
 * page each trainee reached sealed under the keyed hash of the trainee
 * id (lesson_marks). The markup of the pages is markup.c's.
 *
 * Load: a topic is a handful of pages; a look-up opens one page.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>

#include "catalog_int.h"
#include "db_int.h"
#include "exam_int.h"
#include "lesson_int.h"
#include "util_int.h"
#include "synaq/lesson.h"

/* ---------- at a station ---------- */

static void rowkey_page(char out[STORE_ROWKEY], const char *exam_id, int64_t version,
                        const char *topic, int page)
{
    snprintf(out, STORE_ROWKEY, "%s/%lld/%s/%d", exam_id, (long long)version, topic, page);
}

static void rowkey_image(char out[STORE_ROWKEY], const char *exam_id, int64_t version, int idx)
{
    snprintf(out, STORE_ROWKEY, "%s/%lld/img%d", exam_id, (long long)version, idx);
}

static void rowkey_mark(char out[STORE_ROWKEY], const uint8_t h[32], const char *exam_id)
{
    char hex[65];
    sqi_hex_encode(h, 32, hex);
    snprintf(out, STORE_ROWKEY, "%s/%s", hex, exam_id);
}

static sq_status insert_sealed(sq_store *s, sqlite3_stmt *q, int col, const char *table,
                               const char *column, const char *rowkey, const void *plain,
                               size_t len, const char *what, sq_err *err)
{
    uint8_t *sealed = NULL;
    size_t n;
    sq_status st = sqi_db_seal(s, table, column, rowkey, plain, len, &sealed, &n, err);
    if (st)
        return st;
    sqlite3_bind_blob(q, col, sealed, (int)n, SQLITE_STATIC);
    st = sqi_db_step_done(s, q, what, err);
    free(sealed);
    return st;
}

sq_status sqi_lesson_install(sq_store *s, int64_t exam_row, const json_t *exam, sq_err *err)
{
    const char *id = json_string_value(json_object_get(exam, "id"));
    int64_t version = json_integer_value(json_object_get(exam, "version"));
    const json_t *lessons = json_object_get(exam, "lessons");
    const json_t *images = json_object_get(exam, "lesson_images");
    sqlite3_stmt *qp = NULL, *qi = NULL;
    char rowkey[STORE_ROWKEY];
    char *text = NULL;
    uint8_t *bin = NULL;
    sq_status st = SQ_OK;
    size_t i, j;
    const json_t *l, *pg;

    if (!lessons && !images)
        return SQ_OK;
    if ((st = sqi_db_prepare(s,
                             "INSERT INTO lessons(exam, topic_idx, page, topic, body)"
                             " VALUES (?, ?, ?, ?, ?)",
                             &qp, err)) ||
        (st = sqi_db_prepare(s, "INSERT INTO lesson_images(exam, idx, data) VALUES (?, ?, ?)", &qi,
                             err)))
        goto out;
    json_array_foreach(lessons, i, l)
    {
        const char *topic = json_string_value(json_object_get(l, "topic"));
        json_array_foreach(json_object_get(l, "pages"), j, pg)
        {
            free(text);
            if (!(text = json_dumps(pg, JSON_COMPACT))) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                goto out;
            }
            rowkey_page(rowkey, id, version, topic, (int)j);
            sqlite3_bind_int64(qp, 1, exam_row);
            sqlite3_bind_int64(qp, 2, (sqlite3_int64)i);
            sqlite3_bind_int64(qp, 3, (sqlite3_int64)j);
            sqlite3_bind_text(qp, 4, topic, -1, SQLITE_STATIC);
            if ((st = insert_sealed(s, qp, 5, "lessons", "body", rowkey, text, strlen(text),
                                    "installing a lesson page", err)))
                goto out;
        }
    }
    /* A picture: its name, a NUL, its bytes; all sealed, the name too. */
    const char *name;
    const json_t *img;
    int idx = 0;
    json_object_foreach((json_t *)images, name, img)
    {
        const char *b64 = json_string_value(json_object_get(img, "data"));
        size_t b64len = b64 ? strlen(b64) : 0, nl = strlen(name), bin_len;
        free(bin);
        if (!(bin = malloc(nl + 1 + b64len + 1))) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(bin, name, nl + 1);
        if (sodium_base642bin(bin + nl + 1, b64len + 1, b64, b64len, NULL, &bin_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0) {
            st = sqi_seterr(err, SQ_ECORRUPT, "exam '%s': a lesson picture does not decode", id);
            goto out;
        }
        rowkey_image(rowkey, id, version, idx);
        sqlite3_bind_int64(qi, 1, exam_row);
        sqlite3_bind_int(qi, 2, idx);
        if ((st = insert_sealed(s, qi, 3, "lesson_images", "data", rowkey, bin, nl + 1 + bin_len,
                                "installing a lesson picture", err)))
            goto out;
        idx++;
    }
out:
    free(text);
    free(bin);
    sqlite3_finalize(qp);
    sqlite3_finalize(qi);
    return st;
}

sq_status sq_lesson_topics(sq_store *s, sq_lesson_topic **out, size_t *n, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_lesson_topic *v = NULL;
    size_t nv = 0, cap = 0;
    json_t *meta = NULL;
    sqlite3_int64 cur_row = -1;
    sq_status st;
    int rc;

    *out = NULL;
    *n = 0;
    st = sqi_db_prepare(s,
                        "SELECT e.id, e.exam_id, e.version, l.topic, count(*) FROM lessons l"
                        " JOIN exams e ON e.id = l.exam WHERE e.active = 1"
                        " GROUP BY e.id, l.topic_idx ORDER BY e.exam_id, l.topic_idx",
                        &q, err);
    if (st)
        return st;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sqlite3_int64 row = sqlite3_column_int64(q, 0);
        const char *exam_id = (const char *)sqlite3_column_text(q, 1);
        const char *topic = (const char *)sqlite3_column_text(q, 3);
        if (row != cur_row) {
            json_decref(meta);
            meta = NULL;
            if ((st = sqi_catalog_exam_meta(s, row, exam_id, sqlite3_column_int64(q, 2), &meta,
                                            err)))
                goto out;
            cur_row = row;
        }
        if (nv == cap) {
            cap = cap ? cap * 2 : 8;
            sq_lesson_topic *nvp = realloc(v, cap * sizeof *v);
            if (!nvp) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                goto out;
            }
            v = nvp;
        }
        sq_lesson_topic *t = &v[nv++];
        memset(t, 0, sizeof *t);
        snprintf(t->exam_id, sizeof t->exam_id, "%s", exam_id);
        snprintf(t->topic, sizeof t->topic, "%s", topic);
        t->n_pages = sqlite3_column_int(q, 4);
        const json_t *title = NULL, *tp;
        size_t k;
        json_array_foreach(json_object_get(meta, "topics"), k, tp)
        {
            const char *id = json_string_value(json_object_get(tp, "id"));
            if (id && strcmp(id, topic) == 0)
                title = json_object_get(tp, "title");
        }
        for (int l = 0; l < SQ_NLANGS; l++) {
            const char *tl = json_string_value(json_object_get(title, sqi_lang_codes[l]));
            snprintf(t->title[l], sizeof t->title[l], "%s", tl ? tl : "");
        }
    }
    if (rc != SQLITE_DONE)
        st = sqi_db_sqlerr(s, rc, "listing lessons", err);
out:
    sqlite3_finalize(q);
    json_decref(meta);
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *n = nv;
    return SQ_OK;
}

sq_status sq_lesson_page_text(sq_store *s, const char *exam_id, const char *topic, int page,
                              int lang, char **out, int *text_lang, sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    sqlite3_stmt *q = NULL;
    uint8_t *plain = NULL;
    size_t n;
    json_t *map = NULL;
    char rowkey[STORE_ROWKEY];

    *out = NULL;
    *text_lang = -1;
    if (lang < 0 || lang >= SQ_NLANGS)
        return sqi_seterr(err, SQ_EINVAL, "language %d is not one of kk, ru, en", lang);
    sq_status st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err);
    if (st || (st = sqi_db_prepare(s,
                                   "SELECT body FROM lessons WHERE exam = ? AND topic = ?"
                                   " AND page = ?",
                                   &q, err)))
        return st;
    sqlite3_bind_int64(q, 1, row);
    sqlite3_bind_text(q, 2, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, page);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE
                 ? sqi_seterr(err, SQ_ENOTFOUND, "exam '%s' has no page %d of a lesson on '%s'",
                              exam_id, page + 1, topic)
                 : sqi_db_sqlerr(s, rc, "reading a lesson page", err);
        goto out;
    }
    rowkey_page(rowkey, exam_id, version, topic, page);
    if ((st = sqi_db_open_field(s, "lessons", "body", rowkey, sqlite3_column_blob(q, 0),
                                (size_t)sqlite3_column_bytes(q, 0), &plain, &n, err)))
        goto out;
    if (!(map = json_loadb((const char *)plain, n, 0, NULL))) {
        st = sqi_seterr(err, SQ_ECORRUPT, "store: a lesson page of '%s' is damaged", exam_id);
        goto out;
    }
    int order[SQ_NLANGS + 1] = {lang, 0, 1, 2};
    for (int i = 0; i <= SQ_NLANGS && *text_lang < 0; i++) {
        const json_t *t = json_object_get(map, sqi_lang_codes[order[i]]);
        if (json_is_string(t) && json_string_length(t) > 0) {
            if (!(*out = strdup(json_string_value(t))))
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            else
                *text_lang = order[i];
        }
    }
    if (st == SQ_OK && *text_lang < 0)
        st = sqi_seterr(err, SQ_ECORRUPT, "store: a lesson page of '%s' has no text", exam_id);
out:
    sqlite3_finalize(q);
    if (plain)
        sodium_memzero(plain, n);
    free(plain);
    json_decref(map);
    return st;
}

sq_status sq_lesson_image(sq_store *s, const char *exam_id, const char *name, uint8_t **out,
                          size_t *len, sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster, rc;
    sqlite3_stmt *q = NULL;
    char rowkey[STORE_ROWKEY];

    *out = NULL;
    *len = 0;
    sq_status st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err);
    if (st || (st = sqi_db_prepare(s,
                                   "SELECT idx, data FROM lesson_images WHERE exam = ?"
                                   " ORDER BY idx",
                                   &q, err)))
        return st;
    sqlite3_bind_int64(q, 1, row);
    st = SQ_ENOTFOUND;
    while (st == SQ_ENOTFOUND && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        uint8_t *plain = NULL;
        size_t n;
        rowkey_image(rowkey, exam_id, version, sqlite3_column_int(q, 0));
        sq_status so =
            sqi_db_open_field(s, "lesson_images", "data", rowkey, sqlite3_column_blob(q, 1),
                              (size_t)sqlite3_column_bytes(q, 1), &plain, &n, err);
        if (so) {
            st = so;
            break;
        }
        size_t nl = strnlen((const char *)plain, n);
        if (nl < n && strcmp((const char *)plain, name) == 0) {
            memmove(plain, plain + nl + 1, n - nl - 1);
            *out = plain;
            *len = n - nl - 1;
            st = SQ_OK;
        } else {
            free(plain);
        }
    }
    if (st == SQ_ENOTFOUND)
        st = sqi_seterr(err, SQ_ENOTFOUND, "exam '%s' has no lesson picture '%.100s'", exam_id,
                        name);
    sqlite3_finalize(q);
    return st;
}

/* The marks of a trainee at an exam: {"topic": [page, scroll], ...}. */
static sq_status marks_read(sq_store *s, const uint8_t h[32], const char *exam_id, json_t **out,
                            sq_err *err)
{
    sqlite3_stmt *q;
    char rowkey[STORE_ROWKEY];
    *out = NULL;
    sq_status st = sqi_db_prepare(s,
                                  "SELECT body FROM lesson_marks WHERE trainee = ?"
                                  " AND exam_id = ?",
                                  &q, err);
    if (st)
        return st;
    sqlite3_bind_blob(q, 1, h, 32, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, exam_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        uint8_t *plain = NULL;
        size_t n;
        rowkey_mark(rowkey, h, exam_id);
        st = sqi_db_open_field(s, "lesson_marks", "body", rowkey, sqlite3_column_blob(q, 0),
                               (size_t)sqlite3_column_bytes(q, 0), &plain, &n, err);
        if (st == SQ_OK && !(*out = json_loadb((const char *)plain, n, 0, NULL)))
            st = sqi_seterr(err, SQ_ECORRUPT, "store: a lesson mark is damaged");
        free(plain);
    } else if (rc == SQLITE_DONE) {
        if (!(*out = json_object()))
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
    } else {
        st = sqi_db_sqlerr(s, rc, "reading a lesson mark", err);
    }
    sqlite3_finalize(q);
    return st;
}

sq_status sq_lesson_mark_get(sq_store *s, const char *trainee_id, const char *exam_id,
                             const char *topic, int *page, int *scroll, sq_err *err)
{
    uint8_t h[32];
    json_t *m = NULL;
    *page = *scroll = 0;
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL,
                          "a trainee id is 1 to 64 bytes without control "
                          "characters");
    sqi_db_trainee_hash(s, trainee_id, h);
    sq_status st = marks_read(s, h, exam_id, &m, err);
    if (st)
        return st;
    const json_t *e = json_object_get(m, topic);
    if (json_array_size(e) == 2) {
        *page = (int)json_integer_value(json_array_get(e, 0));
        *scroll = (int)json_integer_value(json_array_get(e, 1));
        if (*page < 0 || *page >= SQ_LESSON_PAGES_MAX)
            *page = 0;
        if (*scroll < 0 || *scroll > (1 << 24))
            *scroll = 0;
    }
    json_decref(m);
    return SQ_OK;
}

sq_status sq_lesson_mark_set(sq_store *s, const char *trainee_id, const char *exam_id,
                             const char *topic, int page, int scroll, sq_err *err)
{
    uint8_t h[32];
    char rowkey[STORE_ROWKEY];
    json_t *m = NULL;
    char *text = NULL;
    sqlite3_stmt *q = NULL;
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL,
                          "a trainee id is 1 to 64 bytes without control "
                          "characters");
    if (page < 0 || page >= SQ_LESSON_PAGES_MAX || scroll < 0 || !topic || !*topic)
        return sqi_seterr(err, SQ_EINVAL,
                          "a lesson mark needs a topic, a page of 0..%d and a "
                          "scroll of 0 or more",
                          SQ_LESSON_PAGES_MAX - 1);
    sqi_db_trainee_hash(s, trainee_id, h);
    sq_status st = sqi_db_begin_light(s, err);
    if (st)
        return st;
    if ((st = marks_read(s, h, exam_id, &m, err)))
        goto out;
    if (json_object_set_new(m, topic, json_pack("[ii]", page, scroll)) != 0 ||
        !(text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS))) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = sqi_db_prepare(s,
                             "INSERT OR REPLACE INTO lesson_marks(trainee, exam_id, body)"
                             " VALUES (?, ?, ?)",
                             &q, err)))
        goto out;
    sqlite3_bind_blob(q, 1, h, 32, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, exam_id, -1, SQLITE_STATIC);
    rowkey_mark(rowkey, h, exam_id);
    st = insert_sealed(s, q, 3, "lesson_marks", "body", rowkey, text, strlen(text),
                       "keeping a lesson mark", err);
out:
    sqlite3_finalize(q);
    free(text);
    json_decref(m);
    return sqi_db_end(s, st, err);
}
