/*
 * practice.c - practice on a station (practice.h): items from an exam's
 * bank one at a time, feedback after each answer, sealed practice records.
 * Mastery is mastery.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "catalog_int.h"
#include "chain_int.h"
#include "exam_int.h"
#include "keys_int.h"
#include "mastery_int.h"
#include "db_int.h"
#include "result_int.h"
#include "util_int.h"
#include "synaq/practice.h"

_Static_assert((int)SQ_MASTERY_ALL == (int)SQI_MASTERY_ALL &&
                   (int)SQ_MASTERY_M_OF_N == (int)SQI_MASTERY_M_OF_N &&
                   (int)SQ_MASTERY_STREAK == (int)SQI_MASTERY_STREAK,
               "practice.h and mastery_int.h number the rules alike");

#define TRAINEE_ID_MAX 64

struct sq_practice {
    sq_store *s;
    sqlite3_int64 row;
    char exam_id[64];
    int64_t version;
    json_t *meta;
    char trainee_id[TRAINEE_ID_MAX + 1];
    char trainee_name[256]; /* from the roster; "" for an exam without one */
    uint8_t h[32];
    char topic[64];
    int tries;
    int *pool; /* item indices of the topic (or the bank), one round's order */
    int n_pool, next, shown;
    /* The item shown. */
    int idx;
    json_t *body;
    int n_opt;
    uint8_t order[SQ_MAX_OPTIONS];
    int try_no;
    bool final;
    uint32_t selected;
};

static const char *text_in(const json_t *map, int lang, int *got)
{
    static const int order[] = {-1, SQ_LANG_RU, SQ_LANG_KK, SQ_LANG_EN};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        int l = i == 0 ? lang : order[i];
        if (l < 0 || l >= SQ_NLANGS)
            continue;
        const json_t *t = json_object_get(map, sqi_lang_codes[l]);
        if (json_is_string(t)) {
            if (got)
                *got = l;
            return json_string_value(t);
        }
    }
    if (got)
        *got = -1;
    return "";
}

static char *dup_text(const json_t *map, int lang, int *got, bool *oom)
{
    if (!json_is_object(map))
        return NULL;
    char *d = strdup(text_in(map, lang, got));
    if (!d)
        *oom = true;
    return d;
}

static void wipe_free(char *p)
{
    if (p) {
        sodium_memzero(p, strlen(p));
        free(p);
    }
}

/* The active exam and its meta. */
static sq_status find(sq_store *s, const char *exam_id, sqlite3_int64 *row, int64_t *version,
                      int *n_roster, json_t **meta, sq_err *err)
{
    if (!exam_id || !*exam_id)
        return sqi_seterr(err, SQ_EINVAL, "no exam given");
    sq_status st = sqi_catalog_find_exam(s, exam_id, row, version, n_roster, err);
    if (!st)
        st = sqi_catalog_exam_meta(s, *row, exam_id, *version, meta, err);
    return st;
}

sq_status sq_practice_info(sq_store *s, const char *exam_id, bool *has_practice,
                           bool *requires_practice, sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    json_t *meta = NULL;
    sq_status st = find(s, exam_id, &row, &version, &n_roster, &meta, err);
    if (st)
        return st;
    if (has_practice)
        *has_practice = json_is_object(json_object_get(meta, "practice"));
    if (requires_practice)
        *requires_practice = json_is_true(json_object_get(meta, "requires_practice"));
    json_decref(meta);
    return SQ_OK;
}

void sq_practice_topics_free(sq_practice_topic *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++)
        free(t[i].title);
    free(t);
}

sq_status sq_practice_topics(sq_store *s, const char *exam_id, const char *trainee_id, int lang,
                             sq_practice_topic **out, size_t *n, sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    json_t *meta = NULL;
    sqi_topic_progress *tp = NULL;
    sq_practice_topic *t = NULL;
    size_t nt = 0;
    uint8_t h[32];
    bool oom = false;

    if (!out || !n)
        return sqi_seterr(err, SQ_EINVAL, "sq_practice_topics: nowhere to put them");
    *out = NULL;
    *n = 0;
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to %d printable characters",
                          TRAINEE_ID_MAX);
    sq_status st = find(s, exam_id, &row, &version, &n_roster, &meta, err);
    if (st)
        return st;
    sqi_db_trainee_hash(s, trainee_id, h);
    if ((st = sqi_mastery_progress(s, row, exam_id, version, meta, h, &tp, &nt, err)))
        goto out;
    if (nt && !(t = calloc(nt, sizeof *t))) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    const json_t *topics = json_object_get(meta, "topics");
    for (size_t k = 0; k < nt; k++) {
        const json_t *title = json_object_get(meta, "title");
        for (size_t i = 0; i < json_array_size(topics); i++) {
            const json_t *e = json_array_get(topics, i);
            const char *id = json_string_value(json_object_get(e, "id"));
            if (id && strcmp(id, tp[k].topic) == 0)
                title = json_object_get(e, "title");
        }
        snprintf(t[k].topic, sizeof t[k].topic, "%s", tp[k].topic);
        t[k].title = dup_text(title, lang, NULL, &oom);
        t[k].kind = (sq_mastery_kind)tp[k].rule.kind;
        t[k].m = tp[k].rule.m;
        t[k].n = tp[k].rule.n;
        t[k].n_items = tp[k].n_items;
        t[k].progress = tp[k].state.progress;
        t[k].goal = tp[k].state.goal;
        t[k].answered = tp[k].state.answered;
        t[k].mastered = tp[k].state.mastered;
    }
    if (oom)
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
out:
    free(tp);
    json_decref(meta);
    if (st) {
        sq_practice_topics_free(t, nt);
        return st;
    }
    *out = t;
    *n = nt;
    return SQ_OK;
}

sq_status sq_practice_required_met(sq_store *s, const char *exam_id, const char *trainee_id,
                                   sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    json_t *meta = NULL;
    uint8_t h[32];
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to %d printable characters",
                          TRAINEE_ID_MAX);
    sq_status st = find(s, exam_id, &row, &version, &n_roster, &meta, err);
    if (st)
        return st;
    sqi_db_trainee_hash(s, trainee_id, h);
    st = sqi_mastery_required(s, row, exam_id, version, meta, h, err);
    json_decref(meta);
    return st;
}

void sq_practice_free(sq_practice *p)
{
    if (!p)
        return;
    json_decref(p->body);
    json_decref(p->meta);
    free(p->pool);
    sodium_memzero(p, sizeof *p);
    free(p);
}

/* The topic's items (or the bank's), in a new random order. */
static sq_status fill_pool(sq_practice *p, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(p->s,
                                  p->topic[0] ? "SELECT idx FROM items WHERE exam = ? AND topic = ?"
                                                " ORDER BY idx"
                                              : "SELECT idx FROM items WHERE exam = ? ORDER BY idx",
                                  &q, err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, p->row);
    if (p->topic[0])
        sqlite3_bind_text(q, 2, p->topic, -1, SQLITE_STATIC);
    int rc, n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == p->n_pool) {
            int cap = p->n_pool ? p->n_pool * 2 : 64;
            int *v = realloc(p->pool, (size_t)cap * sizeof *v);
            if (!v) {
                sqlite3_finalize(q);
                return sqi_seterr(err, SQ_ENOMEM, "out of memory");
            }
            p->pool = v;
            p->n_pool = cap;
        }
        p->pool[n++] = sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sqi_db_sqlerr(p->s, rc, "reading the exam's items", err);
    if (n == 0)
        return sqi_seterr(err, SQ_ENOTFOUND, "exam '%s' has no items in topic '%s'", p->exam_id,
                          p->topic);
    p->n_pool = n;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)randombytes_uniform((uint32_t)i + 1);
        int t = p->pool[i];
        p->pool[i] = p->pool[j];
        p->pool[j] = t;
    }
    p->next = 0;
    return SQ_OK;
}

/* Loads the next item of the round (a new round when this one is done;
 * not the item just shown again when the round has more than one). */
static sq_status load_next(sq_practice *p, sq_err *err)
{
    sq_status st;
    if (p->next >= p->n_pool) {
        int last = p->body ? p->idx : -1;
        if ((st = fill_pool(p, err)))
            return st;
        if (p->n_pool > 1 && p->pool[0] == last) {
            p->pool[0] = p->pool[p->n_pool - 1];
            p->pool[p->n_pool - 1] = last;
        }
    }
    int idx = p->pool[p->next];
    sqlite3_stmt *q;
    if ((st = sqi_db_prepare(p->s, "SELECT body FROM items WHERE exam = ? AND idx = ?", &q, err)))
        return st;
    json_t *body = NULL;
    st = sqi_catalog_item_body(p->s, q, p->row, p->exam_id, p->version, idx, &body, err);
    sqlite3_finalize(q);
    if (st)
        return st;
    size_t no = json_array_size(json_object_get(body, "options"));
    if (no < 2 || no > SQ_MAX_OPTIONS) {
        json_decref(body);
        return sqi_seterr(err, SQ_ECORRUPT, "store: item %d of exam '%s' is damaged", idx,
                          p->exam_id);
    }
    json_decref(p->body);
    p->body = body;
    p->idx = idx;
    p->next++;
    p->n_opt = (int)no;
    for (int k = 0; k < p->n_opt; k++)
        p->order[k] = (uint8_t)k;
    if (json_is_true(json_object_get(p->meta, "shuffle_options")) &&
        !json_is_true(json_object_get(body, "fixed_order")))
        for (int i = p->n_opt - 1; i > 0; i--) {
            int j = (int)randombytes_uniform((uint32_t)i + 1);
            uint8_t t = p->order[i];
            p->order[i] = p->order[j];
            p->order[j] = t;
        }
    p->try_no = 0;
    p->final = false;
    p->selected = 0;
    return SQ_OK;
}

sq_status sq_practice_open(sq_store *s, const char *exam_id, const char *trainee_id,
                           const char *topic, sq_practice **out, sq_err *err)
{
    int n_roster, used = 0, open = 0;
    char name[256];
    if (!out)
        return sqi_seterr(err, SQ_EINVAL, "sq_practice_open: nowhere to put it");
    *out = NULL;
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to %d printable characters",
                          TRAINEE_ID_MAX);
    if (topic && strlen(topic) >= 64)
        return sqi_seterr(err, SQ_ENOTFOUND, "exam '%s' has no topic '%.63s'", exam_id, topic);
    sq_practice *p = calloc(1, sizeof *p);
    if (!p)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    p->s = s;
    sq_status st = find(s, exam_id, &p->row, &p->version, &n_roster, &p->meta, err);
    if (st)
        goto out;
    snprintf(p->exam_id, sizeof p->exam_id, "%s", exam_id);
    snprintf(p->trainee_id, sizeof p->trainee_id, "%s", trainee_id);
    snprintf(p->topic, sizeof p->topic, "%s", topic ? topic : "");
    const json_t *pr = json_object_get(p->meta, "practice");
    if (!json_is_object(pr)) {
        st = sqi_seterr(err, SQ_ESTATE, "exam '%s' has no practice", exam_id);
        goto out;
    }
    p->tries = (int)json_integer_value(json_object_get(pr, "tries"));
    if (p->tries < 1 || p->tries > SQI_PRACTICE_TRIES_MAX)
        p->tries = 1;
    if (p->topic[0]) {
        const json_t *topics = json_object_get(p->meta, "topics");
        size_t i = 0;
        for (; i < json_array_size(topics); i++) {
            const char *id = json_string_value(json_object_get(json_array_get(topics, i), "id"));
            if (id && strcmp(id, p->topic) == 0)
                break;
        }
        if (i == json_array_size(topics)) {
            st = sqi_seterr(err, SQ_ENOTFOUND, "exam '%s' has no topic '%s'", exam_id, p->topic);
            goto out;
        }
    }
    if (n_roster > 0 &&
        (st = sqi_catalog_roster_find(s, p->row, exam_id, p->version, trainee_id, name,
                                      sizeof name, err)))
        goto out;
    if (n_roster > 0)
        snprintf(p->trainee_name, sizeof p->trainee_name, "%s", name);
    sodium_memzero(name, sizeof name);
    sqi_db_trainee_hash(s, trainee_id, p->h);
    if ((st = sqi_catalog_attempts_used(s, p->h, exam_id, &used, &open, err)))
        goto out;
    if (open > 0) {
        /* The bank's right answers must not reach a trainee in the middle
         * of the exam. */
        st = sqi_seterr(err, SQ_ESTATE,
                        "trainee '%s' has an attempt at exam '%s' in progress: no practice until "
                        "it is submitted",
                        trainee_id, exam_id);
        goto out;
    }
    st = load_next(p, err);
out:
    if (st) {
        sq_practice_free(p);
        return st;
    }
    *out = p;
    return SQ_OK;
}

static sq_item_type item_type(const json_t *body)
{
    const char *type = json_string_value(json_object_get(body, "type"));
    return type && strcmp(type, "multiple") == 0    ? SQ_ITEM_MULTIPLE
           : type && strcmp(type, "truefalse") == 0 ? SQ_ITEM_TRUEFALSE
                                                    : SQ_ITEM_SINGLE;
}

sq_status sq_practice_item(sq_practice *p, int lang, sq_item_view *v, sq_err *err)
{
    if (!p || !v || !p->body)
        return sqi_seterr(err, SQ_EINVAL, "sq_practice_item: no practice");
    memset(v, 0, sizeof *v);
    v->pos = p->shown;
    v->item_id = json_string_value(json_object_get(p->body, "id"));
    v->type = item_type(p->body);
    v->text = text_in(json_object_get(p->body, "text"), lang, &v->text_lang);
    const json_t *opts = json_object_get(p->body, "options");
    v->n_options = p->n_opt;
    for (int k = 0; k < p->n_opt; k++)
        v->options[k] =
            text_in(json_object_get(json_array_get(opts, p->order[k]), "text"), v->text_lang, NULL);
    v->selected = p->selected;
    v->answered = p->try_no > 0;
    v->has_image = json_is_true(json_object_get(p->body, "has_image"));
    return SQ_OK;
}

sq_status sq_practice_image(sq_practice *p, uint8_t **data, size_t *len, char *mime,
                            size_t mime_len, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(p->s, "SELECT mime, data FROM images WHERE exam = ? AND idx = ?",
                                  &q, err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, p->row);
    sqlite3_bind_int(q, 2, p->idx);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        char rowkey[STORE_ROWKEY];
        sqi_rowkey_item(rowkey, p->exam_id, p->version, p->idx);
        if (mime && mime_len)
            snprintf(mime, mime_len, "%s", (const char *)sqlite3_column_text(q, 0));
        st = sqi_db_open_field(p->s, "images", "data", rowkey, sqlite3_column_blob(q, 1),
                               (size_t)sqlite3_column_bytes(q, 1), data, len, err);
    } else if (rc == SQLITE_DONE) {
        st = sqi_seterr(err, SQ_ENOTFOUND, "the item has no image");
    } else {
        st = sqi_db_sqlerr(p->s, rc, "reading an image", err);
    }
    sqlite3_finalize(q);
    return st;
}

void sq_practice_feedback_clear(sq_practice_feedback *fb)
{
    if (!fb)
        return;
    for (int k = 0; k < SQ_MAX_OPTIONS; k++)
        wipe_free(fb->feedback[k]);
    wipe_free(fb->explanation);
    memset(fb, 0, sizeof *fb);
}

/* Commits one practice record: sealed, under a random id. */
static sq_status record(sq_practice *p, uint32_t orig_sel, bool right, sq_err *err)
{
    uint8_t id[16];
    char hex[33], rowkey[STORE_ROWKEY];
    uint8_t *sealed = NULL;
    size_t n_sealed;
    json_t *sel = json_array();
    for (int k = 0; sel && k < p->n_opt; k++)
        if (orig_sel & (1u << k))
            json_array_append_new(sel, json_integer(k));
    const json_t *topic = json_object_get(p->body, "topic");
    const char *item_id = json_string_value(json_object_get(p->body, "id"));
    int64_t wall = sqi_db_wall_s(p->s);
    json_t *r = sel ? json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:i, s:b, s:o, s:I, s:s, s:s}",
                                "kind", "practice", "exam", p->exam_id,
                                "version", (json_int_t)p->version,
                                "item", item_id ? item_id : "",
                                "item_idx", (json_int_t)p->idx,
                                "topic", json_is_string(topic) ? json_string_value(topic) : "",
                                "try", p->try_no, "right", right, "selected", sel,
                                "wall", (json_int_t)wall, "trainee", p->trainee_id,
                                "name", p->trainee_name)
                    : NULL;
    char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
    json_decref(r);
    if (!text)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    randombytes_buf(id, sizeof id);
    sqi_hex_encode(id, sizeof id, hex);
    sqi_rowkey_practice(rowkey, hex);
    sq_status st = sqi_db_seal(p->s, "practice", "sealed", rowkey, text, strlen(text), &sealed,
                               &n_sealed, err);
    wipe_free(text);
    if (st)
        return st;
    if ((st = sqi_db_begin(p->s, err))) {
        free(sealed);
        return st;
    }
    sqlite3_stmt *q;
    if (!(st = sqi_db_prepare(p->s,
                              "INSERT INTO practice(id, exam_id, trainee, sealed, created_wall)"
                              " VALUES (?, ?, ?, ?, ?)",
                              &q, err))) {
        sqlite3_bind_blob(q, 1, id, sizeof id, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, p->exam_id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 3, p->h, 32, SQLITE_STATIC);
        sqlite3_bind_blob(q, 4, sealed, (int)n_sealed, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, wall);
        st = sqi_db_step_done(p->s, q, "recording a practice answer", err);
        sqlite3_finalize(q); /* step_done resets, it does not finalize */
    }
    /* Sealed for central and numbered in the same transaction: the answer
     * is recorded together with what will carry it off the station. */
    if (!st)
        st = sqi_practice_number(p->s, err);
    st = sqi_db_end(p->s, st, err);
    free(sealed);
    return st;
}

sq_status sq_practice_answer(sq_practice *p, uint32_t selected, int lang,
                             sq_practice_feedback *fb, sq_err *err)
{
    if (!p || !fb || !p->body)
        return sqi_seterr(err, SQ_EINVAL, "sq_practice_answer: no practice");
    memset(fb, 0, sizeof *fb);
    if (p->final)
        return sqi_seterr(err, SQ_ESTATE, "this item is done: go on to the next");
    sq_item_type type = item_type(p->body);
    if (selected == 0)
        return sqi_seterr(err, SQ_EINVAL, "no option chosen");
    if (p->n_opt < 32 && (selected >> p->n_opt) != 0)
        return sqi_seterr(err, SQ_EINVAL, "the item has options 1 to %d", p->n_opt);
    if (type != SQ_ITEM_MULTIPLE && (selected & (selected - 1)) != 0)
        return sqi_seterr(err, SQ_EINVAL, "this item takes one option");
    const json_t *opts = json_object_get(p->body, "options");
    uint32_t correct_shown = 0, orig_sel = 0, orig_correct = 0;
    for (int k = 0; k < p->n_opt; k++) {
        if (json_is_true(json_object_get(json_array_get(opts, p->order[k]), "correct")))
            correct_shown |= 1u << k;
        if (json_is_true(json_object_get(json_array_get(opts, (size_t)k), "correct")))
            orig_correct |= 1u << k;
        if (selected & (1u << k))
            orig_sel |= 1u << p->order[k];
    }
    bool right = orig_sel == orig_correct;
    p->try_no++;
    sq_status st = record(p, orig_sel, right, err);
    if (st) {
        p->try_no--;
        return st;
    }
    p->selected = selected;
    /* A second try has no point where one wrong answer leaves one choice. */
    bool retry = !right && p->try_no < p->tries && type != SQ_ITEM_TRUEFALSE &&
                 !(type == SQ_ITEM_SINGLE && p->n_opt <= 2);
    p->final = !retry;
    fb->right = right;
    fb->try_no = p->try_no;
    fb->may_retry = retry;
    fb->final = p->final;
    fb->selected = selected;
    bool oom = false;
    for (int k = 0; k < p->n_opt; k++)
        if (selected & (1u << k))
            fb->feedback[k] = dup_text(json_object_get(json_array_get(opts, p->order[k]), "feedback"),
                                       lang, &fb->feedback_lang[k], &oom);
    if (p->final) {
        fb->correct = correct_shown;
        fb->explanation = dup_text(json_object_get(p->body, "explanation"), lang,
                                   &fb->explanation_lang, &oom);
    }
    if (oom) {
        sq_practice_feedback_clear(fb);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory (the answer is recorded)");
    }
    return SQ_OK;
}

sq_status sq_practice_next(sq_practice *p, sq_err *err)
{
    if (!p || !p->body)
        return sqi_seterr(err, SQ_EINVAL, "sq_practice_next: no practice");
    sq_status st = load_next(p, err);
    if (!st)
        p->shown++;
    return st;
}

sq_status sq_practice_count(sq_store *s, int64_t *all, int64_t *unsent, sq_err *err)
{
    sqlite3_stmt *q;
    /* Sent is what the results row that carries the record says (only a
     * checked acknowledgement sets it); a record not numbered yet is not. */
    sq_status st = sqi_db_prepare(s,
                                  "SELECT count(*), count(*) FILTER (WHERE r.seq IS NULL"
                                  " OR r.sent_wall IS NULL)"
                                  " FROM practice p LEFT JOIN results r ON r.seq = p.rseq",
                                  &q, err);
    if (st)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        if (all)
            *all = sqlite3_column_int64(q, 0);
        if (unsent)
            *unsent = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? SQ_OK : sqi_db_sqlerr(s, rc, "counting practice records", err);
}

/* ---- practice records leave the station (sync/PROTOCOL.md) ---- */

/* One practice row: its local record opened, sealed for central as an
 * SQP record, numbered in the results' sequence and put in the results
 * table (kind 1), the outbox of everything sealed. SQ_ECORRUPT: the row
 * does not open or decode (left as it is). */
static sq_status number_one(sq_store *s, int64_t row, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    uint8_t *plain = NULL, *sealed = NULL, id[16];
    size_t n_plain = 0, n_sealed = 0;
    json_t *j = NULL;
    int64_t created = 0;
    char hex[33], rowkey[STORE_ROWKEY];
    sq_status st = sqi_db_prepare(s, "SELECT id, sealed, created_wall FROM practice WHERE seq = ?",
                                  &q, err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, row);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? sqi_seterr(err, SQ_ENOTFOUND, "no practice record #%lld",
                                            (long long)row)
                               : sqi_db_sqlerr(s, rc, "reading a practice record", err);
        goto out;
    }
    if (sqlite3_column_bytes(q, 0) != 16) {
        st = sqi_seterr(err, SQ_ECORRUPT, "store: a practice record has a bad id");
        goto out;
    }
    memcpy(id, sqlite3_column_blob(q, 0), 16);
    created = sqlite3_column_int64(q, 2);
    sqi_hex_encode(id, 16, hex);
    sqi_rowkey_practice(rowkey, hex);
    if ((st = sqi_db_open_field(s, "practice", "sealed", rowkey, sqlite3_column_blob(q, 1),
                                (size_t)sqlite3_column_bytes(q, 1), &plain, &n_plain, err)))
        goto out;
    sqlite3_finalize(q);
    q = NULL;
    j = json_loadb((const char *)plain, n_plain, 0, NULL);
    sq_practice_rec r;
    memset(&r, 0, sizeof r);
    r.format = 1;
    r.station_id = s->station_id;
    memcpy(r.record_id, hex, sizeof r.record_id);
    r.trainee_id = (char *)json_string_value(json_object_get(j, "trainee"));
    r.trainee_name = (char *)json_string_value(json_object_get(j, "name"));
    r.exam_id = (char *)json_string_value(json_object_get(j, "exam"));
    r.exam_version = json_integer_value(json_object_get(j, "version"));
    r.topic = (char *)json_string_value(json_object_get(j, "topic"));
    r.item_id = (char *)json_string_value(json_object_get(j, "item"));
    r.try_no = (int)json_integer_value(json_object_get(j, "try"));
    r.right = json_is_true(json_object_get(j, "right"));
    r.created_wall_s = json_is_integer(json_object_get(j, "wall"))
                           ? json_integer_value(json_object_get(j, "wall"))
                           : created;
    const json_t *sel = json_object_get(j, "selected");
    for (size_t k = 0; k < json_array_size(sel); k++) {
        json_int_t b = json_integer_value(json_array_get(sel, k));
        if (b >= 0 && b < 32)
            r.selected |= 1u << b;
    }
    if (!r.trainee_id || !r.exam_id || !r.item_id || r.try_no < 1 || r.try_no > 9) {
        st = sqi_seterr(err, SQ_ECORRUPT, "store: practice record %s is damaged", hex);
        goto out;
    }
    if (!r.trainee_name)
        r.trainee_name = ""; /* records of the first builds: central fills it in */
    if (!r.topic)
        r.topic = "";
    int64_t seq = 0;
    if ((st = sqi_chain_next_seq(s, &seq, err)))
        goto out;
    r.seq = seq;
    if ((st = sqi_practice_rec_seal(&r, sqi_station_keys_sign_sk(s->keys),
                                    sq_station_keys_central_results_pk(s->keys), &sealed,
                                    &n_sealed, err)) ||
        (st = sqi_db_prepare(s,
                             "INSERT INTO results(seq, attempt, sealed, created_wall, kind)"
                             " VALUES (?, ?, ?, ?, 1)",
                             &q, err)))
        goto out;
    sqlite3_bind_int64(q, 1, seq);
    sqlite3_bind_blob(q, 2, id, 16, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, sealed, (int)n_sealed, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, created);
    if ((st = sqi_db_step_done(s, q, "numbering a practice record", err)))
        goto out;
    sqlite3_finalize(q);
    q = NULL;
    if ((st = sqi_chain_seq_used(s, seq, err)) ||
        (st = sqi_db_prepare(s, "UPDATE practice SET rseq = ? WHERE seq = ?", &q, err)))
        goto out;
    sqlite3_bind_int64(q, 1, seq);
    sqlite3_bind_int64(q, 2, row);
    st = sqi_db_step_done(s, q, "numbering a practice record", err);
out:
    sqlite3_finalize(q);
    json_decref(j);
    if (plain) {
        sodium_memzero(plain, n_plain);
        free(plain);
    }
    free(sealed);
    return st;
}

sq_status sqi_practice_number(sq_store *s, sq_err *err)
{
    sqlite3_stmt *q;
    int64_t rows[64], after = 0;
    sq_status st = sqi_db_prepare(s,
                                  "SELECT seq FROM practice WHERE rseq IS NULL AND seq > ?"
                                  " ORDER BY seq LIMIT 64",
                                  &q, err);
    if (st)
        return st;
    /* Rows that do not open (damaged: the check of the records says so)
     * are passed over, so that they never stop an answer being recorded;
     * they stay unnumbered and count as not sent. */
    for (;;) {
        size_t n = 0;
        int rc;
        sqlite3_bind_int64(q, 1, after);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW)
            rows[n++] = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) {
            st = sqi_db_sqlerr(s, rc, "reading practice records", err);
            break;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < n && !st; i++) {
            sq_err e2;
            sq_status one = number_one(s, rows[i], &e2);
            if (one && one != SQ_ECORRUPT && one != SQ_EAUTH)
                st = sqi_seterr(err, one, "%s", e2.msg);
            after = rows[i];
        }
        if (st)
            break;
    }
    sqlite3_finalize(q);
    return st;
}

sq_status sqi_practice_number_open(sq_store *s, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, "SELECT 1 FROM practice WHERE rseq IS NULL LIMIT 1", &q, err);
    if (st)
        return st;
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE)
        return SQ_OK;
    if (rc != SQLITE_ROW)
        return sqi_db_sqlerr(s, rc, "reading practice records", err);
    if ((st = sqi_db_begin(s, err)))
        return st;
    st = sqi_practice_number(s, err);
    return sqi_db_end(s, st, err);
}
