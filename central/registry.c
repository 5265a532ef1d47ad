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

#include "registry.h"

#define REGISTRY_SCHEMA 2

struct registry {
    sqlite3 *db;
};

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
    sqlite3_close_v2(r->db);
    free(r);
}

int registry_station_state(registry *r, const char *station_id)
{
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
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db, "SELECT sign_pk, revoked FROM stations WHERE station_id = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "reading the station registry", err);
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
    sqlite3_finalize(q);
    return st;
}

sq_status registry_station_keys_all(registry *r, const char *station_id, uint8_t (*keys)[32],
                                    size_t max, size_t *n, sq_err *err)
{
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
