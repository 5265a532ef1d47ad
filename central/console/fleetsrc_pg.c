/*
 * fleetsrc_pg.c - the console's reading side on PostgreSQL (stats_int.h):
 * the Overview's numbers, the stations behind them, the Fleet's rows and
 * a station's heartbeat history, from central's one database, where the
 * station registry (stations) and the result store (results, batches,
 * heartbeats, heartbeat_latest, stick_latest) live side by side
 * (cstore_pg.c). The same questions as stats.c and fleet.c ask of
 * SQLite's central.db and results.db, in PostgreSQL's words (greatest()
 * for SQLite's two-argument max(), revoked compared with 0, the
 * parameters typed), so both engines give the same numbers.
 *
 * One read-only connection per handle (default_transaction_read_only),
 * under the handle's mutex; a call that reads more than one statement
 * reads one snapshot (REPEATABLE READ). A connection the server dropped
 * is made again at the next call. The console's sessions say "synaq-
 * central r PID": they never hold up a receiver or a migrate-store.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "fleetsrc_pg.h"
#include "pgconn.h"
#include "sqlro.h"

#define WHAT "console"

struct fleetsrc_pg {
    PGconn *conn;
    pthread_mutex_t mu;
};

sq_status fleetsrc_pg_open(const char *url, fleetsrc_pg **out, sq_err *err)
{
    *out = NULL;
    fleetsrc_pg *p = calloc(1, sizeof *p);
    if (!p)
        return console_seterr(err, SQ_ENOMEM, "stats", "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    sq_status st = console_pg_connect(url, false, WHAT, &p->conn, err);
    if (st) {
        fleetsrc_pg_close(p);
        return st;
    }
    *out = p;
    return SQ_OK;
}

void fleetsrc_pg_close(fleetsrc_pg *p)
{
    if (!p)
        return;
    PQfinish(p->conn);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static sq_status enter(fleetsrc_pg *p, sq_err *err)
{
    pthread_mutex_lock(&p->mu);
    sq_status st = console_pg_alive(p->conn, false, WHAT, err);
    if (st)
        pthread_mutex_unlock(&p->mu);
    return st;
}

static PGresult *query(fleetsrc_pg *p, const char *sql, int n, const char *const *v,
                       const char *doing, sq_err *err)
{
    return console_pg_exec(p->conn, sql, n, v, PGRES_TUPLES_OK, WHAT, doing, err);
}

/* A snapshot for a call of several statements. */
static sq_status snap_begin(fleetsrc_pg *p, sq_err *err)
{
    PGresult *r = console_pg_exec(p->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
                                  NULL, PGRES_COMMAND_OK, WHAT, "starting a read", err);
    PQclear(r);
    return r ? SQ_OK : err ? err->code : SQ_EIO;
}

static void snap_end(fleetsrc_pg *p)
{
    PQclear(PQexec(p->conn, "COMMIT"));
}

static int64_t num(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static bool truth(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static void text(char *out, size_t cap, const PGresult *r, int row, int col)
{
    snprintf(out, cap, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static sq_status failed(sq_err *err)
{
    return err ? err->code : SQ_EIO;
}

/* ---- the Overview ---- */

/* A station is heard from at its last heartbeat, or at its enrolment
 * when it never sent one (stats.c: max(coalesce(...), issued_wall)). */
#define HEARD "greatest(coalesce(h.received_wall, 0), s.issued_wall)"
#define STICK                                                                                      \
    "coalesce((SELECT k.received_wall FROM stick_latest k WHERE k.station_id = s.station_id), 0)"

sq_status fleetsrc_pg_overview(fleetsrc_pg *p, const char *district, const stats_when *w,
                               stats_overview *o, sq_err *err)
{
    static const char fleet_sql[] =
        "SELECT count(*) FILTER (WHERE s.revoked = 0), count(*) FILTER (WHERE s.revoked <> 0),"
        " count(*) FILTER (WHERE s.revoked = 0 AND " HEARD " < $2::bigint - $3::bigint),"
        " coalesce(sum(h.pending) FILTER (WHERE s.revoked = 0), 0),"
        " count(*) FILTER (WHERE s.revoked = 0 AND h.pending > 0),"
        " coalesce(max(h.oldest_pending_s + ($2::bigint - h.received_wall))"
        "   FILTER (WHERE s.revoked = 0 AND h.pending > 0), 0)"
        " FROM stations s LEFT JOIN heartbeat_latest h ON h.station_id = s.station_id"
        " WHERE $1::text IS NULL OR s.district = $1";
    /* From the store's summary by quarter of an hour (stats.c). */
#define IN_DISTRICT                                                                                \
    "($1::text IS NULL OR station_id IN (SELECT station_id FROM stations WHERE district = $1))"
    static const char results_sql[] =
        "SELECT (SELECT coalesce(sum(n), 0) FROM results_by_quarter"
        "   WHERE quarter >= $2::bigint / 900 AND " IN_DISTRICT "),"
        " (SELECT coalesce(sum(n), 0) FROM results_by_quarter"
        "   WHERE quarter >= $3::bigint / 900 AND " IN_DISTRICT "),"
        " (SELECT coalesce(sum(n), 0) FROM results_by_station WHERE " IN_DISTRICT ")";
    memset(o, 0, sizeof *o);
    sq_status st = enter(p, err);
    if (st)
        return st;
    char now[24], after[24], day[24], week[24];
    snprintf(now, sizeof now, "%lld", (long long)w->now);
    snprintf(after, sizeof after, "%lld", (long long)w->silent_after_s);
    snprintf(day, sizeof day, "%lld", (long long)w->day_start);
    snprintf(week, sizeof week, "%lld", (long long)STATS_WEEK_START(w));
    const char *fv[] = {district, now, after};
    const char *rv[] = {district, day, week};
    PGresult *r = NULL;
    if ((st = snap_begin(p, err)))
        goto out;
    if (!(r = query(p, fleet_sql, 3, fv, "reading the overview", err))) {
        st = failed(err);
        goto done;
    }
    o->stations = num(r, 0, 0);
    o->revoked = num(r, 0, 1);
    o->silent = num(r, 0, 2);
    o->waiting = num(r, 0, 3);
    o->stations_waiting = num(r, 0, 4);
    o->oldest_waiting_s = num(r, 0, 5);
    PQclear(r);
    if (!(r = query(p, results_sql, 3, rv, "reading the overview", err))) {
        st = failed(err);
        goto done;
    }
    o->results_today = num(r, 0, 0);
    o->results_week = num(r, 0, 1);
    o->results_all = num(r, 0, 2);
done:
    PQclear(r);
    snap_end(p);
out:
    pthread_mutex_unlock(&p->mu);
    return st;
}

sq_status fleetsrc_pg_stations(fleetsrc_pg *p, const char *district, const char *id,
                               stats_show show, const stats_when *w, int limit,
                               stats_station_fn fn, void *ctx, sq_err *err)
{
    /* stats.c's STATIONS_SQL, column for column. */
    static const char sql[] =
        "SELECT s.station_id, s.district, s.label, s.revoked, s.issued_wall,"
        " coalesce(h.received_wall, 0), coalesce(h.pending, 0),"
        " CASE WHEN h.pending > 0 THEN h.oldest_pending_s + ($2::bigint - h.received_wall)"
        " ELSE 0 END, coalesce(h.software, ''),"
        " greatest(coalesce((SELECT x.received_wall FROM results x"
        "   WHERE x.station_id = s.station_id ORDER BY x.seq DESC LIMIT 1), 0), " STICK "),"
        " coalesce((SELECT q.n FROM results_by_station q WHERE q.station_id = s.station_id), 0),"
        " (s.revoked = 0 AND " HEARD " < $2::bigint - $3::bigint) AS silent, " STICK
        " FROM stations s LEFT JOIN heartbeat_latest h ON h.station_id = s.station_id"
        " WHERE ($1::text IS NULL OR s.district = $1) AND ($5::text IS NULL OR s.station_id = $5)"
        " AND ($6::int = 0"
        "   OR ($6::int = 1 AND s.revoked = 0 AND " HEARD " < $2::bigint - $3::bigint)"
        "   OR ($6::int = 2 AND s.revoked = 0 AND h.pending > 0)"
        "   OR ($6::int = 3 AND s.revoked <> 0))"
        " ORDER BY s.revoked, silent DESC, coalesce(h.pending, 0) DESC, s.station_id"
        " LIMIT $4::bigint";
    sq_status st = enter(p, err);
    if (st)
        return st;
    char now[24], after[24], lim[24], how[8];
    snprintf(now, sizeof now, "%lld", (long long)w->now);
    snprintf(after, sizeof after, "%lld", (long long)w->silent_after_s);
    snprintf(lim, sizeof lim, "%d", limit);
    snprintf(how, sizeof how, "%d", (int)show);
    const char *v[] = {district, now, after, lim, id, how};
    PGresult *r = query(p, sql, 6, v, "reading the stations", err);
    if (!r)
        st = failed(err);
    for (int i = 0; r && i < PQntuples(r); i++) {
        stats_station s;
        memset(&s, 0, sizeof s);
        text(s.id, sizeof s.id, r, i, 0);
        text(s.district, sizeof s.district, r, i, 1);
        text(s.label, sizeof s.label, r, i, 2);
        s.revoked = num(r, i, 3) != 0;
        s.enrolled_wall = num(r, i, 4);
        s.last_heartbeat = num(r, i, 5);
        s.pending = num(r, i, 6);
        s.oldest_pending_s = num(r, i, 7);
        text(s.software, sizeof s.software, r, i, 8);
        s.last_upload = num(r, i, 9);
        s.results = num(r, i, 10);
        s.silent = truth(r, i, 11);
        s.last_stick = num(r, i, 12);
        if (fn(ctx, &s))
            break;
    }
    PQclear(r);
    pthread_mutex_unlock(&p->mu);
    return st;
}

sq_status fleetsrc_pg_district_stations(fleetsrc_pg *p, const char *district, int64_t *n,
                                        sq_err *err)
{
    *n = 0;
    sq_status st = enter(p, err);
    if (st)
        return st;
    const char *v[] = {district};
    PGresult *r = query(p, "SELECT count(*) FROM stations WHERE district = $1", 1, v,
                        "reading the stations", err);
    if (r)
        *n = num(r, 0, 0);
    else
        st = failed(err);
    PQclear(r);
    pthread_mutex_unlock(&p->mu);
    return st;
}

/* ---- the Fleet ---- */

sq_status fleetsrc_pg_rows(fleetsrc_pg *p, const char *district, const char *id, int64_t now,
                           fleet_station **out, size_t *n, sq_err *err)
{
    /* fleet.c's LIST_SQL, column for column. */
    static const char sql[] =
        "SELECT s.station_id, s.district, s.label, s.revoked, s.issued_wall,"
        " h.received_wall, coalesce(h.pending, 0),"
        " CASE WHEN h.pending > 0 THEN h.oldest_pending_s + ($3::bigint - h.received_wall)"
        " ELSE 0 END, coalesce(h.software, ''), coalesce(h.content, ''),"
        " coalesce(h.disk_free_bytes, 0), coalesce(h.station_wall_s, 0),"
        " coalesce((SELECT x.received_wall FROM results x WHERE x.station_id = s.station_id"
        "   ORDER BY x.seq DESC LIMIT 1), 0),"
        " coalesce((SELECT k.received_wall FROM stick_latest k"
        "   WHERE k.station_id = s.station_id), 0)"
        " FROM stations s LEFT JOIN heartbeat_latest h ON h.station_id = s.station_id"
        " WHERE ($1::text IS NULL OR s.district = $1) AND ($2::text IS NULL OR s.station_id = $2)";
    *out = NULL;
    *n = 0;
    sq_status st = enter(p, err);
    if (st)
        return st;
    char now_s[24];
    snprintf(now_s, sizeof now_s, "%lld", (long long)now);
    const char *v[] = {district, id, now_s};
    PGresult *r = query(p, sql, 3, v, "reading the fleet", err);
    fleet_station *rows = NULL;
    size_t len = r ? (size_t)PQntuples(r) : 0;
    if (!r) {
        st = failed(err);
    } else if (len && !(rows = calloc(len, sizeof *rows))) {
        st = console_seterr(err, SQ_ENOMEM, "fleet", "out of memory");
        len = 0;
    }
    for (size_t k = 0; k < len; k++) {
        int i = (int)k;
        fleet_station *s = &rows[k];
        text(s->id, sizeof s->id, r, i, 0);
        text(s->district, sizeof s->district, r, i, 1);
        text(s->label, sizeof s->label, r, i, 2);
        s->revoked = num(r, i, 3) != 0;
        s->enrolled_wall = num(r, i, 4);
        s->heard = !PQgetisnull(r, i, 5);
        s->last_heartbeat = num(r, i, 5);
        s->pending = num(r, i, 6);
        s->oldest_pending_s = num(r, i, 7);
        text(s->software, sizeof s->software, r, i, 8);
        text(s->content, sizeof s->content, r, i, 9);
        s->disk_free_bytes = num(r, i, 10);
        int64_t wall = num(r, i, 11);
        s->has_skew = s->heard && wall > 0;
        s->skew_s = s->has_skew ? wall - s->last_heartbeat : 0;
        s->last_upload = num(r, i, 12);
        s->last_stick = num(r, i, 13);
        if (s->last_stick > s->last_upload)
            s->last_upload = s->last_stick;
    }
    PQclear(r);
    pthread_mutex_unlock(&p->mu);
    if (st) {
        free(rows);
        return st;
    }
    *out = rows;
    *n = len;
    return SQ_OK;
}

#define BEAT_COLUMNS                                                                               \
    "id, received_wall, pending, oldest_pending_s, disk_free_bytes, station_wall_s, software"

static void row_beat(const PGresult *r, int i, fleet_beat *b)
{
    memset(b, 0, sizeof *b);
    b->id = num(r, i, 0);
    b->received_wall = num(r, i, 1);
    b->pending = num(r, i, 2);
    b->oldest_pending_s = num(r, i, 3);
    b->disk_free_bytes = num(r, i, 4);
    int64_t wall = num(r, i, 5);
    b->has_skew = wall > 0;
    b->skew_s = b->has_skew ? wall - b->received_wall : 0;
    text(b->software, sizeof b->software, r, i, 6);
}

sq_status fleetsrc_pg_page(fleetsrc_pg *p, const char *station_id, int64_t cursor, bool after,
                           fleet_beat_page *pg, sq_err *err)
{
    memset(pg, 0, sizeof *pg);
    sq_status st = enter(p, err);
    if (st)
        return st;
    char cur[24], rows[24], points[24];
    snprintf(cur, sizeof cur, "%lld", (long long)cursor);
    snprintf(rows, sizeof rows, "%d", FLEET_HISTORY_ROWS + 1);
    snprintf(points, sizeof points, "%d", FLEET_CHART_POINTS);
    const char *v[] = {station_id, cur, rows};
    const char *cv[] = {station_id, points};
    PGresult *r = NULL;
    if ((st = snap_begin(p, err)))
        goto out;
    if (cursor) {
        if (!(r = query(p, "SELECT 1 FROM heartbeats WHERE id = $2::bigint AND station_id = $1",
                        2, v, "reading the heartbeat history", err))) {
            st = failed(err);
            goto done;
        }
        if (PQntuples(r) != 1) {
            st = console_seterr(err, SQ_ENOTFOUND, "heartbeat history", "no such heartbeat");
            goto done;
        }
        PQclear(r);
    }
    /* One more than a page, to know whether there is another. */
    r = query(p,
              after ? "SELECT " BEAT_COLUMNS " FROM heartbeats WHERE station_id = $1"
                      " AND id > $2::bigint ORDER BY id LIMIT $3::bigint"
                    : "SELECT " BEAT_COLUMNS " FROM heartbeats WHERE station_id = $1"
                      " AND ($2::bigint = 0 OR id < $2::bigint) ORDER BY id DESC"
                      " LIMIT $3::bigint",
              3, v, "reading the heartbeat history", err);
    if (!r) {
        st = failed(err);
        goto done;
    }
    for (int i = 0; i < PQntuples(r) && pg->n < FLEET_HISTORY_ROWS + 1; i++)
        row_beat(r, i, &pg->got[pg->n++]);
    PQclear(r);
    if (!(r = query(p, "SELECT count(*) FROM heartbeats WHERE station_id = $1", 1, v,
                    "reading the heartbeat history", err))) {
        st = failed(err);
        goto done;
    }
    pg->total = num(r, 0, 0);
    PQclear(r);
    /* The chart: the newest, turned oldest first. */
    if (!(r = query(p,
                    "SELECT received_wall, pending FROM (SELECT id, received_wall, pending"
                    " FROM heartbeats WHERE station_id = $1 ORDER BY id DESC LIMIT $2::bigint)"
                    " t ORDER BY id",
                    2, cv, "reading the heartbeat history", err))) {
        st = failed(err);
        goto done;
    }
    for (int i = 0; i < PQntuples(r) && pg->chart_n < FLEET_CHART_POINTS; i++) {
        pg->chart_t[pg->chart_n] = num(r, i, 0);
        pg->chart_pending[pg->chart_n++] = num(r, i, 1);
    }
done:
    PQclear(r);
    snap_end(p);
out:
    pthread_mutex_unlock(&p->mu);
    return st;
}
