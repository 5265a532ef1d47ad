/*
 * registry_pg.c - the station registry on PostgreSQL (registry_int.h):
 * the tables stations, station_keys and registry_audit, beside the result
 * store's in the database central's --db names, so that receivers on
 * several machines check uploads against one registry and an enrolment
 * on any of them holds for all.
 *
 * The same three tables as the SQLite engine (registry.c), the same rules
 * and messages; they are part of the result store's schema (cstore_pg.c,
 * version 4), made and upgraded with it. registry_audit refuses UPDATE,
 * DELETE and TRUNCATE by triggers, as the SQLite one does. A change and
 * its audit line are one transaction; the station's row is locked (FOR
 * UPDATE, or the insert's unique key) so two enrolments of one id from
 * two machines take turns. One connection per handle, guarded by the
 * handle's mutex, for everything but regpg_station_key: the receiver's
 * threads look a station's key up once per upload, each on a connection
 * of its own from a small pool (REGPG_LOOKUPS, opened as they are
 * needed), so that lookups do not wait in line for one connection. Every
 * lookup reads the database: a revocation holds from the next upload.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "cstore_int.h"
#include "registry_pg.h"


/* Connections for key lookups, at most (as many as the receiver's
 * threads, 4 by default, and room for more). */
#define REGPG_LOOKUPS 8

struct regpg {
    PGconn *conn;
    bool readonly;
    char where[600]; /* the URL without its password */
    char sqlstate[6]; /* of the last statement that failed */
    pthread_mutex_t mu;
    /* The lookups' pool (regpg_station_key), under look_mu. */
    char *url; /* for the lookup connections; it may hold a password */
    pthread_mutex_t look_mu;
    pthread_cond_t look_freed;
    PGconn *look[REGPG_LOOKUPS]; /* NULL: not open */
    bool look_busy[REGPG_LOOKUPS], look_prepared[REGPG_LOOKUPS];
};

static sq_status seterr(sq_err *err, sq_status st, const char *fmt, const char *id)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, fmt, id);
        err->code = st;
    }
    return st;
}

/* err from a failed result (or the connection conn when res is NULL). */
static sq_status pgfail_on(regpg *g, PGconn *conn, const PGresult *res, const char *what,
                           sq_err *err)
{
    const char *text = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!text || !*text)
        text = PQerrorMessage(conn);
    sq_status st = PQstatus(conn) == CONNECTION_BAD ? SQ_ENET : SQ_EIO;
    if (err) {
        char line[400];
        size_t n = 0;
        for (; *text && n + 1 < sizeof line; text++)
            line[n++] = (*text == '\n' || *text == '\r' || *text == '\t') ? ' ' : *text;
        while (n && line[n - 1] == ' ')
            n--;
        line[n] = '\0';
        snprintf(err->msg, sizeof err->msg, "%s: %s (%s)", what, line, g->where);
        err->code = st;
    }
    return st;
}

static sq_status pgfail(regpg *g, const PGresult *res, const char *what, sq_err *err)
{
    return pgfail_on(g, g->conn, res, what, err);
}

/* Parameters of a statement: up to 8, text ones and 32-byte keys in
 * binary (p_key). */
typedef struct {
    int n;
    const char *val[8];
    int len[8], fmt[8];
    char num[8][24];
} params;

static void p_text(params *p, const char *s)
{
    p->val[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

static void p_int(params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", (long long)v);
    p_text(p, p->num[p->n]);
}

static void p_key(params *p, const uint8_t k[32])
{
    p->val[p->n] = (const char *)k;
    p->len[p->n] = 32;
    p->fmt[p->n++] = 1;
}

static void p_null(params *p)
{
    p_text(p, NULL);
}

/* Runs sql with its parameters (p may be NULL); results come as text.
 * Returns the result when its status is want; else NULL with err filled
 * and g->sqlstate set. */
static PGresult *run(regpg *g, const char *sql, const params *p, ExecStatusType want,
                     const char *what, sq_err *err)
{
    /* A connection the server dropped (restarted, a network cut) is
     * opened again, outside a transaction: inside one, what it did is
     * gone with it and the caller's statement fails below. */
    if (PQstatus(g->conn) == CONNECTION_BAD)
        PQreset(g->conn);
    /* Without parameters, PQexec: sql may hold several statements (the
     * schema); the last one's result is the one looked at. */
    PGresult *r = p ? PQexecParams(g->conn, sql, p->n, NULL, p->val, p->len, p->fmt, 0)
                    : PQexec(g->conn, sql);
    if (PQresultStatus(r) != want) {
        const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        snprintf(g->sqlstate, sizeof g->sqlstate, "%s", code ? code : "");
        pgfail(g, r, what, err);
        PQclear(r);
        return NULL;
    }
    return r;
}

static bool exec_ok(regpg *g, const char *sql, const params *p, const char *what, sq_err *err)
{
    PGresult *r = run(g, sql, p, PGRES_COMMAND_OK, what, err);
    PQclear(r);
    return r != NULL;
}

static void rollback(regpg *g)
{
    if (PQtransactionStatus(g->conn) != PQTRANS_IDLE &&
        PQtransactionStatus(g->conn) != PQTRANS_UNKNOWN)
        PQclear(PQexec(g->conn, "ROLLBACK"));
}

/* A bytea column (text form, "\x" and hex) into 32 bytes; false when it
 * is not 32 bytes. */
static bool key_of(const PGresult *r, int row, int col, uint8_t out[32])
{
    const char *v = PQgetvalue(r, row, col);
    size_t n = 0;
    if (strncmp(v, "\\x", 2) != 0 || strlen(v) != 2 + 64)
        return false;
    return sodium_hex2bin(out, 32, v + 2, 64, NULL, &n, NULL) == 0 && n == 32;
}

static int64_t int_of(const PGresult *r, int row, int col)
{
    return (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

sq_status regpg_open(const char *url, bool readonly, regpg **out, sq_err *err)
{
    *out = NULL;
    regpg *g = calloc(1, sizeof *g);
    if (!g)
        return seterr(err, SQ_ENOMEM, "%s", "out of memory");
    g->readonly = readonly;
    pthread_mutex_init(&g->mu, NULL);
    pthread_mutex_init(&g->look_mu, NULL);
    pthread_cond_init(&g->look_freed, NULL);
    cstore_pg_where(url, g->where, sizeof g->where);
    if (!(g->url = strdup(url))) {
        regpg_close(g);
        return seterr(err, SQ_ENOMEM, "%s", "out of memory");
    }
    char app[64];
    cstore_pg_app_name(readonly, app, sizeof app);
    const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const vals[] = {url, app, NULL};
    g->conn = PQconnectdbParams(keys, vals, 1);
    sq_status st;
    if (!g->conn) {
        regpg_close(g);
        return seterr(err, SQ_ENOMEM, "%s", "out of memory");
    }
    if (PQstatus(g->conn) != CONNECTION_OK) {
        st = pgfail(g, NULL, "opening the station registry: cannot connect", err);
        regpg_close(g);
        return st;
    }
    /* The tables are the store's schema's (cstore_pg.c, 3 -> 4), made or
     * upgraded by opening the store: registry.c opens it first. */
    PGresult *r = PQexec(g->conn, "SELECT to_regclass('station_keys') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        st = pgfail(g, r, "opening the station registry", err);
        PQclear(r);
        regpg_close(g);
        return st;
    }
    bool have = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!have) {
        st = seterr(err, SQ_ENOTFOUND,
                    "opening the station registry at %s: there is none yet (a synaq-central "
                    "command that writes, such as 'stations', makes it)",
                    g->where);
        regpg_close(g);
        return st;
    }
    *out = g;
    return SQ_OK;
}
void regpg_close(regpg *g)
{
    if (!g)
        return;
    PQfinish(g->conn);
    for (int i = 0; i < REGPG_LOOKUPS; i++)
        PQfinish(g->look[i]);
    if (g->url) {
        volatile char *p = g->url; /* it may hold a password */
        while (*p)
            *p++ = 0;
        free(g->url);
    }
    pthread_cond_destroy(&g->look_freed);
    pthread_mutex_destroy(&g->look_mu);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

/* Without the mutex: 1 enrolled, 2 revoked, 0 not, -1 error. */
static int state_locked(regpg *g, const char *station_id, bool for_update)
{
    params p = {0};
    p_text(&p, station_id);
    PGresult *r = run(g,
                      for_update ? "SELECT revoked FROM stations WHERE station_id = $1 FOR UPDATE"
                                 : "SELECT revoked FROM stations WHERE station_id = $1",
                      &p, PGRES_TUPLES_OK, "reading the station registry", NULL);
    if (!r)
        return -1;
    int state = PQntuples(r) == 0 ? 0 : int_of(r, 0, 0) ? 2 : 1;
    PQclear(r);
    return state;
}

int regpg_station_state(regpg *g, const char *station_id)
{
    pthread_mutex_lock(&g->mu);
    int s = state_locked(g, station_id, false);
    pthread_mutex_unlock(&g->mu);
    return s;
}

static bool audit(regpg *g, int64_t now, const char *action, const char *station_id,
                  const char *detail, const char *by, sq_err *err)
{
    params p = {0};
    p_int(&p, now);
    p_text(&p, action);
    p_text(&p, station_id);
    p_text(&p, detail);
    p_text(&p, by);
    return exec_ok(g,
                   "INSERT INTO registry_audit(wall, action, station_id, detail, by)"
                   " VALUES ($1, $2, $3, $4, $5)",
                   &p, "writing the registry's audit", err);
}

/* The fingerprints of the station's keys still good, space separated. */
static bool good_keys(regpg *g, const char *station_id, char *out, size_t cap, sq_err *err)
{
    params p = {0};
    p_text(&p, station_id);
    out[0] = '\0';
    PGresult *r = run(g,
                      "SELECT sign_pk FROM station_keys WHERE station_id = $1"
                      " AND revoked_wall IS NULL ORDER BY issued_wall",
                      &p, PGRES_TUPLES_OK, "reading the station registry", err);
    if (!r)
        return false;
    size_t n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        uint8_t k[32];
        if (key_of(r, i, 0, k) && n + SQ_FINGERPRINT_LEN + 2 < cap) {
            char fp[SQ_FINGERPRINT_LEN + 1];
            sq_fingerprint(k, fp);
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", fp);
        }
    }
    PQclear(r);
    return true;
}

static bool revoke_current(regpg *g, const char *station_id, int64_t now, sq_err *err)
{
    params p = {0};
    p_text(&p, station_id);
    p_int(&p, now);
    return exec_ok(g,
                   "UPDATE station_keys SET revoked_wall = $2 WHERE station_id = $1"
                   " AND revoked_wall IS NULL",
                   &p, "revoking the station's keys", err);
}

sq_status regpg_revoke(regpg *g, const char *station_id, const char *by, sq_err *err)
{
    int64_t now = (int64_t)time(NULL);
    sq_status st = SQ_OK;
    sq_err e = {0};
    pthread_mutex_lock(&g->mu);
    if (!exec_ok(g, "BEGIN", NULL, "revoking the station", &e)) {
        st = e.code;
        goto out;
    }
    int state = state_locked(g, station_id, true);
    if (state == 0) {
        st = seterr(&e, SQ_ENOTFOUND, "station '%s' is not enrolled here", station_id);
        goto out;
    }
    char keys[512], detail[700];
    params p = {0};
    p_text(&p, station_id);
    if (state < 0 || !good_keys(g, station_id, keys, sizeof keys, &e) ||
        !exec_ok(g, "UPDATE stations SET revoked = 1 WHERE station_id = $1", &p,
                 "revoking the station", &e) ||
        !revoke_current(g, station_id, now, &e) ||
        (snprintf(detail, sizeof detail, "revoked; keys revoked: %s", keys[0] ? keys : "none"),
         !audit(g, now, "revoke", station_id, detail, by, &e)) ||
        !exec_ok(g, "COMMIT", NULL, "revoking the station", &e)) {
        st = e.code ? e.code : SQ_EIO;
        if (!e.msg[0])
            pgfail(g, NULL, "revoking the station", &e);
    }
out:
    rollback(g);
    pthread_mutex_unlock(&g->mu);
    if (st && err)
        *err = e;
    return st;
}

sq_status regpg_add(regpg *g, const sq_cert *c, bool replace, const char *by, sq_err *err)
{
    int64_t now = (int64_t)time(NULL);
    sq_status st = SQ_OK;
    sq_err e = {0};
    char detail[900] = "";
    pthread_mutex_lock(&g->mu);
    if (!exec_ok(g, "BEGIN", NULL, "registering the station", &e)) {
        st = e.code;
        goto out;
    }
    /* Two enrolments of one id take turns: the row locked, or (a new id)
     * the primary key's insert waits for the other's commit. */
    int state = state_locked(g, c->station_id, true);
    if (state < 0) {
        st = pgfail(g, NULL, "registering the station", &e);
        goto out;
    }
    if (state > 0 && !replace) {
        st = seterr(&e, SQ_EEXIST,
                    state == 2 ? "station id '%s' was revoked; it stays revoked (enrol new keys "
                                 "under it on purpose with --replace)"
                               : "station id '%s' is enrolled already (enrol new keys under it "
                                 "on purpose with --replace: the old keys are revoked)",
                    c->station_id);
        goto out;
    }
    params p = {0};
    if (replace) {
        p_text(&p, c->station_id);
        p_key(&p, c->sign_pk);
        PGresult *r = run(g, "SELECT 1 FROM station_keys WHERE station_id = $1 AND sign_pk = $2",
                          &p, PGRES_TUPLES_OK, "registering the station", &e);
        if (!r) {
            st = e.code;
            goto out;
        }
        int seen = PQntuples(r);
        PQclear(r);
        if (seen) {
            st = seterr(&e, SQ_EEXIST,
                        "these keys were enrolled under station id '%s' before; a replacement "
                        "needs a station with new keys",
                        c->station_id);
            goto out;
        }
        char keys[512];
        if (!good_keys(g, c->station_id, keys, sizeof keys, &e) ||
            !revoke_current(g, c->station_id, now, &e)) {
            st = e.code;
            goto out;
        }
        if (state > 0)
            snprintf(detail, sizeof detail,
                     "new keys under the id on purpose (--replace), the station %s before; keys "
                     "revoked now: %s",
                     state == 2 ? "revoked" : "enrolled", keys[0] ? keys : "none (revoked before)");
    }
    p = (params){0};
    p_text(&p, c->station_id);
    p_text(&p, c->district);
    p_text(&p, c->label);
    p_key(&p, c->sign_pk);
    p_key(&p, c->box_pk);
    p_int(&p, c->issued_wall_s);
    params k = {0};
    p_text(&k, c->station_id);
    p_key(&k, c->sign_pk);
    p_key(&k, c->box_pk);
    p_int(&k, c->issued_wall_s);
    char fp[SQ_FINGERPRINT_LEN + 1], line[1200];
    sq_fingerprint(c->sign_pk, fp);
    snprintf(line, sizeof line, "key %s, district %s%s%s", fp, c->district, detail[0] ? "; " : "",
             detail);
    /* A known id (its row locked above) is updated; a new one inserted,
     * and an enrolment of the same id that committed meanwhile on another
     * machine makes the insert fail on the primary key: refused as a
     * station enrolled already, nothing written. */
    PGresult *ins = run(g,
                        state > 0 ? "UPDATE stations SET district = $2, label = $3, sign_pk = $4,"
                                    " box_pk = $5, issued_wall = $6, revoked = 0"
                                    " WHERE station_id = $1"
                                  : "INSERT INTO stations(station_id, district, label, sign_pk,"
                                    " box_pk, issued_wall, revoked)"
                                    " VALUES ($1, $2, $3, $4, $5, $6, 0)",
                        &p, PGRES_COMMAND_OK, "registering the station", &e);
    if (!ins) {
        st = e.code;
        if (state == 0 && !strcmp(g->sqlstate, "23505")) /* unique_violation */
            st = seterr(&e, SQ_EEXIST,
                        "station id '%s' is enrolled already (enrol new keys under it on purpose "
                        "with --replace: the old keys are revoked)",
                        c->station_id);
        goto out;
    }
    PQclear(ins);
    if (!exec_ok(g,
                 "INSERT INTO station_keys(station_id, sign_pk, box_pk, issued_wall)"
                 " VALUES ($1, $2, $3, $4)",
                 &k, "registering the station", &e) ||
        !audit(g, now, replace && state > 0 ? "replace" : "enrol", c->station_id, line, by, &e) ||
        !exec_ok(g, "COMMIT", NULL, "registering the station", &e))
        st = e.code ? e.code : SQ_EIO;
out:
    rollback(g);
    pthread_mutex_unlock(&g->mu);
    if (st && err)
        *err = e;
    return st;
}

/* A lookup connection for one call (its slot): a free one, else a new
 * one while fewer than REGPG_LOOKUPS are open, else the first given
 * back. -1 when none is open and none can be opened: the caller uses the
 * handle's own connection. Give it back with look_give. */
static int look_take(regpg *g)
{
    pthread_mutex_lock(&g->look_mu);
    for (;;) {
        int empty = -1, open = 0;
        for (int i = 0; i < REGPG_LOOKUPS; i++) {
            if (g->look[i] && !g->look_busy[i]) {
                g->look_busy[i] = true;
                pthread_mutex_unlock(&g->look_mu);
                return i;
            }
            if (g->look[i] || g->look_busy[i])
                open++;
            else if (empty < 0)
                empty = i;
        }
        if (empty >= 0) {
            g->look_busy[empty] = true; /* being opened */
            pthread_mutex_unlock(&g->look_mu);
            char app[64];
            cstore_pg_app_name(g->readonly, app, sizeof app);
            const char *const keys[] = {"dbname", "fallback_application_name", NULL};
            const char *const vals[] = {g->url, app, NULL};
            PGconn *c = PQconnectdbParams(keys, vals, 1);
            pthread_mutex_lock(&g->look_mu);
            if (c && PQstatus(c) == CONNECTION_OK) {
                g->look[empty] = c;
                g->look_prepared[empty] = false;
                pthread_mutex_unlock(&g->look_mu);
                return empty;
            }
            PQfinish(c);
            g->look_busy[empty] = false;
            pthread_cond_broadcast(&g->look_freed);
            if (open == 0) {
                pthread_mutex_unlock(&g->look_mu);
                return -1;
            }
        }
        pthread_cond_wait(&g->look_freed, &g->look_mu);
    }
}

static void look_give(regpg *g, int slot)
{
    pthread_mutex_lock(&g->look_mu);
    g->look_busy[slot] = false;
    pthread_cond_signal(&g->look_freed);
    pthread_mutex_unlock(&g->look_mu);
}

#define KEY_SQL "SELECT sign_pk, revoked FROM stations WHERE station_id = $1"

/* The key lookup on a pool connection: the result, or NULL with err
 * filled. The statement is prepared once a connection. */
static PGresult *look_run(regpg *g, int slot, const params *p, sq_err *err)
{
    const char *what = "reading the station registry";
    PGconn *c = g->look[slot];
    /* Lost since the last call (a server restarted): made again, once. */
    if (PQstatus(c) == CONNECTION_BAD) {
        PQreset(c);
        g->look_prepared[slot] = false;
    }
    if (!g->look_prepared[slot]) {
        PGresult *r = PQprepare(c, "regpg_key", KEY_SQL, 1, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            pgfail_on(g, c, r, what, err);
            PQclear(r);
            return NULL;
        }
        PQclear(r);
        g->look_prepared[slot] = true;
    }
    PGresult *r = PQexecPrepared(c, "regpg_key", p->n, p->val, p->len, p->fmt, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        pgfail_on(g, c, r, what, err);
        PQclear(r);
        return NULL;
    }
    return r;
}

sq_status regpg_station_key(regpg *g, const char *station_id, uint8_t sign_pk[32], sq_err *err)
{
    params p = {0};
    p_text(&p, station_id);
    sq_status st = SQ_OK;
    PGresult *r;
    int slot = look_take(g);
    if (slot >= 0) {
        r = look_run(g, slot, &p, err);
        look_give(g, slot);
    } else {
        pthread_mutex_lock(&g->mu);
        r = run(g, KEY_SQL, &p, PGRES_TUPLES_OK, "reading the station registry", err);
        pthread_mutex_unlock(&g->mu);
    }
    if (!r) {
        st = err ? err->code : SQ_EIO;
    } else if (PQntuples(r) == 1 && int_of(r, 0, 1) == 0 && key_of(r, 0, 0, sign_pk)) {
        st = SQ_OK;
    } else {
        st = seterr(err, SQ_ENOTFOUND,
                    PQntuples(r) ? "station '%s' is revoked" : "station '%s' is not enrolled here",
                    station_id);
    }
    PQclear(r);
    return st;
}

sq_status regpg_station_keys_all(regpg *g, const char *station_id, uint8_t (*keys)[32],
                                 size_t max, size_t *n, sq_err *err)
{
    params p = {0};
    p_text(&p, station_id);
    *n = 0;
    pthread_mutex_lock(&g->mu);
    PGresult *r = run(g,
                      "SELECT sign_pk FROM station_keys WHERE station_id = $1"
                      " ORDER BY revoked_wall IS NOT NULL, revoked_wall DESC, issued_wall DESC",
                      &p, PGRES_TUPLES_OK, "reading the station registry", err);
    pthread_mutex_unlock(&g->mu);
    if (!r)
        return err ? err->code : SQ_EIO;
    for (int i = 0; i < PQntuples(r) && *n < max; i++)
        if (key_of(r, i, 0, keys[*n]))
            (*n)++;
    PQclear(r);
    if (*n == 0)
        return seterr(err, SQ_ENOTFOUND, "station '%s' was never enrolled here", station_id);
    return SQ_OK;
}

sq_status regpg_each(regpg *g, registry_station_fn fn, void *ctx, sq_err *err)
{
    pthread_mutex_lock(&g->mu);
    PGresult *r = run(g,
                      "SELECT station_id, district, revoked FROM stations"
                      " ORDER BY district COLLATE \"C\", station_id",
                      NULL, PGRES_TUPLES_OK, "reading the station registry", err);
    pthread_mutex_unlock(&g->mu);
    if (!r)
        return err ? err->code : SQ_EIO;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), int_of(r, i, 2) != 0))
            break;
    PQclear(r);
    return SQ_OK;
}

sq_status regpg_print(regpg *g, FILE *out, sq_err *err)
{
    pthread_mutex_lock(&g->mu);
    PGresult *r = run(g,
                      "SELECT station_id, district, label, revoked,"
                      " (SELECT count(*) FROM station_keys k WHERE k.station_id ="
                      " s.station_id) FROM stations s ORDER BY district COLLATE \"C\", station_id",
                      NULL, PGRES_TUPLES_OK, "reading the station registry", err);
    pthread_mutex_unlock(&g->mu);
    if (!r)
        return err ? err->code : SQ_EIO;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t keys = int_of(r, i, 4);
        fprintf(out, "%s\t%s\t%s%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                PQgetvalue(r, i, 2), int_of(r, i, 3) ? "\trevoked" : "");
        if (keys > 1)
            fprintf(out, "\t(%lld keys over time)", (long long)keys);
        fputc('\n', out);
    }
    PQclear(r);
    return SQ_OK;
}

sq_status regpg_print_audit(regpg *g, FILE *out, sq_err *err)
{
    pthread_mutex_lock(&g->mu);
    PGresult *r = run(g,
                      "SELECT wall, action, station_id, detail, by FROM registry_audit ORDER BY id",
                      NULL, PGRES_TUPLES_OK, "reading the registry's audit", err);
    pthread_mutex_unlock(&g->mu);
    if (!r)
        return err ? err->code : SQ_EIO;
    for (int i = 0; i < PQntuples(r); i++) {
        char stamp[32];
        time_t t = (time_t)int_of(r, i, 0);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(out, "%s\t%s\t%s\t%s\tby %s\n", stamp, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
    }
    PQclear(r);
    return SQ_OK;
}

/* ---- the copy ---- */

static const char *const walk_sql[REGISTRY_N_TABLES] = {
    "SELECT station_id, district, label, sign_pk, box_pk, issued_wall, revoked FROM stations"
    " ORDER BY station_id",
    "SELECT station_id, sign_pk, box_pk, issued_wall, revoked_wall IS NOT NULL,"
    " coalesce(revoked_wall, 0) FROM station_keys ORDER BY station_id, sign_pk",
    "SELECT wall, action, station_id, detail, by FROM registry_audit ORDER BY id",
};

sq_status regpg_each_row(regpg *g, int table, registry_row_fn fn, void *ctx, sq_err *err)
{
    if (table < 0 || table >= REGISTRY_N_TABLES)
        return seterr(err, SQ_EINVAL, "%s", "no such registry table");
    pthread_mutex_lock(&g->mu);
    PGresult *r = run(g, walk_sql[table], NULL, PGRES_TUPLES_OK, "reading the station registry",
                      err);
    pthread_mutex_unlock(&g->mu);
    if (!r)
        return err ? err->code : SQ_EIO;
    sq_status st = SQ_OK;
    for (int i = 0; i < PQntuples(r); i++) {
        registry_row row = {0};
        uint8_t sign[32], box[32];
        if (table == REGISTRY_T_STATIONS) {
            row.station_id = PQgetvalue(r, i, 0);
            row.district = PQgetvalue(r, i, 1);
            row.label = PQgetvalue(r, i, 2);
            row.sign_pk = key_of(r, i, 3, sign) ? sign : NULL;
            row.box_pk = key_of(r, i, 4, box) ? box : NULL;
            row.issued_wall = int_of(r, i, 5);
            row.revoked = int_of(r, i, 6) != 0;
        } else if (table == REGISTRY_T_KEYS) {
            row.station_id = PQgetvalue(r, i, 0);
            row.sign_pk = key_of(r, i, 1, sign) ? sign : NULL;
            row.box_pk = key_of(r, i, 2, box) ? box : NULL;
            row.issued_wall = int_of(r, i, 3);
            row.has_revoked_wall = PQgetvalue(r, i, 4)[0] == 't';
            row.revoked_wall = int_of(r, i, 5);
        } else {
            row.wall = int_of(r, i, 0);
            row.action = PQgetvalue(r, i, 1);
            row.station_id = PQgetvalue(r, i, 2);
            row.detail = PQgetvalue(r, i, 3);
            row.by = PQgetvalue(r, i, 4);
        }
        if (table != REGISTRY_T_AUDIT && (!row.sign_pk || !row.box_pk)) {
            st = seterr(err, SQ_ECORRUPT, "station '%s': a key in the registry is not 32 bytes",
                        row.station_id);
            break;
        }
        if (fn(ctx, table, &row))
            break;
    }
    PQclear(r);
    return st;
}

sq_status regpg_load_begin(regpg *g, sq_err *err)
{
    pthread_mutex_lock(&g->mu);
    PGresult *r = NULL;
    sq_status st = SQ_OK;
    if (!exec_ok(g,
                 "BEGIN; LOCK TABLE stations, station_keys, registry_audit IN SHARE ROW EXCLUSIVE"
                 " MODE",
                 NULL, "starting the registry's copy", err)) {
        st = err ? err->code : SQ_EIO;
    } else if (!(r = run(g,
                         "SELECT (SELECT count(*) FROM stations) + (SELECT count(*) FROM"
                         " station_keys) + (SELECT count(*) FROM registry_audit)",
                         NULL, PGRES_TUPLES_OK, "starting the registry's copy", err))) {
        st = err ? err->code : SQ_EIO;
    } else if (int_of(r, 0, 0) > 0) {
        st = seterr(err, SQ_ESTATE, "the station registry at %s holds stations already",
                    g->where);
    }
    PQclear(r);
    if (st)
        rollback(g);
    pthread_mutex_unlock(&g->mu);
    return st;
}

sq_status regpg_load_row(regpg *g, int table, const registry_row *row, sq_err *err)
{
    params p = {0};
    const char *sql;
    if (table == REGISTRY_T_STATIONS) {
        p_text(&p, row->station_id);
        p_text(&p, row->district);
        p_text(&p, row->label);
        p_key(&p, row->sign_pk);
        p_key(&p, row->box_pk);
        p_int(&p, row->issued_wall);
        p_int(&p, row->revoked ? 1 : 0);
        sql = "INSERT INTO stations(station_id, district, label, sign_pk, box_pk, issued_wall,"
              " revoked) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    } else if (table == REGISTRY_T_KEYS) {
        p_text(&p, row->station_id);
        p_key(&p, row->sign_pk);
        p_key(&p, row->box_pk);
        p_int(&p, row->issued_wall);
        if (row->has_revoked_wall)
            p_int(&p, row->revoked_wall);
        else
            p_null(&p);
        sql = "INSERT INTO station_keys(station_id, sign_pk, box_pk, issued_wall, revoked_wall)"
              " VALUES ($1, $2, $3, $4, $5)";
    } else if (table == REGISTRY_T_AUDIT) {
        p_int(&p, row->wall);
        p_text(&p, row->action);
        p_text(&p, row->station_id);
        p_text(&p, row->detail);
        p_text(&p, row->by);
        sql = "INSERT INTO registry_audit(wall, action, station_id, detail, by)"
              " VALUES ($1, $2, $3, $4, $5)";
    } else {
        return seterr(err, SQ_EINVAL, "%s", "no such registry table");
    }
    pthread_mutex_lock(&g->mu);
    bool ok = exec_ok(g, sql, &p, "copying the station registry", err);
    pthread_mutex_unlock(&g->mu);
    return ok ? SQ_OK : err ? err->code : SQ_EIO;
}

sq_status regpg_load_end(regpg *g, bool commit, sq_err *err)
{
    sq_status st = SQ_OK;
    pthread_mutex_lock(&g->mu);
    if (commit && !exec_ok(g, "COMMIT", NULL, "committing the registry's copy", err))
        st = err ? err->code : SQ_EIO;
    rollback(g);
    pthread_mutex_unlock(&g->mu);
    return st;
}
