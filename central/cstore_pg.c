/*
 * cstore_pg.c - central's result store on PostgreSQL (see cstore.h), for
 * the country: any number of receivers, on one machine or several, store
 * into one database. cstore_front.c picks it for a postgresql:// or
 * postgres:// URL (libpq's syntax; a password can also come from
 * ~/.pgpass, which keeps it out of the process list).
 *
 * Exactly-once holds across receivers because the database enforces it,
 * not a process's memory: batches.batch_id and results (station_id, seq)
 * are primary keys, written with INSERT ... ON CONFLICT DO NOTHING, and an
 * upload's transaction first locks its station's row of progress, so two
 * receivers racing on one station's uploads take turns; uploads of
 * different stations run side by side. Two receivers given the same batch:
 * the second waits on the first's batch row, then finds it (a duplicate,
 * acknowledged again), or finds other bytes under the id (a conflict).
 * Transactions are READ COMMITTED with those row locks; a deadlock or
 * serialization failure (which the lock order should make impossible) and
 * a lost connection are retried, since an upload stored twice is a
 * duplicate. A call returns after the server's COMMIT (synchronous_commit
 * on), so the receiver acknowledges only what is durable.
 *
 * A handle is a small pool of connections (PG_POOL at most), each used by
 * one call at a time: the first opened with the handle, others when every
 * open one is in use, so a receiver's threads store uploads of different
 * stations side by side and the server can commit them together.
 * Statements are prepared on a connection on their first use there.
 * Parameters and results travel in binary (no escaping of bytea).
 * Load: each upload is about ten round trips plus one per result, on a
 * local socket tens of microseconds each.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "cstore_int.h"

#define PG_SCHEMA 5
#define PG_APP "synaq-results"
/* pg_advisory_xact_lock key ("SQCR" and 1): receivers starting together on
 * an empty database create the schema once, one after the other. */
#define PG_SCHEMA_LOCK 0x5351435200000001LL
/* How often one upload is tried when the server reports a deadlock or a
 * serialization failure, or the connection is lost and comes back. */
#define PG_TRIES 4

/* Type oids of the parameters (pg_type.h is the server's, not libpq's). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
#define OID_INT8_ARRAY 1016
#define OID_BYTEA_ARRAY 1001

#define HB_COLUMNS                                                                                 \
    "station_id, received_wall, software, content, pending, oldest_pending_s,"                     \
    " disk_free_bytes, station_wall_s, last_seq, counter, integrity"

enum {
    Q_LOCK_STATION,
    Q_PROGRESS_GET,
    Q_ADVANCE_SET,
    Q_CLAIM_PUT,
    Q_BATCH_GET,
    Q_BATCH_SHA,
    Q_RESULT_DIFF,
    Q_RESULT_MAX,
    Q_RESULT_EACH,
    Q_HB_COUNTER,
    Q_HB_LATEST_PUT,
    Q_HB_PUT,
    Q_HB_LATEST_GET,
    Q_HB_EACH,
    Q_HB_PRUNE,
    Q_STICK_PUT,
    Q_STICK_GET,
    Q_COUNT
};

/* Each statement's SQL and its parameters' types: t text, i int8, b bytea. */
static const struct {
    const char *sql;
    const char *types;
} statement[Q_COUNT] = {
    /* Locks the station's row (made if missing) for the rest of the
     * transaction and reads its highest contiguous seq. The no-op update
     * is what takes the lock in the same round trip; the dead row it
     * leaves is a HOT update, cheap to reclaim. */
    [Q_LOCK_STATION] = {"INSERT INTO progress(station_id, highest) VALUES ($1, 0)"
                        " ON CONFLICT (station_id) DO UPDATE SET highest = progress.highest"
                        " RETURNING highest",
                        "t"},
    [Q_PROGRESS_GET] = {"SELECT highest FROM progress WHERE station_id = $1", "t"},
    /* Moves the station's highest contiguous seq up over what is stored
     * now: to the end of the run of stored seqs right after it. Returns
     * the new value, and no row (nothing written) when it stays. The
     * run's end is found walking the primary key up from the old value,
     * a probe per seq, stopping at the first without a successor: as a
     * NOT EXISTS, the planner made it an anti-join that read every result
     * of the station at each upload (perf: most of the server's CPU). */
    [Q_ADVANCE_SET] = {"UPDATE progress p SET highest = a.h FROM (SELECT CASE WHEN EXISTS"
                       " (SELECT 1 FROM results WHERE station_id = $1 AND seq = q.highest + 1)"
                       " THEN (SELECT r.seq FROM results r WHERE r.station_id = $1"
                       " AND r.seq > q.highest AND (SELECT 1 FROM results n"
                       " WHERE n.station_id = $1 AND n.seq = r.seq + 1) IS NULL"
                       " ORDER BY r.seq LIMIT 1) ELSE q.highest END AS h"
                       " FROM progress q WHERE q.station_id = $1) a"
                       " WHERE p.station_id = $1 AND p.highest <> a.h RETURNING p.highest",
                       "t"},
    /* Claims the batch id and, only when this claimed it, stores every
     * result of the batch (two arrays: seqs and sealed bytes) in one
     * statement: how many it claimed (0 or 1) and how many results it
     * stored (those held already are left as they are). */
    [Q_CLAIM_PUT] = {"WITH b AS (INSERT INTO batches(batch_id, station_id, sha256, len_bytes,"
                     " n_results, received_wall) VALUES ($4, $1, $6, $7, $8, $5)"
                     " ON CONFLICT (batch_id) DO NOTHING RETURNING 1),"
                     " r AS (INSERT INTO results(station_id, seq, sealed, batch_id, received_wall)"
                     " SELECT $1, u.seq, u.sealed, $4, $5 FROM unnest($2::int8[], $3::bytea[])"
                     " AS u(seq, sealed) WHERE EXISTS (SELECT 1 FROM b)"
                     " ON CONFLICT (station_id, seq) DO NOTHING RETURNING 1)"
                     " SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM r)",
                     "tIBtibii"},
    [Q_BATCH_GET] = {"SELECT sha256, station_id FROM batches WHERE batch_id = $1", "t"},
    [Q_BATCH_SHA] = {"SELECT sha256 FROM batches WHERE batch_id = $1", "t"},
    /* The lowest seq of the arrays held with other bytes (NULL: none). */
    [Q_RESULT_DIFF] = {"SELECT min(u.seq) FROM unnest($2::int8[], $3::bytea[]) AS u(seq, sealed)"
                       " JOIN results r ON r.station_id = $1 AND r.seq = u.seq"
                       " WHERE r.sealed <> u.sealed",
                       "tIB"},
    [Q_RESULT_MAX] = {"SELECT coalesce(max(seq), 0) FROM results WHERE station_id = $1", "t"},
    [Q_RESULT_EACH] = {"SELECT station_id, seq, sealed, batch_id, received_wall FROM results"
                       " WHERE ($1::text IS NULL OR station_id = $1) AND seq > $2"
                       " ORDER BY station_id, seq",
                       "ti"},
    [Q_HB_COUNTER] = {"SELECT counter FROM heartbeat_latest WHERE station_id = $1", "t"},
    /* The latest heartbeat, replaced only by a higher counter: the row lock
     * of the upsert orders two receivers' heartbeats of one station. */
    [Q_HB_LATEST_PUT] = {"INSERT INTO heartbeat_latest(station_id, heartbeat_id, received_wall,"
                         " software, content, pending, oldest_pending_s, disk_free_bytes,"
                         " station_wall_s, last_seq, counter, integrity)"
                         " VALUES ($1, -1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                         " ON CONFLICT (station_id) DO UPDATE SET heartbeat_id = -1,"
                         " received_wall = excluded.received_wall, software = excluded.software,"
                         " content = excluded.content, pending = excluded.pending,"
                         " oldest_pending_s = excluded.oldest_pending_s,"
                         " disk_free_bytes = excluded.disk_free_bytes,"
                         " station_wall_s = excluded.station_wall_s,"
                         " last_seq = excluded.last_seq, counter = excluded.counter,"
                         " integrity = excluded.integrity"
                         " WHERE heartbeat_latest.counter < excluded.counter",
                         "tittiiiiiii"},
    /* Its history row, and the latest row pointed at it: only when the
     * statement above replaced the latest row (it marks the row -1, which
     * this statement, in the same transaction, turns into the history
     * row's id; so -1 is never committed). */
    [Q_HB_PUT] = {"WITH h AS (INSERT INTO heartbeats(station_id, received_wall, software,"
                  " content, pending, oldest_pending_s, disk_free_bytes, station_wall_s,"
                  " last_seq, counter, integrity) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9,"
                  " $10, $11 WHERE EXISTS (SELECT 1 FROM heartbeat_latest"
                  " WHERE station_id = $1 AND heartbeat_id = -1) RETURNING id, station_id)"
                  " UPDATE heartbeat_latest l SET heartbeat_id = h.id FROM h"
                  " WHERE l.station_id = h.station_id",
                  "tittiiiiiii"},
    [Q_HB_LATEST_GET] = {"SELECT " HB_COLUMNS " FROM heartbeat_latest WHERE station_id = $1", "t"},
    [Q_HB_EACH] = {"SELECT " HB_COLUMNS " FROM heartbeats WHERE station_id = $1 ORDER BY id", "t"},
    [Q_HB_PRUNE] = {CSTORE_HB_PRUNE_SQL("$1", "$2", "$3", "$4"), "tiii"},
    /* The newest time a stick carried the station in, never moved back. */
    [Q_STICK_PUT] = {"INSERT INTO stick_latest(station_id, received_wall, batch_id)"
                     " VALUES ($1, $2, $3) ON CONFLICT (station_id) DO UPDATE SET"
                     " received_wall = excluded.received_wall, batch_id = excluded.batch_id"
                     " WHERE excluded.received_wall >= stick_latest.received_wall",
                     "tit"},
    [Q_STICK_GET] = {"SELECT received_wall FROM stick_latest WHERE station_id = $1", "t"},
};

/* Version 1, as the SQLite store's first schema; the migrations below
 * bring it up to PG_SCHEMA. Every integer is bigint (results come back
 * in binary as 8 bytes); ids sort by bytes (COLLATE "C"), as SQLite's do,
 * whatever the database's locale. */
static const char *const schema_v1 =
    "CREATE TABLE batches(batch_id text COLLATE \"C\" PRIMARY KEY,"
    " station_id text COLLATE \"C\" NOT NULL, sha256 bytea NOT NULL,"
    " len_bytes bigint NOT NULL, n_results bigint NOT NULL, received_wall bigint NOT NULL);"
    "CREATE TABLE results(station_id text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " sealed bytea NOT NULL, batch_id text COLLATE \"C\" NOT NULL,"
    " received_wall bigint NOT NULL, PRIMARY KEY(station_id, seq));"
    "CREATE TABLE progress(station_id text COLLATE \"C\" PRIMARY KEY, highest bigint NOT NULL);"
    "CREATE TABLE heartbeats(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " station_id text COLLATE \"C\" NOT NULL, received_wall bigint NOT NULL,"
    " software text NOT NULL, content text NOT NULL, pending bigint NOT NULL,"
    " oldest_pending_s bigint NOT NULL, disk_free_bytes bigint NOT NULL,"
    " station_wall_s bigint NOT NULL, last_seq bigint NOT NULL);"
    "CREATE INDEX heartbeats_station ON heartbeats(station_id, id);"
    "CREATE TABLE heartbeat_latest(station_id text COLLATE \"C\" PRIMARY KEY,"
    " heartbeat_id bigint NOT NULL, received_wall bigint NOT NULL, software text NOT NULL,"
    " content text NOT NULL, pending bigint NOT NULL, oldest_pending_s bigint NOT NULL,"
    " disk_free_bytes bigint NOT NULL, station_wall_s bigint NOT NULL,"
    " last_seq bigint NOT NULL);";

/* Each takes the schema from version i + 1 to i + 2, as in the SQLite
 * store (same numbers, same steps). */
static const char *const migrations[] = {
    /* 1 -> 2: heartbeats carry a counter that only grows (a replayed one
     * is refused) and what the station's store found of tampering. */
    "ALTER TABLE heartbeats ADD COLUMN counter bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN integrity bigint NOT NULL DEFAULT 0;"
    "ALTER TABLE heartbeat_latest ADD COLUMN counter bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN integrity bigint NOT NULL DEFAULT 0;",
    /* 2 -> 3: when a stick last carried each station in (ingest), apart
     * from its heartbeats, which only the network brings. */
    "CREATE TABLE stick_latest(station_id text COLLATE \"C\" PRIMARY KEY,"
    " received_wall bigint NOT NULL, batch_id text COLLATE \"C\" NOT NULL);",
    /* 3 -> 4: the station registry (registry_pg.c), here so that every
     * receiver on every machine reads one; the SQLite store's 3 -> 4 is
     * empty (its registry is central.db). registry_audit is append-only. */
    "CREATE TABLE stations(station_id text COLLATE \"C\" PRIMARY KEY,"
    " district text NOT NULL, label text NOT NULL, sign_pk bytea NOT NULL,"
    " box_pk bytea NOT NULL, issued_wall bigint NOT NULL, revoked bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE station_keys(station_id text COLLATE \"C\" NOT NULL,"
    " sign_pk bytea NOT NULL, box_pk bytea NOT NULL, issued_wall bigint NOT NULL,"
    " revoked_wall bigint, PRIMARY KEY(station_id, sign_pk));"
    "CREATE TABLE registry_audit(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " wall bigint NOT NULL, action text NOT NULL, station_id text COLLATE \"C\" NOT NULL,"
    " detail text NOT NULL, by text NOT NULL);"
    "CREATE FUNCTION registry_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the registry audit is append-only'; END$$;"
    "CREATE TRIGGER registry_audit_no_change BEFORE UPDATE OR DELETE ON registry_audit"
    " FOR EACH ROW EXECUTE FUNCTION registry_audit_append_only();"
    "CREATE TRIGGER registry_audit_no_truncate BEFORE TRUNCATE ON registry_audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION registry_audit_append_only();",
    /* 4 -> 5: the staff console's accounts and audit log
     * (console/accounts_pg.c; console.db on SQLite). The audit is
     * append-only for everyone, its owner too: triggers refuse UPDATE,
     * DELETE and TRUNCATE. */
    "CREATE TABLE console_users(name text COLLATE \"C\" PRIMARY KEY, role bigint NOT NULL,"
    " district text NOT NULL, disabled bigint NOT NULL DEFAULT 0, pwhash text NOT NULL,"
    " created_wall bigint NOT NULL, changed_wall bigint NOT NULL);"
    "CREATE TABLE console_audit(n bigint PRIMARY KEY, wall bigint NOT NULL, actor text NOT NULL,"
    " action text NOT NULL, outcome text NOT NULL, detail text NOT NULL, mac bytea NOT NULL);"
    "CREATE TABLE console_meta(k text COLLATE \"C\" PRIMARY KEY, v bytea NOT NULL);"
    "CREATE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the audit log is append-only'; END$$;"
    "CREATE TRIGGER console_audit_no_change BEFORE UPDATE OR DELETE ON console_audit"
    " FOR EACH ROW EXECUTE FUNCTION console_audit_append_only();"
    "CREATE TRIGGER console_audit_no_truncate BEFORE TRUNCATE ON console_audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only();"
    /* ... and, as on SQLite, the results per station and quarter of an
     * hour for the console's Overview, kept by triggers: one statement
     * per batch stored (a transition table), a row's move or delete by
     * row. */
    "CREATE TABLE results_by_quarter(station_id text COLLATE \"C\" NOT NULL,"
    " quarter bigint NOT NULL, n bigint NOT NULL, PRIMARY KEY(quarter, station_id));"
    "INSERT INTO results_by_quarter SELECT station_id, received_wall / 900, count(*)"
    " FROM results GROUP BY 1, 2;"
    "CREATE TABLE results_by_station(station_id text COLLATE \"C\" PRIMARY KEY,"
    " n bigint NOT NULL);"
    "INSERT INTO results_by_station SELECT station_id, count(*) FROM results GROUP BY 1;"
    "CREATE FUNCTION results_by_quarter_add() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN"
    " INSERT INTO results_by_quarter SELECT station_id, received_wall / 900, count(*)"
    " FROM added GROUP BY 1, 2 ON CONFLICT (quarter, station_id)"
    " DO UPDATE SET n = results_by_quarter.n + excluded.n;"
    " INSERT INTO results_by_station SELECT station_id, count(*) FROM added GROUP BY 1"
    " ON CONFLICT (station_id) DO UPDATE SET n = results_by_station.n + excluded.n;"
    " RETURN NULL; END$$;"
    "CREATE TRIGGER results_by_quarter_add AFTER INSERT ON results"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION results_by_quarter_add();"
    "CREATE FUNCTION results_by_quarter_change() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN"
    " UPDATE results_by_quarter SET n = n - 1"
    " WHERE station_id = OLD.station_id AND quarter = OLD.received_wall / 900;"
    " UPDATE results_by_station SET n = n - 1 WHERE station_id = OLD.station_id;"
    " IF TG_OP = 'UPDATE' THEN INSERT INTO results_by_quarter"
    " VALUES (NEW.station_id, NEW.received_wall / 900, 1) ON CONFLICT (quarter, station_id)"
    " DO UPDATE SET n = results_by_quarter.n + 1;"
    " INSERT INTO results_by_station VALUES (NEW.station_id, 1) ON CONFLICT (station_id)"
    " DO UPDATE SET n = results_by_station.n + 1; END IF; RETURN NULL; END$$;"
    "CREATE TRIGGER results_by_quarter_change AFTER UPDATE OF station_id, received_wall OR DELETE"
    " ON results FOR EACH ROW EXECUTE FUNCTION results_by_quarter_change();",
};

/* One connection; used by one thread at a time, which the pool sees to. */
typedef struct pg_store {
    PGconn *conn;
    char where[600]; /* the URL without its password, for messages */
    bool readonly;
    bool prepared[Q_COUNT]; /* on this connection; cleared when it is reset */
} pg_store;

/* Connections a handle opens at most, each when every one open is in
 * use: as many as threads call at once (the receiver runs 4 by default),
 * so that uploads of different stations, and their commits, overlap. */
#define PG_POOL 8

/* The handle: a pool of connections. */
typedef struct pg_pool {
    struct cstore base; /* first: the front calls through base.ops */
    char *url;          /* for the connections opened later */
    bool readonly;
    pthread_mutex_t mu; /* guards conn[] and busy[] */
    pthread_cond_t freed;
    pg_store *conn[PG_POOL]; /* NULL: not open */
    bool busy[PG_POOL];      /* taken by a call, or being opened */
    /* A load (cstore_copy.c): the connection its transaction is on, taken
     * for the whole load, and the table being COPYed into (-1: none). */
    pg_store *load;
    int copying;
    /* A copy's source (pg_read_begin): the connection whose one snapshot,
     * with the tables locked against writers, each_row reads. */
    pg_store *snap;
    char *line; /* a COPY line, grown as rows need */
    size_t line_cap;
} pg_pool;

static const cstore_ops pg_ops;

/* ---- errors ---- */

static sq_status seterr(sq_err *err, sq_status st, const char *msg)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, "%s", msg);
        err->code = st;
    }
    return st;
}

/* libpq's message on one line: its newlines and tabs become spaces. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    bool space = false;
    for (; src && *src && n + 1 < cap; src++) {
        if (*src == '\n' || *src == '\t' || *src == '\r') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap)
            dst[n++] = ' ';
        space = false;
        dst[n++] = *src;
    }
    dst[n] = '\0';
}

/* The status a server error stands for, by its SQLSTATE. */
static sq_status status_of(const char *sqlstate, bool conn_bad)
{
    if (!sqlstate)
        return conn_bad ? SQ_ENET : SQ_EIO;
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57", 2) == 0)
        return SQ_ENET; /* connection lost; server shutting down */
    if (strcmp(sqlstate, "53100") == 0)
        return SQ_EFULL; /* disk full */
    if (strcmp(sqlstate, "53200") == 0)
        return SQ_ENOMEM;
    if (strncmp(sqlstate, "53", 2) == 0 || strncmp(sqlstate, "40", 2) == 0)
        return SQ_EBUSY; /* too many connections, locks; deadlocks after retries */
    if (strncmp(sqlstate, "28", 2) == 0 || strcmp(sqlstate, "42501") == 0)
        return SQ_EAUTH;
    if (strcmp(sqlstate, "25006") == 0)
        return SQ_EREADONLY;
    return SQ_EIO;
}

/* Fills err from a failed result (or from the connection when res is
 * NULL) and returns its status. */
static sq_status pgerr(pg_store *cs, const PGresult *res, const char *what, sq_err *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *text = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!text || !*text)
        text = PQerrorMessage(cs->conn);
    sq_status st = status_of(state, PQstatus(cs->conn) == CONNECTION_BAD);
    if (err) {
        char line[400];
        one_line(line, sizeof line, text);
        snprintf(err->msg, sizeof err->msg, "result store: %s: %s (%s)", what, line, cs->where);
        err->code = st;
    }
    return st;
}

/* Whether the failed result is worth trying the upload again for. */
static bool transient(pg_store *cs, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(cs->conn) == CONNECTION_BAD)
        return true;
    return state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

/* ---- parameters and values in binary ---- */

typedef struct {
    int n;
    const char *val[12];
    int len[12];
    int fmt[12];
    char ints[12][8];
} params;

static void p_text(params *p, const char *s)
{
    p->val[p->n] = s;
    p->len[p->n] = s ? (int)strlen(s) : 0;
    p->fmt[p->n++] = 1;
}

static void p_blob(params *p, const uint8_t *b, size_t len)
{
    p->val[p->n] = (const char *)b;
    p->len[p->n] = (int)len;
    p->fmt[p->n++] = 1;
}

static void p_int(params *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        p->ints[p->n][i] = (char)(u >> (56 - 8 * i));
    p->val[p->n] = p->ints[p->n];
    p->len[p->n] = 8;
    p->fmt[p->n++] = 1;
}

/* A bigint column of a binary result (0 when NULL or not 8 bytes). */
static int64_t v_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return 0;
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | b[i];
    return (int64_t)u;
}

/* A text column: libpq ends every value with a NUL. */
static const char *v_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

/* ---- messages: a URL without its password ---- */

/* Appends len bytes of s to out (cap bytes), as far as they fit. */
static void put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    while (len-- && *n + 1 < cap)
        out[(*n)++] = *s++;
    out[*n] = '\0';
}

void cstore_pg_where(const char *url, char *out, size_t cap)
{
    size_t n = 0;
    if (!cap)
        return;
    out[0] = '\0';
    const char *path = url;
    if (!strstr(path, "://")) {
        put(out, cap, &n, path, strlen(path));
        return;
    }
    /* A password may sit in the authority (user:secret@host) or in the
     * query (password=secret); neither is ever shown. */
    const char *auth = strstr(path, "://") + 3;
    size_t auth_len = strcspn(auth, "/?");
    const char *at = NULL, *colon = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (auth[i] == '@')
            at = auth + i;
    for (const char *q = auth; at && q < at && !colon; q++)
        if (*q == ':')
            colon = q;
    const char *p = auth + auth_len;
    if (colon) {
        put(out, cap, &n, path, (size_t)(colon + 1 - path));
        put(out, cap, &n, "***", 3);
        put(out, cap, &n, at, (size_t)(p - at));
    } else {
        put(out, cap, &n, path, (size_t)(p - path));
    }
    while (*p) {
        bool param_start = p[0] == '?' || p[0] == '&';
        put(out, cap, &n, p, 1);
        p++;
        if (param_start && strncasecmp(p, "password=", 9) == 0) {
            put(out, cap, &n, "password=***", 12);
            p += strcspn(p, "&");
        }
    }
}

/* ---- the connection ---- */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs (IF NOT EXISTS and the like) are not errors */
}

/* What every session of the store sets, on a new or reset connection. */
static sq_status session_setup(pg_store *cs, sq_err *err)
{
    memset(cs->prepared, 0, sizeof cs->prepared);
    PQsetNoticeProcessor(cs->conn, quiet, NULL);
    /* Acknowledge only what is on the server's disk, whatever the server's
     * default; a read-only handle cannot write by mistake. */
    PGresult *r = PQexec(cs->conn, cs->readonly ? "SET synchronous_commit = on;"
                                                  " SET default_transaction_read_only = on"
                                                : "SET synchronous_commit = on");
    sq_status st =
        PQresultStatus(r) == PGRES_COMMAND_OK ? SQ_OK : pgerr(cs, r, "setting up the session", err);
    PQclear(r);
    return st;
}

/* A connection lost since the last call is made again, once. */
static sq_status ensure_conn(pg_store *cs, sq_err *err)
{
    if (PQstatus(cs->conn) == CONNECTION_OK)
        return SQ_OK;
    PQreset(cs->conn);
    if (PQstatus(cs->conn) != CONNECTION_OK)
        return pgerr(cs, NULL, "lost the connection to the server, and could not connect again",
                     err);
    return session_setup(cs, err);
}

/* Prepares the handle's statement id on the connection the first time;
 * name gets its name. -1 with *failed (caller PQclear's) on failure. */
static int prepare(pg_store *cs, int id, char name[16], PGresult **failed)
{
    snprintf(name, 16, "cstore_%d", id);
    *failed = NULL;
    if (cs->prepared[id])
        return 0;
    Oid types[12];
    int n = (int)strlen(statement[id].types);
    for (int i = 0; i < n; i++)
        types[i] = statement[id].types[i] == 'i'   ? OID_INT8
                   : statement[id].types[i] == 'b' ? OID_BYTEA
                   : statement[id].types[i] == 'I' ? OID_INT8_ARRAY
                   : statement[id].types[i] == 'B' ? OID_BYTEA_ARRAY
                                                   : OID_TEXT;
    PGresult *r = PQprepare(cs->conn, name, statement[id].sql, n, types);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *failed = r;
        return -1;
    }
    PQclear(r);
    cs->prepared[id] = true;
    return 0;
}

/* Runs the handle's statement id with p (binary in, binary out); the
 * result when its status is want, else NULL with *failed the failed
 * result (caller PQclear's both; *failed may be NULL when libpq had
 * nothing to give). */
static PGresult *run(pg_store *cs, int id, const params *p, ExecStatusType want, PGresult **failed)
{
    char name[16];
    if (prepare(cs, id, name, failed))
        return NULL;
    PGresult *r = PQexecPrepared(cs->conn, name, p->n, p->val, p->len, p->fmt, 1);
    if (PQresultStatus(r) != want) {
        *failed = r;
        return NULL;
    }
    return r;
}

/* Runs a statement that returns at most one bigint: *v (0 when no row). */
static int run_int(pg_store *cs, int id, const params *p, int64_t *v, PGresult **failed)
{
    PGresult *r = run(cs, id, p, PGRES_TUPLES_OK, failed);
    *v = 0;
    if (!r)
        return -1;
    if (PQntuples(r) > 0)
        *v = v_int(r, 0, 0);
    PQclear(r);
    return 0;
}

/* Runs SQL text without parameters (set-up, BEGIN, COMMIT). */
static PGresult *exec_sql(pg_store *cs, const char *sql, ExecStatusType want, PGresult **failed)
{
    PGresult *r = PQexec(cs->conn, sql);
    *failed = NULL;
    if (PQresultStatus(r) != want) {
        *failed = r;
        return NULL;
    }
    return r;
}

static void rollback(pg_store *cs)
{
    if (PQtransactionStatus(cs->conn) != PQTRANS_IDLE &&
        PQtransactionStatus(cs->conn) != PQTRANS_UNKNOWN)
        PQclear(PQexec(cs->conn, "ROLLBACK"));
}

/* ---- opening: the schema ---- */

/* Creates or upgrades the schema in one transaction, under an advisory
 * lock so that receivers starting together do it once. */
static sq_status prepare_schema(pg_store *cs, sq_err *err)
{
    PGresult *r = NULL, *bad = NULL;
    sq_status st = SQ_OK;
    char sql[256];
    const char *what = "creating the tables";
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", PG_SCHEMA_LOCK);
    if (!(r = exec_sql(cs, sql, PGRES_TUPLES_OK, &bad)))
        goto fail;
    PQclear(r);
    what = "reading the schema version";
    if (!(r = exec_sql(cs,
                       "SELECT to_regclass('cstore_schema') IS NOT NULL,"
                       " (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                       " AND tablename IN ('batches', 'results', 'progress', 'heartbeats',"
                       " 'heartbeat_latest', 'stick_latest', 'stations', 'station_keys',"
                       " 'registry_audit'))::bigint",
                       PGRES_TUPLES_OK, &bad)))
        goto fail;
    bool has_version = PQgetvalue(r, 0, 0)[0] == 't';
    long long ours = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    long long version = 0;
    if (has_version) {
        if (!(r = exec_sql(cs, "SELECT app, version FROM cstore_schema", PGRES_TUPLES_OK, &bad)))
            goto fail;
        bool ok = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), PG_APP) == 0;
        version = ok ? atoll(PQgetvalue(r, 0, 1)) : 0;
        PQclear(r);
        if (!ok) {
            st = SQ_ECORRUPT;
            if (err) {
                snprintf(err->msg, sizeof err->msg,
                         "result store: %s: its cstore_schema table is not Synaq's", cs->where);
                err->code = st;
            }
            goto out;
        }
    } else if (ours > 0) {
        st = SQ_ECORRUPT;
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     "result store: %s holds tables named like the store's but no "
                     "cstore_schema: not Synaq's result store",
                     cs->where);
            err->code = st;
        }
        goto out;
    }
    if (version > PG_SCHEMA) {
        st = SQ_ESTATE;
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     "result store: %s is of schema version %lld, newer than this build knows "
                     "(%d); use a newer synaq-central",
                     cs->where, version, PG_SCHEMA);
            err->code = st;
        }
        goto out;
    }
    if (version == 0) {
        what = "creating the tables";
        if (!(r = exec_sql(cs, schema_v1, PGRES_COMMAND_OK, &bad)))
            goto fail;
        PQclear(r);
        version = 1;
    }
    /* One way to every schema: a new database gets version 1 and then
     * every migration, like an old one. */
    what = "upgrading the schema";
    for (long long v = version; v < PG_SCHEMA; v++) {
        if (!(r = exec_sql(cs, migrations[v - 1], PGRES_COMMAND_OK, &bad)))
            goto fail;
        PQclear(r);
    }
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS cstore_schema(one integer PRIMARY KEY CHECK (one = 1),"
             " app text NOT NULL, version integer NOT NULL);"
             "INSERT INTO cstore_schema VALUES (1, '%s', %d) ON CONFLICT (one) DO UPDATE"
             " SET version = excluded.version; COMMIT",
             PG_APP, PG_SCHEMA);
    if (!(r = exec_sql(cs, sql, PGRES_COMMAND_OK, &bad)))
        goto fail;
    PQclear(r);
    return SQ_OK;
fail:
    st = pgerr(cs, bad, what, err);
out:
    PQclear(bad);
    rollback(cs);
    return st;
}

/* A read-only handle finds the schema this build knows, or says why not. */
static sq_status check_schema(pg_store *cs, sq_err *err)
{
    PGresult *bad = NULL;
    sq_status st = SQ_OK;
    long long version = -1;
    PGresult *r =
        exec_sql(cs, "SELECT to_regclass('cstore_schema') IS NOT NULL", PGRES_TUPLES_OK, &bad);
    if (!r)
        goto fail;
    bool has_version = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!has_version)
        return seterr(err, SQ_ENOTFOUND, "result store: nothing received yet");
    if (!(r = exec_sql(cs, "SELECT version FROM cstore_schema WHERE app = '" PG_APP "'",
                       PGRES_TUPLES_OK, &bad)))
        goto fail;
    if (PQntuples(r) == 1)
        version = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (version < 0)
        return seterr(err, SQ_ECORRUPT,
                      "result store: the database's cstore_schema table is not Synaq's");
    if (version != PG_SCHEMA) {
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     version > PG_SCHEMA
                         ? "result store: %s is of schema version %lld, newer than this build "
                           "knows (%d); use a newer synaq-central"
                         : "result store: %s is of schema version %lld, older than this build's "
                           "(%d); open it once for writing (serve or ingest) to upgrade it",
                     cs->where, version, PG_SCHEMA);
            err->code = SQ_ESTATE;
        }
        return SQ_ESTATE;
    }
    return SQ_OK;
fail:
    st = pgerr(cs, bad, "reading the schema version", err);
    PQclear(bad);
    return st;
}

static void conn_close(pg_store *cs)
{
    if (cs)
        PQfinish(cs->conn); /* NULL is a no-op */
    free(cs);
}

/* The application_name of this process's connections: "synaq-central
 * w PID" for a handle that writes, "synaq-central r PID" for one that
 * only reads. */
void cstore_pg_app_name(bool readonly, char *out, size_t cap)
{
    snprintf(out, cap, "%s%ld", readonly ? "synaq-central r " : CSTORE_PG_APP_WRITER,
             (long)getpid());
}

/* Opens one connection and sets its session up; caller owns *out
 * (conn_close). */
static sq_status conn_open(const char *url, bool readonly, pg_store **out, sq_err *err)
{
    sq_status st = SQ_OK;
    *out = NULL;
    pg_store *cs = calloc(1, sizeof *cs);
    if (!cs)
        return seterr(err, SQ_ENOMEM, "out of memory");
    cs->readonly = readonly;
    cstore_pg_where(url, cs->where, sizeof cs->where);
    /* Each connection says which process holds it and whether it writes,
     * unless the URL names itself (application_name=...): migrate-store
     * refuses a source that a receiver still writes (pg_read_begin). */
    char app[64];
    cstore_pg_app_name(readonly, app, sizeof app);
    const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const vals[] = {url, app, NULL};
    cs->conn = PQconnectdbParams(keys, vals, 1);
    if (!cs->conn) {
        st = seterr(err, SQ_ENOMEM, "out of memory");
        goto fail;
    }
    if (PQstatus(cs->conn) != CONNECTION_OK) {
        /* A server that asked for a password and refused the one given (or
         * got none) is a credentials problem; anything else is reaching
         * it (no server, wrong host or socket, no such database...). */
        bool auth = PQconnectionUsedPassword(cs->conn) || PQconnectionNeedsPassword(cs->conn);
        char line[400];
        one_line(line, sizeof line, PQerrorMessage(cs->conn));
        st = auth ? SQ_EAUTH : SQ_ENET;
        if (err) {
            snprintf(err->msg, sizeof err->msg, "result store: %s %s: %s",
                     auth ? "the server refused the credentials for" : "cannot connect to",
                     cs->where, line);
            err->code = st;
        }
        goto fail;
    }
    if ((st = session_setup(cs, err)))
        goto fail;
    *out = cs;
    return SQ_OK;
fail:
    conn_close(cs);
    return st;
}

static void pg_close(cstore *base);

sq_status cstore_pg_open(const char *url, int flags, cstore **out, sq_err *err)
{
    sq_status st = SQ_OK;
    *out = NULL;
    pg_pool *pl = calloc(1, sizeof *pl);
    if (!pl || !(pl->url = strdup(url))) {
        free(pl);
        return seterr(err, SQ_ENOMEM, "out of memory");
    }
    pl->base.ops = &pg_ops;
    pl->copying = -1;
    pl->readonly = (flags & CSTORE_READONLY) != 0;
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->freed, NULL);
    /* The first connection is opened now, so that a server out of reach
     * or refused credentials stop the caller at start; it sees to the
     * schema. */
    if ((st = conn_open(url, pl->readonly, &pl->conn[0], err)) ||
        (st = pl->readonly ? check_schema(pl->conn[0], err) : prepare_schema(pl->conn[0], err)))
        goto fail;
    *out = &pl->base;
    return SQ_OK;
fail:
    pg_close(&pl->base);
    return st;
}

static void pg_close(cstore *base)
{
    pg_pool *pl = (pg_pool *)base;
    if (!pl)
        return;
    /* A load left open is rolled back by the server when its connection
     * closes. */
    for (int i = 0; i < PG_POOL; i++)
        conn_close(pl->conn[i]);
    free(pl->line);
    if (pl->url) {
        /* It may hold a password. */
        volatile char *p = pl->url;
        while (*p)
            *p++ = 0;
        free(pl->url);
    }
    pthread_cond_destroy(&pl->freed);
    pthread_mutex_destroy(&pl->mu);
    free(pl);
}

/* A connection for one call: a free one, else a new one when fewer than
 * PG_POOL are open, else the first to be given back. NULL with err filled
 * when none is open and none can be opened. Give it back with give. */
static pg_store *take(pg_pool *pl, sq_status *st, sq_err *err)
{
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        int empty = -1, open = 0;
        for (int i = 0; i < PG_POOL; i++) {
            if (pl->conn[i] && !pl->busy[i]) {
                pl->busy[i] = true;
                pthread_mutex_unlock(&pl->mu);
                return pl->conn[i];
            }
            if (pl->conn[i] || pl->busy[i])
                open++;
            else if (empty < 0)
                empty = i;
        }
        if (empty >= 0) {
            pl->busy[empty] = true; /* being opened: no one else takes the slot */
            pthread_mutex_unlock(&pl->mu);
            pg_store *cs = NULL;
            sq_err e = {0};
            sq_status s = conn_open(pl->url, pl->readonly, &cs, &e);
            pthread_mutex_lock(&pl->mu);
            if (s == SQ_OK) {
                pl->conn[empty] = cs;
                pthread_mutex_unlock(&pl->mu);
                return cs;
            }
            pl->busy[empty] = false;
            pthread_cond_broadcast(&pl->freed);
            if (open == 0) {
                pthread_mutex_unlock(&pl->mu);
                *st = s;
                if (err)
                    *err = e;
                return NULL;
            }
            /* Out of reach, or at its connection limit: this call waits for
             * a connection that is open (and says so if the server is gone);
             * a later one tries to open another again. */
        }
        pthread_cond_wait(&pl->freed, &pl->mu);
    }
}

static void give(pg_pool *pl, pg_store *cs)
{
    pthread_mutex_lock(&pl->mu);
    for (int i = 0; i < PG_POOL; i++)
        if (pl->conn[i] == cs)
            pl->busy[i] = false;
    pthread_cond_signal(&pl->freed);
    pthread_mutex_unlock(&pl->mu);
}

/* ---- storing an upload ---- */

static void p_heartbeat(params *p, const sq_heartbeat *hb, int64_t now)
{
    p_text(p, hb->station_id);
    p_int(p, now);
    p_text(p, hb->software);
    p_text(p, hb->content);
    p_int(p, hb->pending);
    p_int(p, hb->oldest_pending_s);
    p_int(p, hb->disk_free_bytes);
    p_int(p, hb->station_wall_s);
    p_int(p, hb->last_seq);
    p_int(p, hb->counter);
    p_int(p, (int64_t)hb->integrity);
}

/* Reads what a refused upload's answer says, outside any transaction. */
static int read_progress(pg_store *cs, const char *station, cstore_ack *ack, PGresult **failed)
{
    params p = {0};
    p_text(&p, station);
    if (run_int(cs, Q_PROGRESS_GET, &p, &ack->highest, failed) ||
        run_int(cs, Q_RESULT_MAX, &p, &ack->held_max, failed) ||
        run_int(cs, Q_HB_COUNTER, &p, &ack->hb_counter, failed))
        return -1;
    return 0;
}

/* Appends a big-endian 32-bit integer. */
static uint8_t *be32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 24);
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
    return o + 4;
}

/* PostgreSQL's binary form of a one-dimensional array of n elements of
 * type elem_oid, no NULLs: a header, then each element's length and
 * bytes. Fills *out (caller frees) and returns its length, 0 when out of
 * memory. */
static size_t array_of(const cstore_upload *up, bool seqs, uint8_t **out)
{
    size_t n = up->n_results, len = 20;
    for (size_t i = 0; i < n; i++)
        len += 4 + (seqs ? 8 : up->results[i].len);
    uint8_t *b = malloc(len), *o = b;
    *out = b;
    if (!b)
        return 0;
    o = be32(o, 1); /* dimensions */
    o = be32(o, 0); /* no NULLs */
    o = be32(o, seqs ? OID_INT8 : OID_BYTEA);
    o = be32(o, (uint32_t)n);
    o = be32(o, 1); /* lower bound */
    for (size_t i = 0; i < n; i++) {
        const cstore_result *r = &up->results[i];
        if (seqs) {
            o = be32(o, 8);
            o = be32(o, (uint32_t)((uint64_t)r->seq >> 32));
            o = be32(o, (uint32_t)r->seq);
        } else {
            o = be32(o, (uint32_t)r->len);
            memcpy(o, r->sealed, r->len);
            o += r->len;
        }
    }
    return len;
}

/* ---- an upload's statements in one pipeline ---- */

/* Statements of one pipeline, at most. */
#define PIPE_MAX 12

/* The statements sent in a pipeline, and their results once it ends. */
typedef struct {
    int n;
    int id[PIPE_MAX];
    PGresult *res[PIPE_MAX];
} pipe_run;

static void pipe_clear(pipe_run *pr)
{
    for (int i = 0; i < pr->n; i++)
        PQclear(pr->res[i]);
    memset(pr, 0, sizeof *pr);
}

/* Queues statement id (prepared already) with p: -1 when libpq cannot. */
static int pipe_send(pg_store *cs, pipe_run *pr, int id, const params *p)
{
    char name[16];
    snprintf(name, sizeof name, "cstore_%d", id);
    if (pr->n == PIPE_MAX || !PQsendQueryPrepared(cs->conn, name, p->n, p->val, p->len, p->fmt, 1))
        return -1;
    pr->id[pr->n++] = id;
    return 0;
}

/* Leaves pipeline mode however the pipeline went. A connection lost on
 * the way is left to ensure_conn (making it again ends the pipeline, and
 * the upload is tried again); one still up that cannot leave (results
 * not collected) is made again here, so the next call finds it usable. */
static void pipe_leave(pg_store *cs)
{
    if (PQpipelineStatus(cs->conn) == PQ_PIPELINE_OFF || PQexitPipelineMode(cs->conn) ||
        PQstatus(cs->conn) != CONNECTION_OK)
        return;
    PQreset(cs->conn);
    if (PQstatus(cs->conn) == CONNECTION_OK)
        (void)session_setup(cs, NULL);
}

/* Sends the sync that ends the pipeline, collects each statement's
 * result in order (pr->res) and leaves pipeline mode. 0 when every one
 * has the status it should (rows, or a command done); else -1 with
 * *failed the first that failed (a copy the caller PQclear's; NULL when
 * the connection was lost and libpq gave none). */
static int pipe_end(pg_store *cs, pipe_run *pr, PGresult **failed)
{
    int rc = PQpipelineSync(cs->conn) ? 0 : -1;
    *failed = NULL;
    for (int i = 0; rc == 0 && i < pr->n; i++) {
        PGresult *r = PQgetResult(cs->conn);
        if (!r) {
            rc = -1;
            break;
        }
        pr->res[i] = r;
        /* each statement's results end with a NULL */
        for (PGresult *more; (more = PQgetResult(cs->conn));)
            PQclear(more);
    }
    if (rc == 0) {
        PGresult *s = PQgetResult(cs->conn);
        if (PQresultStatus(s) != PGRES_PIPELINE_SYNC)
            rc = -1;
        PQclear(s);
    }
    pipe_leave(cs);
    for (int i = 0; i < pr->n && pr->res[i]; i++) {
        ExecStatusType t = PQresultStatus(pr->res[i]);
        if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
            /* The first error; those after it were only skipped. */
            if (!*failed && t == PGRES_FATAL_ERROR) {
                *failed = pr->res[i];
                pr->res[i] = NULL;
            }
            rc = -1;
        }
    }
    return rc;
}

/* One try at storing the upload: SQ_OK with ack filled, or a status with
 * *retry set when trying again may succeed.
 *
 * Every statement of the upload goes to the server in one pipeline (one
 * round trip, where one per statement cost twelve): lock the station's
 * progress row, claim the batch id and store its results (one statement,
 * the results only when this claimed the batch), the heartbeat (its
 * history row only when it is newer than the latest) or the stick's
 * time, the counts the acknowledgement carries, and the station's
 * highest contiguous seq moved up. Then, on what came back, COMMIT (one
 * round trip more), or ROLLBACK for a refused upload. Only when the batch
 * id was held already, or some results were, does a statement more
 * look at what is held. */
static sq_status put_once(pg_store *cs, const cstore *base, const cstore_upload *up,
                          cstore_ack *ack, bool *retry, sq_err *err)
{
    static const int used[] = {Q_LOCK_STATION, Q_CLAIM_PUT,  Q_HB_LATEST_PUT, Q_HB_PUT,
                               Q_HB_PRUNE,     Q_STICK_PUT,  Q_HB_COUNTER,    Q_RESULT_MAX,
                               Q_ADVANCE_SET,  Q_BATCH_GET,  Q_RESULT_DIFF,   Q_PROGRESS_GET};
    const char *station = up->hb->station_id;
    PGresult *r = NULL, *bad = NULL;
    const char *what = "preparing statements";
    sq_status st = SQ_OK;
    params p;
    pipe_run pr = {0};
    uint8_t *seqs = NULL, *sealed = NULL;
    size_t seqs_len = 0, sealed_len = 0;
    int64_t start = 0, claimed = 0, stored = 0;
    int at_claim = -1, at_counter = -1;
    *retry = false;
    memset(ack, 0, sizeof *ack);
    if ((st = ensure_conn(cs, err))) {
        *retry = true;
        return st;
    }
    /* Statements are prepared outside the pipeline, once a connection. */
    char name[16];
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (prepare(cs, used[i], name, &bad))
            goto fail;
    if (up->batch_id) {
        seqs_len = array_of(up, true, &seqs);
        sealed_len = array_of(up, false, &sealed);
        if (!seqs_len || !sealed_len) {
            free(seqs);
            free(sealed);
            return seterr(err, SQ_ENOMEM, "result store: out of memory");
        }
    }
    what = "storing the upload";
    if (!PQenterPipelineMode(cs->conn))
        goto fail;
    if (!PQsendQueryParams(cs->conn, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, NULL, NULL,
                           NULL, 0))
        goto fail_pipe;
    pr.id[pr.n++] = -1;
    p = (params){0};
    p_text(&p, station);
    if (pipe_send(cs, &pr, Q_LOCK_STATION, &p))
        goto fail_pipe;
    if (up->batch_id) {
        p = (params){0};
        p_text(&p, station);
        p_blob(&p, seqs, seqs_len);
        p_blob(&p, sealed, sealed_len);
        p_text(&p, up->batch_id);
        p_int(&p, up->received_wall_s);
        p_blob(&p, up->batch_sha256, 32);
        p_int(&p, (int64_t)up->batch_len);
        p_int(&p, (int64_t)up->n_results);
        at_claim = pr.n;
        if (pipe_send(cs, &pr, Q_CLAIM_PUT, &p))
            goto fail_pipe;
    }
    if (!up->by_stick) {
        p = (params){0};
        p_heartbeat(&p, up->hb, up->received_wall_s);
        if (pipe_send(cs, &pr, Q_HB_LATEST_PUT, &p) || pipe_send(cs, &pr, Q_HB_PUT, &p))
            goto fail_pipe;
        /* The history stays within its cap, whatever a station sends. */
        p = (params){0};
        p_text(&p, station);
        p_int(&p, base->hb_keep);
        p_int(&p, up->received_wall_s);
        p_int(&p, base->hb_days);
        if (pipe_send(cs, &pr, Q_HB_PRUNE, &p))
            goto fail_pipe;
    } else {
        p = (params){0};
        p_text(&p, station);
        p_int(&p, up->received_wall_s);
        p_text(&p, up->batch_id ? up->batch_id : "");
        if (pipe_send(cs, &pr, Q_STICK_PUT, &p))
            goto fail_pipe;
    }
    p = (params){0};
    p_text(&p, station);
    at_counter = pr.n;
    if (pipe_send(cs, &pr, Q_HB_COUNTER, &p) || pipe_send(cs, &pr, Q_RESULT_MAX, &p) ||
        pipe_send(cs, &pr, Q_ADVANCE_SET, &p))
        goto fail_pipe;
    if (pipe_end(cs, &pr, &bad))
        goto fail;
    start = PQntuples(pr.res[1]) ? v_int(pr.res[1], 0, 0) : 0;
    if (at_claim >= 0) {
        claimed = v_int(pr.res[at_claim], 0, 0);
        stored = v_int(pr.res[at_claim], 0, 1);
    }
    ack->n_new = (size_t)stored;
    ack->hb_counter = PQntuples(pr.res[at_counter]) ? v_int(pr.res[at_counter], 0, 0) : 0;
    ack->held_max = PQntuples(pr.res[at_counter + 1]) ? v_int(pr.res[at_counter + 1], 0, 0) : 0;
    ack->highest =
        PQntuples(pr.res[at_counter + 2]) ? v_int(pr.res[at_counter + 2], 0, 0) : start;
    pipe_clear(&pr);
    if (up->batch_id && !claimed) {
        /* Held already, or stored by another receiver that has committed
         * by now (the claim waited for it): this upload stored nothing. */
        what = "reading batches";
        p = (params){0};
        p_text(&p, up->batch_id);
        if (!(r = run(cs, Q_BATCH_GET, &p, PGRES_TUPLES_OK, &bad)))
            goto fail;
        bool same = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 32 &&
                    memcmp(PQgetvalue(r, 0, 0), up->batch_sha256, 32) == 0 &&
                    strcmp(v_text(r, 0, 1), station) == 0;
        PQclear(r);
        ack->outcome = same ? CSTORE_DUPLICATE : CSTORE_CONFLICT;
        if (!same)
            goto refuse;
    } else if (up->batch_id && (size_t)stored < up->n_results) {
        /* Some were held already: byte-identical (from another batch),
         * or the lowest held with other bytes makes this a conflict. */
        what = "reading results";
        p = (params){0};
        p_text(&p, station);
        p_blob(&p, seqs, seqs_len);
        p_blob(&p, sealed, sealed_len);
        if (!(r = run(cs, Q_RESULT_DIFF, &p, PGRES_TUPLES_OK, &bad)))
            goto fail;
        bool differ = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
        int64_t seq = differ ? v_int(r, 0, 0) : 0;
        PQclear(r);
        if (differ) {
            ack->outcome = CSTORE_CONFLICT;
            ack->conflict_seq = seq;
            goto refuse;
        }
    }
    what = "committing";
    if (!(r = exec_sql(cs, "COMMIT", PGRES_COMMAND_OK, &bad)))
        goto fail;
    /* COMMIT of a transaction the server had aborted answers ROLLBACK. */
    bool committed = strcmp(PQcmdStatus(r), "COMMIT") == 0;
    PQclear(r);
    free(seqs);
    free(sealed);
    if (!committed) {
        memset(ack, 0, sizeof *ack);
        return seterr(err, SQ_EIO, "result store: the server rolled the upload back");
    }
    return SQ_OK;
refuse:
    /* Nothing of a refused upload is kept, its heartbeat neither. */
    free(seqs);
    free(sealed);
    seqs = sealed = NULL;
    rollback(cs);
    ack->n_new = 0;
    what = "reading progress";
    if (read_progress(cs, station, ack, &bad))
        goto fail;
    return SQ_OK;
fail_pipe:
    /* libpq could not queue a statement: what was queued is collected
     * (its results dropped) so that the connection leaves the pipeline. */
    (void)pipe_end(cs, &pr, &bad);
fail:
    *retry = transient(cs, bad);
    st = pgerr(cs, bad, what, err);
    PQclear(bad);
    pipe_clear(&pr);
    free(seqs);
    free(sealed);
    rollback(cs);
    memset(ack, 0, sizeof *ack);
    return st;
}

static sq_status pg_put_upload(cstore *base, const cstore_upload *up, cstore_ack *ack, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs;
    sq_status st;
    bool retry = false;
    memset(ack, 0, sizeof *ack);
    if (pl->readonly)
        return seterr(err, SQ_EREADONLY, "result store: opened read-only");
    if (!(cs = take(pl, &st, err)))
        return st;
    for (int attempt = 1;; attempt++) {
        st = put_once(cs, base, up, ack, &retry, err);
        if (!st || !retry || attempt == PG_TRIES)
            break;
        /* A short pause that grows, so that racing receivers part. */
        struct timespec ts = {0, (long)attempt * 5000000L + (long)(random() % 5000000L)};
        nanosleep(&ts, NULL);
    }
    give(pl, cs);
    return st;
}

/* ---- reading ---- */

static sq_status pg_highest(cstore *base, const char *station_id, int64_t *highest, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs;
    PGresult *bad = NULL;
    params p = {0};
    sq_status st;
    *highest = 0;
    if (!(cs = take(pl, &st, err)))
        return st;
    if (!(st = ensure_conn(cs, err))) {
        p_text(&p, station_id);
        if (run_int(cs, Q_PROGRESS_GET, &p, highest, &bad))
            st = pgerr(cs, bad, "reading progress", err);
    }
    PQclear(bad);
    give(pl, cs);
    return st;
}

/* Columns: HB_COLUMNS. */
static void row_heartbeat(const PGresult *r, int row, sq_heartbeat *hb, int64_t *received)
{
    memset(hb, 0, sizeof *hb);
    snprintf(hb->station_id, sizeof hb->station_id, "%s", v_text(r, row, 0));
    *received = v_int(r, row, 1);
    snprintf(hb->software, sizeof hb->software, "%s", v_text(r, row, 2));
    snprintf(hb->content, sizeof hb->content, "%s", v_text(r, row, 3));
    hb->pending = v_int(r, row, 4);
    hb->oldest_pending_s = v_int(r, row, 5);
    hb->disk_free_bytes = v_int(r, row, 6);
    hb->station_wall_s = v_int(r, row, 7);
    hb->last_seq = v_int(r, row, 8);
    hb->counter = v_int(r, row, 9);
    hb->integrity = (uint32_t)v_int(r, row, 10);
}

static sq_status pg_heartbeat_latest(cstore *base, const char *station_id, sq_heartbeat *hb,
                                     int64_t *received_wall_s, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs;
    PGresult *r = NULL, *bad = NULL;
    params p = {0};
    sq_status st;
    if (!(cs = take(pl, &st, err)))
        return st;
    if ((st = ensure_conn(cs, err)))
        goto out;
    p_text(&p, station_id);
    if (!(r = run(cs, Q_HB_LATEST_GET, &p, PGRES_TUPLES_OK, &bad))) {
        st = pgerr(cs, bad, "reading heartbeats", err);
    } else if (PQntuples(r) == 0) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "station '%s' has sent no heartbeat", station_id);
            err->code = SQ_ENOTFOUND;
        }
        st = SQ_ENOTFOUND;
    } else {
        row_heartbeat(r, 0, hb, received_wall_s);
    }
out:
    PQclear(r);
    PQclear(bad);
    give(pl, cs);
    return st;
}

static sq_status pg_stick_latest(cstore *base, const char *station_id, int64_t *received_wall_s,
                                 sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs;
    PGresult *r = NULL, *bad = NULL;
    params p = {0};
    sq_status st;
    if (!(cs = take(pl, &st, err)))
        return st;
    if ((st = ensure_conn(cs, err)))
        goto out;
    p_text(&p, station_id);
    if (!(r = run(cs, Q_STICK_GET, &p, PGRES_TUPLES_OK, &bad))) {
        st = pgerr(cs, bad, "reading when sticks came", err);
    } else if (PQntuples(r) == 0) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "station '%s' was never carried in by stick",
                     station_id);
            err->code = SQ_ENOTFOUND;
        }
        st = SQ_ENOTFOUND;
    } else {
        *received_wall_s = v_int(r, 0, 0);
    }
out:
    PQclear(r);
    PQclear(bad);
    give(pl, cs);
    return st;
}

/* Sends statement id and hands each row to row_fn in turn (single-row
 * mode: a walk of millions of rows holds one in memory), until row_fn
 * returns non-zero; the rest are read and dropped, as libpq wants. */
typedef int (*row_fn)(void *ctx, const PGresult *r);
static sq_status walk(pg_store *cs, int id, const params *p, row_fn fn, void *ctx, const char *what,
                      sq_err *err)
{
    PGresult *bad = NULL;
    sq_status st = SQ_OK;
    char name[16];
    if (prepare(cs, id, name, &bad)) {
        st = pgerr(cs, bad, what, err);
        PQclear(bad);
        return st;
    }
    if (!PQsendQueryPrepared(cs->conn, name, p->n, p->val, p->len, p->fmt, 1))
        return pgerr(cs, NULL, what, err);
    PQsetSingleRowMode(cs->conn);
    bool stopped = false;
    PGresult *r;
    while ((r = PQgetResult(cs->conn))) {
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_SINGLE_TUPLE) {
            if (!stopped && !bad && fn(ctx, r))
                stopped = true;
            PQclear(r);
        } else if (s == PGRES_TUPLES_OK) {
            PQclear(r);
        } else if (!bad) {
            bad = r;
        } else {
            PQclear(r);
        }
    }
    if (bad)
        st = pgerr(cs, bad, what, err);
    PQclear(bad);
    return st;
}

typedef struct {
    cstore_heartbeat_fn fn;
    void *ctx;
} hb_walk;

static int hb_row(void *ctx, const PGresult *r)
{
    hb_walk *w = ctx;
    sq_heartbeat hb;
    int64_t received;
    row_heartbeat(r, 0, &hb, &received);
    return w->fn(w->ctx, &hb, received);
}

static sq_status pg_each_heartbeat(cstore *base, const char *station_id, cstore_heartbeat_fn fn,
                                   void *ctx, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs;
    hb_walk w = {fn, ctx};
    params p = {0};
    sq_status st;
    if (!(cs = take(pl, &st, err)))
        return st;
    if (!(st = ensure_conn(cs, err))) {
        p_text(&p, station_id);
        st = walk(cs, Q_HB_EACH, &p, hb_row, &w, "reading heartbeats", err);
    }
    give(pl, cs);
    return st;
}

typedef struct {
    cstore_result_fn fn;
    void *ctx;
} result_walk;

static int result_row(void *ctx, const PGresult *r)
{
    result_walk *w = ctx;
    return w->fn(w->ctx, v_text(r, 0, 0), v_int(r, 0, 1), (const uint8_t *)PQgetvalue(r, 0, 2),
                 (size_t)PQgetlength(r, 0, 2), v_text(r, 0, 3), v_int(r, 0, 4));
}

static sq_status pg_each_result(cstore *base, const char *station_id, int64_t after_seq,
                                cstore_result_fn fn, void *ctx, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs;
    result_walk w = {fn, ctx};
    params p = {0};
    sq_status st;
    if (!(cs = take(pl, &st, err)))
        return st;
    if (!(st = ensure_conn(cs, err))) {
        p_text(&p, station_id); /* NULL: every station */
        p_int(&p, after_seq);
        st = walk(cs, Q_RESULT_EACH, &p, result_row, &w, "reading results", err);
    }
    give(pl, cs);
    return st;
}

static sq_status pg_batch_known(cstore *base, const char *batch_id, bool *known, uint8_t *sha256,
                                sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs;
    PGresult *r = NULL, *bad = NULL;
    params p = {0};
    sq_status st;
    *known = false;
    if (!(cs = take(pl, &st, err)))
        return st;
    if ((st = ensure_conn(cs, err)))
        goto out;
    p_text(&p, batch_id);
    if (!(r = run(cs, Q_BATCH_SHA, &p, PGRES_TUPLES_OK, &bad))) {
        st = pgerr(cs, bad, "reading batches", err);
    } else if (PQntuples(r) > 0) {
        *known = true;
        if (sha256 && PQgetlength(r, 0, 0) == 32)
            memcpy(sha256, PQgetvalue(r, 0, 0), 32);
    }
out:
    PQclear(r);
    PQclear(bad);
    give(pl, cs);
    return st;
}

/* ---- the copy (cstore_copy.c) ---- */

/* Runs SQL text and hands each row of its binary result to fn, one row
 * at a time, as walk does for a prepared statement. */
static sq_status walk_sql(pg_store *cs, const char *sql, row_fn fn, void *ctx, const char *what,
                          sq_err *err)
{
    PGresult *bad = NULL, *r;
    sq_status st = SQ_OK;
    bool stopped = false;
    if (!PQsendQueryParams(cs->conn, sql, 0, NULL, NULL, NULL, NULL, 1))
        return pgerr(cs, NULL, what, err);
    PQsetSingleRowMode(cs->conn);
    while ((r = PQgetResult(cs->conn))) {
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_SINGLE_TUPLE && !stopped && !bad && fn(ctx, r))
            stopped = true;
        if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && !bad)
            bad = r;
        else
            PQclear(r);
    }
    if (bad)
        st = pgerr(cs, bad, what, err);
    PQclear(bad);
    return st;
}

typedef struct {
    int table;
    cstore_row_fn fn;
    void *ctx;
} row_walk;

static int copy_row(void *ctx, const PGresult *r)
{
    row_walk *w = ctx;
    const char *kinds = cstore_tables[w->table].kinds;
    cstore_value v[CSTORE_MAX_COLUMNS];
    memset(v, 0, sizeof v);
    for (int c = 0; kinds[c]; c++) {
        if (kinds[c] == 'i') {
            v[c].i = v_int(r, 0, c);
        } else {
            v[c].p = (const uint8_t *)PQgetvalue(r, 0, c);
            v[c].len = (size_t)PQgetlength(r, 0, c);
        }
    }
    return w->fn(w->ctx, w->table, v);
}

static sq_status pg_each_row(cstore *base, int table, cstore_row_fn fn, void *ctx, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    const cstore_table_spec *t = &cstore_tables[table];
    row_walk w = {table, fn, ctx};
    char sql[512], what[64];
    sq_status st;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", t->columns, t->name, t->order);
    snprintf(what, sizeof what, "reading %s", t->name);
    /* Inside a load, on its connection: the rows of its transaction
     * (once load_done has ended the COPY under way). */
    if (pl->load)
        return pl->copying >= 0 ? seterr(err, SQ_EINVAL, "result store: rows read during a COPY")
                                : walk_sql(pl->load, sql, copy_row, &w, what, err);
    if (pl->snap)
        return walk_sql(pl->snap, sql, copy_row, &w, what, err);
    pg_store *cs = take(pl, &st, err);
    if (!cs)
        return st;
    if (!(st = ensure_conn(cs, err)))
        st = walk_sql(cs, sql, copy_row, &w, what, err);
    give(pl, cs);
    return st;
}

typedef struct {
    long long n;
    char from[200];
} writers_seen;

static int writers_row(void *ctx, const PGresult *r)
{
    writers_seen *w = ctx;
    w->n = atoll(PQgetvalue(r, 0, 0));
    snprintf(w->from, sizeof w->from, "%s", PQgetvalue(r, 0, 1));
    return 0;
}

/* Holds a copy's source still: one transaction (REPEATABLE READ: one
 * snapshot for every table) with the tables locked in SHARE mode, so no
 * one writes them while the copy reads; then refuses when another process
 * of synaq-central that writes (a receiver, an ingest) is connected to
 * the database: what it stores after the copy would be left behind. */
static sq_status pg_read_begin(cstore *base, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    PGresult *r = NULL, *bad = NULL;
    sq_status st;
    if (pl->snap || pl->load)
        return seterr(err, SQ_EINVAL, "result store: a copy is under way already");
    pg_store *cs = take(pl, &st, err);
    if (!cs)
        return st;
    if ((st = ensure_conn(cs, err)))
        goto out;
    if (!(r = exec_sql(cs,
                       "BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL lock_timeout = '10s';"
                       " LOCK TABLE batches, results, progress, heartbeats, heartbeat_latest,"
                       " stick_latest IN SHARE MODE",
                       PGRES_COMMAND_OK, &bad))) {
        st = pgerr(cs, bad, "locking the source's tables", err);
        PQclear(bad);
        rollback(cs);
        goto out;
    }
    PQclear(r);
    char sql[600], mine[64];
    cstore_pg_app_name(false, mine, sizeof mine);
    snprintf(sql, sizeof sql,
             "SELECT count(*)::text, coalesce(string_agg(DISTINCT coalesce(host(client_addr),"
             " 'this machine'), ', '), '') FROM pg_stat_activity WHERE datname = current_database()"
             " AND pid <> pg_backend_pid() AND application_name LIKE '%s%%'"
             " AND application_name <> '%s'",
             CSTORE_PG_APP_WRITER, mine);
    writers_seen w = {0};
    if ((st = walk_sql(cs, sql, writers_row, &w, "looking for receivers", err))) {
        rollback(cs);
        goto out;
    }
    if (w.n > 0) {
        st = SQ_EBUSY;
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     "the source %s is in use: %lld connection%s of a receiver or another "
                     "synaq-central that writes (from %s); stop them first",
                     cs->where, w.n, w.n == 1 ? "" : "s", w.from[0] ? w.from : "?");
            err->code = st;
        }
        rollback(cs);
        goto out;
    }
    pl->snap = cs;
    return SQ_OK;
out:
    give(pl, cs);
    return st;
}

static void pg_read_end(cstore *base)
{
    pg_pool *pl = (pg_pool *)base;
    if (!pl->snap)
        return;
    rollback(pl->snap); /* it only read */
    give(pl, pl->snap);
    pl->snap = NULL;
}

/* Ends the COPY under way, if any; its rows are checked by the server
 * here (a bad one fails the whole COPY). */
static sq_status end_copy(pg_pool *pl, const char *abort_why, sq_err *err)
{
    pg_store *cs = pl->load;
    sq_status st = SQ_OK;
    PGresult *r;
    if (pl->copying < 0)
        return SQ_OK;
    const char *table = cstore_tables[pl->copying].name;
    pl->copying = -1;
    if (PQputCopyEnd(cs->conn, abort_why) != 1)
        st = pgerr(cs, NULL, "ending a COPY", err);
    while ((r = PQgetResult(cs->conn))) {
        if (!st && !abort_why && PQresultStatus(r) != PGRES_COMMAND_OK) {
            char what[64];
            snprintf(what, sizeof what, "loading %s", table);
            st = pgerr(cs, r, what, err);
        }
        PQclear(r);
    }
    return st;
}

static sq_status pg_load_begin(cstore *base, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    PGresult *r = NULL, *bad = NULL;
    sq_status st;
    const char *what = "starting a transaction";
    if (pl->readonly)
        return seterr(err, SQ_EREADONLY, "result store: opened read-only");
    pg_store *cs = take(pl, &st, err);
    if (!cs)
        return st;
    if ((st = ensure_conn(cs, err)))
        goto out;
    /* The lock keeps receivers (and a second copy) out until the load is
     * committed or rolled back, so the tables found empty stay so. */
    if (!(r = exec_sql(cs,
                       "BEGIN ISOLATION LEVEL READ COMMITTED; LOCK TABLE batches, results,"
                       " progress, heartbeats, heartbeat_latest, stick_latest"
                       " IN SHARE ROW EXCLUSIVE MODE",
                       PGRES_COMMAND_OK, &bad)))
        goto fail;
    PQclear(r);
    what = "counting rows";
    char sql[512];
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    for (int t = 0; t < CSTORE_N_TABLES; t++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s(SELECT count(*) FROM %s)::text",
                              t ? ", " : "", cstore_tables[t].name);
    if (!(r = exec_sql(cs, sql, PGRES_TUPLES_OK, &bad)))
        goto fail;
    char held[300] = "";
    n = 0;
    for (int t = 0; t < CSTORE_N_TABLES; t++) {
        long long rows = atoll(PQgetvalue(r, 0, t));
        if (rows > 0 && n < sizeof held)
            n += (size_t)snprintf(held + n, sizeof held - n, "%s%s %lld", n ? ", " : "",
                                  cstore_tables[t].name, rows);
    }
    PQclear(r);
    if (held[0]) {
        st = SQ_ESTATE;
        if (err) {
            snprintf(err->msg, sizeof err->msg, "result store: %s holds rows already (%s)",
                     cs->where, held);
            err->code = st;
        }
        rollback(cs);
        goto out;
    }
    pl->load = cs;
    pl->copying = -1;
    return SQ_OK;
fail:
    st = pgerr(cs, bad, what, err);
    PQclear(bad);
    rollback(cs);
out:
    give(pl, cs);
    return st;
}

/* Makes room for need more bytes of the COPY line. */
static bool line_room(pg_pool *pl, size_t used, size_t need)
{
    if (used + need <= pl->line_cap)
        return true;
    size_t cap = pl->line_cap ? pl->line_cap : 4096;
    while (cap < used + need)
        cap *= 2;
    char *p = realloc(pl->line, cap);
    if (!p)
        return false;
    pl->line = p;
    pl->line_cap = cap;
    return true;
}

/* One row as a line of COPY's text format: columns parted by tabs, text
 * with its backslash, tab, newline and carriage return escaped, bytea as
 * its hex form (\x...: the backslash escaped too). */
static sq_status pg_load_row(cstore *base, int table, const cstore_value *vals, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs = pl->load;
    const cstore_table_spec *t = &cstore_tables[table];
    sq_status st;
    if (!cs)
        return seterr(err, SQ_EINVAL, "result store: a row loaded outside a load");
    if (pl->copying != table) {
        if ((st = end_copy(pl, NULL, err)))
            return st;
        char sql[512];
        snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN", t->name, t->columns);
        PGresult *r = PQexec(cs->conn, sql);
        if (PQresultStatus(r) != PGRES_COPY_IN) {
            st = pgerr(cs, r, "starting a COPY", err);
            PQclear(r);
            return st;
        }
        PQclear(r);
        pl->copying = table;
    }
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (int c = 0; t->kinds[c]; c++) {
        const cstore_value *v = &vals[c];
        /* The longest a column can take: a bytea's 2 hex digits a byte,
         * a text's 2 bytes a byte escaped, an integer's 20 digits. */
        if (!line_room(pl, n, 2 * v->len + 32))
            return seterr(err, SQ_ENOMEM, "out of memory");
        if (c)
            pl->line[n++] = '\t';
        if (t->kinds[c] == 'i') {
            n += (size_t)snprintf(pl->line + n, 24, "%lld", (long long)v->i);
        } else if (t->kinds[c] == 'b') {
            memcpy(pl->line + n, "\\\\x", 3);
            n += 3;
            for (size_t i = 0; i < v->len; i++) {
                pl->line[n++] = hex[v->p[i] >> 4];
                pl->line[n++] = hex[v->p[i] & 15];
            }
        } else {
            for (size_t i = 0; i < v->len; i++) {
                char ch = (char)v->p[i];
                const char *esc = ch == '\\'   ? "\\\\"
                                  : ch == '\t' ? "\\t"
                                  : ch == '\n' ? "\\n"
                                  : ch == '\r' ? "\\r"
                                               : NULL;
                if (esc) {
                    pl->line[n++] = esc[0];
                    pl->line[n++] = esc[1];
                } else {
                    pl->line[n++] = ch;
                }
            }
        }
    }
    pl->line[n++] = '\n';
    if (PQputCopyData(cs->conn, pl->line, (int)n) != 1)
        return pgerr(cs, NULL, "loading rows", err);
    return SQ_OK;
}

static sq_status pg_load_done(cstore *base, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    PGresult *r, *bad = NULL;
    sq_status st;
    if (!pl->load)
        return seterr(err, SQ_EINVAL, "result store: no load under way");
    if ((st = end_copy(pl, NULL, err)))
        return st;
    /* The heartbeats came with their ids: the next one the receiver
     * stores numbers on above them. */
    if (!(r = exec_sql(pl->load,
                       "SELECT setval(pg_get_serial_sequence('heartbeats', 'id'),"
                       " coalesce(max(id), 0) + 1, false) FROM heartbeats",
                       PGRES_TUPLES_OK, &bad))) {
        st = pgerr(pl->load, bad, "numbering heartbeats on", err);
        PQclear(bad);
        return st;
    }
    PQclear(r);
    return SQ_OK;
}

static sq_status pg_load_end(cstore *base, bool commit, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    pg_store *cs = pl->load;
    PGresult *r, *bad = NULL;
    sq_status st = SQ_OK;
    if (!cs)
        return seterr(err, SQ_EINVAL, "result store: no load under way");
    if (pl->copying >= 0) {
        st = end_copy(pl, commit ? NULL : "the copy was abandoned", err);
        if (st)
            commit = false;
    }
    if (commit) {
        if (!(r = exec_sql(cs, "COMMIT", PGRES_COMMAND_OK, &bad))) {
            st = pgerr(cs, bad, "committing", err);
            PQclear(bad);
        } else {
            /* COMMIT of a transaction the server had aborted answers
             * ROLLBACK. */
            if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
                st = seterr(err, SQ_EIO, "result store: the server rolled the copy back");
            PQclear(r);
        }
    }
    rollback(cs);
    pl->load = NULL;
    give(pl, cs);
    return st;
}

typedef struct {
    char *out;
    size_t cap;
} text_out;

static int identity_row(void *ctx, const PGresult *r)
{
    text_out *t = ctx;
    snprintf(t->out, t->cap, "%s", v_text(r, 0, 0));
    return 0;
}

static sq_status pg_identity(cstore *base, char *out, size_t cap, sq_err *err)
{
    pg_pool *pl = (pg_pool *)base;
    sq_status st;
    text_out span = {out, cap};
    if (cap)
        out[0] = '\0';
    pg_store *cs = take(pl, &st, err);
    if (!cs)
        return st;
    if (!(st = ensure_conn(cs, err)))
        st = walk_sql(cs,
                      "SELECT 'postgresql:' || system_identifier::text || '/' ||"
                      " current_database() || '/' || current_schema() FROM pg_control_system()",
                      identity_row, &span, "naming the database", err);
    give(pl, cs);
    return st;
}

static const cstore_ops pg_ops = {
    .engine = "postgresql",
    .close = pg_close,
    .put_upload = pg_put_upload,
    .highest = pg_highest,
    .heartbeat_latest = pg_heartbeat_latest,
    .each_heartbeat = pg_each_heartbeat,
    .each_result = pg_each_result,
    .batch_known = pg_batch_known,
    .stick_latest = pg_stick_latest,
    .each_row = pg_each_row,
    .load_begin = pg_load_begin,
    .load_row = pg_load_row,
    .load_done = pg_load_done,
    .load_end = pg_load_end,
    .identity = pg_identity,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
};
