/*
 * reports.c - the console's read-only queries of reports.db
 * (reports.h). The schema is central/reports_db.c's; every list is
 * ordered by one of its indexes, and pages are cut by keyset (the row
 * values of the sort's columns, the id last), never by OFFSET.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "sqlro.h"
#include "reports.h"
#include "reports_db.h"

struct reports {
    pthread_mutex_t mu;
    sqlite3 *db; /* NULL until the file is there */
    int64_t version; /* its schema when it was opened */
    char path[4200];
};


static int64_t pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Opens the file when it is there and not open yet. Under r->mu. */
static sq_status attach(reports *r, sq_err *err)
{
    struct stat sb;
    /* Missing, or empty: open-results --into has not made it yet. */
    if (r->db || stat(r->path, &sb) != 0 || sb.st_size == 0)
        return SQ_OK;
    char uri[9000];
    sqlite3 *db = NULL;
    console_ro_uri(r->path, uri, sizeof uri);
    if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        sq_status st = console_seterr(err, SQ_EIO, r->path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, 5000);
    int64_t app = pragma_int(db, "PRAGMA application_id");
    int64_t version = pragma_int(db, "PRAGMA user_version");
    if (app != REPORTS_DB_APP_ID) {
        sqlite3_close(db);
        return console_seterr(err, SQ_ECORRUPT, r->path,
                      "not a reports.db (open-results --into makes one)");
    }
    if (version > REPORTS_DB_SCHEMA) {
        sqlite3_close(db);
        return console_seterr(err, SQ_ESTATE, r->path, "of a newer schema than this build knows");
    }
    r->db = db;
    r->version = version;
    return SQ_OK;
}

sq_status reports_open(const char *path, reports **out, sq_err *err)
{
    *out = NULL;
    reports *r = calloc(1, sizeof *r);
    if (!r)
        return console_seterr(err, SQ_ENOMEM, "reports", "out of memory");
    pthread_mutex_init(&r->mu, NULL);
    snprintf(r->path, sizeof r->path, "%s", path);
    sq_status st = attach(r, err);
    if (st) {
        reports_close(r);
        return st;
    }
    *out = r;
    return SQ_OK;
}

void reports_close(reports *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

bool reports_ready(reports *r)
{
    pthread_mutex_lock(&r->mu);
    sq_err e;
    bool ready = attach(r, &e) == SQ_OK && r->db != NULL;
    pthread_mutex_unlock(&r->mu);
    return ready;
}

static sq_status dberr(reports *r, const char *what, sq_err *err)
{
    return console_seterr(err, SQ_EIO, what, r->db ? sqlite3_errmsg(r->db) : "no database");
}

/* ---- building a query ---- */

typedef struct {
    char sql[2048];
    size_t len;
    bool overflow;
    struct {
        bool is_text;
        const char *s;
        int64_t i;
    } bind[16];
    int n_bind;
} query;

static void q_add(query *q, const char *s)
{
    size_t n = strlen(s);
    if (q->len + n >= sizeof q->sql) {
        q->overflow = true;
        return;
    }
    memcpy(q->sql + q->len, s, n + 1);
    q->len += n;
}

static void q_text(query *q, const char *s)
{
    if (q->n_bind >= 16) {
        q->overflow = true;
        return;
    }
    q->bind[q->n_bind].is_text = true;
    q->bind[q->n_bind++].s = s;
}

static void q_int(query *q, int64_t v)
{
    if (q->n_bind >= 16) {
        q->overflow = true;
        return;
    }
    q->bind[q->n_bind].is_text = false;
    q->bind[q->n_bind++].i = v;
}

/* The name filter's upper bound: the prefix and U+10FFFF, above every
 * name that starts with the prefix (binary order of UTF-8). */
typedef struct {
    char hi[512];
} name_bound;

static void where(query *q, const reports_filter *f, name_bound *nb)
{
    q_add(q, " WHERE 1");
    if (f->district) {
        q_add(q, " AND district = ?");
        q_text(q, f->district);
    }
    if (f->station) {
        q_add(q, " AND station_id = ?");
        q_text(q, f->station);
    }
    if (f->exam) {
        q_add(q, " AND exam_id = ?");
        q_text(q, f->exam);
        if (f->version > 0) {
            q_add(q, " AND exam_version = ?");
            q_int(q, f->version);
        }
    }
    if (f->from > 0) {
        q_add(q, " AND finished_wall >= ?");
        q_int(q, f->from);
    }
    if (f->to > 0) {
        q_add(q, " AND finished_wall < ?");
        q_int(q, f->to);
    }
    if (f->received_since > 0) {
        q_add(q, " AND received_wall >= ?");
        q_int(q, f->received_since);
    }
    if (f->passed == 0 || f->passed == 1) {
        q_add(q, " AND passed = ?");
        q_int(q, f->passed);
    }
    if (f->trainee) {
        q_add(q, " AND trainee_id = ?");
        q_text(q, f->trainee);
    }
    if (f->name && f->name[0]) {
        snprintf(nb->hi, sizeof nb->hi, "%s\xf4\x8f\xbf\xbf", f->name);
        q_add(q, " AND trainee_name >= ? AND trainee_name < ?");
        q_text(q, f->name);
        q_text(q, nb->hi);
    }
}

static sq_status q_prepare(reports *r, query *q, sqlite3_stmt **out, sq_err *err)
{
    *out = NULL;
    if (q->overflow)
        return console_seterr(err, SQ_EINVAL, "reports", "the query is too long");
    if (sqlite3_prepare_v2(r->db, q->sql, -1, out, NULL) != SQLITE_OK)
        return dberr(r, "reading reports.db", err);
    for (int i = 0; i < q->n_bind; i++) {
        if (q->bind[i].is_text)
            sqlite3_bind_text(*out, i + 1, q->bind[i].s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(*out, i + 1, q->bind[i].i);
    }
    return SQ_OK;
}

static const char columns[] =
    "SELECT id, station_id, seq, attempt_id, district, trainee_id, trainee_name, exam_id,"
    " exam_version, started_wall, finished_wall, received_wall, elapsed_ms, time_limit_s,"
    " points_milli, max_milli, percent, passed, timed_out, clock, n_items, n_answered, n_right"
    " FROM attempts";

static void copy_text(char *out, size_t cap, sqlite3_stmt *q, int col)
{
    const char *s = (const char *)sqlite3_column_text(q, col);
    snprintf(out, cap, "%s", s ? s : "");
}

static void row_of(sqlite3_stmt *q, reports_attempt *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(q, 0);
    copy_text(a->station_id, sizeof a->station_id, q, 1);
    a->seq = sqlite3_column_int64(q, 2);
    copy_text(a->attempt_id, sizeof a->attempt_id, q, 3);
    copy_text(a->district, sizeof a->district, q, 4);
    copy_text(a->trainee_id, sizeof a->trainee_id, q, 5);
    copy_text(a->trainee_name, sizeof a->trainee_name, q, 6);
    copy_text(a->exam_id, sizeof a->exam_id, q, 7);
    a->exam_version = sqlite3_column_int64(q, 8);
    a->started_wall = sqlite3_column_int64(q, 9);
    a->finished_wall = sqlite3_column_int64(q, 10);
    a->received_wall = sqlite3_column_int64(q, 11);
    a->elapsed_ms = sqlite3_column_int64(q, 12);
    a->time_limit_s = sqlite3_column_int64(q, 13);
    a->points_milli = sqlite3_column_int64(q, 14);
    a->max_milli = sqlite3_column_int64(q, 15);
    a->percent = sqlite3_column_int(q, 16);
    a->passed = sqlite3_column_int(q, 17) != 0;
    a->timed_out = sqlite3_column_int(q, 18) != 0;
    a->clock = sqlite3_column_int(q, 19);
    a->n_items = sqlite3_column_int(q, 20);
    a->n_answered = sqlite3_column_int(q, 21);
    a->n_right = sqlite3_column_int(q, 22);
}

/* The columns of each order, the id last (unique: a total order). Each
 * is an index of reports_db.c's with the rowid at its end. */
static const char *const sort_cols[REPORTS_SORT_N][3] = {
    {"finished_wall", "id", NULL},
    {"trainee_name", "id", NULL},
    {"percent", "id", NULL},
    {"station_id", "finished_wall", "id"},
};

sq_status reports_page(reports *r, const reports_filter *f, reports_sort sort, bool desc,
                       int64_t after_id, int64_t before_id, int limit, reports_attempt *rows,
                       int *n, bool *more_after, bool *more_before, sq_err *err)
{
    *n = 0;
    *more_after = *more_before = false;
    if ((int)sort < 0 || sort >= REPORTS_SORT_N || limit < 1 || limit > 200)
        return console_seterr(err, SQ_EINVAL, "reports", "no such order or page size");
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    sqlite3_stmt *cur = NULL, *q = NULL;
    query qu = {0};
    name_bound nb;
    const char *const *cols = sort_cols[sort];
    int n_cols = cols[2] ? 3 : 2;
    bool backwards = after_id <= 0 && before_id > 0;
    int64_t cursor = after_id > 0 ? after_id : before_id;
    if (st || !r->db)
        goto out;
    q_add(&qu, columns);
    where(&qu, f, &nb);
    if (cursor > 0) {
        /* The cursor row's values of the sort's columns. */
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT %s, %s%s%s FROM attempts WHERE id = ?", cols[0], cols[1],
                 n_cols == 3 ? ", " : "", n_cols == 3 ? cols[2] : "");
        if (sqlite3_prepare_v2(r->db, sql, -1, &cur, NULL) != SQLITE_OK) {
            st = dberr(r, "reading reports.db", err);
            goto out;
        }
        sqlite3_bind_int64(cur, 1, cursor);
        int rc = sqlite3_step(cur);
        if (rc == SQLITE_DONE) {
            st = console_seterr(err, SQ_ENOTFOUND, "reports", "no such row to page from");
            goto out;
        }
        if (rc != SQLITE_ROW) {
            st = dberr(r, "reading reports.db", err);
            goto out;
        }
        /* Forwards in a descending order, or backwards in an ascending
         * one: the rows below the cursor. */
        bool below = desc != backwards;
        q_add(&qu, " AND (");
        for (int i = 0; i < n_cols; i++) {
            q_add(&qu, i ? ", " : "");
            q_add(&qu, cols[i]);
        }
        q_add(&qu, below ? ") < (" : ") > (");
        for (int i = 0; i < n_cols; i++)
            q_add(&qu, i ? ", ?" : "?");
        q_add(&qu, ")");
    }
    bool order_desc = desc != backwards;
    q_add(&qu, " ORDER BY ");
    for (int i = 0; i < n_cols; i++) {
        q_add(&qu, i ? ", " : "");
        q_add(&qu, cols[i]);
        q_add(&qu, order_desc ? " DESC" : "");
    }
    q_add(&qu, " LIMIT ?");
    if ((st = q_prepare(r, &qu, &q, err)))
        goto out;
    int k = qu.n_bind + 1;
    if (cur) {
        /* The cursor's values follow the filter's binds, before LIMIT. */
        for (int i = 0; i < n_cols; i++)
            sqlite3_bind_value(q, k++, sqlite3_column_value(cur, i));
    }
    sqlite3_bind_int(q, k, limit + 1);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == limit) {
            if (backwards)
                *more_before = true;
            else
                *more_after = true;
            break;
        }
        row_of(q, &rows[(*n)++]);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        st = dberr(r, "reading reports.db", err);
        *n = 0;
        goto out;
    }
    if (backwards) {
        for (int i = 0; i < *n / 2; i++) {
            reports_attempt t = rows[i];
            rows[i] = rows[*n - 1 - i];
            rows[*n - 1 - i] = t;
        }
        *more_after = true; /* the cursor's row, at least */
    } else if (cursor > 0) {
        *more_before = true;
    }
out:
    sqlite3_finalize(q);
    sqlite3_finalize(cur);
    pthread_mutex_unlock(&r->mu);
    return st;
}

sq_status reports_count(reports *r, const reports_filter *f, int64_t *n, sq_err *err)
{
    *n = 0;
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    sqlite3_stmt *q = NULL;
    query qu = {0};
    name_bound nb;
    if (st || !r->db)
        goto out;
    q_add(&qu, "SELECT count(*) FROM attempts");
    where(&qu, f, &nb);
    if ((st = q_prepare(r, &qu, &q, err)))
        goto out;
    if (sqlite3_step(q) != SQLITE_ROW)
        st = dberr(r, "counting in reports.db", err);
    else
        *n = sqlite3_column_int64(q, 0);
out:
    sqlite3_finalize(q);
    pthread_mutex_unlock(&r->mu);
    return st;
}

sq_status reports_attempt_get(reports *r, int64_t id, reports_attempt *a, sq_err *err)
{
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    sqlite3_stmt *q = NULL;
    query qu = {0};
    if (st)
        goto out;
    if (!r->db) {
        st = console_seterr(err, SQ_ENOTFOUND, "reports", "nothing opened yet");
        goto out;
    }
    q_add(&qu, columns);
    q_add(&qu, " WHERE id = ?");
    q_int(&qu, id);
    if ((st = q_prepare(r, &qu, &q, err)))
        goto out;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        row_of(q, a);
    else if (rc == SQLITE_DONE)
        st = console_seterr(err, SQ_ENOTFOUND, "reports", "no such attempt");
    else
        st = dberr(r, "reading reports.db", err);
out:
    sqlite3_finalize(q);
    pthread_mutex_unlock(&r->mu);
    return st;
}

sq_status reports_attempt_detail(reports *r, int64_t id, reports_item_fn fn, reports_event_fn ev,
                                 void *ctx, sq_err *err)
{
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    sqlite3_stmt *q = NULL;
    int rc = SQLITE_DONE;
    if (st || !r->db)
        goto out;
    /* One read transaction for both lists. */
    sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(r->db,
                           "SELECT pos, item_id, n_options, selected, answered, flagged, is_right,"
                           " points_milli, max_milli, answered_ms, time_ms FROM answers"
                           " WHERE attempt = ? ORDER BY pos",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(r, "reading reports.db", err);
        goto end;
    }
    sqlite3_bind_int64(q, 1, id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        reports_item it = {0};
        it.pos = sqlite3_column_int(q, 0);
        copy_text(it.item_id, sizeof it.item_id, q, 1);
        it.n_options = sqlite3_column_int(q, 2);
        it.selected = (uint32_t)sqlite3_column_int64(q, 3);
        it.answered = sqlite3_column_int(q, 4) != 0;
        it.flagged = sqlite3_column_int(q, 5) != 0;
        it.right = sqlite3_column_int(q, 6) != 0;
        it.points_milli = sqlite3_column_int64(q, 7);
        it.max_milli = sqlite3_column_int64(q, 8);
        it.answered_ms = sqlite3_column_int64(q, 9);
        it.time_ms = sqlite3_column_int64(q, 10);
        if (fn(ctx, &it)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        st = dberr(r, "reading reports.db", err);
        goto end;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT kind, wall_before, wall_after, mono_delta_ms, counted_ms"
                           " FROM clock_events WHERE attempt = ? ORDER BY pos",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(r, "reading reports.db", err);
        goto end;
    }
    sqlite3_bind_int64(q, 1, id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        reports_event e = {sqlite3_column_int(q, 0), sqlite3_column_int64(q, 1),
                           sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3),
                           sqlite3_column_int64(q, 4)};
        if (ev(ctx, &e)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        st = dberr(r, "reading reports.db", err);
end:
    sqlite3_finalize(q);
    q = NULL;
    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
out:
    sqlite3_finalize(q);
    pthread_mutex_unlock(&r->mu);
    return st;
}

void reports_grid_free(reports_grid *g)
{
    if (!g)
        return;
    free(g->max_mark);
    free(g->n_options);
    free(g->item_ids);
    free(g->item);
    free(g->score);
    free(g->seen);
    free(g->chosen);
    free(g);
}

/* Item k's number in the grid, made on first sight, found again through
 * an open-addressing table of ITEMS_SLOTS (FNV-1a of the id): a grid has
 * a cell per item answered, 10^5 attempts of 50 items are 5 * 10^6
 * look-ups. At most ITEMS_MAX items (a bank drawn from). */
#define ITEMS_MAX 4096
#define ITEMS_SLOTS 8192 /* a power of two, twice ITEMS_MAX */
typedef struct {
    int32_t slot[ITEMS_SLOTS]; /* item + 1; 0: empty */
    size_t cap;
} item_table;

static long item_index(reports_grid *g, item_table *t, const char *id)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 16777619u;
    for (uint32_t i = h & (ITEMS_SLOTS - 1);; i = (i + 1) & (ITEMS_SLOTS - 1)) {
        int32_t k = t->slot[i];
        if (!k)
            break;
        if (!strcmp(g->item_ids[k - 1], id))
            return (long)(k - 1);
    }
    if (g->n_items >= ITEMS_MAX)
        return -1;
    if (g->n_items == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        char(*ids)[129] = realloc(g->item_ids, nc * sizeof *ids);
        if (ids)
            g->item_ids = ids;
        double *mm = realloc(g->max_mark, nc * sizeof *mm);
        if (mm)
            g->max_mark = mm;
        uint8_t *no = realloc(g->n_options, nc * sizeof *no);
        if (no)
            g->n_options = no;
        if (!ids || !mm || !no)
            return -2;
        t->cap = nc;
    }
    snprintf(g->item_ids[g->n_items], sizeof g->item_ids[0], "%s", id);
    g->max_mark[g->n_items] = 0;
    g->n_options[g->n_items] = 0;
    for (uint32_t i = h & (ITEMS_SLOTS - 1);; i = (i + 1) & (ITEMS_SLOTS - 1))
        if (!t->slot[i]) {
            t->slot[i] = (int32_t)g->n_items + 1;
            break;
        }
    return (long)g->n_items++;
}

/* ---- item_grid's cells (reports_db.h, "item_grid") ---- */

static bool get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

bool reports_cell_next(const uint8_t **p, const uint8_t *end, reports_cell *c, bool *bad)
{
    uint64_t pos, len, n_opt, sel, pts, max;
    if (*p == end)
        return false;
    if (!get_varint(p, end, &pos) || pos > INT32_MAX || !get_varint(p, end, &len) ||
        len > (uint64_t)(end - *p))
        goto bad;
    c->pos = (int)pos;
    c->item_id = (const char *)*p;
    c->item_len = (size_t)len;
    *p += len;
    if (!get_varint(p, end, &n_opt) || n_opt > INT32_MAX || !get_varint(p, end, &sel) ||
        !get_varint(p, end, &pts) || !get_varint(p, end, &max))
        goto bad;
    c->n_options = (int)n_opt;
    c->selected = sel;
    c->points_milli = (int64_t)(pts >> 1) ^ -(int64_t)(pts & 1);
    c->max_milli = (int64_t)(max >> 1) ^ -(int64_t)(max & 1);
    return true;
bad:
    *bad = true;
    *p = end;
    return false;
}

/* One answer into the grid's cell (row, pos); one not in the grid (an
 * attempt written since the count, a position past the widest) is left
 * out. */
static sq_status grid_cell(reports_grid *g, item_table *items, size_t n_rows, size_t row,
                           const reports_cell *c, sq_err *err)
{
    if (row >= n_rows || c->pos < 0 || (size_t)c->pos >= g->n_cells)
        return SQ_OK;
    /* An item worth nothing has no figures: left unseen, and not made an
     * item (item analysis takes only items with points). */
    int64_t pts = c->points_milli, max = c->max_milli;
    if (max <= 0)
        return SQ_OK;
    char id[sizeof g->item_ids[0]];
    size_t len = c->item_len < sizeof id - 1 ? c->item_len : sizeof id - 1;
    memcpy(id, c->item_id, len);
    id[len] = '\0';
    long k = item_index(g, items, id);
    if (k < 0)
        return console_seterr(err, k == -1 ? SQ_ETOOBIG : SQ_ENOMEM, "reports",
                              k == -1 ? "more items than item analysis takes here"
                                      : "out of memory");
    size_t cell = row * g->n_cells + (size_t)c->pos;
    int n_opt = c->n_options;
    g->item[cell] = (uint32_t)k;
    g->seen[cell] = 1;
    g->score[cell] = pts <= 0 ? 0.0 : pts >= max ? 1.0 : (double)pts / (double)max;
    if (g->max_mark[k] < max / 1000.0)
        g->max_mark[k] = max / 1000.0;
    if (n_opt > 32)
        n_opt = 32;
    if (g->n_options[k] < n_opt)
        g->n_options[k] = (uint8_t)n_opt;
    uint32_t sel = (uint32_t)c->selected;
    g->chosen[cell] = n_opt >= 32 ? sel : sel & ((1u << n_opt) - 1u);
    return SQ_OK;
}

sq_status reports_grid_get(reports *r, const char *exam, int64_t version, const char *district,
                           size_t max_cells, reports_grid **out, sq_err *err)
{
    *out = NULL;
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    sqlite3_stmt *q = NULL;
    reports_grid *g = NULL;
    item_table *items = NULL;
    if (st)
        goto out;
    if (!r->db) {
        st = console_seterr(err, SQ_ENOTFOUND, "reports", "nothing opened yet");
        goto out;
    }
    /* One read transaction: the size and the cells agree. */
    sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL);
    /* A file of schema 3 has each attempt's answers in one row of
     * item_grid, in one range of its key for an exam version (and a
     * district): read in key order. An older file (the console reads it
     * as it is until open-results upgrades it): the answers of each
     * attempt, sought one attempt at a time. */
    bool by_grid = r->version >= 3;
    static const char *const sql[2][2][2] = {
        {{"SELECT count(*), max(n_items) FROM attempts WHERE exam_id = ?1 AND exam_version = ?2",
          "SELECT count(*), max(n_items) FROM attempts WHERE exam_id = ?1 AND exam_version = ?2"
          " AND district = ?3"},
         {"SELECT a.id, x.pos, x.item_id, x.n_options, x.selected, x.points_milli, x.max_milli"
          " FROM attempts a JOIN answers x ON x.attempt = a.id WHERE a.exam_id = ?1 AND"
          " a.exam_version = ?2 ORDER BY a.finished_wall, a.id, x.pos",
          "SELECT a.id, x.pos, x.item_id, x.n_options, x.selected, x.points_milli, x.max_milli"
          " FROM attempts a JOIN answers x ON x.attempt = a.id WHERE a.exam_id = ?1 AND"
          " a.exam_version = ?2 AND a.district = ?3 ORDER BY a.finished_wall, a.id, x.pos"}},
        {{"SELECT count(*), max(n_cells) FROM item_grid WHERE exam_id = ?1 AND exam_version = ?2",
          "SELECT count(*), max(n_cells) FROM item_grid WHERE exam_id = ?1 AND exam_version = ?2"
          " AND district = ?3"},
         {"SELECT attempt, cells FROM item_grid WHERE exam_id = ?1 AND exam_version = ?2",
          "SELECT attempt, cells FROM item_grid WHERE exam_id = ?1 AND exam_version = ?2"
          " AND district = ?3"}}};
    /* With a district and without, each its own statement: a district
     * held in "?3 IS NULL OR" would keep SQLite from its index. */
    if (sqlite3_prepare_v2(r->db, sql[by_grid][0][district != NULL], -1, &q, NULL) != SQLITE_OK) {
        st = dberr(r, "reading reports.db", err);
        goto end;
    }
    sqlite3_bind_text(q, 1, exam, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, version);
    if (district)
        sqlite3_bind_text(q, 3, district, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW) {
        st = dberr(r, "reading reports.db", err);
        goto end;
    }
    int64_t n_att = sqlite3_column_int64(q, 0), n_cells = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    q = NULL;
    if (n_att <= 0 || n_cells <= 0) {
        st = console_seterr(err, SQ_ENOTFOUND, "reports", "no attempt of this exam version");
        goto end;
    }
    if ((uint64_t)n_att * (uint64_t)n_cells > max_cells) {
        st = console_seterr(err, SQ_ETOOBIG, "reports", "too many attempts for item analysis here");
        goto end;
    }
    size_t cells = (size_t)n_att * (size_t)n_cells;
    g = calloc(1, sizeof *g);
    items = calloc(1, sizeof *items);
    if (!g || !items || !(g->item = calloc(cells, sizeof *g->item)) ||
        !(g->score = calloc(cells, sizeof *g->score)) ||
        !(g->seen = calloc(cells, sizeof *g->seen)) ||
        !(g->chosen = calloc(cells, sizeof *g->chosen))) {
        st = console_seterr(err, SQ_ENOMEM, "reports", "out of memory");
        goto end;
    }
    g->n_cells = (size_t)n_cells;
    if (sqlite3_prepare_v2(r->db, sql[by_grid][1][district != NULL], -1, &q, NULL) != SQLITE_OK) {
        st = dberr(r, "reading reports.db", err);
        goto end;
    }
    sqlite3_bind_text(q, 1, exam, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, version);
    if (district)
        sqlite3_bind_text(q, 3, district, -1, SQLITE_STATIC);
    int64_t last = -1;
    size_t row = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id != last) {
            if (last >= 0)
                row++;
            last = id;
        }
        reports_cell c;
        if (by_grid) {
            const uint8_t *p = sqlite3_column_blob(q, 1);
            const uint8_t *e = p ? p + sqlite3_column_bytes(q, 1) : p;
            bool bad = false;
            while (!st && reports_cell_next(&p, e, &c, &bad))
                st = grid_cell(g, items, (size_t)n_att, row, &c, err);
            if (!st && bad)
                st = console_seterr(err, SQ_ECORRUPT, r->path,
                                    "an attempt's item grid does not parse");
        } else {
            const char *item_id = (const char *)sqlite3_column_text(q, 2);
            c = (reports_cell){.pos = sqlite3_column_int(q, 1),
                               .item_id = item_id ? item_id : "",
                               .item_len = item_id ? strlen(item_id) : 0,
                               .n_options = sqlite3_column_int(q, 3),
                               .selected = (uint64_t)sqlite3_column_int64(q, 4),
                               .points_milli = sqlite3_column_int64(q, 5),
                               .max_milli = sqlite3_column_int64(q, 6)};
            st = grid_cell(g, items, (size_t)n_att, row, &c, err);
        }
        if (st)
            goto end;
    }
    if (rc != SQLITE_DONE) {
        st = dberr(r, "reading reports.db", err);
        goto end;
    }
    g->n_attempts = last >= 0 ? row + 1 : 0;
    if (!g->n_attempts || !g->n_items) {
        st = console_seterr(err, SQ_ENOTFOUND, "reports", "no item answered in this exam version");
        goto end;
    }
end:
    sqlite3_finalize(q);
    q = NULL;
    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
out:
    pthread_mutex_unlock(&r->mu);
    free(items);
    if (st)
        reports_grid_free(g);
    else
        *out = g;
    return st;
}

/* ---- per day, and the scores' spread (the chart and the printed report) ---- */

sq_status reports_per_day(reports *r, const reports_filter *f, const int64_t *bounds, int n_days,
                          int64_t *counts, sq_err *err)
{
    for (int i = 0; i < n_days; i++)
        counts[i] = 0;
    if (n_days < 1 || n_days > REPORTS_DAYS_MAX)
        return console_seterr(err, SQ_EINVAL, "reports", "too many days for a chart");
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    bool began = false;
    if (st || !r->db)
        goto out;
    /* One read transaction: the days add up to the same whole. */
    if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        st = dberr(r, "reading reports.db", err);
        goto out;
    }
    began = true;
    for (int i = 0; i < n_days && !st; i++) {
        reports_filter day = *f;
        /* The day within the filter's own dates (the index on
         * finished_wall, or on district and finished_wall, serves it). */
        day.from = f->from > bounds[i] ? f->from : bounds[i];
        day.to = f->to > 0 && f->to < bounds[i + 1] ? f->to : bounds[i + 1];
        if (day.from >= day.to)
            continue;
        query qu = {0};
        name_bound nb;
        sqlite3_stmt *q = NULL;
        q_add(&qu, "SELECT count(*) FROM attempts");
        where(&qu, &day, &nb);
        if ((st = q_prepare(r, &qu, &q, err)))
            break;
        if (sqlite3_step(q) != SQLITE_ROW)
            st = dberr(r, "counting in reports.db", err);
        else
            counts[i] = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
out:
    if (began)
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
    pthread_mutex_unlock(&r->mu);
    return st;
}

sq_status reports_percent_bins(reports *r, const reports_filter *f, int64_t bins[10],
                               int64_t *passed, sq_err *err)
{
    for (int i = 0; i < 10; i++)
        bins[i] = 0;
    *passed = 0;
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    sqlite3_stmt *q = NULL;
    query qu = {0};
    name_bound nb;
    if (st || !r->db)
        goto out;
    q_add(&qu, "SELECT min(max(percent, 0) / 10, 9), count(*), total(passed) FROM attempts");
    where(&qu, f, &nb);
    q_add(&qu, " GROUP BY 1");
    if ((st = q_prepare(r, &qu, &q, err)))
        goto out;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t bin = sqlite3_column_int64(q, 0);
        if (bin >= 0 && bin < 10)
            bins[bin] += sqlite3_column_int64(q, 1);
        *passed += (int64_t)sqlite3_column_double(q, 2);
    }
    if (rc != SQLITE_DONE)
        st = dberr(r, "counting in reports.db", err);
out:
    sqlite3_finalize(q);
    pthread_mutex_unlock(&r->mu);
    return st;
}

sq_status reports_finished_span(reports *r, const reports_filter *f, int64_t *first,
                                int64_t *last, sq_err *err)
{
    *first = *last = 0;
    pthread_mutex_lock(&r->mu);
    sq_status st = attach(r, err);
    sqlite3_stmt *q = NULL;
    query qu = {0};
    name_bound nb;
    if (st || !r->db)
        goto out;
    q_add(&qu, "SELECT min(finished_wall), max(finished_wall) FROM attempts");
    where(&qu, f, &nb);
    if ((st = q_prepare(r, &qu, &q, err)))
        goto out;
    if (sqlite3_step(q) != SQLITE_ROW) {
        st = dberr(r, "reading reports.db", err);
        goto out;
    }
    *first = sqlite3_column_int64(q, 0);
    *last = sqlite3_column_int64(q, 1);
out:
    sqlite3_finalize(q);
    pthread_mutex_unlock(&r->mu);
    return st;
}
