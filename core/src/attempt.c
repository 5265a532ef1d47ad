/*
 * attempt.c - a trainee taking an exam: drawing and shuffling items,
 * recording answers durably, counting time on the monotonic clock, scoring,
 * and turning the finished attempt into a sealed result.
 *
 * Every call that changes the attempt is one write transaction that also
 * brings the elapsed time up to date, so that after a power cut the
 * attempt comes back exactly as the screen last showed it, with at most
 * the time since the last commit not counted.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "catalog_int.h"
#include "chain_int.h"
#include "codec_int.h"
#include "exam_int.h"
#include "keys_int.h"
#include "mastery_int.h"
#include "result_int.h"
#include "db_int.h"
#include "event_int.h"
#include "util_int.h"
#include "synaq/attempt.h"

/* A difference between wall and monotonic time above this is a clock jump. */
#define JUMP_MS 5000
#define NAME_MAX_LEN 255
#define TRAINEE_ID_MAX 64

typedef struct {
    int idx;          /* the item's index in the exam */
    json_t *body;     /* the item document (opened), owned */
    int n_opt;
    uint8_t order[SQ_MAX_OPTIONS]; /* shown option i is original option order[i] */
    uint32_t selected;             /* in shown numbering */
    bool answered, flagged;
    int64_t answered_ms;
} att_item;

struct sq_attempt {
    sq_store *s;
    uint8_t id[16];
    char id_hex[33];
    sqlite3_int64 exam_row;
    char exam_id[64];
    int64_t exam_version;
    json_t *meta; /* the exam without items and roster, owned */
    char trainee_id[TRAINEE_ID_MAX + 1];
    char trainee_name[NAME_MAX_LEN + 1];
    uint8_t seed[32];
    int n;
    att_item *items;
    int current;
    int closed;
    int n_events;
    int64_t time_limit_ms; /* 0: none */
    bool running;          /* the exam's clock: running (true) or paused */
    int64_t grace_ms;      /* running: a restart's down time counts up to this */
    int64_t started_wall;
    /* The elapsed time committed, and the clocks' readings when it was. */
    int64_t base_elapsed_ms, base_mono_ms, base_wall_s;
};

/* ---- small helpers ---- */

static const char *text_in(const json_t *map, int lang, int *got)
{
    /* Asked language first, then Russian, Kazakh, English: the languages a
     * trainee in Kazakhstan most likely also reads. */
    static const int order[] = {-1, SQ_LANG_RU, SQ_LANG_KK, SQ_LANG_EN};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int l = i == 0 ? lang : order[i];
        if (l < 0 || l >= SQ_NLANGS)
            continue;
        json_t *t = json_object_get(map, sqi_lang_codes[l]);
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

/* ---- drawing ---- */

/* A deterministic stream of random numbers from the attempt's seed. */
typedef struct {
    uint8_t *pool;
    size_t len, pos;
} det_rng;

static uint64_t rng_below(det_rng *r, uint64_t n)
{
    uint64_t v = 0;
    if (r->pos + 8 <= r->len) {
        memcpy(&v, r->pool + r->pos, 8);
        r->pos += 8;
    }
    return n ? v % n : 0;
}

static void shuffle_ints(det_rng *r, int *v, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint64_t)i + 1);
        int t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

static void attempt_free_items(sq_attempt *a)
{
    for (int i = 0; i < a->n; i++)
        json_decref(a->items[i].body);
    free(a->items);
    a->items = NULL;
    a->n = 0;
}

void sq_attempt_free(sq_attempt *a)
{
    if (!a)
        return;
    attempt_free_items(a);
    json_decref(a->meta);
    sodium_memzero(a, sizeof *a);
    free(a);
}

/* Loads and opens the body of item idx of the attempt's exam. */
static sq_status load_item(sq_attempt *a, sqlite3_stmt *q, int idx, json_t **out, sq_err *err)
{
    return sqi_catalog_item_body(a->s, q, a->exam_row, a->exam_id, a->exam_version, idx, out, err);
}

static sq_status load_bodies(sq_attempt *a, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(a->s, "SELECT body FROM items WHERE exam = ? AND idx = ?", &q,
                                 err);
    if (st)
        return st;
    for (int i = 0; i < a->n && !st; i++)
        st = load_item(a, q, a->items[i].idx, &a->items[i].body, err);
    sqlite3_finalize(q);
    return st;
}

static uint64_t rng_for_mix(void *ctx, uint64_t n)
{
    return rng_below(ctx, n);
}

/* A blueprint entry with points: of the topic's items (of_topic, already
 * shuffled), so many of each worth as a random mix that adds up to the
 * entry's points (exam.c), the first ones of each worth in the shuffled
 * order. The worth is inside the sealed item bodies, so they are opened. */
static sq_status draw_by_points(sq_attempt *a, det_rng *r, const json_t *entry,
                                const int *of_topic, int have, int *pick, int *n_pick,
                                sq_err *err)
{
    int n_of[SQI_ITEM_POINTS_MAX + 1] = {0}, take[SQI_ITEM_POINTS_MAX + 1];
    int *worth = malloc((size_t)have * sizeof *worth);
    sqlite3_stmt *q = NULL;
    sq_status st;

    if (!worth)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    if ((st = sqi_db_prepare(a->s, "SELECT body FROM items WHERE exam = ? AND idx = ?", &q, err)))
        goto out;
    for (int i = 0; i < have; i++) {
        json_t *body = NULL;
        if ((st = load_item(a, q, of_topic[i], &body, err)))
            goto out;
        json_int_t v = json_integer_value(json_object_get(body, "points"));
        json_decref(body);
        if (v < 1 || v > SQI_ITEM_POINTS_MAX) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: an item of exam '%s' is damaged",
                            a->exam_id);
            goto out;
        }
        worth[i] = (int)v;
        n_of[v]++;
    }
    st = sqi_blueprint_mix(n_of, (int)json_integer_value(json_object_get(entry, "count")),
                           (int)json_integer_value(json_object_get(entry, "points")),
                           rng_for_mix, r, take);
    if (st == SQ_ENOMEM) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    if (st) { /* the import checked it: the store is not what was imported */
        st = sqi_seterr(err, SQ_ECORRUPT, "exam '%s': the items of topic '%s' cannot make %d "
                                          "points", a->exam_id,
                        json_string_value(json_object_get(entry, "topic")),
                        (int)json_integer_value(json_object_get(entry, "points")));
        goto out;
    }
    for (int i = 0; i < have; i++)
        if (take[worth[i]] > 0) {
            take[worth[i]]--;
            pick[(*n_pick)++] = of_topic[i];
        }
out:
    sqlite3_finalize(q);
    free(worth);
    return st;
}

/* Draws the items by the blueprint and shuffles them and their options. */
static sq_status draw(sq_attempt *a, sq_err *err)
{
    sq_status st = SQ_OK;
    sqlite3_stmt *q = NULL;
    int *idx = NULL, *pick = NULL;
    char **topics = NULL;
    int n_all = 0, cap = 0, n_pick = 0;
    det_rng r = {0};

    if ((st = sqi_db_prepare(a->s, "SELECT idx, topic FROM items WHERE exam = ? ORDER BY idx", &q,
                            err)))
        return st;
    sqlite3_bind_int64(q, 1, a->exam_row);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n_all == cap) {
            cap = cap ? cap * 2 : 64;
            int *ni = realloc(idx, (size_t)cap * sizeof *ni);
            char **nt = ni ? realloc(topics, (size_t)cap * sizeof *nt) : NULL;
            if (ni)
                idx = ni;
            if (nt)
                topics = nt;
            if (!ni || !nt) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                goto out;
            }
        }
        idx[n_all] = sqlite3_column_int(q, 0);
        const char *t = (const char *)sqlite3_column_text(q, 1);
        topics[n_all] = t ? strdup(t) : NULL;
        n_all++;
    }
    if (rc != SQLITE_DONE) {
        st = sqi_db_sqlerr(a->s, rc, "reading items", err);
        goto out;
    }
    if (n_all == 0) {
        st = sqi_seterr(err, SQ_ESTATE, "exam '%s' has no items", a->exam_id);
        goto out;
    }
    /* Enough random bytes for every shuffle below, and a number per worth
     * for each draw by points. */
    r.len = 8 * ((size_t)n_all * 3 + 64 * SQ_MAX_OPTIONS + (size_t)n_all * SQ_MAX_OPTIONS);
    r.pool = malloc(r.len);
    pick = malloc((size_t)n_all * sizeof *pick);
    if (!r.pool || !pick) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    randombytes_buf_deterministic(r.pool, r.len, a->seed);

    json_t *bp = json_object_get(a->meta, "blueprint");
    if (json_array_size(bp) == 0) {
        for (int i = 0; i < n_all; i++)
            pick[n_pick++] = idx[i];
    } else {
        size_t bi;
        json_t *b;
        int *of_topic = malloc((size_t)n_all * sizeof *of_topic);
        if (!of_topic) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
        json_array_foreach(bp, bi, b)
        {
            const char *topic = json_string_value(json_object_get(b, "topic"));
            int want = (int)json_integer_value(json_object_get(b, "count")), have = 0;
            for (int i = 0; i < n_all; i++)
                if (topic && topics[i] && strcmp(topic, topics[i]) == 0)
                    of_topic[have++] = idx[i];
            if (want > have) {
                free(of_topic);
                st = sqi_seterr(err, SQ_ECORRUPT, "exam '%s': blueprint wants %d of topic '%s', "
                                                 "the store has %d", a->exam_id, want, topic, have);
                goto out;
            }
            shuffle_ints(&r, of_topic, have);
            if (json_object_get(b, "points")) {
                st = draw_by_points(a, &r, b, of_topic, have, pick, &n_pick, err);
                if (st) {
                    free(of_topic);
                    goto out;
                }
                continue;
            }
            /* Keep the drawn ones in exam order, for exams that are not shuffled. */
            for (int i = 0; i < want; i++)
                pick[n_pick++] = of_topic[i];
        }
        free(of_topic);
    }
    if (json_is_true(json_object_get(a->meta, "shuffle_items")))
        shuffle_ints(&r, pick, n_pick);
    else
        for (int i = 1; i < n_pick; i++) /* exam order */
            for (int j = i; j > 0 && pick[j - 1] > pick[j]; j--) {
                int t = pick[j];
                pick[j] = pick[j - 1];
                pick[j - 1] = t;
            }

    a->items = calloc((size_t)n_pick, sizeof *a->items);
    if (!a->items) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    a->n = n_pick;
    for (int i = 0; i < n_pick; i++)
        a->items[i].idx = pick[i];
    if ((st = load_bodies(a, err)))
        goto out;
    bool shuffle_opts = json_is_true(json_object_get(a->meta, "shuffle_options"));
    for (int i = 0; i < n_pick; i++) {
        att_item *it = &a->items[i];
        it->n_opt = (int)json_array_size(json_object_get(it->body, "options"));
        if (it->n_opt < 2 || it->n_opt > SQ_MAX_OPTIONS) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: an item of exam '%s' is damaged", a->exam_id);
            goto out;
        }
        int ord[SQ_MAX_OPTIONS];
        for (int k = 0; k < it->n_opt; k++)
            ord[k] = k;
        if (shuffle_opts && !json_is_true(json_object_get(it->body, "fixed_order")))
            shuffle_ints(&r, ord, it->n_opt);
        for (int k = 0; k < it->n_opt; k++)
            it->order[k] = (uint8_t)ord[k];
    }
out:
    for (int i = 0; i < n_all; i++)
        free(topics[i]);
    free(topics);
    free(idx);
    free(pick);
    free(r.pool);
    sqlite3_finalize(q);
    return st;
}

static void layout_encode(const sq_attempt *a, sq_buf *b)
{
    sqi_buf_u8(b, 1);
    sqi_buf_put(b, a->seed, 32);
    sqi_buf_varint(b, (uint64_t)a->n);
    for (int i = 0; i < a->n; i++) {
        sqi_buf_varint(b, (uint64_t)a->items[i].idx);
        sqi_buf_u8(b, (uint8_t)a->items[i].n_opt);
        sqi_buf_put(b, a->items[i].order, (size_t)a->items[i].n_opt);
    }
}

static sq_status layout_decode(sq_attempt *a, const uint8_t *p, size_t len, sq_err *err)
{
    sq_rd r;
    sqi_rd_init(&r, p, len);
    if (sqi_rd_u8(&r) != 1)
        return sqi_seterr(err, SQ_ECORRUPT, "store: attempt %s has an unknown layout", a->id_hex);
    const uint8_t *seed = sqi_rd_take(&r, 32);
    uint64_t n = sqi_rd_varint(&r);
    if (r.failed || n == 0 || n > 100000)
        return sqi_seterr(err, SQ_ECORRUPT, "store: attempt %s is damaged", a->id_hex);
    memcpy(a->seed, seed, 32);
    a->items = calloc((size_t)n, sizeof *a->items);
    if (!a->items)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    a->n = (int)n;
    for (int i = 0; i < a->n; i++) {
        att_item *it = &a->items[i];
        it->idx = (int)sqi_rd_varint(&r);
        it->n_opt = sqi_rd_u8(&r);
        const uint8_t *o = it->n_opt <= SQ_MAX_OPTIONS ? sqi_rd_take(&r, (size_t)it->n_opt) : NULL;
        if (r.failed || !o)
            return sqi_seterr(err, SQ_ECORRUPT, "store: attempt %s is damaged", a->id_hex);
        memcpy(it->order, o, (size_t)it->n_opt);
    }
    return SQ_OK;
}

/* ---- time ---- */

static int64_t elapsed_now(const sq_attempt *a, int64_t mono)
{
    int64_t d = mono - a->base_mono_ms;
    int64_t e = a->base_elapsed_ms + (d > 0 ? d : 0);
    if (a->time_limit_ms > 0 && e > a->time_limit_ms)
        e = a->time_limit_ms;
    return e;
}

int64_t sq_attempt_elapsed_ms(sq_attempt *a)
{
    return a->closed ? a->base_elapsed_ms : elapsed_now(a, sqi_db_mono_ms(a->s));
}

int64_t sq_attempt_time_left_ms(sq_attempt *a)
{
    if (a->time_limit_ms == 0)
        return INT64_MAX;
    int64_t left = a->time_limit_ms - sq_attempt_elapsed_ms(a);
    return left > 0 ? left : 0;
}

bool sq_attempt_clock_running(const sq_attempt *a)
{
    return a->running;
}

static sq_status add_event(sq_attempt *a, int kind, int64_t wall_before, int64_t wall_after,
                           int64_t mono_delta, int64_t counted, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(a->s,
                                 "INSERT INTO clock_events(attempt, n, kind, wall_before,"
                                 " wall_after, mono_delta_ms, counted_ms)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 &q, err);
    if (st)
        return st;
    sqlite3_bind_blob(q, 1, a->id, 16, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, a->n_events);
    sqlite3_bind_int(q, 3, kind);
    sqlite3_bind_int64(q, 4, wall_before);
    sqlite3_bind_int64(q, 5, wall_after);
    sqlite3_bind_int64(q, 6, mono_delta);
    sqlite3_bind_int64(q, 7, counted);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sqi_db_sqlerr(a->s, rc, "recording a clock event", err);
    a->n_events++;
    return SQ_OK;
}

typedef struct {
    int64_t mono, wall, elapsed;
} time_point;

/* Inside a write transaction: brings the attempt's time and position up
 * to date in the store. The in-memory base moves only after the commit
 * (time_applied), so a failed write leaves it as the store has it. */
static sq_status time_write(sq_attempt *a, time_point *tp, sq_err *err)
{
    tp->mono = sqi_db_mono_ms(a->s);
    tp->wall = sqi_db_wall_s(a->s);
    tp->elapsed = elapsed_now(a, tp->mono);
    int64_t mono_d = tp->mono - a->base_mono_ms, wall_d = (tp->wall - a->base_wall_s) * 1000;
    sq_status st;
    if (wall_d - mono_d > JUMP_MS || mono_d - wall_d > JUMP_MS)
        if ((st = add_event(a, SQ_CLOCK_EV_JUMP, a->base_wall_s, tp->wall, mono_d, 0, err)))
            return st;
    sqlite3_stmt *q;
    if ((st = sqi_db_prepare(a->s,
                            "UPDATE attempts SET elapsed_ms = ?1, last_wall = ?2, current = ?3,"
                            " last_mono = ?5, last_run = ?6 WHERE id = ?4 AND state = 0",
                            &q, err)))
        return st;
    sqlite3_bind_int64(q, 1, tp->elapsed);
    sqlite3_bind_int64(q, 2, tp->wall);
    sqlite3_bind_int(q, 3, a->current);
    sqlite3_bind_blob(q, 4, a->id, 16, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, tp->mono);
    sqlite3_bind_blob(q, 6, a->s->run, sizeof a->s->run, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sqi_db_sqlerr(a->s, rc, "saving the attempt", err);
    if (sqlite3_changes(a->s->db) != 1)
        return sqi_seterr(err, SQ_ESTATE, "attempt %s is no longer open", a->id_hex);
    return SQ_OK;
}

static void time_applied(sq_attempt *a, const time_point *tp)
{
    a->base_elapsed_ms = tp->elapsed;
    a->base_mono_ms = tp->mono;
    a->base_wall_s = tp->wall;
}

sq_status sq_attempt_tick(sq_attempt *a, sq_err *err)
{
    if (a->closed)
        return sqi_seterr(err, SQ_ESTATE, "attempt %s is finished", a->id_hex);
    time_point tp;
    int events = a->n_events;
    sq_status st = sqi_db_begin(a->s, err);
    if (st)
        return st;
    st = sqi_db_end(a->s, time_write(a, &tp, err), err);
    if (st)
        a->n_events = events;
    else
        time_applied(a, &tp);
    return st;
}

/* ---- start and resume ---- */

static sq_status new_attempt(sq_store *s, const char *exam_id, const char *trainee_id,
                             sq_attempt **out, sq_err *err)
{
    sq_attempt *a = calloc(1, sizeof *a);
    if (!a)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    a->s = s;
    snprintf(a->exam_id, sizeof a->exam_id, "%s", exam_id);
    snprintf(a->trainee_id, sizeof a->trainee_id, "%s", trainee_id);
    *out = a;
    return SQ_OK;
}

static void apply_meta(sq_attempt *a)
{
    a->time_limit_ms = json_integer_value(json_object_get(a->meta, "time_limit_s")) * 1000;
    /* Without "clock" (a bundle of older software): running, the default. */
    const char *clock = json_string_value(json_object_get(a->meta, "clock"));
    a->running = !clock || strcmp(clock, "paused") != 0;
    json_t *grace = json_object_get(a->meta, "power_grace_s");
    a->grace_ms = (json_is_integer(grace) ? json_integer_value(grace) : SQI_POWER_GRACE_DEFAULT_S) *
                  1000;
}

sq_status sq_attempt_start(sq_store *s, const char *exam_id, const char *trainee_id,
                           const char *trainee_name, sq_attempt **out, sq_err *err)
{
    sq_attempt *a = NULL;
    uint8_t *layout_sealed = NULL, *person_sealed = NULL;
    char *person = NULL;
    sq_buf lay;
    sqi_buf_init(&lay, 0);
    int n_roster, used = 0, open = 0;
    if (!exam_id || !*exam_id)
        return sqi_seterr(err, SQ_EINVAL, "no exam given");
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to %d printable characters",
                         TRAINEE_ID_MAX);
    if (trainee_name && strlen(trainee_name) > NAME_MAX_LEN)
        return sqi_seterr(err, SQ_EINVAL, "a trainee name is at most %d bytes", NAME_MAX_LEN);
    sq_status st = new_attempt(s, exam_id, trainee_id, &a, err);
    if (st)
        return st;
    if ((st = sqi_db_begin(s, err)))
        goto out;
    if ((st = sqi_catalog_find_exam(s, exam_id, &a->exam_row, &a->exam_version, &n_roster, err)) ||
        (st = sqi_catalog_exam_meta(s, a->exam_row, exam_id, a->exam_version, &a->meta, err)))
        goto out;
    apply_meta(a);
    if (n_roster > 0 && (st = sqi_catalog_roster_find(s, a->exam_row, exam_id, a->exam_version, trainee_id,
                                          a->trainee_name, sizeof a->trainee_name, err)))
        goto out;
    if (!a->trainee_name[0] && trainee_name)
        snprintf(a->trainee_name, sizeof a->trainee_name, "%s", trainee_name);
    uint8_t h[32];
    sqi_db_trainee_hash(s, trainee_id, h);
    /* requires_practice: every topic mastered first (mastery.c). */
    if ((st = sqi_mastery_required(s, a->exam_row, exam_id, a->exam_version, a->meta, h, err)))
        goto out;
    /* An exam in training events: one of the trainee's open today (event.c). */
    if ((st = sqi_event_allows(s, a->exam_row, exam_id, a->exam_version, h, err)))
        goto out;
    if ((st = sqi_catalog_attempts_used(s, h, exam_id, &used, &open, err)))
        goto out;
    if (open > 0) {
        st = sqi_seterr(err, SQ_ESTATE,
                       "trainee '%s' has an attempt at exam '%s' in progress: resume it",
                       trainee_id, exam_id);
        goto out;
    }
    int allowed = (int)json_integer_value(json_object_get(a->meta, "attempts"));
    if (allowed > 0 && used >= allowed) {
        st = sqi_seterr(err, SQ_ESTATE, "trainee '%s' has used all %d attempts at exam '%s'",
                       trainee_id, allowed, exam_id);
        goto out;
    }
    randombytes_buf(a->id, sizeof a->id);
    sqi_hex_encode(a->id, sizeof a->id, a->id_hex);
    randombytes_buf(a->seed, sizeof a->seed);
    if ((st = draw(a, err)))
        goto out;

    size_t n_lay, n_person;
    layout_encode(a, &lay);
    json_t *pj = json_pack("{s:s, s:s}", "id", trainee_id, "name", a->trainee_name);
    person = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
    json_decref(pj);
    if (lay.failed || !person) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = sqi_db_seal(s, "attempts", "layout", a->id_hex, lay.p, lay.len, &layout_sealed,
                         &n_lay, err)) ||
        (st = sqi_db_seal(s, "attempts", "person", a->id_hex, person, strlen(person),
                         &person_sealed, &n_person, err)))
        goto out;
    a->base_mono_ms = sqi_db_mono_ms(s);
    a->base_wall_s = a->started_wall = sqi_db_wall_s(s);
    sqlite3_stmt *q;
    if ((st = sqi_db_prepare(s,
                            "INSERT INTO attempts(id, exam, trainee, person, state, layout,"
                            " current, elapsed_ms, started_wall, last_wall, last_mono, last_run)"
                            " VALUES (?, ?, ?, ?, 0, ?, 0, 0, ?, ?, ?, ?)",
                            &q, err)))
        goto out;
    sqlite3_bind_blob(q, 1, a->id, 16, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, a->exam_row);
    sqlite3_bind_blob(q, 3, h, 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(q, 4, person_sealed, (int)n_person, SQLITE_STATIC);
    sqlite3_bind_blob(q, 5, layout_sealed, (int)n_lay, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, a->started_wall);
    sqlite3_bind_int64(q, 7, a->started_wall);
    sqlite3_bind_int64(q, 8, a->base_mono_ms);
    sqlite3_bind_blob(q, 9, s->run, sizeof s->run, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        st = sqi_db_sqlerr(s, rc, "starting the attempt", err);
out:
    st = sqi_db_end(s, st, err);
    if (person) {
        sodium_memzero(person, strlen(person));
        free(person);
    }
    free(layout_sealed);
    free(person_sealed);
    sqi_buf_free(&lay);
    if (st) {
        sq_attempt_free(a);
        return st;
    }
    *out = a;
    return SQ_OK;
}

/* What the store says of an attempt's last commit. */
typedef struct {
    int64_t wall, mono;
    bool has_mono; /* committed by software that kept the monotonic reading */
    bool same_run; /* committed through this very store handle */
} last_commit;

/*
 * Inside the resume's transaction, with a->base_mono_ms and base_wall_s
 * read now: what the time since the attempt's last commit adds to it,
 * recorded as clock events.
 *
 * Paused: nothing; one OFF event (wall clock times only).
 *
 * Running: the clock we trust is the monotonic one, as everywhere on the
 * station (the wall clock is recorded, never trusted: tech.c's PIN wait is
 * the same rule). Within one run of a program (the same store handle) it
 * never restarts, so time away from a kiosk that stayed up is measured on
 * it exactly and counted in full (AWAY). An attempt last committed by
 * another run was left by a program that stopped: the time from that
 * commit until this run opened the store is down time, counted up to the
 * exam's power grace; measured on the monotonic clock when it went
 * forward (the same boot: DOWN), on the wall clock, never below 0, when it
 * went back (a reboot or power cut restarts it: REBOOT). The wall clock
 * can then be wrong (a station without a good battery-backed clock), and
 * that is why the grace bounds it: a wrong wall clock changes the counted
 * time by at most the grace, and a down time longer than the grace is
 * never counted, so a power cut cannot eat the exam. A reboot whose new
 * monotonic reading at the store's opening already passed the old one
 * would be taken for the same boot; the kiosk opens its store seconds
 * after boot, so that needs a boot that had run only seconds at the last
 * commit (and the wall clock decides while the two readings overlap). The
 * time since this run opened the store is time the kiosk was up: counted
 * in full (AWAY).
 */
static sq_status resume_gap(sq_attempt *a, const last_commit *last, sq_err *err)
{
    sq_store *s = a->s;
    int64_t now = a->base_mono_ms, wall = a->base_wall_s, counted = 0;
    sq_status st;
    if (!a->running)
        return add_event(a, SQ_CLOCK_EV_OFF, last->wall, wall, 0, 0, err);
    if (last->same_run && last->has_mono) {
        int64_t away = now > last->mono ? now - last->mono : 0;
        counted = away;
        st = add_event(a, SQ_CLOCK_EV_AWAY, last->wall, wall, away, away, err);
    } else {
        /* Before this run's start on the monotonic clock: the same boot.
         * Between the start and now: another program wrote it while this
         * run was up (the same boot; the wall clock agrees that it came
         * after the start), or a reboot whose clock already passed the
         * old reading (the wall clock says it came before). After now:
         * the clock started again, a reboot. */
        bool same_boot = last->has_mono &&
                         (last->mono <= s->opened_mono_ms ||
                          (last->mono <= now && last->wall >= s->opened_wall_s));
        int64_t down, up_from;
        if (same_boot) {
            down = s->opened_mono_ms > last->mono ? s->opened_mono_ms - last->mono : 0;
            up_from = s->opened_mono_ms > last->mono ? s->opened_mono_ms : last->mono;
        } else {
            down = s->opened_wall_s > last->wall ? (s->opened_wall_s - last->wall) * 1000 : 0;
            up_from = s->opened_mono_ms;
        }
        int64_t down_counted = down < a->grace_ms ? down : a->grace_ms;
        int64_t up = now > up_from ? now - up_from : 0;
        counted = down_counted + up;
        st = add_event(a, same_boot ? SQ_CLOCK_EV_DOWN : SQ_CLOCK_EV_REBOOT, last->wall,
                       s->opened_wall_s, down, down_counted, err);
        if (!st && up > 0)
            st = add_event(a, SQ_CLOCK_EV_AWAY, s->opened_wall_s, wall, up, up, err);
    }
    if (st)
        return st;
    a->base_elapsed_ms += counted;
    if (a->time_limit_ms > 0 && a->base_elapsed_ms > a->time_limit_ms)
        a->base_elapsed_ms = a->time_limit_ms;
    return SQ_OK;
}

static sq_status load_answers(sq_attempt *a, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(a->s,
                                 "SELECT pos, value, flagged FROM answers WHERE attempt = ?",
                                 &q, err);
    if (st)
        return st;
    sqlite3_bind_blob(q, 1, a->id, 16, SQLITE_STATIC);
    int rc;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int pos = sqlite3_column_int(q, 0);
        if (pos < 0 || pos >= a->n) {
            st = sqi_seterr(err, SQ_ECORRUPT, "store: attempt %s is damaged", a->id_hex);
            break;
        }
        att_item *it = &a->items[pos];
        it->flagged = sqlite3_column_int(q, 2) != 0;
        if (sqlite3_column_type(q, 1) == SQLITE_NULL)
            continue;
        char rowkey[STORE_ROWKEY];
        uint8_t *plain = NULL;
        size_t n;
        sqi_rowkey_answer(rowkey, a->id_hex, pos);
        if ((st = sqi_db_open_field(a->s, "answers", "value", rowkey, sqlite3_column_blob(q, 1),
                                   (size_t)sqlite3_column_bytes(q, 1), &plain, &n, err)))
            break;
        sq_rd r;
        sqi_rd_init(&r, plain, n);
        it->selected = (uint32_t)sqi_rd_varint(&r);
        it->answered_ms = sqi_rd_svarint(&r);
        it->answered = true;
        free(plain);
        if (r.failed || it->selected >> it->n_opt)
            st = sqi_seterr(err, SQ_ECORRUPT, "store: attempt %s is damaged", a->id_hex);
    }
    if (!st && rc != SQLITE_DONE)
        st = sqi_db_sqlerr(a->s, rc, "reading answers", err);
    sqlite3_finalize(q);
    if (st)
        return st;
    if ((st = sqi_db_prepare(a->s, "SELECT count(*) FROM clock_events WHERE attempt = ?", &q, err)))
        return st;
    sqlite3_bind_blob(q, 1, a->id, 16, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        a->n_events = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return SQ_OK;
}

sq_status sq_attempt_resume(sq_store *s, const char *exam_id, const char *trainee_id,
                            sq_attempt **out, sq_err *err)
{
    sq_attempt *a = NULL;
    sqlite3_stmt *q = NULL;
    uint8_t *plain = NULL;
    size_t n = 0;
    last_commit last = {0};
    if (!sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "a trainee id is 1 to %d printable characters",
                         TRAINEE_ID_MAX);
    sq_status st = new_attempt(s, exam_id ? exam_id : "", trainee_id, &a, err);
    if (st)
        return st;
    uint8_t h[32];
    sqi_db_trainee_hash(s, trainee_id, h);
    if ((st = sqi_db_prepare(s,
                            "SELECT a.id, a.exam, e.exam_id, e.version, a.person, a.layout,"
                            " a.current, a.elapsed_ms, a.started_wall, a.last_wall,"
                            " a.last_mono, a.last_run"
                            " FROM attempts a JOIN exams e ON e.id = a.exam"
                            " WHERE a.trainee = ?1 AND a.state = 0"
                            " AND (?2 IS NULL OR e.exam_id = ?2)"
                            " ORDER BY a.started_wall DESC LIMIT 1",
                            &q, err)))
        goto out;
    sqlite3_bind_blob(q, 1, h, 32, SQLITE_TRANSIENT);
    if (exam_id)
        sqlite3_bind_text(q, 2, exam_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        st = sqi_seterr(err, SQ_ENOTFOUND, "trainee '%s' has no attempt in progress%s%s",
                       trainee_id, exam_id ? " at exam " : "", exam_id ? exam_id : "");
        goto out;
    } else if (rc != SQLITE_ROW) {
        st = sqi_db_sqlerr(s, rc, "looking up an attempt", err);
        goto out;
    }
    if (sqlite3_column_bytes(q, 0) != 16) {
        st = sqi_seterr(err, SQ_ECORRUPT, "store: an attempt is damaged");
        goto out;
    }
    memcpy(a->id, sqlite3_column_blob(q, 0), 16);
    sqi_hex_encode(a->id, 16, a->id_hex);
    a->exam_row = sqlite3_column_int64(q, 1);
    snprintf(a->exam_id, sizeof a->exam_id, "%s", (const char *)sqlite3_column_text(q, 2));
    a->exam_version = sqlite3_column_int64(q, 3);
    if ((st = sqi_db_open_field(s, "attempts", "person", a->id_hex, sqlite3_column_blob(q, 4),
                               (size_t)sqlite3_column_bytes(q, 4), &plain, &n, err)))
        goto out;
    json_t *pj = json_loadb((const char *)plain, n, 0, NULL);
    snprintf(a->trainee_name, sizeof a->trainee_name, "%s",
             pj ? json_string_value(json_object_get(pj, "name")) ?: "" : "");
    json_decref(pj);
    free(plain);
    plain = NULL;
    if ((st = sqi_db_open_field(s, "attempts", "layout", a->id_hex, sqlite3_column_blob(q, 5),
                               (size_t)sqlite3_column_bytes(q, 5), &plain, &n, err)) ||
        (st = layout_decode(a, plain, n, err)))
        goto out;
    a->current = sqlite3_column_int(q, 6);
    a->base_elapsed_ms = sqlite3_column_int64(q, 7);
    a->started_wall = sqlite3_column_int64(q, 8);
    last.wall = sqlite3_column_int64(q, 9);
    last.has_mono = sqlite3_column_type(q, 10) == SQLITE_INTEGER;
    last.mono = sqlite3_column_int64(q, 10);
    last.same_run = sqlite3_column_bytes(q, 11) == (int)sizeof s->run &&
                    memcmp(sqlite3_column_blob(q, 11), s->run, sizeof s->run) == 0;
    if (a->current < 0 || a->current >= a->n)
        a->current = 0;
    sqlite3_finalize(q);
    q = NULL;
    if ((st = sqi_catalog_exam_meta(s, a->exam_row, a->exam_id, a->exam_version, &a->meta, err)))
        goto out;
    apply_meta(a);
    if ((st = load_bodies(a, err)) || (st = load_answers(a, err)))
        goto out;
    /* The time since the last commit, by the exam's clock rule, with the
     * events that say what it was; committed before the attempt is shown. */
    time_point tp;
    a->base_mono_ms = sqi_db_mono_ms(s);
    a->base_wall_s = sqi_db_wall_s(s);
    int64_t committed = a->base_elapsed_ms;
    int events = a->n_events;
    if ((st = sqi_db_begin(s, err)))
        goto out;
    st = resume_gap(a, &last, err);
    if (!st)
        st = time_write(a, &tp, err);
    st = sqi_db_end(s, st, err);
    if (st == SQ_EFULL) {
        /* A full disk does not keep the trainee out: the gap counts in
         * memory and reaches the store with the next write that fits;
         * its events are lost (the elapsed time is not). */
        a->n_events = events;
        st = SQ_OK;
    } else if (st) {
        a->base_elapsed_ms = committed;
        goto out;
    } else {
        time_applied(a, &tp);
    }
out:
    sqlite3_finalize(q);
    free(plain);
    if (st) {
        sq_attempt_free(a);
        return st;
    }
    *out = a;
    return SQ_OK;
}

/* ---- reading ---- */

int sq_attempt_count(const sq_attempt *a)
{
    return a->n;
}

int sq_attempt_current(const sq_attempt *a)
{
    return a->current;
}

const char *sq_attempt_exam_id(const sq_attempt *a)
{
    return a->exam_id;
}

const char *sq_attempt_id(const sq_attempt *a)
{
    return a->id_hex;
}

unsigned sq_attempt_langs(const sq_attempt *a)
{
    unsigned langs = 0;
    json_t *title = json_object_get(a->meta, "title");
    for (int l = 0; l < SQ_NLANGS; l++)
        if (json_object_get(title, sqi_lang_codes[l]))
            langs |= 1u << l;
    return langs;
}

void sq_attempt_progress(const sq_attempt *a, int *answered, int *flagged)
{
    int an = 0, fl = 0;
    for (int i = 0; i < a->n; i++) {
        an += a->items[i].answered && a->items[i].selected != 0;
        fl += a->items[i].flagged;
    }
    if (answered)
        *answered = an;
    if (flagged)
        *flagged = fl;
}

static sq_status check_pos(const sq_attempt *a, int pos, sq_err *err)
{
    if (a->closed)
        return sqi_seterr(err, SQ_ESTATE, "attempt %s is finished", a->id_hex);
    if (pos < 0 || pos >= a->n)
        return sqi_seterr(err, SQ_EINVAL, "no item %d: the attempt has items 1 to %d", pos + 1,
                         a->n);
    return SQ_OK;
}

sq_status sq_attempt_item(sq_attempt *a, int pos, int lang, sq_item_view *v, sq_err *err)
{
    if (pos < 0 || pos >= a->n)
        return sqi_seterr(err, SQ_EINVAL, "no item %d: the attempt has items 1 to %d", pos + 1,
                         a->n);
    att_item *it = &a->items[pos];
    memset(v, 0, sizeof *v);
    v->pos = pos;
    v->item_id = json_string_value(json_object_get(it->body, "id"));
    const char *type = json_string_value(json_object_get(it->body, "type"));
    v->type = type && strcmp(type, "multiple") == 0   ? SQ_ITEM_MULTIPLE
              : type && strcmp(type, "truefalse") == 0 ? SQ_ITEM_TRUEFALSE
                                                       : SQ_ITEM_SINGLE;
    v->text = text_in(json_object_get(it->body, "text"), lang, &v->text_lang);
    json_t *opts = json_object_get(it->body, "options");
    v->n_options = it->n_opt;
    for (int k = 0; k < it->n_opt; k++)
        v->options[k] =
            text_in(json_object_get(json_array_get(opts, it->order[k]), "text"), v->text_lang,
                    NULL);
    v->selected = it->selected;
    v->answered = it->answered && it->selected != 0;
    v->flagged = it->flagged;
    v->has_image = json_is_true(json_object_get(it->body, "has_image"));
    return SQ_OK;
}

sq_status sq_attempt_image(sq_attempt *a, int pos, uint8_t **data, size_t *len, char *mime,
                           size_t mime_len, sq_err *err)
{
    if (pos < 0 || pos >= a->n)
        return sqi_seterr(err, SQ_EINVAL, "no item %d", pos + 1);
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(a->s, "SELECT mime, data FROM images WHERE exam = ? AND idx = ?",
                                 &q, err);
    if (st)
        return st;
    sqlite3_bind_int64(q, 1, a->exam_row);
    sqlite3_bind_int(q, 2, a->items[pos].idx);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        char rowkey[STORE_ROWKEY];
        sqi_rowkey_item(rowkey, a->exam_id, a->exam_version,
                 a->items[pos].idx);
        if (mime && mime_len)
            snprintf(mime, mime_len, "%s", (const char *)sqlite3_column_text(q, 0));
        st = sqi_db_open_field(a->s, "images", "data", rowkey, sqlite3_column_blob(q, 1),
                              (size_t)sqlite3_column_bytes(q, 1), data, len, err);
    } else if (rc == SQLITE_DONE) {
        st = sqi_seterr(err, SQ_ENOTFOUND, "item %d has no image", pos + 1);
    } else {
        st = sqi_db_sqlerr(a->s, rc, "reading an image", err);
    }
    sqlite3_finalize(q);
    return st;
}

/* ---- changing ---- */

typedef enum { CH_ANSWER, CH_FLAG, CH_GOTO } change_kind;

static sq_status change(sq_attempt *a, change_kind kind, int pos, uint32_t value, sq_err *err)
{
    sq_status st = check_pos(a, pos, err);
    if (st)
        return st;
    att_item *it = &a->items[pos];
    if (kind == CH_ANSWER) {
        if (value >> it->n_opt)
            return sqi_seterr(err, SQ_EINVAL, "item %d has %d options", pos + 1, it->n_opt);
        const char *type = json_string_value(json_object_get(it->body, "type"));
        if (type && strcmp(type, "multiple") != 0 && (value & (value - 1)))
            return sqi_seterr(err, SQ_EINVAL, "item %d takes one answer", pos + 1);
        if (sq_attempt_time_left_ms(a) == 0) {
            /* The store learns that the time ran out, so that no restart
             * or resume can give it back (the last commit may be from
             * well before the limit). */
            sq_status tst = sq_attempt_tick(a, err);
            return tst ? tst : sqi_seterr(err, SQ_ESTATE, "the time is up: the answer was not recorded");
        }
    }
    time_point tp;
    int old_current = a->current, events = a->n_events;
    uint8_t *sealed = NULL;
    sqlite3_stmt *q = NULL;
    if (kind == CH_GOTO)
        a->current = pos;
    /* Moving between items needs no fsync: lost in a power cut, it only
     * reopens an earlier item, with the attempt's time as of the last
     * durable commit (the exam's clock rule counts the gap from there).
     * Answers and flags are the trainee's work: durable before the screen
     * shows them. */
    if ((st = kind == CH_GOTO ? sqi_db_begin_light(a->s, err) : sqi_db_begin(a->s, err)))
        goto fail;
    if ((st = time_write(a, &tp, err)))
        goto end;
    if (kind == CH_ANSWER) {
        char rowkey[STORE_ROWKEY];
        size_t n;
        sq_buf b;
        sqi_buf_init(&b, 64);
        sqi_buf_varint(&b, value);
        sqi_buf_svarint(&b, tp.elapsed);
        sqi_rowkey_answer(rowkey, a->id_hex, pos);
        st = sqi_db_seal(a->s, "answers", "value", rowkey, b.p, b.len, &sealed, &n, err);
        sqi_buf_free(&b);
        if (st)
            goto end;
        if ((st = sqi_db_prepare(a->s,
                                "INSERT INTO answers(attempt, pos, value) VALUES (?, ?, ?)"
                                " ON CONFLICT(attempt, pos) DO UPDATE SET value = excluded.value",
                                &q, err)))
            goto end;
        sqlite3_bind_blob(q, 3, sealed, (int)n, SQLITE_STATIC);
    } else if (kind == CH_FLAG) {
        if ((st = sqi_db_prepare(a->s,
                                "INSERT INTO answers(attempt, pos, flagged) VALUES (?, ?, ?)"
                                " ON CONFLICT(attempt, pos) DO UPDATE SET flagged = excluded.flagged",
                                &q, err)))
            goto end;
        sqlite3_bind_int(q, 3, value ? 1 : 0);
    }
    if (q) {
        sqlite3_bind_blob(q, 1, a->id, 16, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, pos);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_DONE)
            st = sqi_db_sqlerr(a->s, rc, "saving the answer", err);
    }
end:
    sqlite3_finalize(q);
    free(sealed);
    st = sqi_db_end(a->s, st, err);
    if (st)
        goto fail;
    time_applied(a, &tp);
    if (kind == CH_ANSWER) {
        it->selected = value;
        it->answered = true;
        it->answered_ms = tp.elapsed;
    } else if (kind == CH_FLAG) {
        it->flagged = value != 0;
    }
    return SQ_OK;
fail:
    a->current = old_current;
    a->n_events = events;
    return st;
}

sq_status sq_attempt_answer(sq_attempt *a, int pos, uint32_t selected, sq_err *err)
{
    return change(a, CH_ANSWER, pos, selected, err);
}

sq_status sq_attempt_flag(sq_attempt *a, int pos, bool flagged, sq_err *err)
{
    return change(a, CH_FLAG, pos, flagged, err);
}

sq_status sq_attempt_goto(sq_attempt *a, int pos, sq_err *err)
{
    return change(a, CH_GOTO, pos, 0, err);
}

/* ---- finishing ---- */

static int popcount32(uint32_t v)
{
    return __builtin_popcount(v);
}

/* Scores one item: fills the result item (selection in original option
 * numbering) and returns the points earned, in thousandths. */
static void score_item(const att_item *it, sq_result_item *ri)
{
    json_t *opts = json_object_get(it->body, "options");
    uint32_t correct = 0, sel = 0;
    for (int k = 0; k < it->n_opt; k++) {
        if (json_is_true(json_object_get(json_array_get(opts, (size_t)k), "correct")))
            correct |= 1u << k;
        if (it->selected & (1u << k))
            sel |= 1u << it->order[k];
    }
    int64_t points = json_integer_value(json_object_get(it->body, "points"));
    if (points <= 0)
        points = 1;
    ri->max_milli = points * 1000;
    ri->selected = sel;
    ri->n_options = (uint8_t)it->n_opt;
    memcpy(ri->order, it->order, (size_t)it->n_opt);
    ri->answered = it->answered && sel != 0;
    ri->flagged = it->flagged;
    ri->answered_ms = it->answered_ms;
    const char *scoring = json_string_value(json_object_get(it->body, "scoring"));
    if (scoring && strcmp(scoring, "partial") == 0 && correct) {
        int right = popcount32(sel & correct), wrong = popcount32(sel & ~correct);
        int net = right - wrong;
        ri->points_milli = net > 0 ? ri->max_milli * net / popcount32(correct) : 0;
    } else {
        ri->points_milli = sel == correct ? ri->max_milli : 0;
    }
}

sq_status sq_attempt_finish(sq_attempt *a, sq_outcome *outcome, sq_err *err)
{
    if (a->closed)
        return sqi_seterr(err, SQ_ESTATE, "attempt %s is finished", a->id_hex);
    sq_status st;
    sq_result r;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    sqlite3_stmt *q = NULL;
    time_point tp;
    int events = a->n_events;
    memset(&r, 0, sizeof r);
    r.items = calloc((size_t)a->n, sizeof *r.items);
    if (!r.items)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    if ((st = sqi_db_begin(a->s, err)))
        goto out;
    if ((st = time_write(a, &tp, err)))
        goto out;
    /* Results are numbered 1, 2, 3... with no gap: the number comes from
     * the chain head, checked, so a deleted result is a missing number. */
    int64_t seq = 0;
    if ((st = sqi_chain_next_seq(a->s, &seq, err)))
        goto out;

    r.format = 2;
    r.clock = a->running ? SQ_CLOCK_RUNNING : SQ_CLOCK_PAUSED;
    r.power_grace_s = a->running ? a->grace_ms / 1000 : 0;
    r.station_id = a->s->station_id;
    r.seq = seq;
    memcpy(r.attempt_id, a->id_hex, sizeof r.attempt_id);
    r.trainee_id = a->trainee_id;
    r.trainee_name = a->trainee_name;
    r.exam_id = a->exam_id;
    r.exam_version = a->exam_version;
    r.started_wall_s = a->started_wall;
    r.finished_wall_s = tp.wall;
    r.elapsed_ms = tp.elapsed;
    r.time_limit_s = a->time_limit_ms / 1000;
    r.timed_out = a->time_limit_ms > 0 && tp.elapsed >= a->time_limit_ms;
    r.n_items = a->n;
    for (int i = 0; i < a->n; i++) {
        r.items[i].item_id = (char *)json_string_value(json_object_get(a->items[i].body, "id"));
        score_item(&a->items[i], &r.items[i]);
        r.points_milli += r.items[i].points_milli;
        r.max_milli += r.items[i].max_milli;
    }
    r.percent = r.max_milli ? (int)(r.points_milli * 100 / r.max_milli) : 0;
    r.passed = r.percent >= json_integer_value(json_object_get(a->meta, "pass_percent"));

    /* The clock events recorded for this attempt go into the result. */
    if ((st = sqi_db_prepare(a->s,
                            "SELECT kind, wall_before, wall_after, mono_delta_ms, counted_ms"
                            " FROM clock_events WHERE attempt = ? ORDER BY n",
                            &q, err)))
        goto out;
    sqlite3_bind_blob(q, 1, a->id, 16, SQLITE_STATIC);
    r.events = calloc((size_t)a->n_events + 1, sizeof *r.events);
    if (!r.events) {
        st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
        goto out;
    }
    while (sqlite3_step(q) == SQLITE_ROW && r.n_events < a->n_events) {
        sq_clock_event *e = &r.events[r.n_events++];
        e->kind = sqlite3_column_int(q, 0);
        e->wall_before_s = sqlite3_column_int64(q, 1);
        e->wall_after_s = sqlite3_column_int64(q, 2);
        e->mono_delta_ms = sqlite3_column_int64(q, 3);
        e->counted_ms = sqlite3_column_int64(q, 4);
    }
    sqlite3_finalize(q);
    q = NULL;

    /* Sign, then seal, then never touch. */
    if ((st = sqi_result_seal(&r, sqi_station_keys_sign_sk(a->s->keys),
                          sq_station_keys_central_results_pk(a->s->keys), &sealed, &sealed_len,
                          err)))
        goto out;

    if ((st = sqi_db_prepare(a->s,
                            "INSERT INTO results(seq, attempt, sealed, created_wall)"
                            " VALUES (?, ?, ?, ?)",
                            &q, err)))
        goto out;
    sqlite3_bind_int64(q, 1, r.seq);
    sqlite3_bind_blob(q, 2, a->id, 16, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, sealed, (int)sealed_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, tp.wall);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_DONE) {
        st = sqi_db_sqlerr(a->s, rc, "storing the result", err);
        goto out;
    }
    if ((st = sqi_chain_seq_used(a->s, r.seq, err)))
        goto out;
    /* The answers in progress go: the sealed result is all that remains. */
    static const char *const cleanup[] = {
        ("UPDATE attempts SET state = 1, layout = NULL, person = NULL, result_seq = ?2"
         " WHERE id = ?1"),
        "DELETE FROM answers WHERE attempt = ?1",
        "DELETE FROM clock_events WHERE attempt = ?1",
    };
    for (size_t i = 0; i < sizeof cleanup / sizeof cleanup[0] && !st; i++) {
        if ((st = sqi_db_prepare(a->s, cleanup[i], &q, err)))
            break;
        sqlite3_bind_blob(q, 1, a->id, 16, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, r.seq);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        q = NULL;
        if (rc != SQLITE_DONE)
            st = sqi_db_sqlerr(a->s, rc, "closing the attempt", err);
    }
out:
    sqlite3_finalize(q);
    st = sqi_db_end(a->s, st, err);
    if (st == SQ_OK) {
        time_applied(a, &tp);
        a->closed = 1;
        if (outcome) {
            memset(outcome, 0, sizeof *outcome);
            outcome->seq = r.seq;
            outcome->points_milli = r.points_milli;
            outcome->max_milli = r.max_milli;
            outcome->percent = r.percent;
            outcome->passed = r.passed;
            outcome->timed_out = r.timed_out;
            outcome->show_score = json_is_true(json_object_get(a->meta, "show_score"));
            int mode = sqi_review_mode(a->meta);
            outcome->review = mode < 0 ? SQ_REVIEW_SCORE : (sq_review_mode)mode;
            for (int i = 0; i < a->n; i++)
                outcome->n_wrong += r.items[i].points_milli < r.items[i].max_milli;
        }
    } else {
        a->n_events = events;
    }
    free(sealed);
    free(r.items);
    free(r.events);
    return st;
}

/* ---- the review after submission ---- */

_Static_assert((int)SQ_REVIEW_NONE == (int)SQI_REVIEW_NONE &&
                   (int)SQ_REVIEW_SCORE == (int)SQI_REVIEW_SCORE &&
                   (int)SQ_REVIEW_MISTAKES == (int)SQI_REVIEW_MISTAKES &&
                   (int)SQ_REVIEW_FULL == (int)SQI_REVIEW_FULL,
               "exam_int.h's review modes are attempt.h's");

static char *dup_or_null(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = true;
    return d;
}

static void review_item_free(sq_review_item *ri)
{
    char *strs[3 + SQ_MAX_OPTIONS] = {ri->item_id, ri->text, ri->explanation};
    for (int k = 0; k < ri->n_options && k < SQ_MAX_OPTIONS; k++)
        strs[3 + k] = ri->options[k];
    for (size_t k = 0; k < sizeof strs / sizeof *strs; k++)
        if (strs[k]) {
            sodium_memzero(strs[k], strlen(strs[k]));
            free(strs[k]);
        }
}

void sq_review_free(sq_review *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        review_item_free(&r->items[i]);
    free(r->items);
    free(r);
}

sq_status sq_attempt_review(sq_attempt *a, int lang, sq_review **out, sq_err *err)
{
    sq_review *r;
    bool oom = false;
    int mode;

    if (!a || !out)
        return sqi_seterr(err, SQ_EINVAL, "sq_attempt_review: no attempt or no result");
    *out = NULL;
    if (!a->closed)
        return sqi_seterr(err, SQ_ESTATE,
                         "attempt %s is not submitted: there is nothing to review yet", a->id_hex);
    mode = sqi_review_mode(a->meta);
    r = calloc(1, sizeof *r);
    if (!r || !(r->items = calloc((size_t)a->n + 1, sizeof *r->items))) {
        free(r);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    r->mode = mode < 0 ? SQ_REVIEW_SCORE : (sq_review_mode)mode;
    for (int i = 0; i < a->n && r->mode >= SQ_REVIEW_MISTAKES; i++) {
        const att_item *it = &a->items[i];
        sq_result_item scored;
        sq_item_view v;
        sq_status st;

        memset(&scored, 0, sizeof scored);
        score_item(it, &scored);
        bool right = scored.points_milli >= scored.max_milli;
        if (r->mode == SQ_REVIEW_MISTAKES && right)
            continue;
        if ((st = sq_attempt_item(a, i, lang, &v, err))) {
            sq_review_free(r);
            return st;
        }
        sq_review_item *ri = &r->items[r->n++];
        ri->pos = i;
        ri->type = v.type;
        ri->text_lang = v.text_lang;
        ri->item_id = dup_or_null(v.item_id, &oom);
        ri->text = dup_or_null(v.text, &oom);
        ri->n_options = v.n_options;
        json_t *opts = json_object_get(it->body, "options");
        for (int k = 0; k < v.n_options; k++) {
            ri->options[k] = dup_or_null(v.options[k], &oom);
            if (json_is_true(
                    json_object_get(json_array_get(opts, it->order[k]), "correct")))
                ri->correct |= 1u << k;
        }
        ri->selected = it->answered ? it->selected : 0;
        ri->right = right;
        ri->points_milli = scored.points_milli;
        ri->max_milli = scored.max_milli;
        json_t *ex = json_object_get(it->body, "explanation");
        ri->explanation_lang = -1;
        if (ex)
            ri->explanation = dup_or_null(text_in(ex, lang, &ri->explanation_lang), &oom);
    }
    if (oom) {
        sq_review_free(r);
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    }
    *out = r;
    return SQ_OK;
}
