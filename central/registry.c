/*
 * registry.c - central's station registry on SQLite. One writer: the
 * synaq-central process that enrols; everything else reads.
 *
 * stations: one row per station id, its current keys and whether it is
 * revoked. station_keys: every signing key an id was ever enrolled with,
 * and when it stopped being good (revoked_wall; 0 for a revocation of the
 * first builds, whose time is not known). registry_audit: what was done to
 * the registry (enrol, replace, revoke), when and by which login, written
 * in the same transaction as the change; triggers refuse UPDATE and
 * DELETE. user_version 2 (1: without the audit, which is added as is).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include <sodium.h>

#include "cstore.h"
#include "registry.h"
#include "registry_pg.h"

#define REGISTRY_SCHEMA 2

struct registry {
    sqlite3 *db; /* SQLite; NULL on PostgreSQL */
    regpg *pg;   /* PostgreSQL (registry_pg.c); NULL on SQLite */
    /* registry_station_key's statement, prepared on its first call (the
     * receiver calls it once per upload) and used under db's mutex. */
    sqlite3_stmt *key_q;
};

/* A registry on PostgreSQL: the handle wraps the engine's. */
static sq_status open_pg(const char *url, bool readonly, registry **out, sq_err *err)
{
    /* The store first: it makes or upgrades the tables (writing), or
     * finds the schema this build knows (reading), and says in its words
     * why not (out of reach, credentials, not Synaq's database). */
    cstore *cs = NULL;
    sq_status st = cstore_open(url, readonly ? CSTORE_READONLY : 0, &cs, err);
    cstore_close(cs);
    if (st)
        return st;
    registry *r = calloc(1, sizeof *r);
    if (!r)
        return SQ_ENOMEM;
    st = regpg_open(url, readonly, &r->pg, err);
    if (st) {
        free(r);
        return st;
    }
    *out = r;
    return SQ_OK;
}

bool registry_is_pg(const registry *r)
{
    return r && r->pg;
}

static sq_status dberr(registry *r, const char *what, sq_err *err)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, "%s: %s", what, r && r->db ? sqlite3_errmsg(r->db) : "");
        err->code = SQ_EIO;
    }
    return SQ_EIO;
}

static sq_status seterr(sq_err *err, sq_status st, const char *fmt, const char *id)
{
    if (err) {
        snprintf(err->msg, sizeof err->msg, fmt, id);
        err->code = st;
    }
    return st;
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS stations(station_id TEXT PRIMARY KEY,"
    " district TEXT NOT NULL, label TEXT NOT NULL, sign_pk BLOB NOT NULL,"
    " box_pk BLOB NOT NULL, issued_wall INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS station_keys(station_id TEXT NOT NULL, sign_pk BLOB NOT NULL,"
    " box_pk BLOB NOT NULL, issued_wall INTEGER NOT NULL, revoked_wall INTEGER,"
    " PRIMARY KEY(station_id, sign_pk));"
    /* Schema 2: the audit of what was done to the registry. */
    "CREATE TABLE IF NOT EXISTS registry_audit(id INTEGER PRIMARY KEY, wall INTEGER NOT NULL,"
    " action TEXT NOT NULL, station_id TEXT NOT NULL, detail TEXT NOT NULL, by TEXT NOT NULL);"
    "CREATE TRIGGER IF NOT EXISTS registry_audit_no_update BEFORE UPDATE ON registry_audit"
    " BEGIN SELECT RAISE(ABORT, 'the registry audit is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS registry_audit_no_delete BEFORE DELETE ON registry_audit"
    " BEGIN SELECT RAISE(ABORT, 'the registry audit is append-only'); END;";

/* A registry of the first builds had no key history: every station's
 * key goes in, revoked ones with a revocation time of 0 (not known). */
static const char migrate_0_1[] =
    "INSERT OR IGNORE INTO station_keys(station_id, sign_pk, box_pk, issued_wall, revoked_wall)"
    " SELECT station_id, sign_pk, box_pk, issued_wall, CASE WHEN revoked THEN 0 END"
    " FROM stations;";

sq_status registry_open(const char *path, registry **out, sq_err *err)
{
    if (cstore_is_url(path))
        return open_pg(path, false, out, err);
    registry *r = calloc(1, sizeof *r);
    if (!r)
        return SQ_ENOMEM;
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d;", REGISTRY_SCHEMA);
    sqlite3_stmt *q = NULL;
    int version = -1;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(r->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", NULL, NULL,
                     NULL) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(r->db, 5000);
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (version > REGISTRY_SCHEMA) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        registry_close(r);
        return seterr(err, SQ_ESTATE,
                      "%s is a station registry of a newer build; use a newer synaq-central",
                      path);
    }
    if (version < 0 || sqlite3_exec(r->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        (version < 1 && sqlite3_exec(r->db, migrate_0_1, NULL, NULL, NULL) != SQLITE_OK) ||
        sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    *out = r;
    return SQ_OK;
fail:;
    sq_status st = dberr(r, "opening the station registry", err);
    registry_close(r);
    return st;
}

sq_status registry_open_readonly(const char *path, registry **out, sq_err *err)
{
    if (cstore_is_url(path))
        return open_pg(path, true, out, err);
    registry *r = calloc(1, sizeof *r);
    if (!r)
        return SQ_ENOMEM;
    sqlite3_stmt *q = NULL;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "SELECT count(*) FROM station_keys", -1, &q, NULL) !=
            SQLITE_OK) {
        sq_status st = dberr(r, "opening the station registry (run any synaq-central command "
                                "that writes it, such as 'stations', to bring it up to date)",
                             err);
        sqlite3_finalize(q);
        registry_close(r);
        return st;
    }
    sqlite3_finalize(q);
    sqlite3_busy_timeout(r->db, 5000);
    *out = r;
    return SQ_OK;
}

void registry_close(registry *r)
{
    if (!r)
        return;
    regpg_close(r->pg);
    sqlite3_finalize(r->key_q);
    sqlite3_close_v2(r->db);
    free(r);
}

int registry_station_state(registry *r, const char *station_id)
{
    if (r->pg)
        return regpg_station_state(r->pg, station_id);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db, "SELECT revoked FROM stations WHERE station_id = ?", -1, &q,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), state = -1;
    if (rc == SQLITE_ROW)
        state = sqlite3_column_int(q, 0) ? 2 : 1;
    else if (rc == SQLITE_DONE)
        state = 0;
    sqlite3_finalize(q);
    return state;
}

/* Runs sql with the station id (and the time) bound; SQLITE_DONE expected. */
static int exec_id(registry *r, const char *sql, const char *station_id, int64_t now)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(q) > 1)
        sqlite3_bind_int64(q, 2, now);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Who runs this: the login name, else the uid. */
static void actor(char *out, size_t cap)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res)
        snprintf(out, cap, "%s", res->pw_name);
    else
        snprintf(out, cap, "uid %lu", (unsigned long)getuid());
}

/* Appends a line to the registry's audit, inside the caller's
 * transaction: the change and its line are committed together. */
static int audit(registry *r, int64_t now, const char *action, const char *station_id,
                 const char *detail)
{
    sqlite3_stmt *q;
    char by[256];
    actor(by, sizeof by);
    int rc = sqlite3_prepare_v2(r->db,
                                "INSERT INTO registry_audit(wall, action, station_id, detail, by)"
                                " VALUES (?, ?, ?, ?, ?)",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_text(q, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, station_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, by, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The fingerprints of the station's keys still good (not revoked), space
 * separated, into out ("" when none). */
static int good_keys(registry *r, const char *station_id, char *out, size_t cap)
{
    sqlite3_stmt *q;
    out[0] = 0;
    int rc = sqlite3_prepare_v2(r->db,
                                "SELECT sign_pk FROM station_keys WHERE station_id = ?"
                                " AND revoked_wall IS NULL ORDER BY issued_wall",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    size_t n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (sqlite3_column_bytes(q, 0) == 32 && n + SQ_FINGERPRINT_LEN + 2 < cap) {
            char fp[SQ_FINGERPRINT_LEN + 1];
            sq_fingerprint(sqlite3_column_blob(q, 0), fp);
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", fp);
        }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static const char revoke_current[] =
    "UPDATE station_keys SET revoked_wall = ?2 WHERE station_id = ?1 AND revoked_wall IS NULL";

sq_status registry_revoke(registry *r, const char *station_id, sq_err *err)
{
    if (r->pg) {
        char by[256];
        actor(by, sizeof by);
        return regpg_revoke(r->pg, station_id, by, err);
    }
    int64_t now = (int64_t)time(NULL);
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return dberr(r, "revoking the station", err);
    int state = registry_station_state(r, station_id);
    if (state == 0) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return seterr(err, SQ_ENOTFOUND, "station '%s' is not enrolled here", station_id);
    }
    char keys[512], detail[700];
    if (state < 0 || good_keys(r, station_id, keys, sizeof keys) ||
        exec_id(r, "UPDATE stations SET revoked = 1 WHERE station_id = ?1", station_id, now) ||
        exec_id(r, revoke_current, station_id, now) ||
        (snprintf(detail, sizeof detail, "revoked; keys revoked: %s", keys[0] ? keys : "none"),
         audit(r, now, "revoke", station_id, detail)) ||
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sq_status st = dberr(r, "revoking the station", err);
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    return SQ_OK;
}

sq_status registry_add(registry *r, const sq_cert *c, bool replace, sq_err *err)
{
    if (r->pg) {
        char by[256];
        actor(by, sizeof by);
        return regpg_add(r->pg, c, replace, by, err);
    }
    int64_t now = (int64_t)time(NULL);
    sq_status st = SQ_OK;
    char detail[900] = "";
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return dberr(r, "registering the station", err);
    int state = registry_station_state(r, c->station_id);
    if (state < 0) {
        st = dberr(r, "registering the station", err);
        goto fail;
    }
    if (state > 0 && !replace) {
        /* A revoked station stays revoked, and an id names one machine:
         * new keys under a known id only on purpose. */
        st = seterr(err, SQ_EEXIST,
                    state == 2 ? "station id '%s' was revoked; it stays revoked (enrol new keys "
                                 "under it on purpose with --replace)"
                               : "station id '%s' is enrolled already (enrol new keys under it "
                                 "on purpose with --replace: the old keys are revoked)",
                    c->station_id);
        goto fail;
    }
    sqlite3_stmt *q = NULL;
    if (replace) {
        /* The old keys stop being good now; what they signed before stays
         * openable from the history. The same keys again are not a
         * replacement. */
        if (sqlite3_prepare_v2(r->db,
                               "SELECT 1 FROM station_keys WHERE station_id = ? AND sign_pk = ?",
                               -1, &q, NULL) != SQLITE_OK)
            goto dbfail;
        sqlite3_bind_text(q, 1, c->station_id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, c->sign_pk, 32, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW) {
            st = seterr(err, SQ_EEXIST,
                        "these keys were enrolled under station id '%s' before; a replacement "
                        "needs a station with new keys",
                        c->station_id);
            goto fail;
        }
        char keys[512];
        if (good_keys(r, c->station_id, keys, sizeof keys) ||
            exec_id(r, revoke_current, c->station_id, now))
            goto dbfail;
        if (state > 0)
            snprintf(detail, sizeof detail,
                     "new keys under the id on purpose (--replace), the station %s before; keys "
                     "revoked now: %s",
                     state == 2 ? "revoked" : "enrolled", keys[0] ? keys : "none (revoked before)");
    }
    if (sqlite3_prepare_v2(r->db,
                           "INSERT OR REPLACE INTO stations(station_id, district, label, sign_pk,"
                           " box_pk, issued_wall, revoked) VALUES (?, ?, ?, ?, ?, ?, 0)",
                           -1, &q, NULL) != SQLITE_OK)
        goto dbfail;
    sqlite3_bind_text(q, 1, c->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, c->district, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, c->label, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, c->sign_pk, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 5, c->box_pk, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, c->issued_wall_s);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        goto dbfail;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO station_keys(station_id, sign_pk, box_pk, issued_wall)"
                           " VALUES (?, ?, ?, ?)",
                           -1, &q, NULL) != SQLITE_OK)
        goto dbfail;
    sqlite3_bind_text(q, 1, c->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, c->sign_pk, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, c->box_pk, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, c->issued_wall_s);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    char fp[SQ_FINGERPRINT_LEN + 1], line[1200];
    sq_fingerprint(c->sign_pk, fp);
    snprintf(line, sizeof line, "key %s, district %s%s%s", fp, c->district, detail[0] ? "; " : "",
             detail);
    if (rc != SQLITE_DONE ||
        audit(r, now, replace && state > 0 ? "replace" : "enrol", c->station_id, line) ||
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto dbfail;
    return SQ_OK;
dbfail:
    st = dberr(r, "registering the station", err);
fail:
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

sq_status registry_station_key(registry *r, const char *station_id, uint8_t sign_pk[32],
                               sq_err *err)
{
    if (r->pg)
        return regpg_station_key(r->pg, station_id, sign_pk, err);
    /* One statement kept for every call: the connection's own mutex (held
     * in SQLite's serialized mode) keeps two threads' binds and steps of
     * it apart. Each step reads the file as it is now: a station revoked
     * by another process is refused from its next upload. */
    sqlite3_mutex *mu = sqlite3_db_mutex(r->db);
    sqlite3_mutex_enter(mu);
    if (!r->key_q &&
        sqlite3_prepare_v3(r->db, "SELECT sign_pk, revoked FROM stations WHERE station_id = ?",
                           -1, SQLITE_PREPARE_PERSISTENT, &r->key_q, NULL) != SQLITE_OK) {
        sq_status st = dberr(r, "reading the station registry", err);
        sqlite3_mutex_leave(mu);
        return st;
    }
    sqlite3_stmt *q = r->key_q;
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    sq_status st = SQ_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32 && !sqlite3_column_int(q, 1)) {
        memcpy(sign_pk, sqlite3_column_blob(q, 0), 32);
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        st = seterr(err, SQ_ENOTFOUND,
                    rc == SQLITE_ROW ? "station '%s' is revoked" : "station '%s' is not enrolled here",
                    station_id);
    } else {
        st = dberr(r, "reading the station registry", err);
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    sqlite3_mutex_leave(mu);
    return st;
}

sq_status registry_station_keys_all(registry *r, const char *station_id, uint8_t (*keys)[32],
                                    size_t max, size_t *n, sq_err *err)
{
    if (r->pg)
        return regpg_station_keys_all(r->pg, station_id, keys, max, n, err);
    sqlite3_stmt *q;
    *n = 0;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT sign_pk FROM station_keys WHERE station_id = ?"
                           " ORDER BY revoked_wall IS NOT NULL, revoked_wall DESC, issued_wall DESC",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "reading the station registry", err);
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max)
        if (sqlite3_column_bytes(q, 0) == 32)
            memcpy(keys[(*n)++], sqlite3_column_blob(q, 0), 32);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return dberr(r, "reading the station registry", err);
    if (*n == 0)
        return seterr(err, SQ_ENOTFOUND, "station '%s' was never enrolled here", station_id);
    return SQ_OK;
}

sq_status registry_each(registry *r, registry_station_fn fn, void *ctx, sq_err *err)
{
    if (r->pg)
        return regpg_each(r->pg, fn, ctx, err);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT station_id, district, revoked FROM stations"
                           " ORDER BY district, station_id",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "reading the station registry", err);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (fn(ctx, (const char *)sqlite3_column_text(q, 0),
               (const char *)sqlite3_column_text(q, 1), sqlite3_column_int(q, 2) != 0)) {
            rc = SQLITE_DONE;
            break;
        }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQ_OK : dberr(r, "reading the station registry", err);
}

sq_status registry_print(registry *r, FILE *out, sq_err *err)
{
    if (r->pg)
        return regpg_print(r->pg, out, err);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT station_id, district, label, revoked,"
                           " (SELECT count(*) FROM station_keys k WHERE k.station_id ="
                           " s.station_id) FROM stations s ORDER BY district, station_id",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "reading the station registry", err);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int keys = sqlite3_column_int(q, 4);
        fprintf(out, "%s\t%s\t%s%s", sqlite3_column_text(q, 0), sqlite3_column_text(q, 1),
                sqlite3_column_text(q, 2), sqlite3_column_int(q, 3) ? "\trevoked" : "");
        if (keys > 1)
            fprintf(out, "\t(%d keys over time)", keys);
        fputc('\n', out);
    }
    sqlite3_finalize(q);
    return SQ_OK;
}

sq_status registry_print_audit(registry *r, FILE *out, sq_err *err)
{
    if (r->pg)
        return regpg_print_audit(r->pg, out, err);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT wall, action, station_id, detail, by FROM registry_audit"
                           " ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "reading the registry's audit", err);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char stamp[32];
        time_t t = (time_t)sqlite3_column_int64(q, 0);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(out, "%s\t%s\t%s\t%s\tby %s\n", stamp, sqlite3_column_text(q, 1),
                sqlite3_column_text(q, 2), sqlite3_column_text(q, 3), sqlite3_column_text(q, 4));
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQ_OK : dberr(r, "reading the registry's audit", err);
}

/* ---- the copy (migrate-store) ---- */

static const char *const sl_walk_sql[REGISTRY_N_TABLES] = {
    "SELECT station_id, district, label, sign_pk, box_pk, issued_wall, revoked FROM stations"
    " ORDER BY station_id",
    "SELECT station_id, sign_pk, box_pk, issued_wall, revoked_wall IS NOT NULL,"
    " coalesce(revoked_wall, 0) FROM station_keys ORDER BY station_id, sign_pk",
    "SELECT wall, action, station_id, detail, by FROM registry_audit ORDER BY id",
};

static const char *col_text(sqlite3_stmt *q, int c)
{
    const unsigned char *t = sqlite3_column_text(q, c);
    return t ? (const char *)t : "";
}

static const uint8_t *col_key(sqlite3_stmt *q, int c)
{
    return sqlite3_column_bytes(q, c) == 32 ? sqlite3_column_blob(q, c) : NULL;
}

static sq_status each_row(registry *r, int table, registry_row_fn fn, void *ctx, sq_err *err)
{
    if (r->pg)
        return regpg_each_row(r->pg, table, fn, ctx, err);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db, sl_walk_sql[table], -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "reading the station registry", err);
    int rc;
    sq_status st = SQ_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        registry_row row = {0};
        if (table == REGISTRY_T_STATIONS) {
            row.station_id = col_text(q, 0);
            row.district = col_text(q, 1);
            row.label = col_text(q, 2);
            row.sign_pk = col_key(q, 3);
            row.box_pk = col_key(q, 4);
            row.issued_wall = sqlite3_column_int64(q, 5);
            row.revoked = sqlite3_column_int64(q, 6) != 0;
        } else if (table == REGISTRY_T_KEYS) {
            row.station_id = col_text(q, 0);
            row.sign_pk = col_key(q, 1);
            row.box_pk = col_key(q, 2);
            row.issued_wall = sqlite3_column_int64(q, 3);
            row.has_revoked_wall = sqlite3_column_int(q, 4) != 0;
            row.revoked_wall = sqlite3_column_int64(q, 5);
        } else {
            row.wall = sqlite3_column_int64(q, 0);
            row.action = col_text(q, 1);
            row.station_id = col_text(q, 2);
            row.detail = col_text(q, 3);
            row.by = col_text(q, 4);
        }
        if (table != REGISTRY_T_AUDIT && (!row.sign_pk || !row.box_pk)) {
            st = seterr(err, SQ_ECORRUPT, "station '%s': a key in the registry is not 32 bytes",
                        row.station_id);
            break;
        }
        if (fn(ctx, table, &row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(q);
    if (!st && rc != SQLITE_DONE)
        st = dberr(r, "reading the station registry", err);
    return st;
}

static sq_status load_begin(registry *r, sq_err *err)
{
    if (r->pg)
        return regpg_load_begin(r->pg, err);
    sqlite3_stmt *q = NULL;
    int64_t rows = -1;
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return dberr(r, "starting the registry's copy", err);
    if (sqlite3_prepare_v2(r->db,
                           "SELECT (SELECT count(*) FROM stations) + (SELECT count(*) FROM"
                           " station_keys) + (SELECT count(*) FROM registry_audit)",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        rows = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sq_status st = SQ_OK;
    if (rows < 0)
        st = dberr(r, "starting the registry's copy", err);
    else if (rows > 0)
        st = seterr(err, SQ_ESTATE, "%s", "the station registry there holds stations already");
    if (st)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

static sq_status load_row(registry *r, int table, const registry_row *row, sq_err *err)
{
    if (r->pg)
        return regpg_load_row(r->pg, table, row, err);
    static const char *const sql[REGISTRY_N_TABLES] = {
        "INSERT INTO stations(station_id, district, label, sign_pk, box_pk, issued_wall,"
        " revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        "INSERT INTO station_keys(station_id, sign_pk, box_pk, issued_wall, revoked_wall)"
        " VALUES (?1, ?4, ?5, ?6, ?8)",
        "INSERT INTO registry_audit(wall, action, station_id, detail, by)"
        " VALUES (?9, ?10, ?1, ?11, ?12)",
    };
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db, sql[table], -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "copying the station registry", err);
    sqlite3_bind_text(q, 1, row->station_id, -1, SQLITE_STATIC);
    if (table == REGISTRY_T_STATIONS) {
        sqlite3_bind_text(q, 2, row->district, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, row->label, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 7, row->revoked ? 1 : 0);
    }
    if (table != REGISTRY_T_AUDIT) {
        sqlite3_bind_blob(q, 4, row->sign_pk, 32, SQLITE_STATIC);
        sqlite3_bind_blob(q, 5, row->box_pk, 32, SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, row->issued_wall);
    }
    if (table == REGISTRY_T_KEYS && row->has_revoked_wall)
        sqlite3_bind_int64(q, 8, row->revoked_wall);
    if (table == REGISTRY_T_AUDIT) {
        sqlite3_bind_int64(q, 9, row->wall);
        sqlite3_bind_text(q, 10, row->action, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 11, row->detail, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 12, row->by, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQ_OK : dberr(r, "copying the station registry", err);
}

static sq_status load_end(registry *r, bool commit, sq_err *err)
{
    if (r->pg)
        return regpg_load_end(r->pg, commit, err);
    if (commit && sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sq_status st = dberr(r, "committing the registry's copy", err);
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    if (!commit)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return SQ_OK;
}

/* A copy's walk: each row into the hash (every field, lengths first, so
 * rows cannot run into each other) and, when to is set, into to. */
typedef struct {
    crypto_hash_sha256_state h;
    registry *to;
    int64_t rows[REGISTRY_N_TABLES];
    sq_status st;
    sq_err *err;
} copy_walk;

static void h_str(crypto_hash_sha256_state *h, const char *s)
{
    uint64_t n = s ? strlen(s) : UINT64_MAX;
    crypto_hash_sha256_update(h, (const uint8_t *)&n, sizeof n);
    if (s)
        crypto_hash_sha256_update(h, (const uint8_t *)s, strlen(s));
}

static void h_int(crypto_hash_sha256_state *h, int64_t v)
{
    crypto_hash_sha256_update(h, (const uint8_t *)&v, sizeof v);
}

static int copy_one(void *ctx, int table, const registry_row *row)
{
    copy_walk *w = ctx;
    crypto_hash_sha256_state *h = &w->h;
    h_int(h, table);
    h_str(h, row->station_id);
    h_str(h, row->district);
    h_str(h, row->label);
    crypto_hash_sha256_update(h, row->sign_pk ? row->sign_pk : (const uint8_t *)"", row->sign_pk ? 32 : 0);
    crypto_hash_sha256_update(h, row->box_pk ? row->box_pk : (const uint8_t *)"", row->box_pk ? 32 : 0);
    h_int(h, row->issued_wall);
    h_int(h, row->revoked);
    h_int(h, row->has_revoked_wall);
    h_int(h, row->has_revoked_wall ? row->revoked_wall : 0);
    h_int(h, row->wall);
    h_str(h, row->action);
    h_str(h, row->detail);
    h_str(h, row->by);
    w->rows[table]++;
    if (w->to && (w->st = load_row(w->to, table, row, w->err)))
        return 1;
    return 0;
}

static sq_status walk(registry *r, copy_walk *w, uint8_t sum[32])
{
    crypto_hash_sha256_init(&w->h);
    for (int t = 0; t < REGISTRY_N_TABLES; t++) {
        sq_status st = each_row(r, t, copy_one, w, w->err);
        if (!st)
            st = w->st;
        if (st)
            return st;
    }
    crypto_hash_sha256_final(&w->h, sum);
    return SQ_OK;
}

sq_status registry_copy(registry *from, registry *to, int64_t rows[REGISTRY_N_TABLES],
                        sq_err *err)
{
    copy_walk src = {.to = to, .err = err}, back = {.err = err};
    uint8_t a[32], b[32];
    sq_status st = load_begin(to, err);
    if (st)
        return st;
    if ((st = walk(from, &src, a))) {
        load_end(to, false, NULL);
        return st;
    }
    /* Read back inside the copy's transaction (SQLite: the same
     * connection; PostgreSQL: the handle's one connection). */
    if ((st = walk(to, &back, b))) {
        load_end(to, false, NULL);
        return st;
    }
    if (sodium_memcmp(a, b, 32) != 0 ||
        memcmp(src.rows, back.rows, sizeof src.rows) != 0) {
        load_end(to, false, NULL);
        return seterr(err, SQ_ECORRUPT, "%s",
                      "the registry read back differs from the source; nothing was kept");
    }
    if ((st = load_end(to, true, err)))
        return st;
    if (rows)
        memcpy(rows, src.rows, sizeof src.rows);
    return SQ_OK;
}

static int count_station(void *ctx, const char *id, const char *district, bool revoked)
{
    (void)id, (void)district, (void)revoked;
    ++*(int64_t *)ctx;
    return 0;
}

sq_status registry_adopt(const char *url, const char *legacy_path, int64_t *moved, sq_err *err)
{
    *moved = 0;
    if (access(legacy_path, F_OK) != 0)
        return SQ_OK;
    registry *pg = NULL, *old = NULL;
    int64_t there = 0, here = 0, rows[REGISTRY_N_TABLES];
    sq_status st = registry_open(url, &pg, err);
    if (st)
        return st;
    if ((st = registry_each(pg, count_station, &there, err)) || there > 0)
        goto out;
    /* Opened for writing: a central.db of the first builds is brought up
     * to date first, as any command that writes it would. */
    if ((st = registry_open(legacy_path, &old, err)) ||
        (st = registry_each(old, count_station, &here, err)) || here == 0)
        goto out;
    st = registry_copy(old, pg, rows, err);
    if (st == SQ_ESTATE) /* another process moved it (or enrolled) meanwhile */
        st = SQ_OK;
    else if (!st)
        *moved = rows[REGISTRY_T_STATIONS];
out:
    registry_close(old);
    registry_close(pg);
    return st;
}

sq_status registry_digest(registry *r, uint8_t sum[32], int64_t rows[REGISTRY_N_TABLES],
                          sq_err *err)
{
    copy_walk w = {.err = err};
    sq_status st = walk(r, &w, sum);
    if (!st && rows)
        memcpy(rows, w.rows, sizeof w.rows);
    return st;
}
