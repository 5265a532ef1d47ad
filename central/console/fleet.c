/*
 * fleet.c - see fleet.h. The reading goes to the handle's engine
 * (stats_int.h); the attention bits, the order and the history's pages
 * are made here for both. SQLite: each call opens an in-memory
 * connection, attaches central.db as "c" and results.db as "r" through
 * read-only URIs (or empty stand-ins when a file is not there yet), reads
 * in one read transaction and closes it: a few hundred microseconds, and
 * nothing is shared between the console's threads. PostgreSQL:
 * fleetsrc_pg.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "fleet.h"
#include "sqlro.h"
#include "fleet_int.h"
#include "stats_int.h"

static const char c_empty[] =
    "CREATE TABLE c.stations(station_id TEXT PRIMARY KEY, district TEXT, label TEXT,"
    " issued_wall INTEGER, revoked INTEGER);";
static const char r_empty[] =
    "CREATE TABLE r.results(station_id TEXT, seq INTEGER, received_wall INTEGER,"
    " PRIMARY KEY(station_id, seq));"
    "CREATE TABLE r.heartbeats(id INTEGER PRIMARY KEY, station_id TEXT, received_wall INTEGER,"
    " software TEXT, content TEXT, pending INTEGER, oldest_pending_s INTEGER,"
    " disk_free_bytes INTEGER, station_wall_s INTEGER);"
    "CREATE TABLE r.heartbeat_latest(station_id TEXT PRIMARY KEY, received_wall INTEGER,"
    " software TEXT, content TEXT, pending INTEGER, oldest_pending_s INTEGER,"
    " disk_free_bytes INTEGER, station_wall_s INTEGER);"
    "CREATE TABLE r.stick_latest(station_id TEXT PRIMARY KEY, received_wall INTEGER);";

static sq_status attach(sqlite3 *db, const char *path, const char *schema, const char *empty,
                        const char *must_have, sq_err *err)
{
    char uri[9000], sql[200];
    if (access(path, F_OK) != 0) {
        snprintf(sql, sizeof sql, "ATTACH ':memory:' AS %s", schema);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, empty, NULL, NULL, NULL) != SQLITE_OK)
            return console_seterr(err, SQ_EIO, "attaching an empty stand-in", sqlite3_errmsg(db));
        return SQ_OK;
    }
    console_ro_uri(path, uri, sizeof uri);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, "ATTACH ?1 AS ?2", -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, uri, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, schema, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return console_seterr(err, SQ_EIO, path, sqlite3_errmsg(db));
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.sqlite_master WHERE name = ?1", schema);
    int64_t found = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, must_have, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW)
            found = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    if (found != 1)
        return console_seterr(err, SQ_ECORRUPT, path, "not the store it should be (no table there)");
    return SQ_OK;
}

/* Whether results.db has stick_latest (its schema 3; the receiver
 * upgrades an older one at its next start). */
static bool has_stick_table(sqlite3 *db)
{
    sqlite3_stmt *q;
    bool yes = false;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM r.sqlite_master WHERE name = 'stick_latest'",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        yes = sqlite3_column_int(q, 0) == 1;
    sqlite3_finalize(q);
    return yes;
}

static sq_status open_stores(const stats *src, sqlite3 **out, sq_err *err)
{
    sqlite3 *db = NULL;
    *out = NULL;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return console_seterr(err, SQ_ENOMEM, "fleet", "cannot open SQLite");
    }
    sqlite3_busy_timeout(db, 5000);
    sq_status st;
    if ((st = attach(db, stats_central_path(src), "c", c_empty, "stations", err)) ||
        (st = attach(db, stats_results_path(src), "r", r_empty, "heartbeat_latest", err))) {
        sqlite3_close(db);
        return st;
    }
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    *out = db;
    return SQ_OK;
}

static void close_stores(sqlite3 *db)
{
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
}

static void copy_text(char *out, size_t len, sqlite3_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

unsigned fleet_attention(const fleet_station *s, const fleet_limits *l)
{
    unsigned a = 0;
    if (s->revoked)
        return FLEET_REVOKED; /* nothing else of it matters any more */
    int64_t heard = s->last_heartbeat > s->enrolled_wall ? s->last_heartbeat : s->enrolled_wall;
    if (heard < l->now - l->silent_after_s)
        a |= FLEET_SILENT;
    if (s->has_skew && (s->skew_s > l->skew_max_s || s->skew_s < -l->skew_max_s))
        a |= FLEET_SKEW;
    if (s->heard && s->disk_free_bytes > 0 && s->disk_free_bytes < l->disk_low_bytes)
        a |= FLEET_DISK;
    if (s->pending >= l->waiting_many)
        a |= FLEET_WAITING;
    if (s->pending > 0 && s->oldest_pending_s > l->oldest_max_s)
        a |= FLEET_OLDEST;
    return a;
}

static int by_attention(const void *x, const void *y)
{
    const fleet_station *a = x, *b = y;
    if (a->attention != b->attention)
        return a->attention > b->attention ? -1 : 1;
    if (a->pending != b->pending)
        return a->pending > b->pending ? -1 : 1;
    return strcmp(a->id, b->id);
}

#define LIST_SQL(STICK)                                                                            \
    "SELECT s.station_id, s.district, s.label, s.revoked, s.issued_wall,"                          \
    " h.received_wall, coalesce(h.pending, 0),"                                                    \
    " CASE WHEN h.pending > 0 THEN h.oldest_pending_s + (?3 - h.received_wall) ELSE 0 END,"        \
    " coalesce(h.software, ''), coalesce(h.content, ''), coalesce(h.disk_free_bytes, 0),"          \
    " coalesce(h.station_wall_s, 0),"                                                              \
    " coalesce((SELECT x.received_wall FROM r.results x WHERE x.station_id = s.station_id"         \
    "   ORDER BY x.seq DESC LIMIT 1), 0), " STICK                                                  \
    " FROM c.stations s LEFT JOIN r.heartbeat_latest h ON h.station_id = s.station_id"             \
    " WHERE (?1 IS NULL OR s.district = ?1) AND (?2 IS NULL OR s.station_id = ?2)"

static const char list_sql[] = LIST_SQL(
    "coalesce((SELECT k.received_wall FROM r.stick_latest k WHERE k.station_id = s.station_id), 0)");
static const char list_sql_v2[] = LIST_SQL("0");

sq_status fleet_sqlite_rows(const stats *src, const char *district, const char *id, int64_t now,
                            fleet_station **out, size_t *n, sq_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db;
    sq_status st = open_stores(src, &db, err);
    if (st)
        return st;
    sqlite3_stmt *q = NULL;
    fleet_station *v = NULL;
    size_t len = 0, cap = 0;
    int rc = sqlite3_prepare_v2(db, has_stick_table(db) ? list_sql : list_sql_v2, -1, &q, NULL);
    if (rc == SQLITE_OK) {
        if (district)
            sqlite3_bind_text(q, 1, district, -1, SQLITE_TRANSIENT);
        if (id)
            sqlite3_bind_text(q, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, now);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (len == cap) {
                size_t nc = cap ? cap * 2 : 64;
                fleet_station *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    st = console_seterr(err, SQ_ENOMEM, "fleet", "out of memory");
                    break;
                }
                v = nv;
                cap = nc;
            }
            fleet_station *s = &v[len++];
            memset(s, 0, sizeof *s);
            copy_text(s->id, sizeof s->id, q, 0);
            copy_text(s->district, sizeof s->district, q, 1);
            copy_text(s->label, sizeof s->label, q, 2);
            s->revoked = sqlite3_column_int(q, 3) != 0;
            s->enrolled_wall = sqlite3_column_int64(q, 4);
            s->heard = sqlite3_column_type(q, 5) != SQLITE_NULL;
            s->last_heartbeat = sqlite3_column_int64(q, 5);
            s->pending = sqlite3_column_int64(q, 6);
            s->oldest_pending_s = sqlite3_column_int64(q, 7);
            copy_text(s->software, sizeof s->software, q, 8);
            copy_text(s->content, sizeof s->content, q, 9);
            s->disk_free_bytes = sqlite3_column_int64(q, 10);
            int64_t wall = sqlite3_column_int64(q, 11);
            s->has_skew = s->heard && wall > 0;
            s->skew_s = s->has_skew ? wall - s->last_heartbeat : 0;
            s->last_upload = sqlite3_column_int64(q, 12);
            s->last_stick = sqlite3_column_int64(q, 13);
            if (s->last_stick > s->last_upload)
                s->last_upload = s->last_stick;
        }
    }
    sqlite3_finalize(q);
    if (!st && rc != SQLITE_DONE)
        st = console_seterr(err, SQ_EIO, "reading the fleet", sqlite3_errmsg(db));
    close_stores(db);
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *n = len;
    return SQ_OK;
}

/* The rows of either engine, with their attention bits, in order. */
static sq_status list(stats *src, const char *district, const char *id, const fleet_limits *l,
                      fleet_station **out, size_t *n, sq_err *err)
{
    sq_status st = stats_pg(src) ? fleetsrc_pg_rows(stats_pg(src), district, id, l->now, out, n, err)
                                 : fleet_sqlite_rows(src, district, id, l->now, out, n, err);
    if (st)
        return st;
    for (size_t i = 0; i < *n; i++)
        (*out)[i].attention = fleet_attention(&(*out)[i], l);
    if (*n > 1)
        qsort(*out, *n, sizeof **out, by_attention);
    return SQ_OK;
}

sq_status fleet_list(stats *src, const char *district, const fleet_limits *l,
                     fleet_station **out, size_t *n, sq_err *err)
{
    return list(src, district, NULL, l, out, n, err);
}

sq_status fleet_get(stats *src, const char *station_id, const fleet_limits *l, fleet_station *s,
                    sq_err *err)
{
    fleet_station *v;
    size_t n;
    sq_status st = list(src, NULL, station_id, l, &v, &n, err);
    if (st)
        return st;
    if (n == 1)
        *s = v[0];
    free(v);
    return n == 1 ? SQ_OK : console_seterr(err, SQ_ENOTFOUND, "station", "not enrolled");
}

/* ---- a station's heartbeats ---- */

static void row_beat(sqlite3_stmt *q, fleet_beat *b)
{
    memset(b, 0, sizeof *b);
    b->id = sqlite3_column_int64(q, 0);
    b->received_wall = sqlite3_column_int64(q, 1);
    b->pending = sqlite3_column_int64(q, 2);
    b->oldest_pending_s = sqlite3_column_int64(q, 3);
    b->disk_free_bytes = sqlite3_column_int64(q, 4);
    int64_t wall = sqlite3_column_int64(q, 5);
    b->has_skew = wall > 0;
    b->skew_s = b->has_skew ? wall - b->received_wall : 0;
    copy_text(b->software, sizeof b->software, q, 6);
}

#define BEAT_COLUMNS                                                                               \
    "id, received_wall, pending, oldest_pending_s, disk_free_bytes, station_wall_s, software"

/* Puts the stick row into the page where its time falls (the page's
 * rows are newest first). */
static void place_stick(fleet_history *h, int64_t t)
{
    bool first = h->newer == 0, last = h->older == 0;
    size_t at = SIZE_MAX;
    if (h->n == 0)
        at = first && last ? 0 : SIZE_MAX;
    else if (first && t >= h->rows[0].received_wall)
        at = 0;
    else if (last && t < h->rows[h->n - 1].received_wall)
        at = h->n;
    else
        for (size_t i = 0; i + 1 < h->n; i++)
            if (t < h->rows[i].received_wall && t >= h->rows[i + 1].received_wall) {
                at = i + 1;
                break;
            }
    if (at == SIZE_MAX)
        return;
    memmove(&h->rows[at + 1], &h->rows[at], (h->n - at) * sizeof h->rows[0]);
    memset(&h->rows[at], 0, sizeof h->rows[0]);
    h->rows[at].by_stick = true;
    h->rows[at].received_wall = t;
    h->n++;
}

sq_status fleet_sqlite_page(const stats *src, const char *station_id, int64_t cursor, bool after,
                            fleet_beat_page *p, sq_err *err)
{
    memset(p, 0, sizeof *p);
    sqlite3 *db;
    sq_status st = open_stores(src, &db, err);
    if (st)
        return st;
    sqlite3_stmt *q = NULL;
    int rc;
    if (cursor) {
        rc = sqlite3_prepare_v2(db, "SELECT 1 FROM r.heartbeats WHERE id = ?1 AND station_id = ?2",
                                -1, &q, NULL);
        bool found = false;
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, cursor);
            sqlite3_bind_text(q, 2, station_id, -1, SQLITE_TRANSIENT);
            found = sqlite3_step(q) == SQLITE_ROW;
        }
        sqlite3_finalize(q);
        q = NULL;
        if (!found) {
            close_stores(db);
            return console_seterr(err, SQ_ENOTFOUND, "heartbeat history", "no such heartbeat");
        }
    }
    /* One more than a page, to know whether there is another. */
    const char *sql =
        after ? "SELECT " BEAT_COLUMNS " FROM r.heartbeats WHERE station_id = ?1 AND id > ?2"
                " ORDER BY id LIMIT ?3"
              : "SELECT " BEAT_COLUMNS " FROM r.heartbeats WHERE station_id = ?1"
                " AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3";
    if ((rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL)) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, station_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, cursor);
        sqlite3_bind_int(q, 3, FLEET_HISTORY_ROWS + 1);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && p->n < FLEET_HISTORY_ROWS + 1)
            row_beat(q, &p->got[p->n++]);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == SQLITE_DONE &&
        (rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM r.heartbeats WHERE station_id = ?1",
                                 -1, &q, NULL)) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, station_id, -1, SQLITE_TRANSIENT);
        if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            p->total = sqlite3_column_int64(q, 0);
            rc = SQLITE_DONE;
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == SQLITE_DONE &&
        (rc = sqlite3_prepare_v2(db,
                                 "SELECT received_wall, pending FROM r.heartbeats"
                                 " WHERE station_id = ?1 ORDER BY id DESC LIMIT ?2",
                                 -1, &q, NULL)) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, station_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 2, FLEET_CHART_POINTS);
        size_t k = 0;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && k < FLEET_CHART_POINTS) {
            p->chart_t[k] = sqlite3_column_int64(q, 0);
            p->chart_pending[k] = sqlite3_column_int64(q, 1);
            k++;
        }
        for (size_t i = 0; i < k / 2; i++) { /* oldest first */
            int64_t t = p->chart_t[i], v = p->chart_pending[i];
            p->chart_t[i] = p->chart_t[k - 1 - i];
            p->chart_pending[i] = p->chart_pending[k - 1 - i];
            p->chart_t[k - 1 - i] = t;
            p->chart_pending[k - 1 - i] = v;
        }
        p->chart_n = k;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        st = console_seterr(err, SQ_EIO, "reading the heartbeat history", sqlite3_errmsg(db));
    close_stores(db);
    return st;
}

sq_status fleet_history_get(stats *src, const char *station_id, int64_t before, int64_t after,
                            int64_t last_stick, fleet_history *h, sq_err *err)
{
    memset(h, 0, sizeof *h);
    fleet_beat_page *p = malloc(sizeof *p);
    if (!p)
        return console_seterr(err, SQ_ENOMEM, "heartbeat history", "out of memory");
    int64_t cursor = before ? before : after;
    sq_status st = stats_pg(src) ? fleetsrc_pg_page(stats_pg(src), station_id, cursor, after != 0,
                                                    p, err)
                                 : fleet_sqlite_page(src, station_id, cursor, after != 0, p, err);
    if (st) {
        free(p);
        return st;
    }
    size_t n = p->n;
    bool more = n > FLEET_HISTORY_ROWS;
    if (more)
        n = FLEET_HISTORY_ROWS;
    if (after) { /* read oldest first: turn it round */
        for (size_t i = 0; i < n; i++)
            h->rows[i] = p->got[n - 1 - i];
        h->older = n ? h->rows[n - 1].id : 0; /* there are older ones: before the cursor */
        h->newer = more && n ? h->rows[0].id : 0;
    } else {
        memcpy(h->rows, p->got, n * sizeof p->got[0]);
        h->older = more ? h->rows[n - 1].id : 0;
        h->newer = before && n ? h->rows[0].id : 0;
    }
    h->n = n;
    h->total = p->total;
    memcpy(h->chart_t, p->chart_t, p->chart_n * sizeof p->chart_t[0]);
    memcpy(h->chart_pending, p->chart_pending, p->chart_n * sizeof p->chart_pending[0]);
    h->chart_n = p->chart_n;
    free(p);
    if (last_stick > 0)
        place_stick(h, last_stick);
    return SQ_OK;
}

/* ---- HTML ---- */

static const char *tx(const fleet_text *t, const char *key)
{
    return t->tr(t->ctx, key);
}

static void fmt_time(int64_t v, char *out, size_t len)
{
    time_t tt = (time_t)v;
    struct tm tm;
    if (v <= 0 || !localtime_r(&tt, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, len, "-");
}

/* "3 d", "5 h", "12 min", "40 s": the largest whole unit. */
static void put_duration(html_buf *b, const fleet_text *t, int64_t s)
{
    char n[32];
    const char *key = "time.minutes";
    int64_t v = s / 60;
    if (s >= 2 * 86400)
        key = "time.days", v = s / 86400;
    else if (s >= 2 * 3600)
        key = "time.hours", v = s / 3600;
    else if (s < 120)
        key = "fleetx.seconds", v = s;
    snprintf(n, sizeof n, "%lld", (long long)(v > 0 ? v : 0));
    html_tr(b, tx(t, key), "n", n, (const char *)NULL);
}

/* Not known: "unknown" in the facts, "-" in a table's narrow cell. */
static void put_unknown(html_buf *b, const fleet_text *t, bool in_table)
{
    if (in_table)
        html_lit(b, "-");
    else
        html_text(b, tx(t, "fleetx.unknown"));
}

static void put_skew(html_buf *b, const fleet_text *t, bool has, int64_t s, bool in_table)
{
    if (!has) {
        put_unknown(b, t, in_table);
        return;
    }
    /* U+2212 MINUS SIGN, or a plus; nothing for 0. */
    html_lit(b, s > 0 ? "+" : s < 0 ? "\xe2\x88\x92" : "");
    put_duration(b, t, s < 0 ? -s : s);
}

/* Free disk; 0: not known (a station that could not tell sends 0). */
static void put_bytes(html_buf *b, const fleet_text *t, int64_t v, bool in_table)
{
    char n[32];
    if (v <= 0) {
        put_unknown(b, t, in_table);
        return;
    }
    if (v >= ((int64_t)1 << 30)) {
        snprintf(n, sizeof n, "%.1f", (double)v / (double)((int64_t)1 << 30));
        html_tr(b, tx(t, "fleetx.gib"), "n", n, (const char *)NULL);
    } else {
        snprintf(n, sizeof n, "%lld", (long long)(v >> 20));
        html_tr(b, tx(t, "fleetx.mib"), "n", n, (const char *)NULL);
    }
}

/* How old the oldest waiting result is, or "-" when none waits. */
static void put_oldest(html_buf *b, const fleet_text *t, const fleet_station *s)
{
    if (s->pending > 0)
        put_duration(b, t, s->oldest_pending_s);
    else
        html_lit(b, "-");
}

static void td(html_buf *b, const fleet_text *t, const char *key, const char *cls)
{
    html_lit(b, "<td");
    if (cls) {
        html_lit(b, " class=\"");
        html_text(b, cls);
        html_lit(b, "\"");
    }
    html_lit(b, " data-label=\"");
    html_text(b, tx(t, key));
    html_lit(b, "\">");
}

static void put_when(html_buf *b, const fleet_text *t, int64_t v)
{
    char ts[64];
    if (v <= 0) {
        html_text(b, tx(t, "fleet.never"));
        return;
    }
    fmt_time(v, ts, sizeof ts);
    html_text(b, ts);
}

static const char *const reason_keys[FLEET_N_REASONS] = {
    "fleetx.why_oldest", "fleetx.why_waiting", "fleetx.why_disk",
    "fleetx.why_skew",   "fleetx.why_silent",  "fleetx.why_revoked"};

static void put_attention(html_buf *b, const fleet_text *t, const fleet_station *s)
{
    if (!s->attention) {
        html_lit(b, "<span class=\"ok\">");
        html_text(b, tx(t, s->heard ? "state.ok" : "state.new"));
        html_lit(b, "</span>");
        return;
    }
    bool first = true;
    for (int i = FLEET_N_REASONS - 1; i >= 0; i--) {
        if (!(s->attention & (1u << i)))
            continue;
        html_lit(b, first ? "" : "<br>");
        html_lit(b, i >= 4 ? "<span class=\"bad\">" : "<span class=\"warn\">");
        html_text(b, tx(t, reason_keys[i]));
        html_lit(b, "</span>");
        first = false;
    }
}

/* The content as the station said it: "exam:version ..." one a line. */
static void put_content(html_buf *b, const char *content)
{
    const char *p = content;
    bool first = true;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t k = strcspn(p, " ");
        if (!k)
            break;
        html_lit(b, first ? "" : "<br>");
        html_text_n(b, p, k);
        first = false;
        p += k;
    }
    if (first)
        html_lit(b, "-");
}

static const char *const table_heads[] = {
    "fleet.station",      "fleet.district",    "fleet.label",     "fleetx.attention",
    "station.software",   "fleetx.content",    "fleet.last_heartbeat", "fleet.last_upload",
    "fleet.pending",      "fleetx.oldest",     "fleetx.disk",     "fleetx.skew"};

void fleet_html_table(html_buf *b, const fleet_text *t, const fleet_station *v, size_t n)
{
    html_lit(b, "<table id=\"fleet-all\" class=\"results\"><thead><tr>");
    for (size_t i = 0; i < sizeof table_heads / sizeof table_heads[0]; i++) {
        html_lit(b, "<th>");
        html_text(b, tx(t, table_heads[i]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const fleet_station *s = &v[i];
        html_lit(b, s->attention & (FLEET_REVOKED | FLEET_SILENT) ? "<tr class=\"flagged\">"
                                                                   : "<tr>");
        td(b, t, "fleet.station", "wrap");
        html_lit(b, "<a href=\"/station/");
        html_url(b, s->id);
        html_lit(b, "\">");
        html_text(b, s->id);
        html_lit(b, "</a></td>");
        td(b, t, "fleet.district", NULL);
        html_text(b, s->district);
        html_lit(b, "</td>");
        td(b, t, "fleet.label", "wrap");
        html_text(b, s->label);
        html_lit(b, "</td>");
        td(b, t, "fleetx.attention", NULL);
        put_attention(b, t, s);
        html_lit(b, "</td>");
        td(b, t, "station.software", NULL);
        html_text(b, s->software[0] ? s->software : "-");
        html_lit(b, "</td>");
        td(b, t, "fleetx.content", "wrap");
        put_content(b, s->content);
        html_lit(b, "</td>");
        td(b, t, "fleet.last_heartbeat", "nowrap");
        put_when(b, t, s->last_heartbeat);
        html_lit(b, "</td>");
        td(b, t, "fleet.last_upload", "nowrap");
        put_when(b, t, s->last_upload);
        if (s->last_stick > 0 && s->last_stick >= s->last_upload) {
            html_lit(b, "<br><small class=\"stick\">");
            html_text(b, tx(t, "fleetx.by_stick"));
            html_lit(b, "</small>");
        }
        html_lit(b, "</td>");
        td(b, t, "fleet.pending", "num");
        html_int(b, s->pending);
        html_lit(b, "</td>");
        td(b, t, "fleetx.oldest", "num");
        put_oldest(b, t, s);
        html_lit(b, "</td>");
        td(b, t, "fleetx.disk", "num");
        put_bytes(b, t, s->heard ? s->disk_free_bytes : 0, true);
        html_lit(b, "</td>");
        td(b, t, "fleetx.skew", "num");
        put_skew(b, t, s->has_skew, s->skew_s, true);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
}

void fleet_html_list(html_buf *b, const fleet_text *t, const char *district,
                     const char *silent_days, const fleet_station *v, size_t n, size_t page,
                     size_t per_page, const char *here)
{
    const fleet_limits *l = t->limits;
    html_lit(b, "<h1>");
    html_text(b, tx(t, "fleetx.title"));
    html_lit(b, "</h1><p class=\"scope\" id=\"scope\">");
    if (district)
        html_tr(b, tx(t, "overview.scope_district"), "district", district, (const char *)NULL);
    else
        html_text(b, tx(t, "overview.scope_all"));
    char skew[32], disk[32], many[32], oldest[32], count[32];
    snprintf(skew, sizeof skew, "%lld", (long long)(l->skew_max_s / 60));
    snprintf(disk, sizeof disk, "%lld", (long long)(l->disk_low_bytes >> 30));
    snprintf(many, sizeof many, "%lld", (long long)l->waiting_many);
    snprintf(oldest, sizeof oldest, "%lld", (long long)(l->oldest_max_s / 86400));
    snprintf(count, sizeof count, "%zu", n);
    html_lit(b, " · ");
    html_tr(b, tx(t, "fleetx.count"), "n", count, (const char *)NULL);
    html_lit(b, "</p><p class=\"scope\" id=\"order\">");
    html_tr(b, tx(t, "fleetx.order"), "days", silent_days, "skew", skew, "disk", disk, "many", many,
            "oldest", oldest, (const char *)NULL);
    html_lit(b, "</p>");
    size_t pages = n ? (n + per_page - 1) / per_page : 1;
    if (n == 0) {
        html_lit(b, "<p class=\"msg\" id=\"fleet-empty\">");
        html_text(b, tx(t, "fleet.empty"));
        html_lit(b, "</p>");
    } else if (page >= 1 && page <= pages) {
        size_t from = (page - 1) * per_page;
        fleet_html_table(b, t, v + from, n - from < per_page ? n - from : per_page);
    }
    if (pages < 2)
        return;
    html_lit(b, "<nav class=\"pages\" id=\"fleet-pages\">");
    for (size_t p = 1; p <= pages; p++) {
        char num[32];
        snprintf(num, sizeof num, "%zu", p);
        if (p == page) {
            html_lit(b, "<strong>");
            html_text(b, num);
            html_lit(b, "</strong>");
            continue;
        }
        html_lit(b, "<a href=\"");
        html_text(b, here);
        html_lit(b, strchr(here, '?') ? "&amp;page=" : "?page=");
        html_text(b, num);
        html_lit(b, "\">");
        html_text(b, num);
        html_lit(b, "</a>");
    }
    html_lit(b, "</nav>");
}

static void fact_start(html_buf *b, const fleet_text *t, const char *key, const char *id)
{
    html_lit(b, "<dt>");
    html_text(b, tx(t, key));
    html_lit(b, "</dt><dd id=\"");
    html_text(b, id);
    html_lit(b, "\">");
}

void fleet_html_facts(html_buf *b, const fleet_text *t, const fleet_station *s)
{
    fact_start(b, t, "fleetx.attention", "f-attention");
    put_attention(b, t, s);
    html_lit(b, "</dd>");
    fact_start(b, t, "fleetx.content", "f-content");
    put_content(b, s->content);
    html_lit(b, "</dd>");
    fact_start(b, t, "fleetx.oldest", "f-oldest");
    put_oldest(b, t, s);
    html_lit(b, "</dd>");
    fact_start(b, t, "fleetx.disk", "f-disk");
    put_bytes(b, t, s->heard ? s->disk_free_bytes : 0, false);
    html_lit(b, "</dd>");
    fact_start(b, t, "fleetx.skew", "f-skew");
    put_skew(b, t, s->has_skew, s->skew_s, false);
    html_lit(b, "</dd>");
}

/* The pending results over time, as an inline SVG polyline (no script,
 * no style attribute: the page's Content-Security-Policy allows none). */
static void put_chart(html_buf *b, const fleet_text *t, const fleet_history *h)
{
    if (h->chart_n < 2)
        return;
    const int W = 600, H = 120, L = 40, B = 18, T = 8;
    int64_t t0 = h->chart_t[0], t1 = h->chart_t[h->chart_n - 1], pmax = 1;
    for (size_t i = 0; i < h->chart_n; i++)
        if (h->chart_pending[i] > pmax)
            pmax = h->chart_pending[i];
    if (t1 <= t0)
        t1 = t0 + 1;
    char n[64], tmax[32], from[64], to[64];
    snprintf(n, sizeof n, "%zu", h->chart_n);
    html_lit(b, "<h3>");
    html_tr(b, tx(t, "fleetx.chart"), "n", n, (const char *)NULL);
    html_lit(b, "</h3><svg id=\"pending-chart\" role=\"img\" viewBox=\"0 0 600 120\" class=\"chart\""
                " xmlns=\"http://www.w3.org/2000/svg\"><title>");
    html_tr(b, tx(t, "fleetx.chart"), "n", n, (const char *)NULL);
    html_lit(b, "</title><rect x=\"40\" y=\"8\" width=\"556\" height=\"94\" fill=\"#fff\""
                " stroke=\"#d5dbe3\"/><polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"2\""
                " points=\"");
    for (size_t i = 0; i < h->chart_n; i++) {
        double x = L + (double)(h->chart_t[i] - t0) * (W - L - 4) / (double)(t1 - t0);
        double y = T + (H - B - T) * (1.0 - (double)h->chart_pending[i] / (double)pmax);
        char pt[64];
        snprintf(pt, sizeof pt, "%s%.1f,%.1f", i ? " " : "", x, y);
        html_text(b, pt);
    }
    snprintf(tmax, sizeof tmax, "%lld", (long long)pmax);
    fmt_time(t0, from, sizeof from);
    fmt_time(t1, to, sizeof to);
    html_lit(b, "\"/><text x=\"36\" y=\"16\" text-anchor=\"end\" font-size=\"13\">");
    html_text(b, tmax);
    html_lit(b, "</text><text x=\"36\" y=\"102\" text-anchor=\"end\" font-size=\"13\">0</text>"
                "<text x=\"40\" y=\"116\" font-size=\"13\">");
    html_text(b, from);
    html_lit(b, "</text><text x=\"596\" y=\"116\" text-anchor=\"end\" font-size=\"13\">");
    html_text(b, to);
    html_lit(b, "</text></svg>");
}

static const char *const history_heads[] = {"fleetx.received", "fleetx.how",  "fleet.pending",
                                            "fleetx.oldest",   "station.software", "fleetx.skew",
                                            "fleetx.disk"};

void fleet_html_history(html_buf *b, const fleet_text *t, const char *station_id,
                        const fleet_history *h)
{
    char n[32];
    html_lit(b, "<h2 id=\"history-title\">");
    html_text(b, tx(t, "fleetx.history"));
    html_lit(b, "</h2><p class=\"scope\" id=\"history-kept\">");
    snprintf(n, sizeof n, "%lld", (long long)h->total);
    html_tr(b, tx(t, "fleetx.kept"), "n", n, (const char *)NULL);
    html_lit(b, "</p>");
    put_chart(b, t, h);
    if (h->n == 0) {
        html_lit(b, "<p class=\"msg\" id=\"history-empty\">");
        html_text(b, tx(t, "fleetx.history_empty"));
        html_lit(b, "</p>");
        return;
    }
    html_lit(b, "<table id=\"history\" class=\"results\"><thead><tr>");
    for (size_t i = 0; i < sizeof history_heads / sizeof history_heads[0]; i++) {
        html_lit(b, "<th>");
        html_text(b, tx(t, history_heads[i]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < h->n; i++) {
        const fleet_beat *r = &h->rows[i];
        char ts[64];
        fmt_time(r->received_wall, ts, sizeof ts);
        html_lit(b, r->by_stick ? "<tr class=\"stick\">" : "<tr>");
        td(b, t, "fleetx.received", "nowrap");
        html_text(b, ts);
        html_lit(b, "</td>");
        td(b, t, "fleetx.how", NULL);
        html_text(b, tx(t, r->by_stick ? "fleetx.by_stick" : "fleetx.by_network"));
        html_lit(b, "</td>");
        if (r->by_stick) {
            /* A stick's upload carries no heartbeat central keeps. */
            for (int k = 2; k < 7; k++) {
                td(b, t, history_heads[k], k == 4 ? NULL : "num");
                html_lit(b, "-</td>");
            }
            html_lit(b, "</tr>");
            continue;
        }
        td(b, t, "fleet.pending", "num");
        html_int(b, r->pending);
        html_lit(b, "</td>");
        td(b, t, "fleetx.oldest", "num");
        if (r->pending > 0)
            put_duration(b, t, r->oldest_pending_s);
        else
            html_lit(b, "-");
        html_lit(b, "</td>");
        td(b, t, "station.software", NULL);
        html_text(b, r->software[0] ? r->software : "-");
        html_lit(b, "</td>");
        td(b, t, "fleetx.skew", "num");
        put_skew(b, t, r->has_skew, r->skew_s, true);
        html_lit(b, "</td>");
        td(b, t, "fleetx.disk", "num");
        put_bytes(b, t, r->disk_free_bytes, true);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
    if (h->newer || h->older) {
        html_lit(b, "<nav class=\"pages\" id=\"history-pages\">");
        if (h->newer) {
            html_lit(b, "<a href=\"/station/");
            html_url(b, station_id);
            html_lit(b, "#history-title\">");
            html_text(b, tx(t, "page.first"));
            html_lit(b, "</a><a rel=\"prev\" href=\"/station/");
            html_url(b, station_id);
            html_lit(b, "?after=");
            snprintf(n, sizeof n, "%lld", (long long)h->newer);
            html_text(b, n);
            html_lit(b, "#history-title\">");
            html_text(b, tx(t, "fleetx.newer"));
            html_lit(b, "</a>");
        }
        if (h->older) {
            html_lit(b, "<a rel=\"next\" href=\"/station/");
            html_url(b, station_id);
            html_lit(b, "?before=");
            snprintf(n, sizeof n, "%lld", (long long)h->older);
            html_text(b, n);
            html_lit(b, "#history-title\">");
            html_text(b, tx(t, "fleetx.older"));
            html_lit(b, "</a>");
        }
        html_lit(b, "</nav>");
    }
}
