/*
 * test_tech.c - the technician's side of a station: the PIN (refused
 * PINs, the right one, wrong ones slowed down more and more on the
 * store's monotonic clock, a wait that survives a restart and a reboot,
 * the cap on the wait), every attempt one row of the audit log, the PIN's
 * hash sealed in the store; the audit log itself (newest first, a detail
 * cut on a UTF-8 boundary, updates and deletes refused by SQLite); and
 * sq_tech_status_get (results, exams, sync-status.json, disk, and a fresh
 * check of the store's records).
 *
 * Argon2id makes each real PIN comparison cost a fraction of a second:
 * the test makes about fifteen of them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "check.h"
#include "utf8check.h"
#include "fixture.h"
#include "util_int.h"
#include "synaq/tech.h"
#include "synaq/usb.h"

static fixture f;

/* ---- small helpers ---- */

static int64_t audit_rows(void)
{
    sq_err e;
    sq_audit_entry *list = NULL;
    size_t n = 0;
    if (sq_tech_audit_list(f.store, 100000, &list, &n, &e)) {
        fprintf(stderr, "audit_rows: %s\n", e.msg);
        return -1;
    }
    sq_free(list);
    return (int64_t)n;
}

/* The newest line of the audit log into *out; false if none. */
static bool audit_newest(sq_audit_entry *out)
{
    sq_err e;
    sq_audit_entry *list = NULL;
    size_t n = 0;
    bool ok = sq_tech_audit_list(f.store, 1, &list, &n, &e) == SQ_OK && n == 1;
    if (ok)
        *out = list[0];
    sq_free(list);
    return ok;
}

/* One PIN attempt: the status, the wait it reports (-1: do not look) and
 * the phrase of its message; and that it made exactly one new line of the
 * audit log, "pin" by "test", with the status's name as its outcome. */
static void attempt(const char *pin, sq_status want, int64_t want_wait, const char *phrase,
                    int line)
{
    sq_err e = {0};
    int64_t wait = -7;
    int64_t rows = audit_rows();
    sq_status st = sq_tech_pin_check(f.store, "test", pin, &wait, &e);
    sq_audit_entry a;
    bool logged = audit_newest(&a);
    int64_t rows_after = audit_rows();
    check_count++;
    if (st != want || (want_wait >= 0 && wait != want_wait) ||
        (phrase && st && !strstr(e.msg, phrase))) {
        check_failures++;
        fprintf(stderr,
                "%s:%d: PIN \"%s\": expected status %d (%s) wait %lld \"%s\"; got %d wait "
                "%lld \"%s\"\n",
                __FILE__, line, pin ? pin : "(null)", want, sq_status_name(want),
                (long long)want_wait, phrase ? phrase : "", st, (long long)wait, st ? e.msg : "");
    }
    check_count++;
    if (rows_after != rows + 1 || !logged || strcmp(a.action, "pin") != 0 ||
        strcmp(a.actor, "test") != 0 || strcmp(a.outcome, sq_status_name(want)) != 0 ||
        a.wall_s != f.fc.wall_s) {
        check_failures++;
        fprintf(stderr,
                "%s:%d: PIN \"%s\": expected one new audit line pin/test/%s, got %lld "
                "new, the newest %s/%s/%s \"%s\"\n",
                __FILE__, line, pin ? pin : "(null)", sq_status_name(want),
                (long long)(rows_after - rows), logged ? a.action : "-", logged ? a.actor : "-",
                logged ? a.outcome : "-", logged ? a.detail : "");
    }
}
#define ATTEMPT(pin, want, wait, phrase) attempt(pin, want, wait, phrase, __LINE__)

static void state(bool want_set, int want_fails, int64_t want_wait, int line)
{
    sq_err e = {0};
    bool is_set = !want_set;
    int fails = -1;
    int64_t wait = -1;
    sq_status st = sq_tech_pin_state(f.store, &is_set, &fails, &wait, &e);
    check_count++;
    if (st || is_set != want_set || fails != want_fails || wait != want_wait) {
        check_failures++;
        fprintf(stderr,
                "%s:%d: PIN state: expected set %d, fails %d, wait %lld; got %d, %d, "
                "%lld (%s)\n",
                __FILE__, line, want_set, want_fails, (long long)want_wait, is_set, fails,
                (long long)wait, st ? e.msg : "ok");
    }
}
#define STATE(set, fails, wait) state(set, fails, wait, __LINE__)

static bool contains(const uint8_t *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; hay && i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

static bool file_has(const char *path, const char *needle)
{
    size_t len = 0;
    uint8_t *buf = fx_read(path, &len);
    bool found = contains(buf, len, needle);
    free(buf);
    return found;
}

static int exec_sql(const char *sql, char *errbuf, size_t cap)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc = sqlite3_open_v2(f.db_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (errbuf)
        snprintf(errbuf, cap, "%s", msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

/* ---- the PIN ---- */

static void test_pin_unset_and_set(void)
{
    sq_err e = {0};
    uint8_t before[32], after[32];
    STATE(false, 0, 0);
    ATTEMPT("2468", SQ_ENOTFOUND, 0, "no technician PIN is set");
    ATTEMPT(NULL, SQ_ENOTFOUND, 0, "no technician PIN is set");

    static const char *const bad[] = {
        "123", "1234567890123", "12a4", "", "12 34", "-123", "１２３４" /* fullwidth digits */,
        NULL};
    fx_digest(f.db_path, before);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ERR(SQ_EINVAL, "4 to 12 digits", sq_tech_pin_set(f.store, "test", bad[i], &e), &e);
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    STATE(false, 0, 0);

    int64_t rows = audit_rows();
    CHECK_OK(sq_tech_pin_set(f.store, "synaqctl", "2468", &e), &e);
    CHECK_INT(rows + 1, audit_rows());
    sq_audit_entry a;
    CHECK(audit_newest(&a));
    CHECK_STR("pin-set", a.action);
    CHECK_STR("synaqctl", a.actor);
    CHECK_STR("ok", a.outcome);
    STATE(true, 0, 0);
}

static void test_pin_waits(void)
{
    /* Table: the schedule itself. */
    static const struct {
        int fails;
        int64_t ms;
    } schedule[] = {
        {-1, 0},
        {0, 0},
        {1, 0},
        {SQ_PIN_FREE_TRIES - 1, 0},
        {SQ_PIN_FREE_TRIES, SQ_PIN_FIRST_WAIT_MS},
        {SQ_PIN_FREE_TRIES + 1, 2 * SQ_PIN_FIRST_WAIT_MS},
        {SQ_PIN_FREE_TRIES + 2, 4 * SQ_PIN_FIRST_WAIT_MS},
        {SQ_PIN_FREE_TRIES + 7, 128 * SQ_PIN_FIRST_WAIT_MS}, /* 32 min */
        {SQ_PIN_FREE_TRIES + 8, SQ_PIN_MAX_WAIT_MS},         /* 64 min: capped at 60 */
        {SQ_PIN_FREE_TRIES + 9, SQ_PIN_MAX_WAIT_MS},
        {1000, SQ_PIN_MAX_WAIT_MS},
        {2147483647, SQ_PIN_MAX_WAIT_MS},
    };
    for (size_t i = 0; i < sizeof schedule / sizeof schedule[0]; i++)
        CHECK_INT(schedule[i].ms, sq_tech_pin_delay_ms(schedule[i].fails));
    for (int k = 0; k < 100; k++)
        CHECK(sq_tech_pin_delay_ms(k + 1) >= sq_tech_pin_delay_ms(k));

    /* The right PIN. */
    ATTEMPT("2468", SQ_OK, 0, NULL);
    STATE(true, 0, 0);
    /* Wrong ones: the first free ones cost no wait, then it doubles. */
    for (int i = 1; i < SQ_PIN_FREE_TRIES; i++) {
        ATTEMPT("1357", SQ_EAUTH, 0, "wrong PIN");
        STATE(true, i, 0);
    }
    ATTEMPT("24680", SQ_EAUTH, SQ_PIN_FIRST_WAIT_MS, "wrong PIN");
    STATE(true, SQ_PIN_FREE_TRIES, SQ_PIN_FIRST_WAIT_MS);
    sq_audit_entry a;
    CHECK(audit_newest(&a));
    CHECK(strstr(a.detail, "3 in a row") && strstr(a.detail, "15 s"));
    /* During the wait even the right PIN is refused unchecked. */
    ATTEMPT("2468", SQ_EBUSY, SQ_PIN_FIRST_WAIT_MS, "wait 15 s");
    f.fc.mono_ms += 5000;
    ATTEMPT("2468", SQ_EBUSY, SQ_PIN_FIRST_WAIT_MS - 5000, "wait 10 s");
    ATTEMPT(NULL, SQ_EBUSY, SQ_PIN_FIRST_WAIT_MS - 5000, "wait");
    STATE(true, SQ_PIN_FREE_TRIES, SQ_PIN_FIRST_WAIT_MS - 5000);
    /* A millisecond before the end: still refused; at the end: allowed. */
    f.fc.mono_ms += SQ_PIN_FIRST_WAIT_MS - 5000 - 1;
    ATTEMPT("2468", SQ_EBUSY, 1, "wait 1 s");
    f.fc.mono_ms += 1;
    ATTEMPT("0000", SQ_EAUTH, 2 * SQ_PIN_FIRST_WAIT_MS, "wrong PIN");
    STATE(true, SQ_PIN_FREE_TRIES + 1, 2 * SQ_PIN_FIRST_WAIT_MS);
    f.fc.mono_ms += 2 * SQ_PIN_FIRST_WAIT_MS;
    ATTEMPT("9999", SQ_EAUTH, 4 * SQ_PIN_FIRST_WAIT_MS, "wrong PIN");

    /* A restart keeps the count and the wait. */
    CHECK_INT(0, fx_reopen(&f));
    STATE(true, SQ_PIN_FREE_TRIES + 2, 4 * SQ_PIN_FIRST_WAIT_MS);
    ATTEMPT("2468", SQ_EBUSY, 4 * SQ_PIN_FIRST_WAIT_MS, NULL);
    f.fc.mono_ms += 20000;
    CHECK_INT(0, fx_reopen(&f));
    STATE(true, SQ_PIN_FREE_TRIES + 2, 4 * SQ_PIN_FIRST_WAIT_MS - 20000);
    /* The wall clock does not count. */
    f.fc.wall_s += 24 * 3600;
    STATE(true, SQ_PIN_FREE_TRIES + 2, 4 * SQ_PIN_FIRST_WAIT_MS - 20000);
    /* Past the wait, the right PIN opens and the count starts again. */
    f.fc.mono_ms += 4 * SQ_PIN_FIRST_WAIT_MS - 20000;
    ATTEMPT("2468", SQ_OK, 0, NULL);
    STATE(true, 0, 0);
    CHECK(audit_newest(&a));
    CHECK_STR("technician mode opened", a.detail);
}

static void test_pin_reboot(void)
{
    sq_err e = {0};
    /* Three wrong PINs late in a long uptime (about 12 days). */
    f.fc.mono_ms = (int64_t)12 * 24 * 3600 * 1000;
    for (int i = 0; i < SQ_PIN_FREE_TRIES; i++)
        ATTEMPT("1111", SQ_EAUTH, i + 1 < SQ_PIN_FREE_TRIES ? 0 : SQ_PIN_FIRST_WAIT_MS, NULL);
    /* A reboot: the monotonic clock starts again near zero. The wait is a
     * full one from now: not none, not twelve days. */
    f.fc.mono_ms = 5000;
    CHECK_INT(0, fx_reopen(&f));
    STATE(true, SQ_PIN_FREE_TRIES, SQ_PIN_FIRST_WAIT_MS);
    ATTEMPT("2468", SQ_EBUSY, SQ_PIN_FIRST_WAIT_MS, NULL);
    f.fc.mono_ms += SQ_PIN_FIRST_WAIT_MS / 2;
    STATE(true, SQ_PIN_FREE_TRIES, SQ_PIN_FIRST_WAIT_MS / 2);
    ATTEMPT("2468", SQ_EBUSY, SQ_PIN_FIRST_WAIT_MS / 2, NULL);
    /* Once that full wait has passed, the right PIN opens. */
    f.fc.mono_ms += SQ_PIN_FIRST_WAIT_MS / 2 + 1;
    STATE(true, SQ_PIN_FREE_TRIES, 0);
    ATTEMPT("2468", SQ_OK, 0, NULL);
    /* Whatever came of it, start the next test from a clean count. */
    CHECK_OK(sq_tech_pin_set(f.store, "test", "2468", &e), &e);
    STATE(true, 0, 0);
}

static void test_pin_cap(void)
{
    char msg[256];
    /* Twenty wrong attempts in a row, written straight into the store
     * (twenty Argon2id checks would take long): the next wrong one waits
     * the cap, not 15 s * 2^18. */
    sq_store_close(f.store);
    f.store = NULL;
    CHECK_INT(SQLITE_OK, exec_sql("INSERT OR REPLACE INTO meta(key, value) VALUES "
                                  "('tech_pin_fails', 20), ('tech_pin_until_mono', 0)",
                                  msg, sizeof msg));
    CHECK_INT(0, fx_reopen(&f));
    STATE(true, 20, 0);
    ATTEMPT("1111", SQ_EAUTH, SQ_PIN_MAX_WAIT_MS, NULL);
    STATE(true, 21, SQ_PIN_MAX_WAIT_MS);
    f.fc.mono_ms += SQ_PIN_MAX_WAIT_MS - 1;
    ATTEMPT("2468", SQ_EBUSY, 1, NULL);
    f.fc.mono_ms += 1;
    STATE(true, 21, 0);
}

static void test_pin_sealed(void)
{
    char wal[400];
    snprintf(wal, sizeof wal, "%s-wal", f.db_path);
    /* The search works: the meta key's name is there in clear. */
    bool found = file_has(f.db_path, "tech_pin") || file_has(wal, "tech_pin");
    if (!found)
        fprintf(stderr, "test_pin_sealed: \"tech_pin\" not found: the search is broken\n");
    CHECK(found);
    static const char *const never[] = {"argon2id", "$argon2", "m=65536"};
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            CHECK_INT(0, fx_reopen(&f)); /* checkpointed into the file */
        for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
            CHECK(!file_has(f.db_path, never[i]));
            CHECK(!file_has(wal, never[i]));
        }
    }
}

/* ---- the audit log ---- */

static void test_audit(void)
{
    sq_err e = {0};
    sq_audit_entry *list = NULL;
    size_t n = 0;
    f.fc.wall_s += 10;
    CHECK_OK(sq_tech_audit_add(f.store, "synaqctl", "import-usb", SQ_OK, "2 bundles", &e), &e);
    f.fc.wall_s += 10;
    CHECK_OK(
        sq_tech_audit_add(f.store, "synaqctl", "export-usb", SQ_EFULL, "the stick is full", &e),
        &e);
    f.fc.wall_s += 10;
    CHECK_OK(sq_tech_audit_add(f.store, "kiosk", "exit", SQ_OK, NULL, &e), &e);
    CHECK_OK(sq_tech_audit_list(f.store, 2, &list, &n, &e), &e);
    CHECK_INT(2, n);
    if (n == 2) {
        CHECK_STR("exit", list[0].action);
        CHECK_STR("kiosk", list[0].actor);
        CHECK_STR("ok", list[0].outcome);
        CHECK_STR("", list[0].detail);
        CHECK_INT(f.fc.wall_s, list[0].wall_s);
        CHECK_STR("export-usb", list[1].action);
        CHECK_STR("full", list[1].outcome);
        CHECK_STR("the stick is full", list[1].detail);
        CHECK_INT(f.fc.wall_s - 10, list[1].wall_s);
        CHECK_INT(list[0].n - 1, list[1].n);
    }
    sq_free(list);
    CHECK_OK(sq_tech_audit_list(f.store, 0, &list, &n, &e), &e);
    CHECK_INT(0, n);
    CHECK(list == NULL);
    CHECK_OK(sq_tech_audit_list(f.store, 100000, &list, &n, &e), &e);
    CHECK(n > 20);
    for (size_t i = 0; i + 1 < n; i++)
        CHECK(list[i].n > list[i + 1].n);
    if (n)
        CHECK_INT(1, list[n - 1].n);
    sq_free(list);

    /* Details cut at 399 bytes, never inside a character. */
    static const struct {
        const char *head, *unit;
        int units;
        size_t want;
    } cuts[] = {
        {"", "д", 300, 398},   /* 2-byte letters: 399 would split one */
        {"x", "Қ", 300, 399},  /* shifted by one: 399 falls between two */
        {"ab", "…", 200, 398}, /* 3 bytes each */
        {"", "😀", 150, 396},   /* 4 bytes each */
        {"", "a", 500, 399},   /* ASCII */
        {"", "a", 399, 399},   /* exactly the limit: whole */
        {"", "ә", 199, 398},   /* under the limit: whole */
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char in[2400];
        size_t o = (size_t)snprintf(in, sizeof in, "%s", cuts[i].head);
        for (int k = 0; k < cuts[i].units; k++)
            o += (size_t)snprintf(in + o, sizeof in - o, "%s", cuts[i].unit);
        sq_audit_entry a;
        CHECK_OK(sq_tech_audit_add(f.store, "test", "cut", SQ_OK, in, &e), &e);
        CHECK(audit_newest(&a));
        size_t len = strlen(a.detail);
        if (len != cuts[i].want)
            fprintf(stderr, "%s:%d: cut %zu (%s x %d): %zu bytes, expected %zu\n", __FILE__,
                    __LINE__, i, cuts[i].unit, cuts[i].units, len, cuts[i].want);
        CHECK_INT(cuts[i].want, len);
        CHECK(utf8_check(a.detail, len, false));
        CHECK(strncmp(a.detail, in, len) == 0);
    }

    /* Append-only: SQLite itself refuses to change or remove a line. */
    uint8_t before[32], after[32];
    char msg[256];
    fx_digest(f.db_path, before);
    static const char *const sql[] = {
        "UPDATE audit SET detail = 'nothing happened'",
        "UPDATE audit SET outcome = 'ok' WHERE action = 'pin'",
        "DELETE FROM audit",
        "DELETE FROM audit WHERE n = 1",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        int rc = exec_sql(sql[i], msg, sizeof msg);
        CHECK(rc != SQLITE_OK);
        if (!strstr(msg, "append-only"))
            fprintf(stderr, "%s:%d: %s: \"%s\"\n", __FILE__, __LINE__, sql[i], msg);
        CHECK(strstr(msg, "append-only") != NULL);
    }
    fx_digest(f.db_path, after);
    CHECK(memcmp(before, after, 32) == 0);
    /* And the store's own connection writes on. */
    CHECK_OK(sq_tech_audit_add(f.store, "test", "after", SQ_OK, "still writable", &e), &e);
}

/* ---- the station's status ---- */

static void import_exam(const char *id, int version)
{
    sq_err e;
    sq_import_report r;
    char path[400];
    snprintf(path, sizeof path, "%s/%s-%d.sqb", f.dir, id, version);
    char *yaml = fx_exam_yaml(id, version, 2, 0);
    CHECK_INT(0, fx_bundle(&f, yaml, path, NULL, 0));
    free(yaml);
    CHECK_OK(sq_import_file(f.store, path, NULL, &r, &e), &e);
}

static void finish_one(const char *trainee)
{
    sq_err e;
    sq_attempt *a = NULL;
    sq_outcome o;
    CHECK_OK(sq_attempt_start(f.store, "beta", trainee, "Айгүл Сынақова", &a, &e), &e);
    if (!a)
        return;
    CHECK_OK(sq_attempt_answer(a, 0, 1, &e), &e);
    CHECK_OK(sq_attempt_finish(a, &o, &e), &e);
    sq_attempt_free(a);
}

static void test_status(void)
{
    sq_err e = {0};
    sq_tech_status st;
    char home[400], json[500];
    snprintf(home, sizeof home, "%s/home", f.dir);
    mkdir(home, 0755);
    snprintf(json, sizeof json, "%s/sync-status.json", home);

    /* Nothing yet. */
    CHECK_OK(sq_tech_status_get(f.store, f.keys, home, &st, &e), &e);
    CHECK_STR("st-001", st.station_id);
    CHECK_STR("Test district", st.district);
    CHECK_STR(sq_version(), st.software);
    CHECK_STR("", st.content);
    CHECK_INT(0, st.n_exams);
    CHECK_INT(0, st.pending);
    CHECK_INT(0, st.exported);
    CHECK_INT(0, st.oldest_pending_s);
    CHECK_INT(0, st.last_seq);
    CHECK_INT(f.fc.wall_s, st.wall_s);
    CHECK(st.disk_free_bytes > 0);
    CHECK(!st.sync_known);
    CHECK_INT(0, st.sync_last_success_s);
    CHECK_STR("", st.sync_last_error);

    /* Two exams, two results a hundred seconds apart. */
    import_exam("beta", 1);
    import_exam("alpha", 3);
    int64_t w0 = f.fc.wall_s;
    finish_one("T-1");
    f.fc.wall_s += 100;
    f.fc.mono_ms += 100000;
    finish_one("T-2");
    f.fc.wall_s += 600;
    f.fc.mono_ms += 600000;
    CHECK_OK(sq_tech_status_get(f.store, f.keys, NULL, &st, &e), &e);
    CHECK_STR("alpha:3 beta:1", st.content);
    CHECK_INT(2, st.n_exams);
    CHECK_INT(2, st.pending);
    CHECK_INT(2, st.last_seq);
    CHECK_INT(f.fc.wall_s - w0, st.oldest_pending_s);
    CHECK_INT(700, st.oldest_pending_s);
    CHECK_INT(0, st.exported);
    CHECK(!st.sync_known);
    /* A newer version of an exam replaces the older one in the list. */
    import_exam("alpha", 4);
    CHECK_OK(sq_tech_status_get(f.store, f.keys, NULL, &st, &e), &e);
    CHECK_STR("alpha:4 beta:1", st.content);
    CHECK_INT(2, st.n_exams);

    /* Carried out on a stick: exported, still pending. */
    char stick[400];
    snprintf(stick, sizeof stick, "%s/stick", f.dir);
    mkdir(stick, 0755);
    sq_usb_report r;
    CHECK_OK(sq_usb_export(f.store, f.keys, stick, NULL, &r, &e), &e);
    CHECK_OK(sq_tech_status_get(f.store, f.keys, NULL, &st, &e), &e);
    CHECK_INT(2, st.pending);
    CHECK_INT(2, st.exported);
    /* The older one acknowledged: the oldest pending is the newer one. */
    int64_t one = 1;
    int marked = 0;
    CHECK_OK(sq_batch_mark_sent(f.store, &one, 1, &marked, &e), &e);
    CHECK_INT(1, marked);
    CHECK_OK(sq_tech_status_get(f.store, f.keys, NULL, &st, &e), &e);
    CHECK_INT(1, st.pending);
    CHECK_INT(1, st.exported);
    CHECK_INT(600, st.oldest_pending_s);
    CHECK_INT(2, st.last_seq);

    /* What the sync daemon wrote of itself. */
    static const struct {
        const char *text;
        bool known;
        int64_t success, error_wall;
        const char *error, *kind;
    } sync[] = {
        {"{\"last_success\": 1790000100, \"last_error\": \"connection refused\","
         " \"last_error_wall\": 1790000200}",
         true, 1790000100, 1790000200, "connection refused", ""},
        {"{\"last_success\": 0, \"last_error\": \"желі жоқ\", \"last_error_wall\": 5}", true, 0, 5,
         "желі жоқ", ""},
        /* The kind of trouble (issue 16, item 11): each known one kept; an
         * unknown one (a newer daemon's) or not a string left out. */
        {"{\"last_error\": \"central not reachable\", \"last_error_kind\": \"network\","
         " \"last_error_wall\": 9}",
         true, 0, 9, "central not reachable", "network"},
        {"{\"last_error\": \"LOCKED\", \"last_error_kind\": \"locked\"}", true, 0, 0, "LOCKED",
         "locked"},
        {"{\"last_error\": \"x\", \"last_error_kind\": \"solar-flare\"}", true, 0, 0, "x", ""},
        {"{\"last_error\": \"x\", \"last_error_kind\": 3}", true, 0, 0, "x", ""},
        {"{\"last_error\": \"x\", \"last_error_kind\": \"networkXXXXXXXXXXXXXXXXXXXXXXXX\"}", true,
         0, 0, "x", ""},
        {"{\"last_success\": 42}", true, 42, 0, "", ""},
        {"{}", true, 0, 0, "", ""},
        {"{\"last_success\": \"yesterday\", \"last_error\": 7}", true, 0, 0, "", ""},
        {"{not json", false, 0, 0, "", ""},
        {"[1, 2, 3]", false, 0, 0, "", ""},
        {"", false, 0, 0, "", ""},
    };
    for (size_t i = 0; i < sizeof sync / sizeof sync[0]; i++) {
        CHECK_INT(0, fx_write(json, sync[i].text, strlen(sync[i].text)));
        memset(&st, 0x55, sizeof st);
        CHECK_OK(sq_tech_status_get(f.store, f.keys, home, &st, &e), &e);
        if (st.sync_known != sync[i].known)
            fprintf(stderr, "%s:%d: sync-status.json %zu: known %d\n", __FILE__, __LINE__, i,
                    st.sync_known);
        CHECK(st.sync_known == sync[i].known);
        CHECK_INT(sync[i].success, st.sync_last_success_s);
        CHECK_INT(sync[i].error_wall, st.sync_last_error_s);
        CHECK_STR(sync[i].error, st.sync_last_error);
        CHECK_STR(sync[i].kind, st.sync_last_error_kind);
        CHECK_INT(1, st.pending);
    }
    unlink(json);
    CHECK_OK(sq_tech_status_get(f.store, f.keys, home, &st, &e), &e);
    CHECK(!st.sync_known);

    /* The store's records: clean so far; then result 2 marked sent with
     * the shell behind the running handle's back. The status checks
     * anew: it says so, and counts result 2 as pending again. */
    CHECK_INT(0, (int)st.integrity.found.flags);
    CHECK_INT(0, st.integrity.on_record_n);
    CHECK_INT(2, st.integrity.last_seq);
    CHECK_INT(0, exec_sql("UPDATE results SET sent_wall = 1790000000 WHERE seq = 2", NULL, 0));
    CHECK_OK(sq_tech_status_get(f.store, f.keys, NULL, &st, &e), &e);
    CHECK_INT(SQ_INTEGRITY_SENT_MARKS, (int)st.integrity.found.flags);
    CHECK(st.integrity.recorded);
    CHECK_INT(1, st.integrity.found.unproven_sent);
    CHECK_INT(2, st.integrity.found.first_unproven);
    CHECK_INT(1, st.pending);
    sq_audit_entry a;
    CHECK(audit_newest(&a));
    CHECK_STR("integrity", a.action);
    CHECK_STR("store", a.actor);
    CHECK(strstr(a.detail, "1 result(s) marked sent with no record of it, pending again: 2") !=
          NULL);
    /* Looked at again: set right, on record once. */
    int64_t rows = audit_rows();
    CHECK_OK(sq_tech_status_get(f.store, f.keys, NULL, &st, &e), &e);
    CHECK_INT(0, (int)st.integrity.found.flags);
    CHECK_INT(SQ_INTEGRITY_SENT_MARKS, (int)st.integrity.on_record.flags);
    CHECK_INT(a.n, st.integrity.on_record_n);
    CHECK_INT(rows, audit_rows());
}

int main(void)
{
    if (fx_setup(&f, "st-001"))
        return 1;
    test_pin_unset_and_set();
    test_pin_waits();
    test_pin_reboot();
    test_pin_cap();
    test_pin_sealed();
    test_audit();
    test_status();
    fx_teardown(&f);
    return check_report("test_tech");
}
