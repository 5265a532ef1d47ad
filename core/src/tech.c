/*
 * tech.c - the technician PIN, the audit log and the station's status
 * (see tech.h).
 *
 * The PIN is kept as libsodium's Argon2id string (crypto_pwhash_str),
 * itself sealed with the store's field key: a copy of the database alone
 * does not allow guessing PINs offline. The count of wrong attempts and
 * the time before the next one is allowed live in the store too, so a
 * restart does not reset them; the time is on the monotonic clock, and a
 * wait that looks longer than the schedule allows (the clock restarted at
 * boot) is cut back to a full wait from now.
 *
 * Each line of the audit log is chained to the one before it with a MAC
 * (chain.c), so a line changed or removed with the sqlite3 shell shows.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sodium.h>

#include "chain_int.h"
#include "db_int.h"
#include "util_int.h"
#include "synaq/tech.h"
#include "synaq/batch.h"
#include "synaq/station.h"

#define META_PIN "tech_pin"
#define META_FAILS "tech_pin_fails"
#define META_UNTIL "tech_pin_until_mono"

int64_t sq_tech_pin_delay_ms(int fails)
{
    if (fails < SQ_PIN_FREE_TRIES)
        return 0;
    int64_t ms = SQ_PIN_FIRST_WAIT_MS;
    for (int i = SQ_PIN_FREE_TRIES; i < fails && ms < SQ_PIN_MAX_WAIT_MS; i++)
        ms *= 2;
    return ms < SQ_PIN_MAX_WAIT_MS ? ms : SQ_PIN_MAX_WAIT_MS;
}

/* The opened Argon2id string of the PIN into out; SQ_ENOTFOUND if none. */
static sq_status pin_hash(sq_store *s, char *out, size_t cap, sq_err *err)
{
    sqlite3_stmt *q;
    sq_status st = sqi_db_prepare(s, "SELECT value FROM meta WHERE key = '" META_PIN "'", &q, err);
    if (st)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        uint8_t *plain = NULL;
        size_t n = 0;
        st = sqi_db_open_field(s, "meta", "value", META_PIN, sqlite3_column_blob(q, 0),
                              (size_t)sqlite3_column_bytes(q, 0), &plain, &n, err);
        if (!st) {
            if (n + 1 > cap)
                st = sqi_seterr(err, SQ_ECORRUPT, "the stored technician PIN is damaged");
            else
                memcpy(out, plain, n + 1);
        }
        free(plain);
    } else if (rc == SQLITE_DONE) {
        st = sqi_seterr(err, SQ_ENOTFOUND,
                       "no technician PIN is set on this station (synaqctl set-pin)");
    } else {
        st = sqi_db_sqlerr(s, rc, "reading the store", err);
    }
    sqlite3_finalize(q);
    return st;
}

static sq_status audit_insert(sq_store *s, const char *actor, const char *action, sq_status res,
                              const char *detail, sq_err *err)
{
    /* Cut at a character boundary, so the log stays valid UTF-8. */
    size_t n = detail ? sq_utf8_prefix(detail, 399) : 0;
    return sqi_chain_audit_append(s, actor ? actor : "?", action ? action : "?", sq_status_name(res),
                              detail ? detail : "", n, err);
}

sq_status sq_tech_audit_add(sq_store *s, const char *actor, const char *action, sq_status res,
                            const char *detail, sq_err *err)
{
    sq_status st = sqi_db_begin(s, err);
    if (st)
        return st;
    st = audit_insert(s, actor, action, res, detail, err);
    return sqi_db_end(s, st, err);
}

sq_status sq_tech_auditf(sq_store *s, const char *actor, const char *action, sq_status res,
                         sq_err *err, const char *fmt, ...)
{
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return sq_tech_audit_add(s, actor, action, res, detail, err);
}

static bool pin_ok(const char *pin)
{
    size_t n = pin ? strlen(pin) : 0;
    if (n < SQ_PIN_MIN || n > SQ_PIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)pin[i]))
            return false;
    return true;
}

sq_status sq_tech_pin_set(sq_store *s, const char *actor, const char *pin, sq_err *err)
{
    if (!pin_ok(pin))
        return sqi_seterr(err, SQ_EINVAL, "a technician PIN is %d to %d digits", SQ_PIN_MIN,
                         SQ_PIN_MAX);
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return sqi_seterr(err, SQ_ENOMEM, "not enough memory to hash the PIN");
    uint8_t *sealed = NULL;
    size_t n = 0;
    sq_status st = sqi_db_seal(s, "meta", "value", META_PIN, hash, strlen(hash) + 1, &sealed, &n,
                              err);
    sodium_memzero(hash, sizeof hash);
    if (st)
        return st;
    if ((st = sqi_db_begin(s, err))) {
        free(sealed);
        return st;
    }
    /* The sealed text carries its NUL, so the opened one is a C string. */
    if (!(st = sqi_db_meta_put(s, META_PIN, sealed, n, 0, err)) &&
        !(st = sqi_db_meta_put(s, META_FAILS, NULL, 0, 0, err)) &&
        !(st = sqi_db_meta_put(s, META_UNTIL, NULL, 0, 0, err)))
        st = audit_insert(s, actor, "pin-set", SQ_OK, "the technician PIN was set", err);
    free(sealed);
    return sqi_db_end(s, st, err);
}

/* The wait left now. A wait that ends further off than the schedule
 * allows comes from before a restart of the monotonic clock (a reboot):
 * it becomes a full wait from now, and that is stored, so the wait runs
 * down from here instead of starting again at every look. */
static sq_status wait_left(sq_store *s, int fails, int64_t *left, sq_err *err)
{
    int64_t until = 0, now = sqi_db_mono_ms(s), full = sq_tech_pin_delay_ms(fails);
    sq_status st = sqi_db_meta_int(s, META_UNTIL, &until, err);
    if (st)
        return st;
    if (until - now > full) {
        until = now + full;
        if ((st = sqi_db_begin(s, err)))
            return st;
        st = sqi_db_meta_put(s, META_UNTIL, NULL, 0, until, err);
        if ((st = sqi_db_end(s, st, err)))
            return st;
    }
    *left = until > now ? until - now : 0;
    return SQ_OK;
}

sq_status sq_tech_pin_state(sq_store *s, bool *is_set, int *fails, int64_t *wait_ms, sq_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int64_t f = 0, left = 0;
    sq_status st = pin_hash(s, hash, sizeof hash, err);
    sodium_memzero(hash, sizeof hash);
    if (st && st != SQ_ENOTFOUND)
        return st;
    if (is_set)
        *is_set = st == SQ_OK;
    if ((st = sqi_db_meta_int(s, META_FAILS, &f, err)) || (st = wait_left(s, (int)f, &left, err)))
        return st;
    if (fails)
        *fails = (int)f;
    if (wait_ms)
        *wait_ms = left;
    return SQ_OK;
}

sq_status sq_tech_pin_check(sq_store *s, const char *actor, const char *pin, int64_t *wait_ms,
                            sq_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int64_t f = 0, left = 0;
    sq_status res, st;
    if (wait_ms)
        *wait_ms = 0;
    res = pin_hash(s, hash, sizeof hash, err);
    if (res == SQ_OK) {
        if ((st = sqi_db_meta_int(s, META_FAILS, &f, err)) ||
            (st = wait_left(s, (int)f, &left, err))) {
            sodium_memzero(hash, sizeof hash);
            return st;
        }
        if (left > 0) {
            res = sqi_seterr(err, SQ_EBUSY, "too many wrong PINs: wait %lld s before the next try",
                            (long long)(left + 999) / 1000);
            if (wait_ms)
                *wait_ms = left;
        } else {
            /* Slow on purpose (Argon2id): done outside the write lock. */
            bool right = pin && crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
            res = right ? SQ_OK : SQ_EAUTH;
        }
    } else if (res != SQ_ENOTFOUND) {
        return res;
    }
    sodium_memzero(hash, sizeof hash);
    char detail[160] = "";
    if ((st = sqi_db_begin(s, err)))
        return st;
    if (res == SQ_OK || res == SQ_EAUTH) {
        /* Counted from what is stored now, not from what was read. */
        if ((st = sqi_db_meta_int(s, META_FAILS, &f, err)))
            goto out;
        f = res == SQ_OK ? 0 : f + 1;
        int64_t wait = sq_tech_pin_delay_ms((int)f);
        if ((st = sqi_db_meta_put(s, META_FAILS, NULL, 0, f, err)) ||
            (st = sqi_db_meta_put(s, META_UNTIL, NULL, 0, wait ? sqi_db_mono_ms(s) + wait : 0, err)))
            goto out;
        if (res == SQ_EAUTH) {
            snprintf(detail, sizeof detail, "wrong PIN, %lld in a row; next try in %lld s",
                     (long long)f, (long long)wait / 1000);
            sqi_seterr(err, SQ_EAUTH, "wrong PIN");
            if (wait_ms)
                *wait_ms = wait;
        } else {
            snprintf(detail, sizeof detail, "technician mode opened");
        }
    } else if (res == SQ_EBUSY) {
        snprintf(detail, sizeof detail, "refused unchecked: %lld s of the wait left",
                 (long long)(wait_ms ? (*wait_ms + 999) / 1000 : 0));
    } else {
        snprintf(detail, sizeof detail, "no PIN is set");
    }
    st = audit_insert(s, actor, "pin", res, detail, err);
out:
    st = sqi_db_end(s, st, err);
    return st ? st : res;
}

sq_status sq_tech_audit_list(sq_store *s, int max, sq_audit_entry **out, size_t *n, sq_err *err)
{
    sqlite3_stmt *q;
    *out = NULL;
    *n = 0;
    if (max <= 0)
        return SQ_OK;
    sq_audit_entry *list = calloc((size_t)max, sizeof *list);
    if (!list)
        return sqi_seterr(err, SQ_ENOMEM, "out of memory");
    sq_status st = sqi_db_prepare(s,
                                 "SELECT n, wall, actor, action, outcome, detail FROM audit"
                                 " ORDER BY n DESC LIMIT ?",
                                 &q, err);
    if (st) {
        free(list);
        return st;
    }
    sqlite3_bind_int(q, 1, max);
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sq_audit_entry *a = &list[k++];
        a->n = sqlite3_column_int64(q, 0);
        a->wall_s = sqlite3_column_int64(q, 1);
        snprintf(a->actor, sizeof a->actor, "%s", (const char *)sqlite3_column_text(q, 2));
        snprintf(a->action, sizeof a->action, "%s", (const char *)sqlite3_column_text(q, 3));
        snprintf(a->outcome, sizeof a->outcome, "%s", (const char *)sqlite3_column_text(q, 4));
        snprintf(a->detail, sizeof a->detail, "%s", (const char *)sqlite3_column_text(q, 5));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        free(list);
        return sqi_db_sqlerr(s, rc, "reading the audit log", err);
    }
    *out = list;
    *n = k;
    return SQ_OK;
}

/* ---- status ---- */

/* What synaq-syncd last wrote of itself, when home is known. */
static void read_sync_status(const char *home, sq_tech_status *st)
{
    sq_station_paths p;
    sq_sync_status ss;
    if (!home || sq_station_paths_init(&p, home, NULL, NULL, NULL) ||
        sq_station_sync_status_read(&p, &ss, NULL))
        return;
    st->sync_known = true;
    st->sync_last_success_s = ss.last_success_s;
    st->sync_last_error_s = ss.last_error_s;
    snprintf(st->sync_last_error, sizeof st->sync_last_error, "%s", ss.last_error);
    snprintf(st->sync_last_error_kind, sizeof st->sync_last_error_kind, "%s", ss.last_error_kind);
}

sq_status sq_tech_status_get(sq_store *s, const sq_station_keys *k, const char *home,
                             sq_tech_status *st, sq_err *err)
{
    sq_heartbeat hb;
    memset(st, 0, sizeof *st);
    /* Checked now, not only at the open (the kiosk holds its store for
     * days), and first: results it finds marked sent without a record
     * count as pending below. */
    sq_status rc = sq_chain_check(s, &st->integrity, err);
    if (rc || (rc = sq_batch_heartbeat(s, &hb, err)))
        return rc;
    const sq_cert *c = sq_station_keys_cert(k);
    snprintf(st->station_id, sizeof st->station_id, "%s", hb.station_id);
    snprintf(st->district, sizeof st->district, "%s", c ? c->district : "");
    snprintf(st->software, sizeof st->software, "%s", hb.software);
    snprintf(st->content, sizeof st->content, "%s", hb.content);
    st->pending = hb.pending;
    st->oldest_pending_s = hb.oldest_pending_s;
    st->last_seq = hb.last_seq;
    st->wall_s = hb.station_wall_s;
    sqlite3_stmt *q;
    if ((rc = sqi_db_prepare(s,
                            "SELECT (SELECT count(*) FROM results WHERE sent_wall IS NULL"
                            " AND exported_wall IS NOT NULL AND kind = 0),"
                            " (SELECT count(*) FROM exams WHERE active = 1),"
                            " (SELECT count(*) FROM results WHERE sent_wall IS NULL AND kind = 1)",
                            &q, err)))
        return rc;
    if (sqlite3_step(q) == SQLITE_ROW) {
        st->exported = sqlite3_column_int64(q, 0);
        st->n_exams = sqlite3_column_int(q, 1);
        /* The heartbeat's pending counts both kinds (PROTOCOL.md); the
         * technician reads results and practice apart. */
        st->pending_practice = sqlite3_column_int64(q, 2);
        st->pending = hb.pending > st->pending_practice ? hb.pending - st->pending_practice : 0;
    }
    sqlite3_finalize(q);
    /* The store's own folder: where results pile up when nothing leaves. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", s->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = 0;
    else
        snprintf(dir, sizeof dir, ".");
    struct statvfs vs;
    st->disk_free_bytes = statvfs(dir, &vs) == 0 ? (int64_t)vs.f_bavail * (int64_t)vs.f_frsize : -1;
    read_sync_status(home, st);
    return SQ_OK;
}
