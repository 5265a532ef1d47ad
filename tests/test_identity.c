/*
 * test_identity.c - who may sit (core/src/identity.c): central's codes, the
 * bundle's form of the checks (a round trip through a real bundle: no code,
 * date of birth or PIN in it or in the store), and the station's check of
 * what is typed: right, wrong, too soon, malformed, not on the roster; the
 * wait on the fake monotonic clock across a restart; every try in the audit
 * log; and a wrong answer changes nothing but its count and its log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bundle_int.h"
#include "keys_int.h"
#include "check.h"
#include "fixture.h"
#include "synaq/identity.h"
#include "synaq/tech.h"

static fixture f;

#define ITEMS                                                                                      \
    "items:\n"                                                                                     \
    "  - id: q1\n    type: single\n    text: {en: Q}\n"                                            \
    "    options: [{en: a, correct: yes}, {en: b}]\n"

static const char code_src[] = "exam: who-code\nversion: 1\ntitle: {en: Codes}\npass_mark: 50\n"
                               "identity: code\nroster_list: no\n" ITEMS
                               "roster:\n  - {id: \"880101300123\", name: Aigul, district: D}\n"
                               "  - {id: \"770202400456\", name: Bolat, district: D}\n";
static const char bd_src[] =
    "exam: who-bd\nversion: 1\ntitle: {en: Dates}\npass_mark: 50\n"
    "identity: birth_date\n" ITEMS
    "roster:\n  - {id: \"880101300123\", name: Aigul, birth_date: 31.01.1988}\n"
    "  - {id: \"770202400456\", name: Bolat, birth_date: 1977-12-02}\n";
static const char pin_src[] = "exam: who-pin\nversion: 1\ntitle: {en: Proctor}\npass_mark: 50\n"
                              "identity: proctor\nproctor_pin: \"4821\"\n" ITEMS;
static const char none_src[] =
    "exam: who-none\nversion: 1\ntitle: {en: None}\npass_mark: 50\n" ITEMS
    "roster:\n  - {id: \"880101300123\", name: Aigul, birth_date: 05.05.1955}\n";

static char code_a[16], code_b[16];

static sq_exam_set *load_set(const char *src, const char *name)
{
    char path[400];
    sq_err e;
    sq_exam_set *set = sq_exam_set_new();
    snprintf(path, sizeof path, "%s/%s.yaml", f.dir, name);
    CHECK_INT(0, fx_write(path, src, strlen(src)));
    CHECK_OK(sq_exam_set_load(set, path, &e), &e);
    return set;
}

static bool has(const uint8_t *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return true;
    return false;
}

/* Central's codes: 8 digits, the same every time for an exam, another
 * exam's otherwise; none for an exam that does not check codes. */
static void test_codes(void)
{
    sq_err e;
    sq_roster_code *c = NULL, *c2 = NULL;
    size_t n = 0, n2 = 0;
    sq_exam_set *set = load_set(code_src, "codes"), *set2 = load_set(code_src, "codes2");
    sq_exam_set *bd = load_set(bd_src, "bd");

    CHECK_INT(SQ_IDENTITY_CODE, sq_exam_set_identity(set, 0));
    CHECK_OK(sq_exam_set_codes(set, 0, f.central, &c, &n, &e), &e);
    CHECK_INT(2, n);
    if (n == 2) {
        CHECK_STR("880101300123", c[0].id);
        CHECK_STR("Aigul", c[0].name);
        CHECK_INT(SQ_IDENTITY_CODE_DIGITS, strlen(c[0].code));
        CHECK(strspn(c[0].code, "0123456789") == SQ_IDENTITY_CODE_DIGITS);
        CHECK(strcmp(c[0].code, c[1].code) != 0);
        snprintf(code_a, sizeof code_a, "%s", c[0].code);
        snprintf(code_b, sizeof code_b, "%s", c[1].code);
    }
    CHECK_OK(sq_exam_set_codes(set2, 0, f.central, &c2, &n2, &e), &e);
    CHECK(n2 == 2 && strcmp(c[0].code, c2[0].code) == 0);
    sq_free(c);
    sq_free(c2);

    CHECK_INT(SQ_EINVAL, sq_exam_set_codes(bd, 0, f.central, &c, &n, &e));
    CHECK_CONTAINS("has 'identity: birth_date', not 'identity: code'", e.msg);
    CHECK(c == NULL && n == 0);

    /* Without sign.key there is no secret to make them from. */
    sq_central_keys *results_only = NULL;
    CHECK_OK(sq_central_open(f.central_dir, SQ_CENTRAL_RESULTS, &results_only, &e), &e);
    CHECK_INT(SQ_ESTATE, sq_exam_set_codes(set, 0, results_only, &c, &n, &e));
    CHECK_CONTAINS("sign.key", e.msg);
    sq_central_close(results_only);
    sq_exam_set_free(set);
    sq_exam_set_free(set2);
    sq_exam_set_free(bd);
}

/* A bundle of all four opened as the station opens it: hashes and keys,
 * never a code, a date of birth or the PIN. */
static void test_bundle_form(void)
{
    char path[400];
    sq_err e;
    const char *srcs[] = {code_src, bd_src, pin_src, none_src};
    const char *names[] = {"b-code", "b-bd", "b-pin", "b-none"};
    for (int i = 0; i < 4; i++) {
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s.sqb", f.dir, names[i]);
        CHECK_INT(0, fx_bundle(&f, srcs[i], path, NULL, 0));
        uint8_t *buf = fx_read(path, &len);
        bundle_header h;
        json_t *exams = NULL;
        CHECK(buf != NULL);
        if (!buf)
            continue;
        CHECK_OK(sqi_bundle_open(buf, len, sq_central_sign_pk(f.central), "st-001",
                                 sqi_station_keys_box_pk(f.keys), sqi_station_keys_box_sk(f.keys),
                                 &h, &exams, &e),
                 &e);
        json_t *x = json_array_get(exams, 0);
        char *text = json_dumps(exams, JSON_COMPACT);
        CHECK(text != NULL);
        if (text) {
            CHECK(!strstr(text, "\"birth_date\":"));
            CHECK(!strstr(text, "1988-01-31") && !strstr(text, "31.01.1988"));
            CHECK(!strstr(text, "1955-05-05"));
            CHECK(!strstr(text, "proctor_pin") && !strstr(text, "\"4821\""));
            CHECK(!code_a[0] || !strstr(text, code_a));
        }
        json_t *r0 = json_array_get(json_object_get(x, "roster"), 0);
        if (i < 2) {
            CHECK(json_is_string(json_object_get(x, "identity_key")));
            CHECK(json_is_string(json_object_get(r0, "secret")));
        } else {
            CHECK(json_object_get(x, "identity_key") == NULL);
            CHECK(r0 == NULL || json_object_get(r0, "secret") == NULL);
        }
        if (i == 2)
            CHECK(strncmp(json_string_value(json_object_get(x, "proctor_hash")) ?: "", "$argon2id$",
                          10) == 0);
        free(text);
        json_decref(exams);
        free(buf);

        sq_import_report rep;
        CHECK_OK(sq_import_file(f.store, path, NULL, &rep, &e), &e);
    }
    /* Nor in the store's file. */
    size_t len = 0;
    uint8_t *db = fx_read(f.db_path, &len);
    CHECK(db != NULL);
    if (db) {
        CHECK(!has(db, len, "1988-01-31"));
        CHECK(!has(db, len, "4821"));
        CHECK(code_a[0] && !has(db, len, code_a));
    }
    free(db);

    /* What the kiosk learns of each exam. */
    sq_exam_info *info = NULL;
    size_t n = 0;
    CHECK_OK(sq_catalog_exams(f.store, &info, &n, &e), &e);
    CHECK_INT(4, n);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(info[i].id, "who-code")) {
            CHECK_INT(SQ_IDENTITY_CODE, info[i].identity);
            CHECK_INT(0, info[i].roster_list);
        } else if (!strcmp(info[i].id, "who-bd")) {
            CHECK_INT(SQ_IDENTITY_BIRTH_DATE, info[i].identity);
            CHECK_INT(1, info[i].roster_list);
        } else if (!strcmp(info[i].id, "who-pin")) {
            CHECK_INT(SQ_IDENTITY_PROCTOR, info[i].identity);
        } else {
            CHECK_INT(SQ_IDENTITY_NONE, info[i].identity);
            CHECK_INT(1, info[i].roster_list);
        }
    }
    sq_free(info);
}

/* A station refuses a bundle whose content carries the checks in the clear
 * (one not made by sq_bundle_build). */
static void test_clear_refused(void)
{
    static const char *const docs[] = {
        "\"roster\": [{\"id\": \"a\", \"birth_date\": \"1990-01-01\"}]",
        "\"roster\": [], \"identity\": \"proctor\", \"proctor_pin\": \"1234\"",
        "\"roster\": [{\"id\": \"a\"}], \"identity\": \"code\"",
    };
    static const char *const why[] = {"carries dates of birth in the clear",
                                      "carries the proctor's PIN in the clear",
                                      "has no identity key for its check"};
    for (size_t i = 0; i < 3; i++) {
        char text[2048];
        sq_err e;
        json_t *out = NULL;
        snprintf(text, sizeof text,
                 "{\"format\": 1, \"exams\": [{\"id\": \"t\", \"version\": 1, \"title\": {\"en\": "
                 "\"T\"}, \"time_limit_s\": 0, \"pass_percent\": 0, \"attempts\": 0, "
                 "\"show_score\": true, \"shuffle_items\": true, \"shuffle_options\": true, "
                 "\"topics\": [], \"blueprint\": [], %s, \"items\": [{\"id\": \"q1\", \"type\": "
                 "\"single\", \"topic\": null, \"points\": 1, \"text\": {\"en\": \"Q\"}, "
                 "\"options\": [{\"text\": {\"en\": \"a\"}, \"correct\": true}, {\"text\": "
                 "{\"en\": \"b\"}, \"correct\": false}]}]}]}",
                 docs[i]);
        CHECK_INT(SQ_ECORRUPT,
                  sqi_bundle_payload_decode((const uint8_t *)text, strlen(text), &out, &e));
        CHECK_CONTAINS(why[i], e.msg);
        CHECK(out == NULL);
    }
}

/* The newest audit line. */
static sq_audit_entry last_audit(void)
{
    sq_audit_entry *l = NULL, out = {0};
    size_t n = 0;
    sq_err e;
    CHECK_OK(sq_tech_audit_list(f.store, 1, &l, &n, &e), &e);
    if (n == 1)
        out = l[0];
    sq_free(l);
    return out;
}

static int64_t audit_count(void)
{
    sq_audit_entry *l = NULL;
    size_t n = 0;
    sq_err e;
    CHECK_OK(sq_tech_audit_list(f.store, 10000, &l, &n, &e), &e);
    sq_free(l);
    return (int64_t)n;
}

/* Whether trainee has an attempt open at exam, and the results recorded. */
static bool open_attempt(const char *exam, const char *trainee)
{
    bool open = true;
    sq_err e;
    CHECK_OK(sq_catalog_open_attempt(f.store, exam, trainee, &open, &e), &e);
    return open;
}

static void test_code_check(void)
{
    sq_err e;
    int64_t wait = -1;
    const char *a = "880101300123", *b = "770202400456";

    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-code", a, code_a, &wait, &e), &e);
    CHECK_INT(0, wait);
    sq_audit_entry l = last_audit();
    CHECK_STR("identity", l.action);
    CHECK_STR("ok", l.outcome);
    CHECK_CONTAINS("who-code", l.detail);
    CHECK(!strstr(l.detail, a)); /* the log names no trainee id */

    /* Another's code, a code off by one digit: wrong; nothing started. */
    char off[16];
    snprintf(off, sizeof off, "%s", code_a);
    off[7] = off[7] == '9' ? '0' : (char)(off[7] + 1);
    int64_t before = audit_count(), pending0 = -1, pending1 = -2, last0 = 0, last1 = 0;
    CHECK_OK(sq_batch_counts(f.store, &pending0, &last0, &e), &e);
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-code", a, code_b, &wait, &e));
    CHECK_CONTAINS("wrong code", e.msg);
    CHECK_INT(0, wait);
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-code", a, off, &wait, &e));
    CHECK_INT(before + 2, audit_count());
    l = last_audit();
    CHECK_STR("auth", l.outcome);
    CHECK_CONTAINS("wrong code, 2 in a row", l.detail);
    CHECK(!open_attempt("who-code", a));
    CHECK_OK(sq_batch_counts(f.store, &pending1, &last1, &e), &e);
    CHECK_INT(pending0, pending1); /* no result, no attempt, came of it */
    CHECK_INT(last0, last1);

    /* Letters, or too few digits: a clear error, not counted, logged. */
    CHECK_INT(SQ_EINVAL, sq_identity_check(f.store, "kiosk", "who-code", a, "12ab5678", &wait, &e));
    CHECK_CONTAINS("a code is 8 digits", e.msg);
    CHECK_INT(SQ_EINVAL, sq_identity_check(f.store, "kiosk", "who-code", a, "", &wait, &e));
    CHECK_STR("invalid", last_audit().outcome);

    /* The third wrong one starts the wait; during it even the right code
     * is not compared, and the store is left as it was but for the log. */
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-code", a, off, &wait, &e));
    CHECK_INT(sq_tech_pin_delay_ms(3), wait);
    CHECK(wait > 0);
    CHECK_INT(SQ_EBUSY, sq_identity_check(f.store, "kiosk", "who-code", a, code_a, &wait, &e));
    CHECK_CONTAINS("wait 15 s", e.msg);
    CHECK_STR("busy", last_audit().outcome);
    CHECK(!open_attempt("who-code", a));

    /* Another trainee is not held up by it. */
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-code", b, code_b, &wait, &e), &e);

    /* The wait survives a restart, and runs on the monotonic clock. */
    CHECK_INT(0, fx_reopen(&f));
    f.fc.mono_ms += 10000;
    CHECK_INT(SQ_EBUSY, sq_identity_check(f.store, "kiosk", "who-code", a, code_a, &wait, &e));
    CHECK_INT(5000, wait);
    f.fc.mono_ms += 5000;
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-code", a, code_a, &wait, &e), &e);
    /* Right: the count starts again. */
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-code", a, off, &wait, &e));
    CHECK_INT(0, wait);
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-code", a, code_a, &wait, &e), &e);

    /* Not on the roster; no such exam. */
    CHECK_INT(SQ_ENOTFOUND,
              sq_identity_check(f.store, "kiosk", "who-code", "999", code_a, &wait, &e));
    CHECK_INT(SQ_ENOTFOUND, sq_identity_check(f.store, "kiosk", "nope", a, code_a, &wait, &e));
    /* An exam that asks nothing: right, nothing logged. */
    before = audit_count();
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-none", a, "", &wait, &e), &e);
    CHECK_INT(before, audit_count());
}

static void test_birth_date_check(void)
{
    sq_err e;
    int64_t wait;
    const char *a = "880101300123", *b = "770202400456";
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-bd", a, "31.01.1988", &wait, &e), &e);
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-bd", b, "02.12.1977", &wait, &e), &e);
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-bd", a, "02.12.1977", &wait, &e));
    CHECK_CONTAINS("wrong date of birth", e.msg);
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-bd", b, "31.01.1988", &wait, &e));
    CHECK_INT(SQ_EINVAL, sq_identity_check(f.store, "kiosk", "who-bd", a, "31.02.1988", &wait, &e));
    CHECK_CONTAINS("DD.MM.YYYY", e.msg);
    CHECK_INT(SQ_EINVAL, sq_identity_check(f.store, "kiosk", "who-bd", a, "3101198", &wait, &e));
    CHECK(!open_attempt("who-bd", a));
}

static void test_proctor_check(void)
{
    sq_err e;
    int64_t wait;
    uint8_t d1[32], d2[32];
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-pin", "anyone-1", "4821", &wait, &e), &e);
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-pin", "x1", "4812", &wait, &e));
    CHECK_CONTAINS("wrong proctor PIN", e.msg);
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-pin", "x2", "1111", &wait, &e));
    CHECK_INT(SQ_EAUTH, sq_identity_check(f.store, "kiosk", "who-pin", "x3", "2222", &wait, &e));
    CHECK(wait > 0);
    /* Guessing the exam's PIN under ever new ids gains nothing: counted per
     * exam. While the wait runs, a try changes only the log. */
    CHECK_INT(0, fx_digest(f.db_path, d1));
    CHECK_INT(SQ_EBUSY, sq_identity_check(f.store, "kiosk", "who-pin", "x4", "4821", &wait, &e));
    CHECK_INT(0, fx_digest(f.db_path, d2));
    CHECK(memcmp(d1, d2, 32) != 0); /* the audit line */
    CHECK_STR("busy", last_audit().outcome);
    CHECK(!open_attempt("who-pin", "x4"));
    f.fc.mono_ms += wait;
    CHECK_OK(sq_identity_check(f.store, "kiosk", "who-pin", "x4", "4821", &wait, &e), &e);
}

int main(void)
{
    if (sodium_init() < 0 || fx_setup(&f, "st-001"))
        return 1;
    test_codes();
    test_bundle_form();
    test_clear_refused();
    test_code_check();
    test_birth_date_check();
    test_proctor_check();
    fx_teardown(&f);
    return check_report("test_identity");
}
