/*
 * event.c - training events (synaq/event.h): checked in the exam document
 * (check_events of exam.c, called by sqi_exam_check for sources and bundles alike),
 * installed with their exam (events: the dates in the clear, the names
 * and topics sealed like the exam's meta; event_roster: keyed hashes of
 * the trainee ids), listed for the kiosk's welcome, and the gate an exam
 * in events passes at its start.
 *
 * Load: an exam holds a handful of events; a gate reads them with one
 * query and the trainee's rows by the primary key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "catalog_int.h"
#include "chain_int.h"
#include "db_int.h"
#include "event_int.h"
#include "exam_int.h"
#include "util_int.h"
#include "synaq/event.h"

/* The same bound as attempt.c's: a difference between the wall and the
 * monotonic clock above it is a clock jump. */
#define JUMP_MS 5000

/* ---------- days ---------- */

bool sq_event_day_ok(const char *d)
{
    return sqi_exam_day_ok(d);
}

static void local_day(int64_t wall_s, char day[SQ_EVENT_DAY])
{
    time_t t = (time_t)wall_s;
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        snprintf(day, SQ_EVENT_DAY, "0000-00-00");
        return;
    }
    snprintf(day, SQ_EVENT_DAY, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
}

void sq_event_today(sq_store *s, char day[SQ_EVENT_DAY])
{
    local_day(sqi_db_wall_s(s), day);
}

/* ---------- at a station ---------- */

static void rowkey_event(char out[STORE_ROWKEY], const char *exam_id, int64_t version, int idx)
{
    snprintf(out, STORE_ROWKEY, "%s/%lld/event%d", exam_id, (long long)version, idx);
}

sq_status sqi_event_install(sq_store *s, int64_t exam_row, const json_t *exam, sq_err *err)
{
    const char *id = json_string_value(json_object_get(exam, "id"));
    int64_t version = json_integer_value(json_object_get(exam, "version"));
    const json_t *events = json_object_get(exam, "events"), *e, *t;
    sqlite3_stmt *qe = NULL, *qr = NULL;
    char rowkey[STORE_ROWKEY];
    sq_status st = SQ_OK;
    size_t i, j;

    if (!events)
        return SQ_OK;
    if ((st = sqi_db_prepare(s,
                             "INSERT INTO events(exam, idx, from_day, to_day, body)"
                             " VALUES (?, ?, ?, ?, ?)",
                             &qe, err)) ||
        (st = sqi_db_prepare(s,
                             "INSERT OR IGNORE INTO event_roster(exam, idx, trainee)"
                             " VALUES (?, ?, ?)",
                             &qr, err)))
        goto out;
    json_array_foreach(events, i, e)
    {
        json_t *body = json_pack("{s:O, s:O, s:O, s:O, s:i}", "id", json_object_get(e, "id"),
                                 "name", json_object_get(e, "name"), "from",
                                 json_object_get(e, "from"), "to", json_object_get(e, "to"),
                                 "n_roster", (int)json_array_size(json_object_get(e, "roster")));
        if (body && json_object_get(e, "topics"))
            json_object_set(body, "topics", json_object_get(e, "topics"));
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        uint8_t *sealed = NULL;
        size_t n;
        if (!text) {
            st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
            goto out;
        }
        rowkey_event(rowkey, id, version, (int)i);
        st = sqi_db_seal(s, "events", "body", rowkey, text, strlen(text), &sealed, &n, err);
        free(text);
        if (st)
            goto out;
        sqlite3_bind_int64(qe, 1, exam_row);
        sqlite3_bind_int(qe, 2, (int)i);
        sqlite3_bind_text(qe, 3, json_string_value(json_object_get(e, "from")), -1, SQLITE_STATIC);
        sqlite3_bind_text(qe, 4, json_string_value(json_object_get(e, "to")), -1, SQLITE_STATIC);
        sqlite3_bind_blob(qe, 5, sealed, (int)n, SQLITE_STATIC);
        st = sqi_db_step_done(s, qe, "installing an event", err);
        free(sealed);
        if (st)
            goto out;
        json_array_foreach(json_object_get(e, "roster"), j, t)
        {
            uint8_t h[32];
            sqi_db_trainee_hash(s, json_string_value(t), h);
            sqlite3_bind_int64(qr, 1, exam_row);
            sqlite3_bind_int(qr, 2, (int)i);
            sqlite3_bind_blob(qr, 3, h, 32, SQLITE_TRANSIENT);
            if ((st = sqi_db_step_done(s, qr, "installing an event's roster", err)))
                goto out;
        }
    }
out:
    sqlite3_finalize(qe);
    sqlite3_finalize(qr);
    return st;
}

sq_status sq_event_list(sq_store *s, const char *day, sq_event_info **out, size_t *n, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_event_info *v = NULL;
    size_t cap = 0, cnt = 0;
    char rowkey[STORE_ROWKEY];
    sq_status st;

    *out = NULL;
    *n = 0;
    if (day && !sq_event_day_ok(day))
        return sqi_seterr(err, SQ_EINVAL, "'%.20s' is not a date YYYY-MM-DD", day);
    if ((st = sqi_db_prepare(s,
                             "SELECT x.exam_id, x.version, e.idx, e.from_day, e.to_day, e.body"
                             " FROM events e JOIN exams x ON x.id = e.exam WHERE x.active = 1"
                             " AND (?1 IS NULL OR (e.from_day <= ?1 AND ?1 <= e.to_day))"
                             " ORDER BY x.exam_id, e.idx",
                             &q, err)))
        return st;
    if (day)
        sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *exam_id = (const char *)sqlite3_column_text(q, 0);
        uint8_t *plain = NULL;
        size_t plen;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 8;
            sq_event_info *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                st = sqi_seterr(err, SQ_ENOMEM, "out of memory");
                goto out;
            }
            v = nv;
            cap = nc;
        }
        sq_event_info *x = &v[cnt];
        memset(x, 0, sizeof *x);
        snprintf(x->exam_id, sizeof x->exam_id, "%s", exam_id);
        snprintf(x->from, sizeof x->from, "%s", (const char *)sqlite3_column_text(q, 3));
        snprintf(x->to, sizeof x->to, "%s", (const char *)sqlite3_column_text(q, 4));
        rowkey_event(rowkey, exam_id, sqlite3_column_int64(q, 1), sqlite3_column_int(q, 2));
        if ((st = sqi_db_open_field(s, "events", "body", rowkey, sqlite3_column_blob(q, 5),
                                    (size_t)sqlite3_column_bytes(q, 5), &plain, &plen, err)))
            goto out;
        json_t *b = json_loadb((const char *)plain, plen, 0, NULL);
        free(plain);
        if (!b) {
            st = sqi_seterr(err, SQ_ECORRUPT, "an event of exam '%s' does not read", exam_id);
            goto out;
        }
        snprintf(x->id, sizeof x->id, "%s", json_string_value(json_object_get(b, "id")));
        for (int l = 0; l < SQ_NLANGS; l++) {
            const char *t =
                json_string_value(json_object_get(json_object_get(b, "name"), sqi_lang_codes[l]));
            snprintf(x->name[l], sizeof x->name[l], "%s", t ? t : "");
        }
        x->n_roster = (int)json_integer_value(json_object_get(b, "n_roster"));
        x->n_topics = (int)json_array_size(json_object_get(b, "topics"));
        json_decref(b);
        cnt++;
    }
    if (rc != SQLITE_DONE)
        st = sqi_db_sqlerr(s, rc, "listing events", err);
out:
    sqlite3_finalize(q);
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *n = cnt;
    return SQ_OK;
}

/* The wall time the store can vouch for: the wall clock at the store's
 * opening carried on by the monotonic clock, and never before the newest
 * wall time the store recorded (a bundle's import, an attempt's last
 * commit, a result). */
static sq_status trusted_wall(sq_store *s, int64_t *out, int64_t *floor_wall, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    sq_status st;
    int64_t mono_wall = s->opened_wall_s + (sqi_db_mono_ms(s) - s->opened_mono_ms) / 1000;

    *floor_wall = 0;
    if ((st = sqi_db_prepare(s,
                             "SELECT max(coalesce((SELECT max(imported_wall) FROM bundles), 0),"
                             " coalesce((SELECT max(last_wall) FROM attempts), 0),"
                             " coalesce((SELECT max(created_wall) FROM results), 0))",
                             &q, err)))
        return st;
    if (sqlite3_step(q) == SQLITE_ROW)
        *floor_wall = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    *out = mono_wall > *floor_wall ? mono_wall : *floor_wall;
    return SQ_OK;
}

typedef struct {
    char from[SQ_EVENT_DAY], to[SQ_EVENT_DAY];
    bool invited;
} ev_days;

/* The verdict on day for the events read, and the day it names. */
static sq_event_verdict verdict_on(const ev_days *ev, int n, const char *today,
                                   char day[SQ_EVENT_DAY])
{
    char next[SQ_EVENT_DAY] = "", last[SQ_EVENT_DAY] = "";
    bool invited = false;
    day[0] = 0;
    for (int i = 0; i < n; i++) {
        if (!ev[i].invited)
            continue;
        invited = true;
        if (strcmp(ev[i].from, today) <= 0 && strcmp(today, ev[i].to) <= 0)
            return SQ_EVENT_OPEN;
        if (strcmp(ev[i].from, today) > 0 && (!next[0] || strcmp(ev[i].from, next) < 0))
            snprintf(next, sizeof next, "%s", ev[i].from);
        else if (strcmp(ev[i].to, today) < 0 && strcmp(ev[i].to, last) > 0)
            snprintf(last, sizeof last, "%s", ev[i].to);
    }
    if (!invited)
        return SQ_EVENT_NOT_INVITED;
    if (next[0]) {
        snprintf(day, SQ_EVENT_DAY, "%s", next);
        return SQ_EVENT_NOT_YET;
    }
    snprintf(day, SQ_EVENT_DAY, "%s", last);
    return SQ_EVENT_CLOSED;
}

/* The verdict for the exam at row and the trainee's hash h, by the wall
 * clock's day; but an event the wall clock opens and the trusted time
 * (trusted_wall) does not is refused as SQ_EVENT_CLOCK, why saying how
 * the clock moved: a clock set by hand cannot open an event, and a jump
 * that changes nothing for the event changes nothing. */
static sq_status decide(sq_store *s, int64_t row, const uint8_t h[32], sq_event_verdict *v,
                        char day[SQ_EVENT_DAY], char *why, size_t why_cap, sq_err *err)
{
    sqlite3_stmt *q = NULL;
    ev_days ev[SQI_EVENTS_MAX];
    char today[SQ_EVENT_DAY], tday[SQ_EVENT_DAY], tshown[SQ_EVENT_DAY];
    int n = 0, rc;
    sq_status st;

    *v = SQ_EVENT_NONE;
    day[0] = 0;
    why[0] = 0;
    if ((st = sqi_db_prepare(s,
                             "SELECT e.from_day, e.to_day, r.trainee IS NOT NULL FROM events e"
                             " LEFT JOIN event_roster r ON r.exam = e.exam AND r.idx = e.idx"
                             " AND r.trainee = ?2 WHERE e.exam = ?1 ORDER BY e.idx",
                             &q, err)))
        return st;
    sqlite3_bind_int64(q, 1, row);
    sqlite3_bind_blob(q, 2, h, 32, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < SQI_EVENTS_MAX) {
        snprintf(ev[n].from, SQ_EVENT_DAY, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(ev[n].to, SQ_EVENT_DAY, "%s", (const char *)sqlite3_column_text(q, 1));
        ev[n].invited = sqlite3_column_int(q, 2) != 0;
        n++;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = sqi_db_sqlerr(s, rc, "reading events", err);
    sqlite3_finalize(q);
    if (st || n == 0)
        return st;
    int64_t wall = sqi_db_wall_s(s), trusted, floor_wall;
    local_day(wall, today);
    *v = verdict_on(ev, n, today, day);
    if (*v != SQ_EVENT_OPEN)
        return SQ_OK;
    if ((st = trusted_wall(s, &trusted, &floor_wall, err)))
        return st;
    local_day(trusted, tday);
    if (verdict_on(ev, n, tday, tshown) == SQ_EVENT_OPEN)
        return SQ_OK;
    int64_t d = wall - trusted;
    snprintf(why, why_cap,
             "the wall clock moved %s by %lld s: it says %s, the monotonic clock%s %s",
             d > 0 ? "forward" : "back", (long long)(d > 0 ? d : -d), today,
             trusted == floor_wall ? " and the newest time on record say" : " says", tday);
    *v = SQ_EVENT_CLOCK;
    day[0] = 0;
    return SQ_OK;
}

static sq_status verdict_error(sq_event_verdict v, const char *exam_id, const char *day,
                               const char *why, sq_err *err)
{
    switch (v) {
    case SQ_EVENT_NOT_YET:
        return sqi_seterr(err, SQ_ESTATE, "exam '%s' opens on %s (its training event)", exam_id,
                          day);
    case SQ_EVENT_CLOSED:
        return sqi_seterr(err, SQ_ESTATE, "exam '%s' closed after %s (its training event)", exam_id,
                          day);
    case SQ_EVENT_NOT_INVITED:
        return sqi_seterr(err, SQ_ESTATE, "exam '%s' is for its training events' trainees only",
                          exam_id);
    case SQ_EVENT_CLOCK:
        return sqi_seterr(err, SQ_ESTATE, "exam '%s' is refused: %s", exam_id, why);
    default:
        return SQ_OK;
    }
}

sq_status sqi_event_allows(sq_store *s, int64_t exam_row, const char *exam_id, int64_t version,
                           const uint8_t h[32], sq_err *err)
{
    sq_event_verdict v;
    char day[SQ_EVENT_DAY], why[160];
    (void)version;
    sq_status st = decide(s, exam_row, h, &v, day, why, sizeof why, err);
    return st ? st : verdict_error(v, exam_id, day, why, err);
}

sq_status sq_event_trainee_today(sq_store *s, const char *exam_id, const char *trainee_id,
                                 char event_id[64], sq_err *err)
{
    sqlite3_stmt *q = NULL;
    char today[SQ_EVENT_DAY], rowkey[STORE_ROWKEY];
    uint8_t h[32];
    sq_status st;

    event_id[0] = 0;
    if (!exam_id || !sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "an exam and a trainee id are needed");
    sqi_db_trainee_hash(s, trainee_id, h);
    sq_event_today(s, today);
    if ((st = sqi_db_prepare(s,
                             "SELECT x.version, e.idx, e.body FROM events e"
                             " JOIN exams x ON x.id = e.exam AND x.active = 1 AND x.exam_id = ?1"
                             " JOIN event_roster r ON r.exam = e.exam AND r.idx = e.idx"
                             " AND r.trainee = ?2 WHERE e.from_day <= ?3 AND ?3 <= e.to_day"
                             " ORDER BY e.idx LIMIT 1",
                             &q, err)))
        return st;
    sqlite3_bind_text(q, 1, exam_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, h, 32, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, today, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        uint8_t *plain = NULL;
        size_t plen;
        rowkey_event(rowkey, exam_id, sqlite3_column_int64(q, 0), sqlite3_column_int(q, 1));
        st = sqi_db_open_field(s, "events", "body", rowkey, sqlite3_column_blob(q, 2),
                               (size_t)sqlite3_column_bytes(q, 2), &plain, &plen, err);
        json_t *b = st ? NULL : json_loadb((const char *)plain, plen, 0, NULL);
        free(plain);
        if (!st && !json_is_string(json_object_get(b, "id")))
            st = sqi_seterr(err, SQ_ECORRUPT, "an event of exam '%s' does not read", exam_id);
        if (!st)
            snprintf(event_id, 64, "%s", json_string_value(json_object_get(b, "id")));
        json_decref(b);
    } else if (rc != SQLITE_DONE) {
        st = sqi_db_sqlerr(s, rc, "reading events", err);
    }
    sqlite3_finalize(q);
    return st;
}

sq_status sq_event_gate(sq_store *s, const char *exam_id, const char *trainee_id,
                        sq_event_verdict *v, char day[SQ_EVENT_DAY], sq_err *err)
{
    sqlite3_int64 row;
    int64_t version;
    int n_roster;
    uint8_t h[32];
    char why[160];
    sq_status st;

    *v = SQ_EVENT_NONE;
    day[0] = 0;
    if (!exam_id || !sqi_catalog_trainee_id_ok(trainee_id))
        return sqi_seterr(err, SQ_EINVAL, "an exam and a trainee id are needed");
    if ((st = sqi_catalog_find_exam(s, exam_id, &row, &version, &n_roster, err)))
        return st;
    sqi_db_trainee_hash(s, trainee_id, h);
    if ((st = decide(s, row, h, v, day, why, sizeof why, err)) || *v != SQ_EVENT_CLOCK)
        return st;
    /* Recorded as the attempts' clock events are: what the two clocks
     * said, in the station's chained log. The trainee is named by the
     * first bytes of the keyed hash, as identity.c names them. */
    char detail[320], tag[17];
    sqi_hex_encode(h, 8, tag);
    snprintf(detail, sizeof detail,
             "exam '%.63s', trainee %s: refused, %s (wall %lld, monotonic %lld ms)", exam_id, tag,
             why, (long long)sqi_db_wall_s(s), (long long)sqi_db_mono_ms(s));
    if ((st = sqi_db_begin(s, err)))
        return st;
    st = sqi_chain_audit_append(s, "kiosk", "event-clock", sq_status_name(SQ_ESTATE), detail,
                                strlen(detail), err);
    return sqi_db_end(s, st, err);
}
