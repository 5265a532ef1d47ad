/*
 * stats.c - see stats.h. One in-memory SQLite connection with central.db
 * attached as "c" and results.db as "r", both through read-only URIs
 * (mode=ro): this connection can neither write nor checkpoint them. A file
 * that does not exist yet is stood in for by empty in-memory tables of
 * the same names, and attached for real at the first call that finds it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "cstore.h"
#include "sqlro.h"
#include "stats.h"
#include "stats_int.h"

struct stats {
    sqlite3 *db;
    pthread_mutex_t mu;
    char central_path[4200], results_path[4200];
    bool c_file, r_file; /* attached the file (true) or the empty stand-in */
    fleetsrc_pg *pg;     /* a postgresql:// store: every call goes there */
};

const char *stats_central_path(const stats *s)
{
    return s->pg ? NULL : s->central_path;
}

const char *stats_results_path(const stats *s)
{
    return s->pg ? NULL : s->results_path;
}

fleetsrc_pg *stats_pg(const stats *s)
{
    return s->pg;
}

static const char c_empty[] =
    "CREATE TABLE c.stations(station_id TEXT PRIMARY KEY, district TEXT, label TEXT,"
    " issued_wall INTEGER, revoked INTEGER);";
static const char r_empty[] =
    "CREATE TABLE r.results(station_id TEXT, seq INTEGER, received_wall INTEGER);"
    "CREATE TABLE r.batches(station_id TEXT, received_wall INTEGER);"
    "CREATE TABLE r.heartbeat_latest(station_id TEXT PRIMARY KEY, received_wall INTEGER,"
    " pending INTEGER, oldest_pending_s INTEGER, software TEXT);"
    "CREATE TABLE r.stick_latest(station_id TEXT PRIMARY KEY, received_wall INTEGER);"
    "CREATE TABLE r.results_by_quarter(station_id TEXT, quarter INTEGER, n INTEGER,"
    " PRIMARY KEY(quarter, station_id));"
    "CREATE TABLE r.results_by_station(station_id TEXT PRIMARY KEY, n INTEGER);";


/* Attaches path as schema (read-only), or the empty stand-in when the
 * file is not there. */
static sq_status attach(stats *s, const char *path, const char *schema, const char *empty,
                        const char *must_have, bool *is_file, sq_err *err)
{
    char uri[9000], sql[9200];
    bool exists = access(path, F_OK) == 0;
    sqlite3_stmt *q = NULL;
    if (exists) {
        console_ro_uri(path, uri, sizeof uri);
        if (sqlite3_prepare_v2(s->db, "ATTACH ?1 AS ?2", -1, &q, NULL) != SQLITE_OK)
            return console_seterr(err, SQ_EIO, path, sqlite3_errmsg(s->db));
        sqlite3_bind_text(q, 1, uri, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, schema, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            return console_seterr(err, SQ_EIO, path, sqlite3_errmsg(s->db));
        /* The file must be the store it claims to be. */
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.sqlite_master WHERE name = ?1", schema);
        int64_t found = 0;
        if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, must_have, -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW)
                found = sqlite3_column_int64(q, 0);
        }
        sqlite3_finalize(q);
        if (found != 1) {
            snprintf(sql, sizeof sql, "DETACH %s", schema);
            sqlite3_exec(s->db, sql, NULL, NULL, NULL);
            return console_seterr(err, SQ_ECORRUPT, path, "not the store it should be (no table there)");
        }
        *is_file = true;
        return SQ_OK;
    }
    snprintf(sql, sizeof sql, "ATTACH ':memory:' AS %s", schema);
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, empty, NULL, NULL, NULL) != SQLITE_OK)
        return console_seterr(err, SQ_EIO, "attaching an empty stand-in", sqlite3_errmsg(s->db));
    *is_file = false;
    return SQ_OK;
}

/* A stand-in whose file has appeared since is swapped for the file. */
static sq_status refresh(stats *s, sq_err *err)
{
    sq_status st = SQ_OK;
    if (!s->c_file && access(s->central_path, F_OK) == 0) {
        sqlite3_exec(s->db, "DETACH c", NULL, NULL, NULL);
        st = attach(s, s->central_path, "c", c_empty, "stations", &s->c_file, err);
    }
    if (!st && !s->r_file && access(s->results_path, F_OK) == 0) {
        sqlite3_exec(s->db, "DETACH r", NULL, NULL, NULL);
        st = attach(s, s->results_path, "r", r_empty, "heartbeat_latest", &s->r_file, err);
    }
    return st;
}

sq_status stats_open(const char *home, const char *store, stats **out, sq_err *err)
{
    *out = NULL;
    stats *s = calloc(1, sizeof *s);
    if (!s)
        return console_seterr(err, SQ_ENOMEM, "stats", "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    sq_status st = SQ_OK;
    if (cstore_is_url(store)) {
        if ((st = fleetsrc_pg_open(store, &s->pg, err)))
            goto fail;
        *out = s;
        return SQ_OK;
    }
    snprintf(s->central_path, sizeof s->central_path, "%s/central.db", home);
    if (store && *store)
        snprintf(s->results_path, sizeof s->results_path, "%s", store);
    else
        snprintf(s->results_path, sizeof s->results_path, "%s/results.db", home);
    if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) !=
        SQLITE_OK) {
        st = console_seterr(err, SQ_ENOMEM, "stats", "cannot open SQLite");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if ((st = attach(s, s->central_path, "c", c_empty, "stations", &s->c_file, err)) ||
        (st = attach(s, s->results_path, "r", r_empty, "heartbeat_latest", &s->r_file, err)))
        goto fail;
    *out = s;
    return SQ_OK;
fail:
    stats_close(s);
    return st;
}

void stats_close(stats *s)
{
    if (!s)
        return;
    fleetsrc_pg_close(s->pg);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Whether the attached result store has the table (stick_latest: its
 * schema 3; results_by_quarter: 5). */
static bool has_table(stats *s, const char *name)
{
    sqlite3_stmt *q;
    bool yes = false;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM r.sqlite_master WHERE name = ?1", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW)
            yes = sqlite3_column_int(q, 0) == 1;
    }
    sqlite3_finalize(q);
    return yes;
}

static void bind_district(sqlite3_stmt *q, const char *district)
{
    if (district)
        sqlite3_bind_text(q, 1, district, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 1);
}

sq_status stats_overview_get(stats *s, const char *district, const stats_when *w, stats_overview *o,
                             sq_err *err)
{
    static const char fleet_sql[] =
        "SELECT count(*) FILTER (WHERE NOT s.revoked), count(*) FILTER (WHERE s.revoked),"
        " count(*) FILTER (WHERE NOT s.revoked AND"
        "   max(coalesce(h.received_wall, 0), s.issued_wall) < ?2 - ?3),"
        " coalesce(sum(h.pending) FILTER (WHERE NOT s.revoked), 0),"
        " count(*) FILTER (WHERE NOT s.revoked AND h.pending > 0),"
        " coalesce(max(h.oldest_pending_s + (?2 - h.received_wall))"
        "   FILTER (WHERE NOT s.revoked AND h.pending > 0), 0)"
        " FROM c.stations s LEFT JOIN r.heartbeat_latest h ON h.station_id = s.station_id"
        " WHERE ?1 IS NULL OR s.district = ?1";
    /* The results from the store's summary by quarter of an hour (its
     * schema 5: a few rows a station a day, kept on every write), or, in
     * a store the receiver has not upgraded yet, from every result. A
     * day starts on a quarter hour in every time zone. */
#define IN_DISTRICT "(?1 IS NULL OR station_id IN (SELECT station_id FROM c.stations WHERE district = ?1))"
    static const char results_sql[] =
        "SELECT (SELECT coalesce(sum(n), 0) FROM r.results_by_quarter"
        "   WHERE quarter >= ?2 / 900 AND " IN_DISTRICT "),"
        " (SELECT coalesce(sum(n), 0) FROM r.results_by_quarter"
        "   WHERE quarter >= ?3 / 900 AND " IN_DISTRICT "),"
        " (SELECT coalesce(sum(n), 0) FROM r.results_by_station WHERE " IN_DISTRICT ")";
    static const char results_sql_v4[] =
        "SELECT count(*) FILTER (WHERE x.received_wall >= ?2),"
        " count(*) FILTER (WHERE x.received_wall >= ?3), count(*) FROM r.results x"
        " WHERE ?1 IS NULL OR x.station_id IN (SELECT station_id FROM c.stations"
        " WHERE district = ?1)";
    sqlite3_stmt *q = NULL;
    sq_status st;
    int rc = SQLITE_OK;
    memset(o, 0, sizeof *o);
    if (s->pg)
        return fleetsrc_pg_overview(s->pg, district, w, o, err);
    pthread_mutex_lock(&s->mu);
    if ((st = refresh(s, err)))
        goto out;
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    if ((rc = sqlite3_prepare_v2(s->db, fleet_sql, -1, &q, NULL)) == SQLITE_OK) {
        bind_district(q, district);
        sqlite3_bind_int64(q, 2, w->now);
        sqlite3_bind_int64(q, 3, w->silent_after_s);
        if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            o->stations = sqlite3_column_int64(q, 0);
            o->revoked = sqlite3_column_int64(q, 1);
            o->silent = sqlite3_column_int64(q, 2);
            o->waiting = sqlite3_column_int64(q, 3);
            o->stations_waiting = sqlite3_column_int64(q, 4);
            o->oldest_waiting_s = sqlite3_column_int64(q, 5);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == SQLITE_OK &&
        (rc = sqlite3_prepare_v2(s->db, has_table(s, "results_by_quarter") ? results_sql
                                                                             : results_sql_v4,
                                 -1, &q, NULL)) == SQLITE_OK) {
        bind_district(q, district);
        sqlite3_bind_int64(q, 2, w->day_start);
        sqlite3_bind_int64(q, 3, STATS_WEEK_START(w));
        if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            o->results_today = sqlite3_column_int64(q, 0);
            o->results_week = sqlite3_column_int64(q, 1);
            o->results_all = sqlite3_column_int64(q, 2);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(q);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        st = console_seterr(err, SQ_EIO, "reading the overview", sqlite3_errmsg(s->db));
out:
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* The stations, with column 12 when a stick last carried each in: STICK
 * is the store's stick_latest (schema 3) or 0 for a store of an earlier
 * build (the receiver upgrades it at its next start); COUNT how many
 * results central holds of each, from the summary (schema 5) or by
 * counting them. The last upload, as the Fleet has it (fleet.h): when
 * the highest-numbered result arrived, or the stick if later (one look-up
 * in the results' primary key, not a scan of every batch). The
 * conditions on ?6 are those of the Overview's numbers
 * (stats_overview_get). */
#define QUARTER_COUNT                                                                              \
    "coalesce((SELECT q.n FROM r.results_by_station q WHERE q.station_id = s.station_id), 0)"
#define ROW_COUNT "(SELECT count(*) FROM r.results x WHERE x.station_id = s.station_id)"
#define STATIONS_SQL(STICK, COUNT)                                                                 \
    "SELECT s.station_id, s.district, s.label, s.revoked, s.issued_wall,"                          \
    " coalesce(h.received_wall, 0), coalesce(h.pending, 0),"                                       \
    " CASE WHEN h.pending > 0 THEN h.oldest_pending_s + (?2 - h.received_wall) ELSE 0 END,"        \
    " coalesce(h.software, ''), max(coalesce((SELECT x.received_wall FROM r.results x"             \
    "   WHERE x.station_id = s.station_id ORDER BY x.seq DESC LIMIT 1), 0), " STICK "),"           \
    " " COUNT ","                                                                                  \
    " NOT s.revoked AND max(coalesce(h.received_wall, 0), s.issued_wall) < ?2 - ?3 AS silent,"     \
    " " STICK " FROM c.stations s LEFT JOIN r.heartbeat_latest h ON h.station_id = s.station_id"   \
    " WHERE (?1 IS NULL OR s.district = ?1) AND (?5 IS NULL OR s.station_id = ?5)"                 \
    " AND (?6 = 0"                                                                                 \
    "   OR (?6 = 1 AND NOT s.revoked AND max(coalesce(h.received_wall, 0), s.issued_wall) < ?2 - " \
    "?3)"                                                                                          \
    "   OR (?6 = 2 AND NOT s.revoked AND h.pending > 0)"                                           \
    "   OR (?6 = 3 AND s.revoked))"                                                                \
    " ORDER BY s.revoked, silent DESC, coalesce(h.pending, 0) DESC, s.station_id LIMIT ?4"

#define STICK_WALL                                                                                 \
    "coalesce((SELECT k.received_wall FROM r.stick_latest k WHERE k.station_id = s.station_id), 0)"
static const char stations_sql[] = STATIONS_SQL(STICK_WALL, QUARTER_COUNT);
static const char stations_sql_v4[] = STATIONS_SQL(STICK_WALL, ROW_COUNT);
static const char stations_sql_v2[] = STATIONS_SQL("0", ROW_COUNT);

static void row_station(sqlite3_stmt *q, stats_station *st)
{
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", (const char *)sqlite3_column_text(q, 0));
    snprintf(st->district, sizeof st->district, "%s", (const char *)sqlite3_column_text(q, 1));
    snprintf(st->label, sizeof st->label, "%s", (const char *)sqlite3_column_text(q, 2));
    st->revoked = sqlite3_column_int(q, 3) != 0;
    st->enrolled_wall = sqlite3_column_int64(q, 4);
    st->last_heartbeat = sqlite3_column_int64(q, 5);
    st->pending = sqlite3_column_int64(q, 6);
    st->oldest_pending_s = sqlite3_column_int64(q, 7);
    snprintf(st->software, sizeof st->software, "%s", (const char *)sqlite3_column_text(q, 8));
    st->last_upload = sqlite3_column_int64(q, 9);
    st->results = sqlite3_column_int64(q, 10);
    st->silent = sqlite3_column_int(q, 11) != 0;
    st->last_stick = sqlite3_column_int64(q, 12);
}


static sq_status walk(stats *s, const char *district, const char *id, stats_show show,
                      const stats_when *w, int limit, stats_station_fn fn, void *ctx, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_status st;
    int rc;
    if (s->pg)
        return fleetsrc_pg_stations(s->pg, district, id, show, w, limit, fn, ctx, err);
    pthread_mutex_lock(&s->mu);
    if ((st = refresh(s, err)))
        goto out;
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    const char *sql = has_table(s, "results_by_quarter") ? stations_sql
                      : has_table(s, "stick_latest")     ? stations_sql_v4
                                                         : stations_sql_v2;
    if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) == SQLITE_OK) {
        bind_district(q, district);
        sqlite3_bind_int64(q, 2, w->now);
        sqlite3_bind_int64(q, 3, w->silent_after_s);
        sqlite3_bind_int(q, 4, limit);
        if (id)
            sqlite3_bind_text(q, 5, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 6, (int)show);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            stats_station row;
            row_station(q, &row);
            if (fn(ctx, &row)) {
                rc = SQLITE_DONE;
                break;
            }
        }
    }
    sqlite3_finalize(q);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_DONE)
        st = console_seterr(err, SQ_EIO, "reading the stations", sqlite3_errmsg(s->db));
out:
    pthread_mutex_unlock(&s->mu);
    return st;
}

sq_status stats_stations(stats *s, const char *district, stats_show show, const stats_when *w,
                         int limit, stats_station_fn fn, void *ctx, sq_err *err)
{
    return walk(s, district, NULL, show, w, limit, fn, ctx, err);
}

typedef struct {
    stats_station *st;
    bool found;
} one_station;

static int take_one(void *ctx, const stats_station *st)
{
    one_station *o = ctx;
    *o->st = *st;
    o->found = true;
    return 1;
}

sq_status stats_station_get(stats *s, const char *id, const stats_when *w, stats_station *st,
                            sq_err *err)
{
    one_station o = {st, false};
    memset(st, 0, sizeof *st);
    sq_status rc = walk(s, NULL, id, STATS_ALL, w, 1, take_one, &o, err);
    if (rc)
        return rc;
    return o.found ? SQ_OK : console_seterr(err, SQ_ENOTFOUND, "station", "not enrolled");
}

sq_status stats_district_stations(stats *s, const char *district, int64_t *n, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_status st;
    *n = 0;
    if (s->pg)
        return fleetsrc_pg_district_stations(s->pg, district, n, err);
    pthread_mutex_lock(&s->mu);
    if ((st = refresh(s, err)))
        goto out;
    int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM c.stations WHERE district = ?1", -1,
                                &q, NULL);
    if (rc == SQLITE_OK) {
        bind_district(q, district);
        if ((rc = sqlite3_step(q)) == SQLITE_ROW)
            *n = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        st = console_seterr(err, SQ_EIO, "reading the stations", sqlite3_errmsg(s->db));
out:
    pthread_mutex_unlock(&s->mu);
    return st;
}
