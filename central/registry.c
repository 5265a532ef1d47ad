/*
 * registry.c - central's station registry on SQLite. One writer: the
 * synaq-central process that enrols; everything else reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "registry.h"

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

sq_status registry_open(const char *path, registry **out, sq_err *err)
{
    registry *r = calloc(1, sizeof *r);
    if (!r)
        return SQ_ENOMEM;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(r->db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                     "CREATE TABLE IF NOT EXISTS stations(station_id TEXT PRIMARY KEY,"
                     " district TEXT NOT NULL, label TEXT NOT NULL, sign_pk BLOB NOT NULL,"
                     " box_pk BLOB NOT NULL, issued_wall INTEGER NOT NULL,"
                     " revoked INTEGER NOT NULL DEFAULT 0)",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sq_status st = dberr(r, "opening the station registry", err);
        registry_close(r);
        return st;
    }
    sqlite3_busy_timeout(r->db, 5000);
    *out = r;
    return SQ_OK;
}

sq_status registry_open_readonly(const char *path, registry **out, sq_err *err)
{
    registry *r = calloc(1, sizeof *r);
    if (!r)
        return SQ_ENOMEM;
    sqlite3_stmt *q = NULL;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "SELECT count(*) FROM stations", -1, &q, NULL) != SQLITE_OK) {
        sq_status st = dberr(r, "opening the station registry", err);
        sqlite3_finalize(q);
        registry_close(r);
        return st;
    }
    sqlite3_finalize(q);
    sqlite3_busy_timeout(r->db, 5000);
    *out = r;
    return SQ_OK;
}

sq_status registry_revoke(registry *r, const char *station_id, sq_err *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db, "UPDATE stations SET revoked = 1 WHERE station_id = ?", -1, &q,
                           NULL) != SQLITE_OK)
        return dberr(r, "revoking the station", err);
    sqlite3_bind_text(q, 1, station_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return dberr(r, "revoking the station", err);
    if (sqlite3_changes(r->db) == 0) {
        if (err) {
            snprintf(err->msg, sizeof err->msg, "station '%s' is not enrolled here", station_id);
            err->code = SQ_ENOTFOUND;
        }
        return SQ_ENOTFOUND;
    }
    return SQ_OK;
}

void registry_close(registry *r)
{
    if (!r)
        return;
    sqlite3_close_v2(r->db);
    free(r);
}

sq_status registry_add(registry *r, const sq_cert *c, sq_err *err)
{
    uint8_t have[32];
    if (registry_station_key(r, c->station_id, have, NULL) == SQ_OK &&
        memcmp(have, c->sign_pk, 32) != 0) {
        if (err) {
            snprintf(err->msg, sizeof err->msg,
                     "station id '%s' is enrolled already with other keys", c->station_id);
            err->code = SQ_EEXIST;
        }
        return SQ_EEXIST;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT OR REPLACE INTO stations(station_id, district, label, sign_pk,"
                           " box_pk, issued_wall) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "registering the station", err);
    sqlite3_bind_text(q, 1, c->station_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, c->district, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, c->label, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, c->sign_pk, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 5, c->box_pk, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, c->issued_wall_s);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQ_OK : dberr(r, "registering the station", err);
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
        st = SQ_ENOTFOUND;
        if (err) {
            snprintf(err->msg, sizeof err->msg, "station '%s' is %s", station_id,
                     rc == SQLITE_ROW ? "revoked" : "not enrolled here");
            err->code = st;
        }
    } else {
        st = dberr(r, "reading the station registry", err);
    }
    sqlite3_finalize(q);
    return st;
}

sq_status registry_print(registry *r, FILE *out, sq_err *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT station_id, district, label, revoked FROM stations"
                           " ORDER BY district, station_id",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(r, "reading the station registry", err);
    while (sqlite3_step(q) == SQLITE_ROW)
        fprintf(out, "%s\t%s\t%s%s\n", sqlite3_column_text(q, 0), sqlite3_column_text(q, 1),
                sqlite3_column_text(q, 2), sqlite3_column_int(q, 3) ? "\trevoked" : "");
    sqlite3_finalize(q);
    return SQ_OK;
}
