/*
 * test_practice.c - practice (practice.c, mastery.c): the mastery rules
 * against hand-made answer sequences; items drawn from the bank in rounds,
 * one topic or all; feedback after an answer (the right answer and the
 * explanation only when the item is done, a second try before them);
 * bad answers refused with nothing recorded; records sealed, never
 * results, and carried off in batches as their own kind of record (opened
 * with central's key, refused as results, refused altered);
 * requires_practice; and the exam's invariant: no right answer
 * or explanation reaches an exam attempt before submission, and no
 * practice while one is in progress.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "check.h"
#include "fixture.h"
#include "synaq/practice.h"
#include "db_int.h"
#include "mastery_int.h"
#include "source_int.h"

static fixture f;

/* law: three single items (tries 2 apply); day: two true/false items. */
static const char *practice_exam =
    "exam: drill\nversion: 1\ntitle: {ru: Тренировка, kk: Жаттығу, en: Drill}\n"
    "pass_mark: 50\nattempts: 0\nshuffle_options: yes\nreview_after: full\n"
    "topics:\n  law: {en: Law, ru: Закон, kk: Заң}\n  day: {en: Day, ru: День, kk: Күн}\n"
    "blueprint: {law: 1, day: 1}\n"
    "practice:\n  tries: 2\n  mastery: {streak: 2}\n  topics:\n    law: all\n"
    "requires_practice: yes\n"
    "items:\n"
    "  - id: L1\n    topic: law\n    type: single\n    text: {en: Law one}\n"
    "    explanation: {en: Because one, ru: Потому что один}\n"
    "    options:\n"
    "      - {en: Right1, correct: yes, feedback: {en: Yes one}}\n"
    "      - {en: Wrong1a, feedback: {en: Not a}}\n      - {en: Wrong1b}\n"
    "  - id: L2\n    topic: law\n    type: single\n    text: {en: Law two}\n"
    "    explanation: {en: Because two}\n"
    "    options:\n      - {en: Right2, correct: yes}\n      - {en: Wrong2a}\n      - {en: Wrong2b}\n"
    "  - id: L3\n    topic: law\n    type: multiple\n    text: {en: Law three}\n"
    "    options:\n      - {en: Right3a, correct: yes}\n      - {en: Right3b, correct: yes}\n"
    "      - {en: Wrong3}\n"
    "  - id: D1\n    topic: day\n    type: truefalse\n    answer: yes\n    text: {en: Day one}\n"
    "    explanation: {en: Day one is true}\n"
    "  - id: D2\n    topic: day\n    type: truefalse\n    answer: no\n    text: {en: Day two}\n";

static const char *plain_exam =
    "exam: plain\nversion: 1\ntitle: {en: Plain}\npass_mark: 50\n"
    "items:\n  - {id: q1, type: truefalse, answer: yes, text: {en: A}}\n";

static void import_yaml(const char *yaml)
{
    char path[400];
    static int n;
    sq_err e;
    sq_import_report r;
    snprintf(path, sizeof path, "%s/p%d.sqb", f.dir, n++);
    CHECK_INT(0, fx_bundle(&f, yaml, path, NULL, 0));
    CHECK_OK(sq_import_file(f.store, path, NULL, &r, &e), &e);
}

/* ---- the rules, by hand ---- */

static sqi_mastery_state eval(int kind, int m, int n, int n_items, const char *seq)
{
    sqi_mastery_answer a[64];
    size_t k = 0;
    /* seq: one letter an answer: R/W right or wrong of item (digit after it). */
    for (const char *p = seq; *p && k < 64; p++) {
        if (*p != 'R' && *p != 'W')
            continue;
        a[k].right = *p == 'R';
        a[k].item = p[1] >= '0' && p[1] <= '9' ? p[1] - '0' : -1;
        k++;
    }
    sqi_mastery_rule r = {kind, m, n};
    sqi_mastery_state st;
    CHECK_INT(SQ_OK, sqi_mastery_eval(&r, n_items, a, k, &st));
    return st;
}

static void test_rules(void)
{
    sqi_mastery_state s;
    /* all: every item right at least once; repeats of one item do not help. */
    s = eval(SQI_MASTERY_ALL, 0, 0, 3, "R0 R0 R0 W1 R1");
    CHECK_INT(2, s.progress);
    CHECK_INT(3, s.goal);
    CHECK(!s.mastered);
    s = eval(SQI_MASTERY_ALL, 0, 0, 3, "R0 W1 R2 W0 R1");
    CHECK_INT(3, s.progress);
    CHECK(s.mastered);
    /* An item of an older version (no digit) does not count for all. */
    s = eval(SQI_MASTERY_ALL, 0, 0, 1, "R R R");
    CHECK(!s.mastered);
    CHECK_INT(3, s.answered);

    /* m_of_n 4 of 5: a window of the last 5. */
    s = eval(SQI_MASTERY_M_OF_N, 4, 5, 2, "R W R W R W R");
    CHECK(!s.mastered);
    CHECK_INT(3, s.progress);
    s = eval(SQI_MASTERY_M_OF_N, 4, 5, 2, "R W R R R");
    CHECK(s.mastered);
    CHECK_INT(4, s.progress);
    /* Fewer than n answers may already hold m right ones. */
    s = eval(SQI_MASTERY_M_OF_N, 4, 5, 2, "R R R R");
    CHECK(s.mastered);
    /* Met once, it stays met though the window moves on. */
    s = eval(SQI_MASTERY_M_OF_N, 4, 5, 2, "R R R R W W W W W");
    CHECK(s.mastered);
    CHECK_INT(0, s.progress);
    /* The window drops the oldest: W R R R W R has 4 of the last 5 only at the end. */
    s = eval(SQI_MASTERY_M_OF_N, 4, 5, 2, "W R R W R");
    CHECK(!s.mastered);
    s = eval(SQI_MASTERY_M_OF_N, 4, 5, 2, "W R R W R R");
    CHECK(s.mastered);

    /* streak 3: three in a row, longer than the topic's 2 items (repeats). */
    s = eval(SQI_MASTERY_STREAK, 0, 3, 2, "R R W R R");
    CHECK(!s.mastered);
    CHECK_INT(2, s.progress);
    s = eval(SQI_MASTERY_STREAK, 0, 3, 2, "R R W R R R W");
    CHECK(s.mastered);
    CHECK_INT(0, s.progress);
    s = eval(SQI_MASTERY_STREAK, 0, 3, 2, "");
    CHECK(!s.mastered);
    CHECK_INT(0, s.answered);

    /* Rules read from documents: what cannot be met is refused. */
    char why[160];
    sqi_mastery_rule r;
    json_t *e = json_pack("{s:s, s:s, s:i, s:i}", "topic", "t", "rule", "m_of_n", "m", 5, "n", 4);
    CHECK_INT(SQ_EINVAL, sqi_mastery_rule_read(e, 10, &r, why, sizeof why));
    CHECK_CONTAINS("m (5) is more than n (4)", why);
    json_decref(e);
    e = json_pack("{s:s, s:s, s:i}", "topic", "t", "rule", "streak", "n", 7);
    CHECK_INT(SQ_OK, sqi_mastery_rule_read(e, 2, &r, why, sizeof why));
    CHECK_INT(SQ_EINVAL, sqi_mastery_rule_read(e, 0, &r, why, sizeof why));
    CHECK_CONTAINS("no items", why);
    json_decref(e);
    e = json_pack("{s:s, s:s}", "topic", "t", "rule", "sometimes");
    CHECK_INT(SQ_EINVAL, sqi_mastery_rule_read(e, 2, &r, why, sizeof why));
    CHECK_CONTAINS("unknown mastery rule", why);
    json_decref(e);
}

/* Sources whose mastery rule cannot be met: refused by the source's
 * check (what `bundle check` runs), naming the file and the rule's line,
 * and nothing made of them. */
static void test_unmeetable_sources(void)
{
    static const char *const head =
        "exam: m\nversion: 1\ntitle: {en: M}\npass_mark: 50\n"
        "topics:\n  a: {en: A}\n  b: {en: B}\n"
        "items:\n"
        "  - {id: q1, topic: a, type: truefalse, answer: yes, text: {en: Q1}}\n"
        "  - {id: q2, topic: a, type: truefalse, answer: yes, text: {en: Q2}}\n";
    static const struct {
        const char *tail, *msg;
    } cases[] = {
        {"practice:\n  mastery: all\nrequires_practice: yes\n",
         "m.yaml:12: practice: topic 'b': the topic has no items, so its mastery can never be met"},
        {"practice:\n  mastery: all\n  topics:\n    b: {streak: 2}\n",
         "m.yaml:14: practice: topic 'b': the topic has no items, so its mastery can never be met"},
        {"practice:\n  mastery: {m_of_n: {m: 6, n: 5}}\n",
         "m.yaml:12: practice: topic 'a': m_of_n: m (6) is more than n (5): 6 right of the last 5 "
         "can never be met"},
        {"practice:\n  mastery: {streak: 0}\n",
         "m.yaml:12: practice: topic 'a': streak must be a number of answers in a row, 1 to 100"},
        {"practice:\n  mastery: {m_of_n: {m: 2, n: 101}}\n",
         "m.yaml:12: practice: topic 'a': m_of_n: n must be 1 to 100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml, "%s%s", head, cases[i].tail);
        json_t *doc = NULL;
        sq_err e;
        memset(&e, 0, sizeof e);
        CHECK_INT(SQ_EINVAL, sqi_source_parse("m.yaml", yaml, strlen(yaml), NULL, &doc, &e));
        CHECK_STR(cases[i].msg, e.msg);
        CHECK(doc == NULL);
        json_decref(doc);
    }
}

/* ---- on the station ---- */

/* The shown option whose text begins with prefix ("Right", "Wrong"). */
static uint32_t pick(sq_practice *p, const char *prefix, bool all)
{
    sq_item_view v;
    sq_err e;
    uint32_t m = 0;
    if (sq_practice_item(p, SQ_LANG_EN, &v, &e))
        return 0;
    for (int i = 0; i < v.n_options; i++)
        if (!strncmp(v.options[i], prefix, strlen(prefix))) {
            m |= 1u << i;
            if (!all)
                break;
        }
    return m;
}

/* Right for a true/false item: its options are "True"/"False" texts of
 * the kiosk's catalogue; the source says D1 true, D2 false. */
static uint32_t right_of(sq_practice *p)
{
    sq_item_view v;
    sq_err e;
    if (sq_practice_item(p, SQ_LANG_EN, &v, &e))
        return 0;
    if (v.type == SQ_ITEM_TRUEFALSE)
        return !strcmp(v.item_id, "D1") ? 1u : 2u; /* fixed order: true, false */
    return pick(p, "Right", true);
}

static int64_t count_rows(const char *table)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    int64_t n = -1;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (sqlite3_open_v2(f.db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return n;
}

static void test_draw_and_feedback(void)
{
    sq_err e;
    sq_practice *p = NULL;
    sq_practice_feedback fb;
    sq_item_view v;

    /* Topic law: every round holds each of its three items once. */
    CHECK_OK(sq_practice_open(f.store, "drill", "t-1", "law", &p, &e), &e);
    if (!p)
        return;
    for (int round = 0; round < 2; round++) {
        int seen[3] = {0};
        for (int i = 0; i < 3; i++) {
            CHECK_OK(sq_practice_item(p, SQ_LANG_EN, &v, &e), &e);
            CHECK(v.item_id && v.item_id[0] == 'L');
            if (v.item_id && v.item_id[0] == 'L' && v.item_id[1] >= '1' && v.item_id[1] <= '3')
                seen[v.item_id[1] - '1']++;
            CHECK_OK(sq_practice_next(p, &e), &e);
        }
        CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    }
    /* Nothing answered, nothing recorded. */
    CHECK_INT(0, count_rows("practice"));

    /* Find L1 and answer it wrong twice: the first wrong answer says only
     * that it is wrong and what the chosen option says. */
    for (int i = 0; i < 6; i++) {
        CHECK_OK(sq_practice_item(p, SQ_LANG_EN, &v, &e), &e);
        if (!strcmp(v.item_id, "L1"))
            break;
        CHECK_OK(sq_practice_next(p, &e), &e);
    }
    CHECK_STR("L1", v.item_id);
    uint32_t wrong_a = pick(p, "Wrong1a", false), right = pick(p, "Right", true);
    CHECK_OK(sq_practice_answer(p, wrong_a, SQ_LANG_EN, &fb, &e), &e);
    CHECK(!fb.right);
    CHECK(fb.may_retry);
    CHECK(!fb.final);
    CHECK_INT(0, fb.correct);
    CHECK(fb.explanation == NULL);
    int k = __builtin_ctz(wrong_a);
    CHECK_STR("Not a", fb.feedback[k]);
    sq_practice_feedback_clear(&fb);
    /* The second try, right: now the right answer and the explanation. */
    CHECK_OK(sq_practice_answer(p, right, SQ_LANG_EN, &fb, &e), &e);
    CHECK(fb.right);
    CHECK(fb.final);
    CHECK_INT(2, fb.try_no);
    CHECK_INT(right, fb.correct);
    CHECK_STR("Because one", fb.explanation);
    CHECK_STR("Yes one", fb.feedback[__builtin_ctz(right)]);
    sq_practice_feedback_clear(&fb);
    /* In Russian the explanation is the Russian one. */
    CHECK_INT(2, count_rows("practice"));

    /* Done: a third answer is refused and records nothing. */
    CHECK_ERR(SQ_ESTATE, "done", sq_practice_answer(p, right, SQ_LANG_EN, &fb, &e), &e);
    CHECK_INT(2, count_rows("practice"));
    CHECK_OK(sq_practice_next(p, &e), &e);

    /* Bad selections: none, two on a single item, an option beyond. */
    uint8_t before[32], after[32];
    fx_digest(f.db_path, before);
    CHECK_OK(sq_practice_item(p, SQ_LANG_EN, &v, &e), &e);
    CHECK_ERR(SQ_EINVAL, "no option chosen", sq_practice_answer(p, 0, SQ_LANG_EN, &fb, &e), &e);
    CHECK_ERR(SQ_EINVAL, "options 1 to 3",
              sq_practice_answer(p, 1u << 5, SQ_LANG_EN, &fb, &e), &e);
    if (v.type == SQ_ITEM_SINGLE)
        CHECK_ERR(SQ_EINVAL, "one option", sq_practice_answer(p, 3u, SQ_LANG_EN, &fb, &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    sq_practice_free(p);
    p = NULL;

    /* The whole bank: items of both topics come. */
    CHECK_OK(sq_practice_open(f.store, "drill", "t-1", NULL, &p, &e), &e);
    int law = 0, day = 0;
    for (int i = 0; p && i < 5; i++) {
        CHECK_OK(sq_practice_item(p, SQ_LANG_EN, &v, &e), &e);
        law += v.item_id[0] == 'L';
        day += v.item_id[0] == 'D';
        /* A true/false item has no second try, so the first answer is final. */
        if (v.type == SQ_ITEM_TRUEFALSE) {
            CHECK_OK(sq_practice_answer(p, right_of(p) ^ 3u, SQ_LANG_EN, &fb, &e), &e);
            CHECK(!fb.right && fb.final && !fb.may_retry);
            CHECK_INT(right_of(p), fb.correct);
            sq_practice_feedback_clear(&fb);
        }
        CHECK_OK(sq_practice_next(p, &e), &e);
    }
    CHECK_INT(3, law);
    CHECK_INT(2, day);
    sq_practice_free(p);

    /* Bad opens, nothing recorded. */
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_ENOTFOUND, "no topic 'rules'", sq_practice_open(f.store, "drill", "t-1", "rules", &p, &e), &e);
    CHECK(p == NULL);
    CHECK_ERR(SQ_ESTATE, "has no practice", sq_practice_open(f.store, "plain", "t-1", NULL, &p, &e), &e);
    CHECK_ERR(SQ_ENOTFOUND, "no exam", sq_practice_open(f.store, "nope", "t-1", NULL, &p, &e), &e);
    CHECK_ERR(SQ_EINVAL, "trainee id", sq_practice_open(f.store, "drill", "", NULL, &p, &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
}

/* Practice until topic is mastered by first-try right answers. */
static void master(const char *trainee, const char *topic, int answers)
{
    sq_err e;
    sq_practice *p = NULL;
    sq_practice_feedback fb;
    CHECK_OK(sq_practice_open(f.store, "drill", trainee, topic, &p, &e), &e);
    for (int i = 0; p && i < answers; i++) {
        CHECK_OK(sq_practice_answer(p, right_of(p), SQ_LANG_EN, &fb, &e), &e);
        CHECK(fb.right);
        sq_practice_feedback_clear(&fb);
        CHECK_OK(sq_practice_next(p, &e), &e);
    }
    sq_practice_free(p);
}

static void test_mastery_and_requires(void)
{
    sq_err e;
    sq_practice_topic *t = NULL;
    size_t n = 0;
    sq_attempt *a = NULL;
    uint8_t before[32], after[32];

    /* t-2 has practised nothing: the exam stays closed, nothing changes. */
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_ESTATE, "topic 'law' is not mastered",
              sq_attempt_start(f.store, "drill", "t-2", "Two", &a, &e), &e);
    CHECK_ERR(SQ_ESTATE, "not mastered", sq_practice_required_met(f.store, "drill", "t-2", &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);

    CHECK_OK(sq_practice_topics(f.store, "drill", "t-2", SQ_LANG_RU, &t, &n, &e), &e);
    CHECK_INT(2, n);
    if (n == 2) {
        CHECK_STR("law", t[0].topic);
        CHECK_STR("Закон", t[0].title);
        CHECK_INT(SQ_MASTERY_ALL, t[0].kind);
        CHECK_INT(3, t[0].goal);
        CHECK_INT(3, t[0].n_items);
        CHECK_INT(SQ_MASTERY_STREAK, t[1].kind);
        CHECK_INT(2, t[1].goal);
        CHECK(!t[0].mastered && !t[1].mastered);
    }
    sq_practice_topics_free(t, n);

    /* law: all three right once (one round). day: two right in a row. */
    master("t-2", "law", 3);
    CHECK_ERR(SQ_ESTATE, "topic 'day' is not mastered",
              sq_attempt_start(f.store, "drill", "t-2", "Two", &a, &e), &e);
    master("t-2", "day", 2);
    CHECK_OK(sq_practice_topics(f.store, "drill", "t-2", SQ_LANG_EN, &t, &n, &e), &e);
    for (size_t i = 0; i < n; i++)
        CHECK(t[i].mastered);
    if (n == 2) {
        CHECK_INT(3, t[0].progress);
        CHECK_INT(2, t[1].progress);
    }
    sq_practice_topics_free(t, n);
    /* Another trainee's practice is not t-3's. */
    CHECK_ERR(SQ_ESTATE, "not mastered", sq_practice_required_met(f.store, "drill", "t-3", &e), &e);
    CHECK_OK(sq_practice_required_met(f.store, "drill", "t-2", &e), &e);

    /* Practice counts as no result and no attempt: its records wait in
     * the outbox (the results table) as kind 1 only. */
    int64_t n_practice = count_rows("practice");
    CHECK_INT(0, count_rows("results WHERE kind = 0"));
    CHECK_INT(n_practice, count_rows("results WHERE kind = 1"));
    CHECK_INT(n_practice, count_rows("practice p JOIN results r ON r.seq = p.rseq"
                                     " AND r.attempt = p.id"));
    CHECK_INT(0, count_rows("attempts"));
    int64_t all = 0, unsent = 0;
    CHECK_OK(sq_practice_count(f.store, &all, &unsent, &e), &e);
    CHECK_INT(n_practice, all);
    CHECK_INT(all, unsent);

    /* They leave the station as results do: in a batch, numbered 1..N in
     * the results' one sequence, each opening at central as a practice
     * record (never as a result), and sent only once acknowledged. */
    sq_batch_made made;
    int64_t pending = -1, last = -1;
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK_INT(n_practice, pending);
    CHECK_INT(n_practice, last);
    CHECK_OK(sq_batch_make(f.store, 0, 50, 0, &made, &e), &e);
    CHECK_INT(n_practice, made.count);
    sq_batch *b = NULL;
    CHECK_OK(sq_batch_parse(made.bytes, made.len, &b, &e), &e);
    CHECK_OK(sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e), &e);
    int64_t seqs[64];
    size_t nb = b ? sq_batch_count(b) : 0;
    int rights = 0, firsts = 0;
    for (size_t i = 0; i < nb && i < 64; i++) {
        const uint8_t *sealed;
        size_t slen;
        sq_batch_result(b, i, &seqs[i], &sealed, &slen);
        CHECK_INT((int64_t)i + 1, seqs[i]);
        sq_record_kind kind = 0;
        sq_result *res = NULL;
        sq_practice_rec *pr = NULL;
        CHECK_OK(sq_record_open(sealed, slen, sq_central_results_pk(f.central),
                                sq_central_results_sk(f.central), sq_station_keys_sign_pk(f.keys),
                                &kind, &res, &pr, &e),
                 &e);
        CHECK_INT(SQ_RECORD_PRACTICE, kind);
        CHECK(res == NULL);
        if (pr) {
            CHECK_STR("st-001", pr->station_id);
            CHECK_INT(seqs[i], pr->seq);
            CHECK(!strcmp(pr->trainee_id, "t-1") || !strcmp(pr->trainee_id, "t-2"));
            /* The exam has no roster: no name (central fills it in). */
            CHECK_STR("", pr->trainee_name);
            CHECK_STR("drill", pr->exam_id);
            CHECK_INT(1, pr->exam_version);
            CHECK(!strcmp(pr->topic, "law") || !strcmp(pr->topic, "day"));
            CHECK(pr->item_id[0] == (pr->topic[0] == 'l' ? 'L' : 'D'));
            CHECK(pr->selected != 0);
            CHECK_INT(f.fc.wall_s, pr->created_wall_s);
            rights += pr->right;
            firsts += pr->try_no == 1;
            CHECK(pr->try_no == 1 || pr->try_no == 2);
            char *line = sq_practice_rec_csv(pr, true);
            CHECK(line && strstr(line, "station,seq,record,trainee_id") == line &&
                  strstr(line, ",drill,1,") && strstr(line, pr->trainee_id));
            sq_free(line);
        }
        /* An old central's reader: refused as what it is, not a result. */
        CHECK_ERR(SQ_ECORRUPT, "a practice record, not an exam result",
                  sq_result_open(sealed, slen, sq_central_results_pk(f.central),
                                 sq_central_results_sk(f.central), sq_station_keys_sign_pk(f.keys),
                                 &res, &e),
                  &e);
        /* Altered on the way: refused, nothing returned. */
        uint8_t *bad = malloc(slen);
        if (bad) {
            memcpy(bad, sealed, slen);
            bad[slen / 2] ^= 1;
            sq_result *bad_res = NULL;
            sq_practice_rec *bad_pr = NULL;
            CHECK_ERR(SQ_EAUTH, "does not open",
                      sq_record_open(bad, slen, sq_central_results_pk(f.central),
                                     sq_central_results_sk(f.central),
                                     sq_station_keys_sign_pk(f.keys), &kind, &bad_res, &bad_pr,
                                     &e),
                      &e);
            CHECK(bad_res == NULL && bad_pr == NULL);
            free(bad);
        }
        sq_practice_rec_free(pr);
        sq_result_free(res);
    }
    /* What the records say of the answers is what the store's own
     * (mastery) records say: the same count of right ones and first tries. */
    CHECK_INT(n_practice - 3, rights); /* test_draw_and_feedback: 3 wrong */
    CHECK_INT(n_practice - 1, firsts);  /* and one second try */
    sq_batch_free(b);
    sq_free(made.bytes);
    int marked = 0;
    CHECK_OK(sq_batch_mark_sent(f.store, seqs, nb, &marked, &e), &e);
    CHECK_INT(n_practice, marked);
    CHECK_OK(sq_practice_count(f.store, &all, &unsent, &e), &e);
    CHECK_INT(0, unsent);
    CHECK_INT(n_practice, count_rows("practice WHERE sent_wall IS NOT NULL"));
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK_INT(0, pending);
    /* A record keeps its number and its kind: the schema refuses both. */
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(f.db_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        CHECK(sqlite3_exec(db, "UPDATE practice SET rseq = rseq + 1000", NULL, NULL, NULL) ==
              SQLITE_CONSTRAINT);
        CHECK(strstr(sqlite3_errmsg(db), "keeps its number") != NULL);
        CHECK(sqlite3_exec(db, "UPDATE results SET kind = 0 WHERE kind = 1", NULL, NULL, NULL) ==
              SQLITE_CONSTRAINT);
    }
    sqlite3_close(db);
    CHECK_INT(n_practice, count_rows("results WHERE kind = 1"));

    /* The exam now opens. While it is in progress: no review (so no
     * right answers, no explanations) and no practice at this exam. */
    CHECK_OK(sq_attempt_start(f.store, "drill", "t-2", "Two", &a, &e), &e);
    if (!a)
        return;
    sq_review *r = NULL;
    CHECK_ERR(SQ_ESTATE, "", sq_attempt_review(a, SQ_LANG_EN, &r, &e), &e);
    CHECK(r == NULL);
    sq_practice *p = NULL;
    fx_digest(f.db_path, before);
    CHECK_ERR(SQ_ESTATE, "in progress", sq_practice_open(f.store, "drill", "t-2", NULL, &p, &e), &e);
    CHECK(p == NULL);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    /* No explanation text reaches what the exam's item view shows. */
    for (int i = 0; i < sq_attempt_count(a); i++) {
        sq_item_view v;
        CHECK_OK(sq_attempt_item(a, i, SQ_LANG_EN, &v, &e), &e);
        CHECK(strstr(v.text, "Because") == NULL);
        for (int k = 0; k < v.n_options; k++)
            CHECK(strstr(v.options[k], "Yes one") == NULL && strstr(v.options[k], "Not a") == NULL);
    }
    sq_outcome out;
    CHECK_OK(sq_attempt_finish(a, &out, &e), &e);
    CHECK_OK(sq_attempt_review(a, SQ_LANG_EN, &r, &e), &e);
    sq_review_free(r);
    sq_attempt_free(a);
    CHECK_INT(1, count_rows("results WHERE kind = 0"));
    /* The batch holds the one result, and only it (the practice records
     * went out above). */
    CHECK_OK(sq_batch_make(f.store, 0, 50, 0, &made, &e), &e);
    CHECK_INT(1, made.count);
    sq_free(made.bytes);
    /* After submission practice is open again. */
    CHECK_OK(sq_practice_open(f.store, "drill", "t-2", NULL, &p, &e), &e);
    sq_practice_free(p);
}

/* The store holds no trainee id and no explanation in clear. */
static void test_sealed(void)
{
    size_t len;
    CHECK_INT(0, fx_reopen(&f)); /* the WAL into the file */
    uint8_t *db = fx_read(f.db_path, &len);
    char wal[400];
    snprintf(wal, sizeof wal, "%s-wal", f.db_path);
    size_t wlen = 0;
    uint8_t *w = fx_read(wal, &wlen);
    CHECK(db != NULL);
    const char *needles[] = {"t-2", "Because one", "Yes one", "\"right\""};
    for (size_t i = 0; db && i < sizeof needles / sizeof *needles; i++) {
        CHECK(memmem(db, len, needles[i], strlen(needles[i])) == NULL);
        CHECK(!w || memmem(w, wlen, needles[i], strlen(needles[i])) == NULL);
    }
    free(db);
    free(w);
    /* And the progress is still there after the restart. */
    sq_err e;
    CHECK_OK(sq_practice_required_met(f.store, "drill", "t-2", &e), &e);
}

/* Inserts a practice row as a store before schema 8 held it: sealed with
 * the store's key, no number, nothing in the outbox. body NULL: a row
 * whose sealed field does not open. */
static void insert_old_row(const char *id_hex, const char *body)
{
    sq_err e;
    char rowkey[STORE_ROWKEY];
    uint8_t id[16], h[32], *sealed = NULL;
    size_t n = 0;
    sodium_hex2bin(id, sizeof id, id_hex, 32, NULL, NULL, NULL);
    sqi_rowkey_practice(rowkey, id_hex);
    if (body)
        CHECK_OK(sqi_db_seal(f.store, "practice", "sealed", rowkey, body, strlen(body), &sealed, &n,
                             &e),
                 &e);
    sqi_db_trainee_hash(f.store, "t-9", h);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_open_v2(f.db_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    CHECK(sqlite3_prepare_v2(db,
                             "INSERT INTO practice(id, exam_id, trainee, sealed, created_wall)"
                             " VALUES (?, 'drill', ?, ?, 1767225600)",
                             -1, &q, NULL) == SQLITE_OK);
    sqlite3_bind_blob(q, 1, id, 16, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, h, 32, SQLITE_STATIC);
    if (sealed)
        sqlite3_bind_blob(q, 3, sealed, (int)n, SQLITE_STATIC);
    else
        sqlite3_bind_blob(q, 3, "not sealed at all", 17, SQLITE_STATIC);
    CHECK(sqlite3_step(q) == SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(db);
    free(sealed);
}

/* Practice records of a store from before schema 8 (no number, no sealed
 * form for central) are sealed and numbered before anything is counted or
 * batched, their name empty; a row that does not open is passed over and
 * stops neither that nor a new answer; the store's records stay clean. */
static void test_old_records(void)
{
    sq_err e;
    int64_t all0 = 0, unsent0 = 0, all = 0, unsent = 0, pending = 0, last0 = 0, last = 0;
    int64_t pending0 = 0;
    CHECK_OK(sq_practice_count(f.store, &all0, &unsent0, &e), &e);
    CHECK_INT(0, unsent0);
    CHECK_OK(sq_batch_counts(f.store, &pending0, &last0, &e), &e);
    CHECK_INT(last0, count_rows("results"));
    insert_old_row("0102030405060708090a0b0c0d0e0f10",
                   "{\"kind\":\"practice\",\"exam\":\"drill\",\"version\":1,\"item\":\"L2\","
                   "\"item_idx\":1,\"topic\":\"law\",\"try\":1,\"right\":true,\"selected\":[0],"
                   "\"wall\":1767225600,\"trainee\":\"t-9\"}");
    insert_old_row("1112131415161718191a1b1c1d1e1f20", NULL);
    CHECK_OK(sq_practice_count(f.store, &all, &unsent, &e), &e);
    CHECK_INT(all0 + 2, all);
    CHECK_INT(2, unsent);
    CHECK_OK(sq_batch_counts(f.store, &pending, &last, &e), &e);
    CHECK_INT(pending0 + 1, pending);
    CHECK_INT(last0 + 1, last);
    CHECK_INT(1, count_rows("practice WHERE rseq IS NULL"));
    sq_batch_made made;
    CHECK_OK(sq_batch_make(f.store, 0, 50, 0, &made, &e), &e);
    CHECK_INT(pending0 + 1, made.count);
    CHECK_INT(last0 + 1, made.last_seq);
    sq_batch *b = NULL;
    CHECK_OK(sq_batch_parse(made.bytes, made.len, &b, &e), &e);
    CHECK_OK(sq_batch_verify(b, sq_station_keys_sign_pk(f.keys), &e), &e);
    if (b && sq_batch_count(b) == (size_t)pending0 + 1) {
        int64_t seq;
        const uint8_t *sealed;
        size_t slen;
        sq_batch_result(b, (size_t)pending0, &seq, &sealed, &slen);
        sq_record_kind kind = 0;
        sq_result *res = NULL;
        sq_practice_rec *pr = NULL;
        CHECK_OK(sq_record_open(sealed, slen, sq_central_results_pk(f.central),
                                sq_central_results_sk(f.central), sq_station_keys_sign_pk(f.keys),
                                &kind, &res, &pr, &e),
                 &e);
        CHECK_INT(SQ_RECORD_PRACTICE, kind);
        if (pr) {
            CHECK_STR("t-9", pr->trainee_id);
            CHECK_STR("", pr->trainee_name);
            CHECK_STR("0102030405060708090a0b0c0d0e0f10", pr->record_id);
            CHECK_STR("L2", pr->item_id);
            CHECK_INT(1, pr->selected);
            CHECK_INT(1767225600, pr->created_wall_s);
        }
        sq_practice_rec_free(pr);
        sq_result_free(res);
    }
    sq_batch_free(b);
    sq_free(made.bytes);
    /* A new answer is recorded and numbered past the damaged row. */
    master("t-2", "law", 1);
    CHECK_INT(1, count_rows("practice WHERE rseq IS NULL"));
    CHECK_INT(last0 + 2, count_rows("results"));
    sq_integrity_report rep;
    CHECK_OK(sq_chain_check(f.store, &rep, &e), &e);
    CHECK_INT(0, (int)rep.found.flags);
}

int main(void)
{
    test_rules();
    test_unmeetable_sources();
    if (fx_setup(&f, "st-001"))
        return 1;
    import_yaml(practice_exam);
    import_yaml(plain_exam);
    test_draw_and_feedback();
    test_mastery_and_requires();
    test_sealed();
    test_old_records();
    fx_teardown(&f);
    return check_report("test_practice");
}
