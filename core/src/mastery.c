/*
 * mastery.c - practice's mastery rules: read from an exam document,
 * measured against a trainee's first-try answers, and the store's
 * practice records (practice.c writes them) read back for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "mastery_int.h"
#include "db_int.h"
#include "util_int.h"

void sqi_rowkey_practice(char out[STORE_ROWKEY], const char *id_hex)
{
    snprintf(out, STORE_ROWKEY, "practice/%s", id_hex);
}

static bool int_in(const json_t *v, int lo, int hi, int *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return false;
    *out = (int)json_integer_value(v);
    return true;
}

sq_status sqi_mastery_rule_read(const json_t *e, size_t n_items, sqi_mastery_rule *r, char *why,
                                size_t why_len)
{
    const char *rule = json_string_value(json_object_get(e, "rule"));
    const json_t *m = json_object_get(e, "m"), *n = json_object_get(e, "n");

    memset(r, 0, sizeof *r);
    if (!rule) {
        snprintf(why, why_len, "a mastery rule must be all, m_of_n or streak");
        return SQ_EINVAL;
    }
    if (strcmp(rule, "all") == 0) {
        if (m || n) {
            snprintf(why, why_len, "the rule 'all' takes no numbers");
            return SQ_EINVAL;
        }
        r->kind = SQI_MASTERY_ALL;
    } else if (strcmp(rule, "m_of_n") == 0) {
        r->kind = SQI_MASTERY_M_OF_N;
        if (!int_in(n, 1, SQI_MASTERY_N_MAX, &r->n)) {
            snprintf(why, why_len, "m_of_n: n must be 1 to %d", SQI_MASTERY_N_MAX);
            return SQ_EINVAL;
        }
        if (!int_in(m, 1, SQI_MASTERY_N_MAX, &r->m)) {
            snprintf(why, why_len, "m_of_n: m must be 1 to %d", SQI_MASTERY_N_MAX);
            return SQ_EINVAL;
        }
        if (r->m > r->n) {
            snprintf(why, why_len,
                     "m_of_n: m (%d) is more than n (%d): %d right of the last %d can never be met",
                     r->m, r->n, r->m, r->n);
            return SQ_EINVAL;
        }
    } else if (strcmp(rule, "streak") == 0) {
        r->kind = SQI_MASTERY_STREAK;
        if (m || !int_in(n, 1, SQI_MASTERY_N_MAX, &r->n)) {
            snprintf(why, why_len, "streak must be a number of answers in a row, 1 to %d",
                     SQI_MASTERY_N_MAX);
            return SQ_EINVAL;
        }
    } else {
        snprintf(why, why_len, "unknown mastery rule '%.32s': all, m_of_n or streak", rule);
        return SQ_EINVAL;
    }
    if (n_items == 0) {
        snprintf(why, why_len, "the topic has no items, so its mastery can never be met");
        return SQ_EINVAL;
    }
    return SQ_OK;
}

sq_status sqi_mastery_eval(const sqi_mastery_rule *r, int n_items, const sqi_mastery_answer *a,
                           size_t n, sqi_mastery_state *out)
{
    memset(out, 0, sizeof *out);
    out->answered = (int)n;
    if (r->kind == SQI_MASTERY_ALL) {
        bool *seen = calloc(n_items > 0 ? (size_t)n_items : 1, sizeof *seen);
        if (!seen)
            return SQ_ENOMEM;
        for (size_t i = 0; i < n; i++)
            if (a[i].right && a[i].item >= 0 && a[i].item < n_items && !seen[a[i].item]) {
                seen[a[i].item] = true;
                out->progress++;
            }
        free(seen);
        out->goal = n_items;
        out->mastered = n_items > 0 && out->progress == n_items;
        return SQ_OK;
    }
    if (r->kind == SQI_MASTERY_M_OF_N) {
        /* The window of the last n answers, moved along the answers: met
         * once it holds m right ones (fewer than n answers may do). */
        int right = 0;
        for (size_t i = 0; i < n; i++) {
            right += a[i].right;
            if (i >= (size_t)r->n)
                right -= a[i - (size_t)r->n].right;
            if (right >= r->m)
                out->mastered = true;
        }
        out->progress = right;
        out->goal = r->m;
        return SQ_OK;
    }
    if (r->kind == SQI_MASTERY_STREAK) {
        int run = 0;
        for (size_t i = 0; i < n; i++) {
            run = a[i].right ? run + 1 : 0;
            if (run >= r->n)
                out->mastered = true;
        }
        out->progress = run;
        out->goal = r->n;
        return SQ_OK;
    }
    return SQ_EINVAL;
}

/* The exam's items by topic: for each item index, its topic's number
 * (index into rules, -1: none) and its place among that topic's items. */
typedef struct {
    int *topic, *place;
    int n;
} item_map;

static sq_status map_items(sq_store *s, sqlite3_int64 row, const sqi_topic_progress *tp,
                           size_t nt, item_map *im, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, "SELECT max(idx) FROM items WHERE exam = ?", &q, err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, row);
    int rc = sqlite3_step(q);
    im->n = rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL
                ? sqlite3_column_int(q, 0) + 1
                : 0;
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sqi_db_sqlerr(s, rc, "reading the exam's items", err);
    im->topic = malloc(((size_t)im->n + 1) * sizeof *im->topic);
    im->place = malloc(((size_t)im->n + 1) * sizeof *im->place);
    if (!im->topic || !im->place)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    for (int i = 0; i < im->n; i++)
        im->topic[i] = im->place[i] = -1;
    if ((st = sqi_db_prepare(s, "SELECT idx, topic FROM items WHERE exam = ? ORDER BY idx", &q,
                             err)))
        return st;
    sqlite3_bind_int64(q, 1, row);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int idx = sqlite3_column_int(q, 0);
        const char *t = (const char *)sqlite3_column_text(q, 1);
        if (idx < 0 || idx >= im->n)
            continue;
        for (size_t k = 0; k < nt; k++)
            if (strcmp(tp[k].topic, t ? t : "") == 0) {
                im->topic[idx] = (int)k;
                im->place[idx] = tp[k].n_items;
                break;
            }
        if (im->topic[idx] >= 0)
            ((sqi_topic_progress *)tp)[im->topic[idx]].n_items++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sqi_db_sqlerr(s, rc, "reading the exam's items", err);
    return SQ_OK;
}

/* Appends a first-try answer to topic k's list. */
typedef struct {
    sqi_mastery_answer *v;
    size_t n, cap;
} answers;

static bool push_answer(answers *l, int item, bool right)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        sqi_mastery_answer *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (sqi_mastery_answer){item, right};
    return true;
}

/* Reads the trainee's practice records of exam_id, oldest first, into
 * one list of first-try answers per topic. */
static sq_status read_records(sq_store *s, const char *exam_id, int64_t version,
                              const uint8_t h[32], const sqi_topic_progress *tp, size_t nt,
                              const item_map *im, answers *lists, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s,
                                  "SELECT id, sealed FROM practice WHERE trainee = ? AND exam_id = ?"
                                  " ORDER BY seq",
                                  &q, err);
    if (st)
        return st;
    sqlite3_bind_blob(q, 1, h, 32, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, exam_id, -1, SQLITE_STATIC);
    int rc;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        char hex[33], rowkey[STORE_ROWKEY];
        uint8_t *plain = NULL;
        size_t len;
        if (sqlite3_column_bytes(q, 0) != 16) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: a practice record has a bad id");
            break;
        }
        sqi_hex_encode(sqlite3_column_blob(q, 0), 16, hex);
        sqi_rowkey_practice(rowkey, hex);
        st = sqi_db_open_field(s, "practice", "sealed", rowkey, sqlite3_column_blob(q, 1),
                               (size_t)sqlite3_column_bytes(q, 1), &plain, &len, err);
        if (st)
            break;
        json_t *r = json_loadb((const char *)plain, len, 0, NULL);
        sodium_memzero(plain, len);
        free(plain);
        if (!r) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: a practice record is damaged");
            break;
        }
        const char *topic = json_string_value(json_object_get(r, "topic"));
        json_int_t try_no = json_integer_value(json_object_get(r, "try"));
        json_int_t v = json_integer_value(json_object_get(r, "version"));
        json_int_t idx = json_integer_value(json_object_get(r, "item_idx"));
        bool right = json_is_true(json_object_get(r, "right"));
        for (size_t k = 0; topic && try_no == 1 && k < nt; k++) {
            if (strcmp(tp[k].topic, topic) != 0)
                continue;
            /* An item of another version of the exam is not one of the
             * topic's items now: it counts in a window or a run only. */
            int place = v == version && idx >= 0 && idx < im->n && im->topic[idx] == (int)k
                            ? im->place[idx]
                            : -1;
            if (!push_answer(&lists[k], place, right))
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            break;
        }
        json_decref(r);
    }
    if (!st && rc != SQLITE_DONE)
        st = sqi_db_sqlerr(s, rc, "reading practice records", err);
    sqlite3_finalize(q);
    return st;
}

sq_status sqi_mastery_progress(sq_store *s, sqlite3_int64 row, const char *exam_id,
                               int64_t version, const json_t *meta, const uint8_t h[32],
                               sqi_topic_progress **out, size_t *n, sq_err *err)
{
    const json_t *rules = json_object_get(json_object_get(meta, "practice"), "mastery");
    size_t nt = json_array_size(rules);
    sqi_topic_progress *tp = NULL;
    answers *lists = NULL;
    item_map im = {0};
    sq_status st = SQ_OK;
    char why[160];

    *out = NULL;
    *n = 0;
    if (nt == 0)
        return SQ_OK;
    tp = calloc(nt, sizeof *tp);
    lists = calloc(nt, sizeof *lists);
    if (!tp || !lists) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < nt; k++) {
        const json_t *e = json_array_get(rules, k);
        const char *t = json_string_value(json_object_get(e, "topic"));
        snprintf(tp[k].topic, sizeof tp[k].topic, "%s", t ? t : "");
        /* Checked at import; 1 item stands in for the count not known yet. */
        if (sqi_mastery_rule_read(e, 1, &tp[k].rule, why, sizeof why) != SQ_OK) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: exam '%s': %s", exam_id, why);
            goto out;
        }
    }
    if ((st = map_items(s, row, tp, nt, &im, err)) ||
        (st = read_records(s, exam_id, version, h, tp, nt, &im, lists, err)))
        goto out;
    for (size_t k = 0; k < nt && !st; k++)
        if (sqi_mastery_eval(&tp[k].rule, tp[k].n_items, lists[k].v, lists[k].n, &tp[k].state))
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
out:
    for (size_t k = 0; lists && k < nt; k++)
        free(lists[k].v);
    free(lists);
    free(im.topic);
    free(im.place);
    if (st) {
        free(tp);
        return st;
    }
    *out = tp;
    *n = nt;
    return SQ_OK;
}

sq_status sqi_mastery_required(sq_store *s, sqlite3_int64 row, const char *exam_id,
                               int64_t version, const json_t *meta, const uint8_t h[32],
                               sq_err *err)
{
    if (!json_is_true(json_object_get(meta, "requires_practice")))
        return SQ_OK;
    sqi_topic_progress *tp;
    size_t n;
    sq_status st = sqi_mastery_progress(s, row, exam_id, version, meta, h, &tp, &n, err);
    if (st)
        return st;
    for (size_t k = 0; k < n && !st; k++)
        if (!tp[k].state.mastered)
            st = sqi_seterr(err, SQ_ESTATE,
                            "exam '%s' opens after practice: topic '%s' is not mastered yet",
                            exam_id, tp[k].topic[0] ? tp[k].topic : "(all items)");
    free(tp);
    return st;
}
