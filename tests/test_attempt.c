/*
 * test_attempt.c - attempts: the blueprint draw, shuffles that survive a
 * restart, durable answers, time on the monotonic clock with gaps and
 * jumps recorded, the exam's clock rule (running: idle time counted, a
 * restart's down time up to the power grace, on the monotonic clock or,
 * after a reboot, the wall clock; paused: nothing counted), attempt limits
 * and rosters, scoring of every item type, and the sealed result as
 * central opens it.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "check.h"
#include "fixture.h"
#include "synaq/tech.h"
#include "../core/src/util_int.h"
#include <sqlite3.h>

static fixture f;

static const char *scoring_exam =
    "exam: scoring\nversion: 1\ntitle: {ru: Подсчёт, kk: Есеп, en: Scoring}\n"
    "time_limit: 10\npass_mark: 50\nattempts: 0\nshuffle_items: no\nshuffle_options: yes\n"
    "items:\n"
    "  - id: s1\n    type: single\n    text: {ru: Один}\n    options:\n"
    "      - {ru: Да, correct: yes}\n      - {ru: Нет}\n      - {ru: Может быть}\n"
    "  - id: m1\n    type: multiple\n    points: 2\n    text: {ru: Все или ничего}\n"
    "    options:\n      - {ru: A1, correct: yes}\n      - {ru: B1, correct: yes}\n"
    "      - {ru: C1}\n      - {ru: D1}\n"
    "  - id: p1\n    type: multiple\n    scoring: partial\n    points: 4\n"
    "    text: {ru: Частично}\n    options:\n      - {ru: A2, correct: yes}\n"
    "      - {ru: B2, correct: yes}\n      - {ru: C2, correct: yes}\n      - {ru: D2}\n"
    "      - {ru: E2, correct: yes}\n"
    "  - id: t1\n    type: truefalse\n    answer: no\n    text: {ru: Ложь, kk: Жалған}\n";

/* The shown position of the option whose text is `text` in item pos. */
static int shown(sq_attempt *a, int pos, const char *text)
{
    sq_item_view v;
    sq_err e;
    if (sq_attempt_item(a, pos, SQ_LANG_RU, &v, &e))
        return -1;
    for (int i = 0; i < v.n_options; i++)
        if (!strcmp(v.options[i], text))
            return i;
    return -1;
}

static uint32_t bits(sq_attempt *a, int pos, const char *const *texts, int n)
{
    uint32_t m = 0;
    for (int i = 0; i < n; i++) {
        int s = shown(a, pos, texts[i]);
        if (s >= 0)
            m |= 1u << s;
    }
    return m;
}

static void import_yaml(const char *yaml)
{
    char path[400];
    static int n;
    sq_err e;
    sq_import_report r;
    snprintf(path, sizeof path, "%s/b%d.sqb", f.dir, n++);
    CHECK_INT(0, fx_bundle(&f, yaml, path, NULL, 0));
    CHECK_OK(sq_import_file(f.store, path, NULL, &r, &e), &e);
}

/* Opens the newest result in the store the way central does. */
static sq_result *open_result(int64_t seq)
{
    sq_err e;
    char path[400];
    int count = 0;
    sq_result *res = NULL;
    snprintf(path, sizeof path, "%s/batch-%lld", f.dir, (long long)seq);
    CHECK_OK(sq_batch_export(f.store, seq - 1, 1, path, &count, &e), &e);
    CHECK_INT(1, count);
    size_t len;
    uint8_t *buf = fx_read(path, &len);
    sq_batch *b = NULL;
    if (!buf)
        return NULL;
    CHECK_OK(sq_batch_parse(buf, len, &b, &e), &e);
    if (b) {
        CHECK_OK(sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e), &e);
        if (sq_batch_count(b) == 1) {
            int64_t s;
            const uint8_t *sealed;
            size_t slen;
            sq_batch_result(b, 0, &s, &sealed, &slen);
            CHECK_INT(seq, s);
            CHECK_OK(sq_result_open(sealed, slen, sq_central_results_pk(f.central),
                                    sq_central_results_sk(f.central),
                                    sq_station_keys_sign_pk(f.keys), &res, &e),
                     &e);
        }
    }
    sq_batch_free(b);
    free(buf);
    return res;
}

static void test_scoring(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    sq_outcome o;
    import_yaml(scoring_exam);
    /* Everything right. */
    CHECK_OK(sq_attempt_start(f.store, "scoring", "T-1", "Айгүл", &a, &e), &e);
    if (!a)
        return;
    CHECK_INT(4, sq_attempt_count(a));
    const char *s1[] = {"Да"}, *m1[] = {"A1", "B1"}, *p1[] = {"A2", "B2", "C2", "E2"};
    const char *t1[] = {"Неверно"};
    CHECK_OK(sq_attempt_answer(a, 0, bits(a, 0, s1, 1), &e), &e);
    CHECK_OK(sq_attempt_answer(a, 1, bits(a, 1, m1, 2), &e), &e);
    CHECK_OK(sq_attempt_answer(a, 2, bits(a, 2, p1, 4), &e), &e);
    CHECK_OK(sq_attempt_answer(a, 3, bits(a, 3, t1, 1), &e), &e);
    /* True/false keeps its order: True first. */
    CHECK_INT(0, shown(a, 3, "Верно"));
    f.fc.mono_ms += 61000;
    f.fc.wall_s += 61;
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    CHECK_INT(8000, o.max_milli);
    CHECK_INT(8000, o.points_milli);
    CHECK_INT(100, o.percent);
    CHECK(o.passed);
    CHECK_ERR(SQ_ESTATE, "finished", sq_attempt_answer(a, 0, 1, &e), &e);
    int64_t seq = o.seq;
    sq_attempt_free(a);
    sq_result *r = open_result(seq);
    if (r) {
        CHECK_STR("st-001", r->station_id);
        CHECK_STR("T-1", r->trainee_id);
        CHECK_STR("Айгүл", r->trainee_name);
        CHECK_STR("scoring", r->exam_id);
        CHECK_INT(8000, r->points_milli);
        CHECK_INT(4, r->n_items);
        CHECK_INT(61000, r->elapsed_ms);
        CHECK_INT(600, r->time_limit_s);
        CHECK_STR("s1", r->items[0].item_id);
        CHECK_INT(1, r->items[0].selected); /* original option 0 */
        CHECK_INT(3, r->items[1].selected); /* original 0 and 1 */
        CHECK_INT(0x17, r->items[2].selected);
        CHECK_INT(2, r->items[3].selected); /* "False" is original option 1 */
        CHECK(r->items[0].answered_ms >= 0 && r->items[0].answered_ms <= 61000);
        char *csv = sq_result_csv(r, true);
        CHECK(csv && strstr(csv, "st-001,") && strstr(csv, ",Айгүл,scoring,1,"));
        sq_free(csv);
        sq_result_free(r);
    }

    /* Partial credit, wrong choices and a blank. */
    CHECK_OK(sq_attempt_start(f.store, "scoring", "T-2", NULL, &a, &e), &e);
    if (!a)
        return;
    const char *s1w[] = {"Нет"}, *m1p[] = {"A1"}, *p1m[] = {"A2", "B2", "C2", "D2"};
    CHECK_OK(sq_attempt_answer(a, 0, bits(a, 0, s1w, 1), &e), &e);
    CHECK_OK(sq_attempt_answer(a, 1, bits(a, 1, m1p, 1), &e), &e);
    CHECK_OK(sq_attempt_answer(a, 2, bits(a, 2, p1m, 4), &e), &e);
    /* Item 4 left blank. A single-choice item refuses two answers. */
    CHECK_ERR(SQ_EINVAL, "takes one answer", sq_attempt_answer(a, 0, 3, &e), &e);
    CHECK_ERR(SQ_EINVAL, "has 3 options", sq_attempt_answer(a, 0, 8, &e), &e);
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    /* p1: 3 right, 1 wrong of 4 correct: (3 - 1) / 4 of 4 points = 2. */
    CHECK_INT(2000, o.points_milli);
    CHECK_INT(25, o.percent);
    CHECK(!o.passed);
    sq_attempt_free(a);
    r = open_result(o.seq);
    if (r) {
        CHECK_INT(0, r->items[0].points_milli);
        CHECK_INT(0, r->items[1].points_milli);
        CHECK_INT(2000, r->items[2].points_milli);
        CHECK(!r->items[3].answered);
        sq_result_free(r);
    }

    /* Partial credit never goes below zero. */
    CHECK_OK(sq_attempt_start(f.store, "scoring", "T-3", NULL, &a, &e), &e);
    if (!a)
        return;
    const char *p1bad[] = {"A2", "D2"};
    CHECK_OK(sq_attempt_answer(a, 2, bits(a, 2, p1bad, 2), &e), &e);
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    CHECK_INT(0, o.points_milli);
    sq_attempt_free(a);
}

static void test_blueprint_and_resume(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    char *yaml = malloc(1 << 16);
    size_t n = (size_t)snprintf(yaml, 1 << 16,
                                "exam: bp\nversion: 1\ntitle: {kk: Жоспар}\ntime_limit: 30\n"
                                "pass_mark: 50\nattempts: 1\nclock: paused\n"
                                "topics:\n  law: {kk: Заң}\n  vote: {kk: Дауыс}\n"
                                "blueprint:\n  law: 3\n  vote: 2\nitems:\n");
    for (int i = 0; i < 12; i++)
        n += (size_t)snprintf(yaml + n, (1 << 16) - n,
                              "  - id: i%02d\n    topic: %s\n    type: single\n"
                              "    text: {kk: Сұрақ %d}\n    options:\n"
                              "      - {kk: А%d, correct: yes}\n      - {kk: Ә%d}\n"
                              "      - {kk: Б%d}\n      - {kk: В%d}\n      - {kk: Г%d}\n",
                              i, i < 6 ? "law" : "vote", i, i, i, i, i, i);
    import_yaml(yaml);
    free(yaml);
    CHECK_OK(sq_attempt_start(f.store, "bp", "T-9", NULL, &a, &e), &e);
    if (!a)
        return;
    CHECK_INT(5, sq_attempt_count(a));
    int law = 0, vote = 0;
    char ids[5][8], opts[5][5][16];
    for (int i = 0; i < 5; i++) {
        sq_item_view v;
        CHECK_OK(sq_attempt_item(a, i, SQ_LANG_RU, &v, &e), &e);
        /* No Russian text: the view falls back to Kazakh and says so. */
        CHECK_INT(SQ_LANG_KK, v.text_lang);
        int num = atoi(v.item_id + 1);
        law += num < 6;
        vote += num >= 6;
        snprintf(ids[i], sizeof ids[i], "%s", v.item_id);
        for (int k = 0; k < 5; k++)
            snprintf(opts[i][k], sizeof opts[i][k], "%s", v.options[k]);
    }
    CHECK_INT(3, law);
    CHECK_INT(2, vote);
    /* Answer two, flag one, move to item 4; then the power goes. */
    CHECK_OK(sq_attempt_answer(a, 0, 1u << 2, &e), &e);
    f.fc.mono_ms += 5000;
    f.fc.wall_s += 5;
    CHECK_OK(sq_attempt_answer(a, 1, 1u << 4, &e), &e);
    CHECK_OK(sq_attempt_flag(a, 2, true, &e), &e);
    CHECK_OK(sq_attempt_goto(a, 3, &e), &e);
    f.fc.mono_ms += 2000;
    f.fc.wall_s += 2;
    CHECK_OK(sq_attempt_tick(a, &e), &e);
    CHECK_INT(7000, sq_attempt_elapsed_ms(a));
    char id[40];
    snprintf(id, sizeof id, "%s", sq_attempt_id(a));
    sq_attempt_free(a);
    a = NULL;
    /* Off for an hour; the monotonic clock restarts from a small number. */
    f.fc.mono_ms = 500;
    f.fc.wall_s += 3600;
    CHECK_INT(0, fx_reopen(&f));
    CHECK_ERR(SQ_ESTATE, "in progress", sq_attempt_start(f.store, "bp", "T-9", NULL, &a, &e), &e);
    CHECK_ERR(SQ_ENOTFOUND, "no attempt in progress",
              sq_attempt_resume(f.store, "bp", "T-other", &a, &e), &e);
    CHECK_OK(sq_attempt_resume(f.store, "bp", "T-9", &a, &e), &e);
    if (!a)
        return;
    CHECK_STR(id, sq_attempt_id(a));
    CHECK_INT(3, sq_attempt_current(a));
    CHECK_INT(7000, sq_attempt_elapsed_ms(a));
    CHECK_INT(30 * 60000 - 7000, sq_attempt_time_left_ms(a));
    for (int i = 0; i < 5; i++) {
        sq_item_view v;
        CHECK_OK(sq_attempt_item(a, i, SQ_LANG_KK, &v, &e), &e);
        CHECK_STR(ids[i], v.item_id);
        for (int k = 0; k < 5; k++)
            CHECK_STR(opts[i][k], v.options[k]);
        CHECK_INT(i == 0 ? 1u << 2 : i == 1 ? 1u << 4 : 0, v.selected);
        CHECK_INT(i == 2, v.flagged);
    }
    int answered, flagged;
    sq_attempt_progress(a, &answered, &flagged);
    CHECK_INT(2, answered);
    CHECK_INT(1, flagged);
    /* The wall clock jumps back a day while the exam goes on. */
    f.fc.mono_ms += 10000;
    f.fc.wall_s -= 86400;
    CHECK_OK(sq_attempt_tick(a, &e), &e);
    CHECK_INT(17000, sq_attempt_elapsed_ms(a));
    /* Paused: back at the welcome screen for ten minutes (the same kiosk,
     * the same store handle): not counted either. */
    sq_attempt_free(a);
    a = NULL;
    f.fc.mono_ms += 600000;
    f.fc.wall_s += 600;
    CHECK_OK(sq_attempt_resume(f.store, "bp", "T-9", &a, &e), &e);
    if (!a)
        return;
    CHECK_INT(17000, sq_attempt_elapsed_ms(a));
    sq_outcome o;
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    sq_attempt_free(a);
    sq_result *r = open_result(o.seq);
    if (r) {
        CHECK_INT(2, r->format);
        CHECK_INT(SQ_CLOCK_PAUSED, r->clock);
        CHECK_INT(0, r->power_grace_s);
        CHECK_INT(17000, r->elapsed_ms);
        CHECK_INT(3, r->n_events);
        if (r->n_events == 3) {
            CHECK_INT(SQ_CLOCK_EV_OFF, r->events[0].kind); /* the hour off */
            CHECK_INT(3600, r->events[0].wall_after_s - r->events[0].wall_before_s);
            CHECK_INT(0, r->events[0].counted_ms);
            CHECK_INT(SQ_CLOCK_EV_JUMP, r->events[1].kind); /* the jump back */
            CHECK_INT(-86400, r->events[1].wall_after_s - r->events[1].wall_before_s);
            CHECK_INT(10000, r->events[1].mono_delta_ms);
            CHECK_INT(0, r->events[1].counted_ms);
            CHECK_INT(SQ_CLOCK_EV_OFF, r->events[2].kind); /* the ten minutes away */
            CHECK_INT(600, r->events[2].wall_after_s - r->events[2].wall_before_s);
            CHECK_INT(0, r->events[2].counted_ms);
        }
        sq_result_free(r);
    }
    /* attempts: 1 — no second one. */
    int left = 5;
    CHECK_ERR(SQ_ESTATE, "used all 1 attempts",
              sq_catalog_trainee_check(f.store, "bp", "T-9", &left, NULL, 0, &e), &e);
    CHECK_ERR(SQ_ESTATE, "used all 1 attempts",
              sq_attempt_start(f.store, "bp", "T-9", NULL, &a, &e), &e);
}

static void test_time_runs_out(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    char *yaml = fx_exam_yaml("short", 1, 3, 1);
    import_yaml(yaml);
    free(yaml);
    CHECK_OK(sq_attempt_start(f.store, "short", "T-5", NULL, &a, &e), &e);
    if (!a)
        return;
    CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
    f.fc.mono_ms += 59000;
    CHECK_INT(1000, sq_attempt_time_left_ms(a));
    f.fc.mono_ms += 5000;
    CHECK_INT(0, sq_attempt_time_left_ms(a));
    CHECK_ERR(SQ_ESTATE, "time is up", sq_attempt_answer(a, 1, 1, &e), &e);
    sq_outcome o;
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    CHECK(o.timed_out);
    sq_attempt_free(a);
    sq_result *r = open_result(o.seq);
    if (r) {
        CHECK_INT(60000, r->elapsed_ms);
        CHECK(r->timed_out);
        CHECK_INT(1, r->items[0].answered);
        CHECK_INT(0, r->items[1].answered);
        sq_result_free(r);
    }

    /* An answer refused at zero makes the time's end durable: the program
     * dies there (no finish), and a resume gives no time back. */
    a = NULL;
    CHECK_OK(sq_attempt_start(f.store, "short", "T-6", NULL, &a, &e), &e);
    if (!a)
        return;
    CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
    f.fc.mono_ms += 75000;
    CHECK_ERR(SQ_ESTATE, "time is up", sq_attempt_answer(a, 1, 1, &e), &e);
    sq_attempt_free(a);
    a = NULL;
    f.fc.mono_ms += 3600000; /* off for an hour: not counted, and nothing back */
    f.fc.wall_s += 3600;
    CHECK_INT(0, fx_reopen(&f));
    CHECK_OK(sq_attempt_resume(f.store, "short", "T-6", &a, &e), &e);
    if (!a)
        return;
    CHECK_INT(0, sq_attempt_time_left_ms(a));
    CHECK_INT(60000, sq_attempt_elapsed_ms(a));
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    CHECK(o.timed_out);
    sq_attempt_free(a);
    r = open_result(o.seq);
    if (r) {
        CHECK_INT(60000, r->elapsed_ms);
        CHECK_INT(0, r->items[1].answered);
        sq_result_free(r);
    }
}

/* Leaves the attempt (the kiosk back at welcome, or down) and resumes it
 * after the fake clocks moved: mono_ms and wall_s as given, through a
 * store reopened (a restart) when reopen. up_ms: time between the reopen
 * and the resume. */
static sq_attempt *away(sq_attempt *a, const char *trainee, int64_t mono_ms, int64_t wall_s,
                        bool reopen, int64_t up_ms)
{
    sq_err e;
    sq_attempt_free(a);
    a = NULL;
    f.fc.mono_ms = mono_ms;
    f.fc.wall_s = wall_s;
    if (reopen)
        CHECK_INT(0, fx_reopen(&f));
    f.fc.mono_ms += up_ms;
    f.fc.wall_s += up_ms / 1000;
    CHECK_OK(sq_attempt_resume(f.store, "run", trainee, &a, &e), &e);
    return a;
}

/* clock: running (the default): the time since the start counts, wherever
 * the trainee is; a restart's down time up to the power grace (5 minutes
 * here). */
static void test_running_clock(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    import_yaml("exam: run\nversion: 1\ntitle: {en: Running}\ntime_limit: 30\npass_mark: 50\n"
                "attempts: 0\n"
                "power_grace: 5m\nitems:\n"
                "  - id: r1\n    type: single\n    text: {en: One}\n"
                "    options: [{en: A, correct: yes}, {en: B}]\n"
                "  - id: r2\n    type: single\n    text: {en: Two}\n"
                "    options: [{en: A, correct: yes}, {en: B}]\n");
    CHECK_OK(sq_attempt_start(f.store, "run", "T-run", NULL, &a, &e), &e);
    if (!a)
        return;
    int64_t m = f.fc.mono_ms, w = f.fc.wall_s;
    f.fc.mono_ms += 60000;
    f.fc.wall_s += 60;
    CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
    CHECK_INT(60000, sq_attempt_elapsed_ms(a));
    m += 60000, w += 60;

    /* Idle: back at welcome for 7 minutes, the kiosk up: all of it counts. */
    a = away(a, "T-run", m + 420000, w + 420, false, 0);
    if (!a)
        return;
    CHECK_INT(480000, sq_attempt_elapsed_ms(a));
    m += 420000, w += 420;
    /* A restart on the same boot: down 4 minutes (below the grace, all
     * counted), then 20 s of the new kiosk before the trainee is back. */
    a = away(a, "T-run", m + 240000, w + 240, true, 20000);
    if (!a)
        return;
    CHECK_INT(740000, sq_attempt_elapsed_ms(a));
    m += 260000, w += 260;
    /* Down 25 minutes: only the grace, 5 minutes, counts. */
    a = away(a, "T-run", m + 1500000, w + 1500, true, 0);
    if (!a)
        return;
    CHECK_INT(1040000, sq_attempt_elapsed_ms(a));
    w += 1500;
    /* A power cut: the monotonic clock starts again at boot, so the wall
     * clock measures the 3 minutes down (below the grace); the trainee is
     * back 2 minutes after the kiosk. */
    a = away(a, "T-run", 4000, w + 180, true, 120000);
    if (!a)
        return;
    CHECK_INT(1340000, sq_attempt_elapsed_ms(a));
    m = 124000, w += 300;
    /* Another, with a wall clock that went back at boot: nothing counted
     * for the time down (never below 0), the 10 s since the start do. */
    a = away(a, "T-run", 3000, w - 3600, true, 10000);
    if (!a)
        return;
    CHECK_INT(1350000, sq_attempt_elapsed_ms(a));
    m = 13000, w = w - 3600 + 10;
    /* Software older than the rule left no monotonic reading: the wall
     * clock measures the gap, as after a reboot. */
    sq_attempt_free(a);
    a = NULL;
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(f.db_path, &db) == SQLITE_OK &&
          sqlite3_exec(db, "UPDATE attempts SET last_mono = NULL, last_run = NULL WHERE state = 0",
                       0, 0, 0) == SQLITE_OK);
    sqlite3_close(db);
    a = away(a, "T-run", m + 60000, w + 60, true, 0);
    if (!a)
        return;
    CHECK_INT(1410000, sq_attempt_elapsed_ms(a));
    m += 60000, w += 60;
    /* A power cut of two hours: 5 minutes counted; with the 6.5 left, the
     * time runs out at the resume (after 5 minutes of counted down time
     * and 2 of the new kiosk). The answer is refused, the result says
     * so. */
    a = away(a, "T-run", 500, w + 7200, true, 120000);
    if (!a)
        return;
    CHECK_INT(0, sq_attempt_time_left_ms(a));
    CHECK_ERR(SQ_ESTATE, "time is up", sq_attempt_answer(a, 1, 1, &e), &e);
    sq_outcome o;
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    CHECK(o.timed_out);
    sq_attempt_free(a);
    sq_result *r = open_result(o.seq);
    if (!r)
        return;
    CHECK_INT(SQ_CLOCK_RUNNING, r->clock);
    CHECK_INT(300, r->power_grace_s);
    CHECK_INT(1800000, r->elapsed_ms);
    CHECK(r->timed_out);
    CHECK_INT(1, r->items[0].answered);
    CHECK_INT(0, r->items[1].answered);
    /* The events, golden: kind, measured, counted, and the wall times. */
    static const sq_clock_event want[] = {
        {SQ_CLOCK_EV_AWAY, 0, 420, 420000, 420000},
        {SQ_CLOCK_EV_DOWN, 420, 660, 240000, 240000},
        {SQ_CLOCK_EV_AWAY, 660, 680, 20000, 20000},
        {SQ_CLOCK_EV_DOWN, 680, 2180, 1500000, 300000},
        {SQ_CLOCK_EV_REBOOT, 2180, 2360, 180000, 180000},
        {SQ_CLOCK_EV_AWAY, 2360, 2480, 120000, 120000},
        {SQ_CLOCK_EV_REBOOT, 2480, -1120, 0, 0},
        {SQ_CLOCK_EV_AWAY, -1120, -1110, 10000, 10000},
        {SQ_CLOCK_EV_REBOOT, -1110, -1050, 60000, 60000},
        {SQ_CLOCK_EV_REBOOT, -1050, 6150, 7200000, 300000},
        {SQ_CLOCK_EV_AWAY, 6150, 6270, 120000, 120000},
    };
    int64_t w0 = r->started_wall_s + 60;
    CHECK_INT((int)(sizeof want / sizeof want[0]), r->n_events);
    for (int i = 0; i < r->n_events && i < (int)(sizeof want / sizeof want[0]); i++) {
        const sq_clock_event *g = &r->events[i];
        check_count++;
        if (g->kind != want[i].kind || g->wall_before_s - w0 != want[i].wall_before_s ||
            g->wall_after_s - w0 != want[i].wall_after_s ||
            g->mono_delta_ms != want[i].mono_delta_ms || g->counted_ms != want[i].counted_ms) {
            check_failures++;
            fprintf(stderr,
                    "%s:%d: event %d: kind %d, wall %lld..%lld, measured %lld, counted %lld\n",
                    __FILE__, __LINE__, i, g->kind, (long long)(g->wall_before_s - w0),
                    (long long)(g->wall_after_s - w0), (long long)g->mono_delta_ms,
                    (long long)g->counted_ms);
        }
    }
    char *csv = sq_result_csv(r, false);
    CHECK(csv && strstr(csv, ",11,running,1770,away:420/420 down:240/240 away:20/20 "
                             "down:1500/300 reboot:180/180 away:120/120 reboot:0/0 away:10/10 "
                             "reboot:60/60 reboot:7200/300 away:120/120\n"));
    if (getenv("TEST_VERBOSE"))
        printf("%s", csv ? csv : "(no csv)\n");
    sq_free(csv);
    sq_result_free(r);

    /* A trainee who walks away and never comes back in time: the kiosk
     * stays up; at the resume the time is up. */
    a = NULL;
    CHECK_OK(sq_attempt_start(f.store, "run", "T-idle", NULL, &a, &e), &e);
    if (!a)
        return;
    a = away(a, "T-idle", f.fc.mono_ms + 31 * 60000, f.fc.wall_s + 31 * 60, false, 0);
    if (!a)
        return;
    CHECK_INT(0, sq_attempt_time_left_ms(a));
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    CHECK(o.timed_out);
    sq_attempt_free(a);
}

static void test_roster(void)
{
    sq_err e;
    sq_attempt *a = NULL;
    import_yaml("exam: listed\nversion: 1\ntitle: {en: Listed}\n"
                "pass_mark: 50\nroster:\n  - {id: \"100\", name: Әсел Нұрова, district: Алматы}\n"
                "items:\n  - id: a\n    type: truefalse\n    answer: yes\n    text: {en: Yes?}\n");
    char name[64];
    int left;
    CHECK_OK(sq_catalog_trainee_check(f.store, "listed", "100", &left, name, sizeof name, &e), &e);
    CHECK_STR("Әсел Нұрова", name);
    CHECK_INT(-1, left);
    CHECK_ERR(SQ_ENOTFOUND, "not on the roster",
              sq_catalog_trainee_check(f.store, "listed", "101", &left, name, sizeof name, &e), &e);
    CHECK_ERR(SQ_ENOTFOUND, "not on the roster",
              sq_attempt_start(f.store, "listed", "101", NULL, &a, &e), &e);
    CHECK_ERR(SQ_ENOTFOUND, "no exam 'nope'",
              sq_attempt_start(f.store, "nope", "100", NULL, &a, &e), &e);
    CHECK_ERR(SQ_EINVAL, "trainee id", sq_attempt_start(f.store, "listed", "", NULL, &a, &e), &e);
    CHECK_OK(sq_attempt_start(f.store, "listed", "100", "ignored", &a, &e), &e);
    sq_outcome o;
    if (a) {
        CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
        sq_attempt_free(a);
        sq_result *r = open_result(o.seq);
        if (r)
            CHECK_STR("Әсел Нұрова", r->trainee_name);
        sq_result_free(r);
    }
}

/* Results are immutable and cannot be dropped while pending; their
 * sequence numbers only grow; results of one station do not open with
 * another station's key. */
static void test_results_immutable(void)
{
    sq_err e;
    int64_t pending = 0, last = 0;
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK(pending >= 5);
    CHECK_INT(pending, last);
    sqlite3 *db;
    CHECK_INT(SQLITE_OK, sqlite3_open(f.db_path, &db));
    CHECK(sqlite3_exec(db, "UPDATE results SET sealed = x'00' WHERE seq = 1", 0, 0, 0) != SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM results WHERE seq = 1", 0, 0, 0) != SQLITE_OK);
    sqlite3_close(db);
    sq_result *r = open_result(1);
    CHECK(r != NULL);
    sq_result_free(r);
    /* The result signed by st-001 checked against another key fails. */
    char path[400];
    int count;
    snprintf(path, sizeof path, "%s/b-other", f.dir);
    CHECK_OK(sq_batch_export(f.store, 0, 100, path, &count, &e), &e);
    CHECK_INT(pending, count);
    size_t len;
    uint8_t *buf = fx_read(path, &len);
    sq_batch *b = NULL;
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    CHECK_OK(sq_batch_parse(buf, len, &b, &e), &e);
    if (b) {
        CHECK_ERR(SQ_EAUTH, "not signed by station", sq_batch_verify(b, pk, &e), &e);
        CHECK_OK(sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e), &e);
        int64_t seq;
        const uint8_t *sealed;
        size_t slen;
        sq_batch_result(b, 0, &seq, &sealed, &slen);
        CHECK_ERR(SQ_EAUTH, "not signed by the station key",
                  sq_result_open(sealed, slen, sq_central_results_pk(f.central),
                                 sq_central_results_sk(f.central), pk, &r, &e),
                  &e);
        /* The same results make the same batch, byte for byte but the time. */
        CHECK_INT(32, strlen(sq_batch_id(b)));
    }
    sq_batch_free(b);
    /* A flipped byte anywhere in a batch: refused. */
    int wrong = 0;
    for (size_t i = 8; buf && i < len; i += 7) {
        buf[i] ^= 1;
        sq_batch *bb = NULL;
        sq_err e2;
        if (sq_batch_parse(buf, len, &bb, &e2) == SQ_OK &&
            sq_batch_verify(bb, sq_station_keys_sign_pk(f.keys), &e2) == SQ_OK)
            wrong++;
        sq_batch_free(bb);
        buf[i] ^= 1;
    }
    CHECK_INT(0, wrong);
    free(buf);
}

/* Rows of table held by exam_id at version (items, images, roster), read
 * as anyone with the file would. -1: no such version. */
static int rows_of(const char *table, const char *exam_id, int version)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    char sql[256];
    int n = -1;
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM %s t WHERE t.exam = e.id) FROM exams e"
             " WHERE e.exam_id = ?1 AND e.version = ?2",
             table);
    if (sqlite3_open_v2(f.db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, exam_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, version);
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* The audit lines of action "prune" that name exam_id and version. */
static int prune_lines(const char *exam_id, int version)
{
    sq_err e;
    sq_audit_entry *list = NULL;
    size_t n = 0;
    int found = 0;
    char want[128];
    snprintf(want, sizeof want, "exam '%s' version %d pruned", exam_id, version);
    CHECK_OK(sq_tech_audit_list(f.store, 1000, &list, &n, &e), &e);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].action, "prune") == 0 && strcmp(list[i].actor, "store") == 0 &&
            strstr(list[i].detail, want))
            found++;
    free(list);
    return found;
}

/* Old versions leave the store once a newer one is installed and nothing
 * needs them: not while an attempt on them is in progress, not while a
 * result of theirs waits to be sent; then with the acknowledgement that
 * frees them, or at the next import. */
static void test_prune_old_versions(void)
{
    sq_err e;
    sq_attempt *a = NULL, *b = NULL;
    sq_outcome out;
    sq_import_report rep;
    char path[400];
    char *v1 = fx_exam_yaml("prune", 1, 6, 30), *v2 = fx_exam_yaml("prune", 2, 5, 30),
         *v3 = fx_exam_yaml("prune", 3, 4, 30);
    import_yaml(v1);
    CHECK_INT(6, rows_of("items", "prune", 1));

    /* A finished attempt on v1 whose result is not sent yet, and one in
     * progress with an answer given. */
    CHECK_OK(sq_attempt_start(f.store, "prune", "P-1", "Әсел", &a, &e), &e);
    if (a) {
        CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
        CHECK_OK(sq_attempt_finish(a, &out, &e), &e);
    }
    int64_t seq_done = a ? out.seq : 0;
    sq_attempt_free(a);
    a = NULL;
    CHECK_OK(sq_attempt_start(f.store, "prune", "P-2", "Болат", &b, &e), &e);
    if (!b)
        goto out;
    CHECK_OK(sq_attempt_answer(b, 0, 1, &e), &e);

    /* v2 arrives: installed, v1 kept for both. */
    snprintf(path, sizeof path, "%s/prune-v2.sqb", f.dir);
    CHECK_INT(0, fx_bundle(&f, v2, path, NULL, 0));
    CHECK_OK(sq_import_file(f.store, path, NULL, &rep, &e), &e);
    CHECK_INT(1, rep.exams_new);
    CHECK_INT(0, rep.exams_pruned);
    CHECK_INT(6, rows_of("items", "prune", 1));
    CHECK_INT(5, rows_of("items", "prune", 2));
    CHECK_INT(0, prune_lines("prune", 1));

    /* The first result acknowledged: the attempt in progress still needs v1. */
    int marked = 0;
    CHECK_OK(sq_batch_mark_sent(f.store, &seq_done, 1, &marked, &e), &e);
    CHECK_INT(1, marked);
    CHECK_INT(6, rows_of("items", "prune", 1));

    /* The attempt goes on on its version after a restart: same items. */
    sq_item_view before, after;
    CHECK_OK(sq_attempt_item(b, 1, SQ_LANG_EN, &before, &e), &e);
    char text_before[256];
    snprintf(text_before, sizeof text_before, "%s", before.text ? before.text : "");
    sq_attempt_free(b);
    b = NULL;
    CHECK_INT(0, fx_reopen(&f));
    CHECK_OK(sq_attempt_resume(f.store, "prune", "P-2", &b, &e), &e);
    if (!b)
        goto out;
    CHECK_INT(6, sq_attempt_count(b));
    CHECK_OK(sq_attempt_item(b, 1, SQ_LANG_EN, &after, &e), &e);
    CHECK_STR(text_before, after.text ? after.text : "");
    CHECK_OK(sq_attempt_answer(b, 1, 1, &e), &e);
    CHECK_OK(sq_attempt_finish(b, &out, &e), &e);
    int64_t seq_last = out.seq;
    sq_attempt_free(b);
    b = NULL;
    /* Sealed on v1 as central reads it; still pending, so v1 stays. */
    sq_result *r = open_result(seq_last);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR("prune", r->exam_id);
        CHECK_INT(1, r->exam_version);
    }
    sq_result_free(r);
    CHECK_INT(6, rows_of("items", "prune", 1));
    CHECK_INT(0, prune_lines("prune", 1));

    /* Its acknowledgement frees v1: items gone in the same transaction,
     * on the audit log; the row stays, so the attempts still count. */
    CHECK_OK(sq_batch_mark_sent(f.store, &seq_last, 1, &marked, &e), &e);
    CHECK_INT(1, marked);
    CHECK_INT(0, rows_of("items", "prune", 1));
    CHECK_INT(0, rows_of("images", "prune", 1));
    CHECK_INT(0, rows_of("roster", "prune", 1));
    CHECK_INT(5, rows_of("items", "prune", 2));
    CHECK_INT(1, prune_lines("prune", 1));
    int left = -1;
    char name[64];
    CHECK_OK(sq_catalog_trainee_check(f.store, "prune", "P-2", &left, name, sizeof name, &e), &e);
    CHECK_INT(1, left);
    sq_integrity_report ir;
    CHECK_OK(sq_chain_check(f.store, &ir, &e), &e);
    CHECK_INT(0, ir.found.flags);

    /* v3 with nothing on v2: the import itself prunes v2, and an import
     * that brings nothing new prunes nothing more. */
    snprintf(path, sizeof path, "%s/prune-v3.sqb", f.dir);
    CHECK_INT(0, fx_bundle(&f, v3, path, NULL, 0));
    CHECK_OK(sq_import_file(f.store, path, NULL, &rep, &e), &e);
    CHECK_INT(1, rep.exams_pruned);
    CHECK_INT(0, rows_of("items", "prune", 2));
    CHECK_INT(4, rows_of("items", "prune", 3));
    CHECK_INT(1, prune_lines("prune", 2));
    CHECK_OK(sq_import_file(f.store, path, NULL, &rep, &e), &e);
    CHECK_INT(1, rep.exams_same);
    CHECK_INT(0, rep.exams_pruned);
    CHECK_INT(1, prune_lines("prune", 1));
    CHECK_INT(1, prune_lines("prune", 2));
    /* The newest version is whole and takes attempts. */
    CHECK_OK(sq_attempt_start(f.store, "prune", "P-3", NULL, &a, &e), &e);
    if (a)
        CHECK_INT(4, sq_attempt_count(a));
    sq_attempt_free(a);
    a = NULL;
out:
    sq_attempt_free(a);
    sq_attempt_free(b);
    free(v1);
    free(v2);
    free(v3);
}

int main(void)
{
    if (fx_setup(&f, "st-001"))
        return 1;
    test_scoring();
    test_blueprint_and_resume();
    test_time_runs_out();
    test_running_clock();
    test_roster();
    test_results_immutable();
    test_prune_old_versions();
    fx_teardown(&f);
    return check_report("test_attempt");
}
