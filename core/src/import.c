/*
 * import.c - bundles into a station's store (synaq/import.h): central's
 * signature checked before anything is parsed (bundle.c), every exam
 * checked, none older than what is installed, then all of it installed in
 * one transaction, sealed field by field, or nothing.
 *
 * Old versions go once nothing needs them (sqi_import_prune): at every
 * import, and after an acknowledgement (batch.c) that frees one.
 *
 * Load: a bundle of up to some 10^4 items, a few times a year; one
 * transaction whatever its size (bench/README.md has the figures).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bundle_int.h"
#include "keys_int.h"
#include "db_int.h"
#include "chain_int.h"
#include "import_int.h"
#include "lesson_int.h"
#include "event_int.h"
#include "util_int.h"
#include "synaq/bundle.h"
#include "synaq/import.h"



/* Installs one checked exam document as a new active version. */
static sq_status install_exam(sq_store *s, json_t *exam, const char *bundle_id, int *n_items,
                              const sq_progress *pr, int64_t total, sq_err *err)
{
    sq_status st = SQ_OK;
    sqlite3_stmt *q = NULL, *qi = NULL, *qim = NULL, *qr = NULL;
    uint8_t *sealed = NULL, *img = NULL;
    size_t n;
    char *text = NULL;
    char rowkey[STORE_ROWKEY];
    const char *id = json_string_value(json_object_get(exam, "id"));
    long long version = json_integer_value(json_object_get(exam, "version"));
    json_t *items = json_object_get(exam, "items"), *roster = json_object_get(exam, "roster");
    /* Shallow copies: only top-level keys of the copies change. */
    json_t *meta = json_copy(exam);
    if (!meta)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    json_object_del(meta, "items");
    json_object_del(meta, "roster");
    json_object_del(meta, "lessons");
    json_object_del(meta, "lesson_images");
    json_object_del(meta, "events");

    /* Items in one attempt: the blueprint's total, or all of them. */
    int per_attempt = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(exam, "blueprint"), i, e)
        per_attempt += (int)json_integer_value(json_object_get(e, "count"));
    if (per_attempt == 0)
        per_attempt = (int)json_array_size(items);

    sqi_rowkey_exam(rowkey, id, version);
    text = json_dumps(meta, JSON_COMPACT);
    if (!text || (st = sqi_db_seal(s, "exams", "meta", rowkey, text, strlen(text), &sealed, &n,
                                  err))) {
        st = st ? st : sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = sqi_db_prepare(s, "UPDATE exams SET active = 0 WHERE exam_id = ?", &q, err)))
        goto out;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    if ((st = sqi_db_step_done(s, q, "installing an exam", err)))
        goto out;
    sqlite3_finalize(q);
    if ((st = sqi_db_prepare(s,
                            "INSERT INTO exams(exam_id, version, active, bundle_id, n_items,"
                            " n_roster, meta) VALUES (?, ?, 1, ?, ?, ?, ?)",
                            &q, err)))
        goto out;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, version);
    sqlite3_bind_text(q, 3, bundle_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, per_attempt);
    sqlite3_bind_int(q, 5, (int)json_array_size(roster));
    sqlite3_bind_blob(q, 6, sealed, (int)n, SQLITE_STATIC);
    if ((st = sqi_db_step_done(s, q, "installing an exam", err)))
        goto out;
    free(sealed);
    sealed = NULL;
    sqlite3_int64 exam_row = sqlite3_last_insert_rowid(s->db);

    if ((st = sqi_db_prepare(s, "INSERT INTO items(exam, idx, topic, body) VALUES (?, ?, ?, ?)",
                            &qi, err)) ||
        (st = sqi_db_prepare(s, "INSERT INTO images(exam, idx, mime, data) VALUES (?, ?, ?, ?)",
                            &qim, err)) ||
        (st = sqi_db_prepare(s, "INSERT INTO roster(exam, trainee, person) VALUES (?, ?, ?)",
                            &qr, err)))
        goto out;
    json_array_foreach(items, i, e)
    {
        json_t *item = json_copy(e);
        json_t *image = json_object_get(e, "image");
        if (!item) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
        json_object_del(item, "image");
        json_object_set_new(item, "has_image", json_boolean(image != NULL));
        free(text);
        text = json_dumps(item, JSON_COMPACT);
        json_decref(item);
        sqi_rowkey_item(rowkey, id, version, (int64_t)i);
        if (!text) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
        if ((st = sqi_db_seal(s, "items", "body", rowkey, text, strlen(text), &sealed, &n, err)))
            goto out;
        json_t *topic = json_object_get(e, "topic");
        sqlite3_bind_int64(qi, 1, exam_row);
        sqlite3_bind_int64(qi, 2, (sqlite3_int64)i);
        if (json_is_string(topic))
            sqlite3_bind_text(qi, 3, json_string_value(topic), -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(qi, 3);
        sqlite3_bind_blob(qi, 4, sealed, (int)n, SQLITE_STATIC);
        st = sqi_db_step_done(s, qi, "installing an item", err);
        free(sealed);
        sealed = NULL;
        if (st)
            goto out;
        if (image) {
            const char *b64 = json_string_value(json_object_get(image, "data"));
            size_t b64len = strlen(b64), bin_len;
            img = malloc(b64len);
            if (!img) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                goto out;
            }
            if (sodium_base642bin(img, b64len, b64, b64len, NULL, &bin_len, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) != 0) {
                st = sqi_seterr(err, SQ_ECORRUPT, "exam '%s': an image does not decode", id);
                goto out;
            }
            if ((st = sqi_db_seal(s, "images", "data", rowkey, img, bin_len, &sealed, &n, err)))
                goto out;
            sqlite3_bind_int64(qim, 1, exam_row);
            sqlite3_bind_int64(qim, 2, (sqlite3_int64)i);
            sqlite3_bind_text(qim, 3, json_string_value(json_object_get(image, "mime")), -1,
                              SQLITE_STATIC);
            sqlite3_bind_blob(qim, 4, sealed, (int)n, SQLITE_STATIC);
            st = sqi_db_step_done(s, qim, "installing an image", err);
            free(sealed);
            sealed = NULL;
            free(img);
            img = NULL;
            if (st)
                goto out;
        }
        if (pr && pr->fn)
            pr->fn(pr->ctx, *n_items + (int64_t)i + 1, total);
    }
    json_array_foreach(roster, i, e)
    {
        uint8_t h[32];
        sqi_db_trainee_hash(s, json_string_value(json_object_get(e, "id")), h);
        sqi_rowkey_person(rowkey, id, version, h);
        free(text);
        text = json_dumps(e, JSON_COMPACT);
        if (!text) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
        if ((st = sqi_db_seal(s, "roster", "person", rowkey, text, strlen(text), &sealed, &n,
                             err)))
            goto out;
        sqlite3_bind_int64(qr, 1, exam_row);
        sqlite3_bind_blob(qr, 2, h, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(qr, 3, sealed, (int)n, SQLITE_STATIC);
        st = sqi_db_step_done(s, qr, "installing the roster", err);
        free(sealed);
        sealed = NULL;
        if (st)
            goto out;
    }
    if ((st = sqi_lesson_install(s, exam_row, exam, err)))
        goto out;
    if ((st = sqi_event_install(s, exam_row, exam, err)))
        goto out;
    *n_items += (int)json_array_size(items);
out:
    sqlite3_finalize(q);
    sqlite3_finalize(qi);
    sqlite3_finalize(qim);
    sqlite3_finalize(qr);
    free(img);
    free(sealed);
    free(text);
    json_decref(meta);
    return st;
}

/* An exam version nothing needs any more: replaced by a newer one, still
 * holding items (not pruned yet), no attempt in progress on it, no result
 * of it waiting to be sent. One at a time: each pruned one stops matching. */
static const char prunable_sql[] =
    "SELECT e.id, e.exam_id, e.version,"
    " (SELECT max(n.version) FROM exams n WHERE n.exam_id = e.exam_id)"
    " FROM exams e"
    " WHERE e.active = 0"
    " AND EXISTS (SELECT 1 FROM exams n WHERE n.exam_id = e.exam_id AND n.version > e.version)"
    " AND EXISTS (SELECT 1 FROM items i WHERE i.exam = e.id)"
    " AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.exam = e.id AND a.state = 0)"
    " AND NOT EXISTS (SELECT 1 FROM attempts a JOIN results r ON r.attempt = a.id"
    "                 WHERE a.exam = e.id AND r.sent_wall IS NULL)"
    " ORDER BY e.exam_id, e.version LIMIT 1";

sq_status sqi_import_prune(sq_store *s, int *n_pruned, sq_err *err)
{
    static const char *const removals[] = {
        "DELETE FROM items WHERE exam = ?",
        "DELETE FROM images WHERE exam = ?",
        "DELETE FROM roster WHERE exam = ?",
        /* its lessons go with its items (lesson.c) */
        "DELETE FROM lessons WHERE exam = ?",
        "DELETE FROM lesson_images WHERE exam = ?",
        /* and its training events (event.c) */
        "DELETE FROM events WHERE exam = ?",
        "DELETE FROM event_roster WHERE exam = ?",
    };
    sqlite3_stmt *q = NULL, *d = NULL;
    int count = 0;
    sq_status st;

    if (!s->in_tx)
        return sqi_seterr(err, SQ_ESTATE, "pruning old exams needs a write under way");
    if ((st = sqi_db_prepare(s, prunable_sql, &q, err)))
        return st;
    for (;;) {
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            st = sqi_db_sqlerr(s, rc, "finding old exam versions", err);
            break;
        }
        sqlite3_int64 row = sqlite3_column_int64(q, 0);
        char exam_id[80];
        snprintf(exam_id, sizeof exam_id, "%s", (const char *)sqlite3_column_text(q, 1));
        long long version = sqlite3_column_int64(q, 2), newest = sqlite3_column_int64(q, 3);
        sqlite3_reset(q);
        int removed[7] = {0, 0, 0, 0, 0, 0, 0};
        for (size_t i = 0; i < 7 && !st; i++) {
            if ((st = sqi_db_prepare(s, removals[i], &d, err)))
                break;
            sqlite3_bind_int64(d, 1, row);
            rc = sqlite3_step(d);
            sqlite3_finalize(d);
            d = NULL;
            if (rc != SQLITE_DONE)
                st = sqi_db_sqlerr(s, rc, "pruning an old exam version", err);
            else
                removed[i] = sqlite3_changes(s->db);
        }
        if (st)
            break;
        char detail[256];
        int len = snprintf(detail, sizeof detail,
                           "exam '%s' version %lld pruned (version %lld is installed and nothing "
                           "needs the old one): %d items, %d images, %d roster entries removed",
                           exam_id, version, newest, removed[0], removed[1], removed[2]);
        if ((st = sqi_chain_audit_append(s, "store", "prune", "ok", detail,
                                         len < (int)sizeof detail ? (size_t)len : sizeof detail - 1,
                                         err)))
            break;
        count++;
    }
    sqlite3_finalize(q);
    if (st == SQ_OK && n_pruned)
        *n_pruned = count;
    return st;
}

sq_status sq_import_mem(sq_store *s, const uint8_t *buf, size_t len, const sq_progress *pr,
                        sq_import_report *rep, sq_err *err)
{
    sq_import_report r;
    memset(&r, 0, sizeof r);
    bundle_header h;
    json_t *exams = NULL;
    sqlite3_stmt *q = NULL;
    sq_status st = sqi_bundle_open(buf, len, sq_station_keys_central_sign_pk(s->keys), s->station_id,
                               sqi_station_keys_box_pk(s->keys), sqi_station_keys_box_sk(s->keys), &h,
                               &exams, err);
    if (st)
        return st;
    snprintf(r.bundle_id, sizeof r.bundle_id, "%s", h.bundle_id);
    if ((st = sqi_db_begin(s, err)))
        goto out;
    if ((st = sqi_db_prepare(s, "SELECT max(version) FROM exams WHERE exam_id = ?", &q, err)))
        goto out;
    size_t i;
    json_t *e;
    /* Check every exam before writing any: all of the bundle or none. */
    int newer[64] = {0};
    json_array_foreach(exams, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "id"));
        long long v = json_integer_value(json_object_get(e, "version"));
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW) {
            st = sqi_db_sqlerr(s, rc, "importing", err);
            goto out;
        }
        long long have = sqlite3_column_type(q, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
        if (v < have) {
            st = sqi_seterr(err, SQ_ESTALE,
                           "bundle '%s' carries exam '%s' version %lld, older than the "
                           "installed version %lld; nothing imported",
                           h.bundle_id, id, v, have);
            goto out;
        }
        newer[i] = v > have;
    }
    int64_t total = 0;
    json_array_foreach(exams, i, e)
        if (newer[i])
            total += (int64_t)json_array_size(json_object_get(e, "items"));
    json_array_foreach(exams, i, e)
    {
        if (!newer[i]) {
            r.exams_same++;
            continue;
        }
        if ((st = install_exam(s, e, h.bundle_id, &r.items, pr, total, err)))
            goto out;
        r.exams_new++;
    }
    if (r.exams_new > 0) {
        sqlite3_finalize(q);
        if ((st = sqi_db_prepare(s,
                                "INSERT OR REPLACE INTO bundles(bundle_id, imported_wall, exams)"
                                " VALUES (?, ?, ?)",
                                &q, err)))
            goto out;
        char list[1024] = "";
        for (size_t k = 0; k < h.n_exams; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s:%lld", k ? " " : "",
                     h.exams[k].id, (long long)h.exams[k].version);
        sqlite3_bind_text(q, 1, h.bundle_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, sqi_db_wall_s(s));
        sqlite3_bind_text(q, 3, list, -1, SQLITE_TRANSIENT);
        if ((st = sqi_db_step_done(s, q, "importing", err)))
            goto out;
    }
    /* Every import prunes what nothing needs any more: the versions this
     * one replaced, and those left by an earlier import because an attempt
     * or a result still needed them then. */
    st = sqi_import_prune(s, &r.exams_pruned, err);
out:
    sqlite3_finalize(q);
    st = sqi_db_end(s, st, err);
    json_decref(exams);
    if (st == SQ_OK && rep)
        *rep = r;
    return st;
}

sq_status sq_import_file(sq_store *s, const char *bundle_path, const sq_progress *pr,
                         sq_import_report *rep, sq_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sq_status st = sqi_file_read(bundle_path, SQ_BUNDLE_MAX_FILE, &buf, &len, err);
    if (st)
        return st;
    st = sq_import_mem(s, buf, len, pr, rep, err);
    if (st)
        sqi_prefixerr(err, "%s", bundle_path);
    free(buf);
    return st;
}

