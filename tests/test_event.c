/*
 * test_event.c - training events (core/src/event.c): a source with events
 * built into a signed, encrypted bundle and imported by a station, read
 * back (names, dates, roster sizes; names not in clear in station.db);
 * the gate on the fixture's clock, in UTC: open, not yet (with the day),
 * closed since, not invited, an exam in no event as before; a wall clock
 * moved forward or back refused and recorded in the audit log, and the
 * attempt refused with nothing stored; a bad source refused with nothing
 * built. The refusals by file:line are tests/data/source/bad/event-*.yaml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "fixture.h"
#include "synaq/event.h"

#include "check.h"

/* The fixture's wall clock starts at 1790000000: 2026-09-21 14:13 UTC. */
#define DAY_S 86400

static const char source[] =
    "exam: ev\n"
    "version: 1\n"
    "title: {en: Events}\n"
    "pass_mark: 50\n"
    "topics:\n"
    "  law: {en: Law}\n"
    "items:\n"
    "  - {id: a, topic: law, type: truefalse, answer: yes, text: {en: A}}\n"
    "roster:\n"
    "  - {id: T1, name: Айгүл}\n"
    "  - {id: T2, name: Ерлан}\n"
    "  - {id: T3, name: Дана}\n"
    "events:\n"
    "  - id: spring\n"
    "    name: {kk: Көктемгі оқу, ru: Весеннее обучение, en: Spring}\n"
    "    from: 2026-09-20\n"
    "    to: 2026-09-25\n"
    "    topics: [law]\n"
    "    roster: [T1]\n"
    "  - id: autumn\n"
    "    name: {en: Autumn}\n"
    "    from: 2026-10-01\n"
    "    to: 2026-10-05\n"
    "    roster: [T2]\n";

static const char plain_exam[] = "exam: free\n"
                                 "version: 1\n"
                                 "title: {en: Free}\n"
                                 "pass_mark: 50\n"
                                 "items:\n"
                                 "  - {id: a, type: truefalse, answer: yes, text: {en: A}}\n";

static long long count(const char *db, const char *sql)
{
    sqlite3 *d = NULL;
    sqlite3_stmt *q = NULL;
    long long n = -1;
    if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(d, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(d);
    return n;
}

static bool file_has(const char *path, const char *needle)
{
    size_t len = 0, n = strlen(needle);
    uint8_t *buf = fx_read(path, &len);
    bool found = false;
    for (size_t i = 0; buf && i + n <= len && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

static void gate_is(fixture *f, const char *exam, const char *trainee, sq_event_verdict want,
                    const char *want_day, int line)
{
    sq_event_verdict v = SQ_EVENT_NONE;
    char day[SQ_EVENT_DAY] = "x";
    sq_err e = {0};
    sq_status st = sq_event_gate(f->store, exam, trainee, &v, day, &e);
    if (st != SQ_OK || v != want || strcmp(day, want_day) != 0) {
        fprintf(stderr, "%s:%d: gate(%s, %s): want %d '%s', got status %d verdict %d '%s' (%s)\n",
                __FILE__, line, exam, trainee, (int)want, want_day, (int)st, (int)v, day, e.msg);
        check_failures++;
    }
}
#define GATE(exam, trainee, want, day) gate_is(&f, exam, trainee, want, day, __LINE__)

static void test_events(void)
{
    fixture f;
    if (fx_setup(&f, "st-event")) {
        check_failures++;
        return;
    }
    char bundle[400], plain[400],
        audit_sql[] = "SELECT count(*) FROM audit WHERE action = "
                      "'event-clock'";
    sq_err e = {0};
    snprintf(bundle, sizeof bundle, "%s/ev.sqb", f.dir);
    snprintf(plain, sizeof plain, "%s/free.sqb", f.dir);
    CHECK_INT(0, fx_bundle(&f, source, bundle, NULL, 0));
    CHECK_INT(0, fx_bundle(&f, plain_exam, plain, NULL, 0));
    /* Encrypted: the names are not in the bundle in clear. */
    CHECK(!file_has(bundle, "Көктемгі"));
    CHECK_OK(sq_import_file(f.store, bundle, NULL, NULL, &e), &e);
    CHECK_OK(sq_import_file(f.store, plain, NULL, NULL, &e), &e);

    /* The round trip: every event, then those open today. */
    sq_event_info *ev = NULL;
    size_t n = 0;
    char today[SQ_EVENT_DAY];
    sq_event_today(f.store, today);
    CHECK_STR("2026-09-21", today);
    CHECK_OK(sq_event_list(f.store, NULL, &ev, &n, &e), &e);
    CHECK_INT(2, n);
    if (n == 2) {
        CHECK_STR("ev", ev[0].exam_id);
        CHECK_STR("spring", ev[0].id);
        CHECK_STR("Көктемгі оқу", ev[0].name[0]);
        CHECK_STR("Весеннее обучение", ev[0].name[1]);
        CHECK_STR("Spring", ev[0].name[2]);
        CHECK_STR("2026-09-20", ev[0].from);
        CHECK_STR("2026-09-25", ev[0].to);
        CHECK_INT(1, ev[0].n_roster);
        CHECK_INT(1, ev[0].n_topics);
        CHECK_STR("autumn", ev[1].id);
        CHECK_STR("", ev[1].name[0]);
        CHECK_INT(0, ev[1].n_topics);
    }
    sq_free(ev);
    CHECK_OK(sq_event_list(f.store, today, &ev, &n, &e), &e);
    CHECK_INT(1, n);
    if (n == 1)
        CHECK_STR("spring", ev[0].id);
    sq_free(ev);
    CHECK_ERR(SQ_EINVAL, "not a date", sq_event_list(f.store, "2026-13-01", &ev, &n, &e), &e);
    CHECK_INT(2, count(f.db_path, "SELECT count(*) FROM events"));
    CHECK_INT(2, count(f.db_path, "SELECT count(*) FROM event_roster"));
    /* Names sealed; the roster by keyed hash only. */
    CHECK_INT(0, fx_reopen(&f));
    CHECK(!file_has(f.db_path, "Весеннее"));

    /* The gate today (2026-09-21). */
    GATE("ev", "T1", SQ_EVENT_OPEN, "");
    GATE("ev", "T2", SQ_EVENT_NOT_YET, "2026-10-01");
    GATE("ev", "T3", SQ_EVENT_NOT_INVITED, "");
    GATE("free", "anyone", SQ_EVENT_NONE, "");
    sq_event_verdict v;
    char day[SQ_EVENT_DAY];
    CHECK_ERR(SQ_ENOTFOUND, "", sq_event_gate(f.store, "nope", "T1", &v, day, &e), &e);
    CHECK_ERR(SQ_EINVAL, "trainee id", sq_event_gate(f.store, "ev", "", &v, day, &e), &e);
    /* For showing: the trainee's own event open today, or none. */
    char evid[64] = "x";
    CHECK_OK(sq_event_trainee_today(f.store, "ev", "T1", evid, &e), &e);
    CHECK_STR("spring", evid);
    CHECK_OK(sq_event_trainee_today(f.store, "ev", "T2", evid, &e), &e);
    CHECK_STR("", evid);
    CHECK_OK(sq_event_trainee_today(f.store, "free", "T1", evid, &e), &e);
    CHECK_STR("", evid);

    /* The attempt itself: refused outside, with the day and nothing stored. */
    sq_attempt *a = NULL;
    CHECK_ERR(SQ_ESTATE, "exam 'ev' opens on 2026-10-01",
              sq_attempt_start(f.store, "ev", "T2", NULL, &a, &e), &e);
    CHECK(a == NULL);
    CHECK_ERR(SQ_ESTATE, "training events' trainees only",
              sq_attempt_start(f.store, "ev", "T3", NULL, &a, &e), &e);
    CHECK_INT(0, count(f.db_path, "SELECT count(*) FROM attempts"));
    CHECK_OK(sq_attempt_start(f.store, "ev", "T1", NULL, &a, &e), &e);
    sq_attempt_free(a);
    a = NULL;
    CHECK_OK(sq_attempt_start(f.store, "free", "anyone", NULL, &a, &e), &e);
    sq_attempt_free(a);
    a = NULL;
    CHECK_INT(2, count(f.db_path, "SELECT count(*) FROM attempts"));
    CHECK_INT(0, count(f.db_path, audit_sql));

    /* Ten days on, both clocks together: spring is over, autumn open. */
    f.fc.wall_s += 10 * DAY_S;
    f.fc.mono_ms += 10LL * DAY_S * 1000;
    GATE("ev", "T1", SQ_EVENT_CLOSED, "2026-09-25");
    GATE("ev", "T2", SQ_EVENT_OPEN, "");
    GATE("ev", "T3", SQ_EVENT_NOT_INVITED, "");

    /* Back to the 21st, and the wall clock alone moved ten days forward
     * to open autumn for T2: refused, recorded, no attempt. */
    f.fc.wall_s -= 10 * DAY_S;
    f.fc.mono_ms += 1000;
    CHECK_INT(0, fx_reopen(&f));
    GATE("ev", "T2", SQ_EVENT_NOT_YET, "2026-10-01");
    f.fc.wall_s += 10 * DAY_S;
    GATE("ev", "T2", SQ_EVENT_CLOCK, "");
    CHECK_INT(1, count(f.db_path, audit_sql));
    CHECK_INT(1, count(f.db_path, "SELECT count(*) FROM audit WHERE action = 'event-clock'"
                                  " AND detail LIKE '%moved forward by 864000 s%'"));
    long long attempts = count(f.db_path, "SELECT count(*) FROM attempts");
    CHECK_ERR(SQ_ESTATE, "the wall clock moved forward",
              sq_attempt_start(f.store, "ev", "T2", NULL, &a, &e), &e);
    CHECK_INT(attempts, count(f.db_path, "SELECT count(*) FROM attempts"));
    /* An exam in no event does not care. */
    GATE("free", "T2", SQ_EVENT_NONE, "");
    CHECK_INT(1, count(f.db_path, audit_sql));

    /* A jump that opens nothing changes nothing: T1's spring is open by
     * both clocks. */
    f.fc.wall_s -= 10 * DAY_S - 3600;
    GATE("ev", "T1", SQ_EVENT_OPEN, "");
    CHECK_INT(1, count(f.db_path, audit_sql));

    /* The real 2nd of October: T2 takes the exam (on record: the
     * attempt's wall time). Then a restart with the clock set back to the
     * 22nd of September, when spring was open for T1: the store's newest
     * time says otherwise. */
    f.fc.wall_s = 1790000000 + 11 * DAY_S;
    f.fc.mono_ms += 11LL * DAY_S * 1000;
    CHECK_INT(0, fx_reopen(&f));
    CHECK_OK(sq_attempt_start(f.store, "ev", "T2", NULL, &a, &e), &e);
    sq_attempt_free(a);
    a = NULL;
    f.fc.wall_s = 1790000000 + DAY_S;
    CHECK_INT(0, fx_reopen(&f));
    GATE("ev", "T1", SQ_EVENT_CLOCK, "");
    CHECK_INT(2, count(f.db_path, audit_sql));
    CHECK_INT(1, count(f.db_path, "SELECT count(*) FROM audit WHERE action = 'event-clock'"
                                  " AND detail LIKE '%moved back%newest time on record%'"));
    /* Not open by the wall clock: the plain answer, nothing recorded. */
    GATE("ev", "T3", SQ_EVENT_NOT_INVITED, "");
    CHECK_INT(2, count(f.db_path, audit_sql));
    /* The audit log's chain holds with the new lines. */
    CHECK_INT(0, (int)sq_chain_last(f.store)->found.flags);
    fx_teardown(&f);
}

/* A source with a bad event builds nothing. */
static void test_refused(void)
{
    fixture f;
    if (fx_setup(&f, "st-event-bad")) {
        check_failures++;
        return;
    }
    char yaml[2048], bundle[400];
    snprintf(yaml, sizeof yaml, "%.*s    roster: [T1, T9]\n",
             (int)(strstr(source, "    roster: [T1]") - source), source);
    snprintf(bundle, sizeof bundle, "%s/bad.sqb", f.dir);
    CHECK(fx_bundle(&f, yaml, bundle, NULL, 0) != 0);
    CHECK(access(bundle, F_OK) != 0);
    sq_event_info *ev = NULL;
    size_t n = 9;
    sq_err e = {0};
    CHECK_OK(sq_event_list(f.store, NULL, &ev, &n, &e), &e);
    CHECK_INT(0, n);
    sq_free(ev);
    fx_teardown(&f);
}

static void test_days(void)
{
    CHECK(sq_event_day_ok("2028-02-29"));
    CHECK(!sq_event_day_ok("2027-02-29"));
    CHECK(!sq_event_day_ok("2100-01-01"));
    CHECK(!sq_event_day_ok("2026-9-01"));
    CHECK(!sq_event_day_ok("2026-09-31"));
    CHECK(!sq_event_day_ok("2026-09-01 "));
    CHECK(!sq_event_day_ok(NULL));
}

int main(void)
{
    sq_err e;
    /* The station's local date, in a zone the test fixes. */
    setenv("TZ", "UTC", 1);
    tzset();
    if (sq_init(&e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    test_days();
    test_events();
    test_refused();
    return check_report("event");
}
